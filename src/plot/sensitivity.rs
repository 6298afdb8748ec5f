//! `sensitivity`: the Sobol' indices of a `mode = "saltelli"` sweep (DIR/sensitivity.csv), one
//! panel per metric: for each parameter, its first-order index S1 (blue, upper bar) and total
//! index ST (vermillion, lower bar) as horizontal bars with their 95 % interval as whiskers,
//! parameters sorted by ST (largest on top), on an index axis from 0 to 1 (further when an
//! estimate or interval leaves it: a small negative S1 is sampling noise and is shown as such).
//!
//! Why horizontal bars: parameter names ("LV active elastance") read along the axis, however
//! many parameters there are. Why each panel sorts its own parameters: the question is "what
//! drives this metric?", and the answer is the top of the panel.

use super::chart::{
    category_names_width, category_names_y, plot_rect, text, tick_room, titled_with_legend,
    xy_chart, Area, Axes, DrawResult, FacetHeadings, LegendEntry, Swatch, XAxis,
};
use super::data::{malformed, open};
use super::quantity::{axis_name, column_label};
use super::style::{AxisRange, Theme, BLUE, GREY, INK, VERMILLION};
use super::sweep_data::sweep_name;
use super::{PlotError, SweepPlotRequest};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use std::path::Path;

/// The file a saltelli sweep writes beside results.csv, and its columns (read by name; others
/// are ignored): as the sweep writes them.
pub use crate::sweep::sensitivity_csv::{COLUMNS, SENSITIVITY_FILE};
/// Most metrics (panels) in one figure.
pub const MAX_SENSITIVITY_PANELS: usize = 4;
/// The metrics drawn without `--metric`, those the file has (else its first three).
const DEFAULT_METRICS: [&str; 3] = [
    "post_regurgitant_volume_ml",
    "post_regurgitant_fraction_pct",
    "post_mitral_mean_gradient_mmhg",
];

/// An index estimate and its 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

/// One row of sensitivity.csv: a parameter's indices for a metric; `None` where the file has no
/// number (an empty cell, NaN or an infinity: e.g. a metric that does not vary).
#[derive(Debug, Clone, PartialEq)]
pub struct IndexRow {
    pub metric: String,
    pub parameter: String,
    pub s1: Option<Estimate>,
    pub st: Option<Estimate>,
}

/// Read `dir/sensitivity.csv`. A missing file says the sweep is not a saltelli sweep; a missing
/// column, a cell that is not a number or an empty file is named with its line.
pub fn read_indices(dir: &Path) -> Result<Vec<IndexRow>, PlotError> {
    let path = dir.join(SENSITIVITY_FILE);
    if !path.exists() {
        return Err(PlotError::Unsuitable {
            what: "a sensitivity plot".into(),
            dir: dir.to_path_buf(),
            reason: format!(
                "not a saltelli sweep: {} has no {SENSITIVITY_FILE} (a sweep with mode = \
                 \"saltelli\" writes it once all its rows exist)",
                dir.display()
            ),
        });
    }
    let mut reader = csv::Reader::from_reader(open(&path)?);
    let header = reader
        .headers()
        .map_err(|e| malformed(&path, e.to_string()))?
        .clone();
    let col = |name: &str| {
        header.iter().position(|h| h.trim() == name).ok_or_else(|| {
            malformed(
                &path,
                format!(
                    "no column `{name}`; a sensitivity.csv has the columns {}",
                    COLUMNS.join(", ")
                ),
            )
        })
    };
    let cols: Vec<usize> = COLUMNS.iter().map(|c| col(c)).collect::<Result<_, _>>()?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| malformed(&path, e.to_string()))?;
        let line = record.position().map_or(0, |p| p.line());
        let cell = |k: usize| record.get(cols[k]).unwrap_or("").trim();
        let number = |k: usize| -> Result<Option<f64>, PlotError> {
            let text = cell(k);
            if text.is_empty() {
                return Ok(None);
            }
            // NaN (or an infinity) is no estimate: the metric did not vary, say.
            match text.parse::<f64>() {
                Ok(v) => Ok(v.is_finite().then_some(v)),
                Err(_) => Err(malformed(
                    &path,
                    format!(
                        "line {line}, column `{}`: `{text}` is not a number",
                        COLUMNS[k]
                    ),
                )),
            }
        };
        let estimate = |k: usize| -> Result<Option<Estimate>, PlotError> {
            Ok(match (number(k)?, number(k + 1)?, number(k + 2)?) {
                (Some(value), low, high) => Some(Estimate {
                    value,
                    low: low.unwrap_or(value),
                    high: high.unwrap_or(value),
                }),
                _ => None,
            })
        };
        if cell(0).is_empty() || cell(1).is_empty() {
            return Err(malformed(
                &path,
                format!("line {line}: empty `metric` or `parameter`"),
            ));
        }
        rows.push(IndexRow {
            metric: cell(0).to_string(),
            parameter: cell(1).to_string(),
            s1: estimate(2)?,
            st: estimate(5)?,
        });
    }
    if rows.is_empty() {
        return Err(malformed(&path, "no data rows"));
    }
    Ok(rows)
}

