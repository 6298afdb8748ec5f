//! Benchmark: a 64-point sweep of the default scenario (pre and post clip), end to end — sweep
//! file, scenario per point, warm-started chains, results.csv — at 1 and 2 worker threads.
//! Criterion's throughput is pre/post pairs per second. Run with `cargo bench --bench sweep`;
//! figures are in docs/sweeps.md ("Performance").

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use mitralsim::sweep::{sweep, SweepOptions};
use std::path::Path;
use std::sync::atomic::AtomicBool;

const POINTS: u64 = 64;

fn sweep_64(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/secondary-mr-hf.toml");
    let file = dir.path().join("bench.toml");
    std::fs::write(
        &file,
        format!(
            "version = 1\nscenario = '{}'\n\
             [[axes]]\nkey = \"heart.rate_bpm\"\nvalues = [70, 80]\n\
             [[axes]]\nkey = \"valves.mitral.eroa_cm2\"\nlinspace = [0.2, 0.6, 32]\n",
            scenario.display()
        ),
    )
    .expect("sweep file");
    let mut g = c.benchmark_group("sweep_64_points");
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
                        sweep_file: file.clone(),
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

criterion_group!(benches, sweep_64);
criterion_main!(benches);
