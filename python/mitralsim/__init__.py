"""mitralsim in Python: the Rust simulator called in-process (docs/python.md).

Every number comes from the Rust library (the same code as the ``mitralsim`` command line), so
``run(...).metrics`` equals ``mitralsim run``'s metrics.json bit for bit. This module only turns
the native results into Python objects: a dict for metrics, a pandas DataFrame (or numpy arrays,
or lists) for waveforms and sweep results.
"""

import csv
import json
import os
import tempfile
import warnings

from . import _native
from ._native import InternalError, ScenarioError, SolverError, default_preset, presets, validate

__version__ = _native.__version__

__all__ = [
    "run",
    "sweep",
    "calibrate",
    "Fit",
    "presets",
    "default_preset",
    "validate",
    "Result",
    "SweepRows",
    "ScenarioError",
    "SolverError",
    "InternalError",
    "NotConvergedWarning",
    "__version__",
]


class NotConvergedWarning(UserWarning):
    """A state did not reach its periodic steady state (the CLI's exit code 4); the metrics are
    flagged ``"converged": false`` in ``metrics["solver"]``."""


def _columns(columns):
    """waveforms.csv's columns as a DataFrame if pandas is installed, else numpy arrays, else
    lists."""
    try:
        import pandas

        return pandas.DataFrame(columns)
    except ImportError:
        pass
    try:
        import numpy

        return {k: numpy.asarray(v) for k, v in columns.items()}
    except ImportError:
        return dict(columns)


class Result:
    """One ``run``: ``metrics`` (metrics.json as a dict), ``waveforms`` (waveforms.csv as a
    DataFrame), ``converged``, ``resolved_toml`` and ``write(dir)``."""

    def __init__(self, native):
        self._native = native
        self._metrics = None
        self._waveforms = None

    @property
    def metrics(self):
        """metrics.json's structure and values: pre, post, change, clip, solver, undefined…"""
        if self._metrics is None:
            self._metrics = json.loads(self._native.metrics_json())
        return self._metrics

    @property
    def waveforms(self):
        """waveforms.csv's columns (``state``, ``t_s``, then every channel with its unit)."""
        if self._waveforms is None:
            self._waveforms = _columns(self._native.waveform_columns())
        return self._waveforms

    @property
    def converged(self):
        """False when a state did not reach its periodic steady state (CLI exit code 4)."""
        return self._native.converged

    @property
    def unconverged_beats(self):
        return self._native.unconverged_beats

    @property
    def name(self):
        return self._native.name

    @property
    def resolved_toml(self):
        """scenario.resolved.toml: every key explicit; loading it gives the same scenario."""
        return self._native.resolved_toml

    @property
    def scenario_sha256(self):
        return self._native.scenario_sha256

    def write(self, out_dir, plots="png"):
        """Write the files ``mitralsim run --out out_dir`` writes (figures as ``plots``:
        "png", "svg" or None). Returns the paths of the figures."""
        return self._native.write(os.fspath(out_dir), plots)

    def __repr__(self):
        state = "converged" if self.converged else "NOT converged"
        return f"<mitralsim.Result {self.name!r} ({state})>"


def run(scenario=None, set=None, convergence="accelerated"):
    """Simulate a scenario before and (with a ``[clip]``) after the repair.

    ``scenario``: None (the built-in default), a preset name (``presets()``), a file path, TOML
    text, or a dict of the scenario's tables. ``set``: overrides as ``{"key.path": value}`` (or a
    list of ``"key.path=value"`` strings), exactly like ``--set``.
    Raises ScenarioError (bad input), SolverError (solver failure); warns NotConvergedWarning.
    """
    if isinstance(scenario, os.PathLike):
        scenario = os.fspath(scenario)
    result = Result(_native.run(scenario, set, convergence))
    if not result.converged:
        warnings.warn(
            f"the periodic steady state was not reached in {result.unconverged_beats} beats; "
            'metrics are flagged "converged": false (raise solver.max_beats)',
            NotConvergedWarning,
            stacklevel=2,
        )
    return result


class SweepRows(list):
    """results.csv as a list of dicts (cells as text) when pandas is not installed; like a
    DataFrame, the run's summary is in ``attrs["mitralsim"]``."""

    def __init__(self, rows):
        super().__init__(rows)
        self.attrs = {}


def _read_results(path):
    try:
        import pandas

        # Before pandas 3 the default parser may differ from the exact double in the last bit;
        # "round_trip" reads exactly what results.csv holds (pandas 3 does so by default).
        exact = {} if int(pandas.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}
        return pandas.read_csv(path, keep_default_na=False, na_values=[""], **exact)
    except ImportError:
        with open(path, newline="") as f:
            return SweepRows(csv.DictReader(f))


class Fit(dict):
    """A calibration's fit.json as a dict (targets, parameters, identifiability, status, …), with
    ``scenario_toml`` (the calibrated scenario, calibrated.toml's text) and ``exit_code`` (0:
    every target met; 6: the fit finished but some were not, the report says why)."""

    scenario_toml = ""
    exit_code = 0


def calibrate(calibration_file, set=None, jobs=None, out=None, plot=False):
    """Fit a calibration file as ``mitralsim calibrate`` does (docs/calibration.md) and return
    the report as a ``Fit``. ``set``: overrides like ``--set``; ``out``: keep calibrated.toml and
    fit.json there (default: a temporary directory); ``plot``: also draw calibration.png there.
    Raises ScenarioError for a bad file (with its line and key), SolverError if the model fails."""
    calibration_file = os.fspath(calibration_file)

    def go(out_dir):
        outcome = _native.calibrate_into(calibration_file, out_dir, set, jobs, plot)
        with open(os.path.join(out_dir, "fit.json")) as f:
            fit = Fit(json.load(f))
        fit.scenario_toml = outcome["scenario_toml"]
        fit.exit_code = outcome["exit_code"]
        return fit

    if out is not None:
        return go(os.fspath(out))
    with tempfile.TemporaryDirectory(prefix="mitralsim-calibrate-") as tmp:
        return go(os.path.join(tmp, "calibration"))


def sweep(sweep_file, jobs=None, progress=False, out=None, resume=False, waveforms=False):
    """Run a sweep file as ``mitralsim sweep`` does and return results.csv as a DataFrame (a
    ``SweepRows`` list of dicts without pandas). ``out``: keep the sweep's files there (default: a temporary
    directory, removed afterwards). The run's summary is in ``df.attrs["mitralsim"]``.
    Ctrl-C stops the sweep cleanly and raises KeyboardInterrupt (with ``out``, ``resume=True``
    continues it)."""
    sweep_file = os.fspath(sweep_file)

    def go(out_dir):
        outcome = _native.sweep_into(sweep_file, out_dir, jobs, resume, waveforms, progress)
        rows = _read_results(os.path.join(out_dir, "results.csv"))
        rows.attrs["mitralsim"] = outcome
        return rows

    if out is not None:
        return go(os.fspath(out))
    with tempfile.TemporaryDirectory(prefix="mitralsim-sweep-") as tmp:
        return go(os.path.join(tmp, "sweep"))
