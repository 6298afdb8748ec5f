//! `mitralsim calibrate`: fit the model to a patient's measurements, then predict the clip
//! (docs/calibration.md).
//!
//! Why a module of its own: calibration uses the other rooms — the scenario reader (`--set`
//! overrides over a template parsed once), the simulation (accelerated steady states, warm
//! started), the metrics (target keys are metrics.json keys) — and adds only what is its own:
//! `file` (the calibration file, located errors), `setup` (from the file to a problem, checked
//! against the scenario and the metrics), `problem` (one model evaluation), `bounds` (the
//! change of variable), `jacobian` (parallel finite differences), `fit` (Levenberg–Marquardt,
//! several starts), `stats` (standard errors, identifiability, what limits an unmet target),
//! `defaults` (the default free parameters), `sensitivity` (the table behind them) and
//! `report` (fit.json, stdout, calibrated.toml's header).

mod bounds;
mod defaults;
pub mod file;
mod fit;
mod jacobian;
pub mod problem;
pub mod report;
mod sensitivity;
mod setup;
mod stats;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use nalgebra::DMatrix;

pub use fit::FitSettings;
pub use report::FitReport;
pub use sensitivity::sensitivity_table;

use crate::commands::exit_code;
use crate::plot::{self, ImageFormat};
use crate::scenario;
use crate::simulate::{Comparison, Search};
use problem::{Evaluation, Problem, Warm};

/// File names in the output directory.
pub const CALIBRATED_FILE: &str = "calibrated.toml";
pub const FIT_FILE: &str = "fit.json";
pub const FIGURE_STEM: &str = "calibration";

/// Options of `mitralsim calibrate`.
#[derive(Debug, Clone)]
pub struct CalibrateOptions<'a> {
    pub file: &'a Path,
    pub sets: &'a [String],
    pub out: Option<&'a Path>,
    /// Worker threads (`None`: all cores). The result does not depend on it.
    pub jobs: Option<usize>,
    pub quiet: bool,
    /// Figure format; `None`: no figure.
    pub plot: Option<ImageFormat>,
}

/// Why a calibration did not finish.
#[derive(Debug, thiserror::Error)]
pub enum CalibrateError {
    #[error("{0}")]
    File(#[from] file::FileError),
    #[error("{0}")]
    Setup(#[from] setup::SetupError),
    /// The calibrated scenario could not be simulated (before or after the clip).
    #[error("the calibrated scenario could not be simulated: {0}")]
    Run(String),
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Plot(#[from] plot::PlotError),
    #[error("cannot start {0} worker threads: {1}")]
    Threads(usize, String),
}

impl CalibrateError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CalibrateError::File(_) => exit_code::BAD_INPUT,
            CalibrateError::Setup(setup::SetupError::Run(_)) | CalibrateError::Run(_) => {
                exit_code::SOLVER_FAILURE
            }
            CalibrateError::Setup(setup::SetupError::Scenario(e))
                if e.kind() == scenario::ErrorKind::Io =>
            {
                exit_code::BAD_INPUT
            }
            CalibrateError::Setup(_) => exit_code::BAD_INPUT,
            CalibrateError::Write { .. } | CalibrateError::Threads(..) => exit_code::IO,
            CalibrateError::Plot(plot::PlotError::Write { .. } | plot::PlotError::Draw { .. }) => {
                exit_code::IO
            }
            CalibrateError::Plot(_) => exit_code::BAD_INPUT,
        }
    }
}

/// What a calibration produced.
#[derive(Debug, Clone)]
pub struct CalibrationOutcome {
    pub out_dir: PathBuf,
    pub report: FitReport,
    /// The calibrated scenario's text (calibrated.toml).
    pub calibrated_toml: String,
}

impl CalibrationOutcome {
    /// 0 when every target is met, else [`exit_code::TARGETS_NOT_MET`].
    pub fn exit_code(&self) -> i32 {
        if self.report.status == "met" {
            exit_code::OK
        } else {
            exit_code::TARGETS_NOT_MET
        }
    }
}

