//! Fixtures of the contract: whole CAMERA objects and payloads compared as JSON, with and
//! without PUBLISH_CREDENTIALS; key order, the primary URL rule, topics and flags.
use super::*;
use crate::model::{Capabilities, Profile, Stream, Transport};
use crate::secret::Secret;
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::json;
use std::collections::BTreeMap;
use std::time::{Duration, UNIX_EPOCH};

/// 2026-11-26T23:53:47.123Z.
fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(1_795_737_227_123)
}

fn cred(user: &str, pass: &str) -> Credential {
    Credential {
        username: user.to_owned(),
        password: Secret::new(pass),
    }
}

/// admin with an empty password, then admin with a password full of URL delimiters.
fn creds() -> Vec<Credential> {
    vec![cred("admin", ""), cred("admin", "p@ss:w/rd")]
}

fn urls(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn stream(url: &str, codec: &str, size: Option<(u32, u32)>) -> Stream {
    Stream {
        url: url.to_owned(),
        codec: codec.to_owned(),
        width: size.map(|s| s.0),
        height: size.map(|s| s.1),
        transport: Transport::Tcp,
    }
}

fn profile(name: &str, token: &str, w: u32, h: u32, fps: f32) -> Profile {
    Profile {
        name: name.to_owned(),
        token: token.to_owned(),
        width: Some(w),
        height: Some(h),
        framerate: Some(fps),
        encoding: Some("H264".to_owned()),
    }
}

const MAIN_URL: &str = "rtsp://192.168.1.100:554/Streaming/Channels/101";
const SUB_URL: &str = "rtsp://192.168.1.100:554/Streaming/Channels/102";

/// An ONVIF camera with two profiles, opened with credential 1, seen at two IPs.
fn onvif_camera() -> Camera {
    Camera {
        id: "bcad28000001".into(),
        ip: "192.168.1.100".parse().unwrap(),
        mac: Some("bc:ad:28:00:00:01".into()),
        name: "HIKVISION DS-2CD2042WD-I".into(),
        manufacturer: Some("HIKVISION".into()),
        model: Some("DS-2CD2042WD-I".into()),
        serial_number: Some("DS-2CD2042WD-I20160101AAWR".into()),
        firmware_version: Some("V5.4.0 build 160530".into()),
        onvif_url: Some("http://192.168.1.100:80/onvif/device_service".into()),
        http_url: Some("http://192.168.1.100:80".into()),
        rtsp_urls: urls(&[("mainstream", MAIN_URL), ("substream", SUB_URL)]),
        main: Some(stream(MAIN_URL, "h264", Some((1920, 1080)))),
        sub: Some(stream(SUB_URL, "h264", Some((640, 360)))),
        username: Some("admin".into()),
        credential_index: Some(1),
        profiles: vec![
            profile("mainStream", "Profile_1", 1920, 1080, 25.0),
            profile("subStream", "Profile_2", 640, 360, 14.6),
        ],
        capabilities: Capabilities {
            analytics: true,
            events: true,
            imaging: true,
            media: true,
            ptz: false,
        },
        ip_history: vec![
            "192.168.1.64".parse().unwrap(),
            "192.168.1.100".parse().unwrap(),
        ],
        online: true,
        stream_active: true,
        last_seen: t0(),
        last_validated: Some(t0() - Duration::from_secs(30)),
    }
}

/// A camera found by the RTSP prober alone: no ONVIF, admin with an empty password.
fn rtsp_camera() -> Camera {
    let url = "rtsp://10.0.0.7:554/stream1";
    Camera {
        id: "001122334455".into(),
        ip: "10.0.0.7".parse().unwrap(),
        mac: Some("00:11:22:33:44:55".into()),
        name: "Camera-22334455".into(),
        manufacturer: None,
        model: None,
        serial_number: None,
        firmware_version: Some("  ".into()),
        onvif_url: None,
        http_url: Some("http://10.0.0.7:80".into()),
        rtsp_urls: urls(&[("main", url)]),
        main: Some(stream(url, "h265", None)),
        sub: None,
        username: Some("admin".into()),
        credential_index: Some(0),
        profiles: Vec::new(),
        capabilities: Capabilities::default(),
        ip_history: vec!["10.0.0.7".parse().unwrap()],
        online: true,
        stream_active: true,
        last_seen: t0(),
        last_validated: Some(t0()),
    }
}

/// A camera whose MAC could not be learned, never opened, now offline.
fn unknown_mac_camera() -> Camera {
    Camera {
        id: "unknown-10-0-0-5".into(),
        ip: "10.0.0.5".parse().unwrap(),
        mac: None,
        name: "Camera-10-0-0-5".into(),
        http_url: None,
        rtsp_urls: BTreeMap::new(),
        main: None,
        username: None,
        credential_index: None,
        ip_history: vec!["10.0.0.5".parse().unwrap()],
        online: false,
        stream_active: false,
        last_validated: None,
        ..rtsp_camera()
    }
}

fn onvif_expected() -> serde_json::Value {
    json!({
        "ip": "192.168.1.100",
        "mac": "BC:AD:28:00:00:01",
        "name": "HIKVISION DS-2CD2042WD-I",
        "manufacturer": "HIKVISION",
        "model": "DS-2CD2042WD-I",
        "serial_number": "DS-2CD2042WD-I20160101AAWR",
        "firmware_version": "V5.4.0 build 160530",
        "onvif_url": "http://192.168.1.100:80/onvif/device_service",
        "rtsp_urls": {"mainstream": MAIN_URL, "substream": SUB_URL},
        "http_url": "http://192.168.1.100:80",
        "username": "admin",
        "last_seen": 1_795_737_227.123,
        "last_validated": 1_795_737_197.123,
        "online": true,
        "stream_active": true,
        "profiles": [
            {"name": "mainStream", "token": "Profile_1", "resolution": [1920, 1080],
             "framerate": 25, "encoding": "H264"},
            {"name": "subStream", "token": "Profile_2", "resolution": [640, 360],
             "framerate": 15, "encoding": "H264"}
        ],
        "capabilities": {"analytics": true, "events": true, "imaging": true, "media": true,
                         "ptz": false},
        "ip_history": ["192.168.1.64", "192.168.1.100"],
        "id": "bcad28000001",
        "primary_rtsp_url": MAIN_URL,
        "last_seen_iso": "2026-11-26T23:53:47.123Z",
        "last_validated_iso": "2026-11-26T23:53:17.123Z",
        "streams": {
            "main": {"url": MAIN_URL, "codec": "h264", "width": 1920, "height": 1080},
            "sub": {"url": SUB_URL, "codec": "h264", "width": 640, "height": 360}
        }
    })
}

#[test]
fn an_onvif_camera_is_the_original_camera_object_without_password() {
    assert_eq!(
        camera_json(&onvif_camera(), &creds(), false),
        onvif_expected()
    );
}

#[test]
fn publish_credentials_restores_the_password_and_encoded_userinfo() {
    let with = "rtsp://admin:p%40ss%3Aw%2Frd@192.168.1.100:554/Streaming/Channels/";
    let mut want = onvif_expected();
    want["password"] = json!("p@ss:w/rd");
    want["rtsp_urls"] = json!({"mainstream": format!("{with}101"),
                               "substream": format!("{with}102")});
    want["primary_rtsp_url"] = json!(format!("{with}101"));
    assert_eq!(camera_json(&onvif_camera(), &creds(), true), want);
}

#[test]
fn a_camera_without_onvif_has_unknown_fields_and_empty_capabilities() {
    let url = "rtsp://10.0.0.7:554/stream1";
    let mut want = json!({
        "ip": "10.0.0.7",
        "mac": "00:11:22:33:44:55",
        "name": "Camera-22334455",
        "manufacturer": "Unknown",
        "model": "Unknown",
        "serial_number": "Unknown",
        "firmware_version": "Unknown",
        "onvif_url": null,
        "rtsp_urls": {"main": url},
        "http_url": "http://10.0.0.7:80",
        "username": "admin",
        "last_seen": 1_795_737_227.123,
        "last_validated": 1_795_737_227.123,
        "online": true,
        "stream_active": true,
        "profiles": [],
        "capabilities": {},
        "ip_history": ["10.0.0.7"],
        "id": "001122334455",
        "primary_rtsp_url": url,
        "last_seen_iso": "2026-11-26T23:53:47.123Z",
        "last_validated_iso": "2026-11-26T23:53:47.123Z",
        "streams": {"main": {"url": url, "codec": "h265", "width": null, "height": null},
                    "sub": null}
    });
    assert_eq!(camera_json(&rtsp_camera(), &creds(), false), want);
    // The original put userinfo in a URL only when user AND password were non-empty.
    want["password"] = json!("");
    assert_eq!(camera_json(&rtsp_camera(), &creds(), true), want);
}

#[test]
fn an_unknown_mac_is_keyed_by_ip_and_never_validated_is_zero() {
    let mut want = json!({
        "ip": "10.0.0.5",
        "mac": "UNKNOWN-10-0-0-5",
        "name": "Camera-10-0-0-5",
        "manufacturer": "Unknown",
        "model": "Unknown",
        "serial_number": "Unknown",
        "firmware_version": "Unknown",
        "onvif_url": null,
        "rtsp_urls": {},
        "http_url": null,
        "username": null,
        "last_seen": 1_795_737_227.123,
        "last_validated": 0.0,
        "online": false,
        "stream_active": false,
        "profiles": [],
        "capabilities": {},
        "ip_history": ["10.0.0.5"],
        "id": "unknown-10-0-0-5",
        "primary_rtsp_url": null,
        "last_seen_iso": "2026-11-26T23:53:47.123Z",
        "last_validated_iso": null,
        "streams": {"main": null, "sub": null}
    });
    let rec = unknown_mac_camera();
    assert_eq!(camera_json(&rec, &creds(), false), want);
    want["password"] = json!(null);
    assert_eq!(camera_json(&rec, &creds(), true), want);
    // Our hashed fallback ids keep `mac` lower-casing to `id`, as the original's did.
    let rec = Camera {
        id: "unknown-ep-00ff00ff00ff00ff".into(),
        ..unknown_mac_camera()
    };
    assert_eq!(mac_text(&rec), "UNKNOWN-ep-00ff00ff00ff00ff");
    assert_eq!(mac_text(&rec).to_lowercase(), rec.id);
}

#[test]
fn default_payloads_carry_no_password_and_no_userinfo_anywhere() {
    let creds = vec![cred("admin", "s3cret")];
    let mut leaky = onvif_camera();
    leaky.credential_index = Some(0);
    // Even URLs stored with userinfo lose it.
    leaky.rtsp_urls = urls(&[("mainstream", "rtsp://admin:s3cret@192.168.1.100/a")]);
    leaky.onvif_url = Some("http://admin:s3cret@192.168.1.100/onvif/device_service".into());
    leaky.main = Some(stream("rtsp://admin:s3cret@192.168.1.100/a", "h264", None));
    let p = Publishing {
        node_id: "node-1",
        credentials: &creds,
        publish_credentials: false,
    };
    for rec in [leaky, onvif_camera(), rtsp_camera(), unknown_mac_camera()] {
        let texts = [
            discovery_payload(&rec, &p, t0()),
            status_payload(&rec, Status::Online, &p, t0()),
        ];
        for text in texts.map(|t| String::from_utf8(t).unwrap()) {
            assert!(!text.contains('@'), "{text}");
            assert!(
                !text.contains("s3cret") && !text.contains("password"),
                "{text}"
            );
        }
    }
    // The same record with PUBLISH_CREDENTIALS: the password is there (the control case).
    let p = Publishing {
        publish_credentials: true,
        ..p
    };
    let mut rec = onvif_camera();
    rec.credential_index = Some(0);
    let text = String::from_utf8(discovery_payload(&rec, &p, t0())).unwrap();
    assert!(text.contains("\"password\":\"s3cret\"") && text.contains("admin:s3cret@"));
}

/// The keys of a JSON object, in the order they appear in the text.
struct Keys(Vec<String>);

impl<'de> Deserialize<'de> for Keys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Keys;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Keys, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = m.next_key::<String>()? {
                    keys.push(k);
                    m.next_value::<IgnoredAny>()?;
                }
                Ok(Keys(keys))
            }
        }
        d.deserialize_map(V)
    }
}

