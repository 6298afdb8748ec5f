//! The rules of the scenario format: allowed ranges, defaults, law-specific keys and the checks
//! between keys, turning the raw mirror into model types. Why apart from parsing: this is the
//! physiology-aware part (which values make sense), and it reads like the table in
//! docs/scenario-format.md. It also fills every default into the raw struct, which then is the
//! fully resolved scenario.

use toml::Value;

use super::check::{fmt_num, Checker, Limits};
use super::error::Problem;
use super::layer::{join, Layer};
use super::raw::{
    RawBaroreflex, RawChamber, RawCirculation, RawInitial, RawScenario, RawSolver, RawValve,
    RawVessels, BAROREFLEX_MODEL, LAW_SWITCHES, PASSIVE_LAW, VALVE_LAW,
};
use super::FORMAT_VERSION;
use crate::model::params::{
    ActivationTiming, ChamberId, ChamberParams, CirculationParams, CompartmentParams, DiodeParams,
    HeartTiming, OrificeParams, PassiveLaw, RegurgitantProfile, ValveId, ValveLaw,
};
use crate::model::reflex::BaroreflexParams;
use crate::model::repair::Repair;
use crate::model::state::{
    blood_volume_ml, compartment_volumes_ml, regazzoni_initial_state, P_VEN_SYS,
};
use crate::model::{Circuit, ModelParams, State};
use crate::solver::{SteadyStateSettings, Tolerances};
use crate::units;

/// Output step of the sampled beat when `[output] waveform_step_ms` is absent (ms).
pub(crate) const DEFAULT_WAVEFORM_STEP_MS: f64 = 1.0;

const RATE: Limits = Limits::between(30.0, 200.0, "bpm");
const REFERENCE_RATE: Limits = Limits::between(40.0, 150.0, "bpm");
const SET_POINT: Limits = Limits::between(40.0, 160.0, "mmHg");
const SLOPE: Limits = Limits::between(1.0, 100.0, "mmHg");
const FRACTION_RANGE: Limits = Limits::between(0.0, 0.9, "");
const VENOUS_VOLUME: Limits = Limits::between(0.0, 2000.0, "mL");
const ZC: Limits = Limits::between(0.0, 1.0, "mmHg·s/mL");
const EA: Limits = Limits::between(0.0, 100.0, "mmHg/mL");
const EB: Limits = Limits::above_up_to(0.0, 50.0, "mmHg/mL");
const P0: Limits = Limits::above_up_to(0.0, 50.0, "mmHg");
const BETA: Limits = Limits::above_up_to(0.0, 1.0, "per mL");
const V0: Limits = Limits::between(0.0, 500.0, "mL");
const ONSET: Limits = Limits::between(-2.0, 2.0, "s");
const DURATION: Limits = Limits::above(0.0, "s");
const DIODE_R: Limits = Limits::above(0.0, "mmHg·s/mL");
const STEEPNESS: Limits = Limits::above(0.0, "per mmHg");
const AREA: Limits = Limits::above_up_to(0.0, 20.0, "cm²");
const LENGTH: Limits = Limits::above_up_to(0.0, 10.0, "cm");
const RATE_CONSTANT: Limits = Limits::above_up_to(0.0, 10.0, "cm²/(dyn·s)");
const DP: Limits = Limits::between(-20.0, 20.0, "mmHg");
const R: Limits = Limits::above_up_to(0.0, 100.0, "mmHg·s/mL");
const C: Limits = Limits::above_up_to(0.0, 1000.0, "mL/mmHg");
const L: Limits = Limits::above_up_to(0.0, 1.0, "mmHg·s²/mL");
const VOLUME: Limits = Limits::at_least(0.0, "mL");
const PRESSURE: Limits = Limits::finite("mmHg");
const FLOW: Limits = Limits::finite("mL/s");
const BLOOD_VOLUME: Limits = Limits::between(100.0, 20000.0, "mL");
const RTOL: Limits = Limits::between(1e-12, 1e-2, "");
const ATOL: Limits = Limits::above_up_to(0.0, 1.0, "");
const MAX_BEATS: Limits = Limits::between(1.0, 100_000.0, "beats");
const STEADY_TOL: Limits = Limits::above_up_to(0.0, 10.0, "mL");
const WAVEFORM_STEP: Limits = Limits::between(0.01, 100.0, "ms");

/// A scenario that passed every check, in model types.
#[derive(Debug)]
pub(crate) struct Validated {
    pub name: String,
    pub params: ModelParams,
    pub initial: State,
    pub solver: SteadyStateSettings,
    pub waveform_step_s: f64,
    /// The `[clip]` repair, checked against `params` (the pre-clip model).
    pub clip: Option<Repair>,
}

/// Where the name comes from when the file has no `name` key: (candidate, what it is).
pub(crate) type NameFallback<'a> = Option<(&'a str, &'a str)>;

