//! Runs a load while sampling the receiver: its counters, CPU time and memory.

use std::io;
use std::thread;
use std::time::{Duration, Instant};

use super::observe::{Observer, Reading};
use super::procstat;
use super::send::Sent;
use super::summary::Sample;

/// How long to keep watching.
#[derive(Clone, Copy, Debug)]
pub struct WatchLimits {
    pub poll: Duration,
    /// After sending ends, give up when the counter has not moved for this long.
    pub settle: Duration,
    /// Never watch longer than this in total.
    pub hard: Duration,
}

/// A receiver's view of one run.
#[derive(Clone, Debug, Default)]
pub struct Watched {
    pub sent: Sent,
    pub send_seconds: f64,
    /// Counter value before the run.
    pub base: u64,
    pub base_bytes: Option<u64>,
    pub samples: Vec<Sample>,
    /// Accepted messages (counter delta at the end).
    pub accepted: u64,
    pub accepted_bytes: Option<u64>,
    /// Seconds from the start of sending until the counter reached what was sent (or the
    /// last change, when it never did).
    pub done_seconds: f64,
    pub complete: bool,
    pub cpu_seconds: Option<f64>,
    pub peak_rss: Option<u64>,
    /// (seconds, VmRSS bytes) at every poll.
    pub rss: Vec<(f64, u64)>,
    /// The last full reading (extra metrics at the end).
    pub last: Reading,
    /// Extra metrics at every poll.
    pub extra_series: Vec<(f64, Vec<(String, f64)>)>,
}

/// Reads the counters until the receiver answers, for at most `wait`.
pub fn wait_ready(observer: &mut Observer, wait: Duration) -> io::Result<Reading> {
    let until = Instant::now() + wait;
    loop {
        match observer.read() {
            Ok(r) => return Ok(r),
            Err(e) if Instant::now() >= until => return Err(e),
            Err(_) => thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// Starts `send` on a thread and samples the receiver until it has accepted everything
/// that was sent, stopped moving, or `limits.hard` passed.
pub fn watch<F>(
    observer: &mut Observer,
    pid: Option<u32>,
    clk_tck: u64,
    limits: WatchLimits,
    send: F,
) -> io::Result<Watched>
where
    F: FnOnce() -> io::Result<(Sent, Duration)> + Send + 'static,
{
    let before = wait_ready(observer, Duration::from_secs(10))?;
    let cpu0 = pid.and_then(|p| procstat::cpu_ticks(p).ok());
    let mut w = Watched {
        base: before.messages,
        base_bytes: before.bytes,
        ..Watched::default()
    };
    let start = Instant::now();
    let sender = thread::spawn(send);
    let mut sender = Some(sender);
    let mut target: Option<u64> = None;
    let mut last_change = (0.0, 0u64);
    loop {
        thread::sleep(limits.poll);
        let t = start.elapsed().as_secs_f64();
        if let Some(h) = sender.take_if(|h| h.is_finished()) {
            let (sent, took) = h
                .join()
                .map_err(|_| io::Error::other("sender panicked"))??;
            w.sent = sent;
            w.send_seconds = took.as_secs_f64();
            target = Some(sent.messages);
        }
        let r = match observer.read() {
            Ok(r) => r,
            // A busy receiver may miss one scrape; the next poll tries again.
            Err(_) if t < limits.hard.as_secs_f64() => continue,
            Err(e) => return Err(e),
        };
        let accepted = r.messages.saturating_sub(w.base);
        if let Some(p) = pid {
            if let Ok(rss) = procstat::status_bytes(p, "VmRSS") {
                w.rss.push((t, rss));
            }
        }
        if !r.extra.is_empty() {
            w.extra_series.push((t, r.extra.clone()));
        }
        w.samples.push(Sample {
            t,
            messages: accepted,
            bytes: r.bytes.map(|b| b.saturating_sub(w.base_bytes.unwrap_or(0))),
            fresh: r.fresh,
        });
        if accepted != last_change.1 {
            last_change = (t, accepted);
        }
        w.last = r.clone();
        let drained = r.queued.is_none_or(|q| q == 0);
        if let Some(target) = target {
            if accepted >= target && drained && r.fresh {
                w.complete = true;
                w.done_seconds = t;
                break;
            }
            if t - last_change.0 > limits.settle.as_secs_f64() || t > limits.hard.as_secs_f64() {
                w.done_seconds = last_change.0;
                break;
            }
        } else if t > limits.hard.as_secs_f64() + 60.0 {
            return Err(io::Error::other("sender did not finish"));
        }
    }
    w.accepted = w.samples.last().map_or(0, |s| s.messages);
    w.accepted_bytes = w.samples.last().and_then(|s| s.bytes);
    if let (Some(p), Some(c0)) = (pid, cpu0) {
        if let Ok(c1) = procstat::cpu_ticks(p) {
            w.cpu_seconds = Some(c1.saturating_sub(c0) as f64 / clk_tck as f64);
        }
        w.peak_rss = procstat::status_bytes(p, "VmHWM").ok();
    }
    Ok(w)
}
