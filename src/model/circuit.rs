//! The closed-loop circuit: four chambers, four valves, systemic and pulmonary R-L-C compartments.
//!
//! Why one struct: [`Circuit::observe`] computes every algebraic quantity (pressures, valve flows,
//! areas) from the state once; the right-hand side and the waveform/metric writers both use it,
//! so the equations exist in one place. Equations: model-reference.md, "Circuit".

use super::chamber::Chamber;
use super::leak::LeakShape;
use super::params::{ChamberId, ChamberParams, CirculationParams, ModelParams, ValveId};
use super::state::*;
use super::valve::{Valve, ValveState};
use crate::solver::OdeSystem;

/// The model ready to integrate.
#[derive(Debug, Clone)]
pub struct Circuit {
    params: ModelParams,
    period_s: f64,
    chambers: [Chamber; 4],
    /// For each chamber, the first chamber with the same activation timing: its activation is
    /// computed once (the atria, and the ventricles, usually share a timing).
    timing_source: [usize; 4],
    valves: [Valve; 4],
    /// The mitral valve's closed-area factor through the beat.
    mitral_leak: LeakShape,
}

/// Algebraic quantities at one instant.
#[derive(Debug, Clone, Copy)]
pub struct Observables {
    /// Chamber activations e(t), indexed by [`ChamberId`].
    pub activation: [f64; 4],
    /// Chamber pressures (mmHg), indexed by [`ChamberId`].
    pub chamber_p_mmhg: [f64; 4],
    /// Valve flows, openings and areas, indexed by [`ValveId`].
    pub valves: [ValveState; 4],
    /// Pressure drop across each valve and its downstream root impedance, p_up − p_down
    /// (mmHg), indexed by [`ValveId`].
    pub drop_mmhg: [f64; 4],
    /// Factor on the mitral valve's closed area (1 for a constant regurgitant orifice).
    pub mitral_leak: f64,
    /// Aortic root pressure: systemic arterial pressure plus Zc·Q_AV (mmHg).
    pub p_ao_mmhg: f64,
    /// Pulmonary artery root pressure: pulmonary arterial pressure plus Zc·Q_PV (mmHg).
    pub p_pa_mmhg: f64,
}

impl Observables {
    pub fn p(&self, id: ChamberId) -> f64 {
        self.chamber_p_mmhg[id as usize]
    }
    pub fn valve(&self, id: ValveId) -> &ValveState {
        &self.valves[id as usize]
    }
}

/// Upstream and downstream pressure of each valve.
#[inline]
fn valve_pressures(id: ValveId, p_ch: &[f64; 4], y: &State) -> (f64, f64) {
    use ChamberId::*;
    match id {
        ValveId::Mitral => (p_ch[La as usize], p_ch[Lv as usize]),
        ValveId::Aortic => (p_ch[Lv as usize], y[P_AR_SYS]),
        ValveId::Tricuspid => (p_ch[Ra as usize], p_ch[Rv as usize]),
        ValveId::Pulmonary => (p_ch[Rv as usize], y[P_AR_PUL]),
    }
}

impl Circuit {
    pub fn new(params: ModelParams) -> Self {
        let period_s = params.period_s();
        let timings = params.effective_timings();
        let chambers = std::array::from_fn(|i| {
            let c = ChamberParams {
                timing: timings[i],
                ..params.chambers[i]
            };
            Chamber::new(c, period_s)
        });
        let timing_source =
            std::array::from_fn(|i| (0..i).find(|&j| timings[j] == timings[i]).unwrap_or(i));
        let circ = &params.circulation;
        let valves = std::array::from_fn(|i| {
            let series_r = match ValveId::ALL[i] {
                ValveId::Aortic => circ.sys_zc_mmhg_s_per_ml,
                ValveId::Pulmonary => circ.pul_zc_mmhg_s_per_ml,
                ValveId::Mitral | ValveId::Tricuspid => 0.0,
            };
            Valve::new(&params.valves[i], series_r)
        });
        let mitral_leak = LeakShape::new(
            params.mitral_orifice(),
            timings[ChamberId::Lv as usize],
            period_s,
        );
        Self {
            params,
            period_s,
            chambers,
            timing_source,
            valves,
            mitral_leak,
        }
    }

