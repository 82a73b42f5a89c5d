//! Unit tests of the configuration: defaults, clamps, bad values, credentials, secrets.
use super::env::{shown, SECRET_VARIABLES};
use super::*;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

const HOST: &str = "test-host";

fn load(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Config::from_lookup(|k| map.get(k).cloned(), HOST)
}

fn ok(pairs: &[(&str, &str)]) -> Config {
    match load(pairs) {
        Ok(c) => c,
        Err(e) => panic!("unexpected error for {pairs:?}: {e}"),
    }
}

fn err(pairs: &[(&str, &str)]) -> ConfigError {
    match load(pairs) {
        Ok(c) => panic!("expected an error for {pairs:?}, got {c:?}"),
        Err(e) => e,
    }
}

fn cred(user: &str, pass: &str) -> Credential {
    Credential {
        username: user.to_owned(),
        password: Secret::new(pass),
    }
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// Every duration field by variable name, to drive the table tests.
fn duration_of(c: &Config, var: &str) -> Duration {
    match var {
        "DISCOVERY_INTERVAL" => c.discovery_interval,
        "RTSP_TIMEOUT" => c.rtsp_timeout,
        "ONVIF_TIMEOUT" => c.onvif_timeout,
        "STEADY_STATE_INTERVAL" => c.steady_state_interval,
        "QUICK_CHECK_INTERVAL" => c.quick_check_interval,
        "HEALTH_CHECK_INTERVAL" => c.health_check_interval,
        "HEALTH_REPORT_INTERVAL" => c.health_report_interval,
        "OFFLINE_THRESHOLD" => c.offline_threshold,
        "MQTT_KEEPALIVE" => c.mqtt.keepalive,
        other => panic!("not a duration: {other}"),
    }
}

/// Every numeric field as u64, by variable name.
fn number_of(c: &Config, var: &str) -> u64 {
    match var {
        "MQTT_PORT" => u64::from(c.mqtt.port),
        "MQTT_QUEUE_SIZE" => c.mqtt.queue_size as u64,
        "INITIAL_DISCOVERY_COUNT" => u64::from(c.initial_discovery_count),
        "RTSP_PORT" => u64::from(c.rtsp_port),
        "ONVIF_PORT" => u64::from(c.onvif_port),
        "HTTP_PORT" => u64::from(c.http_port),
        other => duration_of(c, other).as_secs(),
    }
}

const NUMERIC: &[&str] = &[
    "MQTT_PORT",
    "DISCOVERY_INTERVAL",
    "RTSP_TIMEOUT",
    "ONVIF_TIMEOUT",
    "INITIAL_DISCOVERY_COUNT",
    "STEADY_STATE_INTERVAL",
    "QUICK_CHECK_INTERVAL",
    "RTSP_PORT",
    "ONVIF_PORT",
    "HTTP_PORT",
    "HEALTH_CHECK_INTERVAL",
    "HEALTH_REPORT_INTERVAL",
    "OFFLINE_THRESHOLD",
    "MQTT_KEEPALIVE",
    "MQTT_QUEUE_SIZE",
];

const BOOLEANS: &[&str] = &[
    "MQTT_TLS",
    "MAC_TRACKING_ENABLED",
    "SMART_DISCOVERY_ENABLED",
    "FRIGATE_UPDATE_ENABLED",
    "PUBLISH_CREDENTIALS",
];

#[test]
fn empty_environment_gives_the_originals_defaults() {
    let c = ok(&[]);
    assert_eq!(c.node_id, HOST);
    assert_eq!(c.mqtt.broker, "mqtt_broker");
    assert_eq!(c.mqtt.port, 1883);
    assert!(!c.mqtt.tls);
    assert_eq!(c.mqtt.tls_ca_path, PathBuf::from("/mnt/data/certs/ca.crt"));
    assert_eq!(c.mqtt.username, None);
    assert_eq!(c.mqtt.password, None);
    assert_eq!(c.mqtt.client_cert, None);
    assert_eq!(c.mqtt.client_key, None);
    assert_eq!(c.mqtt.keepalive, secs(30));
    assert_eq!(c.mqtt.queue_size, 1000);
    assert_eq!(c.mqtt.topic_prefix, "");
    assert_eq!(c.mqtt.client_id, "camera-detector-test-host");
    assert_eq!(c.discovery_interval, secs(300));
    assert_eq!(c.rtsp_timeout, secs(10));
    assert_eq!(c.onvif_timeout, secs(5));
    assert!(c.mac_tracking_enabled);
    assert!(c.smart_discovery_enabled);
    assert_eq!(c.initial_discovery_count, 3);
    assert_eq!(c.steady_state_interval, secs(1800));
    assert_eq!(c.quick_check_interval, secs(60));
    assert_eq!(
        c.credentials,
        vec![cred("admin", ""), cred("admin", "admin")]
    );
    assert!(!c.publish_credentials);
    assert_eq!(c.rtsp_port, 554);
    assert_eq!(c.onvif_port, 80);
    assert_eq!(c.http_port, 80);
    assert_eq!(c.health_check_interval, secs(60));
    assert_eq!(c.health_report_interval, secs(60));
    assert_eq!(c.offline_threshold, secs(180));
    assert_eq!(
        c.frigate_config_path,
        PathBuf::from("/config/frigate/cameras.yml")
    );
    assert!(c.frigate_update_enabled);
    assert_eq!(c.frigate_reload_topic, "frigate/config/reload");
    assert_eq!(c.log_level, LevelFilter::Info);
    assert!(c.notes.is_empty(), "{:?}", c.notes);
}

#[test]
fn empty_or_blank_values_mean_the_default() {
    let mut pairs: Vec<(&str, &str)> = NUMERIC.iter().map(|v| (*v, "  ")).collect();
    pairs.extend(BOOLEANS.iter().map(|v| (*v, "")));
    pairs.extend([
        ("LOG_LEVEL", ""),
        ("TLS_CA_PATH", ""),
        ("FRIGATE_CONFIG_PATH", " "),
        ("FRIGATE_RELOAD_TOPIC", ""),
        ("BALENA_DEVICE_UUID", ""),
        ("MQTT_USERNAME", ""),
        ("MQTT_PASSWORD", ""),
        ("MQTT_CLIENT_CERT", ""),
        ("MQTT_CLIENT_KEY", ""),
        ("MQTT_TOPIC_PREFIX", ""),
        ("CAMERA_USERNAME", ""),
        ("CAMERA_PASSWORD", ""),
        ("CAMERA_CREDENTIALS", ""),
    ]);
    assert_eq!(ok(&pairs), ok(&[]));
}

#[test]
fn the_variables_table_defaults_reproduce_the_defaults() {
    let pairs: Vec<(&str, &str)> = VARIABLES.iter().map(|(n, d, _)| (*n, *d)).collect();
    assert_eq!(ok(&pairs), ok(&[]));
}

#[test]
fn the_variables_table_lists_every_variable_read() {
    let seen: RefCell<HashSet<String>> = RefCell::default();
    let lookup = |k: &str| {
        seen.borrow_mut().insert(k.to_owned());
        None
    };
    assert!(Config::from_lookup(lookup, HOST).is_ok());
    let listed: HashSet<String> = VARIABLES
        .iter()
        .map(|(n, _, _)| (*n).to_owned())
        .filter(|n| n != "RUST_LOG") // read by the binary for the logger, not here
        .collect();
    assert_eq!(*seen.borrow(), listed);
    assert_eq!(VARIABLES.len(), listed.len() + 1, "duplicate names");
    for (name, _, rule) in VARIABLES {
        // One line, and safe inside a Markdown table cell.
        assert!(!rule.is_empty() && !rule.contains(['\n', '|']), "{name}");
    }
}

#[test]
fn values_inside_the_range_are_kept_without_a_note() {
    let c = ok(&[
        ("MQTT_PORT", "8883"),
        ("DISCOVERY_INTERVAL", "30"),
        ("RTSP_TIMEOUT", "60"),
        ("ONVIF_TIMEOUT", "1"),
        ("STEADY_STATE_INTERVAL", "300"),
        ("QUICK_CHECK_INTERVAL", "30"),
        ("HEALTH_CHECK_INTERVAL", "10"),
        ("HEALTH_REPORT_INTERVAL", "5"),
        ("OFFLINE_THRESHOLD", "60"),
        ("MQTT_KEEPALIVE", "65535"),
        ("MQTT_QUEUE_SIZE", "10"),
        ("INITIAL_DISCOVERY_COUNT", "0"),
        ("RTSP_PORT", "8554"),
        ("ONVIF_PORT", "8000"),
        ("HTTP_PORT", "65535"),
    ]);
    assert_eq!(c.mqtt.port, 8883);
    assert_eq!(c.discovery_interval, secs(30));
    assert_eq!(c.rtsp_timeout, secs(60));
    assert_eq!(c.onvif_timeout, secs(1));
    assert_eq!(c.steady_state_interval, secs(300));
    assert_eq!(c.quick_check_interval, secs(30));
    assert_eq!(c.health_check_interval, secs(10));
    assert_eq!(c.health_report_interval, secs(5));
    assert_eq!(c.offline_threshold, secs(60));
    assert_eq!(c.mqtt.keepalive, secs(65535));
    assert_eq!(c.mqtt.queue_size, 10);
    assert_eq!(c.initial_discovery_count, 0);
    assert_eq!(
        (c.rtsp_port, c.onvif_port, c.http_port),
        (8554, 8000, 65535)
    );
    assert!(c.notes.is_empty(), "{:?}", c.notes);
}

#[test]
fn surrounding_whitespace_is_accepted() {
    let c = ok(&[
        ("RTSP_TIMEOUT", " 15\n"),
        ("MQTT_PORT", "\t1884 "),
        ("MQTT_TLS", " TRUE "),
        ("LOG_LEVEL", " debug "),
        ("MQTT_BROKER", " broker.local "),
    ]);
    assert_eq!(c.rtsp_timeout, secs(15));
    assert_eq!(c.mqtt.port, 1884);
    assert!(c.mqtt.tls);
    assert_eq!(c.log_level, LevelFilter::Debug);
    assert_eq!(c.mqtt.broker, "broker.local");
}

#[test]
fn every_bound_clamps_and_records_a_note() {
    // (variable, input, expected value after the clamp)
    let cases: &[(&str, &str, u64)] = &[
        ("MQTT_PORT", "0", 1),
        ("MQTT_PORT", "70000", 65535),
        ("DISCOVERY_INTERVAL", "29", 30),
        ("DISCOVERY_INTERVAL", "0", 30),
        ("RTSP_TIMEOUT", "0", 1),
        ("RTSP_TIMEOUT", "61", 60),
        ("ONVIF_TIMEOUT", "0", 1),
        ("ONVIF_TIMEOUT", "31", 30),
        ("STEADY_STATE_INTERVAL", "299", 300),
        ("QUICK_CHECK_INTERVAL", "29", 30),
        ("HEALTH_CHECK_INTERVAL", "9", 10),
        ("HEALTH_REPORT_INTERVAL", "4", 5),
        ("OFFLINE_THRESHOLD", "59", 60),
        ("MQTT_KEEPALIVE", "4", 5),
        ("MQTT_KEEPALIVE", "65536", 65535),
        ("MQTT_QUEUE_SIZE", "9", 10),
        ("MQTT_QUEUE_SIZE", "1000001", 1_000_000),
    ];
    for &(var, input, expected) in cases {
        let c = ok(&[(var, input)]);
        assert_eq!(number_of(&c, var), expected, "{var}={input}");
        assert_eq!(
            c.notes,
            vec![format!("{var}={input} clamped to {expected}")],
            "{var}={input}"
        );
    }
}

#[test]
fn unbounded_durations_are_capped_at_a_year() {
    for var in [
        "DISCOVERY_INTERVAL",
        "STEADY_STATE_INTERVAL",
        "QUICK_CHECK_INTERVAL",
        "HEALTH_CHECK_INTERVAL",
        "HEALTH_REPORT_INTERVAL",
        "OFFLINE_THRESHOLD",
    ] {
        let c = ok(&[(var, "18446744073709551615")]);
        assert_eq!(duration_of(&c, var), secs(MAX_SECONDS), "{var}");
        assert_eq!(
            c.notes,
            vec![format!("{var}=18446744073709551615 clamped to 31536000")]
        );
        let c = ok(&[(var, "31536000")]);
        assert!(c.notes.is_empty(), "{var}");
    }
}

#[test]
fn numbers_that_do_not_parse_are_errors_naming_variable_and_value() {
    for &var in NUMERIC {
        let e = err(&[(var, "abc")]);
        assert_eq!(
            e,
            ConfigError::NotANumber {
                var,
                value: "abc".into()
            }
        );
        assert_eq!(
            e.to_string(),
            format!("{var}: \"abc\" is not a whole number")
        );

        for bad in ["1.5", "10s", "0x10", "1 0", "-"] {
            assert!(
                matches!(err(&[(var, bad)]), ConfigError::NotANumber { .. }),
                "{var}={bad}"
            );
        }

        let e = err(&[(var, " -5 ")]);
        assert_eq!(
            e,
            ConfigError::Negative {
                var,
                value: "-5".into()
            }
        );
        assert!(e.to_string().starts_with(&format!("{var}: \"-5\" ")), "{e}");

        let huge = "99999999999999999999999";
        let e = err(&[(var, huge)]);
        let msg = e.to_string();
        assert!(msg.starts_with(&format!("{var}: \"{huge}\" ")), "{msg}");
        assert!(!msg.contains('\n'));
    }
}

#[test]
fn overflow_is_too_large_and_ports_out_of_range_are_errors() {
    let huge = "99999999999999999999999";
    assert_eq!(
        err(&[("RTSP_TIMEOUT", huge)]),
        ConfigError::TooLarge {
            var: "RTSP_TIMEOUT",
            value: huge.into()
        }
    );
    assert_eq!(
        err(&[("INITIAL_DISCOVERY_COUNT", "4294967296")]).to_string(),
        "INITIAL_DISCOVERY_COUNT: \"4294967296\" is too large"
    );
    assert_eq!(
        ok(&[("INITIAL_DISCOVERY_COUNT", "4294967295")]).initial_discovery_count,
        u32::MAX
    );
    for var in ["RTSP_PORT", "ONVIF_PORT", "HTTP_PORT"] {
        for bad in ["0", "65536", huge] {
            assert_eq!(
                err(&[(var, bad)]),
                ConfigError::NotAPort {
                    var,
                    value: bad.into()
                }
            );
        }
    }
    assert_eq!(
        err(&[("RTSP_PORT", "0")]).to_string(),
        "RTSP_PORT: \"0\" is not a port number (1 to 65535)"
    );
}

#[test]
fn booleans_accept_the_usual_spellings() {
    for &var in BOOLEANS {
        for (text, want) in [
            ("true", true),
            ("TRUE", true),
            ("1", true),
            ("Yes", true),
            ("on", true),
            ("false", false),
            ("False", false),
            ("0", false),
            ("NO", false),
            ("off", false),
        ] {
            let c = ok(&[(var, text)]);
            let got = match var {
                "MQTT_TLS" => c.mqtt.tls,
                "MAC_TRACKING_ENABLED" => c.mac_tracking_enabled,
                "SMART_DISCOVERY_ENABLED" => c.smart_discovery_enabled,
                "PUBLISH_CREDENTIALS" => c.publish_credentials,
                _ => c.frigate_update_enabled,
            };
            assert_eq!(got, want, "{var}={text}");
        }
        for bad in ["maybe", "2", "truee", "y"] {
            let e = err(&[(var, bad)]);
            assert_eq!(
                e,
                ConfigError::NotABool {
                    var,
                    value: bad.into()
                }
            );
            assert!(e
                .to_string()
                .starts_with(&format!("{var}: \"{bad}\" is not a boolean")));
        }
    }
}

#[test]
fn log_levels() {
    for (text, want) in [
        ("DEBUG", LevelFilter::Debug),
        ("info", LevelFilter::Info),
        ("WARNING", LevelFilter::Warn),
        ("warn", LevelFilter::Warn),
        ("Error", LevelFilter::Error),
        ("CRITICAL", LevelFilter::Error),
        ("trace", LevelFilter::Trace),
    ] {
        assert_eq!(ok(&[("LOG_LEVEL", text)]).log_level, want, "{text}");
    }
    let e = err(&[("LOG_LEVEL", "loud")]);
    assert_eq!(
        e,
        ConfigError::BadLogLevel {
            value: "loud".into()
        }
    );
    assert!(e
        .to_string()
        .starts_with("LOG_LEVEL: \"loud\" is not a log level"));
}

#[test]
fn mqtt_broker_must_not_be_empty() {
    for blank in ["", "   "] {
        let e = err(&[("MQTT_BROKER", blank)]);
        assert_eq!(e, ConfigError::Empty { var: "MQTT_BROKER" });
        assert_eq!(e.to_string(), "MQTT_BROKER: must not be empty");
    }
    assert_eq!(ok(&[("MQTT_BROKER", "10.0.0.2")]).mqtt.broker, "10.0.0.2");
}

#[test]
fn client_cert_and_key_go_together() {
    let e = err(&[("MQTT_CLIENT_CERT", "/c.pem")]);
    assert_eq!(
        e.to_string(),
        "MQTT_CLIENT_CERT/MQTT_CLIENT_KEY: MQTT_CLIENT_CERT is set but MQTT_CLIENT_KEY is not; set both or neither"
    );
    let e = err(&[("MQTT_CLIENT_KEY", "/k.pem"), ("MQTT_CLIENT_CERT", " ")]);
    assert_eq!(
        e,
        ConfigError::HalfClientCert {
            set: "MQTT_CLIENT_KEY",
            missing: "MQTT_CLIENT_CERT"
        }
    );

    let c = ok(&[
        ("MQTT_TLS", "true"),
        ("MQTT_CLIENT_CERT", "/c.pem"),
        ("MQTT_CLIENT_KEY", "/k.pem"),
    ]);
    assert_eq!(c.mqtt.client_cert, Some(PathBuf::from("/c.pem")));
    assert_eq!(c.mqtt.client_key, Some(PathBuf::from("/k.pem")));
    assert!(c.notes.is_empty());

    let c = ok(&[
        ("MQTT_CLIENT_CERT", "/c.pem"),
        ("MQTT_CLIENT_KEY", "/k.pem"),
    ]);
    assert_eq!(c.notes.len(), 1);
    assert!(c.notes[0].contains("MQTT_TLS is false"));
}

#[test]
fn mqtt_user_and_password() {
    let c = ok(&[("MQTT_USERNAME", "detector"), ("MQTT_PASSWORD", "s3cret")]);
    assert_eq!(c.mqtt.username.as_deref(), Some("detector"));
    assert_eq!(c.mqtt.password.as_ref().map(Secret::expose), Some("s3cret"));

    let c = ok(&[("MQTT_USERNAME", "detector")]);
    assert_eq!(c.mqtt.password, None);

    let e = err(&[("MQTT_PASSWORD", "s3cret")]);
    assert_eq!(e, ConfigError::PasswordWithoutUsername);
    let msg = e.to_string();
    assert!(msg.starts_with("MQTT_PASSWORD: \"***\""), "{msg}");
    assert!(!msg.contains("s3cret") && !format!("{e:?}").contains("s3cret"));
}

#[test]
fn topic_prefix_and_reload_topic() {
    assert_eq!(
        ok(&[("MQTT_TOPIC_PREFIX", "test/run1/")]).mqtt.topic_prefix,
        "test/run1"
    );
    assert_eq!(ok(&[("MQTT_TOPIC_PREFIX", "t//")]).mqtt.topic_prefix, "t");
    assert_eq!(ok(&[("MQTT_TOPIC_PREFIX", "/")]).mqtt.topic_prefix, "");

    let e = err(&[("MQTT_TOPIC_PREFIX", "lab/#")]);
    assert_eq!(
        e.to_string(),
        "MQTT_TOPIC_PREFIX: \"lab/#\" contains '#', which is not allowed in an MQTT topic"
    );
    assert!(matches!(
        err(&[("MQTT_TOPIC_PREFIX", "a/+/b")]),
        ConfigError::BadTopic { what: "'+'", .. }
    ));
    let e = err(&[("MQTT_TOPIC_PREFIX", "a\0b")]);
    assert!(matches!(
        e,
        ConfigError::BadTopic {
            what: "a NUL character",
            ..
        }
    ));
    assert!(!e.to_string().contains('\0'));

    assert_eq!(
        ok(&[("FRIGATE_RELOAD_TOPIC", "nvr/reload")]).frigate_reload_topic,
        "nvr/reload"
    );
    assert!(matches!(
        err(&[("FRIGATE_RELOAD_TOPIC", "frigate/#")]),
        ConfigError::BadTopic {
            var: "FRIGATE_RELOAD_TOPIC",
            ..
        }
    ));
}

#[test]
fn node_id_and_client_id() {
    let c = ok(&[("BALENA_DEVICE_UUID", "abc123")]);
    assert_eq!(c.node_id, "abc123");
    assert_eq!(c.mqtt.client_id, "camera-detector-abc123");

    for unset in [
        &[][..],
        &[("BALENA_DEVICE_UUID", "")][..],
        &[("BALENA_DEVICE_UUID", " ")][..],
    ] {
        let c = ok(unset);
        assert_eq!(c.node_id, HOST);
        assert_eq!(c.mqtt.client_id, "camera-detector-test-host");
    }

    let c = Config::from_lookup(|_| None, "").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.node_id, "camera-detector");
    assert_eq!(c.mqtt.client_id, "camera-detector-camera-detector");

    assert!(matches!(
        err(&[("BALENA_DEVICE_UUID", "node#1")]),
        ConfigError::BadTopic {
            var: "BALENA_DEVICE_UUID",
            ..
        }
    ));
}

