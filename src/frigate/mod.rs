//! The Frigate NVR config: built from the camera records after each full discovery, written
//! to FRIGATE_CONFIG_PATH (YAML) and published on `frigate/config/cameras` (JSON, the same
//! object). The rules are those of shared/reference/frigate-config.md, checked against
//! Frigate 0.17.2's own parser: `version: 0.17-0`, a top-level `mqtt`, roles `[record]` for
//! the main stream and `[detect]` for the sub stream (`[detect, record]` for a single stream),
//! the 0.17 retention keys, `friendly_name` (no `description`), detect size = the real size of
//! the detect stream.
//!
//! Everything here is pure except [`write_if_changed`] (the file itself; it lives in
//! [`crate::fsutil`], shared with the state file). Which cameras go in: online ones with a
//! main stream seen to play; their name is the record id (already `^[a-zA-Z0-9_-]+$`;
//! anything else is replaced by `_`), in id order (`ui.order`).
//! Passwords: the file holds them, written so that the camera receives them intact through
//! Frigate's own re-encoding and ffmpeg's decoding ([`url`]), unless FRIGATE_RTSP_PASSWORD_ENV
//! asks for Frigate's `{FRIGATE_RTSP_PASSWORD}` / `{FRIGATE_MQTT_PASSWORD}` placeholders; the
//! JSON payload (retained, readable by any MQTT client) carries the placeholders unless the
//! caller allows credentials to be published.
use crate::config::{Config, Credential, Secret};
use crate::registry::record::CameraRecord;
use serde_json::Value;

pub mod url;
pub mod yaml;

pub use crate::fsutil::write_if_changed;
pub use url::Passwords;
use yaml::{block, flow, words, Node};

/// The config version Frigate 0.17 expects; without it Frigate migrates the file on start.
pub const CONFIG_VERSION: &str = "0.17-0";
/// Detect size when neither the stream nor an ONVIF profile gave one (the original's default).
pub const DEFAULT_DETECT_SIZE: (u32, u32) = (1280, 720);
/// The widest ONVIF profile taken as the detect size when the stream's own size is unknown.
pub const MAX_DETECT_WIDTH: u32 = 1280;
/// Detection frames per second (Frigate's recommendation and the original's value).
pub const DETECT_FPS: i64 = 5;

/// The object detector Frigate runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detector {
    /// `{type: cpu, num_threads: 3}`.
    Cpu,
    /// A Coral: `{type: edgetpu, device: usb}` (or `pci`, `usb:1`, …).
    EdgeTpu { device: String },
}

/// A custom detection model (fire and smoke are not labels of Frigate's default COCO model).
/// Only the fields that are set are written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelSettings {
    pub path: Option<String>,
    pub labelmap_path: Option<String>,
    /// Model input width and height in pixels (Frigate's default is 320x320).
    pub size: Option<(u32, u32)>,
}

/// What the generated config says besides the cameras.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrigateOptions {
    /// The broker as Frigate reaches it (FRIGATE_MQTT_HOST, default MQTT_BROKER).
    pub mqtt_host: String,
    pub mqtt_port: u16,
    pub mqtt_user: Option<String>,
    pub mqtt_password: Option<Secret>,
    /// FRIGATE_RTSP_PASSWORD_ENV: placeholders instead of passwords in the file.
    pub password_env: bool,
    pub detector: Detector,
    pub model: Option<ModelSettings>,
}

impl FrigateOptions {
    /// The options the configuration asks for.
    #[must_use]
    pub fn from_config(c: &Config) -> Self {
        FrigateOptions {
            mqtt_host: c.frigate.mqtt_host.clone(),
            mqtt_port: c.mqtt.port,
            mqtt_user: c.mqtt.username.clone(),
            mqtt_password: c.mqtt.password.clone(),
            password_env: c.frigate.rtsp_password_env,
            detector: c.frigate.detector.clone(),
            model: c.frigate.model.clone(),
        }
    }
}

/// The config file: YAML, deterministic (same input, same bytes).
#[must_use]
pub fn render_yaml(cams: &[CameraRecord], creds: &[Credential], opts: &FrigateOptions) -> String {
    let mode = if opts.password_env {
        Passwords::Placeholder
    } else {
        Passwords::Plain
    };
    yaml::to_yaml(&document(cams, creds, opts, mode))
}

/// The `frigate/config/cameras` payload: the same object as [`render_yaml`]. Passwords are
/// Frigate's placeholders unless `publish_credentials` is true (and FRIGATE_RTSP_PASSWORD_ENV
/// is off, in which case the file itself has none).
#[must_use]
pub fn render_json(
    cams: &[CameraRecord],
    creds: &[Credential],
    opts: &FrigateOptions,
    publish_credentials: bool,
) -> Value {
    let mode = if publish_credentials && !opts.password_env {
        Passwords::Plain
    } else {
        Passwords::Placeholder
    };
    yaml::to_json(&document(cams, creds, opts, mode))
}

