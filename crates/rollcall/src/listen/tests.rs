//! Listener tests over real loopback sockets, with the real parser and detector.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use prometheus_client::registry::Registry;
use rollcall_detect::{DetectConfig, Engine, Offense, SequentialIds, SourceKey, Tier};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc::UnboundedReceiver;

use super::{spawn, ListenerHandle};
use crate::config::ListenConfig;
use crate::metrics::{DropReason, Metrics};
use crate::pipeline::Pipeline;

#[path = "../../tests/common/certs.rs"]
mod certs;

/// Deadline for things that happen "soon"; reaching it is a failure, not a timing claim.
const DEADLINE: Duration = Duration::from_secs(20);

struct Harness {
    metrics: Arc<Metrics>,
    pipeline: Arc<Pipeline>,
    offenses: UnboundedReceiver<Offense>,
    registry: Registry,
}

fn harness() -> Harness {
    let engine = Arc::new(Engine::new(
        DetectConfig::default(),
        Box::new(SequentialIds::new()),
    ));
    let mut registry = Registry::default();
    let metrics = Arc::new(Metrics::new(
        &mut registry,
        vec![crate::metrics::clock_skew_drops(engine.clone())],
    ));
    crate::metrics::register_engine_stats(&mut registry, engine.clone());
    let (tx, offenses) = tokio::sync::mpsc::unbounded_channel();
    let pipeline = Arc::new(Pipeline::new(
        engine,
        metrics.clone(),
        tx,
        crate::clock::now_ms,
    ));
    Harness {
        metrics,
        pipeline,
        offenses,
        registry,
    }
}

impl Harness {
    async fn listen(&self, toml_body: &str) -> ListenerHandle {
        let cfg: ListenConfig = toml::from_str(toml_body).expect("listener config");
        spawn(&cfg, self.pipeline.clone(), self.metrics.clone())
            .await
            .expect("spawn")
    }

    async fn next_offense(&mut self) -> Offense {
        tokio::time::timeout(DEADLINE, self.offenses.recv())
            .await
            .expect("an offense before the deadline")
            .expect("channel open")
    }

    fn scrape(&self) -> String {
        crate::metrics::render(&self.registry)
    }

