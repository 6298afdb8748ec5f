//! Periodic steady state: integrate beat after beat until nothing changes from one beat to the
//! next, and hand back that last beat (its dense solution) to be measured.
//!
//! Why here and not in the model: "steady" is a property of the solution map over one RR
//! interval, whatever the model. The measure of change is in mL (the volumes of the 8 compliant
//! compartments), a unit a physiologist can judge: the default 1e-3 mL is far below anything
//! echo or a catheter could see.

use super::{DenseBeat, DormandPrince5, Integrator, SolverError, SolverStats, Tolerances};
use crate::model::params::CirculationParams;
use crate::model::state::{blood_volume_ml, compartment_volumes_ml, P_VEN_PUL};
use crate::model::{Circuit, State, N_STATE};

/// How to look for the periodic steady state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SteadyStateSettings {
    pub tolerances: Tolerances,
    /// Stop and report "not converged" after this many beats.
    pub max_beats: u32,
    /// Converged when every compartment volume changes by less than this over a beat (mL).
    pub tol_ml: f64,
}

impl Default for SteadyStateSettings {
    fn default() -> Self {
        Self {
            tolerances: Tolerances::default(),
            max_beats: 300,
            tol_ml: 1e-3,
        }
    }
}

/// Where the beat-to-beat iteration ended.
#[derive(Debug, Clone, PartialEq)]
pub struct SteadyState {
    /// The last beat integrated: the one whose change fell below the tolerance (or the last of
    /// `max_beats`). Metrics and waveforms are this beat.
    pub last_beat: DenseBeat<N_STATE>,
    /// State at the end of `last_beat`, where the next beat would start: the periodic state at a
    /// beat boundary (warm starts, the post-clip run).
    pub state: State,
    /// Beats integrated until the change fell below the tolerance (or the limit).
    pub beats: u32,
    pub converged: bool,
    /// Largest compartment volume change over the last beat (mL).
    pub last_change_ml: f64,
    pub stats: SolverStats,
}

/// Integrate from `y0` until the periodic steady state (or `max_beats`).
pub fn run_to_steady_state(
    circuit: &Circuit,
    y0: State,
    settings: &SteadyStateSettings,
) -> Result<SteadyState, SolverError> {
    let period = circuit.period_s();
    let mut solver = DormandPrince5::<N_STATE>::new(settings.tolerances);
    let mut last_beat = DenseBeat::new(period);
    let mut y = y0;
    let mut before = compartment_volumes_ml(&y, circuit.circulation());
    let mut last_change_ml = f64::INFINITY;
    for beat in 1..=settings.max_beats {
        last_beat.integrate(&mut solver, circuit, &mut y)?;
        let after = compartment_volumes_ml(&y, circuit.circulation());
        last_change_ml = max_abs(&std::array::from_fn::<f64, 8, _>(|i| after[i] - before[i]));
        if !last_change_ml.is_finite() {
            return Err(SolverError::NonFinite { t_s: period });
        }
        before = after;
        super::progress::beat_done(beat, last_change_ml);
        if last_change_ml < settings.tol_ml {
            return Ok(SteadyState::ended(
                last_beat,
                beat,
                true,
                last_change_ml,
                &solver,
            ));
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

impl SteadyState {
    /// The result of a search that ended with `last_beat`.
    pub(super) fn ended(
        last_beat: DenseBeat<N_STATE>,
        beats: u32,
        converged: bool,
        last_change_ml: f64,
        solver: &DormandPrince5<N_STATE>,
    ) -> Self {
        Self {
            state: *last_beat.end(),
            last_beat,
            beats,
            converged,
            last_change_ml,
            stats: solver.stats(),
        }
    }
}

/// Largest absolute value.
pub(crate) fn max_abs(v: &[f64]) -> f64 {
    v.iter().map(|d| d.abs()).fold(0.0, f64::max)
}

/// `y` with its 8 compartment volumes scaled by one factor so that they add up to `total_ml`
/// (flows and valve states kept): how a warm or extrapolated state is put back on a given blood
/// volume.
pub fn with_blood_volume(mut y: State, circ: &CirculationParams, total_ml: f64) -> State {
    let now = blood_volume_ml(&y, circ);
    if now > 0.0 && now.is_finite() && now != total_ml {
        let scale = total_ml / now;
        for v in &mut y[..=P_VEN_PUL] {
            *v *= scale;
        }
    }
    y
}

/// Integrate one beat from `y0` (at t = 0) and return the state at each of `times_s` (sorted,
/// within [0, RR]).
pub fn sample_beat(
    circuit: &Circuit,
    y0: State,
    times_s: &[f64],
    tolerances: Tolerances,
) -> Result<Vec<State>, SolverError> {
    let mut solver = DormandPrince5::<N_STATE>::new(tolerances);
    let mut beat = DenseBeat::new(circuit.period_s());
    let mut y = y0;
    beat.integrate(&mut solver, circuit, &mut y)?;
    Ok(beat.sample(times_s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::state::{blood_volume_ml, regazzoni_initial_state};
    use crate::model::ModelParams;

    fn circuit(heart_rate_bpm: f64) -> Circuit {
        let mut params = ModelParams::regazzoni2022().with_mynard_valves();
        params.heart_rate_bpm = heart_rate_bpm;
        Circuit::new(params)
    }

    #[test]
    fn blood_volume_projection_is_exact_to_round_off() {
        let c = circuit(75.0);
        let y = c.with_resting_valves(regazzoni_initial_state());
        let circ = c.circulation();
        let moved = with_blood_volume(y, circ, 1234.5);
        assert!((blood_volume_ml(&moved, circ) - 1234.5).abs() < 1e-9);
        assert_eq!(
            moved[P_VEN_PUL + 1..],
            y[P_VEN_PUL + 1..],
            "flows and valves kept"
        );
    }

    /// Regression: at 65 bpm the closed metrics grid ends one ulp after RR, the last sample was
    /// missing and Metrics::from_beat indexed out of bounds (`mitralsim run --set
    /// heart.rate_bpm=65` panicked).
    #[test]
    fn a_grid_ending_an_ulp_past_rr_is_fully_sampled() {
        let c = circuit(65.0);
        let period = c.period_s();
        let n = (period / 1e-4).ceil() as usize;
        let times: Vec<f64> = (0..=n).map(|k| period * k as f64 / n as f64).collect();
        assert!(times[n] > period, "the grid of this test must overshoot RR");
        let y0 = c.with_resting_valves(regazzoni_initial_state());
        let states = sample_beat(&c, y0, &times, Tolerances::default()).expect("one beat");
        assert_eq!(states.len(), times.len());
    }
}