/// Check the merged scenario and fill every default into `raw`. All problems are reported
/// together.
pub(crate) fn validate(
    raw: &mut RawScenario,
    layer: &Layer,
    fallback_name: NameFallback<'_>,
) -> Result<Validated, Vec<Problem>> {
    let mut c = Checker::new(layer);
    law_specific_keys(&layer.table, &mut c);
    raw.version = Some(FORMAT_VERSION);
    raw.preset = None;
    let name = name(&mut c, &mut raw.name, fallback_name);

    let reference = ModelParams::regazzoni2022();
    let mynard = ModelParams::regazzoni2022().with_mynard_valves();
    let heart = raw.heart.get_or_insert_default();
    let rate = c.num(
        &mut heart.rate_bpm,
        "heart.rate_bpm",
        reference.heart_rate_bpm,
        RATE,
    );
    let timing = heart_timing(&mut c, heart);
    let chambers = raw.chambers.get_or_insert_default();
    let chambers =
        ChamberId::ALL.map(|id| chamber(&mut c, chambers.get_mut(id), id, reference.chamber(id)));
    let valves = raw.valves.get_or_insert_default();
    let valves = ValveId::ALL.map(|id| {
        let (ValveLaw::Diode(diode), ValveLaw::Orifice(orifice)) =
            (reference.valve(id), mynard.valve(id))
        else {
            unreachable!("regazzoni2022() has diode valves, with_mynard_valves() orifices")
        };
        valve(&mut c, valves.get_mut(id), id, diode, orifice)
    });
    let circulation = circulation(
        &mut c,
        raw.circulation.get_or_insert_default(),
        &reference.circulation,
    );
    let mut params = ModelParams {
        heart_rate_bpm: rate,
        timing,
        chambers,
        valves,
        circulation,
        reflex: None,
    };
    timings_fit_the_beat(&mut c, &params);
    let initial = initial(&mut c, raw.initial.get_or_insert_default(), &params);
    params.reflex = baroreflex(&mut c, &mut raw.baroreflex, &initial, &params);
    let solver = solver(&mut c, raw.solver.get_or_insert_default());
    let output = raw.output.get_or_insert_default();
    let step_ms = c.num(
        &mut output.waveform_step_ms,
        "output.waveform_step_ms",
        DEFAULT_WAVEFORM_STEP_MS,
        WAVEFORM_STEP,
    );
    let clip = super::clip::clip(&mut c, &mut raw.clip, &params);
    c.finish()?;
    Ok(Validated {
        name,
        params,
        initial,
        solver,
        waveform_step_s: step_ms / 1000.0,
        clip,
    })
}

/// The `[baroreflex]` section; its reference blood volume is the scenario's.
fn baroreflex(
    c: &mut Checker,
    slot: &mut Option<RawBaroreflex>,
    initial: &State,
    params: &ModelParams,
) -> Option<BaroreflexParams> {
    let raw = slot.as_mut()?;
    let model = c.choice(
        &mut raw.model,
        "baroreflex.model",
        BAROREFLEX_MODEL.default_law(),
        &BAROREFLEX_MODEL.law_names(),
    );
    if model == "off" {
        *slot = None;
        return None;
    }
    let set_point_mmhg = c.required(
        &raw.set_point_mmhg,
        "baroreflex.set_point_mmhg",
        SET_POINT,
        "baroreflex.model",
        "baroreflex.model = \"static\"",
    );
    let mut fraction = |slot: &mut Option<f64>, key: &str, default: f64| {
        c.num(slot, &format!("baroreflex.{key}"), default, FRACTION_RANGE)
    };
    let resistance_range = fraction(&mut raw.resistance_range, "resistance_range", 0.5);
    let contractility_range = fraction(&mut raw.contractility_range, "contractility_range", 0.1);
    let heart_rate_range = fraction(&mut raw.heart_rate_range, "heart_rate_range", 0.0);
    Some(BaroreflexParams {
        set_point_mmhg,
        slope_mmhg: c.num(&mut raw.slope_mmhg, "baroreflex.slope_mmhg", 10.0, SLOPE),
        resistance_range,
        contractility_range,
        heart_rate_range,
        venous_volume_ml: c.num(
            &mut raw.venous_volume_ml,
            "baroreflex.venous_volume_ml",
            300.0,
            VENOUS_VOLUME,
        ),
        reference_blood_volume_ml: blood_volume_ml(initial, &params.circulation),
    })
}

/// `heart.timing` and, for scaled timing, the rate the chamber timings are given at.
fn heart_timing(c: &mut Checker, heart: &mut super::raw::RawHeart) -> HeartTiming {
    let timing = c.choice(
        &mut heart.timing,
        "heart.timing",
        "fixed",
        &["fixed", "scaled"],
    );
    if timing == "fixed" {
        if heart.reference_rate_bpm.is_some() {
            c.fail(
                "heart.reference_rate_bpm",
                "heart.reference_rate_bpm applies only to heart.timing = \"scaled\"; this \
                 scenario uses heart.timing = \"fixed\" (seconds as given at any rate)"
                    .to_owned(),
            );
        }
        return HeartTiming::Fixed;
    }
    HeartTiming::Scaled {
        reference_rate_bpm: c.num(
            &mut heart.reference_rate_bpm,
            "heart.reference_rate_bpm",
            75.0,
            REFERENCE_RATE,
        ),
    }
}

