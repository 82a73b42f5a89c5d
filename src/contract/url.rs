//! The userinfo part of a URL (`user:password@`): removed from everything published by
//! default, and added back, percent-encoded, only when PUBLISH_CREDENTIALS asks for it.
//! Pure string work on `scheme://authority/path?query` URLs.
use std::borrow::Cow;

/// `url` without `userinfo@` (the text up to the last `@` of the authority).
#[must_use]
pub fn strip_userinfo(url: &str) -> Cow<'_, str> {
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return Cow::Borrowed(url);
    };
    let rest = &url[start..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    match authority.rfind('@') {
        Some(at) => Cow::Owned(format!("{}{}", &url[..start], &rest[at + 1..])),
        None => Cow::Borrowed(url),
    }
}

/// `url` with `user:password@`, each percent-encoded (RFC 3986: everything but the unreserved
/// characters), replacing any userinfo it had; credential markers in its path (a camera that
/// takes the credential in the URL) are filled too. A URL without `://` is returned
/// unchanged.
#[must_use]
pub fn with_userinfo(url: &str, user: &str, password: &str) -> String {
    let filled = crate::camdb::fill_credentials(url, user, password);
    let clean = strip_userinfo(&filled);
    match clean.find("://").map(|i| i + 3) {
        Some(start) => format!(
            "{}{}:{}@{}",
            &clean[..start],
            percent_encode(user),
            percent_encode(password),
            &clean[start..]
        ),
        None => clean.into_owned(),
    }
}

/// RFC 3986 userinfo part: every byte but the unreserved ones (`A-Z a-z 0-9 - . _ ~`) as
/// `%XX`. Stricter than the RFC needs (sub-delims could stay), so that `:`, `@`, `{`, `}`,
/// `%` and `/` can never change how the URL splits. Shared with the Frigate config.
#[must_use]
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_stripped_from_the_authority_only() {
        for (url, want) in [
            ("rtsp://10.0.0.5:554/stream1", "rtsp://10.0.0.5:554/stream1"),
            ("rtsp://admin:pw@10.0.0.5:554/s", "rtsp://10.0.0.5:554/s"),
            ("rtsp://admin:p@ss@10.0.0.5/s?a=1", "rtsp://10.0.0.5/s?a=1"),
            ("rtsp://admin@10.0.0.5", "rtsp://10.0.0.5"),
            ("rtsp://10.0.0.5/user@x", "rtsp://10.0.0.5/user@x"),
            ("rtsp://10.0.0.5?u=a@b", "rtsp://10.0.0.5?u=a@b"),
            ("not a url @ all", "not a url @ all"),
        ] {
            assert_eq!(strip_userinfo(url), want, "{url}");
        }
    }

    #[test]
    fn userinfo_is_percent_encoded_and_replaces_any_old_one() {
        assert_eq!(
            with_userinfo(
                "rtsp://10.0.0.5:554/cam?channel=1&subtype=0",
                "admin",
                "p@ss:w/rd"
            ),
            "rtsp://admin:p%40ss%3Aw%2Frd@10.0.0.5:554/cam?channel=1&subtype=0"
        );
        assert_eq!(
            with_userinfo("rtsp://old:x@10.0.0.5/s", "ad min", "é~_.-"),
            "rtsp://ad%20min:%C3%A9~_.-@10.0.0.5/s"
        );
        assert_eq!(with_userinfo("nonsense", "a", "b"), "nonsense");
        assert_eq!(
            with_userinfo(
                "rtsp://10.0.0.5/user=[USERNAME]&password=[PASSWORD]&channel=1&stream=0.sdp",
                "admin",
                "a&b"
            ),
            "rtsp://admin:a%26b@10.0.0.5/user=admin&password=a%26b&channel=1&stream=0.sdp"
        );
    }
}
