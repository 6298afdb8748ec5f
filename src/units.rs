//! The one internal unit system, and the conversions made once at the boundary.
//!
//! Why: hemodynamics mixes CGS (dyn/cm², cm²), clinical units (mmHg, L/min) and SI. Everything
//! inside the model is mL, mmHg, s, mL/s, mmHg·s/mL (resistance), mL/mmHg (compliance) and
//! mmHg·s²/mL (inertance); orifice areas stay in cm² because that is how clinicians and the
//! scenario files speak of them. Any other unit is converted here and nowhere else.

/// dyn/cm² in one mmHg.
pub const DYN_PER_CM2_PER_MMHG: f64 = 1333.22;

/// Blood density ρ (g/mL), model-reference.md.
pub const BLOOD_DENSITY_G_PER_ML: f64 = 1.06;

/// Bernoulli coefficient `B = ρ / (2 A²)` of an orifice of effective area `area_cm2`,
/// in mmHg·s²/mL², so that the convective pressure loss is `B·Q·|Q|`.
#[inline]
pub fn bernoulli_mmhg_s2_per_ml2(area_cm2: f64) -> f64 {
    BLOOD_DENSITY_G_PER_ML / (2.0 * area_cm2 * area_cm2) / DYN_PER_CM2_PER_MMHG
}

/// Inertance `L = ρ·l / A` of an orifice of effective length `length_cm`, in mmHg·s²/mL.
#[inline]
pub fn orifice_inertance_mmhg_s2_per_ml(length_cm: f64, area_cm2: f64) -> f64 {
    BLOOD_DENSITY_G_PER_ML * length_cm / area_cm2 / DYN_PER_CM2_PER_MMHG
}

/// Mynard's valve rate constants are published in cm²/(dyn·s); internally 1/(mmHg·s).
#[inline]
pub fn rate_constant_per_mmhg_s(k_cm2_per_dyn_s: f64) -> f64 {
    k_cm2_per_dyn_s * DYN_PER_CM2_PER_MMHG
}

/// Jet velocity (cm/s) of a pressure drop by the Bernoulli equation, `v = √(2ΔP/ρ)`.
#[inline]
pub fn bernoulli_velocity_cm_s(dp_mmhg: f64) -> f64 {
    (2.0 * dp_mmhg.abs() * DYN_PER_CM2_PER_MMHG / BLOOD_DENSITY_G_PER_ML).sqrt()
}

/// Resistance in mmHg·s/mL to the clinical dyn·s/cm⁵ (SVR reports).
#[inline]
pub fn resistance_dyn_s_cm5(r_mmhg_s_per_ml: f64) -> f64 {
    r_mmhg_s_per_ml * DYN_PER_CM2_PER_MMHG
}

/// mL per beat times beats per minute to L/min.
#[inline]
pub fn l_per_min(volume_per_beat_ml: f64, heart_rate_bpm: f64) -> f64 {
    volume_per_beat_ml * heart_rate_bpm / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// model-reference.md: for A = 0.4 cm², B ≈ 2.48e-3 and 100 mmHg drives ≈ 200 mL/s (5 m/s).
    #[test]
    fn bernoulli_matches_reference_example() {
        let b = bernoulli_mmhg_s2_per_ml2(0.4);
        assert!((b - 2.48e-3).abs() < 0.01e-3, "B = {b}");
        let q = (100.0 / b).sqrt();
        assert!((q - 200.0).abs() < 2.0, "Q = {q}");
        let v = bernoulli_velocity_cm_s(100.0);
        assert!((v - 500.0).abs() < 5.0, "v = {v} cm/s");
        // Q / A equals the Bernoulli velocity: the two definitions agree.
        assert!((q / 0.4 - v).abs() / v < 1e-12);
    }
}
