//! Credentials inside the strings Frigate reads: the URL of an ffmpeg input (direct mode),
//! the source URL of a go2rtc stream (restream mode), a login inside a URL path (the
//! `[USERNAME]`/`[PASSWORD]` markers of dictionary paths), and the MQTT user/password.
//! What each one goes through before the camera is [`super::model`]; every URL built here
//! is run through it, and one the camera would not receive exactly is refused
//! ([`Unexpressible`]), so the caller leaves that camera out.
//!
//! Direct input path (two format passes, Frigate's re-encoding, ffmpeg's decoding), tried
//! in order:
//! 1. `user:password@` with the password raw and every brace written four times: for a
//!    user name of `[a-zA-Z0-9_-]+` and a password without white space Frigate
//!    percent-encodes it once (and hides it in its logs), ffmpeg decodes it once;
//! 2. else both percent-encoded, with the first character of a `[a-zA-Z0-9_-]+` user name
//!    written `%XX` so that Frigate's re-encoding cannot fire (`%61dmin`; Frigate then
//!    does not hide the password in its logs, as for any other user name).
//!
//! go2rtc source (one format pass, go2rtc's `${VAR}` expansion, Go's `net/url`): user and
//! password percent-encoded (RFC 3986 unreserved characters kept), which leaves no brace,
//! no `$…{` and only characters Go accepts; `ffmpeg:` in front for a stream that plays
//! over UDP only (go2rtc's own RTSP client is TCP only).
//!
//! With FRIGATE_RTSP_PASSWORD_ENV the password is `{FRIGATE_RTSP_PASSWORD…}` instead, and
//! the variable must hold [`placeholder_value`]: the password percent-encoded. That one
//! value works in all three places.

use super::model::{self, python_space, Received};
pub use crate::contract::url::percent_encode;
use crate::discovery::rtsp::paths::fill_credentials;

/// What Frigate substitutes for the camera password when FRIGATE_RTSP_PASSWORD_ENV is set.
pub const RTSP_PASSWORD_PLACEHOLDER: &str = "{FRIGATE_RTSP_PASSWORD}";
/// What Frigate substitutes for the broker password when FRIGATE_RTSP_PASSWORD_ENV is set.
pub const MQTT_PASSWORD_PLACEHOLDER: &str = "{FRIGATE_MQTT_PASSWORD}";
pub use crate::camdb::{AUTH_MARK, PASS_MARK, USER_MARK};

/// How a password is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Passwords {
    /// The password itself (escaped as the place requires).
    Plain,
    /// Frigate's environment placeholder instead (an empty password stays empty: there is
    /// nothing to hide, and a camera that takes none would refuse the placeholder's value).
    Placeholder,
}

/// A camera login as it goes into one URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Login<'a> {
    pub user: &'a str,
    pub password: &'a str,
    /// The `FRIGATE_*` variable written instead of the password (placeholder mode).
    pub var: Option<&'a str>,
}

/// Why a camera's URL cannot be written so that the camera gets its credentials. Displays
/// as a reason for the log line; never holds the credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Unexpressible {
    #[error("its user name contains ':' (RTSP splits user from password at the first ':')")]
    UserColon,
    #[error("its credentials are longer than ffmpeg's 127-byte limit once encoded")]
    TooLong,
    #[error("its URL would be longer than Frigate's 1000-character limit")]
    PathTooLong,
    #[error("its stream URL is not rtsp://")]
    NotRtsp,
    #[error("its path carries the login as base64 ([AUTH]), which a password placeholder cannot express")]
    AuthInPath,
    #[error(
        "no encoding of its credentials reaches the camera intact through Frigate (see README)"
    )]
    NoEncoding,
}

/// The value FRIGATE_RTSP_PASSWORD (or `_N`) must hold for `password`: percent-encoded,
/// RFC 3986 unreserved characters kept.
#[must_use]
pub fn placeholder_value(password: &str) -> String {
    percent_encode(password)
}

