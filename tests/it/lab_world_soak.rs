//! Soak (issue 6): the service runs against the lab while a camera of the test's own moves
//! to a new address every SOAK_MOVE_EVERY seconds and the broker (a mosquitto of the
//! test's own on the detector namespace's loopback) restarts every SOAK_BROKER_EVERY
//! seconds, for SOAK_SECONDS. The detector's RSS, open fds and threads are sampled every
//! 10 s. Afterwards: fds did not grow (the last quarter's floor is not above the first
//! quarter's: sockets in flight come and go), threads did not grow (the second half's
//! maximum is not above the first half's), and the broker's retained record of the moving camera holds its
//! latest address. RSS is judged after a warm-up of SOAK_WARMUP seconds (default 600: the
//! allocator's caches fill over the first dozens of passes): when at least 20 minutes
//! remain after it, their last quarter may not average more than SOAK_RSS_KIB (default
//! 1 MiB) above their first; the RSS slope after the warm-up is printed either way.
//!
//! CI runs the defaults (3 minutes: a move a minute, a broker restart every 90 s; too short
//! for an RSS verdict). The hour (a move every 5 minutes, a restart every 10):
//! `SOAK_SECONDS=3600 SOAK_MOVE_EVERY=300 SOAK_BROKER_EVERY=600 cargo nextest run --test it
//! -E 'test(/lab_world_soak/)' --no-capture`.
use crate::support::broker::Broker;
use crate::support::lab::lab;
use crate::support::owncam::OwnCamera;
use serde_json::Value;
use std::process::Command;
use std::time::{Duration, Instant};

fn env_secs(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[derive(Debug, Clone, Copy)]
struct Sample {
    at: f64,
    rss_kib: i64,
    fds: usize,
    threads: usize,
}

fn sample(pid: u32, t0: Instant) -> Option<Sample> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |k: &str| -> Option<i64> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(k))?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    };
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count();
    Some(Sample {
        at: t0.elapsed().as_secs_f64(),
        rss_kib: field("VmRSS:")?,
        fds,
        threads: usize::try_from(field("Threads:")?).ok()?,
    })
}

