//! The per-host RTSP strategy: finds the main and the sub stream of one camera port with as
//! few requests as possible, and proves each plays (RTP seen), within a time budget. It owns
//! the order of the attempts and the per-host credential bookkeeping; the wire work is
//! [`Conn`]'s.
//!
//! 1. Known URLs (ONVIF `GetStreamUri`, mDNS `path=`) on this port, main first. The host
//!    part is replaced by the probed address (cameras behind NAT report other hosts).
//! 2. When none played: a random decoy path. On a server that authenticates before looking
//!    the path up (401 for any path), the decoy doubles as the credential test: 401 = wrong
//!    credential, 404 = right one. Its answer's `Server` header and Digest realm name the
//!    brand when nothing else did ([`Brand::from_hint`]). Then the dictionary
//!    ([`ordered_on_port`]: the brand's own paths first, or with no brand those of the brands
//!    that state this port when it is not 554; main and generic paths only, at most
//!    `max_paths`):
//!    - a server that refuses the decoy: each path it DESCRIBEs is real, so it is played at
//!      once, stopping at the first that plays;
//!    - a server that accepts the decoy (200 for any path): the candidates are DESCRIBEd
//!      first and compared with the decoy's answer ([`same_answer`]: SDP tracks, formats,
//!      parameter sets, control URLs, Content-Base); those that differ are played first,
//!      then the best-ranked of the rest.
//! 3. The sub stream: [`super::paths::sub_candidates`] of the main path (plus the user's sub paths for
//!    that brand), at most [`MAX_SUB_TRIES`].
//!
//! Waiting for RTP: a PLAY waits up to the phase timeout for the first RTP packet, except a
//! speculative one — on a server that accepts any path, or after a PLAY on this host stayed
//! silent — which waits [`SPECULATIVE_RTP_WAIT`]. Every wait ends at the host's budget
//! (`ProbeOptions::budget`, default 2 × the phase timeout): when it is spent the probe ends
//! and the report lists what was tried. A server that never streams costs its budget.
//!
//! Frugal by construction: one TCP connection for every DESCRIBE (a new one only after a
//! PLAY or a lost connection), no OPTIONS, the server's last challenge answered at once on
//! the next request (no 401 round trip per path). Credentials: tried in order (the hinted
//! one first) only when the server asks; a 401 with credential k kills k for this host
//! (never sent again); when every credential is dead the host is given up. A 401 without
//! credentials on a path means "exists, log in" on servers that look the path up first
//! (gst-rtsp-server) — the credentials are then tried on that path. Paths that carry the
//! credential in the URL ([`super::paths::fill_credentials`]) are filled with each live credential in
//! turn (on this host only, like any credential), and never tried on a host whose brand is
//! known and does not list them.
//!
//! Callers limit concurrency per camera with [`HostThrottle`] (at most 2 probes per IP).
use super::conn::{Conn, Described};
use super::outcome::{split_url, Timeouts};
use super::paths::{
    decoy_path, ordered_on_port, other_stream_candidates, role_of, PathEntry, Role,
};
use crate::camdb::{self, Brand};
use crate::secret::Credential;
use serde::Serialize;
use std::collections::HashSet;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

pub use super::outcome::Playable;
pub use super::throttle::{HostGuard, HostThrottle};

/// Dictionary paths DESCRIBEd per host when the caller has no opinion (known URLs and sub
/// candidates not counted): every verified main template of the data (107) and about 50
/// leads. A missing path costs one request on a kept-alive connection; a camera whose brand
/// is known finds its own paths among the first few.
pub const DEFAULT_MAX_PATHS: usize = 160;
/// Sub-stream candidates tried after the main stream is found.
pub const MAX_SUB_TRIES: usize = 3;
/// How long a speculative PLAY waits for the first RTP packet (see the module doc).
pub const SPECULATIVE_RTP_WAIT: Duration = Duration::from_millis(1500);
/// Lines of [`HostReport::tried`] kept (the rest are counted).
const MAX_TRIED_LINES: usize = 64;

/// What other discovery steps know about the camera.
#[derive(Debug, Clone, Default)]
pub struct Hints {
    /// From the ONVIF manufacturer, the mDNS name, the MAC's OUI or the web page.
    pub brand: Option<Brand>,
    /// Stream URLs from ONVIF/mDNS, main first.
    pub known: Vec<String>,
    /// Index into the credentials of one known to work (ONVIF login): tried first.
    pub credential: Option<usize>,
}

/// Limits and extensions of one probe.
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    pub timeouts: Timeouts,
    /// Dictionary paths DESCRIBEd at most.
    pub max_paths: usize,
    /// The whole probe of the host ends within this.
    pub budget: Duration,
    /// From `RTSP_PATHS_FILE` ([`super::paths::parse_paths_file`]).
    pub user_paths: Vec<PathEntry>,
}

impl ProbeOptions {
    #[must_use]
    pub fn new(timeouts: Timeouts) -> Self {
        ProbeOptions {
            timeouts,
            max_paths: DEFAULT_MAX_PATHS,
            budget: timeouts.phase * 2,
            user_paths: Vec::new(),
        }
    }
}

