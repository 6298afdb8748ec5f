//! `pv-family`: the LV pressure–volume loops of a small sweep (run with `--waveforms`) overlaid
//! as a family, each loop coloured by its point's value of the swept axis (viridis, dark to
//! light as the value rises). Before the clip in one panel (solid), after it in a second panel
//! (dashed) on the same scales, so that the family and the repair's effect read side by side.
//! The legend names each loop's axis value and its regurgitant volume (pre → post).
//!
//! At most [`MAX_LOOPS`] loops: more would be a blur, and `--waveforms` is meant for small
//! sweeps. Points without a waveforms file (a failed point) are listed under the legend.

use super::chart::{
    draw_curve, heading, legend, legend_size, text, titled, xy_chart, Area, Axes, Corner,
    DrawResult, Layout, LegendEntry, Swatch, XAxis, Y_LABEL_AREA,
};
use super::colormap::{viridis, LINE_MAX};
use super::data::{StateId, Waveforms};
use super::quantity::{axis_label, axis_name, lower_unless_acronym, value_with_unit, Prefix};
use super::style::{extent, nice_range, value_label, StateStyle, Theme, GREY};
use super::sweep_data::{PointStatus, SweepHeader, WAVEFORMS_DIR};
use super::{PlotError, SweepPlotRequest};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// Most loops in one figure.
pub const MAX_LOOPS: usize = 12;

/// One point's loops.
struct Member {
    label: String,
    color: RGBColor,
    pre: Waveforms,
    post: Option<Waveforms>,
}

pub struct FamilyFigure {
    title: String,
    /// Heading lines of the legend.
    legend_title: Vec<String>,
    members: Vec<Member>,
    /// Points of results.csv without loops, as "point 3 (error)".
    missing: Vec<String>,
}

fn unsuitable(header: &SweepHeader, reason: String) -> PlotError {
    PlotError::Unsuitable {
        what: "a pv-family plot".into(),
        dir: header.dir.clone(),
        reason,
    }
}

