//! Unit tests of the Frigate config: exact YAML for fixtures, the accepted example of
//! frigate-config.md reproduced byte for byte, passwords (plain, percent-encoded,
//! placeholders), the JSON form read against the YAML, and the atomic file write.
use super::*;
use crate::registry::record::{Capabilities, ProfileInfo, StreamInfo};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::time::{Duration, SystemTime};

pub(super) fn stream(url: &str, size: Option<(u32, u32)>) -> StreamInfo {
    StreamInfo {
        url: url.to_owned(),
        codec: "h264".to_owned(),
        width: size.map(|s| s.0),
        height: size.map(|s| s.1),
    }
}

pub(super) fn record(id: &str, ip: [u8; 4], name: &str) -> CameraRecord {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    CameraRecord {
        id: id.to_owned(),
        ip: Ipv4Addr::from(ip),
        mac: None,
        name: name.to_owned(),
        manufacturer: None,
        model: None,
        serial_number: None,
        firmware_version: None,
        onvif_url: None,
        http_url: None,
        rtsp_urls: BTreeMap::new(),
        main: None,
        sub: None,
        username: None,
        credential_index: None,
        profiles: Vec::new(),
        capabilities: Capabilities::default(),
        ip_history: vec![Ipv4Addr::from(ip)],
        online: true,
        stream_active: true,
        last_seen: now,
        last_validated: Some(now),
    }
}

pub(super) fn profile(name: &str, w: u32, h: u32) -> ProfileInfo {
    ProfileInfo {
        name: name.to_owned(),
        token: name.to_owned(),
        width: Some(w),
        height: Some(h),
        framerate: Some(25.0),
        encoding: Some("H264".to_owned()),
    }
}

pub(super) const AMCREST_MAIN: &str = "rtsp://10.77.0.10:554/cam/realmonitor?channel=1&subtype=0";
pub(super) const AMCREST_SUB: &str = "rtsp://10.77.0.10:554/cam/realmonitor?channel=1&subtype=1";
/// A password with `@`, `{` and `:`: each would break the URL or Frigate's env substitution.
pub(super) const TRICKY: &str = "p@ss{w}:rd";

/// Main + sub (a Digest camera of the lab), opened by the second credential.
pub(super) fn amcrest() -> CameraRecord {
    let mut r = record("aabbccddeeff", [10, 77, 0, 10], "Amcrest IP2M");
    r.mac = Some("aa:bb:cc:dd:ee:ff".to_owned());
    r.main = Some(stream(AMCREST_MAIN, Some((1920, 1080))));
    r.sub = Some(stream(AMCREST_SUB, Some((640, 480))));
    r.username = Some("admin".to_owned());
    r.credential_index = Some(1);
    r
}

/// One stream, no authentication, size unknown: the ONVIF profile ≤ 1280 wide gives it.
pub(super) fn single() -> CameraRecord {
    let mut r = record("ec71db000004", [10, 77, 0, 104], "Camera-db000004");
    r.mac = Some("ec:71:db:00:00:04".to_owned());
    r.main = Some(stream("rtsp://10.77.0.104:554/h264Preview_01_main", None));
    r.profiles = vec![
        profile("mainStream", 2560, 1440),
        profile("subStream", 896, 512),
    ];
    r
}

pub(super) fn offline() -> CameraRecord {
    let mut r = record("001122334455", [10, 77, 0, 20], "Gone");
    r.main = Some(stream("rtsp://10.77.0.20/live", Some((640, 360))));
    r.online = false;
    r
}

fn no_stream() -> CameraRecord {
    record("unknown-10-77-0-30", [10, 77, 0, 30], "Camera-77-0-30")
}

pub(super) fn creds() -> Vec<Credential> {
    vec![
        Credential {
            username: "admin".to_owned(),
            password: Secret::new(""),
        },
        Credential {
            username: "admin".to_owned(),
            password: Secret::new(TRICKY),
        },
    ]
}

pub(super) fn opts() -> FrigateOptions {
    FrigateOptions {
        mqtt_host: "mqtt_broker".to_owned(),
        mqtt_port: 1883,
        mqtt_user: None,
        mqtt_password: None,
        password_env: false,
        detector: Detector::Cpu,
        model: None,
    }
}

