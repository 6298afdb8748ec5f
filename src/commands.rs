//! What each subcommand does, as library functions returning typed errors.
//!
//! Why here and not in main: the binary only parses arguments and maps [`CommandError`] to an exit
//! code; everything else is testable library code. Data flows one way: scenario → simulation →
//! writers.

use crate::beat::SampledBeat;
use crate::cli::PlotChoice;
use crate::model::params::ChamberId;
use crate::output::lock::{self, LockError};
use crate::output::metrics_json::{self, MetricsFile, Provenance, ScenarioInfo, StenosisFlag};
use crate::output::run_progress::RunProgress;
use crate::output::staging::Staging;
use crate::output::{summary, validity, waveforms_csv};
use crate::plot::{
    self, AnyPlotKind, ImageFormat, PlotError, PlotKind, PlotOptions, StateId, StateRun,
    SweepPlotRequest, Waveforms,
};
use crate::report::{self, ReportError};
use crate::scenario::{self, Scenario, ScenarioError};
use crate::simulate::{Comparison, RunError, Search};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Documented exit codes (README, `mitralsim --help`).
pub mod exit_code {
    pub const OK: i32 = 0;
    pub const IO: i32 = 1;
    pub const BAD_INPUT: i32 = 2;
    pub const SOLVER_FAILURE: i32 = 3;
    pub const NOT_CONVERGED: i32 = 4;
    /// `sweep`: finished, but some points failed or did not converge (their rows say why).
    pub const POINTS_FAILED: i32 = 5;
    /// `calibrate`: the fit finished and its outputs are written, but some targets are not met
    /// within tolerance (fit.json and the table say which, and what limits them).
    pub const TARGETS_NOT_MET: i32 = 6;
    /// `sweep`: stopped by Ctrl-C; the rows written are valid, `--resume` continues.
    pub const INTERRUPTED: i32 = 130;
}

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    #[error("unknown preset {name:?}{hint}; built-in presets: {available}")]
    UnknownPreset {
        name: String,
        /// ` (names are lower case: did you mean "normal"?)` when only the case differs.
        hint: String,
        available: String,
    },
    #[error("the simulation failed for scenario {scenario}: {source}")]
    Run { scenario: String, source: RunError },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
    #[error("{0}")]
    Plot(#[from] PlotError),
    #[error("{0}")]
    Report(#[from] ReportError),
    #[error("--out names one file: use it with a single plot kind, not `all`")]
    OutWithAll,
    /// The output directory is in use by another process (or cannot be locked).
    #[error("{0}")]
    Lock(#[from] LockError),
    /// Arguments that do not go together.
    #[error("{0}")]
    Usage(String),
}

impl CommandError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CommandError::Scenario(_) | CommandError::UnknownPreset { .. } => exit_code::BAD_INPUT,
            CommandError::Run {
                source: RunError::Repair(_),
                ..
            } => exit_code::BAD_INPUT,
            CommandError::Run { .. } => exit_code::SOLVER_FAILURE,
            CommandError::Write { .. } => exit_code::IO,
            CommandError::Lock(e) => e.exit_code(),
            CommandError::Plot(e) | CommandError::Report(ReportError::Plot(e)) => match e {
                PlotError::Write { .. } | PlotError::Draw { .. } => exit_code::IO,
                _ => exit_code::BAD_INPUT,
            },
            CommandError::Report(ReportError::Malformed { .. }) => exit_code::BAD_INPUT,
            CommandError::Report(_) => exit_code::IO,
            CommandError::OutWithAll | CommandError::Usage(_) => exit_code::BAD_INPUT,
        }
    }
}

/// What `run` produced.
#[derive(Debug)]
pub struct RunOutcome {
    pub out_dir: PathBuf,
    pub result: Comparison,
    /// Figures drawn next to the outputs.
    pub plots: Vec<PathBuf>,
    /// Outputs of an earlier run that were in the directory and are now replaced or removed.
    pub replaced: Vec<String>,
    /// report.html, when asked for.
    pub report: Option<PathBuf>,
}

