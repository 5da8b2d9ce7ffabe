//! UDP syslog (RFC 5426): one datagram is one message.
//!
//! Several sockets share the port with SO_REUSEPORT, one receive task each (one per core),
//! so the kernel spreads senders over cores. Each task reads up to [`BATCH`] datagrams per
//! `recvmmsg(2)` into preallocated slots and parses each datagram in its slot: no copy, no
//! queue, one system call per batch instead of one per datagram. Datagrams the kernel drops
//! because we were too slow are read from procfs at scrape time
//! ([`crate::metrics::KernelDrops`]).

use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::Arc;

use socket2::{Domain, Protocol, SockAddr, SockAddrStorage, Socket, Type};
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::ListenerContext;
use crate::metrics::kernel_drops::socket_inode;
use crate::metrics::DropReason;

/// Largest UDP payload (IPv4: 65507; IPv6 jumbograms are not syslog).
const MAX_DATAGRAM: usize = 65_535;
/// More sockets than cores only adds contention.
const MAX_SOCKETS: usize = 8;
/// Datagrams read per `recvmmsg` call. Past a few dozen the system call is already a small
/// share of the per-datagram cost; more slots only add memory.
const BATCH: usize = 32;
/// Room past `max_frame_size` in a slot for the trailer senders add (`\r\n`, NUL), which is
/// stripped before the size check.
const TRAILER_ROOM: usize = 4;

/// Receive sockets to open: one per available core.
pub fn socket_count() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_SOCKETS))
}

/// Binds `count` non-blocking sockets to `address` with SO_REUSEPORT and the requested
/// SO_RCVBUF. With port 0, the first socket picks the port and the others join it.
pub fn bind(
    address: SocketAddr,
    recv_buffer: usize,
    count: usize,
) -> io::Result<Vec<std::net::UdpSocket>> {
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
        sockets.push(socket.into());
    }
    Ok(sockets)
}

/// Starts one receive task per socket and registers the sockets for kernel-drop reporting.
/// Must be called inside the runtime (the sockets are registered with its reactor).
pub(super) fn start(
    sockets: Vec<std::net::UdpSocket>,
    ctx: Arc<ListenerContext>,
    stop: watch::Receiver<bool>,
) -> io::Result<Vec<JoinHandle<()>>> {
    let mut tasks = Vec::with_capacity(sockets.len());
    for socket in sockets {
        ctx.metrics
            .kernel_drops
            .watch(&ctx.counters.name, socket_inode(socket.as_raw_fd())?);
        // SAFETY: the `UdpSocket` owns its open descriptor and moves into the `AsyncFd`,
        // which owns it until it is dropped; nothing closes or replaces the descriptor
        // meanwhile, and `as_raw_fd` always returns that same one.
        let socket = unsafe { AsyncFd::register_with_interest(socket, Interest::READABLE) }
            .map_err(io::Error::from)?;
        tasks.push(tokio::spawn(receive_loop(
            socket,
            ctx.clone(),
            stop.clone(),
        )));
    }
    Ok(tasks)
}

