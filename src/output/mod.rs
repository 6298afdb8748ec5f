//! Writers: metrics.json, waveforms.csv and the stdout summary.
//!
//! Why: writers turn results into bytes and never run simulations; each takes `impl Write` so that
//! tests can write to memory and the CLI decides where bytes go (hyperfine's exporter pattern).

pub mod metrics_json;
pub mod summary;
pub mod waveforms_csv;