impl RunOutcome {
    /// Beats of the state(s) that did not converge, for the warning.
    pub fn unconverged_beats(&self) -> Option<u32> {
        self.result
            .states()
            .find(|(_, s)| !s.steady.converged)
            .map(|(_, s)| s.steady.beats)
    }

    /// The post-clip stenosis flag, when it is raised.
    pub fn stenosis_risk(&self) -> Option<StenosisFlag> {
        let post = self.result.post.as_ref()?;
        Some(StenosisFlag::of(&post.sim.metrics)).filter(|f| f.risk)
    }
}

pub const METRICS_FILE: &str = "metrics.json";
pub const WAVEFORMS_FILE: &str = "waveforms.csv";
pub const RESOLVED_SCENARIO_FILE: &str = "scenario.resolved.toml";

/// Options of `mitralsim run`.
#[derive(Debug, Clone, Default)]
pub struct RunOptions<'a> {
    pub scenario: Option<&'a Path>,
    pub sets: &'a [String],
    pub out: Option<&'a Path>,
    pub quiet: bool,
    /// Figures to draw (of the numbers the written outputs hold); `None` for none.
    pub plots: Option<ImageFormat>,
    /// How to find the periodic steady states.
    pub convergence: Search,
    /// Also write report.html.
    pub report: bool,
}

/// `mitralsim run`: simulate (before and, with a clip, after the repair), write
/// DIR/{metrics.json, waveforms.csv, scenario.resolved.toml}, draw the figures of the numbers
/// those files hold (so that `mitralsim plot` later draws the same) and print the summary to
/// `stdout` unless `quiet`.
pub fn run(opts: &RunOptions<'_>, mut stdout: impl Write) -> Result<RunOutcome, CommandError> {
    let RunOptions {
        scenario: scenario_path,
        sets,
        out,
        quiet,
        plots: plot_format,
        convergence,
        report: with_report,
    } = *opts;
    let scenario = scenario::load(scenario_path, sets)?;
    let out_dir = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new("output").join(&scenario.name));
    // The directory is checked and locked before simulating: a second run into it is refused
    // at once, not after minutes of work.
    let _lock = lock::create_and_lock(&out_dir)?;
    let run_failed = |source| CommandError::Run {
        scenario: scenario.name.clone(),
        source,
    };
    // A progress line on a terminal for long runs (not with --quiet).
    let progress =
        (!quiet).then(|| RunProgress::start(scenario.solver.max_beats, scenario.solver.tol_ml));
    let result = Comparison::run_with(&scenario, convergence).map_err(run_failed);
    drop(progress); // stops the line before the summary is printed
    let result = result?;
    let outputs = write_run_outputs(&out_dir, &scenario, &result, plot_format, with_report)?;
    let RunOutputs {
        plots,
        replaced,
        report,
    } = outputs;

    if !quiet {
        let stdout_err = write_err(Path::new("stdout"));
        print_run_header(&scenario, &result, &mut stdout)
            .and_then(|()| {
                let pre = validity::undefined_as_nan(&result.pre.metrics);
                let post = result
                    .post
                    .as_ref()
                    .map(|p| validity::undefined_as_nan(&p.sim.metrics));
                summary::write(&pre, post.as_ref(), &mut stdout)
            })
            .and_then(|()| {
                writeln!(stdout, "\nOutputs in {}", out_dir.display())?;
                if !replaced.is_empty() {
                    writeln!(
                        stdout,
                        "(replaced the earlier outputs there: {})",
                        replaced.join(", ")
                    )?;
                }
                Ok(())
            })
            .map_err(stdout_err)?;
    }
    Ok(RunOutcome {
        out_dir,
        result,
        plots,
        replaced,
        report,
    })
}

/// The metrics.json contents of `result`, a simulation of `scenario` (without provenance:
/// [`write_run_outputs`] adds the process's).
pub fn metrics_file<'a>(scenario: &'a Scenario, result: &'a Comparison) -> MetricsFile<'a> {
    MetricsFile::new(
        scenario_info(scenario),
        &scenario.sha256,
        &scenario.solver,
        result,
    )
}

