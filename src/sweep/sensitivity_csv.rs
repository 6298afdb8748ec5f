//! sensitivity.csv: the Sobol' indices of every numeric results.csv column of a finished
//! `saltelli` sweep, and the note sweep.json keeps about them (samples dropped, columns skipped,
//! convergence from N/2 to N base samples).
//!
//! Why from results.csv and not from the points in memory: the indices must come out the same,
//! byte for byte, whether the rows were computed in one run, over several `--resume`s or on
//! several machines and joined by `merge`; results.csv (rows keyed by their index, in any order)
//! is the one thing all of these share. A point's base sample and role are its index's
//! ([`saltelli_point`]), so no extra column is needed.
//!
//! Failed points: a base sample is left out of every index if any of its D + 2 points has status
//! `error` or `not_converged` (the estimators need all D + 2 outputs of a sample, and a
//! not-converged point's metrics are not the steady state's); it is left out of one metric's
//! indices if that metric is undefined (an empty cell) at any of its points. The counts are in
//! sweep.json.

use std::io::Write;
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::error::SweepError;
use super::manifest::Manifest;
use super::results::{self, Status, RESULTS_FILE};
use super::sample::{saltelli_index, SaltelliRole};
use super::sensitivity::{Estimate, Indices, Outputs, BOOTSTRAP_RESAMPLES, CONFIDENCE};
use super::spec::Mode;
use crate::output::atomic::write_atomic;

pub const SENSITIVITY_FILE: &str = "sensitivity.csv";

/// Fewest base samples with values a metric's indices are estimated from (one gives a variance
/// of two numbers and a bootstrap interval of one point).
const MIN_USABLE_SAMPLES: usize = 2;

/// Columns named `*_beats_to_steady_state` are left out (see the skip reason).
const SOLVER_EFFORT: &str = "beats_to_steady_state";

/// The columns of sensitivity.csv.
pub const COLUMNS: [&str; 8] = [
    "metric",
    "parameter",
    "s1",
    "s1_low",
    "s1_high",
    "st",
    "st_low",
    "st_high",
];

/// What sweep.json says about sensitivity.csv.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SensitivityNote {
    pub file: String,
    /// N: base samples of the design (the sweep has N·(D + 2) points).
    pub base_samples: u64,
    /// Base samples left out of every index: one of their points is `error` or
    /// `not_converged`.
    pub dropped_samples: u64,
    pub bootstrap_resamples: u64,
    pub confidence: f64,
    /// Seed of the bootstrap resamples (the sweep's `seed`).
    pub bootstrap_seed: u64,
    /// Each metric in sensitivity.csv: base samples used and its convergence.
    pub metrics: Vec<MetricNote>,
    /// results.csv columns without indices, and why.
    pub skipped: Vec<SkippedColumn>,
    pub convergence: ConvergenceNote,
}

/// One metric of sensitivity.csv.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricNote {
    pub metric: String,
    /// Base samples its indices use.
    pub samples: u64,
    /// Largest change of an index of this metric from the first N/2 base samples to all N
    /// (`null` if the first half gives no indices).
    pub max_abs_delta_s1: Option<f64>,
    pub max_abs_delta_st: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedColumn {
    pub metric: String,
    pub reason: String,
}

/// Indices from the first N/2 base samples against all N: how far they still move.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConvergenceNote {
    pub half_samples: u64,
    /// Over every metric and parameter.
    pub max_abs_delta_s1: Option<f64>,
    pub max_abs_delta_st: Option<f64>,
    /// The metric and parameter whose S1 or ST moved most.
    pub least_converged: Option<LeastConverged>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeastConverged {
    pub metric: String,
    pub parameter: String,
    pub abs_delta_s1: f64,
    pub abs_delta_st: f64,
}

