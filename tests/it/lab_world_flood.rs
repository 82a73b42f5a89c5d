//! A multicast WS-Discovery flood against the running service (issue 6, item 2): a hostile
//! peer of ours (scripts/lab/hostile-peer.py `wsd-multicast-flood`, in a host the test owns
//! on the lab bridge) sends two rounds, 12 s apart, of 10 000 datagrams to
//! 239.255.255.250:3702, camera Hellos and unsolicited ProbeMatches in turn, each a new
//! endpoint. The service listens for Hellos between scans on the multicast group; its scans
//! are pinned to the peer (SCAN_NETWORKS, SCAN_EXCLUDE) and scheduled once an hour, so any
//! pass after the first is a Hello's. Asserted: exactly one rescan for both rounds (one a
//! minute at most), which also proves the Hellos were heard; that pass ends; nothing is
//! published as a camera; the peak RSS stays under [`MAX_RSS_KIB`]; the service then
//! exits 0 on SIGTERM. Printed: datagrams sent, CPU seconds the service used while flooded.
use crate::lab_world_hostile::{exclude_all_but, Peer};
use crate::support::broker::retained_cmd;
use crate::support::common::proc_cpu_seconds;
use crate::support::lab::lab;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const MAX_RSS_KIB: u64 = 32 * 1024;
const ROUNDS: usize = 2;

/// A field of /proc/<pid>/status, in kB.
fn status_kib(pid: u32, field: &str) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix(field))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Polls `done` every 100 ms for at most `secs`.
fn wait_until(secs: u64, mut done: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    done()
}

#[test]
fn lab_world_a_multicast_flood_of_hellos_and_probe_matches_costs_one_rescan() {
    let Some(lab) = lab() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let go = dir.path().join("go");
    let go_arg = go.to_string_lossy().to_string();
    let peer = Peer::start(
        &lab,
        "mf",
        "wsd-multicast-flood",
        &[
            "--go",
            &go_arg,
            "--rounds",
            &ROUNDS.to_string(),
            "--round-gap",
            "12",
            "--count",
            "10000",
            "--burst",
            "50",
            "--burst-gap",
            "0.005",
        ],
    );
    let ip = peer.ip();
    let prefix = format!("flood{}", std::process::id());
    let err_path = dir.path().join("detector.log");
    let mut child = lab
        .detector_service(&prefix, &prefix)
        .env("SMART_DISCOVERY_ENABLED", "false")
        .env("DISCOVERY_INTERVAL", "3600")
        .env("SCAN_NETWORKS", format!("{ip}/32"))
        .env("SCAN_EXCLUDE", exclude_all_but(&lab, &[ip]))
        .env("RTSP_TIMEOUT", "3")
        .env("ONVIF_TIMEOUT", "2")
        .env("LOG_LEVEL", "INFO")
        .stdin(Stdio::null())
        .stderr(std::fs::File::create(&err_path).expect("log file"))
        .spawn()
        .expect("start the detector");
    let pid = child.id();
    let log = || std::fs::read_to_string(&err_path).unwrap_or_default();
    let passes_done = || {
        log()
            .lines()
            .filter(|l| l.contains("discovery: ") && l.contains(" cameras in "))
            .count()
    };
    assert!(
        wait_until(60, || passes_done() >= 1),
        "the first pass ended: {}",
        log()
    );

    let cpu0 = proc_cpu_seconds(&pid.to_string()).expect("detector running");
    std::fs::write(&go, b"go").expect("go file");
    let flooded = || {
        peer.events()
            .into_iter()
            .filter(|e| e["event"] == "flooded")
            .collect::<Vec<_>>()
    };
    assert!(
        wait_until(90, || flooded().len() >= ROUNDS),
        "the peer sent its rounds: {:?}",
        peer.events()
    );
    let cpu1 = proc_cpu_seconds(&pid.to_string()).expect("detector survived the flood");
    // The Hello's pass ends (it began in the first round, 12 s before the second ended).
    let ended = wait_until(60, || passes_done() >= 2);
    // Quiet: no further rescan for a while after the flood.
    std::thread::sleep(Duration::from_secs(5));
    let hwm = status_kib(pid, "VmHWM:").expect("VmHWM");
    let rss = status_kib(pid, "VmRSS:").expect("VmRSS");
    let text = log();
    let rescans = text
        .lines()
        .filter(|l| l.contains(&format!("WS-Discovery Hello from {ip}, not a known camera")))
        .count();
    let ns = lab.truth["detector"]["ns"].as_str().expect("ns");
    let (host, port) = lab.broker();
    let records = retained_cmd(
        lab.in_ns(ns, "mosquitto_sub")
            .args(["-h", &host, "-p", &port.to_string()]),
        &format!("{prefix}/camera/discovery/#"),
        2,
    );
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let exit = wait_until(20, || child.try_wait().ok().flatten().is_some());
    if !exit {
        let _ = child.kill();
    }
    let status = child.wait().expect("wait");

    let rounds = flooded();
    eprintln!(
        "multicast flood: {} round(s) {:?}; service CPU while flooded {:.2} s; peak RSS {hwm} \
         KiB, RSS after {rss} KiB; rescans for the peer's Hellos {rescans}; passes {}",
        rounds.len(),
        rounds
            .iter()
            .map(|r| format!(
                "{} Hellos + {} ProbeMatches in {} s",
                r["hello"], r["probe_match"], r["seconds"]
            ))
            .collect::<Vec<_>>(),
        cpu1 - cpu0,
        passes_done()
    );
    for r in &rounds {
        assert_eq!(r["hello"], 5000, "every Hello left the peer: {r}");
        assert_eq!(
            r["probe_match"], 5000,
            "every ProbeMatch left the peer: {r}"
        );
    }
    assert_eq!(
        rescans, 1,
        "one rescan for two rounds of Hellos 12 s apart:\n{text}"
    );
    assert!(ended, "the Hello's pass ended:\n{text}");
    assert_eq!(
        passes_done(),
        2,
        "no pass but the first and the Hello's:\n{text}"
    );
    assert!(
        records.is_empty(),
        "nothing from the flood is a camera: {records:?}"
    );
    assert!(hwm < MAX_RSS_KIB, "peak RSS {hwm} KiB");
    assert!(
        exit && status.success(),
        "the service exits 0 on SIGTERM after the flood ({status}):\n{text}"
    );
}
