//! A model of what happens to a string of our Frigate file before a camera sees it, written
//! from what Frigate 0.17.2 does with an input path (measured with Frigate's own code: two
//! `str.format` passes with the FRIGATE_* variables, then `escape_special_characters`), ffmpeg's `av_url_split`/`ff_urldecode`, and go2rtc's
//! sources (`internal/app/config.go` + `pkg/shell` env expansion, `internal/rtsp`,
//! `internal/ffmpeg`, Go's `net/url`). Pure functions; the generator runs every path it
//! writes through them and leaves a camera out when the camera would not get exactly its
//! credentials ([`super::url`]), and the property tests run a corpus through them.
//!
//! The two ways from the file to a camera:
//!
//! ```text
//! ffmpeg.inputs[].path ─ str.format ×2 (FRIGATE_*) ─ re-encode rule ─ ffmpeg: split, decode ─▶ camera
//! go2rtc.streams.<n>   ─ str.format ×1 (FRIGATE_*) ─ go2rtc ${VAR} expansion ─ Go url.Parse ─▶ camera
//!                                                     (an `ffmpeg:` source: exec argv split, then ffmpeg)
//! ```
//!
//! Where the real code does something the model does not follow (a `{name!r}` field, an
//! IPv6 host, a path Go would re-escape), the model says "fails": the generator then leaves
//! the camera out rather than guess.

/// Python `str.isspace()` (what `\s` of a `str` regex matches): Unicode white space plus
/// the separators U+001C..U+001F.
#[must_use]
pub fn python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// What the camera receives: the user name and password bytes of the login (after every
/// decoding on the way), and the rest of the URL (`host[:port]/path?query`) it is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub user: Option<Vec<u8>>,
    pub password: Option<Vec<u8>>,
    pub target: String,
}

impl Received {
    /// The login `(user, password)` and `target`, as the camera should get them.
    #[must_use]
    pub fn expect(login: Option<(&str, &str)>, target: &str) -> Self {
        Received {
            user: login.map(|(u, _)| u.as_bytes().to_vec()),
            password: login.map(|(_, p)| p.as_bytes().to_vec()),
            target: target.to_owned(),
        }
    }
}

