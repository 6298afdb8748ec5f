//! Validated model parameters in internal units.
//!
//! Why: the scenario reader turns a file into these plain structs once; the physics only ever sees
//! values that passed validation. Defaults and their sources live in `Default` impls here
//! (Regazzoni et al. 2022, J Comput Phys 457:111083; Mynard et al. 2012, Int J Numer Meth Biomed
//! Eng 28:626), so that the reference preset, the docs and the tests agree on one set of numbers.

use crate::units;

/// Contraction timing of a chamber's cosine activation (s). The activation rises over
/// `contraction_s` from `onset_s` (taken modulo the RR interval, so it may be negative: atria
/// contract before the beat boundary) and relaxes over `relaxation_s`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ActivationTiming {
    pub onset_s: f64,
    pub contraction_s: f64,
    pub relaxation_s: f64,
}

/// Passive (diastolic) pressure–volume law of a chamber.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PassiveLaw {
    /// `p = (EA·e + EB)·(V − V0)` (Regazzoni 2022).
    Linear { eb_mmhg_per_ml: f64 },
    /// `p = e·EA·(V − V0) + (1 − e)·P0·(exp(β(V − V0)) − 1)`: an exponential EDPVR for a
    /// dilated, failing ventricle.
    Exponential { p0_mmhg: f64, beta_per_ml: f64 },
}

/// A time-varying-elastance chamber.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChamberParams {
    /// Active elastance amplitude EA (mmHg/mL).
    pub ea_mmhg_per_ml: f64,
    pub passive: PassiveLaw,
    /// Unstressed volume V0 (mL).
    pub v0_ml: f64,
    pub timing: ActivationTiming,
}

/// Regazzoni 2022 resistive diode: `R = Rmin·(Rmax/Rmin)^H(p_down − p_up)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiodeParams {
    pub rmin_mmhg_s_per_ml: f64,
    pub rmax_mmhg_s_per_ml: f64,
    /// Steepness k of `H(x) = ½ + atan(π/2·k·x)/π` (1/mmHg).
    pub steepness_per_mmhg: f64,
}

/// How the regurgitant orifice of a closed mitral valve changes through systole
/// (docs/model.md, "Regurgitant orifice").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegurgitantProfile {
    /// A_min constant: the closed area is `eroa_cm2` throughout.
    Constant,
    /// Functional (secondary) MR: large early and late, smallest in mid-systole (Hung 1999,
    /// Schwammenthal 1994), and proportional to LV volume (Yellin 1979), so that it shrinks
    /// during ejection and when the LV is unloaded.
    Functional,
    /// Prolapse: competent in early systole, the leak opens in mid-systole (Topilsky 2012).
    LateSystolic,
}

impl RegurgitantProfile {
    pub const NAMES: [&'static str; 3] = ["constant", "functional", "late-systolic"];

    pub fn name(self) -> &'static str {
        match self {
            RegurgitantProfile::Constant => Self::NAMES[0],
            RegurgitantProfile::Functional => Self::NAMES[1],
            RegurgitantProfile::LateSystolic => Self::NAMES[2],
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        [
            RegurgitantProfile::Constant,
            RegurgitantProfile::Functional,
            RegurgitantProfile::LateSystolic,
        ]
        .into_iter()
        .find(|p| p.name() == name)
    }

    /// Whether the closed area varies within the beat (and `eroa_cm2` is then a measured EROA
    /// that the orifice's gain is calibrated to).
    pub fn is_dynamic(self) -> bool {
        self != RegurgitantProfile::Constant
    }
}

/// Mynard 2012 orifice valve with inertia and dynamic opening.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrificeParams {
    /// The regurgitant orifice (cm²). With the constant profile, the closed effective area A_min
    /// itself; with a dynamic profile, the EROA the beat measures (RVol / VTI, what echo reports):
    /// the closed area is `eroa_cm2 · leak_gain · shape(t)`.
    pub eroa_cm2: f64,
    /// Shape of the closed area through systole (mitral valve only; others are constant).
    pub profile: RegurgitantProfile,
    /// Dimensionless gain of a dynamic profile, calibrated so that the measured EROA equals
    /// `eroa_cm2` (1 for the constant profile). See `simulate::calibrate_leak`.
    pub leak_gain: f64,
    /// Open effective area A_max (cm²): the valve area.
    pub area_cm2: f64,
    /// Effective length of the inertial column (cm).
    pub length_cm: f64,
    /// Opening rate constant K_vo, internal 1/(mmHg·s) (files give cm²/(dyn·s)).
    pub k_open_per_mmhg_s: f64,
    /// Closing rate constant K_vc, internal 1/(mmHg·s).
    pub k_close_per_mmhg_s: f64,
    /// Pressure difference above which the valve opens (mmHg).
    pub dp_open_mmhg: f64,
    /// Pressure difference below which the valve closes (mmHg).
    pub dp_close_mmhg: f64,
}

