//! Periodic steady state: integrate beat after beat until nothing changes from one beat to the
//! next, then sample the converged beat.
//!
//! Why here and not in the model: "steady" is a property of the solution map over one RR
//! interval, whatever the model. The measure of change is in mL (the volumes of the 8 compliant
//! compartments), a unit a physiologist can judge: the default 1e-3 mL is far below anything
//! echo or a catheter could see.

use super::{DormandPrince5, Integrator, SolverError, SolverStats, Tolerances};
use crate::model::params::CirculationParams;
use crate::model::state::{
    blood_volume_ml, compartment_volumes_ml, with_compartment_volumes, P_VEN_PUL,
};
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
        last_change_ml = max_abs(&std::array::from_fn(|i| after[i] - before[i]));
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

/// Compartment volumes: the variables the acceleration works on (mL).
type Volumes = [f64; 8];

/// Secant memory of the beat-to-beat map for [`run_to_steady_state_accelerated`]: pairs
/// (Δx, Δf) of the start-of-beat compartment volumes x and of their change f over a plain beat.
/// Carried from one run to the next, it lets a neighbouring parameter point (whose map is almost
/// the same) jump towards its fixed point from its first beat on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SecantMemory {
    pairs: Vec<(Volumes, Volumes)>,
}

impl SecantMemory {
    /// Pairs kept (Anderson depth): the map has one slow mode (λ ≈ 0.78) and three more above
    /// 0.1 (0.35, 0.25, |0.18|) on the secondary-MR preset; four pairs span them.
    pub const DEPTH: usize = 4;
    /// A pair is kept only if its Δx is this many `tol_ml` or more: closer to the fixed point
    /// the beat map's integration noise (≈ 5e-4 mL at rtol = atol = 1e-6) swamps the secant.
    pub const MIN_STEP_TOLS: f64 = 10.0;

    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    pub fn clear(&mut self) {
        self.pairs.clear();
    }

    fn push(&mut self, dx: Volumes, df: Volumes) {
        if self.pairs.len() == Self::DEPTH {
            self.pairs.remove(0);
        }
        self.pairs.push((dx, df));
    }

    /// The Anderson (type II) update from `x` with change `f`: γ minimises |f − ΔF·γ| and the
    /// next start is x + f − (ΔX + ΔF)·γ. `None` when the least-squares system is singular.
    fn next_start(&self, x: &Volumes, f: &Volumes) -> Option<Volumes> {
        let k = self.pairs.len();
        let dot = |a: &Volumes, b: &Volumes| a.iter().zip(b).map(|(u, v)| u * v).sum::<f64>();
        let mut a = [[0.0; Self::DEPTH]; Self::DEPTH];
        let mut b = [0.0; Self::DEPTH];
        for (p, (_, dfp)) in self.pairs.iter().enumerate() {
            for (q, (_, dfq)) in self.pairs.iter().enumerate() {
                a[p][q] = dot(dfp, dfq);
            }
            b[p] = dot(dfp, f);
        }
        // A relative ridge keeps nearly parallel secants from blowing γ up.
        let ridge = 1e-8 * (0..k).map(|p| a[p][p]).fold(0.0, f64::max);
        for (p, row) in a.iter_mut().enumerate().take(k) {
            row[p] += ridge;
        }
        let gamma = solve_small(&mut a, &mut b, k)?;
        let mut next: Volumes = std::array::from_fn(|i| x[i] + f[i]);
        for (g, (dx, df)) in gamma.iter().zip(&self.pairs) {
            for i in 0..8 {
                next[i] -= g * (dx[i] + df[i]);
            }
        }
        next.iter().all(|v| v.is_finite()).then_some(next)
    }
}

/// Gaussian elimination with partial pivoting on the leading k×k block.
fn solve_small<const M: usize>(
    a: &mut [[f64; M]; M],
    b: &mut [f64; M],
    k: usize,
) -> Option<[f64; M]> {
    for c in 0..k {
        let p = (c..k).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[p][c] == 0.0 || !a[p][c].is_finite() {
            return None;
        }
        a.swap(c, p);
        b.swap(c, p);
        let pivot = a[c];
        for r in c + 1..k {
            let m = a[r][c] / pivot[c];
            for (arj, pj) in a[r][c..k].iter_mut().zip(&pivot[c..k]) {
                *arj -= m * pj;
            }
            b[r] -= m * b[c];
        }
    }
    let mut x = [0.0; M];
    for r in (0..k).rev() {
        let s: f64 = (r + 1..k).map(|j| a[r][j] * x[j]).sum();
        x[r] = (b[r] - s) / a[r][r];
    }
    Some(x)
}

