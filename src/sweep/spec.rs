//! The sweep file (TOML, `version = 1`): its raw serde mirror and its validation into a
//! [`SweepSpec`] — base scenario, validated axes, point design and size cap.
//!
//! Why checked before anything runs: a sweep of hours must not die on its first point. Whatever
//! is wrong with the file itself — syntax, unknown keys, an axis without values, a size over
//! `max_points`, a value that no scenario accepts — is refused up front with the file, line,
//! axis and value. Only combinations are left for later: each axis value is checked once against
//! the base scenario (O(values), not O(points)), and a value that fails there but passes together
//! with other axes' values (a clip area that is only too small for the base EROA; a direct clip's
//! `clip.model`, which needs `clip.eroa_cm2` and `clip.area_cm2` beside it) is a combination
//! problem, recorded as an `error` row of each point that has it.

use std::collections::HashSet;

use rayon::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::Spanned;

use super::distribution::{Distribution, Shape, TAIL_PROBABILITY};
use super::error::SweepError;
use super::sample::{linspace, logspace, AxisValue, AxisValues, Points};
use super::shard::DEFAULT_CHUNK_POINTS;
use crate::scenario::{
    syntax_error_text, LineIndex, Scenario, ScenarioError, ScenarioTemplate, Source,
};

/// The sweep file format this reader understands.
pub const FORMAT_VERSION: i64 = 1;

/// Default `max_points`: a sweep larger than this must say so.
pub const DEFAULT_MAX_POINTS: u64 = 100_000;
/// Largest `chunk_points`.
pub const MAX_CHUNK_POINTS: i64 = 1_000_000;
/// Most values a `linspace` or `logspace` axis may generate (each is checked against the base
/// scenario up front).
pub const MAX_AXIS_VALUES: u64 = 1_000_000;
/// Values of one axis that fail the up-front check before the check of that axis stops (the
/// sweep cannot run anyway; the first ones say what is wrong).
const MAX_REPORTED_VALUES: usize = 20;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSweep {
    version: Option<Spanned<i64>>,
    scenario: Option<Spanned<String>>,
    mode: Option<Spanned<String>>,
    samples: Option<Spanned<i64>>,
    seed: Option<Spanned<i64>>,
    max_points: Option<Spanned<i64>>,
    chunk_points: Option<Spanned<i64>>,
    convergence: Option<Spanned<String>>,
    #[serde(default)]
    axes: Vec<RawAxis>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAxis {
    key: Spanned<String>,
    values: Option<Spanned<Vec<toml::Value>>>,
    linspace: Option<Spanned<Vec<toml::Value>>>,
    logspace: Option<Spanned<Vec<toml::Value>>>,
    range: Option<Spanned<Vec<toml::Value>>>,
    uniform: Option<Spanned<Vec<toml::Value>>>,
    normal: Option<Spanned<Vec<toml::Value>>>,
    lognormal: Option<Spanned<Vec<toml::Value>>>,
    triangular: Option<Spanned<Vec<toml::Value>>>,
    bounds: Option<Spanned<Vec<toml::Value>>>,
}

/// How points are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Grid,
    Lhs,
    Sobol,
    /// Saltelli's design for Sobol' sensitivity indices (sensitivity.csv).
    Saltelli,
    /// Independent uniform draws.
    Random,
}

impl Mode {
    pub const ALL: [Mode; 5] = [
        Mode::Grid,
        Mode::Lhs,
        Mode::Sobol,
        Mode::Saltelli,
        Mode::Random,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Grid => "grid",
            Mode::Lhs => "lhs",
            Mode::Sobol => "sobol",
            Mode::Saltelli => "saltelli",
            Mode::Random => "random",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// How each point reaches its periodic steady state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Convergence {
    /// Warm start from the previous point of the chunk (with a linear predictor along a line of
    /// points) and Anderson-accelerated beats: the default.
    Accelerated,
    /// Every point exactly as `mitralsim run --convergence plain --set ...` computes it: cold
    /// start, plain beats.
    Plain,
}

impl Convergence {
    pub fn as_str(self) -> &'static str {
        match self {
            Convergence::Accelerated => "accelerated",
            Convergence::Plain => "plain",
        }
    }
}

