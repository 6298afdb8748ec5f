//! How far the current plain steady-state search got: the beat just finished and its change,
//! for `run`'s progress line on a terminal.
//!
//! Why global atomics: a single run of `max_beats = 100000` on a non-converging scenario can take
//! hours; the user must see that it is working and how far it is from converging. The search
//! publishes two numbers per beat (two relaxed stores, nothing next to a beat's thousands of
//! steps); whoever wants a progress line reads them from another thread. Sweeps run many
//! searches at once and show their own bar, so they do not read these.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

static BEAT: AtomicU32 = AtomicU32::new(0);
static CHANGE_ML_BITS: AtomicU64 = AtomicU64::new(0);

/// Record that beat `beat` of the current search ended with a change of `change_ml`.
pub fn beat_done(beat: u32, change_ml: f64) {
    CHANGE_ML_BITS.store(change_ml.to_bits(), Ordering::Relaxed);
    BEAT.store(beat, Ordering::Relaxed);
}

/// The last beat recorded (0: none yet) and its change (mL).
pub fn last() -> (u32, f64) {
    (
        BEAT.load(Ordering::Relaxed),
        f64::from_bits(CHANGE_ML_BITS.load(Ordering::Relaxed)),
    )
}
