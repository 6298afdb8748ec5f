//! Anderson acceleration of a fixed-point map x ↦ x + f(x): a memory of secant pairs and the
//! extrapolated next iterate.
//!
//! Why its own module: the algebra (a small least-squares problem per beat) is independent of
//! hearts and beats; [`super::accelerated`] decides what x is and when to use the memory.

/// A point of the map's domain: one coordinate per state variable (see
/// [`super::accelerated`] for their scaling).
pub type Coords = [f64; crate::model::N_STATE];

/// Secant memory: pairs (Δx, Δf) of successive iterates x and of their changes f = F(x) − x.
/// Carried from one run to the next, it lets a neighbouring parameter point (whose map is almost
/// the same) jump towards its fixed point from its first beat on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SecantMemory {
    pairs: Vec<(Coords, Coords)>,
}

impl SecantMemory {
    /// Pairs kept (Anderson depth).
    pub const DEPTH: usize = 6;

    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    pub fn clear(&mut self) {
        self.pairs.clear();
    }

    /// Keep the pair (Δx, Δf), dropping the oldest beyond [`SecantMemory::DEPTH`].
    pub fn push(&mut self, dx: Coords, df: Coords) {
        if self.pairs.len() == Self::DEPTH {
            self.pairs.remove(0);
        }
        self.pairs.push((dx, df));
    }

    /// The Anderson (type II) update from `x` with change `f`: γ minimises |f − ΔF·γ| and the
    /// next iterate is x + f − (ΔX + ΔF)·γ. `None` when the least-squares system is singular
    /// or the result is not finite.
    pub fn next_iterate(&self, x: &Coords, f: &Coords) -> Option<Coords> {
        const D: usize = SecantMemory::DEPTH;
        let k = self.pairs.len();
        let dot = |a: &Coords, b: &Coords| a.iter().zip(b).map(|(u, v)| u * v).sum::<f64>();
        let mut a = [[0.0; D]; D];
        let mut b = [0.0; D];
        for (p, (_, dfp)) in self.pairs.iter().enumerate() {
            for (q, (_, dfq)) in self.pairs.iter().enumerate() {
                a[p][q] = dot(dfp, dfq);
            }
            b[p] = dot(dfp, f);
        }
        // A relative ridge keeps nearly parallel secants from blowing γ up.
        let ridge = 1e-8 * (0..k).map(|p| a[p][p]).fold(0.0, f64::max);
        for (p, row) in a.iter_mut().enumerate().take(k) {
            row[p] += ridge;
        }
        let gamma = solve_small(&mut a, &mut b, k)?;
        let mut next: Coords = std::array::from_fn(|i| x[i] + f[i]);
        for (g, (dx, df)) in gamma.iter().zip(&self.pairs) {
            for i in 0..next.len() {
                next[i] -= g * (dx[i] + df[i]);
            }
        }
        next.iter().all(|v| v.is_finite()).then_some(next)
    }
}

/// Gaussian elimination with partial pivoting on the leading k×k block.
pub(crate) fn solve_small<const M: usize>(
    a: &mut [[f64; M]; M],
    b: &mut [f64; M],
    k: usize,
) -> Option<[f64; M]> {
    for c in 0..k {
        let p = (c..k).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[p][c] == 0.0 || !a[p][c].is_finite() {
            return None;
        }
        a.swap(c, p);
        b.swap(c, p);
        let pivot = a[c];
        for r in c + 1..k {
            let m = a[r][c] / pivot[c];
            for (arj, pj) in a[r][c..k].iter_mut().zip(&pivot[c..k]) {
                *arj -= m * pj;
            }
            b[r] -= m * b[c];
        }
    }
    let mut x = [0.0; M];
    for r in (0..k).rev() {
        let s: f64 = (r + 1..k).map(|j| a[r][j] * x[j]).sum();
        x[r] = (b[r] - s) / a[r][r];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On an affine map F(x) = A·x + c, Anderson with enough secants is a secant method (like
    /// GMRES, about one iteration per distinct eigenvalue): a handful of iterations give the
    /// fixed point to round-off, where plain iteration would still be off by 0.78⁸ ≈ 14 %.
    #[test]
    fn solves_an_affine_map_from_its_secants() {
        let n = crate::model::N_STATE;
        // A diagonal contraction with a slow mode, like the heart's beat map.
        let rates = [0.78, 0.35, 0.25, -0.18];
        let map = |x: &Coords| -> Coords {
            std::array::from_fn(|i| {
                let lambda = if i < rates.len() { rates[i] } else { 0.0 };
                lambda * x[i] + (i as f64 + 1.0)
            })
        };
        let fixed: Coords = std::array::from_fn(|i| {
            let lambda = if i < rates.len() { rates[i] } else { 0.0 };
            (i as f64 + 1.0) / (1.0 - lambda)
        });
        let mut memory = SecantMemory::new();
        let mut x: Coords = [0.0; crate::model::N_STATE];
        let mut previous: Option<(Coords, Coords)> = None;
        for _ in 0..8 {
            let fx = map(&x);
            let f: Coords = std::array::from_fn(|i| fx[i] - x[i]);
            if let Some((xp, fp)) = previous {
                memory.push(
                    std::array::from_fn(|i| x[i] - xp[i]),
                    std::array::from_fn(|i| f[i] - fp[i]),
                );
            }
            previous = Some((x, f));
            x = if memory.is_empty() {
                fx
            } else {
                memory.next_iterate(&x, &f).expect("regular")
            };
        }
        let worst = (0..n).map(|i| (x[i] - fixed[i]).abs()).fold(0.0, f64::max);
        assert!(worst < 1e-6, "{x:?} vs {fixed:?}");
    }

    #[test]
    fn a_singular_system_gives_none() {
        let mut memory = SecantMemory::new();
        memory.push([0.0; crate::model::N_STATE], [0.0; crate::model::N_STATE]);
        assert_eq!(
            memory.next_iterate(&[1.0; crate::model::N_STATE], &[0.0; crate::model::N_STATE]),
            None
        );
    }
}
