//! report.html: self-contained (no network access, figures inline), with the tables, the
//! figures and the provenance of the run it was made from; and, where Chromium is installed,
//! what a real browser shows of it.

mod common;

use assert_cmd::Command;
use mitralsim::commands;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tempfile::TempDir;

/// `mitralsim run --report` of the default scenario (pre and post), made once.
fn run_dir() -> &'static Path {
    static DIR: OnceLock<TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = TempDir::new().unwrap();
        let opts = commands::RunOptions {
            out: Some(dir.path()),
            quiet: true,
            report: true,
            ..Default::default()
        };
        let outcome = commands::run(&opts, std::io::sink()).unwrap();
        assert!(
            outcome.result.post.is_some(),
            "the default scenario places a clip"
        );
        assert_eq!(outcome.report, Some(dir.path().join("report.html")));
        dir
    })
    .path()
}

fn report() -> String {
    fs::read_to_string(run_dir().join("report.html")).unwrap()
}

fn metrics() -> Value {
    serde_json::from_str(&fs::read_to_string(run_dir().join("metrics.json")).unwrap()).unwrap()
}

#[test]
fn the_report_loads_nothing_from_elsewhere() {
    let html = report();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    for banned in [
        "<script", "<link", "<img", "<iframe", "@import", "url(", " src=",
    ] {
        assert!(!html.contains(banned), "report.html contains {banned:?}");
    }
    // The only addresses are the SVG namespaces (names, never fetched) and in-page references.
    for (i, _) in html.match_indices("http") {
        let rest = &html[i..];
        assert!(
            rest.starts_with("http://www.w3.org/2000/svg")
                || rest.starts_with("http://www.w3.org/1999/xlink"),
            "an address in report.html: {}",
            &rest[..rest.len().min(60)]
        );
    }
    for (i, _) in html.match_indices("href=\"") {
        let target = &html[i + 6..];
        assert!(target.starts_with('#'), "a link out: {}", &target[..40]);
    }
}

#[test]
fn the_report_has_the_tables_grades_and_stenosis_flag() {
    let html = report();
    let m = metrics();
    for heading in [
        "Results",
        "Figures",
        "Clip",
        "Solver",
        "Provenance",
        "Scenario (resolved)",
    ] {
        assert!(
            html.contains(&format!("<h2>{heading}</h2>")),
            "no {heading} section"
        );
    }
    for column in ["<th>Pre</th>", "<th>Post</th>", "<th>Change</th>"] {
        assert!(html.contains(column), "no {column} column");
    }
    // Every row of the run's summary, with the values of metrics.json.
    let rvol_pre = m["pre"]["regurgitant_volume_ml"].as_f64().unwrap();
    let rvol_post = m["post"]["regurgitant_volume_ml"].as_f64().unwrap();
    for text in [
        "Regurgitant volume".to_string(),
        "Mean gradient".into(),
        "Cardiac output".into(),
        format!("<td>{rvol_pre:.1}</td>"),
        format!("<td>{rvol_post:.1}</td>"),
        format!("<td>{:+.1}</td>", rvol_post - rvol_pre),
    ] {
        assert!(html.contains(&text), "no {text:?} in the table");
    }
    for state in ["pre", "post"] {
        let grade = m[state]["mr_grade"].as_str().unwrap();
        assert!(
            html.contains(&format!("<b>{grade} (EROA")),
            "no {state} grade {grade}"
        );
    }
    let risk = m["stenosis"]["risk"].as_bool().unwrap();
    let flag = if risk {
        "risk of iatrogenic mitral stenosis"
    } else {
        "no stenosis flag"
    };
    assert!(html.contains(flag), "stenosis flag {risk} not stated");
}

#[test]
fn the_report_holds_the_four_figures_inline() {
    let html = report();
    assert_eq!(html.matches("<svg ").count(), 4);
    for kind in ["pv-loop", "wiggers", "la-loop", "bars"] {
        assert!(
            html.contains(&format!("<figure id=\"{kind}\">")),
            "no {kind}"
        );
    }
    for text in [
        "ESPVR",
        "EDPVR",
        "ejection",
        "rapid filling",
        "v-wave",
        "MR grade",
    ] {
        assert!(
            html.contains(&format!("aria-label=\"{text}")),
            "no figure text {text:?}"
        );
    }
    // Glyph ids are unique in the page: each figure has its own prefix.
    for prefix in ["f0-", "f1-", "f2-", "f3-"] {
        assert!(html.contains(&format!("<path id=\"{prefix}osr")));
    }
}