/// Python's `str.format(**env)` with no positional arguments: `{{`/`}}` are literal braces,
/// `{NAME}` the variable (a missing one is Frigate's uncaught `KeyError`), a lone `{` or `}`
/// a `ValueError`. Fields with conversions, format specs, attributes or indexes are not
/// modelled and count as failures.
///
/// # Errors
/// The Python exception, as text.
pub fn py_format(s: &str, env: &[(&str, &str)]) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let brace = rest.as_bytes()[i];
        let after = &rest[i + 1..];
        if after.as_bytes().first() == Some(&brace) {
            out.push(char::from(brace));
            rest = &after[1..];
            continue;
        }
        if brace == b'}' {
            return Err("ValueError: Single '}' encountered in format string".to_owned());
        }
        // A field: up to its matching `}` (Python counts nested braces in a format spec).
        let mut depth = 1usize;
        let mut end = None;
        for (j, b) in after.bytes().enumerate() {
            match b {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(j);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(end) = end else {
            return Err("ValueError: expected '}' before end of string".to_owned());
        };
        let field = &after[..end];
        if field.is_empty() || field.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "IndexError: positional field {{{field}}} with no arguments"
            ));
        }
        if field.contains(['!', ':', '.', '[', '{']) {
            return Err(format!("field {{{field}}} not modelled"));
        }
        match env.iter().find(|(k, _)| *k == field) {
            Some((_, v)) => out.push_str(v),
            None => return Err(format!("KeyError: '{field}'")),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Python's `urllib.parse.quote_plus` (UTF-8; `A-Z a-z 0-9 _ . - ~` kept, space as `+`).
#[must_use]
pub fn quote_plus(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        match b {
            b' ' => out.push('+'),
            b if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'~') => {
                out.push(char::from(b));
            }
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The longest input path Frigate hands to ffmpeg (in characters); a longer one becomes an
/// error object in the ffmpeg command.
pub const FRIGATE_MAX_PATH: usize = 1000;

/// Frigate's `escape_special_characters`: the leftmost match of
/// `://[a-zA-Z0-9_-]+:\S+@` (greedy, so up to the last `@` before white space); the text
/// after its first `:` is replaced by its `quote_plus` form everywhere in `path`.
///
/// # Errors
/// A path longer than [`FRIGATE_MAX_PATH`] characters.
pub fn frigate_reencode(path: &str) -> Result<String, String> {
    if path.chars().count() > FRIGATE_MAX_PATH {
        return Err(format!(
            "input path longer than Frigate's {FRIGATE_MAX_PATH} characters"
        ));
    }
    let user_char = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    let bytes = path.as_bytes();
    let mut from = 0;
    while let Some(found) = path[from..].find("://") {
        let start = from + found;
        from = start + 1;
        let user_start = start + 3;
        let user_len = bytes[user_start..]
            .iter()
            .take_while(|b| user_char(**b))
            .count();
        let colon = user_start + user_len;
        if user_len == 0 || bytes.get(colon) != Some(&b':') {
            continue;
        }
        let run_start = colon + 1;
        let run_end = path[run_start..]
            .char_indices()
            .find(|(_, c)| python_space(*c))
            .map_or(path.len(), |(i, _)| run_start + i);
        // `\S+` takes at least one character before the `@`.
        let Some(at) = path
            .get(run_start + 1..run_end)
            .and_then(|s| s.rfind('@'))
            .map(|i| run_start + 1 + i)
        else {
            continue;
        };
        let secret = &path[run_start..at];
        return Ok(path.replace(secret, &quote_plus(secret)));
    }
    Ok(path.to_owned())
}

/// What Frigate hands ffmpeg for an `ffmpeg.inputs[].path`: two format passes with the
/// `FRIGATE_*` variables, then the re-encoding rule.
///
/// # Errors
/// Frigate stops (format error) or puts an error object in place of the path.
pub fn frigate_input(path: &str, env: &[(&str, &str)]) -> Result<String, String> {
    let once = py_format(path, env)?;
    let twice = py_format(&once, env)?;
    frigate_reencode(&twice)
}

/// The most credential bytes ffmpeg keeps (`char auth[128]` in its RTSP demuxer).
pub const FFMPEG_MAX_AUTH: usize = 127;

/// ffmpeg's `ff_urldecode(s, 0)`: `%XX` with two hex digits decoded; a `%` followed by
/// anything else is kept with the two bytes after it; `+` stays. The result is a C string
/// (it ends at a decoded NUL).
#[must_use]
pub fn ffmpeg_urldecode(s: &[u8]) -> Vec<u8> {
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        i += 1;
        if c == b'%' && i + 2 <= s.len() {
            let (c2, c3) = (s[i], s[i + 1]);
            i += 2;
            match (hex(c2), hex(c3)) {
                (Some(h), Some(l)) => out.push(u8::try_from(h * 16 + l).unwrap_or(0)),
                _ => out.extend_from_slice(&[c, c2, c3]),
            }
        } else {
            out.push(c);
        }
    }
    if let Some(nul) = out.iter().position(|b| *b == 0) {
        out.truncate(nul);
    }
    out
}

/// What ffmpeg's RTSP client makes of `url`: `av_url_split` (authority up to the first `/`,
/// `?` or `#`; credentials up to its last `@`, cut to [`FFMPEG_MAX_AUTH`] bytes), then
/// `ff_urldecode` and the split of user from password at the first `:`.
#[must_use]
pub fn ffmpeg_open(url: &str) -> Received {
    let b = url.as_bytes();
    let mut p = b.iter().position(|c| *c == b':').map_or(0, |i| i + 1);
    for _ in 0..2 {
        if b.get(p) == Some(&b'/') {
            p += 1;
        }
    }
    let ls = p + b[p..]
        .iter()
        .position(|c| matches!(c, b'/' | b'?' | b'#'))
        .unwrap_or(b.len() - p);
    let at = b[p..ls].iter().rposition(|c| *c == b'@').map(|i| p + i);
    let Some(at) = at else {
        return Received {
            user: None,
            password: None,
            target: url[p..].to_owned(),
        };
    };
    let auth = &b[p..at.min(p + FFMPEG_MAX_AUTH)];
    let target = url[at + 1..].to_owned();
    if auth.is_empty() {
        return Received {
            user: None,
            password: None,
            target,
        };
    }
    let decoded = ffmpeg_urldecode(auth);
    let (user, password) = match decoded.iter().position(|c| *c == b':') {
        Some(i) => (decoded[..i].to_vec(), Some(decoded[i + 1..].to_vec())),
        None => (decoded, None),
    };
    Received {
        user: Some(user),
        password,
        target,
    }
}

/// An input path from the file to the camera: [`frigate_input`], then [`ffmpeg_open`].
///
/// # Errors
/// As [`frigate_input`].
pub fn direct_input(path: &str, env: &[(&str, &str)]) -> Result<Received, String> {
    frigate_input(path, env).map(|url| ffmpeg_open(&url))
}

/// Sources Frigate's go2rtc start-up drops (unless `GO2RTC_ALLOW_ARBITRARY_EXEC`).
const RESTRICTED_SOURCES: [&str; 3] = ["echo:", "expr:", "exec:"];

/// A go2rtc stream source from the file to the camera: Frigate formats it once, go2rtc
/// expands `${VAR}` in its config text (any match may change it, so any match fails here),
/// then an `rtsp://` source is cut at its first `#` (go2rtc's options) and parsed by Go's
/// `net/url` ([`go_url_open`]); an `ffmpeg:rtsp://…` source becomes an ffmpeg command line
/// split at white space and quotes, so its URL must have neither, and ffmpeg opens it.
///
/// # Errors
/// Frigate's format error (go2rtc does not start), a dropped or unknown source, or what
/// Go's parser refuses.
pub fn go2rtc_source(source: &str, env: &[(&str, &str)]) -> Result<Received, String> {
    let s = py_format(source, env)?;
    if RESTRICTED_SOURCES.iter().any(|r| s.starts_with(r)) {
        return Err("echo:/expr:/exec: sources are dropped by Frigate".to_owned());
    }
    if has_go2rtc_env_var(&s) {
        return Err("go2rtc would expand a ${...} in the source".to_owned());
    }
    if let Some(input) = s.strip_prefix("ffmpeg:") {
        let url = input.split('#').next().unwrap_or_default();
        if !url.starts_with("rtsp://") {
            return Err("ffmpeg: source without an rtsp:// input".to_owned());
        }
        if url.contains([' ', '\t', '\n', '\r', '"', '\'']) {
            return Err("white space or a quote splits go2rtc's ffmpeg command line".to_owned());
        }
        return Ok(ffmpeg_open(url));
    }
    if !s.starts_with("rtsp://") {
        return Err("not an rtsp:// or ffmpeg: source".to_owned());
    }
    go_url_open(s.split('#').next().unwrap_or_default())
}

/// Does `s` hold a match of go2rtc's `\$\{([^}{]+)\}`?
fn has_go2rtc_env_var(s: &str) -> bool {
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        let body = &rest[i + 2..];
        if let Some(end) = body.find(['{', '}']) {
            if end > 0 && body.as_bytes()[end] == b'}' {
                return true;
            }
        }
        rest = &rest[i + 1..];
    }
    false
}

