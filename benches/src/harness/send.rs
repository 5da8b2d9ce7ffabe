//! Senders: replay a pre-rendered [`Workload`] over TCP connections or UDP sockets, all to a
//! loopback target, bounded in messages and time.

use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream, UdpSocket};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use socket2::{Domain, Socket, Type};

use super::pace::Pacer;
use crate::workload::Workload;

/// What one sender (or all of them) put on the wire.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sent {
    pub messages: u64,
    /// Frames as written (framing included).
    pub wire_bytes: u64,
    /// Messages only (framing excluded), comparable with receivers' byte counters.
    pub payload_bytes: u64,
}

impl Sent {
    fn add(&mut self, o: Sent) {
        self.messages += o.messages;
        self.wire_bytes += o.wire_bytes;
        self.payload_bytes += o.payload_bytes;
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Tcp,
    Udp,
}

/// How a replay runs.
#[derive(Clone, Debug)]
pub struct Plan {
    pub target: SocketAddr,
    pub transport: Transport,
    /// TCP connections / UDP sockets, each from its own 127.0.0.x address (many senders).
    pub senders: usize,
    pub messages: u64,
    /// Total messages per second over all senders; `None` = full speed.
    pub rate: Option<f64>,
    pub limit: Duration,
    /// Bytes per TCP write.
    pub batch_bytes: usize,
}

/// Refuses anything but loopback: the harness must never spray a network.
pub fn check_loopback(target: SocketAddr) -> io::Result<()> {
    if target.ip().is_loopback() {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("target {target} is not a loopback address"),
        ))
    }
}

/// Local address of sender `i`: 127.0.0.2, 127.0.0.3, … so receivers see many peers.
pub fn sender_address(i: usize) -> SocketAddr {
    let n = (i % 250) as u8 + 2;
    SocketAddr::new(
        IpAddr::V4(Ipv4Addr::new(127, 0, (i / 250 % 256) as u8, n)),
        0,
    )
}

/// Connects sender `i` to `target` over TCP, from its own loopback address.
pub fn connect_tcp(i: usize, target: SocketAddr) -> io::Result<TcpStream> {
    check_loopback(target)?;
    let socket = Socket::new(Domain::for_address(target), Type::STREAM, None)?;
    if target.is_ipv4() {
        socket.bind(&sender_address(i).into())?;
    }
    socket.connect_timeout(&target.into(), Duration::from_secs(5))?;
    socket.set_tcp_nodelay(true)?;
    Ok(socket.into())
}

/// Runs `plan` over `w`: sender `i` starts at its own offset in the pool and cycles, so
/// together the senders cover the pool whenever `plan.messages >= w.len()`.
pub fn replay(w: &Arc<Workload>, plan: &Plan) -> io::Result<(Sent, Duration)> {
    check_loopback(plan.target)?;
    let senders = plan.senders.max(1);
    let start = Instant::now();
    let mut handles = Vec::with_capacity(senders);
    for i in 0..senders {
        let w = Arc::clone(w);
        let share =
            plan.messages / senders as u64 + u64::from((i as u64) < plan.messages % senders as u64);
        let offset = w.len() * i / senders;
        let rate = plan.rate.map(|r| r / senders as f64);
        let plan = plan.clone();
        handles.push(thread::spawn(move || -> io::Result<Sent> {
            let mut pacer = Pacer::new(rate, plan.limit);
            match plan.transport {
                Transport::Tcp => {
                    let mut stream = connect_tcp(i, plan.target)?;
                    let sent =
                        send_frames(&w, &mut stream, offset, share, &mut pacer, plan.batch_bytes)?;
                    stream.flush()?;
                    // Half-close: the receiver sees EOF once it has read everything.
                    let _ = stream.shutdown(std::net::Shutdown::Write);
                    Ok(sent)
                }
                Transport::Udp => {
                    let socket = UdpSocket::bind(sender_address(i))?;
                    socket.connect(plan.target)?;
                    send_datagrams(&w, &socket, offset, share, &mut pacer)
                }
            }
        }));
    }
    let mut total = Sent::default();
    let mut first_error = None;
    for h in handles {
        match h.join() {
            Ok(Ok(s)) => total.add(s),
            Ok(Err(e)) => {
                first_error.get_or_insert(e);
            }
            Err(_) => {
                first_error.get_or_insert(io::Error::other("sender thread panicked"));
            }
        }
    }
    match first_error {
        Some(e) if total.messages == 0 => Err(e),
        Some(e) => {
            eprintln!("loadgen: a sender failed: {e}");
            Ok((total, start.elapsed()))
        }
        None => Ok((total, start.elapsed())),
    }
}

/// Writes `count` frames starting at frame `first`, in writes of about `batch_bytes`.
pub fn send_frames<W: Write>(
    w: &Workload,
    out: &mut W,
    first: usize,
    count: u64,
    pacer: &mut Pacer,
    batch_bytes: usize,
) -> io::Result<Sent> {
    let mut sent = Sent::default();
    if w.is_empty() {
        return Ok(sent);
    }
    let mut i = first % w.len();
    while sent.messages < count {
        let granted = pacer.grant(count - sent.messages);
        if granted == 0 {
            break;
        }
        let mut left = granted;
        while left > 0 {
            // Frames i..j, bounded by the grant, the pool's end and the batch size.
            let from = w.start(i);
            let mut j = i + 1;
            let max_j = (i as u64 + left).min(w.len() as u64) as usize;
            while j < max_j && w.ends[j] - from <= batch_bytes {
                j += 1;
            }
            let to = w.ends[j - 1];
            out.write_all(&w.bytes[from..to])?;
            let n = (j - i) as u64;
            sent.messages += n;
            sent.wire_bytes += (to - from) as u64;
            sent.payload_bytes += (i..j).map(|k| w.message(k).len() as u64).sum::<u64>();
            left -= n;
            i = if j == w.len() { 0 } else { j };
        }
    }
    Ok(sent)
}

/// Sends `count` messages starting at `first`, one datagram each.
pub fn send_datagrams(
    w: &Workload,
    socket: &UdpSocket,
    first: usize,
    count: u64,
    pacer: &mut Pacer,
) -> io::Result<Sent> {
    let mut sent = Sent::default();
    if w.is_empty() {
        return Ok(sent);
    }
    let mut i = first % w.len();
    while sent.messages < count {
        let granted = pacer.grant((count - sent.messages).min(256));
        if granted == 0 {
            break;
        }
        for _ in 0..granted {
            let msg = w.message(i);
            match socket.send(msg) {
                Ok(_) => {}
                // The local send buffer is full (full speed): back off briefly, retry.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    thread::sleep(Duration::from_micros(50));
                    socket.send(msg)?;
                }
                Err(e) => return Err(e),
            }
            sent.messages += 1;
            sent.wire_bytes += msg.len() as u64;
            sent.payload_bytes += msg.len() as u64;
            i += 1;
            if i == w.len() {
                i = 0;
            }
        }
    }
    Ok(sent)
}
