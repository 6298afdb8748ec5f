//! A sweep's output directory (results.csv, sweep.json, waveforms/) read into typed data for the
//! sweep figures.
//!
//! Why apart from drawing, as for a run ([`super::data`]): every problem with the inputs — a
//! missing file, an unknown metric or axis, a cell that is not a number — is found here and
//! named (file, line, column) before anything is drawn. Only the columns a figure needs are kept,
//! so a sweep of a million points costs a few numbers per point, not a whole table.

use super::chart::MAX_FACETS;
use super::data::{malformed, open, read_waveforms, StateId, Waveforms};
use super::quantity::Prefix;
use super::PlotError;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// File names inside a sweep directory (as `mitralsim sweep` writes them).
pub const RESULTS_FILE: &str = "results.csv";
pub const MANIFEST_FILE: &str = "sweep.json";
/// `mitralsim sweep --waveforms`: `waveforms/point-<index>.csv`, laid out as a run's
/// waveforms.csv.
pub const WAVEFORMS_DIR: &str = "waveforms";

/// Metrics that are not numbers (the MR grade is a word, `converged` a flag).
const NOT_NUMERIC: [&str; 2] = ["mr_grade", "converged"];

/// Outcome of a point (results.csv `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointStatus {
    Ok,
    NotConverged,
    Error,
}

impl PointStatus {
    fn parse(s: &str) -> Option<PointStatus> {
        match s {
            "ok" => Some(PointStatus::Ok),
            "not_converged" => Some(PointStatus::NotConverged),
            "error" => Some(PointStatus::Error),
            _ => None,
        }
    }
}

/// One axis value of a point: the cell as written, and its number when it is one.
#[derive(Debug, Clone, PartialEq)]
pub struct AxisValue {
    pub text: String,
    pub number: Option<f64>,
}

impl AxisValue {
    fn parse(cell: &str) -> AxisValue {
        let text = cell.trim().to_string();
        let number = text.parse::<f64>().ok().filter(|v| v.is_finite());
        AxisValue { text, number }
    }

    /// The value for a figure: a number as short as it reads (0.3, not 0.30000000000000004),
    /// a word as written, a structured value (inline TOML, e.g. a list of clips) shortened
    /// ([`super::quantity::short_value`]: "XT 14.5 mm + XT 20.5 mm").
    pub fn display(&self) -> String {
        match self.number {
            Some(v) => super::quantity::short_number(v),
            None => super::quantity::short_value(&self.text),
        }
    }

    /// Same value: equal numbers, or equal words.
    pub fn same(&self, other: &AxisValue) -> bool {
        match (self.number, other.number) {
            (Some(a), Some(b)) => a == b,
            _ => self.text == other.text,
        }
    }
}

/// One row of results.csv, reduced to what a figure asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepPoint {
    pub index: u64,
    /// One value per axis, in [`SweepHeader::axes`] order.
    pub axes: Vec<AxisValue>,
    pub status: PointStatus,
    pub error: String,
    /// One value per loaded column ([`SweepData::columns`]); `None` for an empty cell.
    pub values: Vec<Option<f64>>,
}

/// What results.csv and sweep.json say about the sweep, before any row is read.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepHeader {
    pub dir: PathBuf,
    /// `dir/results.csv`.
    pub results: PathBuf,
    /// The sweep's name for titles: the sweep file's name without extension (sweep.json), else
    /// the directory's name.
    pub name: String,
    /// `grid`, `lhs`, `sobol`, when sweep.json says.
    pub mode: Option<String>,
    /// Axis key paths: the columns between `index` and `status`.
    pub axes: Vec<String>,
    /// Bare metric keys (those with a `pre_` column), in file order.
    pub metrics: Vec<String>,
    columns: Vec<String>,
}

