//! Periodic work: expiring windows, snapshotting state, and the systemd watchdog.
//!
//! The watchdog is pinged from this loop, after the engine answered `expire`: if the
//! engine wedges (a lock never released), the pings stop and systemd restarts us, which a
//! ping from an independent timer would hide.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rollcall_detect::Engine;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use super::{notify, state};

/// How often windows are expired when no watchdog asks for more.
const EXPIRE_EVERY: Duration = Duration::from_secs(10);

/// What a reload can change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub state_dir: Option<PathBuf>,
    pub snapshot_interval: Duration,
}

pub fn spawn(
    engine: Arc<Engine>,
    mut settings: watch::Receiver<Settings>,
    watchdog: Option<Duration>,
) -> JoinHandle<()> {
    let tick = watchdog.map_or(EXPIRE_EVERY, |w| w.min(EXPIRE_EVERY));
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(tick);
        interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut last_snapshot = Instant::now();
        loop {
            interval.tick().await;
            let e = engine.clone();
            let now = crate::clock::now_ms();
            // expire walks every shard: keep it off the async workers.
            match tokio::task::spawn_blocking(move || e.expire(now)).await {
                Ok(expired) if expired > 0 => tracing::debug!(expired, "expired sources"),
                Ok(_) => {}
                Err(err) => {
                    tracing::error!("expire failed: {err}");
                    continue; // no watchdog ping: something is badly wrong
                }
            }
            let current = settings.borrow_and_update().clone();
            if let Some(dir) = current.state_dir {
                if last_snapshot.elapsed() >= current.snapshot_interval {
                    last_snapshot = Instant::now();
                    let e = engine.clone();
                    let result =
                        tokio::task::spawn_blocking(move || state::save_snapshot(&e, &dir)).await;
                    match result {
                        Ok(Ok(())) => tracing::debug!("detector snapshot written"),
                        Ok(Err(err)) => tracing::error!("detector snapshot failed: {err:#}"),
                        Err(err) => tracing::error!("detector snapshot failed: {err}"),
                    }
                }
            }
            if watchdog.is_some() {
                notify::watchdog();
            }
        }
    })
}
