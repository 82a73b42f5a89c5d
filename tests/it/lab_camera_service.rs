//! The service (`camera-detector` = run) in the lab's detector namespace against the lab's
//! broker, as the wildfire-watch stack sees it: every lab camera on
//! `camera/discovery/<id>` (retained, the original's fields, no password), none for the
//! noise host, the Frigate file with the six cameras whose go2rtc sources play in ffprobe
//! (and, rendered from the records it saved, whose direct inputs do too), the
//! Frigate config and reload trigger on MQTT, and on SIGTERM every camera's `offline`
//! status and the offline health message within 2 s, exit 0. Then a restart with the same
//! STATE_PATH republishes every camera before its first discovery pass could have. Prints
//! the time to the first retained discovery message of each camera (a number of the issue).
use crate::support::broker::Sub;
use crate::support::frigate::{go2rtc_streams, play_go2rtc, play_input, plays};
use crate::support::lab::lab;
use camera_detector::config::Credential;
use camera_detector::frigate::{plan, FrigateOptions, Passwords};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

#[test]
fn the_service_publishes_every_lab_camera_and_writes_frigate() {
    let Some(lab) = lab() else { return };
    let (host, port) = lab.broker();
    let node = format!("svc-it-{}", std::process::id());
    let prefix = format!("cs{}", std::process::id());
    let det_ns = lab.truth["detector"]["ns"]
        .as_str()
        .expect("ns")
        .to_string();
    let dir = tempfile::tempdir().expect("tempdir");
    let frigate_path = dir.path().join("frigate/cameras.yml");
    let creds = lab.credentials();
    let list: Vec<String> = creds.iter().map(|(u, p)| format!("{u}:{p}")).collect();
    let sub = Sub::start_cmd(
        lab.in_ns(&det_ns, "mosquitto_sub")
            .args(["-h", &host, "-p", &port.to_string()]),
        &format!("{prefix}/#"),
    );
    let state = dir.path().join("state/state.json");
    let start = || {
        Killed(
            lab.detector_service(&prefix, &node)
                .env("CAMERA_CREDENTIALS", list.join(","))
                .env("FRIGATE_CONFIG_PATH", &frigate_path)
                .env("STATE_PATH", &state)
                .env("LOG_LEVEL", "INFO")
                .spawn()
                .expect("start the detector in the lab"),
        )
    };
    let started = Instant::now();
    let mut child = start();

    // Every lab camera, retained, with the original's fields.
    let want: BTreeMap<String, &Value> = lab.truth["cameras"]
        .as_array()
        .expect("cameras")
        .iter()
        .map(|c| (c["mac"].as_str().expect("mac").replace(':', ""), c))
        .collect();
    let mut seen: BTreeMap<String, (Duration, Value)> = BTreeMap::new();
    let mut frigate_json = None;
    let mut reload = false;
    let deadline = Instant::now() + Duration::from_secs(40);
    while (seen.len() < want.len() || frigate_json.is_none() || !reload)
        && Instant::now() < deadline
    {
        let Some((_, topic, payload)) = sub.wait_for(Duration::from_secs(1), |_, _| true) else {
            continue;
        };
        let rest = topic.strip_prefix(&format!("{prefix}/")).unwrap_or("");
        if let Some(id) = rest.strip_prefix("camera/discovery/") {
            assert!(!payload.contains("password"), "no password key: {payload}");
            assert!(!payload.contains('@'), "no credentials in URLs: {payload}");
            for (_, p) in &creds {
                assert!(!payload.contains(p.as_str()), "a password in {topic}");
            }
            let v: Value = serde_json::from_str(&payload).expect("JSON");
            assert_eq!(v["event"], "discovered");
            seen.entry(id.to_string())
                .or_insert((started.elapsed(), v["camera"].clone()));
        } else if rest == "frigate/config/cameras" {
            // Retained and readable by every client: no camera password in it.
            for (_, p) in &creds {
                assert!(!payload.contains(p.as_str()), "a password in {topic}");
            }
            frigate_json = serde_json::from_str::<Value>(&payload).ok();
        } else if rest == "frigate/config/reload" {
            reload = true;
        }
    }
    let ids: Vec<&String> = seen.keys().collect();
    assert_eq!(
        ids,
        want.keys().collect::<Vec<_>>(),
        "exactly the lab's cameras"
    );
    for (id, (at, cam)) in &seen {
        eprintln!(
            "first retained discovery of {id}: {:.1} s after start",
            at.as_secs_f64()
        );
        let truth = want[id];
        assert_eq!(cam["ip"], truth["ip"], "{cam}");
        assert_eq!(cam["id"], id.as_str());
        assert_eq!(
            cam["mac"].as_str().map(str::to_lowercase).as_deref(),
            truth["mac"].as_str()
        );
        if truth["onvif"].is_object() {
            assert_eq!(cam["manufacturer"], truth["onvif"]["manufacturer"]);
            assert_eq!(cam["model"], truth["onvif"]["model"]);
        }
        assert!(cam["primary_rtsp_url"]
            .as_str()
            .is_some_and(|u| u.starts_with("rtsp://")));
        assert_eq!(cam["online"], true);
        assert_eq!(cam["stream_active"], true);
    }
    assert!(reload, "reload trigger published");
    let fj = frigate_json.expect("frigate/config/cameras published");
    assert_eq!(fj["cameras"].as_object().map(|o| o.len()), Some(6), "{fj}");

    // The Frigate file: the six cameras through go2rtc (the default); every source plays
    // as go2rtc opens it (cam6 plays over UDP only: an ffmpeg: source).
    let yaml = std::fs::read_to_string(&frigate_path).expect("frigate file written");
    assert!(yaml.starts_with("version: 0.17-0\n"), "{yaml}");
    let streams = go2rtc_streams(&yaml);
    for (name, source) in &streams {
        assert!(plays(&play_go2rtc(&lab, source, &[])), "{name}: {source}");
    }
    assert!(streams.len() >= 11, "main + sub streams: {}", streams.len());
    assert!(
        streams.iter().any(|(_, s)| s.starts_with("ffmpeg:rtsp://")),
        "the UDP-only camera goes through ffmpeg: {streams:?}"
    );
    for id in want.keys() {
        assert!(yaml.contains(&format!("\"{id}\":")) || yaml.contains(&format!("{id}:")));
    }

    // SIGTERM: every camera offline, then the offline health, within 2 s; exit 0.
    let pid = child.0.id().to_string();
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status();
    let t = Instant::now();
    let lwt = format!("{prefix}/system/camera_detector_health/{node}/lwt");
    let mut offline: Vec<String> = Vec::new();
    let mut lwt_offline = None;
    while t.elapsed() < Duration::from_secs(3) && lwt_offline.is_none() {
        let Some((_, topic, payload)) = sub.wait_for(Duration::from_millis(200), |_, _| true)
        else {
            continue;
        };
        if let Some(id) = topic.strip_prefix(&format!("{prefix}/camera/status/")) {
            if payload.contains("\"status\":\"offline\"") {
                offline.push(id.to_string());
            }
        } else if topic == lwt && payload.contains("\"offline\"") {
            lwt_offline = Some(t.elapsed());
        }
    }
    let status = child.0.wait().expect("exit");
    offline.sort();
    assert_eq!(
        offline,
        want.keys().cloned().collect::<Vec<_>>(),
        "offline for every camera"
    );
    let took = lwt_offline.expect("offline health message");
    eprintln!("SIGTERM → offline health after {took:?}");
    assert!(took <= Duration::from_secs(2), "within 2 s: {took:?}");
    assert_eq!(status.code(), Some(0));

    // Restart: the inventory comes back from STATE_PATH before any pass could end (a pass
    // takes the 5 s WS-Discovery window), online as it was saved.
    assert!(state.exists(), "state file written at shutdown");
    let restarted = Instant::now();
    let _again = start();
    let mut back: Vec<String> = Vec::new();
    while back.len() < want.len() && restarted.elapsed() < Duration::from_secs(4) {
        let Some((_, topic, payload)) = sub.wait_for(Duration::from_millis(200), |_, _| true)
        else {
            continue;
        };
        if let Some(id) = topic.strip_prefix(&format!("{prefix}/camera/discovery/")) {
            if payload.contains("\"online\":true") && !back.contains(&id.to_string()) {
                back.push(id.to_string());
            }
        }
    }
    eprintln!(
        "after a restart: {} cameras republished in {:?}",
        back.len(),
        restarted.elapsed()
    );
    back.sort();
    assert_eq!(
        back,
        want.keys().cloned().collect::<Vec<_>>(),
        "republished from the state file"
    );

    // The same records rendered with FRIGATE_GO2RTC=false: every direct input plays as
    // Frigate hands it to ffmpeg. Connections to each camera, for docs/frigate.md.
    let records = camera_detector::registry::persist::load(&state)
        .expect("state")
        .expect("cameras");
    let credentials: Vec<Credential> = creds.iter().map(|(u, p)| Credential::new(u, p)).collect();
    let options = |go2rtc| FrigateOptions {
        go2rtc,
        ..FrigateOptions::default()
    };
    let direct = plan(&records, &credentials, &options(false), Passwords::Plain);
    let restream = plan(&records, &credentials, &options(true), Passwords::Plain);
    assert_eq!(direct.cameras.len(), 6, "{:?}", direct.left_out);
    for (d, g) in direct.cameras.iter().zip(&restream.cameras) {
        for input in &d.inputs {
            let got = play_input(&lab, &input.path, input.input_args, &[]);
            assert!(plays(&got), "{}: {}", d.name, input.path);
        }
        eprintln!(
            "connections to {}: direct {} (one per ffmpeg input); go2rtc {} (one per stream an input reads; a second stream only while someone watches it live)",
            d.name,
            d.inputs.len(),
            g.inputs.len(),
        );
    }
}

/// The detector process, killed if the test ends early (a failed assertion must not leave
/// it running in the lab).
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