/// A camera name Frigate accepts (`^[a-zA-Z0-9_-]+$`): `id` with any other character as `_`.
#[must_use]
pub fn camera_name(id: &str) -> String {
    let name: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() {
        "camera".to_owned()
    } else {
        name
    }
}

/// The detect size: the real size of the detect stream (sub, else main) when discovery read
/// it; else the first ONVIF profile no wider than [`MAX_DETECT_WIDTH`]; else
/// [`DEFAULT_DETECT_SIZE`].
#[must_use]
pub fn detect_size(rec: &CameraRecord) -> (u32, u32) {
    let stream = rec.sub.as_ref().or(rec.main.as_ref());
    if let Some((Some(w), Some(h))) = stream.map(|s| (s.width, s.height)) {
        if w > 0 && h > 0 {
            return (w, h);
        }
    }
    rec.profiles
        .iter()
        .find_map(|p| match (p.width, p.height) {
            (Some(w), Some(h)) if w > 0 && h > 0 && w <= MAX_DETECT_WIDTH => Some((w, h)),
            _ => None,
        })
        .unwrap_or(DEFAULT_DETECT_SIZE)
}

/// The cameras that go into the file, in id order, each with its unique Frigate name.
#[must_use]
pub fn included(cams: &[CameraRecord]) -> Vec<(String, &CameraRecord)> {
    let mut cams: Vec<&CameraRecord> = cams
        .iter()
        .filter(|c| c.online && c.main.is_some())
        .collect();
    cams.sort_by(|a, b| a.id.cmp(&b.id));
    let mut out: Vec<(String, &CameraRecord)> = Vec::with_capacity(cams.len());
    for rec in cams {
        let base = camera_name(&rec.id);
        let mut name = base.clone();
        let mut n = 2;
        while out.iter().any(|(used, _)| *used == name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        out.push((name, rec));
    }
    out
}

/// User name and password that opened the camera: the record's user, with the password of
/// its credential when that credential is for the same user.
fn login<'a>(rec: &'a CameraRecord, creds: &'a [Credential]) -> Option<(&'a str, &'a str)> {
    let cred = rec.credential_index.and_then(|i| creds.get(i));
    let user = rec
        .username
        .as_deref()
        .or(cred.map(|c| c.username.as_str()))?;
    let pass = cred
        .filter(|c| c.username == user)
        .map_or("", |c| c.password.expose());
    Some((user, pass))
}

fn document(
    cams: &[CameraRecord],
    creds: &[Credential],
    opts: &FrigateOptions,
    mode: Passwords,
) -> Node {
    let mut top = vec![
        ("version", Node::Word(CONFIG_VERSION)),
        ("mqtt", mqtt_section(opts, mode)),
        ("detectors", detectors_section(&opts.detector)),
    ];
    if let Some(model) = opts.model.as_ref().and_then(model_section) {
        top.push(("model", model));
    }
    let cameras = included(cams)
        .into_iter()
        .enumerate()
        .map(|(order, (name, rec))| (name, camera(rec, creds, order, mode)))
        .collect();
    top.push((
        "cameras",
        Node::Map {
            flow: false,
            entries: cameras,
        },
    ));
    block(top)
}

fn mqtt_section(opts: &FrigateOptions, mode: Passwords) -> Node {
    let mut m = vec![
        ("host", Node::Str(opts.mqtt_host.clone())),
        ("port", Node::Int(i64::from(opts.mqtt_port))),
    ];
    if let Some(user) = &opts.mqtt_user {
        // Frigate wants both or neither.
        let password = opts.mqtt_password.as_ref().map_or("", Secret::expose);
        let password = match mode {
            Passwords::Placeholder if !password.is_empty() => {
                url::MQTT_PASSWORD_PLACEHOLDER.to_owned()
            }
            _ => url::env_string_literal(password),
        };
        m.push(("user", Node::Str(url::env_string_literal(user))));
        m.push(("password", Node::Str(password)));
    }
    m.extend([
        ("topic_prefix", Node::Word("frigate")),
        ("client_id", Node::Word("frigate")),
        ("stats_interval", Node::Int(60)),
    ]);
    flow(m)
}

