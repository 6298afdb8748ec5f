//! One chunk of consecutive points, run as a warm-started chain.
//!
//! Why chains: neighbouring points have nearly the same periodic steady state and nearly the
//! same beat-to-beat map, so a point started from a neighbour's converged states — along a line
//! of equally spaced (or proportionally spaced) points, the linear extrapolation of its two
//! predecessors; elsewhere an affine fit to the nearest points computed so far — with the
//! predecessor's secant memory needs a few beats instead of tens. Why per chunk: a chunk's first point always starts from the same seed — the converged
//! states (and secant memory) of the base scenario, computed once before the sweep — so a chunk's
//! results depend only on the chunk, never on which thread, shard or resumed run computes it:
//! results are bit for bit the same whatever `--jobs`, `--shard` or `--resume`.

use std::collections::VecDeque;

use super::sample::{AxisValue, AxisValues};
use super::spec::{describe, Convergence, SweepSpec};
use crate::model::state::Q_VEN_PUL;
use crate::model::State;
use crate::simulate::{ChainMemory, Comparison, OuterGuess, RunError, WarmStart};
use crate::solver::anderson::solve_small;

/// The points of chunk `chunk` of a sweep of `points` points in chunks of `chunk_points`.
pub fn chunk_range(chunk: u64, points: u64, chunk_points: u64) -> std::ops::Range<u64> {
    let start = chunk * chunk_points;
    start.min(points)..(start + chunk_points).min(points)
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
    for index in chunk_range(chunk, spec.points.len(), spec.chunk_points) {
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
        // Not converged or failed from a warm start: cold start, plain beats (`run --convergence
        // plain`), and restart the chain from there.
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

/// A point's coordinate on one axis for the predictor: a number divided by its axis's extent, or
/// a word (valve law, ...) that must stay the same along a line.
#[derive(Debug, Clone, PartialEq)]
enum Coord {
    Num(f64),
    Word(AxisValue),
}

/// Position of a point for the predictor.
fn coordinates(values: &[AxisValue], scales: &[f64]) -> Vec<Coord> {
    values
        .iter()
        .zip(scales)
        .map(|(v, s)| match v.as_f64() {
            Some(x) => Coord::Num(x / s),
            None => Coord::Word(v.clone()),
        })
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

/// Converged points the predictor extrapolates from: two, a linear extrapolation. (The code
/// takes any number; a quadratic through three measured more beats on the 1000-point benchmark,
/// 5.68 against 5.53 per pair.)
const PREDICTOR_POINTS: usize = 2;

/// Converged points of a chain a new point may start from: the nearest of the last this many.
/// A window, not the whole chunk, so that the search stays O(1) per point for any
/// `chunk_points`; 256 covers the row before in any grid whose fastest axis has ≤ 256 values.
const NEIGHBOUR_WINDOW: usize = 256;

/// The chain's last converged points (oldest first) and the secant memory.
struct Chain {
    done: VecDeque<(Vec<Coord>, WarmStart)>,
    memory: ChainMemory,
    /// Start of the chain's first point (`None`: the scenario's initial state).
    first: Option<WarmStart>,
}

/// Off a line, the predictor fits an affine function of the axes to this many nearest points
/// per unknown of the fit (axes + 1): twice as many as the fit needs, so that one point placed
/// badly (or a neighbour that stopped elsewhere within tolerance) does not steer it.
const FIT_POINTS_PER_AXIS: usize = 2;
/// Unknowns of that fit at most (numeric axes + 1); with more axes, the nearest point.
const MAX_FIT_UNKNOWNS: usize = 9;
/// The fit is used only if its weights add up in absolute value to at most this (1 for an
/// interpolation inside the points; more, the further it extrapolates and amplifies their
/// scatter).
const MAX_FIT_WEIGHT: f64 = 3.0;

/// Largest extrapolation ratio of the predictor (the step to the new point over the last step).
const MAX_PREDICTOR_RATIO: f64 = 2.0;

impl Chain {
    fn new(seed: Option<&Seed>) -> Self {
        Self {
            done: VecDeque::new(),
            memory: seed.map(|s| s.memory.clone()).unwrap_or_default(),
            first: seed.map(|s| s.warm.clone()),
        }
    }

    fn push(&mut self, coords: Vec<Coord>, warm: WarmStart) {
        if self.done.len() == NEIGHBOUR_WINDOW {
            self.done.pop_front();
        }
        self.done.push_back((coords, warm));
    }

    /// Where to start the point at `coords`: if the last points and this one lie on one line,
    /// in order and evenly enough spaced (a grid row, see [`line_positions`]), the polynomial
    /// extrapolation (Lagrange) of their converged states; otherwise a local affine fit to the
    /// nearest converged points ([`Chain::local_fit`]), or the states of the nearest one.
    fn predict(&self, coords: &[Coord]) -> Option<WarmStart> {
        if self.done.is_empty() {
            return self.first.clone();
        }
        let tail: Vec<&(Vec<Coord>, WarmStart)> = self
            .done
            .iter()
            .skip(self.done.len().saturating_sub(PREDICTOR_POINTS))
            .collect();
        let positions: Vec<&[Coord]> = tail.iter().map(|(c, _)| c.as_slice()).collect();
        let s = line_positions(&positions, coords);
        if s.len() < 2 {
            return Some(
                self.local_fit(coords)
                    .unwrap_or_else(|| self.nearest(coords).clone()),
            );
        }
        let used: Vec<&WarmStart> = tail[tail.len() - s.len()..]
            .iter()
            .map(|(_, w)| w)
            .collect();
        Some(combine(&used, &lagrange_weights_at_zero(&s)))
    }

    /// Off a line (a scattered design, a grid row's wrap): the affine least-squares fit of the
    /// converged states (and outer-loop values) of the nearest [`FIT_POINTS_PER_AXIS`]·(axes + 1)
    /// points with the same words, evaluated at `coords` — exact to first order in the distance
    /// where the nearest point alone is exact to zeroth order. `None` (use the nearest point)
    /// if there are too few such points, too many axes, or the fit would extrapolate far
    /// (weights adding up in absolute value to more than [`MAX_FIT_WEIGHT`]).
    fn local_fit(&self, coords: &[Coord]) -> Option<WarmStart> {
        let numeric: Vec<usize> = (0..coords.len())
            .filter(|&i| matches!(coords[i], Coord::Num(_)))
            .collect();
        let unknowns = numeric.len() + 1;
        if numeric.is_empty() || unknowns > MAX_FIT_UNKNOWNS {
            return None;
        }
        // Nearest first; among equally near ones, the latest.
        let mut near: Vec<(f64, &(Vec<Coord>, WarmStart))> = self
            .done
            .iter()
            .rev()
            .filter_map(|p| squared_distance(&p.0, coords).map(|d| (d, p)))
            .collect();
        let wanted = FIT_POINTS_PER_AXIS * unknowns;
        if near.len() < wanted {
            return None;
        }
        near.sort_by(|a, b| a.0.total_cmp(&b.0));
        near.truncate(wanted);
        // Rows (1, offsets from the new point); weights w = X·(XᵀX)⁻¹·e₁, so that Σ wᵢ·yᵢ is
        // the fit's value at the new point.
        let rows: Vec<[f64; MAX_FIT_UNKNOWNS]> = near
            .iter()
            .map(|(_, (c, _))| {
                let mut row = [0.0; MAX_FIT_UNKNOWNS];
                row[0] = 1.0;
                for (k, &i) in numeric.iter().enumerate() {
                    if let (Coord::Num(a), Coord::Num(b)) = (&c[i], &coords[i]) {
                        row[k + 1] = a - b;
                    }
                }
                row
            })
            .collect();
        let mut normal = [[0.0; MAX_FIT_UNKNOWNS]; MAX_FIT_UNKNOWNS];
        for row in &rows {
            for p in 0..unknowns {
                for q in 0..unknowns {
                    normal[p][q] += row[p] * row[q];
                }
            }
        }
        // A small ridge on the slopes: along a direction the points do not span (a grid
        // row's points are collinear) the fit is flat instead of singular.
        let ridge = 1e-6 * (1..unknowns).map(|p| normal[p][p]).fold(0.0, f64::max);
        for (p, row) in normal.iter_mut().enumerate().take(unknowns).skip(1) {
            row[p] += ridge;
        }
        let mut e1 = [0.0; MAX_FIT_UNKNOWNS];
        e1[0] = 1.0;
        let z = solve_small(&mut normal, &mut e1, unknowns)?;
        let weights: Vec<f64> = rows
            .iter()
            .map(|row| (0..unknowns).map(|p| row[p] * z[p]).sum())
            .collect();
        let spread: f64 = weights.iter().map(|w| w.abs()).sum();
        if !spread.is_finite() || spread > MAX_FIT_WEIGHT {
            return None;
        }
        // The nearest point last: its valve states, post state and Jacobian are kept.
        let points: Vec<&WarmStart> = near.iter().rev().map(|(_, (_, w))| w).collect();
        let weights: Vec<f64> = weights.into_iter().rev().collect();
        Some(combine(&points, &weights))
    }

    /// The converged states nearest to `coords` among points with the same words (the latest
    /// of equally near ones); the latest point's if none has the same words.
    fn nearest(&self, coords: &[Coord]) -> &WarmStart {
        let latest = &self.done[self.done.len() - 1].1;
        self.done
            .iter()
            .rev()
            .filter_map(|(c, w)| squared_distance(c, coords).map(|d| (d, w)))
            .fold(None, |best: Option<(f64, &WarmStart)>, (d, w)| match best {
                Some((best_d, _)) if best_d <= d => best,
                _ => Some((d, w)),
            })
            .map_or(latest, |(_, w)| w)
    }
}

/// Squared distance between two points; `None` if a word differs.
fn squared_distance(a: &[Coord], b: &[Coord]) -> Option<f64> {
    a.iter().zip(b).try_fold(0.0, |sum, pair| match pair {
        (Coord::Num(x), Coord::Num(y)) => Some(sum + (x - y).powi(2)),
        (Coord::Word(x), Coord::Word(y)) if x == y => Some(sum),
        _ => None,
    })
}

/// Abscissae of the previous points `prev` (oldest first) on the line through the newest of them
/// and the new point `new`, which sits at s = 0 with the newest at s = −1: for the longest run
/// of newest points that lie on that line (same words, numeric offsets parallel), strictly in
/// order, with the step to the new point at most [`MAX_PREDICTOR_RATIO`] times the previous
/// step. Oldest first; at least the newest point's −1, or empty when the new point is the
/// newest one again or changes a word.
fn line_positions(prev: &[&[Coord]], new: &[Coord]) -> Vec<f64> {
    let Some(newest) = prev.last() else {
        return Vec::new();
    };
    // Offsets from the new point; `None` if a word differs.
    let offset = |p: &[Coord]| -> Option<Vec<f64>> {
        p.iter()
            .zip(new)
            .filter_map(|pair| match pair {
                (Coord::Num(a), Coord::Num(b)) => Some(Some(a - b)),
                (Coord::Word(a), Coord::Word(b)) if a == b => None,
                _ => Some(None),
            })
            .collect()
    };
    let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>();
    let Some(back) = offset(newest) else {
        return Vec::new();
    };
    let step2 = dot(&back, &back);
    if step2 <= 0.0 {
        return Vec::new();
    }
    let mut s = vec![-1.0];
    for p in prev.iter().rev().skip(1) {
        let Some(o) = offset(p) else { break };
        // o = −s·back if on the line (back points from the new point to the newest).
        let along = -dot(&o, &back) / step2;
        let off_line: f64 = o
            .iter()
            .zip(&back)
            .map(|(a, b)| (a + along * b).powi(2))
            .sum();
        let previous = s[0];
        let in_order = along < previous;
        let even = s.len() > 1 || 1.0 <= MAX_PREDICTOR_RATIO * (previous - along);
        if off_line > 1e-12 * dot(&o, &o) || !in_order || !even {
            break;
        }
        s.insert(0, along);
    }
    s
}

/// Weights wᵢ of the Lagrange polynomial through abscissae `s` evaluated at 0: Σ wᵢ·yᵢ.
fn lagrange_weights_at_zero(s: &[f64]) -> Vec<f64> {
    (0..s.len())
        .map(|i| {
            (0..s.len())
                .filter(|&j| j != i)
                .map(|j| -s[j] / (s[i] - s[j]))
                .product()
        })
        .collect()
}

/// The warm start `Σ wᵢ·pointsᵢ` (oldest first; the last point is the newest or nearest): states
/// by [`extrapolate`], outer-loop values likewise, the post-clip state only if every point has
/// one (else the last point's), the outer loops' Jacobian estimate of the last point.
fn combine(points: &[&WarmStart], weights: &[f64]) -> WarmStart {
    let last = points[points.len() - 1];
    let pre = extrapolate(points.iter().map(|w| &w.pre), weights, &last.pre);
    let post = match &last.post {
        Some(b) if points.iter().all(|w| w.post.is_some()) => Some(extrapolate(
            points.iter().filter_map(|w| w.post.as_ref()),
            weights,
            b,
        )),
        b => *b,
    };
    let outer = |pick: fn(&WarmStart) -> OuterGuess| OuterGuess {
        sensed_map_mmhg: extrapolate_scalar(
            points.iter().map(|w| pick(w).sensed_map_mmhg),
            weights,
        ),
        leak_gain: extrapolate_scalar(points.iter().map(|w| pick(w).leak_gain), weights)
            .filter(|g| *g > 0.0),
        jacobian: pick(last).jacobian,
        state_slope: pick(last).state_slope,
    };
    WarmStart {
        pre,
        post,
        pre_outer: outer(|w| w.pre_outer),
        post_outer: outer(|w| w.post_outer),
    }
}

/// `Σ wᵢ·xᵢ` of an outer loop's settled values; `None` if a point lacks one.
fn extrapolate_scalar(values: impl Iterator<Item = Option<f64>>, weights: &[f64]) -> Option<f64> {
    values
        .zip(weights)
        .map(|(x, w)| x.map(|x| w * x))
        .sum::<Option<f64>>()
        .filter(|x| x.is_finite())
}

/// `Σ wᵢ·statesᵢ` on the compartment volumes and vessel flows; valve states from `newest` (they
/// live on [0, 1] and at their stops). Falls back to `newest` if a chamber volume would not be
/// positive.
fn extrapolate<'a>(
    states: impl Iterator<Item = &'a State>,
    weights: &[f64],
    newest: &State,
) -> State {
    let mut y = *newest;
    y[..=Q_VEN_PUL].fill(0.0);
    for (state, w) in states.zip(weights) {
        for i in 0..=Q_VEN_PUL {
            y[i] += w * state[i];
        }
    }
    if y[..4].iter().all(|v| *v > 0.0 && v.is_finite()) {
        y
    } else {
        *newest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_points_once() {
        assert_eq!(chunk_range(0, 40, 16), 0..16);
        assert_eq!(chunk_range(2, 40, 16), 32..40);
        assert_eq!(chunk_range(3, 40, 16), 40..40);
    }

    fn nums(v: &[f64]) -> Vec<Coord> {
        v.iter().map(|x| Coord::Num(*x)).collect()
    }

    fn positions(prev: &[&[f64]], new: &[f64]) -> Vec<f64> {
        let prev: Vec<Vec<Coord>> = prev.iter().map(|p| nums(p)).collect();
        let refs: Vec<&[Coord]> = prev.iter().map(Vec::as_slice).collect();
        line_positions(&refs, &nums(new))
    }

    #[test]
    fn the_predictor_uses_the_points_on_a_line() {
        let close = |a: &[f64], b: &[f64]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12)
        };
        // Evenly spaced along the first axis: quadratic through all three.
        let s = positions(&[&[0.0, 1.0], &[0.1, 1.0], &[0.2, 1.0]], &[0.3, 1.0]);
        assert!(close(&s, &[-3.0, -2.0, -1.0]), "{s:?}");
        // Geometric spacing (logspace), ratio 2.
        let s = positions(&[&[1.0], &[2.0], &[4.0]], &[8.0]);
        assert!(close(&s, &[-1.75, -1.5, -1.0]), "{s:?}");
        // A grid row wrapping around: only the newest point (zero-order start).
        let s = positions(&[&[0.0, 0.7], &[0.0, 0.8], &[0.0, 0.9]], &[0.1, 0.0]);
        assert_eq!(s, vec![-1.0]);
        // The row after a wrap: two points on the new line.
        let s = positions(&[&[0.0, 0.9], &[0.1, 0.0], &[0.1, 0.1]], &[0.1, 0.2]);
        assert!(close(&s, &[-2.0, -1.0]), "{s:?}");
        // Backwards, or a step more than twice the last: only the newest.
        assert_eq!(positions(&[&[0.0], &[1.0]], &[0.5]), vec![-1.0]);
        assert_eq!(positions(&[&[0.0], &[1.0]], &[4.0]), vec![-1.0]);
        // The same point again: nothing to extrapolate along.
        assert!(positions(&[&[0.0], &[1.0]], &[1.0]).is_empty());
        // A word that changes ends the line; the same word keeps it.
        let w = |x: f64, word: &str| vec![Coord::Num(x), Coord::Word(AxisValue::Str(word.into()))];
        let (a, b) = (w(0.0, "diode"), w(1.0, "diode"));
        let prev: Vec<&[Coord]> = vec![&a, &b];
        assert!(line_positions(&prev, &w(2.0, "orifice")).is_empty());
        assert_eq!(line_positions(&prev, &w(2.0, "diode")), vec![-2.0, -1.0]);
    }

    /// Off a line, the start is the local affine fit: exact for states that are an affine
    /// function of the coordinates, where the nearest point alone is off by its distance.
    #[test]
    fn a_scattered_point_starts_from_the_affine_fit_of_its_neighbours() {
        let affine = |c: &[f64]| -> WarmStart {
            let pre: State = std::array::from_fn(|i| {
                100.0 + i as f64 + 3.0 * c[0] - 2.0 * c[1] + 0.5 * (i as f64) * c[2]
            });
            WarmStart {
                pre,
                post: None,
                pre_outer: OuterGuess {
                    sensed_map_mmhg: Some(90.0 + c[0] - c[2]),
                    ..OuterGuess::default()
                },
                post_outer: OuterGuess::default(),
            }
        };
        // A scattered 3-axis design (a fixed pseudo-random sequence in the unit cube).
        let points: Vec<[f64; 3]> = (1..=20)
            .map(|k| {
                let k = k as f64;
                [
                    (k * 0.618034) % 1.0,
                    (k * 0.414214) % 1.0,
                    (k * 0.732051) % 1.0,
                ]
            })
            .collect();
        let mut chain = Chain::new(None);
        for p in &points {
            chain.push(nums(p), affine(p));
        }
        let new = [0.5, 0.45, 0.55];
        let predicted = chain.predict(&nums(&new)).expect("a prediction");
        let exact = affine(&new);
        // Exact but for the ridge's pull on the slopes (1e-6 relative).
        for i in 0..=Q_VEN_PUL {
            assert!(
                (predicted.pre[i] - exact.pre[i]).abs() < 1e-5,
                "{i}: {} vs {}",
                predicted.pre[i],
                exact.pre[i]
            );
        }
        let m = predicted.pre_outer.sensed_map_mmhg.expect("extrapolated");
        assert!((m - exact.pre_outer.sensed_map_mmhg.unwrap()).abs() < 1e-5);
        // The nearest point alone would have been off.
        let nearest = chain.nearest(&nums(&new));
        assert!((nearest.pre[0] - exact.pre[0]).abs() > 1e-3);
    }

    #[test]
    fn lagrange_weights_reproduce_polynomials() {
        for s in [
            vec![-1.0],
            vec![-2.0, -1.0],
            vec![-3.0, -2.0, -1.0],
            vec![-1.75, -1.5, -1.0],
        ] {
            let w = lagrange_weights_at_zero(&s);
            // Exact for polynomials of degree < len at s = 0: p(s) = 1 + 2s + 3s².
            let p = |x: f64| {
                [1.0, 2.0, 3.0][..s.len()]
                    .iter()
                    .enumerate()
                    .map(|(k, c)| c * x.powi(k as i32))
                    .sum::<f64>()
            };
            let at_zero: f64 = w.iter().zip(&s).map(|(wi, si)| wi * p(*si)).sum();
            assert!((at_zero - 1.0).abs() < 1e-12, "{s:?}: {at_zero}");
        }
    }
}
