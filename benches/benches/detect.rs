//! Detector benchmarks: `observe` throughput (already-seen usernames with a million tracked
//! sources, a hot set of busy sources, new sources at the `max_sources` cap, rejected
//! codes, two threads) and the memory held per tracked (source, username), measured with a
//! counting global allocator.
//!
//! `cargo bench -p rollcall-benches --bench detect`; the memory figures print first.

use std::alloc::System;
use std::borrow::Cow;
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use rollcall_detect::{DetectConfig, Engine, SequentialIds};
use rollcall_parse::{AuthEvent, AuthKind};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// 2024-03-01T00:00:00Z.
const T0: i64 = 1_709_251_200_000;
const NAMES: usize = 128;

fn names() -> Vec<String> {
    (0..NAMES).map(|i| format!("user{i:03}")).collect()
}

/// Source number `i` as an address in 10.0.0.0/8 (16 M distinct).
fn source(i: u32) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(0x0A00_0000 | (i & 0x00FF_FFFF)))
}

fn event(time_ms: i64, src: IpAddr, user: &str) -> AuthEvent<'_> {
    AuthEvent {
        time_ms,
        time_zoned: true,
        kind: AuthKind::Ntlm4625,
        code: 0xC000_0064,
        username: Cow::Borrowed(user),
        source_ip: Some(src),
        workstation: None,
        host: Some(Cow::Borrowed("DC01")),
        relay: None,
    }
}

fn engine(max_sources: usize) -> Engine {
    Engine::new(
        DetectConfig {
            max_sources,
            ..DetectConfig::default()
        },
        Box::new(SequentialIds::new()),
    )
}

/// `sources` sources with `per_source` distinct names each (source `s`, name `(s + n) % 128`
/// for n < per_source), all at the start of the window.
fn populate(e: &Engine, names: &[String], sources: u32, per_source: usize) {
    for s in 0..sources {
        for n in 0..per_source {
            let user = &names[(s as usize + n) % names.len()];
            black_box(e.observe(&event(T0 + n as i64, source(s), user), T0));
        }
    }
}

/// Net heap bytes the engine holds for `sources` × `per_source` (source, username) pairs.
fn bytes_per_pair(names: &[String], sources: u32, per_source: usize) -> (f64, usize) {
    let region = Region::new(GLOBAL);
    let e = engine(usize::MAX);
    populate(&e, names, sources, per_source);
    let change = region.change();
    let net = change.bytes_allocated as f64 - change.bytes_deallocated as f64;
    let pairs = f64::from(sources) * per_source as f64;
    let estimate = e.state_bytes();
    drop(e);
    (net / pairs, estimate)
}

fn memory_figures(names: &[String]) {
    if !selected("memory") {
        return;
    }
    println!("detector memory (counting allocator, net bytes requested per tracked pair):");
    // 1 000 000 one-name sources sit just past a doubling of the shard tables (about half
    // full); 900 000 sit just below it (about 86 % full): the two bound the table's share.
    for (sources, per_source) in [
        (1_000_000, 1),
        (900_000, 1),
        (100_000, 14),
        (10_000, 50),
        (10_000, 99),
    ] {
        let (per_pair, estimate) = bytes_per_pair(names, sources, per_source);
        println!(
            "  {sources:>9} sources x {per_source:>3} usernames: {per_pair:7.1} B per (source, username) \
             (engine's own estimate {:.1})",
            estimate as f64 / (f64::from(sources) * per_source as f64)
        );
    }
}

