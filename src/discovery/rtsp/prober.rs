//! The per-host RTSP strategy: finds the main and the sub stream of one camera port with as
//! few requests as possible, and proves each plays (RTP seen). It owns the order of the
//! attempts and the per-host credential bookkeeping; the wire work is [`Conn`]'s.
//!
//! 1. Known URLs (ONVIF `GetStreamUri`, mDNS `path=`) on this port, main first. The host
//!    part is replaced by the probed address (cameras behind NAT report other hosts).
//! 2. When none played: a random decoy path. A server that answers it 200 accepts any path
//!    (`accepts_any_path`; its dictionary hits prove nothing until RTP arrives, which is
//!    required anyway). On a server that authenticates before looking the path up (401 for
//!    any path), the decoy doubles as the credential test: 401 = wrong credential, 404 =
//!    right one. Then the dictionary ([`ordered`]; main and generic paths only, at most
//!    `max_paths`), stopping at the first path that plays. On a server that accepts any
//!    path, a PLAY that brings no RTP within the timeout ends the probe (every other path
//!    would be the same silence, one timeout each); on any server, the second such PLAY
//!    does ([`MAX_SILENT_PLAYS`]: known URLs, dictionary and sub stream together).
//! 3. The sub stream: [`sub_candidates`] of the main path (plus the user's sub paths for
//!    that vendor), at most [`MAX_SUB_TRIES`].
//!
//! Frugal by construction: one TCP connection for every DESCRIBE (a new one only after a
//! failed PLAY or a lost connection), no OPTIONS, the server's last challenge answered at
//! once on the next request (no 401 round trip per path). Credentials: tried in order
//! (the hinted one first) only when the server asks; a 401 with credential k kills k for
//! this host (never sent again); when every credential is dead the host is given up.
//! A 401 without credentials on a path means "exists, log in" on servers that look the path
//! up first (gst-rtsp-server) — the credentials are then tried on that path.
//!
//! Callers limit concurrency per camera with [`HostThrottle`] (at most 2 probes per IP).
use super::conn::{Conn, Described};
use super::paths::{decoy_path, ordered, sub_candidates, PathEntry, Role, Vendor};
use super::session::{split_url, ProbeError, Timeouts};
use crate::config::Credential;
use serde::Serialize;
use std::collections::HashSet;
use std::net::Ipv4Addr;

pub use super::session::Playable as Stream;
pub use super::throttle::{HostGuard, HostThrottle};

/// Dictionary paths tried per host when the caller has no opinion.
pub const DEFAULT_MAX_PATHS: usize = 24;
/// Sub-stream candidates tried after the main stream is found.
pub const MAX_SUB_TRIES: usize = 3;
/// PLAYs answered but followed by no RTP within the timeout, per host, before the host is
/// given up: each costs a full timeout, and a server whose paths play silently twice (a
/// decoy-aware fake, a camera whose encoder is dead) would only repeat it.
pub const MAX_SILENT_PLAYS: u32 = 2;

/// What other discovery steps know about the camera.
#[derive(Debug, Clone, Default)]
pub struct Hints {
    /// From the ONVIF manufacturer, the MAC OUI or the mDNS name ([`Vendor::from_hint`]).
    pub vendor: Option<Vendor>,
    /// Stream URLs from ONVIF/mDNS, main first.
    pub known: Vec<String>,
    /// Index into the credentials of one known to work (ONVIF login): tried first.
    pub credential: Option<usize>,
}

/// Limits and extensions of one probe.
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    pub timeouts: Timeouts,
    /// Dictionary paths tried at most (known URLs and sub candidates not counted).
    pub max_paths: usize,
    /// From `RTSP_PATHS_FILE` ([`super::paths::parse_paths_file`]).
    pub user_paths: Vec<PathEntry>,
}

impl ProbeOptions {
    #[must_use]
    pub fn new(timeouts: Timeouts) -> Self {
        ProbeOptions {
            timeouts,
            max_paths: DEFAULT_MAX_PATHS,
            user_paths: Vec::new(),
        }
    }
}

/// What one probe of one camera port found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HostReport {
    /// The main stream (the first that played), URL without credentials.
    pub main: Option<Stream>,
    /// A second, different stream.
    pub sub: Option<Stream>,
    /// Index of the credential the server accepted (`None`: none was needed or none worked).
    pub credential: Option<usize>,
    /// The server answered a random decoy path with 200.
    pub accepts_any_path: bool,
    /// RTSP requests sent, all phases and failed logins included.
    pub requests: u32,
    /// Requests with credentials answered 401.
    pub failed_logins: u32,
    /// One line each (host, port, phase); no credentials.
    pub errors: Vec<String>,
}

