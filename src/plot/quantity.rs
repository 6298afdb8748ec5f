//! What a key means on a figure: the quantity a metric key (`regurgitant_volume_ml`) or a
//! scenario key path (`valves.mitral.eroa_cm2`) names, and its unit.
//!
//! Why one place: every sweep figure labels its axes, colour bars and legends from the column
//! names of results.csv, and the unit must come from the key the same way everywhere. Units come
//! from the key's suffix (the project's naming rule: units in the key names), so a metric added
//! later gets its unit without a change here; names of well-known keys read better than the key.

use crate::metrics::{EROA_CUTS_CM2, RF_CUTS_PCT, RVOL_CUTS_ML};

/// Unit suffixes of key names and how a figure writes them, longest first so that `_ml_s`
/// wins over `_s`.
const UNIT_SUFFIXES: [(&str, &str); 14] = [
    ("_dyn_s_cm5", "dyn·s/cm⁵"),
    ("_per_mmhg", "1/mmHg"),
    ("_per_ml", "1/mL"),
    ("_l_min", "L/min"),
    ("_ml_s", "mL/s"),
    ("_mmhg", "mmHg"),
    ("_cm2", "cm²"),
    ("_pct", "%"),
    ("_bpm", "bpm"),
    ("_ml", "mL"),
    ("_mm", "mm"),
    ("_ms", "ms"),
    ("_cm", "cm"),
    ("_s", "s"),
];

/// Scenario parameters whose unit is not in their name (docs/scenario-format.md).
const PARAMETER_UNITS: [(&str, &str); 12] = [
    ("ea", "mmHg/mL"),
    ("eb", "mmHg/mL"),
    ("r_ar", "mmHg·s/mL"),
    ("r_ven", "mmHg·s/mL"),
    ("rmin", "mmHg·s/mL"),
    ("rmax", "mmHg·s/mL"),
    ("c_ar", "mL/mmHg"),
    ("c_ven", "mL/mmHg"),
    ("l_ar", "mmHg·s²/mL"),
    ("l_ven", "mmHg·s²/mL"),
    ("k_open", "cm²/(dyn·s)"),
    ("k_close", "cm²/(dyn·s)"),
];

/// The unit of a key from its suffix (`_ml` → mL, `_pct` → %, `_cm2` → cm², `_mmhg` → mmHg,
/// `_l_min` → L/min, `_bpm` → bpm, …), with the key less that suffix; `None` for a key without
/// a unit suffix. A `pre_`/`post_` prefix or a dotted path does not matter.
/// The ASE 2017 cut-points of a regurgitation measure, if `metric` is one (the grade bands of
/// the sweep figures).
pub fn grade_cuts(metric: &str) -> Option<[f64; 4]> {
    match metric {
        "regurgitant_volume_ml" => Some(RVOL_CUTS_ML),
        "regurgitant_fraction_pct" => Some(RF_CUTS_PCT),
        "eroa_cm2" => Some(EROA_CUTS_CM2),
        _ => None,
    }
}

pub fn split_unit(key: &str) -> (&str, Option<&'static str>) {
    let last = key.rsplit('.').next().unwrap_or(key);
    for (suffix, unit) in UNIT_SUFFIXES {
        // The suffix must follow a word: `_ml` alone is not a unit.
        if last.len() > suffix.len() && last.ends_with(suffix) {
            return (&key[..key.len() - suffix.len()], Some(unit));
        }
    }
    (key, None)
}

/// The unit of `key` (see [`split_unit`]), also for scenario parameters named without one
/// (`chambers.lv.ea` → mmHg/mL).
pub fn unit_of(key: &str) -> Option<&'static str> {
    split_unit(key).1.or_else(|| {
        let last = key.rsplit('.').next().unwrap_or(key);
        PARAMETER_UNITS
            .iter()
            .find(|(name, _)| *name == last)
            .map(|(_, unit)| *unit)
    })
}

/// `quantity (unit)`, or the quantity alone when there is no unit.
pub fn with_unit(quantity: &str, unit: Option<&str>) -> String {
    match unit {
        Some(u) => format!("{quantity} ({u})"),
        None => quantity.to_string(),
    }
}

/// Which state a results.csv metric column belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefix {
    Pre,
    Post,
}

