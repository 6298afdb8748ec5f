//! One converged beat, sampled on a uniform time grid: the single source for metrics, waveform
//! files and plots.
//!
//! Why: metrics and writers must never re-derive pressures or flows from raw states on their own;
//! they read named channels of this table, filled once through [`Circuit::observe`].

use crate::model::params::{ChamberId, ValveId};
use crate::model::state::{chamber_volume, *};
use crate::model::{Circuit, State, N_STATE};
use crate::solver::{sample_beat, DenseBeat, SolverError, Tolerances};
use ndarray::{Array2, ArrayView1};

macro_rules! channels {
    ($($variant:ident => $name:literal, $doc:literal;)*) => {
        /// A column of a sampled beat. Names carry their units.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Channel { $(#[doc = $doc] $variant),* }
        impl Channel {
            pub const ALL: &'static [Channel] = &[$(Channel::$variant),*];
            /// Column name in waveforms.csv.
            pub fn name(self) -> &'static str {
                match self { $(Channel::$variant => $name),* }
            }
            /// What the column holds, with units (for docs and --help).
            pub fn description(self) -> &'static str {
                match self { $(Channel::$variant => $doc),* }
            }
        }
    };
}

channels! {
    PLa => "p_la_mmhg", "left atrial pressure (mmHg)";
    VLa => "v_la_ml", "left atrial volume (mL)";
    PLv => "p_lv_mmhg", "left ventricular pressure (mmHg)";
    VLv => "v_lv_ml", "left ventricular volume (mL)";
    PRa => "p_ra_mmhg", "right atrial pressure (mmHg)";
    VRa => "v_ra_ml", "right atrial volume (mL)";
    PRv => "p_rv_mmhg", "right ventricular pressure (mmHg)";
    VRv => "v_rv_ml", "right ventricular volume (mL)";
    PArSys => "p_ar_sys_mmhg", "systemic arterial (aortic) pressure (mmHg)";
    PVenSys => "p_ven_sys_mmhg", "systemic venous pressure (mmHg)";
    PArPul => "p_ar_pul_mmhg", "pulmonary arterial pressure (mmHg)";
    PVenPul => "p_ven_pul_mmhg", "pulmonary venous pressure (mmHg)";
    PAo => "p_ao_mmhg", "aortic root pressure: systemic arterial pressure + Zc·Q_AV (mmHg)";
    PPa => "p_pa_mmhg", "pulmonary artery root pressure: pulmonary arterial pressure + Zc·Q_PV (mmHg)";
    QArSys => "q_ar_sys_ml_s", "systemic arterial outflow (mL/s)";
    QVenSys => "q_ven_sys_ml_s", "systemic venous return to the RA (mL/s)";
    QArPul => "q_ar_pul_ml_s", "pulmonary arterial outflow (mL/s)";
    QVenPul => "q_ven_pul_ml_s", "pulmonary venous return to the LA (mL/s)";
    QMv => "q_mv_ml_s", "mitral flow, LA to LV; negative is regurgitation (mL/s)";
    QAv => "q_av_ml_s", "aortic valve flow (mL/s)";
    QTv => "q_tv_ml_s", "tricuspid flow (mL/s)";
    QPv => "q_pv_ml_s", "pulmonary valve flow (mL/s)";
    OpenMv => "open_mv", "mitral opening: ζ (orifice) or 1 − H (diode), 0 to 1";
    OpenAv => "open_av", "aortic valve opening, 0 to 1";
    OpenTv => "open_tv", "tricuspid opening, 0 to 1";
    OpenPv => "open_pv", "pulmonary valve opening, 0 to 1";
    AreaMv => "area_mv_cm2", "mitral effective orifice area (cm²); empty for a diode";
    AreaAv => "area_av_cm2", "aortic effective orifice area (cm²); empty for a diode";
    AreaTv => "area_tv_cm2", "tricuspid effective orifice area (cm²); empty for a diode";
    AreaPv => "area_pv_cm2", "pulmonary effective orifice area (cm²); empty for a diode";
    ELa => "act_la", "left atrial activation e(t), 0 to 1";
    ELv => "act_lv", "left ventricular activation e(t), 0 to 1";
    ERa => "act_ra", "right atrial activation e(t), 0 to 1";
    ERv => "act_rv", "right ventricular activation e(t), 0 to 1";
}

