//! The little HTTP/1.x the health endpoint and `camera-detector health` speak, as pure
//! functions over bytes: the request head (bounded, garbage refused at its first bad
//! byte), routing to a response, the response's bytes, a response's status and body, and
//! an `http://host:port/path` URL. No sockets here ([`super::server`], [`super::client`]).
use super::Verdict;
use crate::publish::MetricsSnapshot;

/// A request head larger than this is refused (431) without reading more.
pub const MAX_HEAD: usize = 8 * 1024;

/// What the bytes received so far are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Head {
    /// No full head yet; read more (within the deadline).
    Incomplete,
    /// A complete request line (headers are read and ignored).
    Request { method: String, path: String },
    /// Not HTTP/1.x: answer 400 and close.
    Bad(&'static str),
    /// No end of head within [`MAX_HEAD`] bytes: answer 431 and close.
    TooLarge,
}

fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Parses the request head in `buf` (everything received so far).
#[must_use]
pub fn parse_request(buf: &[u8]) -> Head {
    // Garbage is refused as soon as it shows: the method must be a token followed by a
    // space, within the first 16 bytes.
    let method_end = buf.iter().position(|&b| b == b' ');
    let scanned = method_end.unwrap_or(buf.len());
    if !buf[..scanned].iter().all(|&b| is_token(b)) || method_end == Some(0) || scanned > 16 {
        return Head::Bad("not an HTTP request line");
    }
    let end = find(buf, b"\r\n\r\n").or_else(|| find(buf, b"\n\n"));
    let Some(end) = end else {
        return if buf.len() >= MAX_HEAD {
            Head::TooLarge
        } else {
            Head::Incomplete
        };
    };
    if end > MAX_HEAD {
        return Head::TooLarge;
    }
    let line_end = buf.iter().position(|&b| b == b'\n').unwrap_or(end);
    let Ok(line) = std::str::from_utf8(&buf[..line_end]) else {
        return Head::Bad("request line is not UTF-8");
    };
    let mut parts = line.trim_end_matches('\r').split(' ');
    let (Some(method), Some(path), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Head::Bad("request line is not METHOD PATH VERSION");
    };
    if !path.starts_with('/') || !matches!(version, "HTTP/1.0" | "HTTP/1.1") {
        return Head::Bad("not an HTTP/1.x request for a path");
    }
    Head::Request {
        method: method.to_owned(),
        path: path.to_owned(),
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A response: status code, reason, content type, body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub code: u16,
    pub reason: &'static str,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    /// HEAD: headers only.
    pub head_only: bool,
}

impl Response {
    fn text(code: u16, reason: &'static str, body: &str) -> Self {
        Response {
            code,
            reason,
            content_type: "text/plain; charset=utf-8",
            body: format!("{body}\n").into_bytes(),
            head_only: false,
        }
    }

    /// The bytes on the wire (`Connection: close`: one request per connection).
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
            self.code,
            self.reason,
            self.content_type,
            self.body.len()
        )
        .into_bytes();
        if !self.head_only {
            out.extend_from_slice(&self.body);
        }
        out
    }
}

/// The answer to a parsed head. `verdict`/`metrics` are asked only for their paths.
pub fn route(
    head: &Head,
    verdict: impl FnOnce() -> Verdict,
    metrics: impl FnOnce() -> (Verdict, MetricsSnapshot),
) -> Response {
    let (method, path) = match head {
        Head::Request { method, path } => (method.as_str(), path.as_str()),
        Head::Bad(why) => return Response::text(400, "Bad Request", why),
        Head::TooLarge => {
            return Response::text(431, "Request Header Fields Too Large", "request too large")
        }
        Head::Incomplete => return Response::text(408, "Request Timeout", "request incomplete"),
    };
    let path = path.split('?').next().unwrap_or(path);
    let head_only = method == "HEAD";
    if method != "GET" && !head_only {
        return Response::text(405, "Method Not Allowed", "GET or HEAD only");
    }
    let mut r = match path {
        "/health" | "/healthz" => {
            let v = verdict();
            let (code, reason) = if v.healthy {
                (200, "OK")
            } else {
                (503, "Service Unavailable")
            };
            Response {
                code,
                reason,
                content_type: "application/json",
                body: serde_json::to_vec(&v).unwrap_or_default(),
                head_only: false,
            }
        }
        "/metrics" => {
            let (v, m) = metrics();
            Response {
                code: 200,
                reason: "OK",
                content_type: "text/plain; version=0.0.4; charset=utf-8",
                body: prometheus(&v, &m).into_bytes(),
                head_only: false,
            }
        }
        _ => Response::text(404, "Not Found", "try /health or /metrics"),
    };
    r.head_only = head_only;
    r
}