impl Prefix {
    /// Split `pre_<metric>` / `post_<metric>`.
    pub fn split(column: &str) -> Option<(Prefix, &str)> {
        if let Some(m) = column.strip_prefix("pre_") {
            Some((Prefix::Pre, m))
        } else {
            column.strip_prefix("post_").map(|m| (Prefix::Post, m))
        }
    }

    pub fn column(self, metric: &str) -> String {
        match self {
            Prefix::Pre => format!("pre_{metric}"),
            Prefix::Post => format!("post_{metric}"),
        }
    }

    /// "Pre-clip" / "Post-clip", to put before a metric's name.
    pub fn adjective(self) -> &'static str {
        match self {
            Prefix::Pre => "Pre-clip",
            Prefix::Post => "Post-clip",
        }
    }
}

/// Names of the metrics of [`crate::metrics::Metrics`]: (key, long name, short name).
const METRIC_NAMES: [(&str, &str, &str); 32] = [
    ("heart_rate_bpm", "Heart rate", "HR"),
    ("lv_edv_ml", "LV end-diastolic volume", "LVEDV"),
    ("lv_esv_ml", "LV end-systolic volume", "LVESV"),
    ("lv_stroke_volume_ml", "LV stroke volume", "SV"),
    ("lv_ejection_fraction_pct", "LV ejection fraction", "LVEF"),
    (
        "forward_stroke_volume_ml",
        "Forward stroke volume",
        "forward SV",
    ),
    ("cardiac_output_l_min", "Cardiac output", "CO"),
    (
        "aortic_ejected_volume_ml",
        "Aortic ejected volume (gross)",
        "ejected",
    ),
    (
        "aortic_backflow_ml",
        "Aortic closing backflow",
        "AV backflow",
    ),
    ("lv_ejection_time_ms", "LV ejection time", "LVET"),
    ("lv_pre_ejection_ms", "LV pre-ejection period", "PEP"),
    (
        "mitral_forward_volume_ml",
        "Mitral forward volume",
        "mitral inflow",
    ),
    ("regurgitant_volume_ml", "Regurgitant volume", "RVol"),
    ("regurgitant_fraction_pct", "Regurgitant fraction", "RF"),
    ("eroa_cm2", "Measured EROA", "EROA"),
    (
        "regurgitant_duration_ms",
        "Regurgitant duration",
        "MR duration",
    ),
    (
        "mitral_mean_gradient_mmhg",
        "Mean mitral gradient",
        "mean gradient",
    ),
    (
        "mitral_peak_gradient_mmhg",
        "Peak mitral gradient",
        "peak gradient",
    ),
    ("mitral_valve_area_cm2", "Mitral valve area", "MVA"),
    ("la_pressure_mean_mmhg", "Mean LA pressure", "mean LAP"),
    ("la_v_wave_mmhg", "LA v-wave", "v-wave"),
    ("lv_pressure_peak_mmhg", "Peak LV pressure", "peak LVP"),
    ("lv_edp_mmhg", "LV end-diastolic pressure", "LVEDP"),
    (
        "aortic_pressure_systolic_mmhg",
        "Systolic aortic pressure",
        "systolic AoP",
    ),
    (
        "aortic_pressure_diastolic_mmhg",
        "Diastolic aortic pressure",
        "diastolic AoP",
    ),
    (
        "aortic_pressure_mean_mmhg",
        "Mean aortic pressure",
        "mean AoP",
    ),
    (
        "pulmonary_artery_systolic_mmhg",
        "Systolic pulmonary artery pressure",
        "PASP",
    ),
    (
        "pulmonary_artery_mean_mmhg",
        "Mean pulmonary artery pressure",
        "mPAP",
    ),
    (
        "pulmonary_venous_mean_mmhg",
        "Mean pulmonary venous pressure",
        "mean PVP",
    ),
    (
        "systemic_vascular_resistance_dyn_s_cm5",
        "Systemic vascular resistance",
        "SVR",
    ),
    ("blood_volume_ml", "Blood volume", "blood volume"),
    ("beats_to_steady_state", "Beats to steady state", "beats"),
];

/// A bare metric key as words: its name for well-known metrics, else the key less its unit
/// suffix with spaces (`foo_bar_ml` → "Foo bar").
pub fn metric_name(metric: &str) -> String {
    match METRIC_NAMES.iter().find(|(k, _, _)| *k == metric) {
        Some((_, long, _)) => (*long).to_string(),
        None => sentence(split_unit(metric).0),
    }
}

