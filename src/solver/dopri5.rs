//! Dormand–Prince 5(4) with FSAL, a PI step-size controller and 4th-order dense output.
//!
//! Why: see the module above. Coefficients and controller follow Hairer, Nørsett & Wanner,
//! "Solving ODEs I", and their DOPRI5 code (β = 0.04, safety 0.9, step ratio in [0.2, 10]).

use super::{DenseStep, Integrator, OdeSystem, SolverError, SolverStats, Tolerances};

const C2: f64 = 1.0 / 5.0;
const C3: f64 = 3.0 / 10.0;
const C4: f64 = 4.0 / 5.0;
const C5: f64 = 8.0 / 9.0;
const A21: f64 = 1.0 / 5.0;
const A31: f64 = 3.0 / 40.0;
const A32: f64 = 9.0 / 40.0;
const A41: f64 = 44.0 / 45.0;
const A42: f64 = -56.0 / 15.0;
const A43: f64 = 32.0 / 9.0;
const A51: f64 = 19372.0 / 6561.0;
const A52: f64 = -25360.0 / 2187.0;
const A53: f64 = 64448.0 / 6561.0;
const A54: f64 = -212.0 / 729.0;
const A61: f64 = 9017.0 / 3168.0;
const A62: f64 = -355.0 / 33.0;
const A63: f64 = 46732.0 / 5247.0;
const A64: f64 = 49.0 / 176.0;
const A65: f64 = -5103.0 / 18656.0;
const A71: f64 = 35.0 / 384.0;
const A73: f64 = 500.0 / 1113.0;
const A74: f64 = 125.0 / 192.0;
const A75: f64 = -2187.0 / 6784.0;
const A76: f64 = 11.0 / 84.0;
const E1: f64 = 71.0 / 57600.0;
const E3: f64 = -71.0 / 16695.0;
const E4: f64 = 71.0 / 1920.0;
const E5: f64 = -17253.0 / 339200.0;
const E6: f64 = 22.0 / 525.0;
const E7: f64 = -1.0 / 40.0;
const D1: f64 = -12715105075.0 / 11282082432.0;
const D3: f64 = 87487479700.0 / 32700410799.0;
const D4: f64 = -10690763975.0 / 1880347072.0;
const D5: f64 = 701980252875.0 / 199316789632.0;
const D6: f64 = -1453857185.0 / 822651844.0;
const D7: f64 = 69997945.0 / 29380423.0;

const SAFETY: f64 = 0.9;
const BETA: f64 = 0.04;
const EXPO1: f64 = 0.2 - BETA * 0.75;
/// Step may shrink by at most 5× (1/0.2) and grow by at most 10× per step.
const MAX_SHRINK: f64 = 5.0;
const MAX_GROW: f64 = 10.0;

/// The integrator; it remembers the last step size so that consecutive beats start well.
#[derive(Debug, Clone)]
pub struct DormandPrince5<const N: usize> {
    pub tolerances: Tolerances,
    /// Largest number of accepted + rejected steps per `integrate` call.
    pub max_steps: u64,
    /// Largest step (s); 0 for none.
    pub max_step_s: f64,
    h_next: f64,
    err_old: f64,
    stats: SolverStats,
}

impl<const N: usize> DormandPrince5<N> {
    pub fn new(tolerances: Tolerances) -> Self {
        Self {
            tolerances,
            max_steps: 1_000_000,
            max_step_s: 0.0,
            h_next: 0.0,
            err_old: 1e-4,
            stats: SolverStats::default(),
        }
    }
}

/// Dense output of one DP5 step (Hairer's CONTD5).
#[derive(Debug, Clone, PartialEq)]
pub struct Dp5Step<const N: usize> {
    t0: f64,
    h: f64,
    r: [[f64; N]; 5],
}

impl<const N: usize> DenseStep<N> for Dp5Step<N> {
    fn t_start(&self) -> f64 {
        self.t0
    }
    fn t_end(&self) -> f64 {
        self.t0 + self.h
    }
    fn interpolate(&self, t: f64) -> [f64; N] {
        let s = (t - self.t0) / self.h;
        let s1 = 1.0 - s;
        let r = &self.r;
        std::array::from_fn(|i| {
            r[0][i] + s * (r[1][i] + s1 * (r[2][i] + s * (r[3][i] + s1 * r[4][i])))
        })
    }
}