/// One validated axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// Scenario key path, as for `--set` (also the results.csv column).
    pub key: String,
    pub values: AxisValues,
    /// A sampled axis's distribution (`None` for a grid axis); `values` is then its span.
    pub distribution: Option<Distribution>,
    /// How a list of evenly spaced values was given (`None`: listed one by one, or not a list).
    pub spacing: Option<Spacing>,
}

/// A `linspace` or `logspace` axis as written: its values are made from these.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spacing {
    /// `"linspace"` or `"logspace"`.
    pub how: &'static str,
    pub start: f64,
    pub stop: f64,
    pub count: u64,
}

impl Axis {
    /// How the axis was given, as sweep.json records it (and the sweep's identity hashes it):
    /// `{"values": [...]}`, `{"linspace": [start, stop, count]}` (so a million values take one
    /// line), `{"logspace": [...]}`, `{"range": [low, high]}` or a distribution's
    /// ([`Distribution::describe`]). One place to extend with a new way of giving values.
    pub fn given(&self) -> serde_json::Map<String, serde_json::Value> {
        use serde_json::json;
        if let Some(d) = &self.distribution {
            return d.describe();
        }
        let (name, value) = match (&self.values, self.spacing) {
            (_, Some(s)) => (s.how, json!([s.start, s.stop, s.count])),
            (AxisValues::List(v), None) => ("values", v.iter().map(AxisValue::to_json).collect()),
            (AxisValues::Range { lo, hi }, None) => ("range", json!([lo, hi])),
        };
        serde_json::Map::from_iter([(name.to_owned(), value)])
    }
}

/// A validated sweep, ready to run.
#[derive(Debug, Clone)]
pub struct SweepSpec {
    /// The sweep file as named on the command line.
    pub path: PathBuf,
    /// Hex SHA-256 of the sweep file's bytes (provenance only: the sweep's identity is its
    /// parsed content, `Manifest::sweep_id`).
    pub sha256: String,
    /// The sweep file's text, copied into the output directory.
    pub text: String,
    /// The base scenario file (relative paths are against the sweep file's directory).
    pub scenario_path: PathBuf,
    /// Its text, read and merged over its presets once: every point is this plus its axis
    /// values as `--set` overrides.
    pub template: ScenarioTemplate,
    /// The base scenario, validated.
    pub base: Scenario,
    pub mode: Mode,
    /// `samples` of a design that has them (not a grid).
    pub samples: Option<u64>,
    pub seed: Option<u64>,
    pub max_points: u64,
    /// Points per warm-start chunk (see `shard::DEFAULT_CHUNK_POINTS`).
    pub chunk_points: u64,
    pub convergence: Convergence,
    pub axes: Vec<Axis>,
    pub points: Points,
    /// Advice about a valid sweep file (e.g. a Saltelli design whose `samples` is not a power of
    /// two), printed as notes when the sweep starts.
    pub notes: Vec<String>,
}

impl SweepSpec {
    /// The `--set` arguments of a point with these axis values.
    pub fn sets(&self, values: &[AxisValue]) -> Vec<String> {
        self.axes
            .iter()
            .zip(values)
            .map(|(a, v)| format!("{}={}", a.key, v.set_text()))
            .collect()
    }

    /// The scenario of a point: the base file with the point's values as `--set` overrides,
    /// validated exactly as `mitralsim run BASE --set ...` would.
    pub fn scenario(&self, values: &[AxisValue]) -> Result<Scenario, ScenarioError> {
        self.load(&self.sets(values))
    }

    fn load(&self, sets: &[String]) -> Result<Scenario, ScenarioError> {
        self.template.with_sets(sets)
    }
}

/// Problems found in a sweep file, each rendered `file:line: message`.
struct Problems {
    file: String,
    line_of: LineIndex,
    lines: Vec<String>,
}

impl Problems {
    fn at(&mut self, span: Option<std::ops::Range<usize>>, message: impl Into<String>) {
        let message = message.into();
        let line = match self.line_of.line(span) {
            Some(line) => format!("{}:{line}: {message}", self.file),
            None => format!("{}: {message}", self.file),
        };
        self.lines.push(line);
    }

    fn check(&mut self) -> Result<(), SweepError> {
        if self.lines.is_empty() {
            Ok(())
        } else {
            Err(SweepError::Spec(std::mem::take(&mut self.lines).join("\n")))
        }
    }
}

