//! `wiggers`: one beat on a shared time axis, in stacked panels: aortic and LV pressure; LA
//! pressure on its own scale (so the v-wave is visible); mitral flow with the regurgitant part
//! shaded; LV volume; mitral and aortic valve opening. Each panel is named, with its unit, on
//! its left, where a rotated axis description would not fit.
//!
//! Pre and post overlay in every panel (colour and dash by state); which trace is which channel
//! is written next to the trace.

use super::chart::{
    draw_curve, legend, marker, plot_rect, text, text_width, titled, xy_chart, Area, Axes, Corner,
    DrawResult, Layout, LegendEntry, Marker, Swatch, XAxis, XyChart, LEFT_MARGIN, X_LABEL_AREA,
    Y_TICKS_ONLY,
};
use super::data::{RunData, StateRun, Waveforms};
use super::loops::argmax_where;
use super::style::{extent, nice_range, state_style, AxisRange, Theme, GREY};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// Width of the column of panel names left of the tick labels (px at 1600×1000).
const NAME_COLUMN: f64 = 232.0;
/// Right margin shared by all panels, and the gap between panels (px at 1600×1000).
const RIGHT: f64 = 30.0;
const GAP: f64 = 30.0;
/// Opacity of the regurgitant shading.
const SHADE: f64 = 0.3;

/// One panel: name (quantity, then unit), relative height, y range and ticks.
struct Panel {
    name: [&'static str; 2],
    weight: f64,
    y: AxisRange,
}

pub fn draw<DB: DrawingBackend>(root: &Area<DB>, theme: &Theme, run: &RunData) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let body = titled(
        root,
        theme,
        &format!("Wiggers diagram — {}", run.scenario_name),
    )?;
    let states = &run.states;
    let mut entries: Vec<LegendEntry> = states
        .iter()
        .map(|s| LegendEntry::new(Swatch::Line(state_style(s.id)), state_style(s.id).label))
        .collect();
    // Explain the shading only where there is some to see.
    if states
        .iter()
        .any(|s| s.metrics.regurgitant_volume_ml >= 1.0)
    {
        entries.push(LegendEntry::new(
            Swatch::Fill(state_style(states[0].id).color, SHADE),
            "regurgitant flow",
        ));
    }
    let corner = Corner::TopRight(theme.width as i32 - theme.margin(), theme.px(6.0));
    legend(root, theme, &entries, corner, Layout::Row)?;

    let series = |f: fn(&Waveforms) -> &[f64]| extent(states.iter().map(|s| f(&s.waveforms)));
    // One beat: from the first sample to one step after the last.
    let t_start = states
        .iter()
        .map(|s| s.waveforms.t_s[0])
        .fold(f64::INFINITY, f64::min);
    let t_end = states
        .iter()
        .map(|s| {
            let t = &s.waveforms.t_s;
            t[t.len() - 1] + (t[1] - t[0])
        })
        .fold(f64::NEG_INFINITY, f64::max);
    let p_max = series(|w| &w.p_ao_mmhg).1.max(series(|w| &w.p_lv_mmhg).1);
    let la = series(|w| &w.p_la_mmhg);
    let la_span = (la.1 - la.0).max(1.0);
    let q = series(|w| &w.q_mv_ml_s);
    let q_pad = 0.06 * (q.1 - q.0).max(1.0);
    let v = series(|w| &w.v_lv_ml);
    let v_pad = 0.06 * (v.1 - v.0).max(1.0);
    let panels = [
        Panel {
            name: ["Aortic and LV", "pressure (mmHg)"],
            weight: 0.26,
            y: nice_range(0.0, p_max * 1.04, 6.0),
        },
        Panel {
            name: ["LA pressure", "(mmHg)"],
            weight: 0.20,
            // Room above the v-wave for its name.
            y: nice_range(la.0 - 0.1 * la_span, la.1 + 0.45 * la_span, 4.0),
        },
        Panel {
            name: ["Mitral flow", "(mL/s)"],
            weight: 0.20,
            y: nice_range(q.0 - q_pad, q.1 + q_pad, 5.0),
        },
        Panel {
            name: ["LV volume", "(mL)"],
            weight: 0.17,
            y: nice_range(v.0 - v_pad, v.1 + v_pad, 3.0),
        },
        Panel {
            name: ["Valve", "opening (0–1)"],
            weight: 0.17,
            y: AxisRange::fixed(-0.08, 1.45, 3),
        },
    ];

