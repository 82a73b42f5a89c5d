//! RTSP/1.0 framing: building requests and reading what a camera sends back on the TCP
//! connection — responses (status line, headers, body) and `$`-prefixed TCP-interleaved
//! RTP/RTCP frames (RFC 2326 §10.12).
//!
//! [`next_frame`] is a streaming reader: give it everything received so far, it answers
//! "need more bytes" (`Ok(None)`), one complete frame plus the bytes it used, or an error.
//! It is lenient where real cameras are sloppy (LF-only line ends, trailing blanks, stray
//! CRLF between messages, duplicate headers, folded lines, lines without a colon) and strict
//! on size: a header block over [`MAX_HEADER_BYTES`] or a body over the caller's `max_body`
//! is an error as soon as it is known, so a hostile peer cannot make the buffer grow.

/// Largest accepted header block (status line + headers + the blank line), in bytes.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// What went wrong reading a message from an RTSP peer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RtspError {
    /// No blank line within the header limit (an endless or oversized header block).
    #[error("RTSP header block exceeds the {limit}-byte limit")]
    HeaderTooLarge {
        /// The limit, [`MAX_HEADER_BYTES`].
        limit: usize,
    },
    /// Content-Length above the caller's `max_body`.
    #[error("RTSP body of {length} bytes exceeds the {limit}-byte limit")]
    BodyTooLarge {
        /// The announced Content-Length.
        length: usize,
        /// The caller's `max_body`.
        limit: usize,
    },
    /// The bytes start with neither `RTSP/` nor `$` (e.g. an HTTP server on port 554).
    #[error("not an RTSP response: starts with {start:?}")]
    NotRtsp {
        /// The first bytes, lossily decoded (at most 16).
        start: String,
    },
    /// The status line has no three-digit status code.
    #[error("bad RTSP status line {line:?}")]
    BadStatusLine {
        /// The line (at most 80 characters).
        line: String,
    },
    /// Content-Length is not a decimal number.
    #[error("bad RTSP Content-Length {value:?}")]
    BadContentLength {
        /// The header value (at most 80 characters).
        value: String,
    },
}

/// One thing read from an RTSP connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A response to one of our requests.
    Response(Response),
    /// A TCP-interleaved RTP or RTCP packet (`$`, channel, 16-bit length, payload).
    Interleaved {
        /// The interleaved channel (from the SETUP Transport `interleaved=` pair).
        channel: u8,
        /// The RTP/RTCP packet.
        payload: Vec<u8>,
    },
}

/// An RTSP response: status, headers in arrival order (names and values trimmed), body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Status code, e.g. 200, 401, 461.
    pub status: u16,
    /// Reason phrase as sent (may be empty).
    pub reason: String,
    /// Every header as `(name, value)`, duplicates kept, in order.
    pub headers: Vec<(String, String)>,
    /// The body (Content-Length bytes; empty without Content-Length).
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of header `name` (case-insensitive).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of header `name` (case-insensitive), in order; e.g. several
    /// `WWW-Authenticate` challenges.
    #[must_use]
    pub fn headers_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The CSeq header as a number, if present and numeric.
    #[must_use]
    pub fn cseq(&self) -> Option<u32> {
        self.header("CSeq")?.trim().parse().ok()
    }
}

