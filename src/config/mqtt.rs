//! The MQTT variables: the broker and session (the original's plus ours: credentials, client
//! certificate, keepalive, queue, client id, payload limit) and the contract profile
//! (MQTT_CONTRACT, with the current stack's TOPIC_PREFIX and resend interval). Parsed by
//! [`Config::from_lookup`](super::Config::from_lookup) like every other variable.
use super::{check_topic_part, one_line, secrets, ConfigError, Env, ReadFile, Secret};
use std::path::PathBuf;
use std::time::Duration;

/// Which MQTT contract the service speaks: the original Python service's (`Legacy`) or the
/// current wildfire-watch stack's, as its camera_manager and web dashboard use it
/// (`Current`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contract {
    /// The original's topics and payloads (the default).
    Legacy,
    /// The current stack's topics and payloads.
    Current,
    /// Both sets, for a stack in the middle of an upgrade.
    Both,
}

impl Contract {
    /// Publishes the original's messages.
    #[must_use]
    pub fn legacy(self) -> bool {
        matches!(self, Contract::Legacy | Contract::Both)
    }

    /// Publishes the current stack's messages.
    #[must_use]
    pub fn current(self) -> bool {
        matches!(self, Contract::Current | Contract::Both)
    }
}

/// How to reach and talk to the MQTT broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MqttSettings {
    pub broker: String,
    pub port: u16,
    pub tls: bool,
    pub tls_ca_path: PathBuf,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    pub keepalive: Duration,
    pub queue_size: usize,
    /// MQTT_TOPIC_PREFIX without a trailing `/`; empty means no prefix.
    pub topic_prefix: String,
    /// MQTT_CLIENT_ID, else `camera-detector-{node_id}` (the original's).
    pub client_id: String,
    /// MQTT_MAX_PAYLOAD: larger payloads are never sent.
    pub max_payload: usize,
    /// MQTT_CONTRACT.
    pub contract: Contract,
    /// The prefix of the current contract's topics, as that stack builds it: TOPIC_PREFIX
    /// (else MQTT_TOPIC_PREFIX) with `/` appended when missing; empty = none.
    pub current_prefix: String,
    /// DISCOVERY_RESEND_INTERVAL (current contract): every live camera's discovery record
    /// is sent again this often; `None` = never.
    pub resend_interval: Option<Duration>,
}

/// MQTT_MAX_PAYLOAD when unset: 16 KiB, under the smallest common broker default known to
/// us (rumqttd's 20 KiB) with margin.
pub const DEFAULT_MAX_PAYLOAD: u64 = 16 * 1024;
/// The largest payload MQTT 3.1.1 can carry (the remaining-length limit, less headers).
const MAX_MAX_PAYLOAD: u64 = 268_435_455 - 65_535 - 4;