    // Split the body: the bottom panel also holds the time axis.
    let (_, body_h) = body.dim_in_pixel();
    let fixed = theme.px(X_LABEL_AREA) + theme.px(GAP) * (panels.len() as i32 - 1);
    let free = (body_h as i32 - fixed).max(panels.len() as i32 * 10) as f64;
    let mut breaks = Vec::new();
    let mut y = 0;
    for (k, p) in panels[..panels.len() - 1].iter().enumerate() {
        let gap = if k == 0 { 0 } else { theme.px(GAP) };
        y += gap + (free * p.weight).round() as i32;
        breaks.push(y);
    }
    let areas = body.split_by_breakpoints::<i32, i32, _, _>([], breaks);

    for (k, (panel, area)) in panels.iter().zip(&areas).enumerate() {
        let last = k == panels.len() - 1;
        // Panels below the first start after a gap, so tick labels at their edges stay apart.
        let area = if k == 0 {
            area.clone()
        } else {
            area.margin(theme.px(GAP), 0, 0, 0)
        };
        let mut chart = xy_chart(
            &area,
            theme,
            &Axes {
                x: AxisRange::fixed(t_start, t_end, 12),
                y: panel.y,
                x_axis: if last {
                    XAxis::Numeric("time (s)")
                } else {
                    XAxis::Hidden
                },
                y_desc: None,
                left: NAME_COLUMN + Y_TICKS_ONLY,
                right: RIGHT,
            },
        )?;
        let plot = plot_rect(&chart);
        let x = area.get_pixel_range().0.start + theme.px(LEFT_MARGIN);
        for (i, line) in panel.name.iter().enumerate() {
            let at = (x, plot.y0 + theme.px(2.0 + 36.0 * i as f64));
            text(
                root,
                theme,
                line,
                &theme.heading(),
                at,
                (HPos::Left, VPos::Top),
            )?;
        }
        match k {
            0 => pressures(root, theme, &mut chart, states)?,
            1 => la_pressure(root, theme, &mut chart, states)?,
            2 => mitral_flow(theme, &mut chart, states)?,
            3 => curves(theme, &mut chart, states, |w| &w.v_lv_ml)?,
            _ => valves(root, theme, &mut chart, states)?,
        }
    }
    Ok(())
}

fn curves<DB: DrawingBackend>(
    theme: &Theme,
    chart: &mut XyChart<'_, DB>,
    states: &[StateRun],
    channel: fn(&Waveforms) -> &[f64],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    for s in states {
        let w = &s.waveforms;
        let points = w.t_s.iter().zip(channel(w)).map(|(&t, &y)| (t, y));
        draw_curve(chart, theme, state_style(s.id), points.collect())?;
    }
    Ok(())
}

/// Write a channel name next to its trace (in ink, as the colour says the state).
fn channel_label<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    at: (i32, i32),
    name: &str,
    anchor: (HPos, VPos),
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    text(root, theme, name, &theme.note(), at, anchor)
}

/// Index of the sample nearest to time `t`.
fn at_time(w: &Waveforms, t: f64) -> usize {
    w.t_s.partition_point(|&x| x < t).min(w.len() - 1)
}

fn pressures<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    chart: &mut XyChart<'_, DB>,
    states: &[StateRun],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    curves(theme, chart, states, |w| &w.p_ao_mmhg)?;
    curves(theme, chart, states, |w| &w.p_lv_mmhg)?;
    // Labels from the first state: aortic above its late-diastolic decay, LV above its
    // diastolic filling pressure.
    let w = &states[0].waveforms;
    let t = w.t_s[w.len() - 1] * 0.9;
    let i = at_time(w, t);
    let up = theme.px(14.0);
    let ao = chart.backend_coord(&(t, w.p_ao_mmhg[i]));
    channel_label(
        root,
        theme,
        (ao.0, ao.1 - up),
        "aortic",
        (HPos::Center, VPos::Bottom),
    )?;
    let top = states
        .iter()
        .flat_map(|s| s.waveforms.p_lv_mmhg[at_time(&s.waveforms, t)..].iter())
        .fold(f64::MIN, |a, &b| a.max(b));
    let lv = chart.backend_coord(&(t, top));
    channel_label(
        root,
        theme,
        (lv.0, lv.1 - up),
        "LV",
        (HPos::Center, VPos::Bottom),
    )?;
    Ok(())
}

