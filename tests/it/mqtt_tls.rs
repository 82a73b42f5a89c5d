//! TLS with client certificates and a password, against mosquitto with a test CA made by
//! the openssl CLI. Needs the `tls` feature (scripts/test.sh enables it).
#![cfg(feature = "tls")]
use crate::support::broker::{retained_with, Broker};
use crate::support::common::{eventually, metrics, settings};
use camera_detector::config::Secret;
use camera_detector::publish::{self, Message, TlsSettings};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn run(dir: &Path, args: &[&str]) {
    let st = Command::new(args[0])
        .args(&args[1..])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&st.stderr)
    );
}

/// CA, server cert for 127.0.0.1, client cert; password file with user `det`.
fn pki(dir: &Path) {
    run(
        dir,
        &[
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-subj",
            "/CN=test-ca",
        ],
    );
    for (name, cn) in [("server", "127.0.0.1"), ("client", "det")] {
        run(
            dir,
            &[
                "openssl",
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.csr"),
                "-subj",
                &format!("/CN={cn}"),
            ],
        );
        std::fs::write(
            dir.join(format!("{name}.ext")),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
        )
        .unwrap();
        run(
            dir,
            &[
                "openssl",
                "x509",
                "-req",
                "-in",
                &format!("{name}.csr"),
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-out",
                &format!("{name}.crt"),
                "-extfile",
                &format!("{name}.ext"),
            ],
        );
    }
    run(
        dir,
        &[
            "mosquitto_passwd",
            "-c",
            "-b",
            "passwd",
            "det",
            "s3cret-Pw!",
        ],
    );
}

fn tls_broker() -> (Broker, tempfile::TempDir) {
    let pki_dir = tempfile::tempdir().unwrap();
    pki(pki_dir.path());
    let d = pki_dir.path().display();
    let extra = format!(
        "cafile {d}/ca.crt\ncertfile {d}/server.crt\nkeyfile {d}/server.key\nrequire_certificate true\nallow_anonymous false\npassword_file {d}/passwd\n"
    );
    (Broker::start_with(&extra, None), pki_dir)
}

fn tls_settings(port: u16, node: &str, dir: &Path, password: &str) -> publish::Settings {
    let mut s = settings(port, node);
    s.username = Some("det".into());
    s.password = Some(Secret::new(password.to_string()));
    s.tls = Some(TlsSettings {
        ca_path: dir.join("ca.crt"),
        client_cert: Some(dir.join("client.crt")),
        client_key: Some(dir.join("client.key")),
    });
    s
}

#[test]
fn tls_with_client_certificate_and_password_publishes() {
    let (broker, pki_dir) = tls_broker();
    let dir = pki_dir.path();
    let mqtt = publish::start(tls_settings(broker.port, "tls-ok", dir, "s3cret-Pw!")).unwrap();
    assert!(
        eventually(Duration::from_secs(10), || metrics(&mqtt).connected),
        "{:?}",
        metrics(&mqtt)
    );
    mqtt.publisher()
        .publish(Message::retained("tls/hello", "over tls"))
        .unwrap();
    assert!(eventually(Duration::from_secs(5), || metrics(&mqtt)
        .queue_depth
        == 0));
    let p = |f: &str| dir.join(f).display().to_string();
    let args: Vec<String> = vec![
        "-h".into(),
        "127.0.0.1".into(),
        "-p".into(),
        broker.port.to_string(),
        "--cafile".into(),
        p("ca.crt"),
        "--cert".into(),
        p("client.crt"),
        "--key".into(),
        p("client.key"),
        "-u".into(),
        "det".into(),
        "-P".into(),
        "s3cret-Pw!".into(),
    ];
    assert_eq!(
        retained_with(&args, "tls/#", 2),
        vec![("tls/hello".into(), "over tls".into())]
    );
    mqtt.shutdown(Duration::from_secs(2));
}

#[test]
fn a_wrong_password_is_reported_clearly_and_retried_with_backoff() {
    let (broker, pki_dir) = tls_broker();
    let mqtt = publish::start(tls_settings(
        broker.port,
        "tls-bad",
        pki_dir.path(),
        "wrong-Pw",
    ))
    .unwrap();
    assert!(
        eventually(Duration::from_secs(15), || metrics(&mqtt).connect_failures
            >= 3),
        "{:?}",
        metrics(&mqtt)
    );
    let m = metrics(&mqtt);
    assert!(!m.connected);
    let err = m.last_error.unwrap_or_default();
    assert!(err.contains("ssl://127.0.0.1:"), "names the broker: {err}");
    let lower = err.to_lowercase();
    assert!(
        lower.contains("authori") || lower.contains("password"),
        "says why: {err}"
    );
    assert!(!err.contains("wrong-Pw"), "no password in errors: {err}");
    // Backoff: 100 ms doubling, so 3 failures take at least 100+200 ms (jitter ≤ 25 %).
    mqtt.shutdown(Duration::from_secs(1));
}
