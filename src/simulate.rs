//! One patient state run to its periodic steady state, with its metrics.
//!
//! Why: the CLI, the clip comparison and the sweeps all do the same thing: build the circuit,
//! iterate beats to steady state, sample the converged beat and measure it. This is that,
//! once.

use crate::beat::SampledBeat;
use crate::metrics::{BeatContext, Metrics, METRICS_STEP_S};
use crate::model::repair::{RepairError, RepairOutcome};
use crate::model::state::blood_volume_ml;
use crate::model::{Circuit, ModelParams, State};
use crate::scenario::Scenario;
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

/// A patient before and, when the scenario places a clip, after the repair.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub pre: Simulation,
    pub post: Option<PostClip>,
}

/// The repaired state.
#[derive(Debug, Clone)]
pub struct PostClip {
    pub sim: Simulation,
    pub repair: RepairOutcome,
}

/// Why a scenario could not be simulated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RunError {
    #[error("{state}-clip state: {source}")]
    Solver {
        state: &'static str,
        source: SolverError,
    },
    #[error("clip: {0}")]
    Repair(#[from] RepairError),
}

impl Comparison {
    /// Run the scenario to steady state; with a clip, run the repaired valve too, starting from
    /// the pre-clip steady state: the same patient (same blood volume), acutely repaired.
    pub fn run(scenario: &Scenario) -> Result<Self, RunError> {
        let solver_err = |state| move |source| RunError::Solver { state, source };
        let pre = Simulation::run(scenario.params.clone(), scenario.initial, &scenario.solver)
            .map_err(solver_err("pre"))?;
        let post = match &scenario.clip {
            None => None,
            Some(repair) => {
                let (params, outcome) = repair.apply(&scenario.params)?;
                let sim = Simulation::run(params, pre.steady.state, &scenario.solver)
                    .map_err(solver_err("post"))?;
                Some(PostClip {
                    sim,
                    repair: outcome,
                })
            }
        };
        Ok(Self { pre, post })
    }

    /// Both states reached their periodic steady state.
    pub fn converged(&self) -> bool {
        self.pre.steady.converged && self.post.as_ref().is_none_or(|p| p.sim.steady.converged)
    }
}
