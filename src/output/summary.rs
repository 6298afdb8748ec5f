//! The human-readable summary printed by `mitralsim run`: the main metrics with units and the MR
//! grade, in columns (one per simulated state).
//!
//! Why a table of rows: the same rows serve one column today and pre/post/change tomorrow, and the
//! labels and units live in one list.

use crate::metrics::Metrics;
use std::io::{self, Write};

/// One line of the table: a label, a unit and how to read the value (also the rows of
/// report.html).
pub struct Row {
    pub label: &'static str,
    pub unit: &'static str,
    pub decimals: usize,
    pub value: fn(&Metrics) -> Option<f64>,
}

const fn row(
    label: &'static str,
    unit: &'static str,
    decimals: usize,
    value: fn(&Metrics) -> Option<f64>,
) -> Row {
    Row {
        label,
        unit,
        decimals,
        value,
    }
}

/// Sections of the summary, in reading order.
pub const SECTIONS: &[(&str, &[Row])] = &[
    (
        "Mitral regurgitation",
        &[
            row("Regurgitant volume", "mL", 1, |m| {
                Some(m.regurgitant_volume_ml)
            }),
            row("Regurgitant fraction", "%", 1, |m| {
                Some(m.regurgitant_fraction_pct)
            }),
            row("EROA (RVol/VTI)", "cm²", 3, |m| Some(m.eroa_cm2)),
            row("Regurgitant duration", "ms", 0, |m| {
                Some(m.regurgitant_duration_ms)
            }),
        ],
    ),
    (
        "Mitral inflow",
        &[
            row("Mean gradient", "mmHg", 2, |m| {
                Some(m.mitral_mean_gradient_mmhg)
            }),
            row("Peak gradient", "mmHg", 2, |m| {
                Some(m.mitral_peak_gradient_mmhg)
            }),
            row("Valve area (MVA)", "cm²", 2, |m| m.mitral_valve_area_cm2),
        ],
    ),
    (
        "Left ventricle and output",
        &[
            row("End-diastolic volume", "mL", 1, |m| Some(m.lv_edv_ml)),
            row("End-systolic volume", "mL", 1, |m| Some(m.lv_esv_ml)),
            row("Ejection fraction", "%", 1, |m| {
                Some(m.lv_ejection_fraction_pct)
            }),
            row("Total stroke volume", "mL", 1, |m| {
                Some(m.lv_stroke_volume_ml)
            }),
            row("Forward stroke volume (net)", "mL", 1, |m| {
                Some(m.forward_stroke_volume_ml)
            }),
            row("Cardiac output (net)", "L/min", 2, |m| {
                Some(m.cardiac_output_l_min)
            }),
            row("Ejection time (LVET)", "ms", 0, |m| {
                Some(m.lv_ejection_time_ms)
            }),
            row("Pre-ejection period", "ms", 0, |m| {
                Some(m.lv_pre_ejection_ms)
            }),
            row("LV peak pressure", "mmHg", 1, |m| {
                Some(m.lv_pressure_peak_mmhg)
            }),
            row("LV end-diastolic pressure", "mmHg", 1, |m| {
                Some(m.lv_edp_mmhg)
            }),
        ],
    ),
    (
        "Pressures",
        &[
            row("LA mean pressure", "mmHg", 1, |m| {
                Some(m.la_pressure_mean_mmhg)
            }),
            row("LA v-wave", "mmHg", 1, |m| Some(m.la_v_wave_mmhg)),
            row("Aortic systolic", "mmHg", 1, |m| {
                Some(m.aortic_pressure_systolic_mmhg)
            }),
            row("Aortic diastolic", "mmHg", 1, |m| {
                Some(m.aortic_pressure_diastolic_mmhg)
            }),
            row("Aortic mean", "mmHg", 1, |m| {
                Some(m.aortic_pressure_mean_mmhg)
            }),
            row("Pulmonary artery systolic", "mmHg", 1, |m| {
                Some(m.pulmonary_artery_systolic_mmhg)
            }),
            row("Pulmonary artery mean", "mmHg", 1, |m| {
                Some(m.pulmonary_artery_mean_mmhg)
            }),
            row("Pulmonary venous mean", "mmHg", 1, |m| {
                Some(m.pulmonary_venous_mean_mmhg)
            }),
            row("SVR", "dyn·s/cm⁵", 0, |m| {
                Some(m.systemic_vascular_resistance_dyn_s_cm5)
            }),
        ],
    ),
];

const LABEL_WIDTH: usize = 28;
const COLUMN_WIDTH: usize = 16;

/// Post-clip mean transmitral gradient above which outcomes are worse (validation-targets.md:
/// > 5 mmHg in several cohorts, echo cut-offs 4.4–5).
pub const STENOSIS_GRADIENT_MMHG: f64 = 5.0;

fn cell(v: Option<f64>, decimals: usize, signed: bool) -> String {
    match v {
        Some(v) if !v.is_finite() => format!("{:>COLUMN_WIDTH$}", "undefined"),
        Some(v) if signed => format!("{:>+COLUMN_WIDTH$.*}", decimals, v),
        Some(v) => format!("{:>COLUMN_WIDTH$.*}", decimals, v),
        None => format!("{:>COLUMN_WIDTH$}", "n/a"),
    }
}

/// Write the table: one column for `pre`, or pre, post and change when a clip was simulated.
/// Flags a post-clip mean gradient above [`STENOSIS_GRADIENT_MMHG`].
pub fn write(pre: &Metrics, post: Option<&Metrics>, mut out: impl Write) -> io::Result<()> {
    let titles: &[&str] = if post.is_some() {
        &["pre", "post", "change"]
    } else {
        &["pre"]
    };
    let header: String = titles
        .iter()
        .map(|t| format!("{t:>COLUMN_WIDTH$}"))
        .collect();
    writeln!(out, "{:LABEL_WIDTH$}{header}", "")?;
    let mut grades = format!("{:>COLUMN_WIDTH$}", pre.mr_grade.as_str());
    if let Some(post) = post {
        grades += &format!("{:>COLUMN_WIDTH$}", post.mr_grade.as_str());
    }
    writeln!(out, "{:LABEL_WIDTH$}{grades}", "MR grade (ASE 2017)")?;
    for (section, rows) in SECTIONS {
        writeln!(out, "{section}")?;
        for r in *rows {
            let a = (r.value)(pre);
            let mut cells = cell(a, r.decimals, false);
            if let Some(post) = post {
                let b = (r.value)(post);
                cells += &cell(b, r.decimals, false);
                cells += &cell(a.zip(b).map(|(a, b)| b - a), r.decimals, true);
            }
            writeln!(
                out,
                "  {:w$}{cells}  {}",
                r.label,
                r.unit,
                w = LABEL_WIDTH - 2
            )?;
        }
    }
    if let Some(post) = post {
        if post.mitral_mean_gradient_mmhg > STENOSIS_GRADIENT_MMHG {
            writeln!(
                out,
                "\nWARNING: post-clip mean transmitral gradient {:.1} mmHg > {STENOSIS_GRADIENT_MMHG} \
                 mmHg: risk of iatrogenic mitral stenosis (associated with worse outcomes)",
                post.mitral_mean_gradient_mmhg
            )?;
        }
    }
    out.flush()
}
