//! Points of a sweep: the cartesian grid, Latin hypercube, Sobol', Saltelli and plain random
//! designs, each computed from the point index alone.
//!
//! Why index-addressed: a sweep of millions of points is never materialised. Chunks run in any
//! order on any thread, a shard computes only its chunks and a resumed run only what is missing;
//! all of them need "point i" in O(axes), deterministically from the sweep file (and its `seed`).
//! The one table: a Latin hypercube's samples are numbered along a short path through parameter
//! space ([`Points::along_path`], 4 bytes per point) so that a chunk's points are neighbours.
//! A sampled design makes unit coordinates in [0, 1); each axis's [`Distribution`] turns them
//! into values by its inverse CDF.

use super::distribution::Distribution;
use super::sobol::Sobol;

/// One value of one axis, as it goes into `--set key=value` and into results.csv.
#[derive(Debug, Clone, PartialEq)]
pub enum AxisValue {
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
    /// An array or a table (e.g. a `clip.clips` list of clips), held as TOML. Its text is
    /// inline TOML on one line with the tables' keys in sorted order, so equal values have
    /// equal text (`[{ position_mm = 17.5, size = "NT" }]`).
    Structured(toml::Value),
}

impl AxisValue {
    /// The `value` of a `--set key=value` argument that sets exactly this value: integers as
    /// integers, floats in a form TOML reads back bit for bit (`{:?}` is Rust's shortest
    /// round-trip form with a `.0` or exponent, so never mistaken for an integer), strings quoted.
    pub fn set_text(&self) -> String {
        match self {
            AxisValue::Int(i) => i.to_string(),
            AxisValue::Float(x) => format!("{x:?}"),
            AxisValue::Bool(b) => b.to_string(),
            AxisValue::Str(s) => toml::Value::String(s.clone()).to_string(),
            AxisValue::Structured(v) => v.to_string(),
        }
    }

    /// The results.csv cell: numbers in Rust's shortest round-trip form (`{}`), a structured
    /// value as its inline TOML (one line; `results::line` quotes it for CSV).
    pub fn cell(&self) -> String {
        match self {
            AxisValue::Int(i) => i.to_string(),
            AxisValue::Float(x) => format!("{x}"),
            AxisValue::Bool(b) => b.to_string(),
            AxisValue::Str(s) => s.clone(),
            AxisValue::Structured(v) => v.to_string(),
        }
    }

    /// The value as JSON, for sweep.json (a structured value as the same array or object).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            AxisValue::Int(i) => (*i).into(),
            AxisValue::Float(x) => (*x).into(),
            AxisValue::Bool(b) => (*b).into(),
            AxisValue::Str(s) => s.as_str().into(),
            AxisValue::Structured(v) => serde_json::to_value(v).unwrap_or_default(),
        }
    }

    /// The value as a number, for the warm-start predictor; `None` for words.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            AxisValue::Int(i) => Some(*i as f64),
            AxisValue::Float(x) => Some(*x),
            _ => None,
        }
    }
}

impl std::fmt::Display for AxisValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AxisValue::Str(s) => write!(f, "{s:?}"),
            other => f.write_str(&other.cell()),
        }
    }
}

/// How a validated axis spans its values.
#[derive(Debug, Clone, PartialEq)]
pub enum AxisValues {
    /// Grid axes: the list (from `values`, `linspace` or `logspace`).
    List(Vec<AxisValue>),
    /// Sampled axes (lhs, sobol, saltelli, random): the smallest and largest value the axis's
    /// distribution gives (its [`Distribution::span`]; a `range` is uniform on `[lo, hi)`).
    Range { lo: f64, hi: f64 },
}

/// `n` values evenly spaced from `a` to `b`, both included exactly. The caller bounds `n` (the
/// sweep file's `max_points`); ends so far apart that `b - a` overflows are interpolated as
/// `a (1 - t) + b t` instead, so the values stay finite.
pub fn linspace(a: f64, b: f64, n: u64) -> Vec<f64> {
    let span = b - a;
    match n {
        0 => Vec::new(),
        1 => vec![a],
        _ => (0..n)
            .map(|k| {
                let t = k as f64 / (n - 1) as f64;
                if k == n - 1 {
                    b
                } else if span.is_finite() {
                    a + span * t
                } else {
                    a * (1.0 - t) + b * t
                }
            })
            .collect(),
    }
}

