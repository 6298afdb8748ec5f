//! The table behind the default free parameters: the elasticity ∂ln(metric)/∂ln(parameter) of
//! the common measurements to each candidate parameter, at a scenario's pre-clip steady state.
//! Why a command (`mitralsim calibrate --sensitivity-table SCENARIO`): docs/calibration.md
//! quotes this table, and it must be re-made whenever the model changes, by anyone.

use std::path::{Path, PathBuf};

use super::defaults;
use super::file::{At, CalibrationFile, Options, ScenarioRef};
use super::jacobian;
use super::problem::{measurable_keys, Problem, Target, Warm};
use super::setup;
use super::CalibrateError;
use crate::plot::quantity::{metric_short_name, short_number};

/// The measurements of the table, in this order (those the metrics have).
pub const TABLE_METRICS: [&str; 12] = [
    "lv_ejection_fraction_pct",
    "lv_edv_ml",
    "lv_edp_mmhg",
    "aortic_pressure_systolic_mmhg",
    "aortic_pressure_diastolic_mmhg",
    "la_pressure_mean_mmhg",
    "la_v_wave_mmhg",
    "pulmonary_artery_systolic_mmhg",
    "cardiac_output_l_min",
    "forward_stroke_volume_ml",
    "regurgitant_volume_ml",
    "eroa_cm2",
];

/// The elasticity table of `scenario` (a preset name or a scenario file) with `sets`, as
/// Markdown.
pub fn sensitivity_table(scenario: &str, sets: &[String]) -> Result<String, CalibrateError> {
    let is_preset = crate::scenario::builtin_presets()
        .iter()
        .any(|(n, _)| *n == scenario);
    let file = CalibrationFile {
        path: PathBuf::from(scenario),
        name: "sensitivity".into(),
        scenario: if is_preset {
            ScenarioRef::Preset(scenario.to_owned())
        } else {
            ScenarioRef::File(Path::new(scenario).to_path_buf())
        },
        scenario_at: At {
            file: scenario.to_owned(),
            line: None,
        },
        sets: Vec::new(),
        targets: Vec::new(),
        free: None,
        options: Options::default(),
    };
    let base = setup::base(&file, sets)?;
    let keys = measurable_keys(&base.metrics);
    let at = file.scenario_at.clone();
    let mut problem = Problem {
        template: base.template.clone(),
        fixed_sets: base.fixed_sets.clone(),
        parameters: defaults::pool(&base).into_iter().map(|(_, p)| p).collect(),
        targets: Vec::new(),
    };
    problem.targets = TABLE_METRICS
        .iter()
        .filter(|k| keys.iter().any(|m| m == *k))
        .map(|k| Target {
            key: (*k).to_owned(),
            value: 0.0,
            sd: 1.0,
            sd_given: true,
            at: at.clone(),
        })
        .collect();
    let warm = Warm {
        state: base.state,
        memory: Default::default(),
    };
    let centre = problem
        .evaluate(&problem.base(), Some(&warm))
        .map_err(CalibrateError::Run)?;
    let (cols, _) = jacobian::columns(
        &problem,
        &centre,
        jacobian::scaled_steps(&problem, &problem.base()),
    );
    let mut out = String::new();
    out.push_str("| parameter (base value) |");
    for t in &problem.targets {
        out.push_str(&format!(" {} |", metric_short_name(&t.key)));
    }
    out.push('\n');
    out.push_str(&format!("|---|{}\n", "---:|".repeat(problem.targets.len())));
    for (k, p) in problem.parameters.iter().enumerate() {
        out.push_str(&format!("| `{}` ({}) |", p.key, short_number(p.base)));
        for (i, y) in centre.achieved.iter().enumerate() {
            let cell = match &cols[k] {
                // On a log scale the column is ∂y/∂ln x; elsewhere ∂y/∂(x/range): make it
                // ∂ln y/∂ln x either way.
                Some(c) if *y != 0.0 => {
                    let per_ln_x = if p.bounds.log_scale() {
                        c[i]
                    } else {
                        c[i] * p.base / (p.bounds.upper - p.bounds.lower)
                    };
                    format!("{:+.2}", per_ln_x / y)
                }
                Some(_) => "—".to_owned(),
                None => "failed".to_owned(),
            };
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    Ok(out)
}