/// The MQTT section, including the variables the original did not have.
pub(super) fn mqtt_settings<F: Fn(&str) -> Option<String>>(
    env: &mut Env<F>,
    read: ReadFile<'_>,
    node_id: &str,
) -> Result<MqttSettings, ConfigError> {
    let broker = match env.raw("MQTT_BROKER") {
        None => "mqtt_broker".to_owned(),
        Some(b) if b.trim().is_empty() => return Err(ConfigError::Empty { var: "MQTT_BROKER" }),
        Some(b) => b.trim().to_owned(),
    };
    let port = env.u64_clamped("MQTT_PORT", 1883, 1, u64::from(u16::MAX))?;
    let port = u16::try_from(port).unwrap_or(u16::MAX);
    let tls = env.boolean("MQTT_TLS", false)?;
    let tls_ca_path = PathBuf::from(
        env.text("TLS_CA_PATH")
            .unwrap_or_else(|| "/mnt/data/certs/ca.crt".to_owned()),
    );

    let username = env.text("MQTT_USERNAME");
    let password = broker_password(env, read)?;
    if password.is_some() && username.is_none() {
        return Err(ConfigError::PasswordWithoutUsername);
    }

    let client_cert = env.text("MQTT_CLIENT_CERT").map(PathBuf::from);
    let client_key = env.text("MQTT_CLIENT_KEY").map(PathBuf::from);
    match (&client_cert, &client_key) {
        (Some(_), None) => {
            return Err(ConfigError::HalfClientCert {
                set: "MQTT_CLIENT_CERT",
                missing: "MQTT_CLIENT_KEY",
            })
        }
        (None, Some(_)) => {
            return Err(ConfigError::HalfClientCert {
                set: "MQTT_CLIENT_KEY",
                missing: "MQTT_CLIENT_CERT",
            })
        }
        (Some(_), Some(_)) if !tls => env.notes.push(
            "MQTT_CLIENT_CERT/MQTT_CLIENT_KEY are set but MQTT_TLS is false; they are not used"
                .to_owned(),
        ),
        _ => {}
    }

    let keepalive = env.seconds("MQTT_KEEPALIVE", 30, 5, u64::from(u16::MAX))?;
    let queue_size = env.u64_clamped("MQTT_QUEUE_SIZE", 1000, 10, 1_000_000)?;
    let queue_size = usize::try_from(queue_size).unwrap_or(usize::MAX);
    let max_payload = env.u64_clamped(
        "MQTT_MAX_PAYLOAD",
        DEFAULT_MAX_PAYLOAD,
        1024,
        MAX_MAX_PAYLOAD,
    )?;
    let max_payload = usize::try_from(max_payload).unwrap_or(usize::MAX);

    let topic_prefix = match env.text("MQTT_TOPIC_PREFIX") {
        None => String::new(),
        Some(p) => p.trim_end_matches('/').to_owned(),
    };
    check_topic_part("MQTT_TOPIC_PREFIX", &topic_prefix)?;

    let client_id = env
        .text("MQTT_CLIENT_ID")
        .unwrap_or_else(|| format!("camera-detector-{node_id}"));
    let contract = contract(env)?;
    let current_prefix = current_prefix(env, contract, &topic_prefix)?;
    let resend_interval = match env.seconds("DISCOVERY_RESEND_INTERVAL", 240, 0, 299)? {
        d if d.is_zero() => None,
        d if d < MIN_RESEND => {
            env.notes.push(format!(
                "DISCOVERY_RESEND_INTERVAL={} clamped to {}",
                d.as_secs(),
                MIN_RESEND.as_secs()
            ));
            Some(MIN_RESEND)
        }
        d => Some(d),
    };

    Ok(MqttSettings {
        broker,
        port,
        tls,
        tls_ca_path,
        username,
        password,
        client_cert,
        client_key,
        keepalive,
        queue_size,
        topic_prefix,
        client_id,
        max_payload,
        contract,
        current_prefix,
        resend_interval,
    })
}

/// The shortest DISCOVERY_RESEND_INTERVAL other than 0 (never).
const MIN_RESEND: Duration = Duration::from_secs(10);

/// MQTT_PASSWORD or the text of MQTT_PASSWORD_FILE (not both).
fn broker_password<F: Fn(&str) -> Option<String>>(
    env: &Env<F>,
    read: ReadFile<'_>,
) -> Result<Option<Secret>, ConfigError> {
    let inline = env.raw("MQTT_PASSWORD").filter(|p| !p.is_empty());
    match (inline, env.text("MQTT_PASSWORD_FILE")) {
        (Some(_), Some(_)) => Err(ConfigError::Both {
            var: "MQTT_PASSWORD",
            other: "MQTT_PASSWORD_FILE",
        }),
        (Some(p), None) => Ok(Some(Secret::new(p))),
        (None, Some(path)) => {
            let file_error = |detail: String| ConfigError::File {
                var: "MQTT_PASSWORD_FILE",
                path: one_line(&path),
                detail,
            };
            let text = read(std::path::Path::new(&path)).map_err(|e| file_error(e.to_string()))?;
            Ok(Some(Secret::new(
                secrets::password_from_file(&text).map_err(file_error)?,
            )))
        }
        (None, None) => Ok(None),
    }
}