/// `n` values in geometric progression from `a` to `b` (both > 0, included exactly). Unlike
/// numpy's `logspace`, `a` and `b` are the values themselves, not powers of ten.
pub fn logspace(a: f64, b: f64, n: u64) -> Vec<f64> {
    let (la, lb) = (a.ln(), b.ln());
    linspace(la, lb, n)
        .into_iter()
        .enumerate()
        .map(|(k, l)| match k as u64 {
            0 => a,
            k if k == n - 1 => b,
            _ => l.exp(),
        })
        .collect()
}

/// The design: how point `i` is made from the axes.
#[derive(Debug, Clone, PartialEq)]
pub enum Design {
    /// Cartesian product; the last axis varies fastest (like nested loops, first axis outermost).
    Grid { sizes: Vec<u64> },
    /// Latin hypercube of `samples` points: on each axis every one of the `samples` equal strata
    /// holds exactly one point, at a uniformly random place; strata are paired across axes by an
    /// independent random permutation per axis.
    Lhs { samples: u64, seed: u64 },
    /// The first `samples` points of the Sobol' sequence, randomised by a digital shift.
    Sobol { samples: u64, sobol: Sobol },
    /// Saltelli's design for Sobol' indices (Saltelli et al. 2010, Comput Phys Commun 181:259):
    /// `samples` base samples of a 2D-dimensional digitally shifted Sobol' sequence, matrix A its
    /// first D coordinates, B its last D, AB_i = A with column i from B; D + 2 points per base
    /// sample, numbered as [`saltelli_point`] says.
    Saltelli { samples: u64, sobol: Sobol },
    /// `samples` independent uniform points: coordinate d of sample j is a hash of
    /// (seed, j, d).
    Random { samples: u64, seed: u64 },
}

/// What a point of a Saltelli design is, within its base sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaltelliRole {
    /// Row of matrix A.
    A,
    /// Row of AB_i: A with column `i` (0-based axis) taken from B.
    Ab(usize),
    /// Row of matrix B.
    B,
}

/// The index of the point `role` of base sample `sample` in a Saltelli design over `dims` axes.
/// Each base sample's D + 2 points are consecutive: A, AB_1, …, AB_D, B (index
/// `sample·(D+2) + k`, k = 0 for A, i for AB_i, D + 1 for B), so that a chunk's chain steps
/// from A to points one coordinate away (docs/sweeps.md, "Sensitivity").
pub fn saltelli_index(sample: u64, role: SaltelliRole, dims: usize) -> u64 {
    let k = match role {
        SaltelliRole::A => 0,
        SaltelliRole::Ab(i) => i as u64 + 1,
        SaltelliRole::B => dims as u64 + 1,
    };
    sample * (dims as u64 + 2) + k
}

/// The base sample and role of point `index` of a Saltelli design over `dims` axes (the inverse
/// of [`saltelli_index`]).
pub fn saltelli_point(index: u64, dims: usize) -> (u64, SaltelliRole) {
    let block = dims as u64 + 2;
    let role = match (index % block) as usize {
        0 => SaltelliRole::A,
        k if k == dims + 1 => SaltelliRole::B,
        k => SaltelliRole::Ab(k - 1),
    };
    (index / block, role)
}

/// The point generator of a validated sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Points {
    /// Grid axes (empty for a sampled design).
    axes: Vec<AxisValues>,
    /// Sampled axes' distributions (empty for a grid).
    dists: Vec<Distribution>,
    design: Design,
    len: u64,
    /// A Latin hypercube after [`Points::along_path`]: `path[i]` is the sample that is point `i`.
    path: Option<std::sync::Arc<[u32]>>,
}

/// Why a design cannot be built (reported by the sweep file check).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DesignError {
    #[error("the grid has more than 2^64 points")]
    Overflow,
    #[error("sobol supports at most {max} axes, this sweep has {axes}")]
    TooManySobolAxes { axes: usize, max: usize },
    #[error("{mode} supports at most 2^32 samples")]
    TooManySobolSamples { mode: &'static str },
    #[error("saltelli supports at most {max} axes (a Sobol' sequence of 2 per axis), this sweep has {axes}")]
    TooManySaltelliAxes { axes: usize, max: usize },
}

