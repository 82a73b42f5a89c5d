//! The MQTT contract of the original Python service (`camera_detector` of the
//! wildfire-watch stack; [`current`] has the current stack's, for MQTT_CONTRACT=current or
//! both): which message goes to
//! which topic with which QoS and retained flag ([`MESSAGES`]), and the JSON payloads of a
//! camera (the CAMERA object, [`camera`]), a discovery, a status change, a removal and the
//! health report ([`health`]). Pure: records, a node id and `now` in; bytes or
//! [`Message`]s out. Topic names and MQTT_TOPIC_PREFIX come from [`Topics`].
//!
//! Credentials: by default no payload carries a password or a URL with userinfo (`username`
//! is kept, the `password` key is left out). PUBLISH_CREDENTIALS=true restores the original
//! behaviour (the password, and `user:password@` in the RTSP URLs) for consumers that need
//! to open the streams from the retained messages.
pub mod camera;
pub mod current;
pub mod health;
pub mod profile;
pub mod url;

pub use camera::{mac_text, primary_rtsp_url, PRIMARY_KEYS};
pub use health::{health_payload, health_status};
pub use profile::{cap_frigate, CappedFrigate, Contracts};

use crate::config::Config;
use crate::model::Camera;
use crate::publish::{topics::Topics, Message, MetricsSnapshot};
use crate::secret::Credential;
use crate::time::iso8601;
use camera::CameraObject;
use serde::Serialize;
use std::time::SystemTime;

/// The kinds of message the service publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Discovery,
    /// A camera gone for good: its retained discovery topic cleared.
    Removal,
    Status,
    Health,
    /// Last will, `online` on connect, `offline` on shutdown (built by [`crate::publish`]).
    Availability,
    /// The Frigate config as JSON and the reload trigger (built with the Frigate config).
    FrigateConfig,
    FrigateReload,
}

/// Topic (before the prefix), QoS and retained flag of one kind of message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageSpec {
    pub kind: Kind,
    /// `{camera_id}` and `{node_id}` are placeholders; the reload topic is FRIGATE_RELOAD_TOPIC.
    pub topic: &'static str,
    pub qos: u8,
    pub retained: bool,
    pub payload: &'static str,
}

/// The spec of `kind` (the single source of [`MESSAGES`]).
#[must_use]
pub const fn spec(kind: Kind) -> MessageSpec {
    let (topic, retained, payload) = match kind {
        Kind::Discovery => (
            "camera/discovery/{camera_id}",
            true,
            "{event: \"discovered\", camera: CAMERA, node_id, timestamp}",
        ),
        Kind::Removal => ("camera/discovery/{camera_id}", true, "empty"),
        Kind::Status => (
            "camera/status/{camera_id}",
            false,
            "{camera_id, status, camera: CAMERA, node_id, timestamp}",
        ),
        Kind::Health => (
            "system/camera_detector_health",
            true,
            "{node_id, service, timestamp, status, stats, mqtt}",
        ),
        Kind::Availability => (
            "system/camera_detector_health/{node_id}/lwt",
            true,
            "{node_id, service, status, timestamp}",
        ),
        Kind::FrigateConfig => ("frigate/config/cameras", true, "the Frigate config as JSON"),
        Kind::FrigateReload => ("frigate/config/reload", false, "empty"),
    };
    MessageSpec {
        kind,
        topic,
        qos: 1,
        retained,
        payload,
    }
}

/// Every message of the original's contract (its MQTT topics), all QoS 1.
pub const MESSAGES: [MessageSpec; 7] = [
    spec(Kind::Discovery),
    spec(Kind::Removal),
    spec(Kind::Status),
    spec(Kind::Health),
    spec(Kind::Availability),
    spec(Kind::FrigateConfig),
    spec(Kind::FrigateReload),
];

/// A camera status change (`camera/status/{id}`): the registry's, which decides them.
pub use crate::registry::Status;

/// What every camera payload needs besides the record.
#[derive(Debug, Clone, Copy)]
pub struct Publishing<'a> {
    pub node_id: &'a str,
    /// The configured list `Camera::credential_index` points into.
    pub credentials: &'a [Credential],
    /// PUBLISH_CREDENTIALS.
    pub publish_credentials: bool,
}

