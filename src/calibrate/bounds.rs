//! Bounds by a change of variable. Why: the least-squares solver (Levenberg–Marquardt) knows no
//! bounds, so each parameter is fitted through an unbounded internal variable u with
//! x = lo + (hi − lo)·(1 + sin u)/2 (the transform MINUIT uses): every u gives a value inside
//! [lo, hi], and a bound is reached at finite u, where the solver can stop. A parameter whose
//! lower bound is positive is transformed on a log scale (ln x between ln lo and ln hi), so that
//! a step means the same relative change whether the parameter is 0.2 or 6: elastances,
//! resistances and volumes act multiplicatively.

/// A parameter's bounds and scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub lower: f64,
    pub upper: f64,
}

/// Starts and steps keep this fraction of the (scaled) range away from a bound, where the
/// transform's derivative vanishes.
const INWARD: f64 = 0.01;

impl Bounds {
    pub fn new(lower: f64, upper: f64) -> Self {
        debug_assert!(lower < upper);
        Self { lower, upper }
    }

    /// Fitted on a log scale (lower bound positive).
    pub fn log_scale(&self) -> bool {
        self.lower > 0.0
    }

    /// The scaled coordinate s: ln x on a log scale, x otherwise.
    pub fn scaled(&self, x: f64) -> f64 {
        if self.log_scale() {
            x.ln()
        } else {
            x
        }
    }

    /// The inverse of [`Bounds::scaled`].
    pub fn unscaled(&self, s: f64) -> f64 {
        if self.log_scale() {
            s.exp()
        } else {
            s
        }
    }

    /// (lower, upper) of the scaled coordinate.
    fn scaled_range(&self) -> (f64, f64) {
        (self.scaled(self.lower), self.scaled(self.upper))
    }

    /// The position of x within its bounds on the scaled axis, 0 at the lower bound, 1 at the
    /// upper one.
    pub fn fraction(&self, x: f64) -> f64 {
        let (a, b) = self.scaled_range();
        ((self.scaled(x) - a) / (b - a)).clamp(0.0, 1.0)
    }

    /// The value at `fraction` (0 to 1) of the scaled range.
    pub fn at_fraction(&self, fraction: f64) -> f64 {
        let (a, b) = self.scaled_range();
        self.clamp(self.unscaled(a + (b - a) * fraction.clamp(0.0, 1.0)))
    }

    pub fn clamp(&self, x: f64) -> f64 {
        x.clamp(self.lower, self.upper)
    }

    /// x kept [`INWARD`] of the scaled range away from either bound (a start point).
    pub fn inward(&self, x: f64) -> f64 {
        self.at_fraction(self.fraction(x).clamp(INWARD, 1.0 - INWARD))
    }

    /// The internal (unbounded) variable of x.
    pub fn internal(&self, x: f64) -> f64 {
        (2.0 * self.fraction(x) - 1.0).clamp(-1.0, 1.0).asin()
    }

    /// The value of internal variable u, inside the bounds for every u.
    pub fn external(&self, u: f64) -> f64 {
        self.at_fraction((1.0 + u.sin()) / 2.0)
    }

    /// Which bound x sits at (within 0.1 % of the scaled range), if any.
    pub fn at_bound(&self, x: f64) -> Option<Side> {
        let f = self.fraction(x);
        if f <= 1e-3 {
            Some(Side::Lower)
        } else if f >= 1.0 - 1e-3 {
            Some(Side::Upper)
        } else {
            None
        }
    }
}

/// A bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Lower,
    Upper,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Lower => "lower",
            Side::Upper => "upper",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_internal_value_is_inside_the_bounds() {
        for b in [Bounds::new(0.2, 6.0), Bounds::new(-20.0, 20.0)] {
            for k in -200..=200 {
                let x = b.external(f64::from(k) * 0.1);
                assert!((b.lower..=b.upper).contains(&x), "{b:?} {k} {x}");
            }
            for x in [b.lower, 0.5 * (b.lower + b.upper), b.upper] {
                let back = b.external(b.internal(x));
                assert!((back - x).abs() < 1e-12 * x.abs().max(1.0), "{x} {back}");
            }
            assert_eq!(b.at_bound(b.lower), Some(Side::Lower));
            assert_eq!(b.at_bound(b.upper), Some(Side::Upper));
            assert_eq!(b.at_bound(b.inward(b.upper)), None);
        }
    }

    #[test]
    fn a_positive_range_is_logarithmic() {
        let b = Bounds::new(0.1, 10.0);
        assert!(b.log_scale());
        assert!((b.at_fraction(0.5) - 1.0).abs() < 1e-12);
        assert!(!Bounds::new(0.0, 10.0).log_scale());
    }
}