/// Read and validate the sweep file at `path`, including its base scenario and every axis value.
pub fn load(path: &Path) -> Result<SweepSpec, SweepError> {
    let file = path.display().to_string();
    let bytes = fs::read(path)
        .map_err(|e| SweepError::Spec(format!("cannot read sweep file {file}: {e}")))?;
    let sha256 = hex_sha256(&bytes);
    let text = String::from_utf8(bytes)
        .map_err(|_| SweepError::Spec(format!("{file}: not UTF-8 text")))?;
    let raw: RawSweep = toml::from_str(&text)
        .map_err(|e| SweepError::Spec(format!("{file}: {}", syntax_error_text(&e))))?;
    let mut p = Problems {
        file: file.clone(),
        line_of: LineIndex::new(&text),
        lines: Vec::new(),
    };

    match &raw.version {
        None => p.at(
            None,
            format!("missing `version = {FORMAT_VERSION}` (the sweep file format version)"),
        ),
        Some(v) if *v.get_ref() != FORMAT_VERSION => p.at(
            Some(v.span()),
            format!(
                "version = {}: this mitralsim reads sweep files of version {FORMAT_VERSION}",
                v.get_ref()
            ),
        ),
        Some(_) => {}
    }
    let scenario_rel = match &raw.scenario {
        Some(s) if !s.get_ref().trim().is_empty() => Some(s),
        Some(s) => {
            p.at(
                Some(s.span()),
                "scenario = \"\": name the base scenario file",
            );
            None
        }
        None => {
            p.at(
                None,
                "missing `scenario = \"...\"`: the base scenario file, relative to this file",
            );
            None
        }
    };
    let mode = match raw.mode.as_ref().map(|m| (m.get_ref().as_str(), m.span())) {
        None => Mode::Grid,
        Some((name, span)) => Mode::parse(name).unwrap_or_else(|| {
            p.at(
                Some(span),
                format!(
                    "mode = {name:?}: must be \"grid\", \"lhs\", \"sobol\", \"saltelli\" or \
                     \"random\""
                ),
            );
            Mode::Grid
        }),
    };
    let convergence = match raw
        .convergence
        .as_ref()
        .map(|c| (c.get_ref().as_str(), c.span()))
    {
        None | Some(("accelerated", _)) => Convergence::Accelerated,
        Some(("plain", _)) => Convergence::Plain,
        Some((other, span)) => {
            p.at(
                Some(span),
                format!("convergence = {other:?}: must be \"accelerated\" or \"plain\""),
            );
            Convergence::Accelerated
        }
    };
    let max_points = match &raw.max_points {
        None => DEFAULT_MAX_POINTS,
        Some(m) if *m.get_ref() >= 1 => *m.get_ref() as u64,
        Some(m) => {
            p.at(
                Some(m.span()),
                format!("max_points = {}: must be at least 1", m.get_ref()),
            );
            DEFAULT_MAX_POINTS
        }
    };
    let chunk_points = match &raw.chunk_points {
        None => DEFAULT_CHUNK_POINTS,
        Some(c) if (1..=MAX_CHUNK_POINTS).contains(c.get_ref()) => *c.get_ref() as u64,
        Some(c) => {
            p.at(
                Some(c.span()),
                format!(
                    "chunk_points = {}: must be between 1 and {MAX_CHUNK_POINTS}",
                    c.get_ref()
                ),
            );
            DEFAULT_CHUNK_POINTS
        }
    };
    let (samples, seed) = sampling(&mut p, &raw, mode);

    if raw.axes.is_empty() {
        p.at(
            None,
            "no [[axes]]: a sweep needs at least one axis (key = \"...\" and its values)",
        );
    }
    let mut axes = Vec::new();
    for (i, a) in raw.axes.iter().enumerate() {
        if let Some(axis) = axis(&mut p, i, a, mode, max_points) {
            if let Some(j) = axes.iter().position(|b: &Axis| b.key == axis.key) {
                p.at(
                    Some(a.key.span()),
                    format!("axes[{i}] key = {:?}: already swept by axes[{j}]", axis.key),
                );
            }
            axes.push(axis);
        }
    }
    let scenario_path = scenario_rel.map(|s| {
        path.parent()
            .unwrap_or(Path::new(""))
            .join(s.get_ref().trim())
    });
    p.check()?;

    let dists =
        || -> Vec<Distribution> { axes.iter().filter_map(|a| a.distribution.clone()).collect() };
    let points = match mode {
        Mode::Grid => Points::grid(axes.iter().map(|a| a.values.clone()).collect()),
        Mode::Lhs => Ok(Points::lhs(dists(), samples, seed)),
        Mode::Random => Ok(Points::random(dists(), samples, seed)),
        Mode::Sobol => Points::sobol(dists(), samples, seed),
        Mode::Saltelli => Points::saltelli(dists(), samples, seed),
    }
    .map_err(|e| SweepError::Spec(format!("{file}: {e}")))?;
    let mut notes = Vec::new();
    if mode == Mode::Saltelli && !samples.is_power_of_two() {
        notes.push(format!(
            "{file}: samples = {samples} is not a power of two: a Saltelli design's base samples \
             are best a whole Sobol' net (e.g. {} or {}); the indices are still computed",
            samples.next_power_of_two() / 2,
            samples.next_power_of_two()
        ));
    }
    if points.len() > max_points {
        let how = match &raw.max_points {
            Some(_) => "raise max_points",
            None => "add max_points = N (default 100000)",
        };
        return Err(SweepError::Spec(format!(
            "{file}: the sweep has {} points, more than max_points = {max_points}: {how} in \
             the sweep file if you mean it",
            points.len()
        )));
    }
    let points = points.along_path();

    let scenario_path = scenario_path.expect("checked above");
    let scenario_text = fs::read_to_string(&scenario_path).map_err(|e| {
        let at = raw.scenario.as_ref().map(|s| s.span());
        let mut p = Problems {
            file: file.clone(),
            line_of: LineIndex::new(&text),
            lines: Vec::new(),
        };
        p.at(
            at,
            format!(
                "cannot read the base scenario {}: {e}",
                scenario_path.display()
            ),
        );
        SweepError::Spec(p.lines.join("\n"))
    })?;
    let template = ScenarioTemplate::parse(
        &scenario_text,
        &scenario_path.display().to_string(),
        scenario_path.parent(),
    )
    .map_err(SweepError::Scenario)?;
    let mut spec = SweepSpec {
        path: path.to_path_buf(),
        sha256,
        text: text.clone(),
        base: template.with_sets(&[]).map_err(SweepError::Scenario)?,
        scenario_path,
        template,
        mode,
        samples: (mode != Mode::Grid).then_some(samples),
        seed: (mode != Mode::Grid).then_some(seed),
        max_points,
        chunk_points,
        convergence,
        axes,
        points,
        notes,
    };
    spec.base.source = Some(spec.scenario_path.clone());
    check_values(&spec, &raw, &mut p);
    p.check()?;
    Ok(spec)
}

