//! Credentials inside the strings Frigate reads: the userinfo of an RTSP input path and
//! the MQTT user/password. Three parties read an input path before the camera sees it
//! (Frigate 0.17's own code, frigate/config/env.py, frigate/util/builtin.py):
//!
//! 1. Frigate passes it through Python's `str.format` with its `FRIGATE_*` environment
//!    variables: `{FRIGATE_RTSP_PASSWORD}` is a placeholder, a lone `{` or `}` an error that
//!    stops Frigate; `{{`/`}}` are literal braces.
//! 2. For a user name matching `[a-zA-Z0-9_-]+`, Frigate then percent-encodes the password
//!    itself (`escape_special_characters`: `quote_plus` of everything after the first `:` up
//!    to the last `@`, if that run has no white space).
//! 3. ffmpeg percent-decodes the userinfo once and splits it at the first `:`.
//!
//! So for such a user the password is written raw (braces doubled): writing it
//! percent-encoded would have it encoded twice and the camera refuse it. For any other user
//! (or a password with white space, where step 2 does not happen) step 3 is the only
//! decoding, and the userinfo is percent-encoded.

/// What Frigate substitutes for the camera password when FRIGATE_RTSP_PASSWORD_ENV is set.
pub const RTSP_PASSWORD_PLACEHOLDER: &str = "{FRIGATE_RTSP_PASSWORD}";
/// What Frigate substitutes for the broker password when FRIGATE_RTSP_PASSWORD_ENV is set.
pub const MQTT_PASSWORD_PLACEHOLDER: &str = "{FRIGATE_MQTT_PASSWORD}";

/// How a password is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Passwords {
    /// The password itself (escaped as the place requires).
    Plain,
    /// Frigate's environment placeholder instead (an empty password stays empty: there is
    /// nothing to hide, and a camera that takes none would refuse the placeholder's value).
    Placeholder,
}

pub use crate::contract::url::percent_encode;

/// `url` (`scheme://host[:port]/path?query`) with `user:password@` put in front of the host
/// (any userinfo it had is replaced), written so that the camera gets exactly `user` and
/// `password` through Frigate and ffmpeg (see the module doc). No `user` gives the URL
/// without userinfo. `{`/`}` elsewhere in the URL are percent-encoded. A URL without `://`
/// is returned with only that brace encoding.
///
/// Not expressible, and left to fail visibly at the camera: an `@` in the path or query
/// together with a password Frigate re-encodes (its greedy match then ends there).
#[must_use]
pub fn rtsp_url(url: &str, user: Option<&str>, password: &str, mode: Passwords) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return encode_braces(url);
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let rest = match rest[..authority_end].rfind('@') {
        Some(at) => &rest[at + 1..],
        None => rest,
    };
    let rest = encode_braces(rest);
    let Some(user) = user else {
        return format!("{scheme}://{rest}");
    };
    let reencoded_by_frigate = !user.is_empty()
        && user
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let password = match mode {
        _ if password.is_empty() => String::new(),
        Passwords::Placeholder => RTSP_PASSWORD_PLACEHOLDER.to_owned(),
        Passwords::Plain if !reencoded_by_frigate => percent_encode(password),
        Passwords::Plain if password.chars().any(python_space) => {
            // Frigate's `\S+` stops at the space: no re-encoding, ffmpeg's decode is the only
            // layer. Keep the white space raw so that this stays true.
            password
                .chars()
                .map(|c| {
                    if python_space(c) {
                        c.to_string()
                    } else {
                        percent_encode(c.encode_utf8(&mut [0; 4]))
                    }
                })
                .collect()
        }
        Passwords::Plain => env_string_literal(password),
    };
    format!("{scheme}://{}:{password}@{rest}", percent_encode(user))
}

/// Python's `\s` for `str` patterns: Unicode white space plus the separators U+001C..U+001F.
fn python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn encode_braces(s: &str) -> String {
    s.replace('{', "%7B").replace('}', "%7D")
}

