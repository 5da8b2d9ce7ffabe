//! TCP and TLS accept loop: allow-list, connection cap, one task per connection.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::metrics::gauge::Gauge;
use rollcall_parse::event::normalise_ip;
use rollcall_parse::framing::FramingMode;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use super::stream::{read_frames, Ended};
use super::ListenerContext;
use crate::metrics::DropReason;

/// A TLS handshake must finish within this (or the idle timeout, if shorter): a peer that
/// opens a connection and sends nothing must not hold a connection slot for long.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

pub(super) struct Settings {
    pub framing: FramingMode,
    pub idle_timeout: Duration,
    pub max_connections: usize,
    pub tls: Option<TlsAcceptor>,
}

pub(super) async fn accept_loop(
    listener: TcpListener,
    settings: Settings,
    ctx: Arc<ListenerContext>,
    stop: watch::Receiver<bool>,
) {
    let settings = Arc::new(settings);
    let slots = Arc::new(Semaphore::new(settings.max_connections.max(1)));
    let mut connections = JoinSet::new();
    let stopped = super::stopped(stop.clone());
    tokio::pin!(stopped);
    loop {
        tokio::select! {
            biased;
            () = &mut stopped => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(conn) => conn,
                    Err(err) => {
                        // EMFILE and friends: back off instead of spinning.
                        tracing::warn!(listener = %ctx.counters.name, "accept failed: {err}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let peer = normalise_ip(peer.ip());
                if !ctx.allow.permits(peer) {
                    ctx.drop_counted(DropReason::NotAllowed, peer, &"sender not in allowed_senders");
                    continue;
                }
                let Ok(permit) = slots.clone().try_acquire_owned() else {
                    ctx.drop_counted(DropReason::ConnectionLimit, peer, &"max_connections reached");
                    continue;
                };
                connections.spawn(connection(stream, peer, settings.clone(), ctx.clone(), stop.clone(), permit));
            }
        }
    }
    // Stop accepting (closes the socket), then let open connections drain and finish.
    drop(listener);
    while connections.join_next().await.is_some() {}
}

async fn connection(
    stream: TcpStream,
    peer: IpAddr,
    settings: Arc<Settings>,
    ctx: Arc<ListenerContext>,
    stop: watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
) {
    let _active = ActiveConnection::new(ctx.metrics.connections_active.clone());
    let ended = match &settings.tls {
        None => {
            read_frames(
                stream,
                peer,
                settings.framing,
                settings.idle_timeout,
                &ctx,
                stop,
            )
            .await
        }
        Some(acceptor) => {
            let limit = HANDSHAKE_TIMEOUT.min(settings.idle_timeout);
            let handshake = tokio::select! {
                () = super::stopped(stop.clone()) => return,
                result = tokio::time::timeout(limit, acceptor.accept(stream)) => result,
            };
            match handshake {
                Ok(Ok(tls)) => {
                    read_frames(
                        tls,
                        peer,
                        settings.framing,
                        settings.idle_timeout,
                        &ctx,
                        stop,
                    )
                    .await
                }
                Ok(Err(err)) => {
                    ctx.drop_counted(
                        DropReason::TlsHandshake,
                        peer,
                        &format_args!("TLS handshake failed: {err}"),
                    );
                    return;
                }
                Err(_) => {
                    ctx.drop_counted(DropReason::TlsHandshake, peer, &"TLS handshake timed out");
                    return;
                }
            }
        }
    };
    if let Ended::Error(kind) = ended {
        tracing::debug!(%peer, listener = %ctx.counters.name, "connection error: {kind}");
    } else {
        tracing::debug!(%peer, listener = %ctx.counters.name, "connection closed: {ended:?}");
    }
}

/// Keeps `rollcall_connections_active` right however the connection task ends.
struct ActiveConnection(Gauge);

impl ActiveConnection {
    fn new(gauge: Gauge) -> Self {
        gauge.inc();
        ActiveConnection(gauge)
    }
}

impl Drop for ActiveConnection {
    fn drop(&mut self) {
        self.0.dec();
    }
}
