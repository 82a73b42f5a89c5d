//! Topic names of the MQTT contracts: the original's ([`Topics`], MQTT_TOPIC_PREFIX) and
//! the current stack's ([`CurrentTopics`], TOPIC_PREFIX), and the small payloads the
//! publisher itself sends (online/offline). Camera and health payloads build on these.
use serde::Serialize;

/// Topic names with the configured prefix applied (`PREFIX/topic`, or `topic`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topics {
    prefix: String,
}

impl Topics {
    /// `prefix` as configured (trailing `/` ignored; empty = none).
    pub fn new(prefix: &str) -> Self {
        Topics {
            prefix: prefix.trim_end_matches('/').to_string(),
        }
    }

    /// `topic` with the prefix.
    pub fn full(&self, topic: &str) -> String {
        if self.prefix.is_empty() {
            topic.to_string()
        } else {
            format!("{}/{topic}", self.prefix)
        }
    }

    /// `camera/discovery/{id}` (retained).
    pub fn discovery(&self, camera_id: &str) -> String {
        self.full(&format!("camera/discovery/{camera_id}"))
    }

    /// `camera/status/{id}` (event).
    pub fn status(&self, camera_id: &str) -> String {
        self.full(&format!("camera/status/{camera_id}"))
    }

    /// `system/camera_detector_health` (retained).
    pub fn health(&self) -> String {
        self.full("system/camera_detector_health")
    }

    /// `system/camera_detector_health/{node_id}/lwt` (retained last will).
    pub fn lwt(&self, node_id: &str) -> String {
        self.full(&format!("system/camera_detector_health/{node_id}/lwt"))
    }

    /// `frigate/config/cameras` (retained).
    pub fn frigate_config(&self) -> String {
        self.full("frigate/config/cameras")
    }
}

/// The current stack's topic names (its TOPIC_PREFIX is put in front as written): the
/// prefix is used as configured (`Config::mqtt.current_prefix` already ends in `/` unless empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentTopics {
    prefix: String,
}

impl CurrentTopics {
    /// `prefix` as the current stack builds it: empty, or ending in `/`.
    pub fn new(prefix: &str) -> Self {
        CurrentTopics {
            prefix: prefix.to_owned(),
        }
    }

    fn full(&self, topic: &str) -> String {
        format!("{}{topic}", self.prefix)
    }

    /// `camera/discovery/{mac}` (retained, QoS 0).
    pub fn discovery(&self, mac: &str) -> String {
        self.full(&format!("camera/discovery/{mac}"))
    }

    /// `camera/status/{mac}` (QoS 0).
    pub fn status(&self, mac: &str) -> String {
        self.full(&format!("camera/status/{mac}"))
    }

    /// `system/camera_detector/health` (retained, QoS 0).
    pub fn health(&self) -> String {
        self.full("system/camera_detector/health")
    }

    /// `system/camera_detector/lwt` (retained, QoS 1, plain text).
    pub fn lwt(&self) -> String {
        self.full("system/camera_detector/lwt")
    }
}

#[derive(Serialize)]
struct Availability<'a> {
    node_id: &'a str,
    service: &'static str,
    status: &'a str,
    timestamp: &'a str,
}

/// `{node_id, service: "camera_detector", status, timestamp}`: the last will (`offline`),
/// the explicit shutdown message (`offline`) and the message sent on connect (`online`).
pub fn availability_payload(node_id: &str, status: &str, timestamp: &str) -> Vec<u8> {
    serde_json::to_vec(&Availability {
        node_id,
        service: "camera_detector",
        status,
        timestamp,
    })
    .unwrap_or_default() // Serialize of &str fields cannot fail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_follow_the_original_contract() {
        let t = Topics::new("");
        assert_eq!(t.discovery("aabbccddeeff"), "camera/discovery/aabbccddeeff");
        assert_eq!(t.status("x"), "camera/status/x");
        assert_eq!(t.health(), "system/camera_detector_health");
        assert_eq!(t.lwt("n1"), "system/camera_detector_health/n1/lwt");
        assert_eq!(t.frigate_config(), "frigate/config/cameras");
    }

    #[test]
    fn the_prefix_is_prepended_once() {
        let t = Topics::new("test-42/");
        assert_eq!(t.health(), "test-42/system/camera_detector_health");
        assert_eq!(
            t.full("frigate/config/reload"),
            "test-42/frigate/config/reload"
        );
    }

    #[test]
    fn current_topics_follow_the_current_stack() {
        let t = CurrentTopics::new("");
        assert_eq!(
            t.discovery("AA:BB:CC:DD:EE:FF"),
            "camera/discovery/AA:BB:CC:DD:EE:FF"
        );
        assert_eq!(t.status("m"), "camera/status/m");
        assert_eq!(t.health(), "system/camera_detector/health");
        assert_eq!(t.lwt(), "system/camera_detector/lwt");
        assert_eq!(
            CurrentTopics::new("site1/").health(),
            "site1/system/camera_detector/health"
        );
    }

    #[test]
    fn availability_payload_has_the_original_field_names() {
        let p = availability_payload("n1", "offline", "2026-11-26T00:00:00.000Z");
        let v: serde_json::Value = serde_json::from_slice(&p).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"node_id": "n1", "service": "camera_detector",
                "status": "offline", "timestamp": "2026-11-26T00:00:00.000Z"})
        );
    }
}
