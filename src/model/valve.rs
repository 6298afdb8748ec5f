//! Valve laws: the Regazzoni 2022 resistive diode and the Mynard 2012 orifice.
//!
//! Why both: the diode reproduces the published closed loop; the orifice is how a regurgitant
//! valve really behaves (flow ∝ √ΔP through an effective orifice, inertia, finite opening and
//! closing speed), and its closed area A_min *is* the EROA that a clip changes.

use super::params::{DiodeParams, OrificeParams, ValveLaw};
use crate::units::{BLOOD_DENSITY_G_PER_ML, DYN_PER_CM2_PER_MMHG};
use std::f64::consts::PI;

/// `B·A²` (mmHg·s²·cm⁴/mL²): the Bernoulli coefficient is this divided by A².
const BERNOULLI_TIMES_AREA2: f64 = BLOOD_DENSITY_G_PER_ML / 2.0 / DYN_PER_CM2_PER_MMHG;

/// Distance from an end stop below which the opening dynamics are regularised.
pub const END_STOP_EPS: f64 = 1e-5;

/// Mynard's factor `x` (ζ when closing, 1 − ζ when opening), regularised as `x²/(x + ε)`.
///
/// Why: with `dζ/dt = ζ·K·ΔP` a closed valve under a systolic gradient is a linear mode with
/// eigenvalue K·ΔP ≈ −6000 /s for the whole of systole, which pins an explicit integrator to its
/// stability limit although ζ ≈ 0 no longer matters. For x ≫ ε the factor is x (the published
/// law); below ε the valve still runs into its stop, algebraically instead of exponentially, and
/// the stiff mode disappears. The area left over is below (A_max − A_min)·ε.
#[inline]
fn end_stop(x: f64) -> f64 {
    let x = x.max(0.0);
    x * x / (x + END_STOP_EPS)
}

/// A valve law with its constants precomputed for the right-hand side.
///
/// `series_r` is a resistance downstream of the valve (the characteristic impedance of the
/// aortic or pulmonary root, 0 for the atrioventricular valves): the pressure drop the valve
/// functions receive is taken across valve and root together, `p_up − p_compliance`.
#[derive(Debug, Clone, Copy)]
pub enum Valve {
    Diode {
        rmin: f64,
        ln_rmax_over_rmin: f64,
        half_pi_k: f64,
        series_r: f64,
    },
    Orifice {
        p: OrificeParams,
        /// `L·A = ρ·l` in mmHg·s²·cm²/mL.
        inertance_times_area: f64,
        series_r: f64,
    },
}

/// What a valve does at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValveState {
    /// Flow from upstream to downstream (mL/s); negative is regurgitation.
    pub flow_ml_s: f64,
    /// Opening in [0, 1]: ζ for the orifice, 1 − H for the diode.
    pub opening: f64,
    /// Effective area (cm²); NaN for the diode, which has no area.
    pub area_cm2: f64,
}

impl Valve {
    /// A valve with `series_r_mmhg_s_per_ml` downstream (0: none).
    pub fn new(law: &ValveLaw, series_r_mmhg_s_per_ml: f64) -> Self {
        match *law {
            ValveLaw::Diode(DiodeParams {
                rmin_mmhg_s_per_ml,
                rmax_mmhg_s_per_ml,
                steepness_per_mmhg,
            }) => Valve::Diode {
                rmin: rmin_mmhg_s_per_ml,
                ln_rmax_over_rmin: (rmax_mmhg_s_per_ml / rmin_mmhg_s_per_ml).ln(),
                half_pi_k: 0.5 * PI * steepness_per_mmhg,
                series_r: series_r_mmhg_s_per_ml,
            },
            ValveLaw::Orifice(p) => Valve::Orifice {
                p,
                inertance_times_area: BLOOD_DENSITY_G_PER_ML * p.length_cm / DYN_PER_CM2_PER_MMHG,
                series_r: series_r_mmhg_s_per_ml,
            },
        }
    }

    pub fn is_orifice(&self) -> bool {
        matches!(self, Valve::Orifice { .. })
    }

    /// Effective area of an orifice valve at opening ζ (clamped to [0, 1]); `leak` multiplies
    /// the closed area `eroa_cm2` (1 for a constant regurgitant orifice, see
    /// [`super::leak::LeakShape`]).
    #[inline]
    pub fn orifice_area_cm2(p: &OrificeParams, zeta: f64, leak: f64) -> f64 {
        let a_min = p.eroa_cm2 * leak;
        a_min + (p.area_cm2 - a_min) * zeta.clamp(0.0, 1.0)
    }