fn keys_of(text: &str) -> Vec<String> {
    serde_json::from_str::<Keys>(text).unwrap().0
}

#[test]
fn payload_bytes_keep_the_originals_key_order() {
    let camera = |publish| {
        let rec = onvif_camera();
        let o = camera::CameraObject::new(&rec, &[], publish);
        keys_of(&serde_json::to_string(&o).unwrap())
    };
    let original = [
        "ip",
        "mac",
        "name",
        "manufacturer",
        "model",
        "serial_number",
        "firmware_version",
        "onvif_url",
        "rtsp_urls",
        "http_url",
        "username",
        "password",
        "last_seen",
        "last_validated",
        "online",
        "stream_active",
        "profiles",
        "capabilities",
        "ip_history",
        "id",
        "primary_rtsp_url",
        "last_seen_iso",
        "last_validated_iso",
        "streams",
    ];
    assert_eq!(camera(true), original);
    let without: Vec<&str> = original.into_iter().filter(|k| *k != "password").collect();
    assert_eq!(camera(false), without);

    let p = Publishing {
        node_id: "n",
        credentials: &[],
        publish_credentials: false,
    };
    let d = discovery_payload(&onvif_camera(), &p, t0());
    let s = status_payload(&onvif_camera(), Status::Offline, &p, t0());
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    assert_eq!(
        keys_of(&text(d)),
        ["event", "camera", "node_id", "timestamp"]
    );
    assert_eq!(
        keys_of(&text(s)),
        ["camera_id", "status", "camera", "node_id", "timestamp"]
    );
}

