//! The real binary fed by util-linux `logger` over UDP, TCP (LF) and TCP with RFC 6587
//! octet counting: 15 distinct usernames failing from one address raise one Medium offense
//! on stdout, and the metrics count what arrived.

mod common;

use common::{config_with_listeners, enumeration, logger, metric_value, Rollcall, ATTACKER};

const LISTENERS: &str = r#"
[[listen]]
protocol = "udp"
address = "127.0.0.1:0"

[[listen]]
protocol = "tcp"
address = "127.0.0.1:0"
"#;

/// Sends the scenario with `logger` through `protocol` and checks the offense and metrics.
fn scenario(protocol: &str, logger_flags: &[&str]) {
    let rollcall = Rollcall::start(&config_with_listeners(LISTENERS));
    let addr = rollcall.listener(protocol);
    let port = addr.port().to_string();
    let mut args = vec![
        "-n",
        "127.0.0.1",
        "-P",
        &port,
        "-t",
        "Microsoft-Windows-Security-Auditing",
    ];
    args.extend_from_slice(logger_flags);
    // Noise a relay would also forward: it must be counted and ignored.
    let mut messages = vec!["session opened for user root".to_owned()];
    messages.extend(enumeration(15, ATTACKER));
    logger(&args, &messages);

    let line = rollcall.wait_for_stdout(&[&format!("src={ATTACKER}"), "suspicion_score=Medium"]);
    assert!(line.contains("LEEF:2.0|Rollcall|"), "{line}");
    assert!(line.contains("unique_usernames=15"), "{line}");
    assert!(
        line.contains(" rollcall-test "),
        "the configured syslog HOSTNAME: {line}"
    );

    let listener = format!("rollcall_messages_received_total{{listener=\"{protocol}/{addr}\",protocol=\"{protocol}\"}}");
    rollcall.wait_for_metric(&listener, 16.0);
    let text = rollcall.scrape();
    assert_eq!(metric_value(&text, &listener), Some(16.0), "{text}");
    assert_eq!(
        metric_value(&text, "rollcall_auth_events_total{kind=\"ntlm_4625\"}"),
        Some(15.0),
        "{text}"
    );
    assert_eq!(
        metric_value(&text, "rollcall_offenses_total{tier=\"Medium\"}"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        metric_value(&text, "rollcall_tracked_sources"),
        Some(1.0),
        "{text}"
    );
    // Both payload shapes were recognised (logger wraps them in an RFC 5424 header).
    assert_eq!(
        metric_value(&text, "rollcall_messages_parsed_total{format=\"leef\"}"),
        Some(7.0),
        "{text}"
    );
    assert_eq!(
        metric_value(&text, "rollcall_messages_parsed_total{format=\"text\"}"),
        Some(8.0),
        "{text}"
    );
    // Exactly one offense line: repeats within a tier are suppressed.
    let offenses = rollcall
        .stdout_lines()
        .iter()
        .filter(|l| l.contains("LEEF:2.0|Rollcall|"))
        .count();
    assert_eq!(offenses, 1);
}

#[test]
fn logger_over_udp_raises_an_offense() {
    scenario("udp", &["-d"]);
}

#[test]
fn logger_over_tcp_lf_framing_raises_an_offense() {
    scenario("tcp", &["-T"]);
}

#[test]
fn logger_over_tcp_octet_counting_raises_an_offense() {
    scenario("tcp", &["-T", "--octet-count"]);
}
