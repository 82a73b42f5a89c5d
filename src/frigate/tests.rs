//! Unit tests of the Frigate config: exact YAML for fixtures (direct and go2rtc), a config
//! Frigate 0.17.2 is known to accept reproduced, passwords (plain, percent-encoded,
//! placeholders), names and order, the JSON form read against the YAML, and the atomic
//! file write.
use super::*;
use crate::model::{Profile, Stream, Transport};
use std::net::Ipv4Addr;
use std::time::{Duration, SystemTime};

pub(super) fn stream(url: &str, size: Option<(u32, u32)>) -> Stream {
    Stream {
        url: url.to_owned(),
        codec: "h264".to_owned(),
        width: size.map(|s| s.0),
        height: size.map(|s| s.1),
        transport: Transport::Tcp,
    }
}

pub(super) fn record(id: &str, ip: [u8; 4], name: &str) -> Camera {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    Camera {
        id: id.to_owned(),
        name: name.to_owned(),
        stream_active: true,
        last_seen: now,
        last_validated: Some(now),
        ..Camera::new(Ipv4Addr::from(ip))
    }
}

pub(super) fn profile(name: &str, w: u32, h: u32) -> Profile {
    Profile {
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
pub(super) fn amcrest() -> Camera {
    let mut r = record("aabbccddeeff", [10, 77, 0, 10], "Amcrest IP2M");
    r.mac = Some("aa:bb:cc:dd:ee:ff".to_owned());
    r.main = Some(stream(AMCREST_MAIN, Some((1920, 1080))));
    r.sub = Some(stream(AMCREST_SUB, Some((640, 480))));
    r.username = Some("admin".to_owned());
    r.credential_index = Some(1);
    r
}

/// One stream, no authentication, size unknown (its ONVIF profiles are not used for it).
pub(super) fn single() -> Camera {
    let mut r = record("ec71db000004", [10, 77, 0, 104], "Camera-db000004");
    r.mac = Some("ec:71:db:00:00:04".to_owned());
    r.main = Some(stream("rtsp://10.77.0.104:554/h264Preview_01_main", None));
    r.profiles = vec![
        profile("mainStream", 2560, 1440),
        profile("subStream", 896, 512),
    ];
    r
}

pub(super) fn offline() -> Camera {
    let mut r = record("001122334455", [10, 77, 0, 20], "Gone");
    r.main = Some(stream("rtsp://10.77.0.20/live", Some((640, 360))));
    r.online = false;
    r
}

pub(super) fn no_stream() -> Camera {
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

/// Direct inputs (the exact-YAML tests predate go2rtc); otherwise the defaults.
pub(super) fn opts() -> FrigateOptions {
    FrigateOptions {
        go2rtc: false,
        ..FrigateOptions::default()
    }
}

pub(super) fn go2rtc_opts() -> FrigateOptions {
    FrigateOptions {
        go2rtc: true,
        ..opts()
    }
}

/// The per-camera sections every camera shares (after `detect`), at camera indent.
fn common_tail(order: i64) -> String {
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

const DETECT: &str = "    detect: {enabled: true, fps: 5, stationary: {threshold: 50}}\n";

#[test]
fn yaml_for_the_fixtures_is_exact() {
    // Unsorted input; the offline camera stays, the one without a stream is left out.
    let cams = [single(), offline(), no_stream(), amcrest()];
    let want = format!(
        "{HEAD}  \"001122334455\":
    friendly_name: \"Gone (10.77.0.20)\"
    ffmpeg:
      inputs:
        - {{path: \"rtsp://10.77.0.20/live\", roles: [detect, record]}}
    detect: {{enabled: true, width: 640, height: 360, fps: 5, stationary: {{threshold: 50}}}}
{}  aabbccddeeff:
    friendly_name: \"Amcrest IP2M (AA:BB:CC:DD:EE:FF)\"
    ffmpeg:
      inputs:
        - {{path: \"rtsp://admin:p@ss{{{{{{{{w}}}}}}}}:rd@10.77.0.10:554/cam/realmonitor?channel=1&subtype=0\", roles: [record]}}
        - {{path: \"rtsp://admin:p@ss{{{{{{{{w}}}}}}}}:rd@10.77.0.10:554/cam/realmonitor?channel=1&subtype=1\", roles: [detect]}}
    detect: {{enabled: true, width: 640, height: 480, fps: 5, stationary: {{threshold: 50}}}}
{}  ec71db000004:
    friendly_name: \"Camera-db000004 (EC:71:DB:00:00:04)\"
    ffmpeg:
      inputs:
        - {{path: \"rtsp://10.77.0.104:554/h264Preview_01_main\", roles: [detect, record]}}
{DETECT}{}",
        common_tail(73_588_229_205),
        common_tail(187_723_572_702_975),
        common_tail(259_973_749_669_892)
    );
    let got = render_yaml(&cams, &creds(), &opts());
    assert_eq!(got, want, "\n{got}");
    // Same cameras in another order: same bytes.
    let reversed = [amcrest(), no_stream(), offline(), single()];
    assert_eq!(render_yaml(&reversed, &creds(), &opts()), got);
}

#[test]
fn go2rtc_yaml_is_the_wizards() {
    let cams = [amcrest(), single()];
    let want = format!(
        "version: 0.17-0
mqtt: {{host: mqtt_broker, port: 1883, topic_prefix: frigate, client_id: frigate, stats_interval: 60}}
detectors: {{default: {{type: cpu, num_threads: 3}}}}
go2rtc:
  streams:
    aabbccddeeff: \"rtsp://admin:p%40ss%7Bw%7D%3Ard@10.77.0.10:554/cam/realmonitor?channel=1&subtype=0\"
    aabbccddeeff_sub: \"rtsp://admin:p%40ss%7Bw%7D%3Ard@10.77.0.10:554/cam/realmonitor?channel=1&subtype=1\"
    ec71db000004: \"rtsp://10.77.0.104:554/h264Preview_01_main\"
cameras:
  aabbccddeeff:
    friendly_name: \"Amcrest IP2M (AA:BB:CC:DD:EE:FF)\"
    ffmpeg:
      inputs:
        - {{path: \"rtsp://127.0.0.1:8554/aabbccddeeff\", input_args: preset-rtsp-restream, roles: [record]}}
        - {{path: \"rtsp://127.0.0.1:8554/aabbccddeeff_sub\", input_args: preset-rtsp-restream, roles: [detect]}}
    live: {{streams: {{\"Main Stream\": aabbccddeeff, \"Sub Stream\": aabbccddeeff_sub}}}}
    detect: {{enabled: true, width: 640, height: 480, fps: 5, stationary: {{threshold: 50}}}}
{}  ec71db000004:
    friendly_name: \"Camera-db000004 (EC:71:DB:00:00:04)\"
    ffmpeg:
      inputs:
        - {{path: \"rtsp://127.0.0.1:8554/ec71db000004\", input_args: preset-rtsp-restream, roles: [detect, record]}}
    live: {{streams: {{\"Main Stream\": ec71db000004}}}}
{DETECT}{}",
        common_tail(187_723_572_702_975),
        common_tail(259_973_749_669_892)
    );
    let got = render_yaml(&cams, &creds(), &go2rtc_opts());
    assert_eq!(got, want, "\n{got}");
}

#[test]
fn a_small_sub_stream_is_streamed_but_detection_runs_on_the_main() {
    let mut cam = amcrest();
    cam.sub = Some(stream(AMCREST_SUB, Some((320, 240))));
    let got = render_yaml(&[cam.clone()], &creds(), &go2rtc_opts());
    assert!(got.contains("aabbccddeeff_sub: \"rtsp://"), "{got}");
    assert!(got.contains("\"Sub Stream\": aabbccddeeff_sub"), "{got}");
    assert!(
        got.contains("/aabbccddeeff\", input_args: preset-rtsp-restream, roles: [detect, record]}"),
        "{got}"
    );
    assert!(!got.contains("8554/aabbccddeeff_sub"), "{got}");
    assert!(
        got.contains("detect: {enabled: true, width: 1280, height: 720,"),
        "{got}"
    );
    let direct = render_yaml(&[cam], &creds(), &opts());
    assert_eq!(direct.matches("{path: ").count(), 1, "{direct}");
    assert!(!direct.contains("subtype=1"), "{direct}");
}

#[test]
fn a_udp_only_stream_goes_through_ffmpeg_in_go2rtc_and_gets_the_udp_preset_direct() {
    let mut cam = single();
    cam.main.as_mut().expect("main").transport = Transport::Udp;
    let got = render_yaml(&[cam.clone()], &creds(), &go2rtc_opts());
    assert!(
        got.contains("ec71db000004: \"ffmpeg:rtsp://10.77.0.104:554/h264Preview_01_main\""),
        "{got}"
    );
    let got = render_yaml(&[cam], &creds(), &opts());
    assert!(
        got.contains("{path: \"rtsp://10.77.0.104:554/h264Preview_01_main\", input_args: preset-rtsp-udp, roles: [detect, record]}"),
        "{got}"
    );
}

/// A config Frigate 0.17.2 accepts as written (password_env on, so the URLs carry the
/// placeholder), with our stable `ui.order`.
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
    let creds = [
        creds()[0].clone(),
        Credential {
            username: "admin".to_owned(),
            password: Secret::new("s3cret-Pw"),
        },
    ];
    let got = render_yaml(&[amcrest()], &creds, &o);
    let want = REFERENCE_EXAMPLE.replace("order: 0,", "order: 187723572702975,");
    assert_eq!(got, want, "\n{got}");
    assert!(!got.contains("s3cret"));
}

#[test]
fn password_env_shields_passwords_that_need_encoding_and_numbers_the_others() {
    let o = FrigateOptions {
        password_env: true,
        ..opts()
    };
    let mut creds = creds(); // admin:"" and admin:TRICKY
    creds.push(Credential {
        username: "admin".to_owned(),
        password: Secret::new("other"),
    });
    let mut second = single();
    second.id = "ec71db000005".to_owned();
    second.username = Some("admin".to_owned());
    second.credential_index = Some(2);
    let got = render_yaml(&[amcrest(), second.clone()], &creds, &o);
    assert!(
        got.contains("\"rtsp://%61dmin:{FRIGATE_RTSP_PASSWORD}@10.77.0.10:554/"),
        "{got}"
    );
    assert!(
        got.contains("\"rtsp://admin:{FRIGATE_RTSP_PASSWORD_3}@10.77.0.104:554/"),
        "{got}"
    );
    let got = render_yaml(&[second], &creds, &FrigateOptions { go2rtc: true, ..o });
    assert!(
        got.contains("\"rtsp://admin:{FRIGATE_RTSP_PASSWORD_3}@10.77.0.104:554/"),
        "{got}"
    );
    assert_eq!(plan::password_var(&creds, 0), None);
    assert_eq!(
        plan::password_var(&creds, 1).as_deref(),
        Some("FRIGATE_RTSP_PASSWORD")
    );
    creds.push(creds[1].clone());
    assert_eq!(
        plan::password_var(&creds, 3).as_deref(),
        Some("FRIGATE_RTSP_PASSWORD")
    );
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
        got.contains("\"rtsp://admin:p@ss{{{{w}}}}:rd@10.77.0.10:554/"),
        "{got}"
    );
}

#[test]
fn a_camera_that_cannot_be_expressed_is_left_out_with_its_reason() {
    let mut cam = amcrest();
    cam.username = Some("us:er".to_owned());
    let creds = vec![Credential {
        username: "us:er".to_owned(),
        password: Secret::new("pw"),
    }];
    cam.credential_index = Some(0);
    for o in [opts(), go2rtc_opts()] {
        let got = render_yaml(&[cam.clone(), single()], &creds, &o);
        assert!(!got.contains("aabbccddeeff"), "{got}");
        assert!(got.contains("ec71db000004:"), "{got}");
        let left = left_out(&[cam.clone(), single()], &creds, &o);
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].camera, "aabbccddeeff");
        assert!(
            left[0].reason.contains("user name contains ':'"),
            "{}",
            left[0].reason
        );
        assert!(!left[0].reason.contains("pw"));
    }
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
    assert_eq!(render_yaml(&[no_stream()], &creds(), &o), head);
    // go2rtc mode with no camera: an empty streams map.
    let g = FrigateOptions {
        go2rtc: true,
        ..o.clone()
    };
    assert!(render_yaml(&[], &creds(), &g).contains("\ngo2rtc:\n  streams: {}\ncameras: {}\n"));

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
fn a_sub_stream_equal_to_the_main_is_one_input() {
    let mut r = amcrest();
    r.sub = Some(stream(AMCREST_MAIN, Some((1920, 1080))));
    let got = render_yaml(&[r.clone()], &creds(), &opts());
    assert_eq!(got.matches("roles: [detect, record]").count(), 1, "{got}");
    assert!(!got.contains("roles: [record]"));
    let got = render_yaml(&[r], &creds(), &go2rtc_opts());
    assert!(!got.contains("_sub"), "{got}");
}

#[test]
fn names_and_order_do_not_depend_on_the_other_cameras() {
    let with_main = |id: &str, last: u8| {
        let mut r = record(id, [10, 0, 0, last], "C");
        r.main = Some(stream(&format!("rtsp://10.0.0.{last}/x"), None));
        r
    };
    let all = [
        with_main("cam.1", 1),
        with_main("cam_1", 2),
        with_main("cam:1", 3),
        with_main("aabbccddeeff", 4),
        with_main("unknown-10-0-0-5", 5),
    ];
    let block = |cams: &[Camera], id: &str| -> String {
        let name = camera_name(id);
        let text = render_yaml(cams, &[], &go2rtc_opts());
        let start = text
            .find(&format!("\n  {name}:\n"))
            .expect("camera in file");
        let rest = &text[start + 1..];
        let end = rest[1..].find("\n  ").map_or(rest.len(), |i| i + 1);
        rest[..end].to_owned()
    };
    for (i, cam) in all.iter().enumerate() {
        let alone = block(std::slice::from_ref(cam), &cam.id);
        let together = block(&all, &cam.id);
        assert_eq!(
            alone, together,
            "camera {i} changed with the others present"
        );
        let mut others: Vec<Camera> = all.to_vec();
        others.remove((i + 1) % all.len());
        assert_eq!(block(&others, &cam.id), alone);
    }
    let names: Vec<String> = plan(&all, &[], &opts(), Passwords::Plain)
        .cameras
        .iter()
        .map(|p| p.name.clone())
        .collect();
    let mut unique = names.clone();
    unique.dedup();
    assert_eq!(unique.len(), all.len(), "{names:?}");
    // A numeric id is quoted as a key (YAML would read it as a number).
    let mut n = with_main("001122334455", 4);
    n.name = "N".to_owned();
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
            "rtsp://%61dmin:{{FRIGATE_RTSP_PASSWORD}}@{}",
            &AMCREST_MAIN[7..]
        )
    );
    assert_eq!(hidden["mqtt"]["password"], "{FRIGATE_MQTT_PASSWORD}");
    let text = hidden.to_string();
    assert!(!text.contains("p@ss") && !text.contains("mqttpw"), "{text}");

    let shown = render_json(&cams, &creds(), &o, true);
    assert_eq!(
        path(&shown, "aabbccddeeff", 1),
        format!(
            "rtsp://admin:p@ss{{{{{{{{w}}}}}}}}:rd@{}",
            &AMCREST_SUB[7..]
        )
    );
    assert_eq!(shown["mqtt"]["password"], "mqttpw");
    assert_eq!(
        shown["cameras"]["ec71db000004"]["ui"]["order"],
        259_973_749_669_892_i64
    );
    assert_eq!(
        shown["cameras"]["aabbccddeeff"]["objects"]["filters"]["fire"]["threshold"],
        0.7
    );

    // With FRIGATE_RTSP_PASSWORD_ENV the payload never has more than the file.
    let env = FrigateOptions {
        password_env: true,
        ..o.clone()
    };
    assert_eq!(render_json(&cams, &creds(), &env, true), hidden);
    // go2rtc: the sources carry the placeholder too.
    let g = FrigateOptions { go2rtc: true, ..o };
    let hidden = render_json(&cams, &creds(), &g, false);
    assert_eq!(
        hidden["go2rtc"]["streams"]["aabbccddeeff"],
        format!(
            "rtsp://admin:{{FRIGATE_RTSP_PASSWORD}}@{}",
            &AMCREST_MAIN[7..]
        )
    );
    assert!(!hidden.to_string().contains("p%40ss"));
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
