//! The native part of the `mitralsim` Python package (`mitralsim._native`): the library's own
//! scenario reader, simulation, writers and sweep runner, called in-process.
//!
//! Why a thin layer: every number a Python user sees comes from the same code path as the
//! CLI's (metrics are `commands::metrics_file` serialised by serde_json, files are written by
//! `commands::write_run_outputs`, sweeps by `sweep::sweep`), so results are bit-identical by
//! construction. This file only converts arguments, maps the CLI's exit codes to exceptions,
//! releases the GIL while simulating and keeps panics on the Rust side. The DataFrame and numpy
//! conversions are in `python/mitralsim/__init__.py`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mitralsim::beat::Channel;
use mitralsim::calibrate::{self, CalibrateOptions};
use mitralsim::commands::{self, exit_code, CommandError};
use mitralsim::output::lock;
use mitralsim::plot::ImageFormat;
use mitralsim::scenario::{self, Scenario, ScenarioError as RustScenarioError};
use mitralsim::simulate::{Comparison, Search};
use mitralsim::sweep::{self, SweepError, SweepOptions, SweepOutcome};
use pyo3::exceptions::{PyKeyboardInterrupt, PyOSError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

pyo3::create_exception!(
    _native,
    ScenarioError,
    PyValueError,
    "A scenario (file, preset, text or dict) or a `set` override is invalid; the message is \
     the CLI's, located by file, line and key (CLI exit code 2)."
);
pyo3::create_exception!(
    _native,
    SolverError,
    PyRuntimeError,
    "The simulation itself failed (the ODE solver gave up; CLI exit code 3)."
);
pyo3::create_exception!(
    _native,
    InternalError,
    PyRuntimeError,
    "A bug in mitralsim (a Rust panic, caught at the boundary); please report it."
);

/// The Python exception of a CLI exit code: 2 → ScenarioError, 3 → SolverError, 1 → OSError.
fn exception(code: i32, message: String) -> PyErr {
    match code {
        exit_code::BAD_INPUT => ScenarioError::new_err(message),
        exit_code::SOLVER_FAILURE => SolverError::new_err(message),
        _ => PyOSError::new_err(message),
    }
}

fn command_err(e: CommandError) -> PyErr {
    exception(e.exit_code(), e.to_string())
}

fn scenario_err(e: RustScenarioError) -> PyErr {
    command_err(CommandError::Scenario(e))
}

/// Run `f`, turning a panic into [`InternalError`] instead of unwinding into Python.
fn guarded<T>(f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(InternalError::new_err(format!(
            "internal error (a bug in mitralsim {}): {what}. Please report it with the \
             scenario that triggered it.",
            env!("CARGO_PKG_VERSION")
        )))
    })
}

