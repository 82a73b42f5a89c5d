//! ONVIF SOAP codec: the requests the detector sends to a camera's device and media
//! services, and the parsing of the replies. Pure functions over strings and bytes: no
//! sockets, clock or randomness in here (the WS-Security nonce and time are arguments).
//!
//! - [`soap`]: SOAP 1.2 envelopes, the WS-Security UsernameToken (PasswordDigest) header and
//!   the request bodies (device service, Media1 `trt`, Media2 `tr2`);
//! - [`parse`]: the replies (device information, capabilities, services, profiles, stream
//!   and snapshot URIs, system date and time) and SOAP 1.1/1.2 faults, prefix-agnostic;
//! - [`time`]: camera clock offset and the `wsu:Created` timestamp;
//! - the bounded element tree underneath (no DOCTYPE, depth and count limits) is
//!   [`crate::discovery::xml`], shared with the WS-Discovery codec;
//! - [`url`]: XAddrs and media URIs pinned onto the camera's address.
//!
//! Around the codec, the client that interrogates one device over HTTP:
//! - [`client`]: [`interrogate`] (clock, device information, capabilities, profiles, stream
//!   and snapshot URIs) and its errors;
//! - [`auth`]: which credential to send and how (WS-Security, HTTP Digest/Basic), a pure
//!   state machine;
//! - `session`: one SOAP call with its authentication rounds, deadline and clock learning;
//! - [`http`]: the ureq shell (timeouts, size cap, no redirects, no proxy).
//!
//! Every parser was checked against replies captured from the lab's real ONVIF peers
//! (ipycam, the onvif-server crate, lighttpd HTTP Digest in front of onvif-server); the
//! fixtures are in `testdata/`.
pub mod auth;
pub mod client;
pub mod http;
pub mod parse;
mod session;
pub mod soap;
pub mod time;
pub mod url;

#[cfg(test)]
mod client_fake;
#[cfg(test)]
mod client_tests;
#[cfg(test)]
mod fixture_tests;

pub use client::{interrogate, ClientError, Device, Options, DEFAULT_MAX_BODY};
pub use parse::{
    media2_xaddr, parse_capabilities, parse_device_information, parse_fault, parse_profiles,
    parse_services, parse_snapshot_uri, parse_stream_uri, parse_system_date_and_time, DeviceInfo,
    Service, Xaddrs, MEDIA2_NS,
};
pub use soap::{
    envelope, get_capabilities, get_device_information, get_profiles, get_profiles2, get_services,
    get_snapshot_uri, get_snapshot_uri2, get_stream_uri, get_stream_uri2, get_system_date_and_time,
    password_digest, UsernameToken,
};
pub use time::{clock_offset, created_for, parse_http_date};

/// A SOAP fault. Codes are the local part of the QName (`env:Sender` → `Sender`,
/// `ter:NotAuthorized` → `NotAuthorized`, SOAP 1.1 `SOAP-ENV:Client` → `Client`), since
/// the prefix a device picks means nothing without its namespace declarations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// SOAP 1.2 `Code/Value` or SOAP 1.1 `faultcode`.
    pub code: String,
    /// The innermost SOAP 1.2 `Subcode/Value` (the most specific one), if any.
    pub subcode: Option<String>,
    /// SOAP 1.2 `Reason/Text` (the first one) or SOAP 1.1 `faultstring`; may be empty.
    pub reason: String,
}

impl Fault {
    /// True when the fault says the credentials were refused: ONVIF `ter:NotAuthorized`,
    /// WS-Security `wsse:FailedAuthentication` / `wsse:InvalidSecurity(Token)`, or a reason
    /// that speaks of authorisation or authentication. The last rule exists because real
    /// devices use bare codes: ipycam answers `s:Receiver` "Sender not authorized" (with
    /// HTTP 401), onvif-server `env:Sender` "Authentication failed" (with HTTP 500) for a
    /// wrong password and "WS-Security header required but not provided" for none.
    pub fn is_auth_failure(&self) -> bool {
        let codes = [Some(self.code.as_str()), self.subcode.as_deref()];
        let by_code = codes.into_iter().flatten().any(|c| {
            matches!(
                c,
                "NotAuthorized"
                    | "FailedAuthentication"
                    | "InvalidSecurity"
                    | "InvalidSecurityToken"
            )
        });
        let reason = self.reason.to_ascii_lowercase();
        by_code
            || [
                "not authorized",
                "not authorised",
                "unauthorized",
                "authentication",
                "ws-security",
                "security header",
            ]
            .iter()
            .any(|w| reason.contains(w))
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.code.escape_debug())?;
        if let Some(sub) = &self.subcode {
            write!(f, "/{}", sub.escape_debug())?;
        }
        if !self.reason.is_empty() {
            write!(f, ": {:?}", self.reason)?;
        }
        Ok(())
    }
}

impl OnvifError {
    /// The reader's refusal of the `operation`'s reply, in this error's words.
    #[must_use]
    pub fn from_xml(operation: &'static str, e: crate::discovery::xml::XmlError) -> Self {
        use crate::discovery::xml::XmlError;
        match e {
            XmlError::Malformed(detail) => OnvifError::Xml { operation, detail },
            XmlError::Doctype => OnvifError::Doctype { operation },
            XmlError::Limit { what, limit } => OnvifError::Limit {
                operation,
                what,
                limit,
            },
        }
    }
}

/// Why a reply could not be used. Every variant names the operation (`GetStreamUri`) so a
/// log line says which request of which camera went wrong; messages are one line.
#[derive(Debug, thiserror::Error)]
pub enum OnvifError {
    /// Not well-formed XML, truncated, bad UTF-8, an undefined entity.
    #[error("{operation} response: malformed XML: {detail}")]
    Xml {
        operation: &'static str,
        detail: String,
    },
    /// The reply carries a `<!DOCTYPE`: refused so that no entity can ever be expanded.
    #[error("{operation} response: DOCTYPE is not allowed")]
    Doctype { operation: &'static str },
    /// More than the allowed bytes, nesting levels or elements.
    #[error("{operation} response: more than {limit} {what}")]
    Limit {
        operation: &'static str,
        what: &'static str,
        limit: usize,
    },
    /// A required element or attribute is absent, e.g. `no MediaUri/Uri`.
    #[error("{operation} response: no {missing}")]
    Missing {
        operation: &'static str,
        missing: &'static str,
    },
    /// An element is present but its value does not parse.
    #[error("{operation} response: invalid {field}: {value:?}")]
    Invalid {
        operation: &'static str,
        field: &'static str,
        value: String,
    },
    /// The device answered with a SOAP fault.
    #[error("{operation} response: SOAP fault {fault}")]
    Fault {
        operation: &'static str,
        fault: Fault,
    },
}