/// What [`write_run_outputs`] wrote.
#[derive(Debug, Clone, Default)]
pub struct RunOutputs {
    /// The figures drawn.
    pub plots: Vec<PathBuf>,
    /// The earlier outputs this set replaced.
    pub replaced: Vec<String>,
    /// report.html, when asked for.
    pub report: Option<PathBuf>,
}

/// Write `run`'s outputs of `result` (a simulation of `scenario`) into `out_dir`, which the
/// caller has locked: DIR/{metrics.json, waveforms.csv, scenario.resolved.toml} and, with
/// `plot_format`, the figures, and with `with_report` report.html, all staged and moved into
/// place as one set; metrics.json records this process's provenance. The data files are written
/// while the figures are drawn, on all cores; the figures are drawn from the very numbers the
/// files hold ([`run_figure_data`]), so `mitralsim plot` on the directory draws the same. Why a
/// function: the Python bindings write the same files from a result they already hold.
pub fn write_run_outputs(
    out_dir: &Path,
    scenario: &Scenario,
    result: &Comparison,
    plot_format: Option<ImageFormat>,
    with_report: bool,
) -> Result<RunOutputs, CommandError> {
    let beats = result.waveforms(scenario.waveform_step_s);

    // Everything is written into a staging directory and moved into place as one set.
    let staging = Staging::new(out_dir).map_err(write_err(out_dir))?;
    let stage = staging.path();
    let write = |name: &str, contents: &dyn Fn(&mut io::BufWriter<fs::File>) -> io::Result<()>| {
        staging
            .write(name, contents)
            .map_err(write_err(&stage.join(name)))
    };
    // Each file is written and synced on its own thread: the syncs overlap.
    let write_data = || -> Result<(), CommandError> {
        let file = metrics_file(scenario, result).with_provenance(Provenance::current());
        let (resolved, (waveforms, metrics)) = rayon::join(
            || {
                write(RESOLVED_SCENARIO_FILE, &|w| {
                    w.write_all(scenario.resolved_toml.as_bytes())
                })
            },
            || {
                rayon::join(
                    || write(WAVEFORMS_FILE, &|w| waveforms_csv::write(&beats, w)),
                    || write(METRICS_FILE, &|w| metrics_json::write(&file, w)),
                )
            },
        );
        resolved.and(waveforms).and(metrics)
    };
    let figures = plot_format.map(|format| {
        let opts = PlotOptions {
            format,
            ..PlotOptions::default()
        };
        (run_figure_data(scenario, result, &beats), opts)
    });
    // Every output is a task, started longest first (measured: Wiggers 9.7 ms, bars 5.9, PV loop
    // 4.8, LA loop 4.3, waveforms.csv 3.5) on whichever core is free: on two cores both then
    // finish together, 2 ms sooner than figures and files side by side.
    let kinds = if figures.is_some() {
        &FIGURES_LONGEST_FIRST[..]
    } else {
        &[]
    };
    let mut drawn: Vec<Option<Result<PathBuf, CommandError>>> =
        kinds.iter().map(|_| None).collect();
    let mut data = None;
    rayon::scope_fifo(|s| {
        if let Some((run, opts)) = &figures {
            for (&kind, slot) in kinds.iter().zip(&mut drawn) {
                let staging = &staging;
                s.spawn_fifo(move |_| *slot = Some(draw_run_figure(staging, kind, run, opts)));
            }
        }
        s.spawn_fifo(|_| data = Some(write_data()));
    });
    data.expect("the scope ran every task")?;
    let mut staged_plots = kinds
        .iter()
        .zip(drawn)
        .map(|(&kind, file)| Ok((kind, file.expect("the scope ran every task")?)))
        .collect::<Result<Vec<_>, CommandError>>()?;
    staged_plots.sort_by_key(|(kind, _)| PlotKind::ALL.iter().position(|k| k == kind));
    // The report is part of the set: written in the stage from the staged files.
    let report = if with_report {
        report::write_report(stage, None)?;
        Some(out_dir.join(report::REPORT_FILE))
    } else {
        None
    };
    let plots = staged_plots
        .iter()
        .filter_map(|(_, p)| p.file_name())
        .map(|name| out_dir.join(name))
        .collect();
    let replaced = staging
        .commit(&run_output_names(), METRICS_FILE)
        .map_err(write_err(out_dir))?;
    Ok(RunOutputs {
        plots,
        replaced,
        report,
    })
}

