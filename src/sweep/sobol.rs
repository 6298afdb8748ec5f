//! The Sobol' low-discrepancy sequence, point by point (random access by index).
//!
//! Why our own ~100 lines: sweeps need point `i` without generating the points before it (chunks
//! run in any order, shards and resume skip most of them) and f64 output for millions of points;
//! the crates we looked at are sequential-only or limited to 2^16 points and f32. Direction
//! numbers: Joe & Kuo (2008), "Constructing Sobol sequences with better two-dimensional
//! projections", SIAM J Sci Comput 30:2635, file new-joe-kuo-6.21201, dimensions 2 to 64
//! (dimension 1 is the van der Corput sequence). Points are in Gray-code order (as in Bratley &
//! Fox, Algorithm 659, and scipy.stats.qmc.Sobol), so every prefix of 2^m points is a (t, m, s)-net.

/// Number of dimensions supported (axes of a `sobol` sweep).
pub const MAX_DIMS: usize = 64;

/// Bits of each coordinate: up to 2^32 points.
const BITS: usize = 32;

/// (degree s, coefficients a, initial m_1..m_s) for dimensions 2..=64, from new-joe-kuo-6.21201.
#[rustfmt::skip]
const JOE_KUO: [(u32, u32, &[u32]); MAX_DIMS - 1] = [
    (1, 0, &[1]),
    (2, 1, &[1, 3]),
    (3, 1, &[1, 3, 1]),
    (3, 2, &[1, 1, 1]),
    (4, 1, &[1, 1, 3, 3]),
    (4, 4, &[1, 3, 5, 13]),
    (5, 2, &[1, 1, 5, 5, 17]),
    (5, 4, &[1, 1, 5, 5, 5]),
    (5, 7, &[1, 1, 7, 11, 19]),
    (5, 11, &[1, 1, 5, 1, 1]),
    (5, 13, &[1, 1, 1, 3, 11]),
    (5, 14, &[1, 3, 5, 5, 31]),
    (6, 1, &[1, 3, 3, 9, 7, 49]),
    (6, 13, &[1, 1, 1, 15, 21, 21]),
    (6, 16, &[1, 3, 1, 13, 27, 49]),
    (6, 19, &[1, 1, 1, 15, 7, 5]),
    (6, 22, &[1, 3, 1, 15, 13, 25]),
    (6, 25, &[1, 1, 5, 5, 19, 61]),
    (7, 1, &[1, 3, 7, 11, 23, 15, 103]),
    (7, 4, &[1, 3, 7, 13, 13, 15, 69]),
    (7, 7, &[1, 1, 3, 13, 7, 35, 63]),
    (7, 8, &[1, 3, 5, 9, 1, 25, 53]),
    (7, 14, &[1, 3, 1, 13, 9, 35, 107]),
    (7, 19, &[1, 3, 1, 5, 27, 61, 31]),
    (7, 21, &[1, 1, 5, 11, 19, 41, 61]),
    (7, 28, &[1, 3, 5, 3, 3, 13, 69]),
    (7, 31, &[1, 1, 7, 13, 1, 19, 1]),
    (7, 32, &[1, 3, 7, 5, 13, 19, 59]),
    (7, 37, &[1, 1, 3, 9, 25, 29, 41]),
    (7, 41, &[1, 3, 5, 13, 23, 1, 55]),
    (7, 42, &[1, 3, 7, 3, 13, 59, 17]),
    (7, 50, &[1, 3, 1, 3, 5, 53, 69]),
    (7, 55, &[1, 1, 5, 5, 23, 33, 13]),
    (7, 56, &[1, 1, 7, 7, 1, 61, 123]),
    (7, 59, &[1, 1, 7, 9, 13, 61, 49]),
    (7, 62, &[1, 3, 3, 5, 3, 55, 33]),
    (8, 14, &[1, 3, 1, 15, 31, 13, 49, 245]),
    (8, 21, &[1, 3, 5, 15, 31, 59, 63, 97]),
    (8, 22, &[1, 3, 1, 11, 11, 11, 77, 249]),
    (8, 38, &[1, 3, 1, 11, 27, 43, 71, 9]),
    (8, 47, &[1, 1, 7, 15, 21, 11, 81, 45]),
    (8, 49, &[1, 3, 7, 3, 25, 31, 65, 79]),
    (8, 50, &[1, 3, 1, 1, 19, 11, 3, 205]),
    (8, 52, &[1, 1, 5, 9, 19, 21, 29, 157]),
    (8, 56, &[1, 3, 7, 11, 1, 33, 89, 185]),
    (8, 67, &[1, 3, 3, 3, 15, 9, 79, 71]),
    (8, 70, &[1, 3, 7, 11, 15, 39, 119, 27]),
    (8, 84, &[1, 1, 3, 1, 11, 31, 97, 225]),
    (8, 97, &[1, 1, 1, 3, 23, 43, 57, 177]),
    (8, 103, &[1, 3, 7, 7, 17, 17, 37, 71]),
    (8, 115, &[1, 3, 1, 5, 27, 63, 123, 213]),
    (8, 122, &[1, 1, 3, 5, 11, 43, 53, 133]),
    (9, 8, &[1, 3, 5, 5, 29, 17, 47, 173, 479]),
    (9, 13, &[1, 3, 3, 11, 3, 1, 109, 9, 69]),
    (9, 16, &[1, 1, 1, 5, 17, 39, 23, 5, 343]),
    (9, 22, &[1, 3, 1, 5, 25, 15, 31, 103, 499]),
    (9, 25, &[1, 1, 1, 11, 11, 17, 63, 105, 183]),
    (9, 44, &[1, 1, 5, 11, 9, 29, 97, 231, 363]),
    (9, 47, &[1, 1, 5, 15, 19, 45, 41, 7, 383]),
    (9, 52, &[1, 3, 7, 7, 31, 19, 83, 137, 221]),
    (9, 55, &[1, 1, 1, 3, 23, 15, 111, 223, 83]),
    (9, 59, &[1, 1, 5, 13, 31, 15, 55, 25, 161]),
    (9, 62, &[1, 1, 3, 13, 25, 47, 39, 87, 257]),
];

