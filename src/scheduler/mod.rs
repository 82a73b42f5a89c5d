//! When to do what: the smart-discovery state machine and the health clock. Pure: the
//! caller passes `now`, gets [`Action`]s and the next deadline, and reports back when a
//! full scan ends, the local networks change or a rescan is asked for (SIGHUP).
//!
//! Smart discovery, as the original: the first INITIAL_DISCOVERY_COUNT full scans run every
//! DISCOVERY_INTERVAL ([`Phase::Initial`]); full scans go on at that interval until the
//! camera count has been unchanged for [`STABLE_CYCLES`] scans in a row
//! ([`Phase::Stabilizing`]); then [`Phase::Steady`]: a full scan every STEADY_STATE_INTERVAL
//! that skips addresses already known. The local networks are checked every
//! [`NETWORK_CHECK_PERIOD`]; a change leaves steady state and scans at once. With
//! SMART_DISCOVERY_ENABLED=false: a full scan every DISCOVERY_INTERVAL and nothing else
//! ([`Phase::Fixed`]). Intervals run from the end of a scan, as the original slept after
//! each; a scan asked for while one runs starts when it ends.
//!
//! Liveness comes from the health clock, never from discovery (the original's defect: with
//! the defaults, 300 s between scans and a 180 s offline threshold, every camera went
//! offline between scans until steady state). In every phase, known cameras are
//! quick-checked every [`Settings::liveness_period`] — QUICK_CHECK_INTERVAL, but at most a
//! third of OFFLINE_THRESHOLD, so two lost checks in a row do not make a camera offline —
//! and the registry ticks every [`Settings::health_tick_period`] (the original's 30 s, or
//! the liveness period or HEALTH_CHECK_INTERVAL if shorter): a reachable camera never goes offline, an unreachable
//! one goes offline within OFFLINE_THRESHOLD plus one liveness period. The quick checks
//! must run beside a full scan, not after it.
use crate::config::Config;
use std::time::{Duration, Instant};

/// Scans in a row with an unchanged camera count before steady state.
pub const STABLE_CYCLES: u32 = 3;
/// How often the local networks are compared (the original's 30 s).
pub const NETWORK_CHECK_PERIOD: Duration = Duration::from_secs(30);
/// The registry's health tick at most this far apart (the original's 30 s health loop).
pub const HEALTH_TICK_MAX: Duration = Duration::from_secs(30);
/// How often known MACs are looked up (the original's 60 s MAC tracking loop).
pub const MAC_REFRESH_PERIOD: Duration = Duration::from_secs(60);

/// What the scheduler needs from the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub smart: bool,
    pub discovery_interval: Duration,
    pub initial_count: u32,
    pub steady_interval: Duration,
    pub quick_check_interval: Duration,
    pub offline_threshold: Duration,
    /// HEALTH_CHECK_INTERVAL: a health tick at least this often, so re-validations are
    /// not late by more than a tick.
    pub health_check_interval: Duration,
    pub mac_tracking: bool,
}

impl Settings {
    /// The scheduler's part of `cfg`.
    #[must_use]
    pub fn from_config(cfg: &Config) -> Self {
        Settings {
            smart: cfg.smart_discovery_enabled,
            discovery_interval: cfg.discovery_interval,
            initial_count: cfg.initial_discovery_count,
            steady_interval: cfg.steady_state_interval,
            quick_check_interval: cfg.quick_check_interval,
            offline_threshold: cfg.offline_threshold,
            health_check_interval: cfg.health_check_interval,
            mac_tracking: cfg.mac_tracking_enabled,
        }
    }

    /// Quick checks of known cameras: QUICK_CHECK_INTERVAL, at most OFFLINE_THRESHOLD / 3
    /// (never below a second).
    #[must_use]
    pub fn liveness_period(&self) -> Duration {
        self.quick_check_interval
            .min(self.offline_threshold / 3)
            .max(Duration::from_secs(1))
    }

    /// Registry ticks (offline, removal, re-validations due): [`HEALTH_TICK_MAX`], or the
    /// liveness period or HEALTH_CHECK_INTERVAL if shorter.
    #[must_use]
    pub fn health_tick_period(&self) -> Duration {
        HEALTH_TICK_MAX
            .min(self.liveness_period())
            .min(self.health_check_interval)
            .max(Duration::from_secs(1))
    }
}

/// Where smart discovery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Full scans every DISCOVERY_INTERVAL; `done` of INITIAL_DISCOVERY_COUNT finished.
    Initial { done: u32 },
    /// Full scans every DISCOVERY_INTERVAL; `stable` scans in a row found the count unchanged.
    Stabilizing { stable: u32 },
    /// A full scan of unknown addresses every STEADY_STATE_INTERVAL.
    Steady,
    /// SMART_DISCOVERY_ENABLED=false: a full scan every DISCOVERY_INTERVAL.
    Fixed,
}

/// Something to do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Run a full discovery pass and call [`Scheduler::on_scan_done`] when it ends;
    /// `skip_known`: in steady state, leave out the addresses of known cameras.
    FullScan { skip_known: bool },
    /// TCP-check every [`crate::registry::Registry::quick_check_targets`] and apply the
    /// results.
    QuickCheck,
    /// [`crate::registry::Registry::tick`], then play the streams of
    /// [`crate::registry::Registry::validations_due`].
    HealthTick,
    /// Compare the local networks with the last seen; if they differ, call
    /// [`Scheduler::on_networks_changed`].
    CheckNetworks,
    /// MAC_TRACKING_ENABLED: learn where the known MACs are (ARP) and apply
    /// [`crate::registry::Finding::MacSeen`].
    MacRefresh,
}

