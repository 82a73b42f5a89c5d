//! No secret in the logs or on the broker (issue 6, "Secrets"): the service runs in the
//! lab at DEBUG with every lab camera credential (half from CAMERA_CREDENTIALS, half from a
//! 0600 CAMERA_CREDENTIALS_FILE) and an MQTT password from a 0644 MQTT_PASSWORD_FILE (the
//! lab broker takes any login). After two full discoveries and a SIGTERM, the whole log and
//! every retained message under the test's prefix are searched for each password, raw and
//! percent-encoded. The log must also carry the world-readable warning for the password
//! file, and name the right user for the cameras (so the credentials were really used).
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
