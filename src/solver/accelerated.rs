//! The periodic steady state in a few beats: Anderson-accelerated beats, on a frozen step grid
//! near the fixed point. For sweeps, where each point starts next to its neighbour's solution.
//!
//! Why: the beat-to-beat map contracts by only λ ≈ 0.78 per beat along its slowest mode (blood
//! shifting between the systemic and pulmonary beds), so plain iteration needs tens of beats.
//! Anderson acceleration extrapolates towards the fixed point from secant pairs of earlier beats
//! (this run's and, carried over in [`SecantMemory`], a neighbouring run's). Two things make the
//! extrapolation work:
//! - it acts on the whole state (volumes, flows, valve openings): the volumes alone do not
//!   determine the next beat, and an update of the volumes only is not a secant method;
//! - near the fixed point every beat is integrated over the same steps, those of the last adaptive
//!   beat (while each step still meets the tolerances): an adaptive integration moves its steps
//!   when the start moves, which makes the map jump by the size of the integration error — on
//!   the default preset, moving 1e-6 mL from the RA to the LA at the start moves the LA volume
//!   at the end of an adaptive beat by ~1e-4 mL, of a frozen-step beat by 1e-8 mL (the test
//!   `frozen_steps_make_the_beat_map_smooth`) — noise that secants cannot see through at a
//!   1e-3 mL criterion.

use super::anderson::{Coords, SecantMemory};
use super::steady::{max_abs, with_blood_volume, SteadyState, SteadyStateSettings};
use super::{DenseBeat, DormandPrince5, SolverError};
use crate::model::params::CirculationParams;
use crate::model::state::{
    blood_volume_ml, compartment_volumes_ml, with_compartment_volumes, Q_AR_SYS, VALVE_ZETA,
};
use crate::model::{Circuit, State, N_STATE};

/// Flows enter the extrapolation as the volume they move in this time (mL/s · s = mL), so that
/// all coordinates are of the size of the volumes the criterion is about.
const FLOW_SCALE_S: f64 = 1e-2;
/// Valve openings (0 to 1) enter as this many mL.
const OPENING_SCALE_ML: f64 = 1.0;
/// Once a beat changes every compartment volume by less than this (mL), the next beats reuse
/// the steps of the last adaptive beat. Further away, steps move with the solution anyway.
const FREEZE_BELOW_ML: f64 = 0.05;
/// A secant pair is kept only if its Δx (largest coordinate) is at least this many `tol_ml`:
/// below, round-off (and, across an adaptive beat, integration error) swamps it.
const MIN_STEP_TOLS: f64 = 0.01;
/// A beat over frozen steps whose error norm is above 1 but at most this still chooses the next
/// start (it cannot count as the converged beat); above it, the beat is integrated again
/// adaptively.
const SEARCH_ERR_MAX: f64 = 10.0;
/// Beats without a new smallest change after which the secant memory is dropped.
const STALL_BEATS: u32 = 3;

/// The state as extrapolation coordinates: 8 compartment volumes (mL), 8 flows (mL/s ×
/// [`FLOW_SCALE_S`]), 4 valve openings (× [`OPENING_SCALE_ML`]).
fn coords(y: &State, circ: &CirculationParams) -> Coords {
    let volumes = compartment_volumes_ml(y, circ);
    std::array::from_fn(|i| match i {
        _ if i < Q_AR_SYS => volumes[i],
        _ if i < VALVE_ZETA => y[i] * FLOW_SCALE_S,
        _ => y[i] * OPENING_SCALE_ML,
    })
}

/// The change f = F(x) − x of the coordinates over a beat from `x` to `y`.
fn change(x: &Coords, y: &State, circ: &CirculationParams) -> Coords {
    let end = coords(y, circ);
    std::array::from_fn(|i| end[i] - x[i])
}

/// The state at extrapolation coordinates `x`, its openings kept within [0, 1] and its volumes
/// put on `total_ml` (so that extrapolation conserves blood to round-off).
fn state_at(x: &Coords, circ: &CirculationParams, total_ml: f64) -> State {
    let mut y: State = std::array::from_fn(|i| match i {
        _ if i < Q_AR_SYS => 0.0,
        _ if i < VALVE_ZETA => x[i] / FLOW_SCALE_S,
        _ => (x[i] / OPENING_SCALE_ML).clamp(0.0, 1.0),
    });
    y = with_compartment_volumes(y, circ, &std::array::from_fn(|i| x[i]));
    with_blood_volume(y, circ, total_ml)
}