fn contract<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Contract, ConfigError> {
    match env.text("MQTT_CONTRACT") {
        None => Ok(Contract::Legacy),
        Some(t) => match t.to_ascii_lowercase().as_str() {
            "legacy" => Ok(Contract::Legacy),
            "current" => Ok(Contract::Current),
            "both" => Ok(Contract::Both),
            _ => Err(ConfigError::BadValue {
                var: "MQTT_CONTRACT",
                value: t,
                expected: "legacy, current or both",
            }),
        },
    }
}

/// The current stack's prefix rule: TOPIC_PREFIX refused with `#`, `+`, CR, LF or NUL; `/`
/// appended only when missing. Unset: MQTT_TOPIC_PREFIX (so one prefix serves both
/// contracts). Read in every profile, used only by the current one.
fn current_prefix<F: Fn(&str) -> Option<String>>(
    env: &mut Env<F>,
    contract: Contract,
    legacy_prefix: &str,
) -> Result<String, ConfigError> {
    let raw = env.raw("TOPIC_PREFIX").filter(|p| !p.trim().is_empty());
    if let Some(p) = &raw {
        check_topic_part("TOPIC_PREFIX", p)?;
        if p.contains(['\r', '\n']) {
            return Err(ConfigError::BadTopic {
                var: "TOPIC_PREFIX",
                value: one_line(p),
                what: "a line break",
            });
        }
        if !contract.current() {
            env.notes.push(
                "TOPIC_PREFIX is used only with MQTT_CONTRACT=current or both; ignored".to_owned(),
            );
        }
    }
    let prefix = raw.map_or_else(|| legacy_prefix.to_owned(), |p| p.trim().to_owned());
    Ok(if prefix.is_empty() || prefix.ends_with('/') {
        prefix
    } else {
        format!("{prefix}/")
    })
}

