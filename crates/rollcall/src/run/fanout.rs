//! Offenses from the pipeline → every output, in order, off the async workers.
//!
//! The set of outputs is swapped as a whole on reload; an offense in flight finishes on the
//! set it started with. Outputs block on I/O (fsync, spool writes), so each offense is
//! handed to a blocking thread, and the next waits for it: offenses stay in order.

use std::sync::{Arc, RwLock};

use rollcall_detect::Offense;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::OutputConfig;
use crate::output::Output;

/// One built output with the config it was built from (to keep it across reloads).
pub struct Built {
    pub config: OutputConfig,
    pub output: Arc<dyn Output>,
}

/// The outputs currently in force.
#[derive(Clone, Default)]
pub struct OutputSet(Arc<RwLock<Arc<Vec<Built>>>>);

impl OutputSet {
    pub fn new(outputs: Vec<Built>) -> Self {
        OutputSet(Arc::new(RwLock::new(Arc::new(outputs))))
    }

    pub fn current(&self) -> Arc<Vec<Built>> {
        match self.0.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Installs `outputs`; returns the previous set.
    pub fn replace(&self, outputs: Vec<Built>) -> Arc<Vec<Built>> {
        let mut guard = match self.0.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        std::mem::replace(&mut *guard, Arc::new(outputs))
    }
}

/// Starts the fan-out task. It ends when `stop` turns true (after draining what is queued)
/// or when every sender is gone.
pub fn spawn(
    mut offenses: UnboundedReceiver<Offense>,
    outputs: OutputSet,
    mut stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                biased;
                next = offenses.recv() => match next {
                    Some(offense) => deliver(offense, &outputs).await,
                    None => break,
                },
                () = stop_requested(&mut stop) => {
                    // No new offenses can arrive once the listeners are joined; take what is
                    // queued and stop.
                    offenses.close();
                    while let Some(offense) = offenses.recv().await {
                        deliver(offense, &outputs).await;
                    }
                    break;
                }
            }
        }
    })
}

/// Resolves once `stop` is true (or its sender is gone). Returns `()` so that no watch guard
/// is held across the select's other branch (it is not `Send`).
async fn stop_requested(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

async fn deliver(offense: Offense, outputs: &OutputSet) {
    let set = outputs.current();
    let result = tokio::task::spawn_blocking(move || {
        for built in set.iter() {
            if let Err(err) = built.output.submit(&offense) {
                tracing::error!(
                    output = built.output.name(),
                    source = %offense.source,
                    tier = offense.tier.as_str(),
                    "offense not delivered: {err:#}"
                );
            }
        }
    })
    .await;
    if let Err(err) = result {
        tracing::error!("an output panicked: {err}");
    }
}
