//! Opening the output directory: a fresh sweep, or `--resume` of an interrupted one.
//!
//! Why resume works by chunk: results.csv may end in a partly written line (a killed process) and
//! hold any subset of rows. Complete lines are kept, the partial one is cut off. A chunk whose
//! rows are all present is skipped; any other chunk is computed again from its first point (its
//! warm-start chain must be), and only its missing rows are written — so the finished file holds
//! exactly the rows, bit for bit, of an uninterrupted run.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::Path;

use super::error::SweepError;
use super::manifest::{Manifest, MANIFEST_FILE};
use super::results::{self, Counts, RESULTS_FILE};
use super::shard::Shard;

/// Which points already have a row: one bit per point of the sweep.
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
            bits: vec![0; points.div_ceil(64) as usize],
            points,
            chunk_points,
        }
    }

    pub fn contains(&self, index: u64) -> bool {
        index < self.points && self.bits[(index / 64) as usize] >> (index % 64) & 1 == 1
    }

    /// Mark `index`; `false` if it was already marked.
    pub fn insert(&mut self, index: u64) -> bool {
        let was = self.contains(index);
        self.bits[(index / 64) as usize] |= 1 << (index % 64);
        !was
    }

    /// Whether every point of chunk `chunk` has its row.
    pub fn chunk_complete(&self, chunk: u64) -> bool {
        super::chain::chunk_range(chunk, self.points, self.chunk_points).all(|i| self.contains(i))
    }
}

/// The output directory, ready to append rows to.
pub struct Opened {
    /// results.csv, positioned at its end (after the header and every complete row).
    pub file: File,
    /// Its length: everything before is complete lines.
    pub len: u64,
    /// Rows already there (empty for a fresh sweep).
    pub done: Option<Done>,
    pub counts: Counts,
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
    fs::create_dir_all(dir).map_err(|e| SweepError::io("create", dir, e))?;
    let path = dir.join(RESULTS_FILE);
    let mut file = File::create(&path).map_err(|e| SweepError::io("write", &path, e))?;
    let head = results::line(header);
    file.write_all(head.as_bytes())
        .map_err(|e| SweepError::io("write", &path, e))?;
    Ok(Opened {
        file,
        len: head.len() as u64,
        done: None,
        counts: Counts::default(),
    })
}

/// Continue the sweep in `dir`: its sweep.json must describe the same sweep and shard as
/// `manifest`; complete rows of results.csv are kept, a partial last line is cut off.
pub fn resume(dir: &Path, manifest: &Manifest, header: &[String]) -> Result<Opened, SweepError> {
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
    let scan = results::scan(&path, header, |row| {
        if row.index >= manifest.points || !shard.owns_point(row.index, manifest.chunk_points) {
            return Err(format!(
                "point {} is not a point of this sweep or shard",
                row.index
            ));
        }
        if !done.insert(row.index) {
            return Err(format!("point {} has two rows", row.index));
        }
        counts.add(row.status);
        Ok(())
    })
    .map_err(|m| SweepError::Refused(format!("cannot resume: {m}")))?;
    if scan.valid_len == 0 {
        return fresh_results(dir, header);
    }
    let file = OpenOptions::new()
        .write(true)
        .open(&path)
        .map_err(|e| SweepError::io("write", &path, e))?;
    if scan.valid_len < scan.file_len {
        // Cut the partly written last line of an interrupted write.
        file.set_len(scan.valid_len)
            .map_err(|e| SweepError::io("truncate", &path, e))?;
    }
    let mut file = file;
    use std::io::Seek;
    file.seek(std::io::SeekFrom::End(0))
        .map_err(|e| SweepError::io("write", &path, e))?;
    Ok(Opened {
        file,
        len: scan.valid_len,
        done: Some(done),
        counts,
    })
}

/// A new results.csv in an existing sweep directory.
fn fresh_results(dir: &Path, header: &[String]) -> Result<Opened, SweepError> {
    let path = dir.join(RESULTS_FILE);
    let _ = fs::remove_file(&path);
    let _ = fs::remove_file(dir.join(MANIFEST_FILE));
    fresh(dir, header)
}

/// Chunks of `points` that `shard` must still compute.
pub fn pending_chunk(chunk: u64, shard: Shard, done: Option<&Done>) -> bool {
    shard.owns_chunk(chunk) && done.is_none_or(|d| !d.chunk_complete(chunk))
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
        assert!(d.insert(3));
        assert!(!d.insert(3));
        assert!(d.contains(3) && !d.contains(4) && !d.contains(99));
        for i in 32..40 {
            d.insert(i);
        }
        assert!(d.chunk_complete(2), "the short last chunk");
        assert!(!d.chunk_complete(0));
        assert!(pending_chunk(0, Shard::ALL, Some(&d)));
        assert!(!pending_chunk(2, Shard::ALL, Some(&d)));
        assert!(!pending_chunk(1, Shard { index: 1, count: 2 }, None));
    }
}
