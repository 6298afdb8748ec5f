//! The arterial baroreflex at steady state: effectors set by the mean arterial pressure.
//!
//! Why: a closed loop with a fixed vascular tone cannot reproduce what a patient does when the
//! forward output changes. After a MitraClip forward flow rises; in patients the systemic
//! vascular resistance falls (Siegel et al., JACC 2011;57:1658: 1226 → 1004 dyn·s/cm⁵) and the
//! filling pressures fall, whereas a fixed-tone loop pushes the extra output into a higher
//! aortic pressure and loses 15 EF points against it. The carotid-sinus baroreflex is the
//! mechanism: a rise of arterial pressure lowers sympathetic tone, which lowers peripheral
//! resistance, venous tone (more blood held in the unstressed venous reservoir), contractility
//! and heart rate (Ursino, Am J Physiol 1998;275:H1733, whose effectors these are).
//!
//! Ursino's model is dynamic (afferent and efferent fibres, delays, time constants of seconds).
//! At a periodic steady state only its static characteristic matters, so here each effector is
//! a saturating (tanh) function of the mean aortic pressure around a set point, and the state
//! is the fixed point "the pressure that sets the effectors is the pressure they produce"
//! (simulate.rs solves it). Gains and ranges are ours, documented in docs/model.md with what
//! they reproduce; the reflex is off unless a scenario turns it on.

use super::params::{ChamberId, ModelParams};

/// Static baroreflex: every effector is `baseline · (1 − range · tanh((MAP − set point) /
/// slope))`, the stressed blood volume `reference − venous_volume · tanh(...)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BaroreflexParams {
    /// Mean aortic pressure at which every effector has its scenario value (mmHg).
    pub set_point_mmhg: f64,
    /// Pressure deviation over which the response reaches tanh(1) ≈ 76 % of its range (mmHg).
    pub slope_mmhg: f64,
    /// Fractional range of the systemic arterial resistance.
    pub resistance_range: f64,
    /// Fractional range of the ventricles' active elastance (contractility).
    pub contractility_range: f64,
    /// Fractional range of the heart rate.
    pub heart_rate_range: f64,
    /// Range of the blood volume moved out of (above the set point) or into (below) the
    /// stressed circulation by venous tone (mL).
    pub venous_volume_ml: f64,
    /// Stressed blood volume at the set point (mL): the scenario's blood volume.
    pub reference_blood_volume_ml: f64,
}

/// The effectors at one sensed pressure.
#[derive(Debug, Clone, PartialEq)]
pub struct ReflexState {
    pub params: ModelParams,
    /// Stressed blood volume (mL).
    pub blood_volume_ml: f64,
}

impl BaroreflexParams {
    /// Normalised drive: positive above the set point (sympathetic withdrawal).
    pub fn drive(&self, map_mmhg: f64) -> f64 {
        ((map_mmhg - self.set_point_mmhg) / self.slope_mmhg).tanh()
    }

    /// `base` with its effectors set for a sensed mean aortic pressure `map_mmhg`.
    pub fn apply(&self, base: &ModelParams, map_mmhg: f64) -> ReflexState {
        let d = self.drive(map_mmhg);
        let mut p = base.clone();
        p.circulation.sys_ar.r_mmhg_s_per_ml *= 1.0 - self.resistance_range * d;
        for id in [ChamberId::Lv, ChamberId::Rv] {
            p.chambers[id as usize].ea_mmhg_per_ml *= 1.0 - self.contractility_range * d;
        }
        p.heart_rate_bpm *= 1.0 - self.heart_rate_range * d;
        ReflexState {
            params: p,
            blood_volume_ml: self.reference_blood_volume_ml - self.venous_volume_ml * d,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reflex() -> BaroreflexParams {
        BaroreflexParams {
            set_point_mmhg: 90.0,
            slope_mmhg: 10.0,
            resistance_range: 0.4,
            contractility_range: 0.1,
            heart_rate_range: 0.2,
            venous_volume_ml: 300.0,
            reference_blood_volume_ml: 1500.0,
        }
    }

    #[test]
    fn at_the_set_point_nothing_changes() {
        let base = ModelParams::regazzoni2022();
        let s = reflex().apply(&base, 90.0);
        assert_eq!(s.params, base);
        assert_eq!(s.blood_volume_ml, 1500.0);
    }

    #[test]
    fn a_higher_pressure_relaxes_every_effector() {
        let base = ModelParams::regazzoni2022();
        let s = reflex().apply(&base, 100.0);
        let d = 1f64.tanh();
        let r0 = base.circulation.sys_ar.r_mmhg_s_per_ml;
        assert!((s.params.circulation.sys_ar.r_mmhg_s_per_ml - r0 * (1.0 - 0.4 * d)).abs() < 1e-12);
        assert!(s.params.chambers[1].ea_mmhg_per_ml < base.chambers[1].ea_mmhg_per_ml);
        assert!(s.params.heart_rate_bpm < 75.0);
        assert!((s.blood_volume_ml - (1500.0 - 300.0 * d)).abs() < 1e-9);
        // Saturates: far above the set point the resistance falls by its range at most.
        let far = reflex().apply(&base, 400.0);
        assert!(far.params.circulation.sys_ar.r_mmhg_s_per_ml > r0 * 0.6 - 1e-9);
    }
}
