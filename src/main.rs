//! The `mitralsim` binary: parse arguments, call the library, map errors to exit codes.

use clap::Parser;
use mitralsim::cli::{Cli, Command};
use mitralsim::commands::{self, exit_code};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = std::io::stdout().lock();
    let result = match cli.command {
        Command::Run {
            scenario,
            sets,
            out,
            quiet,
            no_plots,
            plot_format,
        } => commands::run(
            &commands::RunOptions {
                scenario: scenario.as_deref(),
                sets: &sets,
                out: out.as_deref(),
                quiet,
                plots: (!no_plots).then_some(plot_format),
            },
            stdout,
        )
        .map(|outcome| {
            if let Some(beats) = outcome.unconverged_beats() {
                eprintln!(
                    "warning: the periodic steady state was not reached in {beats} beats; \
                         metrics are flagged \"converged\": false (raise solver.max_beats)"
                );
                exit_code::NOT_CONVERGED
            } else {
                exit_code::OK
            }
        }),
        Command::Validate { scenario, sets } => commands::validate(&scenario, &sets).map(|s| {
            println!(
                "ok: {} is a valid scenario ({})",
                scenario.display(),
                s.name
            );
            exit_code::OK
        }),
        Command::Plot {
            kind,
            input_dir,
            format,
            out,
            width,
            height,
        } => {
            commands::plot(kind, &input_dir, format, out.as_deref(), (width, height)).map(|files| {
                for f in files {
                    println!("{}", f.display());
                }
                exit_code::OK
            })
        }
        Command::Presets { name } => {
            commands::presets(name.as_deref(), stdout).map(|()| exit_code::OK)
        }
    };
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
