//! Benchmark: the 1000-point sweep of docs/sweeps.md (scenarios/sweeps/eroa-hr.toml: the
//! default scenario, pre and post clip, 25 heart rates × 40 EROAs), end to end — sweep file,
//! scenario per point, warm-started chains, results.csv — at 1 and 2 worker threads. Criterion's
//! throughput is pre/post pairs per second. Run with `cargo bench --bench sweep` (≈ 1 min);
//! figures are in docs/sweeps.md ("Performance").

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use mitralsim::sweep::{sweep, SweepOptions};
use std::path::Path;
use std::sync::atomic::AtomicBool;

/// The allocator of the `mitralsim` binary (see src/main.rs), so that this measures what the
/// command does.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Points of scenarios/sweeps/eroa-hr.toml.
const POINTS: u64 = 1000;

fn sweep_1000(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/sweeps/eroa-hr.toml");
    let mut g = c.benchmark_group("sweep_eroa_hr_1000_points");
    g.sample_size(10);
    g.throughput(Throughput::Elements(POINTS));
    for jobs in [1, 2] {
        g.bench_function(format!("jobs_{jobs}"), |b| {
            b.iter_batched(
                || {
                    // A fresh output directory per run (a sweep never overwrites one); it is
                    // returned by the routine so that deleting it is not timed.
                    let out = tempfile::tempdir_in(dir.path()).expect("output dir");
                    let opts = SweepOptions {
                        sweep_file: file.to_path_buf(),
                        out: Some(out.path().join("out")),
                        jobs: Some(jobs),
                        shard: None,
                        resume: false,
                        waveforms: false,
                    };
                    (out, opts)
                },
                |(out, opts)| {
                    let outcome = sweep(&opts, &AtomicBool::new(false)).expect("sweep runs");
                    assert_eq!(outcome.counts.ok, POINTS);
                    (out, outcome)
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, sweep_1000);
criterion_main!(benches);
