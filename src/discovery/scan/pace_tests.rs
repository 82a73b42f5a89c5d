use super::*;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn limits(rate: u32, burst: u32, max_in_flight: usize) -> Limits {
    Limits {
        connect_timeout: ms(1000),
        rate_per_sec: rate,
        burst,
        max_in_flight,
        batch: 10_000,
    }
}

#[test]
fn bucket_starts_full_then_refills_at_the_rate() {
    let t0 = Instant::now();
    let mut b = TokenBucket::new(100, 10, t0);
    assert_eq!(b.available(t0), 10);
    b.take(10);
    assert_eq!(b.available(t0), 0);
    assert_eq!(b.until_next(t0), ms(10));
    assert_eq!(b.available(t0 + ms(9)), 0);
    assert_eq!(b.available(t0 + ms(10)), 1);
    assert_eq!(b.available(t0 + ms(55)), 5);
    // Never more than the burst, however long the pause.
    assert_eq!(b.available(t0 + Duration::from_secs(3600)), 10);
}

#[test]
fn bucket_keeps_fractions_across_many_small_steps() {
    let t0 = Instant::now();
    let mut b = TokenBucket::new(3, 1, t0);
    b.take(1);
    // 1/3 s in 1 µs steps: exactly one token, not zero from rounding each step.
    let mut now = t0;
    for _ in 0..333_334 {
        now += Duration::from_micros(1);
        b.available(now);
    }
    assert_eq!(b.available(now), 1);
}

#[test]
fn bucket_ignores_time_going_backwards() {
    let t0 = Instant::now() + Duration::from_secs(10);
    let mut b = TokenBucket::new(10, 5, t0);
    b.take(5);
    assert_eq!(b.available(t0 - Duration::from_secs(5)), 0);
    assert_eq!(b.available(t0 + ms(100)), 1);
}

#[test]
fn unlimited_bucket_never_limits() {
    let t0 = Instant::now();
    let mut b = TokenBucket::new(0, 1, t0);
    b.take(1_000_000);
    assert_eq!(b.available(t0), usize::MAX);
    assert_eq!(b.until_next(t0), Duration::ZERO);
}

#[test]
fn schedule_paces_starts_by_the_bucket() {
    let t0 = Instant::now();
    let mut s = Schedule::new(1000, limits(100, 20, 10_000), t0);
    let mut id = 0;
    let mut start = |s: &mut Schedule, now| {
        let n = s.starts(now);
        for _ in 0..n {
            s.started(id, now);
            id += 1;
        }
        n
    };
    assert_eq!(start(&mut s, t0), 20);
    assert_eq!(start(&mut s, t0), 0);
    assert_eq!(s.wait(t0), Some(ms(10)));
    assert_eq!(start(&mut s, t0 + ms(100)), 10);
    // One second of synthetic time at 1 ms steps starts exactly 100 more.
    let mut total = 0;
    for i in 1..=1000 {
        total += start(&mut s, t0 + ms(100 + i));
    }
    assert_eq!(total, 100);
}

#[test]
fn schedule_bounds_in_flight_and_frees_slots_on_finish() {
    let t0 = Instant::now();
    let mut s = Schedule::new(10, limits(0, 1, 3), t0);
    assert_eq!(s.starts(t0), 3);
    for id in 0..3 {
        s.started(id, t0);
    }
    assert_eq!(s.starts(t0), 0);
    assert_eq!(s.in_flight(), 3);
    s.finished(1);
    assert_eq!(s.starts(t0), 1);
    s.started(3, t0 + ms(5));
    assert_eq!(s.peak(), 3);
    // Nothing can start: the wait is the oldest deadline.
    assert_eq!(s.wait(t0 + ms(5)), Some(ms(995)));
}

#[test]
fn schedule_expires_at_the_deadline_and_not_before() {
    let t0 = Instant::now();
    let mut s = Schedule::new(3, limits(0, 1, 10), t0);
    s.started(0, t0);
    s.started(1, t0 + ms(10));
    s.started(2, t0 + ms(20));
    s.finished(1);
    assert!(s.expired(t0 + ms(999)).is_empty());
    assert_eq!(s.expired(t0 + ms(1000)), vec![0]);
    // 1 finished in time: never reported as expired.
    assert!(s.expired(t0 + ms(1015)).is_empty());
    assert!(!s.done());
    assert_eq!(s.expired(t0 + ms(5000)), vec![2]);
    assert!(s.done());
    assert_eq!(s.wait(t0 + ms(5000)), None);
}

