//! `mitralsim sweep`: chunks in parallel on a rayon pool, rows streamed to results.csv by one
//! writer thread.
//!
//! Why this shape: workers never touch the file — each finished point becomes a complete CSV line
//! sent over a bounded channel, and the writer appends lines and flushes whenever the channel is
//! empty, so every row is on disk moments after its point is done and the file only ever holds
//! whole rows (plus, after a kill, at most one partial line that `--resume` cuts off). Memory
//! stays flat however large the sweep: points are generated from their index, chunks come from
//! a range, and rows are never collected.

use std::fmt;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::time::Instant;

use rayon::prelude::*;

use super::chain;
use super::error::SweepError;
use super::manifest::{Manifest, RunStatus, MANIFEST_FILE};
use super::progress::Progress;
use super::results::{self, Counts, Row, RESULTS_FILE};
use super::resume::{self, chunk_count, pending_chunk, Opened};
use super::shard::Shard;
use super::spec;
use crate::commands::exit_code;

/// What `mitralsim sweep` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepOptions {
    pub sweep_file: PathBuf,
    /// Output directory [default: output/sweeps/<sweep file stem>/, plus shard-I-of-N/ with
    /// --shard].
    pub out: Option<PathBuf>,
    /// Worker threads [default: all cores].
    pub jobs: Option<usize>,
    pub shard: Option<Shard>,
    pub resume: bool,
    /// Also write each point's converged beats to DIR/waveforms/point-<index>.csv (small sweeps
    /// only: at most [`MAX_WAVEFORM_POINTS`] points), for the PV-loop family figure.
    pub waveforms: bool,
}

/// Largest sweep whose per-point waveforms `--waveforms` writes (≈ 0.5 MB per point).
pub const MAX_WAVEFORM_POINTS: u64 = 100;

/// Directory of the per-point waveforms inside a sweep's output directory.
pub const WAVEFORMS_DIR: &str = "waveforms";

/// DIR/waveforms/point-<index>.csv: the point's pre (and post) beat as in a run's waveforms.csv.
fn write_point_waveforms(
    dir: &Path,
    index: u64,
    result: &crate::simulate::Comparison,
    step_s: f64,
) -> Result<(), String> {
    let pre = result.pre.waveforms(step_s);
    let post = result.post.as_ref().map(|p| p.sim.waveforms(step_s));
    let mut beats = vec![("pre", &pre)];
    beats.extend(post.as_ref().map(|b| ("post", b)));
    let path = dir.join(WAVEFORMS_DIR).join(format!("point-{index}.csv"));
    let file = std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    crate::output::waveforms_csv::write(&beats, std::io::BufWriter::new(file))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// How a sweep run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepOutcome {
    pub out_dir: PathBuf,
    /// Rows in results.csv by status (including rows of earlier runs when resumed).
    pub counts: Counts,
    /// Points of this directory (the shard's share, or all).
    pub points: u64,
    /// Points computed by this run.
    pub computed: u64,
    pub interrupted: bool,
    pub jobs: usize,
    pub wall_time_s: f64,
}

impl SweepOutcome {
    /// 0 all points ok; 5 finished, some points failed; 130 interrupted.
    pub fn exit_code(&self) -> i32 {
        if self.interrupted {
            exit_code::INTERRUPTED
        } else if self.counts.failed() > 0 {
            exit_code::POINTS_FAILED
        } else {
            exit_code::OK
        }
    }
}

impl fmt::Display for SweepOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.counts;
        let rate = self.computed as f64 / self.wall_time_s.max(1e-9);
        write!(
            f,
            "{} of {} points: {} ok, {} not converged, {} errors ({} computed in {:.1} s, {:.0} \
             points/s on {} threads) → {}",
            c.total(),
            self.points,
            c.ok,
            c.not_converged,
            c.error,
            self.computed,
            self.wall_time_s,
            rate,
            self.jobs,
            self.out_dir.join(RESULTS_FILE).display()
        )?;
        if self.interrupted {
            write!(f, "\ninterrupted: continue with --resume")?;
        }
        Ok(())
    }
}

/// Default output directory of a sweep file.
pub fn default_dir(sweep_file: &Path, shard: Option<Shard>) -> PathBuf {
    let stem = sweep_file
        .file_stem()
        .map_or_else(|| "sweep".into(), |s| s.to_string_lossy().into_owned());
    let dir = Path::new("output").join("sweeps").join(stem);
    match shard {
        Some(s) => dir.join(format!("shard-{}-of-{}", s.index, s.count)),
        None => dir,
    }
}

