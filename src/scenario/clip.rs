//! The `[clip]` section: a MitraClip repair, checked down to its geometry. Why apart from
//! validate.rs: a clip is checked against the pre-clip mitral valve, and the device model's
//! geometry errors (clips outside the valve, overlapping, too many) come from `model::clip` with
//! 0-based clip indices; here they are reworded as `clip.clips[i]` and located at the entry of
//! the file (or --set argument) that placed that clip.

use toml::Value;

use super::check::{fmt_num, Checker, Limits};
use super::raw::{RawClip, RawClipPlacement, CLIP_GAP, CLIP_MODEL};
use crate::model::clip::{
    ClipError, ClipPlacement, ClipSize, GapProfile, Scallop, DEFAULT_COAPTATION_LENGTH_MM,
    MAX_CLIPS,
};
use crate::model::params::{ModelParams, OrificeParams, ValveId, ValveLaw};
use crate::model::repair::{DeviceRepair, Repair, RepairError};

const POST_AREA: Limits = Limits::above_up_to(0.0, 20.0, "cm²");
const COAPTATION_LENGTH: Limits = Limits::between(10.0, 60.0, "mm");
const GAP_CENTER: Limits = Limits::finite("mm");
const GAP_WIDTH: Limits = Limits::above(0.0, "mm");

const MODEL: &str = "clip.model";
const CLIPS: &str = "clip.clips";

/// The repair the `[clip]` section describes: `None` without a section, for `model = "none"`
/// (the section is then dropped from the resolved scenario) and when a problem was reported.
/// `params` are the pre-clip model; the repair is applied to them once, so that every geometry
/// error is found here rather than when the run starts.
pub(crate) fn clip(
    c: &mut Checker,
    slot: &mut Option<RawClip>,
    params: &ModelParams,
) -> Option<Repair> {
    let raw = slot.as_mut()?;
    if raw.model.is_none() {
        c.fail(
            MODEL,
            "clip.model is required in [clip]: \"direct\" (the post-clip valve as measured), \
             \"device\" (clips over the leaflet geometry) or \"none\" (no repair)"
                .to_owned(),
        );
        return None;
    }
    let model = c.choice(
        &mut raw.model,
        MODEL,
        CLIP_MODEL.default_law(),
        &CLIP_MODEL.law_names(),
    );
    if !c.ok(&[MODEL]) {
        return None;
    }
    if model == "none" {
        // Any other key was refused as belonging to another model.
        *slot = None;
        return None;
    }
    let pre = pre_clip_valve(c, model, params);
    let repair = match model {
        "direct" => direct(c, raw, pre.as_ref()),
        _ => device(c, raw).map(Repair::Device),
    };
    let (repair, pre) = (repair?, pre?);
    if !c.ok_under("clip") || !c.ok_under("valves.mitral") || pre.eroa_cm2 >= pre.area_cm2 {
        return None; // already reported: applying would only repeat it
    }
    match repair.apply(params) {
        Ok(_) => Some(repair),
        Err(error) => {
            report(c, error, raw);
            None
        }
    }
}

/// The mitral orifice the clip goes on, or `None` (reported) for a diode valve.
fn pre_clip_valve(c: &mut Checker, model: &str, params: &ModelParams) -> Option<OrificeParams> {
    match params.valve(ValveId::Mitral) {
        ValveLaw::Orifice(o) => Some(*o),
        ValveLaw::Diode(_) => {
            if c.ok(&["valves.mitral.law"]) {
                let message = format!(
                    "{MODEL} = \"{model}\": a clip needs the orifice law on the mitral valve, but \
                     valves.mitral.law = \"diode\": set valves.mitral.law = \"orifice\" (with its \
                     pre-clip eroa_cm2 and area_cm2)"
                );
                c.fail_at(&[MODEL, "valves.mitral.law"], message);
            }
            None
        }
    }
}

