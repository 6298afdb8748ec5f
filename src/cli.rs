//! Command-line definitions (clap derive) and nothing else.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Lumped-parameter simulator of mitral regurgitation and its transcatheter edge-to-edge repair.
///
/// Exit codes: 0 success; 1 I/O or internal error; 2 bad input (scenario file, --set, command
/// line); 3 solver failure; 4 finished, outputs written, but the periodic steady state was not
/// reached within solver.max_beats.
#[derive(Debug, Parser)]
#[command(name = "mitralsim", version, about, long_about = None, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

pub const EXIT_CODES: &str = "Exit codes: 0 ok, 1 I/O or internal error, 2 bad input, \
3 solver failure, 4 not converged (outputs written and flagged)";

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
    },
    /// Check a scenario (and --set overrides) without running it.
    Validate {
        scenario: PathBuf,
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
    },
    /// List the built-in presets, or print one (a starting point for your own scenario).
    Presets {
        /// Preset to print as TOML.
        name: Option<String>,
    },
}