/// If `manifest` is a complete, unsharded (or merged) Saltelli sweep in `dir`: compute the
/// indices from its results.csv and write `dir`/sensitivity.csv atomically; returns the note
/// for sweep.json, or `None` for any other sweep (a shard's indices are computed by `merge`).
pub fn write_if_complete(
    dir: &Path,
    manifest: &Manifest,
) -> Result<Option<SensitivityNote>, SweepError> {
    let complete = manifest.missing == 0 && manifest.shard_points == manifest.points;
    if manifest.mode != Mode::Saltelli.as_str() || !complete {
        return Ok(None);
    }
    let table = Table::read(
        &dir.join(RESULTS_FILE),
        &manifest.axis_keys(),
        manifest.points,
    )?;
    let (rows, note) = table.indices(manifest.seed.unwrap_or(0));
    let path = dir.join(SENSITIVITY_FILE);
    write_atomic(&path, |w| {
        w.write_all(results::line(&COLUMNS).as_bytes())?;
        for row in &rows {
            w.write_all(results::line(row).as_bytes())?;
        }
        Ok(())
    })
    .map_err(|e| SweepError::io("write", &path, e))?;
    Ok(Some(note))
}

/// The numeric outputs of a Saltelli sweep's results.csv, by point index.
struct Table {
    axes: Vec<String>,
    /// Base samples N.
    samples: u64,
    /// Whether point i has status `ok`.
    ok: Vec<bool>,
    columns: Vec<Column>,
}

struct Column {
    name: String,
    /// By point index; NaN for an empty cell.
    values: Vec<f64>,
    /// The first cell that is not a number, if any (the column then has no indices).
    not_numeric: Option<String>,
}

