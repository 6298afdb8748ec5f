//! The progress line of a long single run: beats done and the last beat's change, on stderr
//! when it is a terminal, from 2 s on.
//!
//! Why: `run` with `max_beats = 100000` on a scenario that does not converge can work for
//! hours; without a line the user cannot tell a slow run from a hung one, nor see how far the
//! change is from the tolerance. Runs of a second print nothing; pipes and batch logs never
//! get the line.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::solver::progress;

/// Quiet for this long: most runs are done before.
const SHOW_AFTER: Duration = Duration::from_secs(2);
const EVERY: Duration = Duration::from_millis(500);

/// A running progress line; stops (and clears its line) when dropped.
pub struct RunProgress {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl RunProgress {
    /// Start the line for a search of at most `max_beats` beats to `tol_ml`, if stderr is a
    /// terminal.
    pub fn start(max_beats: u32, tol_ml: f64) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::io::stderr().is_terminal().then(|| {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || show(&stop, max_beats, tol_ml))
        });
        Self { stop, thread }
    }

    fn end(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for RunProgress {
    fn drop(&mut self) {
        self.end();
    }
}

/// The text of the line.
pub fn line(beat: u32, max_beats: u32, change_ml: f64, tol_ml: f64) -> String {
    format!(
        "simulating: beat {beat} of at most {max_beats}, last change {change_ml:.1e} mL \
         (converged below {tol_ml:.0e} mL)"
    )
}

fn show(stop: &AtomicBool, max_beats: u32, tol_ml: f64) {
    let started = Instant::now();
    let mut shown = false;
    let mut next = SHOW_AFTER;
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(50));
        if started.elapsed() < next {
            continue;
        }
        next += EVERY;
        let (beat, change_ml) = progress::last();
        if beat > 0 {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r{}\x1b[K", line(beat, max_beats, change_ml, tol_ml));
            let _ = err.flush();
            shown = true;
        }
    }
    if shown {
        let _ = write!(std::io::stderr(), "\r\x1b[K");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_says_beats_and_change() {
        assert_eq!(
            line(1234, 100000, 0.0321, 1e-3),
            "simulating: beat 1234 of at most 100000, last change 3.2e-2 mL (converged below \
             1e-3 mL)"
        );
    }
}
