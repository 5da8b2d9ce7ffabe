//! RFC 6587 octet-counted streams (`--framing octet`), cut by the same [`StreamFramer`] the
//! TCP listeners use, so a capture replays exactly as it was received.

use std::io::{self, Read};

use bytes::BytesMut;
use rollcall_parse::framing::{FrameResult, FramingMode, StreamFramer};

use super::{report, Input, InputError, Payload, ReadStats, Record, RecordSink, READ_CHUNK};

/// Largest frame delivered; longer ones are reported and skipped by the framer.
pub const MAX_FRAME: usize = super::lines::MAX_LINE;

pub fn read_records(
    input: &Input,
    head: Vec<u8>,
    mut reader: Box<dyn Read>,
    sink: &mut dyn RecordSink,
    stats: &mut ReadStats,
) -> Result<(), InputError> {
    let mut framer = StreamFramer::new(FramingMode::OctetCounted, MAX_FRAME);
    let mut buf = BytesMut::from(&head[..]);
    drop(head);
    let mut frame_no = 0u64;
    loop {
        loop {
            match framer.next_frame(&mut buf) {
                FrameResult::Frame(frame) => {
                    frame_no += 1;
                    emit(input, frame_no, &frame, sink, stats);
                }
                FrameResult::NeedMore => break,
                FrameResult::Oversized { discarded } => {
                    frame_no += 1;
                    stats.read_errors += 1;
                    let err = InputError::Framing(format!(
                        "frame of {discarded} bytes exceeds {MAX_FRAME}, skipped"
                    ));
                    report(input, Some(frame_no), &err);
                }
                FrameResult::InvalidOctetCount => {
                    // The framer delivers these bytes as one line next: nothing is lost.
                    stats.read_errors += 1;
                    let err = InputError::Framing("no valid octet count; read as a line".into());
                    report(input, Some(frame_no + 1), &err);
                }
            }
        }
        match read_chunk(&mut reader, &mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                stats.read_errors += 1;
                report(input, Some(frame_no + 1), &InputError::Io(e));
                return Ok(());
            }
        }
    }
    if let Some(last) = framer.finish(&mut buf) {
        frame_no += 1;
        emit(input, frame_no, &last, sink, stats);
    }
    Ok(())
}

/// Appends up to [`READ_CHUNK`] bytes to `buf`; 0 at end of input.
fn read_chunk(reader: &mut dyn Read, buf: &mut BytesMut) -> io::Result<usize> {
    let old = buf.len();
    buf.resize(old + READ_CHUNK, 0);
    let result = loop {
        match reader.read(&mut buf[old..]) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => break other,
        }
    };
    buf.truncate(old + *result.as_ref().unwrap_or(&0));
    result
}

fn emit(
    input: &Input,
    frame_no: u64,
    frame: &[u8],
    sink: &mut dyn RecordSink,
    stats: &mut ReadStats,
) {
    if frame.iter().all(|b| b.is_ascii_whitespace()) {
        return;
    }
    stats.records += 1;
    sink.record(Record {
        input: input.index,
        offset: frame_no,
        payload: Payload::Raw(frame),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn octet_counted_frames_are_numbered_and_may_contain_newlines() {
        let data: &'static [u8] = b"11 <13>a\nb c d9 <13>x y z";
        let input = Input {
            index: 3,
            path: None,
        };
        let mut out = Vec::new();
        let mut stats = ReadStats::default();
        let mut sink = |r: Record<'_>| {
            if let Payload::Raw(b) = r.payload {
                out.push((r.input, r.offset, b.to_vec()));
            }
        };
        read_records(
            &input,
            data[..4].to_vec(),
            Box::new(&data[4..]),
            &mut sink,
            &mut stats,
        )
        .unwrap();
        assert_eq!(
            out,
            vec![
                (3, 1, b"<13>a\nb c d".to_vec()),
                (3, 2, b"<13>x y z".to_vec())
            ]
        );
        assert_eq!(stats.read_errors, 0);
    }
}