/// Each chamber's contraction and relaxation, as in effect at the heart rate, must fit in the
/// RR interval.
fn timings_fit_the_beat(c: &mut Checker, params: &ModelParams) {
    let rr_s = params.period_s();
    let scaled = matches!(params.timing, HeartTiming::Scaled { .. });
    for (id, t) in ChamberId::ALL.into_iter().zip(params.effective_timings()) {
        let (cp, rp) = (
            format!("chambers.{}.contraction_s", id.key()),
            format!("chambers.{}.relaxation_s", id.key()),
        );
        let involved = [cp.as_str(), rp.as_str(), "heart.rate_bpm"];
        if !c.ok(&involved) || t.contraction_s + t.relaxation_s <= rr_s * (1.0 + 1e-12) {
            continue;
        }
        let given = params.chamber(id).timing;
        let scaled_note = if scaled {
            format!(
                " (scaled from {} and {} s at the reference rate)",
                fmt_num(given.contraction_s),
                fmt_num(given.relaxation_s)
            )
        } else {
            String::new()
        };
        let message = format!(
            "{cp} = {} and {rp} = {} add up to {:.3} s{scaled_note}, longer than the RR \
             interval of {:.3} s at heart.rate_bpm = {}: shorten them{}",
            fmt_num(given.contraction_s),
            fmt_num(given.relaxation_s),
            t.contraction_s + t.relaxation_s,
            rr_s,
            fmt_num(params.heart_rate_bpm),
            if scaled {
                " or lower the heart rate"
            } else {
                ", lower the heart rate or set heart.timing = \"scaled\""
            }
        );
        c.fail_at(&involved, message);
    }
}

/// Keys of another law than the one a valve (chamber, clip) uses are refused, not ignored: a
/// researcher who sets `rmin` on an orifice valve expects it to matter. A key is refused once,
/// by the first switch that refuses it.
fn law_specific_keys(table: &toml::Table, c: &mut Checker) {
    for switch in LAW_SWITCHES {
        for (section_path, section) in switch.tables(table) {
            let Some(law) = switch.law_in(section) else {
                continue; // a missing required law is reported by its section's checks
            };
            if switch.keys_of(law).is_none() {
                continue; // an unknown law is reported by `choice`
            }
            for key in section.keys() {
                match switch.law_of_key(key) {
                    Some(owner) if owner != law => {
                        let path = join(&section_path, key);
                        if !c.ok(&[&path]) {
                            continue;
                        }
                        let k = switch.key;
                        let message = format!(
                            "{path} applies only to {k} = \"{owner}\"; this {} uses {k} = \"{law}\"",
                            switch.noun
                        );
                        c.fail(&path, message);
                    }
                    _ => {}
                }
            }
        }
    }
}

/// The name becomes an output directory: a plain file name, never `.` or `..`.
fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '_' | '-'))
        && !name.chars().all(|ch| ch == '.')
}

fn name(c: &mut Checker, slot: &mut Option<String>, fallback: NameFallback<'_>) -> String {
    const ALLOWED: &str = "only letters, digits, '.', '_' and '-' (not only dots)";
    if let Some(name) = slot {
        if !is_valid_name(name) {
            let message = format!(
                "name = {}: must use {ALLOWED}: it becomes the output directory name",
                Value::from(name.as_str())
            );
            c.fail("name", message);
        }
        return name.clone();
    }
    let (candidate, what) = fallback.unwrap_or(("scenario", "the default name"));
    if !is_valid_name(candidate) {
        let message = format!(
            "no `name` key, and {what} {} cannot serve as one (it becomes the output directory \
             name): add name = \"...\" using {ALLOWED}",
            Value::from(candidate)
        );
        c.fail("name", message);
    }
    *slot = Some(candidate.to_owned());
    candidate.to_owned()
}

fn chamber(
    c: &mut Checker,
    raw: &mut RawChamber,
    id: ChamberId,
    d: &ChamberParams,
) -> ChamberParams {
    let key = |k: &str| format!("chambers.{}.{k}", id.key());
    let ea = c.num(&mut raw.ea, &key("ea"), d.ea_mmhg_per_ml, EA);
    let passive_key = key("passive");
    let law = c.choice(
        &mut raw.passive,
        &passive_key,
        PASSIVE_LAW.default_law(),
        &PASSIVE_LAW.law_names(),
    );
    let passive = if law == "exponential" {
        let reason = format!("{passive_key} = \"exponential\"");
        PassiveLaw::Exponential {
            p0_mmhg: c.required(&raw.p0_mmhg, &key("p0_mmhg"), P0, &passive_key, &reason),
            beta_per_ml: c.required(
                &raw.beta_per_ml,
                &key("beta_per_ml"),
                BETA,
                &passive_key,
                &reason,
            ),
        }
    } else {
        let PassiveLaw::Linear { eb_mmhg_per_ml } = d.passive else {
            unreachable!("regazzoni2022() chambers are linear")
        };
        PassiveLaw::Linear {
            eb_mmhg_per_ml: c.num(&mut raw.eb, &key("eb"), eb_mmhg_per_ml, EB),
        }
    };
    let v0_ml = c.num(&mut raw.v0_ml, &key("v0_ml"), d.v0_ml, V0);
    let t = &d.timing;
    let onset_s = c.num(&mut raw.onset_s, &key("onset_s"), t.onset_s, ONSET);
    let (cp, rp) = (key("contraction_s"), key("relaxation_s"));
    let contraction_s = c.num(&mut raw.contraction_s, &cp, t.contraction_s, DURATION);
    let relaxation_s = c.num(&mut raw.relaxation_s, &rp, t.relaxation_s, DURATION);
    ChamberParams {
        ea_mmhg_per_ml: ea,
        passive,
        v0_ml,
        timing: ActivationTiming {
            onset_s,
            contraction_s,
            relaxation_s,
        },
    }
}