impl SweepHeader {
    /// Read the header of `dir/results.csv` and, if there, `dir/sweep.json`.
    pub fn read(dir: &Path) -> Result<SweepHeader, PlotError> {
        let results = dir.join(RESULTS_FILE);
        let mut reader = csv::Reader::from_reader(open(&results)?);
        let columns: Vec<String> = reader
            .headers()
            .map_err(|e| malformed(&results, e.to_string()))?
            .iter()
            .map(str::to_string)
            .collect();
        if columns.first().map(String::as_str) != Some("index") {
            return Err(malformed(
                &results,
                "the first column must be `index` (is this a sweep's results.csv?)",
            ));
        }
        let status = columns
            .iter()
            .position(|c| c == "status")
            .ok_or_else(|| malformed(&results, "no column `status` in the header"))?;
        if !columns.iter().any(|c| c == "error") {
            return Err(malformed(&results, "no column `error` in the header"));
        }
        let axes = columns[1..status].to_vec();
        if axes.is_empty() {
            return Err(malformed(
                &results,
                "no axis columns between `index` and `status`",
            ));
        }
        let metrics = columns
            .iter()
            .filter_map(|c| c.strip_prefix("pre_"))
            .map(str::to_string)
            .collect();
        let manifest = Manifest::read(&dir.join(MANIFEST_FILE));
        let name = manifest.sweep_name.unwrap_or_else(|| directory_name(dir));
        Ok(SweepHeader {
            dir: dir.to_path_buf(),
            results,
            name,
            mode: manifest.mode,
            axes,
            metrics,
            columns,
        })
    }

    /// Metrics a figure can plot (numbers), comma-separated, for error messages.
    pub fn numeric_metrics(&self) -> String {
        self.metrics
            .iter()
            .filter(|m| !NOT_NUMERIC.contains(&m.as_str()))
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The results.csv column(s) of a metric: `pre_X` or `post_X` as given, or for a bare `X`
    /// both (`post_X` only when the file has it).
    pub fn metric_columns(&self, metric: &str) -> Result<Vec<String>, PlotError> {
        let metric = metric.trim();
        let unknown = || PlotError::UnknownMetric {
            path: self.results.clone(),
            metric: metric.to_string(),
            available: self.numeric_metrics(),
        };
        let bare = Prefix::split(metric).map_or(metric, |(_, m)| m);
        if NOT_NUMERIC.contains(&bare) {
            return Err(PlotError::Unsuitable {
                what: format!("metric `{metric}`"),
                dir: self.dir.clone(),
                reason: format!(
                    "it is not a number; plot one of: {}",
                    self.numeric_metrics()
                ),
            });
        }
        let has = |c: &str| self.columns.iter().any(|h| h == c);
        if Prefix::split(metric).is_some() {
            return if has(metric) {
                Ok(vec![metric.to_string()])
            } else {
                Err(unknown())
            };
        }
        let columns: Vec<String> = [Prefix::Pre, Prefix::Post]
            .into_iter()
            .map(|p| p.column(metric))
            .filter(|c| has(c))
            .collect();
        if columns.is_empty() {
            Err(unknown())
        } else {
            Ok(columns)
        }
    }

    /// Whether the design scatters its points (`lhs`, `sobol`, `random`, `saltelli`): no two
    /// points share an axis value, so the sweep cannot be sliced at one.
    pub fn scattered(&self) -> bool {
        matches!(
            self.mode.as_deref(),
            Some("lhs" | "sobol" | "random" | "saltelli")
        )
    }

    /// Position of the axis `key` in [`SweepHeader::axes`].
    pub fn axis(&self, key: &str) -> Result<usize, PlotError> {
        self.axes
            .iter()
            .position(|a| a == key.trim())
            .ok_or_else(|| PlotError::UnknownAxis {
                path: self.results.clone(),
                axis: key.trim().to_string(),
                available: self.axes.join(", "),
            })
    }

    /// Read every row, keeping the axis values, status and `columns` (names checked by
    /// [`SweepHeader::metric_columns`]); rows sorted by index.
    pub fn load(self, columns: &[String]) -> Result<SweepData, PlotError> {
        let path = &self.results;
        let find = |name: &str| {
            self.columns
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| malformed(path, format!("no column `{name}` in the header")))
        };
        let status_col = find("status")?;
        let error_col = find("error")?;
        let value_cols: Vec<usize> = columns.iter().map(|c| find(c)).collect::<Result<_, _>>()?;
        let mut reader = csv::Reader::from_reader(open(path)?);
        let mut points = Vec::new();
        let mut seen: HashMap<u64, u64> = HashMap::new();
        for record in reader.records() {
            let record = record.map_err(|e| malformed(path, e.to_string()))?;
            let line = record.position().map_or(0, |p| p.line());
            let cell = |i: usize| record.get(i).unwrap_or("").trim();
            let index: u64 = cell(0).parse().map_err(|_| {
                malformed(
                    path,
                    format!("line {line}: index `{}` is not a whole number", cell(0)),
                )
            })?;
            if let Some(first) = seen.insert(index, line) {
                return Err(malformed(
                    path,
                    format!("line {line}: point {index} is already on line {first}"),
                ));
            }
            let status = PointStatus::parse(cell(status_col)).ok_or_else(|| {
                malformed(
                    path,
                    format!(
                        "line {line}: unknown status `{}` (expected ok, not_converged or error)",
                        cell(status_col)
                    ),
                )
            })?;
            let mut values = Vec::with_capacity(value_cols.len());
            for (&col, name) in value_cols.iter().zip(columns) {
                let text = cell(col);
                if text.is_empty() {
                    values.push(None);
                    continue;
                }
                match text.parse::<f64>() {
                    Ok(v) if v.is_finite() => values.push(Some(v)),
                    _ => {
                        return Err(malformed(
                            path,
                            format!("line {line}, column `{name}`: `{text}` is not a number"),
                        ))
                    }
                }
            }
            points.push(SweepPoint {
                index,
                axes: (1..status_col).map(|i| AxisValue::parse(cell(i))).collect(),
                status,
                error: cell(error_col).to_string(),
                values,
            });
        }
        if points.is_empty() {
            return Err(malformed(path, "no data rows"));
        }
        points.sort_by_key(|p| p.index);
        Ok(SweepData {
            header: self,
            columns: columns.to_vec(),
            points,
            fixed: Vec::new(),
        })
    }
}

