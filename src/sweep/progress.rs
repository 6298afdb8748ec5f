//! The progress bar: points done, rate and ETA, on stderr when it is a terminal.
//!
//! Why a wrapper: the bar must stay silent in pipes, logs and batch jobs (SLURM output files),
//! and the writer thread should not care whether one is shown.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// A bar over `total` points of which `done` are already written; hidden unless stderr is a
    /// terminal.
    pub fn new(total: u64, done: u64) -> Self {
        if !std::io::stderr().is_terminal() {
            return Self(None);
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{wide_bar}] {human_pos}/{human_len} points · {rate} · ETA {eta}",
            )
            .expect("valid template")
            .with_key("rate", |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0} points/s", state.per_sec());
            })
            .progress_chars("=> "),
        );
        bar.set_position(done);
        bar.reset_eta();
        Self(Some(bar))
    }

    pub fn inc(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.inc(n);
        }
    }

    /// Leave the bar where it is (the summary line follows).
    pub fn finish(&self) {
        if let Some(b) = &self.0 {
            b.abandon();
        }
    }
}