/// The state machine. See the module documentation.
#[derive(Debug, Clone)]
pub struct Scheduler {
    settings: Settings,
    phase: Phase,
    last_count: Option<usize>,
    scans_done: u64,
    /// A full scan was handed out and has not ended.
    scanning: bool,
    /// A scan was asked for while one ran.
    rescan: bool,
    /// The next scan covers known addresses too, even in steady state (SIGHUP).
    whole_next: bool,
    /// `None` while scanning.
    next_scan: Option<Instant>,
    next_quick: Instant,
    next_health: Instant,
    next_networks: Option<Instant>,
    next_mac: Option<Instant>,
}

impl Scheduler {
    /// Starts at `now` with a full scan due at once.
    #[must_use]
    pub fn new(settings: Settings, now: Instant) -> Self {
        let phase = match (settings.smart, settings.initial_count) {
            (false, _) => Phase::Fixed,
            (true, 0) => Phase::Stabilizing { stable: 0 },
            (true, _) => Phase::Initial { done: 0 },
        };
        Scheduler {
            settings,
            phase,
            last_count: None,
            scans_done: 0,
            scanning: false,
            rescan: false,
            whole_next: false,
            next_scan: Some(now),
            next_quick: now + settings.liveness_period(),
            next_health: now + settings.health_tick_period(),
            next_networks: settings.smart.then(|| now + NETWORK_CHECK_PERIOD),
            next_mac: settings.mac_tracking.then(|| now + MAC_REFRESH_PERIOD),
        }
    }

    /// The current phase.
    #[must_use]
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// The time between full scans in the current phase: STEADY_STATE_INTERVAL in steady
    /// state, else DISCOVERY_INTERVAL.
    #[must_use]
    pub fn scan_interval(&self) -> Duration {
        match self.phase {
            Phase::Steady => self.settings.steady_interval,
            _ => self.settings.discovery_interval,
        }
    }

    /// Full scans finished so far.
    #[must_use]
    pub fn scans_done(&self) -> u64 {
        self.scans_done
    }

    /// The actions due at `now` (in the order of [`Action`]'s variants) and the next
    /// deadline: call again then, or earlier after an `on_…` call.
    pub fn poll(&mut self, now: Instant) -> (Vec<Action>, Instant) {
        let mut actions = Vec::new();
        if !self.scanning && self.next_scan.is_some_and(|t| t <= now) {
            self.scanning = true;
            self.next_scan = None;
            let whole = std::mem::take(&mut self.whole_next);
            actions.push(Action::FullScan {
                skip_known: self.phase == Phase::Steady && !whole,
            });
        }
        if due(&mut self.next_quick, self.settings.liveness_period(), now) {
            actions.push(Action::QuickCheck);
        }
        if due(
            &mut self.next_health,
            self.settings.health_tick_period(),
            now,
        ) {
            actions.push(Action::HealthTick);
        }
        if let Some(t) = &mut self.next_networks {
            if due(t, NETWORK_CHECK_PERIOD, now) {
                actions.push(Action::CheckNetworks);
            }
        }
        if let Some(t) = &mut self.next_mac {
            if due(t, MAC_REFRESH_PERIOD, now) {
                actions.push(Action::MacRefresh);
            }
        }
        let next = [
            self.next_scan,
            Some(self.next_quick),
            Some(self.next_health),
            self.next_networks,
            self.next_mac,
        ]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(self.next_health);
        (actions, next)
    }

    /// The full scan ended at `now`; the registry knows `camera_count` cameras.
    pub fn on_scan_done(&mut self, camera_count: usize, now: Instant) {
        self.scanning = false;
        self.scans_done += 1;
        let unchanged = self.last_count == Some(camera_count);
        self.last_count = Some(camera_count);
        self.phase = match self.phase {
            Phase::Initial { done } if done + 1 >= self.settings.initial_count => {
                Phase::Stabilizing { stable: 0 }
            }
            Phase::Initial { done } => Phase::Initial { done: done + 1 },
            Phase::Stabilizing { stable } if unchanged && stable + 1 >= STABLE_CYCLES => {
                Phase::Steady
            }
            Phase::Stabilizing { stable } if unchanged => Phase::Stabilizing { stable: stable + 1 },
            Phase::Stabilizing { .. } => Phase::Stabilizing { stable: 0 },
            p @ (Phase::Steady | Phase::Fixed) => p,
        };
        let interval = match self.phase {
            Phase::Steady => self.settings.steady_interval,
            _ => self.settings.discovery_interval,
        };
        self.next_scan = Some(if std::mem::take(&mut self.rescan) {
            now
        } else {
            now + interval
        });
    }

    /// The local networks changed: leave steady state (stability counts again) and scan
    /// now (or as soon as the running scan ends).
    pub fn on_networks_changed(&mut self, now: Instant) {
        if matches!(self.phase, Phase::Steady | Phase::Stabilizing { .. }) {
            self.phase = Phase::Stabilizing { stable: 0 };
        }
        self.scan_now(now);
    }

    /// SIGHUP: scan now (or as soon as the running scan ends), known addresses included;
    /// the phase is kept.
    pub fn on_rescan_request(&mut self, now: Instant) {
        self.whole_next = true;
        self.scan_now(now);
    }

    fn scan_now(&mut self, now: Instant) {
        if self.scanning {
            self.rescan = true;
        } else {
            self.next_scan = Some(now);
        }
    }
}

/// `next` has come: moves it one `period` on (to `now + period` if the caller fell
/// behind, so that missed periods do not burst).
fn due(next: &mut Instant, period: Duration, now: Instant) -> bool {
    if *next > now {
        return false;
    }
    *next += period;
    if *next <= now {
        *next = now + period;
    }
    true
}

#[cfg(test)]
mod liveness_tests;
#[cfg(test)]
mod tests;
