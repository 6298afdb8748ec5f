//! `mitralsim merge DIR...`: the shards of one sweep joined into one results.csv, sorted by index.
//!
//! Why checked: shards run on different machines at different times; a shard of another sweep
//! file, scenario or mitralsim version, a shard run twice or missing, or an unfinished shard
//! would silently corrupt the joined table. Every shard's sweep.json must describe the same sweep
//! and shard count, every shard index must be there once, and every point must have exactly one
//! row, from the shard it belongs to. Memory: one slot (file, byte range) per point, never the
//! rows themselves.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::error::SweepError;
use super::manifest::{copy_inputs, Manifest, RunStatus, MANIFEST_FILE};
use super::results::{self, Counts, RESULTS_FILE};
use super::sensitivity_csv::{self, SENSITIVITY_FILE};
use super::shard::Shard;
use crate::output::atomic::write_atomic;
use crate::output::lock::create_and_lock;

/// What `merge` wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeOutcome {
    pub out_dir: PathBuf,
    pub points: u64,
    pub counts: Counts,
    pub shards: usize,
    /// sensitivity.csv, for the shards of a `saltelli` sweep.
    pub sensitivity: Option<PathBuf>,
}

impl std::fmt::Display for MergeOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.counts;
        write!(
            f,
            "merged {} shards: {} points ({} ok, {} not converged, {} errors) → {}",
            self.shards,
            self.points,
            c.ok,
            c.not_converged,
            c.error,
            self.out_dir.join(RESULTS_FILE).display()
        )?;
        if let Some(path) = &self.sensitivity {
            write!(f, "\nsensitivity indices → {}", path.display())?;
        }
        Ok(())
    }
}

/// Default output directory of a merge: `merged/` next to the first shard directory.
pub fn default_dir(dirs: &[PathBuf]) -> PathBuf {
    dirs.first()
        .and_then(|d| d.parent())
        .unwrap_or(Path::new("."))
        .join("merged")
}

