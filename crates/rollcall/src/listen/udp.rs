//! UDP syslog (RFC 5426): one datagram is one message.
//!
//! Several sockets share the port with SO_REUSEPORT, one receive task each (one per core),
//! so the kernel spreads senders over cores. Each task parses the datagram in its own receive
//! buffer: no copy, no queue. Datagrams the kernel drops because we were too slow are read
//! from procfs at scrape time ([`crate::metrics::KernelDrops`]).

use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::sync::Arc;

use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::UdpSocket;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::ListenerContext;
use crate::metrics::kernel_drops::socket_inode;
use crate::metrics::DropReason;

/// Largest UDP payload (IPv4: 65507; IPv6 jumbograms are not syslog).
const MAX_DATAGRAM: usize = 65_535;
/// More sockets than cores only adds contention.
const MAX_SOCKETS: usize = 8;

/// Receive sockets to open: one per available core.
pub fn socket_count() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_SOCKETS))
}

/// Binds `count` sockets to `address` with SO_REUSEPORT and the requested SO_RCVBUF. With
/// port 0, the first socket picks the port and the others join it.
pub fn bind(
    address: SocketAddr,
    recv_buffer: usize,
    count: usize,
) -> std::io::Result<Vec<UdpSocket>> {
    let mut sockets = Vec::with_capacity(count.max(1));
    let mut target = address;
    for _ in 0..count.max(1) {
        let socket = Socket::new(
            Domain::for_address(target),
            Type::DGRAM,
            Some(Protocol::UDP),
        )?;
        socket.set_reuse_port(true)?;
        // The kernel caps this at net.core.rmem_max (and doubles it for bookkeeping); a
        // smaller buffer than asked is logged, not fatal.
        socket.set_recv_buffer_size(recv_buffer)?;
        socket.set_nonblocking(true)?;
        socket.bind(&target.into())?;
        if let Some(bound) = socket.local_addr()?.as_socket() {
            target = bound;
        }
        let granted = socket.recv_buffer_size()?;
        if granted < recv_buffer {
            tracing::warn!(
                requested = recv_buffer,
                granted,
                "UDP receive buffer smaller than configured (raise net.core.rmem_max)"
            );
        }
        sockets.push(UdpSocket::from_std(socket.into())?);
    }
    Ok(sockets)
}

/// Starts one receive task per socket and registers the sockets for kernel-drop reporting.
pub(super) fn start(
    sockets: Vec<UdpSocket>,
    ctx: Arc<ListenerContext>,
    stop: watch::Receiver<bool>,
) -> std::io::Result<Vec<JoinHandle<()>>> {
    let mut tasks = Vec::with_capacity(sockets.len());
    for socket in sockets {
        ctx.metrics
            .kernel_drops
            .watch(&ctx.counters.name, socket_inode(socket.as_raw_fd())?);
        tasks.push(tokio::spawn(receive_loop(
            socket,
            ctx.clone(),
            stop.clone(),
        )));
    }
    Ok(tasks)
}

async fn receive_loop(socket: UdpSocket, ctx: Arc<ListenerContext>, stop: watch::Receiver<bool>) {
    let mut buf = vec![0u8; MAX_DATAGRAM];
    let stopped = super::stopped(stop);
    tokio::pin!(stopped);
    loop {
        tokio::select! {
            biased;
            () = &mut stopped => break,
            received = socket.recv_from(&mut buf) => match received {
                Ok((len, peer)) => handle_datagram(&ctx, buf.get(..len).unwrap_or_default(), peer),
                Err(err) => {
                    // Transient (ICMP errors, ENOMEM); a short pause keeps a persistent
                    // error from spinning a core.
                    tracing::debug!(listener = %ctx.counters.name, "udp receive error: {err}");
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            },
        }
    }
    // Drain what the kernel already queued for us, then stop.
    while let Ok((len, peer)) = socket.try_recv_from(&mut buf) {
        handle_datagram(&ctx, buf.get(..len).unwrap_or_default(), peer);
    }
}

fn handle_datagram(ctx: &ListenerContext, datagram: &[u8], peer: SocketAddr) {
    let ip = peer.ip();
    if !ctx.allow.permits(ip) {
        ctx.drop_counted(DropReason::NotAllowed, ip, &"sender not in allowed_senders");
        return;
    }
    let message = strip_trailer(datagram);
    if message.is_empty() {
        return;
    }
    if message.len() > ctx.max_frame {
        ctx.drop_counted(
            DropReason::Oversized,
            ip,
            &format_args!("{}-byte datagram", message.len()),
        );
        return;
    }
    ctx.pipeline.handle_frame(message, ip, &ctx.counters);
}

/// Senders often end a datagram with LF (or NUL, or CRLF); it is not part of the message.
fn strip_trailer(datagram: &[u8]) -> &[u8] {
    let end = datagram
        .iter()
        .rposition(|b| !matches!(b, b'\n' | b'\r' | 0))
        .map_or(0, |i| i + 1);
    datagram.get(..end).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailers_are_stripped() {
        assert_eq!(strip_trailer(b"<13>hi\n"), b"<13>hi");
        assert_eq!(strip_trailer(b"<13>hi\r\n\0"), b"<13>hi");
        assert_eq!(strip_trailer(b"<13>a\nb"), b"<13>a\nb");
        assert_eq!(strip_trailer(b"\n\n"), b"");
        assert_eq!(strip_trailer(b""), b"");
    }

    #[tokio::test]
    async fn sockets_share_one_port() {
        let sockets = bind("127.0.0.1:0".parse().unwrap(), 1 << 20, 2).unwrap();
        assert_eq!(sockets.len(), 2);
        let a = sockets[0].local_addr().unwrap();
        assert_ne!(a.port(), 0);
        assert_eq!(sockets[1].local_addr().unwrap(), a);
    }
}