#[test]
fn from_env_reads_the_process_environment() {
    // Variables this test does not set may be set by the runner; only check the shape.
    if let Ok(c) = Config::from_env() {
        assert!(!c.node_id.is_empty());
        assert_eq!(c.mqtt.client_id, format!("camera-detector-{}", c.node_id));
    }
}

#[test]
fn camera_password_means_only_that_pair() {
    let c = ok(&[
        ("CAMERA_USERNAME", "root"),
        ("CAMERA_PASSWORD", "pw"),
        ("CAMERA_CREDENTIALS", "a:b,c:d"),
    ]);
    assert_eq!(c.credentials, vec![cred("root", "pw")]);
    assert_eq!(c.notes.len(), 1);
    assert!(c.notes[0].starts_with("CAMERA_CREDENTIALS ignored"));
    assert!(!c.notes[0].contains("pw") && !c.notes[0].contains("a:b"));

    // CAMERA_USERNAME defaults to admin.
    assert_eq!(
        ok(&[("CAMERA_PASSWORD", "pw")]).credentials,
        vec![cred("admin", "pw")]
    );
    // The password is used verbatim (spaces are characters of a password).
    assert_eq!(
        ok(&[("CAMERA_PASSWORD", " p w ")]).credentials,
        vec![cred("admin", " p w ")]
    );
}

