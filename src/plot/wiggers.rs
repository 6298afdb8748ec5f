//! `wiggers`: the classic Wiggers diagram of one beat — aortic, LV and LA pressures overlaid in
//! one panel, LV volume, then mitral and aortic flow below — with the cardiac phases shaded and
//! named in a strip on top (isovolumic contraction, ejection, isovolumic relaxation, rapid
//! filling, diastasis, atrial systole) and the four valve events (MC, AO, AC, MO) drawn across
//! every panel.
//!
//! Phases come from the first beat's valve flows (a valve is open while blood flows forward
//! through it) and the LA activation; other beats (post, or compared runs) are overlaid in their
//! own colour and dash.

use super::chart::{LegendEntry, Marker, Swatch};
use super::data::Waveforms;
use super::figure::{
    Band, Event, FigureSpec, LegendPlace, Mark, Note, PanelName, PanelSpec, Series,
};
use super::style::{extent, nice_range, AxisRange, StateStyle, GREY};
use super::traces::{argmax_where, v_wave_index, Trace};
use plotters::style::text_anchor::{HPos, VPos};

/// Opacity of the regurgitant shading.
const SHADE: f64 = 0.3;
/// A valve is open while its forward flow exceeds this share of its peak.
const OPEN_FLOW: f64 = 0.02;
/// Rapid filling ends when forward mitral flow falls below this share of its E-wave peak.
const DIASTASIS_FLOW: f64 = 0.25;

/// A phase of the cardiac cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    IsovolumicContraction,
    Ejection,
    IsovolumicRelaxation,
    RapidFilling,
    Diastasis,
    AtrialSystole,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::IsovolumicContraction => "isovolumic contraction",
            Phase::Ejection => "ejection",
            Phase::IsovolumicRelaxation => "isovolumic relaxation",
            Phase::RapidFilling => "rapid filling",
            Phase::Diastasis => "diastasis",
            Phase::AtrialSystole => "atrial systole",
        }
    }

    /// The name written in the strip (the isovolumic phases are too short for their full name;
    /// the figure's footnote spells them out).
    fn strip_name(self) -> &'static str {
        match self {
            Phase::IsovolumicContraction => "IVC",
            Phase::IsovolumicRelaxation => "IVR",
            other => other.name(),
        }
    }

    fn systolic(self) -> bool {
        matches!(self, Phase::IsovolumicContraction | Phase::Ejection)
    }
}

/// Sample indices of the valve events and phase boundaries of one beat (cyclic: a phase may
/// run past the end of the beat into its start).
#[derive(Debug, Clone, PartialEq)]
pub struct Timing {
    pub mitral_closes: usize,
    pub aortic_opens: usize,
    pub aortic_closes: usize,
    pub mitral_opens: usize,
    /// Each phase with its first and last sample (cyclic), in the order of the cycle from
    /// mitral closure; phases that do not occur (no diastasis at a high rate) are left out.
    pub phases: Vec<(Phase, usize, usize)>,
}

/// The longest cyclic run of samples of forward flow (above [`OPEN_FLOW`] of the peak): (first
/// open sample, first closed sample after it). Flow rather than the leaflets' opening marks the
/// events: a leaky valve's leaflets may drift towards closure in diastasis while blood still
/// flows, and regurgitant (negative) flow is not an open valve.
fn open_interval(flow: &[f64]) -> Option<(usize, usize)> {
    let n = flow.len();
    let peak = flow.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if peak.is_nan() || peak <= 0.0 {
        return None;
    }
    let is_open = |i: usize| flow[i % n] > OPEN_FLOW * peak;
    // Start the scan at a closed sample so that no run wraps past the scan's end.
    let start = (0..n).find(|&i| !is_open(i))?;
    let mut best: Option<(usize, usize)> = None;
    let mut run: Option<usize> = None;
    for k in 1..=n {
        let i = start + k;
        match (is_open(i), run) {
            (true, None) => run = Some(i),
            (false, Some(a)) => {
                if best.is_none_or(|(p, q)| i - a > q - p) {
                    best = Some((a, i));
                }
                run = None;
            }
            _ => {}
        }
    }
    best.map(|(a, b)| (a % n, b % n))
}

