//! The thin socket shell around the RTSP codec: proves that one URL plays. OPTIONS,
//! DESCRIBE (answering the challenge the server sends; Basic only when it asks for it),
//! SETUP over TCP-interleaved (UDP when the server answers 461), PLAY until the first RTP
//! packet of the video track, TEARDOWN. Every socket operation has a timeout; every error
//! names host, port and phase, and never a password (URLs here carry no userinfo).
use super::{
    authorization, control_url, h264_sps_resolution, h265_sps_resolution, next_frame,
    parse_challenges, parse_sdp, pick, request, rtp_payload_type, Challenge, Codec, Frame,
    Response,
};
use serde::Serialize;
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs, UdpSocket};
use std::time::{Duration, Instant};

/// Largest DESCRIBE body accepted (real SDPs are a few KiB).
const MAX_BODY: usize = 64 * 1024;

/// Limits per phase: `connect` for the TCP handshake, `phase` for each request/answer and
/// for the first RTP packet after PLAY.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    pub phase: Duration,
}

/// How the RTP arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    Tcp,
    Udp,
}

/// A stream that was seen to play.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Playable {
    /// The URL without credentials.
    pub url: String,
    pub codec: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub transport: Transport,
    /// RTSP requests sent, including retries with credentials.
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

/// Plays `url` far enough to see RTP, with `cred` (user, password) if the server asks.
///
/// # Errors
/// See [`ProbeError`]; `Unauthorized { with_credentials: true }` means wrong credentials.
pub fn probe(url: &str, cred: Option<(&str, &str)>, t: &Timeouts) -> Result<Playable, ProbeError> {
    let (host, port, url) = split_url(url).ok_or_else(|| ProbeError::BadUrl(url.to_string()))?;
    let mut c = Conn::open(&host, port, cred, t)?;
    c.ask("OPTIONS", &url, &[])?;
    let d = c.ask("DESCRIBE", &url, &[("Accept", "application/sdp")])?;
    let sdp = parse_sdp(&d.body).map_err(|e| c.protocol("DESCRIBE", e.to_string()))?;
    let media = sdp
        .media
        .iter()
        .find(|m| m.kind == "video")
        .ok_or_else(|| c.protocol("DESCRIBE", "no video track in the SDP".into()))?;
    let codec = media.codec();
    let size = media.sps().and_then(|sps| match codec {
        Codec::H264 => h264_sps_resolution(&sps),
        Codec::H265 => h265_sps_resolution(&sps),
        _ => None,
    });
    let base = d.header("Content-Base").or(d.header("Content-Location"));
    let track = control_url(&url, base, media.control.as_deref());
    // PLAY/TEARDOWN go to the aggregate URL (RFC 2326 C.1.1), which is not always the
    // request URL (gst-rtsp-server answers 404 for a query-string URL there).
    let aggregate = control_url(&url, base, sdp.control.as_deref());

    // Every track is set up (video first, on interleaved channel 0): gst-rtsp-server
    // refuses an aggregate PLAY while a track is left out (the lab's Dahua with audio).
    let (transport, udp) = c.setup(&track, 0, None)?;
    let mut keep = Vec::new(); // UDP sockets of the other tracks stay open until TEARDOWN
    for (i, m) in sdp
        .media
        .iter()
        .filter(|m| !std::ptr::eq(*m, media))
        .enumerate()
    {
        let other = control_url(&url, base, m.control.as_deref());
        let (_, sock) = c.setup(&other, 2 * (i as u8 + 1), Some(transport))?;
        keep.extend(sock);
    }
    let session = c.session.clone().unwrap_or_default();
    c.ask(
        "PLAY",
        &aggregate,
        &[("Session", &session), ("Range", "npt=0.000-")],
    )?;
    match &udp {
        None => c.first_interleaved_rtp()?,
        Some(sock) => c.first_udp_rtp(sock)?,
    }
    c.teardown(&aggregate, &session);
    Ok(Playable {
        url,
        codec: format!("{codec:?}").to_lowercase(),
        width: size.map(|s| s.0),
        height: size.map(|s| s.1),
        transport,
        requests: c.requests,
    })
}

struct Conn<'a> {
    stream: TcpStream,
    buf: Vec<u8>,
    host: String,
    port: u16,
    cred: Option<(&'a str, &'a str)>,
    challenge: Option<Challenge>,
    nc: u32,
    cseq: u32,
    requests: u32,
    session: Option<String>,
    /// Interleaved channel of the video RTP, from the SETUP answer.
    rtp_channel: u8,
    t: Timeouts,
}

