#!/usr/bin/env python3
"""Independent decoder for the EVTX archive tests (tests/archives.rs).

Prints one JSON line per record of the given .evtx files, in file order, decoded with
python-evtx (a pure-Python EVTX parser unrelated to the Rust `evtx` crate):

  {"file": PATH, "record_id": N, "event_id": N|null, "auth": null | {
      "time": RFC3339 (ms, Z), "kind": "ntlm_4625|kerberos_4771|kerberos_4768|ntlm_4776",
      "code": "0xC0000064|0x6|…", "username": …, "source_ip": …|null, "host": …|null}}

The Windows semantics are written out here again on purpose (not shared with the Rust code):
4625 reports SubStatus unless it is 0 (then Status); 4771 is always a failure; 4768 and 4776
are failures only with a non-zero Status. IPv4-mapped IPv6 addresses become IPv4.

With --verify (for files we write ourselves, tests/fixtures/evtx), python-evtx's own integrity
checks must pass as well: file header (magic, version 3.1, CRC32), each chunk (magic, header
CRC32, records CRC32) and each record (size copy); a failure is printed on stderr, exit 4.
Exit status 3 when python-evtx is not installed.
"""
import ipaddress
import json
import sys
import xml.etree.ElementTree as ET

try:
    import Evtx.Evtx as evtx
except ImportError:
    sys.stderr.write("python-evtx is not installed (pip install python-evtx)\n")
    sys.exit(3)

NS = "{http://schemas.microsoft.com/win/2004/08/events/event}"
KINDS = {4625: "ntlm_4625", 4771: "kerberos_4771", 4768: "kerberos_4768", 4776: "ntlm_4776"}


def code_int(text):
    if text is None:
        return None
    t = text.strip()
    try:
        return int(t, 16) if t.lower().startswith("0x") else int(t)
    except ValueError:
        return None


def norm_ip(text):
    if text is None:
        return None
    t = text.strip().strip("[]").split("%")[0]
    try:
        ip = ipaddress.ip_address(t)
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return str(ip)


def rfc3339_ms(system_time):
    # "2021-12-03 12:06:12.900123+00:00" or "2021-12-03T12:06:12.9001234Z"
    t = system_time.replace(" ", "T").replace("+00:00", "Z")
    date, _, rest = t.partition("T")
    clock = rest.rstrip("Z")
    whole, _, frac = clock.partition(".")
    return "%sT%s.%sZ" % (date, whole, (frac + "000")[:3])


def decode(path, record):
    root = ET.fromstring(record.xml())
    system = root.find(NS + "System")
    eid_el = system.find(NS + "EventID") if system is not None else None
    try:
        event_id = int(eid_el.text) if eid_el is not None else None
    except (TypeError, ValueError):
        event_id = None
    out = {"file": path, "record_id": record.record_num(), "event_id": event_id, "auth": None}
    if event_id not in KINDS:
        return out
    data = {}
    ed = root.find(NS + "EventData")
    if ed is not None:
        for d in ed.findall(NS + "Data"):
            name = d.get("Name")
            if name and name not in data:
                data[name] = d.text or ""
    status, sub = code_int(data.get("Status")), code_int(data.get("SubStatus"))
    if event_id == 4625:
        code = sub if sub not in (None, 0) else (status if status is not None else (sub or 0))
    elif event_id == 4771:
        code = status or 0
    else:
        if not status:
            return out
        code = status
    if event_id in (4625, 4776):
        code_text = "0x%08X" % code
    else:
        code_text = "0x%X" % code
    tc = system.find(NS + "TimeCreated")
    computer = system.find(NS + "Computer")
    host = computer.text.strip() if computer is not None and computer.text else None
    out["auth"] = {
        "time": rfc3339_ms(tc.get("SystemTime")) if tc is not None else None,
        "kind": KINDS[event_id],
        "code": code_text,
        "username": (data.get("TargetUserName") or "").strip(),
        "source_ip": norm_ip(data.get("IpAddress")),
        "host": host if host not in ("", "-") else None,
    }
    return out


def integrity_problems(log):
    fh = log.get_file_header()
    problems = []
    if not fh.verify():
        problems.append("file header")
    chunks = list(fh.chunks())
    if len(chunks) != fh.chunk_count():
        problems.append("%d chunks, header says %d" % (len(chunks), fh.chunk_count()))
    for i, chunk in enumerate(chunks):
        if not chunk.verify():
            problems.append("chunk %d" % i)
        for record in chunk.records():
            if not record.verify():
                problems.append("chunk %d record %d" % (i, record.record_num()))
    return problems


def main(args):
    verify = "--verify" in args
    paths = [a for a in args if a != "--verify"]
    for path in paths:
        with evtx.Evtx(path) as log:
            if verify:
                problems = integrity_problems(log)
                if problems:
                    sys.stderr.write("%s: fails python-evtx's checks: %s\n" % (path, ", ".join(problems)))
                    sys.exit(4)
            for record in log.records():
                print(json.dumps(decode(path, record)))


if __name__ == "__main__":
    main(sys.argv[1:])
