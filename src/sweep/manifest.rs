//! sweep.json: what a results.csv is the result of, and how far it got.
//!
//! Why: results.csv alone cannot say which sweep file, scenario and mitralsim produced it, nor
//! whether it is complete. `--resume` and `merge` read this to refuse mixing rows of different
//! sweeps; a researcher reads it to cite the run.
//!
//! A sweep's identity (`sweep_id`) is the SHA-256 of its parsed, normalised content — design,
//! axes as given, base scenario as resolved — not of the sweep file's bytes: a comment or a
//! reformatted line does not make another sweep, a changed value does.

use std::fs;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::SweepError;
use super::results::Counts;
use super::sensitivity_csv::SensitivityNote;
use super::shard::Shard;
use super::spec::{hex_sha256, SweepSpec, MAX_CHUNK_POINTS};
use crate::commands::RESOLVED_SCENARIO_FILE;
use crate::output::atomic::write_atomic;

pub const MANIFEST_FILE: &str = "sweep.json";

/// The copy of the sweep file in its output directory.
pub const SWEEP_COPY_FILE: &str = "sweep.toml";

/// The inputs a sweep's output directory holds beside sweep.json: the sweep file as given, and
/// the base scenario resolved as `run` writes it (every default and preset value written out).
pub const INPUT_COPIES: [&str; 2] = [SWEEP_COPY_FILE, RESOLVED_SCENARIO_FILE];

/// Write `spec`'s [`INPUT_COPIES`] into `dir`, each atomically.
pub fn write_inputs(dir: &Path, spec: &SweepSpec) -> Result<(), SweepError> {
    let texts = [&spec.text, &spec.base.resolved_toml];
    INPUT_COPIES.iter().zip(texts).try_for_each(|(name, text)| {
        let path = dir.join(name);
        write_atomic(&path, |w| w.write_all(text.as_bytes()))
            .map_err(|e| SweepError::io("write", path.clone(), e))
    })
}

/// Copy the [`INPUT_COPIES`] that `from` holds into `to` (a merge: from its first shard).
pub fn copy_inputs(from: &Path, to: &Path) -> Result<(), SweepError> {
    for name in INPUT_COPIES {
        let source = from.join(name);
        let bytes = match fs::read(&source) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(SweepError::io("read", source, e)),
        };
        let path = to.join(name);
        write_atomic(&path, |w| w.write_all(&bytes))
            .map_err(|e| SweepError::io("write", path.clone(), e))?;
    }
    Ok(())
}

/// The mitralsim that writes the files.
pub const MITRALSIM_VERSION: &str = env!("CARGO_PKG_VERSION");

/// How far a results.csv got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Being written (or the process was killed).
    Running,
    /// Every point of the sweep (or shard) has its row.
    Finished,
    /// Stopped by Ctrl-C: the rows written are valid; `--resume` continues.
    Interrupted,
    /// Stopped by a write error (e.g. a full disk): the rows written are valid.
    WriteFailed,
}

/// The content of sweep.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub mitralsim_version: String,
    /// The SHA-256 of the sweep's identity ([`Manifest::identity`]): what `--resume` and
    /// `merge` compare.
    pub sweep_id: String,
    /// The sweep file as named on the command line, and the SHA-256 of its bytes (provenance
    /// only: a comment changes it, not the identity).
    pub sweep_file: String,
    pub sweep_sha256: String,
    /// The base scenario file and the SHA-256 of its resolved form (as `run` reports it).
    pub scenario_file: String,
    pub scenario_sha256: String,
    pub mode: String,
    /// `samples` of a design that has them (`null` for a grid).
    pub samples: Option<u64>,
    pub seed: Option<u64>,
    pub convergence: String,
    /// The axes in column order, each with how its values were given.
    pub axes: Vec<AxisRecord>,
    /// Points of the whole sweep.
    pub points: u64,
    /// Points per warm-start chunk (the unit of sharding and resume).
    pub chunk_points: u64,
    /// `null` for an unsharded run (and a merge).
    pub shard: Option<Shard>,
    /// Points this directory must hold: the shard's share, or all.
    pub shard_points: u64,
    pub status: RunStatus,
    /// Rows in results.csv, by status.
    pub counts: Counts,
    /// Points of this directory without a row yet.
    pub missing: u64,
    /// Worker threads of the last run (`null` for a merge).
    pub jobs: Option<usize>,
    /// Wall time of the last run, s (for a merge: the sum over its shards).
    pub wall_time_s: f64,
    /// Points computed by the last run per second of its wall time.
    pub points_per_second: Option<f64>,
    /// The shard directories a merge read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_from: Option<Vec<String>>,
    /// A finished `saltelli` sweep (or its merge): what sensitivity.csv holds, and how far its
    /// indices moved from N/2 to N base samples.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitivity: Option<SensitivityNote>,
}

