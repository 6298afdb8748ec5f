//! One patient state run to its periodic steady state, with its metrics.
//!
//! Why: the CLI, the clip comparison and the sweeps all do the same thing: build the circuit,
//! iterate beats to steady state, sample the converged beat and measure it. This is that,
//! once.

use crate::beat::SampledBeat;
use crate::metrics::{metrics_grid, BeatContext, Metrics};
use crate::model::params::ValveId;
use crate::model::repair::{RepairError, RepairOutcome};
use crate::model::state::{blood_volume_ml, valve_flow, valve_opening};
use crate::model::{Circuit, ModelParams, State};
use crate::scenario::Scenario;
use crate::solver::steady::with_blood_volume;
use crate::solver::{run_to_steady_state, SolverError, SteadyState, SteadyStateSettings};
use crate::solver::{run_to_steady_state_accelerated, SecantMemory};

/// Result of one run.
#[derive(Debug, Clone)]
pub struct Simulation {
    pub circuit: Circuit,
    pub steady: SteadyState,
    pub metrics: Metrics,
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
        Ok(Self::measure(circuit, steady))
    }

    /// Like [`Simulation::run`], but from a warm start (a neighbouring point's converged state,
    /// put on the blood volume of `initial`) and with the Anderson-accelerated steady-state
    /// search, which carries `memory` from run to run (see
    /// [`run_to_steady_state_accelerated`]). For sweeps.
    pub fn run_accelerated(
        params: ModelParams,
        initial: State,
        warm: Option<&State>,
        settings: &SteadyStateSettings,
        memory: &mut SecantMemory,
    ) -> Result<Self, SolverError> {
        let circuit = Circuit::new(params);
        let start = match warm {
            Some(warm) => warm_state(&circuit, warm, &initial),
            None => initial,
        };
        let steady = run_to_steady_state_accelerated(&circuit, start, settings, memory)?;
        Ok(Self::measure(circuit, steady))
    }

    /// Sample the converged beat (the last one the steady-state search integrated) and compute
    /// its metrics.
    fn measure(circuit: Circuit, steady: SteadyState) -> Self {
        let beat = SampledBeat::from_dense(&circuit, &steady.last_beat, &metrics_grid(&circuit));
        let metrics = Metrics::from_beat(
            &beat,
            BeatContext {
                heart_rate_bpm: circuit.params().heart_rate_bpm,
                blood_volume_ml: blood_volume_ml(&steady.state, circuit.circulation()),
                beats_to_steady_state: steady.beats,
                converged: steady.converged,
            },
        );
        Self {
            circuit,
            steady,
            metrics,
        }
    }

    /// The converged beat — the one the metrics describe — at a fixed output step
    /// (waveforms.csv).
    pub fn waveforms(&self, step_s: f64) -> SampledBeat {
        let grid = SampledBeat::grid(self.circuit.period_s(), step_s, false);
        SampledBeat::from_dense(&self.circuit, &self.steady.last_beat, &grid)
    }
}

/// `warm` as a start state for `circuit`: on the blood volume of `initial`, with the slots of a
/// diode valve at their constant resting values (the neighbour may have had an orifice there).
fn warm_state(circuit: &Circuit, warm: &State, initial: &State) -> State {
    let rest = circuit.with_resting_valves(*warm);
    let mut y = *warm;
    for id in ValveId::ALL {
        if !circuit.valve_law(id).is_orifice() {
            for slot in [valve_flow(id), valve_opening(id)] {
                y[slot] = rest[slot];
            }
        }
    }
    let total_ml = blood_volume_ml(initial, circuit.circulation());
    with_blood_volume(y, circuit.circulation(), total_ml)
}

/// Start states for [`Comparison::run_accelerated`]: a neighbouring point's converged states.
#[derive(Debug, Clone, PartialEq)]
pub struct WarmStart {
    /// Start of the pre-clip state (put on the scenario's blood volume).
    pub pre: State,
    /// Start of the post-clip state; `None`: the pre-clip steady state, as in [`Comparison::run`].
    pub post: Option<State>,
}

/// The secant memories carried from point to point along a sweep chunk, one per state (the pre-
/// and post-clip beat maps differ).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChainMemory {
    pub pre: SecantMemory,
    pub post: SecantMemory,
}

/// How `mitralsim run` looks for each state's periodic steady state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Search {
    /// Anderson-accelerated beats ([`run_to_steady_state_accelerated`]): the same criterion in
    /// a fraction of the beats; a state whose accelerated search fails or does not converge is
    /// searched again plainly.
    #[default]
    Accelerated,
    /// Beat after beat until the criterion is met ([`run_to_steady_state`]).
    Plain,
}