/// Samples from `a` forward to `b` (cyclic), `a` included, `b` excluded.
fn cyclic(a: usize, b: usize, n: usize) -> impl Iterator<Item = usize> {
    let len = (b + n - a) % n;
    (0..len).map(move |k| (a + k) % n)
}

/// Valve events and phases of a beat; `None` when a valve never opens or never closes.
pub fn timing(w: &Waveforms) -> Option<Timing> {
    let n = w.len();
    let (mitral_opens, mitral_closes) = open_interval(&w.q_mv_ml_s)?;
    let (aortic_opens, aortic_closes) = open_interval(&w.q_av_ml_s)?;
    // Atrial systole: from the LA activation's onset, if it falls in the filling period.
    let filling: Vec<usize> = cyclic(mitral_opens, mitral_closes, n).collect();
    let la_onset = filling
        .iter()
        .copied()
        .find(|&i| w.act_la[i] > 0.0 && w.act_la[(i + n - 1) % n] == 0.0);
    let before_atria = la_onset.unwrap_or(mitral_closes);
    let early: Vec<usize> = cyclic(mitral_opens, before_atria, n).collect();
    let e_peak = argmax_where(&w.q_mv_ml_s, |i| early.contains(&i));
    let diastasis = e_peak.and_then(|p| {
        let peak = w.q_mv_ml_s[p];
        cyclic(p, before_atria, n).find(|&i| w.q_mv_ml_s[i] < DIASTASIS_FLOW * peak)
    });
    let mut phases = vec![
        (Phase::IsovolumicContraction, mitral_closes, aortic_opens),
        (Phase::Ejection, aortic_opens, aortic_closes),
        (Phase::IsovolumicRelaxation, aortic_closes, mitral_opens),
    ];
    let end_rapid = diastasis.unwrap_or(before_atria);
    phases.push((Phase::RapidFilling, mitral_opens, end_rapid));
    if diastasis.is_some() {
        phases.push((Phase::Diastasis, end_rapid, before_atria));
    }
    if let Some(a) = la_onset {
        phases.push((Phase::AtrialSystole, a, mitral_closes));
    }
    phases.retain(|&(_, a, b)| a != b);
    Some(Timing {
        mitral_closes,
        aortic_opens,
        aortic_closes,
        mitral_opens,
        phases,
    })
}

/// Time of sample `i`, and the time the beat ends (one step after its last sample).
fn beat_end(w: &Waveforms) -> f64 {
    let t = &w.t_s;
    t[t.len() - 1] + (t[1] - t[0])
}

/// The phase bands of a panel: each phase as one band, or two when it wraps past the beat's end.
fn bands(w: &Waveforms, timing: &Timing, named: bool) -> Vec<Band> {
    let (t0, t_end) = (w.t_s[0], beat_end(w));
    let mut out = Vec::new();
    for &(phase, a, b) in &timing.phases {
        let (ta, tb) = (w.t_s[a], w.t_s[b]);
        let pieces = if ta < tb {
            vec![(ta, tb)]
        } else {
            vec![(ta, t_end), (t0, tb)]
        };
        // Name the longer piece.
        let longest = pieces
            .iter()
            .enumerate()
            .max_by(|x, y| (x.1 .1 - x.1 .0).total_cmp(&(y.1 .1 - y.1 .0)))
            .map_or(0, |(i, _)| i);
        for (i, (x0, x1)) in pieces.into_iter().enumerate() {
            out.push(Band {
                x0,
                x1,
                color: GREY,
                alpha: if phase.systolic() { 0.16 } else { 0.06 },
                label: (named && i == longest).then(|| phase.strip_name().to_string()),
            });
        }
    }
    out
}

fn curve(t: &Trace<'_>, channel: fn(&Waveforms) -> &[f64]) -> Series {
    let w = t.waveforms();
    let points = w.t_s.iter().zip(channel(w)).map(|(&x, &y)| (x, y));
    Series::data(points.collect(), t.style)
}

fn note(at: (f64, f64), text: &str, anchor: (HPos, VPos), offset: (f64, f64)) -> Note {
    Note {
        at,
        text: text.to_string(),
        anchor,
        offset,
    }
}

