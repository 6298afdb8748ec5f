//! Distributions of a sampled sweep axis (`lhs`, `sobol`, `saltelli`, `random`): uniform,
//! normal, lognormal and triangular, optionally truncated to `bounds`, each turned into values by
//! its inverse CDF.
//!
//! Why inverse CDF and never rejection: a design's point is made from its index alone (shards,
//! resume); a design uniform `u` in [0, 1) must map to exactly one value, and a stratified
//! design (Latin hypercube, Sobol') must stay stratified in probability. Truncation to
//! `[lo, hi]` is the inverse CDF restricted to `[F(lo), F(hi)]`. An unbounded normal or
//! lognormal is truncated at its 1e-6 and 1 − 1e-6 quantiles ([`TAIL_PROBABILITY`]): the
//! values a design can produce are then a known interval whose ends are checked against the
//! base scenario before anything runs.
//!
//! The standard normal quantile is Wichura's algorithm AS 241 (PPND16, Applied Statistics 37:477,
//! 1988: rational approximations, relative error about 1e-16); its CDF is `erfc` from the `libm`
//! crate (a port of musl's, accurate to about 1 ulp).

use serde_json::json;

/// Probability left out in each tail of an unbounded distribution (normal, lognormal).
pub const TAIL_PROBABILITY: f64 = 1e-6;

/// The shape of a distribution, in the sweep file's own parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    Uniform {
        lo: f64,
        hi: f64,
    },
    /// Mean and standard deviation of the value.
    Normal {
        mean: f64,
        sd: f64,
    },
    /// Mean and standard deviation of the value itself (not of its log).
    LogNormal {
        mean: f64,
        sd: f64,
    },
    Triangular {
        lo: f64,
        mode: f64,
        hi: f64,
    },
}

/// A validated distribution of one axis, with its truncation.
#[derive(Debug, Clone, PartialEq)]
pub struct Distribution {
    shape: Shape,
    /// `bounds = [lo, hi]` as given.
    bounds: Option<(f64, f64)>,
    /// The probabilities F(lo), F(hi) of the truncation: a design uniform `u` becomes
    /// `F⁻¹(p_lo + u·(p_hi − p_lo))`.
    p_lo: f64,
    p_hi: f64,
    /// The values the distribution can produce: `[F⁻¹(p_lo), F⁻¹(p_hi)]`.
    span: (f64, f64),
    /// Whether the low and the high tail are cut at [`TAIL_PROBABILITY`].
    tails_cut: (bool, bool),
}

