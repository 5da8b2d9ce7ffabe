//! `protocol = "file"`: appends one line per offense to `path`.
//!
//! Each line is written with a single `write` on an `O_APPEND` descriptor and then
//! `fdatasync`ed before `submit` returns: offenses are rare (a handful per hour even under
//! attack), so the cost is nothing and an offense that was reported as written survives a
//! power cut. `reopen` (SIGHUP) closes and reopens the path, so logrotate can move the file
//! away and signal us (`postrotate systemctl reload rollcall`), no `copytruncate` needed.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context;
use rollcall_detect::Offense;

use super::{LineFormat, Output};
use crate::config::OutputConfig;

pub struct FileOutput {
    name: String,
    path: PathBuf,
    format: LineFormat,
    file: Mutex<File>,
}

impl FileOutput {
    pub fn open(cfg: &OutputConfig) -> anyhow::Result<FileOutput> {
        let path = cfg.path.clone().context("a file output needs path")?;
        let file = open_append(&path)?;
        Ok(FileOutput {
            name: format!("file/{}", path.display()),
            format: LineFormat::new(cfg, rollcall_leef::STREAM_MAX_BYTES)?,
            path,
            file: Mutex::new(file),
        })
    }

    fn write_line(&self, line: &mut Vec<u8>) -> anyhow::Result<()> {
        line.push(b'\n');
        let file = self
            .file
            .lock()
            .map_err(|_| anyhow::anyhow!("{}: a writer panicked", self.name))?;
        // `&File` implements Write: no need for a mutable borrow of the guard.
        (&*file)
            .write_all(line)
            .and_then(|()| file.sync_data())
            .with_context(|| format!("writing {}", self.path.display()))
    }
}

/// Opens for appending, creating the file (mode 0640: readable by the log group) and no
/// missing directories: a wrong path should fail loudly at start, not create a tree.
fn open_append(path: &Path) -> anyhow::Result<File> {
    OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o640)
        .open(path)
        .with_context(|| format!("opening {} for appending", path.display()))
}

impl Output for FileOutput {
    fn name(&self) -> &str {
        &self.name
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

    fn reopen(&self) -> anyhow::Result<()> {
        let fresh = open_append(&self.path)?;
        let mut file = self
            .file
            .lock()
            .map_err(|_| anyhow::anyhow!("{}: a writer panicked", self.name))?;
        *file = fresh;
        Ok(())
    }

    fn shutdown(&self) {
        if let Ok(file) = self.file.lock() {
            let _ = file.sync_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{OutputFormat, OutputProtocol};

    fn file_config(path: &Path, format: OutputFormat) -> OutputConfig {
        let mut cfg: OutputConfig = toml::from_str("protocol = \"file\"").expect("minimal output");
        assert_eq!(cfg.protocol, OutputProtocol::File);
        cfg.path = Some(path.to_owned());
        cfg.format = format;
        cfg.hostname = Some("rc-test".into());
        cfg
    }

    #[test]
    fn appends_lines_and_reopens_after_rotation() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("offenses.log");
        std::fs::write(&path, "existing\n").expect("seed");
        let out = FileOutput::open(&file_config(&path, OutputFormat::Leef)).expect("open");
        out.send_test(1_700_000_000_000).expect("test event");
        let text = std::fs::read_to_string(&path).expect("read");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert_eq!(lines[0], "existing");
        assert!(lines[1].contains("LEEF:2.0|"), "{}", lines[1]);
        assert!(lines[1].contains(" rc-test "), "{}", lines[1]);

        // logrotate: move away, SIGHUP → reopen creates a fresh file at the path.
        let rotated = dir.path().join("offenses.log.1");
        std::fs::rename(&path, &rotated).expect("rotate");
        out.reopen().expect("reopen");
        out.send_test(1_700_000_000_001).expect("test event");
        assert_eq!(
            std::fs::read_to_string(&rotated)
                .expect("old")
                .lines()
                .count(),
            2
        );
        assert_eq!(
            std::fs::read_to_string(&path).expect("new").lines().count(),
            1
        );
    }

    #[test]
    fn json_test_event_is_one_json_object() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("o.json");
        let out = FileOutput::open(&file_config(&path, OutputFormat::Json)).expect("open");
        out.send_test(1_700_000_000_000).expect("test event");
        let text = std::fs::read_to_string(&path).expect("read");
        let v: serde_json::Value = serde_json::from_str(text.trim_end()).expect("json");
        assert_eq!(v["event"], "ROLLCALL_TEST");
        assert_eq!(v["reporting_host"], "rc-test");
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn missing_directory_fails_at_open() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("no/such/dir/o.log");
        assert!(FileOutput::open(&file_config(&path, OutputFormat::Leef)).is_err());
    }
}
