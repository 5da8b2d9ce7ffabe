//! Hostile load: a flood of failures from ever-new sources with ever-new usernames, rendered
//! on the fly (a pre-rendered pool would repeat itself). It exercises the detector's bounds:
//! `max_sources` eviction and per-source username caps.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::pace::Pacer;
use super::send::{connect_tcp, Sent};
use crate::workload::civil::Civil;
use crate::workload::{self, names, Actor, Envelope, Framing, PayloadFormat};

#[derive(Clone, Debug)]
pub struct FloodPlan {
    pub target: SocketAddr,
    pub connections: usize,
    pub format: PayloadFormat,
    pub framing: Framing,
    /// Distinct usernames tried from each source before moving to the next source.
    pub users_per_source: u64,
    /// Upper bound on messages.
    pub messages: u64,
    /// Messages per second over all connections; `None` = full speed.
    pub rate: Option<f64>,
    pub duration: Duration,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Renders message number `n` of a flood into `out` (framed).
pub fn render_flood_message(
    plan: &FloodPlan,
    n: u64,
    time_ms: i64,
    scratch: &mut Vec<u8>,
    out: &mut Vec<u8>,
) {
    let per = plan.users_per_source.max(1);
    let source = names::flood_ip(n / per);
    let port = 49_152 + (n % 16_000) as u16;
    scratch.clear();
    if plan.format == PayloadFormat::Leef {
        // The flood must outrun the receiver on a shared 2-core machine, so LEEF (the
        // default) is written straight from a template: the same fields as the generic
        // LEEF rendering of a 4625, without building the event first.
        leef_4625(n, source, port, time_ms, scratch);
    } else {
        let username = format!("flood{n:x}");
        let ws = format!("F{:06X}", n / per % 0x100_0000);
        let who = Actor {
            username: &username,
            source: Some(source),
            workstation: &ws,
            port,
        };
        let host = names::sender_host(n % 64);
        let env = Envelope {
            time_ms,
            host: &host,
            record: n,
        };
        workload::render_failure(plan.format, &env, workload::PROBE_FAILURE, &who, scratch);
    }
    plan.framing.frame(scratch, out);
}

fn leef_4625(n: u64, source: std::net::IpAddr, port: u16, time_ms: i64, out: &mut Vec<u8>) {
    use std::io::Write as _;
    out.extend_from_slice(b"<84>");
    Civil::from_epoch_ms(time_ms).write_bsd(out);
    let _ = write!(
        out,
        " dc{:02} LEEF:2.0|Microsoft|Windows|10.0|4625|^|devTime={time_ms}^cat=Logon^sev=5^Computer=dc{:02}.corp.example^RecordNumber={n}\
         ^SubjectUserSid=S-1-0-0^SubjectUserName=-^SubjectDomainName=-^SubjectLogonId=0x0^TargetUserSid=S-1-0-0\
         ^TargetUserName=flood{n:x}^TargetDomainName=CORP^Status=0xC000006D^FailureReason=%%2313^SubStatus=0xC0000064\
         ^LogonType=3^LogonProcessName=NtLmSsp^AuthenticationPackageName=NTLM^WorkstationName=F{:06X}\
         ^TransmittedServices=-^LmPackageName=-^KeyLength=0^ProcessId=0x0^ProcessName=-^IpAddress={source}^IpPort={port}",
        n % 8 + 1,
        n % 8 + 1,
        n % 0x100_0000,
    );
}

/// Runs the flood; every connection takes message numbers from a shared counter so all
/// sources and usernames are unique across connections.
pub fn flood(plan: &FloodPlan) -> io::Result<(Sent, Duration)> {
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let conns = plan.connections.max(1);
    let handles: Vec<_> = (0..conns)
        .map(|i| {
            let plan = plan.clone();
            let next = Arc::clone(&next);
            thread::spawn(move || -> io::Result<Sent> {
                let mut stream = connect_tcp(i, plan.target)?;
                let mut pacer = Pacer::new(plan.rate.map(|r| r / conns as f64), plan.duration);
                let (mut scratch, mut buf) =
                    (Vec::with_capacity(4096), Vec::with_capacity(1 << 18));
                let mut sent = Sent::default();
                loop {
                    let want = pacer.grant(256);
                    if want == 0 {
                        break;
                    }
                    let first = next.fetch_add(want, Ordering::Relaxed);
                    if first >= plan.messages {
                        break;
                    }
                    let last = (first + want).min(plan.messages);
                    buf.clear();
                    let t = now_ms();
                    for n in first..last {
                        let before = buf.len();
                        render_flood_message(&plan, n, t, &mut scratch, &mut buf);
                        sent.payload_bytes += scratch.len() as u64;
                        sent.wire_bytes += (buf.len() - before) as u64;
                    }
                    stream.write_all(&buf)?;
                    sent.messages += last - first;
                }
                let _ = stream.shutdown(std::net::Shutdown::Write);
                Ok(sent)
            })
        })
        .collect();
    let mut total = Sent::default();
    for h in handles {
        let s = h
            .join()
            .map_err(|_| io::Error::other("flood thread panicked"))??;
        total.messages += s.messages;
        total.wire_bytes += s.wire_bytes;
        total.payload_bytes += s.payload_bytes;
    }
    Ok((total, start.elapsed()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rollcall_parse::{parse_auth, ParseContext};

    #[test]
    fn flood_messages_carry_new_sources_and_usernames() {
        let plan = FloodPlan {
            target: "127.0.0.1:1".parse().unwrap(),
            connections: 1,
            format: PayloadFormat::Leef,
            framing: Framing::Lf,
            users_per_source: 3,
            messages: 10,
            rate: None,
            duration: Duration::from_secs(1),
        };
        let t = 1_763_892_930_000;
        for format in [PayloadFormat::Leef, PayloadFormat::Json] {
            let plan = FloodPlan {
                format,
                ..plan.clone()
            };
            let mut keys = Vec::new();
            for n in 0..6 {
                let (mut scratch, mut out) = (Vec::new(), Vec::new());
                render_flood_message(&plan, n, t, &mut scratch, &mut out);
                let (_, ev) = parse_auth(&out, &ParseContext { now_ms: t });
                let ev = ev.unwrap().unwrap();
                assert_eq!(ev.code, 0xC000_0064);
                assert_eq!(ev.time_ms, t);
                keys.push((ev.source_ip.unwrap(), ev.username.into_owned()));
            }
            assert_eq!(keys[0].0, keys[2].0);
            assert_ne!(keys[2].0, keys[3].0);
            let names: std::collections::HashSet<_> = keys.iter().map(|k| k.1.clone()).collect();
            assert_eq!(names.len(), 6);
        }
    }
}