/// A short name for a metric (an axis of a small panel): "RVol", "RF", "CO".
pub fn metric_short_name(metric: &str) -> String {
    match METRIC_NAMES.iter().find(|(k, _, _)| *k == metric) {
        Some((_, _, short)) => (*short).to_string(),
        None => sentence(split_unit(metric).0),
    }
}

/// "Regurgitant volume (mL)".
pub fn metric_label(metric: &str) -> String {
    with_unit(&metric_name(metric), unit_of(metric))
}

/// A results.csv column `pre_<metric>` / `post_<metric>` as words: "Post-clip regurgitant
/// fraction".
pub fn column_name(column: &str) -> String {
    match Prefix::split(column) {
        Some((prefix, metric)) => {
            let name = metric_name(metric);
            format!("{} {}", prefix.adjective(), lower_unless_acronym(&name))
        }
        None => metric_name(column),
    }
}

/// "Post-clip regurgitant fraction (%)".
pub fn column_label(column: &str) -> String {
    with_unit(&column_name(column), unit_of(column))
}

/// Owners of scenario key paths (`chambers.lv` → "LV").
const OWNERS: [(&str, &str); 12] = [
    ("chambers.la", "LA"),
    ("chambers.lv", "LV"),
    ("chambers.ra", "RA"),
    ("chambers.rv", "RV"),
    ("valves.mitral", "Mitral"),
    ("valves.aortic", "Aortic"),
    ("valves.tricuspid", "Tricuspid"),
    ("valves.pulmonary", "Pulmonary valve"),
    ("circulation.systemic", "Systemic"),
    ("circulation.pulmonary", "Pulmonary"),
    ("heart", "Heart"),
    ("clip", "Clip"),
];

/// Parameters (last part of a key path, unit suffix removed) as words.
const PARAMETERS: [(&str, &str); 25] = [
    ("clips", "configuration"),
    ("eroa", "EROA"),
    ("area", "open area"),
    ("length", "length"),
    ("rate", "rate"),
    ("ea", "active elastance"),
    ("eb", "passive elastance"),
    ("p0", "EDPVR scale p0"),
    ("beta", "EDPVR stiffness β"),
    ("v0", "unstressed volume"),
    ("onset", "contraction onset"),
    ("contraction", "contraction time"),
    ("relaxation", "relaxation time"),
    ("r_ar", "arterial resistance"),
    ("c_ar", "arterial compliance"),
    ("l_ar", "arterial inertance"),
    ("r_ven", "venous resistance"),
    ("c_ven", "venous compliance"),
    ("l_ven", "venous inertance"),
    ("k_open", "opening rate"),
    ("k_close", "closing rate"),
    ("gap_width", "gap width"),
    ("gap_center", "gap centre"),
    ("coaptation_length", "coaptation length"),
    ("blood_volume", "Blood volume"),
];

/// A sweep axis (a scenario key path) as a quantity: "Mitral EROA", "Heart rate", "LV active
/// elastance"; the key path itself when it is not a known parameter.
pub fn axis_name(key: &str) -> String {
    let (stem, _) = split_unit(key);
    let (owner, param) = match stem.rsplit_once('.') {
        Some((owner, param)) => (owner, param),
        None => ("", stem),
    };
    let param_words = PARAMETERS
        .iter()
        .find(|(p, _)| *p == param)
        .map(|(_, w)| *w);
    let owner_words = OWNERS.iter().find(|(o, _)| *o == owner).map(|(_, w)| *w);
    match (owner, owner_words, param_words) {
        ("valves.mitral", _, Some("EROA")) => "Mitral EROA (pre-clip)".to_string(),
        ("valves.mitral", _, Some("open area")) => "Mitral open area (pre-clip)".to_string(),
        ("clip", _, Some("EROA")) => "Post-clip EROA (direct)".to_string(),
        ("clip", _, Some("open area")) => "Post-clip valve area (direct)".to_string(),
        ("initial", _, Some(p)) => p.to_string(),
        (_, Some(o), Some(p)) => format!("{o} {p}"),
        _ => key.to_string(),
    }
}