/// Direction numbers of the first `dims` dimensions, randomised by a digital shift per
/// dimension (XOR of every point with the same word: the net structure is kept).
#[derive(Debug, Clone, PartialEq)]
pub struct Sobol {
    directions: Vec<[u32; BITS]>,
    shifts: Vec<u32>,
}

impl Sobol {
    /// `shifts`: one word per dimension (all zero for the published, unrandomised sequence).
    ///
    /// Panics if `shifts.len()` exceeds [`MAX_DIMS`] (the sweep file is checked before).
    pub fn new(shifts: Vec<u32>) -> Self {
        assert!(
            shifts.len() <= MAX_DIMS,
            "at most {MAX_DIMS} Sobol dimensions"
        );
        let directions = (0..shifts.len()).map(directions).collect();
        Self { directions, shifts }
    }

    pub fn dims(&self) -> usize {
        self.shifts.len()
    }

    /// Coordinate `dim` of point `index`, in [0, 1).
    pub fn coordinate(&self, index: u32, dim: usize) -> f64 {
        let gray = index ^ (index >> 1);
        let v = &self.directions[dim];
        let mut x = self.shifts[dim];
        for (k, vk) in v.iter().enumerate() {
            if gray >> k & 1 == 1 {
                x ^= vk;
            }
        }
        f64::from(x) / 2f64.powi(BITS as i32)
    }
}

/// V_1..V_32 of one dimension (0-based), scaled to 32-bit words.
fn directions(dim: usize) -> [u32; BITS] {
    let mut v = [0u32; BITS];
    if dim == 0 {
        for (k, vk) in v.iter_mut().enumerate() {
            *vk = 1 << (BITS - 1 - k);
        }
        return v;
    }
    let (s, a, m) = JOE_KUO[dim - 1];
    let s = s as usize;
    for k in 0..BITS {
        v[k] = if k < s {
            m[k] << (BITS - 1 - k)
        } else {
            let mut x = v[k - s] ^ (v[k - s] >> s);
            for j in 1..s {
                if (a >> (s - 1 - j)) & 1 == 1 {
                    x ^= v[k - j];
                }
            }
            x
        };
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_points_are_the_published_sequence() {
        // scipy.stats.qmc.Sobol(d=3, scramble=False).random(8)
        let expected = [
            [0.0, 0.0, 0.0],
            [0.5, 0.5, 0.5],
            [0.75, 0.25, 0.25],
            [0.25, 0.75, 0.75],
            [0.375, 0.375, 0.625],
            [0.875, 0.875, 0.125],
            [0.625, 0.125, 0.875],
            [0.125, 0.625, 0.375],
        ];
        let s = Sobol::new(vec![0; 3]);
        for (i, row) in expected.iter().enumerate() {
            for (d, x) in row.iter().enumerate() {
                assert_eq!(s.coordinate(i as u32, d), *x, "point {i}, dimension {d}");
            }
        }
    }

    #[test]
    fn every_dimension_is_stratified_in_each_power_of_two_block() {
        // A (0, m, 1)-net in every single dimension: 2^m points, one per interval of 2^-m.
        let s = Sobol::new(vec![0; MAX_DIMS]);
        let n = 256u32;
        for d in 0..MAX_DIMS {
            let mut seen = vec![false; n as usize];
            for i in 0..n {
                let cell = (s.coordinate(i, d) * f64::from(n)) as usize;
                assert!(!seen[cell], "dimension {d}: two points in cell {cell}");
                seen[cell] = true;
            }
        }
    }

    #[test]
    fn a_digital_shift_keeps_the_stratification() {
        let s = Sobol::new(vec![0x9e37_79b9, 0x7f4a_7c15]);
        for d in 0..2 {
            let mut cells: Vec<usize> = (0..64)
                .map(|i| (s.coordinate(i, d) * 64.0) as usize)
                .collect();
            cells.sort_unstable();
            assert_eq!(cells, (0..64).collect::<Vec<_>>());
        }
    }
}