/// What the figures of a run show, from the run itself: the same data [`plot::RunData::load`]
/// reads back from the files [`write_run_outputs`] writes for it (`beats`: its sampled beats,
/// [`Comparison::waveforms`]) — waveforms.csv and metrics.json hold every number in shortest round-trip form
/// (tests/plots.rs checks the two are equal on every preset).
pub fn run_figure_data(
    scenario: &Scenario,
    result: &Comparison,
    beats: &[(&str, SampledBeat)],
) -> plot::RunData {
    plot::RunData {
        scenario_name: scenario.name.clone(),
        states: StateId::ALL
            .into_iter()
            .zip(result.states())
            .zip(beats)
            .map(|((id, (_, sim)), (_, beat))| StateRun {
                id,
                waveforms: Waveforms::from_beat(beat),
                metrics: validity::undefined_as_nan(&sim.metrics),
            })
            .collect(),
        lv: Some(*scenario.params.chamber(ChamberId::Lv)),
    }
}

/// `mitralsim report DIR`: write report.html from a run's saved outputs; returns its path.
pub fn report(run_dir: &Path, out: Option<&Path>) -> Result<PathBuf, CommandError> {
    Ok(report::write_report(run_dir, out)?)
}

/// Every file name `run` may write into its output directory: the data files and each figure
/// in each format. Those a run does not write again are removed, so no figure of an earlier run
/// stays beside a later run's data.
pub fn run_output_names() -> Vec<String> {
    let mut names: Vec<String> = [
        METRICS_FILE,
        WAVEFORMS_FILE,
        RESOLVED_SCENARIO_FILE,
        report::REPORT_FILE,
    ]
    .map(String::from)
    .into();
    for kind in PlotKind::ALL {
        names.extend(ImageFormat::ALL.map(|format| format!("{kind}.{format}")));
    }
    names
}

/// The run figures in the order `run` starts drawing them: longest first.
const FIGURES_LONGEST_FIRST: [PlotKind; 4] = [
    PlotKind::Wiggers,
    PlotKind::Bars,
    PlotKind::PvLoop,
    PlotKind::LaLoop,
];

/// Figure `kind` of `run` drawn into `staging` and synced at once (its sync then overlaps the
/// work still running); the file.
fn draw_run_figure(
    staging: &Staging,
    kind: PlotKind,
    run: &plot::RunData,
    opts: &PlotOptions,
) -> Result<PathBuf, CommandError> {
    let name = format!("{kind}.{}", opts.format);
    let file = staging.path().join(&name);
    plot::render_run(kind, run, &file, opts)?;
    staging.sync(&name).map_err(write_err(&file))?;
    Ok(file)
}

/// What `mitralsim plot` draws.
#[derive(Debug, Clone)]
pub struct PlotRequest<'a> {
    pub choice: PlotChoice,
    /// One run or sweep directory; two or more runs for `compare`.
    pub input_dirs: &'a [PathBuf],
    pub format: Option<ImageFormat>,
    pub out: Option<&'a Path>,
    pub size_px: (u32, u32),
    pub font_scale: f64,
    /// Sweep figures only.
    pub metric: Option<String>,
    pub x_axis: Option<String>,
    pub y_axis: Option<String>,
    pub wheres: Vec<plot::Where>,
    pub facet: Option<String>,
    /// `compare` only: the figure (default pv-loop) and one label per directory.
    pub compare_kind: Option<PlotKind>,
    pub labels: Vec<String>,
}

