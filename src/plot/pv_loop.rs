//! `pv-loop`: the LV pressure–volume loop with its end-systolic and end-diastolic
//! pressure–volume relations (ESPVR, EDPVR), the end-diastolic (ED) and end-systolic (ES) points
//! marked, and EDV, ESV and the regurgitant volume of each beat in the legend.
//!
//! The ESPVR is the LV's pressure law at full activation, a line through V0 of slope Ees; the
//! EDPVR its law at rest (linear or exponential, docs/model.md). ES is the moment of peak
//! activation, where the loop touches the ESPVR; ED the moment before activation rises, on the
//! EDPVR. With MR the "isovolumic" phases lose volume to the atrium, so the loop's vertical sides
//! lean and its smallest volume comes after ES.

use super::chart::{LegendEntry, Marker, Swatch};
use super::data::Waveforms;
use super::figure::{FigureSpec, LegendPlace, Mark, Note, Series};
use super::loops::{self, LoopSpec};
use super::style::{value_label, AxisRange, StateStyle, GREY};
use super::traces::{end_diastole_index, end_systole_index, Trace};
use crate::model::chamber::Chamber;
use crate::model::params::ChamberParams;
use plotters::style::text_anchor::{HPos, VPos};

fn legend(t: &Trace<'_>) -> Vec<String> {
    let m = &t.state.metrics;
    vec![
        format!(
            "EDV {} mL, ESV {} mL",
            value_label(m.lv_edv_ml),
            value_label(m.lv_esv_ml)
        ),
        format!(
            "RVol {} mL (RF {} %)",
            value_label(m.regurgitant_volume_ml),
            value_label(m.regurgitant_fraction_pct)
        ),
    ]
}

/// Points of the LV pressure at activation `e` from V0 to the right edge of the axes, cut where
/// it leaves the top (both relations rise with volume).
fn relation(lv: &ChamberParams, e: f64, x: AxisRange, y: AxisRange) -> Vec<(f64, f64)> {
    // The period only matters for the activation, which is given here.
    let chamber = Chamber::new(*lv, 1.0);
    let p = |v: f64| chamber.pressure_mmhg(v, e);
    let v_start = lv.v0_ml.max(x.lo);
    const N: usize = 200;
    let mut points: Vec<(f64, f64)> = Vec::with_capacity(N + 1);
    for k in 0..=N {
        let v = v_start + (x.hi - v_start) * k as f64 / N as f64;
        let pv = p(v);
        if pv > y.hi {
            // Finish exactly on the top edge.
            if let Some(&(v0, p0)) = points.last() {
                let f = (y.hi - p0) / (pv - p0);
                points.push((v0 + f * (v - v0), y.hi));
            }
            break;
        }
        points.push((v, pv));
    }
    points
}

pub fn figure(title: &str, traces: &[Trace<'_>]) -> FigureSpec {
    let spec = LoopSpec {
        title: format!("LV pressure–volume loop — {title}"),
        x_desc: "LV volume (mL)",
        y_desc: "LV pressure (mmHg)",
        volume: |w: &Waveforms| &w.v_lv_ml,
        pressure: |w: &Waveforms| &w.p_lv_mmhg,
        from_zero: true,
        right_room: 0.25,
        legend,
    };
    let mut fig = loops::figure(traces, &spec);
    // The ESPVR runs through the top left, the EDPVR through the bottom right: no corner is free.
    fig.legend_place = LegendPlace::RightColumn;
    let (x, y) = (fig.x, fig.panels[0].y);

    // The relations of each distinct LV (one for a run: the clip leaves the LV as it is), grey
    // when there is one, else in the colour of the first beat with that LV.
    let mut lvs: Vec<(ChamberParams, StateStyle)> = Vec::new();
    for t in traces {
        if let Some(lv) = t.lv {
            if !lvs.iter().any(|(p, _)| *p == lv) {
                lvs.push((lv, t.style));
            }
        }
    }
    let single = lvs.len() == 1;
    let panel = &mut fig.panels[0];
    for (k, (lv, style)) in lvs.iter().enumerate() {
        let color = if single { GREY } else { style.color };
        for (e, name, dashed) in [(1.0, "ESPVR", false), (0.0, "EDPVR", true)] {
            let points = relation(lv, e, x, y);
            let Some(&end) = points.last() else { continue };
            let line = StateStyle {
                color,
                dashed,
                label: name,
            };
            panel.series.push(Series::reference(points, line));
            if k == 0 {
                // At the line's far end: ESPVR leaves the top, EDPVR (usually) the right side.
                let (anchor, offset) = if end.1 >= y.hi - 1e-9 {
                    ((HPos::Left, VPos::Top), (12.0, 8.0))
                } else {
                    ((HPos::Right, VPos::Bottom), (-8.0, -10.0))
                };
                panel.notes.push(Note {
                    at: end,
                    text: name.to_string(),
                    anchor,
                    offset,
                });
            }
        }
    }

    // ED (circle) and ES (square) of every beat: the first beat's filled and named, the others
    // hollow, so that a marker on top never hides one below.
    for (k, t) in traces.iter().enumerate() {
        let w = t.waveforms();
        for (i, shape, name) in [
            (end_diastole_index(w), Marker::Circle, "ED"),
            (end_systole_index(w), Marker::Square, "ES"),
        ] {
            panel.marks.push(Mark {
                at: (w.v_lv_ml[i], w.p_lv_mmhg[i]),
                shape,
                color: t.style.color,
                hollow: k > 0,
                label: (k == 0).then(|| name.to_string()),
                colored_label: false,
            });
        }
    }
    fig.legend.push(LegendEntry::new(
        Swatch::Point(GREY, Marker::Circle, false),
        "end-diastole (ED)",
    ));
    fig.legend.push(LegendEntry::new(
        Swatch::Point(GREY, Marker::Square, false),
        "end-systole (ES)",
    ));
    fig
}
