//! Intervals and integrals on a periodic beat sampled on a closed grid.
//!
//! Why: clinical timings and averages are taken over *events* — the ejection, the filling
//! period, the regurgitant jet — that may straddle the beat boundary and that must move
//! continuously with the parameters (a sweep over heart rate must not jump when a brief
//! low-flow moment appears or disappears). These helpers find a run of positive values of a
//! signal around a given sample, with its ends placed by linear interpolation, on the unrolled
//! periodic grid, and integrate over any such interval.

/// A closed grid `t[0] = 0 … t[n−1] = RR` whose last sample repeats the first. Indices are
/// "unrolled": index `k` (any integer) is sample `k mod (n−1)` of cycle `⌊k / (n−1)⌋`.
#[derive(Debug, Clone, Copy)]
pub struct PeriodicGrid<'a> {
    t: &'a [f64],
    period_s: f64,
    m: isize,
}

impl<'a> PeriodicGrid<'a> {
    /// `t_s` must be increasing from 0 to `period_s` with at least 3 samples.
    pub fn new(t_s: &'a [f64], period_s: f64) -> Self {
        Self {
            t: t_s,
            period_s,
            m: t_s.len() as isize - 1,
        }
    }

    /// The sample index of unrolled index `k`.
    #[inline]
    pub fn idx(&self, k: isize) -> usize {
        k.rem_euclid(self.m) as usize
    }

    /// The unrolled time of index `k` (s).
    #[inline]
    pub fn time(&self, k: isize) -> f64 {
        self.t[self.idx(k)] + k.div_euclid(self.m) as f64 * self.period_s
    }

    /// The run of `s > 0` around the sample `k_peak` (where `s > 0`), as unrolled times
    /// `(start, end)` of its crossings; the whole period from `k_peak` when `s` never falls to
    /// zero. `None` when `s(k_peak) ≤ 0`.
    pub fn positive_run(&self, s: impl Fn(usize) -> f64, k_peak: isize) -> Option<(f64, f64)> {
        if s(self.idx(k_peak)) <= 0.0 {
            return None;
        }
        let mut lo = k_peak;
        while s(self.idx(lo - 1)) > 0.0 {
            lo -= 1;
            if k_peak - lo >= self.m {
                let t0 = self.time(k_peak);
                return Some((t0, t0 + self.period_s));
            }
        }
        let mut hi = k_peak;
        while s(self.idx(hi + 1)) > 0.0 {
            hi += 1;
        }
        Some((self.crossing(&s, lo - 1), self.crossing(&s, hi)))
    }

    /// The first upward crossing of `s` (from ≤ 0 to > 0) after unrolled time `t_after`,
    /// searching one period at most.
    pub fn first_rise_after(&self, s: impl Fn(usize) -> f64, t_after: f64) -> Option<f64> {
        let start = self.index_at_or_before(t_after);
        (start..start + self.m)
            .find(|&k| s(self.idx(k)) <= 0.0 && s(self.idx(k + 1)) > 0.0)
            .map(|k| self.crossing(&s, k))
    }

    /// The largest unrolled index whose time is ≤ `t`.
    pub fn index_at_or_before(&self, t: f64) -> isize {
        let cycle = (t / self.period_s).floor();
        let within = t - cycle * self.period_s;
        let j = self.t.partition_point(|&x| x <= within) as isize - 1;
        cycle as isize * self.m + j.clamp(0, self.m - 1)
    }

    /// The unrolled time where `s` changes sign between `k` and `k + 1` (linear interpolation).
    fn crossing(&self, s: &impl Fn(usize) -> f64, k: isize) -> f64 {
        let (s0, s1) = (s(self.idx(k)), s(self.idx(k + 1)));
        let (t0, t1) = (self.time(k), self.time(k + 1));
        let theta = if s0 != s1 { s0 / (s0 - s1) } else { 0.5 };
        t0 + theta.clamp(0.0, 1.0) * (t1 - t0)
    }

