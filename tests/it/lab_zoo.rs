//! The vendor zoo's proof (issue 12, item 6): cameras the project was never tuned to, found
//! the way a new user would. `camera-detector scan --json` runs with default settings in the
//! zoo's detector namespace (lab-zdet), with every zoo credential in CAMERA_CREDENTIALS in a
//! shuffled order (ZOO_CRED_SEED=n replays an order; the seed is printed), and must:
//! - find every zoo camera, by MAC;
//! - report every stream of it (main as main, sub as sub; compared by URL) with the codec and
//!   size the zoo serves: also where the SDP says nothing (no sprop-parameter-sets, MJPEG);
//! - report no other URL: no decoy of the "200 on any path" servers, no path of another brand;
//! - report only URLs that play in ffprobe (inside lab-zdet) with the credential it reports;
//! - stay within [`MEAN_RTSP_REQUESTS_BUDGET`] RTSP requests per zoo camera on average.
//!
//! It collects every miss before failing and prints a summary (cameras and streams found,
//! RTSP requests, wall time): against the detector as issue 12 found it, that is the baseline.
use crate::support::lab::Lab;
use crate::support::zoo::{
    cameras, credentials, ffprobe_all, filled, normalize, playable, shuffled, zoo,
};
use serde_json::Value;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Mean RTSP requests per zoo camera in one pass (the report's `stats.rtsp_requests` over the
/// zoo's camera count). Measured 22.8–23.8 with the data-driven dictionary and the patient
/// prober (credentials in a shuffled order, so failed logins vary); the budget leaves room
/// for the order, not for a regression (the issue-12 baseline spent 16.8 to find 14 of 39).
const MEAN_RTSP_REQUESTS_BUDGET: f64 = 30.0;

fn seed() -> u64 {
    std::env::var("ZOO_CRED_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        })
}

fn scan(zoo: &Lab, creds: &[(String, String)]) -> (Value, f64) {
    let list: Vec<String> = creds.iter().map(|(u, p)| format!("{u}:{p}")).collect();
    let t0 = Instant::now();
    let out = zoo
        .detector()
        .args(["scan", "--json"])
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("CAMERA_CREDENTIALS", list.join(","))
        .output()
        .expect("run camera-detector scan");
    let wall = t0.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "scan failed: {stderr}");
    let text = String::from_utf8_lossy(&out.stdout);
    let report = serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("JSON from scan ({e}): {text}\n{stderr}"));
    (report, wall)
}

/// The zoo stream (camera, stream) whose URL is `url`, if any.
fn zoo_stream<'a>(zoo: &'a Lab, url: &str) -> Option<(&'a Value, &'a Value)> {
    let want = normalize(url);
    cameras(zoo).iter().find_map(|c| {
        c["streams"]
            .as_array()?
            .iter()
            .find(|s| normalize(s["url"].as_str().unwrap_or_default()) == want)
            .map(|s| (c, s))
    })
}

