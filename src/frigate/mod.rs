//! The Frigate NVR config: built from the camera records, written to FRIGATE_CONFIG_PATH
//! (YAML) and published on `frigate/config/cameras` (JSON, the same object). The rules are
//! Frigate 0.17's, checked against Frigate 0.17.2's own parser:
//! `version: 0.17-0`, a top-level `mqtt`, roles `[record]` for the main stream and
//! `[detect]` for the sub stream (`[detect, record]` for one), the 0.17 retention keys,
//! `friendly_name` (no `description`).
//!
//! Like Frigate 0.17's own camera wizard, each camera's streams go through go2rtc by default
//! (FRIGATE_GO2RTC): `go2rtc.streams` holds the camera URLs with their credentials, the
//! ffmpeg inputs read the local restream, `live.streams` names both streams. Parts:
//! [`plan`](mod@plan) (which cameras, inputs, streams; what is left out and why), [`names`] (names
//! and `ui.order`, functions of the id alone), [`detect`] (detect stream and size),
//! [`url`] (credentials in URLs) checked against [`model`] (what Frigate, go2rtc and
//! ffmpeg do to them), [`yaml`] (the two spellings).
//!
//! Everything here is pure except [`write_if_changed`] (the file itself; it lives in
//! [`crate::fsutil`], shared with the state file). The file changes only when something
//! Frigate reads changes: offline cameras stay, names and order never depend on other
//! cameras, sizes come from the records' probed sizes only.
//! Passwords: the file holds them unless FRIGATE_RTSP_PASSWORD_ENV asks for Frigate's
//! `{FRIGATE_RTSP_PASSWORD…}` / `{FRIGATE_MQTT_PASSWORD}` placeholders; the JSON payload
//! (retained, readable by any MQTT client) carries the placeholders unless the caller
//! allows credentials to be published.
use crate::config::Config;
use crate::model::Camera;
use crate::secret::{Credential, Secret};
use serde_json::Value;

pub mod detect;
pub mod model;
pub mod names;
pub mod plan;
pub mod url;
pub mod yaml;

pub use crate::config::{Detector, ModelSettings};
pub use crate::fsutil::write_if_changed;
pub use names::camera_name;
pub use plan::{plan, LeftOut, Plan, Planned};
pub use url::Passwords;
use yaml::{block, flow, words, Node};

/// The config version Frigate 0.17 expects; without it Frigate migrates the file on start.
pub const CONFIG_VERSION: &str = "0.17-0";
/// Detection frames per second (Frigate's recommendation and the original's value).
pub const DETECT_FPS: i64 = 5;

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
    /// FRIGATE_GO2RTC: streams through go2rtc (the wizard's way) instead of direct inputs.
    pub go2rtc: bool,
    /// FRIGATE_DETECT_MIN_SIDE: the smallest sub stream (smaller side) detection runs on.
    pub detect_min_side: u32,
}

impl Default for FrigateOptions {
    /// The defaults of the configuration: broker `mqtt_broker:1883` without a login,
    /// passwords in the file, CPU detector, no model, go2rtc, sub streams from 360.
    fn default() -> Self {
        FrigateOptions {
            mqtt_host: "mqtt_broker".to_owned(),
            mqtt_port: 1883,
            mqtt_user: None,
            mqtt_password: None,
            password_env: false,
            detector: Detector::Cpu,
            model: None,
            go2rtc: true,
            detect_min_side: detect::DEFAULT_MIN_SIDE,
        }
    }
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
            go2rtc: c.frigate.go2rtc,
            detect_min_side: c.frigate.detect_min_side,
        }
    }
}

/// The config file: YAML, deterministic (same input, same bytes).
#[must_use]
pub fn render_yaml(cams: &[Camera], creds: &[Credential], opts: &FrigateOptions) -> String {
    render_file(cams, creds, opts).0
}