/// `interleaved=a-b` in a Transport header → a.
fn interleaved(transport: &str) -> Option<u8> {
    let v = transport
        .split(';')
        .find_map(|p| p.trim().strip_prefix("interleaved="))?;
    v.split('-').next()?.trim().parse().ok()
}

impl<'a> Conn<'a> {
    fn open(
        host: &str,
        port: u16,
        cred: Option<(&'a str, &'a str)>,
        t: &Timeouts,
    ) -> Result<Self, ProbeError> {
        let io = |source| ProbeError::Io {
            host: host.to_string(),
            port,
            phase: "connect",
            source,
        };
        let addr = (host, port)
            .to_socket_addrs()
            .map_err(io)?
            .next()
            .ok_or_else(|| io(io::Error::new(io::ErrorKind::NotFound, "no address")))?;
        let stream = TcpStream::connect_timeout(&addr, t.connect).map_err(io)?;
        let _ = stream.set_nodelay(true);
        stream.set_write_timeout(Some(t.phase)).map_err(io)?;
        Ok(Conn {
            stream,
            buf: Vec::with_capacity(4096),
            host: host.to_string(),
            port,
            cred,
            challenge: None,
            nc: 0,
            cseq: 0,
            requests: 0,
            session: None,
            rtp_channel: 0,
            t: *t,
        })
    }

    fn protocol(&self, phase: &'static str, detail: String) -> ProbeError {
        ProbeError::Protocol {
            host: self.host.clone(),
            port: self.port,
            phase,
            detail,
        }
    }

    /// Sends a request and returns a 2xx answer; answers one 401 with credentials.
    fn ask(
        &mut self,
        method: &'static str,
        uri: &str,
        headers: &[(&str, &str)],
    ) -> Result<Response, ProbeError> {
        let mut r = self.exchange(method, uri, headers)?;
        if r.status == 401 && self.challenge.is_none() {
            let challenges = parse_challenges(&r.headers_all("WWW-Authenticate"));
            let Some((ch, _)) = pick(&challenges).cloned().zip(self.cred) else {
                return Err(self.unauthorized(method, false));
            };
            self.challenge = Some(ch);
            r = self.exchange(method, uri, headers)?;
        }
        match r.status {
            200..=299 => Ok(r),
            401 => Err(self.unauthorized(method, self.cred.is_some())),
            status => Err(ProbeError::Status {
                host: self.host.clone(),
                port: self.port,
                phase: method,
                status,
                reason: r.reason,
            }),
        }
    }

    fn unauthorized(&self, phase: &'static str, with_credentials: bool) -> ProbeError {
        ProbeError::Unauthorized {
            host: self.host.clone(),
            port: self.port,
            phase,
            with_credentials,
        }
    }

    fn exchange(
        &mut self,
        method: &'static str,
        uri: &str,
        headers: &[(&str, &str)],
    ) -> Result<Response, ProbeError> {
        self.cseq += 1;
        self.requests += 1;
        let mut all: Vec<(&str, &str)> = vec![("User-Agent", "camera-detector")];
        all.extend_from_slice(headers);
        // Once the server gave a session, every request carries it (a SETUP without it
        // would open a second session on gst-rtsp-server).
        let session = self.session.clone();
        if let Some(s) = session.as_deref() {
            if !all.iter().any(|(k, _)| k.eq_ignore_ascii_case("Session")) {
                all.push(("Session", s));
            }
        }
        let auth;
        if let (Some(ch), Some((user, pass))) = (&self.challenge, self.cred) {
            self.nc += 1;
            let cnonce = format!("{:016x}", fastrand::u64(..));
            auth = authorization(ch, user, pass, method, uri, &cnonce, self.nc);
            all.push(("Authorization", &auth));
        }
        let bytes = request(method, uri, self.cseq, &all);
        self.stream
            .write_all(&bytes)
            .map_err(|source| ProbeError::Io {
                host: self.host.clone(),
                port: self.port,
                phase: method,
                source,
            })?;
        loop {
            match self.next(method)? {
                Frame::Response(r) if r.cseq().map_or(true, |c| c == self.cseq) => {
                    if let Some(s) = r.header("Session") {
                        self.session = Some(s.split(';').next().unwrap_or(s).trim().to_string());
                    }
                    return Ok(r);
                }
                _ => continue, // interleaved data or a stale answer
            }
        }
    }

