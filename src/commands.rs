//! What each subcommand does, as library functions returning typed errors.
//!
//! Why here and not in main: the binary only parses arguments and maps [`CommandError`] to an exit
//! code; everything else is testable library code. Data flows one way: scenario → simulation →
//! writers.

use crate::metrics::Metrics;
use crate::output::metrics_json::{self, MetricsFile, ScenarioInfo, SolverInfo};
use crate::output::{summary, waveforms_csv};
use crate::scenario::{self, Scenario, ScenarioError};
use crate::simulate::Simulation;
use crate::solver::SolverError;
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
}

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    #[error("unknown preset {name:?}; built-in presets: {available}")]
    UnknownPreset { name: String, available: String },
    #[error("the solver failed for scenario {scenario}: {source}")]
    Solver {
        scenario: String,
        source: SolverError,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
}

impl CommandError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CommandError::Scenario(_) | CommandError::UnknownPreset { .. } => exit_code::BAD_INPUT,
            CommandError::Solver { .. } => exit_code::SOLVER_FAILURE,
            CommandError::Write { .. } => exit_code::IO,
        }
    }
}

/// What `run` produced.
#[derive(Debug)]
pub struct RunOutcome {
    pub out_dir: PathBuf,
    pub converged: bool,
    pub beats: u32,
    pub metrics: Metrics,
}

pub const METRICS_FILE: &str = "metrics.json";
pub const WAVEFORMS_FILE: &str = "waveforms.csv";
pub const RESOLVED_SCENARIO_FILE: &str = "scenario.resolved.toml";

/// `mitralsim run`: simulate, write DIR/{metrics.json, waveforms.csv, scenario.resolved.toml}
/// and print the summary to `stdout` unless `quiet`.
pub fn run(
    scenario_path: Option<&Path>,
    sets: &[String],
    out: Option<&Path>,
    quiet: bool,
    mut stdout: impl Write,
) -> Result<RunOutcome, CommandError> {
    let scenario = scenario::load(scenario_path, sets)?;
    let solver_failed = |source| CommandError::Solver {
        scenario: scenario.name.clone(),
        source,
    };
    let sim = Simulation::run(scenario.params.clone(), scenario.initial, &scenario.solver)
        .map_err(solver_failed)?;
    let waveforms = sim
        .waveforms(scenario.waveform_step_s)
        .map_err(solver_failed)?;

    let out_dir = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new("output").join(&scenario.name));
    let write_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| CommandError::Write { path, source }
    };
    fs::create_dir_all(&out_dir).map_err(write_err(&out_dir))?;

    let resolved_path = out_dir.join(RESOLVED_SCENARIO_FILE);
    fs::write(&resolved_path, &scenario.resolved_toml).map_err(write_err(&resolved_path))?;

    let metrics_path = out_dir.join(METRICS_FILE);
    let file = MetricsFile {
        mitralsim_version: metrics_json::MITRALSIM_VERSION,
        scenario: scenario_info(&scenario),
        scenario_sha256: &scenario.sha256,
        solver: SolverInfo::new(
            &scenario.solver,
            sim.steady.last_change_ml,
            sim.steady.stats,
        ),
        pre: &sim.metrics,
    };
    write_file(&metrics_path, |w| metrics_json::write(&file, w))?;

    let waveforms_path = out_dir.join(WAVEFORMS_FILE);
    write_file(&waveforms_path, |w| {
        waveforms_csv::write(&[("pre", &waveforms)], w)
    })?;

    if !quiet {
        print_run_header(&scenario, &sim, &mut stdout).map_err(write_err(Path::new("stdout")))?;
        summary::write(&[("pre", &sim.metrics)], &mut stdout)
            .map_err(write_err(Path::new("stdout")))?;
        writeln!(stdout, "\nOutputs in {}", out_dir.display())
            .map_err(write_err(Path::new("stdout")))?;
    }
    Ok(RunOutcome {
        out_dir,
        converged: sim.steady.converged,
        beats: sim.steady.beats,
        metrics: sim.metrics,
    })
}

fn scenario_info(s: &Scenario) -> ScenarioInfo<'_> {
    ScenarioInfo {
        name: &s.name,
        description: s.description.as_deref(),
        source: s.source.as_ref().map(|p| p.display().to_string()),
        resolved: RESOLVED_SCENARIO_FILE,
    }
}

fn print_run_header(s: &Scenario, sim: &Simulation, mut out: impl Write) -> io::Result<()> {
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
    let st = &sim.steady;
    if st.converged {
        writeln!(
            out,
            "Periodic steady state after {} beats (last change {:.1e} mL < {:.0e} mL)\n",
            st.beats, st.last_change_ml, s.solver.tol_ml
        )
    } else {
        writeln!(
            out,
            "NOT CONVERGED after {} beats (last change {:.1e} mL, tolerance {:.0e} mL)\n",
            st.beats, st.last_change_ml, s.solver.tol_ml
        )
    }
}

/// Create `path` and hand a buffered writer to `write`.
fn write_file(
    path: &Path,
    write: impl FnOnce(&mut io::BufWriter<fs::File>) -> io::Result<()>,
) -> Result<(), CommandError> {
    let err = |source| CommandError::Write {
        path: path.to_path_buf(),
        source,
    };
    let file = fs::File::create(path).map_err(err)?;
    let mut w = io::BufWriter::new(file);
    write(&mut w).map_err(err)?;
    w.flush().map_err(err)
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
                        available: all.iter().map(|(p, _)| *p).collect::<Vec<_>>().join(", "),
                    })?;
            out.write_all(text.as_bytes()).map_err(stdout_err)?;
        }
    }
    Ok(())
}
