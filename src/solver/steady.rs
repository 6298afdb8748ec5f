//! Periodic steady state: integrate beat after beat until nothing changes from one beat to the
//! next, then sample the converged beat.
//!
//! Why here and not in the model: "steady" is a property of the solution map over one RR
//! interval, whatever the model. The measure of change is in mL (the volumes of the 8 compliant
//! compartments), a unit a physiologist can judge: the default 1e-3 mL is far below anything
//! echo or a catheter could see.

use super::{DormandPrince5, Integrator, SolverError, SolverStats, Tolerances};
use crate::model::state::compartment_volumes_ml;
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
    /// State at the start of the converged beat (t = 0 of a beat).
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
    let mut y = y0;
    let mut before = compartment_volumes_ml(&y, circuit.circulation());
    let mut last_change_ml = f64::INFINITY;
    for beat in 1..=settings.max_beats {
        solver.integrate(circuit, 0.0, period, &mut y, &mut |_| {})?;
        let after = compartment_volumes_ml(&y, circuit.circulation());
        last_change_ml = before
            .iter()
            .zip(&after)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        if !last_change_ml.is_finite() {
            return Err(SolverError::NonFinite { t_s: period });
        }
        before = after;
        if last_change_ml < settings.tol_ml {
            return Ok(SteadyState {
                state: y,
                beats: beat,
                converged: true,
                last_change_ml,
                stats: solver.stats(),
            });
        }
    }
    Ok(SteadyState {
        state: y,
        beats: settings.max_beats,
        converged: false,
        last_change_ml,
        stats: solver.stats(),
    })
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
    let mut y = y0;
    let mut out = Vec::with_capacity(times_s.len());
    let mut next = 0;
    while next < times_s.len() && times_s[next] <= 0.0 {
        out.push(y0);
        next += 1;
    }
    solver.integrate(circuit, 0.0, circuit.period_s(), &mut y, &mut |step| {
        while next < times_s.len() && times_s[next] <= step.t_end() {
            out.push(step.interpolate(times_s[next]));
            next += 1;
        }
    })?;
    Ok(out)
}