/// `samples` and `seed`: required / optional for the sampled modes, refused for a grid.
fn sampling(p: &mut Problems, raw: &RawSweep, mode: Mode) -> (u64, u64) {
    if mode == Mode::Grid {
        for (key, v) in [("samples", &raw.samples), ("seed", &raw.seed)] {
            if let Some(v) = v {
                p.at(
                    Some(v.span()),
                    format!(
                        "{key} = {}: only for mode = \"lhs\", \"sobol\", \"saltelli\" or \
                         \"random\" (a grid's size is the product of its axes)",
                        v.get_ref()
                    ),
                );
            }
        }
        return (0, 0);
    }
    let samples = match &raw.samples {
        None => {
            p.at(
                raw.mode.as_ref().map(|m| m.span()),
                format!(
                    "mode = \"{}\" needs `samples = N` ({})",
                    mode.as_str(),
                    if mode == Mode::Saltelli {
                        "the number of base samples: the sweep has N·(axes + 2) points"
                    } else {
                        "the number of points"
                    }
                ),
            );
            0
        }
        Some(s) if *s.get_ref() >= min_samples(mode) => *s.get_ref() as u64,
        Some(s) => {
            let why = match mode {
                Mode::Saltelli => {
                    " (base samples: indices and their intervals need several; 256 or more \
                     for intervals of about ±0.15)"
                }
                _ => "",
            };
            p.at(
                Some(s.span()),
                format!(
                    "samples = {}: must be at least {}{why}",
                    s.get_ref(),
                    min_samples(mode)
                ),
            );
            0
        }
    };
    let seed = match &raw.seed {
        None => 0,
        Some(s) if *s.get_ref() >= 0 => *s.get_ref() as u64,
        Some(s) => {
            p.at(
                Some(s.span()),
                format!("seed = {}: must be 0 or more", s.get_ref()),
            );
            0
        }
    };
    (samples, seed)
}

