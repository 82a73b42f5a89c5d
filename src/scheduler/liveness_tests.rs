//! The scheduler and the registry together in virtual time, against a simulated camera:
//! the proof that liveness comes from the health clock, not from discovery (the original's
//! defect), and that an unreachable camera goes offline in time, once.
use super::tests::{defaults, secs_of, t};
use super::*;
use crate::model::{Stream, Transport};
use crate::registry::tests::{found, ID_A, MAC_A};
use crate::registry::{Change, Finding, Now, Registry, Status};
use std::time::{SystemTime, UNIX_EPOCH};

const SCAN_SECS: u64 = 40;

fn now(secs: u64) -> Now {
    Now {
        mono: t(secs),
        wall: UNIX_EPOCH + Duration::from_secs(1_800_000_000 + secs),
    }
}

fn secs_of_wall(w: SystemTime) -> u64 {
    w.duration_since(UNIX_EPOCH).unwrap().as_secs() - 1_800_000_000
}

/// One camera at 10.0.0.5, reachable (TCP and stream) when `up(t)`.
struct Sim<F: Fn(u64) -> bool> {
    sched: Scheduler,
    reg: Registry,
    up: F,
    /// Act on quick checks and re-validations (false: the original's liveness, from
    /// discovery only).
    health: bool,
    /// Every change with its time.
    log: Vec<(u64, Change)>,
    rediscoveries: Vec<u64>,
}

impl<F: Fn(u64) -> bool> Sim<F> {
    fn new(settings: Settings, reg: crate::registry::Settings, up: F, health: bool) -> Self {
        Sim {
            sched: Scheduler::new(settings, t(0)),
            reg: Registry::new(reg),
            up,
            health,
            log: Vec::new(),
            rediscoveries: Vec::new(),
        }
    }

    fn record(&mut self, at: u64, changes: Vec<Change>) {
        self.rediscoveries
            .extend(self.reg.rediscoveries(&changes).iter().map(|_| at));
        self.log.extend(changes.into_iter().map(|c| (at, c)));
    }

    fn run(&mut self, until: u64) {
        let mut at = 0;
        let mut scan_end: Option<u64> = None;
        while at <= until {
            if scan_end == Some(at) {
                scan_end = None;
                if (self.up)(at) {
                    let c = self.reg.apply(
                        Finding::Discovered(Box::new(found(Some(MAC_A), ip5()))),
                        now(at),
                    );
                    self.record(at, c);
                }
                self.sched.on_scan_done(self.reg.len(), t(at));
            }
            let (actions, next) = self.sched.poll(t(at));
            for a in actions {
                self.act(a, at, &mut scan_end);
            }
            at = scan_end.map_or(secs_of(next), |e| e.min(secs_of(next)));
        }
    }

    fn act(&mut self, a: Action, at: u64, scan_end: &mut Option<u64>) {
        let up = (self.up)(at);
        match a {
            Action::FullScan { .. } => *scan_end = Some(at + SCAN_SECS),
            Action::QuickCheck if self.health => {
                for target in self.reg.quick_check_targets() {
                    let f = Finding::QuickCheck {
                        id: target.id,
                        ip: target.ip,
                        reachable: up,
                    };
                    let c = self.reg.apply(f, now(at));
                    self.record(at, c);
                }
            }
            Action::HealthTick => {
                let c = self.reg.tick(now(at));
                self.record(at, c);
                if !self.health {
                    return;
                }
                for v in self.reg.validations_due(now(at)) {
                    let stream = up.then(|| Stream {
                        url: v.url.clone(),
                        codec: "h264".into(),
                        width: Some(1920),
                        height: Some(1080),
                        transport: Transport::Tcp,
                    });
                    let f = Finding::Validated {
                        id: v.id,
                        ip: v.ip,
                        stream,
                    };
                    let c = self.reg.apply(f, now(at));
                    self.record(at, c);
                }
            }
            _ => {}
        }
    }

    fn statuses(&self) -> Vec<(u64, Status)> {
        self.log
            .iter()
            .filter_map(|(at, c)| match c {
                Change::Status(_, s) => Some((*at, *s)),
                _ => None,
            })
            .collect()
    }
}

fn ip5() -> std::net::Ipv4Addr {
    std::net::Ipv4Addr::new(10, 0, 0, 5)
}

