//! What a MitraClip does to the model: the post-clip mitral valve, from either an echo
//! measurement (direct) or a device placement over a leaflet geometry (device).
//!
//! Why apart from `clip`: `clip` is pure geometry (areas from clips); this module turns a repair,
//! however it is described, into the two numbers the orifice law needs — A_min (post-clip EROA)
//! and A_max (post-clip open area) — and into post-clip model parameters.

use super::clip::{apply_clips, ClipEffect, ClipError, ClipPlacement, GapProfile, LeafletGeometry};
use super::params::{ModelParams, OrificeParams, ValveId, ValveLaw, COMPETENT_EROA_CM2};

/// A device repair: clips over a leaflet geometry. The pre-clip EROA and MVA are the mitral
/// valve's own `eroa_cm2` and `area_cm2`.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceRepair {
    /// Coaptation line length W, commissure to commissure (mm).
    pub coaptation_length_mm: f64,
    pub gap: GapProfile,
    pub clips: Vec<ClipPlacement>,
}

/// How the repair is described in the scenario's `[clip]` section.
#[derive(Debug, Clone, PartialEq)]
pub enum Repair {
    /// Post-clip EROA and valve area as measured (e.g. by echo).
    Direct {
        eroa_cm2: f64,
        area_cm2: f64,
    },
    Device(DeviceRepair),
}

/// One placed clip, as reported in metrics.json.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PlacedClip {
    pub size: String,
    pub position_mm: f64,
}

/// The post-clip mitral valve.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RepairOutcome {
    /// "direct" or "device".
    pub model: &'static str,
    /// The device's clips, ordered as given (empty for the direct model).
    pub clips: Vec<PlacedClip>,
    /// Pre-clip A_min and A_max of the mitral orifice (cm²).
    pub pre_eroa_cm2: f64,
    pub pre_area_cm2: f64,
    /// A_min of the post-clip orifice law (cm²); never below a competent valve's leak.
    pub eroa_cm2: f64,
    /// A_max of the post-clip orifice law (cm²): the sum of `orifice_areas_cm2`.
    pub area_cm2: f64,
    /// Diastolic area of each orifice (cm²) from the anterolateral commissure (device model);
    /// one entry for the direct model.
    pub orifice_areas_cm2: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RepairError {
    #[error("a clip needs the orifice law on the mitral valve (valves.mitral.law = \"orifice\")")]
    NotAnOrifice,
    #[error(transparent)]
    Geometry(#[from] ClipError),
    #[error(
        "the post-clip EROA ({eroa_cm2} cm²) must be smaller than the post-clip valve area \
         ({area_cm2} cm²)"
    )]
    EroaNotBelowArea { eroa_cm2: f64, area_cm2: f64 },
}

impl Repair {
    /// Whether the post-clip EROA is a measured one (direct) that a dynamic orifice is
    /// calibrated to, rather than a geometric reduction of the pre-clip orifice (device).
    pub fn measured_post_eroa(&self) -> bool {
        matches!(self, Repair::Direct { .. })
    }

    /// The post-clip valve for a patient whose pre-clip mitral orifice is `pre`.
    pub fn outcome(&self, pre: &OrificeParams) -> Result<RepairOutcome, RepairError> {
        let outcome = match self {
            Repair::Direct { eroa_cm2, area_cm2 } => RepairOutcome {
                model: "direct",
                clips: Vec::new(),
                pre_eroa_cm2: pre.eroa_cm2,
                pre_area_cm2: pre.area_cm2,
                eroa_cm2: *eroa_cm2,
                area_cm2: *area_cm2,
                orifice_areas_cm2: vec![*area_cm2],
            },
            Repair::Device(d) => {
                let geometry = LeafletGeometry {
                    coaptation_length_mm: d.coaptation_length_mm,
                    eroa_cm2: pre.eroa_cm2,
                    mva_cm2: pre.area_cm2,
                    gap: d.gap,
                };
                let ClipEffect {
                    eroa_cm2,
                    mva_cm2,
                    orifice_areas_cm2,
                } = apply_clips(&geometry, &d.clips)?;
                RepairOutcome {
                    model: "device",
                    clips: d
                        .clips
                        .iter()
                        .map(|c| PlacedClip {
                            size: c.size.to_string(),
                            position_mm: c.position_mm,
                        })
                        .collect(),
                    pre_eroa_cm2: pre.eroa_cm2,
                    pre_area_cm2: pre.area_cm2,
                    eroa_cm2: eroa_cm2.max(COMPETENT_EROA_CM2),
                    area_cm2: mva_cm2,
                    orifice_areas_cm2,
                }
            }
        };
        if outcome.eroa_cm2 >= outcome.area_cm2 {
            return Err(RepairError::EroaNotBelowArea {
                eroa_cm2: outcome.eroa_cm2,
                area_cm2: outcome.area_cm2,
            });
        }
        Ok(outcome)
    }