/// `y + h·(Σ aⱼ·kⱼ)`, summed left to right from 0.0 (an explicit loop the compiler vectorises;
/// the arithmetic order is fixed, so results do not depend on how the stages are written).
macro_rules! stage {
    ($y:expr, $h:expr; $($a:expr, $k:expr);+) => {{
        let mut out = [0.0; N];
        for i in 0..N {
            out[i] = $y[i] + $h * (0.0 $(+ $a * $k[i])+);
        }
        out
    }};
}

/// One trial step: the new state, the FSAL derivative there, the error norm (≤ 1 meets the
/// tolerances) and the stages the dense output needs.
struct Trial<const N: usize> {
    y_new: [f64; N],
    k: [[f64; N]; 7],
    err: f64,
}

impl<const N: usize> DormandPrince5<N> {
    /// A DP5 step of `h` from (t, y) with k1 = f(t, y), ending at `t_new` (t + h, or exactly the
    /// end of the interval). A non-finite trial comes back with an infinite error.
    #[inline(always)]
    fn attempt<S: OdeSystem<N>>(
        &mut self,
        sys: &S,
        t: f64,
        h: f64,
        t_new: f64,
        y: &[f64; N],
        k1: &[f64; N],
    ) -> Trial<N> {
        let Tolerances { rtol, atol } = self.tolerances;
        let mut k = [[0.0; N]; 7];
        k[0] = *k1;
        let y2 = stage!(y, h; A21, k[0]);
        sys.rhs(t + C2 * h, &y2, &mut k[1]);
        let y3 = stage!(y, h; A31, k[0]; A32, k[1]);
        sys.rhs(t + C3 * h, &y3, &mut k[2]);
        let y4 = stage!(y, h; A41, k[0]; A42, k[1]; A43, k[2]);
        sys.rhs(t + C4 * h, &y4, &mut k[3]);
        let y5 = stage!(y, h; A51, k[0]; A52, k[1]; A53, k[2]; A54, k[3]);
        sys.rhs(t + C5 * h, &y5, &mut k[4]);
        let y6 = stage!(y, h; A61, k[0]; A62, k[1]; A63, k[2]; A64, k[3]; A65, k[4]);
        sys.rhs(t + h, &y6, &mut k[5]);
        let y_new = stage!(y, h; A71, k[0]; A73, k[2]; A74, k[3]; A75, k[4]; A76, k[5]);
        sys.rhs(t_new, &y_new, &mut k[6]);
        self.stats.rhs_evaluations += 6;

        let [k1, _, k3, k4, k5, k6, k7] = &k;
        let mut sum = 0.0;
        for i in 0..N {
            let e =
                h * (E1 * k1[i] + E3 * k3[i] + E4 * k4[i] + E5 * k5[i] + E6 * k6[i] + E7 * k7[i]);
            let scale = atol + rtol * y[i].abs().max(y_new[i].abs());
            sum += (e / scale) * (e / scale);
        }
        let mut err = (sum / N as f64).sqrt();
        if !err.is_finite() || k7.iter().any(|v| !v.is_finite()) {
            err = f64::INFINITY; // a non-finite trial: rejected with the largest shrink
        }
        Trial { y_new, k, err }
    }

    /// Integrate over exactly the steps `t_s[0] → t_s[1] → …` (no step-size control: a step is
    /// never rejected), calling `on_step` after each. Returns the largest error norm of the
    /// steps: at most 1 when every step met the tolerances, as an adaptive integration's do.
    ///
    /// Why: over a grid fixed once, the map from start to end state is a smooth function of
    /// the start; an adaptive integration changes its steps when the start moves, which makes
    /// the same map jump by integration error (≈ 5e-4 mL per beat for the heart at the default
    /// tolerances), the noise floor a fixed-point search cannot get below.
    pub fn integrate_on_steps<S: OdeSystem<N>>(
        &mut self,
        sys: &S,
        t_s: &[f64],
        y: &mut [f64; N],
        on_step: &mut dyn FnMut(&Dp5Step<N>),
    ) -> Result<f64, SolverError> {
        let Some(&t0) = t_s.first() else {
            return Ok(0.0);
        };
        let mut k1 = [0.0; N];
        sys.rhs(t0, y, &mut k1);
        self.stats.rhs_evaluations += 1;
        let mut worst: f64 = 0.0;
        for w in t_s.windows(2) {
            let (t, t_new) = (w[0], w[1]);
            let trial = self.attempt(sys, t, t_new - t, t_new, y, &k1);
            if !trial.err.is_finite() {
                return Err(SolverError::NonFinite { t_s: t_new });
            }
            worst = worst.max(trial.err);
            self.stats.accepted_steps += 1;
            on_step(&Dp5Step::new(t, t_new - t, y, &trial));
            *y = trial.y_new;
            k1 = trial.k[6];
        }
        Ok(worst)
    }
}