/// One metric's panel: its parameters sorted by ST, largest first.
struct Panel {
    heading: String,
    rows: Vec<IndexRow>,
}

pub struct SensitivityFigure {
    title: String,
    panels: Vec<Panel>,
    x: AxisRange,
    /// Some index has no number: its bar is left out and marked n/a.
    any_missing: bool,
}

fn unsuitable(dir: &Path, reason: String) -> PlotError {
    PlotError::Unsuitable {
        what: "a sensitivity plot".into(),
        dir: dir.to_path_buf(),
        reason,
    }
}

pub fn prepare(req: &SweepPlotRequest, dir: &Path) -> Result<SensitivityFigure, PlotError> {
    if req.x_axis.is_some() || req.y_axis.is_some() || !req.wheres.is_empty() || req.facet.is_some()
    {
        return Err(unsuitable(
            dir,
            "it takes --metric only (not --x, --y, --where or --facet)".into(),
        ));
    }
    let rows = read_indices(dir)?;
    let mut metrics: Vec<&str> = Vec::new();
    for r in &rows {
        if !metrics.contains(&r.metric.as_str()) {
            metrics.push(&r.metric);
        }
    }
    let chosen: Vec<String> = match req.metric.as_deref() {
        Some(list) => {
            let mut chosen = Vec::new();
            for m in list.split(',').map(str::trim).filter(|m| !m.is_empty()) {
                // A bare metric means its post-clip column when there is one, else pre-clip.
                let found = [m.to_string(), format!("post_{m}"), format!("pre_{m}")]
                    .into_iter()
                    .find(|c| metrics.contains(&c.as_str()))
                    .ok_or_else(|| PlotError::UnknownMetric {
                        path: dir.join(SENSITIVITY_FILE),
                        metric: m.to_string(),
                        available: metrics.join(", "),
                    })?;
                chosen.push(found);
            }
            chosen
        }
        None => {
            let preferred: Vec<String> = DEFAULT_METRICS
                .iter()
                .filter(|m| metrics.contains(m))
                .map(|m| m.to_string())
                .collect();
            if preferred.is_empty() {
                metrics.iter().take(3).map(|m| m.to_string()).collect()
            } else {
                preferred
            }
        }
    };
    if chosen.is_empty() || chosen.len() > MAX_SENSITIVITY_PANELS {
        return Err(unsuitable(
            dir,
            format!(
                "give 1 to {MAX_SENSITIVITY_PANELS} metrics (comma-separated), not {}",
                chosen.len()
            ),
        ));
    }
    let mut panels = Vec::new();
    for metric in &chosen {
        let mut mine: Vec<IndexRow> = rows
            .iter()
            .filter(|r| &r.metric == metric)
            .cloned()
            .collect();
        // Largest total index first; a missing one last; ties in file order.
        mine.sort_by(|a, b| {
            let st = |r: &IndexRow| r.st.map_or(f64::NEG_INFINITY, |e| e.value);
            st(b).total_cmp(&st(a))
        });
        panels.push(Panel {
            heading: column_label(metric),
            rows: mine,
        });
    }
    let ends = panels
        .iter()
        .flat_map(|p| &p.rows)
        .flat_map(|r| [r.s1, r.st])
        .flatten()
        .flat_map(|e| [e.value, e.low, e.high]);
    let (lo, hi) = ends.fold((0.0f64, 1.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    // From 0 (or the lowest estimate, to the tenth below) to 1 (or the highest).
    let (lo, hi) = ((lo * 10.0).floor() / 10.0, (hi * 10.0).ceil() / 10.0);
    let any_missing = panels
        .iter()
        .flat_map(|p| &p.rows)
        .any(|r| r.s1.is_none() || r.st.is_none());
    Ok(SensitivityFigure {
        title: format!("Sobol' sensitivity indices — {}", sweep_name(dir)),
        panels,
        x: AxisRange::fixed(lo, hi, 12),
        any_missing,
    })
}

/// Room right of each plot (px at 1600×1000).
const RIGHT: f64 = 24.0;

pub fn draw<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    fig: &SensitivityFigure,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let mut entries = vec![
        LegendEntry::new(Swatch::Fill(BLUE, FILL), "S1, first-order"),
        LegendEntry::new(Swatch::Fill(VERMILLION, FILL), "ST, total"),
        LegendEntry::new(Swatch::Text, "whiskers: 95 % interval"),
    ];
    if fig.any_missing {
        entries.push(LegendEntry::new(Swatch::Text, "n/a: no estimate"));
    }
    let body = titled_with_legend(root, theme, &fig.title, &entries)?;
    let body = body.margin(theme.px(8.0), 0, 0, 0);
    let n = fig.panels.len();
    // Two columns at most: the parameter names need room beside each panel's bars.
    let (cols, rows) = (n.min(2), n.div_ceil(2));
    let areas = body.split_evenly((rows, cols));
    let (aw, _) = areas[0].dim_in_pixel();
    let headings: Vec<String> = fig.panels.iter().map(|p| p.heading.clone()).collect();
    let headings = FacetHeadings::fit(root, theme, &headings, aw as i32 - theme.px(16.0))?;
    for (k, (panel, area)) in fig.panels.iter().zip(&areas).enumerate() {
        let names: Vec<String> = panel.rows.iter().map(|r| axis_name(&r.parameter)).collect();
        let names_w = category_names_width(root, theme, &names)? + theme.px(28.0);
        let left = names_w as f64 * 100.0 / theme.tpx(100.0) as f64;
        let (w, _) = area.dim_in_pixel();
        let area = headings.draw(area, theme, k, w as i32 / 2)?;
        let p = panel.rows.len();
        let chart = xy_chart(
            &area,
            theme,
            &Axes {
                x: AxisRange {
                    ticks: tick_room(theme, w as i32 - names_w - theme.px(RIGHT)),
                    ..fig.x
                },
                y: AxisRange::fixed(-0.5, p as f64 - 0.5, 0),
                x_axis: XAxis::Numeric(if k + cols >= n { "Sobol' index" } else { "" }),
                y_desc: None,
                left,
                right: RIGHT,
                y_named: true,
            },
        )?;
        // Largest on top: the first row at the top position.
        let flipped: Vec<String> = names.iter().rev().cloned().collect();
        category_names_y(root, theme, &chart, &flipped)?;
        let plot = plot_rect(&chart);
        if fig.x.lo < 0.0 {
            let (x0, _) = chart.backend_coord(&(0.0, 0.0));
            root.draw(&PathElement::new(
                vec![(x0, plot.y0), (x0, plot.y1)],
                INK.stroke_width(theme.upx(2.0)),
            ))?;
        }
        for (r, row) in panel.rows.iter().enumerate() {
            let y = (p - 1 - r) as f64;
            bar(root, theme, &chart, row.s1, (y + 0.03, y + 0.33), BLUE)?;
            bar(
                root,
                theme,
                &chart,
                row.st,
                (y - 0.38, y - 0.04),
                VERMILLION,
            )?;
        }
    }
    Ok(())
}

/// Opacity of the bars.
const FILL: f64 = 0.85;

/// One index as a bar from 0 between `y0` and `y1` with its interval as a whisker; "n/a" when
/// there is no estimate.
fn bar<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    chart: &super::chart::XyChart<'_, DB>,
    estimate: Option<Estimate>,
    (y0, y1): (f64, f64),
    color: RGBColor,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let Some(e) = estimate else {
        let at = chart.backend_coord(&(0.0, (y0 + y1) / 2.0));
        let style = theme.note_colored(GREY);
        return text(
            root,
            theme,
            "n/a",
            &style,
            (at.0 + theme.px(8.0), at.1),
            (HPos::Left, VPos::Center),
        );
    };
    let a = chart.backend_coord(&(0.0, y1));
    let b = chart.backend_coord(&(e.value, y0));
    root.draw(&Rectangle::new([a, b], color.mix(FILL).filled()))?;
    root.draw(&Rectangle::new([a, b], color.stroke_width(theme.upx(1.5))))?;
    let yc = (a.1 + b.1) / 2;
    let half = ((b.1 - a.1).abs() / 3).max(theme.px(4.0));
    let (lo, _) = chart.backend_coord(&(e.low, 0.0));
    let (hi, _) = chart.backend_coord(&(e.high, 0.0));
    let whisker = INK.stroke_width(theme.upx(2.5));
    root.draw(&PathElement::new(vec![(lo, yc), (hi, yc)], whisker))?;
    for x in [lo, hi] {
        root.draw(&PathElement::new(
            vec![(x, yc - half), (x, yc + half)],
            whisker,
        ))?;
    }
    Ok(())
}
