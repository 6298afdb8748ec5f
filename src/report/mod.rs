//! `report.html`: one self-contained page per run — the scenario, the pre/post/change table with
//! MR grades and the stenosis flag, the four figures inline as SVG, solver statistics and
//! provenance — made from the run's saved outputs.
//!
//! Why one file with everything inline: it is what a clinician or a reviewer is sent. It opens
//! offline in any browser, needs no fonts (the figures' text is drawn as outlines) and no
//! network access (no scripts, stylesheets, images or links outside the page), and it shows the
//! numbers of the files it was made from, like `mitralsim plot`.

mod html;

use crate::metrics::Metrics;
use crate::output::summary::SECTIONS;
use crate::plot::data::{METRICS_FILE, RESOLVED_FILE};
use crate::plot::{self, PlotError, PlotKind, PlotOptions, RunData, StateId};
use html::{esc, table};
use serde_json::Value;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// File name of the report in a run directory.
pub const REPORT_FILE: &str = "report.html";

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {reason}", path.display())]
    Malformed { path: PathBuf, reason: String },
    #[error("{0}")]
    Plot(#[from] PlotError),
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Write the report of the run in `run_dir` to `out` (default `run_dir/report.html`); returns
/// the file written.
pub fn write_report(run_dir: &Path, out: Option<&Path>) -> Result<PathBuf, ReportError> {
    let page = build(run_dir)?;
    let path = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| run_dir.join(REPORT_FILE));
    fs::write(&path, page).map_err(|source| ReportError::Write {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

/// The page for the run in `run_dir`.
pub fn build(run_dir: &Path) -> Result<String, ReportError> {
    let run = RunData::load(run_dir)?;
    let metrics_path = run_dir.join(METRICS_FILE);
    let doc: Value = read(&metrics_path).and_then(|text| {
        serde_json::from_str(&text).map_err(|e| ReportError::Malformed {
            path: metrics_path.clone(),
            reason: e.to_string(),
        })
    })?;
    let resolved_path = run_dir.join(RESOLVED_FILE);
    let resolved = if resolved_path.is_file() {
        Some(read(&resolved_path)?)
    } else {
        None
    };

    let mut page = String::new();
    let title = format!("mitralsim report — {}", run.scenario_name);
    html::open_page(&mut page, &title);
    let _ = writeln!(page, "<h1>{}</h1>", esc(&title));
    if let Some(d) = doc.pointer("/scenario/description").and_then(Value::as_str) {
        let _ = writeln!(page, "<p class=\"description\">{}</p>", esc(d));
    }
    results(&mut page, &run, &doc);
    figures(&mut page, &run)?;
    clip(&mut page, &doc);
    solver(&mut page, &doc);
    provenance(&mut page, &doc);
    if let Some(toml) = resolved {
        let _ = writeln!(
            page,
            "<section id=\"scenario\"><h2>Scenario (resolved)</h2>\n<p>Every key of the run, \
             as in {RESOLVED_FILE}: running it again gives the same results.</p>\n\
             <pre>{}</pre></section>",
            esc(&toml)
        );
    }
    html::close_page(&mut page);
    Ok(page)
}

fn read(path: &Path) -> Result<String, ReportError> {
    fs::read_to_string(path).map_err(|source| ReportError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn metrics_of(run: &RunData, id: StateId) -> Option<&Metrics> {
    run.states.iter().find(|s| s.id == id).map(|s| &s.metrics)
}

/// MR grade, stenosis flag and the table of every summary row: pre, and post and change with a
/// clip.
fn results(page: &mut String, run: &RunData, doc: &Value) {
    let pre = metrics_of(run, StateId::Pre);
    let post = metrics_of(run, StateId::Post);
    let _ = writeln!(page, "<section id=\"results\"><h2>Results</h2>");
    let grade = |m: &Metrics| format!("{} (EROA {:.2} cm²)", m.mr_grade.as_str(), m.eroa_cm2);
    match (pre, post) {
        (Some(a), Some(b)) => {
            let _ = writeln!(
                page,
                "<p class=\"grade\">MR grade (ASE 2017): <b>{}</b> before the clip, <b>{}</b> \
                 after.</p>",
                esc(&grade(a)),
                esc(&grade(b))
            );
        }
        (Some(a), None) => {
            let _ = writeln!(
                page,
                "<p class=\"grade\">MR grade (ASE 2017): <b>{}</b>.</p>",
                esc(&grade(a))
            );
        }
        _ => {}
    }
    if let Some(s) = doc.get("stenosis") {
        let risk = s.get("risk").and_then(Value::as_bool).unwrap_or(false);
        let g = s.get("post_mean_gradient_mmhg").and_then(Value::as_f64);
        let t = s.get("threshold_mmhg").and_then(Value::as_f64);
        if let (Some(g), Some(t)) = (g, t) {
            let (class, verdict) = if risk {
                ("stenosis risk", "risk of iatrogenic mitral stenosis")
            } else {
                ("stenosis ok", "no stenosis flag")
            };
            let _ = writeln!(
                page,
                "<p class=\"{class}\">Stenosis: {verdict} — post-clip mean transmitral gradient \
                 {g:.1} mmHg (flagged above {t} mmHg).</p>"
            );
        }
    }
    let mut header = vec!["Metric".to_string(), "Unit".into(), "Pre".into()];
    if post.is_some() {
        header.extend(["Post".into(), "Change".into()]);
    }
    let mut rows = Vec::new();
    for (section, section_rows) in SECTIONS {
        rows.push(vec![format!(
            "<th colspan=\"{}\">{}</th>",
            header.len(),
            esc(section)
        )]);
        for r in *section_rows {
            let cell = |v: Option<f64>, signed: bool| match v {
                // A change that rounds to zero is written without a sign ("0.0", not "-0.0").
                Some(v) if signed && (v.abs() * 10f64.powi(r.decimals as i32)) < 0.5 => {
                    format!("{:.*}", r.decimals, 0.0)
                }
                Some(v) if signed => format!("{:+.*}", r.decimals, v),
                Some(v) => format!("{:.*}", r.decimals, v),
                None => "n/a".into(),
            };
            let a = pre.and_then(r.value);
            let mut row = vec![esc(r.label), esc(r.unit), cell(a, false)];
            if let Some(post) = post {
                let b = (r.value)(post);
                row.push(cell(b, false));
                row.push(cell(a.zip(b).map(|(a, b)| b - a), true));
            }
            rows.push(row.into_iter().map(|c| format!("<td>{c}</td>")).collect());
        }
    }
    table(page, "metrics", &header, &rows);
    let _ = writeln!(page, "</section>");
}

/// The four figures, inline, each with ids of its own.
fn figures(page: &mut String, run: &RunData) -> Result<(), ReportError> {
    let _ = writeln!(page, "<section id=\"figures\"><h2>Figures</h2>");
    let opts = PlotOptions {
        format: plot::ImageFormat::Svg,
        ..PlotOptions::default()
    };
    for (i, kind) in PlotKind::ALL.into_iter().enumerate() {
        let svg = plot::render_svg(kind, run, &opts, &format!("f{i}-"))?;
        let _ = writeln!(
            page,
            "<figure id=\"{kind}\">\n{svg}<figcaption>{}</figcaption></figure>",
            esc(&caption(kind))
        );
    }
    let _ = writeln!(page, "</section>");
    Ok(())
}

fn caption(kind: PlotKind) -> String {
    let what = match kind {
        PlotKind::PvLoop => {
            "LV pressure–volume loop with the ESPVR and EDPVR; ED and ES mark end-diastole and \
             end-systole."
        }
        PlotKind::Wiggers => {
            "Wiggers diagram: pressures, LV volume and valve flows over one beat, cardiac \
             phases shaded, valve events marked."
        }
        PlotKind::LaLoop => "LA pressure–volume loop; the v-wave is marked.",
        PlotKind::Bars => "Headline metrics, before and after the clip when one was placed.",
    };
    format!("{what} (mitralsim plot {kind})")
}

/// The clip's derived geometry, when one was placed.
fn clip(page: &mut String, doc: &Value) {
    let Some(Value::Object(clip)) = doc.get("clip") else {
        return;
    };
    let _ = writeln!(page, "<section id=\"clip\"><h2>Clip</h2>");
    let rows: Vec<Vec<String>> = clip
        .iter()
        .map(|(k, v)| {
            vec![
                format!("<td>{}</td>", esc(k)),
                format!("<td>{}</td>", esc(&json_text(v))),
            ]
        })
        .collect();
    table(page, "clip", &["Quantity".into(), "Value".into()], &rows);
    let _ = writeln!(page, "</section>");
}

/// Settings and, per state, beats, convergence and work counters.
fn solver(page: &mut String, doc: &Value) {
    let Some(Value::Object(solver)) = doc.get("solver") else {
        return;
    };
    let _ = writeln!(page, "<section id=\"solver\"><h2>Solver</h2>");
    let settings: Vec<String> = solver
        .iter()
        .filter(|(_, v)| !v.is_object())
        .map(|(k, v)| format!("{} = {}", esc(k), esc(&json_text(v))))
        .collect();
    let _ = writeln!(page, "<p>{}</p>", settings.join(", "));
    let states: Vec<(&str, &serde_json::Map<String, Value>)> = ["pre", "post"]
        .into_iter()
        .filter_map(|s| solver.get(s).and_then(Value::as_object).map(|o| (s, o)))
        .collect();
    // Flatten each state's keys (stats.* included) into rows.
    let mut keys: Vec<String> = Vec::new();
    let flat = |o: &serde_json::Map<String, Value>| {
        let mut out: Vec<(String, String)> = Vec::new();
        for (k, v) in o {
            match v {
                Value::Object(inner) => {
                    for (k2, v2) in inner {
                        out.push((format!("{k}.{k2}"), json_text(v2)));
                    }
                }
                other => out.push((k.clone(), json_text(other))),
            }
        }
        out
    };
    let flats: Vec<Vec<(String, String)>> = states.iter().map(|(_, o)| flat(o)).collect();
    for f in &flats {
        for (k, _) in f {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    let mut header = vec!["".to_string()];
    header.extend(states.iter().map(|(s, _)| s.to_string()));
    let rows: Vec<Vec<String>> = keys
        .iter()
        .map(|k| {
            let mut row = vec![format!("<td>{}</td>", esc(k))];
            for f in &flats {
                let v = f.iter().find(|(kk, _)| kk == k).map_or("", |(_, v)| v);
                row.push(format!("<td>{}</td>", esc(v)));
            }
            row
        })
        .collect();
    table(page, "solver", &header, &rows);
    let _ = writeln!(page, "</section>");
}

/// Version, scenario and its hash, and who ran it when.
fn provenance(page: &mut String, doc: &Value) {
    let _ = writeln!(page, "<section id=\"provenance\"><h2>Provenance</h2>\n<dl>");
    let mut item = |name: &str, value: String| {
        let _ = writeln!(page, "<dt>{}</dt><dd>{}</dd>", esc(name), esc(&value));
    };
    let text = |p: &str| doc.pointer(p).map(json_text);
    item(
        "mitralsim version",
        text("/mitralsim_version").unwrap_or_default(),
    );
    item(
        "scenario",
        format!(
            "{} ({})",
            text("/scenario/name").unwrap_or_default(),
            text("/scenario/source").unwrap_or_else(|| "built-in".into())
        ),
    );
    item(
        "scenario SHA-256",
        text("/scenario_sha256").unwrap_or_default(),
    );
    match doc.get("provenance") {
        Some(p) => {
            let cmd = p
                .get("command_line")
                .and_then(Value::as_array)
                .map(|a| a.iter().map(json_text).collect::<Vec<_>>().join(" "))
                .unwrap_or_default();
            item("command line", cmd);
            item(
                "date (UTC)",
                p.get("date_utc").map(json_text).unwrap_or_default(),
            );
            item(
                "built from",
                p.get("git_describe")
                    .filter(|v| !v.is_null())
                    .map(json_text)
                    .unwrap_or_else(|| "not a git checkout".into()),
            );
        }
        None => item("command line, date", "not recorded in metrics.json".into()),
    }
    let _ = writeln!(page, "</dl></section>");
}

/// A JSON value as plain text (strings without quotes, null as "—").
fn json_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "—".into(),
        Value::Array(a) => a.iter().map(json_text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}
