//! The Frigate variables this project adds to the original's three (path, switch, reload
//! topic): how Frigate reaches the broker, whether passwords stay out of the file, which
//! detector runs and which model (fire and smoke need a custom one), go2rtc restreaming,
//! and the smallest sub stream detection runs on. Parsed by
//! [`Config::from_lookup`](super::Config::from_lookup) like every other variable; the
//! settings types are defined here, the generator that reads them is [`crate::frigate`].
use super::{ConfigError, Env};

/// FRIGATE_DETECT_MIN_SIDE when unset.
pub const DEFAULT_MIN_SIDE: u32 = 360;

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

/// How the generated Frigate config is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrigateSettings {
    /// FRIGATE_MQTT_HOST: the broker as Frigate reaches it (default MQTT_BROKER).
    pub mqtt_host: String,
    /// FRIGATE_RTSP_PASSWORD_ENV: `{FRIGATE_RTSP_PASSWORD}` (and `{FRIGATE_MQTT_PASSWORD}`)
    /// in the file instead of the passwords.
    pub rtsp_password_env: bool,
    /// FRIGATE_DETECTOR.
    pub detector: Detector,
    /// FRIGATE_MODEL_PATH, FRIGATE_LABELMAP_PATH, FRIGATE_MODEL_SIZE: `None` when none is set.
    pub model: Option<ModelSettings>,
    /// FRIGATE_GO2RTC: streams through go2rtc's restream (default) or direct inputs.
    pub go2rtc: bool,
    /// FRIGATE_DETECT_MIN_SIDE: a sub stream whose smaller side is below it does not detect.
    pub detect_min_side: u32,
}

/// Largest model input side accepted (a typo guard; real models are 320 to 1280).
const MAX_MODEL_SIDE: u32 = 8192;

pub(super) fn frigate_settings<F: Fn(&str) -> Option<String>>(
    env: &mut Env<F>,
    mqtt_broker: &str,
) -> Result<FrigateSettings, ConfigError> {
    let mqtt_host = env
        .text("FRIGATE_MQTT_HOST")
        .unwrap_or_else(|| mqtt_broker.to_owned());
    let rtsp_password_env = env.boolean("FRIGATE_RTSP_PASSWORD_ENV", false)?;
    let detector = match env.text("FRIGATE_DETECTOR") {
        None => Detector::Cpu,
        Some(text) => parse_detector(&text).ok_or(ConfigError::BadValue {
            var: "FRIGATE_DETECTOR",
            value: text,
            expected: "cpu, edgetpu or edgetpu:DEVICE (usb, pci, usb:1, ...)",
        })?,
    };
    let size = match env.text("FRIGATE_MODEL_SIZE") {
        None => None,
        Some(text) => Some(parse_size(&text).ok_or(ConfigError::BadValue {
            var: "FRIGATE_MODEL_SIZE",
            value: text,
            expected: "WIDTHxHEIGHT (e.g. 640x640) or one side for a square",
        })?),
    };
    let model = ModelSettings {
        path: env.text("FRIGATE_MODEL_PATH"),
        labelmap_path: env.text("FRIGATE_LABELMAP_PATH"),
        size,
    };
    let model = (model != ModelSettings::default()).then_some(model);
    let go2rtc = env.boolean("FRIGATE_GO2RTC", true)?;
    let min_side = env.u64_clamped(
        "FRIGATE_DETECT_MIN_SIDE",
        u64::from(DEFAULT_MIN_SIDE),
        1,
        u64::from(MAX_MODEL_SIDE),
    )?;
    Ok(FrigateSettings {
        mqtt_host,
        rtsp_password_env,
        detector,
        model,
        go2rtc,
        detect_min_side: u32::try_from(min_side).unwrap_or(DEFAULT_MIN_SIDE),
    })
}

/// `cpu`, `edgetpu` (= `edgetpu:usb`) or `edgetpu:DEVICE` with DEVICE `usb`/`pci`, optionally
/// `:N` (Frigate's device strings), any case.
fn parse_detector(text: &str) -> Option<Detector> {
    let text = text.to_ascii_lowercase();
    match text.split_once(':') {
        None if text == "cpu" => Some(Detector::Cpu),
        None if text == "edgetpu" => Some(Detector::EdgeTpu {
            device: "usb".to_owned(),
        }),
        Some(("edgetpu", device)) => {
            let (kind, index) = device.split_once(':').unwrap_or((device, "0"));
            let index_ok = !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit());
            (matches!(kind, "usb" | "pci") && index_ok).then(|| Detector::EdgeTpu {
                device: device.to_owned(),
            })
        }
        _ => None,
    }
}

