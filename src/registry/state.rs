//! The registry's state and its vocabulary: what workers report ([`Finding`]), what the
//! owner must publish as a result ([`Change`], [`Status`]), the settings, and the read-only
//! questions the service asks (what to quick-check, what to re-validate, what to look for
//! after a camera went offline). The rules that change the state are in `transitions.rs`.
//!
//! Pure: no threads, sockets or clocks; every call that depends on time takes a [`Now`].
use crate::config::Config;
use crate::mac;
use crate::model::{Camera, Stream};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant, SystemTime};

/// The time of an event, twice: `mono` decides (offline, removal, re-validation) so that a
/// wall clock set at boot (NTP on a device without RTC) cannot make every camera offline;
/// `wall` is what the published `last_seen`/`last_validated` say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    pub mono: Instant,
    pub wall: SystemTime,
}

/// What the registry needs from the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// OFFLINE_THRESHOLD: unseen this long, a camera goes offline.
    pub offline_threshold: Duration,
    /// HEALTH_CHECK_INTERVAL: how often an online camera's primary stream is re-validated.
    pub health_check_interval: Duration,
    /// CAMERA_REMOVE_AFTER: unseen this long (and offline), a camera is forgotten; `None`:
    /// never (the original's behaviour).
    pub remove_after: Option<Duration>,
}

impl Settings {
    /// The registry's part of `cfg`.
    #[must_use]
    pub fn from_config(cfg: &Config) -> Self {
        Settings {
            offline_threshold: cfg.offline_threshold,
            health_check_interval: cfg.health_check_interval,
            remove_after: cfg.camera_remove_after,
        }
    }
}

/// What a worker learnt. Findings about a camera at an address (`QuickCheck`, `Validated`)
/// carry the address they were made at: one made at an address the camera has left, or
/// that another camera has since been seen at, is ignored.
#[derive(Debug, Clone, PartialEq)]
pub enum Finding {
    /// A discovery pass found this camera (its liveness fields are the registry's to set).
    Discovered(Box<Camera>),
    /// A TCP connect to the camera's RTSP port at `ip` succeeded (`reachable`) or not.
    QuickCheck {
        id: String,
        ip: Ipv4Addr,
        reachable: bool,
    },
    /// The primary stream at `ip` was played (`Some`: what was seen) or failed (`None`).
    Validated {
        id: String,
        ip: Ipv4Addr,
        stream: Option<Stream>,
    },
    /// `mac` answered ARP at `ip`. Must come from a fresh ARP reply (a sweep, a targeted
    /// request), not from the kernel's neighbour table, whose stale entries would move a
    /// camera back to an address it left.
    MacSeen { mac: [u8; 6], ip: Ipv4Addr },
}

/// A camera status, as published on `camera/status/{id}` (serialized as [`Status::as_str`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Online,
    Offline,
    IpChanged,
    StreamError,
}

impl Status {
    /// The payload's `status` text.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Status::Online => "online",
            Status::Offline => "offline",
            Status::IpChanged => "ip_changed",
            Status::StreamError => "stream_error",
        }
    }
}

/// What the owner must publish. Within one result, in this order: `Removed`, then
/// `New`/`Updated`, then `Status` (so that a status message follows the retained record
/// it refers to).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A camera not known before: publish its retained discovery message.
    New(String),
    /// Its published record changed (anything but `last_seen`/`last_validated`): publish
    /// the retained discovery message again. An unchanged rediscovery gives nothing.
    Updated(String),
    /// Publish this status event.
    Status(String, Status),
    /// Forgotten (merged into its MAC identity, or unseen for CAMERA_REMOVE_AFTER): clear
    /// its retained discovery topic.
    Removed(String),
}

/// A camera to quick-check: TCP connect to the RTSP port at `ip`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub id: String,
    pub ip: Ipv4Addr,
}

/// A stream to re-validate: play `url` (without user info) at `ip` with the credential at
/// `credential_index` of the configured list (`None`: without one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validation {
    pub id: String,
    pub ip: Ipv4Addr,
    pub url: String,
    pub credential_index: Option<usize>,
}

/// A camera that just went offline and has a MAC: look for it elsewhere (an ARP request
/// for `mac` first, then a quick scan whose open hosts are matched by MAC), reporting
/// [`Finding::MacSeen`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rediscovery {
    pub id: String,
    pub mac: [u8; 6],
    pub last_ip: Ipv4Addr,
}

/// A re-validation handed out at `at`; `answered` once its [`Finding::Validated`] came.
#[derive(Debug, Clone, Copy)]
pub(super) struct LastValidation {
    pub at: Instant,
    pub answered: bool,
}

