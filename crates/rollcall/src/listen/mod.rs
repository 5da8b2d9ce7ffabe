//! Syslog listeners: UDP, TCP and TLS (RFC 5426, RFC 6587, RFC 5425).
//!
//! Each listener parses frames on the task that received them ([`Pipeline::handle_frame`]);
//! a TCP/TLS connection does not read more until its frames are processed, which gives
//! senders natural TCP backpressure instead of an unbounded queue.
//!
//! Lifecycle: [`spawn`] binds and starts; [`ListenerHandle::stop`] stops accepting and
//! receiving, each connection then processes what it already has (its buffer and what the
//! kernel already holds for it) and closes; [`ListenerHandle::join`] waits for all of that.

mod allow;
mod stream;
mod tcp;
pub(crate) mod tls;
mod udp;

#[cfg(test)]
mod tests;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::{ListenConfig, ListenProtocol};
use crate::metrics::{DropReason, ListenerMetrics, Metrics};
use crate::pipeline::Pipeline;

pub use allow::AllowList;

/// A running listener.
#[derive(Debug)]
pub struct ListenerHandle {
    /// The bound address (the real port when the config asked for port 0).
    pub local_addr: SocketAddr,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl ListenerHandle {
    /// Stops accepting and receiving; in-flight connections drain what they have, then close.
    pub fn stop(&self) {
        self.stop.send_replace(true);
    }

    /// Waits until every task of the listener has finished (call [`Self::stop`] first).
    pub async fn join(self) {
        for task in self.tasks {
            if let Err(err) = task.await {
                if err.is_panic() {
                    tracing::error!("listener task panicked: {err}");
                }
            }
        }
    }
}

/// What every task of one listener shares.
pub(crate) struct ListenerContext {
    pub pipeline: Arc<Pipeline>,
    pub metrics: Arc<Metrics>,
    pub counters: ListenerMetrics,
    pub allow: AllowList,
    pub max_frame: usize,
}

impl ListenerContext {
    /// Counts a drop and logs it (rate-limited per reason).
    pub fn drop_counted(&self, reason: DropReason, peer: IpAddr, detail: &dyn std::fmt::Display) {
        self.metrics.drops.inc(reason);
        let now = self.pipeline.now_ms();
        self.pipeline.warn(reason.as_str(), now, |suppressed| {
            tracing::warn!(reason = reason.as_str(), %peer, listener = %self.counters.name, suppressed, "dropped: {detail}");
        });
    }
}

/// Binds the listener described by `cfg` and starts its tasks.
pub async fn spawn(
    cfg: &ListenConfig,
    pipeline: Arc<Pipeline>,
    metrics: Arc<Metrics>,
) -> anyhow::Result<ListenerHandle> {
    let (stop, stopped) = watch::channel(false);
    let protocol = protocol_name(cfg.protocol);
    let make_context = |local: SocketAddr| {
        Arc::new(ListenerContext {
            counters: metrics.listener(protocol, &local.to_string()),
            pipeline: pipeline.clone(),
            metrics: metrics.clone(),
            allow: AllowList::new(&cfg.allowed_senders),
            max_frame: cfg.max_frame_size,
        })
    };
    let (local_addr, tasks) = match cfg.protocol {
        ListenProtocol::Udp => {
            let sockets = udp::bind(cfg.address, cfg.recv_buffer, udp::socket_count())
                .with_context(|| format!("binding udp listener {}", cfg.address))?;
            let local = sockets[0].local_addr()?;
            let ctx = make_context(local);
            let tasks = udp::start(sockets, ctx, stopped)?;
            (local, tasks)
        }
        ListenProtocol::Tcp | ListenProtocol::Tls => {
            let acceptor = match cfg.protocol {
                ListenProtocol::Tls => Some(tls::acceptor(cfg).context("setting up TLS")?),
                _ => None,
            };
            let listener = tokio::net::TcpListener::bind(cfg.address)
                .await
                .with_context(|| format!("binding {protocol} listener {}", cfg.address))?;
            let local = listener.local_addr()?;
            let ctx = make_context(local);
            let settings = tcp::Settings {
                framing: stream::framing_mode(cfg.framing),
                idle_timeout: idle_timeout(&cfg.idle_timeout)?,
                max_connections: cfg.max_connections,
                tls: acceptor,
            };
            let task = tokio::spawn(tcp::accept_loop(listener, settings, ctx, stopped));
            (local, vec![task])
        }
    };
    tracing::info!(listener = %format_args!("{protocol}/{local_addr}"), %local_addr, "listening");
    Ok(ListenerHandle {
        local_addr,
        stop,
        tasks,
    })
}

fn protocol_name(protocol: ListenProtocol) -> &'static str {
    match protocol {
        ListenProtocol::Udp => "udp",
        ListenProtocol::Tcp => "tcp",
        ListenProtocol::Tls => "tls",
    }
}

fn idle_timeout(text: &str) -> anyhow::Result<Duration> {
    crate::config::parse_duration(text)
        .map_err(|e| anyhow::anyhow!("idle_timeout: {e}"))
        .map(|d| d.max(Duration::from_millis(1)))
}

/// Resolves when the listener is told to stop (or its handle is gone).
pub(crate) async fn stopped(mut rx: watch::Receiver<bool>) {
    // An error means the handle was dropped: nobody can stop us any more, so stop now.
    let _ = rx.wait_for(|stop| *stop).await;
}