async fn receive_loop(
    socket: AsyncFd<std::net::UdpSocket>,
    ctx: Arc<ListenerContext>,
    stop: watch::Receiver<bool>,
) {
    let mut batch = Batch::new(slot_len(ctx.max_frame));
    let stopped = super::stopped(stop);
    tokio::pin!(stopped);
    loop {
        let mut ready = tokio::select! {
            biased;
            () = &mut stopped => break,
            ready = socket.readable() => match ready {
                Ok(ready) => ready,
                Err(err) => {
                    tracing::debug!(listener = %ctx.counters.name, "udp readiness error: {err}");
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        match ready.try_io(|fd| batch.receive(fd.as_raw_fd())) {
            // Nothing queued after all: readiness is cleared, wait for the next datagram.
            Err(_would_block) => {}
            Ok(Ok(count)) => {
                if count < BATCH {
                    // `recvmmsg` stops short of the batch only when the next read would
                    // block (or failed; a failure is reported again by the next call, and
                    // the next datagram wakes us up for it). Clearing here saves the extra
                    // call that would only return EAGAIN. Readiness that arrived since the
                    // guard was taken is kept, so nothing that arrives later is missed.
                    ready.clear_ready();
                }
                drop(ready);
                batch.dispatch(&ctx, count);
            }
            Ok(Err(err)) => {
                drop(ready);
                // Transient (ICMP errors, ENOMEM); a short pause keeps a persistent
                // error from spinning a core.
                tracing::debug!(listener = %ctx.counters.name, "udp receive error: {err}");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        }
    }
    // Drain what the kernel already queued for us, then stop.
    while let Ok(count @ 1..) = batch.receive(socket.as_raw_fd()) {
        batch.dispatch(&ctx, count);
    }
}

/// Slot size for a listener: whole datagrams up to `max_frame` plus a trailer. Anything
/// longer is dropped as oversized whatever its tail, so it need not fit.
fn slot_len(max_frame: usize) -> usize {
    max_frame.saturating_add(TRAILER_ROOM).min(MAX_DATAGRAM)
}

/// What `recvmmsg` reported for one slot.
#[derive(Clone, Copy, Debug, Default)]
struct Received {
    /// The datagram's real length (`MSG_TRUNC` asks for it), which may exceed the slot.
    len: usize,
    /// The datagram did not fit its slot; only the slot's worth was stored.
    truncated: bool,
    /// The sender, `None` if the kernel reported no IP address (never for UDP/IP).
    peer: Option<SocketAddr>,
}

/// Preallocated receive slots for one socket: `BATCH` buffers of `slot_len` bytes and their
/// sender addresses, reused for every call.
struct Batch {
    slot_len: usize,
    /// `BATCH` slots of `slot_len` bytes, back to back.
    buffers: Vec<u8>,
    addrs: Vec<libc::sockaddr_storage>,
    received: [Received; BATCH],
}

impl Batch {
    fn new(slot_len: usize) -> Self {
        Self {
            slot_len,
            buffers: vec![0; BATCH * slot_len],
            // SAFETY: `sockaddr_storage` is a plain C struct; all zeros is valid (AF_UNSPEC).
            addrs: vec![unsafe { std::mem::zeroed() }; BATCH],
            received: [Received::default(); BATCH],
        }
    }

    /// Reads up to `BATCH` queued datagrams from the non-blocking socket `fd` without
    /// waiting; returns how many (`WouldBlock` when none was queued).
    fn receive(&mut self, fd: RawFd) -> io::Result<usize> {
        // The headers point into `self`, so they are rebuilt for each call rather than kept
        // (raw pointers in a field would also make the receive task `!Send`).
        // SAFETY: `iovec` and `mmsghdr` are plain C structs for which all zeros is valid
        // (null pointers, zero lengths).
        let mut iovecs: [libc::iovec; BATCH] = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        let mut headers: [libc::mmsghdr; BATCH] = unsafe { std::mem::zeroed() };
        let slots = self.buffers.chunks_exact_mut(self.slot_len);
        for (((slot, addr), iov), header) in slots
            .zip(self.addrs.iter_mut())
            .zip(iovecs.iter_mut())
            .zip(headers.iter_mut())
        {
            iov.iov_base = slot.as_mut_ptr().cast();
            iov.iov_len = slot.len();
            header.msg_hdr.msg_name = std::ptr::from_mut(addr).cast();
            header.msg_hdr.msg_namelen = SOCKADDR_STORAGE_LEN;
            header.msg_hdr.msg_iov = iov;
            header.msg_hdr.msg_iovlen = 1;
        }
        // SAFETY: `headers` holds BATCH entries, each pointing at one iovec in `iovecs` that
        // covers exactly one distinct `slot_len`-byte slot of `self.buffers`, and at one
        // distinct `SockAddrStorage` with `msg_namelen` its full size. All of them outlive
        // the call and nothing else touches them during it, so the kernel writes only into
        // memory we own exclusively. `timeout` is null (no timer); MSG_DONTWAIT keeps the
        // call from blocking whatever the socket mode.
        let count = unsafe {
            libc::recvmmsg(
                fd,
                headers.as_mut_ptr(),
                BATCH as libc::c_uint,
                libc::MSG_DONTWAIT | libc::MSG_TRUNC,
                std::ptr::null_mut(),
            )
        };
        let Ok(count) = usize::try_from(count) else {
            return Err(io::Error::last_os_error());
        };
        for ((received, header), addr) in self
            .received
            .iter_mut()
            .zip(&headers)
            .zip(&self.addrs)
            .take(count)
        {
            *received = Received {
                len: header.msg_len as usize,
                truncated: header.msg_hdr.msg_flags & libc::MSG_TRUNC != 0,
                peer: socket_addr(addr, header.msg_hdr.msg_namelen),
            };
        }
        Ok(count)
    }

    /// The `index`th datagram of the last [`Self::receive`]: what was stored of it, and how
    /// it was received.
    fn datagram(&self, index: usize) -> (&[u8], Received) {
        let received = self.received.get(index).copied().unwrap_or_default();
        let start = index * self.slot_len;
        let stored = received.len.min(self.slot_len);
        let bytes = self.buffers.get(start..start + stored).unwrap_or_default();
        (bytes, received)
    }

    /// Hands the first `count` datagrams of the last [`Self::receive`] to the pipeline.
    fn dispatch(&self, ctx: &ListenerContext, count: usize) {
        // One clock read per batch: the datagrams of one `recvmmsg` arrived together.
        let now_ms = ctx.pipeline.now_ms();
        for index in 0..count.min(BATCH) {
            let (bytes, received) = self.datagram(index);
            let Some(peer) = received.peer else {
                tracing::debug!(listener = %ctx.counters.name, "udp datagram without an IP sender ignored");
                continue;
            };
            handle_datagram(ctx, bytes, received, peer, now_ms);
        }
    }
}

const SOCKADDR_STORAGE_LEN: libc::socklen_t = std::mem::size_of::<libc::sockaddr_storage>() as _;

/// The IP socket address the kernel wrote into `addr` (`len` bytes of it).
fn socket_addr(addr: &libc::sockaddr_storage, len: libc::socklen_t) -> Option<SocketAddr> {
    let mut storage = SockAddrStorage::zeroed();
    // SAFETY: `SockAddrStorage` is `repr(transparent)` over this platform's
    // `sockaddr_storage`, so viewing it as one is exactly its own type.
    unsafe { *storage.view_as::<libc::sockaddr_storage>() = *addr };
    // SAFETY: `storage` holds what the kernel wrote for one received datagram: a valid
    // address of family `ss_family` whose length is `len` (at most the storage's size, the
    // `msg_namelen` we passed); `SockAddr` reads only what family and length cover.
    let addr = unsafe { SockAddr::new(storage, len.min(SOCKADDR_STORAGE_LEN)) };
    addr.as_socket()
}

fn handle_datagram(
    ctx: &ListenerContext,
    datagram: &[u8],
    received: Received,
    peer: SocketAddr,
    now_ms: i64,
) {
    let ip = peer.ip();
    if !ctx.allow.permits(ip) {
        ctx.drop_counted(DropReason::NotAllowed, ip, &"sender not in allowed_senders");
        return;
    }
    if received.truncated {
        // Longer than a slot, which holds `max_frame_size` plus a trailer: oversized.
        ctx.drop_counted(
            DropReason::Oversized,
            ip,
            &format_args!("{}-byte datagram", received.len),
        );
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
    ctx.pipeline
        .handle_frame_at(message, ip, &ctx.counters, now_ms);
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
    use std::time::{Duration, Instant};

    #[test]
    fn trailers_are_stripped() {
        assert_eq!(strip_trailer(b"<13>hi\n"), b"<13>hi");
        assert_eq!(strip_trailer(b"<13>hi\r\n\0"), b"<13>hi");
        assert_eq!(strip_trailer(b"<13>a\nb"), b"<13>a\nb");
        assert_eq!(strip_trailer(b"\n\n"), b"");
        assert_eq!(strip_trailer(b""), b"");
    }

    #[test]
    fn sockets_share_one_port() {
        let sockets = bind("127.0.0.1:0".parse().unwrap(), 1 << 20, 2).unwrap();
        assert_eq!(sockets.len(), 2);
        let a = sockets[0].local_addr().unwrap();
        assert_ne!(a.port(), 0);
        assert_eq!(sockets[1].local_addr().unwrap(), a);
    }

    #[test]
    fn slots_hold_a_whole_frame_and_its_trailer() {
        assert_eq!(slot_len(100), 104);
        assert_eq!(slot_len(64 * 1024), MAX_DATAGRAM);
        assert_eq!(slot_len(16 * 1024 * 1024), MAX_DATAGRAM);
        assert_eq!(slot_len(usize::MAX), MAX_DATAGRAM);
    }

    /// Reads `socket` until `expected` datagrams arrived: (bytes, how, datagrams per call).
    fn receive_all(
        socket: &std::net::UdpSocket,
        batch: &mut Batch,
        expected: usize,
    ) -> (Vec<(Vec<u8>, Received)>, Vec<usize>) {
        let start = Instant::now();
        let (mut seen, mut calls) = (Vec::new(), Vec::new());
        while seen.len() < expected {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{} of {expected}",
                seen.len()
            );
            match batch.receive(socket.as_raw_fd()) {
                Ok(count) => {
                    calls.push(count);
                    for index in 0..count {
                        let (bytes, received) = batch.datagram(index);
                        seen.push((bytes.to_vec(), received));
                    }
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(err) => panic!("recvmmsg: {err}"),
            }
        }
        (seen, calls)
    }

    #[test]
    fn a_batch_keeps_every_datagram_with_its_sender() {
        let receiver = bind("127.0.0.1:0".parse().unwrap(), 1 << 20, 1)
            .unwrap()
            .remove(0);
        let to = receiver.local_addr().unwrap();
        let senders: Vec<_> = (2..5)
            .map(|i| std::net::UdpSocket::bind(format!("127.0.0.{i}:0")).unwrap())
            .collect();
        let total = 3 * BATCH + 5;
        for n in 0..total {
            senders[n % senders.len()]
                .send_to(format!("<13>message {n}\n").as_bytes(), to)
                .unwrap();
        }
        let mut batch = Batch::new(slot_len(1024));
        let (seen, calls) = receive_all(&receiver, &mut batch, total);
        assert_eq!(seen.len(), total);
        assert!(calls.iter().all(|&c| (1..=BATCH).contains(&c)), "{calls:?}");
        assert!(calls.len() < total, "batched: {calls:?}");
        for (n, (bytes, received)) in seen.iter().enumerate() {
            assert_eq!(bytes, format!("<13>message {n}\n").as_bytes());
            assert_eq!(received.len, bytes.len());
            assert!(!received.truncated);
            let sender = senders[n % senders.len()].local_addr().unwrap();
            assert_eq!(received.peer, Some(sender), "datagram {n}");
        }
        // Nothing left: the next call would block.
        let err = batch.receive(receiver.as_raw_fd()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
    }

    #[test]
    fn datagrams_longer_than_a_slot_are_marked_truncated_with_their_length() {
        let receiver = bind("127.0.0.1:0".parse().unwrap(), 1 << 20, 1)
            .unwrap()
            .remove(0);
        let to = receiver.local_addr().unwrap();
        let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let slot = slot_len(100);
        for len in [500, slot, slot + 1, 10] {
            sender.send_to(&vec![b'x'; len], to).unwrap();
        }
        let mut batch = Batch::new(slot);
        let (seen, _) = receive_all(&receiver, &mut batch, 4);
        let shape: Vec<_> = seen
            .iter()
            .map(|(bytes, r)| (bytes.len(), r.len, r.truncated))
            .collect();
        assert_eq!(
            shape,
            [
                (slot, 500, true),
                (slot, slot, false),
                (slot, slot + 1, true),
                (10, 10, false)
            ]
        );
    }
}