/// Fewest `samples` a design takes: a Saltelli design's indices are variances over its base
/// samples, and a bootstrap interval of 2 or 3 samples says nothing.
fn min_samples(mode: Mode) -> i64 {
    match mode {
        Mode::Saltelli => 4,
        _ => 1,
    }
}

/// One `[[axes]]` entry: its key and exactly one way of giving values that suits `mode`.
fn axis(p: &mut Problems, i: usize, a: &RawAxis, mode: Mode, max_points: u64) -> Option<Axis> {
    let key = a.key.get_ref().trim().to_owned();
    let bare = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    if !key.split('.').all(bare) {
        p.at(
            Some(a.key.span()),
            format!("axes[{i}] key = {key:?}: must be a scenario key path such as valves.mitral.eroa_cm2"),
        );
        return None;
    }
    let given: Vec<(&str, &Spanned<Vec<toml::Value>>)> = [
        ("values", &a.values),
        ("linspace", &a.linspace),
        ("logspace", &a.logspace),
        ("range", &a.range),
        ("uniform", &a.uniform),
        ("normal", &a.normal),
        ("lognormal", &a.lognormal),
        ("triangular", &a.triangular),
    ]
    .into_iter()
    .filter_map(|(name, v)| v.as_ref().map(|v| (name, v)))
    .collect();
    let allowed = match mode {
        Mode::Grid => {
            "values = [...], linspace = [start, stop, count] or logspace = [start, stop, count]"
        }
        _ => SAMPLED_AXIS,
    };
    let [(how, list)] = given.as_slice() else {
        let what = if given.is_empty() {
            "has no values".to_owned()
        } else {
            let names: Vec<&str> = given.iter().map(|(n, _)| *n).collect();
            format!("gives {}: choose one", names.join(" and "))
        };
        p.at(
            Some(a.key.span()),
            format!(
                "axes[{i}] ({key}) {what}; a {} axis takes {allowed}",
                mode.as_str()
            ),
        );
        return None;
    };
    let fail = |p: &mut Problems, message: String| {
        p.at(
            Some(list.span()),
            format!("axes[{i}] ({key}) {how}: {message}"),
        );
        None
    };
    let is_sampled = DISTRIBUTIONS.contains(how);
    if is_sampled != (mode != Mode::Grid) {
        let hint = if is_sampled {
            format!(
                "{how} is for mode = \"lhs\", \"sobol\", \"saltelli\" or \"random\"; a grid \
                 axis takes values, linspace or logspace"
            )
        } else {
            format!("a {} axis takes {SAMPLED_AXIS}", mode.as_str())
        };
        return fail(p, format!("not for mode = \"{}\": {hint}", mode.as_str()));
    }
    if let (Mode::Grid, Some(b)) = (mode, &a.bounds) {
        p.at(
            Some(b.span()),
            format!("axes[{i}] ({key}) bounds: only for a distribution (mode = \"lhs\", \"sobol\", \"saltelli\" or \"random\")"),
        );
        return None;
    }
    let items = list.get_ref();
    let mut spacing = None;
    let values = match *how {
        "values" => {
            if items.is_empty() {
                return fail(p, "is empty".into());
            }
            let mut out = Vec::with_capacity(items.len());
            for (k, v) in items.iter().enumerate() {
                match axis_value(v) {
                    Ok(v) => out.push(v),
                    Err(why) => return fail(p, format!("item {k} ({v}): {why}")),
                }
            }
            AxisValues::List(out)
        }
        "linspace" | "logspace" => {
            let (start, stop, count) = match items.as_slice() {
                [a, b, n] => (number(a), number(b), n.as_integer()),
                _ => return fail(p, "must be [start, stop, count]".into()),
            };
            let (Some(start), Some(stop)) = (start, stop) else {
                return fail(p, "start and stop must be finite numbers".into());
            };
            let Some(count) = count.filter(|n| *n >= 1) else {
                return fail(p, "count must be an integer of at least 1".into());
            };
            if *how == "logspace" && (start <= 0.0 || stop <= 0.0) {
                return fail(
                    p,
                    "start and stop must be above 0 (geometric spacing)".into(),
                );
            }
            // The count is checked before anything is allocated: the grid has at least this
            // many points.
            let count = count as u64;
            if count > max_points.min(MAX_AXIS_VALUES) {
                let limit = if max_points < MAX_AXIS_VALUES {
                    format!("max_points = {max_points} (raise it if you mean it)")
                } else {
                    format!("{MAX_AXIS_VALUES}, the most values an axis may hold")
                };
                return fail(p, format!("count = {count} is more than {limit}"));
            }
            let xs = if *how == "linspace" {
                linspace(start, stop, count)
            } else {
                logspace(start, stop, count)
            };
            if let Some(x) = xs.iter().find(|x| !x.is_finite()) {
                return fail(
                    p,
                    format!("gives the value {x}: start and stop are too far apart for f64"),
                );
            }
            spacing = Some(Spacing {
                how: if *how == "linspace" {
                    "linspace"
                } else {
                    "logspace"
                },
                start,
                stop,
                count,
            });
            AxisValues::List(xs.into_iter().map(AxisValue::Float).collect())
        }
        _ => {
            let (names, make): (&str, fn(&[f64]) -> Shape) = match *how {
                "normal" => ("[mean, sd]", |x| Shape::Normal {
                    mean: x[0],
                    sd: x[1],
                }),
                "lognormal" => ("[mean, sd]", |x| Shape::LogNormal {
                    mean: x[0],
                    sd: x[1],
                }),
                "triangular" => ("[low, mode, high]", |x| Shape::Triangular {
                    lo: x[0],
                    mode: x[1],
                    hi: x[2],
                }),
                _ => ("[low, high]", |x| Shape::Uniform { lo: x[0], hi: x[1] }),
            };
            let Some(params) = numbers(items, names.split(',').count()) else {
                return fail(p, format!("must be {names}, finite numbers"));
            };
            let bounds = match &a.bounds {
                None => None,
                Some(b) => match numbers(b.get_ref(), 2) {
                    Some(x) => Some((x[0], x[1])),
                    None => {
                        p.at(
                            Some(b.span()),
                            format!(
                                "axes[{i}] ({key}) bounds: must be [low, high], finite numbers"
                            ),
                        );
                        return None;
                    }
                },
            };
            match Distribution::new(make(&params), bounds) {
                Ok(d) => {
                    let (lo, hi) = d.span();
                    return Some(Axis {
                        key,
                        values: AxisValues::Range { lo, hi },
                        distribution: Some(d),
                        spacing: None,
                    });
                }
                Err(why) => {
                    let span = match (&a.bounds, why.starts_with("bounds")) {
                        (Some(b), true) => b.span(),
                        _ => list.span(),
                    };
                    p.at(Some(span), format!("axes[{i}] ({key}) {how}: {why}"));
                    return None;
                }
            }
        }
    };
    Some(Axis {
        key,
        values,
        distribution: None,
        spacing,
    })
}