/// A Python value as a TOML value (for a scenario given as a dict, and for `set` values).
fn to_toml(value: &Bound<'_, PyAny>) -> PyResult<toml::Value> {
    // bool before int: Python's bool is a subclass of int.
    if let Ok(b) = value.downcast::<PyBool>() {
        return Ok(toml::Value::Boolean(b.is_true()));
    }
    if value.is_instance_of::<PyInt>() {
        return Ok(toml::Value::Integer(value.extract()?));
    }
    if value.is_instance_of::<PyFloat>() {
        return Ok(toml::Value::Float(value.extract()?));
    }
    if let Ok(s) = value.downcast::<PyString>() {
        return Ok(toml::Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(d) = value.downcast::<PyDict>() {
        return to_toml_table(d).map(toml::Value::Table);
    }
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        let items: PyResult<Vec<_>> = value.try_iter()?.map(|v| to_toml(&v?)).collect();
        return items.map(toml::Value::Array);
    }
    Err(PyTypeError::new_err(format!(
        "cannot put a {} into a scenario: use bool, int, float, str, list or dict",
        value.get_type().name()?
    )))
}

fn to_toml_table(dict: &Bound<'_, PyDict>) -> PyResult<toml::Table> {
    let mut table = toml::Table::new();
    for (k, v) in dict.iter() {
        let key: String = k
            .extract()
            .map_err(|_| PyTypeError::new_err("scenario dict keys must be str"))?;
        table.insert(key, to_toml(&v)?);
    }
    Ok(table)
}

/// `set` as the CLI's `--set KEY=VALUE` strings: a dict `{key: value}` (values in TOML form)
/// or a list of `"key=value"` strings.
fn set_strings(set: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<String>> {
    let Some(set) = set else {
        return Ok(Vec::new());
    };
    if set.is_none() {
        return Ok(Vec::new());
    }
    if let Ok(d) = set.downcast::<PyDict>() {
        return d
            .iter()
            .map(|(k, v)| Ok(format!("{}={}", k.extract::<String>()?, to_toml(&v)?)))
            .collect();
    }
    if let Ok(s) = set.downcast::<PyString>() {
        return Ok(vec![s.to_cow()?.into_owned()]);
    }
    set.extract::<Vec<String>>().map_err(|_| {
        PyTypeError::new_err("set must be a dict {key: value} or a list of \"key=value\" strings")
    })
}

/// Load the scenario as `mitralsim run SCENARIO --set …` would: `None` is the built-in default;
/// a str is a preset name, TOML text (it has a newline or `=`) or a file path; a dict is the
/// scenario's TOML tables; an `os.PathLike` is a path.
fn load(scenario: Option<&Bound<'_, PyAny>>, sets: &[String]) -> PyResult<Scenario> {
    let scenario = scenario.filter(|s| !s.is_none());
    let Some(scenario) = scenario else {
        return scenario::load(None, sets).map_err(scenario_err);
    };
    let cwd = std::env::current_dir().ok();
    if let Ok(d) = scenario.downcast::<PyDict>() {
        let text = toml::to_string(&to_toml_table(d)?)
            .map_err(|e| ScenarioError::new_err(format!("<dict>: {e}")))?;
        return scenario::load_str(&text, "<dict>", cwd.as_deref(), sets).map_err(scenario_err);
    }
    if let Ok(s) = scenario.downcast::<PyString>() {
        let s = s.to_cow()?;
        let s: &str = &s;
        if let Some((name, text)) = scenario::builtin_presets().iter().find(|(n, _)| *n == s) {
            let origin = format!("{name}.toml");
            return scenario::load_str(text, &origin, cwd.as_deref(), sets).map_err(scenario_err);
        }
        if s.contains('\n') || s.contains('=') {
            return scenario::load_str(s, "<string>", cwd.as_deref(), sets).map_err(scenario_err);
        }
    }
    let path: PathBuf = scenario.extract().map_err(|_| {
        PyTypeError::new_err(
            "scenario must be None, a preset name, a path, TOML text or a dict of its tables",
        )
    })?;
    scenario::load(Some(&path), sets).map_err(scenario_err)
}

/// A finished run: the scenario as resolved and both simulated states.
#[pyclass(module = "mitralsim._native", frozen)]
struct NativeResult {
    scenario: Scenario,
    result: Comparison,
}

#[pymethods]
impl NativeResult {
    /// metrics.json's text, exactly as `mitralsim run` writes it.
    fn metrics_json(&self) -> PyResult<String> {
        guarded(|| {
            serde_json::to_string_pretty(&commands::metrics_file(&self.scenario, &self.result))
                .map_err(|e| InternalError::new_err(e.to_string()))
        })
    }

    /// waveforms.csv's columns as {name: list}: `state`, `t_s`, then every channel.
    fn waveform_columns<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let beats = self.result.waveforms(self.scenario.waveform_step_s);
        let out = PyDict::new(py);
        let states: Vec<&str> = beats
            .iter()
            .flat_map(|(s, b)| std::iter::repeat_n(*s, b.t_s.len()))
            .collect();
        out.set_item("state", states)?;
        let t_s: Vec<f64> = beats.iter().flat_map(|(_, b)| b.t_s.clone()).collect();
        out.set_item("t_s", t_s)?;
        for (col, channel) in Channel::ALL.iter().enumerate() {
            let values: Vec<f64> = beats
                .iter()
                .flat_map(|(_, b)| b.data.column(col).to_vec())
                .collect();
            out.set_item(channel.name(), values)?;
        }
        Ok(out)
    }

    /// Write the files `mitralsim run --out DIR` writes (figures in `plots` format: "png",
    /// "svg", or None for none); returns the figure paths.
    #[pyo3(signature = (out_dir, plots = Some("png")))]
    fn write(
        &self,
        py: Python<'_>,
        out_dir: PathBuf,
        plots: Option<&str>,
    ) -> PyResult<Vec<PathBuf>> {
        let format = plots
            .map(str::parse::<ImageFormat>)
            .transpose()
            .map_err(|e| command_err(e.into()))?;
        py.allow_threads(|| {
            guarded(|| {
                let _lock = lock::create_and_lock(&out_dir).map_err(|e| command_err(e.into()))?;
                commands::write_run_outputs(&out_dir, &self.scenario, &self.result, format, false)
                    .map(|written| written.plots)
                    .map_err(command_err)
            })
        })
    }

    /// True when every state reached its periodic steady state (the CLI exits 4 otherwise).
    #[getter]
    fn converged(&self) -> bool {
        self.result.converged()
    }

    /// Beats of the first state that did not converge, else None.
    #[getter]
    fn unconverged_beats(&self) -> Option<u32> {
        self.result
            .states()
            .find(|(_, s)| !s.steady.converged)
            .map(|(_, s)| s.steady.beats)
    }

    #[getter]
    fn name(&self) -> &str {
        &self.scenario.name
    }

    /// scenario.resolved.toml's text: loading it again gives the same scenario.
    #[getter]
    fn resolved_toml(&self) -> &str {
        &self.scenario.resolved_toml
    }

    #[getter]
    fn scenario_sha256(&self) -> &str {
        &self.scenario.sha256
    }
}

/// Simulate a scenario before (and, with a clip, after) the repair, with the GIL released.
#[pyfunction]
#[pyo3(signature = (scenario = None, set = None, convergence = "accelerated"))]
fn run(
    py: Python<'_>,
    scenario: Option<&Bound<'_, PyAny>>,
    set: Option<&Bound<'_, PyAny>>,
    convergence: &str,
) -> PyResult<NativeResult> {
    let search: Search = convergence.parse().map_err(PyValueError::new_err)?;
    let sets = set_strings(set)?;
    let scenario = guarded(|| load(scenario, &sets))?;
    let result = py.allow_threads(|| {
        guarded(|| {
            Comparison::run_with(&scenario, search).map_err(|source| {
                command_err(CommandError::Run {
                    scenario: scenario.name.clone(),
                    source,
                })
            })
        })
    })?;
    Ok(NativeResult { scenario, result })
}

/// Check a scenario as `mitralsim validate` does; returns its name, source and hash.
#[pyfunction]
#[pyo3(signature = (scenario, set = None))]
fn validate<'py>(
    py: Python<'py>,
    scenario: &Bound<'py, PyAny>,
    set: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let sets = set_strings(set)?;
    let s = guarded(|| load(Some(scenario), &sets))?;
    let out = PyDict::new(py);
    out.set_item("name", &s.name)?;
    out.set_item("description", &s.description)?;
    out.set_item("source", s.source.as_ref().map(|p| p.display().to_string()))?;
    out.set_item("scenario_sha256", &s.sha256)?;
    out.set_item("has_clip", s.clip.is_some())?;
    Ok(out)
}

