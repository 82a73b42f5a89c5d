//! The proof of the discovery engine: `camera-detector scan` inside the lab's detector
//! namespace, with every lab credential configured (never the right one first), must report
//! exactly the lab's cameras (lab.json) with the right MAC, ONVIF manufacturer/model, a main
//! stream (and the sub stream where the camera has one) with codec and size, and the
//! credential that opens it; not the noise host; and every URL it reports must play in
//! ffprobe with that credential. The RTSP request budget of the issue (≤ 83, a fifth of the
//! original's 415 opens) is asserted too: a change that doubles the probing fails here.
use crate::support::lab::{lab, with_creds, Lab};
use serde_json::Value;

/// Every lab credential, rotated so that no camera's own pair comes first.
fn lab_credentials(lab: &Lab) -> Vec<(String, String)> {
    let mut creds = lab.credentials();
    let half = creds.len() / 2;
    creds.rotate_left(half);
    creds
}

fn scan(lab: &Lab, creds: &[(String, String)]) -> Value {
    scan_via(lab, creds, &[])
}

fn scan_via(lab: &Lab, creds: &[(String, String)], wrapper: &[&str]) -> Value {
    let list: Vec<String> = creds.iter().map(|(u, p)| format!("{u}:{p}")).collect();
    let out = lab
        .detector_via(wrapper)
        .args(["scan", "--json"])
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("CAMERA_CREDENTIALS", list.join(","))
        .env("LOG_LEVEL", "WARNING")
        .output()
        .expect("run camera-detector scan");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "scan failed: {stderr}");
    let text = String::from_utf8_lossy(&out.stdout);
    for (_, pass) in creds {
        assert!(!stderr.contains(pass.as_str()), "a password in the log");
        assert!(!text.contains(pass.as_str()), "a password in the report");
    }
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("JSON from scan ({e}): {text}"))
}

/// The codec of the lab stream at `url` (path and query matched, credentials ignored).
fn lab_codec(cam: &Value, url: &str) -> Option<String> {
    cam["rtsp"].as_array()?.iter().find_map(|r| {
        let path = r["path"].as_str()?;
        let base = path.split('?').next()?;
        url.contains(&format!(":{}{}", r["port"], base))
            .then(|| {
                r["codec"]
                    .as_str()
                    .map(|c| c.split('+').next().unwrap_or(c).to_string())
            })
            .flatten()
    })
}

/// Does the lab camera offer a second stream (ONVIF's second URI, or two RTSP paths)?
fn has_sub(cam: &Value) -> bool {
    let onvif = cam["onvif"]["stream_uris"].as_array().map_or(0, Vec::len);
    let rtsp = cam["rtsp"].as_array().map_or(0, Vec::len);
    onvif >= 2 || rtsp >= 2
}

#[test]
fn scan_reports_every_lab_camera_right() {
    let Some(lab) = lab() else { return };
    let creds = lab_credentials(&lab);
    assert_eq!(creds.len(), 6, "{creds:?}");
    let report = scan(&lab, &creds);
    eprintln!(
        "{}",
        serde_json::to_string_pretty(&report["stats"]).unwrap_or_default()
    );
    let cameras = report["cameras"].as_array().expect("cameras");
    let truth = lab.truth["cameras"].as_array().expect("lab cameras");
    let mut ips: Vec<&str> = cameras.iter().filter_map(|c| c["ip"].as_str()).collect();
    ips.sort_unstable();
    let mut want: Vec<&str> = truth.iter().filter_map(|c| c["ip"].as_str()).collect();
    want.sort_unstable();
    assert_eq!(ips, want, "exactly the lab's cameras (noise host excluded)");

    let mut streams = 0;
    for cam in truth {
        let ip = cam["ip"].as_str().expect("ip");
        let got = cameras.iter().find(|c| c["ip"] == ip).expect("reported");
        let ctx = serde_json::to_string_pretty(got).unwrap_or_default();
        assert_eq!(got["mac"], cam["mac"], "{ctx}");
        assert_eq!(
            got["id"],
            cam["mac"].as_str().expect("mac").replace(':', ""),
            "{ctx}"
        );
        if cam["onvif"].is_object() {
            assert_eq!(got["manufacturer"], cam["onvif"]["manufacturer"], "{ctx}");
            assert_eq!(got["model"], cam["onvif"]["model"], "{ctx}");
            assert_eq!(got["serial_number"], cam["onvif"]["serial"], "{ctx}");
        }
        assert!(got["main"].is_object(), "main stream: {ctx}");
        assert_eq!(got["sub"].is_object(), has_sub(cam), "sub stream: {ctx}");
        // The credential it reports opens every URL it reports, as ffprobe sees it.
        let cred = got["credential_index"].as_u64().map(|i| &creds[i as usize]);
        for key in ["main", "sub"] {
            let s = &got[key];
            if !s.is_object() {
                continue;
            }
            let url = s["url"].as_str().expect("url");
            assert!(
                !url.contains('@'),
                "no credentials in a reported URL: {url}"
            );
            if let Some(codec) = lab_codec(cam, url) {
                assert_eq!(s["codec"], codec.as_str(), "{key} codec: {ctx}");
            }
            let auth = cred.map_or(url.to_string(), |(u, p)| with_creds(url, u, p));
            let transport = s["transport"].as_str().expect("transport");
            let (codec, w, h) = lab.ffprobe(&auth, transport);
            assert_eq!(s["codec"], codec.as_str(), "ffprobe codec of {url}: {ctx}");
            assert_eq!(
                (s["width"].as_u64(), s["height"].as_u64()),
                (Some(w), Some(h)),
                "ffprobe size of {url}: {ctx}"
            );
            streams += 1;
        }
    }
    assert!(streams >= 11, "main + sub streams verified: {streams}");
    let stats = &report["stats"];
    let requests = stats["rtsp_requests"].as_u64().expect("rtsp_requests");
    assert!(
        requests <= 83,
        "RTSP requests per discovery: {requests} (budget 83)"
    );
}