impl Search {
    pub fn as_str(self) -> &'static str {
        match self {
            Search::Accelerated => "accelerated",
            Search::Plain => "plain",
        }
    }
}

impl std::str::FromStr for Search {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "accelerated" => Ok(Search::Accelerated),
            "plain" => Ok(Search::Plain),
            _ => Err(format!("{s:?}: expected accelerated or plain")),
        }
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

/// Which of the two simulated states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Repaired {
    Pre,
    Post,
}

impl Repaired {
    fn label(self) -> &'static str {
        match self {
            Repaired::Pre => "pre",
            Repaired::Post => "post",
        }
    }
}

impl Comparison {
    /// Run the scenario to steady state; with a clip, run the repaired valve too, starting from
    /// the pre-clip steady state: the same patient (same blood volume), acutely repaired.
    pub fn run(scenario: &Scenario) -> Result<Self, RunError> {
        Self::pre_then_post(scenario, |_, params, initial| {
            Simulation::run(params, initial, &scenario.solver)
        })
    }

    /// [`Comparison::run`] with the steady-state search `search`, both states from the
    /// scenario's own start (the scenario's initial state, then the pre-clip steady state).
    /// Accelerated: each state's search carries its own secant memory; if it fails or does not
    /// converge, the state is searched again exactly as [`Comparison::run`] does. The steady
    /// states are the same periodic states as [`Comparison::run`]'s within the solver's
    /// `tol_ml` (tests/accelerated_run.rs), not bit for bit.
    pub fn run_with(scenario: &Scenario, search: Search) -> Result<Self, RunError> {
        if search == Search::Plain {
            return Self::run(scenario);
        }
        let mut memory = ChainMemory::default();
        Self::pre_then_post(scenario, |state, params, initial| {
            let memory = match state {
                Repaired::Pre => &mut memory.pre,
                Repaired::Post => &mut memory.post,
            };
            match Simulation::run_accelerated(
                params.clone(),
                initial,
                None,
                &scenario.solver,
                memory,
            ) {
                Ok(sim) if sim.steady.converged => Ok(sim),
                _ => Simulation::run(params, initial, &scenario.solver),
            }
        })
    }

    /// Like [`Comparison::run`], from `warm` states (`None`: the scenario's initial state) and
    /// with the accelerated steady-state search. The steady states found are the same periodic
    /// states within the solver's `tol_ml`, not bit for bit those of `run`.
    pub fn run_accelerated(
        scenario: &Scenario,
        warm: Option<&WarmStart>,
        memory: &mut ChainMemory,
    ) -> Result<Self, RunError> {
        Self::pre_then_post(scenario, |state, params, initial| {
            let (warm_state, memory) = match state {
                Repaired::Pre => (warm.map(|w| &w.pre), &mut memory.pre),
                Repaired::Post => (
                    Some(warm.and_then(|w| w.post.as_ref()).unwrap_or(&initial)),
                    &mut memory.post,
                ),
            };
            Simulation::run_accelerated(params, initial, warm_state, &scenario.solver, memory)
        })
    }

    /// The sequence both runs share: `simulate` the patient from the scenario's initial state,
    /// then, with a clip, the repaired valve from the pre-clip steady state.
    fn pre_then_post(
        scenario: &Scenario,
        mut simulate: impl FnMut(Repaired, ModelParams, State) -> Result<Simulation, SolverError>,
    ) -> Result<Self, RunError> {
        let solver_err = |state: Repaired| {
            move |source| RunError::Solver {
                state: state.label(),
                source,
            }
        };
        let pre = simulate(Repaired::Pre, scenario.params.clone(), scenario.initial)
            .map_err(solver_err(Repaired::Pre))?;
        let post = match &scenario.clip {
            None => None,
            Some(repair) => {
                let (params, outcome) = repair.apply(&scenario.params)?;
                let sim = simulate(Repaired::Post, params, pre.steady.state)
                    .map_err(solver_err(Repaired::Post))?;
                Some(PostClip {
                    sim,
                    repair: outcome,
                })
            }
        };
        Ok(Self { pre, post })
    }

    /// The converged states, to warm-start a neighbouring point.
    pub fn warm_start(&self) -> WarmStart {
        WarmStart {
            pre: self.pre.steady.state,
            post: self.post.as_ref().map(|p| p.sim.steady.state),
        }
    }

    /// Both states reached their periodic steady state.
    pub fn converged(&self) -> bool {
        self.pre.steady.converged && self.post.as_ref().is_none_or(|p| p.sim.steady.converged)
    }
}
