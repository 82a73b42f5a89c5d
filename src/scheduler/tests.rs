//! Virtual-time runs of the scheduler alone: the phases of smart discovery, network
//! changes, SIGHUP, SMART_DISCOVERY_ENABLED=false, and the periods of the health clock.
use super::*;
use std::sync::OnceLock;

pub(super) fn t(secs: u64) -> Instant {
    static BASE: OnceLock<Instant> = OnceLock::new();
    *BASE.get_or_init(Instant::now) + Duration::from_secs(secs)
}

pub(super) fn secs_of(i: Instant) -> u64 {
    i.duration_since(t(0)).as_secs()
}

/// The defaults of the configuration (DISCOVERY_INTERVAL 300, INITIAL_DISCOVERY_COUNT 3,
/// STEADY_STATE_INTERVAL 1800, QUICK_CHECK_INTERVAL 60, OFFLINE_THRESHOLD 180).
pub(super) fn defaults() -> Settings {
    let cfg = Config::from_lookup(|_| None, "h").unwrap();
    Settings::from_config(&cfg)
}

/// A call made on the scheduler at a given second.
type Event = (u64, fn(&mut Scheduler, Instant));

/// Drives `s` from 0 to `until` seconds: every action at the deadline it was due; a full
/// scan takes `scan_secs` and ends with the count `count(n)` for the n-th scan (from 0).
/// `events` are calls made at given times. Returns each action with its time.
fn run(
    s: &mut Scheduler,
    until: u64,
    scan_secs: u64,
    count: impl Fn(u64) -> usize,
    events: &[Event],
) -> Vec<(u64, Action)> {
    let mut log = Vec::new();
    let mut now = 0;
    let mut scan_end: Option<u64> = None;
    let mut scans = 0;
    let mut pending: Vec<Event> = events.to_vec();
    while now <= until {
        if scan_end == Some(now) {
            scan_end = None;
            s.on_scan_done(count(scans), t(now));
            scans += 1;
        }
        for (_, f) in pending.iter().filter(|(at, _)| *at == now) {
            f(s, t(now));
        }
        pending.retain(|(at, _)| *at != now);
        let (actions, next) = s.poll(t(now));
        for a in actions {
            if let Action::FullScan { .. } = a {
                scan_end = Some(now + scan_secs);
            }
            log.push((now, a));
        }
        let mut next = secs_of(next);
        assert!(next > now, "the next deadline is in the future");
        next = [Some(next), scan_end]
            .into_iter()
            .flatten()
            .chain(pending.iter().map(|(at, _)| *at))
            .min()
            .unwrap_or(next);
        now = next;
    }
    log
}

fn scans(log: &[(u64, Action)]) -> Vec<(u64, bool)> {
    log.iter()
        .filter_map(|(at, a)| match a {
            Action::FullScan { skip_known } => Some((*at, *skip_known)),
            _ => None,
        })
        .collect()
}

fn times(log: &[(u64, Action)], action: Action) -> Vec<u64> {
    log.iter()
        .filter(|(_, a)| *a == action)
        .map(|(at, _)| *at)
        .collect()
}

#[test]
fn the_default_schedule_scans_six_times_then_settles_to_steady_state() {
    let mut s = Scheduler::new(defaults(), t(0));
    let log = run(&mut s, 5400, 20, |_| 2, &[]);
    assert_eq!(
        scans(&log),
        [
            (0, false),
            (320, false),
            (640, false),
            (960, false),
            (1280, false),
            (1600, false),
            (3420, true),
            (5240, true)
        ],
        "3 initial, 3 unchanged, then every 1800 s from the end of the last, known skipped"
    );
    assert_eq!(s.phase(), Phase::Steady);
    assert_eq!(s.scans_done(), 8, "the one at 5240 ended at 5260");
}

#[test]
fn quick_checks_and_health_ticks_run_in_every_phase() {
    let mut s = Scheduler::new(defaults(), t(0));
    let log = run(&mut s, 3600, 20, |_| 2, &[]);
    let quick: Vec<u64> = (1..=60).map(|k| k * 60).collect();
    assert_eq!(times(&log, Action::QuickCheck), quick);
    let ticks: Vec<u64> = (1..=120).map(|k| k * 30).collect();
    assert_eq!(times(&log, Action::HealthTick), ticks);
    assert_eq!(times(&log, Action::CheckNetworks), ticks);
    assert_eq!(times(&log, Action::MacRefresh), quick);
}

#[test]
fn a_changed_count_restarts_the_stability_count() {
    let mut s = Scheduler::new(defaults(), t(0));
    let counts = [1, 1, 1, 2, 2, 2, 2];
    let mut phases = Vec::new();
    for (n, c) in counts.into_iter().enumerate() {
        s.on_scan_done(c, t(n as u64));
        phases.push(s.phase());
    }
    assert_eq!(
        phases,
        [
            Phase::Initial { done: 1 },
            Phase::Initial { done: 2 },
            Phase::Stabilizing { stable: 0 },
            Phase::Stabilizing { stable: 0 },
            Phase::Stabilizing { stable: 1 },
            Phase::Stabilizing { stable: 2 },
            Phase::Steady
        ]
    );
}

