//! The ceiling of the comparison: a receiver that only cuts the stream into messages and
//! counts them (LF or RFC 6587 octet counting over TCP, one message per UDP datagram). No
//! parsing, no detection. Its counters are served as Prometheus text so the harness reads
//! them exactly like rollcall's:
//!
//! ```text
//! bare_receiver --tcp 127.0.0.1:0 --metrics 127.0.0.1:0
//! ```
//! prints `ready listeners=tcp/127.0.0.1:PORT metrics=127.0.0.1:PORT` on stderr once bound.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use socket2::{Domain, Socket, Type};

#[derive(Parser, Debug)]
#[command(about = "Counts syslog messages and nothing else (the harness's ceiling)")]
struct Args {
    /// TCP listen address (loopback; port 0 picks one).
    #[arg(long)]
    tcp: Option<SocketAddr>,
    /// UDP listen address.
    #[arg(long)]
    udp: Option<SocketAddr>,
    /// Prometheus-text counters at GET /metrics.
    #[arg(long)]
    metrics: Option<SocketAddr>,
    /// Exit after this many seconds whatever happens (bounded runs).
    #[arg(long, default_value_t = 900)]
    max_seconds: u64,
    /// UDP SO_RCVBUF to request (capped by net.core.rmem_max).
    #[arg(long, default_value_t = 8 << 20)]
    recv_buffer: usize,
}

#[derive(Default)]
struct Counters {
    messages: AtomicU64,
    bytes: AtomicU64,
}

impl Counters {
    fn add(&self, messages: u64, bytes: u64) {
        if messages > 0 {
            self.messages.fetch_add(messages, Ordering::Relaxed);
            self.bytes.fetch_add(bytes, Ordering::Relaxed);
        }
    }
}