pub fn prepare(req: &SweepPlotRequest, header: SweepHeader) -> Result<FamilyFigure, PlotError> {
    let wf_dir = header.dir.join(WAVEFORMS_DIR);
    if !wf_dir.is_dir() {
        return Err(unsuitable(
            &header,
            format!(
                "no waveforms directory {} (run the sweep with --waveforms)",
                wf_dir.display()
            ),
        ));
    }
    let named_axis = match &req.x_axis {
        Some(k) => Some(header.axis(k)?),
        None => None,
    };
    // The regurgitant volume names each loop in the legend, when results.csv has it.
    let columns = header
        .metric_columns("regurgitant_volume_ml")
        .unwrap_or_default();
    let data = header.load(&columns)?.slice(&req.wheres)?;
    let header = &data.header;
    if req.facet.is_some() {
        return Err(unsuitable(
            header,
            "--facet goes with heatmap and sweep-line; fix the other axes with --where".into(),
        ));
    }
    let axis = named_axis.unwrap_or_else(|| {
        (0..header.axes.len())
            .find(|&a| data.distinct(a).len() > 1)
            .unwrap_or(0)
    });
    let with_files: Vec<_> = data
        .points
        .iter()
        .filter(|p| data.waveforms_path(p.index).is_file())
        .collect();
    if with_files.is_empty() {
        return Err(unsuitable(
            header,
            format!(
                "{} holds no point-<index>.csv of a point of results.csv",
                wf_dir.display()
            ),
        ));
    }
    if with_files.len() > MAX_LOOPS {
        return Err(unsuitable(
            header,
            format!(
                "{} points have waveforms; a PV family shows at most {MAX_LOOPS} loops (use \
                 sweep-line for larger sweeps)",
                with_files.len()
            ),
        ));
    }
    let missing = data
        .points
        .iter()
        .filter(|p| !data.waveforms_path(p.index).is_file())
        .map(|p| match p.status {
            PointStatus::Error => format!("point {} (failed)", p.index),
            _ => format!("point {}", p.index),
        })
        .collect();

    // Colour along the axis: by value for numbers, by order for words.
    let values = data.distinct(axis);
    let numeric = values.iter().all(|v| v.number.is_some());
    let (lo, hi) = if numeric {
        let n: Vec<f64> = values.iter().filter_map(|v| v.number).collect();
        (n[0], n[n.len() - 1])
    } else {
        (0.0, values.len().saturating_sub(1) as f64)
    };
    let position = |p: &super::sweep_data::SweepPoint| {
        let v = &p.axes[axis];
        match v.number {
            Some(x) if numeric => x,
            _ => values.iter().position(|w| w.same(v)).unwrap_or(0) as f64,
        }
    };
    let pre_col = columns
        .iter()
        .position(|c| Prefix::split(c).map(|(p, _)| p) == Some(Prefix::Pre));
    let post_col = columns
        .iter()
        .position(|c| Prefix::split(c).map(|(p, _)| p) == Some(Prefix::Post));
    let others: Vec<usize> = (0..header.axes.len())
        .filter(|&a| a != axis && data.distinct(a).len() > 1)
        .collect();
    let mut members = Vec::new();
    let mut order: Vec<_> = with_files.iter().map(|p| (position(p), *p)).collect();
    order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.index.cmp(&b.1.index)));
    for (pos, p) in order {
        let beats = data.load_waveforms(p.index)?;
        let take = |id: StateId| beats.iter().find(|(s, _)| *s == id).map(|(_, w)| w.clone());
        let Some(pre) = take(StateId::Pre) else {
            return Err(super::data::malformed(
                &data.waveforms_path(p.index),
                "no `pre` rows",
            ));
        };
        let mut label = value_with_unit(&p.axes[axis].display(), &header.axes[axis]);
        for &a in &others {
            label.push_str(&format!(
                ", {}",
                value_with_unit(&p.axes[a].display(), &header.axes[a])
            ));
        }
        let rvol = |c: Option<usize>| c.and_then(|c| p.values[c]);
        match (rvol(pre_col), rvol(post_col)) {
            (Some(a), Some(b)) => label.push_str(&format!(
                ": RVol {} / {} mL",
                value_label(a),
                value_label(b)
            )),
            (Some(a), None) => label.push_str(&format!(": RVol {} mL", value_label(a))),
            _ => {}
        }
        if p.status == PointStatus::NotConverged {
            label.push_str(" (not converged)");
        }
        let t = if hi > lo {
            LINE_MAX * (pos - lo) / (hi - lo)
        } else {
            0.0
        };
        members.push(Member {
            label,
            color: viridis(t),
            pre,
            post: take(StateId::Post),
        });
    }
    let name = axis_name(&header.axes[axis]);
    let short = lower_unless_acronym(name.split(" (").next().unwrap_or(&name));
    let mut legend_title = vec![axis_label(&header.axes[axis])];
    match (pre_col, post_col) {
        (Some(_), Some(_)) if members.iter().any(|m| m.post.is_some()) => {
            legend_title.push("and RVol before / after the clip".to_string())
        }
        (Some(_), _) => legend_title.push("and regurgitant volume".to_string()),
        _ => {}
    }
    Ok(FamilyFigure {
        title: format!("LV pressure–volume loops by {short} — {}", header.name),
        legend_title,
        members,
        missing,
    })
}