/// The rows of a sweep with the columns one figure needs.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepData {
    pub header: SweepHeader,
    /// The loaded metric columns (`pre_…`, `post_…`).
    pub columns: Vec<String>,
    /// Sorted by index.
    pub points: Vec<SweepPoint>,
    /// The axes fixed by [`SweepData::slice`], with the value each was fixed at.
    pub fixed: Vec<(usize, AxisValue)>,
}

impl SweepData {
    /// Whether any point has a value in column `col` (a sweep without a clip has empty `post_`
    /// cells).
    pub fn has_values(&self, col: usize) -> bool {
        self.points.iter().any(|p| p.values[col].is_some())
    }

    /// The distinct values of axis `axis`: numbers ascending, words in order of appearance.
    pub fn distinct(&self, axis: usize) -> Vec<AxisValue> {
        let mut out: Vec<AxisValue> = Vec::new();
        for p in &self.points {
            let v = &p.axes[axis];
            if !out.iter().any(|o| o.same(v)) {
                out.push(v.clone());
            }
        }
        if out.iter().all(|v| v.number.is_some()) {
            out.sort_by(|a, b| a.number.unwrap_or(0.0).total_cmp(&b.number.unwrap_or(0.0)));
        }
        out
    }

    /// Keep the points where each `--where` axis has the given value ([`Where`]). Every
    /// problem is an error naming the axis: an unknown key, a key given twice, a value no point
    /// has (the axis's values are listed), or a scattered design (`lhs`, `sobol`, `random`,
    /// `saltelli`), whose points share no value to slice at.
    pub fn slice(mut self, wheres: &[Where]) -> Result<SweepData, PlotError> {
        for (k, w) in wheres.iter().enumerate() {
            let a = self.header.axis(&w.key)?;
            let refuse = |reason: String| PlotError::Slice {
                path: self.header.results.clone(),
                filter: w.to_string(),
                reason,
            };
            if wheres[..k].iter().any(|o| o.key.trim() == w.key.trim()) {
                return Err(refuse("the axis is fixed twice".into()));
            }
            if self.header.scattered() {
                return Err(refuse(format!(
                    "a {} sweep scatters its points (no two share a value), so it cannot be \
                     sliced at one value; draw its points as a scatter over two axes \
                     (`plot heatmap DIR --x A --y B`, every point shown once)",
                    self.header.mode.as_deref().unwrap_or("scattered")
                )));
            }
            let values = self.distinct(a);
            let chosen = match_value(&values, &w.value)
                .ok_or_else(|| {
                    refuse(format!(
                        "no point has this value; the values of `{}` are: {}",
                        self.header.axes[a],
                        list_values(&values)
                    ))
                })?
                .clone();
            self.points.retain(|p| p.axes[a].same(&chosen));
            self.fixed.push((a, chosen));
        }
        Ok(self)
    }

