//! Invariants of the closed loop: blood volume, periodicity, equal mean flows, and the accuracy
//! of the metrics' quadrature.

use mitralsim::beat::{Channel, SampledBeat};
use mitralsim::metrics::{BeatContext, Metrics, METRICS_STEP_S};
use mitralsim::model::params::{ModelParams, ValveId, ValveLaw};
use mitralsim::model::state::{blood_volume_ml, regazzoni_initial_state};
use mitralsim::model::Circuit;
use mitralsim::simulate::Simulation;
use mitralsim::solver::{DenseStep, DormandPrince5, Integrator, SteadyStateSettings, Tolerances};

fn leaky(eroa_cm2: f64) -> ModelParams {
    let mut p = ModelParams::regazzoni2022().with_mynard_valves();
    if let ValveLaw::Orifice(o) = &mut p.valves[ValveId::Mitral as usize] {
        o.eroa_cm2 = eroa_cm2;
    }
    p
}

/// `params` run from the published initial state to its periodic steady state.
fn settle(params: ModelParams) -> (Circuit, Simulation) {
    let circuit = Circuit::new(params.clone());
    let y0 = circuit.with_resting_valves(regazzoni_initial_state());
    let sim = Simulation::run(params, y0, &SteadyStateSettings::default()).unwrap();
    (circuit, sim)
}

fn cases() -> Vec<(&'static str, ModelParams)> {
    vec![
        ("diode", ModelParams::regazzoni2022()),
        ("orifice", ModelParams::regazzoni2022().with_mynard_valves()),
        ("orifice, EROA 0.4", leaky(0.4)),
    ]
}

#[test]
fn blood_volume_is_conserved_to_round_off_at_every_step() {
    for (name, params) in cases() {
        let circuit = Circuit::new(params);
        let mut y = circuit.with_resting_valves(regazzoni_initial_state());
        let v0 = blood_volume_ml(&y, circuit.circulation());
        let mut solver = DormandPrince5::new(Tolerances::default());
        let mut worst: f64 = 0.0;
        for _ in 0..5 {
            solver
                .integrate(&circuit, 0.0, circuit.period_s(), &mut y, &mut |step| {
                    let v = blood_volume_ml(&step.interpolate(step.t_end()), circuit.circulation());
                    worst = worst.max((v - v0).abs());
                })
                .unwrap();
        }
        // ≈ 1600 mL summed from 8 terms: round-off is ~1e-12 relative.
        assert!(worst < 1e-9, "{name}: blood volume drifted by {worst} mL");
    }
}

#[test]
fn steady_state_is_periodic_and_mean_valve_flows_are_equal() {
    for (name, params) in cases() {
        let settings = SteadyStateSettings::default();
        let (circuit, sim) = settle(params);
        assert!(sim.steady.converged, "{name}: not converged");
        assert!(sim.steady.beats >= 2);

        let grid = SampledBeat::grid(circuit.period_s(), METRICS_STEP_S, true);
        let beat =
            SampledBeat::simulate(&circuit, sim.steady.state, &grid, settings.tolerances).unwrap();
        let net_volume = |c: Channel| {
            let q = beat.col(c);
            (1..beat.len())
                .map(|i| 0.5 * (beat.t_s[i] - beat.t_s[i - 1]) * (q[i] + q[i - 1]))
                .sum::<f64>()
        };
        let volumes: Vec<f64> = ValveId::ALL
            .iter()
            .map(|v| net_volume(Channel::flow(*v)))
            .collect();
        let spread = volumes.iter().cloned().fold(f64::MIN, f64::max)
            - volumes.iter().cloned().fold(f64::MAX, f64::min);
        // Steady to 1e-3 mL per beat and per compartment: net volumes through the 4 valves agree
        // to a few times that (trapezoid error on 0.1 ms is far smaller).
        assert!(
            spread < 0.01,
            "{name}: net valve volumes per beat {volumes:?}"
        );

        // Periodic: one more beat returns to the start, state by state, within the tolerance.
        let v_start = sim.steady.state;
        let last = beat.data.row(beat.len() - 1);
        for (i, ch) in [Channel::VLa, Channel::VLv, Channel::VRa, Channel::VRv]
            .iter()
            .enumerate()
        {
            let drift = (last[*ch as usize] - v_start[i]).abs();
            assert!(
                drift < 1e-3,
                "{name}: {:?} changes by {drift} mL over a beat",
                ch
            );
        }
    }
}

/// The metrics' 0.5 ms grid (with the crossing instants of the conditioned integrals placed by
/// interpolation, and the end-diastolic instant on the grid) against a 0.01 ms grid, on every
/// preset before and after its clip and on the default preset across heart rates and EROAs:
/// volumes, flows and areas agree to 1e-4 relative, pressures to 0.01 mmHg, and the durations
/// of events (LVET, PEP, the jet) to 1 ms — two steps of the metrics grid: an event's ends are
/// placed by linear interpolation, which a diode's near-step switch defeats by up to a step.
#[test]
fn metrics_do_not_depend_on_the_quadrature_grid() {
    let mut cases: Vec<(String, Vec<String>)> = mitralsim::scenario::builtin_presets()
        .iter()
        .map(|(name, _)| (name.to_string(), vec![]))
        .collect();
    for (hr, eroa) in [(50, 0.05), (90, 0.6)] {
        cases.push((
            "secondary-mr-hf".into(),
            vec![
                format!("heart.rate_bpm={hr}"),
                format!("valves.mitral.eroa_cm2={eroa}"),
            ],
        ));
    }
    let mut checked = 0;
    for (preset, sets) in &cases {
        let text = format!("version = 1\npreset = \"{preset}\"\n");
        let scenario = mitralsim::scenario::load_str(&text, "case.toml", None, sets).unwrap();
        let result = mitralsim::simulate::Comparison::run(&scenario).unwrap();
        for (_, sim) in result.states() {
            let fine_grid = SampledBeat::grid(sim.circuit.period_s(), 1e-5, true);
            let fine = SampledBeat::from_dense(&sim.circuit, &sim.steady.last_beat, &fine_grid);
            let reference = Metrics::from_beat(
                &fine,
                BeatContext {
                    heart_rate_bpm: sim.circuit.params().heart_rate_bpm,
                    blood_volume_ml: sim.metrics.blood_volume_ml,
                    beats_to_steady_state: sim.metrics.beats_to_steady_state,
                    converged: sim.metrics.converged,
                },
            );
            let (ours, reference) = (
                serde_json::to_value(&sim.metrics).unwrap(),
                serde_json::to_value(&reference).unwrap(),
            );
            for (key, r) in reference.as_object().unwrap() {
                let (Some(r), Some(v)) = (r.as_f64(), ours[key].as_f64()) else {
                    assert_eq!(&ours[key], r, "{preset} {sets:?}: {key}");
                    continue;
                };
                let ok = if key.ends_with("_mmhg") {
                    (v - r).abs() < 0.01
                } else if key.ends_with("_ms") {
                    (v - r).abs() <= 1.0
                } else if key.ends_with("_ml") {
                    // 1e-4 relative, and 1e-4 mL for the small ones (a closing backflow).
                    (v - r).abs() <= 1e-4 * r.abs().max(1.0)
                } else {
                    (v - r).abs() <= 1e-4 * r.abs().max(1e-2)
                };
                assert!(
                    ok,
                    "{preset} {sets:?}: {key} = {v} (metrics grid) vs {r} (0.01 ms)"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 300, "{checked} comparisons");
}