/// One axis in sweep.json: `{"key": "heart.rate_bpm", "values": [60, 75, 90]}`, or with
/// `linspace`, `logspace`, `range`... instead of `values` ([`super::spec::Axis::given`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AxisRecord {
    pub key: String,
    #[serde(flatten)]
    pub given: serde_json::Map<String, serde_json::Value>,
}

/// What makes a sweep this sweep: everything that decides its points and their rows, in a
/// fixed order (hashed as JSON into `sweep_id`). Not in it: the file names, `max_points` (a
/// cap, not a value), comments and formatting.
#[derive(Serialize)]
struct Identity<'a> {
    mode: &'a str,
    samples: Option<u64>,
    seed: Option<u64>,
    convergence: &'a str,
    chunk_points: u64,
    scenario_sha256: &'a str,
    axes: &'a [AxisRecord],
}

impl Manifest {
    /// A manifest for `spec` run as `shard`, before anything is written.
    pub fn new(spec: &SweepSpec, shard: Option<Shard>, jobs: usize) -> Self {
        let points = spec.points.len();
        let shard_points = shard
            .unwrap_or(Shard::ALL)
            .points_of(points, spec.chunk_points);
        let mut manifest = Self {
            mitralsim_version: MITRALSIM_VERSION.to_owned(),
            sweep_id: String::new(),
            sweep_file: spec.path.display().to_string(),
            sweep_sha256: spec.sha256.clone(),
            scenario_file: spec.scenario_path.display().to_string(),
            scenario_sha256: spec.base.sha256.clone(),
            mode: spec.mode.as_str().to_owned(),
            samples: spec.samples,
            seed: spec.seed,
            convergence: spec.convergence.as_str().to_owned(),
            axes: spec
                .axes
                .iter()
                .map(|a| AxisRecord {
                    key: a.key.clone(),
                    given: a.given(),
                })
                .collect(),
            points,
            chunk_points: spec.chunk_points,
            shard,
            shard_points,
            status: RunStatus::Running,
            counts: Counts::default(),
            missing: shard_points,
            jobs: Some(jobs),
            wall_time_s: 0.0,
            points_per_second: None,
            merged_from: None,
            sensitivity: None,
        };
        manifest.sweep_id = manifest.identity();
        manifest
    }

    /// The axis key paths, in column order.
    pub fn axis_keys(&self) -> Vec<String> {
        self.axes.iter().map(|a| a.key.clone()).collect()
    }

    /// The SHA-256 of this manifest's identity fields ([`Identity`]) as compact JSON.
    pub fn identity(&self) -> String {
        let identity = Identity {
            mode: &self.mode,
            samples: self.samples,
            seed: self.seed,
            convergence: &self.convergence,
            chunk_points: self.chunk_points,
            scenario_sha256: &self.scenario_sha256,
            axes: &self.axes,
        };
        hex_sha256(&serde_json::to_vec(&identity).unwrap_or_default())
    }

    /// Why `other` is not the same sweep as `self`, if it is not: the same mitralsim version
    /// and sweep identity (design, axes and their values, base scenario), naming the first
    /// thing that differs.
    pub fn mismatch(&self, other: &Manifest) -> Option<String> {
        let differs = |what: &str, a: String, b: String| {
            (a != b).then(|| format!("{what} differs: {} here, {} there", short(&a), short(&b)))
        };
        let mut found = differs(
            "mitralsim version",
            self.mitralsim_version.clone(),
            other.mitralsim_version.clone(),
        );
        if found.is_none() && self.sweep_id != other.sweep_id {
            let fields: [(&str, String, String); 7] = [
                ("mode", self.mode.clone(), other.mode.clone()),
                ("samples", json(&self.samples), json(&other.samples)),
                ("seed", json(&self.seed), json(&other.seed)),
                (
                    "convergence",
                    self.convergence.clone(),
                    other.convergence.clone(),
                ),
                (
                    "chunk_points",
                    self.chunk_points.to_string(),
                    other.chunk_points.to_string(),
                ),
                (
                    "base scenario (sha256 of its resolved form)",
                    self.scenario_sha256.clone(),
                    other.scenario_sha256.clone(),
                ),
                (
                    "number of axes",
                    self.axes.len().to_string(),
                    other.axes.len().to_string(),
                ),
            ];
            found = fields
                .into_iter()
                .find_map(|(what, a, b)| differs(what, a, b))
                .or_else(|| {
                    self.axes
                        .iter()
                        .zip(&other.axes)
                        .enumerate()
                        .find_map(|(i, (a, b))| {
                            differs(&format!("axes[{i}] key"), a.key.clone(), b.key.clone())
                                .or_else(|| {
                                    given_difference(&a.given, &b.given).map(|why| {
                                        format!("axes[{i}] ({}) values differ: {why}", a.key)
                                    })
                                })
                        })
                })
                .or_else(|| {
                    differs(
                        "sweep identity (sweep_id)",
                        self.sweep_id.clone(),
                        other.sweep_id.clone(),
                    )
                });
        }
        found.or_else(|| differs("points", self.points.to_string(), other.points.to_string()))
    }

