//! One chunk of consecutive points, run as a warm-started chain.
//!
//! Why chains: neighbouring points have nearly the same periodic steady state and nearly the
//! same beat-to-beat map, so a point started from its predecessor's converged states — and, along
//! a line of equally spaced (or proportionally spaced) points, from the linear extrapolation of
//! its two predecessors — with the predecessor's secant memory needs a few beats instead of
//! tens. Why per chunk: a chunk's first point always starts from the same seed — the converged
//! states (and secant memory) of the base scenario, computed once before the sweep — so a chunk's
//! results depend only on the chunk, never on which thread, shard or resumed run computes it:
//! results are bit for bit the same whatever `--jobs`, `--shard` or `--resume`.

use super::sample::{AxisValue, AxisValues};
use super::shard::CHUNK_POINTS;
use super::spec::{describe, Convergence, SweepSpec};
use crate::model::state::Q_VEN_PUL;
use crate::model::State;
use crate::simulate::{ChainMemory, Comparison, RunError, WarmStart};

/// The points of chunk `chunk`.
pub fn chunk_points(chunk: u64, points: u64) -> std::ops::Range<u64> {
    let start = chunk * CHUNK_POINTS;
    start.min(points)..(start + CHUNK_POINTS).min(points)
}

/// What became of one point.
pub type PointResult = Result<Comparison, String>;

/// Where every chunk's first point starts: the base scenario's converged states and the secant
/// memory that found them.
#[derive(Debug, Clone)]
pub struct Seed {
    warm: WarmStart,
    memory: ChainMemory,
}

impl Seed {
    /// The seed of `spec`: `None` for `convergence = "plain"`, or if the base scenario does not
    /// converge (chunks then start from the scenario's initial state).
    pub fn new(spec: &SweepSpec) -> Option<Self> {
        if spec.convergence == Convergence::Plain {
            return None;
        }
        let mut memory = ChainMemory::default();
        let base = Comparison::run_accelerated(&spec.base, None, &mut memory).ok()?;
        base.converged().then(|| Seed {
            warm: base.warm_start(),
            memory,
        })
    }
}

/// Run the points of `chunk` in order and hand each to `emit` (index, axis values, result).
/// Returns `false` if `stop()` said so or `emit` returned `false` before the chunk's end.
pub fn run_chunk(
    spec: &SweepSpec,
    seed: Option<&Seed>,
    chunk: u64,
    stop: &dyn Fn() -> bool,
    mut emit: impl FnMut(u64, &[AxisValue], &PointResult) -> bool,
) -> bool {
    let scales = axis_scales(spec);
    let mut chain = Chain::new(seed);
    for index in chunk_points(chunk, spec.points.len()) {
        if stop() {
            return false;
        }
        let values = spec.points.point(index);
        // A panic in one point (a bug) becomes its error row, not the end of the sweep.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run_point(spec, &values, &scales, &mut chain)
        }))
        .unwrap_or_else(|panic| {
            chain = Chain::new(seed);
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(format!("internal error (please report): {what}"))
        });
        if !emit(index, &values, &result) {
            return false;
        }
    }
    true
}

/// One point: its scenario, then its comparison, warm-started along `chain`.
fn run_point(
    spec: &SweepSpec,
    values: &[AxisValue],
    scales: &[f64],
    chain: &mut Chain,
) -> PointResult {
    let scenario = spec.scenario(values).map_err(|e| describe(&e))?;
    if spec.convergence == Convergence::Plain {
        return Comparison::run(&scenario).map_err(|e| e.to_string());
    }
    let coords = coordinates(values, scales);
    let warm = chain.predict(&coords);
    match Comparison::run_accelerated(&scenario, warm.as_ref(), &mut chain.memory) {
        Ok(c) if c.converged() => {
            chain.push(coords, c.warm_start());
            Ok(c)
        }
        // The clip does not fit this valve: no start state would change that.
        Err(e @ RunError::Repair(_)) => Err(e.to_string()),
        // Not converged or failed from a warm start: do exactly what `run` does, and restart
        // the chain from there.
        _ => {
            *chain = Chain::new(None);
            let plain = Comparison::run(&scenario);
            if let Ok(c) = &plain {
                chain.push(coords, c.warm_start());
            }
            plain.map_err(|e| e.to_string())
        }
    }
}

/// Position of a point for the predictor: each numeric axis divided by its extent; words
/// (valve laws, ...) as `None`.
fn coordinates(values: &[AxisValue], scales: &[f64]) -> Vec<Option<f64>> {
    values
        .iter()
        .zip(scales)
        .map(|(v, s)| v.as_f64().map(|x| x / s))
        .collect()
}

/// The extent of each axis (1 when it has none), so that no axis dominates the predictor's
/// collinearity test by its units.
fn axis_scales(spec: &SweepSpec) -> Vec<f64> {
    spec.axes
        .iter()
        .map(|a| {
            let (lo, hi) = match &a.values {
                AxisValues::Range { lo, hi } => (*lo, *hi),
                AxisValues::List(v) => v
                    .iter()
                    .filter_map(AxisValue::as_f64)
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
                        (lo.min(x), hi.max(x))
                    }),
            };
            let extent = hi - lo;
            if extent.is_finite() && extent > 0.0 {
                extent
            } else {
                1.0
            }
        })
        .collect()
}

