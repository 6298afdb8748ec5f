//! results.csv: its columns, one row per point, and reading a file back (resume, merge).
//!
//! Why here and not in src/output: a sweep row is written by a worker thread the moment its
//! point is done and must be read back by `--resume` and `merge`, which trust only complete
//! lines; the format, its writer and its reader belong together. Numbers use Rust's shortest
//! round-trip form (`{}`), so a value read back is the f64 that was computed, bit for bit.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::OnceLock;

use super::columns::{check_row, metric_kinds};
use super::sample::AxisValue;
use crate::metrics::Metrics;
use crate::simulate::Comparison;

pub const RESULTS_FILE: &str = "results.csv";

/// Outcome of a point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Both states reached their periodic steady state.
    Ok,
    /// Simulated, metrics written, but a state did not converge within `solver.max_beats`.
    NotConverged,
    /// No metrics: the point's scenario is invalid, the clip does not fit, or the solver failed.
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::NotConverged => "not_converged",
            Status::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Status::Ok, Status::NotConverged, Status::Error]
            .into_iter()
            .find(|st| st.as_str() == s)
    }
}

/// Points per status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counts {
    pub ok: u64,
    pub not_converged: u64,
    pub error: u64,
}

impl Counts {
    pub fn add(&mut self, status: Status) {
        match status {
            Status::Ok => self.ok += 1,
            Status::NotConverged => self.not_converged += 1,
            Status::Error => self.error += 1,
        }
    }

    pub fn merge(&mut self, other: &Counts) {
        self.ok += other.ok;
        self.not_converged += other.not_converged;
        self.error += other.error;
    }

    pub fn total(&self) -> u64 {
        self.ok + self.not_converged + self.error
    }

    /// Points that did not come out `ok`.
    pub fn failed(&self) -> u64 {
        self.not_converged + self.error
    }
}

/// The keys of [`Metrics`] in declaration order (its serde field names), without running a
/// simulation.
pub fn metric_keys() -> &'static [&'static str] {
    static KEYS: OnceLock<Vec<&'static str>> = OnceLock::new();
    KEYS.get_or_init(|| metric_kinds().iter().map(|(name, _)| *name).collect())
}

/// The column names: `index`, the axis keys, `status`, `error`, `pre_<metric>`, `post_<metric>`.
pub fn header(axis_keys: &[String]) -> Vec<String> {
    let mut h = vec!["index".to_owned()];
    h.extend(axis_keys.iter().cloned());
    h.push("status".into());
    h.push("error".into());
    for state in ["pre", "post"] {
        h.extend(metric_keys().iter().map(|k| format!("{state}_{k}")));
    }
    h
}

/// One CSV line (with its newline) from fields.
pub fn line<S: AsRef<str>>(fields: &[S]) -> String {
    let mut out = String::new();
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let f = f.as_ref();
        if f.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&f.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(f);
        }
    }
    out.push('\n');
    out
}

/// A finished point, ready to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub index: u64,
    pub status: Status,
    /// The CSV line, newline included.
    pub line: String,
}

impl Row {
    /// The row of point `index` with axis values `values` and its comparison (or why it has
    /// none).
    pub fn new(index: u64, values: &[AxisValue], result: &Result<Comparison, String>) -> Self {
        let n_metrics = metric_keys().len();
        let mut fields: Vec<String> = Vec::with_capacity(3 + values.len() + 2 * n_metrics);
        fields.push(index.to_string());
        fields.extend(values.iter().map(AxisValue::cell));
        let status = match result {
            Ok(c) if c.converged() => Status::Ok,
            Ok(_) => Status::NotConverged,
            Err(_) => Status::Error,
        };
        fields.push(status.as_str().into());
        match result {
            Ok(c) => {
                fields.push(String::new());
                metric_cells(&c.pre.metrics, &mut fields);
                match &c.post {
                    Some(post) => metric_cells(&post.sim.metrics, &mut fields),
                    None => fields.extend(std::iter::repeat_n(String::new(), n_metrics)),
                }
            }
            Err(e) => {
                fields.push(e.replace(['\n', '\r'], "; "));
                fields.extend(std::iter::repeat_n(String::new(), 2 * n_metrics));
            }
        }
        Row {
            index,
            status,
            line: line(&fields),
        }
    }
}

/// Every metric as a cell: numbers in shortest round-trip form, `null` (a non-finite number, a
/// diode's valve area, a metric undefined for the state) as an empty cell, as in metrics.json.
fn metric_cells(m: &Metrics, out: &mut Vec<String>) {
    let map = crate::output::validity::defined_json(m);
    for key in metric_keys() {
        out.push(match map.get(*key) {
            Some(serde_json::Value::Number(n)) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
                (Some(u), _, _) if !n.is_f64() => u.to_string(),
                (_, Some(i), _) if !n.is_f64() => i.to_string(),
                (_, _, Some(x)) => format!("{x}"),
                _ => n.to_string(),
            },
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Bool(b)) => b.to_string(),
            _ => String::new(),
        });
    }
}

/// A row found in an existing results.csv.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoundRow<'r> {
    /// Its `index` field, if that is a point index.
    pub index: Option<u64>,
    /// Line number in the file (the header is line 1).
    pub line: u64,
    /// Byte range of its line in the file.
    pub start: u64,
    pub end: u64,
    record: &'r csv::ByteRecord,
}

