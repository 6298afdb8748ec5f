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
use std::sync::Mutex;
use std::time::Instant;

use super::chain;
use super::error::SweepError;
use super::live::Registration;
use super::manifest::{write_inputs, Manifest, RunStatus, MANIFEST_FILE};
use super::progress::Progress;
use super::results::{self, Counts, Row, RESULTS_FILE};
use super::resume::{self, chunk_count, point_waveforms_name, Opened};
use super::schedule::ChunkQueue;
use super::sensitivity_csv::{self, SENSITIVITY_FILE};
use super::shard::Shard;
use super::spec;
use crate::commands::exit_code;
use crate::output::atomic::write_atomic;
use crate::output::lock::create_and_lock;

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

/// Most worker threads a sweep starts per available core: more only adds switching.
pub const MAX_JOBS_PER_CORE: usize = 2;

/// DIR/waveforms/point-<index>.csv: the point's pre (and post) beat as in a run's waveforms.csv,
/// written atomically — and before the point's row, so a row never refers to a missing or
/// partial file.
fn write_point_waveforms(
    dir: &Path,
    index: u64,
    result: &crate::simulate::Comparison,
    step_s: f64,
) -> Result<(), (PathBuf, io::Error)> {
    let beats = result.waveforms(step_s);
    let path = dir.join(WAVEFORMS_DIR).join(point_waveforms_name(index));
    write_atomic(&path, |w| crate::output::waveforms_csv::write(&beats, w)).map_err(|e| (path, e))
}

