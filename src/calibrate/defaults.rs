//! The default free parameters, for a calibration file without `[free]`: from a fixed pool of
//! candidate parameters (each with default bounds around the base value), the subset that the
//! given targets determine best. Why computed rather than tabulated: which parameter moves which
//! measurement depends on the patient (a stiff dilated LV answers differently from a normal
//! one) and on the model (the lead's physiology changes move it too), so the choice is read off
//! the sensitivities at the base scenario itself — the same computation that prints the table
//! in docs/calibration.md (`mitralsim calibrate --sensitivity-table SCENARIO`).
//!
//! Rule: compute S = ∂(weighted residual)/∂(ln parameter) for every candidate at the base; pick
//! greedily the candidate whose column, made orthogonal to those already picked, is longest
//! (column-pivoted Gram–Schmidt); stop at as many parameters as targets, or when the next
//! column is shorter than [`MIN_PIVOT_NORM`]: doubling that parameter would move the targets by
//! less than one sd beyond what the parameters already picked can do.

use super::bounds::Bounds;
use super::problem::Origin;
use super::setup::{allowed, base_value, parameter, Base};
use crate::calibrate::problem::Parameter;

/// How the default bounds of a candidate are set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Range {
    /// Base value times (lower, upper).
    Factor(f64, f64),
    /// Absolute bounds.
    Absolute(f64, f64),
}

/// A candidate parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub key: &'static str,
    pub range: Range,
    /// What it stands for, for the docs and the table.
    pub meaning: &'static str,
}

/// The pool. A candidate whose key the base scenario does not have as a number (e.g. `eb` of an
/// exponential LV) is left out.
pub const CANDIDATES: [Candidate; 12] = [
    Candidate {
        key: "chambers.lv.ea",
        range: Range::Factor(0.2, 5.0),
        meaning: "LV contractility (active elastance)",
    },
    Candidate {
        key: "chambers.lv.eb",
        range: Range::Factor(0.2, 5.0),
        meaning: "LV passive stiffness (linear)",
    },
    Candidate {
        key: "chambers.lv.p0_mmhg",
        range: Range::Factor(0.2, 5.0),
        meaning: "LV passive stiffness (exponential)",
    },
    Candidate {
        key: "chambers.lv.v0_ml",
        range: Range::Factor(0.25, 4.0),
        meaning: "LV unloaded volume (dilatation)",
    },
    Candidate {
        key: "circulation.systemic.r_ar",
        range: Range::Factor(0.25, 4.0),
        meaning: "systemic arterial resistance",
    },
    Candidate {
        key: "circulation.systemic.c_ar",
        range: Range::Factor(0.25, 4.0),
        meaning: "systemic arterial compliance",
    },
    Candidate {
        key: "initial.blood_volume_ml",
        range: Range::Factor(0.6, 1.6),
        meaning: "blood volume (filling)",
    },
    Candidate {
        key: "valves.mitral.eroa_cm2",
        range: Range::Absolute(0.02, 1.2),
        meaning: "regurgitant orifice",
    },
    Candidate {
        key: "chambers.la.eb",
        range: Range::Factor(0.2, 5.0),
        meaning: "LA passive stiffness",
    },
    Candidate {
        key: "chambers.la.p0_mmhg",
        range: Range::Factor(0.2, 5.0),
        meaning: "LA passive stiffness (exponential)",
    },
    Candidate {
        key: "baroreflex.set_point_mmhg",
        range: Range::Factor(0.7, 1.4),
        meaning: "baroreflex set point (mean arterial pressure held)",
    },
    Candidate {
        key: "circulation.pulmonary.r_ar",
        range: Range::Factor(0.25, 4.0),
        meaning: "pulmonary arterial resistance",
    },
];

/// Greedy selection stops when the next orthogonalised column is shorter than this (weighted
/// residual per unit of ln parameter).
pub const MIN_PIVOT_NORM: f64 = 1.0;

/// Bisections towards the base value when a default bound is outside what the scenario allows.
const BOUND_RETRIES: u32 = 12;

/// The candidates the base scenario has and `[set]` does not fix, with default bounds the
/// scenario accepts.
pub fn pool(base: &Base) -> Vec<(Candidate, Parameter)> {
    CANDIDATES
        .iter()
        .filter(|c| !base.is_fixed(c.key))
        .filter_map(|c| {
            let value = base_value(base, c.key).ok().filter(|v| *v > 0.0)?;
            let (mut lo, mut hi) = match c.range {
                Range::Factor(a, b) => (value * a, value * b),
                Range::Absolute(a, b) => (a.min(value), b.max(value)),
            };
            // Shrink a bound the scenario refuses halfway (geometrically) towards the base
            // value, the other one kept.
            let accepts = |x: f64| allowed(base, c.key, x).is_ok();
            for _ in 0..BOUND_RETRIES {
                if accepts(lo) {
                    break;
                }
                lo = (lo * value).sqrt();
            }
            for _ in 0..BOUND_RETRIES {
                if accepts(hi) {
                    break;
                }
                hi = (hi * value).sqrt();
            }
            if lo < hi {
                if let Ok(p) = parameter(base, c.key, Bounds::new(lo, hi), Origin::Default) {
                    return Some((*c, p));
                }
            }
            None
        })
        .collect()
}

/// Indices of the candidates picked by the rule of the module; `columns[k]` is candidate k's
/// column of S (one entry per target).
pub fn select(columns: &[Vec<f64>], max_picks: usize) -> Vec<usize> {
    let mut cols: Vec<Vec<f64>> = columns.to_vec();
    let norm = |c: &[f64]| c.iter().map(|v| v * v).sum::<f64>().sqrt();
    let mut picked: Vec<usize> = Vec::new();
    while picked.len() < max_picks.min(cols.len()) {
        let Some((k, len)) = (0..cols.len())
            .filter(|k| !picked.contains(k))
            .map(|k| (k, norm(&cols[k])))
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
        else {
            break;
        };
        if len < MIN_PIVOT_NORM {
            break;
        }
        picked.push(k);
        let q: Vec<f64> = cols[k].iter().map(|v| v / len).collect();
        for (o, col) in cols.iter_mut().enumerate() {
            if picked.contains(&o) {
                continue;
            }
            let d: f64 = col.iter().zip(&q).map(|(a, b)| a * b).sum();
            for (a, b) in col.iter_mut().zip(&q) {
                *a -= d * b;
            }
        }
    }
    picked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_independent_columns_first() {
        // Columns as given: c0 long, c1 parallel to c0, c2 orthogonal and shorter.
        let s = vec![vec![3.0, 0.0], vec![2.9, 0.1], vec![0.0, 1.0]];
        assert_eq!(select(&s, 2), vec![0, 2]);
        // A negligible column is never picked.
        let s = vec![vec![3.0, 0.0], vec![0.0, 0.5]];
        assert_eq!(select(&s, 2), vec![0]);
    }
}
