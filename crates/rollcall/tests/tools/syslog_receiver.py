#!/usr/bin/env python3
"""A stand-in for QRadar's syslog listener in rollcall's delivery tests (qradar_delivery.rs,
send_test_event.rs): a separate process the test starts, kills (SIGKILL) and restarts.

  syslog_receiver.py --port P --out FILE [--tls CERT KEY [--client-ca CA]]

Listens on 127.0.0.1:P (TCP, or TLS with the given certificate; with --client-ca a client
certificate signed by CA is required). Every connection is read until EOF; the framing is
detected per connection like a syslog server does: a first byte that is a digit means RFC 6587
octet counting (`LEN SP MSG`), anything else LF-terminated lines. Each message is appended to
FILE as one line, prefixed with the framing seen (`lf ` or `octet `), and flushed at once, so
what the receiver took survives its own SIGKILL. When listening, prints `listening P`.
Standard library only.
"""
import argparse
import socket
import ssl
import sys
import threading

write_lock = threading.Lock()


def record(out, framing, message):
    with write_lock:
        out.write(framing.encode() + b" " + message + b"\n")
        out.flush()


def read_exact(conn, n, buf):
    while len(buf) < n:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        buf += chunk
    return buf


def serve(conn, out):
    buf = b""
    framing = None
    try:
        while True:
            if framing is None:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buf += chunk
                framing = "octet" if buf[:1].isdigit() else "lf"
            if framing == "lf":
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    record(out, "lf", line)
            else:
                while True:
                    space = buf.find(b" ")
                    if space < 0:
                        break
                    length = int(buf[:space])
                    end = space + 1 + length
                    if len(buf) < end:
                        break
                    record(out, "octet", buf[space + 1:end])
                    buf = buf[end:]
            chunk = conn.recv(65536)
            if not chunk:
                return
            buf += chunk
    except (OSError, ValueError, ssl.SSLError):
        return
    finally:
        try:
            conn.close()
        except OSError:
            pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--client-ca")
    args = parser.parse_args()

    context = None
    if args.tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls[0], args.tls[1])
        if args.client_ca:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(args.client_ca)

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # A restart binds the same port while old connections sit in TIME_WAIT.
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen(64)
    out = open(args.out, "ab")
    print("listening %d" % listener.getsockname()[1], flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=handle, args=(conn, context, out), daemon=True).start()


def handle(conn, context, out):
    if context is not None:
        try:
            conn = context.wrap_socket(conn, server_side=True)
        except (OSError, ssl.SSLError) as e:
            sys.stderr.write("TLS handshake failed: %s\n" % e)
            conn.close()
            return
    serve(conn, out)


if __name__ == "__main__":
    main()
