//! `/metrics` and `/healthz` of the running binary, over real HTTP.

mod common;

use std::io::{Read, Write};
use std::net::{TcpStream, UdpSocket};

use common::{config_with_listeners, http_get, metric_value, Rollcall};

const LISTENERS: &str = r#"
[[listen]]
protocol = "udp"
address = "127.0.0.1:0"

[[listen]]
protocol = "tcp"
address = "127.0.0.1:0"
allowed_senders = ["10.0.0.0/8"]
"#;

/// Every metric family issue 5 promises, as exposed (counters carry `_total`).
const FAMILIES: &[&str] = &[
    "rollcall_messages_received_total",
    "rollcall_bytes_received_total",
    "rollcall_messages_parsed_total",
    "rollcall_parse_errors_total",
    "rollcall_auth_events_total",
    "rollcall_drops_total",
    "rollcall_udp_kernel_drops_total",
    "rollcall_connections_active",
    "rollcall_tracked_sources",
    "rollcall_evictions_total",
    "rollcall_offenses_total",
    "rollcall_uptime_seconds",
];

#[test]
fn healthz_and_metrics_answer_over_http() {
    let rollcall = Rollcall::start(&config_with_listeners(LISTENERS));
    assert_eq!(
        rollcall.http_get("/healthz"),
        Some((200, "ok\n".to_owned()))
    );

    // One broken relevant message, one irrelevant one, over UDP.
    let udp = rollcall.listener("udp");
    let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
    sender
        .send_to(b"<13>Nov 23 10:00:00 dc01 nxlog: LEEF:2.0|NXLog|4625", udp)
        .unwrap();
    sender
        .send_to(b"<13>Nov 23 10:00:00 host cron[1]: job done", udp)
        .unwrap();
    // A TCP sender outside allowed_senders.
    let _refused = TcpStream::connect(rollcall.listener("tcp")).unwrap();

    let received =
        format!("rollcall_messages_received_total{{listener=\"udp/{udp}\",protocol=\"udp\"}}");
    rollcall.wait_for_metric(&received, 2.0);
    rollcall.wait_for_metric("rollcall_drops_total{reason=\"not_allowed\"}", 1.0);
    let text = rollcall.scrape();
    for family in FAMILIES {
        assert!(
            text.lines()
                .any(|l| l.starts_with(family) && !l.starts_with('#')),
            "{family} missing:\n{text}"
        );
    }
    assert_eq!(
        metric_value(
            &text,
            "rollcall_parse_errors_total{reason=\"invalid_leef\"}"
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        metric_value(&text, "rollcall_messages_parsed_total{format=\"leef\"}"),
        Some(1.0),
        "{text}"
    );
    let kernel = format!("rollcall_udp_kernel_drops_total{{listener=\"udp/{udp}\"}}");
    assert!(metric_value(&text, &kernel).is_some(), "{text}");
    assert!(metric_value(&text, "rollcall_uptime_seconds").is_some_and(|v| v >= 0.0));
    assert!(
        text.trim_end().ends_with("# EOF"),
        "OpenMetrics ends with # EOF"
    );
    // Addresses appear only as configured listener names, never as peers (bounded cardinality).
    for line in text.lines().filter(|l| l.contains("127.0.0.1")) {
        assert!(line.contains("{listener=\""), "{line}");
    }

    assert_eq!(rollcall.http_get("/nope").map(|r| r.0), Some(404));
    // Not GET → 405; the raw response also carries the OpenMetrics content type for /metrics.
    let mut stream = TcpStream::connect(rollcall.metrics).unwrap();
    stream
        .write_all(b"DELETE /metrics HTTP/1.1\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 405"), "{response}");
    let mut stream = TcpStream::connect(rollcall.metrics).unwrap();
    stream
        .write_all(b"GET /metrics?x=1 HTTP/1.1\r\nHost: test\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(
        response.contains("Content-Type: application/openmetrics-text; version=1.0.0"),
        "{response}"
    );
    assert!(http_get(rollcall.metrics, "/healthz").is_some());
}
