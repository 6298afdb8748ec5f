//! Contour lines of a value on a rectangular grid, by marching squares.
//!
//! Why our own: the plotters features we use have no contouring, and a grid sweep is small
//! (tens to a few thousand nodes), so the plain algorithm is enough. Within a cell the value is
//! taken as varying linearly along each edge; a saddle cell (two opposite corners above the
//! level) is resolved by the mean of its corners. Cells with a missing corner (a failed point)
//! are left out, so a contour stops there rather than guessing.

use std::collections::HashMap;

/// An edge of the grid: horizontal from node (i, j) to (i + 1, j), or vertical from (i, j) to
/// (i, j + 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Edge {
    H(usize, usize),
    V(usize, usize),
}

/// The polylines where the value crosses `level`, in data coordinates. `z[j][i]` is the value at
/// (`xs[i]`, `ys[j]`); `xs` and `ys` increase. A closed contour repeats its first point last.
pub fn contour(xs: &[f64], ys: &[f64], z: &[Vec<Option<f64>>], level: f64) -> Vec<Vec<(f64, f64)>> {
    let value = |i: usize, j: usize| z.get(j).and_then(|row| row.get(i)).copied().flatten();
    let crossing = |e: Edge| -> (f64, f64) {
        let ((i0, j0), (i1, j1)) = match e {
            Edge::H(i, j) => ((i, j), (i + 1, j)),
            Edge::V(i, j) => ((i, j), (i, j + 1)),
        };
        let (a, b) = (value(i0, j0).unwrap_or(0.0), value(i1, j1).unwrap_or(0.0));
        let t = if b != a { (level - a) / (b - a) } else { 0.5 };
        (
            xs[i0] + t * (xs[i1] - xs[i0]),
            ys[j0] + t * (ys[j1] - ys[j0]),
        )
    };

    let mut segments: Vec<(Edge, Edge)> = Vec::new();
    for j in 0..ys.len().saturating_sub(1) {
        for i in 0..xs.len().saturating_sub(1) {
            // Corners counter-clockwise from the bottom left; edge k runs from corner k to k + 1.
            let corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)];
            let Some(v) = corners
                .iter()
                .map(|&(a, b)| value(a, b))
                .collect::<Option<Vec<f64>>>()
            else {
                continue;
            };
            let inside: Vec<bool> = v.iter().map(|&x| x >= level).collect();
            let edges = [
                Edge::H(i, j),
                Edge::V(i + 1, j),
                Edge::H(i, j + 1),
                Edge::V(i, j),
            ];
            let crossed: Vec<usize> = (0..4)
                .filter(|&k| inside[k] != inside[(k + 1) % 4])
                .collect();
            match crossed.len() {
                2 => segments.push((edges[crossed[0]], edges[crossed[1]])),
                4 => {
                    // Saddle: cut off the corners on the other side than the cell's centre.
                    let centre = v.iter().sum::<f64>() / 4.0 >= level;
                    for k in (0..4).filter(|&k| inside[k] != centre) {
                        segments.push((edges[(k + 3) % 4], edges[k]));
                    }
                }
                _ => {}
            }
        }
    }

    // Join segments that share an edge crossing into polylines.
    let mut at_edge: HashMap<Edge, Vec<usize>> = HashMap::new();
    for (s, (a, b)) in segments.iter().enumerate() {
        at_edge.entry(*a).or_default().push(s);
        at_edge.entry(*b).or_default().push(s);
    }
    let mut used = vec![false; segments.len()];
    let next = |edge: Edge, used: &[bool]| {
        at_edge
            .get(&edge)
            .and_then(|list| list.iter().copied().find(|&s| !used[s]))
    };
    let mut lines = Vec::new();
    for start in 0..segments.len() {
        if used[start] {
            continue;
        }
        used[start] = true;
        let (a, b) = segments[start];
        let mut chain = std::collections::VecDeque::from([a, b]);
        // Grow forward from b, then backward from a.
        for forward in [true, false] {
            loop {
                let end = if forward {
                    chain[chain.len() - 1]
                } else {
                    chain[0]
                };
                let Some(s) = next(end, &used) else { break };
                used[s] = true;
                let (p, q) = segments[s];
                let other = if p == end { q } else { p };
                if forward {
                    chain.push_back(other);
                } else {
                    chain.push_front(other);
                }
            }
        }
        lines.push(chain.into_iter().map(crossing).collect());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(f: impl Fn(f64, f64) -> f64, n: usize) -> (Vec<f64>, Vec<f64>, Vec<Vec<Option<f64>>>) {
        let xs: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let ys = xs.clone();
        let z = ys
            .iter()
            .map(|&y| xs.iter().map(|&x| Some(f(x, y))).collect())
            .collect();
        (xs, ys, z)
    }

    #[test]
    fn a_plane_gives_one_straight_line_through_the_crossings() {
        let (xs, ys, z) = grid(|x, y| x + 2.0 * y, 5);
        let lines = contour(&xs, &ys, &z, 3.0);
        assert_eq!(lines.len(), 1);
        let line = &lines[0];
        assert!(line.len() >= 3);
        for &(x, y) in line {
            assert!((x + 2.0 * y - 3.0).abs() < 1e-12, "({x}, {y})");
        }
    }

    #[test]
    fn a_bump_gives_a_closed_ring_and_missing_nodes_break_it() {
        let (xs, ys, mut z) = grid(|x, y| -((x - 3.0).powi(2) + (y - 3.0).powi(2)), 7);
        let lines = contour(&xs, &ys, &z, -4.0);
        assert_eq!(lines.len(), 1);
        let ring = &lines[0];
        assert_eq!(ring.first(), ring.last(), "closed");
        for &(x, y) in ring {
            let r = ((x - 3.0).powi(2) + (y - 3.0).powi(2)).sqrt();
            assert!((1.7..=2.1).contains(&r), "r = {r}");
        }
        z[3][5] = None;
        let lines = contour(&xs, &ys, &z, -4.0);
        assert_eq!(lines.len(), 1);
        assert_ne!(
            lines[0].first(),
            lines[0].last(),
            "opened by the missing node"
        );
        assert!(contour(&xs, &ys, &z, 10.0).is_empty());
    }
}
