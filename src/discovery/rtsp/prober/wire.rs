//! The prober's wire steps on one host: DESCRIBE with the credential bookkeeping (and paths
//! that carry the credential, tried with each in turn), SETUP/PLAY of a DESCRIBEd path with
//! the right RTP wait, the connection kept within the host's budget, and the comparison of
//! DESCRIBE answers with the decoy's. The order of the attempts is the parent module's.
use super::{Desc, Prober, Step, MAX_TRIED_LINES, SPECULATIVE_RTP_WAIT};
use crate::camdb;
use crate::discovery::rtsp::conn::{Conn, Described};
use crate::discovery::rtsp::outcome::{ProbeError, Timeouts};
use crate::discovery::rtsp::paths::fill_credentials;
use std::time::Instant;

impl Prober<'_> {
    pub(super) fn url(&self, path: &str) -> String {
        format!("rtsp://{}:{}{path}", self.ip, self.port)
    }

    pub(super) fn requests(&self) -> u32 {
        self.spent + self.conn.as_ref().map_or(0, Conn::requests)
    }

    /// Records what came of `path` (bounded).
    pub(super) fn note(&mut self, path: &str, what: &str) {
        if self.report.tried.len() < MAX_TRIED_LINES {
            self.report.tried.push(format!("{path}: {what}"));
        }
    }

    /// DESCRIBE + play of one path.
    pub(super) fn play(&mut self, path: &str) -> Step {
        let before = self.requests();
        match self.describe(path) {
            Desc::Found(d) => self.play_described(path, &d, before),
            Desc::Missing => Step::Missing,
            Desc::Stop => Step::Stop,
        }
    }

    /// SETUP/PLAY/first RTP of a DESCRIBEd path (see the module doc for the waits);
    /// `before`: the request count before its DESCRIBE.
    pub(super) fn play_described(&mut self, path: &str, d: &Described, before: u32) -> Step {
        self.unplayed.remove(path);
        let wait = if self.speculative {
            SPECULATIVE_RTP_WAIT.min(self.t.phase)
        } else {
            self.t.phase
        };
        let cred = self.current;
        let Some(conn) = self.conn.as_mut() else {
            return Step::Stop;
        };
        conn.set_rtp_wait(wait);
        let result = conn.play(d);
        let accepted = conn.credential_accepted();
        match result {
            Ok(mut s) => {
                if accepted || camdb::has_credential_marks(path) {
                    self.report.credential = cred;
                }
                s.stream.url = self.url(path);
                s.requests = self.requests() - before;
                self.note(path, "played");
                Step::Played(s)
            }
            Err(e) => {
                let silent = matches!(e, ProbeError::Timeout { phase: "RTP", .. });
                self.note(path, if silent { "silent" } else { "PLAY failed" });
                self.report.errors.push(e.to_string());
                if self.out_of_budget() {
                    return Step::Stop;
                }
                if silent {
                    // The next PLAY on this host is a guess too: it waits less.
                    self.speculative = true;
                }
                Step::Missing
            }
        }
    }

    /// Whether the budget is spent; says so in the errors once.
    pub(super) fn out_of_budget(&mut self) -> bool {
        if Instant::now() < self.deadline {
            return false;
        }
        if !self.report.errors.iter().any(|e| e.contains("budget")) {
            let tried = self.report.tried.len();
            self.report.errors.push(format!(
                "rtsp {}:{} probe: budget of {:.1} s spent after {tried} paths: host given up",
                self.ip,
                self.port,
                self.budget.as_secs_f64()
            ));
        }
        true
    }

    /// A usable connection with the current credential set, its waits ending at the budget.
    pub(super) fn conn(&mut self) -> Result<&mut Conn, ProbeError> {
        let conn = match self.conn.take() {
            Some(c) if c.is_reusable() => c,
            old => {
                self.spent += old.as_ref().map_or(0, Conn::requests);
                self.conn_cred = None;
                let left = self.deadline.saturating_duration_since(Instant::now());
                let t = Timeouts {
                    connect: self.t.connect.min(left),
                    phase: self.t.phase,
                };
                let mut c = Conn::open(&self.ip.to_string(), self.port, &t)?;
                c.set_deadline(Some(self.deadline));
                c
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

    /// DESCRIBE of one path with the credential bookkeeping (see the module doc). A path
    /// that carries the credential is tried with each live credential in turn (a camera
    /// that reads the login from the URL answers a wrong one like a missing path); the one
    /// it accepts becomes the current credential.
    pub(super) fn describe(&mut self, path: &str) -> Desc {
        if !camdb::has_credential_marks(path) || self.creds.is_empty() {
            return self.describe_as(path, false);
        }
        let before = self.current;
        let live: Vec<usize> = self
            .order
            .iter()
            .copied()
            .filter(|k| !self.dead[*k])
            .collect();
        for k in live {
            if self.dead[k] {
                continue; // refused by a challenge meanwhile
            }
            self.current = Some(k);
            match self.describe_as(path, false) {
                Desc::Missing => {}
                found => return found,
            }
        }
        self.current = before
            .filter(|k| !self.dead[*k])
            .or_else(|| self.order.iter().copied().find(|k| !self.dead[*k]));
        Desc::Missing
    }

    /// [`Self::describe`]; the decoy's outcome is not listed among the paths tried.
    pub(super) fn describe_as(&mut self, path: &str, decoy: bool) -> Desc {
        if self.out_of_budget() {
            return Desc::Stop;
        }
        self.tried.insert(path.to_string());
        let note = |p: &mut Self, what: &str| {
            if !decoy {
                p.note(path, what);
            }
        };
        let mut reopened = false;
        loop {
            let wire = match self.current.and_then(|k| self.creds.get(k)) {
                Some(c) => fill_credentials(path, &c.username, c.password.expose()),
                None => fill_credentials(path, "admin", ""),
            };
            let url = self.url(&wire);
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
                        note(self, "401");
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
                    note(self, "401");
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
                ProbeError::Status { status, .. } => {
                    note(self, &status.to_string());
                    return Desc::Missing;
                }
                // A bad SDP on a working connection: this path only.
                e if usable => {
                    note(self, "bad answer");
                    self.report.errors.push(e.to_string());
                    return Desc::Missing;
                }
                // A kept-alive connection the server dropped: one fresh try.
                _ if reused && !reopened && !self.out_of_budget() => reopened = true,
                e => {
                    note(self, "no answer");
                    self.report.errors.push(e.to_string());
                    return Desc::Stop;
                }
            }
        }
    }
}

/// Whether two DESCRIBE answers describe the same thing, by what a server that plays one
/// stream under any name would echo alike: the tracks (kind, payload type, format, clock,
/// parameter sets and other fmtp) and the control URLs and Content-Base with each request's
/// own URL taken out. Session ids and versions (`o=`) are not compared.
#[must_use]
pub fn same_answer(a: &Described, b: &Described) -> bool {
    shape(a) == shape(b)
}

fn shape(d: &Described) -> Vec<String> {
    let strip = |s: &str| s.replace(&d.url, "<url>");
    let mut out = vec![
        d.content_base.as_deref().map(strip).unwrap_or_default(),
        d.sdp.control.as_deref().map(strip).unwrap_or_default(),
    ];
    for m in &d.sdp.media {
        let rtpmap = m
            .rtpmap
            .as_ref()
            .map(|r| format!("{}/{}/{:?}", r.encoding, r.clock_rate, r.channels))
            .unwrap_or_default();
        out.push(format!(
            "{} {:?} {} {:?} {}",
            m.kind,
            m.payload_type,
            rtpmap,
            m.fmtp,
            m.control.as_deref().map(strip).unwrap_or_default()
        ));
    }
    out
}
