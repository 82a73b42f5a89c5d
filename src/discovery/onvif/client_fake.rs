//! A scripted ONVIF device for the client tests: it answers with the replies captured from
//! the lab (`testdata/`) and checks credentials the way the real servers do: the
//! WS-Security PasswordDigest and its `Created` against the camera's clock, the HTTP Digest
//! response (computed here from RFC 7616 with the md-5 crate directly, not with our Digest
//! code), refusals shaped like ipycam's (401 + Receiver fault), onvif-server's (500 + Sender
//! fault) and lighttpd's (401 + challenge + HTML page). It records every request and
//! asserts that none goes to another host.
use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::time::Duration;

use md5::{Digest as _, Md5};

use super::http::{Failure, Reply, Request, Transport};
use super::*;
use crate::discovery::xml::Doc;

pub(super) fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/discovery/onvif/testdata")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Style {
    /// ipycam: refusals are HTTP 401 + `s:Receiver` fault, GetSystemDateAndTime included.
    Ipycam,
    /// onvif-server: refusals are HTTP 500 + `env:Sender` fault; the clock is open.
    OnvifServer,
}

/// One request as the device saw it.
#[derive(Debug)]
pub(super) struct Seen {
    pub(super) url: String,
    pub(super) op: String,
    pub(super) authorization: Option<String>,
    pub(super) ws_user: Option<String>,
    pub(super) accepted: bool,
}

pub(super) struct FakeCam {
    pub(super) ip: Ipv4Addr,
    pub(super) prefix: &'static str,
    pub(super) style: Style,
    /// WS-Security user and password, if the device checks it.
    pub(super) ws: Option<(&'static str, &'static str)>,
    /// HTTP Digest realm, user, password, if the device checks it (lighttpd in front).
    pub(super) digest: Option<(&'static str, &'static str, &'static str)>,
    /// A nonce is good for this many requests, then answered with `stale=true`.
    pub(super) nonce_uses: u32,
    pub(super) nonce: u32,
    pub(super) used: u32,
    /// The camera's clock (unix seconds).
    pub(super) clock: i64,
    /// Replies that replace a fixture, by operation (`GetCapabilities`, `GetProfiles2` ...).
    pub(super) replies: HashMap<&'static str, String>,
    /// HTTP status of a reply in `replies` (default: 500 for a fault, else 200).
    pub(super) statuses: HashMap<&'static str, u16>,
    pub(super) seen: Vec<Seen>,
}

impl FakeCam {
    pub(super) fn new(prefix: &'static str, ip: [u8; 4], style: Style) -> Self {
        let clock =
            parse_system_date_and_time(&fixture(&format!("{prefix}_get_system_date_and_time.xml")))
                .unwrap();
        FakeCam {
            ip: ip.into(),
            prefix,
            style,
            ws: None,
            digest: None,
            nonce_uses: 1000,
            nonce: 0,
            used: 0,
            clock,
            replies: HashMap::new(),
            statuses: HashMap::new(),
            seen: Vec::new(),
        }
    }

    fn date(&self) -> Option<String> {
        let c = created_for(self.clock, 0); // 2026-11-27T00:36:56Z
        let months = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let month = months[c[5..7].parse::<usize>().unwrap() - 1];
        Some(format!(
            "Fri, {} {month} {} {} GMT",
            &c[8..10],
            &c[0..4],
            &c[11..19]
        ))
    }

    fn reply(&self, status: u16, body: Vec<u8>) -> Reply {
        Reply {
            status,
            www_authenticate: Vec::new(),
            date: self.date(),
            body,
        }
    }

    /// The 401 of lighttpd: a challenge with the current nonce and its HTML page.
    fn challenge(&mut self, stale: bool) -> Reply {
        let (realm, _, _) = self.digest.unwrap();
        self.nonce += 1;
        self.used = 0;
        let mut r = self.reply(
            401,
            fixture("axis_lighttpd_get_system_date_and_time_unauthenticated.xml"),
        );
        r.www_authenticate = vec![format!(
            "Digest realm=\"{realm}\", charset=\"UTF-8\", algorithm=MD5, nonce=\"n{}\", qop=\"auth\"{}",
            self.nonce,
            if stale { ", stale=true" } else { "" }
        )];
        r
    }

    /// `None` when the Digest answer is right; the refusal otherwise.
    fn check_digest(&mut self, path: &str, header: Option<&str>) -> Option<Reply> {
        let (realm, user, pass) = self.digest?;
        let Some(h) = header.and_then(|h| h.strip_prefix("Digest ")) else {
            return Some(self.challenge(false));
        };
        let p = |k: &str| param(h, k);
        let hex = |s: String| format!("{:x}", Md5::digest(s.as_bytes()));
        let ha1 = hex(format!("{user}:{realm}:{pass}"));
        let ha2 = hex(format!("POST:{path}"));
        let (nonce, nc, cnonce) = (p("nonce"), p("nc"), p("cnonce"));
        let want = hex(format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}"));
        let right = p("username") == user && p("uri") == path && p("response") == want;
        if !right || nonce != format!("n{}", self.nonce) {
            return Some(self.challenge(false));
        }
        self.used += 1;
        if self.used > self.nonce_uses {
            return Some(self.challenge(true));
        }
        None
    }

