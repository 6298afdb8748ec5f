//! The `mitralsim` binary: parse arguments, call the library, map errors to exit codes.

use clap::Parser;
use mitralsim::calibrate;
use mitralsim::cli::{Cli, Command};
use mitralsim::commands::{self, exit_code};
use mitralsim::sweep::{self, SweepError, SweepOptions};
use std::fmt::Display;
use std::io::{self, Write};
use std::panic::{self, AssertUnwindSafe};
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
    guarded(|| dispatch(cli))
}

/// mimalloc marks its arena for transparent huge pages: on a kernel that grants them on request
/// (`madvise` mode), every 2 MiB of the arena a sweep touches then stays resident whole. The
/// 1000-point grid of scenarios/sweeps/eroa-hr.toml peaked at 52 MB of memory on 2 threads
/// with them and at 22 MB without, 3 % faster; a one-point sweep at 24 MB and 14 MB. For sweeps
/// only: a `run` draws its figures in 4.8 MB pixel buffers, which huge pages fault in 6 ms of
/// CPU sooner.
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and only sets a flag of this process;
    // where the kernel does not know it, the call fails harmlessly.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Run `command`, turning a panic (a bug: input errors are typed errors) into exit 1 with a
/// request to report it, instead of an abort with a bare Rust message.
fn guarded(command: impl FnOnce() -> ExitCode) -> ExitCode {
    panic::catch_unwind(AssertUnwindSafe(command)).unwrap_or_else(|_| {
        report(format!(
            "error: internal error (a bug in mitralsim {}): the message above says where. \
             Please report it with the command line and its input files. Output files are \
             written atomically, so none was left half written.",
            env!("CARGO_PKG_VERSION")
        ));
        ExitCode::from(exit_code::IO as u8)
    })
}

/// A line on stderr; if stderr itself is gone there is no one to tell.
fn report(message: impl Display) {
    let _ = writeln!(io::stderr(), "{message}");
}

/// A line on stdout; a closed or full stdout (`… | head`) is an error like any other write
/// failure, not a panic.
fn say(text: impl Display) -> Result<(), commands::CommandError> {
    writeln!(io::stdout(), "{text}")
        .and_then(|()| io::stdout().flush())
        .map_err(|source| commands::CommandError::Write {
            path: "stdout".into(),
            source,
        })
}

