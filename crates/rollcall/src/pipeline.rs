//! The per-frame path, run inline on the task that received the frame (DESIGN.md "Data
//! flow"): count, parse, observe, and hand offenses to the outputs. Nothing is queued or
//! copied on the way; only offenses (rare: one per tier crossing) cross a channel.

use std::net::IpAddr;
use std::sync::Arc;

use rollcall_detect::{Engine, Offense};
use rollcall_parse::event::normalise_ip;
use rollcall_parse::message::may_hold_auth_failure;
use rollcall_parse::{auth_event, for_each_message, Format, Message, ParseContext, ParseError};
use tokio::sync::mpsc::UnboundedSender;

use crate::metrics::{ListenerMetrics, Metrics};
use crate::ratelog::RateLog;

/// Parse-error reasons that get their own warn-log bucket (others share one).
const PARSE_ERROR_REASONS: [ParseError; 14] = [
    ParseError::Empty,
    ParseError::InvalidPri,
    ParseError::InvalidTimestamp,
    ParseError::InvalidRfc5424,
    ParseError::InvalidStructuredData,
    ParseError::InvalidLeef,
    ParseError::InvalidCef,
    ParseError::InvalidJson,
    ParseError::InvalidSnare,
    ParseError::InvalidKv,
    ParseError::NotUtf8,
    ParseError::FrameTooLarge,
    ParseError::InvalidOctetCount,
    ParseError::Truncated,
];

/// At most one warning line per reason per this many ms (plus a short burst).
const WARN_INTERVAL_MS: i64 = 1000;
const WARN_BURST: u32 = 3;

/// Shared by every listener task.
pub struct Pipeline {
    engine: Arc<Engine>,
    metrics: Arc<Metrics>,
    offenses: UnboundedSender<Offense>,
    clock: fn() -> i64,
    warnings: RateLog,
}

impl Pipeline {
    /// `clock` is wall-clock epoch ms (`crate::clock::now_ms` in production).
    pub fn new(
        engine: Arc<Engine>,
        metrics: Arc<Metrics>,
        offenses: UnboundedSender<Offense>,
        clock: fn() -> i64,
    ) -> Self {
        let mut reasons: Vec<&'static str> =
            PARSE_ERROR_REASONS.iter().map(|e| e.reason()).collect();
        reasons.extend(crate::metrics::DropReason::ALL.iter().map(|r| r.as_str()));
        reasons.push(OFFENSE_CHANNEL_CLOSED);
        Pipeline {
            engine,
            metrics,
            offenses,
            clock,
            warnings: RateLog::new(&reasons, WARN_INTERVAL_MS, WARN_BURST),
        }
    }

    pub fn now_ms(&self) -> i64 {
        (self.clock)()
    }

    /// [`Self::handle_frame_at`] at the current time: one clock read per frame.
    #[cfg(test)]
    pub fn handle_frame(&self, frame: &[u8], peer: IpAddr, listener: &ListenerMetrics) {
        self.handle_frame_at(frame, peer, listener, self.now_ms());
    }

    /// Processes one complete syslog message received from `peer` at `now_ms` (epoch ms, from
    /// [`Self::now_ms`]). Listeners read the clock once per socket read and pass it to every
    /// frame that read delivered: a clock read per frame was ~2 % of the end-to-end path.
    /// Allocation-free unless the message is an authentication failure the detector keeps,
    /// or a warning is logged.
    pub fn handle_frame_at(
        &self,
        frame: &[u8],
        peer: IpAddr,
        listener: &ListenerMetrics,
        now_ms: i64,
    ) {
        listener.messages.inc();
        listener.bytes.inc_by(frame.len() as u64);
        if !may_hold_auth_failure(frame) {
            self.metrics.parsed(Format::Unknown).inc();
            return;
        }
        let ctx = ParseContext { now_ms };
        // Almost always one message; a JSON list of records (Event Hub) is one per record.
        for_each_message(frame, |msg| {
            self.handle_message(msg, &ctx, peer, listener);
        });
    }

