//! One RTSP/TCP connection to a camera, driven phase by phase and reusable: several
//! DESCRIBEs (the path dictionary), then SETUP/PLAY/first RTP/TEARDOWN of one of them, then
//! more DESCRIBEs on the same socket. It owns the connection's authentication state: the
//! last challenge the server sent (kept across requests and across credentials, so a
//! credential can be tried without a fresh 401 round trip) and the credential in use.
//! Every socket operation has the phase timeout; every error names host, port and phase.
use super::outcome::{Playable, ProbeError, Stream, Timeouts, Transport};
use super::{
    authorization, control_url, h264_sps_resolution, h265_sps_resolution, next_frame,
    parse_challenges, parse_sdp, pick, request, rtp_payload_type, Challenge, Codec, Frame,
    Response, Sdp,
};
use crate::secret::Secret;
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs, UdpSocket};
use std::time::{Duration, Instant};

/// Largest DESCRIBE body accepted (real SDPs are a few KiB).
const MAX_BODY: usize = 64 * 1024;

/// A successful DESCRIBE: what [`Conn::play`] needs.
#[derive(Debug, Clone)]
pub struct Described {
    /// The request URL (no userinfo).
    pub url: String,
    /// `Content-Base` (or `Content-Location`) of the answer.
    pub content_base: Option<String>,
    pub sdp: Sdp,
}

struct Cred {
    user: String,
    pass: Secret,
    /// A request carrying it was accepted on this connection.
    accepted: bool,
}

/// An open RTSP connection. Not `Debug`: it holds a password.
pub struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    host: String,
    port: u16,
    cred: Option<Cred>,
    /// The last challenge the server sent on this connection.
    challenge: Option<Challenge>,
    nc: u32,
    cseq: u32,
    requests: u32,
    session: Option<String>,
    /// Interleaved channel of the video RTP, from the SETUP answer.
    rtp_channel: u8,
    /// False once the connection's state is unknown (a timeout, a failed TEARDOWN).
    reusable: bool,
    /// The last exchange was an answered TEARDOWN (the server may close now).
    after_teardown: bool,
    t: Timeouts,
    /// No wait goes beyond this (the prober's per-host budget).
    deadline: Option<Instant>,
    /// How long PLAY waits for the first RTP packet (default: the phase timeout).
    rtp_wait: Option<Duration>,
    /// The `Server` header of the last answer that had one.
    server: Option<String>,
}

/// `interleaved=a-b` in a Transport header → a.
pub(crate) fn interleaved(transport: &str) -> Option<u8> {
    let v = transport
        .split(';')
        .find_map(|p| p.trim().strip_prefix("interleaved="))?;
    v.split('-').next()?.trim().parse().ok()
}

fn nonce(ch: Option<&Challenge>) -> Option<&str> {
    match ch? {
        Challenge::Digest { nonce, .. } => Some(nonce),
        Challenge::Basic { .. } => None,
    }
}