impl Distribution {
    /// Validate `shape` and its optional `bounds`; the error says what is wrong, in words for
    /// the sweep file's reader.
    pub fn new(shape: Shape, bounds: Option<(f64, f64)>) -> Result<Self, String> {
        let finite = |xs: &[f64]| xs.iter().all(|x| x.is_finite());
        match shape {
            Shape::Uniform { lo, hi } if !(finite(&[lo, hi]) && lo < hi) => {
                return Err(format!("[{lo}, {hi}]: low must be below high"))
            }
            Shape::Normal { mean, sd } | Shape::LogNormal { mean, sd }
                if !(finite(&[mean, sd]) && sd > 0.0) =>
            {
                return Err(format!("sd = {sd}: must be above 0"))
            }
            Shape::LogNormal { mean, .. } if mean <= 0.0 => {
                return Err(format!(
                    "mean = {mean}: a lognormal value is positive, its mean must be above 0"
                ))
            }
            Shape::Triangular { lo, mode, hi }
                if !(finite(&[lo, mode, hi]) && lo < mode && mode < hi) =>
            {
                return Err(format!(
                    "[{lo}, {mode}, {hi}]: must be [low, mode, high] with low < mode < high"
                ))
            }
            _ => {}
        }
        let mut d = Self {
            shape,
            bounds,
            p_lo: 0.0,
            p_hi: 1.0,
            span: (0.0, 0.0),
            tails_cut: (false, false),
        };
        let (lo, hi) = bounds.unwrap_or((f64::NEG_INFINITY, f64::INFINITY));
        if bounds.is_some() && !(finite(&[lo, hi]) && lo < hi) {
            return Err(format!("bounds = [{lo}, {hi}]: low must be below high"));
        }
        let (p_lo, p_hi) = (d.cdf(lo), d.cdf(hi));
        if p_hi <= p_lo {
            return Err(format!(
                "bounds = [{lo}, {hi}] leave no probability: the distribution has no values \
                 between them"
            ));
        }
        // An unbounded tail (no bound, or one beyond the 1e-6 quantile) is cut at the quantile.
        let tail = match shape {
            Shape::Normal { .. } | Shape::LogNormal { .. } => TAIL_PROBABILITY,
            _ => 0.0,
        };
        d.p_lo = p_lo.max(tail);
        d.p_hi = p_hi.min(1.0 - tail);
        d.tails_cut = (p_lo < tail, p_hi > 1.0 - tail);
        if d.p_hi <= d.p_lo {
            return Err(format!(
                "bounds = [{lo}, {hi}] leave no probability: they lie beyond the distribution's \
                 {TAIL_PROBABILITY:e} quantile"
            ));
        }
        // A bound inside the support is an end of the span exactly; elsewhere the end is the
        // quantile (the support's end, or the tail cut).
        let end = |p: f64, cdf_at_bound: f64, bound: f64| {
            if p == cdf_at_bound && p > 0.0 && p < 1.0 && bound.is_finite() {
                bound
            } else {
                d.inverse(p)
            }
        };
        d.span = (end(d.p_lo, p_lo, lo), end(d.p_hi, p_hi, hi));
        Ok(d)
    }

    /// The value of design uniform `u` ∈ [0, 1]: inverse CDF on the truncated range, within the
    /// span.
    pub fn value(&self, u: f64) -> f64 {
        if let (Shape::Uniform { lo, hi }, None) = (self.shape, self.bounds) {
            // Bit for bit what sweeps computed before distributions existed.
            return (lo + u * (hi - lo)).min(hi);
        }
        let p = self.p_lo + u * (self.p_hi - self.p_lo);
        self.inverse(p).clamp(self.span.0, self.span.1)
    }

    /// The smallest and largest value the distribution gives (checked against the scenario up
    /// front, and the extent the warm-start predictor scales by).
    pub fn span(&self) -> (f64, f64) {
        self.span
    }

    /// Whether `x` is an end of the span made by cutting a tail at [`TAIL_PROBABILITY`] rather
    /// than a bound or the distribution's own end (a refusal of `x` then suggests `bounds`).
    pub fn is_cut_end(&self, x: f64) -> bool {
        (self.tails_cut.0 && x == self.span.0) || (self.tails_cut.1 && x == self.span.1)
    }

    /// The axis as sweep.json describes it, in the sweep file's own words: `{"range": [lo, hi]}`
    /// for a plain uniform (as sweeps described a range before distributions existed);
    /// otherwise `{"normal": [mean, sd]}` (or `lognormal`, `triangular`, `range` for a
    /// uniform), with `"bounds": [lo, hi]` if given and `"span"`: the smallest and largest value
    /// the design can give. Everything that decides the values is in it, so a sweep's identity
    /// can hash it.
    pub fn describe(&self) -> serde_json::Map<String, serde_json::Value> {
        let (name, params) = match self.shape {
            Shape::Uniform { lo, hi } => ("range", json!([lo, hi])),
            Shape::Normal { mean, sd } => ("normal", json!([mean, sd])),
            Shape::LogNormal { mean, sd } => ("lognormal", json!([mean, sd])),
            Shape::Triangular { lo, mode, hi } => ("triangular", json!([lo, mode, hi])),
        };
        let mut map = serde_json::Map::from_iter([(name.to_owned(), params)]);
        if let (Shape::Uniform { .. }, None) = (self.shape, self.bounds) {
            return map;
        }
        if let Some((lo, hi)) = self.bounds {
            map.insert("bounds".into(), json!([lo, hi]));
        }
        map.insert("span".into(), json!([self.span.0, self.span.1]));
        map
    }