    /// Polls `probe` until it holds or the deadline passes.
    async fn eventually(&self, what: &str, probe: impl Fn(&Harness) -> bool) {
        let start = Instant::now();
        while !probe(self) {
            assert!(
                start.elapsed() < DEADLINE,
                "never happened: {what}\n{}",
                self.scrape()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A 4625 "no such user" for `user` from 203.0.113.7, as NXLog sends it in LEEF 2.0.
fn leef_4625(user: &str) -> String {
    leef_4625_from(user, "203.0.113.7")
}

/// A 4625 "no such user" for `user` from `source`, as NXLog sends it in LEEF 2.0.
fn leef_4625_from(user: &str, source: &str) -> String {
    format!("LEEF:2.0|NXLog|Microsoft-Windows-Security-Auditing|5.8|4625|^|TargetUserName={user}^Status=0xC000006D^SubStatus=0xC0000064^IpAddress={source}^Computer=DC01")
}

fn assert_medium_offense(offense: &Offense) {
    assert_eq!(
        offense.source,
        SourceKey::Ip("203.0.113.7".parse().unwrap())
    );
    assert_eq!(offense.tier, Tier::Medium);
    assert_eq!(offense.unique_usernames, 15);
    assert_eq!(
        offense.relays,
        vec!["127.0.0.1".parse::<std::net::IpAddr>().unwrap()]
    );
}

fn received(metrics_text: &str, listener: &str) -> Option<u64> {
    let prefix = format!("rollcall_messages_received_total{{listener=\"{listener}\",");
    metrics_text
        .lines()
        .find(|l| l.starts_with(&prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn udp_datagrams_raise_an_offense() {
    let mut h = harness();
    let listener = h
        .listen("protocol = \"udp\"\naddress = \"127.0.0.1:0\"")
        .await;
    let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    for i in 0..15 {
        // Trailing LF as many senders add; also one irrelevant datagram per event.
        sender
            .send_to(
                format!("{}\n", leef_4625(&format!("user{i}"))).as_bytes(),
                listener.local_addr,
            )
            .unwrap();
        sender
            .send_to(
                b"<13>Nov 23 10:00:00 host app: nothing to see",
                listener.local_addr,
            )
            .unwrap();
    }
    assert_medium_offense(&h.next_offense().await);
    let name = format!("udp/{}", listener.local_addr);
    h.eventually("30 datagrams counted", |h| {
        received(&h.scrape(), &name) == Some(30)
    })
    .await;
    let text = h.scrape();
    assert!(
        text.contains("rollcall_auth_events_total{kind=\"ntlm_4625\"} 15"),
        "{text}"
    );
    assert!(
        text.contains("rollcall_offenses_total{tier=\"Medium\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("rollcall_messages_parsed_total{format=\"leef\"} 15"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "rollcall_udp_kernel_drops_total{{listener=\"{name}\"}} 0"
        )),
        "{text}"
    );
    listener.stop();
    listener.join().await;
}

#[tokio::test]
async fn udp_bursts_from_several_senders_are_all_counted_with_their_sender() {
    let mut h = harness();
    // 127.0.0.5 is not allowed: its datagrams must be dropped, and only its.
    let listener = h
        .listen("protocol = \"udp\"\naddress = \"127.0.0.1:0\"\nallowed_senders = [\"127.0.0.2/31\", \"127.0.0.4/32\"]")
        .await;
    let name = format!("udp/{}", listener.local_addr);
    let senders: Vec<_> = (2..=5)
        .map(|i| std::net::UdpSocket::bind(format!("127.0.0.{i}:0")).unwrap())
        .collect();
    // Sender 127.0.0.k relays events from 203.0.113.k: 120 usernames each, in rounds of 40
    // per sender sent back to back (several recvmmsg batches per round, interleaved
    // senders), small enough for a default-sized kernel buffer.
    const PER_SENDER: usize = 120;
    const ROUND: usize = 40;
    for round in 0..PER_SENDER / ROUND {
        for i in round * ROUND..(round + 1) * ROUND {
            for (k, sender) in (2..).zip(&senders) {
                let event = leef_4625_from(&format!("user{i}"), &format!("203.0.113.{k}"));
                sender
                    .send_to(event.as_bytes(), listener.local_addr)
                    .unwrap();
            }
        }
        let sent = (round + 1) * ROUND;
        h.eventually("the round counted", |h| {
            received(&h.scrape(), &name) == Some(3 * sent as u64)
                && h.metrics.drops.get(DropReason::NotAllowed) == sent as u64
        })
        .await;
    }
    // Medium (15), High (50) and Critical (100) for each allowed sender's source, each
    // naming that sender, and only it, as the relay.
    let mut offenses = Vec::new();
    for _ in 0..9 {
        offenses.push(h.next_offense().await);
    }
    for k in 2..=4 {
        let source = SourceKey::Ip(format!("203.0.113.{k}").parse().unwrap());
        let relay: std::net::IpAddr = format!("127.0.0.{k}").parse().unwrap();
        let tiers: Vec<_> = offenses
            .iter()
            .filter(|o| o.source == source)
            .inspect(|o| assert_eq!(o.relays, vec![relay], "{o:?}"))
            .map(|o| o.tier)
            .collect();
        assert_eq!(tiers, [Tier::Medium, Tier::High, Tier::Critical], "{k}");
    }
    let text = h.scrape();
    assert!(
        text.contains("rollcall_auth_events_total{kind=\"ntlm_4625\"} 360"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "rollcall_udp_kernel_drops_total{{listener=\"{name}\"}} 0"
        )),
        "{text}"
    );
    listener.stop();
    listener.join().await;
}

#[tokio::test]
async fn oversized_udp_datagrams_are_dropped_and_counted() {
    let h = harness();
    let small = h
        .listen("protocol = \"udp\"\naddress = \"127.0.0.1:0\"\nmax_frame_size = 100")
        .await;
    let default = h
        .listen("protocol = \"udp\"\naddress = \"127.0.0.1:0\"")
        .await;
    let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let with_body = |len: usize, trailer: &str| format!("<13>{}{trailer}", "x".repeat(len - 4));
    for datagram in [
        "<13>short one".to_owned(),
        // Far past the receive slot: truncated by the kernel, counted as oversized.
        with_body(500, "\n"),
        // Exactly max_frame_size once the trailer is stripped: accepted.
        with_body(100, "\r\n"),
        // One byte over, trailer and all within the slot: oversized.
        with_body(101, "\n"),
        "<13>short two".to_owned(),
    ] {
        sender
            .send_to(datagram.as_bytes(), small.local_addr)
            .unwrap();
    }
    // The largest IPv4 UDP payload fits the default 64 KiB limit.
    sender
        .send_to(with_body(65_507, "").as_bytes(), default.local_addr)
        .unwrap();
    let small_name = format!("udp/{}", small.local_addr);
    let default_name = format!("udp/{}", default.local_addr);
    h.eventually("three accepted, two oversized, one at 64 KiB", |h| {
        let text = h.scrape();
        received(&text, &small_name) == Some(3)
            && received(&text, &default_name) == Some(1)
            && h.metrics.drops.get(DropReason::Oversized) == 2
    })
    .await;
    let bytes = format!("rollcall_bytes_received_total{{listener=\"{small_name}\",");
    let text = h.scrape();
    let counted = text
        .lines()
        .find(|l| l.starts_with(&bytes))
        .and_then(|l| l.rsplit(' ').next());
    assert_eq!(counted, Some("126"), "13 + 100 + 13 bytes: {text}");
    for l in [small, default] {
        l.stop();
        l.join().await;
    }
}

#[tokio::test]
async fn tcp_lf_and_octet_counted_connections_raise_an_offense() {
    let mut h = harness();
    let listener = h
        .listen("protocol = \"tcp\"\naddress = \"127.0.0.1:0\"")
        .await;
    let mut lf = TcpStream::connect(listener.local_addr).await.unwrap();
    let mut octet = TcpStream::connect(listener.local_addr).await.unwrap();
    for i in 0..15 {
        let msg = leef_4625(&format!("user{i}"));
        if i % 2 == 0 {
            lf.write_all(format!("{msg}\n").as_bytes()).await.unwrap();
        } else {
            octet
                .write_all(format!("{} {msg}", msg.len()).as_bytes())
                .await
                .unwrap();
        }
    }
    assert_medium_offense(&h.next_offense().await);
    let name = format!("tcp/{}", listener.local_addr);
    h.eventually("15 frames counted", |h| {
        received(&h.scrape(), &name) == Some(15)
    })
    .await;
    h.eventually("two connections open", |h| {
        h.metrics.connections_active.get() == 2
    })
    .await;
    drop((lf, octet));
    h.eventually("connections closed", |h| {
        h.metrics.connections_active.get() == 0
    })
    .await;
    listener.stop();
    listener.join().await;
}

#[tokio::test]
async fn oversized_frames_are_dropped_and_the_stream_resynchronises() {
    let h = harness();
    let listener = h
        .listen(
            "protocol = \"tcp\"\naddress = \"127.0.0.1:0\"\nframing = \"lf\"\nmax_frame_size = 100",
        )
        .await;
    let mut conn = TcpStream::connect(listener.local_addr).await.unwrap();
    let long = "x".repeat(500);
    conn.write_all(format!("<13>short one\n<13>{long}\n<13>short two\n").as_bytes())
        .await
        .unwrap();
    let name = format!("tcp/{}", listener.local_addr);
    h.eventually("two frames and one oversized", |h| {
        received(&h.scrape(), &name) == Some(2) && h.metrics.drops.get(DropReason::Oversized) == 1
    })
    .await;
    listener.stop();
    listener.join().await;
}

#[tokio::test]
async fn senders_outside_the_allow_list_are_dropped() {
    let h = harness();
    let tcp = h
        .listen("protocol = \"tcp\"\naddress = \"127.0.0.1:0\"\nallowed_senders = [\"10.0.0.0/8\"]")
        .await;
    let mut conn = TcpStream::connect(tcp.local_addr).await.unwrap();
    let _ = conn.write_all(b"<13>hello\n").await;
    let mut buf = [0u8; 16];
    // The listener closes the connection without reading.
    let closed = tokio::time::timeout(DEADLINE, conn.read(&mut buf))
        .await
        .expect("closed");
    assert!(matches!(closed, Ok(0) | Err(_)));
    let udp = h
        .listen("protocol = \"udp\"\naddress = \"127.0.0.1:0\"\nallowed_senders = [\"10.0.0.0/8\", \"::1/128\"]")
        .await;
    let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    sender.send_to(b"<13>hello", udp.local_addr).unwrap();
    h.eventually("both dropped", |h| {
        h.metrics.drops.get(DropReason::NotAllowed) == 2
    })
    .await;
    assert_eq!(
        received(&h.scrape(), &format!("tcp/{}", tcp.local_addr)),
        Some(0)
    );
    assert_eq!(
        received(&h.scrape(), &format!("udp/{}", udp.local_addr)),
        Some(0)
    );
    for l in [tcp, udp] {
        l.stop();
        l.join().await;
    }
}

#[tokio::test]
async fn connections_over_the_limit_are_refused_and_counted() {
    let h = harness();
    let listener = h
        .listen("protocol = \"tcp\"\naddress = \"127.0.0.1:0\"\nmax_connections = 1")
        .await;
    let mut first = TcpStream::connect(listener.local_addr).await.unwrap();
    first.write_all(b"<13>first\n").await.unwrap();
    h.eventually("first connection active", |h| {
        h.metrics.connections_active.get() == 1
    })
    .await;
    let mut second = TcpStream::connect(listener.local_addr).await.unwrap();
    let mut buf = [0u8; 16];
    let closed = tokio::time::timeout(DEADLINE, second.read(&mut buf))
        .await
        .expect("closed");
    assert!(matches!(closed, Ok(0) | Err(_)));
    assert_eq!(h.metrics.drops.get(DropReason::ConnectionLimit), 1);
    // Once the first goes away, a slot is free again.
    drop(first);
    h.eventually("slot freed", |h| h.metrics.connections_active.get() == 0)
        .await;
    let mut third = TcpStream::connect(listener.local_addr).await.unwrap();
    third.write_all(b"<13>third\n").await.unwrap();
    let name = format!("tcp/{}", listener.local_addr);
    h.eventually("third accepted", |h| {
        received(&h.scrape(), &name) == Some(2)
    })
    .await;
    listener.stop();
    listener.join().await;
}

#[tokio::test]
async fn idle_connections_are_closed() {
    let h = harness();
    let listener = h
        .listen("protocol = \"tcp\"\naddress = \"127.0.0.1:0\"\nidle_timeout = \"100ms\"")
        .await;
    let mut conn = TcpStream::connect(listener.local_addr).await.unwrap();
    let mut buf = [0u8; 16];
    let closed = tokio::time::timeout(DEADLINE, conn.read(&mut buf))
        .await
        .expect("closed by the listener");
    assert!(matches!(closed, Ok(0) | Err(_)));
    h.eventually("no connection left", |h| {
        h.metrics.connections_active.get() == 0
    })
    .await;
    listener.stop();
    listener.join().await;
}

#[tokio::test]
async fn stop_processes_what_was_already_sent_then_closes() {
    let h = harness();
    let listener = h
        .listen("protocol = \"tcp\"\naddress = \"127.0.0.1:0\"")
        .await;
    let mut conn = TcpStream::connect(listener.local_addr).await.unwrap();
    conn.write_all(b"<13>one\n").await.unwrap();
    let name = format!("tcp/{}", listener.local_addr);
    h.eventually("connection serving", |h| {
        received(&h.scrape(), &name) == Some(1)
    })
    .await;
    // Written before stop: already in the listener's socket buffer on loopback.
    for i in 0..100 {
        conn.write_all(format!("<13>message {i}\n").as_bytes())
            .await
            .unwrap();
    }
    let addr = listener.local_addr;
    listener.stop();
    tokio::time::timeout(DEADLINE, listener.join())
        .await
        .expect("join after stop");
    assert_eq!(received(&h.scrape(), &name), Some(101));
    // The connection was closed and the port no longer accepts.
    let mut buf = [0u8; 16];
    assert!(matches!(conn.read(&mut buf).await, Ok(0) | Err(_)));
    assert!(TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn ipv6_loopback_listeners_work() {
    let h = harness();
    let Ok(probe) = std::net::UdpSocket::bind("[::1]:0") else {
        eprintln!("skipping: no IPv6 loopback");
        return;
    };
    let tcp = h
        .listen("protocol = \"tcp\"\naddress = \"[::1]:0\"\nallowed_senders = [\"::1/128\"]")
        .await;
    let udp = h.listen("protocol = \"udp\"\naddress = \"[::1]:0\"").await;
    let mut conn = TcpStream::connect(tcp.local_addr).await.unwrap();
    conn.write_all(b"<13>over ipv6\n").await.unwrap();
    probe.send_to(b"<13>over ipv6", udp.local_addr).unwrap();
    h.eventually("one message on each", |h| {
        let text = h.scrape();
        received(&text, &format!("tcp/{}", tcp.local_addr)) == Some(1)
            && received(&text, &format!("udp/{}", udp.local_addr)) == Some(1)
    })
    .await;
    for l in [tcp, udp] {
        l.stop();
        l.join().await;
    }
}

mod tls {
    use super::*;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};

    fn client_config(
        pki: &certs::TestPki,
        cert: &std::path::Path,
        key: &std::path::Path,
    ) -> rustls::ClientConfig {
        let read = |p: &std::path::Path| std::io::BufReader::new(std::fs::File::open(p).unwrap());
        let mut roots = rustls::RootCertStore::empty();
        for ca in rustls_pemfile::certs(&mut read(&pki.ca)) {
            roots.add(ca.unwrap()).unwrap();
        }
        let chain: Vec<CertificateDer<'static>> = rustls_pemfile::certs(&mut read(cert))
            .map(Result::unwrap)
            .collect();
        let key: PrivateKeyDer<'static> = rustls_pemfile::private_key(&mut read(key))
            .unwrap()
            .unwrap();
        rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .unwrap()
    }

    async fn connect(
        config: rustls::ClientConfig,
        addr: SocketAddr,
    ) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
        let tcp = TcpStream::connect(addr).await?;
        tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(ServerName::try_from("localhost").unwrap(), tcp)
            .await
    }

    #[tokio::test]
    async fn mutual_tls_accepts_our_ca_and_rejects_strangers() {
        let dir = tempfile::tempdir().unwrap();
        let pki = certs::generate(dir.path());
        let mut h = harness();
        let listener = h
            .listen(&format!(
                "protocol = \"tls\"\naddress = \"127.0.0.1:0\"\ntls_cert = {:?}\ntls_key = {:?}\ntls_client_ca = {:?}",
                pki.server_cert, pki.server_key, pki.ca
            ))
            .await;

        let mut good = connect(
            client_config(&pki, &pki.client_cert, &pki.client_key),
            listener.local_addr,
        )
        .await
        .unwrap();
        for i in 0..15 {
            let msg = leef_4625(&format!("user{i}"));
            good.write_all(format!("{} {msg}", msg.len()).as_bytes())
                .await
                .unwrap();
        }
        good.flush().await.unwrap();
        assert_medium_offense(&h.next_offense().await);

        // A certificate from another CA: the server aborts the handshake. Under TLS 1.3 the
        // client only learns it on its next read.
        if let Ok(mut rogue) = connect(
            client_config(&pki, &pki.rogue_cert, &pki.rogue_key),
            listener.local_addr,
        )
        .await
        {
            let _ = rogue.write_all(b"5 <13>x").await;
            let mut buf = [0u8; 16];
            assert!(!matches!(rogue.read(&mut buf).await, Ok(n) if n > 0));
        }
        // Plain TCP to a TLS port is a failed handshake too.
        let mut plain = TcpStream::connect(listener.local_addr).await.unwrap();
        plain.write_all(b"<13>not tls at all\n").await.unwrap();
        h.eventually("two failed handshakes", |h| {
            h.metrics.drops.get(DropReason::TlsHandshake) == 2
        })
        .await;
        let name = format!("tls/{}", listener.local_addr);
        assert_eq!(received(&h.scrape(), &name), Some(15));
        listener.stop();
        listener.join().await;
    }

    #[tokio::test]
    async fn missing_key_file_is_a_startup_error() {
        let h = harness();
        let cfg: ListenConfig = toml::from_str(
            "protocol = \"tls\"\naddress = \"127.0.0.1:0\"\ntls_cert = \"/nonexistent/cert.pem\"\ntls_key = \"/nonexistent/key.pem\"",
        )
        .unwrap();
        let err = spawn(&cfg, h.pipeline.clone(), h.metrics.clone())
            .await
            .unwrap_err();
        assert!(
            format!("{err:#}").contains("/nonexistent/cert.pem"),
            "{err:#}"
        );
    }
}