/// Cuts one TCP stream into messages. The first byte decides the framing, as rollcall's
/// `framing = "auto"` does: a digit means RFC 6587 octet counting.
#[derive(Debug, Default)]
struct Splitter {
    mode: Option<Mode>,
    /// LF mode: bytes of the current, unterminated line.
    line: u64,
    /// Octet mode: the length being read, or the bytes of the message still to skip.
    octet: OctetState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Lf,
    Octet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OctetState {
    Length(u64),
    Body(u64),
}

impl Default for OctetState {
    fn default() -> Self {
        OctetState::Length(0)
    }
}

impl Splitter {
    /// Feeds bytes; returns (complete messages, their bytes without framing).
    fn feed(&mut self, mut data: &[u8]) -> (u64, u64) {
        let mode = match self.mode {
            Some(m) => m,
            None => match data.first() {
                None => return (0, 0),
                Some(b) if b.is_ascii_digit() => *self.mode.insert(Mode::Octet),
                Some(_) => *self.mode.insert(Mode::Lf),
            },
        };
        match mode {
            Mode::Lf => {
                let messages = memchr::memchr_iter(b'\n', data).count() as u64;
                if messages == 0 {
                    self.line += data.len() as u64;
                    return (0, 0);
                }
                let last = memchr::memrchr(b'\n', data).unwrap_or(0);
                // Everything up to the last LF, plus what was pending, minus the LFs.
                let bytes = self.line + last as u64 + 1 - messages;
                self.line = (data.len() - last - 1) as u64;
                (messages, bytes)
            }
            Mode::Octet => {
                let (mut messages, mut bytes) = (0, 0);
                while !data.is_empty() {
                    match self.octet {
                        OctetState::Length(n) => {
                            let b = data[0];
                            data = &data[1..];
                            if b.is_ascii_digit() {
                                self.octet = OctetState::Length(
                                    n.saturating_mul(10).saturating_add(u64::from(b - b'0')),
                                );
                            } else if b == b' ' {
                                self.octet = OctetState::Body(n);
                                if n == 0 {
                                    self.octet = OctetState::Length(0);
                                }
                            }
                            // Anything else: a framing error; skip the byte (a real receiver
                            // would resynchronise or close).
                        }
                        OctetState::Body(left) => {
                            let take = (left as usize).min(data.len());
                            data = &data[take..];
                            let left = left - take as u64;
                            if left == 0 {
                                messages += 1;
                                self.octet = OctetState::Length(0);
                            } else {
                                self.octet = OctetState::Body(left);
                            }
                            bytes += take as u64;
                        }
                    }
                }
                (messages, bytes)
            }
        }
    }
}

fn serve_tcp_connection(mut stream: TcpStream, counters: &Counters) {
    let mut buf = vec![0u8; 256 * 1024];
    let mut splitter = Splitter::default();
    // Octet mode counts bytes as the body arrives; LF mode when the line ends. Both end
    // up with the message bytes of complete messages, which is what the counter promises
    // once the sender is done.
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let (m, b) = splitter.feed(&buf[..n]);
                counters.add(m, b);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    // A final line without LF is a message too (rollcall counts it at EOF).
    if splitter.mode == Some(Mode::Lf) && splitter.line > 0 {
        counters.add(1, splitter.line);
    }
}

fn serve_tcp(listener: TcpListener, counters: Arc<Counters>) {
    for stream in listener.incoming().flatten() {
        let counters = Arc::clone(&counters);
        thread::spawn(move || serve_tcp_connection(stream, &counters));
    }
}

fn serve_udp(socket: UdpSocket, counters: Arc<Counters>) {
    let mut buf = vec![0u8; 65_536];
    while let Ok(n) = socket.recv(&mut buf) {
        counters.add(1, n as u64);
    }
}

fn serve_metrics(listener: TcpListener, counters: Arc<Counters>) {
    for mut stream in listener.incoming().flatten() {
        // Read the request head (ignored: every path gets the counters) up to its blank
        // line, so the client is never cut off mid-request.
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        let mut head = Vec::with_capacity(256);
        let mut chunk = [0u8; 512];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 8192 {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => head.extend_from_slice(&chunk[..n]),
            }
        }
        let body = format!(
            "# TYPE bare_messages_received counter\nbare_messages_received_total {}\n\
             # TYPE bare_bytes_received counter\nbare_bytes_received_total {}\n# EOF\n",
            counters.messages.load(Ordering::Relaxed),
            counters.bytes.load(Ordering::Relaxed)
        );
        let _ = write!(
            stream,
            "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let counters = Arc::new(Counters::default());
    let mut ready = Vec::new();
    if let Some(addr) = args.tcp {
        let listener = TcpListener::bind(addr)?;
        ready.push(format!("tcp/{}", listener.local_addr()?));
        let c = Arc::clone(&counters);
        thread::spawn(move || serve_tcp(listener, c));
    }
    if let Some(addr) = args.udp {
        let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, None)?;
        socket.set_recv_buffer_size(args.recv_buffer)?;
        socket.bind(&addr.into())?;
        let socket: UdpSocket = socket.into();
        ready.push(format!("udp/{}", socket.local_addr()?));
        let c = Arc::clone(&counters);
        thread::spawn(move || serve_udp(socket, c));
    }
    let mut metrics = String::new();
    if let Some(addr) = args.metrics {
        let listener = TcpListener::bind(addr)?;
        metrics = format!(" metrics={}", listener.local_addr()?);
        let c = Arc::clone(&counters);
        thread::spawn(move || serve_metrics(listener, c));
    }
    if ready.is_empty() {
        anyhow::bail!("nothing to listen on: give --tcp and/or --udp");
    }
    eprintln!("ready listeners={}{metrics}", ready.join(","));
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(args.max_seconds) {
        thread::sleep(Duration::from_millis(200));
    }
    eprintln!(
        "bare_receiver: max time reached; messages={} bytes={}",
        counters.messages.load(Ordering::Relaxed),
        counters.bytes.load(Ordering::Relaxed)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_in_pieces(stream: &[u8], piece: usize) -> (u64, u64) {
        let mut s = Splitter::default();
        let (mut m, mut b) = (0, 0);
        for chunk in stream.chunks(piece) {
            let (cm, cb) = s.feed(chunk);
            m += cm;
            b += cb;
        }
        (m, b)
    }

    #[test]
    fn lf_streams_count_the_same_however_they_are_cut() {
        let stream = b"<13>a\n<13>bb\n\n<13>ccc\n";
        for piece in 1..stream.len() {
            assert_eq!(
                feed_in_pieces(stream, piece),
                (4, 5 + 6 + 7),
                "piece {piece}"
            );
        }
    }

    #[test]
    fn octet_streams_count_the_same_however_they_are_cut() {
        let stream = b"5 <13>a6 <13>bb12 <13>ccc\nddd\n";
        for piece in 1..stream.len() {
            assert_eq!(
                feed_in_pieces(stream, piece),
                (3, 5 + 6 + 12),
                "piece {piece}"
            );
        }
    }
}
