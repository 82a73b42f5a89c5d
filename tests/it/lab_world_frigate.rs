//! Issue 14's lab proof: two cameras of our own whose passwords hold `{ } @ : / # % & ?`
//! (one with a space too, so that Frigate leaves it alone; the other without, so that
//! Frigate re-encodes it) are found by the service, and every way the Frigate config can
//! reach them plays in ffprobe from lab-det, each URL exactly as the library's model says
//! Frigate, go2rtc or ffmpeg passes it: the go2rtc sources of the file the service wrote,
//! and (from the records it saved) the direct inputs, each with the password in the file
//! and with the `{FRIGATE_RTSP_PASSWORD…}` placeholders and their documented values. A
//! password written naively into a URL does not play (the camera really checks it).
use crate::support::frigate::{go2rtc_streams, play_go2rtc, play_input, plays};
use crate::support::lab::{lab, with_creds};
use crate::support::owncam::OwnCamera;
use camera_detector::config::Credential;
use camera_detector::frigate::url::placeholder_value;
use camera_detector::frigate::{plan, FrigateOptions, Passwords};
use std::process::Command;
use std::time::{Duration, Instant};

/// Every character the issue names, and a space; the same without the space.
const PASSWORDS: [&str; 2] = ["p{w} @:/#%&?x", "p{w}@:/#%&?x"];

struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn options(go2rtc: bool, password_env: bool) -> FrigateOptions {
    FrigateOptions {
        go2rtc,
        password_env,
        ..FrigateOptions::default()
    }
}

#[test]
fn lab_world_frigate_a_password_with_every_url_character_plays_as_frigate_passes_it() {
    let Some(lab) = lab() else { return };
    let cams = [
        OwnCamera::start_with_password(&lab, "fp", PASSWORDS[0]),
        OwnCamera::start_with_password(&lab, "fq", PASSWORDS[1]),
    ];
    for (cam, pw) in cams.iter().zip(PASSWORDS) {
        let naive = format!("rtsp://admin:{pw}@{}:554/h264Preview_01_main", cam.ip());
        assert!(
            !plays(&lab.ffprobe(&naive, "tcp")),
            "the raw password must not play"
        );
        assert!(
            plays(&lab.ffprobe(&with_creds(&cam.main_url(), "admin", pw), "tcp")),
            "the camera plays with its percent-encoded password"
        );
    }
    let ids: Vec<String> = cams.iter().map(|c| c.mac().replace(':', "")).collect();

    let dir = tempfile::tempdir().expect("tempdir");
    let (file, state) = (
        dir.path().join("cameras.yml"),
        dir.path().join("state.json"),
    );
    let list = dir.path().join("credentials");
    let lines: Vec<String> = PASSWORDS.iter().map(|p| format!("admin:{p}\n")).collect();
    std::fs::write(&list, lines.concat()).expect("credentials file");
    let prefix = format!("fp{}", std::process::id());
    let nets: Vec<String> = cams.iter().map(|c| format!("{}/32", c.ip())).collect();
    let mut svc = Killed(
        lab.detector_service(&prefix, &prefix)
            .env("CAMERA_CREDENTIALS_FILE", &list)
            .env("SCAN_NETWORKS", nets.join(","))
            .env("FRIGATE_CONFIG_PATH", &file)
            .env("STATE_PATH", &state)
            .spawn()
            .expect("start the detector"),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut yaml = String::new();
    let found = |y: &str| ids.iter().all(|id| y.contains(&format!("    {id}_sub: ")));
    while Instant::now() < deadline && !found(&yaml) {
        std::thread::sleep(Duration::from_millis(250));
        yaml = std::fs::read_to_string(&file).unwrap_or_default();
    }
    let _ = Command::new("kill")
        .args(["-TERM", &svc.0.id().to_string()])
        .status();
    let _ = svc.0.wait();

    // The file the service wrote: go2rtc (the default), each camera's two streams.
    for id in &ids {
        let streams: Vec<(String, String)> = go2rtc_streams(&yaml)
            .into_iter()
            .filter(|(name, _)| name.starts_with(id.as_str()))
            .collect();
        assert_eq!(streams.len(), 2, "main and sub of {id} in:\n{yaml}");
        assert!(yaml.contains(&format!(
            "rtsp://127.0.0.1:8554/{id}\", input_args: preset-rtsp-restream"
        )));
        for (name, source) in &streams {
            assert!(plays(&play_go2rtc(&lab, source, &[])), "{name}: {source}");
        }
    }

    // The same records in every mode, from the state the service saved.
    let records = camera_detector::registry::persist::load(&state)
        .expect("state file")
        .expect("cameras saved");
    let creds: Vec<Credential> = PASSWORDS
        .iter()
        .map(|p| Credential::new("admin", *p))
        .collect();
    let values: Vec<String> = PASSWORDS.iter().map(|p| placeholder_value(p)).collect();
    let mut played = 0;
    for go2rtc in [true, false] {
        for password_env in [false, true] {
            let o = options(go2rtc, password_env);
            let mode = if password_env {
                Passwords::Placeholder
            } else {
                Passwords::Plain
            };
            let env: Vec<(&str, &str)> = if password_env {
                vec![
                    ("FRIGATE_RTSP_PASSWORD", values[0].as_str()),
                    ("FRIGATE_RTSP_PASSWORD_2", values[1].as_str()),
                ]
            } else {
                Vec::new()
            };
            let p = plan(&records, &creds, &o, mode);
            for id in &ids {
                let c = p
                    .cameras
                    .iter()
                    .find(|c| c.name == *id)
                    .expect("in the plan");
                for (name, source) in &c.streams {
                    let got = play_go2rtc(&lab, source, &env);
                    assert!(plays(&got), "go2rtc {name} (env {password_env}): {source}");
                    played += 1;
                }
                for input in c.inputs.iter().filter(|i| !i.restream()) {
                    let got = play_input(&lab, &input.path, input.input_args, &env);
                    assert!(plays(&got), "input (env {password_env}): {}", input.path);
                    eprintln!("direct, env {password_env}: {} → {got:?}", input.path);
                    played += 1;
                }
            }
        }
    }
    // Per camera: go2rtc main + sub, twice; direct main (record + detect: the 320x180 sub
    // is below 360, so detection runs on the main stream), twice.
    assert_eq!(played, 12);
}
