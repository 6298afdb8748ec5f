//! The optimiser: bounded nonlinear least squares on the weighted residuals
//! (achieved − target) / sd, by Levenberg–Marquardt (the `levenberg-marquardt` crate, a port of
//! MINPACK's lmder with its trust region and scaling), with the bounds as a change of variable
//! (`bounds`), the Jacobian by forward differences (`jacobian`), and several starts.
//!
//! Why several starts: a closed-loop circulation can meet a few targets in more than one way
//! (a weak LV with much blood or a stiffer one with less); the first start is the scenario's own
//! values, and only if it ends with a target unmet do the other starts run, at deterministic
//! points spread over the box (a Kronecker sequence), in parallel. The best end point wins;
//! equal costs go to the earlier start. Nothing depends on the thread count.

use std::cell::Cell;

use levenberg_marquardt::{LeastSquaresProblem, LevenbergMarquardt};
use nalgebra::{DMatrix, DVector, Dyn, Owned};
use rayon::prelude::*;

use super::jacobian;
use super::problem::{Evaluation, Problem};

/// Step of the forward differences in the internal variable u (rad).
const U_STEP: f64 = 1e-3;
/// The weighted residual of every target at a point the model cannot be evaluated at: far
/// worse than any point it can, so the trust region shrinks away from it.
const FAILED_RESIDUAL: f64 = 1e4;
/// Relative tolerances of the solver on the cost and on the step (MINPACK's ftol and xtol).
const FTOL: f64 = 1e-8;
/// Restarts from the best point after the solver stops (see `run_start`).
const POLISH_RESTARTS: u32 = 3;
const XTOL: f64 = 1e-8;

/// How a fit is run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitSettings {
    pub starts: u32,
    pub max_evaluations: u32,
    pub tolerance_pct: f64,
}

/// A parameter vector with its evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub x: Vec<f64>,
    pub eval: Evaluation,
    /// ½·Σ r² of the weighted residuals.
    pub cost: f64,
}

impl Point {
    fn new(problem: &Problem, x: Vec<f64>, eval: Evaluation) -> Self {
        let cost = 0.5
            * problem
                .residuals(&eval.achieved)
                .iter()
                .map(|r| r * r)
                .sum::<f64>();
        Self { x, eval, cost }
    }
}

/// The end of one start.
#[derive(Debug, Clone, PartialEq)]
pub struct StartResult {
    pub start_x: Vec<f64>,
    pub best: Point,
    /// Jacobian evaluations (solver iterations).
    pub iterations: u32,
    /// Model runs, Jacobian columns included.
    pub model_runs: u64,
    /// Why the solver stopped.
    pub termination: String,
}

/// All starts, and which one is best.
#[derive(Debug, Clone, PartialEq)]
pub struct FitResult {
    pub starts: Vec<StartResult>,
    pub best: usize,
}

impl FitResult {
    pub fn best(&self) -> &StartResult {
        &self.starts[self.best]
    }
    pub fn iterations(&self) -> u32 {
        self.starts.iter().map(|s| s.iterations).sum()
    }
    pub fn model_runs(&self) -> u64 {
        self.starts.iter().map(|s| s.model_runs).sum()
    }
}

/// Fit `problem` from its base values (whose evaluation is `base`), then, if a target is left
/// unmet, from the other starts.
pub fn fit(problem: &Problem, base: &Evaluation, settings: &FitSettings) -> FitResult {
    let first = run_start(problem, start_point(problem, 0), base, settings);
    let mut starts = vec![first];
    let met = |s: &StartResult| {
        problem
            .met(&s.best.eval.achieved, settings.tolerance_pct)
            .iter()
            .all(|m| *m)
    };
    if !met(&starts[0]) && settings.starts > 1 {
        let more: Vec<StartResult> = (1..settings.starts)
            .into_par_iter()
            .map(|k| run_start(problem, start_point(problem, k), base, settings))
            .collect();
        starts.extend(more);
    }
    let best = (0..starts.len())
        .min_by(|&a, &b| starts[a].best.cost.total_cmp(&starts[b].best.cost))
        .unwrap_or(0);
    FitResult { starts, best }
}

/// Start `k`: 0 is the base values (kept 1 % of the range inside the bounds), the others a
/// Kronecker sequence over the middle 80 % of each parameter's (scaled) range.
fn start_point(problem: &Problem, k: u32) -> Vec<f64> {
    const PRIMES: [f64; 12] = [2., 3., 5., 7., 11., 13., 17., 19., 23., 29., 31., 37.];
    problem
        .parameters
        .iter()
        .enumerate()
        .map(|(j, p)| {
            if k == 0 {
                return p.bounds.inward(p.base);
            }
            let alpha = PRIMES[j % PRIMES.len()].sqrt().fract();
            let f = (0.5 + f64::from(k) * alpha).fract();
            p.bounds.at_fraction(0.1 + 0.8 * f)
        })
        .collect()
}