#[test]
fn lab_zoo_scan_finds_every_camera_and_stream_with_defaults() {
    let Some(zoo) = zoo() else { return };
    let seed = seed();
    let creds = shuffled(credentials(&zoo), seed);
    let order: Vec<&str> = creds.iter().map(|(u, _)| u.as_str()).collect();
    eprintln!("ZOO_CRED_SEED={seed}: credential users in order {order:?}");
    let (report, wall) = scan(&zoo, &creds);
    let reported = report["cameras"].as_array().cloned().unwrap_or_default();
    let by_mac = |mac: &str| {
        reported.iter().find(|c| {
            c["mac"]
                .as_str()
                .is_some_and(|m| m.eq_ignore_ascii_case(mac))
        })
    };
    let mut problems: Vec<String> = Vec::new();
    let (mut found_cams, mut found_streams, mut streams) = (0, 0, 0);
    let mut lines = Vec::new();
    for cam in cameras(&zoo) {
        let name = cam["name"].as_str().unwrap_or("?");
        let got = by_mac(cam["mac"].as_str().unwrap_or_default());
        found_cams += usize::from(got.is_some());
        let mut cols = Vec::new();
        for st in cam["streams"].as_array().into_iter().flatten() {
            streams += 1;
            let role = st["role"].as_str().unwrap_or("main");
            let want = st["url"].as_str().unwrap_or_default();
            let rep = got.map(|g| &g[role]).filter(|r| r.is_object());
            let url = rep.and_then(|r| r["url"].as_str());
            let cred = got
                .and_then(|g| g["credential_index"].as_u64())
                .and_then(|i| creds.get(i as usize));
            if url.map(|u| normalize(&filled(u, cred))) == Some(normalize(want)) {
                found_streams += 1;
                let rep = rep.expect("reported stream");
                let size = (
                    rep["codec"].clone(),
                    rep["width"].clone(),
                    rep["height"].clone(),
                );
                let truth = (
                    st["codec"].clone(),
                    st["width"].clone(),
                    st["height"].clone(),
                );
                if size != truth {
                    problems.push(format!(
                        "{name} {role}: reported codec/size {size:?}, zoo serves {truth:?}"
                    ));
                }
                cols.push(format!("{role}:ok"));
            } else {
                problems.push(format!("{name} {role} {want}: not reported (got {url:?})"));
                cols.push(format!("{role}:MISS"));
            }
        }
        lines.push(format!(
            "  {name:18} {} vendor={} {}",
            if got.is_some() { "found " } else { "MISSED" },
            got.map_or("-".into(), |g| g["vendor"].to_string()),
            cols.join(" ")
        ));
        if got.is_none() {
            problems.push(format!(
                "{name} ({}) not found",
                cam["ip"].as_str().unwrap_or("?")
            ));
        }
    }

    // Every reported URL: a zoo stream (never a decoy), and it plays with the reported login.
    let mut jobs = Vec::new();
    let mut what = Vec::new();
    for c in &reported {
        let cred = c["credential_index"]
            .as_u64()
            .and_then(|i| creds.get(i as usize));
        for role in ["main", "sub"] {
            let Some(url) = c[role]["url"].as_str() else {
                continue;
            };
            let ip = c["ip"].as_str().unwrap_or("?");
            // A camera that takes its login in the URL is reported with the data's markers:
            // no password in a report.
            for (_, pass) in &creds {
                let enc = crate::support::lab::pct(pass);
                if !pass.is_empty() && (url.contains(pass.as_str()) || url.contains(&enc)) {
                    problems.push(format!("{ip} {role}: a password in the reported URL"));
                }
            }
            match zoo_stream(&zoo, &filled(url, cred)) {
                None => problems.push(format!(
                    "{ip} {role}: reported {url}, which is no zoo stream (a decoy?)"
                )),
                Some((zc, _)) if zc["ip"] != c["ip"] => problems.push(format!(
                    "{ip} {role}: reported {url}, a stream of {}",
                    zc["name"]
                )),
                Some((_, st)) => {
                    let transport = c[role]["transport"].as_str().unwrap_or("tcp").to_string();
                    jobs.push((playable(url, cred), transport));
                    what.push((format!("{ip} {role} {url}"), st.clone()));
                }
            }
        }
    }
    for ((label, st), (codec, w, h)) in what.iter().zip(ffprobe_all(&zoo, &jobs)) {
        let truth = (
            st["codec"].as_str().unwrap_or("?"),
            st["width"].as_u64(),
            st["height"].as_u64(),
        );
        if (codec.as_str(), Some(w), Some(h)) != truth {
            problems.push(format!(
                "{label}: ffprobe with the reported credential got {codec} {w}x{h}, want {truth:?}"
            ));
        }
    }

    let stats = &report["stats"];
    let requests = stats["rtsp_requests"].as_u64().unwrap_or(0);
    let n = cameras(&zoo).len();
    let mean = requests as f64 / n as f64;
    if mean > MEAN_RTSP_REQUESTS_BUDGET {
        problems.push(format!(
            "{requests} RTSP requests for {n} cameras: {mean:.1} per camera, budget {MEAN_RTSP_REQUESTS_BUDGET}"
        ));
    }
    eprintln!("zoo scan, camera by camera:\n{}", lines.join("\n"));
    eprintln!(
        "zoo scan: {found_cams}/{n} cameras, {found_streams}/{streams} streams, {} camera(s) reported, \
         {requests} RTSP requests ({mean:.1} per zoo camera), wall {wall:.1} s (elapsed_ms {})\nstats: {stats}",
        reported.len(),
        stats["elapsed_ms"]
    );
    assert!(
        problems.is_empty(),
        "{} problem(s) in the zoo scan (ZOO_CRED_SEED={seed}):\n{}",
        problems.len(),
        problems.join("\n")
    );
}
