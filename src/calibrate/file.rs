//! The calibration file (docs/calibration.md): which scenario, what is fixed, what was measured,
//! what may move. Why its own reader: like a scenario file, every refusal must name the file, the
//! line and the key, so the file is walked with its spans (toml_edit) rather than deserialised
//! blind. This module checks the file's shape only; whether a key exists in the scenario or in
//! the metrics is checked against those (see `problem`).

use std::fs;
use std::path::{Path, PathBuf};

use toml_edit::{Document, Item, Table, Value};

use crate::scenario::{syntax_error_text, LineIndex};

/// The calibration file format this reader understands.
pub const FORMAT_VERSION: i64 = 1;
/// Default tolerance: a target is met when the achieved value is within this percentage of it.
pub const DEFAULT_TOLERANCE_PCT: f64 = 2.0;
/// Default number of starts of the optimiser (the first from the scenario's own values).
pub const DEFAULT_STARTS: u32 = 4;
/// Default budget of objective evaluations per start.
pub const DEFAULT_MAX_EVALUATIONS: u32 = 200;

/// Where something was written in the calibration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct At {
    pub file: String,
    pub line: Option<usize>,
}

impl std::fmt::Display for At {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}", self.file),
            None => write!(f, "{}", self.file),
        }
    }
}

/// The scenario the calibration starts from.
#[derive(Debug, Clone, PartialEq)]
pub enum ScenarioRef {
    /// A built-in preset, by name.
    Preset(String),
    /// A scenario file (resolved against the calibration file's directory).
    File(PathBuf),
}

/// One fixed input of `[set]`, as a `--set` argument.
#[derive(Debug, Clone, PartialEq)]
pub struct SetEntry {
    pub key: String,
    /// `key=value`, the value written as TOML.
    pub arg: String,
    pub at: At,
}

/// One measurement to match.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetSpec {
    /// A metrics.json key of the pre-clip state.
    pub key: String,
    pub value: f64,
    /// The measurement's standard deviation; `None`: the documented default weight.
    pub sd: Option<f64>,
    pub at: At,
}

/// One parameter to fit, with its bounds.
#[derive(Debug, Clone, PartialEq)]
pub struct FreeSpec {
    /// A scenario key path.
    pub key: String,
    pub lower: f64,
    pub upper: f64,
    pub at: At,
}

/// `[options]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub tolerance_pct: f64,
    pub starts: u32,
    pub max_evaluations: u32,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            tolerance_pct: DEFAULT_TOLERANCE_PCT,
            starts: DEFAULT_STARTS,
            max_evaluations: DEFAULT_MAX_EVALUATIONS,
        }
    }
}

/// A calibration file, read and checked for shape.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationFile {
    pub path: PathBuf,
    /// `name`, else the file stem: names the output directory and the calibrated scenario.
    pub name: String,
    pub scenario: ScenarioRef,
    pub scenario_at: At,
    pub sets: Vec<SetEntry>,
    pub targets: Vec<TargetSpec>,
    /// `None`: no `[free]` section, the default set is chosen from the targets.
    pub free: Option<Vec<FreeSpec>>,
    pub options: Options,
}

/// Why a calibration file was refused: one line per problem, each `file:line: message`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", .0.join("\n"))]
pub struct FileError(pub Vec<String>);

/// A byte range of the calibration file.
type Span = std::ops::Range<usize>;

/// Collects located problems.
struct Problems<'a> {
    file: &'a str,
    lines_of: LineIndex,
    lines: Vec<String>,
}

impl Problems<'_> {
    fn at(&self, span: Option<Span>) -> At {
        At {
            file: self.file.to_owned(),
            line: self.lines_of.line(span),
        }
    }

    fn push(&mut self, span: Option<Span>, message: impl std::fmt::Display) {
        let at = self.at(span);
        self.lines.push(format!("{at}: {message}"));
    }
}

/// Read and check the calibration file at `path`.
pub fn read(path: &Path) -> Result<CalibrationFile, FileError> {
    let file = path.display().to_string();
    let text = fs::read_to_string(path)
        .map_err(|e| FileError(vec![format!("cannot read calibration file {file}: {e}")]))?;
    parse(&text, path)
}