/// "Mitral EROA (pre-clip) (cm²)" reads badly: the unit goes inside the parentheses there.
pub fn axis_label(key: &str) -> String {
    let name = axis_name(key);
    match (unit_of(key), name.strip_suffix(')')) {
        (Some(unit), Some(open)) if name != key => format!("{open}, {unit})"),
        (unit, _) => with_unit(&name, unit),
    }
}

/// An axis value with its unit: "0.4 cm²", "75 bpm", "12 %".
pub fn value_with_unit(value: &str, key: &str) -> String {
    match unit_of(key) {
        Some("%") => format!("{value} %"),
        Some(u) => format!("{value} {u}"),
        None => value.to_string(),
    }
}

/// A number as short as it reads: at most 6 significant digits and no trailing zeros, so that
/// a value written as `0.30000000000000004` (a linspace step) shows as 0.3.
pub fn short_number(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return if v.is_finite() {
            "0".into()
        } else {
            v.to_string()
        };
    }
    let decimals = (5 - v.abs().log10().floor() as i32).clamp(0, 15) as usize;
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" {
        "0".into()
    } else {
        s
    }
}

/// Keys of a table that name what it is, written first in its label (a clip's `size`).
const NAMING_KEYS: [&str; 5] = ["size", "model", "name", "kind", "type"];

/// Longest short label of a structured value (characters) before it is cut with "…".
const SHORT_VALUE_CHARS: usize = 32;

/// A results.csv cell that is not a number, as a figure shows it. A structured value, written
/// as inline TOML, reads as its values with their units: a table's values in order (`{ size =
/// "XT", position_mm = 17.5 }` → "XT 17.5 mm"), a list of tables joined by " + " (two clips:
/// "XT 14.5 mm + XT 20.5 mm"), naming keys (`size`, `model`, `name`, `kind`, `type`) first,
/// other lists comma-separated in brackets; a string unquoted. Any
/// other cell is shown as written. Labels longer than 32 characters are cut with "…".
pub fn short_value(cell: &str) -> String {
    let cell = cell.trim();
    // toml_edit keeps a table's keys in their written order (size before position).
    let label = match cell.parse::<toml_edit::Value>() {
        Ok(v) => toml_label(&v, ""),
        Err(_) => cell.to_string(),
    };
    if label.chars().count() > SHORT_VALUE_CHARS {
        let cut: String = label.chars().take(SHORT_VALUE_CHARS - 1).collect();
        format!("{}…", cut.trim_end())
    } else {
        label
    }
}

/// A TOML value as words; `key` (the table key it sits under) gives a number its unit.
fn toml_label(v: &toml_edit::Value, key: &str) -> String {
    use toml_edit::Value;
    match v {
        Value::String(s) => s.value().clone(),
        Value::Integer(i) => value_with_unit(&i.value().to_string(), key),
        Value::Float(f) => value_with_unit(&short_number(*f.value()), key),
        Value::Boolean(b) => format!("{key} {}", b.value()).trim().to_string(),
        Value::Datetime(d) => d.value().to_string(),
        Value::InlineTable(t) => {
            // results.csv sorts a table's keys; the naming ones go first wherever they are
            // ({ position_mm = 17.5, size = "NT" } → "NT 17.5 mm").
            let mut entries: Vec<(&str, &Value)> = t.iter().collect();
            entries.sort_by_key(|(k, _)| !NAMING_KEYS.contains(k));
            entries
                .into_iter()
                .map(|(k, v)| toml_label(v, k))
                .collect::<Vec<_>>()
                .join(" ")
        }
        Value::Array(items) if items.iter().all(Value::is_inline_table) && !items.is_empty() => {
            items
                .iter()
                .map(|i| toml_label(i, key))
                .collect::<Vec<_>>()
                .join(" + ")
        }
        Value::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|i| toml_label(i, key))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn sentence(stem: &str) -> String {
    let words = stem.replace('_', " ");
    let mut c = words.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => words,
    }
}

