//! Configuration: every environment variable the service reads, parsed and validated once
//! at start into a [`Config`] (the original Python service's names, defaults and clamps, plus
//! the MQTT additions). Secrets are wrapped in [`Secret`] so that no `Debug`/`Display` shows them.
use std::path::PathBuf;
use std::time::Duration;

use log::LevelFilter;

mod env;
use env::{check_topic_part, one_line, parse_log_level, Env};

mod discovery;
mod frigate;
mod health;
mod mqtt;
pub mod secrets;
pub use crate::secret::{Credential, Secret};
pub use discovery::{auto_workers, DiscoverySettings};
pub use frigate::{Detector, FrigateSettings, ModelSettings, DEFAULT_MIN_SIDE};
pub use health::HealthSettings;
pub use mqtt::{Contract, MqttSettings, DEFAULT_MAX_PAYLOAD};

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
    /// PUBLISH_CREDENTIALS: put the camera password and `user:password@` RTSP URLs in the
    /// retained MQTT payloads, as the original did (off by default).
    pub publish_credentials: bool,
    pub rtsp_port: u16,
    /// The discovery additions (networks, ports, rate, workers, paths file).
    pub discovery: DiscoverySettings,
    pub onvif_port: u16,
    pub http_port: u16,
    pub health_check_interval: Duration,
    pub health_report_interval: Duration,
    pub offline_threshold: Duration,
    /// CAMERA_REMOVE_AFTER: an offline camera unseen this long is forgotten; `None` = never.
    pub camera_remove_after: Option<Duration>,
    pub frigate_config_path: PathBuf,
    pub frigate_update_enabled: bool,
    pub frigate_reload_topic: String,
    /// The Frigate additions (broker host for Frigate, password placeholders, detector, model).
    pub frigate: FrigateSettings,
    /// STATE_PATH: the inventory state file (`crate::registry::persist`); `None` when set
    /// empty (no state file).
    pub state_path: Option<PathBuf>,
    /// The HTTP health endpoint and the status file.
    pub health: HealthSettings,
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
    /// Two variables that say the same thing two ways.
    #[error("{var} and {other} are both set; set one of them")]
    Both {
        var: &'static str,
        other: &'static str,
    },
    /// A value outside the small set of forms a variable takes.
    #[error("{var}: {value:?} is not {expected}")]
    BadValue {
        var: &'static str,
        value: String,
        expected: &'static str,
    },
    /// A list variable with an item that does not parse (`detail` names the item).
    #[error("{var}: {detail}")]
    BadList { var: &'static str, detail: String },
    /// A file named by a variable cannot be read or has a bad line (never its text). `path`
    /// has its control characters escaped, so the message stays on one line.
    #[error("{var}: {path}: {detail}")]
    File {
        var: &'static str,
        path: String,
        detail: String,
    },
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
    ("QUICK_CHECK_INTERVAL",    "60",                          "seconds between TCP checks of known cameras, in every phase; at least 30 (shortened to OFFLINE_THRESHOLD/3 when longer)"),
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
    ("BALENA_DEVICE_UUID",      "",                            "node id (empty = host name); client id is camera-detector-{node id} unless MQTT_CLIENT_ID is set"),
    ("LOG_LEVEL",               "INFO",                        "TRACE, DEBUG, INFO, WARNING (or WARN), ERROR (or CRITICAL)"),
    ("RUST_LOG",                "",                            "when set, overrides LOG_LEVEL with env_logger filter syntax"),
    ("MQTT_USERNAME",           "",                            "broker user name; empty = none"),
    ("MQTT_PASSWORD",           "",                            "broker password; empty = none; needs MQTT_USERNAME"),
    ("MQTT_PASSWORD_FILE",      "",                            "file holding the broker password (its only line), instead of MQTT_PASSWORD; warned about if every user can read it"),
    ("MQTT_CLIENT_CERT",        "",                            "client certificate for TLS; set together with MQTT_CLIENT_KEY"),
    ("MQTT_CLIENT_KEY",         "",                            "client private key for TLS; set together with MQTT_CLIENT_CERT"),
    ("MQTT_KEEPALIVE",          "30",                          "MQTT keepalive seconds; clamped to 5..65535"),
    ("MQTT_QUEUE_SIZE",         "1000",                        "messages buffered for the broker; clamped to 10..1000000"),
    ("CAMERA_CREDENTIALS_FILE", "",                            "file of user:password lines (# comments) tried after CAMERA_CREDENTIALS; passwords may hold , and :; warned about if every user can read it"),
    ("DISCOVERY_ENABLED",       "true",                        "false: no discovery at all, the service only reports its health (tests, MQTT checks)"),
    ("RTSP_PORTS",              "554,8554,10554,88,2088,5543,7447,80", "ports scanned for RTSP (comma list; +P,... adds to the defaults); unset = RTSP_PORT, then the ports the camera database's brands state"),
    ("SCAN_NETWORKS",           "",                            "CIDRs to scan instead of the interfaces' networks, e.g. 10.0.0.0/24,10.0.5.7"),
    ("SCAN_EXCLUDE",            "",                            "CIDRs never scanned or contacted"),
    ("SCAN_INTERFACES",         "",                            "interface names to use (comma list); empty = every up, non-loopback one"),
    ("SCAN_RATE",               "0",                           "TCP connects started per second by the port scan; 0 = automatic (ARP sweep first, see README)"),
    ("SCAN_CONNECT_TIMEOUT_MS", "1500",                        "milliseconds one TCP connect of the port scan may take; clamped to 50..10000"),
    ("DISCOVERY_WORKERS",       "0",                           "probing threads; 0 = min(32, 4 x cores); at most 256"),
    ("CAMERA_REMOVE_AFTER",     "0",                           "seconds unseen before an offline camera is forgotten (retained discovery cleared); 0 = never; else at least 3600"),
    ("RTSP_PATHS_FILE",         "",                            "file of extra RTSP paths, tried before the built-in dictionary (see README)"),
    ("PUBLISH_CREDENTIALS",     "false",                       "true puts camera passwords and user:password@ RTSP URLs in MQTT payloads, as the original did"),
    ("FRIGATE_MQTT_HOST",       "",                            "broker host name as Frigate reaches it; empty = MQTT_BROKER"),
    ("FRIGATE_RTSP_PASSWORD_ENV", "false",                     "true writes {FRIGATE_RTSP_PASSWORD} (_N for other passwords) and {FRIGATE_MQTT_PASSWORD} instead of the passwords; set them in Frigate's environment, camera passwords percent-encoded (see README)"),
    ("FRIGATE_DETECTOR",        "cpu",                         "Frigate detector: cpu, edgetpu or edgetpu:DEVICE (usb, pci, usb:1, ...)"),
    ("FRIGATE_MODEL_PATH",      "",                            "custom detection model for Frigate (fire and smoke need one, see README); empty = Frigate's own"),
    ("FRIGATE_LABELMAP_PATH",   "",                            "label map of the custom model (must name fire and smoke)"),
    ("FRIGATE_MODEL_SIZE",      "",                            "model input WIDTHxHEIGHT, e.g. 640x640; empty = Frigate's default (320x320)"),
    ("FRIGATE_GO2RTC",          "true",                        "true: cameras go through go2rtc's restream, as Frigate's camera wizard sets them up; false: direct ffmpeg inputs"),
    ("FRIGATE_DETECT_MIN_SIDE", "360",                         "a sub stream detects only when its smaller side has at least these pixels, else the main stream does (scaled); clamped to 1..8192"),
    ("STATE_PATH",              DEFAULT_STATE_PATH,            "file keeping the known cameras across restarts (directory created); set empty for none"),
    ("MQTT_CLIENT_ID",          "",                            "MQTT client id; empty = camera-detector-{node id}, the original's (two processes must not share one)"),
    ("MQTT_MAX_PAYLOAD",        "16384",                       "bytes; a larger message is never sent (counted by topic in the health metrics); clamped to 1024..268369916"),
    ("MQTT_CONTRACT",           "legacy",                      "legacy (the original's topics and payloads), current (the current stack's) or both"),
    ("TOPIC_PREFIX",            "",                            "prefix of the current contract's topics (/ appended when missing); empty = MQTT_TOPIC_PREFIX; no + # CR LF or NUL"),
    ("DEFAULT_USERNAME",        "",                            "current/both contract: camera user name when CAMERA_USERNAME is unset"),
    ("DEFAULT_PASSWORD",        "",                            "current/both contract: camera password when CAMERA_PASSWORD is unset (then only that pair is tried)"),
    ("DISCOVERY_RESEND_INTERVAL", "240",                       "current/both contract: seconds between re-sends of each live camera's discovery record (the dashboard's window is 300); 0 = never; at most 299"),
    ("HEALTH_HTTP_PORT",        "8080",                        "port of the HTTP health endpoint (GET /health, /metrics); 0 = off"),
    ("HEALTH_HTTP_BIND",        "127.0.0.1",                   "address the health endpoint listens on (0.0.0.0 = every address)"),
    ("HEALTH_STATUS_PATH",      "",                            "file the service writes its health to (atomically) for camera-detector health; empty = none"),
];