/// `640x640` (also `X`), or `640` for a square; each side 1..=8192.
fn parse_size(text: &str) -> Option<(u32, u32)> {
    let side = |s: &str| {
        s.trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_MODEL_SIDE).contains(n))
    };
    match text.split_once(['x', 'X']) {
        Some((w, h)) => Some((side(w)?, side(h)?)),
        None => side(text).map(|n| (n, n)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Config, ConfigError};
    use super::*;
    use std::collections::HashMap;

    fn load(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let env: HashMap<&str, &str> = pairs.iter().copied().collect();
        Config::from_lookup(|k| env.get(k).map(|v| (*v).to_owned()), "host")
    }

    fn f(pairs: &[(&str, &str)]) -> FrigateSettings {
        load(pairs).expect("valid").frigate
    }

    fn err(pairs: &[(&str, &str)]) -> String {
        load(pairs).expect_err("invalid").to_string()
    }

    #[test]
    fn defaults() {
        assert_eq!(
            f(&[]),
            FrigateSettings {
                mqtt_host: "mqtt_broker".to_owned(),
                rtsp_password_env: false,
                detector: Detector::Cpu,
                model: None,
                go2rtc: true,
                detect_min_side: 360,
            }
        );
        assert_eq!(f(&[("MQTT_BROKER", "10.0.0.2")]).mqtt_host, "10.0.0.2");
        assert_eq!(
            f(&[
                ("MQTT_BROKER", "127.0.0.1"),
                ("FRIGATE_MQTT_HOST", " broker ")
            ])
            .mqtt_host,
            "broker"
        );
    }

    #[test]
    fn password_env_is_a_boolean() {
        assert!(f(&[("FRIGATE_RTSP_PASSWORD_ENV", "1")]).rtsp_password_env);
        assert!(!f(&[("FRIGATE_RTSP_PASSWORD_ENV", "off")]).rtsp_password_env);
        assert_eq!(
            err(&[("FRIGATE_RTSP_PASSWORD_ENV", "maybe")]),
            "FRIGATE_RTSP_PASSWORD_ENV: \"maybe\" is not a boolean (use true/false, 1/0, yes/no or on/off)"
        );
    }

    #[test]
    fn go2rtc_and_detect_min_side() {
        assert!(!f(&[("FRIGATE_GO2RTC", "false")]).go2rtc);
        assert_eq!(
            err(&[("FRIGATE_GO2RTC", "sometimes")]),
            "FRIGATE_GO2RTC: \"sometimes\" is not a boolean (use true/false, 1/0, yes/no or on/off)"
        );
        assert_eq!(
            f(&[("FRIGATE_DETECT_MIN_SIDE", "240")]).detect_min_side,
            240
        );
        let c = load(&[("FRIGATE_DETECT_MIN_SIDE", "0")]).expect("clamped");
        assert_eq!(c.frigate.detect_min_side, 1);
        assert!(
            c.notes
                .iter()
                .any(|n| n == "FRIGATE_DETECT_MIN_SIDE=0 clamped to 1"),
            "{:?}",
            c.notes
        );
        assert!(err(&[("FRIGATE_DETECT_MIN_SIDE", "big")]).starts_with("FRIGATE_DETECT_MIN_SIDE: "));
    }

    #[test]
    fn detector_values() {
        let d = |v: &str| f(&[("FRIGATE_DETECTOR", v)]).detector;
        let tpu = |s: &str| Detector::EdgeTpu {
            device: s.to_owned(),
        };
        assert_eq!(d("CPU"), Detector::Cpu);
        assert_eq!(d("edgetpu"), tpu("usb"));
        assert_eq!(d("edgetpu:pci"), tpu("pci"));
        assert_eq!(d("EdgeTPU:usb:1"), tpu("usb:1"));
        for bad in [
            "gpu",
            "edgetpu:",
            "edgetpu:sata",
            "edgetpu:usb:",
            "edgetpu:usb:x",
            "cpu:1",
        ] {
            assert_eq!(
                err(&[("FRIGATE_DETECTOR", bad)]),
                format!("FRIGATE_DETECTOR: {bad:?} is not cpu, edgetpu or edgetpu:DEVICE (usb, pci, usb:1, ...)")
            );
        }
    }

    #[test]
    fn model_section_only_when_something_is_set() {
        assert_eq!(f(&[("FRIGATE_MODEL_PATH", "  ")]).model, None);
        assert_eq!(
            f(&[
                ("FRIGATE_MODEL_PATH", "/config/model/fire.tflite"),
                ("FRIGATE_LABELMAP_PATH", "/config/model/labels.txt"),
                ("FRIGATE_MODEL_SIZE", "640X480"),
            ])
            .model,
            Some(ModelSettings {
                path: Some("/config/model/fire.tflite".to_owned()),
                labelmap_path: Some("/config/model/labels.txt".to_owned()),
                size: Some((640, 480)),
            })
        );
        assert_eq!(
            f(&[("FRIGATE_MODEL_SIZE", "320")]).model,
            Some(ModelSettings {
                size: Some((320, 320)),
                ..ModelSettings::default()
            })
        );
        for bad in ["0", "640x", "x640", "640x640x3", "9000x10", "big"] {
            assert_eq!(
                err(&[("FRIGATE_MODEL_SIZE", bad)]),
                format!("FRIGATE_MODEL_SIZE: {bad:?} is not WIDTHxHEIGHT (e.g. 640x640) or one side for a square")
            );
        }
    }
}