    /// μ and σ of ln(value) of a lognormal with this mean and sd: σ² = ln(1 + sd²/mean²),
    /// μ = ln(mean) − σ²/2.
    fn log_parameters(mean: f64, sd: f64) -> (f64, f64) {
        let var = (sd / mean).powi(2).ln_1p();
        (mean.ln() - var / 2.0, var.sqrt())
    }

    /// The untruncated CDF.
    fn cdf(&self, x: f64) -> f64 {
        match self.shape {
            Shape::Uniform { lo, hi } => ((x - lo) / (hi - lo)).clamp(0.0, 1.0),
            Shape::Normal { mean, sd } => normal_cdf((x - mean) / sd),
            Shape::LogNormal { mean, sd } => {
                if x <= 0.0 {
                    return 0.0;
                }
                let (mu, sigma) = Self::log_parameters(mean, sd);
                normal_cdf((x.ln() - mu) / sigma)
            }
            Shape::Triangular { lo, mode, hi } => {
                if x <= lo {
                    0.0
                } else if x <= mode {
                    (x - lo).powi(2) / ((hi - lo) * (mode - lo))
                } else if x < hi {
                    1.0 - (hi - x).powi(2) / ((hi - lo) * (hi - mode))
                } else {
                    1.0
                }
            }
        }
    }

    /// The untruncated inverse CDF at `p` ∈ [0, 1].
    fn inverse(&self, p: f64) -> f64 {
        match self.shape {
            Shape::Uniform { lo, hi } => (lo + p * (hi - lo)).min(hi),
            Shape::Normal { mean, sd } => mean + sd * normal_quantile(p),
            Shape::LogNormal { mean, sd } => {
                let (mu, sigma) = Self::log_parameters(mean, sd);
                (mu + sigma * normal_quantile(p)).exp()
            }
            Shape::Triangular { lo, mode, hi } => {
                let split = (mode - lo) / (hi - lo);
                if p <= split {
                    lo + (p * (hi - lo) * (mode - lo)).sqrt()
                } else {
                    hi - ((1.0 - p) * (hi - lo) * (hi - mode)).sqrt()
                }
            }
        }
    }
}

/// The standard normal CDF Φ(z) = erfc(−z/√2)/2.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

/// The standard normal quantile Φ⁻¹(p), by Wichura's AS 241 (PPND16); ±∞ at p = 0 and 1.
pub fn normal_quantile(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q * rational(r, &CENTRAL_NUM, &CENTRAL_DEN);
    }
    let r = (-(p.min(1.0 - p)).ln()).sqrt();
    let z = if r <= 5.0 {
        rational(r - 1.6, &NEAR_NUM, &NEAR_DEN)
    } else {
        rational(r - 5.0, &FAR_NUM, &FAR_DEN)
    };
    if q < 0.0 {
        -z
    } else {
        z
    }
}

/// `num(x)/den(x)`, coefficients from the constant term up; `den`'s constant term is 1.
fn rational(x: f64, num: &[f64; 8], den: &[f64; 7]) -> f64 {
    let n = num.iter().rev().fold(0.0, |acc, c| acc * x + c);
    let d = den.iter().rev().fold(0.0, |acc, c| acc * x + c) * x + 1.0;
    n / d
}

