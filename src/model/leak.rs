//! The regurgitant orifice through systole: a factor on the mitral valve's closed area.
//!
//! Why: a constant hole leaks in proportion to √(LV − LA pressure) all through systole, but
//! real regurgitant orifices move. In functional (secondary) MR the orifice is largest early and
//! late in systole and smallest in mid-systole, moving opposite to the pressure that closes the
//! leaflets (Hung et al., JACC 1999;33:538; Schwammenthal et al., Circulation 1994;90:307), and
//! it follows LV size: it shrinks during ejection with LV volume, to ≈ 59 % of its early value
//! (Yellin et al., Circ Res 1979), and the EROA of proportionate functional MR scales with the
//! LV (Grayburn, Sannino & Packer, JACC CV Imaging 2019;12:353) — so an unloaded LV leaks less.
//! In prolapse the leaflet is competent early and leaks from mid-systole (Topilsky et al.,
//! Circulation 2012;125:1643). The shapes below are our phenomenological choices shaped to these
//! descriptions (docs/model.md, "Regurgitant orifice"): the closed area is
//! `eroa_cm2 · factor`, with `factor = leak_gain · shape`, and the gain is calibrated so that
//! the beat measures `eroa_cm2` (simulate.rs).

use super::params::{ActivationTiming, OrificeParams, RegurgitantProfile, COMPETENT_EROA_CM2};

/// Functional MR: depth of the mid-systolic dip, the closed area being ∝ `1 − DEPTH·e_LV(t)`
/// (at peak activation the orifice is 60 % of its value at e = 0).
pub const FUNCTIONAL_DIP_DEPTH: f64 = 0.4;
/// Functional MR: the closed area is ∝ V_LV / this volume (mL). The reference only sets the
/// scale of the uncalibrated gain; the calibration absorbs it.
pub const FUNCTIONAL_REFERENCE_VOLUME_ML: f64 = 150.0;
/// Late-systolic MR: the leak opens between these fractions of the LV contraction time after
/// LV onset (smoothstep), …
pub const LATE_OPENING_FRACTION: (f64, f64) = (0.55, 0.95);
/// … and closes again over the last part of LV relaxation (fractions of the relaxation time),
/// after the regurgitant flow has ended.
pub const LATE_CLOSING_FRACTION: (f64, f64) = (0.75, 1.0);

/// Everything needed to evaluate the factor in the right-hand side.
#[derive(Debug, Clone, Copy)]
pub struct LeakShape {
    profile: RegurgitantProfile,
    gain: f64,
    /// Competent fraction of the closed area kept outside the late-systolic leak.
    floor: f64,
    lv: ActivationTiming,
    lv_onset_in_beat_s: f64,
    period_s: f64,
}

/// Cubic smoothstep from 0 at `x ≤ 0` to 1 at `x ≥ 1` (C¹).
#[inline]
fn smoothstep(x: f64) -> f64 {
    let x = x.clamp(0.0, 1.0);
    x * x * (3.0 - 2.0 * x)
}

impl LeakShape {
    /// The shape of `orifice` (the mitral valve) with the LV timing in effect.
    pub fn new(orifice: Option<&OrificeParams>, lv: ActivationTiming, period_s: f64) -> Self {
        let (profile, gain, eroa) = orifice
            .map(|o| (o.profile, o.leak_gain, o.eroa_cm2))
            .unwrap_or((RegurgitantProfile::Constant, 1.0, COMPETENT_EROA_CM2));
        Self {
            profile,
            gain,
            floor: (COMPETENT_EROA_CM2 / eroa).min(1.0),
            lv,
            lv_onset_in_beat_s: lv.onset_s.rem_euclid(period_s),
            period_s,
        }
    }

    /// The factor on the closed area at `t_in_beat_s`, with LV activation `e_lv` and volume
    /// `v_lv_ml`. Exactly 1 for the constant profile.
    #[inline]
    pub fn factor(&self, t_in_beat_s: f64, e_lv: f64, v_lv_ml: f64) -> f64 {
        match self.profile {
            RegurgitantProfile::Constant => 1.0,
            RegurgitantProfile::Functional => {
                self.gain
                    * (v_lv_ml.max(0.0) / FUNCTIONAL_REFERENCE_VOLUME_ML)
                    * (1.0 - FUNCTIONAL_DIP_DEPTH * e_lv)
            }
            RegurgitantProfile::LateSystolic => {
                let mut since_onset = t_in_beat_s - self.lv_onset_in_beat_s;
                if since_onset < 0.0 {
                    since_onset += self.period_s;
                }
                let (tc, tr) = (self.lv.contraction_s, self.lv.relaxation_s);
                let (a0, a1) = LATE_OPENING_FRACTION;
                let (c0, c1) = LATE_CLOSING_FRACTION;
                let opening = smoothstep((since_onset / tc - a0) / (a1 - a0));
                let closing = smoothstep(((since_onset - tc) / tr - c0) / (c1 - c0));
                let shape = opening * (1.0 - closing);
                self.gain * (self.floor + (1.0 - self.floor) * shape)
            }
        }
    }

    pub fn profile(&self) -> RegurgitantProfile {
        self.profile
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::params::ModelParams;

    fn shape(profile: RegurgitantProfile) -> LeakShape {
        let mut o = match ModelParams::regazzoni2022().with_mynard_valves().valves[0] {
            crate::model::params::ValveLaw::Orifice(o) => o,
            _ => unreachable!(),
        };
        o.eroa_cm2 = 0.4;
        o.profile = profile;
        let lv = ActivationTiming {
            onset_s: 0.1,
            contraction_s: 0.25,
            relaxation_s: 0.4,
        };
        LeakShape::new(Some(&o), lv, 0.8)
    }

    #[test]
    fn constant_is_one_everywhere() {
        let s = shape(RegurgitantProfile::Constant);
        for t in [0.0, 0.2, 0.5] {
            assert_eq!(s.factor(t, 0.7, 123.0), 1.0);
        }
    }

    #[test]
    fn functional_dips_with_activation_and_follows_volume() {
        let s = shape(RegurgitantProfile::Functional);
        let early = s.factor(0.12, 0.05, 200.0);
        let mid = s.factor(0.35, 1.0, 170.0);
        let late = s.factor(0.5, 0.4, 140.0);
        assert!(mid < late && late < early, "{early} {mid} {late}");
        // Halving the LV volume halves the orifice.
        assert!((s.factor(0.3, 0.5, 100.0) / s.factor(0.3, 0.5, 200.0) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn late_systolic_is_competent_early_and_open_late() {
        let s = shape(RegurgitantProfile::LateSystolic);
        let floor = COMPETENT_EROA_CM2 / 0.4;
        // LV onset 0.1 s; contraction 0.25 s.
        assert!((s.factor(0.12, 0.0, 0.0) - floor).abs() < 1e-12, "early");
        assert!(
            (s.factor(0.1 + 0.25, 1.0, 0.0) - 1.0).abs() < 1e-12,
            "end of contraction"
        );
        assert!((s.factor(0.78, 0.0, 0.0) - floor).abs() < 1e-12, "diastole");
        // Continuous across the opening ramp.
        let a = s.factor(0.1 + 0.25 * 0.7, 0.0, 0.0);
        assert!(a > floor && a < 1.0);
    }
}
