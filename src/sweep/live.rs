//! The sweeps running in this process, as the exit path of a second Ctrl-C or SIGTERM sees them.
//!
//! Why: the first signal lets the points in progress finish; a second one quits at once, without
//! waiting for them. sweep.json must still agree with the rows on disk (status `interrupted`,
//! `counts` and `missing` those of results.csv). So the writer thread commits every batch of
//! rows — written, flushed, counted — under the lock of its [`Live`] record, and [`quit_now`]
//! takes that lock (no row is then half written), writes sweep.json from the rows committed,
//! and keeps the lock, so that nothing more is written before the process exits.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::manifest::{Manifest, RunStatus};
use super::results::Counts;

/// How long [`quit_now`] waits for a writer to finish the batch it is writing (a stalled disk
/// must not make the second signal hang).
const QUIT_WAIT: Duration = Duration::from_secs(5);

/// A running sweep: where it writes, and what it has committed.
pub struct Live {
    dir: PathBuf,
    started: Instant,
    ledger: Mutex<Ledger>,
}

/// What the rows on disk add up to, changed only under the lock.
pub struct Ledger {
    /// sweep.json as written at the start of the run (its counts: the rows found by --resume).
    manifest: Manifest,
    /// Rows this run has written and flushed.
    pub committed: Counts,
    /// The run has written its final sweep.json: nothing left for [`quit_now`] to do.
    closed: bool,
}

static RUNNING: Mutex<Vec<Arc<Live>>> = Mutex::new(Vec::new());

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Registered while alive: dropping it removes the sweep from the running ones.
pub struct Registration(Arc<Live>);

impl Registration {
    /// Record a sweep writing into `dir` whose sweep.json is now `manifest`.
    pub fn new(dir: PathBuf, manifest: Manifest, started: Instant) -> Self {
        let live = Arc::new(Live {
            dir,
            started,
            ledger: Mutex::new(Ledger {
                manifest,
                committed: Counts::default(),
                closed: false,
            }),
        });
        lock(&RUNNING).push(Arc::clone(&live));
        Registration(live)
    }

    /// The ledger, locked: the writer holds it while it writes and counts a batch of rows.
    pub fn ledger(&self) -> MutexGuard<'_, Ledger> {
        lock(&self.0.ledger)
    }

    /// Run `finish` (the final sweep.json) under the lock, and mark the sweep closed.
    pub fn close<R>(&self, finish: impl FnOnce() -> R) -> R {
        let mut ledger = self.ledger();
        let r = finish();
        ledger.closed = true;
        r
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        lock(&RUNNING).retain(|l| !Arc::ptr_eq(l, &self.0));
    }
}

/// For the process's exit on a second signal: bring the sweep.json of every sweep still
/// running in line with its rows on disk (status `interrupted`, or `finished` if none is
/// missing) and stop its writer for good. Call it only right before exiting.
pub fn quit_now() {
    let running: Vec<Arc<Live>> = lock(&RUNNING).clone();
    for live in running {
        let deadline = Instant::now() + QUIT_WAIT;
        let ledger = loop {
            match live.ledger.try_lock() {
                Ok(g) => break Some(g),
                Err(std::sync::TryLockError::Poisoned(p)) => break Some(p.into_inner()),
                Err(std::sync::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5))
                }
                Err(std::sync::TryLockError::WouldBlock) => break None,
            }
        };
        let Some(ledger) = ledger else { continue };
        if !ledger.closed {
            let mut m = ledger.manifest.clone();
            m.counts.merge(&ledger.committed);
            m.missing = m.shard_points.saturating_sub(m.counts.total());
            m.status = if m.missing > 0 {
                RunStatus::Interrupted
            } else {
                RunStatus::Finished
            };
            m.wall_time_s = live.started.elapsed().as_secs_f64();
            m.points_per_second = Some(ledger.committed.total() as f64 / m.wall_time_s.max(1e-9));
            // Nothing more can be done about a failure now: sweep.json stays as it was, and
            // --resume recounts the rows.
            let _ = m.write(&live.dir);
        }
        // Held until the process exits: the writer writes no further row.
        std::mem::forget(ledger);
    }
}
