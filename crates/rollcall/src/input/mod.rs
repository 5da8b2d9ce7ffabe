//! Reading recorded input for `rollcall parse` and `rollcall replay`.
//!
//! Each input (a file, or `-` / nothing for stdin) is recognised by its content, not its name:
//! - Windows `.evtx` by its magic bytes (`ElfFile\0`): records are decoded by the `evtx` crate
//!   and normalised here ([`evtx`]), since they never pass through a syslog parser;
//! - a JSON document: a top-level array of objects (Azure portal sign-in exports) or a
//!   pretty-printed object such as a Graph `{"value":[…]}` response: one record per element
//!   ([`json_doc`]);
//! - anything else: one syslog message per line (LF, CRLF or NUL), NDJSON included, since a
//!   line that is bare JSON is recognised by the message parser; an Azure envelope line
//!   (`{"records":[…]}`) yields one record per element ([`lines`]);
//! - with `--framing octet`: an RFC 6587 octet-counted stream ([`octet`]).
//!
//! Readers hand each record to a [`RecordSink`] instead of returning an iterator, so line and
//! array records can borrow from one reused read buffer. A corrupt or truncated input is
//! reported on stderr with its name and record offset, and the remaining inputs still run.

pub mod evtx;
pub mod json_doc;
pub mod lines;
pub mod octet;

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::PathBuf;

use rollcall_parse::AuthEvent;

use crate::cli::InputFraming;

/// Size of the chunks inputs are read in.
pub const READ_CHUNK: usize = 1 << 20;

/// One named input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    /// Position on the command line (0-based).
    pub index: usize,
    /// Path, or `None` for stdin.
    pub path: Option<PathBuf>,
}

impl Input {
    /// The inputs a command line names: none or `-` means stdin.
    pub fn from_args(files: &[PathBuf]) -> Vec<Input> {
        if files.is_empty() {
            return vec![Input {
                index: 0,
                path: None,
            }];
        }
        files
            .iter()
            .enumerate()
            .map(|(index, p)| Input {
                index,
                path: (p.as_os_str() != "-").then(|| p.clone()),
            })
            .collect()
    }
}

impl fmt::Display for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(p) => write!(f, "{}", p.display()),
            None => f.write_str("<stdin>"),
        }
    }
}

/// How an input's content was recognised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    Evtx,
    JsonDocument,
    Lines,
    OctetStream,
}

/// One record of an input.
#[derive(Debug)]
pub struct Record<'b> {
    /// Index of the [`Input`] it came from.
    pub input: usize,
    /// Where it is: line number (lines), element number (JSON array), frame number (octet
    /// stream), all 1-based; the EventRecordID for EVTX.
    pub offset: u64,
    pub payload: Payload<'b>,
}

/// What a record carries.
#[derive(Debug)]
pub enum Payload<'b> {
    /// One message, to be parsed by the normal message parser. Borrows the read buffer.
    Raw(&'b [u8]),
    /// An EVTX record, already normalised.
    Evtx(EvtxRecord),
}

/// An EVTX record reduced to what the commands need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvtxRecord {
    /// `Event.System.EventID`, when readable.
    pub event_id: Option<u32>,
    /// The authentication failure it describes, if any (owned: EVTX values are decoded).
    pub auth: Option<AuthEvent<'static>>,
}

/// Receives records as the readers produce them.
pub trait RecordSink {
    fn record(&mut self, rec: Record<'_>);
}

impl<F: FnMut(Record<'_>)> RecordSink for F {
    fn record(&mut self, rec: Record<'_>) {
        self(rec)
    }
}

/// Counts over all inputs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Inputs opened.
    pub files: u64,
    /// Records handed to the sink.
    pub records: u64,
    /// Inputs or records that could not be read (each reported on stderr).
    pub read_errors: u64,
    /// Inputs that could not be read at all (missing file, invalid EVTX header).
    pub failed_inputs: u64,
    pub evtx: evtx::EvtxStats,
}

/// Why an input or a record could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read: {0}")]
    Io(#[from] io::Error),
    #[error("not a valid EVTX file: {0}")]
    EvtxFile(String),
    #[error("corrupt EVTX record: {0}")]
    EvtxRecord(String),
    #[error("truncated EVTX file: its last {bytes} bytes (from byte {offset}) are an incomplete chunk, not read")]
    EvtxTruncated { bytes: u64, offset: u64 },
    #[error("invalid or truncated JSON document: {0}")]
    InvalidDocument(String),
    #[error("line longer than {0} bytes, skipped")]
    LineTooLong(usize),
    #[error("invalid octet-counted frame: {0}")]
    Framing(String),
}