fn direct(c: &mut Checker, raw: &RawClip, pre: Option<&OrificeParams>) -> Option<Repair> {
    let (ep, ap) = ("clip.eroa_cm2", "clip.area_cm2");
    let reason = "clip.model = \"direct\"";
    let eroa_cm2 = c.required(&raw.eroa_cm2, ep, POST_AREA, MODEL, reason);
    let area_cm2 = c.required(&raw.area_cm2, ap, POST_AREA, MODEL, reason);
    if !c.ok(&[ep, ap]) {
        return None;
    }
    let mut sound = true;
    if eroa_cm2 >= area_cm2 {
        let message = format!(
            "{ep} = {}: must be smaller than the post-clip valve area {ap} = {}",
            fmt_num(eroa_cm2),
            fmt_num(area_cm2)
        );
        c.fail_at(&[ep, ap], message);
        sound = false;
    }
    if let Some(pre) = pre {
        let checks = [
            (
                ap,
                area_cm2,
                "area_cm2",
                pre.area_cm2,
                "valve area",
                "enlarge the valve",
            ),
            (
                ep,
                eroa_cm2,
                "eroa_cm2",
                pre.eroa_cm2,
                "EROA",
                "enlarge the leak",
            ),
        ];
        for (path, post, key, pre, what, cannot) in checks {
            let pre_path = format!("valves.mitral.{key}");
            if c.ok(&[&pre_path]) && post > pre {
                let message = format!(
                    "{path} = {}: must not exceed the pre-clip {what} {pre_path} = {}: a clip \
                     cannot {cannot}",
                    fmt_num(post),
                    fmt_num(pre)
                );
                c.fail_at(&[path], message);
                sound = false;
            }
        }
    }
    sound.then_some(Repair::Direct { eroa_cm2, area_cm2 })
}

fn device(c: &mut Checker, raw: &mut RawClip) -> Option<DeviceRepair> {
    let coaptation_length_mm = c.num(
        &mut raw.coaptation_length_mm,
        "clip.coaptation_length_mm",
        DEFAULT_COAPTATION_LENGTH_MM,
        COAPTATION_LENGTH,
    );
    let gap = c.choice(
        &mut raw.gap,
        "clip.gap",
        CLIP_GAP.default_law(),
        &CLIP_GAP.law_names(),
    );
    let gap = match gap {
        "localized" => localized_gap(c, raw, coaptation_length_mm),
        _ => Some(GapProfile::Central),
    };
    let clips = placements(c, raw.clips.as_mut(), coaptation_length_mm);
    Some(DeviceRepair {
        coaptation_length_mm,
        gap: gap?,
        clips: clips?,
    })
}

/// The centre (by position or scallop) and width of a localized gap.
fn localized_gap(c: &mut Checker, raw: &mut RawClip, length_mm: f64) -> Option<GapProfile> {
    let (cp, sp) = ("clip.gap_center_mm", "clip.gap_segment");
    let center_mm = match (raw.gap_center_mm, raw.gap_segment.as_mut()) {
        (Some(_), Some(_)) => {
            let message = format!("{cp} and {sp} both place the gap: give exactly one");
            c.fail_at(&[sp, cp], message);
            None
        }
        (None, None) => {
            let message = format!(
                "clip.gap = \"localized\" needs the centre of the leaking segment: {cp} (mm from \
                 the anterolateral commissure) or {sp} (\"P1\", \"P2\" or \"P3\")"
            );
            c.fail_at(&["clip.gap", MODEL], message);
            None
        }
        (Some(_), None) => c.opt_num(&raw.gap_center_mm, cp, GAP_CENTER),
        (None, Some(name)) => scallop(c, name, sp, sp).map(|s| s.center_mm(length_mm)),
    };
    let width_mm = c.required(
        &raw.gap_width_mm,
        "clip.gap_width_mm",
        GAP_WIDTH,
        "clip.gap",
        "clip.gap = \"localized\"",
    );
    Some(GapProfile::Localized {
        center_mm: center_mm?,
        width_mm: Some(width_mm).filter(|w| w.is_finite())?,
    })
}