/// The verdict and the publisher's counters in Prometheus text format.
#[must_use]
pub fn prometheus(v: &Verdict, m: &MetricsSnapshot) -> String {
    let gauges: [(&str, &str, u64); 6] = [
        (
            "healthy",
            "1 when GET /health answers 200",
            u64::from(v.healthy),
        ),
        (
            "mqtt_connected",
            "1 while the MQTT session is up",
            u64::from(m.connected),
        ),
        ("cameras", "cameras known", v.cameras as u64),
        ("cameras_online", "cameras online", v.online as u64),
        (
            "mqtt_queue_depth",
            "messages waiting for the broker",
            m.queue_depth,
        ),
        (
            "uptime_seconds",
            "seconds since the service started",
            v.uptime_s,
        ),
    ];
    let counters: [(&str, &str, u64); 8] = [
        (
            "mqtt_published_total",
            "messages the broker acknowledged",
            m.published,
        ),
        (
            "mqtt_dropped_total",
            "messages dropped, any reason",
            m.dropped(),
        ),
        (
            "mqtt_dropped_oversized_total",
            "messages over MQTT_MAX_PAYLOAD",
            m.dropped_oversized,
        ),
        (
            "mqtt_dropped_quarantined_total",
            "poison messages quarantined",
            m.dropped_quarantined,
        ),
        (
            "mqtt_reconnects_total",
            "successful connects after the first",
            m.reconnects,
        ),
        (
            "mqtt_connect_failures_total",
            "failed connects",
            m.connect_failures,
        ),
        (
            "mqtt_connection_losses_total",
            "sessions lost",
            m.connection_losses,
        ),
        (
            "mqtt_short_sessions_total",
            "sessions lost within seconds of CONNACK",
            m.short_sessions,
        ),
    ];
    let mut out = String::new();
    let mut emit = |kind: &str, name: &str, help: &str, value: u64| {
        out.push_str(&format!(
            "# HELP camera_detector_{name} {help}\n# TYPE camera_detector_{name} {kind}\ncamera_detector_{name} {value}\n"
        ));
    };
    for (name, help, value) in gauges {
        emit("gauge", name, help, value);
    }
    for (name, help, value) in counters {
        emit("counter", name, help, value);
    }
    out
}

/// Status code and body of a complete response (read until the server closed).
///
/// # Errors
/// Not an HTTP/1.x response, in one line.
pub fn parse_response(buf: &[u8]) -> Result<(u16, Vec<u8>), String> {
    let end = find(buf, b"\r\n\r\n").ok_or("no complete HTTP response head")?;
    let head = std::str::from_utf8(&buf[..end]).map_err(|_| "response head is not UTF-8")?;
    let status = head.lines().next().unwrap_or_default();
    let mut parts = status.splitn(3, ' ');
    let (Some(version), Some(code)) = (parts.next(), parts.next()) else {
        return Err(format!("bad status line {status:?}"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(format!("bad status line {status:?}"));
    }
    let code: u16 = code
        .parse()
        .map_err(|_| format!("bad status line {status:?}"))?;
    let mut body = buf[end + 4..].to_vec();
    let length = head.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| v.trim().parse::<usize>().ok())?
    });
    if let Some(n) = length {
        if body.len() < n {
            return Err(format!(
                "response body cut short ({} of {n} bytes)",
                body.len()
            ));
        }
        body.truncate(n);
    }
    Ok((code, body))
}

/// `http://host:port/path` → (host, port, path); the port defaults to 80, the path to `/`.
///
/// # Errors
/// Not such a URL (https is not spoken here), in one line.
pub fn parse_url(url: &str) -> Result<(String, u16, String), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{url}: only http:// URLs are supported"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, after) = v6
            .split_once(']')
            .ok_or_else(|| format!("{url}: unclosed [ in the host"))?;
        (h, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err(format!("{url}: no host"));
    }
    let port = match port {
        None => 80,
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| format!("{url}: bad port {p:?}"))?,
    };
    Ok((host.to_owned(), port, path.to_owned()))
}

#[cfg(test)]
#[path = "http_tests.rs"]
mod tests;
