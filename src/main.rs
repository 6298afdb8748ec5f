//! The `mitralsim` binary: parse arguments, call the library, map errors to exit codes.

use clap::Parser;
use mitralsim::cli::{Cli, Command};
use mitralsim::commands::{self, exit_code};
use mitralsim::sweep::{self, SweepError, SweepOptions};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

/// mimalloc instead of the system allocator: each sweep point allocates and frees a few
/// hundred-kB buffers (a beat's steps and samples); glibc hands such blocks of a worker thread's
/// arena back to the kernel on every free (`madvise`) and faults them in again on the next
/// point, which cost up to 15 % of a sweep's wall time.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
            convergence,
        } => commands::run(
            &commands::RunOptions {
                scenario: scenario.as_deref(),
                sets: &sets,
                out: out.as_deref(),
                quiet,
                plots: (!no_plots).then_some(plot_format),
                convergence,
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
            metric,
            x_axis,
            y_axis,
            format,
            out,
            width,
            height,
        } => commands::plot(commands::PlotRequest {
            choice: kind,
            input_dir: &input_dir,
            format,
            out: out.as_deref(),
            size_px: (width, height),
            metric,
            x_axis,
            y_axis,
        })
        .map(|files| {
            for f in files {
                println!("{}", f.display());
            }
            exit_code::OK
        }),
        Command::Sweep {
            sweep,
            out,
            jobs,
            shard,
            resume,
            waveforms,
        } => {
            let options = SweepOptions {
                sweep_file: sweep,
                out,
                jobs: jobs.map(usize::from),
                shard,
                resume,
                waveforms,
            };
            return finish(sweep::sweep(&options, ctrl_c()).map(|outcome| {
                println!("{outcome}");
                outcome.exit_code()
            }));
        }
        Command::Merge { dirs, out } => {
            return finish(sweep::merge(&dirs, out.as_deref()).map(|outcome| {
                println!("{outcome}");
                exit_code::OK
            }));
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

/// The exit code of `sweep` or `merge`, printing the error if there is one.
fn finish(result: Result<i32, SweepError>) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

/// A flag raised by the first Ctrl-C (the sweep stops cleanly after the points in progress); a
/// second Ctrl-C exits at once.
fn ctrl_c() -> &'static AtomicBool {
    static STOP: AtomicBool = AtomicBool::new(false);
    let handler = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) {
            std::process::exit(exit_code::INTERRUPTED);
        }
        eprintln!("\ninterrupted: finishing the points in progress (Ctrl-C again to quit at once)");
    });
    if let Err(e) = handler {
        eprintln!("warning: Ctrl-C will not stop the sweep cleanly: {e}");
    }
    &STOP
}