impl FoundRow<'_> {
    /// Check every field (see [`check_row`]) of a row of a sweep of `n_axes` axes, against the
    /// axis cells the point must have if known; returns its status or why the row is damaged.
    pub fn check(&self, n_axes: usize, axis_cells: Option<&[String]>) -> Result<Status, String> {
        let fields = self
            .record
            .iter()
            .map(std::str::from_utf8)
            .collect::<Result<Vec<&str>, _>>()
            .map_err(|_| "not UTF-8 text".to_owned())?;
        if self.index.is_none() {
            return Err(format!(
                "index {:?} is not a point index",
                fields.first().copied().unwrap_or("")
            ));
        }
        check_row(&fields, n_axes, axis_cells)
    }
}

/// What [`scan`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    /// Length of the complete part: the header and every row that ends in a newline. Anything
    /// after it is a partly written last line (an interrupted write).
    pub valid_len: u64,
    /// The file's length, partial line included.
    pub file_len: u64,
    /// Length of the header line.
    pub header_len: u64,
}

/// Read the complete lines of a results.csv, check its header is `expected`, and hand every row
/// to `on_row` (which checks it as it needs; an error it returns is reported at the row's line).
pub fn scan(
    path: &Path,
    expected: &[String],
    mut on_row: impl FnMut(FoundRow<'_>) -> Result<(), String>,
) -> Result<Scan, String> {
    let cannot = |e: io::Error| format!("cannot read {}: {e}", path.display());
    let mut file = File::open(path).map_err(cannot)?;
    let file_len = file.metadata().map_err(cannot)?.len();
    let valid_len = complete_len(&mut file, file_len).map_err(cannot)?;
    file.seek(SeekFrom::Start(0)).map_err(cannot)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(BufReader::new(file).take(valid_len));
    let where_ = |line: u64| format!("{}:{line}", path.display());
    let mut record = csv::ByteRecord::new();
    let mut next = csv::ByteRecord::new();
    let more = reader
        .read_byte_record(&mut record)
        .map_err(|e| format!("{}: {e}", where_(1)))?;
    if !more {
        return Ok(Scan {
            valid_len,
            file_len,
            header_len: 0,
        });
    }
    if record.iter().ne(expected.iter().map(String::as_bytes)) {
        return Err(format!(
            "{}: the columns are not those of this sweep (another sweep, or another mitralsim \
             version)",
            where_(1)
        ));
    }
    let mut more = reader
        .read_byte_record(&mut record)
        .map_err(|e| format!("{}: {e}", where_(2)))?;
    let header_len = record.position().map_or(valid_len, |p| p.byte());
    while more {
        let position = record
            .position()
            .cloned()
            .unwrap_or_else(csv::Position::new);
        let following = reader.read_byte_record(&mut next);
        let end = match following {
            Ok(true) => next.position().map_or(valid_len, |p| p.byte()),
            _ => valid_len,
        };
        let index = record
            .get(0)
            .and_then(|f| std::str::from_utf8(f).ok())
            .and_then(|f| f.parse::<u64>().ok());
        let row = FoundRow {
            index,
            line: position.line(),
            start: position.byte(),
            end,
            record: &record,
        };
        on_row(row).map_err(|m| format!("{}: {m}", where_(position.line())))?;
        more = following.map_err(|e| format!("{}: {e}", where_(position.line() + 1)))?;
        std::mem::swap(&mut record, &mut next);
    }
    Ok(Scan {
        valid_len,
        file_len,
        header_len,
    })
}

/// Length up to and including the last newline.
fn complete_len(file: &mut File, len: u64) -> io::Result<u64> {
    let mut end = len;
    let mut buf = [0u8; 4096];
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let chunk = &mut buf[..(end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(chunk)?;
        if let Some(i) = chunk.iter().rposition(|&b| b == b'\n') {
            return Ok(start + i as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_keys_are_the_serialised_keys_in_order() {
        let keys = metric_keys();
        assert!(keys.len() > 20);
        assert_eq!(keys[0], "heart_rate_bpm");
        assert!(keys.contains(&"regurgitant_volume_ml"));
        assert!(keys.contains(&"converged"));
        // The same names, in the same order, as metrics.json writes them.
        let sim = crate::simulate::Simulation::run(
            crate::model::ModelParams::regazzoni2022(),
            crate::model::state::regazzoni_initial_state(),
            &crate::solver::SteadyStateSettings {
                max_beats: 2,
                ..Default::default()
            },
        )
        .expect("two beats");
        let v = serde_json::to_value(&sim.metrics).unwrap();
        let serialised: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(serialised, keys);
    }

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(
            line(&["1", "a,b", "say \"x\"", ""]),
            "1,\"a,b\",\"say \"\"x\"\"\",\n"
        );
    }

    #[test]
    fn scan_stops_at_the_last_complete_line_and_numbers_lines_from_the_header() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(RESULTS_FILE);
        let header: Vec<String> = ["index", "k", "status"].map(String::from).into();
        std::fs::write(&path, "index,k,status\n3,\"a,b\",ok\n1,x,error\n2,y,o").unwrap();
        let mut rows = Vec::new();
        let s = scan(&path, &header, |r| {
            rows.push((r.index, r.line, r.start, r.end));
            Ok(())
        })
        .unwrap();
        assert_eq!((s.header_len, s.valid_len, s.file_len), (15, 36, 41));
        assert_eq!(rows, [(Some(3), 2, 15, 26), (Some(1), 3, 26, 36)]);
        let err = scan(&path, &header, |r| {
            if r.index == Some(1) {
                Err("bad".into())
            } else {
                Ok(())
            }
        })
        .unwrap_err();
        assert!(err.ends_with("results.csv:3: bad"), "{err}");
        let wrong: Vec<String> = ["index", "j", "status"].map(String::from).into();
        assert!(scan(&path, &wrong, |_| Ok(()))
            .unwrap_err()
            .contains("columns"));
    }
}