pub fn draw<DB: DrawingBackend>(root: &Area<DB>, theme: &Theme, fig: &FamilyFigure) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let body = titled(root, theme, &fig.title)?;
    let has_post = fig.members.iter().any(|m| m.post.is_some());
    let mut entries = vec![LegendEntry {
        swatch: Swatch::Title,
        lines: fig.legend_title.clone(),
    }];
    entries.extend(fig.members.iter().map(|m| {
        let style = StateStyle {
            color: m.color,
            dashed: false,
            label: "",
        };
        LegendEntry::new(Swatch::Line(style), m.label.clone())
    }));
    let (legend_w, _) = legend_size(root, theme, &entries, Layout::Column)?;
    let column = legend_w + theme.px(36.0);
    let (w, _) = body.dim_in_pixel();
    let (plots, side) = body.split_horizontally(w as i32 - column);

    fn states(m: &Member) -> Vec<(StateId, &Waveforms)> {
        let mut v = vec![(StateId::Pre, &m.pre)];
        v.extend(m.post.as_ref().map(|w| (StateId::Post, w)));
        v
    }
    let all: Vec<&Waveforms> = fig
        .members
        .iter()
        .flat_map(|m| states(m).into_iter().map(|(_, w)| w))
        .collect();
    // Volume fitted to the family (its differences are the point), pressure from zero.
    let (v_lo, v_hi) = extent(all.iter().map(|w| w.v_lv_ml.as_slice()));
    let (p_lo, p_hi) = extent(all.iter().map(|w| w.p_lv_mmhg.as_slice()));
    let pad = 0.05 * (v_hi - v_lo).max(1.0);
    let x = nice_range(v_lo - pad, v_hi + pad, 6.0);
    let y = nice_range(p_lo.min(0.0), p_hi * 1.06, 6.0);

    let panels: Vec<(StateId, &str)> = if has_post {
        vec![
            (StateId::Pre, "Before the clip (solid)"),
            (StateId::Post, "After the clip (dashed)"),
        ]
    } else {
        vec![(StateId::Pre, "")]
    };
    let areas = plots.split_evenly((1, panels.len()));
    for ((state, name), area) in panels.iter().zip(&areas) {
        let area = if name.is_empty() {
            area.clone()
        } else {
            let (aw, _) = area.dim_in_pixel();
            let left = theme.px(8.0) + theme.tpx(Y_LABEL_AREA);
            heading(area, theme, name, ((left + aw as i32) / 2, HPos::Center))?
        };
        let mut chart = xy_chart(
            &area,
            theme,
            &Axes {
                x,
                y,
                x_axis: XAxis::Numeric("LV volume (mL)"),
                y_desc: Some("LV pressure (mmHg)"),
                left: Y_LABEL_AREA,
                right: 24.0,
                y_named: false,
            },
        )?;
        for m in &fig.members {
            let Some(w) = states(m)
                .into_iter()
                .find(|(s, _)| s == state)
                .map(|(_, w)| w)
            else {
                continue;
            };
            let style = StateStyle {
                color: m.color,
                dashed: *state == StateId::Post,
                label: "",
            };
            // Close the loop: the beat is periodic.
            let points = w
                .v_lv_ml
                .iter()
                .zip(&w.p_lv_mmhg)
                .chain(w.v_lv_ml.iter().zip(&w.p_lv_mmhg).take(1))
                .map(|(&v, &p)| (v, p))
                .collect();
            draw_curve(&mut chart, theme, style, points)?;
        }
    }

    // The legend column: the axis as its title, one entry per loop, then the points left out.
    let (xr, yr) = side.get_pixel_range();
    let x0 = xr.start + theme.px(16.0);
    let top = yr.start + theme.px(if has_post { 52.0 } else { 12.0 });
    let box_ = legend(
        root,
        theme,
        &entries,
        Corner::TopLeft(x0, top),
        Layout::Column,
    )?;
    if !fig.missing.is_empty() {
        let style = theme.note().color(&GREY);
        let mut y = box_.y1 + theme.px(16.0);
        text(
            root,
            theme,
            "no waveforms:",
            &style,
            (x0, y),
            (HPos::Left, VPos::Top),
        )?;
        for m in &fig.missing {
            y += theme.px(34.0);
            text(root, theme, m, &style, (x0, y), (HPos::Left, VPos::Top))?;
        }
    }
    Ok(())
}
