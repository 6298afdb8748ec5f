//! Command-line definitions (clap derive) and nothing else.

use crate::plot::{AnyPlotKind, ImageFormat};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::str::FromStr;

/// A plot kind (of a run or of a sweep), every run figure, or several runs compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlotChoice {
    One(AnyPlotKind),
    All,
    Compare,
}

impl FromStr for PlotChoice {
    type Err = crate::plot::PlotError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "all" => Ok(PlotChoice::All),
            "compare" => Ok(PlotChoice::Compare),
            _ => s.parse().map(PlotChoice::One),
        }
    }
}

/// Lumped-parameter simulator of mitral regurgitation and its transcatheter edge-to-edge repair.
///
/// Exit codes: 0 success; 1 I/O or internal error; 2 bad input (scenario file, --set, command
/// line, sweep file); 3 solver failure; 4 finished, outputs written, but the periodic steady state
/// was not reached within solver.max_beats; 5 a sweep finished but some points failed; 6 a
/// calibration finished but some targets were not met; 130 a sweep was interrupted (Ctrl-C).
#[derive(Debug, Parser)]
#[command(name = "mitralsim", version, about, long_about = None, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

pub const EXIT_CODES: &str = "Exit codes: 0 ok, 1 I/O or internal error, 2 bad input, \
3 solver failure, 4 not converged (outputs written and flagged), 5 sweep finished but some \
points failed, 6 calibration finished but targets not met, 130 sweep interrupted";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario to its periodic steady state and write its metrics and waveforms.
    Run {
        /// Scenario file (TOML). Without it, the built-in default preset (secondary-mr-hf).
        scenario: Option<PathBuf>,
        /// Override a scenario key without editing the file, e.g. --set valves.mitral.eroa_cm2=0.3
        /// (repeatable; validated like the file).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// Output directory [default: output/<scenario name>/].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Do not print the summary table.
        #[arg(long, short)]
        quiet: bool,
        /// Do not draw the figures (pv-loop, wiggers, la-loop, bars) next to the outputs.
        #[arg(long)]
        no_plots: bool,
        /// Image format of the figures.
        #[arg(long, value_name = "png|svg", default_value = "png")]
        plot_format: ImageFormat,
        /// How to find the periodic steady state: Anderson-accelerated beats, or plain beat
        /// after beat (slower; what a sweep with convergence = "plain" does). Both stop at the
        /// same criterion, solver.steady_tol_ml.
        #[arg(long, value_name = "accelerated|plain", default_value = "accelerated")]
        convergence: crate::simulate::Search,
        /// Also write report.html (scenario, metrics table, figures, provenance) next to the
        /// outputs.
        #[arg(long)]
        report: bool,
    },
    /// Write DIR/report.html from a run's saved outputs: one self-contained page (figures
    /// inline as SVG, no network access) with the scenario, the pre/post/change table with MR
    /// grades and the stenosis flag, solver statistics and provenance.
    Report {
        /// Output directory of a `mitralsim run`.
        run_dir: PathBuf,
        /// The page to write [default: RUN_DIR/report.html].
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Redraw a figure from saved outputs, without re-simulating: of a run (metrics.json,
    /// waveforms.csv) or of a sweep (results.csv, waveforms/).
    Plot {
        /// Run figures: pv-loop, wiggers, la-loop, bars, or all. Sweep figures: sweep-line,
        /// heatmap, pv-family, sensitivity (a saltelli sweep's Sobol' indices). `compare`:
        /// several runs on one figure (see --kind, --labels).
        kind: PlotChoice,
        /// Output directory of a `mitralsim run` or `mitralsim sweep`; for `compare`, two or
        /// more run directories.
        #[arg(required = true, num_args = 1..)]
        input_dirs: Vec<PathBuf>,
        /// compare: the figure, pv-loop, wiggers, la-loop or bars [default: pv-loop].
        #[arg(long = "kind", value_name = "KIND")]
        compare_kind: Option<crate::plot::PlotKind>,
        /// compare: one name per directory, comma-separated [default: each run's scenario
        /// name].
        #[arg(long, value_name = "A,B,…", value_delimiter = ',')]
        labels: Vec<String>,
        /// Multiply every text size (0.5 to 2; e.g. 1.5 for slides).
        #[arg(long, value_name = "F", default_value_t = 1.0)]
        font_scale: f64,
        /// Sweep figures: the metric, e.g. regurgitant_volume_ml (pre and post) or
        /// post_mitral_mean_gradient_mmhg; sweep-line and sensitivity take a comma-separated
        /// list.
        #[arg(long, value_name = "METRIC")]
        metric: Option<String>,
        /// Sweep figures: the axis (scenario key) on x.
        #[arg(long = "x", value_name = "AXIS")]
        x_axis: Option<String>,
        /// Heatmap: the axis (scenario key) on y.
        #[arg(long = "y", value_name = "AXIS")]
        y_axis: Option<String>,
        /// Sweep figures: fix an axis at one of its values, to draw a sweep of more axes
        /// (repeatable). Words and structured values as in results.csv; numbers match the
        /// nearest value within 1e-5 relative.
        #[arg(long = "where", value_name = "KEY=VALUE")]
        wheres: Vec<crate::plot::Where>,
        /// heatmap, sweep-line: one panel per value of this axis (at most 9).
        #[arg(long, value_name = "AXIS")]
        facet: Option<String>,
        /// png or svg [default: png, or the extension of --out].
        #[arg(long, value_name = "png|svg")]
        format: Option<ImageFormat>,
        /// Image file [default: INPUT_DIR/<kind>.<format>]; not with `all`.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Image width and height in pixels.
        #[arg(long, value_name = "PX", default_value_t = 1600)]
        width: u32,
        #[arg(long, value_name = "PX", default_value_t = 1000)]
        height: u32,
    },
    /// Check a scenario (and --set overrides) without running it.
    Validate {
        scenario: PathBuf,
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
    },
    /// Run a parameter sweep (docs/sweeps.md): one pre/post comparison per point, in parallel,
    /// rows streamed to DIR/results.csv, DIR/sweep.json recording what was run.
    Sweep {
        /// Sweep file (TOML): base scenario, mode (grid, lhs, sobol, random, saltelli) and axes.
        sweep: PathBuf,
        /// Output directory [default: output/sweeps/<sweep file stem>/, and shard-I-of-N/
        /// inside it with --shard].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Worker threads [default: all cores].
        #[arg(long, short, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
        jobs: Option<u16>,
        /// Run only shard I of N (1-based): a deterministic 1/N of the points, e.g. one task of
        /// a job array; join the shards with `mitralsim merge`.
        #[arg(long, value_name = "I/N")]
        shard: Option<crate::sweep::Shard>,
        /// Continue an interrupted sweep in DIR: keep its complete rows, compute the rest.
        #[arg(long)]
        resume: bool,
        /// Also write each point's converged beats to DIR/waveforms/point-<index>.csv (sweeps of
        /// at most 100 points), for `mitralsim plot pv-family DIR`.
        #[arg(long)]
        waveforms: bool,
    },
    /// Join the output directories of `sweep --shard` runs into one results.csv sorted by point,
    /// after checking that they are all the shards of one sweep.
    Merge {
        /// Shard output directories (each with sweep.json and results.csv).
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Output directory [default: merged/ next to the first DIR].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Fit the model to a patient's measurements (docs/calibration.md): free parameters by
    /// bounded least squares, then the calibrated scenario before and after its clip. Writes
    /// DIR/{calibrated.toml, fit.json, calibration.png}. Exit code 6: the fit finished but some
    /// targets were not met.
    Calibrate {
        /// Calibration file (TOML): scenario, [set], [targets], [free], [options].
        #[arg(required_unless_present = "sensitivity_table")]
        file: Option<PathBuf>,
        /// Output directory [default: output/calibrations/<name>/].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Fix a scenario key, after the file's [set] (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// Worker threads [default: all cores]; the result does not depend on it.
        #[arg(long, short, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
        jobs: Option<u16>,
        /// Do not print the table.
        #[arg(long, short)]
        quiet: bool,
        /// Do not draw the targets-vs-achieved figure.
        #[arg(long)]
        no_plots: bool,
        /// Image format of the figure.
        #[arg(long, value_name = "png|svg", default_value = "png")]
        plot_format: ImageFormat,
        /// Instead of fitting, print the elasticities of the common measurements to the
        /// candidate parameters at SCENARIO (a preset name or a file), as a Markdown table: the
        /// table behind the default free parameters.
        #[arg(long, value_name = "SCENARIO", conflicts_with = "file")]
        sensitivity_table: Option<String>,
    },
    /// List the built-in presets, or print one (a starting point for your own scenario).
    Presets {
        /// Preset to print as TOML.
        name: Option<String>,
    },
}