#[test]
fn camera_username_alone_does_not_select_a_pair() {
    let c = ok(&[("CAMERA_USERNAME", "root"), ("CAMERA_CREDENTIALS", "x:y")]);
    assert_eq!(c.credentials, vec![cred("x", "y")]);
    let c = ok(&[("CAMERA_USERNAME", "root")]);
    assert_eq!(
        c.credentials,
        vec![cred("admin", ""), cred("admin", "admin")]
    );
}

#[test]
fn camera_credentials_list_rules() {
    let c = ok(&[(
        "CAMERA_CREDENTIALS",
        " admin:12345 , root:pa:ss,operator, guest: ,admin:12345,,:orphan, viewer:",
    )]);
    assert_eq!(
        c.credentials,
        vec![
            cred("admin", "12345"),
            cred("root", "pa:ss"), // split at the first ':'
            cred("operator", ""),  // no ':' = empty password
            cred("guest", ""),     // entry trimmed, so the trailing space goes
            cred("viewer", ""),
        ]
    );
    assert_eq!(
        c.notes,
        vec!["CAMERA_CREDENTIALS: skipped 1 entry with no user name".to_owned()]
    );
}

#[test]
fn camera_credentials_without_a_usable_entry_fall_back() {
    let c = ok(&[("CAMERA_CREDENTIALS", ":x, :y ,")]);
    assert_eq!(
        c.credentials,
        vec![cred("admin", ""), cred("admin", "admin")]
    );
    assert_eq!(c.notes.len(), 2, "{:?}", c.notes);
    assert!(c.notes[0].contains("skipped 2 entries"));
    assert!(c.notes[1].contains("no usable"));
    for note in &c.notes {
        assert!(!note.contains(":x") && !note.contains(":y"), "{note}");
    }

    let c = ok(&[("CAMERA_CREDENTIALS", " , ")]);
    assert_eq!(
        c.credentials,
        vec![cred("admin", ""), cred("admin", "admin")]
    );
}