/// The built-in preset names (the default first is `default_preset()`), or one preset's TOML.
#[pyfunction]
#[pyo3(signature = (name = None))]
fn presets(py: Python<'_>, name: Option<&str>) -> PyResult<PyObject> {
    let mut out = Vec::new();
    guarded(|| commands::presets(name, &mut out).map_err(command_err))?;
    let text = String::from_utf8_lossy(&out).into_owned();
    Ok(match name {
        Some(_) => text.into_pyobject(py)?.into_any().unbind(),
        None => scenario::builtin_presets()
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .into_pyobject(py)?
            .into_any()
            .unbind(),
    })
}

#[pyfunction]
fn default_preset() -> &'static str {
    scenario::DEFAULT_PRESET
}

fn sweep_err(e: SweepError) -> PyErr {
    exception(e.exit_code(), e.to_string())
}

/// Rows in results.csv so far, counted from where the last call stopped (for `progress`).
struct RowCounter {
    path: PathBuf,
    offset: u64,
    rows: u64,
    shown: Option<Instant>,
}

impl RowCounter {
    /// True at most twice a second.
    fn due(&mut self) -> bool {
        let due = self
            .shown
            .is_none_or(|t| t.elapsed() >= Duration::from_millis(500));
        if due {
            self.shown = Some(Instant::now());
        }
        due
    }

    fn update(&mut self) -> u64 {
        use std::io::{Read, Seek, SeekFrom};
        if let Ok(mut f) = std::fs::File::open(&self.path) {
            let mut buf = Vec::new();
            if f.seek(SeekFrom::Start(self.offset)).is_ok() && f.read_to_end(&mut buf).is_ok() {
                self.offset += buf.len() as u64;
                self.rows += buf.iter().filter(|&&b| b == b'\n').count() as u64;
            }
        }
        self.rows.saturating_sub(1) // the header
    }
}

/// Progress text on Python's `sys.stderr` (a notebook shows it; a failure to show it is ignored).
fn write_stderr(py: Python<'_>, text: &str) {
    if let Ok(stderr) = py.import("sys").and_then(|sys| sys.getattr("stderr")) {
        let _ = stderr.call_method1("write", (text,));
    }
}