/// `mitralsim plot`: redraw figures from a run's or a sweep's saved outputs; returns the files
/// written.
pub fn plot(req: PlotRequest<'_>) -> Result<Vec<PathBuf>, CommandError> {
    let PlotRequest {
        choice,
        input_dirs,
        format,
        out,
        size_px: (width, height),
        font_scale,
        metric,
        x_axis,
        y_axis,
        wheres,
        facet,
        compare_kind,
        labels,
    } = req;
    let format = match (format, out) {
        (Some(f), _) => f,
        (None, Some(path)) => ImageFormat::from_path(path).unwrap_or(ImageFormat::Png),
        (None, None) => ImageFormat::Png,
    };
    let opts = PlotOptions {
        width,
        height,
        format,
        font_scale,
    };
    if choice == PlotChoice::Compare {
        return plot_compare(input_dirs, compare_kind, labels, out, &opts);
    }
    if compare_kind.is_some() || !labels.is_empty() {
        return Err(CommandError::Usage(
            "--kind and --labels go with `plot compare`".into(),
        ));
    }
    let [input_dir] = input_dirs else {
        return Err(CommandError::Usage(format!(
            "`plot {}` takes one directory, not {} (use `plot compare` for several runs)",
            match choice {
                PlotChoice::One(k) => k.to_string(),
                _ => "all".into(),
            },
            input_dirs.len()
        )));
    };
    let input_dir = input_dir.as_path();
    match choice {
        PlotChoice::Compare => unreachable!("handled above"),
        PlotChoice::All if out.is_some() => Err(CommandError::OutWithAll),
        PlotChoice::All => Ok(plot::render_all(input_dir, &opts)?),
        PlotChoice::One(kind) => {
            let file = out
                .map(Path::to_path_buf)
                .unwrap_or_else(|| input_dir.join(format!("{kind}.{format}")));
            check_figure_path(&file)?;
            match kind {
                AnyPlotKind::Run(_) if !wheres.is_empty() || facet.is_some() => {
                    return Err(CommandError::Usage(
                        "--where and --facet go with the sweep figures".into(),
                    ))
                }
                AnyPlotKind::Run(kind) => plot::render(kind, input_dir, &file, &opts)?,
                AnyPlotKind::Sweep(kind) => {
                    let request = SweepPlotRequest {
                        metric,
                        x_axis,
                        y_axis,
                        wheres,
                        facet,
                        ..SweepPlotRequest::new(kind)
                    };
                    plot::render_sweep(&request, input_dir, &file, &opts)?
                }
            }
            Ok(vec![file])
        }
    }
}

/// A figure's file must be creatable: said plainly before drawing, rather than as the image
/// encoder's error.
fn check_figure_path(file: &Path) -> Result<(), CommandError> {
    let refuse = |why: String| CommandError::Write {
        path: file.to_path_buf(),
        source: io::Error::other(why),
    };
    if file.is_dir() {
        return Err(refuse("it is a directory".into()));
    }
    match file.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) if !dir.is_dir() => Err(refuse(format!(
            "the directory {} does not exist",
            dir.display()
        ))),
        _ => Ok(()),
    }
}

/// `mitralsim plot compare DIR DIR…`: one figure of several runs, written to `out` or to
/// `compare-<kind>.<format>` in the current directory.
fn plot_compare(
    dirs: &[PathBuf],
    kind: Option<PlotKind>,
    labels: Vec<String>,
    out: Option<&Path>,
    opts: &PlotOptions,
) -> Result<Vec<PathBuf>, CommandError> {
    let kind = kind.unwrap_or(PlotKind::PvLoop);
    if !labels.is_empty() && labels.len() != dirs.len() {
        return Err(CommandError::Usage(format!(
            "--labels gives {} names for {} directories",
            labels.len(),
            dirs.len()
        )));
    }
    let runs: Vec<(String, PathBuf)> = dirs
        .iter()
        .enumerate()
        .map(|(i, dir)| {
            let label = labels.get(i).cloned().unwrap_or_else(|| {
                dir.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| dir.display().to_string())
            });
            (label, dir.clone())
        })
        .collect();
    let file = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(format!("compare-{kind}.{}", opts.format)));
    plot::render_compare(kind, &runs, &file, opts)?;
    Ok(vec![file])
}

