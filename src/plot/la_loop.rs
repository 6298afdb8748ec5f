//! `la-loop`: the LA pressure–volume loop, with the v-wave marked and each state's mean LA
//! pressure and v-wave in the legend.
//!
//! With a linear passive atrium the reservoir phase runs up and back down one line: MR makes it
//! longer (the atrium also fills from the ventricle in systole) and its top, the v-wave, higher.

use super::chart::{marker, Area, DrawResult, Labels, Marker};
use super::data::{RunData, StateRun, Waveforms};
use super::loops::{self, argmax_where, LoopSpec};
use super::style::{state_style, value_label, Theme};
use plotters::prelude::DrawingBackend;
use plotters::style::text_anchor::HPos;

fn legend(s: &StateRun) -> Vec<String> {
    vec![format!(
        "{}: mean {} mmHg, v-wave {} mmHg",
        state_style(s.id).label,
        value_label(s.metrics.la_pressure_mean_mmhg),
        value_label(s.metrics.la_v_wave_mmhg)
    )]
}

pub fn draw<DB: DrawingBackend>(root: &Area<DB>, theme: &Theme, run: &RunData) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let spec = LoopSpec {
        title: format!("LA pressure–volume loop — {}", run.scenario_name),
        x_desc: "LA volume (mL)",
        y_desc: "LA pressure (mmHg)",
        volume: |w: &Waveforms| &w.v_la_ml,
        pressure: |w: &Waveforms| &w.p_la_mmhg,
        from_zero: false,
        right_room: 0.4,
        legend,
    };
    let mut body = None;
    let (chart, legend_box) = loops::draw(root, &mut body, theme, run, &spec)?;

    let mut labels = Labels::default();
    labels.reserve(legend_box);
    let mut markers = Vec::new();
    for s in &run.states {
        let w = &s.waveforms;
        // The v-wave: the highest LA pressure while the ventricle is in systole (p_LV ≥ p_LA),
        // as in the metric's definition.
        let Some(i) = argmax_where(&w.p_la_mmhg, |i| w.p_lv_mmhg[i] >= w.p_la_mmhg[i]) else {
            continue;
        };
        let at = chart.backend_coord(&(w.v_la_ml[i], w.p_la_mmhg[i]));
        let color = state_style(s.id).color;
        labels.reserve(marker(root, theme, at, Marker::Circle, color)?);
        markers.push((s, at));
    }
    for (s, at) in markers {
        let style = theme.note_colored(state_style(s.id).color);
        let text = format!("v-wave {} mmHg", value_label(s.metrics.la_v_wave_mmhg));
        let at = (at.0 + theme.px(20.0), at.1);
        labels.place(root, theme, &text, &style, at, HPos::Left, theme.px(34.0))?;
    }
    Ok(())
}