    /// Instantaneous state from the pressure drop `dp_mmhg = p_up − p_down` (across valve and
    /// root) and, for the orifice, its flow and opening states and closed-area factor `leak`.
    #[inline]
    pub fn state(&self, dp_mmhg: f64, q_state: f64, zeta_state: f64, leak: f64) -> ValveState {
        match *self {
            Valve::Diode {
                rmin,
                ln_rmax_over_rmin,
                half_pi_k,
                series_r,
            } => {
                // H(p_down − p_up) = H(−ΔP); the root resistance in series does not change the
                // sign of the valve's own drop.
                let h = 0.5 + (-half_pi_k * dp_mmhg).atan() / PI;
                let r = rmin * (h * ln_rmax_over_rmin).exp();
                ValveState {
                    flow_ml_s: dp_mmhg / (r + series_r),
                    opening: 1.0 - h,
                    area_cm2: f64::NAN,
                }
            }
            Valve::Orifice { p, .. } => ValveState {
                flow_ml_s: q_state,
                opening: zeta_state,
                area_cm2: Self::orifice_area_cm2(&p, zeta_state, leak),
            },
        }
    }

    /// Time derivatives (dQ/dt, dζ/dt) of an orifice valve's states; zero for a diode.
    /// `L·dQ/dt = ΔP − R_root·Q − B·Q·|Q|`, and ζ moves toward open or closed at a rate ∝ the
    /// valve's own pressure drop `ΔP − R_root·Q` (docs/model.md, "Valves").
    #[inline]
    pub fn derivatives(&self, dp_mmhg: f64, q: f64, zeta: f64, leak: f64) -> (f64, f64) {
        match *self {
            Valve::Diode { .. } => (0.0, 0.0),
            Valve::Orifice {
                p,
                inertance_times_area,
                series_r,
            } => {
                let dp_mmhg = dp_mmhg - series_r * q;
                let a = Self::orifice_area_cm2(&p, zeta, leak);
                // dQ/dt = (ΔP − (BA²)·Q|Q|/A²) / ((LA)/A)
                let dq =
                    (dp_mmhg * a - BERNOULLI_TIMES_AREA2 * q * q.abs() / a) / inertance_times_area;
                let dzeta = if dp_mmhg > p.dp_open_mmhg {
                    end_stop(1.0 - zeta) * p.k_open_per_mmhg_s * (dp_mmhg - p.dp_open_mmhg)
                } else if dp_mmhg < p.dp_close_mmhg {
                    end_stop(zeta) * p.k_close_per_mmhg_s * (dp_mmhg - p.dp_close_mmhg)
                } else {
                    0.0
                };
                (dq, dzeta)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::params::ModelParams;
    use crate::units;

    #[test]
    fn diode_is_rmin_forward_and_rmax_backward() {
        let v = Valve::new(&ModelParams::regazzoni2022().valves[0], 0.0);
        let fwd = v.state(10.0, 0.0, 0.0, 1.0).flow_ml_s;
        let back = v.state(-10.0, 0.0, 0.0, 1.0).flow_ml_s;
        // The atan switch leaves R within 0.2 % of Rmin (Rmax) 10 mmHg away from zero.
        assert!((fwd / (10.0 / 0.0075) - 1.0).abs() < 5e-3, "forward {fwd}");
        assert!(
            (back / (-10.0 / 75006.2) - 1.0).abs() < 5e-3,
            "backward {back}"
        );
    }

    #[test]
    fn orifice_steady_flow_is_bernoulli() {
        let law = ModelParams::regazzoni2022().with_mynard_valves().valves[0];
        let v = Valve::new(&law, 0.0);
        let ValveLaw::Orifice(p) = law else { panic!() };
        // At Q = √(ΔP/B(A_max)) the flow derivative vanishes.
        let b = units::bernoulli_mmhg_s2_per_ml2(p.area_cm2);
        let q = (4.0 / b).sqrt();
        let (dq, dzeta) = v.derivatives(4.0, q, 1.0, 1.0);
        assert!(dq.abs() < 1e-9 * q, "dq = {dq}");
        assert_eq!(dzeta, 0.0);
    }

    #[test]
    fn a_root_resistance_takes_its_share_of_the_drop() {
        let law = ModelParams::regazzoni2022().with_mynard_valves().valves[1];
        let ValveLaw::Orifice(p) = law else { panic!() };
        let zc = 0.05;
        let v = Valve::new(&law, zc);
        // Steady flow through valve and root: ΔP = Zc·Q + B·Q².
        let q: f64 = 300.0;
        let dp = zc * q + units::bernoulli_mmhg_s2_per_ml2(p.area_cm2) * q * q;
        let (dq, _) = v.derivatives(dp, q, 1.0, 1.0);
        assert!(dq.abs() < 1e-9 * q, "dq = {dq}");
        // The diode: Q = ΔP / (R + Zc).
        let d = Valve::new(&ModelParams::regazzoni2022().valves[1], zc);
        let flow = d.state(10.0, 0.0, 0.0, 1.0).flow_ml_s;
        assert!((flow * (0.0075 + zc) / 10.0 - 1.0).abs() < 5e-3, "{flow}");
    }
}
