//! One integrated beat, kept as its accepted steps so that it can be sampled after the fact.
//!
//! Why: whether a beat is the converged one is only known once it has been integrated. Keeping
//! its steps (their interpolation polynomials: ≈ 200 steps, ≈ 160 kB for the 20-state model)
//! lets the steady-state search hand back the very beat that met the criterion, so metrics and
//! waveforms come from it rather than from one more integrated beat — and the waveforms written
//! are exactly the beat the metrics describe.

use super::dopri5::Dp5Step;
use super::{DenseStep, DormandPrince5, Integrator, OdeSystem, SolverError};

/// The dense solution over one beat [0, RR] (time from the beat boundary, s).
#[derive(Debug, Clone, PartialEq)]
pub struct DenseBeat<const N: usize> {
    period_s: f64,
    start: [f64; N],
    end: [f64; N],
    steps: Vec<Dp5Step<N>>,
}

impl<const N: usize> DenseBeat<N> {
    /// Room for this many steps from the start: a beat of the presets at the default
    /// tolerances takes 200–300, so the record never grows (by copying) during a run.
    const INITIAL_STEPS: usize = 512;

    /// An empty record for beats of `period_s`, to be filled by [`DenseBeat::integrate`].
    pub fn new(period_s: f64) -> Self {
        Self {
            period_s,
            start: [0.0; N],
            end: [0.0; N],
            steps: Vec::with_capacity(Self::INITIAL_STEPS),
        }
    }

    /// Integrate one beat from `y` (at t = 0) with `solver`, keeping its steps (this record's
    /// previous beat is dropped; its storage is reused). On return `y` is the end state.
    pub fn integrate<S: OdeSystem<N>>(
        &mut self,
        solver: &mut DormandPrince5<N>,
        system: &S,
        y: &mut [f64; N],
    ) -> Result<(), SolverError> {
        let period_s = self.period_s;
        self.record(y, |y, on_step| {
            solver.integrate(system, 0.0, period_s, y, on_step)
        })
    }

    /// Integrate one beat from `y` over exactly the steps `step_times_s` (from 0 to RR; those of
    /// an earlier beat, [`DenseBeat::step_times_s`]) instead of adaptively. Returns the largest
    /// error norm of its steps (≤ 1: every step met the tolerances); see
    /// [`DormandPrince5::integrate_on_steps`] for why.
    pub fn integrate_on_steps<S: OdeSystem<N>>(
        &mut self,
        solver: &mut DormandPrince5<N>,
        system: &S,
        y: &mut [f64; N],
        step_times_s: &[f64],
    ) -> Result<f64, SolverError> {
        self.record(y, |y, on_step| {
            solver.integrate_on_steps(system, step_times_s, y, on_step)
        })
    }

    /// Replace the kept beat by the one `run` integrates from `y`, keeping every step it
    /// reports.
    fn record<R>(
        &mut self,
        y: &mut [f64; N],
        run: impl FnOnce(&mut [f64; N], &mut dyn FnMut(&Dp5Step<N>)) -> Result<R, SolverError>,
    ) -> Result<R, SolverError> {
        self.start = *y;
        self.steps.clear();
        let steps = &mut self.steps;
        let result = run(y, &mut |step| steps.push(step.clone()));
        self.end = *y;
        result
    }

    /// The times this beat's steps start at, and RR.
    pub fn step_times_s(&self) -> Vec<f64> {
        let mut t: Vec<f64> = self.steps.iter().map(|s| s.t_start()).collect();
        t.push(self.steps.last().map_or(self.period_s, |s| s.t_end()));
        t
    }

    pub fn period_s(&self) -> f64 {
        self.period_s
    }

    /// State at t = 0.
    pub fn start(&self) -> &[f64; N] {
        &self.start
    }

    /// State at t = RR.
    pub fn end(&self) -> &[f64; N] {
        &self.end
    }

    /// The state at each of `times_s` (sorted, within [0, RR]; a time past RR by round-off —
    /// a grid computed as RR·n/n — is the end state).
    pub fn sample(&self, times_s: &[f64]) -> Vec<[f64; N]> {
        self.samples(times_s).collect()
    }

    /// [`DenseBeat::sample`] one state at a time, without collecting them (a beat's 1 700
    /// states are 270 kB, allocated and read back for every measured beat of a sweep).
    pub fn samples<'a>(&'a self, times_s: &'a [f64]) -> impl Iterator<Item = [f64; N]> + 'a {
        let mut steps = self.steps.iter().peekable();
        times_s.iter().map(move |&t| {
            if t <= 0.0 {
                return self.start;
            }
            while steps.next_if(|s| s.t_end() < t).is_some() {}
            match steps.peek() {
                Some(step) => step.interpolate(t),
                None => self.end,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solver::Tolerances;

    /// y' = −y: a beat of length 1 from y = 1.
    struct Decay;
    impl OdeSystem<1> for Decay {
        fn rhs(&self, _t: f64, y: &[f64; 1], dy: &mut [f64; 1]) {
            dy[0] = -y[0];
        }
    }

    #[test]
    fn samples_anywhere_in_the_beat_after_the_fact() {
        let mut solver = DormandPrince5::<1>::new(Tolerances {
            rtol: 1e-10,
            atol: 1e-12,
        });
        let mut beat = DenseBeat::new(1.0);
        let mut y = [1.0];
        beat.integrate(&mut solver, &Decay, &mut y).unwrap();
        assert_eq!(beat.start(), &[1.0]);
        assert_eq!(beat.end(), &y);
        let times = [0.0, 1e-3, 0.25, 0.5, 0.999, 1.0, 1.0 + 2.0 * f64::EPSILON];
        let states = beat.sample(&times);
        assert_eq!(states.len(), times.len());
        for (t, s) in times.iter().zip(&states) {
            assert!((s[0] - (-t.min(1.0)).exp()).abs() < 1e-9, "t = {t}: {s:?}");
        }
        assert_eq!(states[6], y, "past RR by round-off: the end state");
        // A second beat replaces the first.
        beat.integrate(&mut solver, &Decay, &mut y).unwrap();
        assert!((beat.sample(&[0.5])[0][0] - (-1.5f64).exp()).abs() < 1e-9);
    }
}