/// Check the text of a calibration file; `path` names it and anchors relative scenario paths.
pub fn parse(text: &str, path: &Path) -> Result<CalibrationFile, FileError> {
    let file = path.display().to_string();
    let doc = Document::parse(text)
        .map_err(|e| FileError(vec![format!("{file}: {}", syntax_error_text(&e))]))?;
    let mut p = Problems {
        file: &file,
        lines_of: LineIndex::new(text),
        lines: Vec::new(),
    };
    let root = doc.as_table();
    for (key, item) in root.iter() {
        if !matches!(
            key,
            "version" | "name" | "scenario" | "set" | "targets" | "free" | "options"
        ) {
            p.push(
                key_span(root, key).or_else(|| item.span()),
                format!(
                    "unknown key `{key}`; a calibration file has version, name, scenario, \
                     [set], [targets], [free] and [options]"
                ),
            );
        }
    }
    check_version(&mut p, root);
    let name = read_name(&mut p, root, path);
    let (scenario, scenario_at) = read_scenario(&mut p, root, path);
    let sets = section(&mut p, root, "set")
        .map(|t| read_sets(&mut p, t))
        .unwrap_or_default();
    let targets = match root.get("targets") {
        None => {
            p.push(
                None,
                "missing [targets]: the measurements to fit, as metrics.json keys of the \
                 pre-clip state (e.g. lv_ejection_fraction_pct = 31)",
            );
            Vec::new()
        }
        Some(item) => match section(&mut p, root, "targets") {
            Some(t) if t.is_empty() => {
                // An empty table has no span of its own: point at its header.
                let header = text
                    .find("[targets]")
                    .map(|start| start..start + 1)
                    .or_else(|| item.span());
                p.push(
                    header,
                    "[targets] is empty: give at least one measurement to fit",
                );
                Vec::new()
            }
            Some(t) => read_targets(&mut p, t),
            None => Vec::new(),
        },
    };
    let free = section(&mut p, root, "free").map(|t| {
        if t.is_empty() {
            let header = text.find("[free]").map(|start| start..start + 1);
            p.push(
                header,
                "[free] is empty: list the parameters to fit, or leave the section out for the \
                 default set",
            );
        }
        read_free(&mut p, t)
    });
    let options = section(&mut p, root, "options")
        .map(|t| read_options(&mut p, t))
        .unwrap_or_default();
    if !p.lines.is_empty() {
        return Err(FileError(p.lines));
    }
    Ok(CalibrationFile {
        path: path.to_path_buf(),
        name,
        scenario: scenario.expect("a problem was recorded otherwise"),
        scenario_at,
        sets,
        targets,
        free,
        options,
    })
}

fn key_span(table: &Table, key: &str) -> Option<Span> {
    table.key(key).and_then(|k| k.span())
}

/// The span of `key` in `table`, else of its value.
fn span_of(table: &Table, key: &str) -> Option<Span> {
    key_span(table, key).or_else(|| table.get(key).and_then(Item::span))
}

fn section<'d>(p: &mut Problems<'_>, root: &'d Table, name: &str) -> Option<&'d Table> {
    match root.get(name)? {
        Item::Table(t) => Some(t),
        other => {
            let _ = other;
            p.push(
                span_of(root, name),
                format!("`{name}` must be a table ([{name}] section)"),
            );
            None
        }
    }
}

fn check_version(p: &mut Problems<'_>, root: &Table) {
    match root.get("version").and_then(Item::as_value) {
        None => p.push(
            None,
            format!("missing `version = {FORMAT_VERSION}` (the calibration file format version)"),
        ),
        Some(Value::Integer(v)) if *v.value() == FORMAT_VERSION => {}
        Some(v) => p.push(
            span_of(root, "version"),
            format!(
                "version = {}: this mitralsim reads calibration files of version {FORMAT_VERSION}",
                v.to_string().trim()
            ),
        ),
    }
}

fn read_name(p: &mut Problems<'_>, root: &Table, path: &Path) -> String {
    let valid = |s: &str| {
        !s.is_empty()
            && !s.chars().all(|c| c == '.')
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    };
    let (name, from) = match root.get("name").and_then(Item::as_value) {
        Some(Value::String(s)) => (s.value().clone(), "name"),
        Some(_) => {
            p.push(span_of(root, "name"), "name must be a string");
            return String::new();
        }
        None => (
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            "the file name",
        ),
    };
    if !valid(&name) {
        p.push(
            span_of(root, "name"),
            format!(
                "{from} {name:?} cannot name the output directory: use letters, digits, `.`, `_`, `-`"
            ),
        );
    }
    name
}