/// Worker threads for `requested` (default: every core) on `chunks` chunks to compute: at most
/// [`MAX_JOBS_PER_CORE`] per core and one per chunk (a chunk is computed by one thread), at
/// least one.
pub fn worker_threads(requested: Option<usize>, cores: usize, chunks: u64) -> usize {
    let cap = cores.max(1).saturating_mul(MAX_JOBS_PER_CORE);
    let chunks = usize::try_from(chunks).unwrap_or(usize::MAX).max(1);
    requested.unwrap_or(cores).min(cap).min(chunks).max(1)
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
    /// sensitivity.csv, if this run finished a `saltelli` sweep.
    pub sensitivity: Option<PathBuf>,
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
        if let Some(path) = &self.sensitivity {
            write!(f, "\nsensitivity indices → {}", path.display())?;
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
    for note in &spec.notes {
        eprintln!("note: {note}");
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
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
    let shard = opts.shard.unwrap_or(Shard::ALL);
    let chunks = chunk_count(spec.points.len(), spec.chunk_points);
    let shard_chunks = chunks / shard.count + u64::from(chunks % shard.count >= shard.index);
    let jobs = worker_threads(opts.jobs, cores, shard_chunks);
    if opts.jobs.is_some_and(|j| j > jobs) {
        eprintln!(
            "note: --jobs {} lowered to {jobs} (at most {MAX_JOBS_PER_CORE} per core on {cores} \
             cores, and one per chunk of {} points)",
            opts.jobs.unwrap_or_default(),
            spec.chunk_points
        );
    }
    let mut manifest = Manifest::new(&spec, opts.shard, jobs);
    // Held until this function returns: no other mitralsim writes into `dir` meanwhile.
    let _lock = create_and_lock(&dir)?;
    let axis_cells =
        |index: u64| -> Vec<String> { spec.points.point(index).iter().map(|v| v.cell()).collect() };
    let waveforms_dir = dir.join(WAVEFORMS_DIR);
    let Opened {
        file,
        len,
        done,
        counts: before,
        dropped,
    } = if opts.resume {
        let expected = resume::Expected {
            axis_cells: &axis_cells,
            waveforms_dir: opts.waveforms.then_some(waveforms_dir.as_path()),
        };
        resume::resume(&dir, &manifest, &header, &expected)?
    } else {
        resume::fresh(&dir, &header)?
    };
    if !dropped.is_empty() {
        eprintln!(
            "note: --resume dropped {} damaged row{} of {RESULTS_FILE}; their points are computed \
             again:",
            dropped.len(),
            if dropped.len() == 1 { "" } else { "s" }
        );
        for why in dropped.iter().take(10) {
            eprintln!("  {why}");
        }
        if dropped.len() > 10 {
            eprintln!("  ... and {} more", dropped.len() - 10);
        }
    }
    manifest.counts = before;
    manifest.missing = manifest.shard_points - before.total();
    manifest.write(&dir)?;
    write_inputs(&dir, &spec)?;
    // Until this function returns, a second signal's exit path keeps sweep.json in line with
    // the rows written.
    let live = Registration::new(dir.clone(), manifest.clone(), started);
    if opts.waveforms {
        let wdir = dir.join(WAVEFORMS_DIR);
        std::fs::create_dir_all(&wdir)
            .map_err(|e| SweepError::Refused(format!("cannot create {}: {e}", wdir.display())))?;
    }
    let waveform_step_s = spec.base.waveform_step_s;

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
    // The first per-point waveforms file that could not be written.
    let waveform_error = Mutex::new(None::<(PathBuf, io::Error)>);
    let should_stop = || stop.load(Ordering::Relaxed) || halt.load(Ordering::Relaxed);
    let written = std::thread::scope(|scope| {
        let writer = scope.spawn(|| write_rows(rx, file, len, &progress, &halt, &live));
        let (spec, seed) = (&spec, seed.as_ref());
        let done = done.as_ref();
        let queue = ChunkQueue::new(spec.points.len(), spec.chunk_points, shard, done);
        // Every worker takes the next pending chunk until none is left or the sweep stops.
        pool.broadcast(|_| {
            let tx = tx.clone();
            while let Some(c) = queue.next_chunk().filter(|_| !should_stop()) {
                let finished =
                    chain::run_chunk(spec, seed, c, &should_stop, |index, values, result| {
                        if done.is_some_and(|d| d.contains(index)) {
                            return true; // resumed: the row is there, bit for bit this one
                        }
                        if let (true, Ok(comparison)) = (opts.waveforms, result) {
                            if let Err(e) =
                                write_point_waveforms(&dir, index, comparison, waveform_step_s)
                            {
                                // No row without its file: --resume computes the point again.
                                halt.store(true, Ordering::Relaxed);
                                let mut first =
                                    waveform_error.lock().unwrap_or_else(|p| p.into_inner());
                                first.get_or_insert(e);
                                return false;
                            }
                        }
                        tx.send(Row::new(index, values, result)).is_ok()
                    });
                if !finished {
                    break;
                }
            }
        });
        drop(tx); // the writer ends once every worker's sender is gone
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
    let write_failure = written
        .error
        .map(|e| (results_path.clone(), e))
        .or_else(|| {
            waveform_error
                .into_inner()
                .unwrap_or_else(|p| p.into_inner())
        });
    manifest.status = if write_failure.is_some() {
        RunStatus::WriteFailed
    } else if manifest.missing > 0 {
        RunStatus::Interrupted
    } else {
        RunStatus::Finished
    };
    let saved = live.close(|| manifest.write(&dir));
    if let Some((path, source)) = write_failure {
        let state = match saved {
            Ok(()) => String::new(),
            Err(_) => format!(" (and {MANIFEST_FILE} could not be updated)"),
        };
        return Err(SweepError::Io {
            action: "write",
            path,
            source,
            note: format!(
                "; the sweep stopped: the {} rows already in {RESULTS_FILE} are complete and \
                 valid{state}; free some space and continue with --resume",
                counts.total()
            ),
        });
    }
    saved?;
    // The indices once every row exists (a shard's are computed by `merge`).
    let mut sensitivity = None;
    if manifest.status == RunStatus::Finished {
        if let Some(note) = sensitivity_csv::write_if_complete(&dir, &manifest)? {
            manifest.sensitivity = Some(note);
            manifest.write(&dir)?;
            sensitivity = Some(dir.join(SENSITIVITY_FILE));
        }
    }
    Ok(SweepOutcome {
        out_dir: dir,
        counts,
        points: manifest.shard_points,
        computed: written.counts.total(),
        interrupted,
        jobs,
        wall_time_s,
        sensitivity,
    })
}

/// What the writer thread wrote.
struct Written {
    /// Rows committed to the file (flushed).
    counts: Counts,
    error: Option<io::Error>,
}

/// Append rows as they come, flushing whenever none are waiting; each batch is written, flushed
/// and counted in `live`'s ledger under its lock (see `live`). On a write error the file is
/// cut back to its last flushed row (so it holds whole rows only), the channel is closed (the
/// workers stop) and the error returned.
fn write_rows(
    rx: Receiver<Row>,
    file: File,
    len: u64,
    progress: &Progress,
    halt: &AtomicBool,
    live: &Registration,
) -> Written {
    let mut out = BufWriter::with_capacity(1 << 16, file);
    let mut committed_len = len;
    let mut committed = Counts::default();
    let mut pending_len = 0u64;
    let mut pending = Counts::default();
    let mut error = None;
    while let Ok(first) = rx.recv() {
        let mut ledger = live.ledger();
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
            halt.store(true, Ordering::Relaxed);
            let (file, _) = out.into_parts();
            // Whole rows only: drop whatever part of the failed batch reached the file.
            let _ = file.set_len(committed_len);
            drop(ledger);
            return Written {
                counts: committed,
                error,
            };
        }
        committed_len += pending_len;
        committed.merge(&pending);
        ledger.committed = committed;
        drop(ledger);
        progress.inc(pending.total());
        (pending_len, pending) = (0, Counts::default());
    }
    Written {
        counts: committed,
        error,
    }
}