impl Points {
    /// A grid over `List` axes.
    pub fn grid(axes: Vec<AxisValues>) -> Result<Self, DesignError> {
        let sizes: Vec<u64> = axes
            .iter()
            .map(|a| match a {
                AxisValues::List(v) => v.len() as u64,
                AxisValues::Range { .. } => 0,
            })
            .collect();
        let len = sizes
            .iter()
            .try_fold(1u64, |acc, &n| acc.checked_mul(n))
            .ok_or(DesignError::Overflow)?;
        Ok(Self {
            axes,
            dists: Vec::new(),
            design: Design::Grid { sizes },
            len,
            path: None,
        })
    }

    /// A sampled design of `len` points over axes with these distributions.
    fn sampled(dists: Vec<Distribution>, design: Design, len: u64) -> Self {
        Self {
            axes: Vec::new(),
            dists,
            design,
            len,
            path: None,
        }
    }

    /// A Latin hypercube.
    pub fn lhs(dists: Vec<Distribution>, samples: u64, seed: u64) -> Self {
        Self::sampled(dists, Design::Lhs { samples, seed }, samples)
    }

    /// `samples` independent uniform points (mode `random`).
    pub fn random(dists: Vec<Distribution>, samples: u64, seed: u64) -> Self {
        Self::sampled(dists, Design::Random { samples, seed }, samples)
    }

    /// Sobol' points; the digital shift of each axis is drawn from `seed`.
    pub fn sobol(dists: Vec<Distribution>, samples: u64, seed: u64) -> Result<Self, DesignError> {
        if dists.len() > super::sobol::MAX_DIMS {
            return Err(DesignError::TooManySobolAxes {
                axes: dists.len(),
                max: super::sobol::MAX_DIMS,
            });
        }
        let sobol = shifted_sobol(dists.len(), samples, seed, SOBOL_SALT, "sobol")?;
        Ok(Self::sampled(
            dists,
            Design::Sobol { samples, sobol },
            samples,
        ))
    }

    /// Saltelli's design of `samples` base samples: `samples·(D+2)` points (see
    /// [`Design::Saltelli`]); the digital shifts of its 2D Sobol' dimensions are drawn from
    /// `seed`.
    pub fn saltelli(
        dists: Vec<Distribution>,
        samples: u64,
        seed: u64,
    ) -> Result<Self, DesignError> {
        let max = super::sobol::MAX_DIMS / 2;
        if dists.len() > max {
            return Err(DesignError::TooManySaltelliAxes {
                axes: dists.len(),
                max,
            });
        }
        let sobol = shifted_sobol(2 * dists.len(), samples, seed, SALTELLI_SALT, "saltelli")?;
        let len = samples
            .checked_mul(dists.len() as u64 + 2)
            .ok_or(DesignError::Overflow)?;
        Ok(Self::sampled(
            dists,
            Design::Saltelli { samples, sobol },
            len,
        ))
    }