/// A cheap deterministic scatter over `n` sources.
fn scatter(k: u64, n: u32) -> u32 {
    (k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as u32 % n
}

fn bench_seen_usernames_million_sources(c: &mut Criterion, names: &[String]) {
    const SOURCES: u32 = 1_000_000;
    let e = engine(2 * SOURCES as usize);
    populate(&e, names, SOURCES, 1);
    let mut group = c.benchmark_group("detect");
    group.throughput(Throughput::Elements(1));
    let mut k = 0u64;
    group.bench_function("observe_seen_username_1M_sources", |b| {
        b.iter(|| {
            k += 1;
            let s = scatter(k, SOURCES);
            let user = &names[s as usize % names.len()];
            // 1 ms of event time per event: each source sees a failure about every 17 min.
            let t = T0 + k as i64;
            black_box(e.observe(&event(t, source(s), user), t))
        })
    });
    group.finish();
}

fn bench_seen_usernames_hot_sources(c: &mut Criterion, names: &[String]) {
    const SOURCES: u32 = 1_000;
    const PER_SOURCE: usize = 40;
    let e = engine(1_000_000);
    populate(&e, names, SOURCES, PER_SOURCE);
    let mut group = c.benchmark_group("detect");
    group.throughput(Throughput::Elements(1));
    let mut k = 0u64;
    group.bench_function("observe_seen_username_1k_busy_sources", |b| {
        b.iter(|| {
            k += 1;
            let s = (k % u64::from(SOURCES)) as u32;
            let n = (k / u64::from(SOURCES)) as usize % PER_SOURCE;
            let user = &names[(s as usize + n) % names.len()];
            // Windows reach a steady state of about 3 600 failures per source.
            let t = T0 + k as i64;
            black_box(e.observe(&event(t, source(s), user), t))
        })
    });
    group.finish();
}

fn bench_new_sources_at_cap(c: &mut Criterion, names: &[String]) {
    const CAP: u32 = 1_000_000;
    let e = engine(CAP as usize);
    populate(&e, names, CAP, 1);
    let mut group = c.benchmark_group("detect");
    group.throughput(Throughput::Elements(1));
    let mut k = 0u64;
    group.bench_function("observe_new_source_at_1M_cap", |b| {
        b.iter(|| {
            k += 1;
            let s = CAP + k as u32;
            let t = T0 + k as i64;
            black_box(e.observe(&event(t, source(s), &names[0]), t))
        })
    });
    group.finish();
    let stats = e.stats();
    println!(
        "  (evicted {} sources, tracked {})",
        stats.evicted_sources, stats.tracked_sources
    );
}

fn bench_ignored_code(c: &mut Criterion, names: &[String]) {
    let e = engine(1_000_000);
    let mut group = c.benchmark_group("detect");
    group.throughput(Throughput::Elements(1));
    let mut ev = event(T0, source(1), &names[0]);
    ev.code = 0xC000_0234; // locked out: not an enumeration code
    group.bench_function("observe_ignored_code", |b| {
        b.iter(|| black_box(e.observe(black_box(&ev), T0)))
    });
    group.finish();
}

fn bench_two_threads(c: &mut Criterion, names: &[String]) {
    const SOURCES: u32 = 100_000;
    let e = Arc::new(engine(1_000_000));
    populate(&e, names, SOURCES, 1);
    let names = Arc::new(names.to_vec());
    let mut group = c.benchmark_group("detect");
    group.throughput(Throughput::Elements(1));
    group.bench_function("observe_seen_username_2_threads", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            std::thread::scope(|scope| {
                for t in 0..2u64 {
                    let e = Arc::clone(&e);
                    let names = Arc::clone(&names);
                    scope.spawn(move || {
                        for k in (t..iters).step_by(2) {
                            let s = scatter(k, SOURCES);
                            let user = &names[s as usize % names.len()];
                            let time = T0 + k as i64;
                            black_box(e.observe(&event(time, source(s), user), time));
                        }
                    });
                }
            });
            start.elapsed()
        })
    });
    group.finish();
}

/// CPU time this thread has run, from the scheduler (immune to other processes competing
/// for the cores, which wall-clock figures on a shared 2-core machine are not).
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// Runs `n` steps and prints events per CPU-second and per wall-second.
fn cpu_rate(label: &str, n: u64, mut step: impl FnMut(u64)) {
    let (c0, w0) = (thread_cpu_ns(), Instant::now());
    for k in 0..n {
        step(k);
    }
    let (c1, wall) = (thread_cpu_ns(), w0.elapsed());
    let per_wall = n as f64 / wall.as_secs_f64() / 1e6;
    match c0.zip(c1) {
        Some((c0, c1)) if c1 > c0 => println!(
            "  {label:<40} {:6.2} M events/CPU-s ({:6.1} ns/event CPU; {per_wall:5.2} M/s wall)",
            n as f64 / ((c1 - c0) as f64 / 1e9) / 1e6,
            (c1 - c0) as f64 / n as f64,
        ),
        _ => println!("  {label:<40} {per_wall:5.2} M events/s wall"),
    }
}