/// Reports an unreadable input or record on stderr (the rest of the input still runs).
pub fn report(input: &Input, offset: Option<u64>, err: &InputError) {
    match offset {
        Some(o) => eprintln!("rollcall: {input}: record {o}: {err}"),
        None => eprintln!("rollcall: {input}: {err}"),
    }
}

/// Reads every input in order, handing each record to `sink`.
pub fn read_all(inputs: &[Input], framing: InputFraming, sink: &mut dyn RecordSink) -> ReadStats {
    let mut stats = ReadStats::default();
    for input in inputs {
        stats.files += 1;
        if let Err(err) = read_one(input, framing, sink, &mut stats) {
            stats.read_errors += 1;
            stats.failed_inputs += 1;
            report(input, None, &err);
        }
    }
    stats
}

fn open(input: &Input) -> io::Result<Box<dyn Read>> {
    Ok(match &input.path {
        Some(p) => Box::new(File::open(p)?),
        None => Box::new(io::stdin().lock()),
    })
}

fn read_one(
    input: &Input,
    framing: InputFraming,
    sink: &mut dyn RecordSink,
    stats: &mut ReadStats,
) -> Result<(), InputError> {
    let mut reader = open(input)?;
    // The first chunk decides the kind; readers continue from it.
    let mut head = Vec::with_capacity(READ_CHUNK);
    fill_up_to(&mut reader, &mut head, READ_CHUNK)?;
    let kind = detect_kind(&head, framing);
    match kind {
        InputKind::Evtx => {
            // The evtx crate needs Read + Seek: reopen a file, or buffer all of stdin.
            match &input.path {
                Some(p) => {
                    let size = std::fs::metadata(p)?.len();
                    evtx::read_records(input, evtx::open_path(p)?, size, sink, stats)
                }
                None => {
                    reader.read_to_end(&mut head)?;
                    let size = head.len() as u64;
                    evtx::read_records(input, evtx::open_buffer(head)?, size, sink, stats)
                }
            }
            Ok(())
        }
        InputKind::JsonDocument => {
            // Exports are small enough to hold whole; elements borrow from the buffer.
            reader.read_to_end(&mut head)?;
            json_doc::read_records(input, &head, sink, stats);
            Ok(())
        }
        InputKind::Lines => lines::read_records(input, head, reader, sink, stats),
        InputKind::OctetStream => octet::read_records(input, head, reader, sink, stats),
    }
}

/// Reads straight into `buf` until it holds `limit` bytes or the input ends.
pub fn fill_up_to(reader: &mut dyn Read, buf: &mut Vec<u8>, limit: usize) -> io::Result<()> {
    let mut filled = buf.len();
    if filled >= limit {
        return Ok(());
    }
    buf.resize(limit, 0);
    let result = loop {
        match buf.get_mut(filled..).map(|free| reader.read(free)) {
            None | Some(Ok(0)) => break Ok(()),
            Some(Ok(n)) => filled += n,
            Some(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
            Some(Err(e)) => break Err(e),
        }
        if filled >= limit {
            break Ok(());
        }
    };
    buf.truncate(filled);
    result
}

/// The EVTX file header magic.
pub const EVTX_MAGIC: &[u8; 8] = b"ElfFile\0";

/// Recognises an input's kind from its first bytes.
pub fn detect_kind(head: &[u8], framing: InputFraming) -> InputKind {
    if head.starts_with(EVTX_MAGIC) {
        return InputKind::Evtx;
    }
    if json_doc::is_document(head) {
        return InputKind::JsonDocument;
    }
    match framing {
        InputFraming::Lines => InputKind::Lines,
        InputFraming::Octet => InputKind::OctetStream,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn kinds_are_recognised_by_content() {
        let lines = InputFraming::Lines;
        assert_eq!(detect_kind(b"ElfFile\0rest", lines), InputKind::Evtx);
        assert_eq!(
            detect_kind(b" \n[ {\"a\":1} ]", lines),
            InputKind::JsonDocument
        );
        assert_eq!(detect_kind(b"[]", lines), InputKind::JsonDocument);
        assert_eq!(
            detect_kind(b"{\"a\":1}\n{\"a\":2}\n", lines),
            InputKind::Lines
        );
        assert_eq!(detect_kind(b"[client] text", lines), InputKind::Lines);
        assert_eq!(
            detect_kind(b"12 <13>1 - - - -", InputFraming::Octet),
            InputKind::OctetStream
        );
    }

    #[test]
    fn no_files_or_dash_means_stdin() {
        assert_eq!(Input::from_args(&[])[0].path, None);
        let inputs = Input::from_args(&["a.log".into(), "-".into()]);
        assert_eq!(inputs[0].path.as_deref(), Some(Path::new("a.log")));
        assert_eq!(inputs[1].path, None);
        assert_eq!(inputs[1].index, 1);
    }
}