/// Reads a file named by a variable (the process's files in [`Config::from_env`]; a map in tests).
pub type ReadFile<'a> = &'a dyn Fn(&std::path::Path) -> std::io::Result<String>;

/// Upper bound for durations the original leaves unbounded: 365 days. Anything larger is a
/// typo, and would overflow `Instant` arithmetic downstream.
const MAX_SECONDS: u64 = 365 * 24 * 60 * 60;

/// The shortest CAMERA_REMOVE_AFTER other than 0 (never): an hour.
const MIN_REMOVE_AFTER: Duration = Duration::from_secs(3600);

const FALLBACK_NODE_ID: &str = "camera-detector";

/// STATE_PATH when unset.
pub const DEFAULT_STATE_PATH: &str = "/var/lib/camera-detector/state.json";

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
        let no_files: ReadFile<'_> = &|_| {
            Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "files are not read here",
            ))
        };
        Self::from_lookup_files(get, no_files, default_node_id)
    }

    /// As [`Config::from_lookup`], reading the files that variables name (the credentials
    /// file) through `read`.
    ///
    /// # Errors
    ///
    /// As [`Config::from_lookup`], and [`ConfigError::File`] for a file that cannot be read
    /// or has a bad line.
    pub fn from_lookup_files<F: Fn(&str) -> Option<String>>(
        get: F,
        read: ReadFile<'_>,
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

        let mqtt = mqtt::mqtt_settings(&mut env, read, &node_id)?;

        let discovery_interval = env.seconds("DISCOVERY_INTERVAL", 300, 30, MAX_SECONDS)?;
        let rtsp_timeout = env.seconds("RTSP_TIMEOUT", 10, 1, 60)?;
        let onvif_timeout = env.seconds("ONVIF_TIMEOUT", 5, 1, 30)?;
        let mac_tracking_enabled = env.boolean("MAC_TRACKING_ENABLED", true)?;
        let smart_discovery_enabled = env.boolean("SMART_DISCOVERY_ENABLED", true)?;
        let initial_discovery_count = env.count_u32("INITIAL_DISCOVERY_COUNT", 3)?;
        let steady_state_interval = env.seconds("STEADY_STATE_INTERVAL", 1800, 300, MAX_SECONDS)?;
        let quick_check_interval = env.seconds("QUICK_CHECK_INTERVAL", 60, 30, MAX_SECONDS)?;

        let file_credentials = credentials_file(&env, read)?;
        let credentials = camera_credentials(&mut env, file_credentials, mqtt.contract);
        let publish_credentials = env.boolean("PUBLISH_CREDENTIALS", false)?;
        let rtsp_port = env.port("RTSP_PORT", 554)?;
        let discovery = discovery::discovery_settings(&mut env, rtsp_port)?;
        let onvif_port = env.port("ONVIF_PORT", 80)?;
        let http_port = env.port("HTTP_PORT", 80)?;

        let health_check_interval = env.seconds("HEALTH_CHECK_INTERVAL", 60, 10, MAX_SECONDS)?;
        let health_report_interval = env.seconds("HEALTH_REPORT_INTERVAL", 60, 5, MAX_SECONDS)?;
        let offline_threshold = env.seconds("OFFLINE_THRESHOLD", 180, 60, MAX_SECONDS)?;
        let camera_remove_after = match env.seconds("CAMERA_REMOVE_AFTER", 0, 0, MAX_SECONDS)? {
            d if d.is_zero() => None,
            d if d < MIN_REMOVE_AFTER => {
                env.notes.push(format!(
                    "CAMERA_REMOVE_AFTER={} clamped to {}",
                    d.as_secs(),
                    MIN_REMOVE_AFTER.as_secs()
                ));
                Some(MIN_REMOVE_AFTER)
            }
            d => Some(d),
        };

        let frigate_config_path = PathBuf::from(
            env.text("FRIGATE_CONFIG_PATH")
                .unwrap_or_else(|| "/config/frigate/cameras.yml".to_owned()),
        );
        let frigate_update_enabled = env.boolean("FRIGATE_UPDATE_ENABLED", true)?;
        let frigate_reload_topic = env
            .text("FRIGATE_RELOAD_TOPIC")
            .unwrap_or_else(|| "frigate/config/reload".to_owned());
        check_topic_part("FRIGATE_RELOAD_TOPIC", &frigate_reload_topic)?;
        let frigate = frigate::frigate_settings(&mut env, &mqtt.broker)?;
        // Unset: the default; set but empty (or blank): no state file.
        let state_path = match env.raw("STATE_PATH") {
            None => Some(PathBuf::from(DEFAULT_STATE_PATH)),
            Some(p) if p.trim().is_empty() => None,
            Some(p) => Some(PathBuf::from(p.trim())),
        };

        let health = health::health_settings(&mut env)?;

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
            publish_credentials,
            rtsp_port,
            discovery,
            onvif_port,
            http_port,
            health_check_interval,
            health_report_interval,
            offline_threshold,
            camera_remove_after,
            frigate_config_path,
            frigate_update_enabled,
            frigate_reload_topic,
            frigate,
            state_path,
            health,
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
        Self::from_env_with(&[])
    }

    /// [`Config::from_env`] with some variables given another value than the process
    /// environment's (a command-line flag that stands for a variable, e.g. `scan
    /// --networks` for SCAN_NETWORKS): the same parser, the same errors.
    ///
    /// # Errors
    ///
    /// As [`Config::from_lookup`].
    pub fn from_env_with(overrides: &[(&str, String)]) -> Result<Config, ConfigError> {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|s| s.trim().to_owned())
            .unwrap_or_default();
        let default_node_id = if host.is_empty() {
            FALLBACK_NODE_ID
        } else {
            host.as_str()
        };
        let get = |name: &str| match overrides.iter().find(|(k, _)| *k == name) {
            Some((_, v)) => Some(v.clone()),
            None => std::env::var_os(name).map(|v| v.to_string_lossy().into_owned()),
        };
        let mut cfg =
            Self::from_lookup_files(get, &|path| std::fs::read_to_string(path), default_node_id)?;
        cfg.notes.extend(secrets::file_notes(get));
        Ok(cfg)
    }
}