impl<const N: usize> Dp5Step<N> {
    /// The dense output of an accepted step from (t0, y) (Hairer's CONTD5).
    fn new(t0: f64, h: f64, y: &[f64; N], trial: &Trial<N>) -> Self {
        let [k1, _, k3, k4, k5, k6, k7] = &trial.k;
        let mut r = [[0.0; N]; 5];
        for i in 0..N {
            let dy = trial.y_new[i] - y[i];
            let bspl = h * k1[i] - dy;
            r[0][i] = y[i];
            r[1][i] = dy;
            r[2][i] = bspl;
            r[3][i] = dy - h * k7[i] - bspl;
            r[4][i] =
                h * (D1 * k1[i] + D3 * k3[i] + D4 * k4[i] + D5 * k5[i] + D6 * k6[i] + D7 * k7[i]);
        }
        Self { t0, h, r }
    }
}

impl<const N: usize> Integrator<N> for DormandPrince5<N> {
    type Step = Dp5Step<N>;

    fn integrate<S: OdeSystem<N>>(
        &mut self,
        sys: &S,
        t0: f64,
        t1: f64,
        y: &mut [f64; N],
        on_step: &mut dyn FnMut(&Dp5Step<N>),
    ) -> Result<(), SolverError> {
        let Tolerances { rtol, atol } = self.tolerances;
        let span = t1 - t0;
        if span <= 0.0 {
            return Ok(());
        }
        let mut t = t0;
        let mut k1 = [0.0; N];
        sys.rhs(t, y, &mut k1);
        self.stats.rhs_evaluations += 1;
        if k1.iter().any(|v| !v.is_finite()) {
            return Err(SolverError::NonFinite { t_s: t });
        }
        let h_cap = if self.max_step_s > 0.0 {
            self.max_step_s.min(span)
        } else {
            span
        };
        let mut h = if self.h_next > 0.0 {
            self.h_next
        } else {
            initial_step(y, &k1, rtol, atol)
        }
        .min(h_cap);
        let mut rejected_last = false;
        let mut steps_here = 0u64;

        while t < t1 {
            if steps_here >= self.max_steps {
                return Err(SolverError::TooManySteps {
                    max_steps: self.max_steps,
                    t0_s: t0,
                    t1_s: t1,
                });
            }
            steps_here += 1;
            // Land exactly on t1; avoid a sliver of a last step.
            let last = t + 1.01 * h >= t1;
            let h_step = if last { t1 - t } else { h };
            if h_step <= 1e-13 * t.abs().max(1.0) {
                return Err(SolverError::StepSizeUnderflow {
                    t_s: t,
                    h_s: h_step,
                });
            }
            let t_new = if last { t1 } else { t + h_step };
            let trial = self.attempt(sys, t, h_step, t_new, y, &k1);
            let err = trial.err;

            let fac11 = err.powf(EXPO1);
            if err <= 1.0 {
                let fac =
                    (fac11 / self.err_old.powf(BETA) / SAFETY).clamp(1.0 / MAX_GROW, MAX_SHRINK);
                let mut h_new = h_step / fac;
                if rejected_last {
                    h_new = h_new.min(h_step);
                }
                self.err_old = err.max(1e-4);
                self.stats.accepted_steps += 1;
                on_step(&Dp5Step::new(t, h_step, y, &trial));

                *y = trial.y_new;
                k1 = trial.k[6];
                t = t_new;
                // Keep the controller's proposal for the next call, not the truncated last step.
                if !last || h_new > h {
                    h = h_new;
                }
                h = h.min(h_cap);
                rejected_last = false;
            } else {
                self.stats.rejected_steps += 1;
                h = h_step / (fac11 / SAFETY).min(MAX_SHRINK);
                rejected_last = true;
            }
        }
        self.h_next = h;
        Ok(())
    }

    fn stats(&self) -> SolverStats {
        self.stats
    }
}

