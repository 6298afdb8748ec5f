//! Layout of the state vector.
//!
//! Why fixed-size: the right-hand side runs millions of times per sweep, so the state is a plain
//! `[f64; N_STATE]` on the stack with named indices, never a heap vector. Every valve owns a flow
//! and an opening slot whatever its law; a diode's slots stay constant (its flow is algebraic), so
//! one layout serves every combination of valve laws.

use super::params::{ChamberId, CirculationParams, ValveId};

pub const N_STATE: usize = 20;
pub type State = [f64; N_STATE];

/// Chamber volumes V_LA, V_LV, V_RA, V_RV (mL) at `CHAMBER_V + ChamberId`.
pub const CHAMBER_V: usize = 0;
/// Arterial/venous compartment pressures (mmHg).
pub const P_AR_SYS: usize = 4;
pub const P_VEN_SYS: usize = 5;
pub const P_AR_PUL: usize = 6;
pub const P_VEN_PUL: usize = 7;
/// Compartment outflows (mL/s).
pub const Q_AR_SYS: usize = 8;
pub const Q_VEN_SYS: usize = 9;
pub const Q_AR_PUL: usize = 10;
pub const Q_VEN_PUL: usize = 11;
/// Valve flow states (mL/s) at `VALVE_Q + ValveId` (orifice law only).
pub const VALVE_Q: usize = 12;
/// Valve opening states ζ ∈ [0, 1] at `VALVE_ZETA + ValveId` (orifice law only).
pub const VALVE_ZETA: usize = 16;

#[inline]
pub fn chamber_volume(id: ChamberId) -> usize {
    CHAMBER_V + id as usize
}
#[inline]
pub fn valve_flow(id: ValveId) -> usize {
    VALVE_Q + id as usize
}
#[inline]
pub fn valve_opening(id: ValveId) -> usize {
    VALVE_ZETA + id as usize
}

/// The initial state published with Regazzoni 2022 (model-reference.md); valves start closed and
/// at rest.
pub fn regazzoni_initial_state() -> State {
    let mut y = [0.0; N_STATE];
    y[..12].copy_from_slice(&[
        87.183, 118.520, 86.833, 166.177, 87.675, 35.898, 19.545, 15.004, 71.104, 94.039, 94.084,
        473.279,
    ]);
    y
}

/// Volumes (mL) of the 8 compliant compartments: 4 chambers, then C·p of the 4 vessels. Their sum
/// is the blood volume, an invariant of the closed loop; their beat-to-beat change measures how
/// far the run is from its periodic steady state.
pub fn compartment_volumes_ml(y: &State, circ: &CirculationParams) -> [f64; 8] {
    [
        y[0],
        y[1],
        y[2],
        y[3],
        circ.sys_ar.c_ml_per_mmhg * y[P_AR_SYS],
        circ.sys_ven.c_ml_per_mmhg * y[P_VEN_SYS],
        circ.pul_ar.c_ml_per_mmhg * y[P_AR_PUL],
        circ.pul_ven.c_ml_per_mmhg * y[P_VEN_PUL],
    ]
}

/// `y` with the 8 compartment volumes of [`compartment_volumes_ml`] set to `volumes_ml` (chambers
/// directly, vessels as p = V/C); flows and valve states are kept.
pub fn with_compartment_volumes(
    mut y: State,
    circ: &CirculationParams,
    volumes_ml: &[f64; 8],
) -> State {
    y[CHAMBER_V..CHAMBER_V + 4].copy_from_slice(&volumes_ml[..4]);
    for (i, c) in [circ.sys_ar, circ.sys_ven, circ.pul_ar, circ.pul_ven]
        .iter()
        .enumerate()
    {
        y[P_AR_SYS + i] = volumes_ml[4 + i] / c.c_ml_per_mmhg;
    }
    y
}

/// Total (stressed) blood volume (mL).
pub fn blood_volume_ml(y: &State, circ: &CirculationParams) -> f64 {
    compartment_volumes_ml(y, circ).iter().sum()
}
