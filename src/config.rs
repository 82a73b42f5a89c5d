//! Configuration: every environment variable the service reads, parsed and validated once
//! at start into a [`Config`] (the original Python service's names, defaults and clamps, plus
//! the MQTT additions). Secrets are wrapped in [`Secret`] so that no `Debug`/`Display` shows them.
use std::fmt;
use std::num::IntErrorKind;
use std::path::PathBuf;
use std::time::Duration;

use log::LevelFilter;

/// A password. `Debug` and `Display` print `***`; [`Secret::expose`] is the only way to the text.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The secret text, for the one place that must send it (a connect packet, an RTSP URL).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// One camera user name and password pair to try, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub username: String,
    pub password: Secret,
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
    /// Without a trailing `/`; empty means no prefix.
    pub topic_prefix: String,
    /// `camera-detector-{node_id}`.
    pub client_id: String,
}

/// The whole validated configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub node_id: String,
    pub mqtt: MqttSettings,
    pub discovery_interval: Duration,
    pub rtsp_timeout: Duration,
    pub onvif_timeout: Duration,
    pub mac_tracking_enabled: bool,
    pub smart_discovery_enabled: bool,
    pub initial_discovery_count: u32,
    pub steady_state_interval: Duration,
    pub quick_check_interval: Duration,
    /// Never empty; tried in this order.
    pub credentials: Vec<Credential>,
    pub rtsp_port: u16,
    pub onvif_port: u16,
    pub http_port: u16,
    pub health_check_interval: Duration,
    pub health_report_interval: Duration,
    pub offline_threshold: Duration,
    pub frigate_config_path: PathBuf,
    pub frigate_update_enabled: bool,
    pub frigate_reload_topic: String,
    pub log_level: LevelFilter,
    /// One human line per value that was clamped or otherwise worth telling the operator
    /// about, e.g. `MQTT_PORT=70000 clamped to 65535`. Never contains a secret.
    pub notes: Vec<String>,
}