fn la_pressure<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    chart: &mut XyChart<'_, DB>,
    states: &[StateRun],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    curves(theme, chart, states, |w| &w.p_la_mmhg)?;
    // Mark each state's v-wave (highest LA pressure while p_LV ≥ p_LA, as in the metric) and
    // name it once, above the highest.
    let mut top: Option<(i32, i32)> = None;
    for s in states {
        let w = &s.waveforms;
        let Some(i) = argmax_where(&w.p_la_mmhg, |i| w.p_lv_mmhg[i] >= w.p_la_mmhg[i]) else {
            continue;
        };
        let at = chart.backend_coord(&(w.t_s[i], w.p_la_mmhg[i]));
        marker(root, theme, at, Marker::Circle, state_style(s.id).color)?;
        if top.is_none_or(|t| at.1 < t.1) {
            top = Some(at);
        }
    }
    if let Some(at) = top {
        // Above the marker, or beside it when the panel's top is too close.
        if at.1 - theme.px(48.0) >= plot_rect(chart).y0 {
            let at = (at.0, at.1 - theme.px(14.0));
            channel_label(root, theme, at, "v", (HPos::Center, VPos::Bottom))?;
        } else {
            let at = (at.0 + theme.px(12.0), at.1 - theme.px(8.0));
            channel_label(root, theme, at, "v", (HPos::Left, VPos::Bottom))?;
        }
    }
    Ok(())
}

fn mitral_flow<DB: DrawingBackend>(
    theme: &Theme,
    chart: &mut XyChart<'_, DB>,
    states: &[StateRun],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    for s in states {
        let w = &s.waveforms;
        let color = state_style(s.id).color;
        let back = w
            .t_s
            .iter()
            .zip(&w.q_mv_ml_s)
            .map(|(&t, &q)| (t, q.min(0.0)));
        chart.draw_series(AreaSeries::new(back, 0.0, color.mix(SHADE).filled()))?;
    }
    let x = chart.x_range();
    chart.draw_series(LineSeries::new(
        [(x.start, 0.0), (x.end, 0.0)],
        GREY.stroke_width(theme.upx(2.0)),
    ))?;
    curves(theme, chart, states, |w| &w.q_mv_ml_s)
}

fn valves<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    chart: &mut XyChart<'_, DB>,
    states: &[StateRun],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    curves(theme, chart, states, |w| &w.open_mv)?;
    curves(theme, chart, states, |w| &w.open_av)?;
    // Name each valve above the middle of its longest open interval (first state), where no
    // trace runs (the axis leaves room above "open"); keep the name inside the plot.
    let w = &states[0].waveforms;
    let plot = plot_rect(chart);
    for (open, name) in [(&w.open_mv, "mitral"), (&w.open_av, "aortic")] {
        if let Some((a, b)) = longest_run(open, |x| x > 0.5) {
            let t = 0.5 * (w.t_s[a] + w.t_s[b]);
            let (x, y) = chart.backend_coord(&(t, 1.0));
            let half = text_width(root, theme, name, &theme.note())? / 2 + theme.px(6.0);
            let x = x.clamp(plot.x0 + half, (plot.x1 - half).max(plot.x0 + half));
            let at = (x, y - theme.px(6.0));
            channel_label(root, theme, at, name, (HPos::Center, VPos::Bottom))?;
        }
    }
    Ok(())
}

/// First and last index of the longest run of samples where `keep` holds.
fn longest_run(xs: &[f64], keep: impl Fn(f64) -> bool) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    let mut start = None;
    for (i, &x) in xs.iter().enumerate() {
        match (keep(x), start) {
            (true, None) => start = Some(i),
            (false, Some(a)) => {
                if best.is_none_or(|(p, q)| i - 1 - a > q - p) {
                    best = Some((a, i - 1));
                }
                start = None;
            }
            _ => {}
        }
    }
    if let Some(a) = start {
        let b = xs.len() - 1;
        if best.is_none_or(|(p, q)| b - a > q - p) {
            best = Some((a, b));
        }
    }
    best
}
