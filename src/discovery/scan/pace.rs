//! The scan's decisions, as pure functions of `now` (connect.rs reads the clock and does
//! the syscalls): a token bucket for SCAN_RATE, the [`Schedule`] that says how many
//! connects may start and which ones expired, and the file-descriptor budget.
use std::collections::{HashSet, VecDeque};
use std::time::{Duration, Instant};

const NANOS: u64 = 1_000_000_000;

/// Connects per second with a burst allowance; `rate == 0` means unlimited. Starts full.
/// Tokens are kept in billionths so refills of a few microseconds are not lost.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    rate: u64,
    cap: u64,
    nano_tokens: u64,
    last: Instant,
}

impl TokenBucket {
    /// `burst` is the bucket size in connects (at least 1).
    #[must_use]
    pub fn new(rate_per_sec: u32, burst: u32, now: Instant) -> TokenBucket {
        let cap = u64::from(burst.max(1)) * NANOS;
        TokenBucket {
            rate: u64::from(rate_per_sec),
            cap,
            nano_tokens: cap,
            last: now,
        }
    }

    #[must_use]
    pub fn unlimited(&self) -> bool {
        self.rate == 0
    }

    fn refill(&mut self, now: Instant) {
        let dt = now.saturating_duration_since(self.last);
        self.last = self.last.max(now);
        let add = u64::try_from(dt.as_nanos())
            .unwrap_or(u64::MAX)
            .saturating_mul(self.rate);
        self.nano_tokens = self.nano_tokens.saturating_add(add).min(self.cap);
    }

    /// Whole tokens available at `now` (`usize::MAX` when unlimited).
    pub fn available(&mut self, now: Instant) -> usize {
        if self.unlimited() {
            return usize::MAX;
        }
        self.refill(now);
        usize::try_from(self.nano_tokens / NANOS).unwrap_or(usize::MAX)
    }

    /// Spends `n` tokens (call after [`TokenBucket::available`] allowed them).
    pub fn take(&mut self, n: usize) {
        if !self.unlimited() {
            let n = u64::try_from(n).unwrap_or(u64::MAX);
            self.nano_tokens = self.nano_tokens.saturating_sub(n.saturating_mul(NANOS));
        }
    }

    /// How long from `now` until one whole token is there (zero if one is already).
    #[must_use]
    pub fn until_next(&self, now: Instant) -> Duration {
        if self.unlimited() {
            return Duration::ZERO;
        }
        let mut b = self.clone();
        b.refill(now);
        if b.nano_tokens >= NANOS {
            return Duration::ZERO;
        }
        let missing = NANOS - b.nano_tokens;
        Duration::from_nanos(missing.div_ceil(b.rate))
    }
}

/// Limits of one scan run.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub connect_timeout: Duration,
    pub rate_per_sec: u32,
    pub burst: u32,
    pub max_in_flight: usize,
    /// Most connects started per call of [`Schedule::starts`], so readiness events are
    /// handled between batches.
    pub batch: usize,
}

/// Bookkeeping of a scan of `total` targets: tokens, in-flight slots, deadlines. Ids are the
/// caller's (mio tokens); each is used once.
#[derive(Debug)]
pub struct Schedule {
    limits: Limits,
    bucket: TokenBucket,
    /// Targets not yet handed out.
    remaining: usize,
    cap: usize,
    live: HashSet<usize>,
    /// Start order = deadline order (one timeout for all), so a queue suffices; finished ids
    /// stay in it until their deadline passes and are skipped then.
    deadlines: VecDeque<(Instant, usize)>,
    peak: usize,
}

impl Schedule {
    #[must_use]
    pub fn new(total: usize, limits: Limits, now: Instant) -> Schedule {
        Schedule {
            limits,
            bucket: TokenBucket::new(limits.rate_per_sec, limits.burst, now),
            remaining: total,
            cap: limits.max_in_flight.max(1),
            live: HashSet::new(),
            deadlines: VecDeque::new(),
            peak: 0,
        }
    }

    /// How many connects may start at `now`: tokens, free slots, targets left, one batch.
    pub fn starts(&mut self, now: Instant) -> usize {
        let free = self.cap.saturating_sub(self.live.len());
        let n = self.remaining.min(free).min(self.limits.batch.max(1));
        if n == 0 {
            return 0;
        }
        n.min(self.bucket.available(now))
    }

    /// Connect `id` started at `now` (its deadline is `now + connect_timeout`).
    pub fn started(&mut self, id: usize, now: Instant) {
        self.bucket.take(1);
        self.remaining = self.remaining.saturating_sub(1);
        self.live.insert(id);
        self.deadlines
            .push_back((now + self.limits.connect_timeout, id));
        self.peak = self.peak.max(self.live.len());
    }

    /// A target that could not even start (counted by the caller); it costs a token.
    pub fn skipped(&mut self) {
        self.bucket.take(1);
        self.remaining = self.remaining.saturating_sub(1);
    }

    /// Out of file descriptors (or ports) with `in_flight` sockets open: the cap becomes
    /// what the process could hold. Returns `false` when nothing is in flight (waiting
    /// would not help: the caller skips the target instead).
    pub fn throttle(&mut self) -> bool {
        let n = self.live.len();
        if n == 0 {
            return false;
        }
        self.cap = n;
        true
    }

