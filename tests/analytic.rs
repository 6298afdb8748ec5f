//! Analytic cases: the integrator and the valve law against closed-form solutions.

use mitralsim::model::params::{ModelParams, ValveId, ValveLaw};
use mitralsim::model::valve::Valve;
use mitralsim::solver::{DenseStep, DormandPrince5, Integrator, OdeSystem, Tolerances};
use mitralsim::units;

/// A two-element Windkessel draining through the systemic resistance: C·dp/dt = −p/R, with the
/// systemic arterial R and C of Regazzoni 2022. p(t) = p0·exp(−t/RC).
struct Windkessel {
    r: f64,
    c: f64,
}
impl OdeSystem<1> for Windkessel {
    fn rhs(&self, _t: f64, y: &[f64; 1], dy: &mut [f64; 1]) {
        dy[0] = -y[0] / (self.r * self.c);
    }
}

#[test]
fn rc_windkessel_decays_exponentially() {
    let c = ModelParams::regazzoni2022().circulation.sys_ar;
    let wk = Windkessel {
        r: c.r_mmhg_s_per_ml,
        c: c.c_ml_per_mmhg,
    };
    let tau = wk.r * wk.c; // ≈ 1.006 s
    let mut solver = DormandPrince5::<1>::new(Tolerances {
        rtol: 1e-8,
        atol: 1e-10,
    });
    let mut worst: f64 = 0.0;
    let mut y = [100.0];
    solver
        .integrate(&wk, 0.0, 0.6, &mut y, &mut |step| {
            for k in 0..4 {
                let t = step.t_start() + (step.t_end() - step.t_start()) * k as f64 / 4.0;
                let exact = 100.0 * (-t / tau).exp();
                worst = worst.max((step.interpolate(t)[0] - exact).abs() / exact);
            }
        })
        .unwrap();
    assert!(worst < 1e-7, "worst relative error {worst}");
    let exact_end = 100.0 * (-0.6 / tau).exp();
    assert!((y[0] - exact_end).abs() / exact_end < 1e-8);
}

/// An open orifice valve (ζ = 1) under a constant pressure drop: L·dQ/dt = ΔP − B·Q², so
/// Q(t) = Q∞·tanh(t/τ) with Q∞ = √(ΔP/B) = A·√(2ΔP/ρ) and τ = L/√(ΔP·B).
struct OrificeAtConstantDp {
    valve: Valve,
    dp_mmhg: f64,
}
impl OdeSystem<2> for OrificeAtConstantDp {
    fn rhs(&self, _t: f64, y: &[f64; 2], dy: &mut [f64; 2]) {
        let (dq, dzeta) = self.valve.derivatives(self.dp_mmhg, y[0], y[1], 1.0);
        dy[0] = dq;
        dy[1] = dzeta;
    }
}

#[test]
fn orifice_at_constant_pressure_drop_follows_tanh_to_bernoulli() {
    let law = ModelParams::regazzoni2022().with_mynard_valves().valves[ValveId::Mitral as usize];
    let ValveLaw::Orifice(p) = law else {
        unreachable!()
    };
    let dp = 4.0;
    let sys = OrificeAtConstantDp {
        valve: Valve::new(&law, 0.0),
        dp_mmhg: dp,
    };
    let b = units::bernoulli_mmhg_s2_per_ml2(p.area_cm2);
    let l = units::orifice_inertance_mmhg_s2_per_ml(p.length_cm, p.area_cm2);
    let q_inf = (dp / b).sqrt();
    let tau = l / (dp * b).sqrt();
    // Steady flow is the Bernoulli orifice flow A·v, v = √(2ΔP/ρ).
    assert!((q_inf - p.area_cm2 * units::bernoulli_velocity_cm_s(dp)).abs() < 1e-9 * q_inf);

    let mut solver = DormandPrince5::<2>::new(Tolerances {
        rtol: 1e-9,
        atol: 1e-9,
    });
    let mut y = [0.0, 1.0];
    let mut worst: f64 = 0.0;
    solver
        .integrate(&sys, 0.0, 8.0 * tau, &mut y, &mut |step| {
            let t = step.t_end();
            worst = worst.max((step.interpolate(t)[0] - q_inf * (t / tau).tanh()).abs() / q_inf);
        })
        .unwrap();
    assert!(worst < 1e-7, "worst error {worst} (of Q∞ = {q_inf} mL/s)");
    assert_eq!(y[1], 1.0, "an open valve under forward pressure stays open");
}

/// A closed orifice under a reverse pressure drop leaks exactly A_min·√(2ΔP/ρ).
#[test]
fn closed_orifice_leaks_through_its_eroa() {
    let mut params = ModelParams::regazzoni2022().with_mynard_valves();
    if let ValveLaw::Orifice(p) = &mut params.valves[0] {
        p.eroa_cm2 = 0.4;
    }
    let sys = OrificeAtConstantDp {
        valve: Valve::new(&params.valves[0], 0.0),
        dp_mmhg: -100.0,
    };
    let mut solver = DormandPrince5::<2>::new(Tolerances {
        rtol: 1e-9,
        atol: 1e-9,
    });
    let mut y = [0.0, 0.0];
    solver
        .integrate(&sys, 0.0, 0.5, &mut y, &mut |_| {})
        .unwrap();
    let expected = -0.4 * units::bernoulli_velocity_cm_s(100.0); // ≈ −200 mL/s
    assert!(
        (y[0] - expected).abs() < 1e-6 * expected.abs(),
        "{} vs {expected}",
        y[0]
    );
}
