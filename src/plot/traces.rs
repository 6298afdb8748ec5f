//! The beats a run figure shows, each with its name and look: a run's `pre` and `post`, or the
//! states of several runs compared (`mitralsim plot compare`).
//!
//! Why: the run figures and their comparison are the same figures of a different list of beats;
//! building them from [`Trace`]s keeps one builder per figure kind.

use super::data::{RunData, StateId, StateRun, Waveforms};
use super::style::{state_style, StateStyle, BLUE, VERMILLION};
use crate::model::params::ChamberParams;
use plotters::style::RGBColor;

/// One beat to draw.
pub struct Trace<'a> {
    pub label: String,
    pub style: StateStyle,
    pub state: &'a StateRun,
    /// The LV's elastance law, for the ESPVR and EDPVR.
    pub lv: Option<ChamberParams>,
}

impl Trace<'_> {
    pub fn waveforms(&self) -> &Waveforms {
        &self.state.waveforms
    }
}

/// A run's states: `pre` solid blue, `post` dashed vermillion.
pub fn run_traces(run: &RunData) -> Vec<Trace<'_>> {
    run.states
        .iter()
        .map(|s| Trace {
            label: state_style(s.id).label.to_string(),
            style: state_style(s.id),
            state: s,
            lv: run.lv,
        })
        .collect()
}

// The rest of the Okabe & Ito (2008) palette, for comparisons of more than two beats.
const BLUISH_GREEN: RGBColor = RGBColor(0x00, 0x9E, 0x73);
const REDDISH_PURPLE: RGBColor = RGBColor(0xCC, 0x79, 0xA7);
const ORANGE: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
const SKY_BLUE: RGBColor = RGBColor(0x56, 0xB4, 0xE9);

/// Colours of compared beats, in order; the dash alternates, so neighbours differ in both.
pub const COMPARE_COLORS: [RGBColor; 6] = [
    BLUE,
    VERMILLION,
    BLUISH_GREEN,
    REDDISH_PURPLE,
    ORANGE,
    SKY_BLUE,
];

/// Most beats one comparison shows (beyond, colours would repeat).
pub const MAX_COMPARED: usize = COMPARE_COLORS.len();

/// The look of the `i`-th compared beat.
pub fn compare_style(i: usize) -> StateStyle {
    StateStyle {
        color: COMPARE_COLORS[i % COMPARE_COLORS.len()],
        dashed: i % 2 == 1,
        label: "",
    }
}

/// The beats of several runs, each named by its label; a run with a clip gives two beats,
/// "<label> (pre)" and "<label> (after clip)".
pub fn compare_traces<'a>(runs: &'a [(String, RunData)]) -> Vec<Trace<'a>> {
    let mut out = Vec::new();
    for (label, run) in runs {
        for s in &run.states {
            let label = match (run.has_post(), s.id) {
                (false, _) => label.clone(),
                (true, StateId::Pre) => format!("{label} (pre)"),
                (true, StateId::Post) => format!("{label} (after clip)"),
            };
            out.push(Trace {
                label,
                style: compare_style(out.len()),
                state: s,
                lv: run.lv,
            });
        }
    }
    out
}

/// Index of the largest `values[i]` among the samples where `keep(i)`, if any.
pub fn argmax_where(values: &[f64], keep: impl Fn(usize) -> bool) -> Option<usize> {
    (0..values.len())
        .filter(|&i| keep(i))
        .max_by(|&a, &b| values[a].total_cmp(&values[b]))
}

/// The v-wave sample: the highest LA pressure while the ventricle is in systole
/// (p_LV ≥ p_LA), as in the metric's definition.
pub fn v_wave_index(w: &Waveforms) -> Option<usize> {
    argmax_where(&w.p_la_mmhg, |i| w.p_lv_mmhg[i] >= w.p_la_mmhg[i])
}

/// End-diastole: the last sample before the LV activation rises from zero (as the metrics
/// define LVEDP), else the largest volume.
pub fn end_diastole_index(w: &Waveforms) -> usize {
    let (e, n) = (&w.act_lv, w.len());
    (0..n)
        .find(|&i| e[i] > 0.0 && e[(i + n - 1) % n] == 0.0)
        .map(|i| (i + n - 1) % n)
        .or_else(|| argmax_where(&w.v_lv_ml, |_| true))
        .unwrap_or(0)
}

/// End-systole: the first sample of peak LV activation, where the elastance is largest and the
/// loop touches the ESPVR (not the smallest volume, which with MR comes later, in isovolumic
/// relaxation).
pub fn end_systole_index(w: &Waveforms) -> usize {
    let peak = w.act_lv.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    w.act_lv.iter().position(|&e| e == peak).unwrap_or(0)
}