#[test]
fn camera_credentials_dedup_keeps_first_order() {
    let c = ok(&[("CAMERA_CREDENTIALS", "b:1,a:1,b:1,b:2,a:1")]);
    assert_eq!(
        c.credentials,
        vec![cred("b", "1"), cred("a", "1"), cred("b", "2")]
    );
}

#[test]
fn secret_never_prints() {
    let s = Secret::new("hunter2");
    assert_eq!(format!("{s:?}"), "***");
    assert_eq!(format!("{s}"), "***");
    assert_eq!(s.expose(), "hunter2");
    assert_eq!(s.clone(), Secret::new(String::from("hunter2")));
    assert_eq!(
        format!("{:?}", cred("admin", "hunter2")),
        "Credential { username: \"admin\", password: *** }"
    );
}

#[test]
fn debug_of_a_whole_config_has_no_password() {
    for camera in [
        &[("CAMERA_PASSWORD", "cam-pw-1")][..],
        &[("CAMERA_CREDENTIALS", "u:cam-pw-2,v:cam-pw-3")][..],
    ] {
        let mut pairs = vec![("MQTT_USERNAME", "m"), ("MQTT_PASSWORD", "mqtt-pw-0")];
        pairs.extend_from_slice(camera);
        let c = ok(&pairs);
        let text = format!("{c:?} {c:#?} {:?}", c.notes);
        assert!(!text.contains("pw-"), "{text}");
    }
}

