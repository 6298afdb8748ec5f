"""mitralsim from Python: a pre/post MitraClip comparison, its PV loops, and a small sensitivity
sweep of regurgitant volume over EROA and heart rate.

    pip install .                    # from the repository root (docs/python.md)
    pip install pandas matplotlib    # optional: DataFrames and the figure
    python examples/python_demo.py   # writes output/python-demo/pv_loops.png

Everything runs in-process; the numbers are those `mitralsim run` writes to metrics.json.
"""

import os
import sys
import tempfile
from pathlib import Path

import mitralsim

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "output" / "python-demo"


def comparison():
    """The default patient (secondary MR, one XT clip) before and after the repair."""
    r = mitralsim.run("secondary-mr-hf")
    pre, post = r.metrics["pre"], r.metrics["post"]
    print(f"mitralsim {mitralsim.__version__}: {r.name} (converged: {r.converged})")
    rows = [
        ("regurgitant volume", "regurgitant_volume_ml", "mL"),
        ("regurgitant fraction", "regurgitant_fraction_pct", "%"),
        ("forward cardiac output", "cardiac_output_l_min", "L/min"),
        ("mean LA pressure", "la_pressure_mean_mmhg", "mmHg"),
        ("mean mitral gradient", "mitral_mean_gradient_mmhg", "mmHg"),
    ]
    print(f"{'':32}{'pre':>10}{'post':>10}")
    for label, key, unit in rows:
        name = f"{label} ({unit})"
        print(f"{name:32}{pre[key]:>10.2f}{post[key]:>10.2f}")
    print(f"MR grade: {pre['mr_grade']} -> {post['mr_grade']}")
    return r


def plot_pv_loops(r):
    """LV and LA pressure-volume loops, before (solid) and after (dashed) the clip."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: skipping the PV-loop figure")
        return
    wf = r.waveforms
    if not hasattr(wf, "loc"):
        print("pandas not installed: skipping the PV-loop figure")
        return
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
    styles = {"pre": ("tab:red", "-", "before clip"), "post": ("tab:blue", "--", "after clip")}
    for ax, chamber in zip(axes, ["lv", "la"]):
        for state, (colour, line, label) in styles.items():
            beat = wf[wf["state"] == state]
            ax.plot(beat[f"v_{chamber}_ml"], beat[f"p_{chamber}_mmhg"], color=colour,
                    linestyle=line, linewidth=2, label=label)
        ax.set_xlabel(f"{chamber.upper()} volume (mL)", fontsize=12)
        ax.set_ylabel(f"{chamber.upper()} pressure (mmHg)", fontsize=12)
        ax.set_title(f"{chamber.upper()} pressure-volume loop", fontsize=13)
        ax.legend(fontsize=11)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "pv_loops.png"
    fig.savefig(path, dpi=120)
    print(f"PV loops: {path}")


def sensitivity():
    """Regurgitant volume before and after the clip over 3 EROAs x 2 heart rates (6 points)."""
    with tempfile.TemporaryDirectory() as tmp:
        sweep_file = Path(tmp) / "eroa-hr-small.toml"
        base = (ROOT / "scenarios" / "secondary-mr-hf.toml").as_posix()
        sweep_file.write_text(
            f'version = 1\nscenario = "{base}"\nmode = "grid"\n'
            '[[axes]]\nkey = "heart.rate_bpm"\nvalues = [60, 85]\n'
            '[[axes]]\nkey = "valves.mitral.eroa_cm2"\nvalues = [0.2, 0.35, 0.5]\n'
        )
        df = mitralsim.sweep(sweep_file, jobs=os.cpu_count())
    print(f"sweep: {df.attrs['mitralsim']['summary'].splitlines()[0].split(' → ')[0]}")
    if hasattr(df, "to_string"):
        cols = [c for c in df.columns if c in (
            "heart.rate_bpm", "valves.mitral.eroa_cm2",
            "pre_regurgitant_volume_ml", "post_regurgitant_volume_ml",
            "pre_mr_grade", "post_mr_grade")]
        print(df[cols].to_string(index=False))
    else:
        print(f"{len(df)} rows (install pandas for a table)")


if __name__ == "__main__":
    result = comparison()
    plot_pv_loops(result)
    sensitivity()
    sys.exit(0)