#[test]
fn the_report_states_its_provenance() {
    let html = report();
    let m = metrics();
    let sha = m["scenario_sha256"].as_str().unwrap();
    assert!(html.contains(sha), "no scenario hash");
    let version = m["mitralsim_version"].as_str().unwrap();
    assert!(html.contains(version));
    let p = &m["provenance"];
    let date = p["date_utc"].as_str().unwrap();
    assert!(
        date.len() == 20 && date.ends_with('Z') && html.contains(date),
        "{date}"
    );
    assert!(p["command_line"].as_array().is_some_and(|a| !a.is_empty()));
    assert!(html.contains("<dt>command line</dt>"));
    // The resolved scenario is shown as it was run.
    let resolved = fs::read_to_string(run_dir().join("scenario.resolved.toml")).unwrap();
    let first_line = resolved.lines().find(|l| !l.trim().is_empty()).unwrap();
    assert!(html.contains(&first_line.replace('"', "&quot;")));
}

#[test]
fn report_command_writes_the_page_and_names_bad_input() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("r.html");
    Command::cargo_bin("mitralsim")
        .unwrap()
        .arg("report")
        .arg(run_dir())
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stdout(format!("{}\n", out.display()));
    let html = fs::read_to_string(&out).unwrap();
    assert!(html.contains("<h2>Results</h2>"));

    // A directory without a run's outputs: exit 2 or 1 with the file named, nothing written.
    let empty = TempDir::new().unwrap();
    let assert = Command::cargo_bin("mitralsim")
        .unwrap()
        .arg("report")
        .arg(empty.path())
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("metrics.json"), "{stderr}");
    assert!(!empty.path().join("report.html").exists());
}

/// Chromium as Debian installs it (`.ci/run` installs it when missing).
const CHROMIUM: &str = "/usr/bin/chromium";

/// Screenshot `page` in headless Chromium at `width`×`height` (a fresh profile in a temporary
/// directory, returned with the PNG); `None` without Chromium.
fn screenshot(page: &Path, width: u32, height: u32) -> Option<(TempDir, PathBuf)> {
    if !Path::new(CHROMIUM).exists() {
        eprintln!("skipped: {CHROMIUM} is not installed");
        return None;
    }
    let dir = TempDir::new().unwrap();
    let png = dir.path().join("report.png");
    let profile = dir.path().join("profile");
    let status = std::process::Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("chromium runs");
    assert!(status.success(), "chromium failed: {status}");
    Some((dir, png))
}

#[test]
fn chromium_shows_the_table_and_the_figures() {
    let Some((_dir, png)) = screenshot(&run_dir().join("report.html"), 1200, 3200) else {
        return;
    };
    let img = image::open(&png).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (1200, 3200));
    let count = |rgb: [u8; 3]| img.pixels().filter(|p| p.0 == rgb).count();
    let (w, h) = img.dimensions();
    let total = (w * h) as usize;
    let white = count([255, 255, 255]);
    // A page, not a blank or an error screen: text and tables, then figures.
    assert!(
        white > total / 3 && white < total * 97 / 100,
        "white {white} of {total}"
    );
    // The inline SVG figures were drawn: the pre (blue) and post (vermillion) traces and bars.
    let pre = count([0x00, 0x72, 0xB2]);
    let post = count([0xD5, 0x5E, 0x00]);
    assert!(pre > 2000 && post > 2000, "pre {pre} px, post {post} px");
    // Dark text in the top band (title, grade line, table).
    let top_dark = img
        .enumerate_pixels()
        .filter(|(_, y, p)| *y < 800 && p.0.iter().all(|&c| c < 80))
        .count();
    assert!(top_dark > 5000, "{top_dark} dark pixels at the top");
}