    /// The LV activation timing in effect at this heart rate (scaled timing applied).
    pub fn lv_timing(&self) -> &crate::model::params::ActivationTiming {
        &self.chambers[ChamberId::Lv as usize].params().timing
    }

    pub fn params(&self) -> &ModelParams {
        &self.params
    }
    pub fn period_s(&self) -> f64 {
        self.period_s
    }
    pub fn circulation(&self) -> &CirculationParams {
        &self.params.circulation
    }
    pub fn valve_law(&self, id: ValveId) -> &Valve {
        &self.valves[id as usize]
    }

    /// End-diastole: the onset of LV contraction within the beat, in [0, RR) (s).
    pub fn end_diastole_s(&self) -> f64 {
        self.chambers[ChamberId::Lv as usize].onset_in_beat_s()
    }

    /// Pressures, flows and openings at time `t_s` and state `y`.
    #[inline]
    pub fn observe(&self, t_s: f64, y: &State) -> Observables {
        // Within a beat already while integrating one: skip the floating-point modulo there.
        let t_in_beat = if (0.0..self.period_s).contains(&t_s) {
            t_s
        } else {
            t_s.rem_euclid(self.period_s)
        };
        let mut activation = [0.0; 4];
        let mut p = [0.0; 4];
        for i in 0..4 {
            let source = self.timing_source[i];
            activation[i] = if source == i {
                self.chambers[i].activation(t_in_beat)
            } else {
                activation[source]
            };
            p[i] = self.chambers[i].pressure_mmhg(y[CHAMBER_V + i], activation[i]);
        }
        let mitral_leak = self.mitral_leak.factor(
            t_in_beat,
            activation[ChamberId::Lv as usize],
            y[CHAMBER_V + ChamberId::Lv as usize],
        );
        let drop = |id: ValveId| {
            let (up, down) = valve_pressures(id, &p, y);
            up - down
        };
        // Written out rather than `ValveId::ALL.map(..)`, which the optimiser leaves as a loop
        // over a draining iterator in this hot path.
        let drop_mmhg = [
            drop(ValveId::Mitral),
            drop(ValveId::Aortic),
            drop(ValveId::Tricuspid),
            drop(ValveId::Pulmonary),
        ];
        let valve = |id: ValveId, leak: f64| {
            self.valves[id as usize].state(
                drop_mmhg[id as usize],
                y[valve_flow(id)],
                y[valve_opening(id)],
                leak,
            )
        };
        let valves = [
            valve(ValveId::Mitral, mitral_leak),
            valve(ValveId::Aortic, 1.0),
            valve(ValveId::Tricuspid, 1.0),
            valve(ValveId::Pulmonary, 1.0),
        ];
        let circ = &self.params.circulation;
        Observables {
            activation,
            chamber_p_mmhg: p,
            p_ao_mmhg: y[P_AR_SYS]
                + circ.sys_zc_mmhg_s_per_ml * valves[ValveId::Aortic as usize].flow_ml_s,
            p_pa_mmhg: y[P_AR_PUL]
                + circ.pul_zc_mmhg_s_per_ml * valves[ValveId::Pulmonary as usize].flow_ml_s,
            valves,
            drop_mmhg,
            mitral_leak,
        }
    }

    /// A state with the same blood distribution as `y` but the valve states of a resting heart:
    /// orifice flows at zero, openings half way. Used to start from a 12-state initial condition.
    pub fn with_resting_valves(&self, mut y: State) -> State {
        for id in ValveId::ALL {
            y[valve_flow(id)] = 0.0;
            y[valve_opening(id)] = if self.valves[id as usize].is_orifice() {
                0.5
            } else {
                0.0
            };
        }
        y
    }
}