/// A variable whose value cannot be used. `Display` is one line naming the variable and the
/// value (secret values are shown as `***`).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("{var}: {value:?} is not a whole number")]
    NotANumber { var: &'static str, value: String },
    #[error("{var}: {value:?} is negative; a whole number of 0 or more is needed")]
    Negative { var: &'static str, value: String },
    #[error("{var}: {value:?} is too large")]
    TooLarge { var: &'static str, value: String },
    #[error("{var}: {value:?} is not a port number (1 to 65535)")]
    NotAPort { var: &'static str, value: String },
    #[error("{var}: {value:?} is not a boolean (use true/false, 1/0, yes/no or on/off)")]
    NotABool { var: &'static str, value: String },
    #[error("LOG_LEVEL: {value:?} is not a log level (use DEBUG, INFO, WARNING, ERROR or TRACE)")]
    BadLogLevel { value: String },
    #[error("{var}: must not be empty")]
    Empty { var: &'static str },
    #[error("{var}: {value:?} contains {what}, which is not allowed in an MQTT topic")]
    BadTopic {
        var: &'static str,
        value: String,
        what: &'static str,
    },
    #[error(
        "MQTT_CLIENT_CERT/MQTT_CLIENT_KEY: {set} is set but {missing} is not; set both or neither"
    )]
    HalfClientCert {
        set: &'static str,
        missing: &'static str,
    },
    #[error("MQTT_PASSWORD: \"***\" is set but MQTT_USERNAME is empty; set MQTT_USERNAME too")]
    PasswordWithoutUsername,
}

/// Every variable this crate reads: name, default as text (what an example env file would
/// hold; empty = unset), and a one-line rule. Durations are whole seconds, at most 365 days
/// (a larger value is clamped to that, with a note).
#[rustfmt::skip]
pub const VARIABLES: &[(&str, &str, &str)] = &[
    ("MQTT_BROKER",             "mqtt_broker",                 "broker host name or IP; must not be empty"),
    ("MQTT_PORT",               "1883",                        "broker port; clamped to 1..65535"),
    ("MQTT_TLS",                "false",                       "true enables TLS to the broker (needs a build with the `tls` feature)"),
    ("TLS_CA_PATH",             "/mnt/data/certs/ca.crt",      "CA bundle used to verify the broker when MQTT_TLS is true"),
    ("MQTT_TOPIC_PREFIX",       "",                            "prepended as PREFIX/ to every topic; trailing / removed; no + # or NUL"),
    ("DISCOVERY_INTERVAL",      "300",                         "seconds between full scans; at least 30"),
    ("RTSP_TIMEOUT",            "10",                          "seconds to wait for an RTSP frame; clamped to 1..60"),
    ("ONVIF_TIMEOUT",           "5",                           "seconds for an ONVIF request; clamped to 1..30"),
    ("MAC_TRACKING_ENABLED",    "true",                        "follow cameras by MAC address across IP changes"),
    ("SMART_DISCOVERY_ENABLED", "true",                        "back off to steady-state scanning once the camera count is stable"),
    ("INITIAL_DISCOVERY_COUNT", "3",                           "aggressive full scans at start"),
    ("STEADY_STATE_INTERVAL",   "1800",                        "seconds between full scans in steady state; at least 300"),
    ("QUICK_CHECK_INTERVAL",    "60",                          "seconds between quick checks of known cameras in steady state; at least 30"),
    ("CAMERA_USERNAME",         "admin",                       "camera user name; used only together with CAMERA_PASSWORD"),
    ("CAMERA_PASSWORD",         "",                            "if set, ONLY CAMERA_USERNAME/CAMERA_PASSWORD is tried"),
    ("CAMERA_CREDENTIALS",      "",                            "user:pass,user:pass tried in order; if none usable: admin: and admin:admin"),
    ("RTSP_PORT",               "554",                         "port scanned for RTSP; 1..65535"),
    ("ONVIF_PORT",              "80",                          "ONVIF HTTP port; 1..65535"),
    ("HTTP_PORT",               "80",                          "camera web interface port; 1..65535"),
    ("HEALTH_CHECK_INTERVAL",   "60",                          "seconds between stream re-validations of a camera; at least 10"),
    ("HEALTH_REPORT_INTERVAL",  "60",                          "seconds between health messages; at least 5"),
    ("OFFLINE_THRESHOLD",       "180",                         "seconds unseen before a camera is offline; at least 60"),
    ("FRIGATE_CONFIG_PATH",     "/config/frigate/cameras.yml", "where the Frigate camera config is written"),
    ("FRIGATE_UPDATE_ENABLED",  "true",                        "write the Frigate config and publish it after each full scan"),
    ("FRIGATE_RELOAD_TOPIC",    "frigate/config/reload",       "topic of the empty reload trigger; no + # or NUL"),
    ("BALENA_DEVICE_UUID",      "",                            "node id (empty = host name); client id is camera-detector-{node id}"),
    ("LOG_LEVEL",               "INFO",                        "TRACE, DEBUG, INFO, WARNING (or WARN), ERROR (or CRITICAL)"),
    ("RUST_LOG",                "",                            "when set, overrides LOG_LEVEL with env_logger filter syntax"),
    ("MQTT_USERNAME",           "",                            "broker user name; empty = none"),
    ("MQTT_PASSWORD",           "",                            "broker password; empty = none; needs MQTT_USERNAME"),
    ("MQTT_CLIENT_CERT",        "",                            "client certificate for TLS; set together with MQTT_CLIENT_KEY"),
    ("MQTT_CLIENT_KEY",         "",                            "client private key for TLS; set together with MQTT_CLIENT_CERT"),
    ("MQTT_KEEPALIVE",          "30",                          "MQTT keepalive seconds; clamped to 5..65535"),
    ("MQTT_QUEUE_SIZE",         "1000",                        "messages buffered for the broker; clamped to 10..1000000"),
];

/// Variables whose values are never shown in an error or a note.
const SECRET_VARIABLES: &[&str] = &["MQTT_PASSWORD", "CAMERA_PASSWORD", "CAMERA_CREDENTIALS"];

/// Upper bound for durations the original leaves unbounded: 365 days. Anything larger is a
/// typo, and would overflow `Instant` arithmetic downstream.
const MAX_SECONDS: u64 = 365 * 24 * 60 * 60;

const FALLBACK_NODE_ID: &str = "camera-detector";

impl Config {
    /// Builds the configuration from `get` alone (pure: no process environment, no files).
    /// `default_node_id` is used when BALENA_DEVICE_UUID is unset or empty.
    ///
    /// # Errors
    ///
    /// Returns the first [`ConfigError`] found: a number that does not parse (non-numeric,
    /// negative, too large), a port outside 1..65535, a bad boolean or LOG_LEVEL, an empty
    /// MQTT_BROKER, a topic with `+`, `#` or NUL, MQTT_CLIENT_CERT without MQTT_CLIENT_KEY
    /// (or the reverse), or MQTT_PASSWORD without MQTT_USERNAME.
    pub fn from_lookup<F: Fn(&str) -> Option<String>>(
        get: F,
        default_node_id: &str,
    ) -> Result<Config, ConfigError> {
        let mut env = Env {
            get,
            notes: Vec::new(),
        };

        let node_id = match env.text("BALENA_DEVICE_UUID") {
            Some(id) => id,
            None if default_node_id.trim().is_empty() => FALLBACK_NODE_ID.to_owned(),
            None => default_node_id.trim().to_owned(),
        };
        check_topic_part("BALENA_DEVICE_UUID", &node_id)?;

        let mqtt = mqtt_settings(&mut env, &node_id)?;

        let discovery_interval = env.seconds("DISCOVERY_INTERVAL", 300, 30, MAX_SECONDS)?;
        let rtsp_timeout = env.seconds("RTSP_TIMEOUT", 10, 1, 60)?;
        let onvif_timeout = env.seconds("ONVIF_TIMEOUT", 5, 1, 30)?;
        let mac_tracking_enabled = env.boolean("MAC_TRACKING_ENABLED", true)?;
        let smart_discovery_enabled = env.boolean("SMART_DISCOVERY_ENABLED", true)?;
        let initial_discovery_count = env.count_u32("INITIAL_DISCOVERY_COUNT", 3)?;
        let steady_state_interval = env.seconds("STEADY_STATE_INTERVAL", 1800, 300, MAX_SECONDS)?;
        let quick_check_interval = env.seconds("QUICK_CHECK_INTERVAL", 60, 30, MAX_SECONDS)?;

        let credentials = camera_credentials(&mut env);
        let rtsp_port = env.port("RTSP_PORT", 554)?;
        let onvif_port = env.port("ONVIF_PORT", 80)?;
        let http_port = env.port("HTTP_PORT", 80)?;

        let health_check_interval = env.seconds("HEALTH_CHECK_INTERVAL", 60, 10, MAX_SECONDS)?;
        let health_report_interval = env.seconds("HEALTH_REPORT_INTERVAL", 60, 5, MAX_SECONDS)?;
        let offline_threshold = env.seconds("OFFLINE_THRESHOLD", 180, 60, MAX_SECONDS)?;

        let frigate_config_path = PathBuf::from(
            env.text("FRIGATE_CONFIG_PATH")
                .unwrap_or_else(|| "/config/frigate/cameras.yml".to_owned()),
        );
        let frigate_update_enabled = env.boolean("FRIGATE_UPDATE_ENABLED", true)?;
        let frigate_reload_topic = env
            .text("FRIGATE_RELOAD_TOPIC")
            .unwrap_or_else(|| "frigate/config/reload".to_owned());
        check_topic_part("FRIGATE_RELOAD_TOPIC", &frigate_reload_topic)?;

        let log_level = match env.text("LOG_LEVEL") {
            None => LevelFilter::Info,
            Some(level) => parse_log_level(&level)?,
        };

        Ok(Config {
            node_id,
            mqtt,
            discovery_interval,
            rtsp_timeout,
            onvif_timeout,
            mac_tracking_enabled,
            smart_discovery_enabled,
            initial_discovery_count,
            steady_state_interval,
            quick_check_interval,
            credentials,
            rtsp_port,
            onvif_port,
            http_port,
            health_check_interval,
            health_report_interval,
            offline_threshold,
            frigate_config_path,
            frigate_update_enabled,
            frigate_reload_topic,
            log_level,
            notes: env.notes,
        })
    }

    /// Reads the process environment. The default node id is the host name from
    /// `/proc/sys/kernel/hostname` (trimmed), else `camera-detector`. A value that is not
    /// valid UTF-8 is read lossily (and then usually rejected by its parser).
    ///
    /// # Errors
    ///
    /// As [`Config::from_lookup`].
    pub fn from_env() -> Result<Config, ConfigError> {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|s| s.trim().to_owned())
            .unwrap_or_default();
        let default_node_id = if host.is_empty() {
            FALLBACK_NODE_ID
        } else {
            host.as_str()
        };
        Self::from_lookup(
            |name| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned()),
            default_node_id,
        )
    }
}

/// The MQTT section, including the variables the original did not have.
fn mqtt_settings<F: Fn(&str) -> Option<String>>(
    env: &mut Env<F>,
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
    let password = env
        .raw("MQTT_PASSWORD")
        .filter(|p| !p.is_empty())
        .map(Secret::new);
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

    let topic_prefix = match env.text("MQTT_TOPIC_PREFIX") {
        None => String::new(),
        Some(p) => p.trim_end_matches('/').to_owned(),
    };
    check_topic_part("MQTT_TOPIC_PREFIX", &topic_prefix)?;

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
        client_id: format!("camera-detector-{node_id}"),
    })
}