    /// Parses, counts and observes one message of a frame.
    fn handle_message(
        &self,
        msg: &Message<'_>,
        ctx: &ParseContext,
        peer: IpAddr,
        listener: &ListenerMetrics,
    ) {
        let now_ms = ctx.now_ms;
        self.metrics.parsed(msg.format).inc();
        let mut event = match auth_event(msg, ctx) {
            Ok(Some(event)) => event,
            Ok(None) => return,
            Err(err) => {
                self.metrics.parse_error(err.reason());
                self.warn(err.reason(), now_ms, |suppressed| {
                    tracing::warn!(reason = err.reason(), %peer, listener = %listener.name, suppressed, "unparsable message: {err}");
                });
                return;
            }
        };
        self.metrics.auth_event(event.kind).inc();
        event.relay = Some(normalise_ip(peer));
        self.engine.align_zoneless_time(&mut event, now_ms);
        let Some(offense) = self.engine.observe(&event, now_ms) else {
            return;
        };
        self.metrics.offense(offense.tier).inc();
        if self.offenses.send(offense).is_err() {
            // Only during shutdown, after the outputs have stopped.
            self.warn(OFFENSE_CHANNEL_CLOSED, now_ms, |suppressed| {
                tracing::warn!(suppressed, "offense dropped: outputs have stopped");
            });
        }
    }

    /// Logs a rate-limited warning for a listener-side `reason` (a drop reason).
    pub fn warn(&self, reason: &'static str, now_ms: i64, log: impl FnOnce(u64)) {
        if let Some(suppressed) = self.warnings.check(reason, now_ms) {
            log(suppressed);
        }
    }
}