impl Channel {
    pub fn flow(v: ValveId) -> Channel {
        [Channel::QMv, Channel::QAv, Channel::QTv, Channel::QPv][v as usize]
    }
    pub fn opening(v: ValveId) -> Channel {
        [
            Channel::OpenMv,
            Channel::OpenAv,
            Channel::OpenTv,
            Channel::OpenPv,
        ][v as usize]
    }
    pub fn area(v: ValveId) -> Channel {
        [
            Channel::AreaMv,
            Channel::AreaAv,
            Channel::AreaTv,
            Channel::AreaPv,
        ][v as usize]
    }
    fn index(self) -> usize {
        self as usize
    }
}

/// A beat sampled at times `t_s` (from the beat boundary, s); one row per time.
#[derive(Debug, Clone)]
pub struct SampledBeat {
    pub period_s: f64,
    pub t_s: Vec<f64>,
    pub data: Array2<f64>,
}

impl SampledBeat {
    /// Integrate one beat from `y0` and sample it at `times_s`.
    pub fn simulate(
        circuit: &Circuit,
        y0: State,
        times_s: &[f64],
        tolerances: Tolerances,
    ) -> Result<Self, SolverError> {
        let states = sample_beat(circuit, y0, times_s, tolerances)?;
        Ok(Self::from_states(circuit, times_s, states))
    }

    /// Sample an already integrated beat at `times_s`.
    pub fn from_dense(circuit: &Circuit, beat: &DenseBeat<N_STATE>, times_s: &[f64]) -> Self {
        Self::from_states(circuit, times_s, beat.samples(times_s))
    }

    /// Sample times every `step_s` from 0: `with_end` adds t = RR (a closed grid for
    /// integrals), otherwise the grid stops before RR (a beat of waveform rows).
    pub fn grid(period_s: f64, step_s: f64, with_end: bool) -> Vec<f64> {
        if with_end {
            let n = (period_s / step_s).ceil().max(1.0) as usize;
            (0..=n).map(|k| period_s * k as f64 / n as f64).collect()
        } else {
            let n = (period_s / step_s - 1e-9).ceil().max(1.0) as usize;
            (0..n).map(|k| k as f64 * step_s).collect()
        }
    }

    /// The channels at `times_s` of the states there (one per time).
    fn from_states(
        circuit: &Circuit,
        times_s: &[f64],
        states: impl IntoIterator<Item = State>,
    ) -> Self {
        const WIDTH: usize = Channel::ALL.len();
        // Rows are built on the stack and appended: no zero-filled table to overwrite.
        let mut flat = Vec::with_capacity(times_s.len() * WIDTH);
        for (t, y) in times_s.iter().zip(states) {
            let obs = circuit.observe(*t, &y);
            let mut out = [0.0; WIDTH];
            let mut put = |c: Channel, v: f64| out[c.index()] = v;
            for (ch, p, v, e) in [
                (ChamberId::La, Channel::PLa, Channel::VLa, Channel::ELa),
                (ChamberId::Lv, Channel::PLv, Channel::VLv, Channel::ELv),
                (ChamberId::Ra, Channel::PRa, Channel::VRa, Channel::ERa),
                (ChamberId::Rv, Channel::PRv, Channel::VRv, Channel::ERv),
            ] {
                put(p, obs.p(ch));
                put(v, y[chamber_volume(ch)]);
                put(e, obs.activation[ch as usize]);
            }
            for (c, i) in [
                (Channel::PArSys, P_AR_SYS),
                (Channel::PVenSys, P_VEN_SYS),
                (Channel::PArPul, P_AR_PUL),
                (Channel::PVenPul, P_VEN_PUL),
                (Channel::QArSys, Q_AR_SYS),
                (Channel::QVenSys, Q_VEN_SYS),
                (Channel::QArPul, Q_AR_PUL),
                (Channel::QVenPul, Q_VEN_PUL),
            ] {
                put(c, y[i]);
            }
            put(Channel::PAo, obs.p_ao_mmhg);
            put(Channel::PPa, obs.p_pa_mmhg);
            for v in ValveId::ALL {
                let s = obs.valve(v);
                put(Channel::flow(v), s.flow_ml_s);
                put(Channel::opening(v), s.opening);
                put(Channel::area(v), s.area_cm2);
            }
            flat.extend_from_slice(&out);
        }
        let rows = flat.len() / WIDTH;
        let data =
            Array2::from_shape_vec((rows, WIDTH), flat).expect("one row of WIDTH values per state");
        Self {
            period_s: circuit.period_s(),
            t_s: times_s[..rows].to_vec(),
            data,
        }
    }

    pub fn col(&self, c: Channel) -> ArrayView1<'_, f64> {
        self.data.column(c.index())
    }

    pub fn len(&self) -> usize {
        self.t_s.len()
    }

    pub fn is_empty(&self) -> bool {
        self.t_s.is_empty()
    }
}
