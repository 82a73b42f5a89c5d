//! The state file's document (exact text, round trips, refusals) and the file calls in a
//! temp directory. The save policy, credential matching and restore: `tests_restore.rs`.
use super::persist::{decode, encode, load, save, StateError, MAX_CAMERAS, MAX_STATE_BYTES};
use super::tests::{ip, wall, ID_A};

use crate::model::{Camera, Capabilities, Profile, Stream, Transport};
use std::collections::BTreeMap;
use std::time::{Duration, UNIX_EPOCH};

/// A record with every field set (times in whole seconds: the file keeps seconds).
pub(super) fn full() -> Camera {
    Camera {
        id: ID_A.into(),
        ip: ip(7),
        mac: Some("44:19:b6:00:00:0a".into()),
        name: "Hikvision DS-2CD".into(),
        manufacturer: Some("Hikvision".into()),
        model: Some("DS-2CD".into()),
        serial_number: Some("SN123".into()),
        firmware_version: Some("V5.7".into()),
        onvif_url: Some("http://10.0.0.7:80/onvif/device_service".into()),
        http_url: Some("http://10.0.0.7:80".into()),
        rtsp_urls: BTreeMap::from([
            ("main".to_owned(), "rtsp://10.0.0.7:554/main".to_owned()),
            ("sub".to_owned(), "rtsp://10.0.0.7:554/sub".to_owned()),
        ]),
        main: Some(Stream {
            url: "rtsp://10.0.0.7:554/main".into(),
            codec: "h265".into(),
            width: Some(2560),
            height: Some(1440),
            transport: Transport::Tcp,
        }),
        sub: Some(Stream {
            url: "rtsp://10.0.0.7:554/sub".into(),
            codec: "h264".into(),
            width: Some(640),
            height: Some(360),
            transport: Transport::Udp,
        }),
        username: Some("viewer".into()),
        credential_index: Some(2),
        profiles: vec![Profile {
            name: "Main".into(),
            token: "Profile_1".into(),
            width: Some(2560),
            height: Some(1440),
            framerate: Some(12.5),
            encoding: Some("H265".into()),
        }],
        capabilities: Capabilities {
            analytics: true,
            events: true,
            imaging: true,
            media: true,
            ptz: true,
        },
        ip_history: vec![ip(5), ip(7)],
        online: true,
        stream_active: true,
        last_seen: wall(100),
        last_validated: Some(wall(90)),
    }
}

/// A record with nothing optional set.
pub(super) fn bare() -> Camera {
    Camera {
        id: "unknown-10-0-0-9".into(),
        name: "Camera-10-0-0-9".into(),
        ip_history: Vec::new(),
        online: false,
        ..Camera::new(ip(9))
    }
}

const BARE_TEXT: &str = r#"{
  "version": 1,
  "cameras": [
    {
      "id": "unknown-10-0-0-9",
      "ip": "10.0.0.9",
      "mac": null,
      "name": "Camera-10-0-0-9",
      "manufacturer": null,
      "model": null,
      "serial_number": null,
      "firmware_version": null,
      "onvif_url": null,
      "http_url": null,
      "rtsp_urls": {},
      "main": null,
      "sub": null,
      "username": null,
      "credential_index": null,
      "profiles": [],
      "capabilities": {
        "analytics": false,
        "events": false,
        "imaging": false,
        "media": false,
        "ptz": false
      },
      "ip_history": [],
      "online": false,
      "stream_active": false,
      "last_seen": 0,
      "last_validated": null
    }
  ]
}
"#;