impl Table {
    /// Read results.csv of a Saltelli sweep over `axes` with `points` points.
    fn read(path: &Path, axes: &[String], points: u64) -> Result<Self, SweepError> {
        let refuse = |why: String| {
            SweepError::Refused(format!(
                "cannot compute the sensitivity indices from {}: {why}",
                path.display()
            ))
        };
        let dims = axes.len();
        let block = dims as u64 + 2;
        if points % block != 0 {
            return Err(refuse(format!(
                "{points} points is not a whole number of base samples of {block} points"
            )));
        }
        let samples = points / block;
        let points = usize::try_from(points).map_err(|_| refuse("too many points".into()))?;
        let mut reader = csv::ReaderBuilder::new()
            .from_path(path)
            .map_err(|e| refuse(e.to_string()))?;
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| refuse(e.to_string()))?
            .iter()
            .map(str::to_owned)
            .collect();
        let at = |name: &str| header.iter().position(|h| h == name);
        let (Some(index_at), Some(status_at)) = (at("index"), at("status")) else {
            return Err(refuse("no index or status column".into()));
        };
        let inputs: Vec<&str> = ["index", "status", "error"]
            .into_iter()
            .chain(axes.iter().map(String::as_str))
            .collect();
        let output_at: Vec<usize> = (0..header.len())
            .filter(|&k| !inputs.contains(&header[k].as_str()))
            .collect();
        let mut columns: Vec<Column> = output_at
            .iter()
            .map(|&k| Column {
                name: header[k].clone(),
                values: vec![f64::NAN; points],
                not_numeric: None,
            })
            .collect();
        let mut ok = vec![false; points];
        let mut seen = vec![false; points];
        for (line, record) in reader.records().enumerate() {
            let record = record.map_err(|e| refuse(e.to_string()))?;
            let index = record
                .get(index_at)
                .and_then(|f| f.parse::<usize>().ok())
                .filter(|&i| i < points)
                .ok_or_else(|| refuse(format!("line {}: not a point index", line + 2)))?;
            if std::mem::replace(&mut seen[index], true) {
                return Err(refuse(format!("point {index} has two rows")));
            }
            ok[index] = record.get(status_at) == Some(Status::Ok.as_str());
            for (column, &k) in columns.iter_mut().zip(&output_at) {
                let cell = record.get(k).unwrap_or("");
                if cell.is_empty() || column.not_numeric.is_some() {
                    continue;
                }
                match cell.parse::<f64>() {
                    Ok(x) if x.is_finite() => column.values[index] = x,
                    _ => {
                        column.not_numeric = Some(cell.to_owned());
                        column.values = Vec::new();
                    }
                }
            }
        }
        if let Some(missing) = seen.iter().position(|s| !s) {
            return Err(refuse(format!("point {missing} has no row")));
        }
        Ok(Self {
            axes: axes.to_vec(),
            samples,
            ok,
            columns,
        })
    }

    /// The rows of sensitivity.csv and the note, with bootstrap resamples drawn from `seed`.
    fn indices(&self, seed: u64) -> (Vec<Vec<String>>, SensitivityNote) {
        let dims = self.axes.len();
        let point = |j: u64, role| saltelli_index(j, role, dims) as usize;
        let roles: Vec<SaltelliRole> = std::iter::once(SaltelliRole::A)
            .chain((0..dims).map(SaltelliRole::Ab))
            .chain(std::iter::once(SaltelliRole::B))
            .collect();
        let usable: Vec<u64> = (0..self.samples)
            .filter(|&j| roles.iter().all(|&r| self.ok[point(j, r)]))
            .collect();
        let half = self.samples / 2;
        let results: Vec<Result<ColumnIndices, String>> = self
            .columns
            .par_iter()
            .map(|column| {
                if let Some(cell) = &column.not_numeric {
                    return Err(format!("not numeric (a cell holds {cell:?})"));
                }
                if column.name.ends_with(SOLVER_EFFORT) {
                    return Err(
                        "the solver's effort, not a model output: it depends on where \
                                each point's search starts (the order of the points)"
                            .to_owned(),
                    );
                }
                let value = |j: u64, role| column.values[point(j, role)];
                let mut outputs = Outputs::new(dims);
                let mut first_half = 0;
                for &j in &usable {
                    let f: Vec<f64> = roles.iter().map(|&r| value(j, r)).collect();
                    if f.iter().all(|x| x.is_finite()) {
                        outputs.push(f[0], &f[1..=dims], f[dims + 1]);
                        first_half += usize::from(j < half);
                    }
                }
                if outputs.len() < MIN_USABLE_SAMPLES {
                    return Err(format!(
                        "{} base samples have a value at all their {} points: at least \
                         {MIN_USABLE_SAMPLES} are needed for an estimate",
                        outputs.len(),
                        dims + 2
                    ));
                }
                let estimate = outputs
                    .estimate(seed)
                    .ok_or_else(|| "constant: the same value at every point used".to_owned())?;
                let picks: Vec<usize> = (0..first_half).collect();
                Ok(ColumnIndices {
                    samples: outputs.len() as u64,
                    half: outputs.indices(&picks),
                    estimate,
                })
            })
            .collect();

        let mut rows = Vec::new();
        let mut metrics = Vec::new();
        let mut skipped = Vec::new();
        let mut worst: Option<LeastConverged> = None;
        let (mut max_s1, mut max_st) = (None::<f64>, None::<f64>);
        for (column, result) in self.columns.iter().zip(results) {
            let c = match result {
                Ok(c) => c,
                Err(reason) => {
                    skipped.push(SkippedColumn {
                        metric: column.name.clone(),
                        reason,
                    });
                    continue;
                }
            };
            let e = &c.estimate;
            let cell = |x: f64| format!("{x}");
            let ends = |i: Option<(f64, f64)>| match i {
                Some((lo, hi)) => [cell(lo), cell(hi)],
                None => [String::new(), String::new()],
            };
            let mut metric = MetricNote {
                metric: column.name.clone(),
                samples: c.samples,
                max_abs_delta_s1: None,
                max_abs_delta_st: None,
            };
            for (i, parameter) in self.axes.iter().enumerate() {
                let [s1_lo, s1_hi] = ends(e.s1_interval[i]);
                let [st_lo, st_hi] = ends(e.st_interval[i]);
                rows.push(vec![
                    column.name.clone(),
                    parameter.clone(),
                    cell(e.indices.s1[i]),
                    s1_lo,
                    s1_hi,
                    cell(e.indices.st[i]),
                    st_lo,
                    st_hi,
                ]);
                if let Some(h) = &c.half {
                    let d1 = (e.indices.s1[i] - h.s1[i]).abs();
                    let dt = (e.indices.st[i] - h.st[i]).abs();
                    for (max, d) in [
                        (&mut metric.max_abs_delta_s1, d1),
                        (&mut max_s1, d1),
                        (&mut metric.max_abs_delta_st, dt),
                        (&mut max_st, dt),
                    ] {
                        *max = Some(max.map_or(d, |m| m.max(d)));
                    }
                    if worst
                        .as_ref()
                        .is_none_or(|w| d1.max(dt) > w.abs_delta_s1.max(w.abs_delta_st))
                    {
                        worst = Some(LeastConverged {
                            metric: column.name.clone(),
                            parameter: parameter.clone(),
                            abs_delta_s1: d1,
                            abs_delta_st: dt,
                        });
                    }
                }
            }
            metrics.push(metric);
        }
        let note = SensitivityNote {
            file: SENSITIVITY_FILE.to_owned(),
            base_samples: self.samples,
            dropped_samples: self.samples - usable.len() as u64,
            bootstrap_resamples: BOOTSTRAP_RESAMPLES,
            confidence: CONFIDENCE,
            bootstrap_seed: seed,
            metrics,
            skipped,
            convergence: ConvergenceNote {
                half_samples: half,
                max_abs_delta_s1: max_s1,
                max_abs_delta_st: max_st,
                least_converged: worst,
            },
        };
        (rows, note)
    }
}

