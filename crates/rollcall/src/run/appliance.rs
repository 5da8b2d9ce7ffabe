//! Start-up, the signal loop, reload and shutdown of `rollcall run`.
//!
//! Start-up order: detector (restored) → metrics registry → outputs → listeners → metrics
//! endpoint → READY=1. Any failure before READY is fatal (systemd sees the unit fail).
//!
//! SIGHUP: the file is re-read and validated; a bad file is logged and the running config
//! stays (READY=1 with a STATUS naming the error). A good one reconfigures the detector in
//! place (windows kept), rebuilds outputs whose config changed and reopens the others (log
//! rotation), and starts/stops listeners by (protocol, address).
//!
//! SIGTERM/SIGINT: STOPPING=1, stop accepting, let connections drain what they hold, deliver
//! the remaining offenses, flush outputs, write the final snapshot, exit 0.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use prometheus_client::registry::Registry;
use rollcall_detect::Engine;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::fanout::{self, Built, OutputSet};
use super::housekeeping::{self, Settings};
use super::{notify, state};
use crate::config::{self, Config, ListenConfig};
use crate::listen::{self, ListenerHandle};
use crate::metrics::Metrics;
use crate::output;
use crate::pipeline::Pipeline;

/// Longest wait for listeners to drain at shutdown (systemd's TimeoutStopSec is 30 s).
const DRAIN_TIMEOUT: Duration = Duration::from_secs(20);

struct Listener {
    config: ListenConfig,
    handle: ListenerHandle,
}

struct MetricsServer {
    task: JoinHandle<()>,
}

struct Appliance {
    config_path: Option<PathBuf>,
    config: Config,
    engine: Arc<Engine>,
    pipeline: Arc<Pipeline>,
    metrics: Arc<Metrics>,
    registry: Arc<Registry>,
    ready: Arc<AtomicBool>,
    metrics_server: Option<MetricsServer>,
    listeners: Vec<Listener>,
    outputs: OutputSet,
    fanout: JoinHandle<()>,
    fanout_stop: watch::Sender<bool>,
    housekeeping: JoinHandle<()>,
    settings: watch::Sender<Settings>,
}

/// Runs the appliance until SIGTERM/SIGINT.
pub async fn run(config_path: Option<PathBuf>, config: Config) -> anyhow::Result<()> {
    // Before anything slow: SIGHUP's default action would kill us during start-up.
    let mut hangup = signal(SignalKind::hangup()).context("installing the SIGHUP handler")?;
    let mut terminate =
        signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;

    let mut appliance = Appliance::start(config_path, config).await?;
    let status = appliance.status("ready");
    tracing::info!(listeners = %appliance.listener_list(), outputs = appliance.config.output.len(), "ready");
    notify::ready(&status);

    loop {
        tokio::select! {
            _ = hangup.recv() => appliance.reload().await,
            _ = terminate.recv() => { tracing::info!("SIGTERM: stopping"); break; }
            _ = interrupt.recv() => { tracing::info!("SIGINT: stopping"); break; }
        }
    }
    appliance.shutdown().await;
    Ok(())
}

fn settings_of(config: &Config) -> Settings {
    Settings {
        state_dir: config.state.dir.clone(),
        // Validated; the fallback only guards a config that skipped validation.
        snapshot_interval: config::parse_duration(&config.state.snapshot_interval)
            .unwrap_or(Duration::from_secs(300)),
    }
}

impl Appliance {
    async fn start(config_path: Option<PathBuf>, config: Config) -> anyhow::Result<Appliance> {
        let detect = config.detect_config().map_err(|e| anyhow::anyhow!("{e}"))?;
        let state_dir = config.state.dir.clone();
        let engine = tokio::task::spawn_blocking(move || {
            state::restore_engine(detect, state_dir.as_deref())
        })
        .await??;
        let engine = Arc::new(engine);

        let mut registry = Registry::default();
        let metrics = Arc::new(Metrics::new(
            &mut registry,
            vec![crate::metrics::clock_skew_drops(engine.clone())],
        ));
        crate::metrics::register_engine_stats(&mut registry, engine.clone());
        let outputs = build_outputs(&config, &[], &mut registry)?;
        let outputs = OutputSet::new(outputs);

        let (offense_tx, offense_rx) = tokio::sync::mpsc::unbounded_channel();
        let pipeline = Arc::new(Pipeline::new(
            engine.clone(),
            metrics.clone(),
            offense_tx,
            crate::clock::now_ms,
        ));
        let (fanout_stop, fanout_stopped) = watch::channel(false);
        let fanout = fanout::spawn(offense_rx, outputs.clone(), fanout_stopped);

        let mut listeners = Vec::with_capacity(config.listen.len());
        for cfg in &config.listen {
            let handle = listen::spawn(cfg, pipeline.clone(), metrics.clone()).await?;
            listeners.push(Listener {
                config: cfg.clone(),
                handle,
            });
        }

        let registry = Arc::new(registry);
        let ready = Arc::new(AtomicBool::new(false));
        let metrics_server = match config.metrics.address {
            Some(address) => Some(start_metrics(address, &registry, &ready).await?),
            None => None,
        };

        let (settings, settings_rx) = watch::channel(settings_of(&config));
        let watchdog = notify::watchdog_interval();
        let housekeeping = housekeeping::spawn(engine.clone(), settings_rx, watchdog);
        ready.store(true, Ordering::Release);

        Ok(Appliance {
            config_path,
            config,
            engine,
            pipeline,
            metrics,
            registry,
            ready,
            metrics_server,
            listeners,
            outputs,
            fanout,
            fanout_stop,
            housekeeping,
            settings,
        })
    }

