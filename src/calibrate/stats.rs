//! What the fit tells and what it cannot: standard errors and correlations of the fitted
//! parameters from the Jacobian, the identifiability of the set (condition number, parameters the
//! data do not determine), and, for each target left unmet, what limits it (a parameter held at
//! a bound, targets that pull the other way). Why apart from the optimiser: these are read off
//! one Jacobian at the end point, in scaled parameters (ln x, or x over its range), whichever
//! start found it.

use nalgebra::DMatrix;

use super::bounds::Side;
use super::problem::Problem;

/// A parameter is called undetermined when its standard error exceeds this in its scaled
/// coordinate: a factor e^0.5 ≈ 1.65 on a log scale, half the range on a linear one.
pub const UNDETERMINED_SCALED_SE: f64 = 0.5;
/// A parameter whose loading on a direction of zero singular value exceeds this has no
/// standard error (the data cannot fix it).
const NULL_LOADING: f64 = 0.1;
/// A parameter moves a target if |∂r/∂s| is at least this fraction of the largest in its row.
const MOVES_FRACTION: f64 = 0.05;

/// Statistics of the end point.
#[derive(Debug, Clone, PartialEq)]
pub struct Statistics {
    /// Standard error of each parameter in its own unit (`None`: not determined at all).
    pub standard_errors: Vec<Option<f64>>,
    /// Standard error in the scaled coordinate.
    pub scaled_standard_errors: Vec<Option<f64>>,
    /// Correlation matrix (`None` where undefined).
    pub correlations: Vec<Vec<Option<f64>>>,
    /// Singular values of the weighted, scaled Jacobian, largest first.
    pub singular_values: Vec<f64>,
    /// σ_max / σ_min (`None`: σ_min is 0).
    pub condition_number: Option<f64>,
    /// Parameters (indices) the targets do not determine.
    pub undetermined: Vec<usize>,
}

/// The statistics at `x`, from `j`: ∂(weighted residual)/∂(scaled parameter), m × n.
pub fn statistics(problem: &Problem, x: &[f64], j: &DMatrix<f64>) -> Statistics {
    let n = j.ncols();
    let svd = j.clone().svd(false, true);
    let mut sv: Vec<f64> = svd.singular_values.iter().copied().collect();
    let v_t = svd.v_t.expect("requested");
    let smax = sv.iter().copied().fold(0.0, f64::max);
    let cutoff = smax * 1e-12;
    // cov = V Σ⁻² Vᵀ; a direction with σ ≈ 0 has unbounded variance.
    let mut cov = DMatrix::<f64>::zeros(n, n);
    let mut unbounded = vec![false; n];
    for (k, &s) in sv.iter().enumerate() {
        let v = v_t.row(k);
        if s <= cutoff {
            for (a, flag) in unbounded.iter_mut().enumerate() {
                if v[a].abs() > NULL_LOADING {
                    *flag = true;
                }
            }
            continue;
        }
        for a in 0..n {
            for b in 0..n {
                cov[(a, b)] += v[a] * v[b] / (s * s);
            }
        }
    }
    let scaled_se: Vec<Option<f64>> = (0..n)
        .map(|a| (!unbounded[a]).then(|| cov[(a, a)].sqrt()))
        .collect();
    let standard_errors = problem
        .parameters
        .iter()
        .zip(&scaled_se)
        .zip(x)
        .map(|((p, se), x)| {
            se.map(|se| {
                if p.bounds.log_scale() {
                    x * se
                } else {
                    se * (p.bounds.upper - p.bounds.lower)
                }
            })
        })
        .collect();
    let correlations = (0..n)
        .map(|a| {
            (0..n)
                .map(|b| match (scaled_se[a], scaled_se[b]) {
                    (Some(sa), Some(sb)) if sa > 0.0 && sb > 0.0 => {
                        Some((cov[(a, b)] / (sa * sb)).clamp(-1.0, 1.0))
                    }
                    _ => None,
                })
                .collect()
        })
        .collect();
    sv.sort_by(|a, b| b.total_cmp(a));
    let smin = sv.last().copied().unwrap_or(0.0);
    let condition_number = (smin > cutoff).then(|| smax / smin);
    let undetermined = (0..n)
        .filter(|&a| scaled_se[a].is_none_or(|se| se > UNDETERMINED_SCALED_SE))
        .collect();
    Statistics {
        standard_errors,
        scaled_standard_errors: scaled_se,
        correlations,
        singular_values: sv,
        condition_number,
        undetermined,
    }
}

/// What keeps an unmet target from its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    pub target: usize,
    /// Parameters held at a bound that would move the target towards its value.
    pub at_bound: Vec<(usize, Side)>,
    /// Targets whose residuals pull the shared parameters the other way, strongest first.
    pub conflicting: Vec<usize>,
    /// No free parameter moves this target noticeably.
    pub unmoved: bool,
}

