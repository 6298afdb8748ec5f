"""The Python package against the command line: same scenario → the same bytes and numbers.

The CLI binary is MITRALSIM_BIN, else target/release/mitralsim (built here with cargo if
missing), so these tests compare two independent entry points into one library.
"""

import _thread
import csv
import json
import math
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

import mitralsim

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "secondary-mr-hf.toml"
RUN_FILES = ["metrics.json", "waveforms.csv", "scenario.resolved.toml"]


@pytest.fixture(scope="session")
def cli():
    binary = Path(os.environ.get("MITRALSIM_BIN", ROOT / "target" / "release" / "mitralsim"))
    if not binary.exists():
        subprocess.run(
            ["cargo", "build", "--release", "--locked", "--bin", "mitralsim"], cwd=ROOT, check=True
        )
    return binary


def cli_metrics(out):
    """The CLI's metrics.json in `out` without its provenance (the writing process's command line
    and date, which a Python call does not share)."""
    metrics = json.loads((out / "metrics.json").read_text())
    metrics.pop("provenance")
    return metrics


def cli_run(cli, out, *args):
    """`mitralsim run ARGS --out OUT --quiet --no-plots`; returns the completed process."""
    return subprocess.run(
        [str(cli), "run", *args, "--out", str(out), "--quiet", "--no-plots"],
        capture_output=True,
        text=True,
    )


def test_metrics_equal_the_cli_bit_for_bit(cli, tmp_path):
    args = [str(SCENARIO), "--set", "valves.mitral.eroa_cm2=0.3"]
    assert cli_run(cli, tmp_path / "cli", *args).returncode == 0
    text = (tmp_path / "cli" / "metrics.json").read_text()
    r = mitralsim.run(str(SCENARIO), set={"valves.mitral.eroa_cm2": 0.3})
    # The same structure, key order and doubles once parsed; the CLI's file also records its
    # own process (provenance: command line, date), which a Python call does not share.
    expected = json.loads(text)
    assert set(expected.pop("provenance")) == {"command_line", "date_utc", "git_describe"}
    assert r.metrics == expected
    assert json.dumps(r.metrics) == json.dumps(expected)
    assert set(r.metrics) >= {"pre", "post", "change", "clip", "solver", "scenario"}


def test_default_scenario_equals_cli_without_arguments(cli, tmp_path):
    assert cli_run(cli, tmp_path / "cli").returncode == 0
    expected = cli_metrics(tmp_path / "cli")
    assert mitralsim.run().metrics == expected
    assert expected["scenario"]["source"] is None


def test_scenario_as_text_dict_and_preset_give_the_file_s_numbers():
    by_file = mitralsim.run(str(SCENARIO)).metrics
    by_text = mitralsim.run(SCENARIO.read_text()).metrics
    by_preset = mitralsim.run("secondary-mr-hf").metrics
    for m in (by_text, by_preset):
        assert m["pre"] == by_file["pre"]
        assert m["post"] == by_file["post"]
        assert m["scenario_sha256"] == by_file["scenario_sha256"]
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    as_dict = tomllib.loads(mitralsim.run(str(SCENARIO)).resolved_toml)
    assert mitralsim.run(as_dict).metrics["pre"] == by_file["pre"]