/// Lower-case the first letter unless the first word is an acronym (LV, EROA), to put a name
/// inside a sentence: "… vs mitral EROA", "… of LV end-diastolic volume".
pub fn lower_unless_acronym(s: &str) -> String {
    let first = s.split(' ').next().unwrap_or("");
    if first.chars().filter(|c| c.is_uppercase()).count() > 1 {
        return s.to_string();
    }
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_come_from_the_suffix() {
        assert_eq!(unit_of("regurgitant_volume_ml"), Some("mL"));
        assert_eq!(unit_of("post_regurgitant_fraction_pct"), Some("%"));
        assert_eq!(unit_of("eroa_cm2"), Some("cm²"));
        assert_eq!(unit_of("mitral_mean_gradient_mmhg"), Some("mmHg"));
        assert_eq!(unit_of("cardiac_output_l_min"), Some("L/min"));
        assert_eq!(unit_of("heart.rate_bpm"), Some("bpm"));
        assert_eq!(unit_of("q_mv_ml_s"), Some("mL/s"));
        assert_eq!(
            unit_of("systemic_vascular_resistance_dyn_s_cm5"),
            Some("dyn·s/cm⁵")
        );
        assert_eq!(unit_of("chambers.lv.ea"), Some("mmHg/mL"));
        assert_eq!(unit_of("beats_to_steady_state"), None);
        assert_eq!(unit_of("converged"), None);
    }

    #[test]
    fn structured_values_read_as_their_values_with_units() {
        assert_eq!(
            short_value(r#"[{size = "XT", position_mm = 17.5}]"#),
            "XT 17.5 mm"
        );
        assert_eq!(
            short_value(
                r#"[{ size = "XT", position_mm = 14.5 }, { size = "XT", position_mm = 20.5 }]"#
            ),
            "XT 14.5 mm + XT 20.5 mm"
        );
        assert_eq!(short_value(r#"[{size = "NT", segment = "P2"}]"#), "NT P2");
        // As results.csv writes it: keys sorted.
        assert_eq!(
            short_value(r#"[{ position_mm = 17.5, size = "NT" }]"#),
            "NT 17.5 mm"
        );
        assert_eq!(short_value(r#"[{ segment = "P2", size = "XT" }]"#), "XT P2");
        assert_eq!(short_value("orifice"), "orifice");
        assert_eq!(short_value(r#""quoted""#), "quoted");
        assert_eq!(short_value("[1, 2.5]"), "[1, 2.5]");
        assert_eq!(short_value("not { toml"), "not { toml");
        let long = short_value(
            r#"[{size = "XTW", position_mm = 11.5}, {size = "XTW", position_mm = 17.5}, {size = "XTW", position_mm = 23.5}]"#,
        );
        assert_eq!(long.chars().count(), 32, "{long}");
        assert!(long.ends_with('…'), "{long}");
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(short_number(0.30000000000000004), "0.3");
        assert_eq!(short_number(67.5), "67.5");
        assert_eq!(short_number(4.0), "4");
        assert_eq!(short_number(0.0125), "0.0125");
        assert_eq!(short_number(1800.0), "1800");
        assert_eq!(short_number(-0.0000001), "-0.0000001");
        assert_eq!(short_number(1.0 / 3.0), "0.333333");
    }

    #[test]
    fn labels_read_as_words() {
        assert_eq!(
            metric_label("regurgitant_volume_ml"),
            "Regurgitant volume (mL)"
        );
        assert_eq!(
            column_label("post_regurgitant_fraction_pct"),
            "Post-clip regurgitant fraction (%)"
        );
        assert_eq!(
            column_label("pre_lv_edv_ml"),
            "Pre-clip LV end-diastolic volume (mL)"
        );
        assert_eq!(
            axis_label("valves.mitral.eroa_cm2"),
            "Mitral EROA (pre-clip, cm²)"
        );
        assert_eq!(axis_label("heart.rate_bpm"), "Heart rate (bpm)");
        assert_eq!(
            axis_label("chambers.lv.ea"),
            "LV active elastance (mmHg/mL)"
        );
        assert_eq!(
            axis_label("circulation.systemic.r_ar"),
            "Systemic arterial resistance (mmHg·s/mL)"
        );
        assert_eq!(axis_label("initial.blood_volume_ml"), "Blood volume (mL)");
        assert_eq!(axis_label("foo.bar_baz"), "foo.bar_baz");
        assert_eq!(axis_label("foo.bar_mm"), "foo.bar_mm (mm)");
        assert_eq!(metric_name("new_thing_ml"), "New thing");
    }
}