/// The camera credentials, exactly as the original chose them (see [`VARIABLES`]).
fn camera_credentials<F: Fn(&str) -> Option<String>>(env: &mut Env<F>) -> Vec<Credential> {
    let username = env
        .text("CAMERA_USERNAME")
        .unwrap_or_else(|| "admin".to_owned());
    let password = env.raw("CAMERA_PASSWORD").unwrap_or_default();
    let list = env.raw("CAMERA_CREDENTIALS").unwrap_or_default();

    if !password.is_empty() {
        if !list.trim().is_empty() {
            env.notes
                .push("CAMERA_CREDENTIALS ignored: CAMERA_PASSWORD is set, so only CAMERA_USERNAME/CAMERA_PASSWORD is tried".to_owned());
        }
        return vec![Credential {
            username,
            password: Secret::new(password),
        }];
    }

    let mut out: Vec<Credential> = Vec::new();
    let mut skipped = 0usize;
    for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (user, pass) = entry.split_once(':').unwrap_or((entry, ""));
        let user = user.trim();
        if user.is_empty() {
            skipped += 1;
            continue;
        }
        let credential = Credential {
            username: user.to_owned(),
            password: Secret::new(pass),
        };
        if !out.contains(&credential) {
            out.push(credential);
        }
    }
    if skipped > 0 {
        env.notes.push(format!(
            "CAMERA_CREDENTIALS: skipped {skipped} entr{} with no user name",
            if skipped == 1 { "y" } else { "ies" }
        ));
    }
    if out.is_empty() {
        if !list.trim().is_empty() {
            env.notes.push(
                "CAMERA_CREDENTIALS has no usable user:password entry; trying admin with an empty password and admin/admin"
                    .to_owned(),
            );
        }
        out = vec![
            Credential {
                username: "admin".to_owned(),
                password: Secret::new(""),
            },
            Credential {
                username: "admin".to_owned(),
                password: Secret::new("admin"),
            },
        ];
    }
    out
}

