//! Parameter sweeps: many pre/post comparisons of one base scenario, run in parallel, streamed
//! to results.csv, resumable and shardable across machines (docs/sweeps.md).
//!
//! Why a module of its own: a sweep is a plan (`spec`: sweep file → validated axes; `sample`:
//! point `i` of a grid, Latin hypercube or Sobol' design), an execution (`chain`: a chunk of
//! consecutive points as a warm-started chain; `runner`: chunks in parallel, one writer) and a
//! ledger (`results`, `manifest`: results.csv and sweep.json, read back by `resume` and
//! `merge`). The physics is [`crate::simulate::Comparison`], unchanged; every point's scenario is
//! the base file plus `--set` overrides, validated exactly as `mitralsim run` validates it.

mod chain;
mod columns;
pub mod distribution;
mod error;
mod live;
mod manifest;
mod merge;
mod progress;
pub mod results;
mod resume;
mod runner;
pub mod sample;
mod schedule;
mod sensitivity;
pub mod sensitivity_csv;
mod shard;
mod sobol;
pub mod spec;

pub use error::SweepError;
pub use live::quit_now;
pub use manifest::{Manifest, RunStatus, MANIFEST_FILE};
pub use merge::{merge, MergeOutcome};
pub use results::{Counts, Status, RESULTS_FILE};
pub use runner::{default_dir, sweep, SweepOptions, SweepOutcome};
pub use shard::{Shard, DEFAULT_CHUNK_POINTS};