/// A scallop name, canonicalised in place ("p2" → "P2"). `path` locates it, `name` words it.
fn scallop(c: &mut Checker, slot: &mut String, path: &str, name: &str) -> Option<Scallop> {
    match slot.parse::<Scallop>() {
        Ok(scallop) => {
            *slot = scallop.name().to_owned();
            Some(scallop)
        }
        Err(e) => {
            c.fail(
                path,
                format!("{name} = {}: {e}", Value::from(slot.as_str())),
            );
            None
        }
    }
}

/// The clips of the device model, each with exactly one of `position_mm` and `segment`.
fn placements(
    c: &mut Checker,
    clips: Option<&mut Vec<RawClipPlacement>>,
    length_mm: f64,
) -> Option<Vec<ClipPlacement>> {
    let Some(clips) = clips else {
        let message = format!(
            "{CLIPS} is required when clip.model = \"device\": 1 to {MAX_CLIPS} clips, e.g. \
             clips = [{{ size = \"XT\", position_mm = 17.5 }}]"
        );
        c.fail_at(&[MODEL, CLIPS], message);
        return None;
    };
    if clips.is_empty() {
        c.fail(
            CLIPS,
            format!("{CLIPS} = []: must hold 1 to {MAX_CLIPS} clips"),
        );
        return None;
    }
    let mut placed = Vec::with_capacity(clips.len());
    for (i, entry) in clips.iter_mut().enumerate() {
        let (at, name) = (format!("{CLIPS}.{i}"), format!("{CLIPS}[{i}]"));
        let size = match entry.size.as_mut() {
            None => {
                let message =
                    format!("{name}.size is required: \"NT\", \"XT\", \"NTW\" or \"XTW\"");
                c.fail(&format!("{at}.size"), message);
                None
            }
            Some(s) => match s.parse::<ClipSize>() {
                Ok(size) => {
                    *s = size.name().to_owned();
                    Some(size)
                }
                Err(e) => {
                    let message = format!("{name}.size = {}: {e}", Value::from(s.as_str()));
                    c.fail(&format!("{at}.size"), message);
                    None
                }
            },
        };
        let position_mm = match (entry.position_mm, entry.segment.as_mut()) {
            (Some(_), Some(_)) => {
                let message = format!(
                    "{name} has both position_mm and segment: give exactly one (segment \"P2\" \
                     is position_mm = W/2 for a coaptation line of W mm)"
                );
                c.fail(&format!("{at}.segment"), message);
                None
            }
            (None, None) => {
                let message = format!(
                    "{name} needs position_mm (mm from the anterolateral commissure) or segment \
                     (\"P1\", \"P2\" or \"P3\")"
                );
                c.fail(&at, message);
                None
            }
            (Some(x), None) if !x.is_finite() => {
                let message = format!(
                    "{name}.position_mm = {}: must be a finite number (mm)",
                    fmt_num(x)
                );
                c.fail(&format!("{at}.position_mm"), message);
                None
            }
            (Some(x), None) => Some(x),
            (None, Some(seg)) => {
                scallop(c, seg, &format!("{at}.segment"), &format!("{name}.segment"))
                    .map(|s| s.center_mm(length_mm))
            }
        };
        if let (Some(size), Some(position_mm)) = (size, position_mm) {
            placed.push(ClipPlacement::new(size, position_mm));
        }
    }
    (placed.len() == clips.len()).then_some(placed)
}

/// A millimetre value for a message: as the file spells it when that is short (`1.9999999`),
/// else at most 3 decimals (computed scallop centres such as W/6 = 8.333333333333334).
fn mm(x: f64) -> String {
    let exact = fmt_num(x + 0.0);
    if exact.len() <= 10 {
        exact
    } else {
        fmt_num((x * 1000.0).round() / 1000.0 + 0.0)
    }
}

/// `x` for a message that compares it with `limit`: with as many decimals as it takes to show
/// that they differ ("3.999999 mm apart, at least 4 mm", not "4 mm apart, at least 4 mm").
fn mm_vs(x: f64, limit: f64) -> String {
    let short = mm(x);
    if x != limit && short == mm(limit) {
        fmt_num((x * 1e10).round() / 1e10 + 0.0)
    } else {
        short
    }
}

