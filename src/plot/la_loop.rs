//! `la-loop`: the LA pressure–volume loop, with the v-wave marked and each beat's mean LA
//! pressure and v-wave in the legend.
//!
//! With a linear passive atrium the reservoir phase runs up and back down one line: MR makes it
//! longer (the atrium also fills from the ventricle in systole) and its top, the v-wave, higher.

use super::chart::Marker;
use super::data::Waveforms;
use super::figure::{FigureSpec, Mark};
use super::loops::{self, LoopSpec};
use super::style::value_label;
use super::traces::{v_wave_index, Trace};

fn legend(t: &Trace<'_>) -> Vec<String> {
    let m = &t.state.metrics;
    vec![format!(
        "mean {} mmHg, v-wave {} mmHg",
        value_label(m.la_pressure_mean_mmhg),
        value_label(m.la_v_wave_mmhg)
    )]
}

pub fn figure(title: &str, traces: &[Trace<'_>]) -> FigureSpec {
    let spec = LoopSpec {
        title: format!("LA pressure–volume loop — {title}"),
        x_desc: "LA volume (mL)",
        y_desc: "LA pressure (mmHg)",
        volume: |w: &Waveforms| &w.v_la_ml,
        pressure: |w: &Waveforms| &w.p_la_mmhg,
        from_zero: false,
        right_room: 0.4,
        legend,
    };
    let mut fig = loops::figure(traces, &spec);
    for t in traces {
        let w = t.waveforms();
        let Some(i) = v_wave_index(w) else { continue };
        fig.panels[0].marks.push(Mark {
            at: (w.v_la_ml[i], w.p_la_mmhg[i]),
            shape: Marker::Circle,
            color: t.style.color,
            hollow: false,
            label: Some(format!(
                "v-wave {} mmHg",
                value_label(t.state.metrics.la_v_wave_mmhg)
            )),
            colored_label: true,
        });
    }
    fig
}