/// Like [`super::run_to_steady_state`], with Anderson acceleration of the beat-to-beat map.
///
/// Every beat is still a *plain* beat from its start state — only the start states are chosen:
/// the next start is the Anderson extrapolation of the state (see the module). The convergence
/// criterion is unchanged — every compartment volume changes by less than `tol_ml` over one
/// beat whose every step met the solver's tolerances — and that beat is the one returned. Beats
/// run over the steps of the last adaptive beat once the change is below [`FREEZE_BELOW_ML`]; a
/// beat whose frozen steps miss the tolerances is integrated again adaptively (and gives the new
/// steps). If a jump doubles the change, or three beats bring no new smallest change, the memory
/// is dropped and the next beat starts from the plain end state.
pub fn run_to_steady_state_accelerated(
    circuit: &Circuit,
    y0: State,
    settings: &SteadyStateSettings,
    memory: &mut SecantMemory,
) -> Result<SteadyState, SolverError> {
    let period = circuit.period_s();
    let circ = circuit.circulation();
    let total_ml = blood_volume_ml(&y0, circ);
    let min_step = MIN_STEP_TOLS * settings.tol_ml;
    let mut solver = DormandPrince5::<N_STATE>::new(settings.tolerances);
    let mut last_beat = DenseBeat::new(period);
    // Step times of the last adaptive beat.
    let mut frozen_steps: Option<Vec<f64>> = None;
    let mut y = y0;
    let mut last_change_ml = f64::INFINITY;
    let mut best_ml = f64::INFINITY;
    let mut since_best = 0;
    // Start and change of the previous beat of this run.
    let mut previous: Option<(Coords, Coords)> = None;
    for beat in 1..=settings.max_beats {
        let x = coords(&y, circ);
        let start = y;
        let frozen_err = match &frozen_steps {
            Some(times) if last_change_ml < FREEZE_BELOW_ML => last_beat
                .integrate_on_steps(&mut solver, circuit, &mut y, times)
                .ok(),
            _ => None,
        };
        // Whether every step of the beat met the tolerances.
        let mut exact = true;
        match frozen_err {
            Some(err) if err <= 1.0 => {}
            Some(err) if err <= SEARCH_ERR_MAX => {
                // Good enough to choose the next start; the next beat adapts its steps again.
                exact = false;
                frozen_steps = None;
            }
            _ => {
                y = start;
                last_beat.integrate(&mut solver, circuit, &mut y)?;
                frozen_steps = Some(last_beat.step_times_s());
            }
        }
        let mut f = change(&x, &y, circ);
        if !exact && max_abs(&f[..Q_AR_SYS]) < settings.tol_ml {
            // Converged by a beat that may have missed the tolerances: confirm adaptively.
            y = start;
            last_beat.integrate(&mut solver, circuit, &mut y)?;
            frozen_steps = Some(last_beat.step_times_s());
            f = change(&x, &y, circ);
        }
        let change_ml = max_abs(&f[..Q_AR_SYS]);
        if !change_ml.is_finite() {
            return Err(SolverError::NonFinite { t_s: period });
        }
        if change_ml < settings.tol_ml {
            return Ok(SteadyState::ended(
                last_beat, beat, true, change_ml, &solver,
            ));
        }
        if change_ml < best_ml {
            (best_ml, since_best) = (change_ml, 0);
        } else {
            since_best += 1;
        }
        let diverging = change_ml > 2.0 * last_change_ml || since_best >= STALL_BEATS;
        last_change_ml = change_ml;
        if diverging {
            // The jumps do not help: the secants do not describe this map. Drop them and go
            // on from the plain end state.
            memory.clear();
            previous = None;
            (best_ml, since_best) = (change_ml, 0);
            continue;
        }
        if let Some((xp, fp)) = previous {
            let dx: Coords = std::array::from_fn(|i| x[i] - xp[i]);
            if max_abs(&dx) >= min_step {
                memory.push(dx, std::array::from_fn(|i| f[i] - fp[i]));
            }
        }
        previous = Some((x, f));
        if memory.is_empty() {
            continue;
        }
        match memory.next_iterate(&x, &f) {
            Some(next) => y = state_at(&next, circ, total_ml),
            None => memory.clear(),
        }
    }
    Ok(SteadyState::ended(
        last_beat,
        settings.max_beats,
        false,
        last_change_ml,
        &solver,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solver::run_to_steady_state;

    /// The default preset (secondary MR in a failing LV) at `heart_rate_bpm`, and its start.
    fn default_preset(heart_rate_bpm: f64) -> (Circuit, State, SteadyStateSettings) {
        let s = crate::scenario::load(None, &[]).expect("the default preset loads");
        let mut params = s.params.clone();
        params.heart_rate_bpm = heart_rate_bpm;
        (Circuit::new(params), s.initial, s.solver)
    }

    #[test]
    fn coordinates_round_trip() {
        let (c, y0, _) = default_preset(75.0);
        let circ = c.circulation();
        let y = c.with_resting_valves(y0);
        let back = state_at(&coords(&y, circ), circ, blood_volume_ml(&y, circ));
        for (a, b) in y.iter().zip(&back) {
            assert!(
                (a - b).abs() <= 1e-12 * a.abs().max(1.0),
                "{y:?} vs {back:?}"
            );
        }
    }

    #[test]
    fn accelerated_search_meets_the_same_criterion_in_fewer_beats() {
        let (c, y0, settings) = default_preset(75.0);
        let plain = run_to_steady_state(&c, y0, &settings).expect("plain");
        let mut memory = SecantMemory::new();
        let fast = run_to_steady_state_accelerated(&c, y0, &settings, &mut memory).expect("fast");
        assert!(plain.converged && fast.converged);
        assert!(fast.last_change_ml < settings.tol_ml);
        assert!(
            2 * fast.beats < plain.beats,
            "{} accelerated beats vs {} plain",
            fast.beats,
            plain.beats
        );
        let circ = c.circulation();
        let v0 = blood_volume_ml(&y0, circ);
        assert!((blood_volume_ml(&fast.state, circ) - v0).abs() < 1e-9);
        // The same periodic state, within what the tolerance can tell apart.
        let (a, b) = (
            compartment_volumes_ml(&plain.state, circ),
            compartment_volumes_ml(&fast.state, circ),
        );
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() < 0.05, "{a:?} vs {b:?}");
        }
        // A neighbouring map, started from this state with this memory: a few beats.
        let (next, _, _) = default_preset(76.0);
        let warm = run_to_steady_state_accelerated(&next, fast.state, &settings, &mut memory)
            .expect("warm");
        assert!(warm.converged && warm.beats <= 12, "{} beats", warm.beats);
    }

    /// The claim of the module: over frozen steps the end of a beat responds linearly to its
    /// start; an adaptive beat responds with noise the size of its integration error.
    #[test]
    fn frozen_steps_make_the_beat_map_smooth() {
        let (c, y0, settings) = default_preset(75.0);
        let mut memory = SecantMemory::new();
        let steady =
            run_to_steady_state_accelerated(&c, y0, &settings, &mut memory).expect("converges");
        let start = steady.state;
        let steps = steady.last_beat.step_times_s();
        let end_la = |d_ml: f64, frozen: bool| {
            let mut y = start;
            y[0] += d_ml; // LA
            y[2] -= d_ml; // RA
            let mut solver = DormandPrince5::new(settings.tolerances);
            let mut beat = DenseBeat::new(c.period_s());
            if frozen {
                beat.integrate_on_steps(&mut solver, &c, &mut y, &steps)
                    .expect("frozen beat");
            } else {
                beat.integrate(&mut solver, &c, &mut y)
                    .expect("adaptive beat");
            }
            y[0]
        };
        let slope = |d: f64, frozen: bool| (end_la(d, frozen) - end_la(0.0, frozen)) / d;
        let reference = slope(1e-3, true);
        for d in [1e-6, 1e-5, 1e-4, 1e-2] {
            let s = slope(d, true);
            assert!(
                (s - reference).abs() < 1e-3 * reference.abs() + 1e-4,
                "frozen: slope {s} at {d} mL vs {reference}"
            );
        }
        // Adaptive: nudges of a few 1e-6 mL move the end by far more (noise, not slope).
        let jump = [1e-6, 2e-6, 5e-6]
            .iter()
            .map(|d| (end_la(*d, false) - end_la(0.0, false)).abs())
            .fold(0.0, f64::max);
        assert!(jump > 1e-5, "adaptive beat moved by only {jump} mL");
    }
}
