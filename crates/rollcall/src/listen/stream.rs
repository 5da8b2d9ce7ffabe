//! One TCP or TLS connection: read, cut into frames (RFC 6587), process each in place.

use std::net::IpAddr;
use std::time::Duration;

use bytes::BytesMut;
use rollcall_parse::framing::{FrameResult, FramingMode, StreamFramer};
use rollcall_parse::ParseError;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::watch;

use super::ListenerContext;
use crate::config::FramingConfig;
use crate::metrics::DropReason;

/// Bytes requested from the socket per read. Frames are split off the buffer without copying;
/// the buffer's memory is reused once they are processed.
const READ_CHUNK: usize = 16 * 1024;

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
    loop {
        buf.reserve(READ_CHUNK);
        tokio::select! {
            biased;
            () = &mut stopped => {
                drain_ready(&mut reader, &mut buf, &mut framer, peer, ctx).await;
                return Ended::Stopped;
            }
            read = tokio::time::timeout(idle, reader.read_buf(&mut buf)) => match read {
                Err(_) => return Ended::Idle,
                Ok(Ok(0)) => {
                    process(&mut framer, &mut buf, peer, ctx);
                    if let Some(last) = framer.finish(&mut buf) {
                        ctx.pipeline.handle_frame(&last, peer, &ctx.counters);
                    }
                    return Ended::Eof;
                }
                Ok(Ok(_)) => process(&mut framer, &mut buf, peer, ctx),
                Ok(Err(err)) => return Ended::Error(err.kind()),
            },
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

fn process(framer: &mut StreamFramer, buf: &mut BytesMut, peer: IpAddr, ctx: &ListenerContext) {
    loop {
        match framer.next_frame(buf) {
            FrameResult::Frame(frame) => ctx.pipeline.handle_frame(&frame, peer, &ctx.counters),
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
                let now = ctx.pipeline.now_ms();
                ctx.pipeline.warn(reason, now, |suppressed| {
                    tracing::warn!(reason, %peer, listener = %ctx.counters.name, suppressed, "invalid RFC 6587 octet count; reading the frame as a line");
                });
            }
        }
    }
}