#[test]
fn errors_never_show_a_secret_value() {
    for var in SECRET_VARIABLES {
        assert_eq!(shown(var, "top-secret"), "***");
    }
    assert_eq!(shown("MQTT_PORT", "abc"), "abc");
    // Every error reachable with secrets present leaves them out.
    let secrets = [
        ("MQTT_USERNAME", "u"),
        ("MQTT_PASSWORD", "pw-a"),
        ("CAMERA_PASSWORD", "pw-b"),
        ("CAMERA_CREDENTIALS", "u:pw-c"),
    ];
    for (var, bad) in [
        ("MQTT_PORT", "x"),
        ("MQTT_TLS", "x"),
        ("LOG_LEVEL", "x"),
        ("MQTT_BROKER", ""),
        ("MQTT_CLIENT_CERT", "/c"),
        ("MQTT_TOPIC_PREFIX", "#"),
    ] {
        let mut pairs = secrets.to_vec();
        pairs.push((var, bad));
        let e = err(&pairs);
        let text = format!("{e} {e:?}");
        assert!(!text.contains("pw-"), "{text}");
        assert!(text.contains(var), "{text}");
    }
    // MQTT_PASSWORD without a user.
    let e = err(&secrets[1..]);
    assert_eq!(e, ConfigError::PasswordWithoutUsername);
    assert!(!format!("{e} {e:?}").contains("pw-"));
}