/// Finds and plays the main and sub stream of `ip:port` (see the module doc).
#[must_use]
pub fn probe_host(
    ip: Ipv4Addr,
    port: u16,
    hints: &Hints,
    creds: &[Credential],
    opts: &ProbeOptions,
) -> HostReport {
    let mut order: Vec<usize> = hints
        .credential
        .filter(|k| *k < creds.len())
        .into_iter()
        .collect();
    order.extend((0..creds.len()).filter(|k| Some(*k) != hints.credential));
    let mut p = Prober {
        ip,
        port,
        creds,
        t: opts.timeouts,
        current: order.first().copied(),
        order,
        dead: vec![false; creds.len()],
        conn: None,
        conn_cred: None,
        spent: 0,
        tried: HashSet::new(),
        silent: 0,
        report: HostReport::default(),
    };
    p.run(hints, opts);
    p.finish()
}

/// The outcome of one DESCRIBE.
enum Desc {
    Found(Described),
    /// 404 or another refusal of this path: try the next.
    Missing,
    /// Give the host up (reason recorded).
    Stop,
}

/// The outcome of trying to play one path.
enum Step {
    Played(Stream),
    Missing,
    Stop,
}

struct Prober<'a> {
    ip: Ipv4Addr,
    port: u16,
    creds: &'a [Credential],
    t: Timeouts,
    /// Credential indexes in the order to try them.
    order: Vec<usize>,
    dead: Vec<bool>,
    /// The credential sent when the server asks.
    current: Option<usize>,
    conn: Option<Conn>,
    /// The credential set on `conn` (`None`: not set yet).
    conn_cred: Option<Option<usize>>,
    /// Requests of connections already closed.
    spent: u32,
    tried: HashSet<String>,
    /// PLAYs that brought no RTP within the timeout.
    silent: u32,
    report: HostReport,
}

