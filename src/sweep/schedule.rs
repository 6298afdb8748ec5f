//! Which chunk a sweep worker computes next: the shard's pending chunks, handed out one at a
//! time in index order to whichever worker is free.
//!
//! Why not a parallel iterator over the chunk range: it splits the range once per thread up
//! front and, in practice, a worker that finished its half did not take over chunks of the
//! other's (a 1000-point grid: one thread idle for the last third of the sweep, 1.6× from 1 to
//! 2 threads). Chunks cost from 50 to 150 ms each, so taking the next one from a shared counter
//! keeps every worker busy until the last chunk and costs one atomic add per chunk. Which worker
//! computes a chunk never changes its rows (a chunk's points depend only on the chunk).

use std::sync::atomic::{AtomicU64, Ordering};

use super::resume::{chunk_count, Done};
use super::shard::Shard;

/// The chunks still to compute, in index order.
pub struct ChunkQueue<'a> {
    /// The next of this shard's chunks to look at, counted within the shard (its k-th chunk is
    /// chunk `shard.index - 1 + k · shard.count`).
    next: AtomicU64,
    chunks: u64,
    shard: Shard,
    done: Option<&'a Done>,
}

impl<'a> ChunkQueue<'a> {
    /// The chunks of `shard` of a sweep of `points` points in chunks of `chunk_points`, less
    /// those `done` (a resumed sweep) already holds complete.
    pub fn new(points: u64, chunk_points: u64, shard: Shard, done: Option<&'a Done>) -> Self {
        Self {
            next: AtomicU64::new(0),
            chunks: chunk_count(points, chunk_points),
            shard,
            done,
        }
    }

    /// The next chunk to compute, or `None` when every one has been handed out.
    pub fn next_chunk(&self) -> Option<u64> {
        loop {
            let k = self.next.fetch_add(1, Ordering::Relaxed);
            let chunk = k
                .checked_mul(self.shard.count)
                .and_then(|c| c.checked_add(self.shard.index - 1))
                .filter(|&c| c < self.chunks)?;
            if self.done.is_none_or(|d| !d.chunk_complete(chunk)) {
                return Some(chunk);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(q: &ChunkQueue<'_>) -> Vec<u64> {
        std::iter::from_fn(|| q.next_chunk()).collect()
    }

    #[test]
    fn every_chunk_of_the_shard_once_in_order() {
        assert_eq!(
            drain(&ChunkQueue::new(1000, 64, Shard::ALL, None)),
            (0..16).collect::<Vec<_>>()
        );
        let second_of_three = Shard { index: 2, count: 3 };
        assert_eq!(
            drain(&ChunkQueue::new(1000, 64, second_of_three, None)),
            [1, 4, 7, 10, 13]
        );
        assert_eq!(
            drain(&ChunkQueue::new(0, 64, Shard::ALL, None)),
            Vec::<u64>::new()
        );
        // Once empty, it stays empty.
        let q = ChunkQueue::new(10, 4, Shard::ALL, None);
        assert_eq!(drain(&q), [0, 1, 2]);
        assert_eq!(q.next_chunk(), None);
    }

    #[test]
    fn chunks_already_complete_are_skipped() {
        let mut done = Done::new(40, 16);
        for i in 0..16 {
            done.insert(i).unwrap(); // chunk 0 complete
        }
        done.insert(20).unwrap(); // chunk 1 only begun
        assert_eq!(
            drain(&ChunkQueue::new(40, 16, Shard::ALL, Some(&done))),
            [1, 2]
        );
    }

    #[test]
    fn workers_on_several_threads_share_the_chunks_without_overlap() {
        let q = ChunkQueue::new(100_000, 7, Shard::ALL, None);
        let mut all: Vec<u64> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..4).map(|_| s.spawn(|| drain(&q))).collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().unwrap())
                .collect()
        });
        all.sort_unstable();
        assert_eq!(all, (0..chunk_count(100_000, 7)).collect::<Vec<_>>());
    }

    #[test]
    fn a_sweep_of_u64_max_points_does_not_overflow() {
        let q = ChunkQueue::new(u64::MAX, 1, Shard { index: 3, count: 3 }, None);
        assert_eq!(q.next_chunk(), Some(2));
        q.next.store(u64::MAX / 3, Ordering::Relaxed);
        assert_eq!(q.next_chunk(), None);
    }
}