fn read_scenario(p: &mut Problems<'_>, root: &Table, path: &Path) -> (Option<ScenarioRef>, At) {
    let span = span_of(root, "scenario");
    let at = p.at(span.clone());
    match root.get("scenario").and_then(Item::as_value) {
        Some(Value::String(s)) if !s.value().trim().is_empty() => {
            let s = s.value().trim();
            let is_preset = crate::scenario::builtin_presets()
                .iter()
                .any(|(n, _)| *n == s);
            let r = if is_preset && !s.ends_with(".toml") {
                ScenarioRef::Preset(s.to_owned())
            } else {
                ScenarioRef::File(path.parent().unwrap_or(Path::new("")).join(s))
            };
            (Some(r), at)
        }
        Some(_) => {
            p.push(
                span,
                "scenario must name a scenario file (relative to this file) or a built-in preset",
            );
            (None, at)
        }
        None => {
            p.push(
                None,
                "missing `scenario = \"...\"`: a scenario file relative to this file, or a \
                 built-in preset name",
            );
            (None, at)
        }
    }
}

/// Flatten `[set]`: a quoted dotted key (`"heart.rate_bpm" = 72`) and nested tables
/// (`heart.rate_bpm = 72`) both give the key path `heart.rate_bpm`.
fn read_sets(p: &mut Problems<'_>, table: &Table) -> Vec<SetEntry> {
    let mut out = Vec::new();
    flatten(table, "", &mut |key, span, value| {
        out.push(SetEntry {
            key: key.to_owned(),
            arg: format!("{key}={}", value.clone().decorated("", "")),
            at: p.at(span),
        });
    });
    out
}

/// Every value of `table` below `prefix` with its dotted path and span; tables are descended
/// into, any other value (array, number, string, inline table) is a leaf.
fn flatten(table: &Table, prefix: &str, leaf: &mut dyn FnMut(&str, Option<Span>, &Value)) {
    for (key, item) in table.iter() {
        let path = if prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{prefix}.{key}")
        };
        match item {
            Item::Table(t) => flatten(t, &path, leaf),
            Item::Value(v) => leaf(&path, span_of(table, key), v),
            Item::ArrayOfTables(_) | Item::None => {}
        }
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i.value() as f64),
        Value::Float(f) if f.value().is_finite() => Some(*f.value()),
        _ => None,
    }
}

fn read_targets(p: &mut Problems<'_>, table: &Table) -> Vec<TargetSpec> {
    let mut out = Vec::new();
    for (key, item) in table.iter() {
        let span = span_of(table, key);
        let at = p.at(span.clone());
        let parsed = match item.as_value() {
            Some(v) if number(v).is_some() => Ok((number(v).unwrap_or(0.0), None)),
            Some(Value::InlineTable(t)) => {
                let unknown: Vec<&str> = t
                    .iter()
                    .map(|(k, _)| k)
                    .filter(|k| !matches!(*k, "value" | "sd"))
                    .collect();
                match (t.get("value").and_then(number), t.get("sd")) {
                    _ if !unknown.is_empty() => Err(format!(
                        "unknown key(s) {} in the target: only value and sd",
                        unknown.join(", ")
                    )),
                    (None, _) => Err("the target needs `value = <finite number>`".to_owned()),
                    (Some(v), None) => Ok((v, None)),
                    (Some(v), Some(sd)) => match number(sd) {
                        Some(sd) if sd > 0.0 => Ok((v, Some(sd))),
                        _ => Err("sd must be a number > 0".to_owned()),
                    },
                }
            }
            _ => Err("must be a finite number, or { value = ..., sd = ... }".to_owned()),
        };
        match parsed {
            Ok((value, sd)) => out.push(TargetSpec {
                key: key.to_owned(),
                value,
                sd,
                at,
            }),
            Err(m) => p.push(span, format!("[targets] {key}: {m}")),
        }
    }
    out
}

fn read_free(p: &mut Problems<'_>, table: &Table) -> Vec<FreeSpec> {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    flatten(table, "", &mut |key, span, value| {
        let bounds = match value {
            Value::Array(a) if a.len() == 2 => {
                match (a.get(0).and_then(number), a.get(1).and_then(number)) {
                    (Some(lo), Some(hi)) if lo < hi => Ok((lo, hi)),
                    (Some(_), Some(_)) => Err("the lower bound must be below the upper bound"),
                    _ => Err("bounds must be finite numbers"),
                }
            }
            _ => Err("must be [lower, upper] bounds"),
        };
        match bounds {
            Ok((lower, upper)) => out.push(FreeSpec {
                key: key.to_owned(),
                lower,
                upper,
                at: p.at(span),
            }),
            Err(m) => bad.push((span, format!("[free] {key}: {m}"))),
        }
    });
    for (span, m) in bad {
        p.push(span, m);
    }
    out
}