fn decode_err(text: &str) -> String {
    match decode(text.as_bytes()) {
        Ok(r) => panic!("expected an error for {text}, got {r:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_record_with_nothing_set_is_written_as_the_fixture_and_read_back() {
    assert_eq!(
        String::from_utf8(encode([&bare()])).expect("utf-8"),
        BARE_TEXT
    );
    assert_eq!(decode(BARE_TEXT.as_bytes()), Ok(vec![bare()]));
    assert_eq!(
        String::from_utf8(encode([])).expect("utf-8"),
        "{\n  \"version\": 1,\n  \"cameras\": []\n}\n"
    );
}

#[test]
fn a_record_with_every_field_set_survives_the_round_trip() {
    let text = String::from_utf8(encode([&full(), &bare()])).expect("utf-8");
    assert_eq!(decode(text.as_bytes()), Ok(vec![full(), bare()]));
    // Times are Unix seconds; no password is in the document (there is none to write).
    assert!(text.contains("\"last_seen\": 1800000100,"), "{text}");
    assert!(text.contains("\"last_validated\": 1800000090\n"), "{text}");
    assert!(text.contains("\"username\": \"viewer\","), "{text}");
    assert!(!text.contains("password"), "{text}");
}

#[test]
fn times_are_kept_to_the_second_and_a_nan_frame_rate_comes_back_empty() {
    let mut r = full();
    r.last_seen = wall(100) + Duration::from_millis(999);
    r.profiles[0].framerate = Some(f32::NAN);
    let back = decode(&encode([&r])).expect("decodes");
    assert_eq!(back[0].last_seen, wall(100));
    assert_eq!(back[0].profiles[0].framerate, None);
}

#[test]
fn missing_optional_fields_are_empty_and_unknown_fields_are_ignored() {
    let text = r#"{"version": 1, "written_by": "a later build", "cameras": [
        {"id": "aabbccddeeff", "ip": "10.0.0.3", "name": "Cam", "last_seen": 5, "zoom": 3}]}"#;
    let mut want = bare();
    want.id = "aabbccddeeff".into();
    want.ip = ip(3);
    want.name = "Cam".into();
    want.last_seen = UNIX_EPOCH + Duration::from_secs(5);
    assert_eq!(decode(text.as_bytes()), Ok(vec![want]));
}