    /// Number of points.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn design(&self) -> &Design {
        &self.design
    }

    /// The axis values of point `index` (< `len`), in axis order.
    pub fn point(&self, index: u64) -> Vec<AxisValue> {
        debug_assert!(index < self.len);
        match &self.design {
            Design::Grid { sizes } => {
                let mut rest = index;
                let mut digits = vec![0; sizes.len()];
                for (d, n) in digits.iter_mut().zip(sizes).rev() {
                    *d = rest % n;
                    rest /= n;
                }
                self.axes
                    .iter()
                    .zip(digits)
                    .map(|(axis, k)| match axis {
                        AxisValues::List(v) => v[k as usize].clone(),
                        AxisValues::Range { .. } => unreachable!("grid axes are lists"),
                    })
                    .collect()
            }
            Design::Saltelli { sobol, .. } => {
                let dims = self.dists.len();
                let (sample, role) = saltelli_point(index, dims);
                (0..dims)
                    .map(|d| {
                        let from_b = match role {
                            SaltelliRole::A => false,
                            SaltelliRole::Ab(i) => i == d,
                            SaltelliRole::B => true,
                        };
                        let column = if from_b { dims + d } else { d };
                        self.scale(d, sobol.coordinate(sample as u32, column))
                    })
                    .collect()
            }
            Design::Lhs { .. } | Design::Sobol { .. } | Design::Random { .. } => {
                let sample = self
                    .path
                    .as_ref()
                    .map_or(index, |p| u64::from(p[index as usize]));
                (0..self.dists.len())
                    .map(|d| self.scale(d, self.unit_coordinate(sample, d)))
                    .collect()
            }
        }
    }

    /// Coordinate `d` in [0, 1) of sample `sample` of an LHS, Sobol' or random design.
    fn unit_coordinate(&self, sample: u64, d: usize) -> f64 {
        match &self.design {
            Design::Lhs { samples, seed } => {
                let key = hash(&[*seed, LHS_SALT, d as u64]);
                let stratum = permute(sample, *samples, key);
                let jitter = unit(hash(&[key, sample]));
                (stratum as f64 + jitter) / *samples as f64
            }
            Design::Sobol { sobol, .. } => sobol.coordinate(sample as u32, d),
            Design::Random { seed, .. } => unit(hash(&[*seed, RANDOM_SALT, sample, d as u64])),
            Design::Grid { .. } | Design::Saltelli { .. } => {
                unreachable!("grid and saltelli points are made in `point`")
            }
        }
    }

    /// A Latin hypercube with its samples numbered along a Hilbert curve through the unit cube
    /// of its axes: the same set of points, consecutive ones close together, so that a chunk of
    /// consecutive points is a short path in parameter space and each point starts next to its
    /// predecessor's solution (docs/sweeps.md, "Warm start"). Grids are in order already; a
    /// Sobol' design keeps its sequence order, whose every prefix is itself a Sobol' design; a
    /// random design is numbered along the curve like a hypercube; a Saltelli design keeps its
    /// base samples' blocks (see [`saltelli_index`]).
    /// Costs 4 bytes per point, kept for the sweep (8 while sorting); designs of more than
    /// [`MAX_PATH_POINTS`] points keep their sample order.
    pub fn along_path(mut self) -> Self {
        if !matches!(self.design, Design::Lhs { .. } | Design::Random { .. })
            || self.len > MAX_PATH_POINTS
        {
            return self;
        }
        // One u64 per sample while sorting: the curve position in the high bits, the sample
        // number in the low ones (≥ 40 bits of position: ≥ 13 bits per axis up to 3 axes, far
        // finer than the samples' spacing).
        let sample_bits = 64 - (self.len.max(2) - 1).leading_zeros();
        let dims = self.dists.len().max(1) as u32;
        let bits = ((64 - sample_bits) / dims).min(32);
        let mut keyed: Vec<u64> = (0..self.len)
            .map(|sample| {
                let cell: Vec<u64> = (0..self.dists.len())
                    .map(|d| (self.unit_coordinate(sample, d) * (1u64 << bits) as f64) as u64)
                    .collect();
                (hilbert_key(cell, bits) << sample_bits) | sample
            })
            .collect();
        keyed.sort_unstable();
        let mask = (1u64 << sample_bits) - 1;
        self.path = Some(keyed.into_iter().map(|k| (k & mask) as u32).collect());
        self
    }

    /// `u` ∈ [0, 1) mapped onto sampled axis `d` by its distribution.
    fn scale(&self, d: usize, u: f64) -> AxisValue {
        AxisValue::Float(self.dists[d].value(u))
    }
}

/// A Sobol' sequence of `dims` dimensions for `samples` points, digitally shifted by words drawn
/// from `seed` (and `salt`, one per design).
fn shifted_sobol(
    dims: usize,
    samples: u64,
    seed: u64,
    salt: u64,
    mode: &'static str,
) -> Result<Sobol, DesignError> {
    if samples > u64::from(u32::MAX) + 1 {
        return Err(DesignError::TooManySobolSamples { mode });
    }
    let shifts = (0..dims as u64)
        .map(|d| (hash(&[seed, salt, d]) >> 32) as u32)
        .collect();
    Ok(Sobol::new(shifts))
}

