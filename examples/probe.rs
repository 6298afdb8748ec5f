use mitralsim::model::{state::regazzoni_initial_state, Circuit, ModelParams};
use mitralsim::simulate::Simulation;
use mitralsim::solver::SteadyStateSettings;
fn main() {
    let which = std::env::args().nth(1).unwrap_or_default();
    let p = if which == "orifice" {
        ModelParams::regazzoni2022().with_mynard_valves()
    } else {
        ModelParams::regazzoni2022()
    };
    let c = Circuit::new(p.clone());
    let y0 = c.with_resting_valves(regazzoni_initial_state());
    let t = std::time::Instant::now();
    let mut st = SteadyStateSettings::default();
    if let Some(r) = std::env::args().nth(2) {
        st.tolerances.rtol = r.parse().unwrap();
        st.tolerances.atol = st.tolerances.rtol;
        st.tol_ml = 1e-6;
    }
    let s = Simulation::run(p, y0, &st).unwrap();
    println!("{:?} {:?}", t.elapsed(), s.steady.stats);
    println!("{}", serde_json::to_string_pretty(&s.metrics).unwrap());
}