#[test]
fn camera_remove_after_is_never_by_default_zero_or_at_least_an_hour() {
    let c = ok(&[]);
    assert_eq!(c.camera_remove_after, None);
    assert!(c.notes.is_empty());
    assert_eq!(
        ok(&[("CAMERA_REMOVE_AFTER", "0")]).camera_remove_after,
        None
    );
    let c = ok(&[("CAMERA_REMOVE_AFTER", "86400")]);
    assert_eq!(c.camera_remove_after, Some(secs(86400)));
    assert!(c.notes.is_empty());
    let c = ok(&[("CAMERA_REMOVE_AFTER", "60")]);
    assert_eq!(c.camera_remove_after, Some(secs(3600)));
    assert_eq!(c.notes, ["CAMERA_REMOVE_AFTER=60 clamped to 3600"]);
    assert_eq!(
        err(&[("CAMERA_REMOVE_AFTER", "1d")]).to_string(),
        "CAMERA_REMOVE_AFTER: \"1d\" is not a whole number"
    );
}

#[test]
fn state_path_has_a_default_and_empty_turns_it_off() {
    assert_eq!(
        ok(&[]).state_path,
        Some(PathBuf::from("/var/lib/camera-detector/state.json"))
    );
    // Unlike the other variables, set but empty is not the default: it means no file.
    assert_eq!(ok(&[("STATE_PATH", "")]).state_path, None);
    assert_eq!(ok(&[("STATE_PATH", "  ")]).state_path, None);
    assert_eq!(
        ok(&[("STATE_PATH", " /data/cd/state.json ")]).state_path,
        Some(PathBuf::from("/data/cd/state.json"))
    );
}

