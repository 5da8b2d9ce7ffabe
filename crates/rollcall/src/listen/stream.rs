//! One TCP or TLS connection: read, cut into frames (RFC 6587), process each in place.

use std::net::IpAddr;
use std::time::Duration;

use bytes::BytesMut;
use rollcall_parse::framing::{FrameResult, FramingMode, StreamFramer};
use rollcall_parse::ParseError;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::watch;
use tokio::time::Instant;

use super::ListenerContext;
use crate::config::FramingConfig;
use crate::metrics::DropReason;

/// Bytes requested from the socket per read. Frames are split off the buffer without copying;
/// the buffer's memory is reused once they are processed. 64 KiB: ~90 frames of a typical
/// Windows event per read (16 KiB gave ~24), so the per-read costs (a syscall, a clock read,
/// a wake-up) are spread thinner; still small per connection.
const READ_CHUNK: usize = 64 * 1024;

/// Stands in for "never" when `idle` is too large to add to a deadline.
const FAR_FUTURE: Duration = Duration::from_secs(86_400 * 365 * 30);

pub fn framing_mode(cfg: FramingConfig) -> FramingMode {
    match cfg {
        FramingConfig::Auto => FramingMode::Auto,
        FramingConfig::Lf => FramingMode::Lf,
        FramingConfig::Octet => FramingMode::OctetCounted,
    }
}

/// Why a connection ended (for the debug log).
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    Eof,
    Idle,
    Stopped,
    Error(std::io::ErrorKind),
}

/// Reads `reader` until EOF, error, idle timeout or stop, processing every frame as soon as
/// it is complete. Not reading while processing is the backpressure.
pub async fn read_frames<R: AsyncRead + Unpin>(
    mut reader: R,
    peer: IpAddr,
    mode: FramingMode,
    idle: Duration,
    ctx: &ListenerContext,
    stop: watch::Receiver<bool>,
) -> Ended {
    let mut framer = StreamFramer::new(mode, ctx.max_frame);
    let mut buf = BytesMut::with_capacity(READ_CHUNK);
    let stopped = super::stopped(stop);
    tokio::pin!(stopped);
    // The idle timeout without a timer per read: one sleep for the connection, armed for
    // `idle` after the start of the wait for data. Each read only notes when the next wait
    // started; when the sleep fires early (data came meanwhile) it is moved to the real
    // deadline, so a connection still closes exactly `idle` after it last went quiet.
    let deadline = |waiting_since: Instant| {
        waiting_since
            .checked_add(idle)
            .unwrap_or_else(|| waiting_since + FAR_FUTURE)
    };
    let mut waiting_since = Instant::now();
    let idle_timer = tokio::time::sleep_until(deadline(waiting_since));
    tokio::pin!(idle_timer);
    loop {
        buf.reserve(READ_CHUNK);
        tokio::select! {
            biased;
            () = &mut stopped => {
                drain_ready(&mut reader, &mut buf, &mut framer, peer, ctx).await;
                return Ended::Stopped;
            }
            read = reader.read_buf(&mut buf) => match read {
                Ok(0) => {
                    process(&mut framer, &mut buf, peer, ctx);
                    if let Some(last) = framer.finish(&mut buf) {
                        let now_ms = ctx.pipeline.now_ms();
                        ctx.pipeline.handle_frame_at(&last, peer, &ctx.counters, now_ms);
                    }
                    return Ended::Eof;
                }
                Ok(_) => {
                    process(&mut framer, &mut buf, peer, ctx);
                    waiting_since = Instant::now();
                }
                Err(err) => return Ended::Error(err.kind()),
            },
            () = &mut idle_timer => {
                let due = deadline(waiting_since);
                if due <= Instant::now() {
                    return Ended::Idle;
                }
                // Data arrived since the timer was armed: wait for the real deadline. The
                // read was cancelled before it completed, which loses nothing (`read_buf` is
                // cancel-safe); the next turn of the loop starts it again.
                idle_timer.as_mut().reset(due);
            }
        }
    }
}

/// At stop: process what is already readable without waiting, so messages the sender has
/// already handed to the kernel are not lost. A trailing partial frame is dropped.
async fn drain_ready<R: AsyncRead + Unpin>(
    reader: &mut R,
    buf: &mut BytesMut,
    framer: &mut StreamFramer,
    peer: IpAddr,
    ctx: &ListenerContext,
) {
    loop {
        buf.reserve(READ_CHUNK);
        // A zero timeout polls the read once: data ready → read, otherwise → done.
        match tokio::time::timeout(Duration::ZERO, reader.read_buf(buf)).await {
            Ok(Ok(n)) if n > 0 => process(framer, buf, peer, ctx),
            _ => return,
        }
    }
}

/// Processes every complete frame in `buf`. The clock is read once for all of them: they
/// arrived in the same read.
fn process(framer: &mut StreamFramer, buf: &mut BytesMut, peer: IpAddr, ctx: &ListenerContext) {
    let now_ms = ctx.pipeline.now_ms();
    loop {
        match framer.next_frame(buf) {
            FrameResult::Frame(frame) => {
                ctx.pipeline
                    .handle_frame_at(&frame, peer, &ctx.counters, now_ms)
            }
            FrameResult::NeedMore => return,
            FrameResult::Oversized { discarded } => {
                ctx.drop_counted(
                    DropReason::Oversized,
                    peer,
                    &format_args!("{discarded}-byte frame"),
                );
            }
            FrameResult::InvalidOctetCount => {
                // Nothing is lost: the framer re-reads the bytes as an LF line.
                let reason = ParseError::InvalidOctetCount.reason();
                ctx.metrics.parse_error(reason);
                ctx.pipeline.warn(reason, now_ms, |suppressed| {
                    tracing::warn!(reason, %peer, listener = %ctx.counters.name, suppressed, "invalid RFC 6587 octet count; reading the frame as a line");
                });
            }
        }
    }
}
