//! Time integration: our own small ODE interface, an adaptive Dormand–Prince 5(4) integrator, and
//! the periodic-steady-state driver.
//!
//! Why our own trait: the model only implements [`OdeSystem`]; the integrator behind
//! [`Integrator`] can be swapped (a stiff method, a crate) without touching physics or metrics.
//! Why our own DP5: the model is only mildly stiff, explicit DP5 is the fastest method on it
//! (docs/model.md, "Solver"), and owning ~200 lines gives us allocation-free
//! fixed-size steps, state carried from beat to beat, dense output and pinned statistics without a
//! young crate's API churn. Figures: README "Performance" (benches/model.rs).

pub mod accelerated;
pub mod anderson;
pub mod broyden;
pub mod dense_beat;
pub mod dopri5;
pub mod progress;
pub mod steady;

pub use accelerated::run_to_steady_state_accelerated;
pub use anderson::SecantMemory;
pub use dense_beat::DenseBeat;
pub use dopri5::DormandPrince5;
pub use steady::{run_to_steady_state, sample_beat, SteadyState, SteadyStateSettings};

/// A first-order ODE system `dy/dt = f(t, y)` of fixed size `N`.
pub trait OdeSystem<const N: usize> {
    fn rhs(&self, t: f64, y: &[f64; N], dydt: &mut [f64; N]);
}

/// One accepted step, able to interpolate the solution inside it.
pub trait DenseStep<const N: usize> {
    fn t_start(&self) -> f64;
    fn t_end(&self) -> f64;
    /// The solution at `t` ∈ [t_start, t_end].
    fn interpolate(&self, t: f64) -> [f64; N];
}

/// An adaptive integrator over a fixed interval.
pub trait Integrator<const N: usize> {
    /// The dense output of one accepted step; `Clone` so that a caller can keep a beat's steps
    /// and sample them afterwards ([`DenseBeat`]).
    type Step: DenseStep<N> + Clone;

    /// Advance `y` from `t0` to exactly `t1`, calling `on_step` after every accepted step.
    fn integrate<S: OdeSystem<N>>(
        &mut self,
        system: &S,
        t0: f64,
        t1: f64,
        y: &mut [f64; N],
        on_step: &mut dyn FnMut(&Self::Step),
    ) -> Result<(), SolverError>;

    /// Counters accumulated since construction.
    fn stats(&self) -> SolverStats;
}

/// Error-control tolerances: a step is accepted when the RMS of
/// `err_i / (atol + rtol·|y_i|)` is at most 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerances {
    pub rtol: f64,
    pub atol: f64,
}

impl Default for Tolerances {
    fn default() -> Self {
        Self {
            rtol: 1e-6,
            atol: 1e-6,
        }
    }
}

/// Work counters, part of every result so that a change in solver behaviour shows up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct SolverStats {
    pub accepted_steps: u64,
    pub rejected_steps: u64,
    pub rhs_evaluations: u64,
}

impl SolverStats {
    /// The counters of two pieces of work together.
    pub fn plus(&self, other: &SolverStats) -> SolverStats {
        SolverStats {
            accepted_steps: self.accepted_steps + other.accepted_steps,
            rejected_steps: self.rejected_steps + other.rejected_steps,
            rhs_evaluations: self.rhs_evaluations + other.rhs_evaluations,
        }
    }
}

/// Why integration stopped early.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SolverError {
    #[error("step size underflow at t = {t_s:.6} s (h = {h_s:e} s): the model is too stiff or produced a non-finite value")]
    StepSizeUnderflow { t_s: f64, h_s: f64 },
    #[error("more than {max_steps} steps between t = {t0_s} s and t = {t1_s} s")]
    TooManySteps {
        max_steps: u64,
        t0_s: f64,
        t1_s: f64,
    },
    #[error("non-finite state at t = {t_s:.6} s")]
    NonFinite { t_s: f64 },
}
