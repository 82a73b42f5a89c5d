//! What playing one RTSP URL comes to: the stream seen ([`Playable`]), or why not
//! ([`ProbeError`], one line naming host, port and phase), the limits it ran under
//! ([`Timeouts`]), and the URL split into host, port and the URL without userinfo.
use serde::Serialize;
use std::io;
use std::time::Duration;

/// Limits per phase: `connect` for the TCP handshake, `phase` for each request/answer and
/// for the first RTP packet after PLAY.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    pub phase: Duration,
}

pub use crate::model::{Stream, Transport};

/// A stream that was seen to play, and what it cost (serialised flat:
/// `{url, codec, width, height, transport, requests}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Playable {
    #[serde(flatten)]
    pub stream: Stream,
    /// RTSP requests sent, including retries with credentials: by `probe`, all on its
    /// connection; in a [`super::prober::HostReport`], those for this path (DESCRIBE on).
    pub requests: u32,
}

/// Why a URL did not play. Displays as one line naming host, port and phase.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProbeError {
    #[error("rtsp url {0:?}: not rtsp://host[:port]/path")]
    BadUrl(String),
    #[error("rtsp {host}:{port} {phase}: {source}")]
    Io {
        host: String,
        port: u16,
        phase: &'static str,
        #[source]
        source: io::Error,
    },
    #[error("rtsp {host}:{port} {phase}: no answer within {secs:.1} s")]
    Timeout {
        host: String,
        port: u16,
        phase: &'static str,
        secs: f64,
    },
    /// 401: the path exists; these credentials (or none) are not accepted.
    #[error("rtsp {host}:{port} {phase}: 401 unauthorized ({})", if *.with_credentials { "credentials refused" } else { "credentials needed" })]
    Unauthorized {
        host: String,
        port: u16,
        phase: &'static str,
        with_credentials: bool,
    },
    #[error("rtsp {host}:{port} {phase}: {status} {reason}")]
    Status {
        host: String,
        port: u16,
        phase: &'static str,
        status: u16,
        reason: String,
    },
    #[error("rtsp {host}:{port} {phase}: {detail}")]
    Protocol {
        host: String,
        port: u16,
        phase: &'static str,
        detail: String,
    },
}

/// `rtsp://[user[:pass]@]host[:port]/path` → (host, port, URL without userinfo).
pub fn split_url(url: &str) -> Option<(String, u16, String)> {
    let rest = url.strip_prefix("rtsp://")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (h, p.parse().ok()?),
        _ => (hostport, 554),
    };
    if host.is_empty() || host == "[]" {
        return None;
    }
    Some((host.to_string(), port, format!("rtsp://{hostport}{path}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_credentials_and_get_a_default_port() {
        assert_eq!(
            split_url("rtsp://admin:pw@10.0.0.5/cam/realmonitor?channel=1&subtype=0"),
            Some((
                "10.0.0.5".into(),
                554,
                "rtsp://10.0.0.5/cam/realmonitor?channel=1&subtype=0".into()
            ))
        );
        assert_eq!(
            split_url("rtsp://10.0.0.5:8554/stream1"),
            Some((
                "10.0.0.5".into(),
                8554,
                "rtsp://10.0.0.5:8554/stream1".into()
            ))
        );
        assert_eq!(split_url("http://10.0.0.5/"), None);
        assert_eq!(split_url("rtsp:///x"), None);
        assert_eq!(split_url("rtsp://10.0.0.5:99999/x"), None);
    }
}
