//! Benchmarks: `mitralsim run` end to end in-process — scenario, steady states, metrics.json,
//! waveforms.csv and (unless --no-plots) the four PNG figures — for the default scenario with
//! and without figures and for `scenarios/regazzoni2022.toml --no-plots`. Run with
//! `cargo bench --bench run`; figures are in README.md ("Performance"). The process itself
//! (start-up, exit) adds ≈ 1 ms: time it with `/usr/bin/time target/release/mitralsim run`.

use criterion::{criterion_group, criterion_main, Criterion};
use mitralsim::commands::{self, RunOptions};
use mitralsim::plot::ImageFormat;
use std::path::Path;

/// The allocator of the `mitralsim` binary (see src/main.rs), so that this measures what the
/// command does.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn run(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let regazzoni = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/regazzoni2022.toml");
    let mut g = c.benchmark_group("run");
    g.sample_size(20);
    let cases: [(&str, Option<&Path>, Option<ImageFormat>); 3] = [
        ("default_with_figures", None, Some(ImageFormat::Png)),
        ("default_no_plots", None, None),
        ("regazzoni2022_no_plots", Some(&regazzoni), None),
    ];
    for (name, scenario, plots) in cases {
        let out = dir.path().join(name);
        g.bench_function(name, |b| {
            b.iter(|| {
                let opts = RunOptions {
                    scenario,
                    out: Some(&out),
                    quiet: true,
                    plots,
                    ..RunOptions::default()
                };
                let outcome = commands::run(&opts, std::io::sink()).expect("run");
                assert!(outcome.result.converged());
                outcome
            })
        });
    }
    g.finish();
}

criterion_group!(benches, run);
criterion_main!(benches);