/// Go's `validUserinfo`: the characters `net/url` accepts raw in `user:password`.
fn go_userinfo_char(c: u8) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            b'-' | b'.'
                | b'_'
                | b':'
                | b'~'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b'%'
                | b'@'
        )
}

/// Go's `unescape` for user and password: `%XX` must be two hex digits; `+` stays.
fn go_unescape(s: &str) -> Result<Vec<u8>, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3).and_then(|h| {
                let h = std::str::from_utf8(h).ok()?;
                u8::from_str_radix(h, 16).ok().filter(|_| h.len() == 2)
            });
            let Some(v) = hex else {
                return Err("net/url: invalid URL escape".to_owned());
            };
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Ok(out)
}

/// Path or query characters Go's `URL.String()` writes back as they came (RFC 3986
/// unreserved, sub-delims, `:`, `@`, `/`, and valid `%XX`); anything else it would
/// re-escape, which the model does not follow.
fn go_keeps_path(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let ok = b
                    .get(i + 1..i + 3)
                    .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit));
                if !ok {
                    return false;
                }
                i += 3;
                continue;
            }
            c if c.is_ascii_alphanumeric() => {}
            b'-' | b'.' | b'_' | b'~' | b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+'
            | b',' | b';' | b'=' | b':' | b'@' | b'/' | b'?' => {}
            _ => return false,
        }
        i += 1;
    }
    true
}

/// What go2rtc's RTSP client makes of `url` (Go's `url.Parse`): no control bytes; the query
/// cut at the first `?`; the authority up to the first `/`; userinfo up to its last `@`,
/// only `go_userinfo_char`s, split at the first `:`, each unescaped. The target is
/// `host + path + ?query` as `URL.String()` writes them without the userinfo.
///
/// # Errors
/// What `url.Parse` refuses, or a path/host the model does not follow.
pub fn go_url_open(url: &str) -> Result<Received, String> {
    if url.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err("net/url: invalid control character in URL".to_owned());
    }
    let Some(rest) = url.strip_prefix("rtsp://") else {
        return Err("not rtsp://".to_owned());
    };
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (userinfo, host) = match authority.rfind('@') {
        Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
        None => (None, authority),
    };
    let (name, port) = host.rsplit_once(':').unwrap_or((host, ""));
    let host_ok = !name.is_empty()
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-'))
        && port.bytes().all(|c| c.is_ascii_digit());
    if !host_ok {
        return Err(format!("host {host:?} not modelled"));
    }
    if !go_keeps_path(path) || !query.is_none_or(go_keeps_path) {
        return Err("Go would re-escape the path or query".to_owned());
    }
    let target = match query {
        Some(q) => format!("{host}{path}?{q}"),
        None => format!("{host}{path}"),
    };
    let Some(userinfo) = userinfo else {
        return Ok(Received {
            user: None,
            password: None,
            target,
        });
    };
    if !userinfo.bytes().all(go_userinfo_char) {
        return Err("net/url: invalid userinfo".to_owned());
    }
    let (user, password) = match userinfo.split_once(':') {
        Some((u, p)) => (go_unescape(u)?, Some(go_unescape(p)?)),
        None => (go_unescape(userinfo)?, None),
    };
    Ok(Received {
        user: Some(user),
        password,
        target,
    })
}

/// An `EnvString` of Frigate (the MQTT user and password): one format pass.
///
/// # Errors
/// As [`py_format`].
pub fn env_string(s: &str, env: &[(&str, &str)]) -> Result<String, String> {
    py_format(s, env)
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
