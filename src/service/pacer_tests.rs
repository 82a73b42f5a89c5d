use super::*;

#[derive(Debug, Clone, PartialEq)]
struct Job(String);

impl Keyed for Job {
    fn key(&self) -> &str {
        &self.0
    }
}

fn jobs(n: usize) -> Vec<Job> {
    (0..n).map(|i| Job(format!("cam{i:04}"))).collect()
}

const PERIOD: Duration = Duration::from_secs(60);
const LOST: Duration = Duration::from_secs(10);

/// Runs one round of `n` jobs over PERIOD in 100 ms steps, each job answered `answer_after`
/// after it went out (`None`: never). Returns when each went out (ms after the round
/// started) and the most that ran at once.
fn run_round(p: &mut Pacer<Job>, n: usize, answer_after: Option<u64>) -> (Vec<u64>, usize) {
    let t0 = Instant::now();
    p.plan(jobs(n), t0, PERIOD);
    let mut out = Vec::new();
    let mut pending: Vec<(u64, String)> = Vec::new();
    let mut most = 0;
    for step in 0..=1200u64 {
        let ms = step * 100;
        let now = t0 + Duration::from_millis(ms);
        pending.retain(|(at, key)| {
            let done = *at <= ms;
            if done {
                p.answered(key);
            }
            !done
        });
        for j in p.due(now) {
            out.push(ms);
            if let Some(a) = answer_after {
                pending.push((ms + a, j.0));
            }
        }
        most = most.max(p.counts().1);
    }
    (out, most)
}

#[test]
fn a_round_of_250_is_spread_over_the_period_not_sent_in_a_burst() {
    let mut p = Pacer::new(7, 16, LOST);
    let (out, most) = run_round(&mut p, 250, Some(200));
    assert_eq!(out.len(), 250, "every camera checked once in the round");
    assert!(
        out.iter().all(|ms| *ms <= 60_000),
        "all inside the period (100 ms steps)"
    );
    // Ten slices of 6 s: a uniform spread puts 25 in each; none gets more than twice that.
    let mut slices = [0usize; 10];
    for ms in &out {
        slices[((*ms / 6000) as usize).min(9)] += 1;
    }
    assert!(slices.iter().all(|s| (5..=50).contains(s)), "{slices:?}");
    assert!(most <= 16, "{most}");
    assert_eq!(p.counts(), (0, 0));
}

#[test]
fn a_camera_keeps_its_phase_from_round_to_round_and_seeds_differ() {
    let a = Pacer::<Job>::new(1, 4, LOST);
    let b = Pacer::<Job>::new(2, 4, LOST);
    let ka = a.phase("cam0001", PERIOD);
    assert_eq!(ka, a.phase("cam0001", PERIOD));
    assert!(ka < PERIOD);
    let same = (0..100)
        .filter(|i| {
            let k = format!("cam{i}");
            a.phase(&k, PERIOD) == b.phase(&k, PERIOD)
        })
        .count();
    assert_eq!(same, 0, "two seeds, two sets of phases");
    assert_eq!(a.phase("x", Duration::ZERO), Duration::ZERO);
}

#[test]
fn the_bound_holds_when_checks_are_slow_and_lost_jobs_free_their_slot() {
    // Every check takes 5 s (a timeout): 16 at most at once, the rest wait.
    let mut p = Pacer::new(3, 16, LOST);
    let (out, most) = run_round(&mut p, 250, Some(5000));
    assert_eq!(most, 16);
    let in_period = out.iter().filter(|ms| **ms < 60_000).count();
    assert!(
        in_period < 250,
        "at 16 × 5 s a round of 250 takes 78 s: {in_period}"
    );
    assert_eq!(out.len(), 250, "and it does finish, late");
    // Never answered: each slot frees after LOST, so the round still moves on.
    let mut q = Pacer::new(3, 4, LOST);
    let (out, most) = run_round(&mut q, 20, None);
    assert_eq!(most, 4);
    assert_eq!(out.len(), 20, "all out within the 120 s");
}

#[test]
fn a_camera_still_waiting_or_running_gets_no_second_job() {
    let t0 = Instant::now();
    let mut p = Pacer::new(9, 2, LOST);
    assert_eq!(p.plan(jobs(3), t0, Duration::ZERO), 0);
    let first = p.due(t0);
    assert_eq!(first.len(), 2, "the bound");
    assert_eq!(p.plan(jobs(3), t0, Duration::ZERO), 3, "two run, one waits");
    assert_eq!(p.counts(), (1, 2));
    // At the bound: the next chance is when a running one counts as lost.
    assert_eq!(p.next(), Some(t0 + LOST));
    p.answered(&first[0].0);
    assert_eq!(p.next(), Some(t0));
    assert_eq!(p.due(t0).len(), 1);
    assert_eq!(p.counts(), (0, 2));
    p.answered("not running");
    assert_eq!(p.counts(), (0, 2));
}

#[test]
fn next_is_the_first_due_time_and_nothing_goes_early() {
    let t0 = Instant::now();
    let mut p = Pacer::new(5, 8, LOST);
    assert_eq!(p.next(), None);
    p.plan(jobs(5), t0, PERIOD);
    let first = p.next().expect("queued");
    assert!(first >= t0 && first < t0 + PERIOD);
    assert!(p.due(first - Duration::from_nanos(1)).is_empty());
    assert!(!p.due(first).is_empty());
}
