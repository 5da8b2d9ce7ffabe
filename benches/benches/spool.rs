//! The durable spool of rollcall's network outputs (crates/rollcall/src/output/spool), measured
//! on a real filesystem: how many offenses per second can be spooled durably (one write +
//! fdatasync each), how long recovery of a 100 k-offense spool takes, and how fast a backlog
//! drains through `read` + `ack` (the spool's side of delivery, no network).
//!
//! Not a criterion bench: each figure is one long run (fsync-bound, with big setup), printed
//! as a table. `cargo bench -p rollcall-benches --bench spool`. Environment:
//! `SPOOL_BENCH_DIR` (the filesystem measured; default the system temp dir),
//! `SPOOL_BENCH_APPENDS` (durable appends timed, default 2000), `SPOOL_BENCH_RECORDS` (the
//! backlog recovered and drained, default 100000). The backlog is built on /dev/shm when it
//! exists (fsync is free there; building 100 k records with a real fsync each would take
//! minutes and measure nothing new), then copied to `SPOOL_BENCH_DIR`, and the page cache is
//! dropped (if allowed) so recovery reads from disk.
//!
//! The spool module is compiled in from the binary crate's source: rollcall is a binary-only
//! crate, and the spool depends on nothing but std and crc32fast.

// Its unit tests come along under cfg(test) without their harness: silence what they leave.
#[allow(dead_code, unused_imports)]
#[path = "../../crates/rollcall/src/output/spool/mod.rs"]
mod spool;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use spool::Spool;

/// A critical offense as `LeefWriter` writes it (≈ 700 bytes, the notes' example line).
const LINE: &str = "<162>Nov 23 03:15:02 rollcall01 LEEF:2.0|Rollcall|RollcallDetector|0.1.0|ROLLCALL_ACCOUNT_ENUMERATION|^|devTime=1795403702120^cat=Reconnaissance^sev=9^src=203.0.113.45^attribution=event_ip^total_failures=412^unique_usernames=187^first_seen=2026-11-23T02:58:10.004Z^last_seen=2026-11-23T03:14:59.871Z^duration_minutes=16.8^enum_rate_per_min=11.13^suspicion_score=Critical^codes=0xC0000064:400,0x18:12^usernames_sample=administrator,admin,jsmith,svc_backup,guest,test01,o%27brien,sql%5Eadmin,a%7Cb%3Dc,CORP%5Ckjones^usernames_sample_truncated=true^relays=10.0.0.250^mitre_technique=T1589^mitre_tactic=Reconnaissance^mitre_tactic_id=TA0043^reporting_host=DC01.corp.example^detection_id=5f0c2a9e-6d1b-4c4e-9a51-2f8f0b7c1d22";

const MAX_BYTES: u64 = 256 * 1024 * 1024; // the default spool_max_bytes

fn bench_dir(name: &str) -> PathBuf {
    let dir = base_dir().join(format!(
        "rollcall-spool-bench-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

fn env_count(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn base_dir() -> PathBuf {
    std::env::var_os("SPOOL_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
}

/// Empties the page cache (root only): recovery then really reads the disk.
fn drop_page_cache() -> bool {
    std::fs::write("/proc/sys/vm/drop_caches", "1").is_ok()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
    }
    std::fs::File::open(to)
        .and_then(|d| d.sync_all())
        .expect("sync dir");
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is understood.
    let appends = env_count("SPOOL_BENCH_APPENDS", 2000);
    let records = env_count("SPOOL_BENCH_RECORDS", 100_000);
    println!(
        "spool bench: {} byte lines, spool_max_bytes {} MiB, measured in {}",
        LINE.len(),
        MAX_BYTES >> 20,
        base_dir().display()
    );

    // 1. Durable appends: one write + fdatasync per offense, as `submit` does.
    let dir = bench_dir("append");
    let (spool, _) = Spool::open(&dir, MAX_BYTES).expect("open");
    let mut latencies = Vec::with_capacity(appends as usize);
    let started = Instant::now();
    for i in 0..appends {
        let t = Instant::now();
        spool.append(LINE.as_bytes(), i as i64).expect("append");
        latencies.push(t.elapsed());
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    println!(
        "durable append: {appends} offenses in {:.2} s = {:.0} offenses/s; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        elapsed.as_secs_f64(),
        appends as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    drop(spool);
    let _ = std::fs::remove_dir_all(&dir);

    // 2. A backlog of `records`, built where fsync is cheap, copied to the measured disk.
    let shm = Path::new("/dev/shm");
    let build = if shm.is_dir() {
        shm.join(format!("rollcall-spool-bench-{}", std::process::id()))
    } else {
        bench_dir("build")
    };
    let _ = std::fs::remove_dir_all(&build);
    let started = Instant::now();
    {
        let (spool, _) = Spool::open(&build, MAX_BYTES).expect("open");
        for i in 0..records {
            spool.append(LINE.as_bytes(), i as i64).expect("append");
        }
    }
    println!(
        "backlog of {records} built in {} in {:.1} s",
        build.display(),
        started.elapsed().as_secs_f64()
    );
    let dir = bench_dir("recover");
    copy_dir(&build, &dir);
    let _ = std::fs::remove_dir_all(&build);
    let cold = drop_page_cache();

    // 3. Recovery: open reads and checksums every record.
    let started = Instant::now();
    let (spool, recovery) = Spool::open(&dir, MAX_BYTES).expect("reopen");
    let elapsed = started.elapsed();
    assert_eq!(recovery.records, records);
    println!(
        "recovery ({}): {} offenses, {} segments, {} MiB in {:.3} s",
        if cold {
            "page cache dropped first"
        } else {
            "page cache warm"
        },
        recovery.records,
        recovery.segments,
        recovery.bytes >> 20,
        elapsed.as_secs_f64()
    );
    drop(spool);
    let started = Instant::now();
    let (spool, _) = Spool::open(&dir, MAX_BYTES).expect("reopen");
    println!(
        "recovery again (page cache warm): {:.3} s",
        started.elapsed().as_secs_f64()
    );

    // 4. Drain: read 64 KiB batches and ack each (one ack-file fdatasync per batch; the
    //    sender acks less often, once per 250 ms window).
    let started = Instant::now();
    let mut cursor = spool.acked();
    let mut acks = 0u64;
    loop {
        let (next, n) = spool.read(cursor, 64 * 1024, |_| {}).expect("read");
        if n == 0 {
            break;
        }
        spool.ack(next).expect("ack");
        acks += 1;
        cursor = next;
    }
    let elapsed = started.elapsed();
    assert_eq!(spool.stats().records, 0);
    println!(
        "drain (read + ack per 64 KiB batch): {records} offenses, {acks} acks in {:.2} s = {:.0} offenses/s",
        elapsed.as_secs_f64(),
        records as f64 / elapsed.as_secs_f64()
    );
    drop(spool);
    let _ = std::fs::remove_dir_all(&dir);
}