/// The ways a sampled axis gives its values (`range` is `uniform`).
const DISTRIBUTIONS: [&str; 5] = ["range", "uniform", "normal", "lognormal", "triangular"];

/// What a sampled axis takes, for messages.
const SAMPLED_AXIS: &str = "range = [low, high] (or uniform), normal = [mean, sd], lognormal = \
     [mean, sd] or triangular = [low, mode, high], optionally with bounds = [low, high]";

/// Exactly `n` finite numbers.
fn numbers(items: &[toml::Value], n: usize) -> Option<Vec<f64>> {
    let xs: Vec<f64> = items.iter().map(number).collect::<Option<_>>()?;
    (xs.len() == n).then_some(xs)
}

fn number(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Integer(i) => Some(*i as f64),
        toml::Value::Float(x) if x.is_finite() => Some(*x),
        _ => None,
    }
}

/// An axis value: a number, a string, a boolean, or an array or table of them (for a key that
/// takes one, such as `clip.clips`); the scenario reader judges it like any other value.
fn axis_value(v: &toml::Value) -> Result<AxisValue, &'static str> {
    match v {
        toml::Value::Integer(i) => Ok(AxisValue::Int(*i)),
        toml::Value::Float(x) if x.is_finite() => Ok(AxisValue::Float(*x)),
        toml::Value::Float(_) => Err("must be finite"),
        toml::Value::Boolean(b) => Ok(AxisValue::Bool(*b)),
        toml::Value::String(s) => Ok(AxisValue::Str(s.clone())),
        toml::Value::Datetime(_) => {
            Err("must be a number, a string, a boolean, an array or a table")
        }
        toml::Value::Array(_) | toml::Value::Table(_) => {
            structured_ok(v)?;
            Ok(AxisValue::Structured(v.clone()))
        }
    }
}