#[test]
fn with_no_initial_scans_four_equal_counts_reach_steady_state() {
    let mut s = Scheduler::new(
        Settings {
            initial_count: 0,
            ..defaults()
        },
        t(0),
    );
    assert_eq!(s.phase(), Phase::Stabilizing { stable: 0 });
    for n in 0..3 {
        s.on_scan_done(4, t(n));
        assert_ne!(s.phase(), Phase::Steady, "after scan {n}");
    }
    s.on_scan_done(4, t(3));
    assert_eq!(s.phase(), Phase::Steady);
}

#[test]
fn a_network_change_leaves_steady_state_and_scans_at_once() {
    let mut s = Scheduler::new(defaults(), t(0));
    let change: fn(&mut Scheduler, Instant) = |s, now| s.on_networks_changed(now);
    let log = run(&mut s, 4400, 20, |_| 2, &[(2000, change)]);
    assert_eq!(
        scans(&log)[6..],
        [
            (2000, false), // at once, known addresses included
            (2320, false),
            (2640, false), // third unchanged count since the change: steady again
        ]
    );
    assert_eq!(s.phase(), Phase::Steady, "next scan at 2660 + 1800");
}

#[test]
fn a_network_change_during_a_scan_scans_again_when_it_ends() {
    let mut s = Scheduler::new(defaults(), t(0));
    let change: fn(&mut Scheduler, Instant) = |s, now| s.on_networks_changed(now);
    let log = run(&mut s, 700, 20, |_| 2, &[(330, change)]);
    assert_eq!(
        scans(&log),
        [(0, false), (320, false), (340, false), (660, false)]
    );
}

#[test]
fn sighup_scans_everything_now_and_keeps_the_phase() {
    let mut s = Scheduler::new(defaults(), t(0));
    let hup: fn(&mut Scheduler, Instant) = |s, now| s.on_rescan_request(now);
    let log = run(&mut s, 5400, 20, |_| 2, &[(100, hup), (2000, hup)]);
    assert_eq!(
        scans(&log),
        [
            (0, false),
            (100, false), // SIGHUP: the 2nd initial scan
            (420, false),
            (740, false),
            (1060, false),
            (1380, false),
            (2000, false), // SIGHUP in steady state: known addresses included
            (3820, true)
        ]
    );
    assert_eq!(s.phase(), Phase::Steady);
}

#[test]
fn without_smart_discovery_full_scans_every_interval_and_nothing_else_changes() {
    let mut s = Scheduler::new(
        Settings {
            smart: false,
            ..defaults()
        },
        t(0),
    );
    assert_eq!(s.phase(), Phase::Fixed);
    let log = run(&mut s, 3600, 20, |_| 2, &[]);
    let expect: Vec<(u64, bool)> = (0..12).map(|k| (k * 320, false)).collect();
    assert_eq!(scans(&log), expect);
    assert_eq!(s.phase(), Phase::Fixed);
    assert_eq!(
        times(&log, Action::CheckNetworks),
        [0u64; 0],
        "the original watched no networks"
    );
    assert_eq!(
        times(&log, Action::QuickCheck).len(),
        60,
        "liveness all the same"
    );
}

#[test]
fn without_mac_tracking_no_mac_refresh() {
    let mut s = Scheduler::new(
        Settings {
            mac_tracking: false,
            ..defaults()
        },
        t(0),
    );
    let log = run(&mut s, 600, 20, |_| 2, &[]);
    assert_eq!(times(&log, Action::MacRefresh), [0u64; 0]);
}

#[test]
fn the_liveness_period_is_at_most_a_third_of_the_offline_threshold() {
    let cases = [
        // (quick check, threshold, health check) -> (liveness, health tick)
        ((60, 180, 60), (60, 30)),
        ((30, 180, 60), (30, 30)),
        ((300, 180, 60), (60, 30)),
        ((60, 60, 60), (20, 20)),
        ((3600, 7200, 3600), (2400, 30)),
        ((60, 180, 10), (60, 10)),
    ];
    for ((quick, threshold, health), (live, tick)) in cases {
        let s = Settings {
            quick_check_interval: Duration::from_secs(quick),
            offline_threshold: Duration::from_secs(threshold),
            health_check_interval: Duration::from_secs(health),
            ..defaults()
        };
        assert_eq!(
            (
                s.liveness_period().as_secs(),
                s.health_tick_period().as_secs()
            ),
            (live, tick),
            "quick {quick}, threshold {threshold}, health {health}"
        );
    }
}

#[test]
fn a_late_poll_runs_each_periodic_action_once_and_does_not_burst() {
    let mut s = Scheduler::new(defaults(), t(0));
    let (first, next) = s.poll(t(0));
    assert_eq!(first, [Action::FullScan { skip_known: false }]);
    assert_eq!(secs_of(next), 30);
    let (late, next) = s.poll(t(1000));
    assert_eq!(
        late,
        [
            Action::QuickCheck,
            Action::HealthTick,
            Action::CheckNetworks,
            Action::MacRefresh
        ],
        "no second FullScan while the first runs"
    );
    assert_eq!(secs_of(next), 1030);
    let (again, _) = s.poll(t(1000));
    assert_eq!(again, []);
}