    /// Refuse an axis that `--where` fixed and the figure would also draw: `roles` are the axes
    /// chosen for x, y, the facet… (`None`: not chosen), each with its name in the message.
    pub fn check_not_fixed(
        &self,
        what: &str,
        roles: &[(Option<usize>, &str)],
    ) -> Result<(), PlotError> {
        for &(axis, role) in roles {
            let Some(a) = axis else { continue };
            if self.fixed.iter().any(|(f, _)| *f == a) {
                return Err(PlotError::Unsuitable {
                    what: what.to_string(),
                    dir: self.header.dir.clone(),
                    reason: format!(
                        "`{}` is fixed by --where and cannot also be {role}",
                        self.header.axes[a]
                    ),
                });
            }
        }
        Ok(())
    }

    /// The axes that vary among the points, other than `shown` (those the figure draws): each
    /// would mix several points into one mark.
    pub fn extra_axes(&self, shown: &[usize]) -> Vec<usize> {
        (0..self.header.axes.len())
            .filter(|a| !shown.contains(a) && self.distinct(*a).len() > 1)
            .collect()
    }

    /// `heart.rate_bpm (60, 75, 90); clip.clips (…)`: the axes with their values, for
    /// messages.
    pub fn describe_axes(&self, axes: &[usize]) -> String {
        axes.iter()
            .map(|&a| {
                format!(
                    "`{}` ({})",
                    self.header.axes[a],
                    list_values(&self.distinct(a))
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The refusal of a figure that would mix points: `extra` still vary. Names them with their
    /// values, and says how to choose (`--where`) or to draw one panel per value (`--facet`).
    pub fn mixing_error(&self, what: &str, shown: &str, extra: &[usize]) -> PlotError {
        let first = &self.header.axes[extra[0]];
        let example = self
            .distinct(extra[0])
            .first()
            .map_or(String::new(), |v| v.text.clone());
        PlotError::Unsuitable {
            what: what.to_string(),
            dir: self.header.dir.clone(),
            reason: format!(
                "the sweep also varies {}, so each mark of {shown} would mix several points; \
                     fix {} with --where (e.g. --where '{first}={example}'), or draw one panel per \
                     value with --facet {first}",
                self.describe_axes(extra),
                if extra.len() > 1 { "them" } else { "it" },
            ),
        }
    }

    /// The panels of `--facet`: each value of `facet` (in axis order), or one panel of every
    /// point without a facet. More than [`MAX_FACETS`] values is refused.
    pub fn facets(&self, what: &str, facet: Option<usize>) -> Result<Vec<Facet>, PlotError> {
        let Some(f) = facet else {
            return Ok(vec![Facet {
                axis: None,
                value: None,
            }]);
        };
        let values = self.distinct(f);
        if values.len() > MAX_FACETS {
            return Err(PlotError::Unsuitable {
                what: what.to_string(),
                dir: self.header.dir.clone(),
                reason: format!(
                    "--facet {}: {} values, more than {MAX_FACETS} panels would not be \
                     readable; fix it with --where, or facet by an axis of fewer values",
                    self.header.axes[f],
                    values.len()
                ),
            });
        }
        Ok(values
            .into_iter()
            .map(|v| Facet {
                axis: Some(f),
                value: Some(v),
            })
            .collect())
    }

    /// "heart rate = 75 bpm, clip = XT 17.5 mm": the fixed axes, for a title.
    pub fn fixed_label(&self) -> String {
        self.fixed
            .iter()
            .map(|(a, v)| facet_label(&self.header.axes[*a], v))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The first point whose axis `axis` is not a number, if any.
    pub fn first_word(&self, axis: usize) -> Option<&SweepPoint> {
        self.points.iter().find(|p| p.axes[axis].number.is_none())
    }

    /// `dir/waveforms/point-<index>.csv`.
    pub fn waveforms_path(&self, index: u64) -> PathBuf {
        self.header
            .dir
            .join(WAVEFORMS_DIR)
            .join(format!("point-{index}.csv"))
    }

    /// The beats of point `index` (pre, then post when there is one), read as a run's
    /// waveforms.csv is.
    pub fn load_waveforms(&self, index: u64) -> Result<Vec<(StateId, Waveforms)>, PlotError> {
        read_waveforms(&self.waveforms_path(index))
    }
}

/// Where an axis puts its values on a figure: numbers at their value; anything else (words,
/// structured values such as a list of clips) as categories at 0, 1, 2, … in order of first
/// appearance (by point index), named by their short labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    pub values: Vec<AxisValue>,
    /// The category names, `None` for a numeric axis.
    pub names: Option<Vec<String>>,
}

impl Placement {
    /// The placement of axis `axis` over `data`'s points.
    pub fn of(data: &SweepData, axis: usize) -> Placement {
        let values = data.distinct(axis);
        let names = values
            .iter()
            .any(|v| v.number.is_none())
            .then(|| values.iter().map(AxisValue::display).collect());
        Placement { values, names }
    }

    /// The position of `value` on the axis (`None` if it is not one of the axis's values).
    pub fn position(&self, value: &AxisValue) -> Option<f64> {
        match self.names {
            Some(_) => self
                .values
                .iter()
                .position(|v| v.same(value))
                .map(|i| i as f64),
            None => value.number,
        }
    }

    /// Every value's position, in order.
    pub fn positions(&self) -> Vec<f64> {
        self.values
            .iter()
            .filter_map(|v| self.position(v))
            .collect()
    }

    pub fn categorical(&self) -> bool {
        self.names.is_some()
    }
}

/// One panel of a faceted figure: the points where `axis` has `value` (every point when the
/// figure is not faceted).
#[derive(Debug, Clone, PartialEq)]
pub struct Facet {
    axis: Option<usize>,
    value: Option<AxisValue>,
}

impl Facet {
    pub fn holds(&self, p: &SweepPoint) -> bool {
        match (self.axis, &self.value) {
            (Some(a), Some(v)) => p.axes[a].same(v),
            _ => true,
        }
    }

    /// The panel's heading, "Heart rate = 75 bpm"; `None` when not faceted.
    pub fn heading(&self, header: &SweepHeader) -> Option<String> {
        Some(facet_label(&header.axes[self.axis?], self.value.as_ref()?))
    }
}

/// "Heart rate = 75 bpm": an axis at one value, as a panel heading or in a title.
pub fn facet_label(key: &str, value: &AxisValue) -> String {
    let name = super::quantity::axis_name(key);
    let shown = match value.number {
        Some(_) => super::quantity::value_with_unit(&value.display(), key),
        None => value.display(),
    };
    format!("{name} = {shown}")
}

/// `--where KEY=VALUE`: a sweep axis fixed at one of its values, to draw a figure of fewer
/// axes than the sweep has.
///
/// VALUE is matched against the axis's results.csv cells: a word or structured value exactly
/// (or as the same TOML value however spelled — spacing, key order —, or by its short label as
/// the figures show it, when that is unambiguous); a number to the nearest value within [`WHERE_REL_TOL`], so that `0.3` finds
/// `0.30000000000000004` and the 6 digits a figure prints are enough.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Where {
    pub key: String,
    pub value: String,
}

/// Relative tolerance of a number given to `--where`.
pub const WHERE_REL_TOL: f64 = 1e-5;

impl std::str::FromStr for Where {
    type Err = PlotError;
    /// `KEY=VALUE`, split at the first `=` (a structured value may hold more).
    fn from_str(s: &str) -> Result<Where, PlotError> {
        match s.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() && !v.trim().is_empty() => Ok(Where {
                key: k.trim().to_string(),
                value: v.trim().to_string(),
            }),
            _ => Err(PlotError::WhereSyntax(s.to_string())),
        }
    }
}

impl std::fmt::Display for Where {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={}", self.key, self.value)
    }
}

/// The value of `values` that `given` names (see [`Where`]), if exactly one does.
fn match_value<'v>(values: &'v [AxisValue], given: &str) -> Option<&'v AxisValue> {
    let given = given.trim();
    if let Some(v) = values.iter().find(|v| v.text == given) {
        return Some(v);
    }
    if let Some(x) = given.parse::<f64>().ok().filter(|x| x.is_finite()) {
        let nearest = values
            .iter()
            .filter_map(|v| v.number.map(|n| (v, (n - x).abs(), n)))
            .min_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((v, d, n)) = nearest {
            if d <= WHERE_REL_TOL * n.abs().max(x.abs()) || d == 0.0 {
                return Some(v);
            }
        }
        return None;
    }
    let unique = |f: &dyn Fn(&AxisValue) -> bool| {
        let mut hits = values.iter().filter(|v| f(v));
        match (hits.next(), hits.next()) {
            (Some(v), None) => Some(v),
            _ => None,
        }
    };
    // The same TOML value however it is spelled: spacing, key order, quotes.
    let toml_value = |s: &str| {
        format!("v = {s}")
            .parse::<toml::Table>()
            .ok()
            .and_then(|mut t| t.remove("v"))
    };
    let parsed = toml_value(given);
    unique(&|v| v.number.is_none() && parsed.is_some() && toml_value(&v.text) == parsed)
        .or_else(|| unique(&|v| v.display().eq_ignore_ascii_case(given)))
}