/// Reads variables through `get` and collects the notes.
struct Env<F> {
    get: F,
    notes: Vec<String>,
}

impl<F: Fn(&str) -> Option<String>> Env<F> {
    /// The value exactly as set, or `None` when unset.
    fn raw(&self, var: &str) -> Option<String> {
        (self.get)(var)
    }

    /// The value trimmed, or `None` when unset, empty or only whitespace.
    fn text(&self, var: &str) -> Option<String> {
        self.raw(var)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// A whole number; unset or empty gives `default`; outside `min..=max` is clamped with a note.
    fn u64_clamped(
        &mut self,
        var: &'static str,
        default: u64,
        min: u64,
        max: u64,
    ) -> Result<u64, ConfigError> {
        let Some(text) = self.text(var) else {
            return Ok(default);
        };
        let value = parse_u64(var, &text)?;
        let clamped = value.clamp(min, max);
        if clamped != value {
            self.notes
                .push(format!("{var}={value} clamped to {clamped}"));
        }
        Ok(clamped)
    }

    /// [`Env::u64_clamped`] as seconds.
    fn seconds(
        &mut self,
        var: &'static str,
        default: u64,
        min: u64,
        max: u64,
    ) -> Result<Duration, ConfigError> {
        self.u64_clamped(var, default, min, max)
            .map(Duration::from_secs)
    }

    /// A count that must fit a `u32` (no clamp).
    fn count_u32(&self, var: &'static str, default: u32) -> Result<u32, ConfigError> {
        let Some(text) = self.text(var) else {
            return Ok(default);
        };
        u32::try_from(parse_u64(var, &text)?).map_err(|_| ConfigError::TooLarge {
            var,
            value: shown(var, &text),
        })
    }

    /// A TCP port, 1..=65535 (no clamp: a wrong camera port is an error, not a guess).
    fn port(&self, var: &'static str, default: u16) -> Result<u16, ConfigError> {
        let Some(text) = self.text(var) else {
            return Ok(default);
        };
        let not_a_port = || ConfigError::NotAPort {
            var,
            value: shown(var, &text),
        };
        match parse_u64(var, &text) {
            Ok(0) | Err(ConfigError::TooLarge { .. }) => Err(not_a_port()),
            Ok(n) => u16::try_from(n).map_err(|_| not_a_port()),
            Err(e) => Err(e),
        }
    }

    /// true/false, 1/0, yes/no, on/off in any case; unset or empty gives `default`.
    fn boolean(&self, var: &'static str, default: bool) -> Result<bool, ConfigError> {
        let Some(text) = self.text(var) else {
            return Ok(default);
        };
        parse_bool(&text).ok_or_else(|| ConfigError::NotABool {
            var,
            value: shown(var, &text),
        })
    }
}

/// A whole number of 0 or more; `text` is already trimmed.
fn parse_u64(var: &'static str, text: &str) -> Result<u64, ConfigError> {
    text.parse::<u64>().map_err(|e| {
        let value = shown(var, text);
        let digits = text.strip_prefix('-').unwrap_or("");
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            ConfigError::Negative { var, value }
        } else if *e.kind() == IntErrorKind::PosOverflow {
            ConfigError::TooLarge { var, value }
        } else {
            ConfigError::NotANumber { var, value }
        }
    })
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// The original's Python level names (CRITICAL is Python's name above ERROR), plus TRACE.
fn parse_log_level(text: &str) -> Result<LevelFilter, ConfigError> {
    match text.to_ascii_uppercase().as_str() {
        "TRACE" => Ok(LevelFilter::Trace),
        "DEBUG" => Ok(LevelFilter::Debug),
        "INFO" => Ok(LevelFilter::Info),
        "WARNING" | "WARN" => Ok(LevelFilter::Warn),
        "ERROR" | "CRITICAL" => Ok(LevelFilter::Error),
        _ => Err(ConfigError::BadLogLevel {
            value: shown("LOG_LEVEL", text),
        }),
    }
}

/// Rejects what MQTT forbids in a topic name: the wildcards `+` and `#`, and NUL.
fn check_topic_part(var: &'static str, value: &str) -> Result<(), ConfigError> {
    let what = if value.contains('#') {
        "'#'"
    } else if value.contains('+') {
        "'+'"
    } else if value.contains('\0') {
        "a NUL character"
    } else {
        return Ok(());
    };
    Err(ConfigError::BadTopic {
        var,
        value: shown(var, value),
        what,
    })
}

/// The value as it may appear in an error: `***` for the secret variables.
fn shown(var: &str, value: &str) -> String {
    if SECRET_VARIABLES.contains(&var) {
        "***".to_owned()
    } else {
        value.to_owned()
    }
}

#[cfg(test)]
mod tests {
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
}
