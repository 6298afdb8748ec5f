//! A run's saved output directory (waveforms.csv, metrics.json) read into typed data for the
//! figures.
//!
//! Why apart from drawing: the figures only ever see checked, finite numbers grouped by state, so
//! every problem with the inputs is reported here, once, naming the file and what is wrong.

use super::PlotError;
use crate::beat::{Channel, SampledBeat};
use crate::metrics::Metrics;
use crate::model::params::{ChamberId, ChamberParams};
use serde::Deserialize;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// File names inside a run directory (the same as `mitralsim run` writes).
pub const WAVEFORMS_FILE: &str = "waveforms.csv";
pub const METRICS_FILE: &str = "metrics.json";
pub const RESOLVED_FILE: &str = "scenario.resolved.toml";

/// A simulated patient state: before (`pre`) or after (`post`) the clip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StateId {
    Pre,
    Post,
}

impl StateId {
    pub const ALL: [StateId; 2] = [StateId::Pre, StateId::Post];

    /// The `state` value in waveforms.csv and the key in metrics.json.
    pub fn name(self) -> &'static str {
        match self {
            StateId::Pre => "pre",
            StateId::Post => "post",
        }
    }

    fn from_name(s: &str) -> Option<StateId> {
        StateId::ALL.into_iter().find(|id| id.name() == s)
    }
}

/// The waveform channels the figures use, one value per output time (units in the names).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Waveforms {
    pub t_s: Vec<f64>,
    pub p_la_mmhg: Vec<f64>,
    pub v_la_ml: Vec<f64>,
    pub p_lv_mmhg: Vec<f64>,
    pub v_lv_ml: Vec<f64>,
    /// Aortic root pressure.
    pub p_ao_mmhg: Vec<f64>,
    /// Mitral flow, LA to LV; negative is regurgitation.
    pub q_mv_ml_s: Vec<f64>,
    pub open_mv: Vec<f64>,
    pub open_av: Vec<f64>,
    /// Aortic valve flow, LV to aorta.
    pub q_av_ml_s: Vec<f64>,
    /// LV and LA activation e(t), 0 to 1 (end-diastole, end-systole, atrial systole).
    pub act_lv: Vec<f64>,
    pub act_la: Vec<f64>,
}

impl Waveforms {
    /// Column names in waveforms.csv, in the order of [`Waveforms::fields`].
    const COLUMNS: [&'static str; 12] = [
        "t_s",
        "p_la_mmhg",
        "v_la_ml",
        "p_lv_mmhg",
        "v_lv_ml",
        "p_ao_mmhg",
        "q_mv_ml_s",
        "open_mv",
        "open_av",
        "q_av_ml_s",
        "act_lv",
        "act_la",
    ];

    fn fields(&self) -> [&Vec<f64>; 12] {
        [
            &self.t_s,
            &self.p_la_mmhg,
            &self.v_la_ml,
            &self.p_lv_mmhg,
            &self.v_lv_ml,
            &self.p_ao_mmhg,
            &self.q_mv_ml_s,
            &self.open_mv,
            &self.open_av,
            &self.q_av_ml_s,
            &self.act_lv,
            &self.act_la,
        ]
    }

    fn fields_mut(&mut self) -> [&mut Vec<f64>; 12] {
        [
            &mut self.t_s,
            &mut self.p_la_mmhg,
            &mut self.v_la_ml,
            &mut self.p_lv_mmhg,
            &mut self.v_lv_ml,
            &mut self.p_ao_mmhg,
            &mut self.q_mv_ml_s,
            &mut self.open_mv,
            &mut self.open_av,
            &mut self.q_av_ml_s,
            &mut self.act_lv,
            &mut self.act_la,
        ]
    }

    pub fn len(&self) -> usize {
        self.t_s.len()
    }

    /// The figures' channels of a sampled beat: the numbers waveforms.csv holds for it (the file
    /// writes each in its shortest round-trip form, so reading it back gives these again).
    pub fn from_beat(beat: &SampledBeat) -> Waveforms {
        let mut w = Waveforms::default();
        for (name, values) in Self::COLUMNS.iter().zip(w.fields_mut()) {
            *values = match Channel::ALL.iter().find(|c| c.name() == *name) {
                Some(&channel) => beat.col(channel).to_vec(),
                None => beat.t_s.clone(), // `t_s`, the one column that is not a channel
            };
        }
        w
    }

    pub fn is_empty(&self) -> bool {
        self.t_s.is_empty()
    }
}

/// One state of a run: its beat and its metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct StateRun {
    pub id: StateId,
    pub waveforms: Waveforms,
    pub metrics: Metrics,
}

