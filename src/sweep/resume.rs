//! Opening the output directory: a fresh sweep, or `--resume` of an interrupted one.
//!
//! Why resume works by chunk: results.csv may end in a partly written line (a killed process) and
//! hold any subset of rows. Complete lines are kept, the partial one is cut off. A chunk whose
//! rows are all present is skipped; any other chunk is computed again from its first point (its
//! warm-start chain must be), and only its missing rows are written — so the finished file holds
//! exactly the rows, bit for bit, of an uninterrupted run.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use super::error::SweepError;
use super::manifest::{Manifest, MANIFEST_FILE};
use super::results::{self, Counts, Status, RESULTS_FILE};
use super::shard::Shard;
use crate::output::atomic::write_atomic;

/// Which points already have a row: one bit per point, grown as far as the highest index found
/// (so its memory is bounded by what the file holds, never by a huge sweep's size).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    bits: Vec<u64>,
    points: u64,
    chunk_points: u64,
}

impl Done {
    /// Nothing done yet of `points` points in chunks of `chunk_points`.
    pub fn new(points: u64, chunk_points: u64) -> Self {
        Self {
            bits: Vec::new(),
            points,
            chunk_points,
        }
    }

    pub fn contains(&self, index: u64) -> bool {
        index < self.points
            && usize::try_from(index / 64)
                .ok()
                .and_then(|w| self.bits.get(w))
                .is_some_and(|word| word >> (index % 64) & 1 == 1)
    }

    /// Mark `index` (< the sweep's points); `Ok(false)` if it was already marked, an error if
    /// the table cannot grow that far.
    pub fn insert(&mut self, index: u64) -> Result<bool, String> {
        let was = self.contains(index);
        let too_big = || {
            format!(
                "point {index}: a table of the points done up to it needs {} bytes, more than \
                 this machine can give",
                (index / 64 + 1).saturating_mul(8)
            )
        };
        let word = usize::try_from(index / 64).map_err(|_| too_big())?;
        if word >= self.bits.len() {
            self.bits
                .try_reserve(word + 1 - self.bits.len())
                .map_err(|_| too_big())?;
            self.bits.resize(word + 1, 0);
        }
        self.bits[word] |= 1 << (index % 64);
        Ok(!was)
    }

    /// Whether every point of chunk `chunk` has its row.
    pub fn chunk_complete(&self, chunk: u64) -> bool {
        super::chain::chunk_range(chunk, self.points, self.chunk_points).all(|i| self.contains(i))
    }
}

/// The output directory, ready to append rows to.
pub struct Opened {
    /// results.csv, opened for appending (after the header and every kept row).
    pub file: File,
    /// Its length: everything before is complete lines.
    pub len: u64,
    /// Rows already there (empty for a fresh sweep).
    pub done: Option<Done>,
    pub counts: Counts,
    /// Damaged rows that resume dropped (their points are computed again), one line each.
    pub dropped: Vec<String>,
}

/// What a kept row must look like: the axis cells of point `index`, and whether a point with
/// metrics must also have its waveforms file.
pub struct Expected<'a> {
    pub axis_cells: &'a (dyn Fn(u64) -> Vec<String> + Sync),
    pub waveforms_dir: Option<&'a Path>,
}

/// A fresh output directory for `manifest`'s sweep: refused if it already holds a sweep.
pub fn fresh(dir: &Path, header: &[String]) -> Result<Opened, SweepError> {
    for f in [RESULTS_FILE, MANIFEST_FILE] {
        if dir.join(f).exists() {
            return Err(SweepError::Refused(format!(
                "{} already holds a sweep ({f}): continue it with --resume, or choose another \
                 --out",
                dir.display()
            )));
        }
    }
    let path = dir.join(RESULTS_FILE);
    let head = results::line(header);
    write_atomic(&path, |w| w.write_all(head.as_bytes()))
        .map_err(|e| SweepError::io("write", &path, e))?;
    Ok(Opened {
        file: open_append(&path)?,
        len: head.len() as u64,
        done: None,
        counts: Counts::default(),
        dropped: Vec::new(),
    })
}

