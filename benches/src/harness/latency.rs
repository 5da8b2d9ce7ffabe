//! Offense latency: send enumeration campaigns one at a time, note when each campaign's
//! crossing event (the one that reaches the tier) was written, and tail the offense file
//! until the offense for that source appears.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::offenses::offense_source;
use super::send::connect_tcp;
use crate::workload::{self, names, Actor, Envelope, Framing, PayloadFormat};

#[derive(Clone, Debug)]
pub struct ProbePlan {
    pub target: SocketAddr,
    pub offense_file: PathBuf,
    pub campaigns: u64,
    /// Distinct usernames per campaign; the last one is the crossing event.
    pub threshold: u64,
    pub interval: Duration,
    pub framing: Framing,
    /// Formats used in turn, one per campaign.
    pub formats: Vec<PayloadFormat>,
    /// Give up on offenses this long after the last campaign.
    pub grace: Duration,
    /// Sender index for the probe connection's local address.
    pub sender_index: usize,
}

#[derive(Clone, Debug, Default)]
pub struct ProbeResult {
    /// Milliseconds from writing the crossing event to seeing the offense, per campaign
    /// that produced one.
    pub latencies_ms: Vec<f64>,
    pub missing: u64,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn campaign_message(plan: &ProbePlan, k: u64, j: u64, out: &mut Vec<u8>, scratch: &mut Vec<u8>) {
    let username = format!("probe{k}.{}", names::account(j));
    let ws = format!("PROBE{k:04}");
    let who = Actor {
        username: &username,
        source: Some(names::probe_ip(k)),
        workstation: &ws,
        port: 50_000 + j as u16,
    };
    let env = Envelope {
        time_ms: now_ms(),
        host: "dc01",
        record: k * 1000 + j,
    };
    let format = plan.formats[(k as usize) % plan.formats.len().max(1)];
    scratch.clear();
    workload::render_failure(format, &env, workload::PROBE_FAILURE, &who, scratch);
    plan.framing.frame(scratch, out);
}

/// Runs the probe. Offenses for other sources in the file are ignored.
pub fn probe(plan: &ProbePlan) -> io::Result<ProbeResult> {
    if plan.formats.is_empty() || plan.threshold == 0 {
        return Err(io::Error::other("a probe needs formats and a threshold"));
    }
    let pending: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let seen: Arc<Mutex<Vec<f64>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let tail = {
        let (pending, seen, stop) = (pending.clone(), seen.clone(), stop.clone());
        let path = plan.offense_file.clone();
        thread::spawn(move || tail_offenses(&path, &pending, &seen, &stop))
    };
    let mut stream = connect_tcp(plan.sender_index, plan.target)?;
    let (mut buf, mut scratch) = (Vec::new(), Vec::new());
    for k in 0..plan.campaigns {
        buf.clear();
        for j in 0..plan.threshold - 1 {
            campaign_message(plan, k, j, &mut buf, &mut scratch);
        }
        stream.write_all(&buf)?;
        // Let the earlier events be read first, so the crossing event is what we time.
        thread::sleep(Duration::from_millis(5));
        buf.clear();
        campaign_message(plan, k, plan.threshold - 1, &mut buf, &mut scratch);
        let src = names::probe_ip(k).to_string();
        pending
            .lock()
            .map_err(|_| io::Error::other("poisoned"))?
            .insert(src, Instant::now());
        stream.write_all(&buf)?;
        thread::sleep(plan.interval);
    }
    let until = Instant::now() + plan.grace;
    while Instant::now() < until {
        if pending.lock().map(|p| p.is_empty()).unwrap_or(true) {
            break;
        }
        thread::sleep(Duration::from_millis(10));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    tail.join()
        .map_err(|_| io::Error::other("tail thread panicked"))??;
    let latencies_ms = seen.lock().map(|s| s.clone()).unwrap_or_default();
    let missing = pending.lock().map(|p| p.len() as u64).unwrap_or(0);
    Ok(ProbeResult {
        latencies_ms,
        missing,
    })
}

/// Polls the offense file every 0.5 ms for appended lines.
fn tail_offenses(
    path: &PathBuf,
    pending: &Mutex<HashMap<String, Instant>>,
    seen: &Mutex<Vec<f64>>,
    stop: &std::sync::atomic::AtomicBool,
) -> io::Result<()> {
    // Only offenses appended from now on count.
    let mut offset = std::fs::metadata(path).map_or(0, |m| m.len());
    let mut partial = String::new();
    let mut chunk = Vec::new();
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        thread::sleep(Duration::from_micros(500));
        let Ok(mut f) = File::open(path) else {
            continue;
        };
        f.seek(SeekFrom::Start(offset))?;
        chunk.clear();
        let n = f.read_to_end(&mut chunk)?;
        if n == 0 {
            continue;
        }
        let now = Instant::now();
        offset += n as u64;
        partial.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(nl) = partial.find('\n') {
            let line: String = partial.drain(..=nl).collect();
            if let Some(src) = offense_source(&line) {
                let sent = pending.lock().ok().and_then(|mut p| p.remove(src));
                if let Some(sent) = sent {
                    if let Ok(mut s) = seen.lock() {
                        s.push(now.duration_since(sent).as_secs_f64() * 1000.0);
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rollcall_parse::{parse_auth, ParseContext};

    #[test]
    fn a_campaign_has_threshold_distinct_usernames_from_one_source() {
        let plan = ProbePlan {
            target: "127.0.0.1:1".parse().unwrap(),
            offense_file: PathBuf::from("/nonexistent"),
            campaigns: 1,
            threshold: 15,
            interval: Duration::ZERO,
            framing: Framing::Lf,
            formats: PayloadFormat::ALL.to_vec(),
            grace: Duration::ZERO,
            sender_index: 0,
        };
        for k in 0..4 {
            let mut users = std::collections::HashSet::new();
            for j in 0..plan.threshold {
                let (mut out, mut scratch) = (Vec::new(), Vec::new());
                campaign_message(&plan, k, j, &mut out, &mut scratch);
                let (_, ev) = parse_auth(&out, &ParseContext { now_ms: now_ms() });
                let ev = ev.unwrap().unwrap();
                assert_eq!(ev.source_ip, Some(names::probe_ip(k)));
                users.insert(ev.username.into_owned());
            }
            assert_eq!(users.len(), 15);
        }
    }
}