/// A first step from the scale of y and y' (a simplified Hairer HINIT).
fn initial_step<const N: usize>(y: &[f64; N], f: &[f64; N], rtol: f64, atol: f64) -> f64 {
    let (mut d0, mut d1) = (0.0, 0.0);
    for i in 0..N {
        let sk = atol + rtol * y[i].abs();
        d0 += (y[i] / sk).powi(2);
        d1 += (f[i] / sk).powi(2);
    }
    let (d0, d1) = ((d0 / N as f64).sqrt(), (d1 / N as f64).sqrt());
    if d0 < 1e-5 || d1 < 1e-5 {
        1e-6
    } else {
        0.01 * d0 / d1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// y' = −y/τ: an RC discharge.
    struct Decay {
        tau: f64,
    }
    impl OdeSystem<1> for Decay {
        fn rhs(&self, _t: f64, y: &[f64; 1], dy: &mut [f64; 1]) {
            dy[0] = -y[0] / self.tau;
        }
    }

    /// Harmonic oscillator, to test the dense output on a non-monotone solution.
    struct Oscillator;
    impl OdeSystem<2> for Oscillator {
        fn rhs(&self, _t: f64, y: &[f64; 2], dy: &mut [f64; 2]) {
            dy[0] = y[1];
            dy[1] = -y[0];
        }
    }

    #[test]
    fn exponential_decay_to_tolerance() {
        for rtol in [1e-4, 1e-6, 1e-9] {
            let mut s = DormandPrince5::<1>::new(Tolerances { rtol, atol: 1e-12 });
            let mut y = [1.0];
            s.integrate(&Decay { tau: 0.3 }, 0.0, 2.0, &mut y, &mut |_| {})
                .unwrap();
            let exact = (-2.0f64 / 0.3).exp();
            let rel = (y[0] - exact).abs() / exact;
            assert!(rel < 50.0 * rtol, "rtol {rtol}: rel err {rel}");
        }
    }

    #[test]
    fn fifth_order_convergence_and_pinned_stats() {
        // Tightening the tolerance 1000× should cost about 1000^(1/5) ≈ 4× the steps.
        let steps = |rtol| {
            let mut s = DormandPrince5::<2>::new(Tolerances { rtol, atol: rtol });
            let mut y = [1.0, 0.0];
            s.integrate(&Oscillator, 0.0, 10.0, &mut y, &mut |_| {})
                .unwrap();
            s.stats().accepted_steps as f64
        };
        let ratio = steps(1e-9) / steps(1e-6);
        assert!((3.0..5.5).contains(&ratio), "step ratio {ratio}");
    }

    #[test]
    fn dense_output_is_accurate_inside_steps() {
        let mut s = DormandPrince5::<2>::new(Tolerances {
            rtol: 1e-8,
            atol: 1e-10,
        });
        let mut y = [1.0, 0.0];
        let mut worst: f64 = 0.0;
        let mut n = 0;
        s.integrate(&Oscillator, 0.0, 6.0, &mut y, &mut |step| {
            for frac in [0.1, 0.37, 0.5, 0.81] {
                let t = step.t_start() + frac * (step.t_end() - step.t_start());
                let yi = step.interpolate(t);
                worst = worst
                    .max((yi[0] - t.cos()).abs())
                    .max((yi[1] + t.sin()).abs());
                n += 1;
            }
            // end points are exact copies of the step's states
            let end = step.interpolate(step.t_end());
            assert!((end[0] - step.t_end().cos()).abs() < 1e-6);
        })
        .unwrap();
        assert!(n > 20);
        assert!(worst < 1e-7, "worst interpolation error {worst}");
    }

    #[test]
    fn lands_exactly_on_the_end_time() {
        let mut s = DormandPrince5::<1>::new(Tolerances::default());
        let mut last = 0.0;
        let mut y = [1.0];
        s.integrate(&Decay { tau: 1.0 }, 0.0, 0.8, &mut y, &mut |st| {
            last = st.t_end()
        })
        .unwrap();
        assert_eq!(last, 0.8);
    }

    struct Blowup;
    impl OdeSystem<1> for Blowup {
        fn rhs(&self, _t: f64, y: &[f64; 1], dy: &mut [f64; 1]) {
            dy[0] = y[0] * y[0];
        }
    }

    #[test]
    fn finite_time_blowup_is_an_error_not_a_hang() {
        let mut s = DormandPrince5::<1>::new(Tolerances::default());
        let mut y = [1.0];
        let r = s.integrate(&Blowup, 0.0, 2.0, &mut y, &mut |_| {});
        assert!(r.is_err(), "{r:?}");
    }
}
