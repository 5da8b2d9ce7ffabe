//! The detector snapshot on disk: `<state.dir>/detector.snapshot`.
//!
//! Written to a temporary file, fsynced, renamed over the old one and the directory fsynced,
//! so a crash at any moment leaves either the previous or the new snapshot, never half of
//! one. A snapshot that cannot be read is moved aside (kept for a post-mortem) and the
//! detector starts empty: losing an hour of window is better than not starting.

use std::fs::{self, File, OpenOptions};
use std::io::{BufReader, BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context;
use rollcall_detect::{DetectConfig, Engine};

use crate::clock::RandomIds;

const SNAPSHOT_FILE: &str = "detector.snapshot";

pub fn snapshot_path(dir: &Path) -> PathBuf {
    dir.join(SNAPSHOT_FILE)
}

/// A new engine, restored from `dir`'s snapshot when there is a readable one.
pub fn restore_engine(cfg: DetectConfig, dir: Option<&Path>) -> anyhow::Result<Engine> {
    let Some(dir) = dir else {
        return Ok(Engine::new(cfg, Box::new(RandomIds)));
    };
    fs::create_dir_all(dir)
        .with_context(|| format!("creating state directory {}", dir.display()))?;
    let path = snapshot_path(dir);
    let file = match File::open(&path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            tracing::info!(path = %path.display(), "no detector snapshot: starting empty");
            return Ok(Engine::new(cfg, Box::new(RandomIds)));
        }
        Err(err) => {
            return Err(err).with_context(|| format!("opening {}", path.display()));
        }
    };
    match Engine::restore(cfg.clone(), Box::new(RandomIds), &mut BufReader::new(file)) {
        Ok(engine) => {
            tracing::info!(
                path = %path.display(),
                sources = engine.stats().tracked_sources,
                "detector state restored"
            );
            Ok(engine)
        }
        Err(err) => {
            let aside = path.with_extension(format!("corrupt-{}", crate::clock::now_ms()));
            match fs::rename(&path, &aside) {
                Ok(()) => tracing::error!(
                    path = %path.display(), moved_to = %aside.display(),
                    "detector snapshot unreadable ({err}): moved aside, starting empty"
                ),
                Err(mv) => tracing::error!(
                    path = %path.display(),
                    "detector snapshot unreadable ({err}) and could not be moved aside ({mv}): starting empty"
                ),
            }
            Ok(Engine::new(cfg, Box::new(RandomIds)))
        }
    }
}

/// Writes the engine's state atomically to `dir`. Blocking: call from a blocking thread.
pub fn save_snapshot(engine: &Engine, dir: &Path) -> anyhow::Result<()> {
    // The periodic and the final snapshot may overlap at shutdown: one writer at a time, or
    // both would write the same temporary file.
    static WRITING: Mutex<()> = Mutex::new(());
    let _writing = WRITING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let path = snapshot_path(dir);
    let tmp = dir.join(format!("{SNAPSHOT_FILE}.tmp"));
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("creating {}", tmp.display()))?;
    let mut writer = BufWriter::with_capacity(256 * 1024, file);
    engine
        .snapshot(&mut writer)
        .with_context(|| format!("writing {}", tmp.display()))?;
    writer.flush()?;
    let file = writer.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()
        .with_context(|| format!("syncing {}", tmp.display()))?;
    drop(file);
    fs::rename(&tmp, &path).with_context(|| format!("renaming to {}", path.display()))?;
    // The rename is durable only once the directory entry is.
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("syncing directory {}", dir.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_then_restore_round_trips_and_corrupt_is_moved_aside() {
        let dir = tempfile::tempdir().expect("tempdir");
        let engine = restore_engine(DetectConfig::default(), Some(dir.path())).expect("empty");
        save_snapshot(&engine, dir.path()).expect("save");
        assert!(snapshot_path(dir.path()).exists());
        assert!(!dir.path().join("detector.snapshot.tmp").exists());
        restore_engine(DetectConfig::default(), Some(dir.path())).expect("restore");

        fs::write(snapshot_path(dir.path()), b"garbage\n").expect("corrupt");
        let engine = restore_engine(DetectConfig::default(), Some(dir.path())).expect("fresh");
        assert_eq!(engine.stats().tracked_sources, 0);
        assert!(!snapshot_path(dir.path()).exists());
        let aside = fs::read_dir(dir.path())
            .expect("list")
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().contains("corrupt-"));
        assert!(aside, "corrupt snapshot kept for inspection");
    }
}
