//! Load generator for the end-to-end comparison (`benches/compare.sh`, `benches/hostile.sh`).
//!
//! ```text
//! loadgen send    --target 127.0.0.1:PORT --messages 2000000 [--observe-prom 127.0.0.1:M --pid PID]
//! loadgen hostile --target 127.0.0.1:PORT --duration 60 --observe-prom … --pid PID
//! loadgen latency --target 127.0.0.1:PORT --offense-file FILE --campaigns 200
//! loadgen dump    --messages 100000 --out FILE          (the workload as LF lines)
//! loadgen table   RESULTS.jsonl                         (markdown summary of `send` runs)
//! ```
//! Every command prints one JSON line on stdout. Targets must be loopback; every run is
//! bounded in messages and in time.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use rollcall_benches::harness::hostile::{self, FloodPlan};
use rollcall_benches::harness::latency::{self, ProbePlan};
use rollcall_benches::harness::observe::{CounterSource, Observer};
use rollcall_benches::harness::offenses::read_offense_sources;
use rollcall_benches::harness::send::{self, check_loopback, Plan, Transport};
use rollcall_benches::harness::summary::{percentile, steady_rate};
use rollcall_benches::harness::watch::{watch, WatchLimits, Watched};
use rollcall_benches::harness::{procstat, table};
use rollcall_benches::workload::{self, FormatMix, Framing, PayloadFormat, Workload, WorkloadSpec};
use serde_json::{json, Value};

#[derive(Parser)]
#[command(about = "Load generator and measurement for rollcall's end-to-end benchmarks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Replay a realistic workload and (optionally) measure the receiver.
    Send(SendArgs),
    /// Flood of unique sources and usernames, sampling RSS and the receiver's metrics.
    Hostile(HostileArgs),
    /// Offense latency: paced campaigns, timed until their offense reaches the output file.
    Latency(LatencyArgs),
    /// Write the workload as LF-separated lines (for `rollcall replay`, profiling).
    Dump(DumpArgs),
    /// Markdown table from the JSON lines of `send` runs.
    Table(TableArgs),
}

#[derive(Args, Clone)]
struct WorkloadArgs {
    /// Messages in the pre-rendered pool (default: min(messages, 500000)); replays cycle.
    #[arg(long)]
    pool: Option<usize>,
    /// Payload format mix, e.g. `leef=1,snare=1,json=1,text=1` or `leef`.
    #[arg(long, default_value = "leef=1,snare=1,json=1,text=1")]
    mix: FormatMix,
    /// Share of messages that are counted authentication failures.
    #[arg(long, default_value_t = 0.05)]
    auth_share: f64,
    /// Enumeration campaigns hidden in the pool.
    #[arg(long, default_value_t = 50)]
    attackers: usize,
    #[arg(long, default_value_t = 20)]
    usernames_per_attacker: usize,
    /// Distinct reporting hosts.
    #[arg(long, default_value_t = 200)]
    hosts: usize,
    /// Distinct benign users (each with its own workstation and address).
    #[arg(long, default_value_t = 20_000)]
    users: usize,
    #[arg(long, default_value_t = 1589)]
    seed: u64,
}

#[derive(Args, Clone)]
struct ObserveArgs {
    /// Read the receiver's counters from Prometheus text at http://ADDR/metrics.
    #[arg(long)]
    observe_prom: Option<SocketAddr>,
    #[arg(long, default_value = "rollcall_messages_received_total")]
    msg_metric: String,
    #[arg(long, default_value = "rollcall_bytes_received_total")]
    bytes_metric: String,
    /// Further metrics to record (repeatable).
    #[arg(long)]
    extra_metric: Vec<String>,
    /// Read rsyslog impstats JSON lines from this file instead.
    #[arg(long)]
    observe_impstats: Option<PathBuf>,
    /// impstats object whose counter is the message count, e.g. `imtcp(5514)`.
    #[arg(long, default_value = "")]
    impstats_name: String,
    #[arg(long, default_value = "submitted")]
    impstats_field: String,
    /// Receiver process for CPU time (/proc/PID/stat) and peak RSS (VmHWM).
    #[arg(long)]
    pid: Option<u32>,
    /// `getconf CLK_TCK`.
    #[arg(long, default_value_t = procstat::DEFAULT_CLK_TCK)]
    clk_tck: u64,
    /// Polling interval of the receiver's counters, ms.
    #[arg(long, default_value_t = 50)]
    poll_ms: u64,
    /// Stop watching when the counter has not moved for this long after sending, s.
    #[arg(long, default_value_t = 5)]
    settle: u64,
}