#[test]
fn corrupt_files_and_other_versions_are_one_line_errors() {
    let cases = [
        ("", "not a state document: the file is empty"),
        (" \n\t", "not a state document: the file is empty"),
        (
            "{garbage}",
            "not a state document: key must be a string at line 1 column 2",
        ),
        (
            "{\"version\": 1, \"cam",
            "not a state document: EOF while parsing a string at line 1 column 19",
        ),
        (
            "\u{0}\u{1}binary",
            "not a state document: not a JSON object",
        ),
        ("[1, 2]", "not a state document: not a JSON object"),
        (
            "{\"cameras\": []}",
            "not a state document: missing field `version` at line 1 column 15",
        ),
        (
            "{\"version\": 1}",
            "not a state document: missing field `cameras` at line 1 column 14",
        ),
        (
            "{\"version\": 2, \"cameras\": {\"new\": \"shape\"}}",
            "version 2 is not known (this build reads version 1)",
        ),
        (
            "{\"version\": 0, \"cameras\": []}",
            "version 0 is not known (this build reads version 1)",
        ),
        (
            r#"{"version": 1, "cameras": [{"id": "a", "ip": "10.0.0.300", "name": "x", "last_seen": 0}]}"#,
            "not a state document: invalid IPv4 address syntax at line 1 column 57",
        ),
        (
            r#"{"version": 1, "cameras": [{"id": "a", "ip": "10.0.0.3", "last_seen": 0}]}"#,
            "not a state document: missing field `name` at line 1 column 72",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(decode_err(text), want, "{text:?}");
    }
}

#[test]
fn a_camera_that_could_not_have_been_written_is_refused() {
    let doc = |cameras: &str| format!("{{\"version\": 1, \"cameras\": [{cameras}]}}");
    let cam = |id: &str, extra: &str| {
        format!(
            "{{\"id\": \"{id}\", \"ip\": \"10.0.0.3\", \"name\": \"x\", \"last_seen\": 0{extra}}}"
        )
    };
    let long = "a".repeat(65);
    let cases = [
        (
            doc(&cam("", "")),
            "camera 0: id \"\" is not 1 to 64 of A-Z a-z 0-9 - _".to_owned(),
        ),
        (
            doc(&format!("{},{}", cam("ok", ""), cam("a/#", ""))),
            "camera 1: id \"a/#\" is not 1 to 64 of A-Z a-z 0-9 - _".to_owned(),
        ),
        (
            doc(&cam(&long, "")),
            format!("camera 0: id \"{long}\" is not 1 to 64 of A-Z a-z 0-9 - _"),
        ),
        (
            doc(&cam("ab", ", \"mac\": \"zz:zz\"")),
            "camera 0: ab: mac \"zz:zz\" is not a MAC address".to_owned(),
        ),
        (
            doc(&cam("ab", ", \"last_validated\": 18446744073709551615")),
            "camera 0: ab: last_validated 18446744073709551615 is out of range".to_owned(),
        ),
        (
            doc(&format!("{},{}", cam("ab", ""), cam("ab", ""))),
            "camera 1: id \"ab\" appears twice".to_owned(),
        ),
    ];
    for (text, want) in cases {
        assert_eq!(decode_err(&text), want, "{text}");
    }
}

#[test]
fn oversized_and_overfull_files_are_refused() {
    let mut big = encode([&full()]);
    big.resize(MAX_STATE_BYTES, b' ');
    assert_eq!(
        decode(&big).map(|v| v.len()),
        Ok(1),
        "exactly the limit is read"
    );
    big.push(b' ');
    assert_eq!(decode(&big), Err(StateError::TooLarge));
    assert_eq!(
        decode_err(std::str::from_utf8(&big).expect("utf-8")),
        "more than 4194304 bytes"
    );

    let one = |i: usize| {
        format!("{{\"id\":\"c{i}\",\"ip\":\"10.0.0.1\",\"name\":\"x\",\"last_seen\":0}}")
    };
    let list = |n: usize| (0..n).map(one).collect::<Vec<_>>().join(",");
    let doc = |n: usize| format!("{{\"version\":1,\"cameras\":[{}]}}", list(n));
    assert_eq!(
        decode(doc(MAX_CAMERAS).as_bytes()).map(|v| v.len()),
        Ok(MAX_CAMERAS)
    );
    assert_eq!(
        decode_err(&doc(MAX_CAMERAS + 1)),
        "10001 cameras, more than the 10000 accepted"
    );
}

// ---- the file ----

#[test]
fn save_writes_atomically_and_load_reads_it_back() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state/dir/state.json");
    assert_eq!(load(&path), Ok(None), "no file yet");
    assert!(save(&path, [&full(), &bare()]).expect("first save"));
    assert_eq!(
        std::fs::read(&path).expect("read"),
        encode([&full(), &bare()])
    );
    let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(
        !save(&path, [&full(), &bare()]).expect("same"),
        "unchanged: not rewritten"
    );
    assert!(save(&path, [&bare()]).expect("changed"));
    assert_eq!(load(&path), Ok(Some(vec![bare()])));
    let names: Vec<String> = std::fs::read_dir(path.parent().expect("parent"))
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["state.json"], "a temp file was left behind");
}

#[test]
fn a_bad_file_is_an_error_naming_the_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.json");
    let shown = path.display().to_string();
    std::fs::write(&path, "{\"version\": 7, \"cameras\": []}").expect("write");
    let e = load(&path).expect_err("version 7");
    assert_eq!(
        e.to_string(),
        format!("{shown}: version 7 is not known (this build reads version 1)")
    );

    std::fs::write(&path, vec![b' '; MAX_STATE_BYTES + 100]).expect("write");
    let e = load(&path).expect_err("too big");
    assert_eq!(e.to_string(), format!("{shown}: more than 4194304 bytes"));

    std::fs::remove_file(&path).expect("rm");
    std::fs::create_dir(&path).expect("a directory where the file should be");
    let e = load(&path).expect_err("a directory").to_string();
    assert!(
        e.starts_with(&format!("{shown}: ")) && !e.contains('\n'),
        "{e}"
    );
    let e = save(&path, [&bare()]).expect_err("a directory").to_string();
    assert!(e.contains(&shown) && !e.contains('\n'), "{e}");
}
