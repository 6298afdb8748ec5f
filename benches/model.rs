//! Benchmarks: right-hand side, one beat, and a full steady-state run per preset (plain and
//! accelerated search).
//! Run with `cargo bench --bench model`; figures are in README.md ("Performance").

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use mitralsim::model::{Circuit, N_STATE};
use mitralsim::scenario;
use mitralsim::simulate::{LeakGain, Simulation};
use mitralsim::solver::{run_to_steady_state, DormandPrince5, Integrator, OdeSystem, SecantMemory};
use std::hint::black_box;

fn preset(name: &str) -> scenario::Scenario {
    let (_, text) = scenario::builtin_presets()
        .iter()
        .find(|(n, _)| *n == name)
        .expect("preset");
    scenario::load_str(text, name, None, &[]).expect("valid preset")
}

const PRESETS: [&str; 4] = [
    "regazzoni2022",
    "normal",
    "primary-mr-severe",
    "secondary-mr-hf",
];

fn rhs(c: &mut Criterion) {
    let mut g = c.benchmark_group("rhs");
    for name in ["regazzoni2022", "secondary-mr-hf"] {
        let s = preset(name);
        let circuit = Circuit::new(s.params.clone());
        let y = s.initial;
        g.bench_function(name, |b| {
            let mut dy = [0.0; N_STATE];
            let mut t = 0.0;
            b.iter(|| {
                t += 1e-3;
                circuit.rhs(black_box(t), black_box(&y), &mut dy);
                black_box(&dy);
            })
        });
    }
    g.finish();
}

fn one_beat(c: &mut Criterion) {
    let mut g = c.benchmark_group("one_beat");
    for name in PRESETS {
        let s = preset(name);
        let circuit = Circuit::new(s.params.clone());
        let steady = run_to_steady_state(&circuit, s.initial, &s.solver).unwrap();
        g.bench_function(name, |b| {
            b.iter_batched(
                || {
                    (
                        DormandPrince5::<N_STATE>::new(s.solver.tolerances),
                        steady.state,
                    )
                },
                |(mut solver, mut y)| {
                    solver
                        .integrate(&circuit, 0.0, circuit.period_s(), &mut y, &mut |_| {})
                        .unwrap();
                    black_box(y)
                },
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

fn steady_state_run(c: &mut Criterion) {
    let mut g = c.benchmark_group("steady_state_run");
    g.sample_size(20);
    for name in PRESETS {
        let s = preset(name);
        g.bench_function(name, |b| {
            b.iter(|| black_box(Simulation::run(s.params.clone(), s.initial, &s.solver).unwrap()))
        });
    }
    g.finish();
}

/// The same with the Anderson-accelerated search `mitralsim run` uses.
fn steady_state_run_accelerated(c: &mut Criterion) {
    let mut g = c.benchmark_group("steady_state_run_accelerated");
    g.sample_size(20);
    for name in PRESETS {
        let s = preset(name);
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut memory = SecantMemory::new();
                let params = s.params.clone();
                let sim = Simulation::run_accelerated(
                    params,
                    s.initial,
                    None,
                    &s.solver,
                    &mut memory,
                    LeakGain::Calibrate,
                );
                black_box(sim.unwrap())
            })
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    rhs,
    one_beat,
    steady_state_run,
    steady_state_run_accelerated
);
criterion_main!(benches);