/// `mitralsim sweep`: validate the sweep file, then compute every pending point of the shard,
/// writing rows as they finish. Raising `stop` (Ctrl-C) ends the run cleanly after the points in
/// progress.
pub fn sweep(opts: &SweepOptions, stop: &AtomicBool) -> Result<SweepOutcome, SweepError> {
    let started = Instant::now();
    let spec = spec::load(&opts.sweep_file)?;
    let jobs = opts
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let dir = opts
        .out
        .clone()
        .unwrap_or_else(|| default_dir(&opts.sweep_file, opts.shard));
    if opts.waveforms && spec.points.len() > MAX_WAVEFORM_POINTS {
        return Err(SweepError::Refused(format!(
            "--waveforms writes one file per point: this sweep has {} points, at most {} are \
             allowed",
            spec.points.len(),
            MAX_WAVEFORM_POINTS
        )));
    }
    let keys: Vec<String> = spec.axes.iter().map(|a| a.key.clone()).collect();
    let header = results::header(&keys);
    let mut manifest = Manifest::new(&spec, opts.shard, jobs);
    let Opened {
        file,
        len,
        done,
        counts: before,
    } = if opts.resume {
        resume::resume(&dir, &manifest, &header)?
    } else {
        resume::fresh(&dir, &header)?
    };
    manifest.counts = before;
    manifest.missing = manifest.shard_points - before.total();
    manifest.write(&dir)?;
    if opts.waveforms {
        let wdir = dir.join(WAVEFORMS_DIR);
        std::fs::create_dir_all(&wdir)
            .map_err(|e| SweepError::Refused(format!("cannot create {}: {e}", wdir.display())))?;
    }
    let waveform_step_s = spec.base.waveform_step_s;

    let shard = opts.shard.unwrap_or(Shard::ALL);
    let seed = chain::Seed::new(&spec);
    let progress = Progress::new(manifest.shard_points, before.total());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| SweepError::Refused(format!("cannot start {jobs} worker threads: {e}")))?;
    let results_path = dir.join(RESULTS_FILE);
    let (tx, rx) = sync_channel::<Row>(1024);
    // Raised by the writer when it cannot write: the workers stop as for Ctrl-C.
    let halt = AtomicBool::new(false);
    let should_stop = || stop.load(Ordering::Relaxed) || halt.load(Ordering::Relaxed);
    let written = std::thread::scope(|scope| {
        let writer = scope.spawn(|| write_rows(rx, file, len, &progress, &halt));
        let (spec, seed) = (&spec, seed.as_ref());
        let done = done.as_ref();
        pool.install(|| {
            (0..chunk_count(spec.points.len(), spec.chunk_points))
                .into_par_iter()
                .filter(|&c| pending_chunk(c, shard, done))
                .for_each_with(tx, |tx, c| {
                    chain::run_chunk(spec, seed, c, &should_stop, |index, values, result| {
                        if done.is_some_and(|d| d.contains(index)) {
                            return true; // resumed: the row is there, bit for bit this one
                        }
                        if let (true, Ok(comparison)) = (opts.waveforms, result) {
                            if let Err(e) =
                                write_point_waveforms(&dir, index, comparison, waveform_step_s)
                            {
                                eprintln!(
                                    "error: cannot write the waveforms of point {index}: {e}"
                                );
                                halt.store(true, Ordering::Relaxed);
                            }
                        }
                        tx.send(Row::new(index, values, result)).is_ok()
                    });
                });
        });
        writer.join().expect("the writer thread does not panic")
    });
    progress.finish();

    let mut counts = before;
    counts.merge(&written.counts);
    let wall_time_s = started.elapsed().as_secs_f64();
    manifest.counts = counts;
    manifest.missing = manifest.shard_points - counts.total();
    manifest.wall_time_s = wall_time_s;
    manifest.points_per_second = Some(written.counts.total() as f64 / wall_time_s.max(1e-9));
    let interrupted = stop.load(Ordering::Relaxed) && manifest.missing > 0;
    manifest.status = if written.error.is_some() {
        RunStatus::WriteFailed
    } else if manifest.missing > 0 {
        RunStatus::Interrupted
    } else {
        RunStatus::Finished
    };
    let saved = manifest.write(&dir);
    if let Some(source) = written.error {
        let state = match saved {
            Ok(()) => String::new(),
            Err(_) => format!(" (and {MANIFEST_FILE} could not be updated)"),
        };
        return Err(SweepError::Io {
            action: "write",
            path: results_path,
            source,
            note: format!(
                "; the sweep stopped: the {} rows already in the file are complete and valid{state}; \
                 free some space and continue with --resume",
                counts.total()
            ),
        });
    }
    saved?;
    Ok(SweepOutcome {
        out_dir: dir,
        counts,
        points: manifest.shard_points,
        computed: written.counts.total(),
        interrupted,
        jobs,
        wall_time_s,
    })
}

/// What the writer thread wrote.
struct Written {
    /// Rows committed to the file (flushed).
    counts: Counts,
    error: Option<io::Error>,
}

/// Append rows as they come, flushing whenever none are waiting. On a write error the file is
/// cut back to its last flushed row (so it holds whole rows only), the channel is closed (the
/// workers stop) and the error returned.
fn write_rows(
    rx: Receiver<Row>,
    file: File,
    len: u64,
    progress: &Progress,
    halt: &AtomicBool,
) -> Written {
    let mut out = BufWriter::with_capacity(1 << 16, file);
    let mut committed_len = len;
    let mut committed = Counts::default();
    let mut pending_len = 0u64;
    let mut pending = Counts::default();
    let mut error = None;
    while let Ok(first) = rx.recv() {
        let mut row = Some(first);
        while let Some(r) = row.take().or_else(|| rx.try_recv().ok()) {
            if let Err(e) = out.write_all(r.line.as_bytes()) {
                error = Some(e);
                break;
            }
            pending_len += r.line.len() as u64;
            pending.add(r.status);
        }
        if error.is_none() {
            if let Err(e) = out.flush() {
                error = Some(e);
            }
        }
        if error.is_some() {
            break;
        }
        committed_len += pending_len;
        committed.merge(&pending);
        progress.inc(pending.total());
        (pending_len, pending) = (0, Counts::default());
    }
    if error.is_some() {
        halt.store(true, Ordering::Relaxed);
        drop(rx);
        let (file, _) = out.into_parts();
        // Whole rows only: drop whatever part of the failed batch reached the file.
        let _ = file.set_len(committed_len);
    }
    Written {
        counts: committed,
        error,
    }
}