/// [`render_yaml`] and [`left_out`] from one plan.
#[must_use]
pub fn render_file(
    cams: &[Camera],
    creds: &[Credential],
    opts: &FrigateOptions,
) -> (String, Vec<LeftOut>) {
    let mode = if opts.password_env {
        Passwords::Placeholder
    } else {
        Passwords::Plain
    };
    let p = plan(cams, creds, opts, mode);
    (yaml::to_yaml(&document(&p, opts, mode)), p.left_out)
}

/// The `frigate/config/cameras` payload: the same object as [`render_yaml`]. Passwords are
/// Frigate's placeholders unless `publish_credentials` is true (and FRIGATE_RTSP_PASSWORD_ENV
/// is off, in which case the file itself has none).
#[must_use]
pub fn render_json(
    cams: &[Camera],
    creds: &[Credential],
    opts: &FrigateOptions,
    publish_credentials: bool,
) -> Value {
    let mode = if publish_credentials && !opts.password_env {
        Passwords::Plain
    } else {
        Passwords::Placeholder
    };
    yaml::to_json(&document(&plan(cams, creds, opts, mode), opts, mode))
}

/// The cameras [`render_yaml`] leaves out, each with its reason (for one WARN each).
#[must_use]
pub fn left_out(cams: &[Camera], creds: &[Credential], opts: &FrigateOptions) -> Vec<LeftOut> {
    render_file(cams, creds, opts).1
}

fn document(plan: &Plan<'_>, opts: &FrigateOptions, mode: Passwords) -> Node {
    let mut top = vec![
        ("version", Node::Word(CONFIG_VERSION)),
        ("mqtt", mqtt_section(opts, mode)),
        ("detectors", detectors_section(&opts.detector)),
    ];
    if let Some(model) = opts.model.as_ref().and_then(model_section) {
        top.push(("model", model));
    }
    if opts.go2rtc {
        let streams = plan
            .cameras
            .iter()
            .flat_map(|c| c.streams.iter())
            .map(|(name, source)| (name.clone(), Node::Str(source.clone())))
            .collect();
        top.push((
            "go2rtc",
            block(vec![(
                "streams",
                Node::Map {
                    flow: false,
                    entries: streams,
                },
            )]),
        ));
    }
    let cameras = plan
        .cameras
        .iter()
        .map(|c| (c.name.clone(), camera(c)))
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

fn camera(c: &Planned<'_>) -> Node {
    let rec = c.rec;
    let inputs = c
        .inputs
        .iter()
        .map(|i| {
            let mut e = vec![("path", Node::Str(i.path.clone()))];
            if let Some(args) = i.input_args {
                e.push(("input_args", Node::Word(args)));
            }
            e.push(("roles", words(i.roles)));
            flow(e)
        })
        .collect();
    let friendly = match &rec.mac {
        Some(mac) => format!("{} ({})", rec.name, mac.to_uppercase()),
        None => format!("{} ({})", rec.name, rec.ip),
    };
    let mut detect = vec![("enabled", Node::Bool(true))];
    if let Some((w, h)) = c.detect_size {
        detect.push(("width", Node::Int(i64::from(w))));
        detect.push(("height", Node::Int(i64::from(h))));
    }
    detect.push(("fps", Node::Int(DETECT_FPS)));
    detect.push(("stationary", flow(vec![("threshold", Node::Int(50))])));
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
    let mut sections = vec![
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
    ];
    if !c.live.is_empty() {
        let streams = c
            .live
            .iter()
            .map(|(label, stream)| ((*label).to_owned(), Node::Str(stream.clone())))
            .collect();
        sections.push((
            "live",
            flow(vec![(
                "streams",
                Node::Map {
                    flow: true,
                    entries: streams,
                },
            )]),
        ));
    }
    sections.push(("detect", flow(detect)));
    sections.extend([
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
                ("order", Node::Int(names::ui_order(&rec.id))),
                ("dashboard", Node::Bool(true)),
            ]),
        ),
    ]);
    block(sections)
}

#[cfg(test)]
mod corpus_tests;
#[cfg(test)]
mod parser_model;
#[cfg(test)]
mod python_tests;
#[cfg(test)]
mod stable_tests;
#[cfg(test)]
mod tests;
