//! `mitralsim merge DIR...`: the shards of one sweep joined into one results.csv, sorted by index.
//!
//! Why checked: shards run on different machines at different times; a shard of another sweep
//! file, scenario or mitralsim version, a shard run twice or missing, or an unfinished shard
//! would silently corrupt the joined table. Every shard's sweep.json must describe the same sweep
//! and shard count, every shard index must be there once, and every point must have exactly one
//! row, from the shard it belongs to. Memory: one slot (file, byte range) per point, never the
//! rows themselves.

use std::fs::{self, File};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::error::SweepError;
use super::manifest::{Manifest, RunStatus};
use super::results::{self, Counts, RESULTS_FILE};
use super::shard::Shard;

/// What `merge` wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeOutcome {
    pub out_dir: PathBuf,
    pub points: u64,
    pub counts: Counts,
    pub shards: usize,
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
        )
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
    let mut seen: Vec<Option<&Path>> = vec![None; count as usize];
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
        if let Some(other) = seen[(shard.index - 1) as usize] {
            return Err(refuse(format!(
                "shard {shard} is given twice: {} and {}",
                other.display(),
                dir.display()
            )));
        }
        seen[(shard.index - 1) as usize] = Some(dir);
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
    let absent: Vec<String> = (1..=count)
        .filter(|i| seen[(*i - 1) as usize].is_none())
        .map(|i| format!("{i}/{count}"))
        .collect();
    if !absent.is_empty() {
        return Err(refuse(format!(
            "shard{} {} missing: give all {count} shard directories",
            if absent.len() > 1 { "s" } else { "" },
            absent.join(", ")
        )));
    }

    let header = results::header(&reference.axes);
    // slot[i] = (dir + 1, start, len); dir 0 = no row yet.
    let mut slots: Vec<(u32, u64, u32)> = vec![(0, 0, 0); reference.points as usize];
    let mut counts = Counts::default();
    for (k, (dir, m)) in dirs.iter().zip(&manifests).enumerate() {
        let shard = m.shard.unwrap_or(Shard::ALL);
        let path = dir.join(RESULTS_FILE);
        results::scan(&path, &header, |row| {
            if row.index >= reference.points || !shard.owns_point(row.index, reference.chunk_points)
            {
                return Err(format!(
                    "point {} does not belong to shard {shard}",
                    row.index
                ));
            }
            let slot = &mut slots[row.index as usize];
            if slot.0 != 0 {
                return Err(format!(
                    "point {} has a second row (the first is in {})",
                    row.index,
                    dirs[slot.0 as usize - 1].display()
                ));
            }
            *slot = (k as u32 + 1, row.start, (row.end - row.start) as u32);
            counts.add(row.status);
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

    let out_dir = out.map_or_else(|| default_dir(dirs), Path::to_path_buf);
    if out_dir.join(RESULTS_FILE).exists() {
        return Err(refuse(format!(
            "{} already holds a results.csv: choose another --out",
            out_dir.display()
        )));
    }
    fs::create_dir_all(&out_dir).map_err(|e| SweepError::io("create", &out_dir, e))?;
    let out_path = out_dir.join(RESULTS_FILE);
    let write_err = |e| SweepError::io("write", &out_path, e);
    let mut sources: Vec<File> = dirs
        .iter()
        .map(|d| {
            let p = d.join(RESULTS_FILE);
            File::open(&p).map_err(|e| SweepError::io("read", p, e))
        })
        .collect::<Result<_, _>>()?;
    let mut w = BufWriter::new(File::create(&out_path).map_err(write_err)?);
    w.write_all(results::line(&header).as_bytes())
        .map_err(write_err)?;
    let mut buf = Vec::new();
    for (i, &(k, start, len)) in slots.iter().enumerate() {
        let src = &mut sources[k as usize - 1];
        buf.resize(len as usize, 0);
        src.seek(SeekFrom::Start(start))
            .and_then(|_| src.read_exact(&mut buf))
            .map_err(|e| SweepError::io("read", dirs[k as usize - 1].join(RESULTS_FILE), e))?;
        debug_assert!(buf.starts_with(format!("{i},").as_bytes()));
        w.write_all(&buf).map_err(write_err)?;
    }
    w.flush().map_err(write_err)?;

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
    merged.write(&out_dir)?;
    Ok(MergeOutcome {
        out_dir,
        points: reference.points,
        counts,
        shards: dirs.len(),
    })
}