/// Continue the sweep in `dir`: its sweep.json must describe the same sweep and shard as
/// `manifest`. Every complete row of results.csv is checked in full (each field against its
/// column's type, the axis cells against the point's values, its waveforms file if asked for);
/// a damaged or duplicated row is dropped (the file is rewritten without it) and its point
/// computed again; a partial last line is cut off.
pub fn resume(
    dir: &Path,
    manifest: &Manifest,
    header: &[String],
    expected: &Expected<'_>,
) -> Result<Opened, SweepError> {
    if !dir.join(MANIFEST_FILE).exists() && !dir.join(RESULTS_FILE).exists() {
        // Nothing to resume (e.g. a job array's first attempt with --resume): start afresh.
        return fresh(dir, header);
    }
    let before = Manifest::read(dir)?;
    if let Some(why) = manifest.mismatch(&before) {
        return Err(SweepError::Refused(format!(
            "cannot resume in {}: it holds another sweep ({why})",
            dir.display()
        )));
    }
    if before.shard != manifest.shard {
        let show = |s: Option<Shard>| s.map_or("no --shard".to_owned(), |s| format!("--shard {s}"));
        return Err(SweepError::Refused(format!(
            "cannot resume in {}: it was run with {}, this is {}",
            dir.display(),
            show(before.shard),
            show(manifest.shard)
        )));
    }
    let path = dir.join(RESULTS_FILE);
    if !path.exists() {
        return fresh_results(dir, header);
    }
    let shard = manifest.shard.unwrap_or(Shard::ALL);
    let mut done = Done::new(manifest.points, manifest.chunk_points);
    let mut counts = Counts::default();
    let mut kept: Vec<(u64, u64)> = Vec::new();
    let mut dropped: Vec<String> = Vec::new();
    let scan = results::scan(&path, header, |row| {
        let verdict = (|| {
            let Some(index) = row.index else {
                return Err(row.check(0, None).err().unwrap_or_default());
            };
            if index >= manifest.points || !shard.owns_point(index, manifest.chunk_points) {
                return Err(format!(
                    "point {index} is not a point of this sweep or shard"
                ));
            }
            let cells = (expected.axis_cells)(index);
            let status = row.check(cells.len(), Some(&cells))?;
            if let (Some(wdir), false) = (expected.waveforms_dir, status == Status::Error) {
                let file = wdir.join(point_waveforms_name(index));
                if !file.is_file() {
                    return Err(format!("its waveforms file {} is missing", file.display()));
                }
            }
            if done.contains(index) {
                return Err(format!("point {index} already has a row"));
            }
            Ok((index, status))
        })();
        match verdict {
            Ok((index, status)) => {
                done.insert(index)?;
                counts.add(status);
                kept.push((row.start, row.end));
            }
            Err(why) => dropped.push(format!("{}:{}: {why}", path.display(), row.line)),
        }
        Ok(())
    })
    .map_err(|m| SweepError::Refused(format!("cannot resume: {m}")))?;
    if scan.header_len == 0 {
        return fresh_results(dir, header);
    }
    if dropped.is_empty() {
        if scan.valid_len < scan.file_len {
            // Cut the partly written last line of an interrupted write.
            OpenOptions::new()
                .write(true)
                .open(&path)
                .and_then(|f| f.set_len(scan.valid_len))
                .map_err(|e| SweepError::io("truncate", &path, e))?;
        }
    } else {
        keep_only(&path, scan.header_len, &kept)?;
    }
    let len = scan.header_len + kept.iter().map(|(s, e)| e - s).sum::<u64>();
    Ok(Opened {
        file: open_append(&path)?,
        len,
        done: Some(done),
        counts,
        dropped,
    })
}

/// Rewrite results.csv (atomically) with its header and the byte ranges `kept` only.
fn keep_only(path: &Path, header_len: u64, kept: &[(u64, u64)]) -> Result<(), SweepError> {
    let mut source = File::open(path).map_err(|e| SweepError::io("read", path, e))?;
    write_atomic(path, |w| {
        let mut copy = |start: u64, end: u64| -> std::io::Result<()> {
            source.seek(SeekFrom::Start(start))?;
            std::io::copy(&mut (&mut source).take(end - start), w)?;
            Ok(())
        };
        copy(0, header_len)?;
        kept.iter().try_for_each(|&(s, e)| copy(s, e))
    })
    .map_err(|e| SweepError::io("rewrite", path, e))
}

fn open_append(path: &Path) -> Result<File, SweepError> {
    OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|e| SweepError::io("write", path, e))
}

/// The file name of point `index`'s waveforms inside the sweep's waveforms directory.
pub fn point_waveforms_name(index: u64) -> String {
    format!("point-{index}.csv")
}

/// A new results.csv in an existing sweep directory.
fn fresh_results(dir: &Path, header: &[String]) -> Result<Opened, SweepError> {
    let path = dir.join(RESULTS_FILE);
    let _ = fs::remove_file(&path);
    let _ = fs::remove_file(dir.join(MANIFEST_FILE));
    fresh(dir, header)
}

/// Number of chunks of a sweep of `points` points in chunks of `chunk_points`.
pub fn chunk_count(points: u64, chunk_points: u64) -> u64 {
    points.div_ceil(chunk_points)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn done_tracks_points_and_chunks() {
        let mut d = Done::new(40, 16);
        assert_eq!(d.insert(3), Ok(true));
        assert_eq!(d.insert(3), Ok(false));
        assert!(d.contains(3) && !d.contains(4) && !d.contains(99));
        for i in 32..40 {
            d.insert(i).unwrap();
        }
        assert!(d.chunk_complete(2), "the short last chunk");
        assert!(!d.chunk_complete(0));
    }

    #[test]
    fn done_of_a_huge_sweep_costs_only_what_its_rows_need() {
        let mut d = Done::new(u64::MAX, 64);
        assert_eq!(d.insert(5), Ok(true));
        assert!(d.contains(5) && !d.contains(1 << 60));
        let err = d.insert(u64::MAX - 1).unwrap_err();
        assert!(err.contains("more than this machine can give"), "{err}");
    }
}