#[test]
fn schedule_counts_skipped_targets_and_ends() {
    let t0 = Instant::now();
    let mut s = Schedule::new(2, limits(10, 1, 10), t0);
    assert_eq!(s.starts(t0), 1);
    s.skipped();
    // The skipped start cost its token.
    assert_eq!(s.starts(t0), 0);
    assert_eq!(s.wait(t0), Some(ms(100)));
    assert_eq!(s.starts(t0 + ms(100)), 1);
    s.skipped();
    assert!(s.done());
    assert_eq!(s.starts(t0 + ms(500)), 0);
}

#[test]
fn throttle_lowers_the_cap_to_what_is_open() {
    let t0 = Instant::now();
    let mut s = Schedule::new(100, limits(0, 1, 50), t0);
    assert!(!s.throttle(), "nothing in flight: waiting cannot help");
    for id in 0..7 {
        s.started(id, t0);
    }
    assert!(s.throttle());
    assert_eq!(s.cap(), 7);
    assert_eq!(s.starts(t0), 0);
    s.finished(0);
    assert_eq!(s.starts(t0), 1);
}

#[test]
fn schedule_batches_starts() {
    let t0 = Instant::now();
    let mut l = limits(0, 1, 10_000);
    l.batch = 256;
    let mut s = Schedule::new(1000, l, t0);
    assert_eq!(s.starts(t0), 256);
}

#[test]
fn fd_budget_raises_only_as_needed() {
    // 1024 soft, 524288 hard (systemd's default): 2048 wanted, 10 open, 64 reserved.
    assert_eq!(
        fd_budget(2048, 10, 1024, 524_288, 64),
        FdBudget {
            raise_to: Some(2048 + 10 + 64),
            max_in_flight: 2048
        }
    );
    // Enough already: no change.
    assert_eq!(
        fd_budget(500, 10, 20_000, 20_000, 64),
        FdBudget {
            raise_to: None,
            max_in_flight: 500
        }
    );
    // Hard limit too low: raise to it, cap at what is left.
    assert_eq!(
        fd_budget(8000, 100, 1024, 4096, 64),
        FdBudget {
            raise_to: Some(4096),
            max_in_flight: 4096 - 100 - 64
        }
    );
    // soft == hard, small: the cap shrinks but never below one socket.
    assert_eq!(fd_budget(8000, 100, 256, 256, 64).max_in_flight, 92);
    assert_eq!(fd_budget(8000, 300, 256, 256, 64).max_in_flight, 1);
}

#[test]
fn paced_in_flight_is_burst_plus_one_timeout_of_rate() {
    assert_eq!(paced_in_flight(0, 512, ms(1500)), None);
    assert_eq!(paced_in_flight(300, 512, ms(1500)), Some(512 + 450 + 1));
}

#[test]
fn neighbour_pacing_fits_the_default_table() {
    // Default gc_thresh3 with a few entries in use, two ports per host.
    let p = neighbour_pacing(1024, 20, 2);
    assert_eq!(
        p,
        Pacing {
            rate_per_sec: 300,
            burst: 502
        }
    );
    // Burst plus one entry lifetime of the rate stays below the table with room to spare.
    let hosts = u64::from(p.burst) / 2 + u64::from(p.rate_per_sec) / 2 * UNRESOLVED_NEIGH_SECS;
    assert!(hosts + 20 < 1024 * 9 / 10, "{hosts}");
    // One port: the same hosts per second, half the connects.
    assert_eq!(neighbour_pacing(1024, 20, 1).rate_per_sec, 150);
    // A raised table allows a /20 (4094 hosts) in a few seconds.
    let big = neighbour_pacing(16_384, 0, 2);
    let secs = (4094.0 - f64::from(big.burst) / 2.0) / (f64::from(big.rate_per_sec) / 2.0);
    assert!(secs < 1.0, "{big:?}: {secs}");
    // A full table still lets the scan crawl (10 hosts/s), never zero (= unlimited).
    assert_eq!(
        neighbour_pacing(1024, 5000, 2),
        Pacing {
            rate_per_sec: 20,
            burst: 2
        }
    );
}