fn write_err(path: &Path) -> impl FnOnce(io::Error) -> CommandError {
    let path = path.to_path_buf();
    move |source| CommandError::Write { path, source }
}

fn scenario_info(s: &Scenario) -> ScenarioInfo<'_> {
    ScenarioInfo {
        name: &s.name,
        description: s.description.as_deref(),
        source: s.source.as_ref().map(|p| p.display().to_string()),
        resolved: RESOLVED_SCENARIO_FILE,
    }
}

fn print_run_header(s: &Scenario, result: &Comparison, mut out: impl Write) -> io::Result<()> {
    let source = match &s.source {
        Some(p) => p.display().to_string(),
        None => "built-in default".to_string(),
    };
    writeln!(
        out,
        "mitralsim {} — scenario {} ({source})",
        metrics_json::MITRALSIM_VERSION,
        s.name
    )?;
    if let Some(d) = &s.description {
        writeln!(out, "{d}")?;
    }
    for (state, sim) in result.states() {
        let st = &sim.steady;
        let verdict = if st.converged {
            "periodic steady state after"
        } else {
            "NOT CONVERGED after"
        };
        writeln!(
            out,
            "{state:>4}: {verdict} {} beats (last change {:.1e} mL, tolerance {:.0e} mL)",
            st.beats, st.last_change_ml, s.solver.tol_ml
        )?;
    }
    if let Some(p) = &result.post {
        let r = &p.repair;
        let clips: Vec<String> = r
            .clips
            .iter()
            .map(|c| format!("{} at {:.1} mm", c.size, c.position_mm))
            .collect();
        let orifices: Vec<String> = r
            .orifice_areas_cm2
            .iter()
            .map(|a| format!("{a:.2}"))
            .collect();
        writeln!(
            out,
            "clip ({} model{}{}): EROA {:.3} → {:.3} cm², valve area {:.2} → {:.2} cm² (orifices {} cm²)",
            r.model,
            if clips.is_empty() { "" } else { ": " },
            clips.join(", "),
            r.pre_eroa_cm2,
            r.eroa_cm2,
            r.pre_area_cm2,
            r.area_cm2,
            orifices.join(" + ")
        )?;
    }
    writeln!(out)
}

/// `mitralsim validate`: load and check; returns the scenario for a one-line report.
pub fn validate(path: &Path, sets: &[String]) -> Result<Scenario, CommandError> {
    Ok(scenario::load(Some(path), sets)?)
}

/// `mitralsim presets [NAME]`: the list, or one preset's TOML text.
pub fn presets(name: Option<&str>, mut out: impl Write) -> Result<(), CommandError> {
    let all = scenario::builtin_presets();
    let stdout_err = |source| CommandError::Write {
        path: PathBuf::from("stdout"),
        source,
    };
    match name {
        None => {
            for (n, _) in all {
                let marker = if *n == scenario::DEFAULT_PRESET {
                    " (default)"
                } else {
                    ""
                };
                writeln!(out, "{n}{marker}").map_err(stdout_err)?;
            }
        }
        Some(n) => {
            let (_, text) =
                all.iter()
                    .find(|(p, _)| *p == n)
                    .ok_or_else(|| CommandError::UnknownPreset {
                        name: n.to_string(),
                        hint: all
                            .iter()
                            .find(|(p, _)| p.eq_ignore_ascii_case(n))
                            .map(|(p, _)| format!(" (names are lower case: did you mean {p:?}?)"))
                            .unwrap_or_default(),
                        available: all.iter().map(|(p, _)| *p).collect::<Vec<_>>().join(", "),
                    })?;
            out.write_all(text.as_bytes()).map_err(stdout_err)?;
        }
    }
    Ok(())
}