/// `DETECT_BENCH_ONLY=<text>` runs only the figures whose label contains it (profiling);
/// `DETECT_BENCH_FIGURES_ONLY=1` skips the criterion benches.
fn selected(label: &str) -> bool {
    std::env::var("DETECT_BENCH_ONLY").map_or(true, |only| label.contains(only.as_str()))
}

fn cpu_figures(names: &[String]) {
    println!("detector throughput, one thread (CPU time of the measuring thread):");
    let label = "seen username, 1M sources";
    if selected(label) {
        let e = engine(2_000_000);
        populate(&e, names, 1_000_000, 1);
        cpu_rate(label, 5_000_000, |k| {
            let s = scatter(k + 1, 1_000_000);
            let t = T0 + k as i64;
            black_box(e.observe(&event(t, source(s), &names[s as usize % NAMES]), t));
        });
    }
    let label = "seen username, 1k busy sources";
    if selected(label) {
        let e = engine(1_000_000);
        populate(&e, names, 1_000, 40);
        cpu_rate(label, 10_000_000, |k| {
            let s = (k % 1_000) as u32;
            let n = (k / 1_000) as usize % 40;
            // 1 ms of event time per event: each source keeps about 3 600 failures.
            let t = T0 + k as i64;
            black_box(e.observe(&event(t, source(s), &names[(s as usize + n) % NAMES]), t));
        });
    }
    for sources in [1_000u32, 100] {
        let label = format!("seen username, {sources} sources, small windows");
        if selected(&label) {
            let e = engine(1_000_000);
            populate(&e, names, sources, 40);
            // Event time advances so that each source sees a failure every 50 s: about 72
            // failures per window, and all its 40 names stay in the window.
            let step = 50_000 / i64::from(sources);
            cpu_rate(&label, 10_000_000, |k| {
                let s = (k % u64::from(sources)) as u32;
                let n = (k / u64::from(sources)) as usize % 40;
                let t = T0 + k as i64 * step;
                black_box(e.observe(&event(t, source(s), &names[(s as usize + n) % NAMES]), t));
            });
        }
    }
    let label = "new source at 1M cap (flood)";
    if selected(label) {
        const CAP: u32 = 1_000_000;
        let e = engine(CAP as usize);
        populate(&e, names, CAP, 1);
        // Every event is a source never seen before: each insert must make room (a
        // spoofed-address flood). Enough events for several eviction batches.
        cpu_rate(label, 1_000_000, |k| {
            let s = CAP + 1 + k as u32;
            let t = T0 + 1 + k as i64;
            black_box(e.observe(&event(t, source(s), &names[0]), t));
        });
        let stats = e.stats();
        println!(
            "    (evicted {} sources, tracked {})",
            stats.evicted_sources, stats.tracked_sources
        );
    }
    let label = "ignored code";
    if selected(label) {
        let e = engine(1_000_000);
        let mut ev = event(T0, source(1), &names[0]);
        ev.code = 0xC000_0234;
        cpu_rate(label, 10_000_000, |_| {
            black_box(e.observe(black_box(&ev), T0));
        });
    }
}

fn main() {
    let names = names();
    memory_figures(&names);
    cpu_figures(&names);
    if std::env::var_os("DETECT_BENCH_FIGURES_ONLY").is_some() {
        return;
    }
    let mut c = Criterion::default()
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    bench_seen_usernames_million_sources(&mut c, &names);
    bench_seen_usernames_hot_sources(&mut c, &names);
    bench_new_sources_at_cap(&mut c, &names);
    bench_ignored_code(&mut c, &names);
    bench_two_threads(&mut c, &names);
    c.final_summary();
}
