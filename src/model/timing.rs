//! Chamber timing that follows the heart rate.
//!
//! Why: a time-varying-elastance heart whose contraction lasts a fixed number of seconds is
//! active for almost the whole beat at 90 bpm and cannot run at all above ≈ 92 bpm (the LV's
//! 0.65 s of contraction and relaxation no longer fit in the RR interval). The human heart
//! shortens systole with rate, but much less than the cycle: Weissler et al. (Circulation
//! 1968;37:149) measured, in men, electromechanical systole QS2 = 546 − 2.1·HR ms, ejection time
//! LVET = 413 − 1.7·HR ms and pre-ejection period PEP = 131 − 0.4·HR ms; the PR interval shortens
//! by 0.26–0.42 ms per bpm (Soliman & Rautaharju 2012, NHANES III) towards a floor of ≈ 100 ms.
//!
//! The law (docs/model.md, "Timing"): the timings in the scenario are those at the reference
//! rate. At rate HR every relaxation duration is multiplied by `f = QS2(HR) / QS2(HR_ref)` and
//! every contraction duration by `f^1.5` ([`CONTRACTION_EXPONENT`]); a chamber that starts before the LV (the atria) keeps its lead equal
//! to the PR interval, which shortens by [`PR_SLOPE_S_PER_BPM`] down to [`PR_FLOOR_S`]; a chamber
//! that starts after the LV keeps a lag scaled like the durations. The LV onset itself (the
//! place of end-diastole in the beat) is kept. tests/physiology.rs checks the resulting LVET
//! and PEP against Weissler's lines.

use super::params::{ActivationTiming, ChamberId, HeartTiming, ModelParams};

/// Weissler 1968 (men): QS2 = `QS2_INTERCEPT_MS − QS2_SLOPE_MS_PER_BPM · HR` (ms).
pub const QS2_INTERCEPT_MS: f64 = 546.0;
pub const QS2_SLOPE_MS_PER_BPM: f64 = 2.1;
/// Weissler 1968 (men): LVET = 413 − 1.7·HR ms, PEP = 131 − 0.4·HR ms (for tests and docs).
pub const LVET_LINE_MS: (f64, f64) = (413.0, 1.7);
pub const PEP_LINE_MS: (f64, f64) = (131.0, 0.4);
/// The contraction time (rise of the activation) scales with the QS2 ratio raised to this
/// power, the relaxation time with the ratio itself. Fitted (normal preset, 50–120 bpm) so that
/// both the pre-ejection period and the ejection time follow Weissler's lines: with a fixed
/// peripheral resistance the aortic diastolic pressure rises with rate, which lengthens the
/// isovolumic contraction, so the rise of activation must shorten faster than QS2 for PEP to
/// shorten as it does in people.
pub const CONTRACTION_EXPONENT: f64 = 1.5;
/// Shortening of the PR interval with rate (s per bpm): the middle of Soliman 2012's
/// 0.26–0.42 ms/bpm.
pub const PR_SLOPE_S_PER_BPM: f64 = 0.34e-3;
/// The PR interval does not shorten below this (s), nor below its reference value if that is
/// already shorter.
pub const PR_FLOOR_S: f64 = 0.100;

/// Weissler's electromechanical systole at `rate_bpm` (ms).
pub fn qs2_ms(rate_bpm: f64) -> f64 {
    QS2_INTERCEPT_MS - QS2_SLOPE_MS_PER_BPM * rate_bpm
}

/// The factor on contraction and relaxation durations at `rate_bpm` for timings given at
/// `reference_rate_bpm`.
pub fn duration_factor(rate_bpm: f64, reference_rate_bpm: f64) -> f64 {
    qs2_ms(rate_bpm) / qs2_ms(reference_rate_bpm)
}

/// The atrioventricular delay at `rate_bpm` for a delay of `pr_ref_s` at `reference_rate_bpm`.
pub fn pr_interval_s(pr_ref_s: f64, rate_bpm: f64, reference_rate_bpm: f64) -> f64 {
    let floor = pr_ref_s.min(PR_FLOOR_S);
    (pr_ref_s - PR_SLOPE_S_PER_BPM * (rate_bpm - reference_rate_bpm)).max(floor)
}