/// The configuration of `pairs`, with `files` (path, text) as the files variables name.
pub(super) fn load_files(
    pairs: &[(&str, &str)],
    files: &[(&str, &str)],
) -> Result<Config, ConfigError> {
    let env: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let files: HashMap<String, String> = files
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Config::from_lookup_files(
        |k| env.get(k).cloned(),
        &|p| {
            files
                .get(p.to_str().unwrap_or(""))
                .cloned()
                .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
        },
        HOST,
    )
}

/// Decodes a fuzz fixture of `testdata/` (the `config_lookup` fuzz target's format) and
/// loads it, the file content after `%%` standing for every file read.
fn load_fuzz_fixture(bytes: &[u8]) -> Result<Config, ConfigError> {
    let text = String::from_utf8_lossy(bytes);
    let (vars, file) = match text.split_once("\n%%\n") {
        Some((v, f)) => (v, Some(f)),
        None => (&*text, None),
    };
    let env: Vec<(&str, String)> = vars
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k, v.replace("\\n", "\n")))
        .collect();
    Config::from_lookup_files(
        |k| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone()),
        &|_| {
            file.map(str::to_owned)
                .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
        },
        HOST,
    )
}

#[test]
fn mqtt_password_from_a_file() {
    let user = ("MQTT_USERNAME", "detector");
    let c = load_files(
        &[user, ("MQTT_PASSWORD_FILE", "/run/secrets/mqtt")],
        &[("/run/secrets/mqtt", "fr0m-file\n")],
    )
    .expect("ok");
    assert_eq!(
        c.mqtt.password.as_ref().map(Secret::expose),
        Some("fr0m-file")
    );

    let e = load_files(
        &[user, ("MQTT_PASSWORD", "x"), ("MQTT_PASSWORD_FILE", "/f")],
        &[("/f", "y\n")],
    )
    .expect_err("both");
    assert_eq!(
        e.to_string(),
        "MQTT_PASSWORD and MQTT_PASSWORD_FILE are both set; set one of them"
    );

    let e = load_files(
        &[user, ("MQTT_PASSWORD_FILE", "/f")],
        &[("/f", "alpha\nbeta\n")],
    )
    .expect_err("two lines");
    let msg = format!("{e} {e:?}");
    assert!(
        msg.starts_with("MQTT_PASSWORD_FILE: /f: more than one line"),
        "{msg}"
    );
    assert!(!msg.contains("alpha") && !msg.contains("beta"), "{msg}");

    let e = load_files(&[user, ("MQTT_PASSWORD_FILE", "/a\nb")], &[]).expect_err("missing");
    assert!(
        e.to_string().starts_with("MQTT_PASSWORD_FILE: /a\\nb: "),
        "{e}"
    );
    let e = load_files(&[user, ("MQTT_PASSWORD_FILE", "/missing")], &[]).expect_err("missing");
    assert!(
        e.to_string().starts_with("MQTT_PASSWORD_FILE: /missing: "),
        "{e}"
    );

    let e = load_files(&[("MQTT_PASSWORD_FILE", "/f")], &[("/f", "pw\n")]).expect_err("no user");
    assert_eq!(e, ConfigError::PasswordWithoutUsername);
    assert!(!format!("{e} {e:?}").contains("pw"), "{e:?}");
}

