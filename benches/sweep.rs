//! Benchmark: the 1000-point sweeps of docs/sweeps.md, end to end — sweep file, scenario per
//! point, warm-started chains, results.csv — at 1 and 2 worker threads, each of the default
//! scenario, pre and post clip: scenarios/sweeps/eroa-hr.toml (25 heart rates × 40 EROAs, EROA
//! fastest), benches/sweeps/hr-eroa.toml (the same grid, heart rate fastest) and
//! benches/sweeps/lhs-3axes.toml (a Latin hypercube over heart rate, EROA and systemic
//! arterial resistance). Criterion's throughput is pre/post pairs per second. Run with
//! `cargo bench --bench sweep` (≈ 3 min; one design: `cargo bench --bench sweep -- lhs`);
//! figures are in docs/sweeps.md ("Performance").

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use mitralsim::sweep::{sweep, SweepOptions};
use std::path::Path;
use std::sync::atomic::AtomicBool;

/// The allocator of the `mitralsim` binary (see src/main.rs), so that this measures what the
/// command does.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Points of each benchmark sweep.
const POINTS: u64 = 1000;

/// The benchmark sweeps: name and file (relative to the repository).
const SWEEPS: [(&str, &str); 3] = [
    ("grid_eroa_fastest", "scenarios/sweeps/eroa-hr.toml"),
    ("grid_hr_fastest", "benches/sweeps/hr-eroa.toml"),
    ("lhs_3_axes", "benches/sweeps/lhs-3axes.toml"),
];

fn sweep_1000(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, relative) in SWEEPS {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
        let mut g = c.benchmark_group(format!("sweep_1000_points_{name}"));
        g.sample_size(10);
        g.throughput(Throughput::Elements(POINTS));
        for jobs in [1, 2] {
            g.bench_function(format!("jobs_{jobs}"), |b| {
                b.iter_batched(
                    || {
                        // A fresh output directory per run (a sweep never overwrites one); it
                        // is returned by the routine so that deleting it is not timed.
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
}

criterion_group!(benches, sweep_1000);
criterion_main!(benches);
