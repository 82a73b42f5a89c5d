//! One SOAP call of an interrogation: the request (with the credential and layers
//! [`AuthState`] decides), the device's refusals fed back to it until the call goes through
//! or cannot, the camera's clock learnt on the way, and the reply turned into a value or a
//! [`ClientError`]. Deadline and per-request timeout ([`Options`]) are enforced here.
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use super::auth::{AuthState, Plan, Refusal, Step};
use super::http::{Failure, Reply, Request, Transport};
use super::time::parse_http_date;
use super::url::HttpTarget;
use super::{parse, soap, OnvifError};
use crate::discovery::rtsp::auth::{authorization, parse_challenges, pick};
use crate::secret::Credential;

/// Limits of one interrogation.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Per request (connect, send, answer, body).
    pub timeout: Duration,
    /// The whole interrogation (`ONVIF_TIMEOUT`); a request never waits beyond it.
    pub deadline: Instant,
    /// Largest reply body accepted, e.g. [`super::client::DEFAULT_MAX_BODY`].
    pub max_body: usize,
}

/// Why an interrogation (or one of its requests) failed: one line with ip, port and the
/// ONVIF operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// WS-Discovery gave no XAddr to interrogate.
    #[error("onvif {ip}: no usable XAddr")]
    NoXaddr { ip: Ipv4Addr },
    #[error("onvif {ip}:{port} xaddr: not an http://host[:port]/path URL: {xaddr:?}")]
    BadXaddr {
        ip: Ipv4Addr,
        port: u16,
        xaddr: String,
    },
    /// Timeout, connection refused, reset, over-size reply.
    #[error("onvif {ip}:{port} {phase}: {cause}")]
    Http {
        ip: Ipv4Addr,
        port: u16,
        phase: &'static str,
        cause: Failure,
    },
    /// A non-2xx status without a SOAP fault (an HTML error page, 404 ...).
    #[error("onvif {ip}:{port} {phase}: HTTP {status}")]
    Status {
        ip: Ipv4Addr,
        port: u16,
        phase: &'static str,
        status: u16,
    },
    /// A SOAP fault other than an authorisation one, or a reply that does not parse (the
    /// source names the operation).
    #[error("onvif {ip}:{port} {source}")]
    Reply {
        ip: Ipv4Addr,
        port: u16,
        #[source]
        source: OnvifError,
    },
    #[error("onvif {ip}:{port} {phase}: credentials refused (all {tried} tried)")]
    CredentialsRefused {
        ip: Ipv4Addr,
        port: u16,
        phase: &'static str,
        tried: usize,
    },
    #[error("onvif {ip}:{port} {phase}: credentials needed, none configured")]
    NoCredentials {
        ip: Ipv4Addr,
        port: u16,
        phase: &'static str,
    },
    #[error("onvif {ip}:{port} {phase}: credential #{index} is not authorised for this operation")]
    Forbidden {
        ip: Ipv4Addr,
        port: u16,
        phase: &'static str,
        index: usize,
    },
    #[error("onvif {ip}:{port} {phase}: HTTP authentication {detail}")]
    Auth {
        ip: Ipv4Addr,
        port: u16,
        phase: &'static str,
        detail: &'static str,
    },
    #[error("onvif {ip}:{port} {phase}: deadline exceeded after {secs:.1} s")]
    Deadline {
        ip: Ipv4Addr,
        port: u16,
        phase: &'static str,
        secs: f64,
    },
}

impl ClientError {
    /// The device answered, just not usefully for this operation (a fault such as
    /// ActionNotSupported, an error status, a reply that does not parse, a forbidden
    /// operation): an optional call is skipped. Transport, deadline and credential errors
    /// end the interrogation.
    pub fn is_skippable(&self) -> bool {
        matches!(
            self,
            ClientError::Status { .. } | ClientError::Reply { .. } | ClientError::Forbidden { .. }
        )
    }
}

/// Why the device refused a request, if it did.
fn refusal(reply: &Reply) -> Option<Refusal> {
    if reply.status == 401 {
        if reply.www_authenticate.is_empty() {
            return Some(Refusal::Soap);
        }
        let values: Vec<&str> = reply.www_authenticate.iter().map(String::as_str).collect();
        let challenges = parse_challenges(&values);
        return Some(if pick(&challenges).is_some() {
            Refusal::Http(challenges)
        } else {
            Refusal::HttpUnsupported
        });
    }
    parse::parse_fault(&reply.body)
        .filter(super::Fault::is_auth_failure)
        .map(|_| Refusal::Soap)
}

/// The state of one interrogation shared by its calls.
pub(super) struct Session<'a> {
    pub t: &'a mut dyn Transport,
    pub now_unix: &'a dyn Fn() -> i64,
    pub ip: Ipv4Addr,
    pub creds: &'a [Credential],
    pub opts: &'a Options,
    pub auth: AuthState,
    /// Camera clock minus ours, in seconds.
    pub offset: i64,
    /// The offset comes from a `GetSystemDateAndTime` reply (not only an HTTP `Date`).
    pub offset_from_body: bool,
    pub requests: u32,
    pub started: Instant,
}