/// Largest Latin hypercube numbered along a Hilbert curve ([`Points::along_path`]).
pub const MAX_PATH_POINTS: u64 = 1 << 24;

/// Position along the Hilbert curve of the cell `x` (each coordinate below 2^`bits`;
/// `x.len()·bits` ≤ 64), by Skilling's transpose algorithm (AIP Conf. Proc. 707, 381, 2004).
fn hilbert_key(mut x: Vec<u64>, bits: u32) -> u64 {
    let n = x.len();
    match n {
        _ if bits == 0 => return 0,
        0 => return 0,
        1 => return x[0], // one axis: in order along it
        _ => {}
    }
    // Inverse undo of the excess work.
    let mut q = 1u64 << (bits - 1);
    while q > 1 {
        let p = q - 1;
        for i in 0..n {
            if x[i] & q != 0 {
                x[0] ^= p;
            } else {
                let t = (x[0] ^ x[i]) & p;
                x[0] ^= t;
                x[i] ^= t;
            }
        }
        q >>= 1;
    }
    // Gray encode.
    for i in 1..n {
        x[i] ^= x[i - 1];
    }
    let mut t = 0;
    let mut q = 1u64 << (bits - 1);
    while q > 1 {
        if x[n - 1] & q != 0 {
            t ^= q - 1;
        }
        q >>= 1;
    }
    for v in &mut x {
        *v ^= t;
    }
    // Interleave: the most significant bit of every coordinate first.
    let mut key = 0u64;
    for b in (0..bits).rev() {
        for v in &x {
            key = (key << 1) | ((v >> b) & 1);
        }
    }
    key
}

const LHS_SALT: u64 = 0x4c48_5300;
const SOBOL_SALT: u64 = 0x534f_424f_4c00;
const SALTELLI_SALT: u64 = 0x5341_4c54_454c;
const RANDOM_SALT: u64 = 0x5241_4e44_4f4d;

/// SplitMix64's finaliser (Steele, Lea & Flood 2014): a well-mixed 64-bit hash.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A hash of several words (fixed, platform independent).
pub(super) fn hash(words: &[u64]) -> u64 {
    words.iter().fold(0x243f_6a88_85a3_08d3, |h, w| {
        mix(h.wrapping_add(0x9e37_79b9_7f4a_7c15) ^ w)
    })
}

