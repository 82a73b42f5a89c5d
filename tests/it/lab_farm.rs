//! The camera farm at CI size (issue 15): every farm camera found by MAC with its main and sub
//! stream, and no leak across passes. The test re-runs itself inside the farm's detector
//! namespace (lab-fdet) and runs three discovery passes in-process with default settings and
//! the farm's logins, on one set of kept threads as the service does; after each pass it
//! reads its own thread and fd counts from /proc. The threads must be the same after every
//! pass (no thread per camera or per pass), the fds after the last pass no more than after
//! the first (a socket left open per camera or per pass would raise them), and each pass
//! must end before its own deadline (a bound on a hang, not a timing assert: the numbers are
//! scripts/bench/scale.sh's).
use crate::support::farm::{credentials_env, farm, TRUTH};
use crate::support::lab::{in_seat_of, Lab};
use camera_detector::config::Config;
use camera_detector::discovery::engine::{self, Report};
use std::collections::BTreeMap;
use std::sync::Arc;

const PASSES: usize = 3;

fn proc_self() -> (usize, usize) {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let threads = status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("Threads:");
    let fds = std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count();
    (threads, fds)
}

/// What a pass missed: farm cameras not reported by MAC, or reported without the truth's
/// main or sub URL.
fn misses(farm: &Lab, report: &Report) -> Vec<String> {
    let json = serde_json::to_value(report).expect("report as JSON");
    let by_mac: BTreeMap<&str, &serde_json::Value> = json["cameras"]
        .as_array()
        .expect("cameras")
        .iter()
        .filter_map(|c| Some((c["mac"].as_str()?, c)))
        .collect();
    let mut out = Vec::new();
    for cam in farm.truth["cameras"].as_array().expect("farm cameras") {
        let (ip, mac) = (cam["ip"].as_str().unwrap(), cam["mac"].as_str().unwrap());
        let Some(got) = by_mac.get(mac) else {
            out.push(format!("{ip} ({mac}) not found"));
            continue;
        };
        for s in cam["streams"].as_array().expect("streams") {
            let role = s["role"].as_str().unwrap();
            let url = got[role]["url"].as_str().unwrap_or("none");
            if url != s["url"].as_str().unwrap() {
                out.push(format!("{ip} {role}: {url}, want {}", s["url"]));
            }
        }
    }
    out
}

#[test]
fn lab_farm_every_camera_found_and_nothing_leaks_across_passes() {
    let Some(farm) = in_seat_of(
        "lab_farm::lab_farm_every_camera_found_and_nothing_leaks_across_passes",
        &[],
        TRUTH,
        farm,
    ) else {
        return;
    };
    let creds = credentials_env(&farm);
    let cfg = Config::from_env_with(&[("CAMERA_CREDENTIALS", creds)]).expect("config");
    let settings = Arc::new(engine::Settings::from_config(&cfg).expect("settings"));
    let threads = engine::Threads::new(settings.workers).expect("threads");
    let n = farm.truth["cameras"].as_array().expect("cameras").len();
    let mut after = Vec::new();
    for pass in 1..=PASSES {
        let report = engine::discover_once(&settings, &threads);
        let missed = misses(&farm, &report);
        assert!(
            missed.is_empty(),
            "pass {pass}: {} of {n} farm cameras missed or incomplete: {missed:?}",
            missed.len()
        );
        assert!(
            !report.notes.iter().any(|n| n.contains("deadline")),
            "pass {pass} hit its deadline: {:?}",
            report.notes
        );
        after.push(proc_self());
        eprintln!(
            "pass {pass}: {n} cameras in {} ms, {} RTSP requests; threads, fds after: {:?}",
            report.stats.elapsed_ms,
            report.stats.rtsp_requests,
            after[pass - 1]
        );
    }
    let (t1, f1) = after[0];
    assert!(
        after.iter().all(|(t, _)| *t == t1),
        "threads changed across passes: {after:?}"
    );
    assert!(
        after[PASSES - 1].1 <= f1,
        "fds grew across passes: {after:?}"
    );
}