#[test]
fn lab_world_soak_moving_camera_and_restarting_broker() {
    let Some(lab) = lab() else { return };
    let total = Duration::from_secs(env_secs("SOAK_SECONDS", 180));
    let move_every = Duration::from_secs(env_secs("SOAK_MOVE_EVERY", 60));
    let broker_every = Duration::from_secs(env_secs("SOAK_BROKER_EVERY", 90));
    let rss_bound = i64::try_from(env_secs("SOAK_RSS_KIB", 1024)).unwrap_or(1024);
    let warmup = env_secs("SOAK_WARMUP", 600) as f64;
    let ns = lab.truth["detector"]["ns"]
        .as_str()
        .expect("ns")
        .to_string();
    let mut broker = Broker::start_in(&ns);
    let mut cam = OwnCamera::start(&lab, "sk");
    let prefix = format!("soak{}", std::process::id());
    let dir = tempfile::tempdir().expect("tempdir");
    let (user, pass) = cam.credentials();
    let creds = format!("{},{user}:{pass}", lab.credentials_env());
    let mut child = lab
        .detector_service(&prefix, &prefix)
        .env("MQTT_BROKER", "127.0.0.1")
        .env("MQTT_PORT", broker.port.to_string())
        .env("CAMERA_CREDENTIALS", &creds)
        .env("FRIGATE_CONFIG_PATH", dir.path().join("cameras.yml"))
        // A full scan every 30 s finds the camera at its new address by itself.
        .env("SMART_DISCOVERY_ENABLED", "false")
        .env("DISCOVERY_INTERVAL", "30")
        .env("LOG_LEVEL", "WARNING")
        .spawn()
        .expect("start the detector in the lab");
    let pid = child.id();
    let t0 = Instant::now();
    let (mut next_move, mut next_restart) = (t0 + move_every, t0 + broker_every);
    // The first sample after the detector has started (at t0 it may still be its wrapper).
    let mut next_sample = t0 + Duration::from_secs(10);
    let mut samples = Vec::new();
    let (mut moves, mut restarts) = (0, 0);
    while t0.elapsed() < total {
        let now = Instant::now();
        if now >= next_sample {
            samples.push(sample(pid, t0).expect("the detector is running"));
            next_sample += Duration::from_secs(10);
        }
        if now >= next_move {
            cam.move_to_new_ip();
            moves += 1;
            next_move += move_every;
        }
        if now >= next_restart {
            broker.restart();
            restarts += 1;
            next_restart += broker_every;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        child.try_wait().expect("try_wait").is_none(),
        "the detector survived"
    );
    // The moving camera's retained record follows it (the next scan within 30 s).
    let id = cam.mac().replace(':', "");
    let topic = format!("{prefix}/camera/discovery/{id}");
    let want_ip = cam.ip().to_string();
    let end = Instant::now() + Duration::from_secs(60);
    let mut got = None;
    while Instant::now() < end {
        got = broker
            .retained(&topic, 2)
            .into_iter()
            .find_map(|(_, p)| serde_json::from_str::<Value>(&p).ok());
        if got
            .as_ref()
            .is_some_and(|v| v["camera"]["ip"] == want_ip.as_str())
        {
            break;
        }
    }
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let _ = child.wait();

    let n = samples.len();
    assert!(n >= 8, "enough samples: {n}");
    let half = n / 2;
    let max = |s: &[Sample], f: fn(&Sample) -> usize| s.iter().map(f).max().unwrap_or(0);
    let avg = |s: &[Sample]| s.iter().map(|x| x.rss_kib).sum::<i64>() / s.len().max(1) as i64;
    // RSS after the warm-up: least-squares slope (KiB per minute) and quarter averages.
    let tail: Vec<Sample> = samples.iter().copied().filter(|s| s.at >= warmup).collect();
    let slope = if tail.len() >= 2 {
        let k = tail.len() as f64;
        let mx = tail.iter().map(|s| s.at).sum::<f64>() / k;
        let my = tail.iter().map(|s| s.rss_kib as f64).sum::<f64>() / k;
        let cov: f64 = tail
            .iter()
            .map(|s| (s.at - mx) * (s.rss_kib as f64 - my))
            .sum();
        let var: f64 = tail.iter().map(|s| (s.at - mx).powi(2)).sum();
        if var > 0.0 {
            format!("{:+.1} KiB/min", cov / var * 60.0)
        } else {
            "n/a".into()
        }
    } else {
        "n/a (shorter than the warm-up)".into()
    };
    eprintln!(
        "soak {:?}: {moves} moves, {restarts} broker restarts, {n} samples; RSS {} → {} KiB \
         (slope after the warm-up: {slope}); fds max {} / {}, floor {} / {}; \
         threads {} / {} (first half / second half)",
        total,
        samples[0].rss_kib,
        samples[n - 1].rss_kib,
        max(&samples[..half], |s| s.fds),
        max(&samples[half..], |s| s.fds),
        samples[..half].iter().map(|x| x.fds).min().unwrap_or(0),
        samples[half..].iter().map(|x| x.fds).min().unwrap_or(0),
        max(&samples[..half], |s| s.threads),
        max(&samples[half..], |s| s.threads),
    );
    let got = got.expect("a retained record of the moving camera");
    assert_eq!(got["camera"]["ip"], want_ip.as_str(), "{got}");
    // Sockets of checks and passes in flight come and go (a sample may catch 5 more); a
    // leak raises the floor.
    let floor = |s: &[Sample]| s.iter().map(|x| x.fds).min().unwrap_or(0);
    assert!(
        floor(&samples[n - n / 4..]) <= floor(&samples[..n / 4]),
        "open fds grew: {samples:?}"
    );
    assert!(
        max(&samples[half..], |s| s.threads) <= max(&samples[..half], |s| s.threads),
        "threads grew: {samples:?}"
    );
    let span = tail.last().map_or(0.0, |s| s.at) - tail.first().map_or(0.0, |s| s.at);
    if span >= 1200.0 {
        let q = tail.len() / 4;
        let rise = avg(&tail[tail.len() - q..]) - avg(&tail[..q]);
        eprintln!("RSS after the warm-up: last quarter {rise:+} KiB against the first");
        assert!(rise <= rss_bound, "RSS rose {rise} KiB: {samples:?}");
    }
}