fn valve(
    c: &mut Checker,
    raw: &mut RawValve,
    id: ValveId,
    diode: &DiodeParams,
    orifice: &OrificeParams,
) -> ValveLaw {
    let key = |k: &str| format!("valves.{}.{k}", id.key());
    let law = c.choice(
        &mut raw.law,
        &key("law"),
        VALVE_LAW.default_law(),
        &VALVE_LAW.law_names(),
    );
    if law == "orifice" {
        let (ep, ap) = (key("eroa_cm2"), key("area_cm2"));
        let area_cm2 = c.num(&mut raw.area_cm2, &ap, orifice.area_cm2, AREA);
        let eroa_cm2 = c.num(&mut raw.eroa_cm2, &ep, orifice.eroa_cm2, AREA);
        if c.ok(&[&ep, &ap]) && eroa_cm2 >= area_cm2 {
            let message = format!(
                "{ep} = {}: must be smaller than the open area {ap} = {}",
                fmt_num(eroa_cm2),
                fmt_num(area_cm2)
            );
            c.fail_at(&[&ep, &ap], message);
        }
        let mut rate_constant = |slot: &mut Option<f64>, k: &str, internal: f64| {
            let per_dyn = c.num(slot, &key(k), file_rate_constant(internal), RATE_CONSTANT);
            units::rate_constant_per_mmhg_s(per_dyn)
        };
        let k_open_per_mmhg_s = rate_constant(&mut raw.k_open, "k_open", orifice.k_open_per_mmhg_s);
        let k_close_per_mmhg_s =
            rate_constant(&mut raw.k_close, "k_close", orifice.k_close_per_mmhg_s);
        let profile = regurgitant_profile(c, &mut raw.regurgitant_profile, id);
        ValveLaw::Orifice(OrificeParams {
            eroa_cm2,
            profile,
            leak_gain: 1.0,
            area_cm2,
            length_cm: c.num(
                &mut raw.length_cm,
                &key("length_cm"),
                orifice.length_cm,
                LENGTH,
            ),
            k_open_per_mmhg_s,
            k_close_per_mmhg_s,
            dp_open_mmhg: c.num(
                &mut raw.dp_open_mmhg,
                &key("dp_open_mmhg"),
                orifice.dp_open_mmhg,
                DP,
            ),
            dp_close_mmhg: c.num(
                &mut raw.dp_close_mmhg,
                &key("dp_close_mmhg"),
                orifice.dp_close_mmhg,
                DP,
            ),
        })
    } else {
        let (lo, hi) = (key("rmin"), key("rmax"));
        let rmin = c.num(&mut raw.rmin, &lo, diode.rmin_mmhg_s_per_ml, DIODE_R);
        let rmax = c.num(&mut raw.rmax, &hi, diode.rmax_mmhg_s_per_ml, DIODE_R);
        if c.ok(&[&lo, &hi]) && rmax <= rmin {
            let message = format!(
                "{hi} = {}: must be larger than {lo} = {}",
                fmt_num(rmax),
                fmt_num(rmin)
            );
            c.fail_at(&[&hi, &lo], message);
        }
        let steepness_per_mmhg = c.num(
            &mut raw.steepness_per_mmhg,
            &key("steepness_per_mmhg"),
            diode.steepness_per_mmhg,
            STEEPNESS,
        );
        ValveLaw::Diode(DiodeParams {
            rmin_mmhg_s_per_ml: rmin,
            rmax_mmhg_s_per_ml: rmax,
            steepness_per_mmhg,
        })
    }
}

/// `valves.mitral.regurgitant_profile`; the other valves' closed area is constant.
fn regurgitant_profile(
    c: &mut Checker,
    slot: &mut Option<String>,
    id: ValveId,
) -> RegurgitantProfile {
    let path = format!("valves.{}.regurgitant_profile", id.key());
    if id != ValveId::Mitral {
        if slot.is_some() {
            let message = format!(
                "{path} applies only to the mitral valve (valves.mitral.regurgitant_profile)"
            );
            c.fail(&path, message);
        }
        return RegurgitantProfile::Constant;
    }
    let name = c.choice(slot, &path, "constant", &RegurgitantProfile::NAMES);
    RegurgitantProfile::from_name(name).unwrap_or(RegurgitantProfile::Constant)
}

/// A rate constant in the file's cm²/(dyn·s), from the internal 1/(mmHg·s) of a default.
/// Rounded to 12 significant digits, so that Mynard's 0.02 reads back as 0.02 and converts to
/// exactly the internal default again.
fn file_rate_constant(per_mmhg_s: f64) -> f64 {
    let per_dyn = per_mmhg_s / units::DYN_PER_CM2_PER_MMHG;
    format!("{per_dyn:.11e}").parse().unwrap_or(per_dyn)
}

fn circulation(
    c: &mut Checker,
    raw: &mut RawCirculation,
    d: &CirculationParams,
) -> CirculationParams {
    let (sys_ar, sys_ven) = vessels(
        c,
        raw.systemic.get_or_insert_default(),
        "circulation.systemic",
        [&d.sys_ar, &d.sys_ven],
    );
    let (pul_ar, pul_ven) = vessels(
        c,
        raw.pulmonary.get_or_insert_default(),
        "circulation.pulmonary",
        [&d.pul_ar, &d.pul_ven],
    );
    let systemic = raw.systemic.get_or_insert_default();
    let sys_zc_mmhg_s_per_ml = c.num(
        &mut systemic.z_ar,
        "circulation.systemic.z_ar",
        d.sys_zc_mmhg_s_per_ml,
        ZC,
    );
    let pulmonary = raw.pulmonary.get_or_insert_default();
    let pul_zc_mmhg_s_per_ml = c.num(
        &mut pulmonary.z_ar,
        "circulation.pulmonary.z_ar",
        d.pul_zc_mmhg_s_per_ml,
        ZC,
    );
    CirculationParams {
        sys_ar,
        sys_ven,
        pul_ar,
        pul_ven,
        sys_zc_mmhg_s_per_ml,
        pul_zc_mmhg_s_per_ml,
    }
}

