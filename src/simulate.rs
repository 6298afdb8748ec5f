//! One patient state run to its periodic steady state, with its metrics.
//!
//! Why: the CLI, the clip comparison and the sweeps all do the same thing: build the circuit,
//! iterate beats to steady state, sample the converged beat and measure it. This is that,
//! once.

use crate::beat::SampledBeat;
use crate::metrics::{metrics_grid, BeatContext, Metrics};
use crate::model::params::{ValveId, ValveLaw};
use crate::model::repair::{RepairError, RepairOutcome};
use crate::model::state::{blood_volume_ml, valve_flow, valve_opening};
use crate::model::{Circuit, ModelParams, State, N_STATE};
use crate::scenario::Scenario;
use crate::solver::broyden::{Broyden, Jacobian};
use crate::solver::steady::with_blood_volume;
use crate::solver::{
    run_to_steady_state, SolverError, SolverStats, SteadyState, SteadyStateSettings,
};
use crate::solver::{run_to_steady_state_accelerated, SecantMemory};

/// Result of one run.
#[derive(Debug, Clone)]
pub struct Simulation {
    /// The circuit of the measured beat: with a dynamic regurgitant orifice, its mitral
    /// `leak_gain` is the calibrated one.
    pub circuit: Circuit,
    pub steady: SteadyState,
    pub metrics: Metrics,
    /// Steady-state searches run: 1, or more while the outer loops (a dynamic orifice's gain,
    /// the baroreflex) settled.
    pub searches: u32,
    /// Where a neighbouring run starts its outer loops: where these ended, moved by one Newton
    /// step for the residuals left within tolerance, and the Jacobian estimate.
    pub outer: OuterGuess,
    /// Where a neighbouring run starts its search: the steady state moved along with the outer
    /// loops' last Newton step (`outer`), so that the two stay consistent; the steady state
    /// itself without outer loops.
    pub next_start: State,
}

/// Starting values of the outer loops of [`Simulation`]: a neighbouring point's values (where
/// its loops ended, moved by one Newton step) put the first search next to the answer (a
/// sweep's warm start). `None`: the scenario's own (the reflex's set point, the orifice's
/// gain), the default Jacobian estimate, no state slope.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct OuterGuess {
    /// The baroreflex's sensed mean aortic pressure (mmHg).
    pub sensed_map_mmhg: Option<f64>,
    /// The dynamic orifice's gain.
    pub leak_gain: Option<f64>,
    /// The outer loops' Jacobian estimate (Broyden's, in tolerance units of the sensed
    /// pressure and ln gain): the neighbour's makes the first correction a Newton step.
    pub jacobian: Option<Jacobian>,
    /// How the steady state moves with the outer loops' unknowns.
    pub state_slope: Option<StateSlope>,
}

/// ∂(steady state)/∂uⱼ for the outer loops' unknowns u (in their tolerance units): column j
/// is the state's change per unit of uⱼ.
pub type StateSlope = [State; 2];

/// Whether a run calibrates a dynamic regurgitant orifice to its `eroa_cm2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeakGain {
    /// Calibrate (the pre-clip patient, a direct clip's measured post-clip EROA).
    Calibrate,
    /// Keep the gain in the parameters (a device clip acting on the calibrated orifice).
    Keep,
}

/// A dynamic orifice's gain is calibrated until the measured EROA is within this fraction of
/// `eroa_cm2`.
pub const LEAK_CALIBRATION_TOL: f64 = 1e-3;
/// The baroreflex's sensed pressure and the beat's mean aortic pressure agree to this (mmHg):
/// a few times the noise a 1e-3 mL steady-state criterion leaves in the mean pressure (the plain
/// search, beat after beat, cannot settle finer). A steep reflex
/// moves ≈ 60 mL of stressed volume per mmHg, so this holds the volume to ≈ 0.3 mL.
pub const REFLEX_TOL_MMHG: f64 = 5e-3;
/// The outer loops give up (the run is then reported as not converged) after this many
/// steady-state searches.
pub const OUTER_MAX_SEARCHES: u32 = 20;

