//! The announcer against a detached publisher: which messages a registry change becomes
//! under each contract, the re-send bookkeeping, and when the Frigate file and its MQTT
//! copy go out.
use super::*;
use crate::model::{Camera, Stream, Transport};
use crate::publish::Publisher;
use crate::registry::{Finding, Settings, Status};
use crossbeam_channel::Receiver;
use std::net::Ipv4Addr;
use std::time::{Duration, UNIX_EPOCH};

const ID: &str = "4419b600000a";

fn config(vars: &[(&str, &str)]) -> Arc<Config> {
    Arc::new(crate::discovery::testutil::config(vars))
}

fn now(secs: u64) -> Now {
    // One base for every call, so that the monotonic times compare.
    static BASE: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    let base = *BASE.get_or_init(Instant::now);
    Now {
        mono: base + Duration::from_secs(secs),
        wall: UNIX_EPOCH + Duration::from_secs(1_800_000_000 + secs),
    }
}

fn camera(last: u8, main_path: &str) -> Camera {
    let ip = Ipv4Addr::new(10, 0, 0, last);
    let mut c = Camera::new(ip);
    c.id = format!("4419b60000{last:02x}");
    c.mac = Some(format!("44:19:b6:00:00:{last:02x}"));
    c.main = Some(Stream {
        url: format!("rtsp://{ip}:554/{main_path}"),
        codec: "h264".into(),
        width: Some(1920),
        height: Some(1080),
        transport: Transport::Tcp,
    });
    c.derive(&[], 80);
    c
}

/// A registry holding `cams` (found at 0 s), and the changes that brought them in.
fn registry(cams: &[Camera]) -> (Registry, Vec<Change>) {
    let mut r = Registry::new(Settings {
        offline_threshold: Duration::from_secs(180),
        health_check_interval: Duration::from_secs(60),
        remove_after: None,
    });
    let changes = cams
        .iter()
        .flat_map(|c| r.apply(Finding::Discovered(Box::new(c.clone())), now(0)))
        .collect();
    (r, changes)
}

fn announcer(vars: &[(&str, &str)]) -> (Announcer, Receiver<Message>) {
    let (publisher, queue) = Publisher::detached(100);
    (Announcer::new(config(vars), publisher, now(0).mono), queue)
}

fn topics(queue: &Receiver<Message>) -> Vec<String> {
    queue.try_iter().map(|m| m.topic).collect()
}

#[test]
fn a_new_camera_is_one_retained_record_per_contract() {
    let (r, changes) = registry(&[camera(10, "live")]);
    assert_eq!(changes, [Change::New(ID.into())]);
    for (contract, want) in [
        ("legacy", vec![format!("camera/discovery/{ID}")]),
        (
            "current",
            vec!["camera/discovery/44:19:B6:00:00:0A".to_owned()],
        ),
        (
            "both",
            vec![
                format!("camera/discovery/{ID}"),
                "camera/discovery/44:19:B6:00:00:0A".to_owned(),
            ],
        ),
    ] {
        let (mut a, queue) = announcer(&[("MQTT_CONTRACT", contract)]);
        a.changes(&r, &changes, now(0));
        assert_eq!(topics(&queue), want, "{contract}");
    }
}

#[test]
fn a_removed_camera_clears_its_topic_and_is_no_longer_resent() {
    let (r, changes) = registry(&[camera(10, "live")]);
    let (mut a, queue) = announcer(&[
        ("MQTT_CONTRACT", "current"),
        ("DISCOVERY_RESEND_INTERVAL", "240"),
    ]);
    a.changes(&r, &changes, now(0));
    assert_eq!(topics(&queue).len(), 1);
    // The re-send clock's first turn is at its start; then one record per period / live.
    let next = a.resend_due(&r, now(1).mono).expect("re-sends are on");
    assert_eq!(topics(&queue), ["camera/discovery/44:19:B6:00:00:0A"]);
    assert_eq!(next, now(241).mono);
    assert_eq!(a.resend_due(&r, now(100).mono), Some(next));
    assert!(topics(&queue).is_empty(), "not before its turn");
    a.resend_due(&r, now(241).mono);
    assert_eq!(topics(&queue), ["camera/discovery/44:19:B6:00:00:0A"]);

    // Forgotten (the registry no longer holds it): an empty retained payload, and no
    // re-send of it.
    let (empty, _) = registry(&[]);
    a.changes(&empty, &[Change::Removed(ID.into())], now(300));
    let sent: Vec<Message> = queue.try_iter().collect();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].topic, "camera/discovery/44:19:B6:00:00:0A");
    assert!(sent[0].retain && sent[0].payload.is_empty(), "{sent:?}");
    a.resend_due(&empty, now(900).mono);
    assert!(
        topics(&queue).is_empty(),
        "the removed camera is not re-sent"
    );
}

#[test]
fn a_status_change_follows_its_contracts() {
    let (r, _) = registry(&[camera(10, "live")]);
    let (mut a, queue) = announcer(&[("MQTT_CONTRACT", "both")]);
    a.changes(
        &r,
        &[Change::Status(ID.into(), Status::StreamError)],
        now(5),
    );
    // The current contract has no stream_error (original's contract only).
    assert_eq!(topics(&queue), [format!("camera/status/{ID}")]);
    a.changes(&r, &[Change::Status(ID.into(), Status::Offline)], now(6));
    assert_eq!(
        topics(&queue),
        [
            format!("camera/status/{ID}"),
            "camera/status/44:19:B6:00:00:0A".to_owned()
        ]
    );
}

#[test]
fn the_frigate_file_and_its_copy_go_out_only_when_the_text_changes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("frigate.yml");
    let path_var = path.to_str().expect("utf-8");
    let (mut a, queue) = announcer(&[("FRIGATE_CONFIG_PATH", path_var)]);
    let cams = [camera(10, "live")];
    a.frigate(&cams);
    assert!(path.exists());
    assert_eq!(
        topics(&queue),
        ["frigate/config/cameras", "frigate/config/reload"]
    );
    a.frigate(&cams);
    assert!(topics(&queue).is_empty(), "same text: nothing");
    let mut offline = cams.clone();
    offline[0].online = false;
    a.frigate(&offline);
    assert!(
        topics(&queue).is_empty(),
        "offline changes nothing Frigate reads"
    );
    a.frigate(&[camera(10, "other")]);
    assert_eq!(
        topics(&queue),
        ["frigate/config/cameras", "frigate/config/reload"]
    );

    // The current stack never gets the Frigate config; the file is written all the same.
    let other = dir.path().join("current.yml");
    let (mut a, queue) = announcer(&[
        ("FRIGATE_CONFIG_PATH", other.to_str().expect("utf-8")),
        ("MQTT_CONTRACT", "current"),
    ]);
    a.frigate(&cams);
    assert!(other.exists());
    assert!(topics(&queue).is_empty());
}

#[test]
fn an_unwritable_frigate_file_still_sends_the_copy_and_the_reload() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A directory where the file should be: the write fails, MQTT is Frigate's only news.
    let path = dir.path().join("frigate.yml");
    std::fs::create_dir(&path).expect("mkdir");
    let (mut a, queue) = announcer(&[("FRIGATE_CONFIG_PATH", path.to_str().expect("utf-8"))]);
    a.frigate(&[camera(10, "live")]);
    assert_eq!(
        topics(&queue),
        ["frigate/config/cameras", "frigate/config/reload"]
    );
}