    /// Read `dir`/sweep.json. One written before sweeps had an identity (no `sweep_id`) is
    /// refused: it cannot be told whether it is the same sweep.
    pub fn read(dir: &Path) -> Result<Self, SweepError> {
        let path = dir.join(MANIFEST_FILE);
        let text = fs::read_to_string(&path).map_err(|e| {
            SweepError::Refused(format!(
                "{} is not a sweep output directory: cannot read {}: {e}",
                dir.display(),
                path.display()
            ))
        })?;
        let invalid = |e: serde_json::Error| {
            SweepError::Refused(format!("{}: not a valid sweep.json: {e}", path.display()))
        };
        let value: serde_json::Value = serde_json::from_str(&text).map_err(invalid)?;
        if value.get("mitralsim_version").is_some() && value.get("sweep_id").is_none() {
            return Err(SweepError::Refused(format!(
                "{}: written by mitralsim {} before sweeps had an identity (`sweep_id`): this \
                 mitralsim cannot tell whether it is the same sweep. Finish or merge it with \
                 that mitralsim, or run the sweep again into another directory",
                path.display(),
                value["mitralsim_version"].as_str().unwrap_or("(unknown)")
            )));
        }
        let manifest: Manifest = serde_json::from_value(value).map_err(invalid)?;
        manifest.check().map_err(|why| {
            SweepError::Refused(format!(
                "{}: not a valid sweep.json: {why} (was it edited by hand?)",
                path.display()
            ))
        })?;
        Ok(manifest)
    }

    /// The numbers that `resume` and `merge` index and divide by must fit together, and the
    /// identity must be that of the recorded design.
    fn check(&self) -> Result<(), String> {
        let max_chunk = MAX_CHUNK_POINTS as u64;
        if !(1..=max_chunk).contains(&self.chunk_points) {
            return Err(format!(
                "chunk_points = {}: must be between 1 and {max_chunk}",
                self.chunk_points
            ));
        }
        if let Some(s) = self.shard {
            if s.index == 0 || s.count == 0 || s.index > s.count {
                return Err(format!(
                    "shard = {{\"index\": {}, \"count\": {}}}: must be 1 ≤ index ≤ count",
                    s.index, s.count
                ));
            }
        }
        let expected = self
            .shard
            .unwrap_or(Shard::ALL)
            .points_of(self.points, self.chunk_points);
        if self.shard_points != expected {
            return Err(format!(
                "shard_points = {}: the shard has {expected} of the {} points",
                self.shard_points, self.points
            ));
        }
        if self.counts.total().checked_add(self.missing) != Some(self.shard_points) {
            return Err(format!(
                "counts ({} rows) and missing ({}) do not add up to shard_points ({})",
                self.counts.total(),
                self.missing,
                self.shard_points
            ));
        }
        if self.sweep_id != self.identity() {
            return Err(format!(
                "sweep_id {} is not the identity of the design it records",
                short(&self.sweep_id)
            ));
        }
        Ok(())
    }

    /// Write `dir`/sweep.json atomically (never half written).
    pub fn write(&self, dir: &Path) -> Result<(), SweepError> {
        let path = dir.join(MANIFEST_FILE);
        write_atomic(&path, |w| {
            serde_json::to_writer_pretty(&mut *w, self)?;
            w.write_all(b"\n")
        })
        .map_err(|e| SweepError::io("write", path.clone(), e))
    }
}

/// How two axes' recorded values differ, if they do: the first item that differs, or the whole
/// description (`linspace` here, `values` there).
fn given_difference(
    a: &serde_json::Map<String, serde_json::Value>,
    b: &serde_json::Map<String, serde_json::Value>,
) -> Option<String> {
    if a == b {
        return None;
    }
    let list = |m: &serde_json::Map<String, serde_json::Value>| {
        m.get("values").and_then(|v| v.as_array()).cloned()
    };
    Some(match (list(a), list(b)) {
        (Some(x), Some(y)) if x.len() != y.len() => {
            format!("{} values here, {} there", x.len(), y.len())
        }
        (Some(x), Some(y)) => {
            let (k, (u, v)) = x.iter().zip(&y).enumerate().find(|(_, (u, v))| u != v)?;
            format!(
                "item {k} is {} here, {} there",
                short(&json(u)),
                short(&json(v))
            )
        }
        _ => format!("{} here, {} there", short(&json(a)), short(&json(b))),
    })
}

/// Compact JSON of a recorded field, for messages.
fn json<T: Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// A value for a message: at most 120 characters.
fn short(text: &str) -> String {
    const MAX: usize = 120;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}
