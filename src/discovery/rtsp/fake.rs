//! A scripted RTSP server on 127.0.0.1 for the prober's and the connection's unit tests: a
//! configurable path lookup/auth order (like gst-rtsp-server or the npm server), Basic auth,
//! a server that accepts any path, or an HTTP server on the RTSP port; or a replay of a
//! captured SDP and RTP, over TCP-interleaved or UDP. It logs every request it gets.
use base64::Engine as _;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone, Default)]
pub struct FakeCam {
    pub paths: Vec<&'static str>,
    /// Basic credentials required (None: no auth).
    pub basic: Option<(&'static str, &'static str)>,
    /// 401 before the path lookup (the npm server) instead of after (gst-rtsp-server).
    pub auth_first: bool,
    pub accept_any: bool,
    pub http: bool,
    /// Close the connection this long after answering TEARDOWN (like ipycam), without
    /// reading what arrives meanwhile.
    pub close_after_teardown: Option<Duration>,
    /// The TEARDOWN answer says `Connection: close` (with `close_after_teardown`).
    pub teardown_says_close: bool,
    /// PLAY is answered 200 but no RTP ever follows.
    pub no_rtp: bool,
    /// When not empty, RTP follows a PLAY of these paths only.
    pub rtp_only: Vec<&'static str>,
    /// Paths whose SDP differs from every other path's (another format parameter).
    pub own_sdp: Vec<&'static str>,
    /// `Server` header of every answer.
    pub server: Option<&'static str>,
    /// Basic realm (default `fake`).
    pub realm: Option<&'static str>,
    /// A captured DESCRIBE answer whose SDP is served instead of the built-in one.
    pub describe: Option<&'static [u8]>,
    /// Captured interleaved frames (`$` channel len16 packet) sent after the PLAY answer
    /// (over TCP in odd-sized writes, or the channel-0 packets over UDP) instead of one
    /// empty RTP packet.
    pub rtp: Option<&'static [u8]>,
    /// A TCP-interleaved SETUP gets 461; RTP goes over UDP to the client's port.
    pub udp_only: bool,
}

#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    pub path: String,
    pub auth: Option<String>,
}