/// Most values listed in a message.
const LISTED_VALUES: usize = 24;

/// An axis's values for a message: the cells as written (so that they can be copied into
/// `--where`), `|`-separated when one holds a comma.
fn list_values(values: &[AxisValue]) -> String {
    let sep = if values.iter().any(|v| v.text.contains(',')) {
        " | "
    } else {
        ", "
    };
    let shown: Vec<String> = values
        .iter()
        .take(LISTED_VALUES)
        .map(|v| match v.number {
            Some(_) => v.display(),
            None => v.text.clone(),
        })
        .collect();
    let more = values.len().saturating_sub(LISTED_VALUES);
    if more > 0 {
        format!("{}{sep}… ({more} more)", shown.join(sep))
    } else {
        shown.join(sep)
    }
}

/// What the figures use from sweep.json; every field optional, the rest of its schema ignored.
#[derive(Default)]
struct Manifest {
    sweep_name: Option<String>,
    mode: Option<String>,
}

impl Manifest {
    /// Tolerant: a missing or unreadable sweep.json only loses the sweep's name (the directory
    /// name is used) and mode (the grid is then recognised from the points).
    fn read(path: &Path) -> Manifest {
        let Ok(text) = std::fs::read_to_string(path) else {
            return Manifest::default();
        };
        let Ok(doc) = serde_json::from_str::<serde_json::Value>(&text) else {
            return Manifest::default();
        };
        let sweep = doc.get("sweep");
        let string = |v: Option<&serde_json::Value>| {
            v.and_then(|v| v.as_str())
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let in_sweep = |key: &str| string(sweep.and_then(|s| s.get(key)));
        let file = string(doc.get("sweep_file"))
            .or_else(|| string(sweep))
            .or_else(|| in_sweep("sweep_file"))
            .or_else(|| in_sweep("file"))
            .or_else(|| in_sweep("path"));
        let sweep_name = file
            .as_deref()
            .and_then(|f| Path::new(f).file_stem())
            .map(|s| s.to_string_lossy().into_owned())
            .or_else(|| in_sweep("name"))
            .or_else(|| string(doc.get("name")));
        let mode = string(doc.get("mode")).or_else(|| in_sweep("mode"));
        Manifest { sweep_name, mode }
    }
}

/// The sweep's name for titles: the sweep file's name without extension (sweep.json), else the
/// directory's name.
pub fn sweep_name(dir: &Path) -> String {
    Manifest::read(&dir.join(MANIFEST_FILE))
        .sweep_name
        .unwrap_or_else(|| directory_name(dir))
}

fn directory_name(dir: &Path) -> String {
    let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
    name(dir)
        .or_else(|| dir.canonicalize().ok().and_then(|d| name(&d)))
        .unwrap_or_else(|| "sweep".to_string())
}
