//! The published closed loop (Regazzoni et al. 2022) against its reference output
//! (docs/references.md, "The published closed loop").

mod common;
use mitralsim::model::state::regazzoni_initial_state;
use mitralsim::model::{Circuit, ModelParams};

#[test]
fn preset_file_is_the_published_parameter_set() {
    let s = common::preset("regazzoni2022", &[]);
    assert_eq!(s.params, ModelParams::regazzoni2022());
    let c = Circuit::new(s.params.clone());
    assert_eq!(s.initial, c.with_resting_valves(regazzoni_initial_state()));
}

/// The reference values are published to 2–3 significant digits. Each is checked to 0.5 %, or
/// to half a unit of its last published digit where that is wider (LA 16 → ±0.5 mmHg,
/// CO 5.2 → ±0.05 L/min): a tighter bound would test the rounding, not the model.
#[test]
fn steady_state_matches_the_reference_output() {
    let m = common::run(&common::preset("regazzoni2022", &[]));
    let cases = [
        ("EDV (mL)", m.lv_edv_ml, 137.0, 1.0),
        ("ESV (mL)", m.lv_esv_ml, 67.0, 1.0),
        ("EF (%)", m.lv_ejection_fraction_pct, 51.0, 1.0),
        (
            "aortic systolic (mmHg)",
            m.aortic_pressure_systolic_mmhg,
            119.0,
            1.0,
        ),
        (
            "aortic diastolic (mmHg)",
            m.aortic_pressure_diastolic_mmhg,
            80.0,
            1.0,
        ),
        (
            "mean LA pressure (mmHg)",
            m.la_pressure_mean_mmhg,
            16.0,
            1.0,
        ),
        ("cardiac output (L/min)", m.cardiac_output_l_min, 5.2, 0.1),
    ];
    for (what, value, reference, last_digit) in cases {
        let (reference, last_digit): (f64, f64) = (reference, last_digit);
        let tol = (0.005 * reference).max(0.5 * last_digit);
        assert!(
            (value - reference).abs() <= tol,
            "{what}: {value:.3} vs reference {reference} (tolerance ±{tol})"
        );
    }
    // Diodes: the valve is competent.
    assert!(m.regurgitant_volume_ml < 0.01);
    assert_eq!(m.mr_grade, mitralsim::metrics::MrGrade::None);
}