pub struct Running {
    pub port: u16,
    pub log: Arc<Mutex<Vec<Req>>>,
    stop: Arc<AtomicBool>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

impl Running {
    pub fn log(&self) -> Vec<Req> {
        self.log.lock().expect("log").clone()
    }
}

pub fn basic(user: &str, pass: &str) -> String {
    let t = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
    format!("Basic {t}")
}

impl FakeCam {
    pub fn start(self) -> Running {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = l.local_addr().expect("addr").port();
        l.set_nonblocking(true).expect("nonblocking");
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (log2, stop2) = (log.clone(), stop.clone());
        std::thread::spawn(move || {
            let end = Instant::now() + Duration::from_secs(60);
            while !stop2.load(Ordering::SeqCst) && Instant::now() < end {
                match l.accept() {
                    Ok((s, _)) => {
                        let (cam, log) = (self.clone(), log2.clone());
                        std::thread::spawn(move || cam.serve(s, &log));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Running { port, log, stop }
    }

    fn serve(&self, mut s: TcpStream, log: &Mutex<Vec<Req>>) {
        let _ = s.set_nonblocking(false);
        let _ = s.set_read_timeout(Some(Duration::from_secs(20)));
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        let mut udp_to = None;
        loop {
            let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                match s.read(&mut chunk) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
                continue;
            };
            let head = String::from_utf8_lossy(&buf[..end]).to_string();
            buf.drain(..end + 4);
            if self.http {
                let _ = s.write_all(b"HTTP/1.0 400 Bad Request\r\n\r\n<html></html>");
                return;
            }
            let mut lines = head.split("\r\n");
            let mut first = lines.next().unwrap_or("").split(' ');
            let method = first.next().unwrap_or("").to_string();
            let url = first.next().unwrap_or("");
            let rest = url.strip_prefix("rtsp://").unwrap_or(url);
            let path = rest.find('/').map_or("/", |i| &rest[i..]).to_string();
            let header = |name: &str| {
                head.split("\r\n").find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.trim()
                        .eq_ignore_ascii_case(name)
                        .then(|| v.trim().to_string())
                })
            };
            let (cseq, auth) = (header("CSeq").unwrap_or_default(), header("Authorization"));
            log.lock().expect("log").push(Req {
                method: method.clone(),
                path: path.clone(),
                auth: auth.clone(),
            });
            let authorized = self.basic.is_none_or(|(u, p)| auth == Some(basic(u, p)));
            let exists = self.accept_any || self.paths.contains(&path.as_str());
            let transport = header("Transport").unwrap_or_default();
            let replayed = self.describe.map(|d| {
                let body = d
                    .windows(4)
                    .position(|w| w == b"\r\n\r\n")
                    .map_or(d, |i| &d[i + 4..]);
                String::from_utf8_lossy(body).to_string()
            });
            let udp_setup;
            let (status, extra, body) = match method.as_str() {
                "DESCRIBE" if replayed.is_some() && authorized && exists => (
                    200,
                    "Content-Type: application/sdp\r\n",
                    replayed.as_deref().unwrap_or_default(),
                ),
                "DESCRIBE" => {
                    // The SPS in the SDP (lab cam1's sub stream, 320x180): the probe needs
                    // no in-band one (the one RTP packet sent carries none).
                    let sdp = if self.own_sdp.contains(&path.as_str()) {
                        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=fake\r\nt=0 0\r\na=control:*\r\n\
                         m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n\
                         a=fmtp:96 packetization-mode=1;sprop-parameter-sets=\
                         Z0LADNoFBn58BagwMDUoAAADAAgAAAMAVHihVQ==,aM48gA==\r\na=control:*\r\n"
                    } else {
                        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=fake\r\nt=0 0\r\na=control:*\r\n\
                         m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n\
                         a=fmtp:96 sprop-parameter-sets=\
                         Z0LADNoFBn58BagwMDUoAAADAAgAAAMAVHihVQ==,aM48gA==\r\na=control:*\r\n"
                    };
                    match (exists, authorized, self.auth_first) {
                        (_, false, true) | (true, false, false) => (401, "", ""),
                        (false, _, _) => (404, "", ""),
                        (true, true, _) => (200, "Content-Type: application/sdp\r\n", sdp),
                    }
                }
                "SETUP" if authorized && self.udp_only && transport.contains("TCP") => (461, "", ""),
                "SETUP" if authorized && !transport.contains("TCP") => {
                    udp_to = transport
                        .split(';')
                        .find_map(|p| p.strip_prefix("client_port="))
                        .and_then(|p| p.split('-').next()?.parse::<u16>().ok());
                    udp_setup = format!("Session: 4242;timeout=60\r\nTransport: {transport};server_port=9-10\r\n");
                    (200, udp_setup.as_str(), "")
                }
                "SETUP" if authorized => (
                    200,
                    "Session: 4242;timeout=60\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n",
                    "",
                ),
                "TEARDOWN" if authorized && self.teardown_says_close => {
                    (200, "Session: 4242\r\nConnection: close\r\n", "")
                }
                "PLAY" | "TEARDOWN" if authorized => (200, "Session: 4242\r\n", ""),
                "OPTIONS" => (200, "Public: DESCRIBE, SETUP, PLAY, TEARDOWN\r\n", ""),
                _ => (401, "", ""),
            };
            let www = if status == 401 {
                format!(
                    "WWW-Authenticate: Basic realm=\"{}\"\r\n",
                    self.realm.unwrap_or("fake")
                )
            } else {
                String::new()
            };
            let server = self
                .server
                .map(|s| format!("Server: {s}\r\n"))
                .unwrap_or_default();
            let reply = format!(
                "RTSP/1.0 {status} X\r\nCSeq: {cseq}\r\n{server}{extra}{www}Content-Length: {}\r\n\r\n{body}",
                body.len()
            );
            if s.write_all(reply.as_bytes()).is_err() {
                return;
            }
            if let (Some(wait), "TEARDOWN") = (self.close_after_teardown, method.as_str()) {
                std::thread::sleep(wait);
                return;
            }
            let streams = self.rtp_only.is_empty() || self.rtp_only.contains(&path.as_str());
            if method == "PLAY" && status == 200 && !self.no_rtp && streams {
                let mut rtp = vec![b'$', 0, 0, 12, 0x80, 96];
                rtp.extend_from_slice(&[0; 10]);
                let frames = self.rtp.unwrap_or(&rtp);
                match udp_to {
                    None => {
                        // Odd-sized writes: frames arrive split across reads.
                        if frames.chunks(777).any(|piece| s.write_all(piece).is_err()) {
                            return;
                        }
                    }
                    Some(port) => send_udp(frames, port),
                }
            }
        }
    }
}

/// The channel-0 packets of interleaved `frames`, as datagrams to 127.0.0.1:`port`.
fn send_udp(frames: &[u8], port: u16) {
    let Ok(sock) = UdpSocket::bind("127.0.0.1:0") else {
        return;
    };
    let mut at = 0;
    while let Some(head) = frames.get(at..at + 4) {
        let end = at + 4 + usize::from(u16::from_be_bytes([head[2], head[3]]));
        if let (0, Some(pkt)) = (head[1], frames.get(at + 4..end)) {
            let _ = sock.send_to(pkt, ("127.0.0.1", port));
        }
        at = end;
    }
}