/// What one probe of one camera port found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HostReport {
    /// The main stream (the first that played), URL without credentials.
    pub main: Option<Playable>,
    /// A second, different stream.
    pub sub: Option<Playable>,
    /// Index of the credential the server accepted (`None`: none was needed or none worked).
    pub credential: Option<usize>,
    /// The server answered a random decoy path with 200.
    pub accepts_any_path: bool,
    /// RTSP requests sent, all phases and failed logins included.
    pub requests: u32,
    /// Requests with credentials answered 401.
    pub failed_logins: u32,
    /// The brand the server's own answers named (`Server` header, Digest realm) when the
    /// hints had none, and which of the two named it.
    #[serde(skip)]
    pub brand: Option<(Brand, &'static str)>,
    /// Every path tried and what came of it (`/path: 404`, `/path: silent`, ...).
    pub tried: Vec<String>,
    /// Wall time of the probe.
    pub elapsed_ms: u64,
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
    let start = Instant::now();
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
        budget: opts.budget,
        deadline: start + opts.budget,
        current: order.first().copied(),
        order,
        dead: vec![false; creds.len()],
        conn: None,
        conn_cred: None,
        spent: 0,
        tried: HashSet::new(),
        speculative: false,
        unplayed: HashSet::new(),
        decoy: None,
        found_alike: false,
        brand: hints.brand,
        report: HostReport::default(),
    };
    p.run(hints, opts);
    let mut r = p.finish();
    r.elapsed_ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    r
}

/// The outcome of one DESCRIBE.
enum Desc {
    Found(Described),
    /// 404 or another refusal of this path: try the next.
    Missing,
    /// Give the host up (reason recorded).
    Stop,
}

/// The outcome of a search for the main stream.
enum Search {
    Found(String),
    /// Every candidate tried.
    Exhausted,
    /// The host was given up (reason recorded).
    Stopped,
}

/// The outcome of trying to play one path.
enum Step {
    Played(Playable),
    Missing,
    Stop,
}