/// The entries of CAMERA_CREDENTIALS_FILE (none when unset).
fn credentials_file<F: Fn(&str) -> Option<String>>(
    env: &Env<F>,
    read: ReadFile<'_>,
) -> Result<Vec<Credential>, ConfigError> {
    let Some(path) = env.text("CAMERA_CREDENTIALS_FILE") else {
        return Ok(Vec::new());
    };
    let file_error = |detail: String| ConfigError::File {
        var: "CAMERA_CREDENTIALS_FILE",
        path: one_line(&path),
        detail,
    };
    let text = read(std::path::Path::new(&path)).map_err(|e| file_error(e.to_string()))?;
    discovery::parse_credentials_file(&text).map_err(file_error)
}

/// The camera credentials, as the original chose them (see [`VARIABLES`]), with the
/// entries of CAMERA_CREDENTIALS_FILE after those of CAMERA_CREDENTIALS.
fn camera_credentials<F: Fn(&str) -> Option<String>>(
    env: &mut Env<F>,
    file: Vec<Credential>,
    contract: Contract,
) -> Vec<Credential> {
    // The current stack's names, read always (so a set one is noticed), used only there.
    let default_user = env.text("DEFAULT_USERNAME");
    let default_pass = env.raw("DEFAULT_PASSWORD").filter(|p| !p.is_empty());
    if !contract.current() && (default_user.is_some() || default_pass.is_some()) {
        env.notes.push(
            "DEFAULT_USERNAME/DEFAULT_PASSWORD are used only with MQTT_CONTRACT=current or both; ignored"
                .to_owned(),
        );
    }
    let (default_user, default_pass) = if contract.current() {
        (default_user, default_pass)
    } else {
        (None, None)
    };
    let username = env
        .text("CAMERA_USERNAME")
        .or(default_user)
        .unwrap_or_else(|| "admin".to_owned());
    let password = env
        .raw("CAMERA_PASSWORD")
        .filter(|p| !p.is_empty())
        .or(default_pass)
        .unwrap_or_default();
    let list = env.raw("CAMERA_CREDENTIALS").unwrap_or_default();

    if !password.is_empty() {
        if !list.trim().is_empty() || !file.is_empty() {
            env.notes
                .push("CAMERA_CREDENTIALS ignored (and CAMERA_CREDENTIALS_FILE): CAMERA_PASSWORD is set, so only CAMERA_USERNAME/CAMERA_PASSWORD is tried".to_owned());
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
    for credential in file {
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

#[cfg(test)]
mod tests;
