//! One patient state run to its periodic steady state, with its metrics.
//!
//! Why: the CLI, the clip comparison and the sweeps all do the same thing: build the circuit,
//! iterate beats to steady state, sample the converged beat and measure it. This is that,
//! once.

use crate::beat::SampledBeat;
use crate::metrics::{BeatContext, Metrics, METRICS_STEP_S};
use crate::model::state::blood_volume_ml;
use crate::model::{Circuit, ModelParams, State};
use crate::solver::{run_to_steady_state, SolverError, SteadyState, SteadyStateSettings};

/// Result of one run.
#[derive(Debug, Clone)]
pub struct Simulation {
    pub circuit: Circuit,
    pub steady: SteadyState,
    pub metrics: Metrics,
    settings: SteadyStateSettings,
}

impl Simulation {
    /// Run `params` from `initial` (a full state) to steady state and measure the last beat.
    pub fn run(
        params: ModelParams,
        initial: State,
        settings: &SteadyStateSettings,
    ) -> Result<Self, SolverError> {
        let circuit = Circuit::new(params);
        let steady = run_to_steady_state(&circuit, initial, settings)?;
        let grid = SampledBeat::grid(circuit.period_s(), METRICS_STEP_S, true);
        let beat = SampledBeat::simulate(&circuit, steady.state, &grid, settings.tolerances)?;
        let metrics = Metrics::from_beat(
            &beat,
            BeatContext {
                heart_rate_bpm: circuit.params().heart_rate_bpm,
                blood_volume_ml: blood_volume_ml(&steady.state, circuit.circulation()),
                beats_to_steady_state: steady.beats,
                converged: steady.converged,
            },
        );
        Ok(Self {
            circuit,
            steady,
            metrics,
            settings: *settings,
        })
    }

    /// The converged beat at a fixed output step (waveforms.csv).
    pub fn waveforms(&self, step_s: f64) -> Result<SampledBeat, SolverError> {
        let grid = SampledBeat::grid(self.circuit.period_s(), step_s, false);
        SampledBeat::simulate(
            &self.circuit,
            self.steady.state,
            &grid,
            self.settings.tolerances,
        )
    }
}