impl<'a> Publishing<'a> {
    #[must_use]
    pub fn from_config(cfg: &'a Config) -> Self {
        Publishing {
            node_id: &cfg.node_id,
            credentials: &cfg.credentials,
            publish_credentials: cfg.publish_credentials,
        }
    }
}

/// The CAMERA object of `rec` (key order is kept only in the payload bytes).
#[must_use]
pub fn camera_json(
    rec: &Camera,
    creds: &[Credential],
    publish_credentials: bool,
) -> serde_json::Value {
    serde_json::to_value(CameraObject::new(rec, creds, publish_credentials)).unwrap_or_default()
    // plain data: serialisation cannot fail
}

#[derive(Serialize)]
struct Discovery<'a> {
    event: &'static str,
    camera: CameraObject<'a>,
    node_id: &'a str,
    timestamp: String,
}

#[derive(Serialize)]
struct StatusChange<'a> {
    camera_id: &'a str,
    status: Status,
    camera: CameraObject<'a>,
    node_id: &'a str,
    timestamp: String,
}

/// `{event: "discovered", camera: CAMERA, node_id, timestamp}`.
#[must_use]
pub fn discovery_payload(rec: &Camera, p: &Publishing<'_>, now: SystemTime) -> Vec<u8> {
    serde_json::to_vec(&Discovery {
        event: "discovered",
        camera: CameraObject::new(rec, p.credentials, p.publish_credentials),
        node_id: p.node_id,
        timestamp: iso8601(now),
    })
    .unwrap_or_default()
}

/// `{camera_id, status, camera: CAMERA, node_id, timestamp}`.
#[must_use]
pub fn status_payload(
    rec: &Camera,
    status: Status,
    p: &Publishing<'_>,
    now: SystemTime,
) -> Vec<u8> {
    serde_json::to_vec(&StatusChange {
        camera_id: &rec.id,
        status,
        camera: CameraObject::new(rec, p.credentials, p.publish_credentials),
        node_id: p.node_id,
        timestamp: iso8601(now),
    })
    .unwrap_or_default()
}

fn message(kind: Kind, topic: String, payload: Vec<u8>) -> Message {
    let s = spec(kind);
    Message {
        topic,
        payload,
        qos: s.qos,
        retain: s.retained,
    }
}

/// The retained discovery message of `rec`.
#[must_use]
pub fn discovery_message(
    topics: &Topics,
    rec: &Camera,
    p: &Publishing<'_>,
    now: SystemTime,
) -> Message {
    let payload = discovery_payload(rec, p, now);
    message(Kind::Discovery, topics.discovery(&rec.id), payload)
}

/// The status-change event of `rec`.
#[must_use]
pub fn status_message(
    topics: &Topics,
    rec: &Camera,
    status: Status,
    p: &Publishing<'_>,
    now: SystemTime,
) -> Message {
    let payload = status_payload(rec, status, p, now);
    message(Kind::Status, topics.status(&rec.id), payload)
}

/// Removes a camera for good: an empty retained payload on its discovery topic, which
/// deletes the broker's retained copy (subscribers get one empty message; later subscribers
/// no longer see the camera).
#[must_use]
pub fn removal_message(topics: &Topics, camera_id: &str) -> Message {
    message(Kind::Removal, topics.discovery(camera_id), Vec::new())
}

/// The retained Frigate config (`json`: [`crate::frigate::render_json`], serialized).
#[must_use]
pub fn frigate_config_message(topics: &Topics, json: Vec<u8>) -> Message {
    message(Kind::FrigateConfig, topics.frigate_config(), json)
}

/// The empty reload trigger on FRIGATE_RELOAD_TOPIC (with the prefix, as every topic).
#[must_use]
pub fn frigate_reload_message(topics: &Topics, reload_topic: &str) -> Message {
    message(Kind::FrigateReload, topics.full(reload_topic), Vec::new())
}

/// The retained health report ([`health_payload`]).
#[must_use]
pub fn health_message<'a>(
    topics: &Topics,
    cfg: &Config,
    cameras: impl IntoIterator<Item = &'a Camera>,
    metrics: &MetricsSnapshot,
    now: SystemTime,
) -> Message {
    let payload = health_payload(cfg, cameras, metrics, now);
    message(Kind::Health, topics.health(), payload)
}

#[cfg(test)]
mod tests;
