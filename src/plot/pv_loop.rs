//! `pv-loop`: the LV pressure–volume loop, with end-diastole (EDV) and end-systole (ESV, the
//! smallest volume) marked, and EDV, ESV and the regurgitant volume of each state in the legend.
//!
//! The isovolumic phases show as vertical segments; with MR the "isovolumic" phases already
//! lose volume to the atrium, so those segments lean.

use super::chart::{marker, Area, DrawResult, Labels, Marker};
use super::data::{RunData, StateRun, Waveforms};
use super::loops::{self, argmax_where, argmin, LoopSpec};
use super::style::{state_style, value_label, Theme};
use plotters::prelude::DrawingBackend;
use plotters::style::text_anchor::HPos;

/// Volumes this close to the smallest count as end-systolic (mL).
const ESV_TOLERANCE_ML: f64 = 0.25;

fn legend(s: &StateRun) -> Vec<String> {
    let m = &s.metrics;
    vec![
        format!(
            "{}: EDV {} mL, ESV {} mL",
            state_style(s.id).label,
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

pub fn draw<DB: DrawingBackend>(root: &Area<DB>, theme: &Theme, run: &RunData) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let spec = LoopSpec {
        title: format!("LV pressure–volume loop — {}", run.scenario_name),
        x_desc: "LV volume (mL)",
        y_desc: "LV pressure (mmHg)",
        volume: |w: &Waveforms| &w.v_lv_ml,
        pressure: |w: &Waveforms| &w.p_lv_mmhg,
        from_zero: true,
        right_room: 0.25,
        legend,
    };
    let mut body = None;
    let (chart, legend_box) = loops::draw(root, &mut body, theme, run, &spec)?;

    // Markers at end-diastole (circle: EDV at the end-diastolic pressure, the loop's
    // bottom-right corner; the volume peaks a few ms later, already in isovolumic contraction)
    // and end-systole (square: ESV, the smallest volume); the first state's markers get names.
    let mut labels = Labels::default();
    labels.reserve(legend_box);
    let mut tags = Vec::new();
    for (k, s) in run.states.iter().enumerate() {
        let (w, m) = (&s.waveforms, &s.metrics);
        let color = state_style(s.id).color;
        // Where the smallest volume lasts (a truly isovolumic relaxation), the end of ejection
        // is the highest-pressure sample at that volume: the loop's top-left corner.
        let v_min = w.v_lv_ml[argmin(&w.v_lv_ml)];
        let es =
            argmax_where(&w.p_lv_mmhg, |i| w.v_lv_ml[i] <= v_min + ESV_TOLERANCE_ML).unwrap_or(0);
        let ed_at = chart.backend_coord(&(m.lv_edv_ml, m.lv_edp_mmhg));
        let es_at = chart.backend_coord(&(m.lv_esv_ml, w.p_lv_mmhg[es]));
        labels.reserve(marker(root, theme, ed_at, Marker::Circle, color)?);
        labels.reserve(marker(root, theme, es_at, Marker::Square, color)?);
        if k == 0 {
            let gap = theme.px(18.0);
            tags = vec![
                ("EDV", (ed_at.0 + gap, ed_at.1), HPos::Left),
                ("ESV", (es_at.0 - gap, es_at.1), HPos::Right),
            ];
        }
    }
    for (tag, at, h) in tags {
        let style = theme.note();
        labels.place(root, theme, tag, &style, at, h, -theme.px(30.0))?;
    }
    Ok(())
}