/// The per-camera sections every camera shares (after `detect`), at camera indent.
fn common_tail(order: usize) -> String {
    format!(
        "    objects:
      track: [fire, smoke, person]
      filters:
        fire: {{min_area: 500, max_area: 100000, threshold: 0.7}}
        smoke: {{min_area: 1000, max_area: 200000, threshold: 0.6}}
    review: {{alerts: {{labels: [fire, smoke]}}}}
    record:
      enabled: true
      continuous: {{days: 0}}
      motion: {{days: 7}}
      alerts: {{retain: {{days: 30, mode: active_objects}}}}
      detections: {{retain: {{days: 14, mode: active_objects}}}}
    snapshots: {{enabled: true, timestamp: true, retain: {{default: 7, objects: {{fire: 30, smoke: 30}}}}}}
    mqtt: {{enabled: true, timestamp: true, crop: true, quality: 90}}
    ui: {{order: {order}, dashboard: true}}
"
    )
}

const HEAD: &str = "version: 0.17-0
mqtt: {host: mqtt_broker, port: 1883, topic_prefix: frigate, client_id: frigate, stats_interval: 60}
detectors: {default: {type: cpu, num_threads: 3}}
cameras:
";

#[test]
fn yaml_for_the_fixtures_is_exact() {
    // Unsorted input, with an offline camera and one without a stream: both left out.
    let cams = [single(), offline(), no_stream(), amcrest()];
    let want = format!(
        "{HEAD}  aabbccddeeff:
    friendly_name: \"Amcrest IP2M (AA:BB:CC:DD:EE:FF)\"
    ffmpeg:
      inputs:
        - {{path: \"rtsp://admin:p@ss{{{{w}}}}:rd@10.77.0.10:554/cam/realmonitor?channel=1&subtype=0\", roles: [record]}}
        - {{path: \"rtsp://admin:p@ss{{{{w}}}}:rd@10.77.0.10:554/cam/realmonitor?channel=1&subtype=1\", roles: [detect]}}
    detect: {{enabled: true, width: 640, height: 480, fps: 5, stationary: {{threshold: 50}}}}
{}  ec71db000004:
    friendly_name: \"Camera-db000004 (EC:71:DB:00:00:04)\"
    ffmpeg:
      inputs:
        - {{path: \"rtsp://10.77.0.104:554/h264Preview_01_main\", roles: [detect, record]}}
    detect: {{enabled: true, width: 896, height: 512, fps: 5, stationary: {{threshold: 50}}}}
{}",
        common_tail(0),
        common_tail(1)
    );
    let got = render_yaml(&cams, &creds(), &opts());
    assert_eq!(got, want, "\n{got}");
    // Same cameras in another order: same bytes.
    let reversed = [amcrest(), no_stream(), offline(), single()];
    assert_eq!(render_yaml(&reversed, &creds(), &opts()), got);
}

/// The accepted example of shared/reference/frigate-config.md, byte for byte (password_env
/// on, so the URLs carry the placeholder as there).
const REFERENCE_EXAMPLE: &str = r#"version: 0.17-0
mqtt: {host: mqtt_broker, port: 1883, topic_prefix: frigate, client_id: frigate, stats_interval: 60}
detectors: {default: {type: cpu, num_threads: 3}}
cameras:
  aabbccddeeff:
    friendly_name: "Amcrest IP2M (AA:BB:CC:DD:EE:FF)"
    ffmpeg:
      inputs:
        - {path: "rtsp://admin:{FRIGATE_RTSP_PASSWORD}@10.77.0.10:554/cam/realmonitor?channel=1&subtype=0", roles: [record]}
        - {path: "rtsp://admin:{FRIGATE_RTSP_PASSWORD}@10.77.0.10:554/cam/realmonitor?channel=1&subtype=1", roles: [detect]}
    detect: {enabled: true, width: 640, height: 480, fps: 5, stationary: {threshold: 50}}
    objects:
      track: [fire, smoke, person]
      filters:
        fire: {min_area: 500, max_area: 100000, threshold: 0.7}
        smoke: {min_area: 1000, max_area: 200000, threshold: 0.6}
    review: {alerts: {labels: [fire, smoke]}}
    record:
      enabled: true
      continuous: {days: 0}
      motion: {days: 7}
      alerts: {retain: {days: 30, mode: active_objects}}
      detections: {retain: {days: 14, mode: active_objects}}
    snapshots: {enabled: true, timestamp: true, retain: {default: 7, objects: {fire: 30, smoke: 30}}}
    mqtt: {enabled: true, timestamp: true, crop: true, quality: 90}
    ui: {order: 0, dashboard: true}
"#;

#[test]
fn password_env_reproduces_the_accepted_example() {
    let o = FrigateOptions {
        password_env: true,
        ..opts()
    };
    let got = render_yaml(&[amcrest(), offline()], &creds(), &o);
    assert_eq!(got, REFERENCE_EXAMPLE, "\n{got}");
    assert!(!got.contains("p@ss"));
}

#[test]
fn an_empty_password_is_not_replaced_by_the_placeholder() {
    let mut cam = single();
    cam.username = Some("admin".to_owned());
    cam.credential_index = Some(0); // admin with an empty password
    let o = FrigateOptions {
        password_env: true,
        ..opts()
    };
    let got = render_yaml(&[cam], &creds(), &o);
    assert!(
        got.contains("{path: \"rtsp://admin:@10.77.0.104:554/h264Preview_01_main\""),
        "{got}"
    );
}

#[test]
fn password_of_another_user_or_a_missing_entry_is_not_used() {
    let mut cam = amcrest();
    cam.username = Some("viewer".to_owned()); // the list changed under the record
    let got = render_yaml(&[cam.clone()], &creds(), &opts());
    assert!(got.contains("\"rtsp://viewer:@10.77.0.10:554/"), "{got}");
    cam.credential_index = Some(7);
    let got = render_yaml(&[cam.clone()], &creds(), &opts());
    assert!(got.contains("\"rtsp://viewer:@10.77.0.10:554/"), "{got}");
    // No user recorded: the credential's own user.
    cam.username = None;
    cam.credential_index = Some(1);
    let got = render_yaml(&[cam], &creds(), &opts());
    assert!(
        got.contains("\"rtsp://admin:p@ss{{w}}:rd@10.77.0.10:554/"),
        "{got}"
    );
}

#[test]
fn model_detector_and_broker_login_sections() {
    let o = FrigateOptions {
        mqtt_host: "10.0.0.2".to_owned(),
        mqtt_port: 8883,
        mqtt_user: Some("fri{gate}".to_owned()),
        mqtt_password: Some(Secret::new("m{q}tt")),
        detector: Detector::EdgeTpu {
            device: "usb".to_owned(),
        },
        model: Some(ModelSettings {
            path: Some("/config/model/fire_smoke.tflite".to_owned()),
            labelmap_path: Some("/config/model/labels.txt".to_owned()),
            size: Some((640, 640)),
        }),
        ..opts()
    };
    let head = "version: 0.17-0
mqtt: {host: \"10.0.0.2\", port: 8883, user: \"fri{{gate}}\", password: \"m{{q}}tt\", topic_prefix: frigate, client_id: frigate, stats_interval: 60}
detectors: {default: {type: edgetpu, device: usb}}
model: {path: \"/config/model/fire_smoke.tflite\", labelmap_path: \"/config/model/labels.txt\", width: 640, height: 640}
cameras: {}
";
    assert_eq!(render_yaml(&[offline()], &creds(), &o), head);

    let env = FrigateOptions {
        password_env: true,
        model: Some(ModelSettings {
            size: Some((320, 320)),
            ..ModelSettings::default()
        }),
        ..o.clone()
    };
    let got = render_yaml(&[], &creds(), &env);
    assert!(
        got.contains("user: \"fri{{gate}}\", password: \"{FRIGATE_MQTT_PASSWORD}\","),
        "{got}"
    );
    assert!(
        got.contains("\nmodel: {width: 320, height: 320}\n"),
        "{got}"
    );

    // A user without a password still gets `password` (Frigate wants both or neither).
    let no_pw = FrigateOptions {
        mqtt_password: None,
        ..env
    };
    assert!(render_yaml(&[], &[], &no_pw).contains("user: \"fri{{gate}}\", password: \"\","));
}

#[test]
fn detect_size_falls_back_to_a_profile_then_to_1280x720() {
    let mut r = amcrest();
    assert_eq!(detect_size(&r), (640, 480)); // the sub stream
    r.sub = None;
    assert_eq!(detect_size(&r), (1920, 1080)); // the only stream, whatever its width
    r.main = Some(stream(AMCREST_MAIN, Some((0, 0))));
    assert_eq!(detect_size(&r), DEFAULT_DETECT_SIZE);
    r.profiles = vec![
        profile("a", 1920, 1080),
        profile("b", 1280, 720),
        profile("c", 640, 360),
    ];
    assert_eq!(detect_size(&r), (1280, 720));
    r.sub = Some(stream(AMCREST_SUB, None)); // sub with no size: profiles, not main's size
    assert_eq!(detect_size(&r), (1280, 720));
}

#[test]
fn a_sub_stream_equal_to_the_main_is_one_input() {
    let mut r = amcrest();
    r.sub = Some(stream(AMCREST_MAIN, Some((1920, 1080))));
    let got = render_yaml(&[r], &creds(), &opts());
    assert_eq!(got.matches("roles: [detect, record]").count(), 1, "{got}");
    assert!(!got.contains("roles: [record]"));
}

#[test]
fn names_are_sanitized_and_unique() {
    assert_eq!(camera_name("aabbccddeeff"), "aabbccddeeff");
    assert_eq!(camera_name("unknown-ep-00ff"), "unknown-ep-00ff");
    assert_eq!(camera_name("UNKNOWN 10.0.0.5/é"), "UNKNOWN_10_0_0_5__");
    assert_eq!(camera_name(""), "camera");
    let a = record("cam.1", [10, 0, 0, 1], "A");
    let b = record("cam_1", [10, 0, 0, 2], "B");
    let c = record("cam:1", [10, 0, 0, 3], "C");
    let with_main = |mut r: CameraRecord| {
        r.main = Some(stream("rtsp://h/x", None));
        r
    };
    let cams = [with_main(c), with_main(b), with_main(a)];
    let names: Vec<String> = included(&cams).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["cam_1", "cam_1-2", "cam_1-3"]);
    // A numeric id is quoted as a key (YAML would read it as a number).
    let mut n = with_main(record("001122334455", [10, 0, 0, 4], "N"));
    n.mac = None;
    let got = render_yaml(&[n], &[], &opts());
    assert!(
        got.contains("\n  \"001122334455\":\n    friendly_name: \"N (10.0.0.4)\"\n"),
        "{got}"
    );
}

#[test]
fn json_is_the_same_object_with_placeholders_unless_allowed() {
    let cams = [amcrest(), single()];
    let o = FrigateOptions {
        mqtt_user: Some("u".to_owned()),
        mqtt_password: Some(Secret::new("mqttpw")),
        ..opts()
    };
    let path = |v: &Value, cam: &str, i: usize| {
        v["cameras"][cam]["ffmpeg"]["inputs"][i]["path"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let hidden = render_json(&cams, &creds(), &o, false);
    assert_eq!(
        path(&hidden, "aabbccddeeff", 0),
        format!(
            "rtsp://admin:{{FRIGATE_RTSP_PASSWORD}}@{}",
            &AMCREST_MAIN[7..]
        )
    );
    assert_eq!(hidden["mqtt"]["password"], "{FRIGATE_MQTT_PASSWORD}");
    let text = hidden.to_string();
    assert!(!text.contains("p@ss") && !text.contains("mqttpw"), "{text}");

    let shown = render_json(&cams, &creds(), &o, true);
    assert_eq!(
        path(&shown, "aabbccddeeff", 1),
        format!("rtsp://admin:p@ss{{{{w}}}}:rd@{}", &AMCREST_SUB[7..])
    );
    assert_eq!(shown["mqtt"]["password"], "mqttpw");
    assert_eq!(shown["cameras"]["ec71db000004"]["ui"]["order"], 1);
    assert_eq!(
        shown["cameras"]["aabbccddeeff"]["objects"]["filters"]["fire"]["threshold"],
        0.7
    );

    // With FRIGATE_RTSP_PASSWORD_ENV the payload never has more than the file.
    let env = FrigateOptions {
        password_env: true,
        ..o
    };
    assert_eq!(render_json(&cams, &creds(), &env, true), hidden);
}

#[test]
fn write_if_changed_writes_atomically_and_only_changes() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sub/dir/cameras.yml");
    assert!(write_if_changed(&path, "a: 1\n").expect("first write"));
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "a: 1\n");
    let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(!write_if_changed(&path, "a: 1\n").expect("same text"));
    assert!(write_if_changed(&path, "a: 2\n").expect("new text"));
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "a: 2\n");
    let names: Vec<String> = std::fs::read_dir(path.parent().expect("parent"))
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["cameras.yml"], "a temp file was left behind");
}

#[test]
fn write_if_changed_errors_name_the_path_and_leave_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The target is a directory: reading it fails, and nothing is written.
    let target = dir.path().join("cameras.yml");
    std::fs::create_dir(target.join("x").parent().expect("p")).expect("mkdir");
    std::fs::write(target.join("x"), "").expect("file inside");
    let e = write_if_changed(&target, "a: 1\n").expect_err("a directory");
    let msg = e.to_string();
    assert!(msg.contains(&target.display().to_string()), "{msg}");
    assert!(!msg.contains('\n'));
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["cameras.yml"], "a temp file was left behind");
}
