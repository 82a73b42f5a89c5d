//! The verdict rule, the status file and the client's reading of both.
use super::client::{read_file, run};
use super::*;

fn connected() -> MetricsSnapshot {
    MetricsSnapshot {
        connected: true,
        ..MetricsSnapshot::default()
    }
}

fn progress(interval: u64) -> Progress {
    Progress {
        interval: Duration::from_secs(interval),
        cameras: 6,
        online: 5,
        ..Progress::default()
    }
}

#[test]
fn healthy_with_a_session_and_a_recent_pass() {
    let t0 = Instant::now();
    let now = t0 + Duration::from_secs(1000);
    let p = Progress {
        last_end: Some(now - Duration::from_secs(599)),
        passes: 3,
        ..progress(300)
    };
    let v = judge(&p, true, &connected(), t0, now);
    assert!(v.healthy, "{v:?}");
    assert_eq!(v.last_pass_age_s, Some(599));
    assert_eq!(
        v.line(),
        "ok: mqtt connected, last discovery pass 599 s ago, 5/6 cameras online"
    );
}

#[test]
fn a_pass_older_than_twice_the_interval_or_a_lost_session_is_named() {
    let t0 = Instant::now();
    let now = t0 + Duration::from_secs(1000);
    let p = Progress {
        last_end: Some(now - Duration::from_secs(601)),
        ..progress(300)
    };
    let down = MetricsSnapshot {
        connected: false,
        last_error: Some("connect to tcp://b:1883: refused".into()),
        ..MetricsSnapshot::default()
    };
    let v = judge(&p, true, &down, t0, now);
    assert!(!v.healthy);
    assert_eq!(
        v.line(),
        "unhealthy: mqtt not connected (connect to tcp://b:1883: refused); \
         no discovery pass has ended for 601 s (limit 600 s, twice the scan interval)"
    );
}

#[test]
fn a_running_pass_counts_from_its_start_and_the_first_from_the_service_start() {
    let t0 = Instant::now();
    let p = progress(300);
    assert!(judge(&p, true, &connected(), t0, t0 + Duration::from_secs(600)).healthy);
    let v = judge(&p, true, &connected(), t0, t0 + Duration::from_secs(601));
    assert_eq!(
        v.problems,
        ["no discovery pass has started for 601 s (limit 600 s, twice the scan interval)"]
    );
    let running = Progress {
        running_since: Some(t0 + Duration::from_secs(500)),
        last_end: Some(t0 + Duration::from_secs(100)),
        ..progress(300)
    };
    assert!(
        judge(
            &running,
            true,
            &connected(),
            t0,
            t0 + Duration::from_secs(1100)
        )
        .healthy
    );
    let v = judge(
        &running,
        true,
        &connected(),
        t0,
        t0 + Duration::from_secs(1101),
    );
    assert!(
        v.problems[0].starts_with("a discovery pass has been running for 601 s"),
        "{v:?}"
    );
}

#[test]
fn without_discovery_only_the_session_counts() {
    let t0 = Instant::now();
    let v = judge(
        &progress(300),
        false,
        &connected(),
        t0,
        t0 + Duration::from_secs(1_000_000),
    );
    assert!(v.healthy);
    assert_eq!(
        v.line(),
        "ok: mqtt connected, discovery off, 5/6 cameras online"
    );
}

#[test]
fn the_status_file_is_read_back_and_refused_when_stale() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("health.json");
    let t0 = Instant::now();
    let v = judge(&progress(300), false, &connected(), t0, t0);
    write_status_file(&path, &v, Duration::from_secs(180)).unwrap();
    assert_eq!(read_file(&path, v.time + 180), Ok(v.clone()));
    let e = read_file(&path, v.time + 181).unwrap_err();
    assert!(
        e.ends_with("written 181 s ago, valid for 180 s: the service is not running or stuck"),
        "{e}"
    );
    std::fs::write(&path, "{}").unwrap();
    assert!(read_file(&path, v.time)
        .unwrap_err()
        .ends_with("not a camera-detector status file"));
}

#[test]
fn the_command_reads_the_status_file_when_http_is_off_and_says_why_it_cannot() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.json");
    let p = path.to_string_lossy().into_owned();
    let t0 = Instant::now();
    let v = judge(&progress(300), false, &connected(), t0, t0);
    write_status_file(&path, &v, Duration::from_secs(60)).unwrap();
    let env = |k: &str| match k {
        "HEALTH_HTTP_PORT" => Some("0".to_owned()),
        "HEALTH_STATUS_PATH" => Some(p.clone()),
        _ => None,
    };
    let out = run(&[], env);
    assert_eq!(
        (out.code, out.line.as_str()),
        (0, "ok: mqtt connected, discovery off, 5/6 cameras online")
    );
    let out = run(&["--json"], env);
    assert_eq!(serde_json::from_str::<Verdict>(&out.line).unwrap(), v);
    let off = run(&[], |k: &str| {
        (k == "HEALTH_HTTP_PORT").then(|| "0".to_owned())
    });
    assert_eq!(off.code, 1);
    assert!(off
        .line
        .contains("HEALTH_HTTP_PORT=0 and HEALTH_STATUS_PATH is unset"));
    assert_eq!(run(&["--bogus"], |_| None).code, 2);
    assert_eq!(run(&["--url"], |_| None).code, 2);
}