/// Without CAP_NET_RAW there is no ARP sweep: every on-link address is connected to, at the
/// pace the kernel's neighbour table allows, and the MACs come from the kernel's table.
/// The same cameras, with the same MACs and streams, must come out.
#[test]
fn scan_without_raw_sockets_falls_back_to_paced_connects_and_the_kernel_table() {
    let Some(lab) = lab() else { return };
    let creds = lab_credentials(&lab);
    let drop_raw = ["setpriv", "--inh-caps=-net_raw", "--bounding-set=-net_raw"];
    let report = scan_via(&lab, &creds, &drop_raw);
    let notes = report["notes"].to_string();
    assert!(notes.contains("no permission for raw packets"), "{notes}");
    assert!(notes.contains("paced at"), "{notes}");
    let stats = &report["stats"];
    assert_eq!(stats["arp_silent"], 0, "no sweep: {stats}");
    // Every planned host on every default port (the lab is a /24 minus the detector).
    let ports = camera_detector::camdb::default_ports().len() as u64;
    assert_eq!(
        stats["connects"].as_u64(),
        stats["hosts_planned"].as_u64().map(|h| h * ports)
    );
    let cameras = report["cameras"].as_array().expect("cameras");
    for cam in lab.truth["cameras"].as_array().expect("lab cameras") {
        let got = cameras
            .iter()
            .find(|c| c["ip"] == cam["ip"])
            .unwrap_or_else(|| panic!("{} missing: {report}", cam["ip"]));
        assert_eq!(got["mac"], cam["mac"], "{got}");
        assert!(got["main"].is_object(), "{got}");
    }
    assert_eq!(cameras.len(), 6);
}

/// Bad discovery input is one line naming the culprit and exit 2, before any packet (run
/// in the lab namespace all the same, so a regression cannot scan a real network).
#[test]
fn bad_discovery_settings_exit_2_with_one_line() {
    let Some(lab) = lab() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = dir.path().join("paths.txt");
    std::fs::write(&paths, "/ok/path hikvision main\nno-slash\n").expect("write");
    let paths = paths.to_string_lossy().into_owned();
    let cases: [(&str, &str, &[&str]); 6] = [
        (
            "RTSP_PATHS_FILE",
            paths.as_str(),
            &["RTSP_PATHS_FILE", "paths.txt", "line 2"],
        ),
        (
            "RTSP_PATHS_FILE",
            "/nonexistent/paths",
            &["RTSP_PATHS_FILE", "/nonexistent/paths"],
        ),
        ("SCAN_NETWORKS", "10.0.0/8", &["SCAN_NETWORKS", "10.0.0/8"]),
        ("RTSP_PORTS", "554,70000", &["RTSP_PORTS", "70000"]),
        (
            "SCAN_INTERFACES",
            "nosuch0",
            &["SCAN_INTERFACES", "nosuch0"],
        ),
        (
            "CAMERA_CREDENTIALS_FILE",
            "/nonexistent/creds",
            &["CAMERA_CREDENTIALS_FILE", "/nonexistent/creds"],
        ),
    ];
    for (var, val, want) in cases {
        let out = lab
            .detector()
            .arg("scan")
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .env(var, val)
            .output()
            .expect("run scan");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{var}={val}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
        for w in want {
            assert!(err.contains(w), "{var}={val}: {err:?} lacks {w:?}");
        }
        assert!(out.stdout.is_empty(), "no report: {var}={val}");
    }
}

/// Least privilege: as user `nobody` with CAP_NET_RAW alone (what the systemd unit grants)
/// the scan sweeps with raw ARP; as `nobody` without any capability it falls back to paced
/// connects and the kernel's table. Both find every lab camera with its MAC.
#[test]
fn scan_as_an_unprivileged_user_with_and_without_cap_net_raw() {
    let Some(lab) = lab() else { return };
    let creds = lab_credentials(&lab);
    let nobody = ["--reuid=65534", "--regid=65534", "--clear-groups"];
    let with_raw: Vec<&str> = ["setpriv"]
        .into_iter()
        .chain(nobody)
        .chain([
            "--inh-caps=-all,+net_raw",
            "--ambient-caps=-all,+net_raw",
            "--bounding-set=-all,+net_raw",
        ])
        .collect();
    let without: Vec<&str> = ["setpriv"]
        .into_iter()
        .chain(nobody)
        .chain(["--inh-caps=-all", "--bounding-set=-all"])
        .collect();
    for (wrapper, raw) in [(with_raw, true), (without, false)] {
        let report = scan_via(&lab, &creds, &wrapper);
        let notes = report["notes"].to_string();
        assert_eq!(
            !notes.contains("no permission for raw packets"),
            raw,
            "raw ARP used iff CAP_NET_RAW: {notes}"
        );
        let silent = report["stats"]["arp_silent"].as_u64().unwrap_or(0);
        assert_eq!(silent > 0, raw, "the sweep ran iff CAP_NET_RAW: {report}");
        let cameras = report["cameras"].as_array().expect("cameras");
        for cam in lab.truth["cameras"].as_array().expect("lab cameras") {
            let got = cameras
                .iter()
                .find(|c| c["ip"] == cam["ip"])
                .unwrap_or_else(|| panic!("{} missing (raw {raw}): {report}", cam["ip"]));
            assert_eq!(got["mac"], cam["mac"], "{got}");
        }
        assert_eq!(cameras.len(), 6, "raw {raw}");
    }
}