impl OrificeParams {
    /// Mynard 2012 Table 1 values as transcribed in model-reference.md, with a competent leak of
    /// `COMPETENT_EROA_CM2`.
    pub fn mynard(area_cm2: f64, length_cm: f64, k_open: f64, k_close: f64) -> Self {
        Self {
            eroa_cm2: COMPETENT_EROA_CM2,
            profile: RegurgitantProfile::Constant,
            leak_gain: 1.0,
            area_cm2,
            length_cm,
            k_open_per_mmhg_s: units::rate_constant_per_mmhg_s(k_open),
            k_close_per_mmhg_s: units::rate_constant_per_mmhg_s(k_close),
            dp_open_mmhg: 0.0,
            dp_close_mmhg: 0.0,
        }
    }
}

/// A_min of a competent valve (cm²): tiny but non-zero, so that the orifice law stays regular.
/// At 100 mmHg it leaks ≈ 0.5 mL/s, about 0.1 mL per beat.
pub const COMPETENT_EROA_CM2: f64 = 1e-3;

/// The law of one valve, chosen per valve in the scenario.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValveLaw {
    Diode(DiodeParams),
    Orifice(OrificeParams),
}

/// R, C and L of one vascular compartment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompartmentParams {
    pub r_mmhg_s_per_ml: f64,
    pub c_ml_per_mmhg: f64,
    pub l_mmhg_s2_per_ml: f64,
}

/// The four vascular compartments.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CirculationParams {
    pub sys_ar: CompartmentParams,
    pub sys_ven: CompartmentParams,
    pub pul_ar: CompartmentParams,
    pub pul_ven: CompartmentParams,
    /// Characteristic impedance of the aortic root (mmHg·s/mL): a resistance between the aortic
    /// valve and the systemic arterial compliance (the Zc of a Windkessel). 0 in Regazzoni 2022.
    pub sys_zc_mmhg_s_per_ml: f64,
    /// Characteristic impedance of the pulmonary artery root (mmHg·s/mL); 0 in Regazzoni 2022.
    pub pul_zc_mmhg_s_per_ml: f64,
}

/// Index of a chamber in [`ModelParams::chambers`] and in the state vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChamberId {
    La = 0,
    Lv = 1,
    Ra = 2,
    Rv = 3,
}

impl ChamberId {
    pub const ALL: [ChamberId; 4] = [ChamberId::La, ChamberId::Lv, ChamberId::Ra, ChamberId::Rv];
    /// Key used in scenario files and output columns.
    pub fn key(self) -> &'static str {
        ["la", "lv", "ra", "rv"][self as usize]
    }
}

/// Index of a valve in [`ModelParams::valves`] and in the state vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValveId {
    Mitral = 0,
    Aortic = 1,
    Tricuspid = 2,
    Pulmonary = 3,
}

impl ValveId {
    pub const ALL: [ValveId; 4] = [
        ValveId::Mitral,
        ValveId::Aortic,
        ValveId::Tricuspid,
        ValveId::Pulmonary,
    ];
    /// Key used in scenario files.
    pub fn key(self) -> &'static str {
        ["mitral", "aortic", "tricuspid", "pulmonary"][self as usize]
    }
    /// Short name used in output columns (mv, av, tv, pv).
    pub fn short(self) -> &'static str {
        ["mv", "av", "tv", "pv"][self as usize]
    }
}

/// How chamber timings follow the heart rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HeartTiming {
    /// Onsets and durations in seconds as given, at any rate (Regazzoni 2022).
    Fixed,
    /// Onsets and durations given at `reference_rate_bpm` and scaled with the rate by the law of
    /// [`crate::model::timing`] (Weissler 1968 systolic time intervals, Soliman 2012 PR).
    Scaled { reference_rate_bpm: f64 },
}

