//! Health checks spread over their period, with a bound on the sockets they hold: owns the
//! queue of quick checks (or stream validations) that a round handed out and when each may
//! go, and which are running. Pure: the caller passes `now` and a seed, takes the jobs that
//! are due, and says when each is answered.
//!
//! Each camera gets a fixed phase inside the round's window, drawn from a hash of its id and
//! a seed chosen at start: the checks of 250 cameras are spread over the period, not sent in
//! a burst, a camera is checked at the same point of every round (so the time between two of
//! its checks stays the period, which the offline threshold relies on), and two gateways
//! (or two restarts) do not pick the same phases. At most `max_in_flight` jobs run at once;
//! a job that is due while the bound is reached waits for an answer. A job never answered
//! (its worker lost) stops counting after its `lost_after`.
use std::collections::{HashSet, VecDeque};
use std::time::{Duration, Instant};

/// A job with the camera it is for.
pub trait Keyed {
    /// The camera id: one job per camera waits or runs at a time.
    fn key(&self) -> &str;
}

/// The jobs of the current rounds and the running ones.
#[derive(Debug)]
pub struct Pacer<J> {
    seed: u64,
    max_in_flight: usize,
    lost_after: Duration,
    /// Waiting jobs, by due time (earliest first).
    queue: VecDeque<(Instant, J)>,
    /// Running jobs: camera id and when they stop counting.
    running: Vec<(String, Instant)>,
    /// The cameras with a job waiting or running.
    busy: HashSet<String>,
}

impl<J: Keyed> Pacer<J> {
    /// A pacer running at most `max_in_flight` jobs (at least 1), a job counting as lost
    /// `lost_after` after it started; phases drawn from `seed`.
    #[must_use]
    pub fn new(seed: u64, max_in_flight: usize, lost_after: Duration) -> Self {
        Pacer {
            seed,
            max_in_flight: max_in_flight.max(1),
            lost_after,
            queue: VecDeque::new(),
            running: Vec::new(),
            busy: HashSet::new(),
        }
    }

    /// Where in a window of `window` the camera `key` is checked: a fraction of it from a
    /// hash of the key and the seed (FNV-1a, then a SplitMix64 finaliser).
    #[must_use]
    pub fn phase(&self, key: &str, window: Duration) -> Duration {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ self.seed;
        for b in key.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        h ^= h >> 31;
        // The top 32 bits as a fraction of the window, in nanoseconds (exact to < 1 ns/s).
        let nanos = window.as_nanos().min(u128::from(u64::MAX)) as u64;
        let frac = (u128::from(nanos) * u128::from(h >> 32)) >> 32;
        Duration::from_nanos(frac as u64)
    }

    /// A round that starts at `now`: each job is due at `now` plus its camera's phase in
    /// `window`. A camera whose job still waits or runs from an earlier round gets no second
    /// one; the count of those is returned (a sign the checks fall behind).
    pub fn plan(&mut self, jobs: Vec<J>, now: Instant, window: Duration) -> usize {
        let mut skipped = 0;
        for job in jobs {
            if !self.busy.insert(job.key().to_owned()) {
                skipped += 1;
                continue;
            }
            let due = now + self.phase(job.key(), window);
            self.queue.push_back((due, job));
        }
        // Stable: equal times keep their order.
        self.queue.make_contiguous().sort_by_key(|(due, _)| *due);
        skipped
    }

    /// The jobs due at `now`, as many as the bound allows; they count as running.
    pub fn due(&mut self, now: Instant) -> Vec<J> {
        let busy = &mut self.busy;
        self.running.retain(|(key, lost)| {
            let keep = *lost > now;
            if !keep {
                busy.remove(key);
            }
            keep
        });
        let mut out = Vec::new();
        while self.running.len() < self.max_in_flight {
            match self.queue.front() {
                Some((due, _)) if *due <= now => {}
                _ => break,
            }
            let Some((_, job)) = self.queue.pop_front() else {
                break;
            };
            self.running
                .push((job.key().to_owned(), now + self.lost_after));
            out.push(job);
        }
        out
    }

    /// The job for camera `key` was answered: its slot is free.
    pub fn answered(&mut self, key: &str) {
        if let Some(i) = self.running.iter().position(|(k, _)| k == key) {
            self.running.swap_remove(i);
            self.busy.remove(key);
        }
    }

    /// When [`due`](Self::due) has something to hand out next: the first waiting job's time,
    /// or, at the bound, when the first running job counts as lost (an answer comes sooner).
    #[must_use]
    pub fn next(&self) -> Option<Instant> {
        let first = self.queue.front().map(|(d, _)| *d)?;
        if self.running.len() < self.max_in_flight {
            Some(first)
        } else {
            self.running
                .iter()
                .map(|(_, l)| *l)
                .min()
                .map(|l| l.max(first))
        }
    }

    /// How many jobs wait and run.
    #[must_use]
    pub fn counts(&self) -> (usize, usize) {
        (self.queue.len(), self.running.len())
    }
}

#[cfg(test)]
#[path = "pacer_tests.rs"]
mod tests;