// AS 241 coefficients (Wichura 1988, Table: PPND16).
#[allow(clippy::excessive_precision)]
const CENTRAL_NUM: [f64; 8] = [
    3.387_132_872_796_366_608_0,
    1.331_416_678_917_843_774_5e2,
    1.971_590_950_306_551_442_7e3,
    1.373_169_376_550_946_112_5e4,
    4.592_195_393_154_987_145_7e4,
    6.726_577_092_700_870_085_3e4,
    3.343_057_558_358_812_810_5e4,
    2.509_080_928_730_122_672_7e3,
];
#[allow(clippy::excessive_precision)]
const CENTRAL_DEN: [f64; 7] = [
    4.231_333_070_160_091_125_2e1,
    6.871_870_074_920_579_083_0e2,
    5.394_196_021_424_751_107_7e3,
    2.121_379_430_158_659_586_7e4,
    3.930_789_580_009_271_061_0e4,
    2.872_908_573_572_194_267_4e4,
    5.226_495_278_852_854_561_0e3,
];
#[allow(clippy::excessive_precision)]
const NEAR_NUM: [f64; 8] = [
    1.423_437_110_749_683_577_34,
    4.630_337_846_156_545_295_90,
    5.769_497_221_460_691_405_50,
    3.647_848_324_763_204_605_04,
    1.270_458_252_452_368_382_58,
    2.417_807_251_774_506_117_70e-1,
    2.272_384_498_926_918_458_33e-2,
    7.745_450_142_783_414_076_40e-4,
];
#[allow(clippy::excessive_precision)]
const NEAR_DEN: [f64; 7] = [
    2.053_191_626_637_758_821_87,
    1.676_384_830_183_803_849_40,
    6.897_673_349_851_000_045_50e-1,
    1.481_039_764_274_800_745_90e-1,
    1.519_866_656_361_645_719_66e-2,
    5.475_938_084_995_344_946_00e-4,
    1.050_750_071_644_416_843_24e-9,
];
#[allow(clippy::excessive_precision)]
const FAR_NUM: [f64; 8] = [
    6.657_904_643_501_103_777_20,
    5.463_784_911_164_114_369_90,
    1.784_826_539_917_291_335_80,
    2.965_605_718_285_048_912_30e-1,
    2.653_218_952_657_612_309_30e-2,
    1.242_660_947_388_078_438_60e-3,
    2.711_555_568_743_487_578_15e-5,
    2.010_334_399_292_288_132_65e-7,
];
#[allow(clippy::excessive_precision)]
const FAR_DEN: [f64; 7] = [
    5.998_322_065_558_879_376_90e-1,
    1.369_298_809_227_358_053_10e-1,
    1.487_536_129_085_061_485_25e-2,
    7.868_691_311_456_132_591_00e-4,
    1.846_318_317_510_054_681_80e-5,
    1.421_511_758_316_445_888_70e-7,
    2.044_263_103_389_939_785_64e-15,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_normal_quantile_matches_published_values_and_inverts_the_cdf() {
        // Φ⁻¹ at probabilities whose quantiles are tabulated (e.g. Abramowitz & Stegun 26.2;
        // 1e-10: Wichura 1988's test value).
        for (p, z) in [
            (0.5, 0.0),
            (0.975, 1.959_963_984_540_054),
            (0.3, -0.524_400_512_708_040_7),
            (0.999, 3.090_232_306_167_813_5),
            (1e-6, -4.753_424_308_822_899),
            (1e-10, -6.361_340_902_404_056),
            (0.841_344_746_068_542_9, 1.0),
        ] {
            let got = normal_quantile(p);
            assert!(
                (got - z).abs() <= 1e-14 * z.abs().max(1.0),
                "Φ⁻¹({p}) = {got}, expected {z}"
            );
        }
        // Every branch of AS 241 inverts the CDF.
        for k in 1..2000 {
            let p = k as f64 / 2000.0;
            let z = normal_quantile(p);
            assert!((normal_cdf(z) - p).abs() < 1e-15, "p = {p}");
        }
        for e in [1e-3, 1e-8, 1e-20, 1e-100, 1e-300] {
            let z = normal_quantile(e);
            assert!((normal_cdf(z) / e - 1.0).abs() < 1e-12, "p = {e}: z = {z}");
            if e >= 1e-8 {
                assert!(
                    (normal_quantile(1.0 - e) + z).abs() < 1e-7,
                    "symmetry at {e}"
                );
            }
        }
    }

    /// Mean and sd of `n` values at the midpoints of `n` equal probability strata (a fine
    /// quadrature of the distribution).
    fn moments(d: &Distribution, n: usize) -> (f64, f64, f64, f64) {
        let xs: Vec<f64> = (0..n)
            .map(|k| d.value((k as f64 + 0.5) / n as f64))
            .collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        let lo = xs.iter().cloned().fold(f64::INFINITY, f64::min);
        let hi = xs.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        (mean, var.sqrt(), lo, hi)
    }

    #[test]
    fn each_distribution_has_its_mean_and_sd() {
        // Untruncated normal/lognormal lose 2e-6 of probability to the tail cut: mean and sd
        // then differ from the nominal by < 1e-4 relative; quadrature with 200 000 strata is
        // good to < 1e-4 as well.
        let n = 200_000;
        let cases = [
            (
                Shape::Normal {
                    mean: 0.41,
                    sd: 0.15,
                },
                0.41,
                0.15,
            ),
            (Shape::LogNormal { mean: 2.0, sd: 0.5 }, 2.0, 0.5),
            (
                Shape::LogNormal {
                    mean: 0.41,
                    sd: 0.3,
                },
                0.41,
                0.3,
            ),
            (Shape::Uniform { lo: 1.0, hi: 3.0 }, 2.0, 2.0 / 12f64.sqrt()),
            (
                Shape::Triangular {
                    lo: 0.0,
                    mode: 1.0,
                    hi: 4.0,
                },
                5.0 / 3.0,
                ((0.0 + 1.0 + 16.0 - 0.0 - 0.0 - 4.0) / 18f64).sqrt(),
            ),
        ];
        for (shape, mean, sd) in cases {
            let d = Distribution::new(shape, None).unwrap();
            let (m, s, _, _) = moments(&d, n);
            assert!((m / mean - 1.0).abs() < 2e-4, "{shape:?}: mean {m}");
            assert!((s / sd - 1.0).abs() < 2e-3, "{shape:?}: sd {s}");
        }
    }

    #[test]
    fn truncation_keeps_every_value_inside_the_bounds_and_is_a_truncated_normal() {
        let d = Distribution::new(
            Shape::Normal {
                mean: 0.41,
                sd: 0.15,
            },
            Some((0.12, 0.7)),
        )
        .unwrap();
        assert_eq!(d.span(), (0.12, 0.7));
        for k in 0..=1000 {
            let x = d.value(k as f64 / 1000.0);
            assert!((0.12..=0.7).contains(&x), "{x}");
        }
        // A symmetric truncation at ±a·sd: mean unchanged, variance
        // sd²·(1 − 2aφ(a)/(2Φ(a) − 1)) (Johnson, Kotz & Balakrishnan 1994, 13.10).
        let a = 0.29 / 0.15;
        let phi = (-a * a / 2.0f64).exp() / (2.0 * std::f64::consts::PI).sqrt();
        let sd = 0.15 * (1.0 - 2.0 * a * phi / (2.0 * normal_cdf(a) - 1.0)).sqrt();
        let (m, s, lo, hi) = moments(&d, 100_000);
        assert!((m - 0.41).abs() < 1e-9, "mean {m}");
        assert!((s / sd - 1.0).abs() < 1e-4, "sd {s} vs {sd}");
        assert!(lo >= 0.12 && hi <= 0.7);
        // Lognormal and triangular bounds, and a uniform narrowed by its bounds.
        for (shape, (blo, bhi)) in [
            (Shape::LogNormal { mean: 2.0, sd: 1.0 }, (1.0, 4.0)),
            (
                Shape::Triangular {
                    lo: 0.0,
                    mode: 1.0,
                    hi: 4.0,
                },
                (0.5, 2.0),
            ),
            (Shape::Uniform { lo: 0.0, hi: 10.0 }, (2.0, 3.0)),
        ] {
            let d = Distribution::new(shape, Some((blo, bhi))).unwrap();
            let (_, _, lo, hi) = moments(&d, 10_000);
            assert!(
                lo >= blo && hi <= bhi && hi - lo > 0.9 * (bhi - blo),
                "{shape:?}"
            );
        }
        // A bound beyond the 1e-6 quantile (or the support) leaves that tail cut at the quantile:
        // never a value the scenario check did not see, never 0 for a lognormal.
        let d =
            Distribution::new(Shape::LogNormal { mean: 2.0, sd: 1.0 }, Some((-1.0, 4.0))).unwrap();
        assert!(d.span().0 > 0.0 && d.span().1 == 4.0, "{:?}", d.span());
        assert!(d.is_cut_end(d.span().0) && !d.is_cut_end(4.0));
        assert!(d.value(0.0) > 0.0);
        let d = Distribution::new(
            Shape::Normal {
                mean: 0.41,
                sd: 0.15,
            },
            Some((-100.0, 0.6)),
        )
        .unwrap();
        assert!((d.span().0 - (0.41 - 0.15 * 4.753_424_308_822_899)).abs() < 1e-12);
        assert!(d.is_cut_end(d.span().0) && !d.is_cut_end(0.6));
        // The unbounded normal's span: its 1e-6 quantiles.
        let d = Distribution::new(Shape::Normal { mean: 1.0, sd: 0.1 }, None).unwrap();
        let (lo, hi) = d.span();
        assert!((lo - (1.0 - 0.475_342_430_882_29)).abs() < 1e-12, "{lo}");
        assert!((hi - (1.0 + 0.475_342_430_882_29)).abs() < 1e-12, "{hi}");
        assert!(d.is_cut_end(lo) && d.is_cut_end(hi));
        assert!(d.value(0.0) >= lo && d.value(1.0) <= hi);
    }

    #[test]
    fn describe_names_the_distribution_as_the_sweep_file_does() {
        let described = |shape, bounds| {
            serde_json::Value::Object(Distribution::new(shape, bounds).unwrap().describe())
        };
        let normal = Shape::Normal {
            mean: 0.41,
            sd: 0.15,
        };
        assert_eq!(
            described(normal, Some((0.2, 0.6))),
            json!({"normal": [0.41, 0.15], "bounds": [0.2, 0.6], "span": [0.2, 0.6]})
        );
        let triangular = Shape::Triangular {
            lo: 1.0,
            mode: 2.0,
            hi: 5.0,
        };
        assert_eq!(
            described(triangular, None),
            json!({"triangular": [1.0, 2.0, 5.0], "span": [1.0, 5.0]})
        );
        let uniform = Shape::Uniform { lo: 60.0, hi: 90.0 };
        assert_eq!(described(uniform, None), json!({"range": [60.0, 90.0]}));
        assert_eq!(
            described(uniform, Some((70.0, 100.0))),
            json!({"range": [60.0, 90.0], "bounds": [70.0, 100.0], "span": [70.0, 90.0]})
        );
    }

    #[test]
    fn a_plain_uniform_is_the_old_range_bit_for_bit() {
        let d = Distribution::new(Shape::Uniform { lo: 0.2, hi: 0.6 }, None).unwrap();
        for u in [0.0, 0.1, 0.123_456_789, 0.999_999_999_9] {
            assert_eq!(d.value(u), (0.2 + u * (0.6 - 0.2)).min(0.6));
        }
        assert_eq!(d.span(), (0.2, 0.6));
    }

    #[test]
    fn bad_parameters_are_refused_with_what_is_allowed() {
        let bad = |shape, bounds| Distribution::new(shape, bounds).unwrap_err();
        assert!(bad(Shape::Normal { mean: 1.0, sd: 0.0 }, None).contains("above 0"));
        assert!(bad(
            Shape::LogNormal {
                mean: -1.0,
                sd: 1.0
            },
            None
        )
        .contains("mean = -1"));
        assert!(bad(
            Shape::Triangular {
                lo: 0.0,
                mode: 2.0,
                hi: 1.0
            },
            None
        )
        .contains("low < mode < high"));
        assert!(bad(Shape::Uniform { lo: 2.0, hi: 1.0 }, None).contains("below"));
        assert!(bad(Shape::Normal { mean: 1.0, sd: 1.0 }, Some((2.0, 1.0))).contains("below"));
        assert!(
            bad(Shape::Uniform { lo: 0.0, hi: 1.0 }, Some((2.0, 3.0))).contains("no probability")
        );
        assert!(
            bad(Shape::LogNormal { mean: 1.0, sd: 0.1 }, Some((-2.0, -1.0)))
                .contains("no probability")
        );
    }
}
