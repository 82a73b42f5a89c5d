//! MQTT_CONTRACT: which messages one event becomes. [`Contracts`] turns a camera change, a
//! health report or a Frigate config into the messages of the original's contract, the
//! current stack's ([`super::current`]), or both, in that order. Pure; the service sends
//! what it returns. The online/offline messages are the publisher's
//! ([`crate::publish::Settings::availability_messages`]).
use super::{current, Publishing};
use crate::config::{Config, Contract};
use crate::model::Camera;
use crate::publish::topics::{CurrentTopics, Topics};
use crate::publish::{Message, MetricsSnapshot};
use crate::registry::Status;
use std::time::SystemTime;

/// The configured contract(s) and their topic names.
#[derive(Debug, Clone)]
pub struct Contracts {
    pub contract: Contract,
    pub legacy: Topics,
    pub current: CurrentTopics,
}

impl Contracts {
    /// From MQTT_CONTRACT and the two prefixes.
    #[must_use]
    pub fn from_config(cfg: &Config) -> Self {
        Contracts {
            contract: cfg.mqtt.contract,
            legacy: Topics::new(&cfg.mqtt.topic_prefix),
            current: CurrentTopics::new(&cfg.mqtt.current_prefix),
        }
    }

    /// The retained discovery record(s) of `rec` (new or changed).
    #[must_use]
    pub fn discovery(&self, rec: &Camera, p: &Publishing<'_>, now: SystemTime) -> Vec<Message> {
        let mut v = Vec::new();
        if self.contract.legacy() {
            v.push(super::discovery_message(&self.legacy, rec, p, now));
        }
        if self.contract.current() {
            v.push(current::discovery_message(&self.current, rec, p));
        }
        v
    }

    /// The current contract's discovery record again (the dashboard's activity window);
    /// `None` under the original's contract alone.
    #[must_use]
    pub fn resend(&self, rec: &Camera, p: &Publishing<'_>) -> Option<Message> {
        self.contract
            .current()
            .then(|| current::discovery_message(&self.current, rec, p))
    }

    /// A status change of `rec`.
    #[must_use]
    pub fn status(
        &self,
        rec: &Camera,
        status: Status,
        p: &Publishing<'_>,
        now: SystemTime,
    ) -> Vec<Message> {
        let mut v = Vec::new();
        if self.contract.legacy() {
            v.push(super::status_message(&self.legacy, rec, status, p, now));
        }
        if self.contract.current() {
            v.extend(current::status_message(&self.current, rec, status, now));
        }
        v
    }

    /// A camera forgotten: its retained discovery topic(s) cleared.
    #[must_use]
    pub fn removal(&self, id: &str) -> Vec<Message> {
        let mut v = Vec::new();
        if self.contract.legacy() {
            v.push(super::removal_message(&self.legacy, id));
        }
        if self.contract.current() {
            v.push(current::removal_message(&self.current, id));
        }
        v
    }

    /// The health report(s).
    #[must_use]
    pub fn health(
        &self,
        cfg: &Config,
        cameras: &[Camera],
        metrics: &MetricsSnapshot,
        facts: &current::ServiceFacts,
        now: SystemTime,
    ) -> Vec<Message> {
        let mut v = Vec::new();
        if self.contract.legacy() {
            v.push(super::health_message(
                &self.legacy,
                cfg,
                cameras,
                metrics,
                now,
            ));
        }
        if self.contract.current() {
            v.push(current::health_message(&self.current, cameras, facts, now));
        }
        v
    }

    /// The Frigate config and the reload trigger: the original's contract only (the
    /// current stack never publishes them; see [`current`]).
    #[must_use]
    pub fn frigate(&self, json: Vec<u8>, reload_topic: &str, reload: bool) -> Vec<Message> {
        if !self.contract.legacy() {
            return Vec::new();
        }
        let mut out = vec![super::frigate_config_message(&self.legacy, json)];
        if reload {
            out.push(super::frigate_reload_message(&self.legacy, reload_topic));
        }
        out
    }
}

/// The Frigate config's MQTT payload, and how many cameras it holds when capped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CappedFrigate {
    pub bytes: Vec<u8>,
    /// `(included, total)` cameras when some were left out.
    pub capped: Option<(usize, usize)>,
}

/// The key of the note a capped Frigate config carries.
pub const CAP_NOTE_KEY: &str = "camera_detector_note";

/// The Frigate config as the bytes of its MQTT message, within `max` bytes.
///
/// Design: the file FRIGATE_CONFIG_PATH always holds every camera; only the retained MQTT
/// copy is capped. When the whole config is larger than `max` (MQTT_MAX_PAYLOAD: about 15
/// cameras at 16 KiB), cameras are left out from the end of the id order (with their
/// `go2rtc.streams` entries, named after the camera) until it fits, and a top-level
/// [`CAP_NOTE_KEY`] says how many of how many are in it. Splitting per camera was not
/// chosen: the topic's consumers read one document, and a per-camera topic set would be a
/// second contract to keep. Returns `None` when not even the config without cameras fits.
#[must_use]
pub fn cap_frigate(json: &serde_json::Value, max: usize) -> Option<CappedFrigate> {
    let whole = serde_json::to_vec(json).unwrap_or_default();
    if whole.len() <= max {
        return Some(CappedFrigate {
            bytes: whole,
            capped: None,
        });
    }
    let names: Vec<String> = json["cameras"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let total = names.len();
    let with = |keep: usize| -> Vec<u8> {
        let mut v = json.clone();
        for name in &names[keep..] {
            if let Some(cams) = v["cameras"].as_object_mut() {
                cams.remove(name);
            }
            if let Some(streams) = v["go2rtc"]["streams"].as_object_mut() {
                let prefix = format!("{name}_");
                streams.retain(|k, _| k != name && !k.starts_with(&prefix));
            }
        }
        if let Some(o) = v.as_object_mut() {
            o.insert(
                CAP_NOTE_KEY.to_owned(),
                serde_json::json!({
                    "cameras_total": total,
                    "cameras_included": keep,
                    "note": format!(
                        "capped to MQTT_MAX_PAYLOAD ({max} bytes): the Frigate config file holds every camera"
                    ),
                }),
            );
        }
        serde_json::to_vec(&v).unwrap_or_default()
    };
    // The size grows with the cameras kept: the most that fit, by bisection.
    let (mut lo, mut hi) = (0usize, total);
    let mut best = with(0);
    if best.len() > max {
        return None;
    }
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        let bytes = with(mid);
        if bytes.len() <= max {
            lo = mid;
            best = bytes;
        } else {
            hi = mid - 1;
        }
    }
    Some(CappedFrigate {
        bytes: best,
        capped: Some((lo, total)),
    })
}