/// `scheme` and the URL after `://` without any userinfo, braces percent-encoded.
fn split(url: &str) -> Result<(&str, String), Unexpressible> {
    let (scheme, rest) = url.split_once("://").ok_or(Unexpressible::NotRtsp)?;
    if !scheme.eq_ignore_ascii_case("rtsp") {
        return Err(Unexpressible::NotRtsp);
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let rest = match rest[..authority_end].rfind('@') {
        Some(at) => &rest[at + 1..],
        None => rest,
    };
    Ok((scheme, encode_braces(rest)))
}

/// The text for the password: `{VAR}` in placeholder mode, else `plain(password)`.
fn secret(login: &Login<'_>, plain: impl Fn(&str) -> String) -> String {
    match login.var {
        Some(var) if !login.password.is_empty() => format!("{{{var}}}"),
        _ => plain(login.password),
    }
}

/// The `FRIGATE_*` variables the model substitutes for `login`.
fn env<'a>(login: Option<&Login<'a>>, value: &'a str) -> Vec<(&'a str, &'a str)> {
    login
        .and_then(|l| l.var.filter(|_| !l.password.is_empty()))
        .map(|v| vec![(v, value)])
        .unwrap_or_default()
}

fn reencoded_user(user: &str) -> bool {
    !user.is_empty()
        && user
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// `user` percent-encoded, its first byte as `%XX` too when Frigate would re-encode.
fn shielded_user(user: &str) -> String {
    if reencoded_user(user) {
        format!("%{:02X}{}", user.as_bytes()[0], &user[1..])
    } else {
        percent_encode(user)
    }
}

fn encode_braces(s: &str) -> String {
    s.replace('{', "%7B").replace('}', "%7D")
}

/// Every brace four times: what survives Frigate's two format passes as one brace.
fn survive_two_passes(s: &str) -> String {
    s.replace('{', "{{{{").replace('}', "}}}}")
}

/// `rest` with the dictionary's login markers filled as the prober filled them when the
/// stream played (`crate::discovery::rtsp::paths::fill_credentials`: percent-encoded,
/// `[AUTH]` = base64 of `user:password`), `{VAR}` for the password in placeholder mode:
/// `(written, received)`, or `None` when `rest` has no marker. No login: empty values.
///
/// # Errors
/// `[AUTH]` in placeholder mode (base64 of the password is the password).
fn fill_markers(
    rest: &str,
    login: Option<&Login<'_>>,
) -> Result<Option<(String, String)>, Unexpressible> {
    if !crate::camdb::has_credential_marks(rest) {
        return Ok(None);
    }
    let (user, password) = login.map_or(("", ""), |l| (l.user, l.password));
    let received = fill_credentials(rest, user, password);
    let written = match login.and_then(|l| l.var.filter(|_| !l.password.is_empty())) {
        None => received.clone(),
        Some(_) if rest.contains(AUTH_MARK) => return Err(Unexpressible::AuthInPath),
        Some(var) => fill_credentials(&rest.replace(PASS_MARK, &format!("{{{var}}}")), user, ""),
    };
    Ok(Some((written, received)))
}

/// The `ffmpeg.inputs[].path` for `url` opened with `login` (direct mode): see the module
/// doc. A URL whose path carries the `[USERNAME]`/`[PASSWORD]` markers gets the login
/// there and no userinfo.
///
/// # Errors
/// When no way of writing it reaches the camera intact.
pub fn direct_url(url: &str, login: Option<Login<'_>>) -> Result<String, Unexpressible> {
    let (scheme, rest) = split(url)?;
    let value = login
        .map(|l| placeholder_value(l.password))
        .unwrap_or_default();
    let env = env(login.as_ref(), &value);
    let check = |candidate: &str, want: &Received| {
        model::direct_input(candidate, &env).is_ok_and(|got| got == *want)
    };
    if let Some((written, received)) = fill_markers(&rest, login.as_ref())? {
        let candidate = format!("{scheme}://{written}");
        return if check(&candidate, &Received::expect(None, &received)) {
            Ok(candidate)
        } else {
            Err(too_long_or(&candidate, Unexpressible::NoEncoding))
        };
    }
    let Some(l) = login else {
        let candidate = format!("{scheme}://{rest}");
        return if check(&candidate, &Received::expect(None, &rest)) {
            Ok(candidate)
        } else {
            Err(too_long_or(&candidate, Unexpressible::NoEncoding))
        };
    };
    if l.user.contains(':') {
        return Err(Unexpressible::UserColon);
    }
    let want = Received::expect(Some((l.user, l.password)), &rest);
    let raw = (reencoded_user(l.user) && !l.password.chars().any(python_space))
        .then(|| secret(&l, survive_two_passes))
        .map(|pw| format!("{scheme}://{}:{pw}@{rest}", l.user));
    let encoded = format!(
        "{scheme}://{}:{}@{rest}",
        shielded_user(l.user),
        secret(&l, percent_encode)
    );
    for candidate in raw.iter().chain(std::iter::once(&encoded)) {
        if check(candidate, &want) {
            return Ok(candidate.clone());
        }
    }
    // The shortest form tried: the percent-encoded one (quote_plus makes the same length).
    let userinfo = shielded_user(l.user).len() + 1 + percent_encode(l.password).len();
    if userinfo > model::FFMPEG_MAX_AUTH {
        return Err(Unexpressible::TooLong);
    }
    Err(too_long_or(&encoded, Unexpressible::NoEncoding))
}

fn too_long_or(candidate: &str, other: Unexpressible) -> Unexpressible {
    if candidate.chars().count() > model::FRIGATE_MAX_PATH {
        Unexpressible::PathTooLong
    } else {
        other
    }
}

/// The `go2rtc.streams` source for `url` opened with `login`: see the module doc.
/// `udp_only` (the stream played over UDP only) makes it an `ffmpeg:` source, which
/// inherits ffmpeg's 127-byte credential limit.
///
/// # Errors
/// When it cannot reach the camera intact.
pub fn go2rtc_url(
    url: &str,
    login: Option<Login<'_>>,
    udp_only: bool,
) -> Result<String, Unexpressible> {
    let (scheme, rest) = split(url)?;
    let prefix = if udp_only { "ffmpeg:" } else { "" };
    let value = login
        .map(|l| placeholder_value(l.password))
        .unwrap_or_default();
    let env = env(login.as_ref(), &value);
    let (candidate, want) = match (fill_markers(&rest, login.as_ref())?, login) {
        (Some((written, received)), _) => (
            format!("{prefix}{scheme}://{written}"),
            Received::expect(None, &received),
        ),
        (None, None) => (
            format!("{prefix}{scheme}://{rest}"),
            Received::expect(None, &rest),
        ),
        (None, Some(l)) => {
            if l.user.contains(':') {
                return Err(Unexpressible::UserColon);
            }
            (
                format!(
                    "{prefix}{scheme}://{}:{}@{rest}",
                    percent_encode(l.user),
                    secret(&l, percent_encode)
                ),
                Received::expect(Some((l.user, l.password)), &rest),
            )
        }
    };
    if model::go2rtc_source(&candidate, &env).is_ok_and(|got| got == want) {
        return Ok(candidate);
    }
    let userinfo = login.map_or(0, |l| {
        percent_encode(l.user).len() + 1 + percent_encode(l.password).len()
    });
    if udp_only && userinfo > model::FFMPEG_MAX_AUTH {
        return Err(Unexpressible::TooLong);
    }
    Err(Unexpressible::NoEncoding)
}

/// `s` escaped for a Frigate `EnvString` field (MQTT user and password; one format
/// pass): `{` → `{{`, `}` → `}}`.
#[must_use]
pub fn env_string_literal(s: &str) -> String {
    s.replace('{', "{{").replace('}', "}}")
}

#[cfg(test)]
#[path = "url_tests.rs"]
mod tests;