/// A re-validation whose result has not come back this long is taken as lost and handed
/// out again (RTSP_TIMEOUT is at most 60 s).
pub const VALIDATION_LOST_AFTER: Duration = Duration::from_secs(120);

/// A camera and what the registry alone keeps about it.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub record: Camera,
    /// Monotonic twin of `record.last_seen`.
    pub seen: Instant,
    /// A `stream_error` was published and no validation has succeeded since.
    pub stream_failing: bool,
    /// The last re-validation: when it was handed out (or the stream last played in a
    /// discovery), and whether its result came back.
    pub validation: Option<LastValidation>,
    /// When the camera last changed address: a discovery observed before it, at another
    /// address, is stale (the camera moved while the pass ran) and changes nothing.
    pub moved: Option<Instant>,
}

/// Every known camera, keyed by id (the MAC without colons, or a fallback id), with an
/// index from address to the camera last seen there.
#[derive(Debug, Clone)]
pub struct Registry {
    pub(super) settings: Settings,
    pub(super) entries: BTreeMap<String, Entry>,
    pub(super) by_ip: BTreeMap<Ipv4Addr, String>,
}

impl Registry {
    /// An empty registry.
    #[must_use]
    pub fn new(settings: Settings) -> Self {
        Registry {
            settings,
            entries: BTreeMap::new(),
            by_ip: BTreeMap::new(),
        }
    }

    /// The camera `id`.
    #[must_use]
    pub fn get(&self, id: &str) -> Option<&Camera> {
        self.entries.get(id).map(|e| &e.record)
    }

    /// Every camera, by id.
    pub fn cameras(&self) -> impl Iterator<Item = &Camera> {
        self.entries.values().map(|e| &e.record)
    }

    /// How many cameras are known (the scheduler's camera count).
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// No camera known.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The addresses of known cameras (a steady-state scan skips them).
    #[must_use]
    pub fn known_ips(&self) -> Vec<Ipv4Addr> {
        self.by_ip.keys().copied().collect()
    }

    /// Every camera at the address it was last seen at, online or not (a success brings an
    /// offline camera back). A camera whose address another camera has since taken is not
    /// checked there: it waits for rediscovery by MAC.
    #[must_use]
    pub fn quick_check_targets(&self) -> Vec<Target> {
        self.entries
            .iter()
            .filter(|(id, e)| self.owns_ip(id, e.record.ip))
            .map(|(id, e)| Target {
                id: id.clone(),
                ip: e.record.ip,
            })
            .collect()
    }

    /// The online cameras with a stream whose last re-validation was handed out at least
    /// HEALTH_CHECK_INTERVAL ago (or never since they came online); marks them handed out
    /// at `now`, so that a failing stream is retried once per interval, not once per tick.
    /// One still unanswered is not handed out again before [`VALIDATION_LOST_AFTER`].
    pub fn validations_due(&mut self, now: Now) -> Vec<Validation> {
        let interval = self.settings.health_check_interval;
        let mut out = Vec::new();
        for (id, e) in &mut self.entries {
            let due = e.validation.is_none_or(|v| {
                let wait = if v.answered {
                    interval
                } else {
                    interval.max(VALIDATION_LOST_AFTER)
                };
                now.mono.saturating_duration_since(v.at) >= wait
            });
            let owns = self.by_ip.get(&e.record.ip) == Some(id);
            if !(e.record.online && due && owns) {
                continue;
            }
            let Some(url) = e.record.primary_url() else {
                continue;
            };
            out.push(Validation {
                id: id.clone(),
                ip: e.record.ip,
                url: url.to_owned(),
                credential_index: e.record.credential_index,
            });
            e.validation = Some(LastValidation {
                at: now.mono,
                answered: false,
            });
        }
        out
    }

    /// The targeted rediscoveries that `changes` call for: one per camera that went
    /// offline and has a MAC (a camera without one is found again by the next full scan).
    #[must_use]
    pub fn rediscoveries(&self, changes: &[Change]) -> Vec<Rediscovery> {
        changes
            .iter()
            .filter_map(|c| match c {
                Change::Status(id, Status::Offline) => self.entries.get(id),
                _ => None,
            })
            .filter_map(|e| {
                let mac = e.record.mac.as_deref().and_then(mac::parse_mac)?;
                Some(Rediscovery {
                    id: e.record.id.clone(),
                    mac,
                    last_ip: e.record.ip,
                })
            })
            .collect()
    }

    /// `id` is the camera the index holds for `ip`.
    pub(super) fn owns_ip(&self, id: &str, ip: Ipv4Addr) -> bool {
        self.by_ip.get(&ip).is_some_and(|o| o == id)
    }
}