impl Prober<'_> {
    fn run(&mut self, hints: &Hints, opts: &ProbeOptions) {
        // 1. Known URLs.
        let known: Vec<String> = hints
            .known
            .iter()
            .filter_map(|u| split_url(u).filter(|(_, p, _)| *p == self.port))
            .filter_map(|(_, _, url)| path_of(&url))
            .collect();
        for path in &known {
            if self.report.sub.is_some() {
                break;
            }
            if self.tried.contains(path) {
                continue; // the same path from ONVIF and mDNS
            }
            match self.play(path) {
                Step::Played(s) => self.found(s),
                Step::Missing => {}
                Step::Stop => return,
            }
        }
        if let Some(main) = &self.report.main {
            if self.report.sub.is_none() {
                let main_path = path_of(&main.url).unwrap_or_default();
                self.find_sub(&main_path, hints.vendor.unwrap_or(Vendor::Generic), opts);
            }
            return;
        }

        // 2. Decoy, then the dictionary (not at all when no dictionary path may be tried:
        //    the caller only wanted the known URLs checked).
        if opts.max_paths == 0 {
            self.report.errors.push(format!(
                "rtsp {}:{} DESCRIBE: none of {} known URLs plays",
                self.ip,
                self.port,
                known.len()
            ));
            return;
        }
        let decoy = decoy_path(fastrand::u64(..));
        match self.describe(&decoy) {
            Desc::Found(_) => self.report.accepts_any_path = true,
            Desc::Missing => {}
            Desc::Stop => return,
        }
        let mut main = None;
        let mut tried = 0;
        for entry in ordered(hints.vendor, &opts.user_paths) {
            if tried >= opts.max_paths {
                break;
            }
            if entry.role == Role::Sub || self.tried.contains(entry.path.as_ref()) {
                continue;
            }
            tried += 1;
            match self.play(&entry.path) {
                Step::Played(s) => {
                    main = Some(entry.clone());
                    self.found(s);
                    break;
                }
                Step::Missing => {}
                Step::Stop => return,
            }
        }
        match main {
            Some(entry) => self.find_sub(&entry.path, entry.vendor, opts),
            None => self.report.errors.push(format!(
                "rtsp {}:{} DESCRIBE: no stream among {} known URLs and {tried} dictionary paths",
                self.ip,
                self.port,
                known.len()
            )),
        }
    }

    fn found(&mut self, s: Stream) {
        match &self.report.main {
            None => self.report.main = Some(s),
            Some(m) if m.url != s.url => self.report.sub = Some(s),
            Some(_) => {}
        }
    }

    /// Tries the sub-stream candidates of `main_path`.
    fn find_sub(&mut self, main_path: &str, vendor: Vendor, opts: &ProbeOptions) {
        let mut cands = sub_candidates(main_path);
        cands.extend(
            opts.user_paths
                .iter()
                .filter(|p| {
                    p.role == Role::Sub && (p.vendor == vendor || p.vendor == Vendor::Generic)
                })
                .map(|p| p.path.to_string()),
        );
        let mut seen = HashSet::new();
        cands.retain(|c| !self.tried.contains(c) && seen.insert(c.clone()));
        for c in cands.into_iter().take(MAX_SUB_TRIES) {
            match self.play(&c) {
                Step::Played(s) => {
                    let same = self.report.main.as_ref().is_some_and(|m| {
                        (&m.codec, m.width, m.height) == (&s.codec, s.width, s.height)
                    });
                    if self.report.accepts_any_path && same {
                        // Such a server plays its one stream under any name.
                        continue;
                    }
                    self.found(s);
                    return;
                }
                Step::Missing => {}
                Step::Stop => return,
            }
        }
    }

    fn url(&self, path: &str) -> String {
        format!("rtsp://{}:{}{path}", self.ip, self.port)
    }

    fn requests(&self) -> u32 {
        self.spent + self.conn.as_ref().map_or(0, Conn::requests)
    }

    /// DESCRIBE + play of one path.
    fn play(&mut self, path: &str) -> Step {
        let before = self.requests();
        let d = match self.describe(path) {
            Desc::Found(d) => d,
            Desc::Missing => return Step::Missing,
            Desc::Stop => return Step::Stop,
        };
        let Some(conn) = self.conn.as_mut() else {
            return Step::Stop;
        };
        match conn.play(&d) {
            Ok(mut s) => {
                if conn.credential_accepted() {
                    self.report.credential = self.current;
                }
                s.requests = self.requests() - before;
                Step::Played(s)
            }
            Err(e) => {
                let silent = matches!(e, ProbeError::Timeout { phase: "RTP", .. });
                self.report.errors.push(e.to_string());
                if !silent {
                    return Step::Missing;
                }
                self.silent += 1;
                let why = if self.report.accepts_any_path {
                    // Such a server answers every path alike: another path would cost
                    // another full timeout for the same silence.
                    "accepts any path and sends no RTP".to_string()
                } else if self.silent >= MAX_SILENT_PLAYS {
                    format!("{} paths played without RTP", self.silent)
                } else {
                    return Step::Missing;
                };
                self.report.errors.push(format!(
                    "rtsp {}:{} PLAY: {why}: host given up",
                    self.ip, self.port
                ));
                Step::Stop
            }
        }
    }

    /// A usable connection with the current credential set.
    fn conn(&mut self) -> Result<&mut Conn, ProbeError> {
        let conn = match self.conn.take() {
            Some(c) if c.is_reusable() => c,
            old => {
                self.spent += old.as_ref().map_or(0, Conn::requests);
                self.conn_cred = None;
                Conn::open(&self.ip.to_string(), self.port, &self.t)?
            }
        };
        let conn = self.conn.insert(conn);
        if self.conn_cred != Some(self.current) {
            let cred = self
                .current
                .and_then(|k| self.creds.get(k))
                .map(|c| (c.username.as_str(), c.password.expose()));
            conn.set_credential(cred);
            self.conn_cred = Some(self.current);
        }
        Ok(conn)
    }

    /// DESCRIBE of one path with the credential bookkeeping (see the module doc).
    fn describe(&mut self, path: &str) -> Desc {
        self.tried.insert(path.to_string());
        let url = self.url(path);
        let mut reopened = false;
        loop {
            let conn = match self.conn() {
                Ok(c) => c,
                Err(e) => {
                    self.report.errors.push(e.to_string());
                    return Desc::Stop;
                }
            };
            let reused = conn.requests() > 0;
            let err = match conn.describe(&url) {
                Ok(d) => return Desc::Found(d),
                Err(e) => e,
            };
            let usable = conn.is_reusable();
            match err {
                ProbeError::Unauthorized {
                    with_credentials: true,
                    ..
                } => {
                    self.report.failed_logins += 1;
                    if let Some(k) = self.current {
                        self.dead[k] = true;
                    }
                    self.current = self.order.iter().copied().find(|k| !self.dead[*k]);
                    if self.current.is_none() {
                        self.report.errors.push(format!(
                            "rtsp {}:{} DESCRIBE: 401 unauthorized (all {} credentials refused)",
                            self.ip,
                            self.port,
                            self.creds.len()
                        ));
                        return Desc::Stop;
                    }
                }
                ProbeError::Unauthorized { .. } => {
                    let why = if self.creds.is_empty() {
                        "credentials needed, none configured"
                    } else {
                        "no challenge we can answer"
                    };
                    self.report.errors.push(format!(
                        "rtsp {}:{} DESCRIBE: 401 unauthorized ({why})",
                        self.ip, self.port
                    ));
                    return Desc::Stop;
                }
                ProbeError::Status { .. } => return Desc::Missing,
                // A bad SDP on a working connection: this path only.
                e if usable => {
                    self.report.errors.push(e.to_string());
                    return Desc::Missing;
                }
                // A kept-alive connection the server dropped: one fresh try.
                _ if reused && !reopened => reopened = true,
                e => {
                    self.report.errors.push(e.to_string());
                    return Desc::Stop;
                }
            }
        }
    }

    fn finish(mut self) -> HostReport {
        self.report.requests = self.requests();
        self.report
    }
}

/// The path and query of an `rtsp://host[:port]/path` URL without userinfo.
fn path_of(url: &str) -> Option<String> {
    let rest = url.strip_prefix("rtsp://")?;
    Some(rest.find('/').map_or("/", |i| &rest[i..]).to_string())
}

#[cfg(test)]
mod fake;
#[cfg(test)]
mod tests;