fn detectors_section(d: &Detector) -> Node {
    let detector = match d {
        Detector::Cpu => flow(vec![
            ("type", Node::Word("cpu")),
            ("num_threads", Node::Int(3)),
        ]),
        Detector::EdgeTpu { device } => flow(vec![
            ("type", Node::Word("edgetpu")),
            ("device", Node::Str(device.clone())),
        ]),
    };
    flow(vec![("default", detector)])
}

fn model_section(m: &ModelSettings) -> Option<Node> {
    let mut e = Vec::new();
    if let Some(p) = &m.path {
        e.push(("path", Node::Str(p.clone())));
    }
    if let Some(p) = &m.labelmap_path {
        e.push(("labelmap_path", Node::Str(p.clone())));
    }
    if let Some((w, h)) = m.size {
        e.push(("width", Node::Int(i64::from(w))));
        e.push(("height", Node::Int(i64::from(h))));
    }
    (!e.is_empty()).then(|| flow(e))
}

fn camera(rec: &CameraRecord, creds: &[Credential], order: usize, mode: Passwords) -> Node {
    let login = login(rec, creds);
    let url = |u: &str| {
        let (user, pass) = login.map_or((None, ""), |(u, p)| (Some(u), p));
        Node::Str(url::rtsp_url(u, user, pass, mode))
    };
    let input =
        |u: &str, roles: &[&'static str]| flow(vec![("path", url(u)), ("roles", words(roles))]);
    // `included` only passes cameras with a main stream.
    let main_url = rec.main.as_ref().map_or("", |m| m.url.as_str());
    let inputs = match rec.sub.as_ref().filter(|s| s.url != main_url) {
        Some(sub) => vec![input(main_url, &["record"]), input(&sub.url, &["detect"])],
        None => vec![input(main_url, &["detect", "record"])],
    };
    let friendly = match &rec.mac {
        Some(mac) => format!("{} ({})", rec.name, mac.to_uppercase()),
        None => format!("{} ({})", rec.name, rec.ip),
    };
    let (width, height) = detect_size(rec);
    let retain = |days: i64| {
        flow(vec![(
            "retain",
            flow(vec![
                ("days", Node::Int(days)),
                ("mode", Node::Word("active_objects")),
            ]),
        )])
    };
    let filter = |min: i64, max: i64, threshold: f64| {
        flow(vec![
            ("min_area", Node::Int(min)),
            ("max_area", Node::Int(max)),
            ("threshold", Node::Float(threshold)),
        ])
    };
    block(vec![
        ("friendly_name", Node::Str(friendly)),
        (
            "ffmpeg",
            block(vec![(
                "inputs",
                Node::Seq {
                    flow: false,
                    items: inputs,
                },
            )]),
        ),
        (
            "detect",
            flow(vec![
                ("enabled", Node::Bool(true)),
                ("width", Node::Int(i64::from(width))),
                ("height", Node::Int(i64::from(height))),
                ("fps", Node::Int(DETECT_FPS)),
                ("stationary", flow(vec![("threshold", Node::Int(50))])),
            ]),
        ),
        (
            "objects",
            block(vec![
                ("track", words(&["fire", "smoke", "person"])),
                (
                    "filters",
                    block(vec![
                        ("fire", filter(500, 100_000, 0.7)),
                        ("smoke", filter(1000, 200_000, 0.6)),
                    ]),
                ),
            ]),
        ),
        (
            "review",
            flow(vec![(
                "alerts",
                flow(vec![("labels", words(&["fire", "smoke"]))]),
            )]),
        ),
        (
            "record",
            block(vec![
                ("enabled", Node::Bool(true)),
                ("continuous", flow(vec![("days", Node::Int(0))])),
                ("motion", flow(vec![("days", Node::Int(7))])),
                ("alerts", retain(30)),
                ("detections", retain(14)),
            ]),
        ),
        (
            "snapshots",
            flow(vec![
                ("enabled", Node::Bool(true)),
                ("timestamp", Node::Bool(true)),
                (
                    "retain",
                    flow(vec![
                        ("default", Node::Int(7)),
                        (
                            "objects",
                            flow(vec![("fire", Node::Int(30)), ("smoke", Node::Int(30))]),
                        ),
                    ]),
                ),
            ]),
        ),
        (
            "mqtt",
            flow(vec![
                ("enabled", Node::Bool(true)),
                ("timestamp", Node::Bool(true)),
                ("crop", Node::Bool(true)),
                ("quality", Node::Int(90)),
            ]),
        ),
        (
            "ui",
            flow(vec![
                ("order", Node::Int(i64::try_from(order).unwrap_or(i64::MAX))),
                ("dashboard", Node::Bool(true)),
            ]),
        ),
    ])
}

#[cfg(test)]
mod python_tests;
#[cfg(test)]
mod tests;
