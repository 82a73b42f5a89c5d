//! `camera-detector probe` inside the lab's detector namespace against every RTSP server of
//! the lab (gst-rtsp-server Digest/Basic/none, H.264/H.265, with audio; ipycam's server;
//! the npm server that refuses TCP with 461): it plays each one until RTP, and the codec
//! and size it reports are what ffprobe reports for the same URL. Wrong credentials, a
//! missing path and the non-RTSP noise host fail with one clear line.
use crate::support::lab::{lab, with_creds, Lab};
use serde_json::Value;

/// `camera-detector probe url` in the detector namespace: (exit success, its JSON).
pub(crate) fn probe(lab: &Lab, url: &str, creds: &str) -> (bool, Value) {
    let out = lab
        .detector()
        .arg("probe")
        .arg(url)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("CAMERA_CREDENTIALS", creds)
        .env("RTSP_TIMEOUT", "5")
        .output()
        .expect("run camera-detector probe");
    let text = String::from_utf8_lossy(&out.stdout);
    let v: Value =
        serde_json::from_str(text.trim()).unwrap_or_else(|_| panic!("JSON from probe: {text:?}"));
    (out.status.success(), v)
}

#[test]
fn every_lab_stream_plays_and_matches_ffprobe() {
    let Some(lab) = lab() else { return };
    let cams = lab.truth["cameras"].as_array().expect("cameras").clone();
    let mut checked = 0;
    for cam in &cams {
        let ip = cam["ip"].as_str().unwrap();
        for r in cam["rtsp"].as_array().unwrap() {
            let (port, path) = (r["port"].as_u64().unwrap(), r["path"].as_str().unwrap());
            let url = format!("rtsp://{ip}:{port}{path}");
            let (user, pass) = (
                r["user"].as_str().unwrap_or(""),
                r["pass"].as_str().unwrap_or(""),
            );
            let creds = if user.is_empty() {
                String::new()
            } else {
                format!("{user}:{pass}")
            };
            let (ok, v) = probe(&lab, &url, &creds);
            assert!(ok, "{url}: {v}");
            let s = &v["stream"];
            let transport = s["transport"].as_str().unwrap().to_string();
            let want_codec = r["codec"].as_str().unwrap().split('+').next().unwrap();
            assert_eq!(s["codec"], want_codec, "{url}: {v}");
            let auth_url = if user.is_empty() {
                url.clone()
            } else {
                with_creds(&url, user, pass)
            };
            let (codec, w, h) = lab.ffprobe(&auth_url, &transport);
            assert_eq!(codec, want_codec, "ffprobe codec for {url}");
            assert_eq!(
                (s["width"].as_u64(), s["height"].as_u64()),
                (Some(w), Some(h)),
                "{url}: {v}"
            );
            let quirks = r["transports"]
                .as_array()
                .map(|t| t.len() == 1 && t[0] == "udp");
            assert_eq!(
                transport == "udp",
                quirks == Some(true),
                "{url}: TCP first, UDP only after 461"
            );
            checked += 1;
        }
    }
    assert!(checked >= 9, "every lab stream checked ({checked})");
}

#[test]
fn failures_are_one_clear_line() {
    let Some(lab) = lab() else { return };
    let cam4 = "rtsp://10.77.0.104:554/h264Preview_01_main";
    let (ok, v) = probe(&lab, cam4, "admin:wrong");
    assert!(!ok);
    assert_eq!(
        v["error"],
        "rtsp 10.77.0.104:554 DESCRIBE: 401 unauthorized (credentials refused)"
    );
    let (ok, v) = probe(
        &lab,
        "rtsp://10.77.0.104:554/no/such/path",
        "admin:reolink123",
    );
    assert!(
        !ok && v["error"] == "rtsp 10.77.0.104:554 DESCRIBE: 404 Not Found",
        "{v}"
    );
    let (ok, v) = probe(&lab, "rtsp://10.77.0.50:554/", "admin:x");
    let e = v["error"].as_str().unwrap_or_default();
    assert!(
        !ok && e.starts_with("rtsp 10.77.0.50:554 OPTIONS: not an RTSP response"),
        "{v}"
    );
    assert!(!e.contains('\n'));
}