pub fn figure(title: &str, traces: &[Trace<'_>]) -> FigureSpec {
    let series = |f: fn(&Waveforms) -> &[f64]| extent(traces.iter().map(|t| f(t.waveforms())));
    let t_start = traces
        .iter()
        .map(|t| t.waveforms().t_s[0])
        .fold(f64::INFINITY, f64::min);
    let t_end = traces
        .iter()
        .map(|t| beat_end(t.waveforms()))
        .fold(f64::NEG_INFINITY, f64::max);
    let p_max = series(|w| &w.p_ao_mmhg).1.max(series(|w| &w.p_lv_mmhg).1);
    let q = extent(
        traces
            .iter()
            .flat_map(|t| [&t.waveforms().q_mv_ml_s[..], &t.waveforms().q_av_ml_s[..]]),
    );
    let q_pad = 0.08 * (q.1 - q.0).max(1.0);
    let v = series(|w| &w.v_lv_ml);
    let v_pad = 0.08 * (v.1 - v.0).max(1.0);

    let first = traces[0].waveforms();
    let timing = timing(first);
    let shade = |named: bool| match &timing {
        Some(tm) => bands(first, tm, named),
        None => Vec::new(),
    };

    let mut strip = PanelSpec::new(
        PanelName::Column(vec!["Phase".into()]),
        0.14,
        AxisRange::fixed(0.0, 1.0, 0),
    );
    strip.bands = shade(true);

    let mut pressure = PanelSpec::new(
        PanelName::Column(vec!["Pressure".into(), "(mmHg)".into()]),
        0.40,
        nice_range(0.0, p_max * 1.06, 6.0),
    );
    pressure.bands = shade(false);
    let mut volume = PanelSpec::new(
        PanelName::Column(vec!["LV volume".into(), "(mL)".into()]),
        0.20,
        nice_range(v.0 - v_pad, v.1 + v_pad, 3.0),
    );
    volume.bands = shade(false);
    let mut flow = PanelSpec::new(
        PanelName::Column(vec!["Flow".into(), "(mL/s)".into()]),
        0.28,
        nice_range(q.0 - q_pad, q.1 + q_pad, 4.0),
    );
    flow.bands = shade(false);
    flow.series.push(Series::reference(
        vec![(t_start, 0.0), (t_end, 0.0)],
        StateStyle {
            color: GREY,
            dashed: false,
            label: "zero flow",
        },
    ));

    for t in traces {
        pressure.series.push(curve(t, |w| &w.p_ao_mmhg));
        pressure.series.push(curve(t, |w| &w.p_lv_mmhg));
        pressure.series.push(curve(t, |w| &w.p_la_mmhg));
        volume.series.push(curve(t, |w| &w.v_lv_ml));
        let mut mitral = curve(t, |w| &w.q_mv_ml_s);
        mitral.shade_negative = Some(SHADE);
        flow.series.push(mitral);
        flow.series.push(curve(t, |w| &w.q_av_ml_s));
        if let Some(i) = v_wave_index(t.waveforms()) {
            let w = t.waveforms();
            let first = std::ptr::eq(t, &traces[0]);
            pressure.marks.push(Mark {
                at: (w.t_s[i], w.p_la_mmhg[i]),
                shape: Marker::Circle,
                color: t.style.color,
                hollow: false,
                label: first.then(|| "LA v-wave".to_string()),
                colored_label: false,
            });
        }
    }
    // Channel names, from the first beat: aortic above its late-diastolic decay, LV beside its
    // fall in isovolumic relaxation, LA above its v-wave; mitral and aortic above their peaks.
    let w = first;
    let n = w.len();
    let late = ((n as f64 * 0.9) as usize).min(n - 1);
    let up = (HPos::Center, VPos::Bottom);
    pressure.notes.push(note(
        (w.t_s[late], w.p_ao_mmhg[late]),
        "aortic",
        up,
        (0.0, -12.0),
    ));
    if let Some(tm) = &timing {
        let mid = (tm.aortic_closes + ((tm.mitral_opens + n - tm.aortic_closes) % n) / 2) % n;
        let at = (w.t_s[mid], w.p_lv_mmhg[mid]);
        pressure
            .notes
            .push(note(at, "LV", (HPos::Left, VPos::Center), (14.0, 0.0)));
    }
    for (channel, name) in [(&w.q_mv_ml_s, "mitral"), (&w.q_av_ml_s, "aortic")] {
        if let Some(i) = argmax_where(channel, |_| true) {
            flow.notes
                .push(note((w.t_s[i], channel[i]), name, up, (0.0, -10.0)));
        }
    }

    let events = match &timing {
        Some(tm) => [
            (tm.mitral_closes, "MC"),
            (tm.aortic_opens, "AO"),
            (tm.aortic_closes, "AC"),
            (tm.mitral_opens, "MO"),
        ]
        .into_iter()
        .map(|(i, label)| Event {
            x: w.t_s[i],
            label: label.to_string(),
        })
        .collect(),
        None => Vec::new(),
    };

    let mut legend: Vec<LegendEntry> = traces
        .iter()
        .map(|t| LegendEntry::new(Swatch::Line(t.style), t.label.clone()))
        .collect();
    if traces
        .iter()
        .any(|t| t.state.metrics.regurgitant_volume_ml >= 1.0)
    {
        legend.push(LegendEntry::new(
            Swatch::Fill(traces[0].style.color, SHADE),
            "regurgitant flow",
        ));
    }
    let phases_of = if traces.len() > 1 {
        format!("; phases of {}", traces[0].label)
    } else {
        String::new()
    };
    FigureSpec {
        title: format!("Wiggers diagram — {title}"),
        legend,
        legend_place: LegendPlace::TitleBar,
        x: AxisRange::fixed(t_start, t_end, 12),
        x_desc: "time (s)".into(),
        panels: vec![strip, pressure, volume, flow],
        events,
        footnotes: vec![
            (
                format!("IVC, IVR: isovolumic contraction, relaxation{phases_of}"),
                HPos::Left,
            ),
            (
                "MC/MO, AC/AO: mitral, aortic valve closes/opens".into(),
                HPos::Right,
            ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A beat of 100 samples: forward mitral flow 40..95 (regurgitation otherwise), aortic
    /// flow 10..35, atria from 80.
    fn beat() -> Waveforms {
        let n = 100;
        let mut w = Waveforms::default();
        for i in 0..n {
            w.t_s.push(i as f64 * 0.01);
            w.q_av_ml_s
                .push(if (10..35).contains(&i) { 300.0 } else { 0.0 });
            w.act_la.push(if i >= 80 { 0.5 } else { 0.0 });
            // E wave peaking at 45, low flow by 60, A wave from 80, leak in systole.
            let q = match i {
                40..=59 => 400.0 * (1.0 - (i as f64 - 45.0).abs() / 15.0).max(0.05),
                60..=79 => 20.0,
                80..=94 => 200.0,
                _ => -50.0,
            };
            w.q_mv_ml_s.push(q);
        }
        w
    }

    #[test]
    fn phases_follow_the_valves_and_the_atria() {
        let tm = timing(&beat()).unwrap();
        assert_eq!(
            (
                tm.mitral_closes,
                tm.aortic_opens,
                tm.aortic_closes,
                tm.mitral_opens
            ),
            (95, 10, 35, 40)
        );
        let names: Vec<Phase> = tm.phases.iter().map(|p| p.0).collect();
        assert_eq!(
            names,
            [
                Phase::IsovolumicContraction,
                Phase::Ejection,
                Phase::IsovolumicRelaxation,
                Phase::RapidFilling,
                Phase::Diastasis,
                Phase::AtrialSystole
            ]
        );
        // IVC wraps past the end of the beat; diastasis starts when the E wave has fallen.
        assert_eq!(tm.phases[0], (Phase::IsovolumicContraction, 95, 10));
        let (_, d0, d1) = tm.phases[4];
        assert!((52..60).contains(&d0) && d1 == 80, "{:?}", tm.phases[4]);
        assert_eq!(tm.phases[5], (Phase::AtrialSystole, 80, 95));
    }

    #[test]
    fn a_valve_that_never_opens_or_never_closes_gives_no_phases() {
        let mut w = beat();
        w.q_av_ml_s.iter_mut().for_each(|q| *q = 100.0);
        assert!(timing(&w).is_none());
        let mut w = beat();
        w.q_av_ml_s.iter_mut().for_each(|q| *q = 0.0);
        assert!(timing(&w).is_none());
    }
}
