//! Secrets as values: [`Secret`] (a password that no `Debug`/`Display` shows) and
//! [`Credential`] (a camera user name and password pair). A leaf: configuration fills them,
//! the RTSP and ONVIF clients send them, the contract and Frigate write them only where the
//! user opted in.
use std::fmt;

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

impl Credential {
    /// `username` with `password`.
    #[must_use]
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Credential {
            username: username.into(),
            password: Secret::new(password),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_format_shows_the_password() {
        let c = Credential::new("admin", "hunter2");
        assert_eq!(c.password.expose(), "hunter2");
        for shown in [format!("{c:?}"), format!("{}", c.password)] {
            assert!(!shown.contains("hunter2"), "{shown}");
        }
    }
}