/// What an array or table axis value may hold: what [`axis_value`] allows, nested, with
/// strings on one line (the value is one line of results.csv and one `--set` argument).
fn structured_ok(v: &toml::Value) -> Result<(), &'static str> {
    match v {
        toml::Value::Float(x) if !x.is_finite() => Err("must hold finite numbers only"),
        toml::Value::Datetime(_) => Err("must not hold dates or times"),
        toml::Value::String(s) if s.contains(['\n', '\r']) => {
            Err("must not hold strings with line breaks")
        }
        toml::Value::Array(items) => items.iter().try_for_each(structured_ok),
        toml::Value::Table(t) => t.values().try_for_each(structured_ok),
        _ => Ok(()),
    }
}

/// The values of an axis that the up-front check tries: every listed value, both ends of a
/// range.
fn candidates(axis: &Axis) -> Vec<AxisValue> {
    match &axis.values {
        AxisValues::List(v) => v.clone(),
        AxisValues::Range { lo, hi } => vec![AxisValue::Float(*lo), AxisValue::Float(*hi)],
    }
}

/// Check every axis value against the base scenario (see the module header): a value is refused
/// only when no point can use it. Each distinct value is loaded once alone (a hash set skips
/// repeats); only a value that fails alone is tried further ([`rescue`]), so the check stays
/// linear in the number of values.
fn check_values(spec: &SweepSpec, raw: &RawSweep, p: &mut Problems) {
    let all: Vec<Vec<AxisValue>> = spec.axes.iter().map(candidates).collect();
    for (i, axis) in spec.axes.iter().enumerate() {
        let raw_axis = &raw.axes[i];
        // A distribution's bounds are the values checked, if given.
        let span = [
            &raw_axis.bounds,
            &raw_axis.values,
            &raw_axis.linspace,
            &raw_axis.logspace,
            &raw_axis.range,
            &raw_axis.uniform,
            &raw_axis.normal,
            &raw_axis.lognormal,
            &raw_axis.triangular,
        ]
        .into_iter()
        .flatten()
        .map(|s| s.span())
        .next();
        let mut seen: HashSet<String> = HashSet::new();
        let distinct: Vec<(&AxisValue, String)> = all[i]
            .iter()
            .map(|v| (v, set_arg(axis, v)))
            .filter(|(_, arg)| seen.insert(arg.clone()))
            .collect();
        // Each distinct value loaded once, on all cores; failures kept in axis order.
        let failing: Vec<(&AxisValue, &String, ScenarioError)> = distinct
            .par_iter()
            .filter_map(|(v, arg)| {
                spec.load(std::slice::from_ref(arg))
                    .err()
                    .map(|e| (*v, arg, e))
            })
            .collect();
        let mut reported = 0;
        // In batches on all cores, in axis order, so that the check stops soon after
        // MAX_REPORTED_VALUES refusals.
        for batch in failing.chunks(RESCUE_BATCH) {
            let refused: Vec<bool> = batch
                .par_iter()
                .map(|(_, arg, error)| !rescue(spec, &all, i, arg, error))
                .collect();
            for ((v, _, error), _) in batch.iter().zip(refused).filter(|(_, r)| *r) {
                let hint = match &axis.distribution {
                    Some(d) if v.as_f64().is_some_and(|x| d.is_cut_end(x)) => format!(
                        " (the distribution's {TAIL_PROBABILITY:e} or 1 − {TAIL_PROBABILITY:e} \
                         quantile, where an unbounded tail is cut: give bounds = [low, high] \
                         inside the allowed range)"
                    ),
                    _ => String::new(),
                };
                p.at(
                    span.clone(),
                    format!(
                        "axes[{i}] ({}) value {v}: {}{hint}",
                        axis.key,
                        describe(error)
                    ),
                );
                reported += 1;
                if reported == MAX_REPORTED_VALUES {
                    p.at(
                        span.clone(),
                        format!(
                            "axes[{i}] ({}): {MAX_REPORTED_VALUES} values fail, the rest are not \
                             checked",
                            axis.key
                        ),
                    );
                    break;
                }
            }
            if reported == MAX_REPORTED_VALUES {
                break;
            }
        }
    }
}

