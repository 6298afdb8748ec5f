//! `--shard I/N`: a deterministic 1/N of a sweep, for running one sweep on several machines.
//!
//! Why chunks and not points: a chunk of consecutive points is a warm-start chain (see
//! `chain`), so splitting by chunk (chunk c goes to shard c mod N + 1) gives every point exactly
//! the result it has in an unsharded run, and `merge` can check each row came from its shard.

use std::fmt;
use std::str::FromStr;

/// Default points per chunk (sweep file `chunk_points`): the unit of warm starting,
/// parallelism, sharding and resume. Part of the sweep (and recorded in sweep.json) because
/// results depend on it: a chunk's first point starts from the base scenario. Longer chunks mean
/// fewer such starts (16 → 64 cut the beats per point by 9 %), shorter ones more parallelism for
/// small sweeps.
pub const DEFAULT_CHUNK_POINTS: u64 = 64;

/// Shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// The whole sweep.
    pub const ALL: Shard = Shard { index: 1, count: 1 };

    /// Whether chunk `chunk` (0-based) is this shard's.
    pub fn owns_chunk(&self, chunk: u64) -> bool {
        chunk % self.count == self.index - 1
    }

    /// Whether point `index` is this shard's, in chunks of `chunk_points`.
    pub fn owns_point(&self, index: u64, chunk_points: u64) -> bool {
        self.owns_chunk(index / chunk_points)
    }

    /// How many of `points` points are this shard's, in chunks of `chunk_points`.
    pub fn points_of(&self, points: u64, chunk_points: u64) -> u64 {
        let full_chunks = points / chunk_points;
        let rest = points % chunk_points;
        let owned_full =
            full_chunks / self.count + u64::from(full_chunks % self.count > self.index - 1);
        owned_full * chunk_points
            + if self.owns_chunk(full_chunks) {
                rest
            } else {
                0
            }
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("{s:?}: expected I/N with 1 ≤ I ≤ N, e.g. 2/8");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u64 = i.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_i_of_n() {
        assert_eq!("2/8".parse(), Ok(Shard { index: 2, count: 8 }));
        for bad in ["0/2", "3/2", "1", "a/b", "1/0", "-1/2"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn shards_partition_the_points() {
        for chunk in [1, 16, DEFAULT_CHUNK_POINTS] {
            for points in [0, 1, 15, 16, 17, 100, 1000] {
                for count in 1..=5 {
                    let shards: Vec<Shard> =
                        (1..=count).map(|index| Shard { index, count }).collect();
                    for i in 0..points {
                        let owners = shards.iter().filter(|s| s.owns_point(i, chunk)).count();
                        assert_eq!(owners, 1);
                    }
                    for s in &shards {
                        let owned = (0..points).filter(|&i| s.owns_point(i, chunk)).count();
                        assert_eq!(s.points_of(points, chunk), owned as u64, "{s} of {points}");
                    }
                }
            }
        }
    }
}