/// Run a sweep file into `out_dir` as `mitralsim sweep FILE --out DIR` does, on rayon threads
/// with the GIL released. Ctrl-C (KeyboardInterrupt) sets the sweep's stop flag: the rows
/// written stay valid (`resume=True` continues) and KeyboardInterrupt is raised.
#[pyfunction]
#[pyo3(signature = (sweep_file, out_dir, jobs = None, resume = false, waveforms = false, progress = false))]
fn sweep_into<'py>(
    py: Python<'py>,
    sweep_file: PathBuf,
    out_dir: PathBuf,
    jobs: Option<usize>,
    resume: bool,
    waveforms: bool,
    progress: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let opts = SweepOptions {
        sweep_file,
        out: Some(out_dir.clone()),
        jobs,
        shard: None,
        resume,
        waveforms,
    };
    let stop = Arc::new(AtomicBool::new(false));
    let worker = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || catch_unwind(AssertUnwindSafe(|| sweep::sweep(&opts, &stop))))
    };
    let mut counter = RowCounter {
        path: out_dir.join(sweep::RESULTS_FILE),
        offset: 0,
        rows: 0,
        shown: None,
    };
    let mut interrupt: Option<PyErr> = None;
    while !worker.is_finished() {
        py.allow_threads(|| std::thread::sleep(Duration::from_millis(20)));
        if interrupt.is_none() {
            if let Err(e) = py.check_signals() {
                stop.store(true, Ordering::SeqCst);
                interrupt = Some(e);
            }
        }
        if progress && counter.due() {
            let rows = counter.update();
            write_stderr(py, &format!("\rmitralsim sweep: {rows} points written"));
        }
    }
    let outcome = worker.join().unwrap_or_else(Err);
    if progress {
        let rows = counter.update();
        write_stderr(py, &format!("\rmitralsim sweep: {rows} points written\n"));
    }
    let outcome: SweepOutcome = match outcome {
        Ok(result) => result.map_err(sweep_err)?,
        Err(_) => {
            return Err(InternalError::new_err(
                "internal error: the sweep panicked; please report it with the sweep file",
            ))
        }
    };
    if let Some(e) = interrupt {
        return Err(e);
    }
    if outcome.interrupted {
        return Err(PyKeyboardInterrupt::new_err(format!("{outcome}")));
    }
    let out = PyDict::new(py);
    out.set_item("out_dir", &outcome.out_dir)?;
    out.set_item("points", outcome.points)?;
    out.set_item("computed", outcome.computed)?;
    out.set_item("ok", outcome.counts.ok)?;
    out.set_item("not_converged", outcome.counts.not_converged)?;
    out.set_item("error", outcome.counts.error)?;
    out.set_item("jobs", outcome.jobs)?;
    out.set_item("wall_time_s", outcome.wall_time_s)?;
    out.set_item("exit_code", outcome.exit_code())?;
    out.set_item("summary", outcome.to_string())?;
    Ok(out)
}

/// Fit a calibration file as `mitralsim calibrate FILE --out DIR` does (quiet, no figure), with
/// the GIL released; returns the calibrated scenario's text and the exit code (0: every target
/// met, 6: finished with targets not met). fit.json is in `out_dir`.
#[pyfunction]
#[pyo3(signature = (calibration_file, out_dir, set = None, jobs = None, plot = false))]
fn calibrate_into<'py>(
    py: Python<'py>,
    calibration_file: PathBuf,
    out_dir: PathBuf,
    set: Option<&Bound<'py, PyAny>>,
    jobs: Option<usize>,
    plot: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let sets = set_strings(set)?;
    let outcome = py.allow_threads(|| {
        guarded(|| {
            let opts = CalibrateOptions {
                file: &calibration_file,
                sets: &sets,
                out: Some(&out_dir),
                jobs,
                quiet: true,
                plot: plot.then_some(ImageFormat::Png),
            };
            calibrate::calibrate(&opts, std::io::sink())
                .map_err(|e| exception(e.exit_code(), e.to_string()))
        })
    })?;
    let out = PyDict::new(py);
    out.set_item("out_dir", &outcome.out_dir)?;
    out.set_item("scenario_toml", &outcome.calibrated_toml)?;
    out.set_item("exit_code", outcome.exit_code())?;
    Ok(out)
}

/// The default output directory `mitralsim sweep FILE` uses.
#[pyfunction]
fn default_sweep_dir(sweep_file: PathBuf) -> PathBuf {
    sweep::default_dir(Path::new(&sweep_file), None)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add(
        "__version__",
        mitralsim::output::metrics_json::MITRALSIM_VERSION,
    )?;
    m.add("ScenarioError", py.get_type::<ScenarioError>())?;
    m.add("SolverError", py.get_type::<SolverError>())?;
    m.add("InternalError", py.get_type::<InternalError>())?;
    m.add_class::<NativeResult>()?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    m.add_function(wrap_pyfunction!(presets, m)?)?;
    m.add_function(wrap_pyfunction!(default_preset, m)?)?;
    m.add_function(wrap_pyfunction!(sweep_into, m)?)?;
    m.add_function(wrap_pyfunction!(default_sweep_dir, m)?)?;
    m.add_function(wrap_pyfunction!(calibrate_into, m)?)?;
    Ok(())
}