/// The limits of the unmet targets (`met[i]` false) at `x`, with weighted residuals `r` and
/// `j` = ∂r/∂(scaled parameter).
pub fn limits(
    problem: &Problem,
    x: &[f64],
    r: &[f64],
    j: &DMatrix<f64>,
    met: &[bool],
) -> Vec<Limit> {
    let n = j.ncols();
    let pull = |i: usize| -> Vec<f64> { (0..n).map(|k| r[i] * j[(i, k)]).collect() };
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    (0..r.len())
        .filter(|&i| !met[i])
        .map(|i| {
            let row_max = (0..n).map(|k| j[(i, k)].abs()).fold(0.0, f64::max);
            let g = pull(i);
            let at_bound = problem
                .parameters
                .iter()
                .enumerate()
                .filter(|(k, _)| j[(i, *k)].abs() >= MOVES_FRACTION * row_max && row_max > 0.0)
                .filter_map(|(k, p)| {
                    // Descent for this target alone moves parameter k by −g[k].
                    let side = p.bounds.at_bound(x[k])?;
                    let wants_up = -g[k] > 0.0;
                    (wants_up == (side == Side::Upper)).then_some((k, side))
                })
                .collect();
            let gg = dot(&g, &g);
            let mut against: Vec<(usize, f64)> = (0..r.len())
                .filter(|&o| o != i)
                .map(|o| (o, dot(&pull(o), &g) / gg.max(f64::MIN_POSITIVE)))
                .filter(|(_, c)| *c < -0.05)
                .collect();
            against.sort_by(|a, b| a.1.total_cmp(&b.1));
            Limit {
                target: i,
                at_bound,
                conflicting: against.into_iter().map(|(o, _)| o).collect(),
                unmoved: row_max * 1.0 < 1e-3,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::bounds::Bounds;
    use crate::calibrate::file::At;
    use crate::calibrate::problem::{Origin, Parameter, Target};
    use crate::scenario::ScenarioTemplate;

    fn problem(n: usize, m: usize) -> Problem {
        let at = At {
            file: "f".into(),
            line: None,
        };
        Problem {
            template: ScenarioTemplate::parse("version = 1", "t.toml", None).expect("valid"),
            fixed_sets: Vec::new(),
            parameters: (0..n)
                .map(|k| Parameter {
                    key: format!("p{k}"),
                    bounds: Bounds::new(0.5, 2.0),
                    base: 1.0,
                    origin: Origin::Default,
                })
                .collect(),
            targets: (0..m)
                .map(|k| Target {
                    key: format!("t{k}"),
                    value: 1.0,
                    sd: 1.0,
                    sd_given: true,
                    at: at.clone(),
                })
                .collect(),
        }
    }

    #[test]
    fn standard_errors_and_correlations_of_a_known_jacobian() {
        // r = [2 s0, s0 + s1]: cov = (JᵀJ)⁻¹ = [[0.25, −0.25], [−0.25, 1.25]].
        let j = DMatrix::from_row_slice(2, 2, &[2.0, 0.0, 1.0, 1.0]);
        let s = statistics(&problem(2, 2), &[1.0, 1.0], &j);
        let se = s.scaled_standard_errors;
        assert!((se[0].unwrap() - 0.5).abs() < 1e-12);
        assert!((se[1].unwrap() - 1.25f64.sqrt()).abs() < 1e-12);
        let c = s.correlations[0][1].unwrap();
        assert!((c + 0.25 / (0.5 * 1.25f64.sqrt())).abs() < 1e-12);
        assert_eq!(s.undetermined, vec![1]);
        assert!(s.condition_number.unwrap() > 1.0);
    }

    #[test]
    fn a_parameter_no_target_sees_is_undetermined() {
        let j = DMatrix::from_row_slice(2, 2, &[3.0, 0.0, 1.0, 0.0]);
        let s = statistics(&problem(2, 2), &[1.0, 1.0], &j);
        assert_eq!(s.scaled_standard_errors[1], None);
        assert_eq!(s.condition_number, None);
        assert_eq!(s.undetermined, vec![1]);
    }

    #[test]
    fn conflicts_and_bounds_are_named() {
        // Two targets moved the same way by one parameter, one above and one below: each is
        // the other's conflict. A parameter at its upper bound that target 0 wants higher.
        let p = problem(2, 2);
        let j = DMatrix::from_row_slice(2, 2, &[1.0, -1.0, 1.0, 0.0]);
        let limits = limits(&p, &[1.0, 2.0], &[-1.0, 1.0], &j, &[false, false]);
        assert_eq!(limits[0].conflicting, vec![1]);
        assert_eq!(limits[1].conflicting, vec![0]);
        // Target 0 (r = −1) wants s0 up (−g0 = 1) and s1 down (−g1 = −1): p1 at its upper bound
        // can go down, so it does not limit target 0.
        assert!(limits[0].at_bound.is_empty());
        let limits2 = super::limits(&p, &[1.0, 2.0], &[-1.0, 1.0], &(-j), &[false, true]);
        assert_eq!(limits2[0].at_bound, vec![(1, Side::Upper)]);
    }
}
