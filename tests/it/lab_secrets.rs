//! No secret in the logs or on the broker (issue 6, "Secrets"): the service runs in the
//! lab at DEBUG with every lab camera credential (half from CAMERA_CREDENTIALS, half from a
//! 0600 CAMERA_CREDENTIALS_FILE) and an MQTT password from a 0644 MQTT_PASSWORD_FILE (the
//! lab broker takes any login). After two full discoveries and a SIGTERM, the whole log and
//! every retained message under the test's prefix are searched for each password, raw and
//! percent-encoded. Every lab camera must be retained (so the camera credentials were
//! really used) and the MQTT login too, and the log must carry the world-readable warning
//! for the password file and none for the 0600 credentials file.
//! Also least privilege: the service as `nobody` with CAP_NET_RAW alone.
use crate::support::lab::lab;
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

const MQTT_PASSWORD: &str = "Mqtt-S3cret!pw";

#[test]
fn no_password_in_debug_logs_or_retained_messages() {
    let Some(lab) = lab() else { return };
    let creds = lab.credentials();
    let prefix = format!("sec{}", std::process::id());
    let dir = tempfile::tempdir().expect("tempdir");
    let (inline, from_file) = creds.split_at(creds.len() / 2);
    let cred_file = dir.path().join("cameras.cred");
    let lines: Vec<String> = from_file
        .iter()
        .map(|(u, p)| format!("{u}:{p}\n"))
        .collect();
    std::fs::write(&cred_file, lines.concat()).expect("write");
    std::fs::set_permissions(&cred_file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let pw_file = dir.path().join("mqtt.pw");
    std::fs::write(&pw_file, format!("{MQTT_PASSWORD}\n")).expect("write");
    std::fs::set_permissions(&pw_file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let log_path = dir.path().join("service.log");
    let inline: Vec<String> = inline.iter().map(|(u, p)| format!("{u}:{p}")).collect();

    let mut child = lab
        .detector_service(&prefix, &prefix)
        .env("CAMERA_CREDENTIALS", inline.join(","))
        .env("CAMERA_CREDENTIALS_FILE", &cred_file)
        .env("MQTT_USERNAME", "detector")
        .env("MQTT_PASSWORD_FILE", &pw_file)
        .env("FRIGATE_CONFIG_PATH", dir.path().join("cameras.yml"))
        .env("LOG_LEVEL", "DEBUG")
        .stderr(std::fs::File::create(&log_path).expect("log"))
        .spawn()
        .expect("start the detector in the lab");
    let pid = child.id().to_string();
    let passes = |n: usize| {
        let end = Instant::now() + Duration::from_secs(60);
        while Instant::now() < end {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            if log.matches(" cameras in ").count() >= n {
                return true;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        false
    };
    let done_one = passes(1);
    let _ = std::process::Command::new("kill")
        .args(["-HUP", &pid])
        .status();
    let done_two = done_one && passes(2);
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status();
    let end = Instant::now() + Duration::from_secs(10);
    while child.try_wait().ok().flatten().is_none() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    let log = std::fs::read_to_string(&log_path).expect("log");
    assert!(done_two, "two passes logged:\n{log}");

    // Every retained message the service left under its prefix.
    let (host, port) = lab.broker();
    let ns = lab.truth["detector"]["ns"]
        .as_str()
        .expect("ns")
        .to_string();
    let out = lab
        .in_ns(&ns, "mosquitto_sub")
        .args([
            "-h",
            &host,
            "-p",
            &port.to_string(),
            "-t",
            &format!("{prefix}/#"),
        ])
        .args(["--retained-only", "-W", "3", "-v"])
        .output()
        .expect("mosquitto_sub");
    let retained = String::from_utf8_lossy(&out.stdout).into_owned();
    let cameras = lab.truth["cameras"].as_array().expect("cameras").len();
    assert!(
        retained.matches("/camera/discovery/").count() >= cameras,
        "every camera retained:\n{retained}"
    );

    let mut secrets: Vec<&str> = creds.iter().map(|(_, p)| p.as_str()).collect();
    secrets.push(MQTT_PASSWORD);
    for s in secrets {
        let encoded = camera_detector::contract::url::percent_encode(s);
        for form in [s, encoded.as_str()] {
            assert!(
                !log.contains(form),
                "a password ({s:?} as {form:?}) in the log"
            );
            assert!(
                !retained.contains(form),
                "a password ({s:?} as {form:?}) in a retained message"
            );
        }
    }
    assert!(
        log.contains("MQTT_PASSWORD_FILE: ") && log.contains("can be read by every user"),
        "the world-readable password file is warned about"
    );
    assert!(
        !log.contains("CAMERA_CREDENTIALS_FILE: "),
        "the 0600 credentials file is not warned about"
    );
    assert!(log.contains("mqtt connected"), "the MQTT login was used");
}

/// Least privilege, the service: as user `nobody` with CAP_NET_RAW alone (what the systemd
/// unit grants), with its state and Frigate files in a directory that user owns, it
/// publishes every lab camera, writes the Frigate file and, on SIGTERM, the state file.
#[test]
fn the_service_runs_as_nobody_with_only_cap_net_raw() {
    let Some(lab) = lab() else { return };
    let prefix = format!("lp{}", std::process::id());
    let dir = tempfile::tempdir().expect("tempdir");
    // nobody must reach its directory: the temp dir's parent is /tmp (world-searchable).
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let home = dir.path().join("nobody");
    std::fs::create_dir(&home).expect("mkdir");
    let chown = std::process::Command::new("chown")
        .args(["65534:65534", &home.to_string_lossy()])
        .status()
        .expect("chown");
    assert!(chown.success(), "chown to nobody");
    let (state, frigate) = (home.join("state.json"), home.join("cameras.yml"));
    let log_path = dir.path().join("service.log");
    let mut child = lab
        .detector_via(&[
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--inh-caps=-all,+net_raw",
            "--ambient-caps=-all,+net_raw",
            "--bounding-set=-all,+net_raw",
        ])
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("MQTT_BROKER", lab.broker().0)
        .env("MQTT_PORT", lab.broker().1.to_string())
        .env("MQTT_TOPIC_PREFIX", &prefix)
        .env("BALENA_DEVICE_UUID", &prefix)
        .env("CAMERA_CREDENTIALS", lab.credentials_env())
        .env("STATE_PATH", &state)
        .env("HEALTH_HTTP_PORT", "0")
        .env("FRIGATE_CONFIG_PATH", &frigate)
        .env("LOG_LEVEL", "INFO")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log_path).expect("log"))
        .spawn()
        .expect("start the detector as nobody");
    let end = Instant::now() + Duration::from_secs(60);
    while !std::fs::read_to_string(&log_path)
        .unwrap_or_default()
        .contains(" cameras in ")
        && Instant::now() < end
    {
        std::thread::sleep(Duration::from_millis(200));
    }
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let end = Instant::now() + Duration::from_secs(10);
    while child.try_wait().ok().flatten().is_none() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let exit = child.wait().expect("wait");
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>();
    assert_eq!(uid, ["65534"; 4], "ran as nobody:\n{status}");
    let caps = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .map(str::trim)
        .unwrap_or("");
    assert_eq!(caps, "0000000000002000", "CAP_NET_RAW (bit 13) alone");
    assert!(exit.success(), "exit 0 on SIGTERM:\n{log}");
    assert!(
        log.contains("discovery: 6 cameras in"),
        "all six found:\n{log}"
    );
    assert!(!log.contains("no permission for raw packets"), "{log}");
    let yaml = std::fs::read_to_string(&frigate).expect("Frigate file written as nobody");
    assert!(yaml.starts_with("version: 0.17-0\n"));
    let saved = std::fs::read_to_string(&state).expect("state file written as nobody");
    assert_eq!(saved.matches("\"mac\"").count(), 6, "{saved}");
}