/// The last two converged points of the chain and the secant memory.
struct Chain {
    last: Vec<(Vec<Option<f64>>, WarmStart)>,
    memory: ChainMemory,
    /// Start of the chain's first point (`None`: the scenario's initial state).
    first: Option<WarmStart>,
}

/// Largest extrapolation ratio of the predictor (the step to the new point over the last step).
const MAX_PREDICTOR_RATIO: f64 = 2.0;

impl Chain {
    fn new(seed: Option<&Seed>) -> Self {
        Self {
            last: Vec::new(),
            memory: seed.map(|s| s.memory.clone()).unwrap_or_default(),
            first: seed.map(|s| s.warm.clone()),
        }
    }

    fn push(&mut self, coords: Vec<Option<f64>>, warm: WarmStart) {
        if self.last.len() == 2 {
            self.last.remove(0);
        }
        self.last.push((coords, warm));
    }

    /// Where to start the point at `coords`: the previous point's states, or, if the two
    /// previous points and this one lie on a line (same words, numeric steps proportional), the
    /// linear extrapolation of the two previous states.
    fn predict(&self, coords: &[Option<f64>]) -> Option<WarmStart> {
        let Some((p1, w1)) = self.last.last() else {
            return self.first.clone();
        };
        let Some((p0, w0)) = self.last.len().checked_sub(2).map(|i| &self.last[i]) else {
            return Some(w1.clone());
        };
        let ratio = step_ratio(p0, p1, coords);
        let Some(r) = ratio else {
            return Some(w1.clone());
        };
        let pre = extrapolate(&w0.pre, &w1.pre, r);
        let post = match (&w0.post, &w1.post) {
            (Some(a), Some(b)) => Some(extrapolate(a, b, r)),
            (_, b) => *b,
        };
        Some(WarmStart { pre, post })
    }
}

/// r such that p2 − p1 = r·(p1 − p0), if the three points are on a line with 0 < r ≤ 2.
fn step_ratio(p0: &[Option<f64>], p1: &[Option<f64>], p2: &[Option<f64>]) -> Option<f64> {
    let mut d0 = Vec::with_capacity(p0.len());
    let mut d1 = Vec::with_capacity(p0.len());
    for ((a, b), c) in p0.iter().zip(p1).zip(p2) {
        match (a, b, c) {
            (Some(a), Some(b), Some(c)) => {
                d0.push(b - a);
                d1.push(c - b);
            }
            (None, None, None) => {}
            _ => return None,
        }
    }
    let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>();
    let (d00, d01, d11) = (dot(&d0, &d0), dot(&d0, &d1), dot(&d1, &d1));
    if d00 <= 0.0 || d11 <= 0.0 {
        return None;
    }
    let r = d01 / d00;
    let off_line: f64 = d0.iter().zip(&d1).map(|(a, b)| (b - r * a).powi(2)).sum();
    (r > 0.0 && r <= MAX_PREDICTOR_RATIO && off_line <= 1e-12 * d11).then_some(r)
}

/// `b + r·(b − a)` on the compartment volumes and vessel flows; valve states from `b` (they
/// live on [0, 1] and at their stops). Falls back to `b` if a chamber volume would go negative.
fn extrapolate(a: &State, b: &State, r: f64) -> State {
    let mut y = *b;
    for i in 0..=Q_VEN_PUL {
        y[i] = b[i] + r * (b[i] - a[i]);
    }
    if y[..4].iter().all(|v| *v > 0.0 && v.is_finite()) {
        y
    } else {
        *b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_points_once() {
        assert_eq!(chunk_points(0, 40), 0..16);
        assert_eq!(chunk_points(2, 40), 32..40);
        assert_eq!(chunk_points(3, 40), 40..40);
    }

    #[test]
    fn the_predictor_needs_three_points_on_a_line() {
        let p = |v: &[f64]| v.iter().map(|x| Some(*x)).collect::<Vec<_>>();
        let r = step_ratio(&p(&[0.0, 1.0]), &p(&[0.1, 1.0]), &p(&[0.2, 1.0])).unwrap();
        assert!((r - 1.0).abs() < 1e-12);
        let r = step_ratio(&p(&[1.0]), &p(&[2.0]), &p(&[4.0])).unwrap();
        assert!((r - 2.0).abs() < 1e-12, "geometric spacing");
        // A grid row wrapping around: the first axis moves, the second jumps back.
        assert_eq!(
            step_ratio(&p(&[0.0, 0.8]), &p(&[0.0, 0.9]), &p(&[0.1, 0.0])),
            None
        );
        // Backwards, too far, or a word changing.
        assert_eq!(step_ratio(&p(&[0.0]), &p(&[1.0]), &p(&[0.5])), None);
        assert_eq!(step_ratio(&p(&[0.0]), &p(&[1.0]), &p(&[4.0])), None);
        let w = |x: f64, word: bool| vec![Some(x), if word { None } else { Some(0.0) }];
        assert_eq!(
            step_ratio(&w(0.0, true), &w(1.0, true), &w(2.0, false)),
            None
        );
        assert!(step_ratio(&w(0.0, true), &w(1.0, true), &w(2.0, true)).is_some());
    }
}