/// Everything the figures need from a run directory.
#[derive(Debug, Clone, PartialEq)]
pub struct RunData {
    /// `scenario.name` of metrics.json.
    pub scenario_name: String,
    /// `pre`, then `post` when a clip was simulated.
    pub states: Vec<StateRun>,
    /// The LV's elastance law from scenario.resolved.toml (the clip leaves it unchanged), for
    /// the ESPVR and EDPVR; `None` when the directory has no resolved scenario.
    pub lv: Option<ChamberParams>,
}

#[derive(Deserialize)]
struct MetricsDoc {
    scenario: ScenarioDoc,
    // A metric undefined for its state is `null` in metrics.json: read as NaN.
    #[serde(deserialize_with = "crate::output::validity::deserialize_pre")]
    pre: Metrics,
    #[serde(
        default,
        deserialize_with = "crate::output::validity::deserialize_post"
    )]
    post: Option<Metrics>,
}

#[derive(Deserialize)]
struct ScenarioDoc {
    name: String,
}

/// A state's rows must span its whole beat (RR = 60 / heart rate, rows every step from 0): a
/// file cut at a line boundary would otherwise be drawn as a shorter beat without a word.
fn covers_the_beat(w: &Waveforms, heart_rate_bpm: f64, id: StateId) -> Result<(), String> {
    let (Some(&first), Some(&last)) = (w.t_s.first(), w.t_s.last()) else {
        return Ok(()); // fewer than 3 samples is reported by `check`
    };
    let step = match w.t_s.get(1) {
        Some(second) => second - first,
        None => return Ok(()),
    };
    let rr = 60.0 / heart_rate_bpm;
    if rr.is_finite() && last + 1.5 * step < rr {
        return Err(format!(
            "the `{}` rows end at t = {last} s, before the end of the beat (RR = {rr:.4} s at \
             {heart_rate_bpm} bpm, rows every {step} s): the file was cut; run the scenario again",
            id.name()
        ));
    }
    Ok(())
}

impl RunData {
    /// Read `dir/metrics.json` and `dir/waveforms.csv` and check that they agree.
    pub fn load(dir: &Path) -> Result<RunData, PlotError> {
        let metrics_path = dir.join(METRICS_FILE);
        let doc = read_metrics(&metrics_path)?;
        let waveforms_path = dir.join(WAVEFORMS_FILE);
        let mut beats = read_waveforms(&waveforms_path)?;

        let mut states = Vec::new();
        for (id, metrics) in [(StateId::Pre, Some(doc.pre)), (StateId::Post, doc.post)] {
            let beat = beats
                .iter_mut()
                .find(|(s, _)| *s == id)
                .map(|(_, w)| std::mem::take(w));
            match (metrics, beat) {
                (Some(metrics), Some(waveforms)) => {
                    covers_the_beat(&waveforms, metrics.heart_rate_bpm, id)
                        .map_err(|why| malformed(&waveforms_path, why))?;
                    states.push(StateRun {
                        id,
                        waveforms,
                        metrics,
                    })
                }
                (None, None) => {}
                (Some(_), None) => {
                    return Err(malformed(
                        &waveforms_path,
                        format!(
                            "no `{}` rows, but {METRICS_FILE} has `{}` metrics",
                            id.name(),
                            id.name()
                        ),
                    ))
                }
                (None, Some(_)) => {
                    return Err(malformed(
                        &metrics_path,
                        format!(
                            "no `{}` metrics, but {WAVEFORMS_FILE} has `{}` rows",
                            id.name(),
                            id.name()
                        ),
                    ))
                }
            }
        }
        Ok(RunData {
            scenario_name: doc.scenario.name,
            states,
            lv: read_lv(&dir.join(RESOLVED_FILE))?,
        })
    }

    /// What the figures rely on, for data built by hand rather than by [`RunData::load`]: a
    /// `pre` state first, at most one state of each kind, at least 3 samples of finite values
    /// per state, every channel as long as `t_s`, and time increasing.
    pub fn check(&self) -> Result<(), String> {
        if self.states.first().map(|s| s.id) != Some(StateId::Pre) {
            return Err("the first state must be `pre`".into());
        }
        if self.states.len() > 2 || (self.states.len() == 2 && self.states[1].id != StateId::Post) {
            return Err("the states must be `pre`, then optionally `post`".into());
        }
        for s in &self.states {
            let w = &s.waveforms;
            let n = w.t_s.len();
            let name = s.id.name();
            if n < 3 {
                return Err(format!("state `{name}` has fewer than 3 samples"));
            }
            for (column, values) in Waveforms::COLUMNS.iter().zip(w.fields()) {
                if values.len() != n {
                    return Err(format!(
                        "state `{name}`: `{column}` has {} samples, t_s has {n}",
                        values.len()
                    ));
                }
                if values.iter().any(|v| !v.is_finite()) {
                    return Err(format!(
                        "state `{name}`: `{column}` has a value that is not finite"
                    ));
                }
            }
            if w.t_s.windows(2).any(|p| p[1] <= p[0]) {
                return Err(format!("state `{name}`: t_s does not increase"));
            }
        }
        Ok(())
    }

