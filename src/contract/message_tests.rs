//! Status strings, the MESSAGES table, topics with the prefix and each message's flags.
use super::*;

#[test]
fn status_strings_are_the_originals() {
    for (s, want) in [
        (Status::Online, "online"),
        (Status::Offline, "offline"),
        (Status::IpChanged, "ip_changed"),
        (Status::StreamError, "stream_error"),
    ] {
        assert_eq!(s.as_str(), want);
        assert_eq!(serde_json::to_value(s).unwrap(), json!(want));
    }
}

#[test]
fn the_messages_table_is_the_originals() {
    let table: Vec<(Kind, &str, u8, bool)> = MESSAGES
        .iter()
        .map(|m| (m.kind, m.topic, m.qos, m.retained))
        .collect();
    assert_eq!(
        table,
        [
            (Kind::Discovery, "camera/discovery/{camera_id}", 1, true),
            (Kind::Removal, "camera/discovery/{camera_id}", 1, true),
            (Kind::Status, "camera/status/{camera_id}", 1, false),
            (Kind::Health, "system/camera_detector_health", 1, true),
            (
                Kind::Availability,
                "system/camera_detector_health/{node_id}/lwt",
                1,
                true
            ),
            (Kind::FrigateConfig, "frigate/config/cameras", 1, true),
            (Kind::FrigateReload, "frigate/config/reload", 1, false),
        ]
    );
    // What the publisher builds for the availability message agrees with the table.
    let a = Message::retained("x", Vec::new());
    let s = spec(Kind::Availability);
    assert_eq!((a.qos, a.retain), (s.qos, s.retained));
}

#[test]
fn messages_carry_the_prefix_and_the_tables_flags() {
    let topics = Topics::new("test-7/");
    let cfg = Config::from_lookup(|_| None, "node-1").unwrap();
    let p = Publishing::from_config(&cfg);
    let rec = onvif_camera();
    let check = |m: &Message, kind: Kind, topic: &str| {
        let s = spec(kind);
        assert_eq!(m.topic, topic);
        assert_eq!((m.qos, m.retain), (s.qos, s.retained), "{topic}");
    };
    let d = discovery_message(&topics, &rec, &p, t0());
    check(&d, Kind::Discovery, "test-7/camera/discovery/bcad28000001");
    assert_eq!(d.payload, discovery_payload(&rec, &p, t0()));
    let s = status_message(&topics, &rec, Status::StreamError, &p, t0());
    check(&s, Kind::Status, "test-7/camera/status/bcad28000001");
    assert_eq!(
        s.payload,
        status_payload(&rec, Status::StreamError, &p, t0())
    );
    let r = removal_message(&topics, "bcad28000001");
    check(&r, Kind::Removal, "test-7/camera/discovery/bcad28000001");
    assert!(r.payload.is_empty() && r.retain);
    let h = health_message(&topics, &cfg, [&rec], &MetricsSnapshot::default(), t0());
    check(&h, Kind::Health, "test-7/system/camera_detector_health");
    // From the configuration: the default hides credentials.
    assert!(!p.publish_credentials && p.node_id == "node-1" && p.credentials.len() == 2);
}
