//! `protocol = "stdout"`: one line per offense on standard output (the embedded default,
//! and handy with `journalctl -u rollcall -o cat` or a pipe).

use std::io::Write;

use rollcall_detect::Offense;

use super::{LineFormat, Output};
use crate::config::OutputConfig;

pub struct StdoutOutput {
    format: LineFormat,
}

impl StdoutOutput {
    pub fn new(cfg: &OutputConfig) -> anyhow::Result<StdoutOutput> {
        Ok(StdoutOutput {
            format: LineFormat::new(cfg, rollcall_leef::STREAM_MAX_BYTES)?,
        })
    }

    fn write_line(&self, line: &mut Vec<u8>) -> anyhow::Result<()> {
        line.push(b'\n');
        // One write_all of the whole line under the lock: lines never interleave, and the
        // flush makes the hand-off complete (stdout may be a pipe, block-buffered).
        let mut out = std::io::stdout().lock();
        out.write_all(line)?;
        out.flush()?;
        Ok(())
    }
}

impl Output for StdoutOutput {
    fn name(&self) -> &str {
        "stdout"
    }

    fn submit(&self, offense: &Offense) -> anyhow::Result<()> {
        let mut line = Vec::with_capacity(1024);
        self.format.offense(offense, &mut line);
        self.write_line(&mut line)
    }

    fn send_test(&self, now_ms: i64) -> anyhow::Result<()> {
        let mut line = Vec::with_capacity(256);
        self.format
            .test_event(now_ms, crate::clock::random_uuid_v4(), &mut line);
        self.write_line(&mut line)
    }
}