    /// Connect `id` resolved before its deadline.
    pub fn finished(&mut self, id: usize) {
        self.live.remove(&id);
    }

    /// Connects whose deadline is at or before `now`, oldest first; they are no longer live.
    pub fn expired(&mut self, now: Instant) -> Vec<usize> {
        let mut out = Vec::new();
        while let Some(&(at, id)) = self.deadlines.front() {
            if at > now {
                break;
            }
            self.deadlines.pop_front();
            if self.live.remove(&id) {
                out.push(id);
            }
        }
        out
    }

    /// How long the caller may block waiting for readiness: until the next deadline or the
    /// next token, whichever is first; `None` when the scan is over.
    #[must_use]
    pub fn wait(&self, now: Instant) -> Option<Duration> {
        if self.done() {
            return None;
        }
        // The oldest deadline, even if that connect already finished: waking for it costs
        // one empty poll and keeps this O(1).
        let deadline = self
            .deadlines
            .front()
            .map(|(at, _)| at.saturating_duration_since(now));
        let token =
            (self.remaining > 0 && self.live.len() < self.cap).then(|| self.bucket.until_next(now));
        match (deadline, token) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    #[must_use]
    pub fn done(&self) -> bool {
        self.remaining == 0 && self.live.is_empty()
    }

    #[must_use]
    pub fn in_flight(&self) -> usize {
        self.live.len()
    }

    #[must_use]
    pub fn peak(&self) -> usize {
        self.peak
    }

    #[must_use]
    pub fn cap(&self) -> usize {
        self.cap
    }
}

/// What to do with RLIMIT_NOFILE before a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FdBudget {
    /// New soft limit, when the current one is too low (never above the hard limit).
    pub raise_to: Option<u64>,
    /// Sockets the scan may hold at once.
    pub max_in_flight: usize,
}

/// Sockets for `want` connects in flight, with `open` descriptors already in use and
/// `reserve` kept free for the rest of the process: raise the soft limit only as far as
/// needed (up to `hard`), and cap the scan at what the limit leaves (at least 1).
#[must_use]
pub fn fd_budget(want: usize, open: u64, soft: u64, hard: u64, reserve: u64) -> FdBudget {
    let want64 = u64::try_from(want).unwrap_or(u64::MAX);
    let need = want64.saturating_add(open).saturating_add(reserve);
    let raise_to = (need > soft && hard > soft).then(|| need.min(hard));
    let limit = raise_to.unwrap_or(soft);
    let room = limit.saturating_sub(open).saturating_sub(reserve).max(1);
    FdBudget {
        raise_to,
        max_in_flight: usize::try_from(room.min(want64)).unwrap_or(want).max(1),
    }
}

/// Most connects a paced scan can have in flight: the burst plus what the rate adds during
/// one timeout (`None` when unlimited).
#[must_use]
pub fn paced_in_flight(rate_per_sec: u32, burst: u32, timeout: Duration) -> Option<usize> {
    if rate_per_sec == 0 {
        return None;
    }
    let during = (f64::from(rate_per_sec) * timeout.as_secs_f64()).ceil() as usize;
    Some(burst as usize + during + 1)
}

/// How long the kernel keeps an unanswered ARP entry in a state it will not reclaim:
/// INCOMPLETE for 3 probes 1 s apart (`mcast_solicit`, `retrans_time_ms`), then FAILED.
/// Measured in namespaces (benches/scan.rs): an empty on-link /20 overflows the default
/// table (1024) from ~250 new hosts/s on, i.e. an effective lifetime of about 4 s.
pub const UNRESOLVED_NEIGH_SECS: u64 = 4;

/// Share of the free neighbour-table room a scan may fill: 60 % by the steady rate, 25 % by
/// the initial burst; 15 % stays for everything else on the host (the table is shared by
/// every namespace).
const RATE_SHARE: (u64, u64) = (6, 10);
const BURST_SHARE: (u64, u64) = (1, 4);

/// SCAN_RATE and burst in connects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pacing {
    pub rate_per_sec: u32,
    pub burst: u32,
}

/// The fastest pacing that cannot overflow the kernel's IPv4 neighbour table on an on-link
/// network where nobody answers ARP: every new host holds an entry for
/// [`UNRESOLVED_NEIGH_SECS`]; past `gc_thresh3` entries new ones fail and their SYNs are
/// dropped ("neighbor table overflow"), which would miss real cameras. `entries` is the
/// table's current size; each host costs `ports_per_host` connects but one entry.
#[must_use]
pub fn neighbour_pacing(gc_thresh3: u64, entries: u64, ports_per_host: usize) -> Pacing {
    let room = gc_thresh3.saturating_sub(entries);
    let hosts_per_sec = (room * RATE_SHARE.0 / RATE_SHARE.1 / UNRESOLVED_NEIGH_SECS).max(10);
    let burst_hosts = (room * BURST_SHARE.0 / BURST_SHARE.1).max(1);
    let ports = ports_per_host.max(1) as u64;
    let clamp = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
    Pacing {
        rate_per_sec: clamp(hosts_per_sec.saturating_mul(ports)),
        burst: clamp(burst_hosts.saturating_mul(ports)),
    }
}

#[cfg(test)]
#[path = "pace_tests.rs"]
mod tests;
