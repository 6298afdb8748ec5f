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

use serde::de::{self, Visitor};
use serde::Deserialize;

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

    fn parse(s: &str) -> Option<Self> {
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
/// simulation: read from what `Metrics::deserialize` asks for.
pub fn metric_keys() -> &'static [&'static str] {
    static KEYS: OnceLock<&'static [&'static str]> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut names: &'static [&'static str] = &[];
        let _ = Metrics::deserialize(FieldNames(&mut names));
        names
    })
}

/// A deserializer that records the field names of the struct asked for, and fails.
struct FieldNames<'a>(&'a mut &'static [&'static str]);

impl<'de> de::Deserializer<'de> for FieldNames<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("field names only"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = fields;
        Err(de::Error::custom("field names only"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
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
/// diode's valve area) as an empty cell, as in metrics.json.
fn metric_cells(m: &Metrics, out: &mut Vec<String>) {
    let value = serde_json::to_value(m).expect("metrics serialise");
    let map = value.as_object().expect("metrics are a JSON object");
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
pub struct FoundRow {
    pub index: u64,
    pub status: Status,
    /// Byte range of its line in the file.
    pub start: u64,
    pub end: u64,
}

/// What [`scan`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    /// Length of the complete part: the header and every row that ends in a newline. Anything
    /// after it is a partly written last line (an interrupted write).
    pub valid_len: u64,
    /// The file's length, partial line included.
    pub file_len: u64,
}

/// Read the complete lines of a results.csv, check its header is `expected`, and hand every row
/// to `on_row`. A row that cannot be read is an error naming its line.
pub fn scan(
    path: &Path,
    expected: &[String],
    mut on_row: impl FnMut(FoundRow) -> Result<(), String>,
) -> Result<Scan, String> {
    let mut file = File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let file_len = file
        .metadata()
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?
        .len();
    let valid_len = complete_len(&mut file, file_len)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    file.seek(SeekFrom::Start(0))
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(BufReader::new(file).take(valid_len));
    let where_ = |line: u64| format!("{}:{line}", path.display());
    let headers = reader
        .headers()
        .map_err(|e| format!("{}: {e}", where_(1)))?
        .clone();
    if valid_len == 0 {
        return Ok(Scan {
            valid_len,
            file_len,
        });
    }
    if headers.iter().ne(expected.iter().map(String::as_str)) {
        return Err(format!(
            "{}: the columns are not those of this sweep (another sweep, or another mitralsim \
             version)",
            where_(1)
        ));
    }
    let status_col = expected
        .iter()
        .position(|h| h == "status")
        .expect("status column");
    let mut record = csv::StringRecord::new();
    let mut pending: Option<(u64, Status, u64)> = None;
    loop {
        let more = reader.read_record(&mut record);
        let line = reader.position().line();
        let more = more.map_err(|e| format!("{}: {e}", where_(line)))?;
        let start = record.position().map_or(valid_len, |p| p.byte());
        if let Some((index, status, s)) = pending.take() {
            let end = if more { start } else { valid_len };
            on_row(FoundRow {
                index,
                status,
                start: s,
                end,
            })
            .map_err(|m| format!("{}: {m}", where_(line.saturating_sub(1))))?;
        }
        if !more {
            break;
        }
        let index = record
            .get(0)
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or_else(|| {
                format!(
                    "{}: index {:?} is not a point index",
                    where_(line),
                    record.get(0)
                )
            })?;
        let status = record
            .get(status_col)
            .and_then(Status::parse)
            .ok_or_else(|| {
                format!(
                    "{}: status {:?} is not ok, not_converged or error",
                    where_(line),
                    record.get(status_col)
                )
            })?;
        pending = Some((index, status, start));
    }
    Ok(Scan {
        valid_len,
        file_len,
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
    fn scan_stops_at_the_last_complete_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(RESULTS_FILE);
        let header: Vec<String> = ["index", "k", "status"].map(String::from).into();
        std::fs::write(&path, "index,k,status\n3,\"a,b\",ok\n1,x,error\n2,y,o").unwrap();
        let mut rows = Vec::new();
        let s = scan(&path, &header, |r| {
            rows.push(r);
            Ok(())
        })
        .unwrap();
        assert_eq!(s.valid_len, 36);
        assert_eq!(s.file_len, 41);
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].index, rows[0].status), (3, Status::Ok));
        assert_eq!((rows[0].start, rows[0].end), (15, 26));
        assert_eq!((rows[1].index, rows[1].status), (1, Status::Error));
        assert_eq!((rows[1].start, rows[1].end), (26, 36));
        let wrong: Vec<String> = ["index", "j", "status"].map(String::from).into();
        assert!(scan(&path, &wrong, |_| Ok(()))
            .unwrap_err()
            .contains("columns"));
    }
}