/// Run `f` on `jobs` threads (all cores for `None`).
pub fn with_threads<T: Send>(
    jobs: Option<usize>,
    f: impl FnOnce() -> T + Send,
) -> Result<T, CalibrateError> {
    match jobs {
        None => Ok(f()),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map(|pool| pool.install(f))
            .map_err(|e| CalibrateError::Threads(n, e.to_string())),
    }
}

/// `mitralsim calibrate`.
pub fn calibrate(
    opts: &CalibrateOptions<'_>,
    stdout: impl Write,
) -> Result<CalibrationOutcome, CalibrateError> {
    let outcome = with_threads(opts.jobs, || calibrate_here(opts))??;
    if !opts.quiet {
        report::write_table(
            &outcome.report,
            &outcome.out_dir.display().to_string(),
            stdout,
        )
        .map_err(write_err(Path::new("stdout")))?;
    }
    Ok(outcome)
}

fn calibrate_here(opts: &CalibrateOptions<'_>) -> Result<CalibrationOutcome, CalibrateError> {
    let clock = Instant::now();
    let file = file::read(opts.file)?;
    let base = setup::base(&file, opts.sets)?;
    let targets = setup::targets(&file, &base.metrics)?;
    let base_warm = Warm {
        state: base.state,
        memory: Default::default(),
    };
    let mut model_runs = 0u64;

    let (problem, runs) = choose_parameters(&file, &base, targets, &base_warm)?;
    model_runs += runs;
    let base_eval = evaluate(&problem, &problem.base(), &base_warm)?;
    model_runs += 1;

    let settings = FitSettings {
        starts: file.options.starts,
        max_evaluations: file.options.max_evaluations,
        tolerance_pct: file.options.tolerance_pct,
    };
    let result = fit::fit(&problem, &base_eval, &settings);
    model_runs += result.model_runs();
    let best = result.best();
    let x = best.best.x.clone();
    let (j, runs) = scaled_jacobian(&problem, &x, &best.best.eval);
    model_runs += runs;
    let statistics = stats::statistics(&problem, &x, &j);

    // The calibrated scenario, written out and run exactly as `mitralsim run` runs it.
    let out_dir = opts
        .out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new("output").join("calibrations").join(&file.name));
    std::fs::create_dir_all(&out_dir).map_err(write_err(&out_dir))?;
    let mut sets = problem.sets(&x);
    sets.push(format!("name={}", file.name));
    let calibrated = problem
        .template
        .with_sets(&sets)
        .map_err(|e| CalibrateError::Run(e.to_string()))?;
    // `mitralsim run`'s default search, so that running calibrated.toml gives these values.
    let comparison = Comparison::run_with(&calibrated, Search::default())
        .map_err(|e| CalibrateError::Run(e.to_string()))?;
    model_runs += 1 + u64::from(comparison.post.is_some());
    let achieved = problem.read_targets(&comparison.pre.metrics);
    let met = problem.met(&achieved, settings.tolerance_pct);
    let residuals = problem.residuals(&achieved);
    let limits = stats::limits(&problem, &x, &residuals, &j, &met);

    let mut report = report::build(&report::Inputs {
        calibration_file: opts.file,
        file: &file,
        base: &base,
        problem: &problem,
        result: &result,
        statistics: &statistics,
        limits: &limits,
        achieved: &achieved,
        met: &met,
        residuals: &residuals,
        comparison: &comparison,
        model_runs,
    });

    let calibrated_toml = format!("{}{}", report::header(&report), calibrated.resolved_toml);
    let calibrated_path = out_dir.join(CALIBRATED_FILE);
    std::fs::write(&calibrated_path, &calibrated_toml).map_err(write_err(&calibrated_path))?;
    // What `mitralsim run` will read must be the scenario that was run.
    let reloaded = scenario::load(Some(&calibrated_path), &[])
        .map_err(|e| CalibrateError::Run(format!("{}: {e}", calibrated_path.display())))?;
    if (
        &reloaded.params,
        &reloaded.initial,
        &reloaded.solver,
        &reloaded.clip,
    ) != (
        &calibrated.params,
        &calibrated.initial,
        &calibrated.solver,
        &calibrated.clip,
    ) {
        return Err(CalibrateError::Run(format!(
            "{} does not reload as the scenario that was run (internal error, please report)",
            calibrated_path.display()
        )));
    }
    if let Some(format) = opts.plot {
        let path = out_dir.join(format!("{FIGURE_STEM}.{}", format.extension()));
        plot::calibration::render(&path, &report, format)?;
    }
    report.wall_time_s = clock.elapsed().as_secs_f64();
    let fit_path = out_dir.join(FIT_FILE);
    let json = serde_json::to_string_pretty(&report).expect("the report serialises");
    std::fs::write(&fit_path, json + "\n").map_err(write_err(&fit_path))?;
    Ok(CalibrationOutcome {
        out_dir,
        report,
        calibrated_toml,
    })
}