/// The outer loops as one root-finding problem in the unknowns u = (sensed mean aortic pressure
/// m, ln of the orifice's gain), each in units of its tolerance, with the residuals R = (MAP(m)
/// − m, ln(measured / target EROA)), also in tolerances: Broyden steps ([`Broyden`]) from a
/// Jacobian estimate. Without a neighbour's estimate, [`DEFAULT_OUTER_JACOBIAN`]: the first
/// step moves the pressure half way (as for a loop gain of 1) and scales the gain by target /
/// measured EROA (the measured EROA is nearly proportional to the gain); the secants of later
/// searches then find the reflex's steep slope, −(1 + loop gain), and the coupling of the two.
///
/// Each search after the first starts from the last converged state moved by the state's
/// slope times the outer step (a secant estimate, also handed on to neighbours): the steady
/// state moves with the outer unknowns (the reflex's venous volume alone shifts ≈ 60 mL per
/// mmHg), and a search started where it will end needs fewer beats.
struct OuterLoops {
    broyden: Broyden,
    state_slope: Option<StateSlope>,
    /// Unknowns (scaled) and steady state of the last search.
    last: Option<([f64; 2], State)>,
}

/// See [`OuterLoops`].
const DEFAULT_OUTER_JACOBIAN: Jacobian = [[-2.0, 0.0], [0.0, 1.0]];

/// Largest change of ln(gain) in one outer step, ln 5: the gain moves by at most a factor 5.
const MAX_LN_GAIN_STEP: f64 = 1.6094379124341003;

/// A Jacobian estimate the outer loops keep: the reflex's residual falls with the sensed
/// pressure (slope −(1 + loop gain) ≤ −1, −0.5 allowing for noise), the measured EROA rises with the gain
/// (≈ proportionally), and the pair is far from singular.
fn admissible_outer(j: &Jacobian) -> bool {
    let det = j[0][0] * j[1][1] - j[0][1] * j[1][0];
    j[0][0] < -0.5 && (0.2..5.0).contains(&j[1][1]) && det < -0.25 * (j[0][0] * j[1][1]).abs()
}

impl OuterLoops {
    fn new(guess: &OuterGuess) -> Self {
        let jacobian = guess
            .jacobian
            .filter(admissible_outer)
            .unwrap_or(DEFAULT_OUTER_JACOBIAN);
        Self {
            broyden: Broyden::new(jacobian, admissible_outer),
            state_slope: guess.state_slope,
            last: None,
        }
    }

    /// Unknowns, residuals and which loops take part, in tolerance units.
    fn scaled(
        sensed_mmhg: Option<f64>,
        map_mmhg: f64,
        gain: f64,
        leak_ratio: Option<f64>,
    ) -> ([f64; 2], [f64; 2], [bool; 2]) {
        (
            [
                sensed_mmhg.unwrap_or(0.0) / REFLEX_TOL_MMHG,
                gain.ln() / LEAK_CALIBRATION_TOL,
            ],
            [
                sensed_mmhg.map_or(0.0, |m| (map_mmhg - m) / REFLEX_TOL_MMHG),
                leak_ratio.map_or(0.0, |r| -r.ln() / LEAK_CALIBRATION_TOL),
            ],
            [sensed_mmhg.is_some(), leak_ratio.is_some()],
        )
    }

    /// The next sensed pressure and gain after a search that measured `map_mmhg` and, for a
    /// calibrated orifice with a jet, `leak_ratio` = target / measured EROA, and the next
    /// search's start predicted from the search's steady state `state`.
    fn next(
        &mut self,
        sensed_mmhg: Option<f64>,
        map_mmhg: f64,
        gain: f64,
        leak_ratio: Option<f64>,
        state: &State,
    ) -> (Option<f64>, f64, State) {
        let (u, r, active) = Self::scaled(sensed_mmhg, map_mmhg, gain, leak_ratio);
        self.learn_slope(u, state, active);
        let next = self.broyden.step(u, r, active).unwrap_or_else(|| {
            // Not finite (a residual that is not): start over from the default estimate, or
            // stay (the search then repeats until the outer loops give up).
            self.broyden = Broyden::new(DEFAULT_OUTER_JACOBIAN, admissible_outer);
            self.broyden.step(u, r, active).unwrap_or(u)
        });
        let sensed = sensed_mmhg.map(|_| next[0] * REFLEX_TOL_MMHG);
        let ln_step = if active[1] {
            (next[1] * LEAK_CALIBRATION_TOL - gain.ln()).clamp(-MAX_LN_GAIN_STEP, MAX_LN_GAIN_STEP)
        } else {
            0.0
        };
        let gain_next = gain * ln_step.exp();
        let (u_next, _, _) = Self::scaled(sensed, map_mmhg, gain_next, leak_ratio);
        (sensed, gain_next, self.predict(state, u, u_next, active))
    }