#[test]
fn the_example_env_file_lists_every_variable_at_its_default() {
    // dist/camera-detector.env goes into every release tarball: each variable once, as
    // `NAME=default` (commented out, except MQTT_BROKER, which every gateway must set).
    let text = include_str!("../../dist/camera-detector.env");
    let mut found: HashMap<&str, &str> = HashMap::new();
    for line in text.lines() {
        let assignment = line.strip_prefix('#').unwrap_or(line);
        let Some((name, value)) = assignment.split_once('=') else {
            continue;
        };
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        {
            continue; // prose in a comment
        }
        assert!(found.insert(name, value).is_none(), "{name} twice");
    }
    for (name, default, _) in VARIABLES {
        assert_eq!(
            found.remove(name),
            Some(*default),
            "{name} missing or not at its default"
        );
    }
    assert!(found.is_empty(), "not in VARIABLES: {found:?}");
}

/// Fuzz regression: a CAMERA_CREDENTIALS_FILE path with a newline made a two-line error.
#[test]
fn credentials_file_error_with_a_newline_in_the_path_is_one_line() {
    let e = load_fuzz_fixture(include_bytes!(
        "testdata/fuzz_credentials_file_path_newline.env"
    ))
    .expect_err("no such file")
    .to_string();
    assert!(!e.contains('\n'), "{e}");
    assert!(e.starts_with("CAMERA_CREDENTIALS_FILE: x\\nE: "), "{e}");
    let e = load_fuzz_fixture(b"CAMERA_CREDENTIALS_FILE=/a\\tb\n%%\nno colon\n")
        .expect_err("bad line")
        .to_string();
    assert_eq!(
        e,
        "CAMERA_CREDENTIALS_FILE: /a\\tb: line 1: no ':' between user and password"
    );
}

/// A flag that stands for a variable (`scan --networks`) goes through the variable's own
/// parser, without touching the process environment.
#[test]
fn an_override_stands_for_its_variable() {
    let cfg = Config::from_env_with(&[("SCAN_NETWORKS", "10.1.0.0/24".to_owned())])
        .expect("a valid override");
    assert_eq!(
        cfg.discovery.networks,
        vec!["10.1.0.0/24".parse::<crate::cidr::Cidr>().expect("cidr")]
    );
    let e = Config::from_env_with(&[("SCAN_NETWORKS", "10.0.0.0/40".to_owned())]).unwrap_err();
    assert!(e.to_string().starts_with("SCAN_NETWORKS: "), "{e}");
}