struct Prober<'a> {
    ip: Ipv4Addr,
    port: u16,
    creds: &'a [Credential],
    t: Timeouts,
    budget: Duration,
    /// The end of this host's budget.
    deadline: Instant,
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
    /// PLAYs from now on wait [`SPECULATIVE_RTP_WAIT`].
    speculative: bool,
    /// Paths DESCRIBEd that answered like the decoy and were not played.
    unplayed: HashSet<String>,
    /// The decoy's DESCRIBE answer, on a server that accepts any path.
    decoy: Option<Described>,
    /// The main stream found answered its DESCRIBE like the decoy (the server's default
    /// stream), on a server that accepts any path.
    found_alike: bool,
    brand: Option<Brand>,
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
                let main_path = path_of(&main.stream.url).unwrap_or_default();
                self.find_other(&main_path, opts);
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
        let decoy = match self.describe_as(&decoy_path(fastrand::u64(..)), true) {
            Desc::Found(d) => {
                self.report.accepts_any_path = true;
                self.speculative = true;
                Some(d)
            }
            Desc::Missing => None,
            Desc::Stop => return,
        };
        self.learn_brand();
        let brand = self.brand;
        // A credential in the URL goes to this host only (like any credential), and never
        // to a brand known not to take it so.
        let may_carry = |c: &super::paths::Candidate<'_>| {
            !camdb::has_credential_marks(c.path)
                || c.data
                    .is_none_or(|d| brand.is_none_or(|b| d.is_listed_by(b)))
        };
        // Sub-stream paths are main candidates only where the answers tell streams apart (a
        // server that accepts any path): the stream they reveal leads to its main.
        let any_path = decoy.is_some();
        let cands: Vec<(String, Role)> = ordered_on_port(self.brand, self.port, &opts.user_paths)
            .into_iter()
            .filter(|c| (any_path || c.role != Role::Sub) && may_carry(c))
            .filter(|c| !self.tried.contains(c.path))
            .take(opts.max_paths)
            .map(|c| (c.path.to_owned(), c.role))
            .collect();
        self.decoy.clone_from(&decoy);
        let main = match &decoy {
            None => self.play_in_order(&cands),
            Some(d) => self.play_distinct_first(&cands, d),
        };
        match main {
            Search::Found(path) => self.find_other(&path, opts),
            Search::Stopped => {}
            Search::Exhausted => self.report.errors.push(format!(
                "rtsp {}:{} DESCRIBE: no stream among {} known URLs and {} dictionary paths",
                self.ip,
                self.port,
                known.len(),
                cands.len()
            )),
        }
    }

    /// A decoy-refusing server: every path it DESCRIBEs is real; the first that plays wins.
    fn play_in_order(&mut self, cands: &[(String, Role)]) -> Search {
        for (path, _) in cands {
            match self.play(path) {
                Step::Played(s) => {
                    self.found(s);
                    return Search::Found(path.clone());
                }
                Step::Missing => {}
                Step::Stop => return Search::Stopped,
            }
        }
        Search::Exhausted
    }

    /// A server that accepts any path: each candidate is DESCRIBEd in rank order and played
    /// at once when its answer differs from the decoy's, or when it is the first that
    /// answers alike (a server that plays one stream under any name is done then). The
    /// other alike ones are played afterwards, in rank order, until one plays.
    fn play_distinct_first(&mut self, cands: &[(String, Role)], decoy: &Described) -> Search {
        let mut alike = Vec::new();
        let mut played_alike = false;
        for (path, role) in cands {
            let before = self.requests();
            let d = match self.describe(path) {
                Desc::Found(d) => d,
                Desc::Missing => continue,
                Desc::Stop => return Search::Stopped,
            };
            let same = same_answer(&d, decoy);
            if same && (played_alike || role == &Role::Sub) {
                self.note(path, "answered like the decoy");
                self.unplayed.insert(path.clone());
                if role != &Role::Sub {
                    alike.push(path.clone());
                }
                continue;
            }
            played_alike |= same;
            match self.play_described(path, &d, before) {
                Step::Played(s) => {
                    self.found_alike = same;
                    self.found(s);
                    return Search::Found(path.clone());
                }
                Step::Missing => {}
                Step::Stop => return Search::Stopped,
            }
        }
        for path in alike {
            match self.play(&path) {
                Step::Played(s) => {
                    self.found_alike = true;
                    self.found(s);
                    return Search::Found(path);
                }
                Step::Missing => {}
                Step::Stop => return Search::Stopped,
            }
        }
        Search::Exhausted
    }

    /// The brand from the server's `Server` header or Digest realm, when none was hinted.
    fn learn_brand(&mut self) {
        if self.brand.is_some() {
            return;
        }
        let Some(conn) = &self.conn else { return };
        let found = conn
            .server()
            .and_then(Brand::from_hint)
            .map(|b| (b, "rtsp-server"))
            .or_else(|| {
                conn.realm()
                    .and_then(Brand::from_hint)
                    .map(|b| (b, "rtsp-realm"))
            });
        if let Some((b, _)) = found {
            self.brand = Some(b);
        }
        self.report.brand = found;
    }

    fn found(&mut self, s: Playable) {
        match &self.report.main {
            None => self.report.main = Some(s),
            Some(m) if m.stream.url != s.stream.url => {
                self.report.sub = Some(s);
                self.order_main_and_sub();
            }
            Some(_) => {}
        }
    }

    /// The main stream is the larger picture (the one a sub path of the data named second
    /// when a size is unknown): a server may have shown its sub stream first.
    fn order_main_and_sub(&mut self) {
        let (Some(m), Some(s)) = (&self.report.main, &self.report.sub) else {
            return;
        };
        let area = |x: &Playable| Some(u64::from(x.stream.width?) * u64::from(x.stream.height?));
        let swap = match (area(m), area(s)) {
            (Some(a), Some(b)) => b > a,
            _ => {
                let role = |x: &Playable| path_of(&x.stream.url).map_or(Role::Any, |p| role_of(&p));
                role(m) == Role::Sub && role(s) != Role::Sub
            }
        };
        if swap {
            std::mem::swap(&mut self.report.main, &mut self.report.sub);
        }
    }

    /// Tries the other stream of the camera whose `found` path played: its sub stream, or
    /// its main when `found` is a sub path ([`other_stream_candidates`], plus the user's
    /// paths of that role), at most [`MAX_SUB_TRIES`]. On a server that accepts any path a
    /// stream that plays like the one found (same codec and size) is that stream again, and
    /// when the one found is its default stream, an answer like the decoy's is not played.
    fn find_other(&mut self, found: &str, opts: &ProbeOptions) {
        let want = if role_of(found) == Role::Sub {
            Role::Main
        } else {
            Role::Sub
        };
        let mut cands = other_stream_candidates(found, self.brand);
        cands.extend(
            opts.user_paths
                .iter()
                .filter(|p| p.role == want && (p.brand.is_none() || p.brand == self.brand))
                .map(|p| p.path.to_string()),
        );
        let mut seen = HashSet::new();
        // Paths DESCRIBEd but not played (answered like the decoy) are still candidates.
        cands.retain(|c| {
            (!self.tried.contains(c) || self.unplayed.contains(c)) && seen.insert(c.clone())
        });
        // Where the stream found is the server's default one (answered like the decoy), an
        // answer like the decoy's is that stream again: not worth a PLAY.
        let skip_alike = self.report.accepts_any_path && self.found_alike;
        for c in cands.into_iter().take(MAX_SUB_TRIES) {
            let before = self.requests();
            let d = match self.describe(&c) {
                Desc::Found(d) => d,
                Desc::Missing => continue,
                Desc::Stop => return,
            };
            if skip_alike && self.decoy.as_ref().is_some_and(|x| same_answer(&d, x)) {
                self.note(&c, "answered like the decoy");
                continue;
            }
            match self.play_described(&c, &d, before) {
                Step::Played(s) => {
                    let same = self.report.main.as_ref().is_some_and(|m| {
                        (&m.stream.codec, m.stream.width, m.stream.height)
                            == (&s.stream.codec, s.stream.width, s.stream.height)
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

mod wire;
pub use wire::same_answer;

#[cfg(test)]
mod tests;