    /// Secant update of the state's slope from the last search to this one (Broyden's rank-one
    /// update on the active unknowns).
    fn learn_slope(&mut self, u: [f64; 2], state: &State, active: [bool; 2]) {
        if let Some((u0, x0)) = self.last {
            let du: [f64; 2] = std::array::from_fn(|j| if active[j] { u[j] - u0[j] } else { 0.0 });
            let du2 = du[0] * du[0] + du[1] * du[1];
            if du2 > 0.0 {
                let mut slope = self.state_slope.unwrap_or([[0.0; N_STATE]; 2]);
                for i in 0..N_STATE {
                    let miss = state[i] - x0[i] - (slope[0][i] * du[0] + slope[1][i] * du[1]);
                    for (j, column) in slope.iter_mut().enumerate() {
                        column[i] += miss * du[j] / du2;
                    }
                }
                if slope.iter().flatten().all(|v| v.is_finite()) {
                    self.state_slope = Some(slope);
                }
            }
        }
        self.last = Some((u, *state));
    }

    /// `state` moved by the slope times the step from `u` to `u_next`; `state` itself without a
    /// slope, or if a chamber volume would not stay positive. Valve openings stay in [0, 1].
    fn predict(&self, state: &State, u: [f64; 2], u_next: [f64; 2], active: [bool; 2]) -> State {
        let Some(slope) = &self.state_slope else {
            return *state;
        };
        let du: [f64; 2] = std::array::from_fn(|j| if active[j] { u_next[j] - u[j] } else { 0.0 });
        let mut y: State =
            std::array::from_fn(|i| state[i] + slope[0][i] * du[0] + slope[1][i] * du[1]);
        for id in ValveId::ALL {
            let z = &mut y[valve_opening(id)];
            *z = z.clamp(0.0, 1.0);
        }
        if y[..4].iter().all(|v| *v > 0.0 && v.is_finite()) && y.iter().all(|v| v.is_finite()) {
            y
        } else {
            *state
        }
    }

    fn jacobian(&self) -> Jacobian {
        self.broyden.jacobian()
    }
}

impl Simulation {
    /// Run `params` from `initial` (a full state) to steady state and measure the last beat; a
    /// dynamic regurgitant orifice is calibrated to its `eroa_cm2`.
    pub fn run(
        params: ModelParams,
        initial: State,
        settings: &SteadyStateSettings,
    ) -> Result<Self, SolverError> {
        Self::run_with(params, initial, settings, LeakGain::Calibrate)
    }

    /// [`Simulation::run`] with the choice of calibrating the leak gain.
    pub fn run_with(
        params: ModelParams,
        initial: State,
        settings: &SteadyStateSettings,
        leak: LeakGain,
    ) -> Result<Self, SolverError> {
        Self::run_from(params, initial, OuterGuess::default(), settings, leak)
    }

    /// [`Simulation::run_with`] with the outer loops started at `guess`.
    pub fn run_from(
        params: ModelParams,
        initial: State,
        guess: OuterGuess,
        settings: &SteadyStateSettings,
        leak: LeakGain,
    ) -> Result<Self, SolverError> {
        Self::solve(params, initial, leak, guess, |circuit, start| {
            run_to_steady_state(circuit, start, settings)
        })
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
        leak: LeakGain,
    ) -> Result<Self, SolverError> {
        Self::run_accelerated_from(
            params,
            initial,
            warm,
            OuterGuess::default(),
            settings,
            memory,
            leak,
        )
    }

    /// [`Simulation::run_accelerated`] with the outer loops started at `guess`.
    pub fn run_accelerated_from(
        params: ModelParams,
        initial: State,
        warm: Option<&State>,
        guess: OuterGuess,
        settings: &SteadyStateSettings,
        memory: &mut SecantMemory,
        leak: LeakGain,
    ) -> Result<Self, SolverError> {
        let start = match warm {
            Some(warm) => warm_state(&Circuit::new(params.clone()), warm, &initial),
            None => initial,
        };
        Self::solve(params, start, leak, guess, |circuit, start| {
            run_to_steady_state_accelerated(circuit, start, settings, memory)
        })
    }