/// Merge the shard directories `dirs` into `out` (default [`default_dir`]).
pub fn merge(dirs: &[PathBuf], out: Option<&Path>) -> Result<MergeOutcome, SweepError> {
    let refuse = |m: String| SweepError::Refused(m);
    let Some(first_dir) = dirs.first() else {
        return Err(refuse("merge needs at least one shard directory".into()));
    };
    let manifests: Vec<Manifest> = dirs
        .iter()
        .map(|d| Manifest::read(d))
        .collect::<Result<_, _>>()?;
    let reference = &manifests[0];
    let count = reference.shard.unwrap_or(Shard::ALL).count;
    // Shard indices seen, keyed by index: sized by the directories given, never by a count
    // read from a (possibly hand-edited) file.
    let mut seen: BTreeMap<u64, &Path> = BTreeMap::new();
    for (dir, m) in dirs.iter().zip(&manifests) {
        if let Some(why) = reference.mismatch(m) {
            return Err(refuse(format!(
                "{} and {} are not shards of the same sweep: {why}",
                first_dir.display(),
                dir.display()
            )));
        }
        let shard = m.shard.unwrap_or(Shard::ALL);
        if shard.count != count {
            return Err(refuse(format!(
                "{} is shard {shard} but {} is one of {count} shards: all shards must come from \
                 the same --shard I/N split",
                dir.display(),
                first_dir.display()
            )));
        }
        if let Some(other) = seen.insert(shard.index, dir) {
            return Err(refuse(format!(
                "shard {shard} is given twice: {} and {}",
                other.display(),
                dir.display()
            )));
        }
        if m.status != RunStatus::Finished || m.missing > 0 {
            return Err(refuse(format!(
                "shard {shard} in {} is not finished ({} of {} points missing, status {:?}): run \
                 it again with --resume",
                dir.display(),
                m.missing,
                m.shard_points,
                m.status
            )));
        }
    }
    if (seen.len() as u64) < count {
        let absent: Vec<String> = (1..=count)
            .filter(|i| !seen.contains_key(i))
            .take(10)
            .map(|i| format!("{i}/{count}"))
            .collect();
        let missing = count - seen.len() as u64;
        return Err(refuse(format!(
            "shard{} {}{} missing: give all {count} shard directories",
            if missing > 1 { "s" } else { "" },
            absent.join(", "),
            if missing > 10 { ", ..." } else { "" }
        )));
    }

    let out_dir = out.map_or_else(|| default_dir(dirs), Path::to_path_buf);
    let _lock = create_and_lock(&out_dir)?;
    for f in [RESULTS_FILE, MANIFEST_FILE, SENSITIVITY_FILE] {
        if out_dir.join(f).exists() {
            return Err(refuse(format!(
                "{} already holds a {f}: choose another --out",
                out_dir.display()
            )));
        }
    }

    let header = results::header(&reference.axis_keys());
    let n_axes = reference.axes.len();
    // slot[i] = (dir + 1, start, len); dir 0 = no row yet.
    let mut slots: Vec<(u32, u64, u32)> = Vec::new();
    let points = usize::try_from(reference.points).ok();
    points
        .and_then(|n| slots.try_reserve_exact(n).ok())
        .ok_or_else(|| {
            refuse(format!(
                "cannot merge {} points: their index needs {} bytes of memory, more than this \
                 machine can give",
                reference.points,
                reference.points.saturating_mul(16)
            ))
        })?;
    slots.resize(points.unwrap_or_default(), (0, 0, 0));
    let mut counts = Counts::default();
    for (k, (dir, m)) in dirs.iter().zip(&manifests).enumerate() {
        let shard = m.shard.unwrap_or(Shard::ALL);
        let path = dir.join(RESULTS_FILE);
        results::scan(&path, &header, |row| {
            let status = row.check(n_axes, None)?;
            let index = row.index.unwrap_or(u64::MAX);
            if index >= reference.points || !shard.owns_point(index, reference.chunk_points) {
                return Err(format!("point {index} does not belong to shard {shard}"));
            }
            let slot = &mut slots[index as usize];
            if slot.0 != 0 {
                return Err(format!(
                    "point {index} has a second row (the first is in {})",
                    dirs[slot.0 as usize - 1].display()
                ));
            }
            let len = u32::try_from(row.end - row.start)
                .map_err(|_| format!("the row of point {index} is over 4 GB long"))?;
            *slot = (k as u32 + 1, row.start, len);
            counts.add(status);
            Ok(())
        })
        .map_err(|m| refuse(format!("cannot merge: {m}")))?;
    }
    let missing: Vec<usize> = slots
        .iter()
        .enumerate()
        .filter(|(_, s)| s.0 == 0)
        .map(|(i, _)| i)
        .collect();
    if !missing.is_empty() {
        let shown: Vec<String> = missing.iter().take(10).map(|i| i.to_string()).collect();
        return Err(refuse(format!(
            "cannot merge: {} points have no row (points {}{})",
            missing.len(),
            shown.join(", "),
            if missing.len() > 10 { ", ..." } else { "" }
        )));
    }

    // The inputs of the sweep, which every shard's sweep_id says is one and the same.
    copy_inputs(first_dir, &out_dir)?;
    let out_path = out_dir.join(RESULTS_FILE);
    let mut sources: Vec<File> = dirs
        .iter()
        .map(|d| {
            let p = d.join(RESULTS_FILE);
            File::open(&p).map_err(|e| SweepError::io("read", p, e))
        })
        .collect::<Result<_, _>>()?;
    // Written whole or not at all (a full disk leaves no partial file, and merge can be retried).
    write_atomic(&out_path, |w| {
        w.write_all(results::line(&header).as_bytes())?;
        let mut buf = Vec::new();
        for &(k, start, len) in &slots {
            let src = &mut sources[k as usize - 1];
            buf.resize(len as usize, 0);
            src.seek(SeekFrom::Start(start))?;
            src.read_exact(&mut buf)?;
            w.write_all(&buf)?;
        }
        Ok(())
    })
    .map_err(|e| SweepError::io("write", &out_path, e))?;

    let mut merged = reference.clone();
    merged.shard = None;
    merged.shard_points = reference.points;
    merged.status = RunStatus::Finished;
    merged.counts = counts;
    merged.missing = 0;
    merged.jobs = None;
    merged.wall_time_s = manifests.iter().map(|m| m.wall_time_s).sum();
    merged.points_per_second = None;
    merged.merged_from = Some(dirs.iter().map(|d| d.display().to_string()).collect());
    // The same indices, byte for byte, as an unsharded run: computed from the merged rows.
    let note = sensitivity_csv::write_if_complete(&out_dir, &merged);
    let note = note.inspect_err(|_| {
        let _ = fs::remove_file(&out_path);
    })?;
    let sensitivity = note.is_some().then(|| out_dir.join(SENSITIVITY_FILE));
    merged.sensitivity = note;
    if let Err(e) = merged.write(&out_dir) {
        // Without its sweep.json the merged table is not complete: take it away so that the
        // merge can simply be run again.
        let _ = fs::remove_file(&out_path);
        return Err(e);
    }
    Ok(MergeOutcome {
        out_dir,
        points: reference.points,
        counts,
        shards: dirs.len(),
        sensitivity,
    })
}