def test_waveforms_equal_waveforms_csv(cli, tmp_path):
    assert cli_run(cli, tmp_path / "cli", str(SCENARIO)).returncode == 0
    with open(tmp_path / "cli" / "waveforms.csv", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    wf = mitralsim.run(str(SCENARIO)).waveforms
    assert list(wf.keys()) == header
    assert len(wf["t_s"]) == len(body)
    for j, name in enumerate(header):
        column = list(wf[name])
        if name == "state":
            assert column == [row[j] for row in body]
            continue
        for i, row in enumerate(body):
            cell = row[j]
            value = float(column[i])
            if cell == "":
                assert math.isnan(value), (name, i)
            else:
                assert value == float(cell), (name, i)


def test_write_produces_the_cli_s_files(cli, tmp_path):
    assert cli_run(cli, tmp_path / "cli", str(SCENARIO)).returncode == 0
    r = mitralsim.run(str(SCENARIO))
    assert r.write(tmp_path / "py", plots=None) == []
    for name in RUN_FILES:
        py, cli_file = tmp_path / "py" / name, tmp_path / "cli" / name
        if name == "metrics.json":
            # Equal but for the provenance of the process that wrote each.
            a, b = json.loads(py.read_text()), json.loads(cli_file.read_text())
            a.pop("provenance", None)
            b.pop("provenance", None)
            assert a == b
        else:
            assert py.read_bytes() == cli_file.read_bytes()
    figures = r.write(tmp_path / "py")
    assert figures and all(Path(p).suffix == ".png" and Path(p).exists() for p in figures)


def test_bad_key_raises_scenario_error_naming_it(cli, tmp_path):
    with pytest.raises(mitralsim.ScenarioError, match="eroa_cm3") as info:
        mitralsim.run(str(SCENARIO), set={"valves.mitral.eroa_cm3": 0.3})
    assert isinstance(info.value, ValueError)
    done = cli_run(cli, tmp_path / "cli", str(SCENARIO), "--set", "valves.mitral.eroa_cm3=0.3")
    assert done.returncode == 2
    assert str(info.value) in done.stderr  # the CLI's message, word for word
    with pytest.raises(mitralsim.ScenarioError, match=r"<string>:3: unknown key heart\.rate_bmp"):
        mitralsim.run("version = 1\n[heart]\nrate_bmp = 70\n")
    with pytest.raises(mitralsim.ScenarioError, match="no-such-file.toml"):
        mitralsim.run("no-such-file.toml")
    with pytest.raises(TypeError):
        mitralsim.run(42)


def test_not_converged_is_flagged_like_exit_code_4(cli, tmp_path):
    done = cli_run(cli, tmp_path / "cli", "--set", "solver.max_beats=2")
    assert done.returncode == 4
    with pytest.warns(mitralsim.NotConvergedWarning, match="2 beats"):
        r = mitralsim.run(set={"solver.max_beats": 2})
    assert r.converged is False and r.unconverged_beats == 2
    assert r.metrics == cli_metrics(tmp_path / "cli")
    assert mitralsim.run().converged is True


def test_presets_and_validate(cli):
    names = mitralsim.presets()
    assert mitralsim.default_preset() in names and "normal" in names
    assert mitralsim.presets("normal") == (ROOT / "scenarios" / "normal.toml").read_text()
    with pytest.raises(mitralsim.ScenarioError, match="did you mean \"normal\""):
        mitralsim.presets("Normal")
    info = mitralsim.validate(str(SCENARIO))
    assert info["name"] == "secondary-mr-hf" and info["has_clip"]
    assert info["scenario_sha256"] == mitralsim.run(str(SCENARIO)).scenario_sha256
    with pytest.raises(mitralsim.ScenarioError, match="rate_bpm"):
        mitralsim.validate(str(SCENARIO), set=["heart.rate_bpm=-5"])
    assert mitralsim.__version__ == subprocess.run(
        [str(cli), "--version"], capture_output=True, text=True
    ).stdout.split()[-1]


def small_sweep(tmp_path, rates=2, eroas=3):
    path = tmp_path / "small.toml"
    path.write_text(
        f'version = 1\nscenario = "{SCENARIO.as_posix()}"\nmode = "grid"\n'
        f'[[axes]]\nkey = "heart.rate_bpm"\nlinspace = [60, 80, {rates}]\n'
        f'[[axes]]\nkey = "valves.mitral.eroa_cm2"\nlinspace = [0.2, 0.5, {eroas}]\n'
    )
    return path


def test_sweep_dataframe_equals_results_csv(cli, tmp_path, capsys):
    sweep_file = small_sweep(tmp_path)
    done = subprocess.run(
        [str(cli), "sweep", str(sweep_file), "--out", str(tmp_path / "cli"), "--jobs", "2"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    with open(tmp_path / "cli" / "results.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    df = mitralsim.sweep(sweep_file, jobs=2, progress=True)
    assert "mitralsim sweep: 6 points written\n" in capsys.readouterr().err
    assert len(df) == len(rows) == 6
    records = df.to_dict("records") if hasattr(df, "to_dict") else df
    assert list(records[0].keys()) == list(rows[0].keys())
    for got, want in zip(records, rows):
        for key, cell in want.items():
            value = got[key]
            if isinstance(value, bool):
                assert str(value).lower() == cell, key
            elif isinstance(value, str) or cell == "":
                assert (value if value == value else "") == cell, key
            else:
                assert float(value) == float(cell), key
    assert df.attrs["mitralsim"]["ok"] == 6 and df.attrs["mitralsim"]["exit_code"] == 0


def test_sweep_stops_cleanly_on_keyboard_interrupt_and_resumes(tmp_path):
    points = 40 * 50  # seconds of work even on an idle machine
    sweep_file = small_sweep(tmp_path, rates=40, eroas=50)
    out = tmp_path / "out"
    finished = threading.Event()

    def interrupt_once_rows_are_written():
        # Ctrl-C as a user would press it: once the sweep has written some rows.
        while not finished.is_set():
            try:
                if len((out / "results.csv").read_text().splitlines()) > 10:
                    _thread.interrupt_main()
                    return
            except OSError:
                pass
            time.sleep(0.005)

    watcher = threading.Thread(target=interrupt_once_rows_are_written)
    watcher.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(KeyboardInterrupt):
            mitralsim.sweep(sweep_file, jobs=2, out=out)
    finally:
        finished.set()
        watcher.join()
    assert time.perf_counter() - t0 < 30
    lines = (out / "results.csv").read_text().splitlines()
    assert 1 <= len(lines) - 1 < points  # stopped early, header plus whole rows
    df = mitralsim.sweep(sweep_file, jobs=2, out=out, resume=True)
    assert len(df) == points and df.attrs["mitralsim"]["ok"] == points


def test_gil_is_released_while_simulating():
    ticks = []
    running = threading.Event()
    done = threading.Event()

    def ticker():
        running.set()
        while not done.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    thread = threading.Thread(target=ticker)
    thread.start()
    running.wait()
    t0 = time.perf_counter()
    mitralsim.run(convergence="plain")  # ≈ 0.1–0.3 s inside Rust
    t1 = time.perf_counter()
    done.set()
    thread.join()
    during = [t for t in ticks if t0 < t < t1]
    # With the GIL held, the ticker could not run at all during the call.
    assert len(during) >= 10, (len(during), t1 - t0)


def test_calibrate_equals_the_cli(cli, tmp_path):
    calibration = ROOT / "tests" / "fixtures" / "calibrate" / "synthetic-4x6.toml"
    done = subprocess.run(
        [str(cli), "calibrate", str(calibration), "--out", str(tmp_path / "cli"), "-q",
         "--no-plots", "--jobs", "2"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    fit = mitralsim.calibrate(calibration, jobs=2)
    expected = json.loads((tmp_path / "cli" / "fit.json").read_text())
    # Everything but the wall time is the same fit, bit for bit.
    fit.pop("wall_time_s")
    expected.pop("wall_time_s")
    assert fit == expected
    assert fit["status"] == "met" and fit.exit_code == 0
    assert fit.scenario_toml == (tmp_path / "cli" / "calibrated.toml").read_text()
    with pytest.raises(mitralsim.ScenarioError, match="unknown-metric.toml"):
        mitralsim.calibrate(ROOT / "tests" / "fixtures" / "calibrate" / "unknown-metric.toml")