    /// The steady state of `params` from `start`, with two outer loops solved together
    /// ([`OuterLoops`]: Broyden steps on both at once), each search warm-started from the last
    /// converged state:
    /// - a dynamic orifice with [`LeakGain::Calibrate`]: the gain is moved until the measured
    ///   EROA is `eroa_cm2`;
    /// - a baroreflex: the sensed mean aortic pressure that sets the effectors is moved until
    ///   it equals the pressure the beat produces.
    fn solve(
        mut params: ModelParams,
        start: State,
        leak: LeakGain,
        guess: OuterGuess,
        mut search: impl FnMut(&Circuit, State) -> Result<SteadyState, SolverError>,
    ) -> Result<Self, SolverError> {
        let target = params
            .mitral_orifice()
            .filter(|o| o.profile.is_dynamic() && leak == LeakGain::Calibrate)
            .map(|o| o.eroa_cm2);
        if let (Some(_), Some(gain), Some(ValveLaw::Orifice(o))) = (
            target,
            guess.leak_gain,
            params.valves.get_mut(ValveId::Mitral as usize),
        ) {
            o.leak_gain = gain;
        }
        let reflex = params.reflex;
        let mut sensed = reflex.map(|r| guess.sensed_map_mmhg.unwrap_or(r.set_point_mmhg));
        let mut outer = OuterLoops::new(&guess);
        // Without a reflex, every search keeps the start's blood volume.
        let blood_ml = blood_volume_ml(&start, &params.circulation);
        let mut start = start;
        let mut beats = 0;
        let mut stats = SolverStats::default();
        for searches in 1.. {
            let (run_params, volume_ml) = match (&reflex, sensed) {
                (Some(r), Some(m)) => {
                    let state = r.apply(&params, m);
                    (state.params, Some(state.blood_volume_ml))
                }
                _ => (params.clone(), None),
            };
            let circuit = Circuit::new(run_params);
            start = with_blood_volume(start, circuit.circulation(), volume_ml.unwrap_or(blood_ml));
            let steady = search(&circuit, start)?;
            beats += steady.beats;
            stats = stats.plus(&steady.stats);
            let mut measured = Self::measure(circuit, steady, searches);
            let gain = params.mitral_orifice().map_or(1.0, |o| o.leak_gain);
            let map_mmhg = measured.metrics.aortic_pressure_mean_mmhg;
            // No jet to measure (a leak below detection, e.g. a direct clip's tiny residual
            // EROA): nothing to calibrate against, the gain stays.
            let leak_ratio = target
                .filter(|_| measured.metrics.eroa_cm2 > 0.0)
                .map(|t| t / measured.metrics.eroa_cm2);
            let leak_done = leak_ratio.is_none_or(|r| (r - 1.0).abs() < LEAK_CALIBRATION_TOL);
            let reflex_done = sensed.is_none_or(|m| (map_mmhg - m).abs() < REFLEX_TOL_MMHG);
            let done = leak_done && reflex_done;
            if done || !measured.steady.converged || searches >= OUTER_MAX_SEARCHES {
                // A neighbour starts from this run's best estimate of the root: the values
                // used, corrected by one Newton step for what is left of the residuals (within
                // tolerance, but not zero), so that the tolerance's slack does not accumulate
                // along a chain of warm starts.
                let (next_sensed, next_gain, next_start) =
                    outer.next(sensed, map_mmhg, gain, leak_ratio, &measured.steady.state);
                measured.outer = OuterGuess {
                    sensed_map_mmhg: next_sensed,
                    leak_gain: target.map(|_| next_gain),
                    jacobian: Some(outer.jacobian()),
                    state_slope: outer.state_slope,
                };
                measured.next_start = next_start;
                if searches == 1 && done {
                    return Ok(measured);
                }
                // The beat is the last search's; what changes is the count of all searches'
                // work and, outside tolerance, the verdict — no need to measure it again.
                let mut ended = measured;
                ended.steady.beats = beats;
                ended.steady.stats = stats;
                ended.steady.converged &= done;
                ended.metrics.beats_to_steady_state = beats;
                ended.metrics.converged = ended.steady.converged;
                return Ok(ended);
            }
            let (next_sensed, next_gain, next_start) =
                outer.next(sensed, map_mmhg, gain, leak_ratio, &measured.steady.state);
            sensed = next_sensed;
            if let Some(ValveLaw::Orifice(o)) = params.valves.get_mut(ValveId::Mitral as usize) {
                o.leak_gain = next_gain;
            }
            start = next_start;
        }
        unreachable!("the loop returns")
    }