fn dispatch(cli: Cli) -> ExitCode {
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
            report: with_report,
        } => commands::run(
            &commands::RunOptions {
                scenario: scenario.as_deref(),
                sets: &sets,
                out: out.as_deref(),
                quiet,
                plots: (!no_plots).then_some(plot_format),
                convergence,
                report: with_report,
            },
            stdout,
        )
        .map(|outcome| {
            // The summary (not printed with -q) carries this warning too.
            if let (true, Some(flag)) = (quiet, outcome.stenosis_risk()) {
                report(format!(
                    "warning: post-clip mean transmitral gradient {:.1} mmHg > {} mmHg: risk of \
                     iatrogenic mitral stenosis",
                    flag.post_mean_gradient_mmhg, flag.threshold_mmhg
                ));
            }
            if let Some(beats) = outcome.unconverged_beats() {
                report(format!(
                    "warning: the periodic steady state was not reached in {beats} beats; \
                         metrics are flagged \"converged\": false (raise solver.max_beats)"
                ));
                exit_code::NOT_CONVERGED
            } else {
                exit_code::OK
            }
        }),
        Command::Validate { scenario, sets } => {
            commands::validate(&scenario, &sets).and_then(|s| {
                say(format!(
                    "ok: {} is a valid scenario ({})",
                    scenario.display(),
                    s.name
                ))
                .map(|()| exit_code::OK)
            })
        }
        Command::Plot {
            kind,
            input_dirs,
            compare_kind,
            labels,
            font_scale,
            metric,
            x_axis,
            y_axis,
            wheres,
            facet,
            format,
            out,
            width,
            height,
        } => commands::plot(commands::PlotRequest {
            choice: kind,
            input_dirs: &input_dirs,
            format,
            out: out.as_deref(),
            size_px: (width, height),
            font_scale,
            metric,
            x_axis,
            y_axis,
            wheres,
            facet,
            compare_kind,
            labels,
        })
        .and_then(|files| {
            files
                .iter()
                .try_for_each(|f| say(f.display()))
                .map(|()| exit_code::OK)
        }),
        Command::Report { run_dir, out } => {
            commands::report(&run_dir, out.as_deref()).map(|file| {
                println!("{}", file.display());
                exit_code::OK
            })
        }
        Command::Sweep {
            sweep,
            out,
            jobs,
            shard,
            resume,
            waveforms,
        } => {
            no_transparent_huge_pages();
            let options = SweepOptions {
                sweep_file: sweep,
                out,
                jobs: jobs.map(usize::from),
                shard,
                resume,
                waveforms,
            };
            return finish(
                sweep::sweep(&options, stop_signal())
                    .map(|outcome| (outcome.to_string(), outcome.exit_code())),
            );
        }
        Command::Merge { dirs, out } => {
            return finish(
                sweep::merge(&dirs, out.as_deref())
                    .map(|outcome| (outcome.to_string(), exit_code::OK)),
            );
        }
        Command::Calibrate {
            file,
            out,
            sets,
            jobs,
            quiet,
            no_plots,
            plot_format,
            sensitivity_table,
        } => {
            let result = match (sensitivity_table, file) {
                (Some(scenario), _) => calibrate::with_threads(jobs.map(usize::from), || {
                    calibrate::sensitivity_table(&scenario, &sets)
                })
                .and_then(|r| r)
                .map(|table| {
                    print!("{table}");
                    exit_code::OK
                }),
                (None, file) => {
                    let file = file.expect("clap requires FILE without --sensitivity-table");
                    calibrate::calibrate(
                        &calibrate::CalibrateOptions {
                            file: &file,
                            sets: &sets,
                            out: out.as_deref(),
                            jobs: jobs.map(usize::from),
                            quiet,
                            plot: (!no_plots).then_some(plot_format),
                        },
                        stdout,
                    )
                    .map(|outcome| outcome.exit_code())
                }
            };
            return match result {
                Ok(code) => ExitCode::from(code as u8),
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(e.exit_code() as u8)
                }
            };
        }
        Command::Presets { name } => {
            commands::presets(name.as_deref(), stdout).map(|()| exit_code::OK)
        }
    };
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            report(format!("error: {e}"));
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

/// The exit code of `sweep` or `merge`: its summary printed (a closed stdout is exit 1, as for
/// `run`), or its error.
fn finish(result: Result<(String, i32), SweepError>) -> ExitCode {
    match result {
        Ok((summary, code)) => match say(summary) {
            Ok(()) => ExitCode::from(code as u8),
            Err(e) => {
                report(format!("error: {e}"));
                ExitCode::from(e.exit_code() as u8)
            }
        },
        Err(e) => {
            report(format!("error: {e}"));
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

/// A flag raised by the first Ctrl-C, SIGTERM or SIGHUP (what a batch scheduler sends before
/// it kills a job): the sweep stops cleanly after the points in progress, writes sweep.json
/// (`interrupted`) and exits 130. A second signal exits at once (130), after sweep.json is
/// rewritten from the rows on disk; the rows written are whole either way.
fn stop_signal() -> &'static AtomicBool {
    static STOP: AtomicBool = AtomicBool::new(false);
    let handler = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) {
            // sweep.json agrees with the rows on disk, and no further row is written.
            sweep::quit_now();
            std::process::exit(exit_code::INTERRUPTED);
        }
        report("\ninterrupted: finishing the points in progress (interrupt again to quit at once)");
    });
    if let Err(e) = handler {
        report(format!(
            "warning: Ctrl-C and SIGTERM will not stop the sweep cleanly: {e}"
        ));
    }
    &STOP
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_exit_1_not_an_abort() {
        let code = guarded(|| panic!("a deliberate bug"));
        assert_eq!(code, ExitCode::from(1));
        assert_eq!(guarded(|| ExitCode::from(4)), ExitCode::from(4));
    }
}
