//! `mitralsim run` finds its steady states with the Anderson-accelerated search
//! (`--convergence accelerated`, the default); this checks, on every built-in preset and for
//! both states, that it lands where the plain beat-after-beat search lands, as closely as the
//! steady-state criterion can tell two states apart, in far fewer beats.
//!
//! The bound: both searches stop at a beat that changes every compartment volume by less than
//! `solver.steady_tol_ml`. The beat-to-beat map contracts by λ ≈ 0.78 per beat along its slowest
//! mode (docs/sweeps.md), so such a state may still be up to tol/(1 − λ) ≈ 4.5·tol from the
//! periodic state, and two of them up to ≈ 9·tol apart. Measured (2026-11-29): at most 6.3e-3 mL
//! (6.3·tol, two-clips-small-valve post-clip), every metric within 1.2e-4 relative.

use mitralsim::model::state::compartment_volumes_ml;
use mitralsim::scenario;
use mitralsim::simulate::{Comparison, Search, REFLEX_TOL_MMHG};

#[test]
fn accelerated_run_lands_where_the_plain_search_does_on_every_preset() {
    let (mut beats_fast, mut beats_plain) = (0, 0);
    for (name, text) in scenario::builtin_presets() {
        let s = scenario::load_str(text, name, None, &[]).expect("a valid preset");
        let tol_ml = s.solver.tol_ml;
        let fast = Comparison::run_with(&s, Search::Accelerated).expect("accelerated run");
        let plain = Comparison::run_with(&s, Search::Plain).expect("plain run");
        for ((state, a), (_, p)) in fast.states().zip(plain.states()) {
            let what = format!("{name} {state}");
            assert!(a.steady.converged && p.steady.converged, "{what}");
            assert!(
                a.steady.last_change_ml < tol_ml,
                "{what}: the same criterion"
            );
            beats_fast += a.steady.beats;
            beats_plain += p.steady.beats;

            let circ = a.circuit.circulation();
            let (va, vp) = (
                compartment_volumes_ml(&a.steady.state, circ),
                compartment_volumes_ml(&p.steady.state, circ),
            );
            // With a baroreflex, each search's sensed pressure agrees with its beat's to
            // REFLEX_TOL_MMHG, which leaves the stressed volume free by the reflex's volume
            // slope times twice that.
            let reflex_ml = s.params.reflex.map_or(0.0, |r| {
                2.0 * REFLEX_TOL_MMHG * r.venous_volume_ml / r.slope_mmhg
            });
            for (x, y) in va.iter().zip(&vp) {
                assert!(
                    (x - y).abs() < 10.0 * tol_ml + reflex_ml,
                    "{what}: volumes {va:?} (accelerated) vs {vp:?} (plain)"
                );
            }

            let (ma, mp) = (
                serde_json::to_value(&a.metrics).expect("metrics"),
                serde_json::to_value(&p.metrics).expect("metrics"),
            );
            let mut compared = 0;
            for (key, x) in ma.as_object().expect("an object") {
                if key == "beats_to_steady_state" {
                    continue;
                }
                let (Some(x), Some(y)) = (x.as_f64(), mp[key].as_f64()) else {
                    assert_eq!(x, &mp[key], "{what}: {key}");
                    continue;
                };
                compared += 1;
                // Durations of events are placed on the 0.5 ms metrics grid: 1 ms.
                let tolerance = if key.ends_with("_ms") {
                    1.0
                } else {
                    5e-4 * y.abs().max(1.0)
                };
                assert!(
                    (x - y).abs() <= tolerance,
                    "{what}: {key} = {x} (accelerated) vs {y} (plain)"
                );
            }
            assert!(compared > 20, "{what}: only {compared} numeric metrics");
        }
    }
    // Measured: 88 beats against 309.
    assert!(
        3 * beats_fast < beats_plain,
        "accelerated {beats_fast} beats vs plain {beats_plain}"
    );
}