/// Beats without a new smallest change after which the secant memory is dropped.
const STALL_BEATS: u32 = 3;

/// Like [`run_to_steady_state`], with Anderson acceleration of the beat-to-beat map.
///
/// Why: the map contracts by only λ ≈ 0.78 per beat along its slowest mode (blood shifting
/// between the systemic and pulmonary beds), so plain iteration needs tens of beats. Every beat
/// here is still a *plain* beat from its start state — only the start states are chosen: from the
/// secant pairs in `memory` (this run's and, carried over, a neighbouring run's), the next start
/// is the Anderson extrapolation of the compartment volumes, put back on the blood volume of `y0`
/// (so volume is conserved to round-off); flows and valve states are those at the end of the
/// beat. The convergence criterion is unchanged — every compartment volume changes by less than
/// `tol_ml` over one plain beat — and the state returned is the end of that beat. If a jump doubles
/// the change, or three beats bring no new smallest change, the memory is dropped and the next beat starts from the plain end state.
pub fn run_to_steady_state_accelerated(
    circuit: &Circuit,
    y0: State,
    settings: &SteadyStateSettings,
    memory: &mut SecantMemory,
) -> Result<SteadyState, SolverError> {
    let period = circuit.period_s();
    let circ = circuit.circulation();
    let total_ml = blood_volume_ml(&y0, circ);
    let min_step_ml = SecantMemory::MIN_STEP_TOLS * settings.tol_ml;
    let mut solver = DormandPrince5::<N_STATE>::new(settings.tolerances);
    let mut y = y0;
    let mut last_change_ml = f64::INFINITY;
    let mut best_ml = f64::INFINITY;
    let mut since_best = 0;
    // Start volumes and change of the previous beat of this run.
    let mut previous: Option<(Volumes, Volumes)> = None;
    for beat in 1..=settings.max_beats {
        let x = compartment_volumes_ml(&y, circ);
        solver.integrate(circuit, 0.0, period, &mut y, &mut |_| {})?;
        let end = compartment_volumes_ml(&y, circ);
        let f: Volumes = std::array::from_fn(|i| end[i] - x[i]);
        let change_ml = max_abs(&f);
        if !change_ml.is_finite() {
            return Err(SolverError::NonFinite { t_s: period });
        }
        if change_ml < settings.tol_ml {
            return Ok(SteadyState {
                state: y,
                beats: beat,
                converged: true,
                last_change_ml: change_ml,
                stats: solver.stats(),
            });
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
            let dx: Volumes = std::array::from_fn(|i| x[i] - xp[i]);
            if max_abs(&dx) >= min_step_ml {
                memory.push(dx, std::array::from_fn(|i| f[i] - fp[i]));
            }
        }
        previous = Some((x, f));
        if memory.is_empty() {
            continue;
        }
        match memory.next_start(&x, &f) {
            Some(next) => y = with_volumes(y, circ, &next, total_ml),
            None => memory.clear(),
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

fn max_abs(v: &Volumes) -> f64 {
    v.iter().map(|d| d.abs()).fold(0.0, f64::max)
}

/// `y` with compartment volumes `volumes`, then put on `total_ml`.
fn with_volumes(y: State, circ: &CirculationParams, volumes: &Volumes, total_ml: f64) -> State {
    with_blood_volume(with_compartment_volumes(y, circ, volumes), circ, total_ml)
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
    let mut y = y0;
    let mut out = Vec::with_capacity(times_s.len());
    let mut next = 0;
    while next < times_s.len() && times_s[next] <= 0.0 {
        out.push(y0);
        next += 1;
    }
    let period = circuit.period_s();
    solver.integrate(circuit, 0.0, period, &mut y, &mut |step| {
        while next < times_s.len() && times_s[next] <= step.t_end() {
            out.push(step.interpolate(times_s[next]));
            next += 1;
        }
    })?;
    // A grid's last time computed as RR·n/n can exceed RR by an ulp: it is the end state.
    while next < times_s.len() && times_s[next] <= period * (1.0 + 4.0 * f64::EPSILON) {
        out.push(y);
        next += 1;
    }
    Ok(out)
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

    /// The default preset (secondary MR in a failing LV) at `heart_rate_bpm`, and its start.
    fn default_preset(heart_rate_bpm: f64) -> (Circuit, State, SteadyStateSettings) {
        let s = crate::scenario::load(None, &[]).expect("the default preset loads");
        let mut params = s.params.clone();
        params.heart_rate_bpm = heart_rate_bpm;
        (Circuit::new(params), s.initial, s.solver)
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