/// The problem to fit: the file's `[free]` parameters, or the default choice from the pool; and
/// the check that every target moves with some parameter, on the Jacobian at the base. Returns
/// the model runs it took too.
fn choose_parameters(
    file: &file::CalibrationFile,
    base: &setup::Base,
    targets: Vec<problem::Target>,
    base_warm: &Warm,
) -> Result<(Problem, u64), CalibrateError> {
    let candidates = match &file.free {
        Some(_) => setup::file_parameters(file, base)?,
        None => defaults::pool(base).into_iter().map(|(_, p)| p).collect(),
    };
    let wide = setup::problem(base, candidates, targets);
    let centre = evaluate(&wide, &wide.base(), base_warm)?;
    let (j_base, runs) = scaled_jacobian(&wide, &wide.base(), &centre);
    check_movable(&wide, &centre, &j_base)?;
    let problem = match &file.free {
        Some(_) => wide,
        None => {
            let columns: Vec<Vec<f64>> = (0..j_base.ncols())
                .map(|k| j_base.column(k).iter().copied().collect())
                .collect();
            let picked = defaults::select(&columns, wide.targets.len());
            Problem {
                parameters: picked.iter().map(|&k| wide.parameters[k].clone()).collect(),
                ..wide
            }
        }
    };
    Ok((problem, runs + 1))
}

fn write_err(path: &Path) -> impl Fn(std::io::Error) -> CalibrateError + '_ {
    move |source| CalibrateError::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// One evaluation where failing is a solver failure of the command.
fn evaluate(problem: &Problem, x: &[f64], warm: &Warm) -> Result<Evaluation, CalibrateError> {
    problem.evaluate(x, Some(warm)).map_err(CalibrateError::Run)
}

/// ∂(weighted residual)/∂(scaled parameter) at `x`, and the model runs it took.
fn scaled_jacobian(problem: &Problem, x: &[f64], centre: &Evaluation) -> (DMatrix<f64>, u64) {
    let (cols, runs) = jacobian::columns(problem, centre, jacobian::scaled_steps(problem, x));
    let m = problem.targets.len();
    let j = DMatrix::from_fn(m, cols.len(), |i, k| {
        cols[k]
            .as_ref()
            .map_or(0.0, |c| c[i] / problem.targets[i].sd)
    });
    (j, runs)
}

/// A target that no free parameter moves (its row of the Jacobian at the base is zero) is bad
/// input: no fit can change it.
fn check_movable(
    problem: &Problem,
    centre: &Evaluation,
    j: &DMatrix<f64>,
) -> Result<(), CalibrateError> {
    let bad: Vec<String> = problem
        .targets
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            let scale = centre.achieved[*i].abs().max(1e-12) / problem.targets[*i].sd;
            j.row(*i).iter().all(|d| d.abs() <= 1e-7 * scale)
        })
        .map(|(_, t)| {
            format!(
                "{}: [targets] {}: no free parameter moves it ({}); free one that does, or \
                 drop the target",
                t.at,
                t.key,
                if problem.parameters.is_empty() {
                    "none is free".to_owned()
                } else {
                    format!(
                        "free: {}",
                        problem
                            .parameters
                            .iter()
                            .map(|p| p.key.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            )
        })
        .collect();
    if bad.is_empty() {
        Ok(())
    } else {
        Err(setup::SetupError::Input(bad).into())
    }
}