fn read_options(p: &mut Problems<'_>, table: &Table) -> Options {
    let mut o = Options::default();
    for (key, item) in table.iter() {
        let span = span_of(table, key);
        let v = item.as_value().and_then(number);
        match key {
            "tolerance_pct" => match v {
                Some(x) if x > 0.0 && x <= 100.0 => o.tolerance_pct = x,
                _ => p.push(
                    span,
                    "[options] tolerance_pct: must be a number > 0 and ≤ 100",
                ),
            },
            "starts" => match v {
                Some(x) if x.fract() == 0.0 && (1.0..=64.0).contains(&x) => o.starts = x as u32,
                _ => p.push(span, "[options] starts: must be an integer from 1 to 64"),
            },
            "max_evaluations" => match v {
                Some(x) if x.fract() == 0.0 && (1.0..=100_000.0).contains(&x) => {
                    o.max_evaluations = x as u32
                }
                _ => p.push(
                    span,
                    "[options] max_evaluations: must be an integer from 1 to 100000",
                ),
            },
            other => p.push(
                span,
                format!(
                    "[options] unknown key `{other}`; options are tolerance_pct, starts and \
                     max_evaluations"
                ),
            ),
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<CalibrationFile, FileError> {
        parse(text, Path::new("dir/patient.toml"))
    }

    #[test]
    fn reads_every_section() {
        let c = parse_str(
            "version = 1\nscenario = \"../s.toml\"\n[set]\n\"heart.rate_bpm\" = 72\n\
             valves.mitral.eroa_cm2 = 0.41\n[targets]\nlv_edv_ml = { value = 193, sd = 15 }\n\
             lv_ejection_fraction_pct = 31.3\n[free]\n\"chambers.lv.ea\" = [0.2, 6.0]\n\
             [options]\ntolerance_pct = 1\nstarts = 2\n",
        )
        .expect("valid");
        assert_eq!(c.name, "patient");
        assert_eq!(
            c.scenario,
            ScenarioRef::File(PathBuf::from("dir/../s.toml"))
        );
        assert_eq!(c.sets[0].arg, "heart.rate_bpm=72");
        assert_eq!(c.sets[1].arg, "valves.mitral.eroa_cm2=0.41");
        assert_eq!(c.sets[1].at.line, Some(5));
        assert_eq!(c.targets[0].sd, Some(15.0));
        assert_eq!(c.targets[1].sd, None);
        assert_eq!(c.targets[1].at.line, Some(8));
        let free = c.free.expect("given");
        assert_eq!((free[0].lower, free[0].upper), (0.2, 6.0));
        assert_eq!(c.options.tolerance_pct, 1.0);
        assert_eq!(c.options.starts, 2);
    }

    #[test]
    fn a_preset_name_is_a_preset() {
        let c = parse_str("version = 1\nscenario = \"normal\"\n[targets]\nlv_edv_ml = 150\n")
            .expect("valid");
        assert_eq!(c.scenario, ScenarioRef::Preset("normal".into()));
        assert_eq!(c.free, None);
    }

    #[test]
    fn problems_are_located() {
        let e = parse_str(
            "version = 2\nscenario = \"normal\"\nfoo = 1\n[targets]\nlv_edv_ml = \"big\"\n\
             x = { value = 1, sd = -1 }\n[free]\n\"chambers.lv.ea\" = [6, 0.2]\n\
             [options]\nstarts = 0\n",
        )
        .expect_err("bad");
        let lines = e.0;
        assert!(lines.contains(&"dir/patient.toml:1: version = 2: this mitralsim reads calibration files of version 1".to_owned()), "{lines:?}");
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("dir/patient.toml:3: unknown key `foo`")),
            "{lines:?}"
        );
        assert!(
            lines.iter().any(|l| l
                .starts_with("dir/patient.toml:5: [targets] lv_edv_ml: must be a finite number")),
            "{lines:?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l == "dir/patient.toml:6: [targets] x: sd must be a number > 0"),
            "{lines:?}"
        );
        assert!(lines.iter().any(|l| l == "dir/patient.toml:8: [free] chambers.lv.ea: the lower bound must be below the upper bound"), "{lines:?}");
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("dir/patient.toml:10: [options] starts")),
            "{lines:?}"
        );
    }

    #[test]
    fn empty_and_missing_targets_are_refused() {
        let e = parse_str("version = 1\nscenario = \"normal\"\n[targets]\n").expect_err("empty");
        assert_eq!(
            e.0,
            vec!["dir/patient.toml:3: [targets] is empty: give at least one measurement to fit"]
        );
        let e = parse_str("version = 1\nscenario = \"normal\"\n").expect_err("missing");
        assert!(
            e.0[0].starts_with("dir/patient.toml: missing [targets]"),
            "{e}"
        );
    }
}