impl ObserveArgs {
    fn source(&self) -> Option<CounterSource> {
        if let Some(addr) = self.observe_prom {
            return Some(CounterSource::Prometheus {
                addr,
                messages: self.msg_metric.clone(),
                bytes: (!self.bytes_metric.is_empty()).then(|| self.bytes_metric.clone()),
                extra: self.extra_metric.clone(),
            });
        }
        self.observe_impstats
            .clone()
            .map(|path| CounterSource::Impstats {
                path,
                name: self.impstats_name.clone(),
                field: self.impstats_field.clone(),
            })
    }
}

#[derive(Args)]
struct SendArgs {
    /// Receiver address (loopback only).
    #[arg(long)]
    target: SocketAddr,
    /// Messages to send in total.
    #[arg(long, default_value_t = 1_000_000)]
    messages: u64,
    #[arg(long, default_value = "tcp", value_parser = ["tcp", "udp"])]
    transport: String,
    /// TCP connections / UDP sockets.
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// TCP framing: lf | octet.
    #[arg(long, default_value = "lf")]
    framing: Framing,
    /// Messages per second over all connections (default: full speed).
    #[arg(long)]
    rate: Option<f64>,
    /// Stop sending after this many seconds even if messages remain.
    #[arg(long, default_value_t = 300)]
    duration: u64,
    #[command(flatten)]
    workload: WorkloadArgs,
    #[command(flatten)]
    observe: ObserveArgs,
    /// Name of the receiver in the output (bare, rsyslog, rollcall).
    #[arg(long, default_value = "receiver")]
    label: String,
    /// rollcall's offense file: after the run, compare its sources with the hidden attackers.
    #[arg(long)]
    offense_file: Option<PathBuf>,
    /// Also append the JSON line to this file.
    #[arg(long)]
    json_out: Option<PathBuf>,
}

#[derive(Args)]
struct HostileArgs {
    #[arg(long)]
    target: SocketAddr,
    #[arg(long, default_value_t = 2)]
    connections: usize,
    #[arg(long, default_value = "leef")]
    format: String,
    #[arg(long, default_value = "lf")]
    framing: Framing,
    /// Usernames per source (1 = every message a new source and a new username).
    #[arg(long, default_value_t = 1)]
    users_per_source: u64,
    /// Upper bound on messages.
    #[arg(long, default_value_t = 100_000_000)]
    messages: u64,
    #[arg(long)]
    rate: Option<f64>,
    /// Seconds of flooding.
    #[arg(long, default_value_t = 60)]
    duration: u64,
    #[command(flatten)]
    observe: ObserveArgs,
    #[arg(long, default_value = "hostile")]
    label: String,
    #[arg(long)]
    json_out: Option<PathBuf>,
}

#[derive(Args)]
struct LatencyArgs {
    #[arg(long)]
    target: SocketAddr,
    #[arg(long)]
    offense_file: PathBuf,
    #[arg(long, default_value_t = 200)]
    campaigns: u64,
    /// Distinct usernames per campaign (the default Medium tier is 15).
    #[arg(long, default_value_t = 15)]
    threshold: u64,
    /// Pause between campaigns, ms.
    #[arg(long, default_value_t = 50)]
    interval_ms: u64,
    /// Background traffic (the realistic workload) during the probe, messages/s; 0 = none.
    #[arg(long, default_value_t = 0.0)]
    background_rate: f64,
    /// Background connections.
    #[arg(long, default_value_t = 2)]
    connections: usize,
    /// Background workload; its `--mix` also picks the probe campaigns' formats.
    #[command(flatten)]
    workload: WorkloadArgs,
    #[arg(long, default_value = "latency")]
    label: String,
    #[arg(long)]
    json_out: Option<PathBuf>,
}

#[derive(Args)]
struct DumpArgs {
    #[arg(long, default_value_t = 100_000)]
    messages: usize,
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    workload: WorkloadArgs,
}