/// Everything the right-hand side needs.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelParams {
    pub heart_rate_bpm: f64,
    pub timing: HeartTiming,
    /// Indexed by [`ChamberId`].
    pub chambers: [ChamberParams; 4],
    /// Indexed by [`ValveId`].
    pub valves: [ValveLaw; 4],
    pub circulation: CirculationParams,
    /// The arterial baroreflex (steady-state effectors, see [`super::reflex`]); `None`: vascular
    /// tone, contractility and rate as given. Not part of the right-hand side: it sets the
    /// parameters the steady state is searched with (simulate.rs).
    pub reflex: Option<super::reflex::BaroreflexParams>,
}

impl ModelParams {
    /// RR interval (s).
    pub fn period_s(&self) -> f64 {
        60.0 / self.heart_rate_bpm
    }
    pub fn chamber(&self, id: ChamberId) -> &ChamberParams {
        &self.chambers[id as usize]
    }
    pub fn valve(&self, id: ValveId) -> &ValveLaw {
        &self.valves[id as usize]
    }

    /// The mitral orifice, if the mitral valve uses the orifice law.
    pub fn mitral_orifice(&self) -> Option<&OrificeParams> {
        match self.valve(ValveId::Mitral) {
            ValveLaw::Orifice(o) => Some(o),
            ValveLaw::Diode(_) => None,
        }
    }

    /// The chamber timings in effect at this heart rate (the given ones for fixed timing).
    pub fn effective_timings(&self) -> [ActivationTiming; 4] {
        super::timing::effective_timings(self)
    }

    /// The published model of Regazzoni et al. 2022 (model-reference.md tables), HR 75 bpm,
    /// resistive diode valves.
    pub fn regazzoni2022() -> Self {
        let chamber = |ea, eb, onset_s, contraction_s, relaxation_s, v0_ml| ChamberParams {
            ea_mmhg_per_ml: ea,
            passive: PassiveLaw::Linear { eb_mmhg_per_ml: eb },
            v0_ml,
            timing: ActivationTiming {
                onset_s,
                contraction_s,
                relaxation_s,
            },
        };
        let diode = ValveLaw::Diode(DiodeParams {
            rmin_mmhg_s_per_ml: 0.0075,
            rmax_mmhg_s_per_ml: 75006.2,
            steepness_per_mmhg: 200.0,
        });
        let comp = |r, c, l| CompartmentParams {
            r_mmhg_s_per_ml: r,
            c_ml_per_mmhg: c,
            l_mmhg_s2_per_ml: l,
        };
        Self {
            heart_rate_bpm: 75.0,
            timing: HeartTiming::Fixed,
            chambers: [
                chamber(0.07, 0.18, 0.9, 0.17, 0.17, 4.0),
                chamber(4.482, 0.170, 0.1, 0.25, 0.4, 42.0),
                chamber(0.06, 0.07, 0.9, 0.17, 0.17, 4.0),
                chamber(0.200, 0.029, 0.1, 0.25, 0.4, 16.0),
            ],
            valves: [diode; 4],
            circulation: CirculationParams {
                sys_ar: comp(0.733, 1.372, 0.005),
                sys_ven: comp(0.32, 11.363, 0.0005),
                pul_ar: comp(0.046, 20.0, 0.0005),
                pul_ven: comp(0.0015, 16.0, 0.0005),
                sys_zc_mmhg_s_per_ml: 0.0,
                pul_zc_mmhg_s_per_ml: 0.0,
            },
            reflex: None,
        }
    }

    /// Mynard 2012 orifice valves (model-reference.md) in place of the diodes.
    pub fn with_mynard_valves(mut self) -> Self {
        self.valves = [
            ValveLaw::Orifice(OrificeParams::mynard(7.7, 0.8, 0.02, 0.04)),
            ValveLaw::Orifice(OrificeParams::mynard(6.8, 1.5, 0.012, 0.012)),
            ValveLaw::Orifice(OrificeParams::mynard(8.0, 0.8, 0.03, 0.04)),
            ValveLaw::Orifice(OrificeParams::mynard(7.1, 1.0, 0.02, 0.02)),
        ];
        self
    }
}
