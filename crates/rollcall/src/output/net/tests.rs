//! The network output inside the process: a UDP round trip, and a rebuild on the same spool
//! (what a SIGHUP that changes an output does) handing the backlog from the old output to the
//! new one. The full story (real receiver process, SIGKILL) is `tests/qradar_delivery.rs`.

use std::io::{BufRead, BufReader};
use std::net::{IpAddr, Ipv4Addr, TcpListener, UdpSocket};
use std::time::{Duration, Instant};

use rollcall_detect::{Attribution, Offense, SourceKey, Tier};

use super::*;

fn offense(n: u8) -> Offense {
    Offense {
        rule: rollcall_detect::offense::RULE_ID,
        source: SourceKey::Ip(IpAddr::V4(Ipv4Addr::new(203, 0, 113, n))),
        attribution: Attribution::EventIp,
        total_failures: 20,
        unique_usernames: 16,
        first_seen_ms: 1_795_402_690_004,
        last_seen_ms: 1_795_403_699_871,
        duration_minutes: 16.8,
        enum_rate_per_min: 0.95,
        tier: Tier::Medium,
        codes: Vec::new(),
        sample_usernames: vec!["admin".into(), "guest".into()],
        relays: Vec::new(),
        reporting_hosts: Vec::new(),
        detection_id: [n; 16],
        detected_at_ms: 1_795_403_702_120,
    }
}

fn config(toml_text: &str) -> OutputConfig {
    toml::from_str(toml_text).expect("output config")
}

fn wait_until(what: &str, probe: impl Fn() -> bool) {
    let start = Instant::now();
    while !probe() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "never happened: {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn udp_sends_one_datagram_per_offense_and_empties_the_spool() {
    let dir = tempfile::tempdir().unwrap();
    let receiver = UdpSocket::bind("127.0.0.1:0").unwrap();
    receiver
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let cfg = config(&format!(
        "protocol = \"udp\"\naddress = \"{}\"\nhostname = \"rc-udp\"\nspool_dir = \"{}\"",
        receiver.local_addr().unwrap(),
        dir.path().join("spool").display()
    ));
    let out = NetOutput::start(&cfg, 0, None).unwrap();
    for n in 1..=3 {
        out.submit(&offense(n)).unwrap();
    }
    let mut buf = [0u8; 2048];
    for n in 1..=3u8 {
        let len = receiver.recv(&mut buf).unwrap();
        let text = std::str::from_utf8(&buf[..len]).unwrap();
        assert!(text.contains(" rc-udp LEEF:2.0|"), "{text}");
        assert!(
            text.contains(&format!("^src=203.0.113.{n}^")),
            "in order: {text}"
        );
        assert!(len <= rollcall_leef::DATAGRAM_MAX_BYTES);
        assert!(!text.ends_with('\n'));
    }
    // Both move after the datagrams left: wait for them, do not race them.
    wait_until("the spool empties and 3 are counted", || {
        out.delivery.spool.stats().records == 0
            && out
                .delivery
                .delivered
                .load(std::sync::atomic::Ordering::Relaxed)
                == 3
    });
    out.shutdown();
}

#[test]
fn a_rebuilt_output_takes_over_the_spool_of_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    // Nothing listens on the old address.
    let dead = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let old = NetOutput::start(
        &config(&format!(
            "protocol = \"tcp\"\naddress = \"{dead}\"\nhostname = \"rc\"\nspool_dir = \"{}\"",
            spool.display()
        )),
        0,
        None,
    )
    .unwrap();
    old.submit(&offense(1)).unwrap();
    old.submit(&offense(2)).unwrap();
    wait_until("the old sender holds the spool's lease", || {
        old.delivery.lease.try_lock().is_err()
    });

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let new = NetOutput::start(
        &config(&format!(
            "protocol = \"tcp\"\naddress = \"{}\"\nhostname = \"rc\"\nspool_dir = \"{}\"",
            listener.local_addr().unwrap(),
            spool.display()
        )),
        0,
        None,
    )
    .unwrap();
    assert!(
        std::sync::Arc::ptr_eq(&old.delivery, &new.delivery),
        "one spool object"
    );
    new.submit(&offense(3)).unwrap();
    // The reload shuts the old output down after installing the new one.
    old.shutdown();
    drop(old);

    let (conn, _) = listener.accept().unwrap();
    let mut lines = BufReader::new(conn).lines();
    for n in 1..=3 {
        let line = lines.next().unwrap().unwrap();
        assert!(
            line.contains(&format!("^src=203.0.113.{n}^")),
            "in order: {line}"
        );
    }
    wait_until("delivery confirmed", || {
        new.delivery.spool.stats().records == 0
    });
    new.shutdown();
}