/// One column's indices.
struct ColumnIndices {
    samples: u64,
    estimate: Estimate,
    /// From the base samples among the first N/2 (`None` if they give none).
    half: Option<Indices>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A results.csv of a one-axis Saltelli sweep (3 points per base sample) of 4 base samples.
    fn table(rows: &[&str]) -> Result<Table, SweepError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(RESULTS_FILE);
        let mut text =
            "index,k,status,error,out,gappy,grade,flat,pre_beats_to_steady_state\n".to_owned();
        for r in rows {
            text.push_str(r);
            text.push('\n');
        }
        std::fs::write(&path, text).unwrap();
        Table::read(&path, &["k".to_owned()], rows.len() as u64)
    }

    #[test]
    fn failing_points_drop_their_sample_and_odd_columns_are_skipped_with_a_reason() {
        // out = k²: point index, k, status; sample 2 has an error point; gappy is undefined at
        // one point of sample 0; rows in any order.
        let rows = [
            "0,0.1,ok,,0.01,1,mild,5,3",
            "2,0.9,ok,,0.81,2,mild,5,2",
            "1,0.9,ok,,0.81,,mild,5,2",
            "3,0.3,ok,,0.09,3,mild,5,4",
            "4,0.6,ok,,0.36,4,severe,5,2",
            "5,0.6,ok,,0.36,5,mild,5,2",
            "6,0.2,ok,,0.04,6,mild,5,2",
            "7,0.7,error,no,,,,,",
            "8,0.7,ok,,0.49,8,mild,5,2",
            "9,0.5,ok,,0.25,9,mild,5,2",
            "10,0.4,ok,,0.16,10,mild,5,2",
            "11,0.4,ok,,0.16,11,mild,5,2",
        ];
        let (csv_rows, note) = table(&rows).unwrap().indices(1);
        assert_eq!((note.base_samples, note.dropped_samples), (4, 1));
        let used: Vec<(&str, u64)> = note
            .metrics
            .iter()
            .map(|m| (m.metric.as_str(), m.samples))
            .collect();
        assert_eq!(used, [("out", 3), ("gappy", 2)]);
        let skipped: Vec<(&str, &str)> = note
            .skipped
            .iter()
            .map(|s| (s.metric.as_str(), s.reason.as_str()))
            .collect();
        assert_eq!(skipped[0].0, "grade");
        assert!(skipped[0].1.starts_with("not numeric"));
        assert_eq!(skipped[1].0, "flat");
        assert!(skipped[1].1.starts_with("constant"));
        assert_eq!(skipped[2].0, "pre_beats_to_steady_state");
        assert!(skipped[2].1.contains("solver"));
        // The indices by hand from samples 0, 1, 3: f(A) = 0.01, 0.09, 0.25; f(AB) = f(B) =
        // 0.81, 0.36, 0.16; mean 0.28, V = 0.4116/6; S1 = mean[(f(B) − 0.28)(f(AB) − f(A))]/V =
        // (0.4564/3)/V; ST = mean[(f(A) − f(AB))²]/(2V) = (0.721/3)/(2V).
        assert_eq!(csv_rows.len(), 2);
        assert_eq!(csv_rows[0][..2], ["out".to_owned(), "k".to_owned()]);
        let v = 0.4116 / 6.0;
        let s1: f64 = csv_rows[0][2].parse().unwrap();
        let st: f64 = csv_rows[0][5].parse().unwrap();
        assert!((s1 - 0.4564 / 3.0 / v).abs() < 1e-12, "{s1}");
        assert!((st - 0.721 / 3.0 / (2.0 * v)).abs() < 1e-12, "{st}");
        assert_eq!(note.convergence.half_samples, 2);
    }

    #[test]
    fn a_metric_with_one_usable_base_sample_is_skipped_not_estimated() {
        // Samples 1 and 3 have an error point, sample 2 a gap in `gappy` and `out`: one base
        // sample (0) is left, whose "indices" would be a ratio of two numbers' spread.
        let rows = [
            "0,0.1,ok,,0.01,1,mild,5,3",
            "1,0.9,ok,,0.81,2,mild,5,2",
            "2,0.9,ok,,0.81,3,mild,5,2",
            "3,0.3,ok,,0.09,3,mild,5,4",
            "4,0.6,error,no,,,,,",
            "5,0.6,ok,,0.36,5,mild,5,2",
            "6,0.2,ok,,,6,mild,5,2",
            "7,0.7,ok,,0.49,,mild,5,2",
            "8,0.7,ok,,0.49,8,mild,5,2",
            "9,0.5,ok,,0.25,9,mild,5,2",
            "10,0.4,ok,,0.16,10,mild,5,2",
            "11,0.4,error,no,,,,,",
        ];
        let (csv_rows, note) = table(&rows).unwrap().indices(1);
        assert_eq!((note.base_samples, note.dropped_samples), (4, 2));
        assert!(csv_rows.is_empty(), "{csv_rows:?}");
        for metric in ["out", "gappy"] {
            let reason = &note
                .skipped
                .iter()
                .find(|s| s.metric == metric)
                .unwrap()
                .reason;
            assert!(
                reason.contains("at least 2 are needed"),
                "{metric}: {reason}"
            );
        }
    }

    #[test]
    fn a_table_with_a_missing_or_doubled_row_is_refused() {
        let row = |i: usize| format!("{i},0.5,ok,,0.25,1,mild,5,2");
        let mut rows: Vec<String> = (0..6).map(row).collect();
        rows[5] = row(4);
        let refs: Vec<&str> = rows.iter().map(String::as_str).collect();
        let e = table(&refs).err().unwrap().to_string();
        assert!(e.contains("point 4 has two rows"), "{e}");
        let e = table(&refs[..5]).err().unwrap().to_string();
        assert!(e.contains("not a whole number of base samples"), "{e}");
    }
}