/// The arterial and venous compartment of one circulation.
fn vessels(
    c: &mut Checker,
    raw: &mut RawVessels,
    section: &str,
    [ar, ven]: [&CompartmentParams; 2],
) -> (CompartmentParams, CompartmentParams) {
    let mut compartment =
        |[r, cap, l]: [&mut Option<f64>; 3], suffix: &str, d: &CompartmentParams| {
            CompartmentParams {
                r_mmhg_s_per_ml: c.num(r, &format!("{section}.r_{suffix}"), d.r_mmhg_s_per_ml, R),
                c_ml_per_mmhg: c.num(cap, &format!("{section}.c_{suffix}"), d.c_ml_per_mmhg, C),
                l_mmhg_s2_per_ml: c.num(l, &format!("{section}.l_{suffix}"), d.l_mmhg_s2_per_ml, L),
            }
        };
    (
        compartment([&mut raw.r_ar, &mut raw.c_ar, &mut raw.l_ar], "ar", ar),
        compartment([&mut raw.r_ven, &mut raw.c_ven, &mut raw.l_ven], "ven", ven),
    )
}

/// The 12 published state values (or the file's), p_ven_sys adjusted to `blood_volume_ml`, and
/// the valve states at rest.
fn initial(c: &mut Checker, raw: &mut RawInitial, params: &ModelParams) -> State {
    let reference = regazzoni_initial_state();
    let mut y = reference;
    for (i, (key, slot)) in raw.state_slots().into_iter().enumerate() {
        let limits = match i {
            0..=3 => VOLUME,
            4..=7 => PRESSURE,
            _ => FLOW,
        };
        y[i] = c.num(slot, &format!("initial.{key}"), reference[i], limits);
    }
    let total_path = "initial.blood_volume_ml";
    let total = c.opt_num(&raw.blood_volume_ml, total_path, BLOOD_VOLUME);
    if let Some(total) = total.filter(|_| c.ok_under("initial") && c.ok_under("circulation")) {
        let circ = &params.circulation;
        y[P_VEN_SYS] = 0.0;
        let held = compartment_volumes_ml(&y, circ);
        let others: f64 = held.iter().sum();
        let p_ven_sys = (total - others) / circ.sys_ven.c_ml_per_mmhg;
        if p_ven_sys < 0.0 {
            let message = format!(
                "{total_path} = {}: too small: the other compartments already hold {others:.1} mL \
                 (chambers {:.1} mL, systemic arteries {:.1} mL, pulmonary arteries {:.1} mL, \
                 pulmonary veins {:.1} mL), so initial.p_ven_sys_mmhg would be negative \
                 ({p_ven_sys:.1} mmHg)",
                fmt_num(total),
                held[..4].iter().sum::<f64>(),
                held[4],
                held[6],
                held[7],
            );
            c.fail(total_path, message);
        } else {
            y[P_VEN_SYS] = p_ven_sys;
            raw.p_ven_sys_mmhg = Some(p_ven_sys);
        }
    }
    Circuit::new(params.clone()).with_resting_valves(y)
}