/// A uniform number in [0, 1) from the top 53 bits of `h`.
pub(super) fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// A keyed pseudo-random permutation of `0..n`, evaluated at `i`: a 4-round Feistel network
/// on the smallest even number of bits that holds `n`, cycle-walked back into range (Black &
/// Rogaway 2002). O(1) memory, whatever `n`.
fn permute(i: u64, n: u64, key: u64) -> u64 {
    if n <= 1 {
        return 0;
    }
    let bits = (64 - (n - 1).leading_zeros()).max(2).div_ceil(2) * 2;
    let half = bits / 2;
    let mask = (1u64 << half) - 1;
    let mut x = i;
    loop {
        let (mut left, mut right) = (x >> half, x & mask);
        for round in 0..4u64 {
            let f = hash(&[key, round, right]) & mask;
            (left, right) = (right, left ^ f);
        }
        x = (left << half) | right;
        if x < n {
            return x;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::distribution::Shape;

    fn ranges(n: usize) -> Vec<Distribution> {
        (0..n)
            .map(|d| {
                let (lo, hi) = (d as f64, d as f64 + 10.0);
                Distribution::new(Shape::Uniform { lo, hi }, None).unwrap()
            })
            .collect()
    }

    #[test]
    fn linspace_and_logspace_hit_their_ends_exactly() {
        let l = linspace(0.1, 0.6, 6);
        assert_eq!((l.len(), l[0], l[5]), (6, 0.1, 0.6));
        for (x, want) in l.iter().zip([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]) {
            assert!((x - want).abs() < 1e-15, "{x} vs {want}");
        }
        assert_eq!(linspace(2.0, 5.0, 1), vec![2.0]);
        assert_eq!(linspace(-1.7e308, 1.7e308, 3), vec![-1.7e308, 0.0, 1.7e308]);
        let l = logspace(0.01, 100.0, 5);
        assert_eq!(l[0], 0.01);
        assert_eq!(l[4], 100.0);
        for (x, want) in l.iter().zip([0.01, 0.1, 1.0, 10.0, 100.0]) {
            assert!((x / want - 1.0).abs() < 1e-12, "{x} vs {want}");
        }
    }

    #[test]
    fn grid_enumerates_the_product_last_axis_fastest() {
        let ints = |v: &[i64]| AxisValues::List(v.iter().map(|&i| AxisValue::Int(i)).collect());
        let p = Points::grid(vec![ints(&[1, 2]), ints(&[10, 20, 30])]).unwrap();
        assert_eq!(p.len(), 6);
        let all: Vec<Vec<AxisValue>> = (0..6).map(|i| p.point(i)).collect();
        assert_eq!(all[0], vec![AxisValue::Int(1), AxisValue::Int(10)]);
        assert_eq!(all[1], vec![AxisValue::Int(1), AxisValue::Int(20)]);
        assert_eq!(all[5], vec![AxisValue::Int(2), AxisValue::Int(30)]);
        let mut distinct = all.clone();
        distinct.dedup();
        assert_eq!(distinct.len(), 6);
        let big = AxisValues::List(vec![AxisValue::Int(0); 1 << 20]);
        assert_eq!(
            Points::grid(vec![big.clone(), big.clone(), big.clone(), big]),
            Err(DesignError::Overflow)
        );
    }

    #[test]
    fn permutation_is_a_bijection_for_awkward_sizes() {
        for n in [1u64, 2, 3, 7, 16, 17, 1000] {
            let mut seen: Vec<u64> = (0..n).map(|i| permute(i, n, 42)).collect();
            seen.sort_unstable();
            assert_eq!(seen, (0..n).collect::<Vec<_>>(), "n = {n}");
        }
    }

    #[test]
    fn lhs_puts_one_point_in_every_stratum_of_every_axis() {
        let n = 97;
        let p = Points::lhs(ranges(3), n, 7);
        assert_eq!(p.len(), n);
        for d in 0..3 {
            let mut strata: Vec<u64> = (0..n)
                .map(|i| {
                    let x = p.point(i)[d].as_f64().unwrap();
                    assert!(x >= d as f64 && x < d as f64 + 10.0, "{x} outside axis {d}");
                    ((x - d as f64) / 10.0 * n as f64) as u64
                })
                .collect();
            strata.sort_unstable();
            assert_eq!(strata, (0..n).collect::<Vec<_>>(), "axis {d}");
        }
    }

    #[test]
    fn hilbert_keys_step_to_a_neighbouring_cell() {
        for (dims, bits) in [(2, 3), (3, 2)] {
            let side = 1u64 << bits;
            let cells: Vec<Vec<u64>> = (0..side.pow(dims))
                .map(|i| (0..dims).map(|d| i / side.pow(d) % side).collect())
                .collect();
            let mut by_key: Vec<(u64, &Vec<u64>)> = cells
                .iter()
                .map(|c| (hilbert_key(c.clone(), bits as u32), c))
                .collect();
            by_key.sort_unstable();
            let keys: Vec<u64> = by_key.iter().map(|(k, _)| *k).collect();
            assert_eq!(keys, (0..side.pow(dims)).collect::<Vec<_>>(), "a bijection");
            for w in by_key.windows(2) {
                let steps: u64 = w[0].1.iter().zip(w[1].1).map(|(a, b)| a.abs_diff(*b)).sum();
                assert_eq!(steps, 1, "{:?} -> {:?}", w[0].1, w[1].1);
            }
        }
    }

    #[test]
    fn lhs_along_a_path_is_the_same_design_with_shorter_steps() {
        let n = 500;
        let plain = Points::lhs(ranges(3), n, 5);
        let path = plain.clone().along_path();
        let coords = |p: &Points| -> Vec<Vec<f64>> {
            (0..n)
                .map(|i| p.point(i).iter().map(|v| v.as_f64().unwrap()).collect())
                .collect()
        };
        let (a, b) = (coords(&plain), coords(&path));
        let sorted = |mut v: Vec<Vec<f64>>| {
            v.sort_by(|x, y| x.partial_cmp(y).unwrap());
            v
        };
        assert_eq!(sorted(a.clone()), sorted(b.clone()), "the same points");
        let length = |v: &[Vec<f64>]| -> f64 {
            v.windows(2)
                .map(|w| {
                    w[0].iter()
                        .zip(&w[1])
                        .map(|(x, y)| (x - y).powi(2))
                        .sum::<f64>()
                        .sqrt()
                })
                .sum()
        };
        assert!(
            4.0 * length(&b) < length(&a),
            "path {} vs sample order {}",
            length(&b),
            length(&a)
        );
        // Many axes leave no bits for the curve: the sample order, not a panic.
        let wide = Points::lhs(ranges(62), 8, 1).along_path();
        assert!((0..8).all(|i| wide.point(i).len() == 62));
    }

    #[test]
    fn lhs_and_sobol_are_determined_by_the_seed() {
        let all = |p: &Points| (0..p.len()).map(|i| p.point(i)).collect::<Vec<_>>();
        let lhs = |seed| all(&Points::lhs(ranges(2), 50, seed));
        assert_eq!(lhs(1), lhs(1));
        assert_ne!(lhs(1), lhs(2));
        let sobol = |seed| all(&Points::sobol(ranges(2), 50, seed).unwrap());
        assert_eq!(sobol(1), sobol(1));
        assert_ne!(sobol(1), sobol(2));
        // Different axes get different permutations / shifts.
        let p = lhs(3);
        assert_ne!(
            p.iter().map(|v| v[0].as_f64().unwrap()).collect::<Vec<_>>(),
            p.iter()
                .map(|v| v[1].as_f64().unwrap() - 1.0)
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn sobol_points_stay_in_bounds_and_fill_the_strata() {
        let p = Points::sobol(ranges(4), 64, 11).unwrap();
        for d in 0..4 {
            let mut cells: Vec<u64> = (0..64)
                .map(|i| {
                    let x = p.point(i)[d].as_f64().unwrap();
                    assert!(x >= d as f64 && x <= d as f64 + 10.0);
                    ((x - d as f64) / 10.0 * 64.0) as u64
                })
                .collect();
            cells.sort_unstable();
            assert_eq!(cells, (0..64).collect::<Vec<_>>(), "axis {d}");
        }
        assert!(matches!(
            Points::sobol(ranges(65), 8, 0),
            Err(DesignError::TooManySobolAxes { .. })
        ));
    }

    #[test]
    fn random_points_are_independent_draws_of_their_distributions() {
        // 20 000 i.i.d. draws: the sample mean is within 4 standard errors (sd/√N) of the
        // mean, the sample sd within 4 of its own (sd·√((κ − 1)/4N), kurtosis κ ≤ 3.5 for
        // these three) — a false alarm once in 15 000.
        let n = 20_000u64;
        let cases = [
            (
                Shape::Normal {
                    mean: 0.41,
                    sd: 0.15,
                },
                0.41,
                0.15,
            ),
            (
                Shape::LogNormal {
                    mean: 75.0,
                    sd: 8.0,
                },
                75.0,
                8.0,
            ),
            (
                Shape::Triangular {
                    lo: 1.0,
                    mode: 2.0,
                    hi: 5.0,
                },
                8.0 / 3.0,
                (13.0f64 / 18.0).sqrt(),
            ),
        ];
        let dists = cases
            .iter()
            .map(|(shape, _, _)| Distribution::new(*shape, None).unwrap())
            .collect();
        let p = Points::random(dists, n, 3);
        let points: Vec<Vec<f64>> = (0..n)
            .map(|i| p.point(i).iter().map(|v| v.as_f64().unwrap()).collect())
            .collect();
        for (d, (shape, mean, sd)) in cases.iter().enumerate() {
            let xs: Vec<f64> = points.iter().map(|x| x[d]).collect();
            let m = xs.iter().sum::<f64>() / n as f64;
            let s = (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
            let se = sd / (n as f64).sqrt();
            assert!((m - mean).abs() < 4.0 * se, "{shape:?}: mean {m}");
            let se_sd = sd * (2.5 / (4.0 * n as f64)).sqrt();
            assert!((s - sd).abs() < 4.0 * se_sd, "{shape:?}: sd {s}");
        }
        // Truncated: every draw inside the bounds.
        let bounded = Distribution::new(
            Shape::Normal {
                mean: 0.41,
                sd: 0.15,
            },
            Some((0.2, 0.6)),
        );
        let p = Points::random(vec![bounded.unwrap()], 2000, 1);
        assert!((0..2000).all(|i| (0.2..=0.6).contains(&p.point(i)[0].as_f64().unwrap())));
        // Reproducible from the seed alone, and along a path the same set of points.
        let again = Points::random(vec![ranges(1).remove(0)], 100, 9);
        let path = again.clone().along_path();
        let mut a: Vec<f64> = (0..100)
            .map(|i| again.point(i)[0].as_f64().unwrap())
            .collect();
        let mut b: Vec<f64> = (0..100)
            .map(|i| path.point(i)[0].as_f64().unwrap())
            .collect();
        assert_ne!(a, b, "numbered along the curve");
        a.sort_by(f64::total_cmp);
        b.sort_by(f64::total_cmp);
        assert_eq!(a, b);
    }

    #[test]
    fn a_saltelli_design_has_n_times_d_plus_2_points_on_a_sobol_net() {
        let p = Points::saltelli(ranges(3), 64, 2).unwrap();
        assert_eq!(p.len(), 64 * 5);
        // Matrix A (every block's first point) and matrix B (its last) are each a net: one
        // point per 1/64 of every axis.
        for role in [SaltelliRole::A, SaltelliRole::B] {
            for d in 0..3 {
                let mut cells: Vec<u64> = (0..64)
                    .map(|j| {
                        let x = p.point(saltelli_index(j, role, 3))[d].as_f64().unwrap();
                        ((x - d as f64) / 10.0 * 64.0) as u64
                    })
                    .collect();
                cells.sort_unstable();
                assert_eq!(cells, (0..64).collect::<Vec<_>>(), "{role:?}, axis {d}");
            }
        }
        assert_eq!(
            Points::saltelli(ranges(33), 8, 0),
            Err(DesignError::TooManySaltelliAxes { axes: 33, max: 32 })
        );
    }

    #[test]
    fn set_text_reads_back_exactly() {
        for x in [0.1, 75.0, 1e-7, 1e300, 0.30000000000000004, -2.5] {
            let text = AxisValue::Float(x).set_text();
            let back: toml::Table = format!("v = {text}").parse().unwrap();
            assert_eq!(back["v"].as_float(), Some(x), "{text}");
        }
        assert_eq!(AxisValue::Float(75.0).cell(), "75");
        assert_eq!(AxisValue::Str("orifice".into()).set_text(), "\"orifice\"");
    }

    #[test]
    fn a_structured_value_is_one_line_of_toml_that_reads_back_exactly() {
        let written = "v = [{ size = \"XT\", position_mm = 14.5 }, { size = \"XT\", \
                       position_mm = 20.5 }, { segment = \"P2\", size = \"NT\", x = [0.1, 1e300] }]";
        let value = written.parse::<toml::Table>().unwrap()["v"].clone();
        let v = AxisValue::Structured(value.clone());
        let text = v.set_text();
        assert!(!text.contains(['\n', '\r']), "{text}");
        assert_eq!(text, v.cell());
        let back: toml::Table = format!("v = {text}").parse().unwrap();
        assert_eq!(back["v"], value, "{text}");
        // Keys sorted: the same value written in another order has the same cell.
        let reordered = "v = [{ position_mm = 14.5, size = \"XT\" }, { size = \"XT\", \
                         position_mm = 20.5 }, { x = [0.1, 1e300], size = \"NT\", segment = \"P2\" }]";
        let other = reordered.parse::<toml::Table>().unwrap()["v"].clone();
        assert_eq!(AxisValue::Structured(other).cell(), text);
        assert_eq!(v.to_json()[2]["segment"], "P2");
    }
}
