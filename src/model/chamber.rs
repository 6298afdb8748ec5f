//! Time-varying elastance chambers: cosine activation and the pressure–volume law.
//!
//! Why: the four chambers share one law and differ only in parameters; the activation phase is
//! precomputed per run so that the right-hand side does one floating-point modulo per evaluation.

use super::params::{ChamberParams, PassiveLaw};
use std::f64::consts::PI;

/// A chamber ready for fast evaluation at a given heart period.
#[derive(Debug, Clone, Copy)]
pub struct Chamber {
    params: ChamberParams,
    period_s: f64,
    /// Onset reduced to [0, RR).
    onset_mod_s: f64,
}

impl Chamber {
    pub fn new(params: ChamberParams, period_s: f64) -> Self {
        Self {
            params,
            period_s,
            onset_mod_s: params.timing.onset_s.rem_euclid(period_s),
        }
    }

    /// Onset of contraction within the beat, in [0, RR) (s).
    pub fn onset_in_beat_s(&self) -> f64 {
        self.onset_mod_s
    }

    /// Activation e ∈ [0, 1] at the time `t_in_beat_s` ∈ [0, RR) since the beat boundary
    /// (model-reference.md, "Chambers").
    #[inline]
    pub fn activation(&self, t_in_beat_s: f64) -> f64 {
        let timing = &self.params.timing;
        let mut c = t_in_beat_s - self.onset_mod_s;
        if c < 0.0 {
            c += self.period_s;
        }
        let mut r = c - timing.contraction_s;
        if r < 0.0 {
            r += self.period_s;
        }
        let mut e = 0.0;
        if c < timing.contraction_s {
            e += 0.5 * (1.0 - (PI * c / timing.contraction_s).cos());
        }
        if r < timing.relaxation_s {
            e += 0.5 * (1.0 + (PI * r / timing.relaxation_s).cos());
        }
        e.clamp(0.0, 1.0)
    }

    /// Pressure (mmHg) at volume `v_ml` and activation `e`.
    #[inline]
    pub fn pressure_mmhg(&self, v_ml: f64, e: f64) -> f64 {
        let p = &self.params;
        let dv = v_ml - p.v0_ml;
        match p.passive {
            PassiveLaw::Linear { eb_mmhg_per_ml } => (p.ea_mmhg_per_ml * e + eb_mmhg_per_ml) * dv,
            PassiveLaw::Exponential {
                p0_mmhg,
                beta_per_ml,
            } => e * p.ea_mmhg_per_ml * dv + (1.0 - e) * p0_mmhg * ((beta_per_ml * dv).exp() - 1.0),
        }
    }

    pub fn params(&self) -> &ChamberParams {
        &self.params
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::params::{ChamberId, ModelParams};

    #[test]
    fn activation_is_the_published_cosine_and_wraps_modulo_rr() {
        let p = ModelParams::regazzoni2022();
        let lv = Chamber::new(*p.chamber(ChamberId::Lv), 0.8);
        // LV: onset 0.1, TC 0.25, TR 0.4.
        assert_eq!(lv.activation(0.05), 0.0);
        assert!((lv.activation(0.1 + 0.125) - 0.5).abs() < 1e-12);
        assert!((lv.activation(0.35) - 1.0).abs() < 1e-12);
        assert!((lv.activation(0.35 + 0.2) - 0.5).abs() < 1e-12);
        assert_eq!(lv.activation(0.76), 0.0);
        // LA: onset 0.9 wraps to 0.1 at RR = 0.8 s, so it contracts with the ventricle.
        let la = Chamber::new(*p.chamber(ChamberId::La), 0.8);
        assert!((la.activation(0.1 + 0.085) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn negative_onset_means_before_the_beat_boundary() {
        let mut p = *ModelParams::regazzoni2022().chamber(ChamberId::La);
        p.timing.onset_s = -0.05;
        let la = Chamber::new(p, 0.8);
        // peak at onset + TC = 0.12 s
        assert!((la.activation(0.12) - 1.0).abs() < 1e-12);
        assert!(la.activation(0.78) > 0.0);
    }

    #[test]
    fn exponential_law_is_passive_at_rest_and_elastance_at_peak() {
        let mut p = *ModelParams::regazzoni2022().chamber(ChamberId::Lv);
        p.passive = PassiveLaw::Exponential {
            p0_mmhg: 0.5,
            beta_per_ml: 0.02,
        };
        let lv = Chamber::new(p, 0.8);
        let v = p.v0_ml + 100.0;
        assert!((lv.pressure_mmhg(v, 0.0) - 0.5 * (2.0f64.exp() - 1.0)).abs() < 1e-12);
        assert!((lv.pressure_mmhg(v, 1.0) - p.ea_mmhg_per_ml * 100.0).abs() < 1e-12);
    }
}
