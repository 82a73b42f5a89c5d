//! How variables are read: [`Env`] (the lookup and the notes it collects) with one typed
//! reader per kind of value (whole number, seconds, port, boolean, text), the parsers
//! underneath, and how a value may appear in an error (one line, `***` for secrets).
use super::ConfigError;
use log::LevelFilter;
use std::num::IntErrorKind;
use std::time::Duration;

/// Variables whose values are never shown in an error or a note.
pub(super) const SECRET_VARIABLES: &[&str] = &[
    "MQTT_PASSWORD",
    "CAMERA_PASSWORD",
    "CAMERA_CREDENTIALS",
    "DEFAULT_PASSWORD",
];

/// `text` for a one-line error: control characters (a newline in a variable) are shown
/// escaped, as `\n`.
pub(super) fn one_line(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let escaped = c.is_control().then(|| c.escape_debug());
            escaped
                .into_iter()
                .flatten()
                .chain((!c.is_control()).then_some(c))
        })
        .collect()
}

/// Reads variables through `get` and collects the notes.
pub(super) struct Env<F> {
    pub(super) get: F,
    pub(super) notes: Vec<String>,
}

impl<F: Fn(&str) -> Option<String>> Env<F> {
    /// The value exactly as set, or `None` when unset.
    pub(super) fn raw(&self, var: &str) -> Option<String> {
        (self.get)(var)
    }

    /// The value trimmed, or `None` when unset, empty or only whitespace.
    pub(super) fn text(&self, var: &str) -> Option<String> {
        self.raw(var)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// A whole number; unset or empty gives `default`; outside `min..=max` is clamped with a note.
    pub(super) fn u64_clamped(
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
    pub(super) fn seconds(
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
    pub(super) fn count_u32(&self, var: &'static str, default: u32) -> Result<u32, ConfigError> {
        let Some(text) = self.text(var) else {
            return Ok(default);
        };
        u32::try_from(parse_u64(var, &text)?).map_err(|_| ConfigError::TooLarge {
            var,
            value: shown(var, &text),
        })
    }

    /// A TCP port, 1..=65535 (no clamp: a wrong camera port is an error, not a guess).
    pub(super) fn port(&self, var: &'static str, default: u16) -> Result<u16, ConfigError> {
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
    pub(super) fn boolean(&self, var: &'static str, default: bool) -> Result<bool, ConfigError> {
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
pub(super) fn parse_u64(var: &'static str, text: &str) -> Result<u64, ConfigError> {
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

pub(super) fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// The original's Python level names (CRITICAL is Python's name above ERROR), plus TRACE.
pub(super) fn parse_log_level(text: &str) -> Result<LevelFilter, ConfigError> {
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
pub(super) fn check_topic_part(var: &'static str, value: &str) -> Result<(), ConfigError> {
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
pub(super) fn shown(var: &str, value: &str) -> String {
    if SECRET_VARIABLES.contains(&var) {
        "***".to_owned()
    } else {
        value.to_owned()
    }
}
