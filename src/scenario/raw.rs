//! The serde mirror of a scenario file (format version 1): every key optional, unknown keys
//! refused. Why a separate, unvalidated layer: serde reports the key path of a typo or a wrong
//! type, and the same struct, once validation has filled in every default, serialises back into
//! the canonical resolved scenario. Physics code never sees these types.
//!
//! Extending the format: add an `Option<RawX>` field to [`RawScenario`] and the struct here, its
//! checks in `validate.rs`, its keys in docs/scenario-format.md, and a good and a bad fixture
//! under tests/fixtures/. A key that selects which other keys apply (`law`, `passive`, the clip's
//! `model` and `gap`) is a [`LawSwitch`] listed in [`LAW_SWITCHES`].

use serde::{Deserialize, Serialize};

use crate::model::params::{ChamberId, ValveId};

/// A whole scenario file. `None` fields serialise to nothing.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScenario {
    pub version: Option<i64>,
    pub name: Option<String>,
    pub description: Option<String>,
    /// Consumed while layering presets (preset.rs); always `None` once layers are merged.
    pub preset: Option<String>,
    pub heart: Option<RawHeart>,
    pub chambers: Option<RawChambers>,
    pub valves: Option<RawValves>,
    pub circulation: Option<RawCirculation>,
    pub initial: Option<RawInitial>,
    pub solver: Option<RawSolver>,
    pub output: Option<RawOutput>,
    pub clip: Option<RawClip>,
    pub baroreflex: Option<RawBaroreflex>,
}