fn reg_defaults() -> crate::registry::Settings {
    crate::registry::Settings::from_config(&Config::from_lookup(|_| None, "h").unwrap())
}

#[test]
fn with_the_defaults_a_reachable_camera_never_goes_offline_in_two_hours() {
    let mut sim = Sim::new(defaults(), reg_defaults(), |_| true, true);
    sim.run(7200);
    assert_eq!(sim.log, [(SCAN_SECS, Change::New(ID_A.into()))]);
    assert!(
        sim.sched.scans_done() >= 7,
        "discovery ran, steady state reached"
    );
    assert_eq!(sim.sched.phase(), Phase::Steady);
}

#[test]
fn liveness_from_discovery_alone_flaps_as_the_original_did() {
    // The control for the test above: without the health clock's quick checks and
    // validations, the 300 s discovery interval exceeds the 180 s threshold.
    let mut sim = Sim::new(defaults(), reg_defaults(), |_| true, false);
    sim.run(1200);
    assert_eq!(
        sim.statuses(),
        [
            (240, Status::Offline), // seen at 40 by the first scan
            (380, Status::Online),  // the scan started at 340
            (570, Status::Offline),
            (720, Status::Online),
            (900, Status::Offline),
            (1060, Status::Online)
        ]
    );
}

#[test]
fn an_unreachable_camera_goes_offline_within_threshold_plus_one_check_period_once() {
    let mut sim = Sim::new(
        defaults(),
        reg_defaults(),
        |at| !(1000..3000).contains(&at),
        true,
    );
    sim.run(7200);
    // Quick checks every 60 s, health ticks every 30 s. Last sighting: the quick check
    // at 960. The re-validation at 1020 fails (one stream_error); offline at the first
    // tick 180 s after 960 (bound: 960 + 180 + 60); found again by the quick check at 3000.
    assert_eq!(
        sim.statuses(),
        [
            (1020, Status::StreamError),
            (1140, Status::Offline),
            (3000, Status::Online)
        ]
    );
    assert_eq!(sim.rediscoveries, [1140], "looked for once, by MAC");
    let c = sim.reg.get(ID_A).unwrap();
    assert!(c.online && c.stream_active);
    assert!(secs_of_wall(c.last_seen) >= 7200 - 60);
}

#[test]
fn across_configurations_reachable_stays_online_and_unreachable_goes_offline_in_time() {
    // (DISCOVERY_INTERVAL, QUICK_CHECK_INTERVAL, OFFLINE_THRESHOLD, HEALTH_CHECK_INTERVAL)
    let configs = [
        (300, 60, 180, 60),
        (30, 30, 60, 10),
        (3600, 600, 60, 3600),
        (300, 300, 180, 600),
        (86_400, 30, 90, 10),
    ];
    for (discovery, quick, threshold, health) in configs {
        let settings = Settings {
            discovery_interval: Duration::from_secs(discovery),
            quick_check_interval: Duration::from_secs(quick),
            offline_threshold: Duration::from_secs(threshold),
            health_check_interval: Duration::from_secs(health),
            ..defaults()
        };
        let reg = crate::registry::Settings {
            offline_threshold: Duration::from_secs(threshold),
            health_check_interval: Duration::from_secs(health),
            remove_after: None,
        };
        let mut sim = Sim::new(settings, reg, |_| true, true);
        sim.run(7200);
        assert_eq!(
            sim.statuses(),
            [],
            "{discovery}/{quick}/{threshold}/{health}"
        );

        let down_from = 2000;
        let mut sim = Sim::new(settings, reg, |at| at < down_from, true);
        sim.run(7200);
        let offline: Vec<u64> = sim
            .statuses()
            .iter()
            .filter(|(_, s)| *s == Status::Offline)
            .map(|(at, _)| *at)
            .collect();
        let last_seen = secs_of_wall(sim.reg.get(ID_A).unwrap().last_seen);
        let bound = last_seen + threshold + settings.liveness_period().as_secs();
        assert!(last_seen < down_from, "{last_seen}");
        assert_eq!(offline.len(), 1, "{discovery}/{quick}/{threshold}/{health}");
        assert!(
            offline[0] >= last_seen + threshold && offline[0] <= bound,
            "{discovery}/{quick}/{threshold}/{health}: offline at {} , seen {last_seen}",
            offline[0]
        );
    }
}
