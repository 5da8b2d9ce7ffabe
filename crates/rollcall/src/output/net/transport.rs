//! Connections to the receiver (QRadar): TCP, TLS over TCP, or UDP; and how lines are framed
//! on them.
//!
//! TCP and TLS: each line followed by LF (the traditional syslog-over-TCP framing QRadar
//! reads), or RFC 6587 octet counting (`LEN SP line`) when configured. UDP: one line per
//! datagram, no terminator.

use std::io;
use std::time::Duration;

use anyhow::Context;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use crate::config::{OutputConfig, OutputFraming, OutputProtocol};

/// Longest wait for one connection (DNS, TCP, TLS handshake).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How to reach one receiver.
#[derive(Clone)]
pub struct Transport {
    /// `host:port` as configured (resolved again at every connect: DNS may change).
    pub address: String,
    pub protocol: OutputProtocol,
    pub framing: OutputFraming,
    tls: Option<(TlsConnector, ServerName<'static>)>,
}

/// An open connection.
pub enum Conn {
    Tcp(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
    Udp(UdpSocket),
}

/// Lines ready to send: framed back to back for a stream, or datagram bounds for UDP.
#[derive(Debug, Default)]
pub struct Batch {
    pub bytes: Vec<u8>,
    /// End offset in `bytes` of each line (UDP: each datagram).
    pub ends: Vec<usize>,
}

impl Batch {
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }

    /// Adds one line in the transport's framing.
    pub fn push(&mut self, line: &[u8], protocol: OutputProtocol, framing: OutputFraming) {
        let stream = protocol != OutputProtocol::Udp;
        if stream && framing == OutputFraming::Octet {
            self.bytes
                .extend_from_slice(format!("{} ", line.len()).as_bytes());
        }
        self.bytes.extend_from_slice(line);
        if stream && framing == OutputFraming::Lf {
            self.bytes.push(b'\n');
        }
        self.ends.push(self.bytes.len());
    }
}

/// What a look at an idle connection found.
#[derive(Debug)]
pub enum Liveness {
    Open,
    /// The receiver closed it (`Ok`: cleanly, FIN or TLS close_notify) or reset it.
    Closed(io::Result<()>),
}

impl Transport {
    pub fn new(cfg: &OutputConfig) -> anyhow::Result<Transport> {
        let address = cfg
            .address
            .clone()
            .context("a network output needs address")?;
        let tls = match cfg.protocol {
            OutputProtocol::Tls => Some(super::tls::connector(cfg, host_of(&address))?),
            _ => None,
        };
        Ok(Transport {
            address,
            protocol: cfg.protocol,
            framing: cfg.framing,
            tls,
        })
    }

    /// Resolves the address and connects to the first address that answers.
    pub async fn connect(&self) -> anyhow::Result<Conn> {
        let addrs: Vec<_> = tokio::net::lookup_host(&self.address)
            .await
            .with_context(|| format!("resolving {}", self.address))?
            .collect();
        let mut last_error: Option<(std::net::SocketAddr, io::Error)> = None;
        for addr in addrs {
            let attempt = async {
                match (self.protocol, &self.tls) {
                    (OutputProtocol::Udp, _) => {
                        let local = if addr.is_ipv4() {
                            "0.0.0.0:0"
                        } else {
                            "[::]:0"
                        };
                        let socket = UdpSocket::bind(local).await?;
                        // Connected: the kernel reports ICMP port-unreachable as an error.
                        socket.connect(addr).await?;
                        Ok::<Conn, io::Error>(Conn::Udp(socket))
                    }
                    (_, tls) => {
                        let tcp = TcpStream::connect(addr).await?;
                        // Lines are written whole; do not hold the last one back.
                        tcp.set_nodelay(true)?;
                        match tls {
                            Some((connector, name)) => {
                                let stream = connector.connect(name.clone(), tcp).await?;
                                Ok(Conn::Tls(Box::new(stream)))
                            }
                            None => Ok(Conn::Tcp(tcp)),
                        }
                    }
                }
            };
            match attempt.await {
                Ok(conn) => return Ok(conn),
                Err(e) => last_error = Some((addr, e)),
            }
        }
        match last_error {
            Some((addr, e)) => Err(anyhow::Error::new(e).context(format!("connecting to {addr}"))),
            None => anyhow::bail!("{} resolves to no address", self.address),
        }
    }
}

/// The host part of `host:port` / `[v6]:port`.
pub fn host_of(address: &str) -> &str {
    let host = address.rsplit_once(':').map_or(address, |(h, _)| h);
    host.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
}

impl Conn {
    /// Writes the whole batch (and flushes TLS). An error means the connection is unusable.
    pub async fn send(&mut self, batch: &Batch) -> io::Result<()> {
        match self {
            Conn::Tcp(s) => s.write_all(&batch.bytes).await,
            Conn::Tls(s) => {
                s.write_all(&batch.bytes).await?;
                s.flush().await
            }
            Conn::Udp(s) => {
                let mut start = 0;
                for &end in &batch.ends {
                    let datagram = batch.bytes.get(start..end).unwrap_or_default();
                    s.send(datagram).await?;
                    start = end;
                }
                Ok(())
            }
        }
    }