fn run_start(
    problem: &Problem,
    x0: Vec<f64>,
    base: &Evaluation,
    settings: &FitSettings,
) -> StartResult {
    let u0: Vec<f64> = problem
        .parameters
        .iter()
        .zip(&x0)
        .map(|(p, x)| p.bounds.internal(*x))
        .collect();
    let n = u0.len();
    let base_point = Point::new(problem, problem.base(), base.clone());
    let mut lm = Lm {
        problem,
        u: DVector::from_vec(u0),
        current: None,
        last_good: base_point.clone(),
        best: None,
        runs: Cell::new(0),
        iterations: Cell::new(0),
    };
    lm.set_params(&lm.u.clone());
    let patience = (settings.max_evaluations as usize).div_ceil(n + 1).max(1);
    let solver = LevenbergMarquardt::new()
        .with_ftol(FTOL)
        .with_xtol(XTOL)
        .with_patience(patience);
    let (mut lm, mut report) = solver.minimize(lm);
    // A trust region that collapsed on an inaccurate finite-difference model (xtol) may stop
    // short: start once more from the best point with a fresh region while that still helps.
    for _ in 0..POLISH_RESTARTS {
        let Some(best) = lm.best.clone() else { break };
        let u: Vec<f64> = problem
            .parameters
            .iter()
            .zip(&best.x)
            .map(|(p, x)| p.bounds.internal(*x))
            .collect();
        lm.u = DVector::from_vec(u);
        lm.last_good = best.clone();
        lm.set_params(&lm.u.clone());
        let (again, r) = solver.minimize(lm);
        lm = again;
        report = r;
        let improved = lm
            .best
            .as_ref()
            .is_some_and(|b| b.cost < best.cost * (1.0 - 1e-3));
        if !improved {
            break;
        }
    }
    let best = lm.best.clone().unwrap_or(base_point);
    StartResult {
        start_x: x0,
        best,
        iterations: lm.iterations.get(),
        model_runs: lm.runs.get(),
        termination: format!("{:?}", report.termination),
    }
}

/// The least-squares problem as the solver sees it: internal variables u, weighted residuals.
struct Lm<'a> {
    problem: &'a Problem,
    u: DVector<f64>,
    /// The evaluation at `u` (`None`: the model failed there).
    current: Option<Point>,
    /// The last point the model could be evaluated at: the next run starts from its state.
    last_good: Point,
    best: Option<Point>,
    runs: Cell<u64>,
    iterations: Cell<u32>,
}

impl Lm<'_> {
    fn x(&self, u: &DVector<f64>) -> Vec<f64> {
        self.problem
            .parameters
            .iter()
            .zip(u.iter())
            .map(|(p, u)| p.bounds.external(*u))
            .collect()
    }
}

impl LeastSquaresProblem<f64, Dyn, Dyn> for Lm<'_> {
    type ResidualStorage = Owned<f64, Dyn>;
    type JacobianStorage = Owned<f64, Dyn, Dyn>;
    type ParameterStorage = Owned<f64, Dyn>;

    fn set_params(&mut self, u: &DVector<f64>) {
        self.u.copy_from(u);
        let x = self.x(u);
        self.runs.set(self.runs.get() + 1);
        self.current = self
            .problem
            .evaluate(&x, Some(&self.last_good.eval.warm))
            .ok()
            .filter(|e| e.achieved.iter().all(|a| a.is_finite()))
            .map(|e| Point::new(self.problem, x, e));
        if let Some(p) = &self.current {
            self.last_good = p.clone();
            if self.best.as_ref().is_none_or(|b| p.cost < b.cost) {
                self.best = Some(p.clone());
            }
        }
    }

    fn params(&self) -> DVector<f64> {
        self.u.clone()
    }

    fn residuals(&self) -> Option<DVector<f64>> {
        let m = self.problem.targets.len();
        Some(match &self.current {
            Some(p) => DVector::from_vec(self.problem.residuals(&p.eval.achieved)),
            None => DVector::from_element(m, FAILED_RESIDUAL),
        })
    }

    fn jacobian(&self) -> Option<DMatrix<f64>> {
        let centre = self.current.as_ref()?;
        self.iterations.set(self.iterations.get() + 1);
        let steps = self
            .u
            .iter()
            .enumerate()
            .map(|(j, &u)| {
                // Towards the middle of the range, where the transform is not flat.
                let h = if u.sin() * u.cos() > 0.0 {
                    -U_STEP
                } else {
                    U_STEP
                };
                let mut up = self.u.clone();
                up[j] += h;
                (self.x(&up), h)
            })
            .collect();
        let (cols, runs) = jacobian::columns(self.problem, &centre.eval, steps);
        self.runs.set(self.runs.get() + runs);
        let m = self.problem.targets.len();
        let sd: Vec<f64> = self.problem.targets.iter().map(|t| t.sd).collect();
        Some(DMatrix::from_fn(m, cols.len(), |i, j| {
            cols[j].as_ref().map_or(0.0, |c| c[i] / sd[i])
        }))
    }
}
