//! Logging set-up: `env_logger` honouring LOG_LEVEL (the original's names) and RUST_LOG.
//!
//! RUST_LOG, when set, wins (it allows per-module filters); otherwise LOG_LEVEL sets the
//! level of this crate and of paho's wrapper. Nothing here formats credentials: callers
//! pass redacted values (see `crate::secret::Secret`).
use log::LevelFilter;

/// Starts the global logger once. `level` comes from the validated config.
pub fn init(level: LevelFilter, rust_log: Option<&str>) {
    let mut b = env_logger::Builder::new();
    b.format_timestamp_millis();
    match rust_log {
        Some(spec) if !spec.trim().is_empty() => {
            b.parse_filters(spec);
        }
        _ => {
            b.filter_level(level);
            // paho's C trace is very chatty at DEBUG (every socket cycle); RUST_LOG can
            // still turn it on (`RUST_LOG=paho_mqtt_c=debug`).
            b.filter_module("paho_mqtt_c", level.min(LevelFilter::Info));
            b.filter_module("paho_mqtt", level.min(LevelFilter::Info));
        }
    }
    // A second init (tests) is harmless: the first logger stays.
    let _ = b.try_init();
}