    /// The next frame, reading with the phase timeout.
    fn next(&mut self, phase: &'static str) -> Result<Frame, ProbeError> {
        let deadline = Instant::now() + self.t.phase;
        let mut chunk = [0u8; 8192];
        loop {
            match next_frame(&self.buf, MAX_BODY)
                .map_err(|e| self.protocol(phase, e.to_string()))?
            {
                Some((f, used)) => {
                    self.buf.drain(..used);
                    return Ok(f);
                }
                None => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(self.timeout(phase));
                    }
                    let _ = self.stream.set_read_timeout(Some(left));
                    match self.stream.read(&mut chunk) {
                        Ok(0) => return Err(self.protocol(phase, "connection closed".into())),
                        Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                        Err(e)
                            if matches!(
                                e.kind(),
                                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                            ) =>
                        {
                            return Err(self.timeout(phase))
                        }
                        Err(source) => {
                            return Err(ProbeError::Io {
                                host: self.host.clone(),
                                port: self.port,
                                phase,
                                source,
                            })
                        }
                    }
                }
            }
        }
    }

    fn timeout(&self, phase: &'static str) -> ProbeError {
        ProbeError::Timeout {
            host: self.host.clone(),
            port: self.port,
            phase,
            secs: self.t.phase.as_secs_f64(),
        }
    }

    /// SETUP of one track: TCP-interleaved on `channel`, or UDP when the server refuses
    /// TCP with 461 (or when an earlier track went UDP: `fixed`).
    fn setup(
        &mut self,
        track: &str,
        channel: u8,
        fixed: Option<Transport>,
    ) -> Result<(Transport, Option<UdpSocket>), ProbeError> {
        if fixed != Some(Transport::Udp) {
            let tcp = format!(
                "RTP/AVP/TCP;unicast;interleaved={channel}-{}",
                channel.saturating_add(1)
            );
            match self.ask("SETUP", track, &[("Transport", &tcp)]) {
                Ok(r) => {
                    // The server may pick other channels than asked: its Transport rules.
                    if channel == 0 {
                        self.rtp_channel = r.header("Transport").and_then(interleaved).unwrap_or(0);
                    }
                    return Ok((Transport::Tcp, None));
                }
                Err(ProbeError::Status { status: 461, .. }) if fixed.is_none() => {}
                Err(e) => return Err(e),
            }
        }
        let io = |source| ProbeError::Io {
            host: self.host.clone(),
            port: self.port,
            phase: "SETUP",
            source,
        };
        let rtp = UdpSocket::bind("0.0.0.0:0").map_err(io)?;
        let p = rtp.local_addr().map_err(io)?.port();
        let transport = format!("RTP/AVP;unicast;client_port={p}-{}", p.wrapping_add(1));
        self.ask("SETUP", track, &[("Transport", &transport)])?;
        Ok((Transport::Udp, Some(rtp)))
    }

    fn first_interleaved_rtp(&mut self) -> Result<(), ProbeError> {
        let deadline = Instant::now() + self.t.phase;
        while Instant::now() < deadline {
            if let Frame::Interleaved {
                channel: 0,
                payload,
            } = self.next("RTP")?
            {
                if rtp_payload_type(&payload).is_some() {
                    return Ok(());
                }
            }
        }
        Err(self.timeout("RTP"))
    }

    fn first_udp_rtp(&mut self, sock: &UdpSocket) -> Result<(), ProbeError> {
        let deadline = Instant::now() + self.t.phase;
        let mut pkt = [0u8; 2048];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(self.timeout("RTP"));
            }
            let _ = sock.set_read_timeout(Some(left));
            match sock.recv_from(&mut pkt) {
                Ok((n, _)) if rtp_payload_type(&pkt[..n]).is_some() => return Ok(()),
                Ok(_) => continue,
                Err(_) => return Err(self.timeout("RTP")),
            }
        }
    }

    /// Best effort: one short attempt, errors ignored.
    fn teardown(&mut self, url: &str, session: &str) {
        self.t.phase = self.t.phase.min(Duration::from_millis(500));
        let _ = self.exchange("TEARDOWN", url, &[("Session", session)]);
    }
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

    #[test]
    fn the_interleaved_channel_comes_from_the_transport_header() {
        assert_eq!(
            interleaved("RTP/AVP/TCP;unicast;interleaved=2-3;ssrc=1"),
            Some(2)
        );
        assert_eq!(interleaved("RTP/AVP;unicast;client_port=5000-5001"), None);
    }

    #[test]
    fn a_refused_connection_names_host_port_and_phase() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        let t = Timeouts {
            connect: Duration::from_millis(500),
            phase: Duration::from_millis(500),
        };
        let e = probe(&format!("rtsp://127.0.0.1:{port}/x"), None, &t).unwrap_err();
        assert!(
            e.to_string()
                .starts_with(&format!("rtsp 127.0.0.1:{port} connect:")),
            "{e}"
        );
    }
}