    /// `g` linearly interpolated at unrolled time `t`.
    fn value_at(&self, g: &impl Fn(usize) -> f64, t: f64) -> f64 {
        let k = self.index_at_or_before(t);
        let (t0, t1) = (self.time(k), self.time(k + 1));
        let theta = if t1 > t0 { (t - t0) / (t1 - t0) } else { 0.0 };
        let (g0, g1) = (g(self.idx(k)), g(self.idx(k + 1)));
        g0 + theta * (g1 - g0)
    }

    /// Trapezoidal ∫ g dt over the unrolled interval [a, b] (a ≤ b, b − a ≤ one period), with
    /// the end values interpolated.
    pub fn integrate(&self, g: impl Fn(usize) -> f64, a: f64, b: f64) -> f64 {
        if b <= a {
            return 0.0;
        }
        let (ka, kb) = (self.index_at_or_before(a), self.index_at_or_before(b));
        let ga = self.value_at(&g, a);
        let gb = self.value_at(&g, b);
        if ka == kb {
            return 0.5 * (b - a) * (ga + gb);
        }
        let mut sum = 0.5 * (self.time(ka + 1) - a) * (ga + g(self.idx(ka + 1)));
        for k in ka + 1..kb {
            sum += 0.5 * (self.time(k + 1) - self.time(k)) * (g(self.idx(k)) + g(self.idx(k + 1)));
        }
        sum + 0.5 * (b - self.time(kb)) * (g(self.idx(kb)) + gb)
    }

    /// max of `g` over the samples inside the unrolled interval [a, b].
    pub fn max_between(&self, g: impl Fn(usize) -> f64, a: f64, b: f64) -> f64 {
        let (ka, kb) = (self.index_at_or_before(a), self.index_at_or_before(b));
        (ka + 1..=kb)
            .map(|k| g(self.idx(k)))
            .fold(f64::NEG_INFINITY, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    fn grid(n: usize) -> Vec<f64> {
        (0..=n).map(|k| k as f64 / n as f64).collect()
    }

    #[test]
    fn a_run_across_the_boundary_is_found_and_integrated() {
        // cos(2π t): positive on (−0.25, 0.25) mod 1, i.e. across t = 0.
        let t = grid(400);
        let s: Vec<f64> = t.iter().map(|&x| (2.0 * PI * x).cos()).collect();
        let g = PeriodicGrid::new(&t, 1.0);
        let (a, b) = g.positive_run(|i| s[i], 0).expect("positive at 0");
        assert!(
            (a + 0.25).abs() < 1e-6 && (b - 0.25).abs() < 1e-6,
            "{a} {b}"
        );
        // ∫ cos over its positive half-period = 1/π.
        let area = g.integrate(|i| s[i], a, b);
        assert!((area - 1.0 / PI).abs() < 1e-5, "{area}");
        assert!((g.max_between(|i| s[i], a, b) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn integrals_over_part_of_a_sample_interval_and_whole_period() {
        let t = grid(10);
        let g = PeriodicGrid::new(&t, 1.0);
        let one = |_| 1.0;
        assert!((g.integrate(one, 0.33, 0.34) - 0.01).abs() < 1e-12);
        assert!((g.integrate(one, -0.2, 0.8) - 1.0).abs() < 1e-12);
        let lin: Vec<f64> = t.clone();
        // ∫ t over [0.25, 0.75] = 0.25 (linear: the trapezoid is exact).
        assert!((g.integrate(|i| lin[i], 0.25, 0.75) - 0.25).abs() < 1e-12);
    }

    #[test]
    fn the_first_rise_is_found_across_the_boundary() {
        let t = grid(100);
        // positive on (0.1, 0.3) and (0.5, 0.6)
        let s: Vec<f64> = t
            .iter()
            .map(|&x| {
                if (0.1..0.3).contains(&x) || (0.5..0.6).contains(&x) {
                    1.0
                } else {
                    -1.0
                }
            })
            .collect();
        let g = PeriodicGrid::new(&t, 1.0);
        let rise = g.first_rise_after(|i| s[i], 0.35).expect("rises");
        assert!((rise - 0.495).abs() < 1e-9, "{rise}");
        let wrapped = g.first_rise_after(|i| s[i], 0.7).expect("rises next cycle");
        assert!((wrapped - 1.095).abs() < 1e-9, "{wrapped}");

        assert!(g.positive_run(|i| s[i], 80).is_none());
    }
}