    /// The WS-Security user when the UsernameToken is right and fresh.
    fn check_ws(&self, doc: &Doc) -> Result<Option<String>, ()> {
        let Some(t) = doc.root().find("UsernameToken") else {
            return Ok(None);
        };
        let (user, pass) = self.ws.ok_or(())?;
        let nonce = base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            t.child_text("Nonce").unwrap(),
        )
        .unwrap();
        let created = t.child_text("Created").unwrap();
        let when = |s: &str| -> i64 {
            let n = |a: usize, b: usize| s[a..b].parse::<u32>().unwrap();
            time::unix_from_civil(
                i64::from(n(0, 4)),
                n(5, 7),
                n(8, 10),
                n(11, 13),
                n(14, 16),
                n(17, 19),
            )
            .unwrap()
        };
        let fresh = (when(created) - self.clock).abs() <= 5;
        let right = t.child_text("Username") == Some(user)
            && t.child_text("Password") == Some(&password_digest(&nonce, created, pass));
        if right && fresh {
            Ok(Some(user.to_string()))
        } else {
            Err(())
        }
    }

    fn ws_refusal(&self, header_sent: bool) -> Reply {
        match self.style {
            Style::Ipycam => self.reply(401, fixture("hikvision_ipycam_auth_failure.xml")),
            Style::OnvifServer if header_sent => {
                self.reply(500, fixture("dahua_onvifserver_auth_failure.xml"))
            }
            Style::OnvifServer => self.reply(
                500,
                fixture("dahua_onvifserver_get_device_information_unauthenticated.xml"),
            ),
        }
    }

    fn answer(&self, op: &str, token: Option<&str>) -> Reply {
        if let Some(body) = self.replies.get(op) {
            let status = if body.contains("Fault>") { 500 } else { 200 };
            let status = self.statuses.get(op).copied().unwrap_or(status);
            return self.reply(status, body.clone().into_bytes());
        }
        let file = match op {
            "GetSystemDateAndTime" => "get_system_date_and_time".to_string(),
            "GetDeviceInformation" => "get_device_information".into(),
            "GetCapabilities" => "get_capabilities".into(),
            "GetServices" => "get_services".into(),
            "GetProfiles" => "get_profiles".into(),
            "GetProfiles2" => "get_profiles2".into(),
            "GetStreamUri" => format!("get_stream_uri_{}", token.unwrap()),
            "GetStreamUri2" => format!("get_stream_uri2_{}", token.unwrap()),
            "GetSnapshotUri" => format!("get_snapshot_uri_{}", token.unwrap()),
            _ => String::new(),
        };
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src/discovery/onvif/testdata")
            .join(format!("{}_{file}.xml", self.prefix));
        match std::fs::read(path) {
            Ok(b) if String::from_utf8_lossy(&b).contains("Fault>") => self.reply(500, b),
            Ok(b) => self.reply(200, b),
            Err(_) => self.reply(
                500,
                fixture("dahua_onvifserver_get_stream_uri2_Profile_1.xml"),
            ),
        }
    }
}

/// A `key=value` or `key="value"` parameter of an Authorization header.
pub(super) fn param(h: &str, key: &str) -> String {
    h.split(", ")
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
        .map(|v| v.trim_matches('"').to_string())
        .unwrap_or_default()
}

impl Transport for FakeCam {
    fn post(&mut self, req: &Request<'_>, _: Duration, _: usize) -> Result<Reply, Failure> {
        let prefix = format!("http://{}:", self.ip);
        assert!(
            req.url.starts_with(&prefix),
            "request to another host: {}",
            req.url
        );
        let path = req.url[prefix.len()..]
            .split_once('/')
            .map(|(_, p)| format!("/{p}"))
            .unwrap();
        let (ns, op) = req.action.rsplit_once('/').unwrap();
        let op = if ns.contains("ver20") {
            format!("{op}2")
        } else {
            op.to_string()
        };
        let doc = Doc::parse(req.body.as_bytes()).expect("request is well-formed");
        let token = doc
            .root()
            .find("ProfileToken")
            .map(|t| t.text().to_string());
        let mut seen = Seen {
            url: req.url.to_string(),
            op: op.clone(),
            authorization: req.authorization.map(str::to_string),
            ws_user: doc.root().find("Username").map(|u| u.text().to_string()),
            accepted: false,
        };
        let reply = if let Some(refusal) = self.check_digest(&path, req.authorization) {
            refusal
        } else {
            let open = op == "GetSystemDateAndTime" && self.style == Style::OnvifServer;
            match self.check_ws(&doc) {
                Ok(None) if self.ws.is_some() && !open => self.ws_refusal(false),
                Err(()) => self.ws_refusal(true),
                Ok(_) => {
                    seen.accepted = true;
                    self.answer(&op, token.as_deref())
                }
            }
        };
        self.seen.push(seen);
        Ok(reply)
    }
}