    /// `udp/127.0.0.1:1514,tcp/127.0.0.1:1514`: the bound addresses (real ports for port 0).
    fn listener_list(&self) -> String {
        self.listeners
            .iter()
            .map(|l| format!("{}/{}", protocol_name(&l.config), l.handle.local_addr))
            .collect::<Vec<_>>()
            .join(",")
    }

    fn status(&self, what: &str) -> String {
        format!(
            "{what}: listening on {}; {} output(s); {} source(s) tracked",
            self.listener_list(),
            self.config.output.len(),
            self.engine.stats().tracked_sources
        )
    }

    async fn reload(&mut self) {
        notify::reloading();
        tracing::info!("SIGHUP: reloading the config");
        match self.try_reload().await {
            Ok(problems) if problems.is_empty() => {
                tracing::info!(listeners = %self.listener_list(), outputs = self.config.output.len(), "reloaded");
                notify::ready(&self.status("reloaded"));
            }
            Ok(problems) => {
                let summary = problems.join("; ");
                tracing::error!(listeners = %self.listener_list(), "reloaded with errors: {summary}");
                notify::ready(&format!("{}; errors: {summary}", self.status("reloaded")));
            }
            Err(err) => {
                tracing::error!("reload rejected, the previous config stays in force: {err:#}");
                notify::ready(&format!(
                    "reload rejected ({}); {}",
                    first_line(&format!("{err:#}")),
                    self.status("running the previous config")
                ));
            }
        }
    }

    /// Applies a new config. `Err`: nothing was changed. `Ok(problems)`: applied, except the
    /// listeners listed in `problems` (a port taken by another process, say).
    async fn try_reload(&mut self) -> anyhow::Result<Vec<String>> {
        let new = match config::load(self.config_path.as_deref()) {
            Ok(new) => new,
            Err(errors) => {
                for e in errors.iter() {
                    tracing::error!("{e}");
                }
                anyhow::bail!(
                    "{} config error(s), first: {}",
                    errors.len(),
                    first_line(&errors.to_string())
                );
            }
        };
        let detect = new.detect_config().map_err(|e| anyhow::anyhow!("{e}"))?;
        // Outputs first: a new output that cannot be built rejects the reload untouched.
        // The served registry is frozen once shared, so this registry is a scratch one; the
        // network outputs' metrics are still exported: their collector, registered at
        // start-up, finds every live output at scrape time (output/net/metrics.rs).
        let old_outputs = self.outputs.current();
        let mut scratch = Registry::default();
        let outputs = build_outputs(&new, &old_outputs, &mut scratch)?;

        let mut problems = Vec::new();
        self.reconcile_listeners(&new.listen, &mut problems).await;

        self.engine.reconfigure(detect);
        let kept: Vec<*const ()> = outputs
            .iter()
            .map(|b| Arc::as_ptr(&b.output) as *const ())
            .collect();
        self.outputs.replace(outputs);
        for old in old_outputs.iter() {
            let ptr = Arc::as_ptr(&old.output) as *const ();
            if kept.contains(&ptr) {
                if let Err(err) = old.output.reopen() {
                    problems.push(format!(
                        "output {}: reopen failed: {err:#}",
                        old.output.name()
                    ));
                }
            } else {
                old.output.shutdown();
            }
        }

        self.settings.send_replace(settings_of(&new));
        if new.metrics.address != self.config.metrics.address {
            if let Some(server) = self.metrics_server.take() {
                server.task.abort();
                let _ = server.task.await;
            }
            if let Some(address) = new.metrics.address {
                match start_metrics(address, &self.registry, &self.ready).await {
                    Ok(server) => self.metrics_server = Some(server),
                    Err(err) => problems.push(format!("metrics endpoint: {err:#}")),
                }
            }
        }
        self.config = new;
        Ok(problems)
    }

