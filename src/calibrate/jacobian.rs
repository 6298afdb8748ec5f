//! Finite-difference derivatives of the targets with respect to the parameters. Why here: the
//! optimiser (in its internal variables), the statistics (in scaled parameters) and the
//! sensitivity table all need them, and all the same way: one model run per column, the columns
//! in parallel (rayon), each warm-started from the same centre state with the same secant
//! memory, so that every column — and the whole result — is the same whatever the thread count.

use rayon::prelude::*;

use super::bounds::Bounds;
use super::problem::{Evaluation, Problem};

/// Step of the finite differences in the scaled parameter (ln x, or x for a parameter whose
/// range includes 0 or negative values, then as a fraction of the range).
pub const SCALED_STEP: f64 = 1e-3;

/// Derivatives of the achieved values (in target order) by column; a column whose run failed
/// is `None`.
pub type Columns = Vec<Option<Vec<f64>>>;

/// The derivatives of the achieved values at `x` (whose evaluation is `centre`) along each of
/// `steps`: (perturbed parameter vector, step length in the coordinate differentiated by).
/// Returns the columns and the number of model runs.
pub fn columns(
    problem: &Problem,
    centre: &Evaluation,
    steps: Vec<(Vec<f64>, f64)>,
) -> (Columns, u64) {
    let runs = steps.len() as u64;
    let cols = steps
        .into_par_iter()
        .map(|(xp, h)| {
            let e = problem.evaluate(&xp, Some(&centre.warm)).ok()?;
            let col: Vec<f64> = e
                .achieved
                .iter()
                .zip(&centre.achieved)
                .map(|(a, c)| (a - c) / h)
                .collect();
            col.iter().all(|d| d.is_finite()).then_some(col)
        })
        .collect();
    (cols, runs)
}

/// Steps in the scaled parameters (ln x on a log scale, else x / (upper − lower)), each towards
/// the inside of the bounds.
pub fn scaled_steps(problem: &Problem, x: &[f64]) -> Vec<(Vec<f64>, f64)> {
    problem
        .parameters
        .iter()
        .enumerate()
        .map(|(j, p)| {
            let b: Bounds = p.bounds;
            let inward = if b.fraction(x[j]) > 0.5 { -1.0 } else { 1.0 };
            let mut xp = x.to_vec();
            let (value, h) = if b.log_scale() {
                let h = inward * SCALED_STEP;
                ((x[j].ln() + h).exp(), h)
            } else {
                let h = inward * SCALED_STEP;
                (x[j] + h * (b.upper - b.lower), h)
            };
            xp[j] = b.clamp(value);
            (xp, h)
        })
        .collect()
}
