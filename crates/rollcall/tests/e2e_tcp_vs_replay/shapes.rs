//! How the scenario's events look on the wire, one renderer per sender: NXLog LEEF, rendered
//! Event Viewer text after an RFC 3164 header (WinCollect-style), Snare, RFC 5424 with
//! structured data (rsyslog / NXLog `to_syslog_ietf`), and Winlogbeat ECS JSON (bare, as a
//! Logstash `json_lines` output sends it, and after a header, as an rsyslog relay does).
//!
//! Times are written here with our own calendar arithmetic, not the parser's, so a
//! calendar bug in the parser cannot cancel itself out.

/// What failed, with the code the event carries.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// 4625 with this SubStatus.
    Ntlm(&'static str),
    /// 4771 (Kerberos pre-authentication failed) with this Failure Code.
    Preauth(&'static str),
    /// 4768 (TGT requested) with this Result Code.
    Tgt(&'static str),
}

impl Kind {
    fn event_id(self) -> u32 {
        match self {
            Kind::Ntlm(_) => 4625,
            Kind::Preauth(_) => 4771,
            Kind::Tgt(_) => 4768,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    NxlogLeef,
    Rendered3164,
    Snare,
    Rfc5424Sd,
    WinlogbeatBare,
    WinlogbeatRelayed,
}

/// One authentication event before it is given a time. `ip` and `ws` are `-` when absent,
/// as Windows writes them.
#[derive(Clone, Debug)]
pub struct Event {
    pub shape: Shape,
    pub kind: Kind,
    pub user: String,
    pub ip: String,
    pub ws: String,
    pub host: &'static str,
}

// ---- calendar (UTC) -------------------------------------------------------------------

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

struct Civil {
    year: i64,
    month: usize,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    millis: i64,
    weekday: usize,
}

/// Epoch ms to a UTC civil time (H. Hinnant's `civil_from_days`).
fn civil(ms: i64) -> Civil {
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    Civil {
        year: yoe + era * 400 + i64::from(month <= 2),
        month: month as usize,
        day,
        hour: in_day / 3_600_000,
        minute: in_day / 60_000 % 60,
        second: in_day / 1000 % 60,
        millis: in_day % 1000,
        // 1970-01-01 was a Thursday.
        weekday: (days + 4).rem_euclid(7) as usize,
    }
}

/// `2026-11-23T18:47:40.000Z`: how offenses print times, and RFC 5424 / ECS timestamps.
pub fn rfc3339(ms: i64) -> String {
    let c = civil(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second, c.millis
    )
}

/// `Nov 23 18:47:40` (day space-padded, no year, no zone: the receiver assumes UTC here).
fn bsd_time(ms: i64) -> String {
    let c = civil(ms);
    format!(
        "{} {:>2} {:02}:{:02}:{:02}",
        MONTHS[c.month - 1],
        c.day,
        c.hour,
        c.minute,
        c.second
    )
}

/// `Mon Nov 23 18:47:40 2026`, Snare's event time.
fn ctime(ms: i64) -> String {
    let c = civil(ms);
    format!(
        "{} {} {:>2} {:02}:{:02}:{:02} {}",
        WEEKDAYS[c.weekday],
        MONTHS[c.month - 1],
        c.day,
        c.hour,
        c.minute,
        c.second,
        c.year
    )
}

/// An RFC 3164 header up to and including the space before the message.
pub fn bsd_header(pri: u8, ms: i64, host: &str, tag: &str) -> String {
    if tag.is_empty() {
        format!("<{pri}>{} {host} ", bsd_time(ms))
    } else {
        format!("<{pri}>{} {host} {tag}: ", bsd_time(ms))
    }
}

// ---- renderers --------------------------------------------------------------------------

/// The event as its sender would put it on the wire at time `t` (epoch ms); `seq` is the
/// record number some formats carry.
pub fn render(e: &Event, t: i64, seq: usize) -> String {
    match e.shape {
        Shape::NxlogLeef => nxlog_leef(e, t),
        Shape::Rendered3164 => rendered(e, t, seq),
        Shape::Snare => snare(e, t, seq),
        Shape::Rfc5424Sd => rfc5424(e, t),
        Shape::WinlogbeatBare => winlogbeat(e, t),
        Shape::WinlogbeatRelayed => format!(
            "{}{}",
            bsd_header(14, t, "relay01", "winlogbeat"),
            winlogbeat(e, t)
        ),
    }
}

fn nxlog_leef(e: &Event, t: i64) -> String {
    let fields = match e.kind {
        Kind::Ntlm(sub) => format!(
            "TargetUserName={}^TargetDomainName=CORP^Status=0xC000006D^SubStatus={sub}^LogonType=3^WorkstationName={}^IpAddress={}^IpPort=0",
            e.user, e.ws, e.ip
        ),
        Kind::Preauth(code) | Kind::Tgt(code) => format!(
            "TargetUserName={}^ServiceName=krbtgt^Status={code}^IpAddress={}^IpPort=51234",
            e.user, e.ip
        ),
    };
    format!(
        "{}LEEF:2.0|NXLog|Microsoft-Windows-Security-Auditing|5.8|{}|^|devTime={t}^{fields}^Computer={}",
        bsd_header(13, t, e.host, ""),
        e.kind.event_id(),
        e.host
    )
}

/// Event Viewer text flattened to one line; every other record keeps the `4625:` prefix
/// some forwarders add, the rest relies on the opening sentence alone.
fn rendered(e: &Event, t: i64, seq: usize) -> String {
    let Kind::Ntlm(sub) = e.kind else {
        panic!("rendered text is generated for 4625 only: {e:?}")
    };
    let id = if seq % 2 == 0 { "4625: " } else { "" };
    format!(
        "{}{id}An account failed to log on. Subject: Security ID: S-1-5-18 Account Name: DC01$ Account Domain: CORP Logon ID: 0x3E7 Logon Type: 3 Account For Which Logon Failed: Security ID: S-1-0-0 Account Name: {} Account Domain: CORP Failure Information: Failure Reason: Unknown user name or bad password. Status: 0xC000006D Sub Status: {sub} Process Information: Caller Process ID: 0x0 Caller Process Name: - Network Information: Workstation Name: {} Source Network Address: {} Source Port: 0 Detailed Authentication Information: Logon Process: NtLmSsp Authentication Package: NTLM",
        bsd_header(13, t, e.host, "Microsoft-Windows-Security-Auditing"),
        e.user,
        e.ws,
        e.ip
    )
}

/// Snare's tab-separated MSWinEventLog record after an RFC 3164 header.
fn snare(e: &Event, t: i64, seq: usize) -> String {
    let Kind::Preauth(code) = e.kind else {
        panic!("Snare records are generated for 4771 only: {e:?}")
    };
    format!(
        "{}MSWinEventLog\t1\tSecurity\t{seq}\t{}\t4771\tMicrosoft-Windows-Security-Auditing\tN/A\tN/A\tFailure Audit\t{}\tKerberos Authentication Service\t\tKerberos pre-authentication failed.    Account Information:   Security ID:  S-1-0-0   Account Name:  {}    Service Information:   Service Name:  krbtgt/CORP    Network Information:   Client Address:  {}   Client Port:  51234    Additional Information:   Ticket Options:  0x40810010   Failure Code:  {code}   Pre-Authentication Type: 2\t{seq}",
        bsd_header(13, t, e.host, ""),
        ctime(t),
        e.host,
        e.user,
        e.ip
    )
}

fn rfc5424(e: &Event, t: i64) -> String {
    let sd = match e.kind {
        Kind::Ntlm(sub) => format!(
            "EventID=\"4625\" TargetUserName=\"{}\" TargetDomainName=\"CORP\" IpAddress=\"{}\" WorkstationName=\"{}\" Status=\"0xC000006D\" SubStatus=\"{sub}\"",
            e.user, e.ip, e.ws
        ),
        Kind::Preauth(code) | Kind::Tgt(code) => format!(
            "EventID=\"{}\" TargetUserName=\"{}\" ServiceName=\"krbtgt\" IpAddress=\"{}\" Status=\"{code}\"",
            e.kind.event_id(),
            e.user,
            e.ip
        ),
    };
    format!(
        "<86>1 {} {} Microsoft-Windows-Security-Auditing - - [win@32473 {sd}] Audit failure",
        rfc3339(t),
        e.host
    )
}

/// Winlogbeat's document shape (ECS `@timestamp`, `event.code`, `winlog.event_data`).
fn winlogbeat(e: &Event, t: i64) -> String {
    let data = match e.kind {
        Kind::Ntlm(sub) => format!(
            "\"TargetUserName\":\"{}\",\"TargetDomainName\":\"CORP\",\"IpAddress\":\"{}\",\"WorkstationName\":\"{}\",\"Status\":\"0xc000006d\",\"SubStatus\":\"{}\",\"LogonType\":\"3\"",
            e.user,
            e.ip,
            e.ws,
            sub.to_ascii_lowercase()
        ),
        Kind::Preauth(code) | Kind::Tgt(code) => format!(
            "\"TargetUserName\":\"{}\",\"ServiceName\":\"krbtgt\",\"IpAddress\":\"{}\",\"Status\":\"{code}\"",
            e.user, e.ip
        ),
    };
    let id = e.kind.event_id();
    format!(
        "{{\"@timestamp\":\"{}\",\"event\":{{\"code\":\"{id}\",\"provider\":\"Microsoft-Windows-Security-Auditing\",\"outcome\":\"failure\"}},\"host\":{{\"name\":\"{host}\"}},\"winlog\":{{\"channel\":\"Security\",\"event_id\":\"{id}\",\"computer_name\":\"{host}\",\"event_data\":{{{data}}}}}}}",
        rfc3339(t),
        host = e.host
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_matches_known_instants() {
        // 2026-11-23T18:47:40.123Z, a Monday.
        let t = 1_795_459_660_123;
        assert_eq!(rfc3339(t), "2026-11-23T18:47:40.123Z");
        assert_eq!(bsd_time(t), "Nov 23 18:47:40");
        assert_eq!(ctime(t), "Mon Nov 23 18:47:40 2026");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }
}