/// Where clip `i` is, as the file placed it: "at 17.5 mm" or "on P2 at 17.5 mm".
fn clip_at(raw: &RawClip, i: usize, position_mm: f64) -> String {
    let segment = raw
        .clips
        .as_ref()
        .and_then(|c| c.get(i))
        .and_then(|c| c.segment.as_deref());
    match segment {
        Some(s) => format!("on {s} at {} mm", mm(position_mm)),
        None => format!("at {} mm", mm(position_mm)),
    }
}

/// A failed `Repair::apply`, located at the key (or clip entry) to change.
fn report(c: &mut Checker, error: RepairError, raw: &RawClip) {
    let geometry = match error {
        RepairError::Geometry(g) => g,
        RepairError::NotAnOrifice => {
            let message = format!("{MODEL}: {error}");
            c.fail_at(&[MODEL, "valves.mitral.law"], message);
            return;
        }
        RepairError::EroaNotBelowArea { .. } => {
            let at = if raw.clips.is_some() {
                CLIPS
            } else {
                "clip.eroa_cm2"
            };
            c.fail(at, format!("{at}: {error}"));
            return;
        }
    };
    match geometry {
        ClipError::GapOutsideValve {
            center_mm,
            width_mm,
            lo_mm,
            hi_mm,
            length_mm,
        } => {
            let (center_path, center) = match &raw.gap_segment {
                Some(s) => (
                    "clip.gap_segment",
                    format!("clip.gap_segment = \"{s}\" (centre {} mm)", mm(center_mm)),
                ),
                None => (
                    "clip.gap_center_mm",
                    format!("clip.gap_center_mm = {}", mm(center_mm)),
                ),
            };
            let message = format!(
                "{center} and clip.gap_width_mm = {}: the localized gap spans [{}, {}] mm, outside \
                 the coaptation line [0, {}] mm (clip.coaptation_length_mm)",
                mm(width_mm),
                mm(lo_mm),
                mm(hi_mm),
                mm(length_mm)
            );
            c.fail_at(&[center_path, "clip.gap_width_mm"], message);
        }
        ClipError::ClipOutsideValve {
            index,
            size,
            position_mm,
            width_mm,
            lo_mm,
            hi_mm,
            length_mm,
        } => {
            let message = format!(
                "{CLIPS}[{index}] ({size}, {} mm wide) {} spans [{}, {}] mm, outside the \
                 coaptation line [0, {}] mm (clip.coaptation_length_mm)",
                mm(width_mm),
                clip_at(raw, index, position_mm),
                mm_vs(lo_mm, 0.0),
                mm_vs(hi_mm, length_mm),
                mm(length_mm)
            );
            c.fail(&format!("{CLIPS}.{index}"), message);
        }
        ClipError::ClipsOverlap {
            first,
            first_size,
            first_mm,
            second,
            second_size,
            second_mm,
            distance_mm,
            min_distance_mm,
        } => {
            let message = format!(
                "{CLIPS}[{first}] ({first_size} {}) and {CLIPS}[{second}] ({second_size} {}) \
                 overlap: their centres are {} mm apart, at least {} mm are needed",
                clip_at(raw, first, first_mm),
                clip_at(raw, second, second_mm),
                mm_vs(distance_mm, min_distance_mm),
                mm(min_distance_mm)
            );
            c.fail(&format!("{CLIPS}.{second}"), message);
        }
        ClipError::NonFinitePosition { index, .. } => {
            let message = format!("{CLIPS}[{index}]: {geometry}");
            c.fail(&format!("{CLIPS}.{index}.position_mm"), message);
        }
        ClipError::TooManyClips { .. } => c.fail(CLIPS, format!("{CLIPS}: {geometry}")),
        other => c.fail("clip", format!("[clip]: {other}")),
    }
}