impl Conn {
    /// Connects with the `connect` timeout.
    ///
    /// # Errors
    /// [`ProbeError::Io`] in phase `connect`.
    pub fn open(host: &str, port: u16, t: &Timeouts) -> Result<Self, ProbeError> {
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
            cred: None,
            challenge: None,
            nc: 0,
            cseq: 0,
            requests: 0,
            session: None,
            rtp_channel: 0,
            reusable: true,
            after_teardown: false,
            t: *t,
            deadline: None,
            rtp_wait: None,
            server: None,
        })
    }

    /// Every wait from now on ends at `deadline` at the latest (`None`: phase timeouts only).
    pub fn set_deadline(&mut self, deadline: Option<Instant>) {
        self.deadline = deadline;
    }

    /// How long the next PLAYs wait for the first RTP packet.
    pub fn set_rtp_wait(&mut self, wait: Duration) {
        self.rtp_wait = Some(wait);
    }

    /// The `Server` header of the last answer that had one (a brand hint).
    #[must_use]
    pub fn server(&self) -> Option<&str> {
        self.server.as_deref()
    }

    /// The realm of the server's last challenge (a brand hint: `AXIS_…`).
    #[must_use]
    pub fn realm(&self) -> Option<&str> {
        match self.challenge.as_ref()? {
            Challenge::Basic { realm } | Challenge::Digest { realm, .. } => {
                (!realm.is_empty()).then_some(realm.as_str())
            }
        }
    }

    /// When a wait of `wait` started now must end.
    fn wait_end(&self, wait: Duration) -> Instant {
        let end = Instant::now() + wait;
        self.deadline.map_or(end, |d| d.min(end))
    }

    /// The credential to answer challenges with from now on (`None`: send none). The
    /// server's last challenge is kept, so the next request carries it at once.
    pub fn set_credential(&mut self, cred: Option<(&str, &str)>) {
        self.cred = cred.map(|(user, pass)| Cred {
            user: user.to_string(),
            pass: Secret::new(pass),
            accepted: false,
        });
    }

    /// RTSP requests sent on this connection so far (retries with credentials included). A
    /// request written just after TEARDOWN to a connection the server had closed (end of
    /// stream or reset, not one byte of answer) is not counted: the server never read it.
    #[must_use]
    pub fn requests(&self) -> u32 {
        self.requests
    }

    /// Whether the server accepted a request carrying the current credential.
    #[must_use]
    pub fn credential_accepted(&self) -> bool {
        self.cred.as_ref().is_some_and(|c| c.accepted)
    }

    /// Whether another request may be sent: false after a timeout, a transport error or a
    /// TEARDOWN without answer (the byte stream may be out of step).
    #[must_use]
    pub fn is_reusable(&self) -> bool {
        self.reusable
    }

    /// OPTIONS `url`.
    ///
    /// # Errors
    /// See [`ProbeError`].
    pub fn options(&mut self, url: &str) -> Result<Response, ProbeError> {
        self.ask("OPTIONS", url, &[])
    }

    /// DESCRIBE `url` and parse the SDP (which must have a video track).
    ///
    /// # Errors
    /// `Unauthorized { with_credentials: true }` when the credential was refused,
    /// `Status` for 404 and other non-2xx answers, `Protocol` for a bad or video-less SDP.
    pub fn describe(&mut self, url: &str) -> Result<Described, ProbeError> {
        let d = self.ask("DESCRIBE", url, &[("Accept", "application/sdp")])?;
        let sdp = parse_sdp(&d.body).map_err(|e| self.protocol("DESCRIBE", e.to_string()))?;
        if !sdp.media.iter().any(|m| m.kind == "video") {
            return Err(self.protocol("DESCRIBE", "no video track in the SDP".into()));
        }
        let base = d.header("Content-Base").or(d.header("Content-Location"));
        Ok(Described {
            url: url.to_string(),
            content_base: base.map(str::to_string),
            sdp,
        })
    }

    /// SETUP of every track (TCP-interleaved first, UDP when the server answers 461), PLAY,
    /// the first RTP packet of the video track (and, when the SDP gave no picture size,
    /// more of them until the size is known: see `size_from_rtp`), TEARDOWN. The connection
    /// stays usable for more requests when TEARDOWN was answered (see [`Conn::is_reusable`]).
    ///
    /// # Errors
    /// See [`ProbeError`]; `Timeout` in phase `RTP` when no RTP arrived.
    pub fn play(&mut self, d: &Described) -> Result<Playable, ProbeError> {
        let result = self.play_inner(d);
        if result.is_err() {
            // A session may be half set up or streaming: do not reuse this connection.
            self.reusable = false;
        }
        result
    }

    fn play_inner(&mut self, d: &Described) -> Result<Playable, ProbeError> {
        let (url, sdp, base) = (&d.url, &d.sdp, d.content_base.as_deref());
        let media = sdp
            .media
            .iter()
            .find(|m| m.kind == "video")
            .ok_or_else(|| self.protocol("DESCRIBE", "no video track in the SDP".into()))?;
        let codec = media.codec();
        let size = media.sps().and_then(|sps| match codec {
            Codec::H264 => h264_sps_resolution(&sps),
            Codec::H265 => h265_sps_resolution(&sps),
            _ => None,
        });
        let track = control_url(url, base, media.control.as_deref());
        // PLAY/TEARDOWN go to the aggregate URL (RFC 2326 C.1.1), which is not always the
        // request URL (gst-rtsp-server answers 404 for a query-string URL there).
        let aggregate = control_url(url, base, sdp.control.as_deref());
        self.session = None;

        // Every track is set up (video first, on interleaved channel 0): gst-rtsp-server
        // refuses an aggregate PLAY while a track is left out (the lab's Dahua with audio).
        let (transport, udp) = self.setup(&track, 0, None)?;
        let mut keep = Vec::new(); // UDP sockets of the other tracks stay open until TEARDOWN
        for (i, m) in sdp
            .media
            .iter()
            .filter(|m| !std::ptr::eq(*m, media))
            .enumerate()
        {
            let other = control_url(url, base, m.control.as_deref());
            let channel = u8::try_from(2 * (i + 1)).unwrap_or(u8::MAX - 1);
            let (_, sock) = self.setup(&other, channel, Some(transport))?;
            keep.extend(sock);
        }
        let session = self.session.clone().unwrap_or_default();
        self.ask(
            "PLAY",
            &aggregate,
            &[("Session", &session), ("Range", "npt=0.000-")],
        )?;
        let first = match &udp {
            None => self.first_interleaved_rtp()?,
            Some(sock) => self.first_udp_rtp(sock)?,
        };
        let size = size.or_else(|| self.size_from_rtp(media, &first, udp.as_ref()));
        self.teardown(&aggregate, &session);
        Ok(Playable {
            stream: Stream {
                url: url.clone(),
                codec: format!("{codec:?}").to_lowercase(),
                width: size.map(|s| s.0),
                height: size.map(|s| s.1),
                transport,
            },
            requests: self.requests,
        })
    }

    pub(crate) fn protocol(&self, phase: &'static str, detail: String) -> ProbeError {
        ProbeError::Protocol {
            host: self.host.clone(),
            port: self.port,
            phase,
            detail,
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

    fn timeout(&self, phase: &'static str, waited: Duration) -> ProbeError {
        ProbeError::Timeout {
            host: self.host.clone(),
            port: self.port,
            phase,
            secs: waited.as_secs_f64(),
        }
    }

    fn io(&self, phase: &'static str, source: io::Error) -> ProbeError {
        ProbeError::Io {
            host: self.host.clone(),
            port: self.port,
            phase,
            source,
        }
    }

    /// Sends a request and returns a 2xx answer. A 401 is answered once: when the request
    /// went without credentials (and a credential and a challenge are now known), or when
    /// the server renewed the nonce (`stale=true`, or a new nonce after this credential was
    /// accepted here). Any other 401 is `Unauthorized`.
    fn ask(
        &mut self,
        method: &'static str,
        uri: &str,
        headers: &[(&str, &str)],
    ) -> Result<Response, ProbeError> {
        let (mut r, mut with_auth) = self.exchange(method, uri, headers)?;
        if r.status == 401 {
            let old = nonce(self.challenge.as_ref()).map(str::to_string);
            let fresh = pick(&parse_challenges(&r.headers_all("WWW-Authenticate"))).cloned();
            let stale = matches!(fresh, Some(Challenge::Digest { stale: true, .. }));
            if let Some(ch) = fresh {
                self.challenge = Some(ch);
                self.nc = 0;
            }
            let renewed = old.as_deref() != nonce(self.challenge.as_ref());
            let accepted = self.cred.as_ref().is_some_and(|c| c.accepted);
            let retry = if with_auth {
                stale || (accepted && renewed)
            } else {
                self.cred.is_some() && self.challenge.is_some()
            };
            if retry {
                (r, with_auth) = self.exchange(method, uri, headers)?;
                if r.status == 401 {
                    let fresh =
                        pick(&parse_challenges(&r.headers_all("WWW-Authenticate"))).cloned();
                    if let Some(ch) = fresh {
                        self.challenge = Some(ch);
                        self.nc = 0;
                    }
                }
            }
        }
        match r.status {
            200..=299 => {
                if with_auth {
                    if let Some(c) = &mut self.cred {
                        c.accepted = true;
                    }
                }
                Ok(r)
            }
            401 => Err(self.unauthorized(method, with_auth)),
            status => Err(ProbeError::Status {
                host: self.host.clone(),
                port: self.port,
                phase: method,
                status,
                reason: r.reason,
            }),
        }
    }

    /// One request and its answer; also says whether it carried credentials.
    fn exchange(
        &mut self,
        method: &'static str,
        uri: &str,
        headers: &[(&str, &str)],
    ) -> Result<(Response, bool), ProbeError> {
        if !self.reusable {
            return Err(self.protocol(method, "connection no longer usable".into()));
        }
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
        if let (Some(ch), Some(c)) = (&self.challenge, &self.cred) {
            self.nc += 1;
            let cnonce = crate::nonce::cnonce();
            auth = authorization(ch, &c.user, c.pass.expose(), method, uri, &cnonce, self.nc);
            all.push(("Authorization", &auth));
        }
        let with_auth = all.iter().any(|(k, _)| *k == "Authorization");
        let bytes = request(method, uri, self.cseq, &all);
        let after_teardown = std::mem::take(&mut self.after_teardown);
        let undelivered = |conn: &mut Self, e: ProbeError| {
            conn.reusable = false;
            let closed = match &e {
                ProbeError::Protocol { detail, .. } => detail == "connection closed",
                ProbeError::Io { source, .. } => matches!(
                    source.kind(),
                    io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
                ),
                _ => false,
            };
            if after_teardown && closed && conn.buf.is_empty() {
                conn.requests -= 1;
                return conn.protocol(
                    method,
                    "connection closed by the server after TEARDOWN".into(),
                );
            }
            e
        };
        if let Err(e) = self.stream.write_all(&bytes) {
            let e = self.io(method, e);
            return Err(undelivered(self, e));
        }
        loop {
            match self.next(method) {
                Ok(Frame::Response(r)) if r.cseq().is_none_or(|c| c == self.cseq) => {
                    if let Some(s) = r.header("Server") {
                        self.server = Some(s.chars().take(128).collect());
                    }
                    if let Some(s) = r.header("Session") {
                        self.session = Some(s.split(';').next().unwrap_or(s).trim().to_string());
                    }
                    return Ok((r, with_auth));
                }
                Ok(_) => continue, // interleaved data or a stale answer
                Err(e) => return Err(undelivered(self, e)),
            }
        }
    }

    /// The next frame, reading with the phase timeout.
    fn next(&mut self, phase: &'static str) -> Result<Frame, ProbeError> {
        self.next_until(phase, self.wait_end(self.t.phase))
    }

    /// The next frame, read by `deadline` (else `Timeout`; what arrived is kept).
    fn next_until(&mut self, phase: &'static str, deadline: Instant) -> Result<Frame, ProbeError> {
        let wait = deadline.saturating_duration_since(Instant::now());
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
                        return Err(self.timeout(phase, wait));
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
                            return Err(self.timeout(phase, wait))
                        }
                        Err(source) => return Err(self.io(phase, source)),
                    }
                }
            }
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
        let rtp = UdpSocket::bind("0.0.0.0:0").map_err(|e| self.io("SETUP", e))?;
        let p = rtp.local_addr().map_err(|e| self.io("SETUP", e))?.port();
        let transport = format!("RTP/AVP;unicast;client_port={p}-{}", p.wrapping_add(1));
        self.ask("SETUP", track, &[("Transport", &transport)])?;
        Ok((Transport::Udp, Some(rtp)))
    }

    fn first_interleaved_rtp(&mut self) -> Result<Vec<u8>, ProbeError> {
        let wait = self.rtp_wait.unwrap_or(self.t.phase);
        let waited = self
            .wait_end(wait)
            .saturating_duration_since(Instant::now());
        let phase = std::mem::replace(&mut self.t.phase, wait);
        let result = self.read_interleaved_rtp();
        self.t.phase = phase;
        result.map_err(|e| match e {
            ProbeError::Timeout { .. } => self.timeout("RTP", waited),
            e => e,
        })
    }

    fn read_interleaved_rtp(&mut self) -> Result<Vec<u8>, ProbeError> {
        let deadline = self.wait_end(self.t.phase);
        while Instant::now() < deadline {
            if let Frame::Interleaved { channel, payload } = self.next("RTP")? {
                if channel == self.rtp_channel && rtp_payload_type(&payload).is_some() {
                    return Ok(payload);
                }
            }
        }
        Err(self.timeout("RTP", self.t.phase))
    }

    fn first_udp_rtp(&mut self, sock: &UdpSocket) -> Result<Vec<u8>, ProbeError> {
        let deadline = self.wait_end(self.rtp_wait.unwrap_or(self.t.phase));
        let waited = deadline.saturating_duration_since(Instant::now());
        let mut pkt = [0u8; 2048];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(self.timeout("RTP", waited));
            }
            let _ = sock.set_read_timeout(Some(left));
            match sock.recv_from(&mut pkt) {
                Ok((n, _)) if rtp_payload_type(&pkt[..n]).is_some() => return Ok(pkt[..n].to_vec()),
                Ok(_) => continue,
                Err(_) => return Err(self.timeout("RTP", waited)),
            }
        }
    }

    /// Best effort with a short timeout; without an answer the connection is not reused
    /// (`exchange` marks it). Nothing waits after the answer (a wait here occupied a worker
    /// for nothing on every server that keeps the connection open): a server that closed
    /// it already (ipycam) is noticed by a read that does not block, and one that closes it
    /// later by the next request, which `exchange` then does not count (the prober
    /// reconnects). A `Connection: close` in the answer is not taken at its word:
    /// gst-rtsp-server sends it and keeps serving the connection, so closing on it cost a
    /// fresh connection and its 401 round trip per stream.
    fn teardown(&mut self, url: &str, session: &str) {
        let phase = self.t.phase;
        self.t.phase = phase.min(Duration::from_millis(1000));
        // A refusal (e.g. 454) leaves the stream in step; a timeout marks it unusable.
        let answered = self.ask("TEARDOWN", url, &[("Session", session)]).is_ok();
        self.t.phase = phase;
        self.session = None;
        if answered {
            self.drain_ready();
            self.after_teardown = true;
        }
    }

    /// Takes what the server already sent without waiting: end of stream or an error
    /// marks the connection unusable.
    fn drain_ready(&mut self) {
        if self.stream.set_nonblocking(true).is_err() {
            return;
        }
        let mut chunk = [0u8; 8192];
        loop {
            if self.buf.len() > MAX_BODY {
                break;
            }
            match self.stream.read(&mut chunk) {
                Ok(0) => {
                    self.reusable = false;
                    break;
                }
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => {
                    self.reusable = false;
                    break;
                }
            }
        }
        if self.stream.set_nonblocking(false).is_err() {
            self.reusable = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interleaved_channel_comes_from_the_transport_header() {
        assert_eq!(
            interleaved("RTP/AVP/TCP;unicast;interleaved=2-3;ssrc=1"),
            Some(2)
        );
        assert_eq!(interleaved("RTP/AVP;unicast;client_port=5000-5001"), None);
    }
}

#[path = "conn_size.rs"]
mod size;