#[derive(Args)]
struct TableArgs {
    files: Vec<PathBuf>,
    #[arg(long, default_value = "rollcall")]
    subject: String,
    #[arg(long, default_value = "rsyslog")]
    baseline: String,
    #[arg(long, default_value = "bare")]
    ceiling: String,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn build_workload(
    args: &WorkloadArgs,
    messages: u64,
    framing: Framing,
) -> anyhow::Result<Workload> {
    let pool = args.pool.unwrap_or(500_000).min(messages.max(1) as usize);
    let spec = WorkloadSpec {
        messages: pool,
        mix: args.mix,
        auth_failure_share: args.auth_share,
        attackers: args.attackers,
        usernames_per_attacker: args.usernames_per_attacker,
        senders: args.hosts,
        users: args.users,
        seed: args.seed,
        time_ms: now_ms(),
        framing,
    };
    Ok(workload::build(&spec)?)
}

fn workload_json(w: &Workload, args: &WorkloadArgs) -> Value {
    let per_format: serde_json::Map<String, Value> = PayloadFormat::ALL
        .iter()
        .map(|f| {
            (
                f.as_str().to_string(),
                json!(w.stats.per_format[*f as usize]),
            )
        })
        .collect();
    json!({
        "pool": w.len(),
        "auth_failures": w.stats.auth_failures,
        "auth_share": args.auth_share,
        "attackers": w.attackers.len(),
        "usernames_per_attacker": args.usernames_per_attacker,
        "attacker_events": w.stats.attacker_events,
        "hosts": args.hosts,
        "users": args.users,
        "mean_message_len": w.mean_message_len(),
        "per_format": per_format,
    })
}

fn emit(line: &Value, json_out: Option<&PathBuf>) -> anyhow::Result<()> {
    let text = line.to_string();
    println!("{text}");
    if let Some(path) = json_out {
        let mut f = OpenOptions::new().create(true).append(true).open(path)?;
        writeln!(f, "{text}")?;
    }
    Ok(())
}

fn watched_json(w: &Watched, mean_len: f64) -> Value {
    let steady = steady_rate(&w.samples, w.sent.messages, 0.5);
    let e2e = (w.done_seconds > 0.0).then(|| w.accepted as f64 / w.done_seconds);
    let msgs = steady.map(|s| s.0).or(e2e);
    let (mb, derived) = match steady.and_then(|s| s.1) {
        Some(b) => (Some(b / 1e6), false),
        None => (msgs.map(|m| m * mean_len / 1e6), true),
    };
    json!({
        "accepted": w.accepted,
        "accepted_bytes": w.accepted_bytes,
        "lost": w.sent.messages.saturating_sub(w.accepted),
        "complete": w.complete,
        "done_seconds": w.done_seconds,
        "steady_msgs_per_s": msgs,
        "steady_from_samples": steady.is_some(),
        "steady_mb_per_s": mb,
        "mb_per_s_derived": derived,
        "e2e_msgs_per_s": e2e,
        "cpu_seconds": w.cpu_seconds,
        "cpu_s_per_million": w.cpu_seconds.filter(|_| w.accepted > 0).map(|c| c / w.accepted as f64 * 1e6),
        "peak_rss_bytes": w.peak_rss,
        "samples": w.samples.len(),
        "final_extra": w.last.extra.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<_, _>>(),
    })
}

fn merge(mut a: Value, b: Value) -> Value {
    if let (Some(a), Value::Object(b)) = (a.as_object_mut(), b) {
        a.extend(b);
    }
    a
}

fn cmd_send(args: SendArgs) -> anyhow::Result<()> {
    check_loopback(args.target)?;
    let transport = if args.transport == "udp" {
        Transport::Udp
    } else {
        Transport::Tcp
    };
    let framing = match transport {
        Transport::Udp => Framing::Datagram,
        Transport::Tcp => args.framing,
    };
    let w = Arc::new(build_workload(&args.workload, args.messages, framing)?);
    let plan = Plan {
        target: args.target,
        transport,
        senders: args.connections,
        messages: args.messages,
        rate: args.rate,
        limit: Duration::from_secs(args.duration),
        batch_bytes: 128 * 1024,
    };
    let mut out = json!({
        "mode": "send",
        "label": args.label,
        "transport": args.transport,
        "framing": framing.as_str(),
        "connections": args.connections,
        "rate": args.rate,
        "workload": workload_json(&w, &args.workload),
    });
    let sender = {
        let (w, plan) = (Arc::clone(&w), plan.clone());
        move || send::replay(&w, &plan)
    };
    let watched = match args.observe.source() {
        Some(source) => {
            let mut observer = Observer::new(source);
            let limits = WatchLimits {
                poll: Duration::from_millis(args.observe.poll_ms),
                settle: Duration::from_secs(args.observe.settle),
                hard: Duration::from_secs(args.duration + 60),
            };
            let watched = watch(
                &mut observer,
                args.observe.pid,
                args.observe.clk_tck,
                limits,
                sender,
            )?;
            out = merge(out, watched_json(&watched, w.mean_message_len()));
            watched
        }
        None => {
            let (sent, took) = sender()?;
            Watched {
                sent,
                send_seconds: took.as_secs_f64(),
                ..Watched::default()
            }
        }
    };
    let secs = watched.send_seconds.max(1e-9);
    out = merge(
        out,
        json!({
            "sent_messages": watched.sent.messages,
            "sent_wire_bytes": watched.sent.wire_bytes,
            "sent_payload_bytes": watched.sent.payload_bytes,
            "send_seconds": watched.send_seconds,
            "send_msgs_per_s": watched.sent.messages as f64 / secs,
            "send_mb_per_s": watched.sent.wire_bytes as f64 / secs / 1e6,
        }),
    );
    if let Some(path) = &args.offense_file {
        // Offenses go out asynchronously: give the output a moment after the last message.
        std::thread::sleep(Duration::from_millis(500));
        let sources = read_offense_sources(path)?;
        let hidden: std::collections::HashSet<String> =
            w.attackers.iter().map(|a| a.to_string()).collect();
        let found = sources.keys().filter(|s| hidden.contains(*s)).count();
        let false_positives: Vec<&String> =
            sources.keys().filter(|s| !hidden.contains(*s)).collect();
        let complete_pool = watched.sent.messages >= w.len() as u64;
        out = merge(
            out,
            json!({"offenses": {
                "lines": sources.values().sum::<usize>(),
                "sources": sources.len(),
                "hidden": if complete_pool { hidden.len() } else { 0 },
                "found": found,
                "false_positives": false_positives.len(),
                "false_positive_sample": false_positives.iter().take(5).collect::<Vec<_>>(),
                "whole_pool_sent": complete_pool,
            }}),
        );
    }
    emit(&out, args.json_out.as_ref())
}

fn cmd_hostile(args: HostileArgs) -> anyhow::Result<()> {
    check_loopback(args.target)?;
    let format = PayloadFormat::from_name(&args.format).context("unknown --format")?;
    let plan = FloodPlan {
        target: args.target,
        connections: args.connections,
        format,
        framing: args.framing,
        users_per_source: args.users_per_source,
        messages: args.messages,
        rate: args.rate,
        duration: Duration::from_secs(args.duration),
    };
    let Some(source) = args.observe.source() else {
        bail!("hostile needs --observe-prom (and --pid for RSS)");
    };
    let mut observer = Observer::new(source);
    let limits = WatchLimits {
        poll: Duration::from_millis(args.observe.poll_ms.max(200)),
        settle: Duration::from_secs(args.observe.settle),
        hard: Duration::from_secs(args.duration + 60),
    };
    let flood = {
        let plan = plan.clone();
        move || hostile::flood(&plan)
    };
    let w = watch(
        &mut observer,
        args.observe.pid,
        args.observe.clk_tck,
        limits,
        flood,
    )?;
    // One RSS point per second is plenty for the report.
    let mut rss_series = Vec::new();
    let mut next = 0.0;
    for &(t, rss) in &w.rss {
        if t >= next {
            rss_series.push(json!([(t * 10.0).round() / 10.0, rss]));
            next = t.floor() + 1.0;
        }
    }
    let mut extra_series = Vec::new();
    let mut next = 0.0;
    for (t, extra) in &w.extra_series {
        if *t >= next {
            let m: serde_json::Map<String, Value> =
                extra.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            extra_series.push(json!({"t": (t * 10.0).round() / 10.0, "metrics": m}));
            next = t.floor() + 5.0;
        }
    }
    let out = merge(
        json!({
            "mode": "hostile",
            "label": args.label,
            "format": format.as_str(),
            "users_per_source": args.users_per_source,
            "connections": args.connections,
            "duration": args.duration,
            "sent_messages": w.sent.messages,
            "sent_payload_bytes": w.sent.payload_bytes,
            "send_seconds": w.send_seconds,
            "send_msgs_per_s": w.sent.messages as f64 / w.send_seconds.max(1e-9),
            "rss_series": rss_series,
            "metrics_series": extra_series,
        }),
        watched_json(
            &w,
            w.sent.payload_bytes as f64 / w.sent.messages.max(1) as f64,
        ),
    );
    emit(&out, args.json_out.as_ref())
}

fn cmd_latency(args: LatencyArgs) -> anyhow::Result<()> {
    check_loopback(args.target)?;
    let formats: Vec<PayloadFormat> = PayloadFormat::ALL
        .into_iter()
        .filter(|f| args.workload.mix.weight(*f) > 0)
        .collect();
    let plan = ProbePlan {
        target: args.target,
        offense_file: args.offense_file.clone(),
        campaigns: args.campaigns,
        threshold: args.threshold,
        interval: Duration::from_millis(args.interval_ms),
        framing: Framing::Lf,
        formats,
        grace: Duration::from_secs(5),
        sender_index: 240,
    };
    // Background: the realistic workload at a fixed rate for as long as the probe runs.
    let probe_secs = (args.campaigns * (args.interval_ms + 6)) as f64 / 1000.0;
    let background = (args.background_rate > 0.0).then(|| {
        let messages = (args.background_rate * probe_secs) as u64 + 1;
        let workload = build_workload(&args.workload, messages, Framing::Lf).map(Arc::new);
        let plan = Plan {
            target: args.target,
            transport: Transport::Tcp,
            senders: args.connections,
            messages,
            rate: Some(args.background_rate),
            limit: Duration::from_secs_f64(probe_secs + 5.0),
            batch_bytes: 64 * 1024,
        };
        std::thread::spawn(move || -> anyhow::Result<send::Sent> {
            Ok(send::replay(&workload?, &plan)?.0)
        })
    });
    let result = latency::probe(&plan)?;
    let background_sent = match background {
        Some(h) => Some(
            h.join()
                .map_err(|_| anyhow::anyhow!("background sender panicked"))??
                .messages,
        ),
        None => None,
    };
    let mut sorted = result.latencies_ms.clone();
    sorted.sort_by(f64::total_cmp);
    let p = |q| percentile(&sorted, q);
    let out = json!({
        "mode": "latency",
        "label": args.label,
        "campaigns": args.campaigns,
        "threshold": args.threshold,
        "interval_ms": args.interval_ms,
        "background_rate": args.background_rate,
        "background_sent": background_sent,
        "matched": sorted.len(),
        "missing": result.missing,
        "p50_ms": p(50.0),
        "p90_ms": p(90.0),
        "p99_ms": p(99.0),
        "max_ms": sorted.last(),
        "min_ms": sorted.first(),
    });
    emit(&out, args.json_out.as_ref())
}

fn cmd_dump(args: DumpArgs) -> anyhow::Result<()> {
    let spec_args = WorkloadArgs {
        pool: Some(args.messages),
        ..args.workload.clone()
    };
    let w = build_workload(&spec_args, args.messages as u64, Framing::Lf)?;
    fs::write(&args.out, &w.bytes).with_context(|| format!("writing {}", args.out.display()))?;
    let attackers: Vec<String> = w.attackers.iter().map(|a| a.to_string()).collect();
    emit(
        &json!({"mode": "dump", "out": args.out, "workload": workload_json(&w, &spec_args), "attackers": attackers}),
        None,
    )
}

fn cmd_table(args: TableArgs) -> anyhow::Result<()> {
    let mut lines = String::new();
    for f in &args.files {
        lines.push_str(&fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?);
        lines.push('\n');
    }
    let order = [
        args.ceiling.as_str(),
        args.baseline.as_str(),
        args.subject.as_str(),
    ];
    print!(
        "{}",
        table::render(&lines, &order, &args.subject, &args.baseline, &args.ceiling)
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Send(a) => cmd_send(a),
        Command::Hostile(a) => cmd_hostile(a),
        Command::Latency(a) => cmd_latency(a),
        Command::Dump(a) => cmd_dump(a),
        Command::Table(a) => cmd_table(a),
    }
}