fn solver(c: &mut Checker, raw: &mut RawSolver) -> SteadyStateSettings {
    let d = SteadyStateSettings::default();
    let tolerances = Tolerances {
        rtol: c.num(&mut raw.rtol, "solver.rtol", d.tolerances.rtol, RTOL),
        atol: c.num(&mut raw.atol, "solver.atol", d.tolerances.atol, ATOL),
    };
    let max_beats = c.int(
        &mut raw.max_beats,
        "solver.max_beats",
        i64::from(d.max_beats),
        MAX_BEATS,
    );
    SteadyStateSettings {
        tolerances,
        max_beats: u32::try_from(max_beats).unwrap_or(d.max_beats),
        tol_ml: c.num(
            &mut raw.steady_tol_ml,
            "solver.steady_tol_ml",
            d.tol_ml,
            STEADY_TOL,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::clip::{ClipPlacement, ClipSize, GapProfile};
    use crate::model::state::N_STATE;

    fn run(text: &str) -> Result<(Validated, RawScenario), Vec<String>> {
        let layer = Layer::parse(text, "f.toml", None).expect("valid TOML");
        let mut raw = super::super::decode::decode(&layer).expect("decodes");
        validate(&mut raw, &layer, Some(("f", "the file name")))
            .map(|v| (v, raw))
            .map_err(|ps| ps.iter().map(|p| p.render("f.toml")).collect())
    }

    #[test]
    fn empty_file_gives_the_published_model() {
        let (v, raw) = run("version = 1").expect("valid");
        assert_eq!(v.params, ModelParams::regazzoni2022());
        assert_eq!(v.initial[..12], regazzoni_initial_state()[..12]);
        assert_eq!(v.initial.len(), N_STATE);
        assert_eq!(v.solver, SteadyStateSettings::default());
        assert_eq!(v.waveform_step_s, 1e-3);
        assert_eq!(v.name, "f");
        // Every default is now explicit.
        let lv = raw.chambers.and_then(|c| c.lv).expect("filled");
        assert_eq!(lv.ea, Some(4.482));
        assert_eq!(lv.p0_mmhg, None);
    }

    #[test]
    fn orifice_defaults_are_mynards_exactly() {
        let text = "version = 1\n[valves.mitral]\nlaw = \"orifice\"\n[valves.aortic]\n\
                    law = \"orifice\"\n[valves.tricuspid]\nlaw = \"orifice\"\n\
                    [valves.pulmonary]\nlaw = \"orifice\"\n";
        let (v, raw) = run(text).expect("valid");
        assert_eq!(
            v.params.valves,
            ModelParams::regazzoni2022().with_mynard_valves().valves
        );
        let mitral = raw.valves.and_then(|v| v.mitral).expect("filled");
        assert_eq!(mitral.k_open, Some(0.02));
        assert_eq!(mitral.rmin, None);
    }

    #[test]
    fn all_problems_are_reported_with_lines() {
        let text = "version = 1\n[heart]\nrate_bpm = 500\n[chambers.lv]\nea = -1\n\
                    [valves.mitral]\nlaw = \"orifice\"\nrmin = 1\n";
        let errs = run(text).expect_err("invalid");
        assert_eq!(
            errs,
            [
                "f.toml:8: valves.mitral.rmin applies only to law = \"diode\"; this valve uses \
                 law = \"orifice\"",
                "f.toml:3: heart.rate_bpm = 500: must be between 30 and 200 bpm",
                "f.toml:5: chambers.lv.ea = -1: must be between 0 and 100 mmHg/mL",
            ]
        );
    }

    #[test]
    fn timing_must_fit_in_the_beat() {
        let errs = run("version = 1\n[heart]\nrate_bpm = 150\n").expect_err("RR 0.4 s");
        assert_eq!(errs.len(), 2, "LV and RV: {errs:?}");
        assert_eq!(
            errs[0],
            "f.toml:3: chambers.lv.contraction_s = 0.25 and chambers.lv.relaxation_s = 0.4 add \
             up to 0.650 s, longer than the RR interval of 0.400 s at heart.rate_bpm = 150: \
             shorten them, lower the heart rate or set heart.timing = \"scaled\""
        );
    }

    #[test]
    fn blood_volume_sets_systemic_venous_pressure() {
        let (v, raw) = run("version = 1\n[initial]\nblood_volume_ml = 2000\n").expect("valid");
        let total: f64 = compartment_volumes_ml(&v.initial, &v.params.circulation)
            .iter()
            .sum();
        assert!((total - 2000.0).abs() < 1e-9, "{total}");
        assert_eq!(
            raw.initial.and_then(|i| i.p_ven_sys_mmhg),
            Some(v.initial[P_VEN_SYS])
        );
        let errs = run("version = 1\n[initial]\nblood_volume_ml = 500\n").expect_err("too small");
        assert!(
            errs[0].starts_with(
                "f.toml:3: initial.blood_volume_ml = 500: too small: the other compartments \
                 already hold 1210.0 mL"
            ),
            "{errs:?}"
        );
    }

    #[test]
    fn exponential_needs_its_parameters() {
        let errs = run("version = 1\n[chambers.lv]\npassive = \"exponential\"\np0_mmhg = 0.5\n")
            .expect_err("no beta");
        assert_eq!(
            errs,
            [
                "f.toml:3: chambers.lv.beta_per_ml is required when chambers.lv.passive = \
              \"exponential\" (> 0 and ≤ 1 per mL)"
            ]
        );
    }

    /// An orifice mitral valve (EROA 0.4, MVA 6 cm²) followed by `clip`, a `[clip]` section.
    fn clipped(clip: &str) -> String {
        format!(
            "version = 1\n[valves.mitral]\nlaw = \"orifice\"\neroa_cm2 = 0.4\narea_cm2 = 6.0\n\
             [clip]\n{clip}"
        )
    }

    fn clip_errs(clip: &str) -> Vec<String> {
        run(&clipped(clip)).expect_err("invalid clip")
    }

    #[test]
    fn direct_clip_is_the_given_valve() {
        let (v, raw) = run(&clipped(
            "model = \"direct\"\neroa_cm2 = 0.1\narea_cm2 = 3.6\n",
        ))
        .expect("valid");
        assert_eq!(
            v.clip,
            Some(Repair::Direct {
                eroa_cm2: 0.1,
                area_cm2: 3.6
            })
        );
        let clip = raw.clip.expect("kept");
        assert_eq!((clip.gap, clip.coaptation_length_mm), (None, None));
        // Equal to the pre-clip values is allowed (a clip that changed nothing).
        run(&clipped(
            "model = \"direct\"\neroa_cm2 = 0.4\narea_cm2 = 6\n",
        ))
        .expect("valid");
    }

    #[test]
    fn device_clip_defaults_are_written_out() {
        let (v, raw) = run(&clipped(
            "model = \"device\"\nclips = [{ size = \"xt\", position_mm = 17.5 }]\n",
        ))
        .expect("valid");
        let Some(Repair::Device(d)) = v.clip else {
            panic!("{:?}", v.clip)
        };
        assert_eq!(d.coaptation_length_mm, 35.0);
        assert_eq!(d.gap, GapProfile::Central);
        assert_eq!(d.clips, [ClipPlacement::new(ClipSize::Xt, 17.5)]);
        let clip = raw.clip.expect("kept");
        assert_eq!(clip.gap.as_deref(), Some("central"));
        assert_eq!(clip.coaptation_length_mm, Some(35.0));
        let clips = clip.clips.expect("clips");
        assert_eq!(clips[0].size.as_deref(), Some("XT"), "canonical size");
        assert_eq!(clips[0].segment, None);
    }

    #[test]
    fn localized_gap_and_clips_by_segment() {
        let (v, raw) = run(&clipped(
            "model = \"device\"\ncoaptation_length_mm = 30\ngap = \"localized\"\n\
             gap_segment = \"p2\"\ngap_width_mm = 12\n\
             [[clip.clips]]\nsize = \"NTW\"\nsegment = \"P2\"\n\
             [[clip.clips]]\nsize = \"NT\"\nposition_mm = 21\n",
        ))
        .expect("valid");
        let Some(Repair::Device(d)) = v.clip else {
            panic!("{:?}", v.clip)
        };
        assert_eq!(
            d.gap,
            GapProfile::Localized {
                center_mm: 15.0,
                width_mm: 12.0
            }
        );
        assert_eq!(
            d.clips,
            [
                ClipPlacement::new(ClipSize::Ntw, 15.0),
                ClipPlacement::new(ClipSize::Nt, 21.0)
            ]
        );
        let clip = raw.clip.expect("kept");
        assert_eq!(clip.gap_segment.as_deref(), Some("P2"), "canonical segment");
        assert_eq!(clip.gap_center_mm, None, "positions stay as given");
    }

    #[test]
    fn model_none_is_no_clip_and_nothing_else() {
        let (v, raw) = run(&clipped("model = \"none\"\n")).expect("valid");
        assert_eq!(v.clip, None);
        assert_eq!(raw.clip, None, "dropped from the resolved scenario");
        assert_eq!(
            clip_errs("model = \"none\"\neroa_cm2 = 0.1\n"),
            [
                "f.toml:8: clip.eroa_cm2 applies only to model = \"direct\"; this clip uses \
              model = \"none\""
            ]
        );
    }

    #[test]
    fn model_is_required_and_one_of_three() {
        assert_eq!(
            clip_errs("eroa_cm2 = 0.1\n"),
            [
                "f.toml:6: clip.model is required in [clip]: \"direct\" (the post-clip valve as \
              measured), \"device\" (clips over the leaflet geometry) or \"none\" (no repair)"
            ]
        );
        assert_eq!(
            clip_errs("model = \"echo\"\n"),
            ["f.toml:7: clip.model = \"echo\": must be \"direct\" or \"device\" or \"none\""]
        );
    }

    #[test]
    fn keys_of_the_other_model_or_gap_are_refused_once() {
        assert_eq!(
            clip_errs(
                "model = \"direct\"\neroa_cm2 = 0.1\narea_cm2 = 3\ngap_width_mm = 3\n\
                 clips = [{ size = \"NT\", position_mm = 17.5 }]\n"
            ),
            [
                "f.toml:11: clip.clips applies only to model = \"device\"; this clip uses \
                 model = \"direct\"",
                "f.toml:10: clip.gap_width_mm applies only to model = \"device\"; this clip uses \
                 model = \"direct\"",
            ]
        );
        assert_eq!(
            clip_errs(
                "model = \"device\"\ngap_center_mm = 10\nclips = [{ size = \"NT\", segment = \"P2\" }]\n"
            ),
            ["f.toml:8: clip.gap_center_mm applies only to gap = \"localized\"; this clip uses \
              gap = \"central\""]
        );
    }

    #[test]
    fn a_clip_needs_an_orifice_mitral_valve() {
        let errs = run("version = 1\n[clip]\nmodel = \"direct\"\neroa_cm2 = 0.1\narea_cm2 = 3\n")
            .expect_err("diode");
        assert_eq!(
            errs,
            [
                "f.toml:3: clip.model = \"direct\": a clip needs the orifice law on the mitral \
              valve, but valves.mitral.law = \"diode\": set valves.mitral.law = \"orifice\" \
              (with its pre-clip eroa_cm2 and area_cm2)"
            ]
        );
    }

    #[test]
    fn direct_areas_are_checked_against_each_other_and_the_pre_clip_valve() {
        assert_eq!(
            clip_errs("model = \"direct\"\neroa_cm2 = 0.3\narea_cm2 = 0.3\n"),
            [
                "f.toml:8: clip.eroa_cm2 = 0.3: must be smaller than the post-clip valve area \
              clip.area_cm2 = 0.3"
            ]
        );
        assert_eq!(
            clip_errs("model = \"direct\"\neroa_cm2 = 0.5\narea_cm2 = 6.5\n"),
            [
                "f.toml:9: clip.area_cm2 = 6.5: must not exceed the pre-clip valve area \
                 valves.mitral.area_cm2 = 6: a clip cannot enlarge the valve",
                "f.toml:8: clip.eroa_cm2 = 0.5: must not exceed the pre-clip EROA \
                 valves.mitral.eroa_cm2 = 0.4: a clip cannot enlarge the leak",
            ]
        );
        assert_eq!(
            clip_errs("model = \"direct\"\narea_cm2 = 21\n"),
            [
                "f.toml:7: clip.eroa_cm2 is required when clip.model = \"direct\" (> 0 and ≤ 20 cm²)",
                "f.toml:8: clip.area_cm2 = 21: must be > 0 and ≤ 20 cm²",
            ]
        );
    }

    #[test]
    fn geometry_errors_name_the_clip_entry() {
        let model = "model = \"device\"\n";
        assert_eq!(
            clip_errs(&format!(
                "{model}clips = [\n  {{ size = \"XT\", position_mm = 17.5 }},\n  \
                 {{ size = \"NT\", position_mm = 20 }},\n]\n"
            )),
            ["f.toml:10: clip.clips[0] (XT at 17.5 mm) and clip.clips[1] (NT at 20 mm) overlap: \
              their centres are 2.5 mm apart, at least 4 mm are needed"]
        );
        assert_eq!(
            clip_errs(&format!(
                "{model}coaptation_length_mm = 10\nclips = [{{ size = \"XTW\", segment = \"P3\" }}]\n"
            )),
            ["f.toml:9: clip.clips[0] (XTW, 6 mm wide) on P3 at 8.333 mm spans [5.333, 11.333] \
              mm, outside the coaptation line [0, 10] mm (clip.coaptation_length_mm)"]
        );
        let five: Vec<String> = (0..5)
            .map(|i| format!("{{ size = \"NT\", position_mm = {} }}", 3 + 7 * i))
            .collect();
        assert_eq!(
            clip_errs(&format!("{model}clips = [{}]\n", five.join(", "))),
            ["f.toml:8: clip.clips: 5 clips given, at most 4 are supported"]
        );
        assert_eq!(
            clip_errs(&format!(
                "{model}gap = \"localized\"\ngap_center_mm = 3\ngap_width_mm = 10\n\
                 clips = [{{ size = \"NT\", position_mm = 5 }}]\n"
            )),
            [
                "f.toml:9: clip.gap_center_mm = 3 and clip.gap_width_mm = 10: the localized gap \
              spans [-2, 8] mm, outside the coaptation line [0, 35] mm (clip.coaptation_length_mm)"
            ]
        );
    }

    #[test]
    fn clip_entries_need_a_known_size_and_one_position() {
        let errs = clip_errs(
            "model = \"device\"\n[[clip.clips]]\nsize = \"G4\"\nposition_mm = 10\n\
             [[clip.clips]]\nsize = \"NT\"\nposition_mm = 20\nsegment = \"P2\"\n\
             [[clip.clips]]\nsize = \"NT\"\n\
             [[clip.clips]]\nposition_mm = 30\n\
             [[clip.clips]]\nsize = \"XT\"\nsegment = \"P4\"\n",
        );
        assert_eq!(
            errs,
            [
                "f.toml:9: clip.clips[0].size = \"G4\": unknown clip size 'G4': expected one of \
                 NT, XT, NTW, XTW",
                "f.toml:14: clip.clips[1] has both position_mm and segment: give exactly one \
                 (segment \"P2\" is position_mm = W/2 for a coaptation line of W mm)",
                "f.toml:15: clip.clips[2] needs position_mm (mm from the anterolateral \
                 commissure) or segment (\"P1\", \"P2\" or \"P3\")",
                "f.toml:17: clip.clips[3].size is required: \"NT\", \"XT\", \"NTW\" or \"XTW\"",
                "f.toml:21: clip.clips[4].segment = \"P4\": unknown scallop 'P4': expected one of \
                 P1, P2, P3",
            ]
        );
        assert_eq!(
            clip_errs("model = \"device\"\n"),
            ["f.toml:7: clip.clips is required when clip.model = \"device\": 1 to 4 clips, e.g. \
              clips = [{ size = \"XT\", position_mm = 17.5 }]"]
        );
        assert_eq!(
            clip_errs("model = \"device\"\nclips = []\n"),
            ["f.toml:8: clip.clips = []: must hold 1 to 4 clips"]
        );
    }

    #[test]
    fn localized_gap_needs_one_centre_and_a_width() {
        let clips = "clips = [{ size = \"NT\", segment = \"P2\" }]\n";
        assert_eq!(
            clip_errs(&format!(
                "model = \"device\"\ngap = \"localized\"\ngap_segment = \"P2\"\n{clips}"
            )),
            ["f.toml:8: clip.gap_width_mm is required when clip.gap = \"localized\" (> 0 mm)"]
        );
        assert_eq!(
            clip_errs(&format!(
                "model = \"device\"\ngap = \"localized\"\ngap_width_mm = 5\n{clips}"
            )),
            [
                "f.toml:8: clip.gap = \"localized\" needs the centre of the leaking segment: \
              clip.gap_center_mm (mm from the anterolateral commissure) or clip.gap_segment \
              (\"P1\", \"P2\" or \"P3\")"
            ]
        );
        assert_eq!(
            clip_errs(&format!(
                "model = \"device\"\ngap = \"localized\"\ngap_center_mm = 17\n\
                 gap_segment = \"P2\"\ngap_width_mm = 5\n{clips}"
            )),
            [
                "f.toml:10: clip.gap_center_mm and clip.gap_segment both place the gap: give \
              exactly one"
            ]
        );
    }

    #[test]
    fn names_must_be_directory_names() {
        assert!(is_valid_name("mr-severe_2.v1"));
        for bad in ["", "..", "a b", "a/b", "é"] {
            assert!(!is_valid_name(bad), "{bad:?}");
        }
        let errs = run("version = 1\nname = \"../x\"\n").expect_err("bad name");
        assert!(errs[0].starts_with("f.toml:2: name = \"../x\": must use only letters"));
    }
}