    /// True when a post-clip state was simulated.
    pub fn has_post(&self) -> bool {
        self.states.iter().any(|s| s.id == StateId::Post)
    }
}

/// The LV's parameters from a resolved scenario file, if there is one.
fn read_lv(path: &Path) -> Result<Option<ChamberParams>, PlotError> {
    if !path.is_file() {
        return Ok(None);
    }
    let scenario = crate::scenario::load(Some(path), &[])
        .map_err(|e| malformed(path, format!("not a valid scenario: {e}")))?;
    Ok(Some(*scenario.params.chamber(ChamberId::Lv)))
}

pub(super) fn malformed(path: &Path, reason: impl Into<String>) -> PlotError {
    PlotError::Malformed {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

pub(super) fn open(path: &Path) -> Result<BufReader<File>, PlotError> {
    File::open(path)
        .map(BufReader::new)
        .map_err(|source| PlotError::Read {
            path: PathBuf::from(path),
            source,
        })
}

fn read_metrics(path: &Path) -> Result<MetricsDoc, PlotError> {
    let mut de = serde_json::Deserializer::from_reader(open(path)?);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let at = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_io() {
            malformed(path, format!("cannot read: {inner}"))
        } else if at == "." {
            malformed(path, inner.to_string())
        } else {
            malformed(path, format!("at `{at}`: {inner}"))
        }
    })
}

/// Rows of each state, in the order of the file; every used cell must be a finite number and
/// time must increase within a state.
pub(super) fn read_waveforms(path: &Path) -> Result<Vec<(StateId, Waveforms)>, PlotError> {
    let mut reader = csv::Reader::from_reader(open(path)?);
    let csv_err = |e: csv::Error| malformed(path, e.to_string());
    let header = reader.headers().map_err(csv_err)?.clone();
    let find = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| malformed(path, format!("no column `{name}` in the header")))
    };
    let state_col = find("state")?;
    let cols: Vec<(&'static str, usize)> = Waveforms::COLUMNS
        .iter()
        .map(|name| find(name).map(|i| (*name, i)))
        .collect::<Result<_, _>>()?;

    let mut beats: Vec<(StateId, Waveforms)> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(csv_err)?;
        let line = record.position().map_or(0, |p| p.line());
        let state_text = record.get(state_col).unwrap_or("");
        let id = StateId::from_name(state_text).ok_or_else(|| {
            malformed(
                path,
                format!("line {line}: unknown state `{state_text}` (expected `pre` or `post`)"),
            )
        })?;
        let at = match beats.iter().position(|(s, _)| *s == id) {
            Some(i) => i,
            None => {
                beats.push((id, Waveforms::default()));
                beats.len() - 1
            }
        };
        let waveforms = &mut beats[at].1;
        for ((name, col), values) in cols.iter().zip(waveforms.fields_mut()) {
            let cell = record.get(*col).unwrap_or("");
            let value: f64 = cell.trim().parse().map_err(|_| {
                malformed(
                    path,
                    format!("line {line}, column `{name}`: `{cell}` is not a number"),
                )
            })?;
            if !value.is_finite() {
                return Err(malformed(
                    path,
                    format!("line {line}, column `{name}`: `{cell}` is not finite"),
                ));
            }
            values.push(value);
        }
        let t = &waveforms.t_s;
        if t.len() >= 2 && t[t.len() - 1] <= t[t.len() - 2] {
            return Err(malformed(
                path,
                format!(
                    "line {line}: time t_s = {} does not increase within state `{}`",
                    t[t.len() - 1],
                    id.name()
                ),
            ));
        }
    }
    if beats.is_empty() {
        return Err(malformed(path, "no data rows"));
    }
    if let Some((id, _)) = beats.iter().find(|(_, w)| w.len() < 3) {
        return Err(malformed(
            path,
            format!("state `{}` has fewer than 3 rows", id.name()),
        ));
    }
    beats.sort_by_key(|(id, _)| *id);
    Ok(beats)
}
