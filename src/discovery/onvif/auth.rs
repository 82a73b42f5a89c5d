//! Which credential one ONVIF interrogation sends, and how: a pure state machine fed with
//! the device's refusals. No I/O, clock or randomness (nonces are added by the caller).
//!
//! Rules:
//! - nothing is sent until the device refuses a request without credentials;
//! - the configured credentials are tried in order, each at most once per device; the first
//!   one that gets a request through is kept for every later request, and each refused
//!   attempt counts as one failure;
//! - two layers, learnt from the refusals and then kept: HTTP authentication (a 401 with a
//!   `WWW-Authenticate` challenge: Digest preferred, Basic only when it is all the server
//!   offers; the nonce is reused with an increasing nonce count) and the WS-Security
//!   UsernameToken (a SOAP fault that says "not authorized", or a 401 without a challenge).
//!   A device may want both, e.g. HTTP Digest in front of a server that checks WS-Security;
//! - a `stale=true` challenge means the nonce expired, not the credential: answered again
//!   without counting a failure; a kept credential refused again gets one retry with the
//!   fresh challenge, after that the request is [`Step::Forbidden`] (that account may lack
//!   the right for one operation), never a reason to try another credential.
use crate::discovery::rtsp::auth::{pick, Challenge};

/// Why the device refused a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// HTTP 401 with the challenges of its `WWW-Authenticate` headers.
    Http(Vec<Challenge>),
    /// HTTP 401 whose `WWW-Authenticate` offers nothing this client can answer (NTLM ...).
    HttpUnsupported,
    /// The SOAP layer refused: an authorisation fault (any HTTP status), or a 401 without
    /// any challenge (ipycam's `Sender not authorized`).
    Soap,
}

/// What one request carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Index of the credential sent, if any.
    pub cred: Option<usize>,
    /// The HTTP challenge to answer and the nonce count to use with it.
    pub http: Option<(Challenge, u32)>,
    /// A WS-Security UsernameToken goes in the SOAP header.
    pub wsse: bool,
}

/// What to do after a refusal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Send the request again, with a fresh [`AuthState::plan`].
    Retry,
    /// Every configured credential was refused.
    Exhausted,
    /// The device wants credentials and none are configured.
    NoCredentials,
    /// The credential that works on this device is refused for this request.
    Forbidden,
    /// The device wants an HTTP authentication scheme this client does not speak.
    Unsupported,
}

/// The credential state of one device.
#[derive(Clone, Debug)]
pub struct AuthState {
    count: usize,
    current: Option<usize>,
    confirmed: bool,
    next: usize,
    http: Option<Challenge>,
    nc: u32,
    wsse: bool,
    failures: u32,
    /// The kept credential already had its retry with a fresh challenge in this request.
    refreshed: bool,
}

impl AuthState {
    /// State for a device, with `count` configured credentials.
    pub fn new(count: usize) -> Self {
        AuthState {
            count,
            current: None,
            confirmed: false,
            next: 0,
            http: None,
            nc: 0,
            wsse: false,
            failures: 0,
            refreshed: false,
        }
    }

    /// Call before the first attempt of each request.
    pub fn begin(&mut self) {
        self.refreshed = false;
    }

    /// What the next attempt sends (counts one use of the HTTP nonce).
    pub fn plan(&mut self) -> Plan {
        let cred = self.current;
        let http = match (cred, &self.http) {
            (Some(_), Some(ch)) => {
                self.nc = self.nc.saturating_add(1);
                Some((ch.clone(), self.nc))
            }
            _ => None,
        };
        Plan {
            cred,
            http,
            wsse: self.wsse && cred.is_some(),
        }
    }

    /// The device did not refuse the attempt: a credential it carried is the one to keep.
    pub fn accepted(&mut self, sent: &Plan) {
        if sent.cred.is_some() && sent.cred == self.current {
            self.confirmed = true;
        }
    }

    /// The device refused the attempt `sent` for `why`.
    pub fn refused(&mut self, sent: &Plan, why: Refusal) -> Step {
        match why {
            Refusal::HttpUnsupported => Step::Unsupported,
            Refusal::Http(challenges) => {
                let Some(ch) = pick(&challenges).cloned() else {
                    return Step::Unsupported;
                };
                let stale = matches!(ch, Challenge::Digest { stale: true, .. });
                self.http = Some(ch);
                self.nc = 0;
                match &sent.http {
                    None => self.ensure_credential(),
                    Some(_) if stale => Step::Retry,
                    Some(_) if self.confirmed && !self.refreshed => {
                        self.refreshed = true;
                        Step::Retry
                    }
                    Some(_) => self.reject(),
                }
            }
            Refusal::Soap if !sent.wsse => {
                self.wsse = true;
                self.ensure_credential()
            }
            Refusal::Soap => self.reject(),
        }
    }

    /// The credential that got a request through, if any has.
    pub fn credential(&self) -> Option<usize> {
        self.current.filter(|_| self.confirmed)
    }