impl OdeSystem<N_STATE> for Circuit {
    fn rhs(&self, t_s: f64, y: &State, dy: &mut State) {
        let obs = self.observe(t_s, y);
        let c = &self.params.circulation;
        let q = |id: ValveId| obs.valves[id as usize].flow_ml_s;
        let (q_mv, q_av, q_tv, q_pv) = (
            q(ValveId::Mitral),
            q(ValveId::Aortic),
            q(ValveId::Tricuspid),
            q(ValveId::Pulmonary),
        );
        let p_la = obs.p(ChamberId::La);
        let p_ra = obs.p(ChamberId::Ra);

        dy[CHAMBER_V + ChamberId::La as usize] = y[Q_VEN_PUL] - q_mv;
        dy[CHAMBER_V + ChamberId::Lv as usize] = q_mv - q_av;
        dy[CHAMBER_V + ChamberId::Ra as usize] = y[Q_VEN_SYS] - q_tv;
        dy[CHAMBER_V + ChamberId::Rv as usize] = q_tv - q_pv;

        dy[P_AR_SYS] = (q_av - y[Q_AR_SYS]) / c.sys_ar.c_ml_per_mmhg;
        dy[P_VEN_SYS] = (y[Q_AR_SYS] - y[Q_VEN_SYS]) / c.sys_ven.c_ml_per_mmhg;
        dy[P_AR_PUL] = (q_pv - y[Q_AR_PUL]) / c.pul_ar.c_ml_per_mmhg;
        dy[P_VEN_PUL] = (y[Q_AR_PUL] - y[Q_VEN_PUL]) / c.pul_ven.c_ml_per_mmhg;

        dy[Q_AR_SYS] = (y[P_AR_SYS] - y[P_VEN_SYS] - c.sys_ar.r_mmhg_s_per_ml * y[Q_AR_SYS])
            / c.sys_ar.l_mmhg_s2_per_ml;
        dy[Q_VEN_SYS] = (y[P_VEN_SYS] - p_ra - c.sys_ven.r_mmhg_s_per_ml * y[Q_VEN_SYS])
            / c.sys_ven.l_mmhg_s2_per_ml;
        dy[Q_AR_PUL] = (y[P_AR_PUL] - y[P_VEN_PUL] - c.pul_ar.r_mmhg_s_per_ml * y[Q_AR_PUL])
            / c.pul_ar.l_mmhg_s2_per_ml;
        dy[Q_VEN_PUL] = (y[P_VEN_PUL] - p_la - c.pul_ven.r_mmhg_s_per_ml * y[Q_VEN_PUL])
            / c.pul_ven.l_mmhg_s2_per_ml;

        for id in ValveId::ALL {
            let leak = if id == ValveId::Mitral {
                obs.mitral_leak
            } else {
                1.0
            };
            let (dq, dzeta) = self.valves[id as usize].derivatives(
                obs.drop_mmhg[id as usize],
                y[valve_flow(id)],
                y[valve_opening(id)],
                leak,
            );
            dy[valve_flow(id)] = dq;
            dy[valve_opening(id)] = dzeta;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// d(blood volume)/dt is zero for any state: the circuit only moves blood around.
    #[test]
    fn rhs_conserves_volume_exactly() {
        for params in [
            ModelParams::regazzoni2022(),
            ModelParams::regazzoni2022().with_mynard_valves(),
        ] {
            let circuit = Circuit::new(params);
            let mut y = circuit.with_resting_valves(regazzoni_initial_state());
            y[valve_flow(ValveId::Mitral)] = -37.0;
            y[valve_flow(ValveId::Aortic)] = 210.0;
            for t in [0.0, 0.13, 0.3, 0.55] {
                let mut dy = [0.0; N_STATE];
                circuit.rhs(t, &y, &mut dy);
                let c = circuit.circulation();
                let dv = dy[0]
                    + dy[1]
                    + dy[2]
                    + dy[3]
                    + c.sys_ar.c_ml_per_mmhg * dy[P_AR_SYS]
                    + c.sys_ven.c_ml_per_mmhg * dy[P_VEN_SYS]
                    + c.pul_ar.c_ml_per_mmhg * dy[P_AR_PUL]
                    + c.pul_ven.c_ml_per_mmhg * dy[P_VEN_PUL];
                assert!(dv.abs() < 1e-9, "dV/dt = {dv} at t = {t}");
            }
        }
    }
}