/// `s` escaped for a Frigate `EnvString` field (MQTT user and password): `{` → `{{`,
/// `}` → `}}`.
#[must_use]
pub fn env_string_literal(s: &str) -> String {
    s.replace('{', "{{").replace('}', "}}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "rtsp://10.77.0.10:554/cam/realmonitor?channel=1&subtype=0";

    #[test]
    fn a_password_frigate_reencodes_is_written_raw_with_braces_doubled() {
        assert_eq!(
            rtsp_url(URL, Some("admin"), "p@ss{w}:rd%/ é", Passwords::Plain),
            "rtsp://admin:p%40ss%7Bw%7D%3Ard%25%2F %C3%A9@10.77.0.10:554/cam/realmonitor?channel=1&subtype=0",
            "white space: Frigate leaves it alone, so it is percent-encoded but the space"
        );
        assert_eq!(
            rtsp_url(URL, Some("admin_1-x"), "p@ss{w}:rd%/é", Passwords::Plain),
            "rtsp://admin_1-x:p@ss{{w}}:rd%/é@10.77.0.10:554/cam/realmonitor?channel=1&subtype=0"
        );
    }

    #[test]
    fn another_user_name_gets_percent_encoding() {
        assert_eq!(
            rtsp_url(URL, Some("us:er@x"), "a-b.c_d~{", Passwords::Plain),
            "rtsp://us%3Aer%40x:a-b.c_d~%7B@10.77.0.10:554/cam/realmonitor?channel=1&subtype=0"
        );
        assert_eq!(
            rtsp_url("rtsp://h/s", Some("first.last"), "p@ss", Passwords::Plain),
            "rtsp://first.last:p%40ss@h/s"
        );
        // An empty password keeps the colon (Basic auth needs `user:`).
        assert_eq!(
            rtsp_url("rtsp://h/s", Some("admin"), "", Passwords::Plain),
            "rtsp://admin:@h/s"
        );
    }

    #[test]
    fn placeholder_replaces_a_password_but_not_an_empty_one() {
        assert_eq!(
            rtsp_url(URL, Some("admin"), "secret", Passwords::Placeholder),
            "rtsp://admin:{FRIGATE_RTSP_PASSWORD}@10.77.0.10:554/cam/realmonitor?channel=1&subtype=0"
        );
        assert_eq!(
            rtsp_url(
                "rtsp://h/s",
                Some("first.last"),
                "secret",
                Passwords::Placeholder
            ),
            "rtsp://first.last:{FRIGATE_RTSP_PASSWORD}@h/s"
        );
        assert_eq!(
            rtsp_url("rtsp://h/s", Some("admin"), "", Passwords::Placeholder),
            "rtsp://admin:@h/s"
        );
    }

    #[test]
    fn no_user_no_userinfo_and_old_userinfo_is_dropped() {
        assert_eq!(rtsp_url(URL, None, "ignored", Passwords::Plain), URL);
        assert_eq!(
            rtsp_url("rtsp://old:pw@h:554/a@b", Some("u"), "p", Passwords::Plain),
            "rtsp://u:p@h:554/a@b"
        );
        assert_eq!(
            rtsp_url("rtsp://old:pw@h:554/a", None, "", Passwords::Plain),
            "rtsp://h:554/a"
        );
        assert_eq!(
            rtsp_url("rtsp://h/{x}?a={b}", None, "", Passwords::Plain),
            "rtsp://h/%7Bx%7D?a=%7Bb%7D"
        );
        assert_eq!(
            rtsp_url("not a url {", Some("u"), "p", Passwords::Plain),
            "not a url %7B"
        );
    }

    #[test]
    fn env_strings_double_their_braces() {
        assert_eq!(env_string_literal("a{b}c"), "a{{b}}c");
        assert_eq!(env_string_literal("plain"), "plain");
    }
}
