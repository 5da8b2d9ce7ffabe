//! Datagrams the kernel dropped on our UDP sockets (receive buffer full).
//!
//! These never reach user space, so they cannot be counted in the receive loop. Linux reports
//! them per socket in the last column (`drops`) of `/proc/net/udp` and `/proc/net/udp6`, keyed
//! by the socket's inode. We read those files at scrape time only: no cost on the hot path, and
//! no SO_RXQ_OVFL control messages (which tokio's `recv_from` cannot return).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// The UDP sockets whose kernel drops are reported, and the last value seen for each.
#[derive(Debug, Default)]
pub struct KernelDrops {
    sockets: Mutex<Vec<WatchedSocket>>,
}

#[derive(Debug)]
struct WatchedSocket {
    listener: String,
    inode: u64,
    /// Kept after the socket closes so the exported counter never goes backwards.
    last_drops: AtomicU64,
}

impl KernelDrops {
    /// Starts reporting drops of the socket with this inode under `listener`.
    pub fn watch(&self, listener: &str, inode: u64) {
        let mut sockets = self.sockets.lock().unwrap_or_else(|p| p.into_inner());
        if !sockets.iter().any(|s| s.inode == inode) {
            sockets.push(WatchedSocket {
                listener: listener.to_owned(),
                inode,
                last_drops: AtomicU64::new(0),
            });
        }
    }

    /// Re-reads procfs and returns the drops per listener (sockets of one listener summed),
    /// in the order listeners were first watched.
    pub fn per_listener(&self) -> Vec<(String, u64)> {
        let table = read_proc_tables();
        let sockets = self.sockets.lock().unwrap_or_else(|p| p.into_inner());
        let mut out: Vec<(String, u64)> = Vec::new();
        for socket in sockets.iter() {
            if let Some(drops) = table.iter().find(|(ino, _)| *ino == socket.inode) {
                socket.last_drops.fetch_max(drops.1, Ordering::Relaxed);
            }
            let drops = socket.last_drops.load(Ordering::Relaxed);
            match out.iter_mut().find(|(l, _)| *l == socket.listener) {
                Some((_, total)) => *total += drops,
                None => out.push((socket.listener.clone(), drops)),
            }
        }
        out
    }
}

/// The inode of a socket (or any fd) of this process: what `/proc/net/udp` lists it under.
pub fn socket_inode(fd: std::os::fd::RawFd) -> std::io::Result<u64> {
    use std::os::unix::fs::MetadataExt;
    Ok(std::fs::metadata(format!("/proc/self/fd/{fd}"))?.ino())
}

fn read_proc_tables() -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    for path in ["/proc/net/udp", "/proc/net/udp6"] {
        if let Ok(text) = std::fs::read_to_string(path) {
            out.extend(parse_proc_udp(&text));
        }
    }
    out
}

/// `(inode, drops)` for every socket line of a `/proc/net/udp{,6}` table.
///
/// Columns: `sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid
/// timeout inode ref pointer drops`.
pub fn parse_proc_udp(text: &str) -> impl Iterator<Item = (u64, u64)> + '_ {
    text.lines().skip(1).filter_map(|line| {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let inode = cols.get(9)?.parse().ok()?;
        let drops = cols.get(12)?.parse().ok()?;
        Some((inode, drops))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total(drops: &KernelDrops) -> u64 {
        drops.per_listener().iter().map(|(_, d)| d).sum()
    }

    const SAMPLE: &str = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n\
  123: 0100007F:05EA 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 4242 2 0000000000000000 17\n\
  124: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 99 2 0000000000000000 0\n\
  garbage line\n";

    #[test]
    fn procfs_table_is_parsed_by_column() {
        let rows: Vec<_> = parse_proc_udp(SAMPLE).collect();
        assert_eq!(rows, vec![(4242, 17), (99, 0)]);
    }

    #[test]
    fn a_real_socket_is_found_with_zero_drops() {
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let inode = socket_inode(std::os::fd::AsRawFd::as_raw_fd(&socket)).unwrap();
        assert!(read_proc_tables()
            .iter()
            .any(|(ino, d)| *ino == inode && *d == 0));
        let drops = KernelDrops::default();
        drops.watch("udp_test", inode);
        assert_eq!(drops.per_listener(), vec![("udp_test".to_owned(), 0)]);
    }

    #[test]
    fn overflowing_a_small_receive_buffer_is_reported() {
        let receiver = socket2::Socket::new(
            socket2::Domain::IPV4,
            socket2::Type::DGRAM,
            Some(socket2::Protocol::UDP),
        )
        .unwrap();
        receiver.set_recv_buffer_size(1).unwrap(); // the kernel rounds up to its minimum
        receiver
            .bind(&std::net::SocketAddr::from(([127, 0, 0, 1], 0)).into())
            .unwrap();
        let addr = receiver.local_addr().unwrap().as_socket().unwrap();
        let inode = socket_inode(std::os::fd::AsRawFd::as_raw_fd(&receiver)).unwrap();
        let drops = KernelDrops::default();
        drops.watch("udp_small", inode);
        let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        // Nobody reads: after a few kilobytes the kernel must drop.
        for _ in 0..200 {
            sender.send_to(&[b'x'; 1000], addr).unwrap();
        }
        assert!(total(&drops) > 0);
        drop(receiver);
        // The counter keeps its last value after the socket is gone.
        assert!(total(&drops) > 0);
    }
}