const OFFENSE_CHANNEL_CLOSED: &str = "offense_channel_closed";

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus_client::registry::Registry;
    use rollcall_detect::{DetectConfig, SequentialIds, SourceKey, Tier};

    /// 2026-11-20T00:00:00Z: a fixed wall clock keeps event-time handling reproducible.
    fn fixed_clock() -> i64 {
        1_795_132_800_000
    }

    fn setup() -> (
        Pipeline,
        Registry,
        tokio::sync::mpsc::UnboundedReceiver<Offense>,
        ListenerMetrics,
    ) {
        let engine = Arc::new(Engine::new(
            DetectConfig::default(),
            Box::new(SequentialIds::new()),
        ));
        let mut registry = Registry::default();
        let metrics = Arc::new(Metrics::new(&mut registry, Vec::new()));
        let listener = metrics.listener("tcp", "127.0.0.1:1514");
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        (
            Pipeline::new(engine, metrics, tx, fixed_clock),
            registry,
            rx,
            listener,
        )
    }

    fn leef(user: &str) -> String {
        format!("LEEF:2.0|NXLog|Microsoft-Windows-Security-Auditing|5.8|4625|^|TargetUserName={user}^SubStatus=0xC0000064^IpAddress=198.51.100.20")
    }

    #[test]
    fn failures_from_one_source_become_one_offense_with_the_relay() {
        let (pipeline, registry, mut offenses, listener) = setup();
        // An IPv4 relay seen through a dual-stack socket.
        let relay: IpAddr = "::ffff:10.0.0.250".parse().unwrap();
        for i in 0..20 {
            pipeline.handle_frame(leef(&format!("u{i}")).as_bytes(), relay, &listener);
        }
        let offense = offenses.try_recv().expect("one offense at 15 usernames");
        assert_eq!(
            offense.source,
            SourceKey::Ip("198.51.100.20".parse().unwrap())
        );
        assert_eq!(offense.tier, Tier::Medium);
        assert_eq!(offense.unique_usernames, 15);
        assert_eq!(
            offense.relays,
            vec!["10.0.0.250".parse::<IpAddr>().unwrap()]
        );
        assert!(
            offenses.try_recv().is_err(),
            "repeats within a tier are suppressed"
        );
        let text = crate::metrics::render(&registry);
        assert!(
            text.contains("rollcall_messages_parsed_total{format=\"leef\"} 20"),
            "{text}"
        );
        assert!(
            text.contains("rollcall_auth_events_total{kind=\"ntlm_4625\"} 20"),
            "{text}"
        );
        assert!(
            text.contains("rollcall_offenses_total{tier=\"Medium\"} 1"),
            "{text}"
        );
        assert_eq!(listener.messages.get(), 20);
    }

    #[test]
    fn irrelevant_and_broken_frames_are_counted_not_observed() {
        let (pipeline, registry, mut offenses, listener) = setup();
        let peer: IpAddr = "127.0.0.1".parse().unwrap();
        let irrelevant = b"<13>Nov 20 00:00:00 host sshd[1]: session opened";
        let broken = b"LEEF:2.0|NXLog|4625";
        pipeline.handle_frame(irrelevant, peer, &listener);
        pipeline.handle_frame(broken, peer, &listener);
        pipeline.handle_frame(broken, peer, &listener);
        assert!(offenses.try_recv().is_err());
        let text = crate::metrics::render(&registry);
        assert!(
            text.contains("rollcall_messages_parsed_total{format=\"unknown\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("rollcall_parse_errors_total{reason=\"invalid_leef\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("rollcall_auth_events_total{kind=\"ntlm_4625\"} 0"),
            "{text}"
        );
        assert_eq!(listener.messages.get(), 3);
        assert_eq!(
            listener.bytes.get(),
            (irrelevant.len() + 2 * broken.len()) as u64
        );
    }

    /// Event Hub relays put a list of sign-in records in one line: every record counts.
    #[test]
    fn every_record_of_an_envelope_in_one_frame_is_observed() {
        let (pipeline, registry, mut offenses, listener) = setup();
        let records: Vec<String> = (0..15)
            .map(|i| {
                format!(
                    r#"{{"time":"2026-11-20T00:00:{i:02}Z","category":"SignInLogs","resultType":"50126","callerIpAddress":"203.0.113.40","properties":{{"userPrincipalName":"user{i}@contoso.example","status":{{"errorCode":50126}}}}}}"#
                )
            })
            .collect();
        let frame = format!(
            "<14>1 2026-11-20T00:00:20Z eventhub-relay azure - - - {{\"records\":[{}]}}",
            records.join(",")
        );
        pipeline.handle_frame(frame.as_bytes(), "10.0.0.9".parse().unwrap(), &listener);
        let offense = offenses
            .try_recv()
            .expect("15 records, 15 usernames: Medium");
        assert_eq!(offense.unique_usernames, 15);
        assert_eq!(listener.messages.get(), 1);
        let text = crate::metrics::render(&registry);
        assert!(
            text.contains("rollcall_messages_parsed_total{format=\"json\"} 15"),
            "{text}"
        );
        assert!(
            text.contains("rollcall_auth_events_total{kind=\"azure_signin\"} 15"),
            "{text}"
        );
    }

    /// A sender at UTC+1 writing local time without a zone (RFC 3164 header, no payload
    /// time) is an hour "in the future"; one at UTC−5 five hours late. Both are counted; a
    /// time that *states* its zone and is an hour ahead is clock skew and dropped.
    #[test]
    fn zoneless_local_times_from_other_zones_are_counted_stated_skew_is_not() {
        let (pipeline, registry, mut offenses, listener) = setup();
        let peer: IpAddr = "10.0.0.250".parse().unwrap();
        // The fixed clock is 2026-11-20T00:00:00Z.
        for (header, src) in [
            ("<13>Nov 20 01:00:03 dc-paris", "198.51.100.30"),
            ("<13>Nov 19 19:00:03 dc-boston", "198.51.100.31"),
        ] {
            for i in 0..15 {
                let frame = format!(
                    "{header} LEEF:2.0|NXLog|Microsoft-Windows-Security-Auditing|5.8|4625|^|TargetUserName=u{i}^SubStatus=0xC0000064^IpAddress={src}"
                );
                pipeline.handle_frame(frame.as_bytes(), peer, &listener);
            }
            let offense = offenses
                .try_recv()
                .expect("counted after re-reading the zone");
            assert_eq!(offense.source, SourceKey::Ip(src.parse().unwrap()));
            assert_eq!(offense.first_seen_ms, fixed_clock() + 3_000);
        }
        for i in 0..15 {
            let frame = format!(
                "<13>1 2026-11-20T01:00:03+00:00 dc-skewed - - - - LEEF:2.0|NXLog|Microsoft-Windows-Security-Auditing|5.8|4625|^|TargetUserName=u{i}^SubStatus=0xC0000064^IpAddress=198.51.100.32"
            );
            pipeline.handle_frame(frame.as_bytes(), peer, &listener);
        }
        assert!(
            offenses.try_recv().is_err(),
            "a stated time an hour ahead is skew"
        );
        assert_eq!(pipeline.engine.stats().dropped_clock_skew, 15);
        drop(registry);
    }

    #[test]
    fn offenses_after_the_outputs_stopped_are_counted_and_do_not_panic() {
        let (pipeline, _registry, offenses, listener) = setup();
        drop(offenses);
        for i in 0..15 {
            pipeline.handle_frame(
                leef(&format!("u{i}")).as_bytes(),
                "10.0.0.1".parse().unwrap(),
                &listener,
            );
        }
        assert_eq!(pipeline.metrics.offense(Tier::Medium).get(), 1);
    }
}
