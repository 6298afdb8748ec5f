//! Writers: metrics.json, waveforms.csv and the stdout summary; and where their bytes land safely
//! (atomic files, a run's outputs as one set, the output-directory lock).
//!
//! Why: writers turn results into bytes and never run simulations; each takes `impl Write` so that
//! tests can write to memory and the CLI decides where bytes go (hyperfine's exporter pattern).
//! `atomic`, `staging` and `lock` decide how files replace earlier ones, independent of formats.

pub mod atomic;
pub mod lock;
pub mod metrics_json;
pub mod run_progress;
pub mod staging;
pub mod summary;
pub mod validity;
pub mod waveforms_csv;