#[cfg(test)]
mod tests {
    use super::super::{Config, ConfigError};
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_lookup(
            |k| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_owned())
            },
            "host-1",
        )
    }

    fn ok(pairs: &[(&str, &str)]) -> Config {
        load(pairs).expect("valid")
    }

    #[test]
    fn the_client_id_is_the_originals_unless_mqtt_client_id_says_otherwise() {
        assert_eq!(ok(&[]).mqtt.client_id, "camera-detector-host-1");
        let c = ok(&[("MQTT_CLIENT_ID", " gw-7 "), ("BALENA_DEVICE_UUID", "n")]);
        assert_eq!(c.mqtt.client_id, "gw-7");
        assert_eq!(
            ok(&[("MQTT_CLIENT_ID", "")]).mqtt.client_id,
            "camera-detector-host-1"
        );
    }

    #[test]
    fn the_payload_limit_defaults_to_16_kib_and_is_clamped() {
        assert_eq!(ok(&[]).mqtt.max_payload, 16384);
        let c = ok(&[("MQTT_MAX_PAYLOAD", "10")]);
        assert_eq!(c.mqtt.max_payload, 1024);
        assert!(c
            .notes
            .iter()
            .any(|n| n == "MQTT_MAX_PAYLOAD=10 clamped to 1024"));
        assert_eq!(ok(&[("MQTT_MAX_PAYLOAD", "20480")]).mqtt.max_payload, 20480);
    }

    #[test]
    fn the_contract_is_legacy_unless_set_and_a_bad_one_is_named() {
        assert_eq!(ok(&[]).mqtt.contract, Contract::Legacy);
        assert_eq!(
            ok(&[("MQTT_CONTRACT", "Current")]).mqtt.contract,
            Contract::Current
        );
        assert_eq!(
            ok(&[("MQTT_CONTRACT", "both")]).mqtt.contract,
            Contract::Both
        );
        let e = load(&[("MQTT_CONTRACT", "new")]).unwrap_err().to_string();
        assert_eq!(e, "MQTT_CONTRACT: \"new\" is not legacy, current or both");
        assert!(Contract::Both.legacy() && Contract::Both.current());
        assert!(!Contract::Legacy.current() && !Contract::Current.legacy());
    }

    #[test]
    fn topic_prefix_follows_the_current_stacks_rule() {
        let cur = |p: &str| {
            ok(&[("MQTT_CONTRACT", "current"), ("TOPIC_PREFIX", p)])
                .mqtt
                .current_prefix
        };
        assert_eq!(cur("site1"), "site1/");
        assert_eq!(cur("site1/"), "site1/");
        assert_eq!(cur(""), "");
        // Unset: MQTT_TOPIC_PREFIX serves both contracts.
        let c = ok(&[("MQTT_CONTRACT", "both"), ("MQTT_TOPIC_PREFIX", "t/")]);
        assert_eq!(
            (c.mqtt.topic_prefix.as_str(), c.mqtt.current_prefix.as_str()),
            ("t", "t/")
        );
        for bad in ["a#", "a+", "a\nb", "a\rb", "a\0"] {
            let e = load(&[("MQTT_CONTRACT", "current"), ("TOPIC_PREFIX", bad)]).unwrap_err();
            assert!(
                matches!(
                    e,
                    ConfigError::BadTopic {
                        var: "TOPIC_PREFIX",
                        ..
                    }
                ),
                "{e}"
            );
            assert!(!e.to_string().contains('\n'));
        }
        let legacy = ok(&[("TOPIC_PREFIX", "x")]);
        assert!(legacy
            .notes
            .iter()
            .any(|n| n.starts_with("TOPIC_PREFIX is used only")));
    }

    #[test]
    fn default_username_and_password_count_only_under_the_current_contract() {
        let pairs = [("DEFAULT_USERNAME", "op"), ("DEFAULT_PASSWORD", "pw")];
        let c = ok(&[pairs[0], pairs[1], ("MQTT_CONTRACT", "current")]);
        assert_eq!(c.credentials.len(), 1);
        assert_eq!(c.credentials[0].username, "op");
        assert_eq!(c.credentials[0].password.expose(), "pw");
        // CAMERA_* win over DEFAULT_*.
        let c = ok(&[
            pairs[0],
            pairs[1],
            ("MQTT_CONTRACT", "both"),
            ("CAMERA_PASSWORD", "cp"),
        ]);
        assert_eq!(
            (
                c.credentials[0].username.as_str(),
                c.credentials[0].password.expose()
            ),
            ("op", "cp")
        );
        let legacy = ok(&pairs);
        assert_eq!(legacy.credentials.len(), 2, "admin: and admin:admin");
        assert!(legacy
            .notes
            .iter()
            .any(|n| n.starts_with("DEFAULT_USERNAME/DEFAULT_PASSWORD")));
        assert!(!format!("{legacy:?}").contains("pw\""), "never shown");
    }

    #[test]
    fn the_resend_interval_stays_inside_the_dashboards_window() {
        assert_eq!(ok(&[]).mqtt.resend_interval, Some(Duration::from_secs(240)));
        assert_eq!(
            ok(&[("DISCOVERY_RESEND_INTERVAL", "0")])
                .mqtt
                .resend_interval,
            None
        );
        assert_eq!(
            ok(&[("DISCOVERY_RESEND_INTERVAL", "900")])
                .mqtt
                .resend_interval,
            Some(Duration::from_secs(299))
        );
        assert_eq!(
            ok(&[("DISCOVERY_RESEND_INTERVAL", "2")])
                .mqtt
                .resend_interval,
            Some(MIN_RESEND)
        );
    }
}