/// The `[baroreflex]` section: `model = "off"` (default) or `"static"` with its effectors.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawBaroreflex {
    pub model: Option<String>,
    pub set_point_mmhg: Option<f64>,
    pub slope_mmhg: Option<f64>,
    pub resistance_range: Option<f64>,
    pub contractility_range: Option<f64>,
    pub heart_rate_range: Option<f64>,
    pub venous_volume_ml: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawHeart {
    pub rate_bpm: Option<f64>,
    pub timing: Option<String>,
    pub reference_rate_bpm: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawChambers {
    pub la: Option<RawChamber>,
    pub lv: Option<RawChamber>,
    pub ra: Option<RawChamber>,
    pub rv: Option<RawChamber>,
}

impl RawChambers {
    /// The section of chamber `id`, created empty if the file has none.
    pub fn get_mut(&mut self, id: ChamberId) -> &mut RawChamber {
        match id {
            ChamberId::La => &mut self.la,
            ChamberId::Lv => &mut self.lv,
            ChamberId::Ra => &mut self.ra,
            ChamberId::Rv => &mut self.rv,
        }
        .get_or_insert_default()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawChamber {
    pub ea: Option<f64>,
    pub passive: Option<String>,
    pub eb: Option<f64>,
    pub p0_mmhg: Option<f64>,
    pub beta_per_ml: Option<f64>,
    pub v0_ml: Option<f64>,
    pub onset_s: Option<f64>,
    pub contraction_s: Option<f64>,
    pub relaxation_s: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawValves {
    pub mitral: Option<RawValve>,
    pub aortic: Option<RawValve>,
    pub tricuspid: Option<RawValve>,
    pub pulmonary: Option<RawValve>,
}

impl RawValves {
    /// The section of valve `id`, created empty if the file has none.
    pub fn get_mut(&mut self, id: ValveId) -> &mut RawValve {
        match id {
            ValveId::Mitral => &mut self.mitral,
            ValveId::Aortic => &mut self.aortic,
            ValveId::Tricuspid => &mut self.tricuspid,
            ValveId::Pulmonary => &mut self.pulmonary,
        }
        .get_or_insert_default()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawValve {
    pub law: Option<String>,
    pub rmin: Option<f64>,
    pub rmax: Option<f64>,
    pub steepness_per_mmhg: Option<f64>,
    pub eroa_cm2: Option<f64>,
    pub regurgitant_profile: Option<String>,
    pub area_cm2: Option<f64>,
    pub length_cm: Option<f64>,
    pub k_open: Option<f64>,
    pub k_close: Option<f64>,
    pub dp_open_mmhg: Option<f64>,
    pub dp_close_mmhg: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCirculation {
    pub systemic: Option<RawVessels>,
    pub pulmonary: Option<RawVessels>,
}

/// Arterial and venous compartment of one circulation.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawVessels {
    pub z_ar: Option<f64>,
    pub r_ar: Option<f64>,
    pub c_ar: Option<f64>,
    pub l_ar: Option<f64>,
    pub r_ven: Option<f64>,
    pub c_ven: Option<f64>,
    pub l_ven: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawInitial {
    pub v_la_ml: Option<f64>,
    pub v_lv_ml: Option<f64>,
    pub v_ra_ml: Option<f64>,
    pub v_rv_ml: Option<f64>,
    pub p_ar_sys_mmhg: Option<f64>,
    pub p_ven_sys_mmhg: Option<f64>,
    pub p_ar_pul_mmhg: Option<f64>,
    pub p_ven_pul_mmhg: Option<f64>,
    pub q_ar_sys_ml_s: Option<f64>,
    pub q_ven_sys_ml_s: Option<f64>,
    pub q_ar_pul_ml_s: Option<f64>,
    pub q_ven_pul_ml_s: Option<f64>,
    pub blood_volume_ml: Option<f64>,
}

impl RawInitial {
    /// The 12 state values with their keys, in state-vector order (model::state).
    pub fn state_slots(&mut self) -> [(&'static str, &mut Option<f64>); 12] {
        [
            ("v_la_ml", &mut self.v_la_ml),
            ("v_lv_ml", &mut self.v_lv_ml),
            ("v_ra_ml", &mut self.v_ra_ml),
            ("v_rv_ml", &mut self.v_rv_ml),
            ("p_ar_sys_mmhg", &mut self.p_ar_sys_mmhg),
            ("p_ven_sys_mmhg", &mut self.p_ven_sys_mmhg),
            ("p_ar_pul_mmhg", &mut self.p_ar_pul_mmhg),
            ("p_ven_pul_mmhg", &mut self.p_ven_pul_mmhg),
            ("q_ar_sys_ml_s", &mut self.q_ar_sys_ml_s),
            ("q_ven_sys_ml_s", &mut self.q_ven_sys_ml_s),
            ("q_ar_pul_ml_s", &mut self.q_ar_pul_ml_s),
            ("q_ven_pul_ml_s", &mut self.q_ven_pul_ml_s),
        ]
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSolver {
    pub rtol: Option<f64>,
    pub atol: Option<f64>,
    pub max_beats: Option<i64>,
    pub steady_tol_ml: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOutput {
    pub waveform_step_ms: Option<f64>,
}

/// The `[clip]` section: a MitraClip repair, described by the post-clip valve (`model =
/// "direct"`) or by clips over a leaflet geometry (`model = "device"`); `model = "none"` removes
/// a clip inherited from a preset.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawClip {
    pub model: Option<String>,
    pub eroa_cm2: Option<f64>,
    pub area_cm2: Option<f64>,
    pub coaptation_length_mm: Option<f64>,
    pub gap: Option<String>,
    pub gap_center_mm: Option<f64>,
    pub gap_segment: Option<String>,
    pub gap_width_mm: Option<f64>,
    pub clips: Option<Vec<RawClipPlacement>>,
}

/// One entry of `clip.clips`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawClipPlacement {
    pub size: Option<String>,
    pub position_mm: Option<f64>,
    pub segment: Option<String>,
}

/// The tables a [`LawSwitch`] governs.
#[derive(Debug)]
pub(crate) enum Sections {
    /// Every sub-table of this top-level table (`valves.mitral`, `valves.aortic`, ...).
    EachIn(&'static str),
    /// This one table (`clip`).
    One(&'static str),
}

/// A key that selects a law (`law` of a valve, `passive` of a chamber, `model` and `gap` of the
/// clip) and the keys that belong to each law. Layering drops the keys of a replaced law;
/// validation refuses keys of another law.
#[derive(Debug)]
pub(crate) struct LawSwitch {
    /// The tables holding the selecting key.
    pub sections: Sections,
    /// What those tables are, for messages ("valve", "chamber", "clip").
    pub noun: &'static str,
    /// The selecting key.
    pub key: &'static str,
    /// Its value when no layer sets it; `None` when the key is required (then, without it,
    /// no key is dropped or refused: the missing key is the one problem reported).
    pub default: Option<&'static str>,
    /// Each law and the keys that apply only to it.
    pub laws: &'static [(&'static str, &'static [&'static str])],
}

impl LawSwitch {
    /// Keys that apply only to `law`; `None` for an unknown law.
    pub fn keys_of(&self, law: &str) -> Option<&'static [&'static str]> {
        self.laws.iter().find(|(l, _)| *l == law).map(|(_, k)| *k)
    }

    /// The law `key` belongs to, if it is law-specific.
    pub fn law_of_key(&self, key: &str) -> Option<&'static str> {
        self.laws
            .iter()
            .find(|(_, keys)| keys.contains(&key))
            .map(|(l, _)| *l)
    }

    /// The law names, for validation of the selecting key.
    pub fn law_names(&self) -> Vec<&'static str> {
        self.laws.iter().map(|(l, _)| *l).collect()
    }

    /// The default law, for a switch that has one (else the first law).
    pub fn default_law(&self) -> &'static str {
        self.default.unwrap_or(self.laws[0].0)
    }

    /// The law `table` selects: its key, else the default; `None` when neither says.
    pub fn law_in<'a>(&self, table: &'a toml::Table) -> Option<&'a str> {
        match table.get(self.key) {
            Some(value) => value.as_str(),
            None => self.default,
        }
    }

    /// The tables of `root` this switch governs, with their key paths.
    pub fn tables<'a>(&self, root: &'a toml::Table) -> Vec<(String, &'a toml::Table)> {
        match self.sections {
            Sections::EachIn(section) => match root.get(section) {
                Some(toml::Value::Table(sections)) => sections
                    .iter()
                    .filter_map(|(name, t)| Some((format!("{section}.{name}"), t.as_table()?)))
                    .collect(),
                _ => Vec::new(),
            },
            Sections::One(section) => match root.get(section) {
                Some(toml::Value::Table(t)) => vec![(section.to_owned(), t)],
                _ => Vec::new(),
            },
        }
    }
}

pub(crate) const VALVE_LAW: LawSwitch = LawSwitch {
    sections: Sections::EachIn("valves"),
    noun: "valve",
    key: "law",
    default: Some("diode"),
    laws: &[
        ("diode", &["rmin", "rmax", "steepness_per_mmhg"]),
        (
            "orifice",
            &[
                "eroa_cm2",
                "regurgitant_profile",
                "area_cm2",
                "length_cm",
                "k_open",
                "k_close",
                "dp_open_mmhg",
                "dp_close_mmhg",
            ],
        ),
    ],
};

pub(crate) const PASSIVE_LAW: LawSwitch = LawSwitch {
    sections: Sections::EachIn("chambers"),
    noun: "chamber",
    key: "passive",
    default: Some("linear"),
    laws: &[
        ("linear", &["eb"]),
        ("exponential", &["p0_mmhg", "beta_per_ml"]),
    ],
};

/// `[clip] model`: required, no default.
pub(crate) const CLIP_MODEL: LawSwitch = LawSwitch {
    sections: Sections::One("clip"),
    noun: "clip",
    key: "model",
    default: None,
    laws: &[
        ("direct", &["eroa_cm2", "area_cm2"]),
        (
            "device",
            &[
                "coaptation_length_mm",
                "gap",
                "gap_center_mm",
                "gap_segment",
                "gap_width_mm",
                "clips",
            ],
        ),
        ("none", &[]),
    ],
};

/// `[clip] gap` of the device model.
pub(crate) const CLIP_GAP: LawSwitch = LawSwitch {
    sections: Sections::One("clip"),
    noun: "clip",
    key: "gap",
    default: Some("central"),
    laws: &[
        ("central", &[]),
        (
            "localized",
            &["gap_center_mm", "gap_segment", "gap_width_mm"],
        ),
    ],
};

/// `[baroreflex] model`: off unless a scenario turns it on.
pub(crate) const BAROREFLEX_MODEL: LawSwitch = LawSwitch {
    sections: Sections::One("baroreflex"),
    noun: "baroreflex",
    key: "model",
    default: Some("off"),
    laws: &[
        ("off", &[]),
        (
            "static",
            &[
                "set_point_mmhg",
                "slope_mmhg",
                "resistance_range",
                "contractility_range",
                "heart_rate_range",
                "venous_volume_ml",
            ],
        ),
    ],
};

/// Every switch. Order matters for messages: a key refused by an earlier switch (the clip's
/// `model`) is not refused again by a later one (its `gap`).
pub(crate) const LAW_SWITCHES: [&LawSwitch; 5] = [
    &VALVE_LAW,
    &PASSIVE_LAW,
    &CLIP_MODEL,
    &CLIP_GAP,
    &BAROREFLEX_MODEL,
];

#[cfg(test)]
mod tests {
    use super::*;

    /// `state_slots` must name the same keys as the serde fields, in state order.
    #[test]
    fn state_slot_names_match_serde_field_names() {
        let mut init = RawInitial::default();
        for (i, (_, slot)) in init.state_slots().into_iter().enumerate() {
            *slot = Some(i as f64);
        }
        let table = toml::Table::try_from(&init).expect("serialises");
        let mut init2 = init.clone();
        for (i, (key, _)) in init2.state_slots().into_iter().enumerate() {
            assert_eq!(table.get(key), Some(&toml::Value::Float(i as f64)), "{key}");
        }
        assert_eq!(table.len(), 12);
    }

    /// Law-specific keys must be real fields of the raw structs (deny_unknown_fields would
    /// refuse any other), and every field of a law must be listed.
    #[test]
    fn law_keys_are_fields() {
        fn all_keys(switch: &LawSwitch) -> toml::Value {
            let mut t = toml::Table::new();
            for (_, keys) in switch.laws {
                for k in *keys {
                    let value = match *k {
                        "regurgitant_profile" => toml::Value::String("constant".into()),
                        _ => toml::Value::Float(1.0),
                    };
                    t.insert((*k).to_owned(), value);
                }
            }
            toml::Value::Table(t)
        }
        let valve = RawValve::deserialize(all_keys(&VALVE_LAW)).expect("valve keys are fields");
        let fields = toml::Table::try_from(&valve).expect("serialises");
        assert_eq!(
            fields.len(),
            11,
            "every valve field but `law` belongs to a law"
        );
        let chamber =
            RawChamber::deserialize(all_keys(&PASSIVE_LAW)).expect("chamber keys are fields");
        assert_eq!(chamber.beta_per_ml, Some(1.0));
        assert_eq!(PASSIVE_LAW.law_of_key("beta_per_ml"), Some("exponential"));
        assert_eq!(VALVE_LAW.law_of_key("law"), None);
        assert_eq!(VALVE_LAW.keys_of("diode").map(<[_]>::len), Some(3));
        assert_eq!(VALVE_LAW.keys_of("bogus"), None);
        let mut t = toml::Table::new();
        for (_, keys) in CLIP_MODEL.laws {
            for k in *keys {
                let value = match *k {
                    "gap" | "gap_segment" => toml::Value::String("x".into()),
                    "clips" => toml::Value::Array(Vec::new()),
                    _ => toml::Value::Float(1.0),
                };
                t.insert((*k).to_owned(), value);
            }
        }
        let clip = RawClip::deserialize(toml::Value::Table(t)).expect("clip keys are fields");
        let fields = toml::Table::try_from(&clip).expect("serialises");
        assert_eq!(
            fields.len(),
            8,
            "every clip field but `model` belongs to a model"
        );
        for (_, keys) in CLIP_GAP.laws {
            for k in *keys {
                assert_eq!(CLIP_MODEL.law_of_key(k), Some("device"), "{k}");
            }
        }
    }

    #[test]
    fn switches_find_their_tables() {
        let root: toml::Table = "[valves.mitral]\nlaw = \"orifice\"\n[valves.aortic]\n\
                                 [clip]\nmodel = \"direct\"\n"
            .parse()
            .expect("TOML");
        let paths: Vec<String> = VALVE_LAW
            .tables(&root)
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        assert_eq!(paths, ["valves.aortic", "valves.mitral"]);
        let clip = CLIP_MODEL.tables(&root);
        assert_eq!(clip.len(), 1);
        assert_eq!(CLIP_MODEL.law_in(clip[0].1), Some("direct"));
        assert_eq!(CLIP_GAP.law_in(clip[0].1), Some("central"));
        assert_eq!(CLIP_MODEL.law_in(&toml::Table::new()), None);
        assert!(PASSIVE_LAW.tables(&root).is_empty());
    }
}