    /// Stops listeners that are gone or changed, starts new and changed ones.
    async fn reconcile_listeners(&mut self, wanted: &[ListenConfig], problems: &mut Vec<String>) {
        let (keep, stop): (Vec<Listener>, Vec<Listener>) = std::mem::take(&mut self.listeners)
            .into_iter()
            .partition(|l| wanted.contains(&l.config));
        // Stop before starting: a changed listener rebinds the same address.
        for l in &stop {
            l.handle.stop();
        }
        for l in stop {
            tracing::info!(listener = %format!("{}/{}", protocol_name(&l.config), l.handle.local_addr), "listener stopped");
            if tokio::time::timeout(DRAIN_TIMEOUT, l.handle.join())
                .await
                .is_err()
            {
                tracing::warn!("a stopped listener did not drain within {DRAIN_TIMEOUT:?}");
            }
        }
        self.listeners = keep;
        for cfg in wanted {
            if self.listeners.iter().any(|l| &l.config == cfg) {
                continue;
            }
            match listen::spawn(cfg, self.pipeline.clone(), self.metrics.clone()).await {
                Ok(handle) => self.listeners.push(Listener {
                    config: cfg.clone(),
                    handle,
                }),
                Err(err) => problems.push(format!(
                    "listener {}/{}: {err:#}",
                    protocol_name(cfg),
                    cfg.address
                )),
            }
        }
    }

    async fn shutdown(self) {
        notify::stopping();
        self.ready.store(false, Ordering::Release);
        for l in &self.listeners {
            l.handle.stop();
        }
        let drained = async {
            for l in self.listeners {
                l.handle.join().await;
            }
        };
        if tokio::time::timeout(DRAIN_TIMEOUT, drained).await.is_err() {
            tracing::warn!("listeners did not drain within {DRAIN_TIMEOUT:?}");
        }
        // Every frame received has been through the detector: deliver what it raised.
        drop(self.pipeline);
        self.fanout_stop.send_replace(true);
        if let Err(err) = self.fanout.await {
            tracing::error!("offense delivery task failed: {err}");
        }
        for built in self.outputs.current().iter() {
            built.output.shutdown();
        }
        self.housekeeping.abort();
        let _ = self.housekeeping.await;
        if let Some(dir) = self.config.state.dir.clone() {
            let engine = self.engine.clone();
            match tokio::task::spawn_blocking(move || state::save_snapshot(&engine, &dir)).await {
                Ok(Ok(())) => tracing::info!(
                    path = %state::snapshot_path(self.config.state.dir.as_deref().unwrap_or(Path::new("."))).display(),
                    sources = self.engine.stats().tracked_sources,
                    "detector snapshot written"
                ),
                Ok(Err(err)) => tracing::error!("final detector snapshot failed: {err:#}"),
                Err(err) => tracing::error!("final detector snapshot failed: {err}"),
            }
        }
        if let Some(server) = self.metrics_server {
            server.task.abort();
        }
        tracing::info!("stopped");
    }
}

/// Builds the outputs of `config`, reusing those in `previous` whose index and config are
/// unchanged (so a reload does not drop a connection or spool that did not change).
fn build_outputs(
    config: &Config,
    previous: &[Built],
    registry: &mut Registry,
) -> anyhow::Result<Vec<Built>> {
    let mut built = Vec::with_capacity(config.output.len());
    for (index, cfg) in config.output.iter().enumerate() {
        if let Some(same) = previous.get(index).filter(|p| &p.config == cfg) {
            built.push(Built {
                config: cfg.clone(),
                output: same.output.clone(),
            });
            continue;
        }
        let output = output::build(cfg, index, config.state.dir.as_deref(), registry)
            .with_context(|| format!("output[{index}]"))?;
        built.push(Built {
            config: cfg.clone(),
            output: Arc::from(output),
        });
    }
    Ok(built)
}

async fn start_metrics(
    address: SocketAddr,
    registry: &Arc<Registry>,
    ready: &Arc<AtomicBool>,
) -> anyhow::Result<MetricsServer> {
    let (local, task) =
        crate::metrics::http::serve(address, registry.clone(), ready.clone()).await?;
    tracing::info!(address = %local, "metrics endpoint listening");
    Ok(MetricsServer { task })
}

fn protocol_name(cfg: &ListenConfig) -> &'static str {
    match cfg.protocol {
        config::ListenProtocol::Udp => "udp",
        config::ListenProtocol::Tcp => "tcp",
        config::ListenProtocol::Tls => "tls",
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}
