//! Broyden's ("good") quasi-Newton method for a root of a small system R(u) = 0 of at most two
//! unknowns, whose Jacobian estimate can be handed from one solve to the next.
//!
//! Why: the outer loops of a run (the baroreflex's sensed pressure, a dynamic orifice's gain;
//! `simulate.rs`) are coupled — a larger gain lowers the forward output and the pressure, a
//! lower pressure changes the LV's filling and so the orifice — and each residual costs a
//! steady-state search. Solved one at a time with fixed slopes they overshoot (the reflex's loop
//! gain is several) and ping-pong; a secant Jacobian of the pair, carried from a neighbouring
//! point that has the same physiology, makes the first correction a Newton step. Like
//! [`super::anderson`], the algebra knows nothing of hearts.

/// Unknowns at most.
pub const MAX_UNKNOWNS: usize = 2;

/// A Jacobian estimate ∂Rᵢ/∂uⱼ, in whatever units the caller scales u and R to.
pub type Jacobian = [[f64; MAX_UNKNOWNS]; MAX_UNKNOWNS];

/// Broyden iteration state: the Jacobian estimate and the last point with its residual.
#[derive(Debug, Clone, Copy)]
pub struct Broyden {
    jacobian: Jacobian,
    last: Option<([f64; MAX_UNKNOWNS], [f64; MAX_UNKNOWNS])>,
    /// Whether an update may give the Jacobian (restricted to the active unknowns): only ones
    /// that keep the signs and the rough size a physical system has are kept.
    admissible: fn(&Jacobian) -> bool,
}

impl Broyden {
    /// Start from the estimate `jacobian`.
    pub fn new(jacobian: Jacobian, admissible: fn(&Jacobian) -> bool) -> Self {
        Self {
            jacobian,
            last: None,
            admissible,
        }
    }

    /// The current Jacobian estimate (to start a neighbouring solve).
    pub fn jacobian(&self) -> Jacobian {
        self.jacobian
    }

    /// Record the residual `r` at `u` (only the `active` unknowns take part; the others have no
    /// residual and keep their value): the secant from the last point recorded updates the
    /// estimate (Broyden's rank-one update, kept only if admissible).
    pub fn observe(
        &mut self,
        u: [f64; MAX_UNKNOWNS],
        r: [f64; MAX_UNKNOWNS],
        active: [bool; MAX_UNKNOWNS],
    ) {
        let r = masked(r, active);
        if let Some((u0, r0)) = self.last {
            let du = masked(std::array::from_fn(|i| u[i] - u0[i]), active);
            let dr: [f64; MAX_UNKNOWNS] = std::array::from_fn(|i| r[i] - r0[i]);
            let du2: f64 = du.iter().map(|d| d * d).sum();
            if du2 > 0.0 {
                let mut next = self.jacobian;
                for (i, row) in next.iter_mut().enumerate().filter(|(i, _)| active[*i]) {
                    let predicted: f64 = (0..MAX_UNKNOWNS).map(|j| row[j] * du[j]).sum();
                    for (j, entry) in row.iter_mut().enumerate() {
                        *entry += (dr[i] - predicted) * du[j] / du2;
                    }
                }
                if next.iter().flatten().all(|v| v.is_finite()) && (self.admissible)(&next) {
                    self.jacobian = next;
                }
            }
        }
        self.last = Some((u, r));
    }

    /// [`Broyden::observe`], then the Newton step with the estimate: the next point. `None` if
    /// the estimate is singular on the active unknowns.
    pub fn step(
        &mut self,
        u: [f64; MAX_UNKNOWNS],
        r: [f64; MAX_UNKNOWNS],
        active: [bool; MAX_UNKNOWNS],
    ) -> Option<[f64; MAX_UNKNOWNS]> {
        self.observe(u, r, active);
        let r = masked(r, active);
        // Solve J·du = −r on the active block (inactive unknowns: identity).
        let j = |i: usize, k: usize| {
            if active[i] && active[k] {
                self.jacobian[i][k]
            } else if i == k {
                1.0
            } else {
                0.0
            }
        };
        let det = j(0, 0) * j(1, 1) - j(0, 1) * j(1, 0);
        if det == 0.0 || !det.is_finite() {
            return None;
        }
        let du = [
            -(j(1, 1) * r[0] - j(0, 1) * r[1]) / det,
            -(j(0, 0) * r[1] - j(1, 0) * r[0]) / det,
        ];
        let next: [f64; MAX_UNKNOWNS] = std::array::from_fn(|i| u[i] + du[i]);
        next.iter().all(|v| v.is_finite()).then_some(next)
    }
}

/// `v` with the inactive unknowns' entries zero.
fn masked(v: [f64; MAX_UNKNOWNS], active: [bool; MAX_UNKNOWNS]) -> [f64; MAX_UNKNOWNS] {
    std::array::from_fn(|i| if active[i] { v[i] } else { 0.0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn any(_: &Jacobian) -> bool {
        true
    }

    /// On a linear system the first step from a wrong estimate misses, and the secant updates
    /// then find the root in a few steps; started from the estimate a previous solve left,
    /// the first step lands.
    #[test]
    fn finds_the_root_of_a_coupled_pair_and_hands_on_its_estimate() {
        let a = [[-5.0, 0.8], [0.3, 1.1]];
        let root = [2.0, -1.0];
        let residual = |u: [f64; 2]| -> [f64; 2] {
            std::array::from_fn(|i| (0..2).map(|j| a[i][j] * (u[j] - root[j])).sum())
        };
        let mut solver = Broyden::new([[-2.0, 0.0], [0.0, 1.0]], any);
        let mut u = [0.0, 0.0];
        let mut steps = 0;
        while residual(u).iter().any(|r| r.abs() > 1e-10) {
            u = solver.step(u, residual(u), [true, true]).expect("regular");
            steps += 1;
            assert!(steps < 12, "{u:?}");
        }
        let mut next = Broyden::new(solver.jacobian(), any);
        let u = next
            .step([1.9, -0.9], residual([1.9, -0.9]), [true, true])
            .expect("regular");
        assert!(
            (u[0] - root[0]).abs() < 0.02 && (u[1] - root[1]).abs() < 0.02,
            "{u:?}"
        );
    }

    #[test]
    fn an_inactive_unknown_stays_and_one_unknown_is_the_secant_method() {
        let residual = |u: [f64; 2]| [3.0 - 4.0 * u[0], 0.0];
        let mut solver = Broyden::new([[-2.0, 0.0], [0.0, 1.0]], any);
        let u1 = solver
            .step([0.0, 7.0], residual([0.0, 7.0]), [true, false])
            .expect("regular");
        assert_eq!(u1, [1.5, 7.0], "first step with the given slope");
        let u2 = solver
            .step(u1, residual(u1), [true, false])
            .expect("regular");
        assert!((u2[0] - 0.75).abs() < 1e-12 && u2[1] == 7.0, "{u2:?}");
    }

    #[test]
    fn an_inadmissible_update_is_not_kept() {
        let negative_slope = |j: &Jacobian| j[0][0] < 0.0;
        let mut solver = Broyden::new([[-2.0, 0.0], [0.0, 1.0]], negative_slope);
        solver.step([0.0, 0.0], [1.0, 0.0], [true, false]);
        // A rising residual would make the slope positive: refused.
        solver.step([0.5, 0.0], [2.0, 0.0], [true, false]);
        assert_eq!(solver.jacobian()[0][0], -2.0);
    }
}