/// A record with these profile names (in ONVIF order) and these `rtsp_urls` keys.
fn with_urls(profiles: &[&str], keys: &[&str]) -> Camera {
    Camera {
        profiles: profiles
            .iter()
            .map(|n| profile(n, "t", 640, 360, 10.0))
            .collect(),
        rtsp_urls: keys
            .iter()
            .map(|k| ((*k).to_owned(), format!("rtsp://10.0.0.7/{k}")))
            .collect(),
        ..rtsp_camera()
    }
}

#[test]
fn the_primary_url_follows_the_originals_preference_then_profile_order() {
    for (profiles, keys, want) in [
        (&[][..], &["sub", "main"][..], Some("main")),
        (&[], &["high", "mainstream"], Some("mainstream")),
        (&[], &["profile_1", "high"], Some("high")),
        (&[], &["profile_2", "profile_1"], Some("profile_1")),
        (
            &["Track B", "Track A"],
            &["track_a", "track_b"],
            Some("track_b"),
        ),
        (&["Profile 2", "Main"], &["profile_2", "main"], Some("main")),
        (&[], &["zeta", "alpha"], Some("alpha")),
        (&["Only Profile"], &[], None),
    ] {
        let rec = with_urls(profiles, keys);
        let want = want.map(|k| format!("rtsp://10.0.0.7/{k}"));
        assert_eq!(primary_rtsp_url(&rec).map(str::to_owned), want, "{keys:?}");
        let v = camera_json(&rec, &[], false);
        assert_eq!(v["primary_rtsp_url"], json!(want), "{keys:?}");
    }
    // rtsp_urls keep the ONVIF profile order in the bytes (Python dicts keep insertion order).
    let rec = with_urls(&["Track B", "Track A"], &["track_a", "track_b"]);
    let o = camera::CameraObject::new(&rec, &[], false);
    let text = serde_json::to_string(&o).unwrap();
    let at = |needle: &str| text.find(needle).unwrap();
    assert!(at("\"track_b\":") < at("\"track_a\":"), "{text}");
}

#[test]
fn discovery_and_status_payloads_wrap_the_camera() {
    let creds = creds();
    let p = Publishing {
        node_id: "node-1",
        credentials: &creds,
        publish_credentials: false,
    };
    let now = t0() + Duration::from_secs(1);
    let rec = rtsp_camera();
    let camera = camera_json(&rec, &creds, false);
    let v: serde_json::Value = serde_json::from_slice(&discovery_payload(&rec, &p, now)).unwrap();
    assert_eq!(
        v,
        json!({"event": "discovered", "camera": camera, "node_id": "node-1",
               "timestamp": "2026-11-26T23:53:48.123Z"})
    );
    let v: serde_json::Value =
        serde_json::from_slice(&status_payload(&rec, Status::IpChanged, &p, now)).unwrap();
    assert_eq!(
        v,
        json!({"camera_id": "001122334455", "status": "ip_changed", "camera": camera,
               "node_id": "node-1", "timestamp": "2026-11-26T23:53:48.123Z"})
    );
}

#[path = "health_tests.rs"]
mod health_tests;

#[path = "message_tests.rs"]
mod message_tests;

#[path = "golden_tests.rs"]
mod golden_tests;