/// Failing values tried together on all cores by [`check_values`].
const RESCUE_BATCH: usize = 64;
/// Combinations of the other axes' values a failing value is tried with ([`rescue`]).
const RESCUE_BUDGET: usize = 256;

/// The `--set` argument of value `v` of `axis`.
fn set_arg(axis: &Axis, v: &AxisValue) -> String {
    format!("{}={}", axis.key, v.set_text())
}

/// Whether value `arg` of axis `i`, which fails alone with `error`, may still be usable, i.e.
/// it is left to the points rather than refused. Tried, in order, until one load passes: with
/// one value of *every* other axis together, each value of each axis once (the first values
/// together, then the second ones, ...: a direct clip swept over `clip.model`, `clip.eroa_cm2`
/// and `clip.area_cm2` passes at the first); with each value of each other axis alone (the
/// others at the base scenario's values); with the other axes' combinations in grid order, up to
/// [`RESCUE_BUDGET`] combinations in all. Refused (`false`) when every combination was tried, or
/// when the same problem of this very value came back from every load (`heart.rate_bpm = 500`:
/// out of range whatever the other values are); otherwise, with the budget spent, the points
/// decide. At most (largest axis + sum of the axes + budget) loads per failing value.
fn rescue(
    spec: &SweepSpec,
    all: &[Vec<AxisValue>],
    i: usize,
    arg: &str,
    error: &ScenarioError,
) -> bool {
    let own = |e: &ScenarioError| -> HashSet<String> {
        match e {
            ScenarioError::Invalid { problems, .. } => problems
                .iter()
                .filter(|p| matches!(&p.source, Some(Source::Set(s)) if s == arg))
                .map(|p| p.message.clone())
                .collect(),
            _ => HashSet::new(),
        }
    };
    // Problems of this value that every load so far has reported.
    let mut persistent = own(error);
    let others: Vec<usize> = (0..all.len()).filter(|&j| j != i).collect();
    let mut fails = |values: &[(usize, usize)]| {
        let mut sets = vec![arg.to_owned()];
        sets.extend(
            values
                .iter()
                .map(|&(j, k)| set_arg(&spec.axes[j], &all[j][k])),
        );
        match spec.load(&sets) {
            Ok(_) => false,
            Err(e) => {
                let now = own(&e);
                persistent.retain(|m| now.contains(m));
                true
            }
        }
    };
    let sizes: Vec<usize> = others.iter().map(|&j| all[j].len()).collect();
    let widest = sizes.iter().copied().max().unwrap_or(0);
    let together = |digits: &mut dyn Iterator<Item = usize>| -> Vec<(usize, usize)> {
        others.iter().copied().zip(digits).collect()
    };
    let mut combinations = 0usize;
    if others.len() >= 2 {
        for t in 0..widest.min(RESCUE_BUDGET) {
            combinations += 1;
            if !fails(&together(&mut sizes.iter().map(|&n| t % n))) {
                return true;
            }
        }
    }
    for (&j, &n) in others.iter().zip(&sizes) {
        for k in 0..n {
            if !fails(&[(j, k)]) {
                return true;
            }
        }
    }
    if others.len() < 2 {
        return false; // every point's combination was tried
    }
    let product = sizes
        .iter()
        .try_fold(1usize, |acc, &n| acc.checked_mul(n))
        .unwrap_or(usize::MAX);
    let grid_budget = RESCUE_BUDGET - combinations;
    for t in 0..product.min(grid_budget) {
        let mut rest = t;
        let mut digits = vec![0; sizes.len()];
        for (d, &n) in digits.iter_mut().zip(&sizes).rev() {
            *d = rest % n;
            rest /= n;
        }
        if !fails(&together(&mut digits.into_iter())) {
            return true;
        }
    }
    let every_combination_tried = product <= grid_budget;
    !every_combination_tried && persistent.is_empty()
}

/// A scenario error as one line, without repeating the `--set` argument we made up.
pub fn describe(error: &ScenarioError) -> String {
    match error {
        ScenarioError::Invalid { origin, problems } => problems
            .iter()
            .map(|p| match &p.source {
                Some(Source::Set(_)) => p.message.clone(),
                _ => p.render(origin),
            })
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string().replace('\n', "; "),
    }
}

pub fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
