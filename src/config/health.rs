//! The variables of the health endpoint and status file this project adds (the stack's
//! docker-compose health-checks the service with `GET http://localhost:8080/health`):
//! where the HTTP endpoint listens and where the status file goes. Read by the service and,
//! alone, by `camera-detector health` ([`HealthSettings::from_lookup`]).
use super::{one_line, ConfigError, Env};
use std::net::IpAddr;
use std::path::PathBuf;

/// Where the service tells its health without an MQTT session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthSettings {
    /// HEALTH_HTTP_PORT; `None` = no HTTP endpoint (set to 0).
    pub http_port: Option<u16>,
    /// HEALTH_HTTP_BIND.
    pub http_bind: IpAddr,
    /// HEALTH_STATUS_PATH: the status file, written atomically; `None` = none.
    pub status_path: Option<PathBuf>,
}

impl HealthSettings {
    /// Only the health variables, for `camera-detector health` (a bad unrelated variable
    /// must not stop a health check).
    ///
    /// # Errors
    /// A HEALTH_HTTP_PORT or HEALTH_HTTP_BIND that does not parse.
    pub fn from_lookup<F: Fn(&str) -> Option<String>>(get: F) -> Result<Self, ConfigError> {
        let mut env = Env {
            get,
            notes: Vec::new(),
        };
        health_settings(&mut env)
    }

    /// The URL `camera-detector health` asks: the endpoint on loopback when it listens on
    /// every address, else on its bind address.
    #[must_use]
    pub fn url(&self) -> Option<String> {
        let port = self.http_port?;
        let host = match self.http_bind {
            IpAddr::V4(a) if a.is_unspecified() => "127.0.0.1".to_owned(),
            IpAddr::V6(a) if a.is_unspecified() => "[::1]".to_owned(),
            IpAddr::V4(a) => a.to_string(),
            IpAddr::V6(a) => format!("[{a}]"),
        };
        Some(format!("http://{host}:{port}/health"))
    }
}

pub(super) fn health_settings<F: Fn(&str) -> Option<String>>(
    env: &mut Env<F>,
) -> Result<HealthSettings, ConfigError> {
    let port = match env.text("HEALTH_HTTP_PORT") {
        None => 8080,
        Some(t) if t == "0" => 0,
        Some(_) => env.port("HEALTH_HTTP_PORT", 8080)?,
    };
    let http_bind = match env.text("HEALTH_HTTP_BIND") {
        None => IpAddr::from([127, 0, 0, 1]),
        Some(t) => t.parse().map_err(|_| ConfigError::BadValue {
            var: "HEALTH_HTTP_BIND",
            value: one_line(&t),
            expected: "an IP address (127.0.0.1, 0.0.0.0, ::1, ...)",
        })?,
    };
    Ok(HealthSettings {
        http_port: (port != 0).then_some(port),
        http_bind,
        status_path: env.text("HEALTH_STATUS_PATH").map(PathBuf::from),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Result<HealthSettings, ConfigError> {
        HealthSettings::from_lookup(|k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn defaults_listen_on_loopback_8080_without_a_status_file() {
        let s = h(&[]).unwrap();
        assert_eq!(s.http_port, Some(8080));
        assert_eq!(s.http_bind, IpAddr::from([127, 0, 0, 1]));
        assert_eq!(s.status_path, None);
        assert_eq!(s.url().as_deref(), Some("http://127.0.0.1:8080/health"));
    }

    #[test]
    fn port_zero_turns_http_off_and_a_bad_port_or_address_is_named() {
        assert_eq!(h(&[("HEALTH_HTTP_PORT", "0")]).unwrap().http_port, None);
        assert_eq!(h(&[("HEALTH_HTTP_PORT", "0")]).unwrap().url(), None);
        let e = h(&[("HEALTH_HTTP_PORT", "70000")]).unwrap_err().to_string();
        assert!(e.starts_with("HEALTH_HTTP_PORT: \"70000\""), "{e}");
        let e = h(&[("HEALTH_HTTP_BIND", "localhost")])
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("HEALTH_HTTP_BIND: \"localhost\""), "{e}");
    }

    #[test]
    fn the_client_asks_loopback_when_the_endpoint_listens_everywhere() {
        let s = h(&[("HEALTH_HTTP_BIND", "0.0.0.0"), ("HEALTH_HTTP_PORT", "9")]).unwrap();
        assert_eq!(s.url().as_deref(), Some("http://127.0.0.1:9/health"));
        let s = h(&[("HEALTH_HTTP_BIND", "::")]).unwrap();
        assert_eq!(s.url().as_deref(), Some("http://[::1]:8080/health"));
    }
}