/// The chamber timings in effect at the model's heart rate, indexed by [`ChamberId`].
pub fn effective_timings(params: &ModelParams) -> [ActivationTiming; 4] {
    let given = params.chambers.map(|c| c.timing);
    let HeartTiming::Scaled { reference_rate_bpm } = params.timing else {
        return given;
    };
    let rate = params.heart_rate_bpm;
    let factor = duration_factor(rate, reference_rate_bpm);
    let contraction_factor = factor.powf(CONTRACTION_EXPONENT);
    let lv_onset_s = given[ChamberId::Lv as usize].onset_s;
    given.map(|t| {
        let lead_s = t.onset_s - lv_onset_s;
        let offset_s = if lead_s < 0.0 {
            -pr_interval_s(-lead_s, rate, reference_rate_bpm)
        } else {
            lead_s * factor
        };
        ActivationTiming {
            onset_s: lv_onset_s + offset_s,
            contraction_s: t.contraction_s * contraction_factor,
            relaxation_s: t.relaxation_s * factor,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scaled(rate_bpm: f64) -> ModelParams {
        let mut p = ModelParams::regazzoni2022();
        p.chambers[ChamberId::La as usize].timing.onset_s = -0.05;
        p.chambers[ChamberId::Ra as usize].timing.onset_s = -0.05;
        p.timing = HeartTiming::Scaled {
            reference_rate_bpm: 75.0,
        };
        p.heart_rate_bpm = rate_bpm;
        p
    }

    #[test]
    fn at_the_reference_rate_the_given_timings_hold() {
        let p = scaled(75.0);
        let t = effective_timings(&p);
        for (i, c) in p.chambers.iter().enumerate() {
            assert!((t[i].onset_s - c.timing.onset_s).abs() < 1e-15);
            assert_eq!(t[i].contraction_s, c.timing.contraction_s);
            assert_eq!(t[i].relaxation_s, c.timing.relaxation_s);
        }
    }

    #[test]
    fn durations_follow_weisslers_qs2_and_pr_shortens_to_its_floor() {
        let t = effective_timings(&scaled(120.0));
        let lv = t[ChamberId::Lv as usize];
        let ratio: f64 = (546.0 - 252.0) / (546.0 - 157.5);
        let expected = 0.25 * ratio.powf(CONTRACTION_EXPONENT);
        assert!((lv.contraction_s - expected).abs() < 1e-12, "{lv:?}");
        assert!((lv.relaxation_s - 0.4 * ratio).abs() < 1e-12, "{lv:?}");
        assert_eq!(lv.onset_s, 0.1, "the LV onset stays");
        // PR 150 ms at 75 bpm: 150 − 0.34·45 = 134.7 ms at 120 bpm.
        let la = t[ChamberId::La as usize];
        assert!((lv.onset_s - la.onset_s - 0.1347).abs() < 1e-12, "{la:?}");
        // At 250 bpm (beyond the validated range) the PR would fall below the floor.
        assert!((pr_interval_s(0.15, 250.0, 75.0) - PR_FLOOR_S).abs() < 1e-15);
        assert_eq!(pr_interval_s(0.08, 150.0, 75.0), 0.08, "a short PR stays");
        // Fixed timing ignores the rate.
        let mut fixed = scaled(120.0);
        fixed.timing = HeartTiming::Fixed;
        assert_eq!(effective_timings(&fixed)[1].contraction_s, 0.25);
    }

    #[test]
    fn the_lv_activation_fits_the_beat_from_40_to_200_bpm() {
        for rate in [40.0, 60.0, 100.0, 140.0, 180.0, 200.0] {
            let lv = effective_timings(&scaled(rate))[ChamberId::Lv as usize];
            let rr = 60.0 / rate;
            assert!(
                lv.contraction_s + lv.relaxation_s < rr,
                "{rate} bpm: {lv:?} in RR {rr}"
            );
        }
    }
}