    /// Post-clip model parameters: `pre` with the mitral orifice's A_min and A_max replaced.
    pub fn apply(&self, pre: &ModelParams) -> Result<(ModelParams, RepairOutcome), RepairError> {
        let ValveLaw::Orifice(mitral) = pre.valve(ValveId::Mitral) else {
            return Err(RepairError::NotAnOrifice);
        };
        let outcome = self.outcome(mitral)?;
        let mut post = pre.clone();
        post.valves[ValveId::Mitral as usize] = ValveLaw::Orifice(OrificeParams {
            eroa_cm2: outcome.eroa_cm2,
            area_cm2: outcome.area_cm2,
            ..*mitral
        });
        Ok((post, outcome))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::clip::ClipSize;

    fn leaky() -> ModelParams {
        let mut p = ModelParams::regazzoni2022().with_mynard_valves();
        if let ValveLaw::Orifice(o) = &mut p.valves[0] {
            o.eroa_cm2 = 0.4;
            o.area_cm2 = 6.0;
        }
        p
    }

    fn mitral(p: &ModelParams) -> OrificeParams {
        match p.valves[0] {
            ValveLaw::Orifice(o) => o,
            _ => unreachable!(),
        }
    }

    #[test]
    fn direct_repair_sets_exactly_the_given_areas() {
        let (post, out) = Repair::Direct {
            eroa_cm2: 0.12,
            area_cm2: 3.4,
        }
        .apply(&leaky())
        .unwrap();
        let m = mitral(&post);
        assert_eq!((m.eroa_cm2, m.area_cm2), (0.12, 3.4));
        assert_eq!(out.orifice_areas_cm2, vec![3.4]);
        // Nothing else changes.
        let mut expected = leaky();
        expected.valves[0] = post.valves[0];
        assert_eq!(post, expected);
    }

    #[test]
    fn device_repair_uses_the_valve_as_pre_clip_geometry() {
        let repair = Repair::Device(DeviceRepair {
            coaptation_length_mm: 35.0,
            gap: GapProfile::Central,
            clips: vec![ClipPlacement::new(ClipSize::Nt, 17.5)],
        });
        let (post, out) = repair.apply(&leaky()).unwrap();
        assert!((out.area_cm2 - 3.6).abs() < 0.01, "{out:?}");
        assert!((out.eroa_cm2 - 0.15).abs() < 0.01, "{out:?}");
        assert_eq!(mitral(&post).eroa_cm2, out.eroa_cm2);
        assert_eq!(out.orifice_areas_cm2.len(), 2);
    }

    #[test]
    fn refuses_a_diode_mitral_valve_and_an_inverted_direct_repair() {
        let r = Repair::Direct {
            eroa_cm2: 0.1,
            area_cm2: 3.0,
        };
        assert_eq!(
            r.apply(&ModelParams::regazzoni2022()).unwrap_err(),
            RepairError::NotAnOrifice
        );
        let r = Repair::Direct {
            eroa_cm2: 3.0,
            area_cm2: 2.0,
        };
        assert!(matches!(
            r.apply(&leaky()),
            Err(RepairError::EroaNotBelowArea { .. })
        ));
    }
}