    /// Looks (without waiting) whether the receiver closed or reset the connection.
    /// QRadar never sends on a syslog connection, so anything readable is an end; bytes
    /// that do arrive (TLS session tickets are handled inside rustls) are ignored.
    pub async fn probe(&mut self) -> Liveness {
        let mut buf = [0u8; 512];
        match tokio::time::timeout(Duration::ZERO, self.read(&mut buf)).await {
            Err(_would_block) => Liveness::Open,
            Ok(Ok(0)) => Liveness::Closed(Ok(())),
            Ok(Ok(_)) => Liveness::Open,
            Ok(Err(e)) if e.kind() == io::ErrorKind::UnexpectedEof => Liveness::Closed(Ok(())),
            Ok(Err(e)) => Liveness::Closed(Err(e)),
        }
    }

    /// Resolves when the receiver closes or resets the connection (never for UDP).
    pub async fn closed(&mut self) -> io::Result<()> {
        let mut buf = [0u8; 512];
        loop {
            match self.read(&mut buf).await {
                Ok(0) => return Ok(()),
                Ok(_) => continue,
                // A TLS peer that closes TCP without close_notify (common among syslog
                // servers). Truncation does not matter here: we read nothing from it.
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    }

    async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Tcp(s) => s.read(buf).await,
            Conn::Tls(s) => s.read(buf).await,
            Conn::Udp(_) => std::future::pending().await,
        }
    }

    pub fn is_datagram(&self) -> bool {
        matches!(self, Conn::Udp(_))
    }

    /// Closes our side (FIN, after close_notify for TLS) and waits up to `wait` for the
    /// receiver to close its side.
    pub async fn close(mut self, wait: Duration) -> Closing {
        let shut = match &mut self {
            Conn::Tcp(s) => s.shutdown().await,
            Conn::Tls(s) => s.shutdown().await,
            Conn::Udp(_) => return Closing::Clean,
        };
        if let Err(e) = shut {
            return Closing::Failed(e);
        }
        match tokio::time::timeout(wait, self.closed()).await {
            Ok(Ok(())) => Closing::Clean,
            Ok(Err(e)) => Closing::Failed(e),
            Err(_) => Closing::StillOpen,
        }
    }
}

/// How [`Conn::close`] ended.
#[derive(Debug)]
pub enum Closing {
    /// The receiver closed its side too: a syslog receiver does that only once it has read
    /// everything before our FIN.
    Clean,
    /// It did not close within the wait (nothing is known about what it read).
    StillOpen,
    /// A reset or TLS alert (e.g. the receiver rejected our client certificate).
    Failed(io::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing() {
        let mut b = Batch::default();
        b.push(b"<13>one", OutputProtocol::Tcp, OutputFraming::Lf);
        b.push(b"two", OutputProtocol::Tls, OutputFraming::Lf);
        assert_eq!(b.bytes, b"<13>one\ntwo\n");
        assert_eq!(b.ends, vec![8, 12]);
        b.clear();
        b.push(b"<13>one", OutputProtocol::Tcp, OutputFraming::Octet);
        b.push("é".as_bytes(), OutputProtocol::Tcp, OutputFraming::Octet);
        assert_eq!(b.bytes, "7 <13>one2 é".as_bytes());
        b.clear();
        b.push(b"a", OutputProtocol::Udp, OutputFraming::Octet);
        b.push(b"bc", OutputProtocol::Udp, OutputFraming::Lf);
        assert_eq!(
            (b.bytes.as_slice(), b.ends.as_slice()),
            (&b"abc"[..], &[1, 3][..])
        );
    }

    #[test]
    fn host_part() {
        assert_eq!(host_of("qradar.example:6514"), "qradar.example");
        assert_eq!(host_of("10.0.0.1:514"), "10.0.0.1");
        assert_eq!(host_of("[2001:db8::1]:6514"), "2001:db8::1");
    }
}