    /// Sample the converged beat (the last one the steady-state search integrated) and compute
    /// its metrics.
    fn measure(circuit: Circuit, steady: SteadyState, searches: u32) -> Self {
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
            next_start: steady.state,
            steady,
            metrics,
            searches,
            outer: OuterGuess::default(),
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
    /// Starts of the pre- and post-clip outer loops.
    pub pre_outer: OuterGuess,
    pub post_outer: OuterGuess,
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
        Self::pre_then_post(scenario, |_, params, initial, leak, guess| {
            Simulation::run_from(params, initial, guess, &scenario.solver, leak)
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
        Self::pre_then_post(scenario, |state, params, initial, leak, guess| {
            let memory = match state {
                Repaired::Pre => &mut memory.pre,
                Repaired::Post => &mut memory.post,
            };
            match Simulation::run_accelerated_from(
                params.clone(),
                initial,
                None,
                guess,
                &scenario.solver,
                memory,
                leak,
            ) {
                Ok(sim) if sim.steady.converged => Ok(sim),
                _ => Simulation::run_from(params, initial, guess, &scenario.solver, leak),
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
        Self::pre_then_post(scenario, |state, params, initial, leak, guess| {
            let (warm_state, memory, guess) = match state {
                Repaired::Pre => (
                    warm.map(|w| &w.pre),
                    &mut memory.pre,
                    warm.map_or(guess, |w| w.pre_outer),
                ),
                Repaired::Post => (
                    Some(warm.and_then(|w| w.post.as_ref()).unwrap_or(&initial)),
                    &mut memory.post,
                    warm.filter(|w| w.post.is_some())
                        .map_or(guess, |w| w.post_outer),
                ),
            };
            Simulation::run_accelerated_from(
                params,
                initial,
                warm_state,
                guess,
                &scenario.solver,
                memory,
                leak,
            )
        })
    }

    /// The sequence both runs share: `simulate` the patient from the scenario's initial state,
    /// then, with a clip, the repaired valve from the pre-clip steady state. The repair acts on
    /// the pre-clip orifice as calibrated: a device clip keeps its leak gain (the residual leak
    /// keeps the patient's orifice dynamics), a direct clip's measured EROA is calibrated anew.
    fn pre_then_post(
        scenario: &Scenario,
        mut simulate: impl FnMut(
            Repaired,
            ModelParams,
            State,
            LeakGain,
            OuterGuess,
        ) -> Result<Simulation, SolverError>,
    ) -> Result<Self, RunError> {
        let solver_err = |state: Repaired| {
            move |source| RunError::Solver {
                state: state.label(),
                source,
            }
        };
        let pre = simulate(
            Repaired::Pre,
            scenario.params.clone(),
            scenario.initial,
            LeakGain::Calibrate,
            OuterGuess::default(),
        )
        .map_err(solver_err(Repaired::Pre))?;
        let post = match &scenario.clip {
            None => None,
            Some(repair) => {
                let (params, outcome) = repair.apply(pre.circuit.params())?;
                let leak = if repair.measured_post_eroa() {
                    LeakGain::Calibrate
                } else {
                    LeakGain::Keep
                };
                // The post-clip state starts its outer loops where the pre-clip ones ended
                // (the gain only matters when a direct clip recalibrates it).
                let sim = simulate(Repaired::Post, params, pre.steady.state, leak, pre.outer)
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
            pre: self.pre.next_start,
            post: self.post.as_ref().map(|p| p.sim.next_start),
            pre_outer: self.pre.outer,
            post_outer: self
                .post
                .as_ref()
                .map_or(OuterGuess::default(), |p| p.sim.outer),
        }
    }

    /// The simulated states by name: `pre`, then `post` with a clip.
    pub fn states(&self) -> impl Iterator<Item = (&'static str, &Simulation)> {
        std::iter::once(("pre", &self.pre)).chain(self.post.as_ref().map(|p| ("post", &p.sim)))
    }

    /// Each state's converged beat at the output step `step_s`, by state name: the rows of
    /// waveforms.csv.
    pub fn waveforms(&self, step_s: f64) -> Vec<(&'static str, SampledBeat)> {
        self.states()
            .map(|(name, sim)| (name, sim.waveforms(step_s)))
            .collect()
    }

    /// Both states reached their periodic steady state.
    pub fn converged(&self) -> bool {
        self.pre.steady.converged && self.post.as_ref().is_none_or(|p| p.sim.steady.converged)
    }
}