/// Builds one RTSP/1.0 request: request line, `CSeq`, then `headers` in order, blank line.
///
/// CR and LF are removed from the method, URL and every header name and value, so a value
/// taken from a camera (a session id, a nonce) can never inject a header.
#[must_use]
pub fn request(method: &str, url: &str, cseq: u32, headers: &[(&str, &str)]) -> Vec<u8> {
    let clean = |s: &str| s.replace(['\r', '\n'], "");
    let mut out = format!(
        "{} {} RTSP/1.0\r\nCSeq: {cseq}\r\n",
        clean(method),
        clean(url)
    );
    for (name, value) in headers {
        out.push_str(&clean(name));
        out.push_str(": ");
        out.push_str(&clean(value));
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// Reads the next frame from the start of `buf`.
///
/// Returns `Ok(None)` when `buf` holds only part of a frame (read more and call again with
/// the longer buffer), or the frame and the number of bytes it used (including any stray
/// CR/LF before it). Bodies longer than `max_body` are refused from the header alone.
///
/// # Errors
///
/// [`RtspError::HeaderTooLarge`] when no blank line appears within [`MAX_HEADER_BYTES`],
/// [`RtspError::BodyTooLarge`], [`RtspError::NotRtsp`], [`RtspError::BadStatusLine`],
/// [`RtspError::BadContentLength`].
pub fn next_frame(buf: &[u8], max_body: usize) -> Result<Option<(Frame, usize)>, RtspError> {
    // Stray line ends between messages (some cameras end a body with an extra CRLF).
    let skip = buf
        .iter()
        .take_while(|b| **b == b'\r' || **b == b'\n')
        .count();
    let rest = &buf[skip..];
    match rest.first() {
        None => Ok(None),
        Some(b'$') => Ok(interleaved(rest).map(|(frame, used)| (frame, skip + used))),
        Some(_) => Ok(response(rest, max_body)?.map(|(r, used)| (Frame::Response(r), skip + used))),
    }
}

/// `$`, channel, big-endian u16 length, payload.
fn interleaved(buf: &[u8]) -> Option<(Frame, usize)> {
    let header = buf.get(..4)?;
    let len = usize::from(u16::from_be_bytes([header[2], header[3]]));
    let payload = buf.get(4..4 + len)?;
    let frame = Frame::Interleaved {
        channel: header[1],
        payload: payload.to_vec(),
    };
    Some((frame, 4 + len))
}

fn response(buf: &[u8], max_body: usize) -> Result<Option<(Response, usize)>, RtspError> {
    const MAGIC: &[u8] = b"RTSP/";
    let n = buf.len().min(MAGIC.len());
    if buf[..n] != MAGIC[..n] {
        return Err(RtspError::NotRtsp {
            start: String::from_utf8_lossy(&buf[..buf.len().min(16)]).into_owned(),
        });
    }
    let Some(head_len) = header_end(buf) else {
        return if buf.len() >= MAX_HEADER_BYTES {
            Err(RtspError::HeaderTooLarge {
                limit: MAX_HEADER_BYTES,
            })
        } else {
            Ok(None)
        };
    };
    let head = String::from_utf8_lossy(&buf[..head_len]);
    let mut lines = head.split('\n').map(|l| l.trim_end_matches('\r'));
    let status_line = lines.next().unwrap_or_default();
    let (status, reason) = parse_status_line(status_line)?;
    let headers = parse_headers(lines);
    let length = match headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("Content-Length"))
    {
        None => 0,
        Some((_, v)) => v
            .parse::<usize>()
            .map_err(|_| RtspError::BadContentLength {
                value: v.chars().take(80).collect(),
            })?,
    };
    if length > max_body {
        return Err(RtspError::BodyTooLarge {
            length,
            limit: max_body,
        });
    }
    let Some(body) = buf.get(head_len..head_len + length) else {
        return Ok(None);
    };
    let response = Response {
        status,
        reason,
        headers,
        body: body.to_vec(),
    };
    Ok(Some((response, head_len + length)))
}

/// Length of the header block including its blank line (`\n\n` or `\n\r\n`), if it ends
/// within [`MAX_HEADER_BYTES`].
fn header_end(buf: &[u8]) -> Option<usize> {
    let window = &buf[..buf.len().min(MAX_HEADER_BYTES)];
    window.iter().enumerate().find_map(|(i, b)| {
        if *b != b'\n' {
            return None;
        }
        match window.get(i + 1..) {
            Some([b'\n', ..]) => Some(i + 2),
            Some([b'\r', b'\n', ..]) => Some(i + 3),
            _ => None,
        }
    })
}

/// `RTSP/1.0 200 OK` → (200, "OK"). The reason may be missing.
fn parse_status_line(line: &str) -> Result<(u16, String), RtspError> {
    let bad = || RtspError::BadStatusLine {
        line: line.chars().take(80).collect(),
    };
    let mut parts = line.trim().splitn(3, ' ');
    let _version = parts.next().ok_or_else(bad)?;
    let code = parts.next().ok_or_else(bad)?;
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let status = code.parse().map_err(|_| bad())?;
    Ok((status, parts.next().unwrap_or("").trim().to_string()))
}

/// Header lines up to the blank line: `Name: value`, trimmed; a line starting with a blank
/// continues the previous value (obsolete folding); a line without a colon is ignored.
fn parse_headers<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.trim().is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::rtsp::fixtures::FIXTURES;

    /// Reads a whole buffer frame by frame; panics if bytes remain or an error occurs.
    fn read_all(bytes: &[u8]) -> Vec<Frame> {
        let mut frames = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            match next_frame(&bytes[at..], 1 << 20) {
                Ok(Some((frame, used))) => {
                    assert!(used > 0 && at + used <= bytes.len());
                    frames.push(frame);
                    at += used;
                }
                other => panic!("at {at}: {other:?}"),
            }
        }
        frames
    }

    fn only_response(bytes: &[u8]) -> Response {
        match next_frame(bytes, 1 << 20) {
            Ok(Some((Frame::Response(r), used))) => {
                assert_eq!(used, bytes.len());
                r
            }
            other => panic!("{other:?}"),
        }
    }

    /// Every fixture captured from the lab's real servers parses completely: all bytes
    /// consumed, nothing left over (responses with bodies and interleaved RTP/RTCP alike).
    #[test]
    fn every_fixture_parses_completely() {
        for (name, bytes) in FIXTURES {
            if name.ends_with("_request.txt") {
                continue;
            }
            let frames = read_all(bytes);
            assert!(!frames.is_empty(), "{name}");
            if !name.ends_with("_interleaved.txt") {
                assert_eq!(frames.len(), 1, "{name}");
                assert!(matches!(frames[0], Frame::Response(_)), "{name}");
            }
        }
    }

    /// A TCP read can stop anywhere: every prefix of a fixture is "need more" or the very
    /// same first frame (never an error, never a panic, never a different answer).
    #[test]
    fn every_prefix_is_none_or_the_same_frame() {
        for (name, bytes) in FIXTURES {
            if name.ends_with("_request.txt") {
                continue;
            }
            let full = next_frame(bytes, 1 << 20);
            for end in 0..bytes.len() {
                let part = next_frame(&bytes[..end], 1 << 20);
                assert!(
                    part == Ok(None) || part == full,
                    "{name} prefix {end}: {part:?}"
                );
            }
        }
    }

    /// gst-rtsp-server's 200 to DESCRIBE: Content-Base and an SDP body of Content-Length.
    #[test]
    fn gst_describe_has_body_and_content_base() {
        let r = only_response(include_bytes!("testdata/hikvision_gst_describe.txt"));
        assert_eq!((r.status, r.reason.as_str()), (200, "OK"));
        assert_eq!(r.cseq(), Some(3));
        assert_eq!(r.header("content-type"), Some("application/sdp"));
        assert_eq!(
            r.header("CONTENT-BASE"),
            Some("rtsp://10.77.0.101:554/Streaming/Channels/101/")
        );
        assert_eq!(r.body.len(), 529);
        assert!(r.body.starts_with(b"v=0\r\n"));
    }

    /// npm rtsp-streaming-server answers OPTIONS without `Public:`; it sends a header
    /// literally named `OPTIONS` instead. It still parses, and `Public` is simply absent.
    #[test]
    fn rtsp_streaming_server_odd_options_reply() {
        let r = only_response(include_bytes!("testdata/uniview_rtspserver_options.txt"));
        assert_eq!(r.status, 200);
        assert_eq!(r.header("Public"), None);
        assert_eq!(r.header("options"), Some("DESCRIBE SETUP PLAY STOP"));
    }

    /// npm rtsp-streaming-server refuses TCP-interleaved SETUP with 461 (UDP only).
    #[test]
    fn rtsp_streaming_server_461_on_tcp_setup() {
        let r = only_response(include_bytes!(
            "testdata/uniview_rtspserver_setup_tcp_461.txt"
        ));
        assert_eq!(
            (r.status, r.reason.as_str()),
            (461, "Unsupported Transport")
        );
        assert!(r.body.is_empty());
    }

    /// ipycam's native server: Session carries `;timeout=60`; interleaved data starts with
    /// an RTCP sender report on channel 1 before RTP on channel 0.
    #[test]
    fn ipycam_setup_and_interleaved_channels() {
        let r = only_response(include_bytes!("testdata/hikvision_ipycam_setup_tcp.txt"));
        assert_eq!(r.header("Session"), Some("4bb2bc0f433013ba;timeout=60"));
        let frames = read_all(include_bytes!("testdata/hikvision_ipycam_interleaved.txt"));
        let channels: Vec<u8> = frames
            .iter()
            .map(|f| match f {
                Frame::Interleaved { channel, .. } => *channel,
                Frame::Response(_) => 255,
            })
            .collect();
        assert_eq!(channels, [1, 0, 0]);
    }

    /// Cameras send `CSeq: 2 ` with trailing blanks, LF-only line ends and duplicate headers;
    /// a folded continuation line joins the previous value; a colon-less line is skipped.
    #[test]
    fn lenient_headers() {
        let raw = b"RTSP/1.0 401 Unauthorized\nCSeq: 2   \nWWW-Authenticate: Basic realm=\"a\"\n\
            WWW-Authenticate: Digest realm=\"a\",\n  nonce=\"n\"\ngarbage line\nContent-Length:  2 \n\nok";
        let r = only_response(raw);
        assert_eq!(r.cseq(), Some(2));
        let all = r.headers_all("www-authenticate");
        assert_eq!(
            all,
            ["Basic realm=\"a\"", "Digest realm=\"a\", nonce=\"n\""]
        );
        assert_eq!(r.body, b"ok");
    }

    /// A status line without a reason phrase, and stray CRLF before a response, are fine.
    #[test]
    fn missing_reason_and_stray_crlf() {
        let raw = b"\r\n\r\nRTSP/1.0 200\r\nCSeq: 9\r\n\r\n";
        let Ok(Some((Frame::Response(r), used))) = next_frame(raw, 0) else {
            panic!("no response")
        };
        assert_eq!((r.status, r.reason.as_str(), used), (200, "", raw.len()));
    }

    /// An endless header block is an error once it passes 16 KiB, not unbounded growth;
    /// a complete header block longer than 16 KiB is refused too.
    #[test]
    fn header_limit() {
        let mut endless = b"RTSP/1.0 200 OK\r\n".to_vec();
        while endless.len() < MAX_HEADER_BYTES - 20 {
            endless.extend_from_slice(b"X-Pad: aaaaaaaaaaaa\r\n");
        }
        assert_eq!(next_frame(&endless, 1024), Ok(None));
        endless.extend_from_slice(&[b'a'; 64]);
        let limit = Err(RtspError::HeaderTooLarge {
            limit: MAX_HEADER_BYTES,
        });
        assert_eq!(next_frame(&endless, 1024), limit);
        endless.extend_from_slice(b"\r\n\r\n");
        assert_eq!(next_frame(&endless, 1024), limit);
    }

    /// A 10 MB SDP is refused from its Content-Length alone, before any body arrives.
    #[test]
    fn body_limit() {
        let raw = b"RTSP/1.0 200 OK\r\nCSeq: 3\r\nContent-Length: 10000000\r\n\r\nv=0";
        let err = next_frame(raw, 64 * 1024);
        assert_eq!(
            err,
            Err(RtspError::BodyTooLarge {
                length: 10_000_000,
                limit: 65536
            })
        );
        assert!(err.unwrap_err().to_string().contains("65536-byte limit"));
        let bad = b"RTSP/1.0 200 OK\r\nContent-Length: -1\r\n\r\n";
        assert!(matches!(
            next_frame(bad, 10),
            Err(RtspError::BadContentLength { .. })
        ));
    }

    /// An HTTP server on port 554 (the lab's noise host) is not RTSP; neither is a status
    /// line without a numeric code.
    #[test]
    fn not_rtsp() {
        assert!(matches!(
            next_frame(b"HTTP/1.1 400 Bad Request\r\n\r\n", 10),
            Err(RtspError::NotRtsp { .. })
        ));
        assert_eq!(next_frame(b"RTS", 10), Ok(None));
        assert!(matches!(
            next_frame(b"RTSP/1.0 OK\r\n\r\n", 10),
            Err(RtspError::BadStatusLine { .. })
        ));
    }

    /// An interleaved frame split across reads waits for its full length.
    #[test]
    fn interleaved_split() {
        let raw = [b'$', 1, 0, 3, 0x80, 0xc8, 0x00, b'R'];
        assert_eq!(next_frame(&raw[..6], 10), Ok(None));
        let Ok(Some((Frame::Interleaved { channel, payload }, 7))) = next_frame(&raw, 10) else {
            panic!("no frame")
        };
        assert_eq!((channel, payload), (1, vec![0x80, 0xc8, 0x00]));
    }

    /// Requests: CSeq first, headers in order, CRLF everywhere; CR/LF in values removed.
    #[test]
    fn request_bytes() {
        let r = request(
            "SETUP",
            "rtsp://h/s/stream=0",
            4,
            &[
                ("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1"),
                ("Session", "a\r\nX: y"),
            ],
        );
        assert_eq!(
            r,
            b"SETUP rtsp://h/s/stream=0 RTSP/1.0\r\nCSeq: 4\r\n\
              Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\nSession: aX: y\r\n\r\n"
        );
    }
}