impl Session<'_> {
    /// One SOAP operation, answering the device's authentication demands.
    pub fn call<T>(
        &mut self,
        op: &'static str,
        ns: &str,
        target: &HttpTarget,
        body: &str,
        parse: fn(&[u8]) -> Result<T, OnvifError>,
    ) -> Result<T, ClientError> {
        let (ip, port) = (self.ip, target.port);
        let action = format!("{ns}/{op}");
        self.auth.begin();
        // Each round either consumes a credential or changes a layer; this bounds a device
        // that keeps answering `stale=true`.
        let rounds = self.creds.len() * 2 + 6;
        for _ in 0..rounds {
            let remaining = self.opts.deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(self.deadline(op, port));
            }
            let timeout = self.opts.timeout.min(remaining);
            let plan = self.auth.plan();
            let envelope = self.envelope(body, &plan);
            let authorization = self.authorization(&plan, &target.path);
            self.requests += 1;
            let req = Request {
                url: &target.url,
                action: &action,
                authorization: authorization.as_deref(),
                body: &envelope,
            };
            let reply = match self.t.post(&req, timeout, self.opts.max_body) {
                Ok(r) => r,
                Err(Failure::Timeout(_)) if timeout < self.opts.timeout => {
                    return Err(self.deadline(op, port))
                }
                Err(cause) => {
                    return Err(ClientError::Http {
                        ip,
                        port,
                        phase: op,
                        cause,
                    })
                }
            };
            log::debug!(
                "onvif {ip}:{port} {op}: HTTP {} ({} bytes) credential {:?} http-auth {} ws-security {}",
                reply.status,
                reply.body.len(),
                plan.cred,
                plan.http.is_some(),
                plan.wsse
            );
            let Some(why) = refusal(&reply) else {
                self.auth.accepted(&plan);
                return finish(ip, port, op, &reply, parse);
            };
            self.learn_clock(&reply);
            let phase = op;
            match self.auth.refused(&plan, why) {
                Step::Retry => {}
                Step::Exhausted => {
                    let tried = self.auth.tried();
                    return Err(ClientError::CredentialsRefused {
                        ip,
                        port,
                        phase,
                        tried,
                    });
                }
                Step::NoCredentials => return Err(ClientError::NoCredentials { ip, port, phase }),
                Step::Forbidden => {
                    let index = plan.cred.unwrap_or_default();
                    return Err(ClientError::Forbidden {
                        ip,
                        port,
                        phase,
                        index,
                    });
                }
                Step::Unsupported => {
                    let detail = "scheme not supported";
                    return Err(ClientError::Auth {
                        ip,
                        port,
                        phase,
                        detail,
                    });
                }
            }
        }
        let detail = "did not settle (the device keeps refusing fresh nonces)";
        Err(ClientError::Auth {
            ip,
            port,
            phase: op,
            detail,
        })
    }

    fn deadline(&self, phase: &'static str, port: u16) -> ClientError {
        ClientError::Deadline {
            ip: self.ip,
            port,
            phase,
            secs: self.started.elapsed().as_secs_f64(),
        }
    }

    /// A refusal's `Date` header is the camera's clock until a `GetSystemDateAndTime` reply
    /// gives it (ipycam wants WS-Security even for that call).
    fn learn_clock(&mut self, reply: &Reply) {
        if self.offset_from_body {
            return;
        }
        if let Some(camera) = reply.date.as_deref().and_then(parse_http_date) {
            self.offset = camera.saturating_sub((self.now_unix)());
        }
    }

    fn envelope(&self, body: &str, plan: &Plan) -> String {
        let cred = plan.cred.and_then(|i| self.creds.get(i));
        match cred.filter(|_| plan.wsse) {
            None => soap::envelope(body, None),
            Some(c) => {
                let nonce = crate::nonce::bytes::<16>();
                let created = super::created_for((self.now_unix)(), self.offset);
                let token = soap::UsernameToken {
                    user: &c.username,
                    password: c.password.expose(),
                    nonce: &nonce,
                    created: &created,
                };
                soap::envelope(body, Some(&token))
            }
        }
    }

    fn authorization(&self, plan: &Plan, path: &str) -> Option<String> {
        let (ch, nc) = plan.http.as_ref()?;
        let c = self.creds.get(plan.cred?)?;
        let cnonce = crate::nonce::cnonce();
        Some(authorization(
            ch,
            &c.username,
            c.password.expose(),
            "POST",
            path,
            &cnonce,
            *nc,
        ))
    }
}

/// The parsed reply, a fault, or the HTTP status when the body says nothing better.
fn finish<T>(
    ip: Ipv4Addr,
    port: u16,
    op: &'static str,
    reply: &Reply,
    parse: fn(&[u8]) -> Result<T, OnvifError>,
) -> Result<T, ClientError> {
    let ok = (200..300).contains(&reply.status);
    match parse(&reply.body) {
        Ok(v) if ok => Ok(v),
        Err(source @ OnvifError::Fault { .. }) => Err(ClientError::Reply { ip, port, source }),
        Err(source) if ok => Err(ClientError::Reply { ip, port, source }),
        _ => Err(ClientError::Status {
            ip,
            port,
            phase: op,
            status: reply.status,
        }),
    }
}