    /// Refused attempts so far (one per refused credential).
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Credentials tried so far.
    pub fn tried(&self) -> usize {
        self.next
    }

    fn ensure_credential(&mut self) -> Step {
        if self.current.is_some() {
            Step::Retry
        } else {
            self.advance()
        }
    }

    fn reject(&mut self) -> Step {
        if self.confirmed {
            return Step::Forbidden;
        }
        self.failures += 1;
        self.current = None;
        self.advance()
    }

    fn advance(&mut self) -> Step {
        if self.count == 0 {
            return Step::NoCredentials;
        }
        if self.next >= self.count {
            return Step::Exhausted;
        }
        self.current = Some(self.next);
        self.next += 1;
        Step::Retry
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::rtsp::auth::{parse_challenges, Algorithm, Qop};

    fn digest(nonce: &str, stale: bool) -> Challenge {
        Challenge::Digest {
            realm: "r".into(),
            nonce: nonce.into(),
            opaque: None,
            algorithm: Algorithm::Md5,
            qop: Some(Qop::Auth),
            stale,
        }
    }

    /// Drives one request until it is accepted by `device` (which sees each plan) or stops.
    fn request(
        st: &mut AuthState,
        mut device: impl FnMut(&Plan) -> Option<Refusal>,
    ) -> (Vec<Plan>, Option<Step>) {
        st.begin();
        let mut sent = Vec::new();
        for _ in 0..20 {
            let plan = st.plan();
            sent.push(plan.clone());
            match device(&plan) {
                None => {
                    st.accepted(&plan);
                    return (sent, None);
                }
                Some(why) => match st.refused(&plan, why) {
                    Step::Retry => continue,
                    stop => return (sent, Some(stop)),
                },
            }
        }
        panic!("no end after 20 attempts: {sent:?}");
    }

    /// WS-Security device whose right credential is #2 of 4: nothing sent first, then #0,
    /// #1 refused (counted), #2 kept for the next request, #3 never sent.
    #[test]
    fn ws_security_finds_and_keeps_the_right_credential() {
        let mut st = AuthState::new(4);
        let device = |p: &Plan| (p.cred != Some(2) || !p.wsse).then_some(Refusal::Soap);
        let (sent, stop) = request(&mut st, device);
        assert_eq!(stop, None);
        let creds: Vec<_> = sent.iter().map(|p| (p.cred, p.wsse)).collect();
        assert_eq!(
            creds,
            [
                (None, false),
                (Some(0), true),
                (Some(1), true),
                (Some(2), true)
            ]
        );
        assert!(sent.iter().all(|p| p.http.is_none()));
        assert_eq!(
            (st.credential(), st.failures(), st.tried()),
            (Some(2), 2, 3)
        );
        let (sent, stop) = request(&mut st, device);
        assert_eq!(stop, None);
        assert_eq!(sent.len(), 1);
        assert_eq!((sent[0].cred, sent[0].wsse), (Some(2), true));
    }

    /// HTTP Digest: the challenge is answered with #0 (refused: the fresh challenge of that
    /// 401 is taken), then #1; once through, the nonce is reused with nc 2, 3 ...
    #[test]
    fn http_digest_reuses_the_nonce_with_increasing_count() {
        let mut st = AuthState::new(3);
        let mut n = 0;
        let mut device = |p: &Plan| {
            n += 1;
            let fresh = Refusal::Http(vec![digest(&format!("n{n}"), false)]);
            match &p.http {
                Some((_, _)) if p.cred == Some(1) => None,
                _ => Some(fresh),
            }
        };
        let (sent, stop) = request(&mut st, &mut device);
        assert_eq!(stop, None);
        let seen: Vec<_> = sent
            .iter()
            .map(|p| (p.cred, p.http.as_ref().map(|(c, nc)| (c.clone(), *nc))))
            .collect();
        assert_eq!(
            seen,
            [
                (None, None),
                (Some(0), Some((digest("n1", false), 1))),
                (Some(1), Some((digest("n2", false), 1))),
            ]
        );
        assert!(sent.iter().all(|p| !p.wsse));
        for want_nc in 2..5 {
            let (sent, _) = request(&mut st, &mut device);
            assert_eq!(sent[0].http.as_ref().map(|h| h.1), Some(want_nc));
        }
        assert_eq!((st.credential(), st.failures()), (Some(1), 1));
    }

    /// A stale nonce is answered again with the same credential, not counted; a kept
    /// credential refused without `stale` gets one retry, then the request is Forbidden
    /// (and no other credential is tried).
    #[test]
    fn stale_nonce_and_forbidden_operation() {
        let mut st = AuthState::new(2);
        let (_, stop) = request(&mut st, |p| {
            p.http
                .is_none()
                .then(|| Refusal::Http(vec![digest("a", false)]))
        });
        assert_eq!((stop, st.credential()), (None, Some(0)));
        let mut calls = 0;
        let (sent, stop) = request(&mut st, |p| {
            calls += 1;
            match calls {
                1 => Some(Refusal::Http(vec![digest("b", true)])),
                _ => (p.http.as_ref().unwrap().0 != digest("b", true))
                    .then(|| Refusal::Http(vec![digest("c", false)])),
            }
        });
        assert_eq!((stop, sent.len(), st.failures()), (None, 2, 0));
        let (sent, stop) = request(&mut st, |_| Some(Refusal::Http(vec![digest("d", false)])));
        assert_eq!(stop, Some(Step::Forbidden));
        assert_eq!(sent.len(), 2, "one retry with the fresh nonce");
        assert!(sent.iter().all(|p| p.cred == Some(0)));
        let (sent, stop) = request(&mut st, |_| Some(Refusal::Soap));
        assert_eq!(stop, Some(Step::Forbidden));
        assert_eq!(sent.len(), 2, "WS-Security added once, then forbidden");
        assert_eq!(
            (st.credential(), st.failures(), st.tried()),
            (Some(0), 0, 1)
        );

        // Stale while the right credential is still being found: answered again with the
        // same credential, nothing counted, #1 never tried.
        let mut st = AuthState::new(2);
        let (sent, stop) = request(&mut st, |p| match &p.http {
            None => Some(Refusal::Http(vec![digest("a", false)])),
            Some((ch, _)) if *ch == digest("a", false) => {
                Some(Refusal::Http(vec![digest("b", true)]))
            }
            Some(_) => None,
        });
        assert_eq!(stop, None);
        assert_eq!(
            sent.iter().map(|p| p.cred).collect::<Vec<_>>(),
            [None, Some(0), Some(0)]
        );
        assert_eq!(
            (st.credential(), st.failures(), st.tried()),
            (Some(0), 0, 1)
        );
    }

    /// HTTP Digest outside, WS-Security inside (same credential): the Digest layer passes #1,
    /// the SOAP layer then asks for WS-Security, which #1 also passes; no failure for that.
    #[test]
    fn both_layers_with_one_credential() {
        let mut st = AuthState::new(2);
        let device = |p: &Plan| {
            if p.http.is_none() || p.cred != Some(1) {
                return Some(Refusal::Http(vec![digest("x", false)]));
            }
            (!p.wsse).then_some(Refusal::Soap)
        };
        let (sent, stop) = request(&mut st, device);
        assert_eq!(stop, None);
        let seen: Vec<_> = sent
            .iter()
            .map(|p| (p.cred, p.http.is_some(), p.wsse))
            .collect();
        assert_eq!(
            seen,
            [
                (None, false, false),
                (Some(0), true, false),
                (Some(1), true, false),
                (Some(1), true, true),
            ]
        );
        assert_eq!((st.credential(), st.failures()), (Some(1), 1));
    }

    /// Every credential refused → Exhausted after each was tried once; none configured →
    /// NoCredentials; NTLM-only → Unsupported; Basic is answered when it is all there is.
    #[test]
    fn exhausted_none_unsupported_basic() {
        let mut st = AuthState::new(3);
        let (sent, stop) = request(&mut st, |_| Some(Refusal::Soap));
        assert_eq!(stop, Some(Step::Exhausted));
        assert_eq!(
            sent.iter().filter_map(|p| p.cred).collect::<Vec<_>>(),
            [0, 1, 2]
        );
        assert_eq!((st.credential(), st.failures(), st.tried()), (None, 3, 3));

        let mut st = AuthState::new(0);
        let (_, stop) = request(&mut st, |_| Some(Refusal::Soap));
        assert_eq!(stop, Some(Step::NoCredentials));

        let mut st = AuthState::new(1);
        let ntlm = parse_challenges(&["NTLM"]);
        assert!(ntlm.is_empty());
        let (_, stop) = request(&mut st, |_| Some(Refusal::Http(ntlm.clone())));
        assert_eq!(stop, Some(Step::Unsupported));

        let mut st = AuthState::new(1);
        let basic = parse_challenges(&[r#"Basic realm="cam""#]);
        let (sent, stop) = request(&mut st, |p| {
            p.http.is_none().then(|| Refusal::Http(basic.clone()))
        });
        assert_eq!(stop, None);
        assert!(matches!(sent[1].http, Some((Challenge::Basic { .. }, 1))));
    }

    /// A device that needs nothing never sees a credential.
    #[test]
    fn open_device_gets_no_credentials() {
        let mut st = AuthState::new(2);
        for _ in 0..3 {
            let (sent, stop) = request(&mut st, |_| None);
            assert_eq!((stop, sent.len()), (None, 1));
            assert_eq!(
                sent[0],
                Plan {
                    cred: None,
                    http: None,
                    wsse: false
                }
            );
        }
        assert_eq!((st.credential(), st.failures(), st.tried()), (None, 0, 0));
    }
}
