//! sweep.json: what a results.csv is the result of, and how far it got.
//!
//! Why: results.csv alone cannot say which sweep file, scenario and mitralsim produced it, nor
//! whether it is complete. `--resume` and `merge` read this to refuse mixing rows of different
//! sweeps; a researcher reads it to cite the run.

use std::fs;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::SweepError;
use super::results::Counts;
use super::shard::Shard;
use super::spec::{SweepSpec, MAX_CHUNK_POINTS};
use crate::output::atomic::write_atomic;

pub const MANIFEST_FILE: &str = "sweep.json";

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
    /// The sweep file as named on the command line, and the SHA-256 of its bytes.
    pub sweep_file: String,
    pub sweep_sha256: String,
    /// The base scenario file and the SHA-256 of its resolved form (as `run` reports it).
    pub scenario_file: String,
    pub scenario_sha256: String,
    pub mode: String,
    pub seed: Option<u64>,
    pub convergence: String,
    /// Axis key paths, in column order.
    pub axes: Vec<String>,
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
}

impl Manifest {
    /// A manifest for `spec` run as `shard`, before anything is written.
    pub fn new(spec: &SweepSpec, shard: Option<Shard>, jobs: usize) -> Self {
        let points = spec.points.len();
        let shard_points = shard
            .unwrap_or(Shard::ALL)
            .points_of(points, spec.chunk_points);
        Self {
            mitralsim_version: MITRALSIM_VERSION.to_owned(),
            sweep_file: spec.path.display().to_string(),
            sweep_sha256: spec.sha256.clone(),
            scenario_file: spec.scenario_path.display().to_string(),
            scenario_sha256: spec.base.sha256.clone(),
            mode: spec.mode.as_str().to_owned(),
            seed: spec.seed,
            convergence: spec.convergence.as_str().to_owned(),
            axes: spec.axes.iter().map(|a| a.key.clone()).collect(),
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
        }
    }

    /// Why `other` is not the same sweep as `self`, if it is not: same sweep file content,
    /// base scenario, mitralsim version and design.
    pub fn mismatch(&self, other: &Manifest) -> Option<String> {
        let checks: [(&str, String, String); 6] = [
            (
                "mitralsim version",
                self.mitralsim_version.clone(),
                other.mitralsim_version.clone(),
            ),
            (
                "sweep file (sha256)",
                self.sweep_sha256.clone(),
                other.sweep_sha256.clone(),
            ),
            (
                "base scenario (sha256)",
                self.scenario_sha256.clone(),
                other.scenario_sha256.clone(),
            ),
            ("points", self.points.to_string(), other.points.to_string()),
            (
                "chunk_points",
                self.chunk_points.to_string(),
                other.chunk_points.to_string(),
            ),
            (
                "convergence",
                self.convergence.clone(),
                other.convergence.clone(),
            ),
        ];
        checks
            .into_iter()
            .find(|(_, a, b)| a != b)
            .map(|(what, a, b)| format!("{what} differs: {a} here, {b} there"))
    }

    /// Read `dir`/sweep.json.
    pub fn read(dir: &Path) -> Result<Self, SweepError> {
        let path = dir.join(MANIFEST_FILE);
        let text = fs::read_to_string(&path).map_err(|e| {
            SweepError::Refused(format!(
                "{} is not a sweep output directory: cannot read {}: {e}",
                dir.display(),
                path.display()
            ))
        })?;
        let manifest: Manifest = serde_json::from_str(&text).map_err(|e| {
            SweepError::Refused(format!("{}: not a valid sweep.json: {e}", path.display()))
        })?;
        manifest.check().map_err(|why| {
            SweepError::Refused(format!(
                "{}: not a valid sweep.json: {why} (was it edited by hand?)",
                path.display()
            ))
        })?;
        Ok(manifest)
    }

    /// The numbers that `resume` and `merge` index and divide by must fit together.
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
