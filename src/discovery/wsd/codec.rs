//! The WS-Discovery messages: the Probe we send ([`probe_message`]) and the parsing of what
//! comes back ([`parse`]: ProbeMatches, Hello, Bye). Pure functions; the MessageID is an
//! argument ([`message_id`] formats random bytes the caller supplies).
//!
//! Parsing matches local names only (`d:ProbeMatch`, `wsd:ProbeMatch` and `ProbeMatch` are
//! the same) and accepts the lab's quirks: a ProbeMatch directly in the Body without the
//! ProbeMatches wrapper (ipycam), an EndpointReference in the discovery namespace (ipycam),
//! several XAddrs, no XML declaration. It rides on the ONVIF codec's bounded tree, so a
//! DOCTYPE is refused and no entity beyond the five predefined ones is ever expanded; input
//! is capped at [`MAX_DATAGRAM`] bytes and lists at [`MAX_MATCHES`] / [`MAX_ITEMS`] entries.
use super::WsdError;
use crate::discovery::xml::{Doc, El, XmlError};

/// Largest datagram parsed (a UDP/IPv4 payload is at most 65,507 bytes anyway).
pub const MAX_DATAGRAM: usize = 64 * 1024;
/// Most ProbeMatch entries kept from one message; the rest are ignored.
pub const MAX_MATCHES: usize = 16;
/// Most Types, Scopes or XAddrs kept per match; the rest are ignored.
pub const MAX_ITEMS: usize = 32;

/// The `Types` of our Probe: ONVIF devices answer `dn:NetworkVideoTransmitter` (see the
/// module docs of `wsd` for what each lab peer answers to).
pub const PROBE_TYPES: &str = "dn:NetworkVideoTransmitter";

const NS_SOAP: &str = "http://www.w3.org/2003/05/soap-envelope";
const NS_WSA: &str = "http://schemas.xmlsoap.org/ws/2004/08/addressing";
const NS_WSD: &str = "http://schemas.xmlsoap.org/ws/2005/04/discovery";
const NS_DN: &str = "http://www.onvif.org/ver10/network/wsdl";

/// One target service, from a ProbeMatch or a Hello.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Match {
    /// `EndpointReference/Address`, e.g. `urn:uuid:...`: the device's stable identity
    /// (random per start on some devices).
    pub endpoint: String,
    /// QNames as sent, e.g. `dn:NetworkVideoTransmitter` (prefixes unresolved).
    pub types: Vec<String>,
    /// Scope URIs as sent, split on whitespace (see [`super::onvif_scopes`]).
    pub scopes: Vec<String>,
    /// Transport addresses as sent; use [`super::camera_xaddrs`] before connecting.
    pub xaddrs: Vec<String>,
    pub metadata_version: Option<u32>,
}

/// A parsed WS-Discovery message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// An answer to a Probe; `relates_to` is the Probe's MessageID as echoed (trimmed).
    ProbeMatches {
        relates_to: Option<String>,
        matches: Vec<Match>,
    },
    /// A service announcing itself.
    Hello(Match),
    /// A service leaving.
    Bye { endpoint: String },
    /// Any other SOAP message (a Probe, Resolve, ResolveMatches, ...).
    Other,
}

/// `urn:uuid:` + an RFC 4122 version-4 UUID made from 16 random bytes.
#[must_use]
pub fn message_id(random: [u8; 16]) -> String {
    let mut b = random;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// True when two MessageIDs name the same message: compared without case and without the
/// `urn:` / `uuid:` prefixes (devices are known to echo `uuid:X` for `urn:uuid:X`).
#[must_use]
pub fn same_message_id(a: &str, b: &str) -> bool {
    fn bare(s: &str) -> &str {
        let s = s.trim();
        let s = strip_prefix_ci(s, "urn:").unwrap_or(s);
        strip_prefix_ci(s, "uuid:").unwrap_or(s)
    }
    let (a, b) = (bare(a), bare(b));
    !a.is_empty() && a.eq_ignore_ascii_case(b)
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// The SOAP 1.2 WS-Discovery Probe for ONVIF devices ([`PROBE_TYPES`]), with `message_id`
/// (XML-escaped) as its MessageID. Also valid as a unicast Probe to port 3702.
///
/// Lab note: ipycam takes the first `MessageID>` of the datagram as the RelatesTo of its
/// answer and ignores any datagram containing `ProbeMatch`; this message satisfies both.
#[must_use]
pub fn probe_message(message_id: &str) -> String {
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            r#"<s:Envelope xmlns:s="{soap}" xmlns:a="{wsa}" xmlns:d="{wsd}" xmlns:dn="{dn}">"#,
            r#"<s:Header>"#,
            r#"<a:Action s:mustUnderstand="1">{wsd}/Probe</a:Action>"#,
            r#"<a:MessageID>{id}</a:MessageID>"#,
            r#"<a:ReplyTo><a:Address>{wsa}/role/anonymous</a:Address></a:ReplyTo>"#,
            r#"<a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>"#,
            r#"</s:Header>"#,
            r#"<s:Body><d:Probe><d:Types>{types}</d:Types></d:Probe></s:Body>"#,
            r#"</s:Envelope>"#
        ),
        soap = NS_SOAP,
        wsa = NS_WSA,
        wsd = NS_WSD,
        dn = NS_DN,
        id = escape(message_id),
        types = PROBE_TYPES,
    )
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Parses one datagram.
///
/// # Errors
///
/// [`WsdError::TooLarge`] over [`MAX_DATAGRAM`], [`WsdError::Doctype`], [`WsdError::Xml`]
/// for malformed XML, [`WsdError::NotSoap`] when the root is not an `Envelope` with a
/// `Body`, [`WsdError::NoEndpoint`] for a Hello or Bye without an address. A ProbeMatch
/// without an address is dropped (the others of the same message are kept).
pub fn parse(bytes: &[u8]) -> Result<Message, WsdError> {
    if bytes.len() > MAX_DATAGRAM {
        return Err(WsdError::TooLarge {
            len: bytes.len(),
            limit: MAX_DATAGRAM,
        });
    }
    let doc = Doc::parse(bytes).map_err(|e| match e {
        XmlError::Doctype => WsdError::Doctype,
        XmlError::Malformed(detail) => WsdError::Xml(detail),
        limit @ XmlError::Limit { .. } => WsdError::Xml(format!("WS-Discovery response: {limit}")),
    })?;
    let root = doc.root();
    let not_soap = || WsdError::NotSoap {
        root: root.name().chars().take(64).collect(),
    };
    if root.name() != "Envelope" {
        return Err(not_soap());
    }
    let body = root.child("Body").ok_or_else(not_soap)?;
    let Some(first) = body.children().next() else {
        return Ok(Message::Other);
    };
    Ok(match first.name() {
        "ProbeMatches" | "ProbeMatch" => {
            // ipycam puts ProbeMatch straight into the Body: accept both shapes.
            let holder = if first.name() == "ProbeMatches" {
                first
            } else {
                body
            };
            let matches = holder
                .children()
                .filter(|c| c.name() == "ProbeMatch")
                .take(MAX_MATCHES)
                .filter_map(read_match)
                .collect();
            let relates_to = root
                .path(&["Header", "RelatesTo"])
                .map(|e| e.text().to_string())
                .filter(|t| !t.is_empty());
            Message::ProbeMatches {
                relates_to,
                matches,
            }
        }
        "Hello" => Message::Hello(read_match(first).ok_or(WsdError::NoEndpoint { what: "Hello" })?),
        "Bye" => Message::Bye {
            endpoint: endpoint(first).ok_or(WsdError::NoEndpoint { what: "Bye" })?,
        },
        _ => Message::Other,
    })
}

fn endpoint(el: El<'_>) -> Option<String> {
    el.path(&["EndpointReference", "Address"])
        .map(|a| a.text().to_string())
        .filter(|a| !a.is_empty())
}

fn read_match(el: El<'_>) -> Option<Match> {
    let list = |name: &str| -> Vec<String> {
        el.child(name)
            .map(|c| {
                c.text()
                    .split_whitespace()
                    .take(MAX_ITEMS)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    Some(Match {
        endpoint: endpoint(el)?,
        types: list("Types"),
        scopes: list("Scopes"),
        xaddrs: list("XAddrs"),
        metadata_version: el
            .child_text("MetadataVersion")
            .and_then(|v| v.parse().ok()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_id_is_a_v4_urn_uuid() {
        assert_eq!(
            message_id([0xff; 16]),
            "urn:uuid:ffffffff-ffff-4fff-bfff-ffffffffffff"
        );
        assert_eq!(
            message_id([0; 16]),
            "urn:uuid:00000000-0000-4000-8000-000000000000"
        );
    }

    #[test]
    fn same_message_id_ignores_case_and_prefixes() {
        let id = "urn:uuid:501824FA-ad3b-40ff-ab28-906db304f88a";
        assert!(same_message_id(
            id,
            "uuid:501824fa-ad3b-40ff-ab28-906db304f88a"
        ));
        assert!(same_message_id(
            id,
            " 501824fa-ad3b-40ff-ab28-906db304f88a\n"
        ));
        assert!(!same_message_id(
            id,
            "urn:uuid:501824fa-ad3b-40ff-ab28-906db304f88b"
        ));
        assert!(
            !same_message_id("urn:uuid:", "uuid:"),
            "empty ids never match"
        );
    }

    /// The Probe is well-formed SOAP 1.2 with our MessageID, the WS-Discovery Probe action
    /// and the NVT type with its namespace declared; parsing it gives `Other`.
    #[test]
    fn probe_is_well_formed_and_carries_the_id() {
        let id = message_id([7; 16]);
        let p = probe_message(&id);
        let doc = Doc::parse(p.as_bytes()).unwrap();
        let root = doc.root();
        assert_eq!(root.name(), "Envelope");
        assert_eq!(
            root.path(&["Header", "MessageID"]).map(|e| e.text()),
            Some(id.as_str())
        );
        assert_eq!(
            root.path(&["Header", "Action"]).map(|e| e.text()),
            Some("http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe")
        );
        assert_eq!(
            root.path(&["Body", "Probe", "Types"]).map(|e| e.text()),
            Some("dn:NetworkVideoTransmitter")
        );
        assert!(p.contains(r#"xmlns:dn="http://www.onvif.org/ver10/network/wsdl""#));
        assert!(p.contains(r#"xmlns:s="http://www.w3.org/2003/05/soap-envelope""#));
        assert!(
            !p.contains("ProbeMatch"),
            "ipycam ignores datagrams that do"
        );
        assert_eq!(parse(p.as_bytes()).unwrap(), Message::Other);
        // An id that needs escaping stays well-formed.
        let odd = probe_message("a<b&c");
        let doc = Doc::parse(odd.as_bytes()).unwrap();
        assert_eq!(
            doc.root().path(&["Header", "MessageID"]).map(|e| e.text()),
            Some("a<b&c")
        );
    }

    #[test]
    fn unprefixed_names_several_matches_and_lists() {
        let xml = "<Envelope><Header><RelatesTo> urn:uuid:1 </RelatesTo></Header><Body>\
            <ProbeMatches>\
            <ProbeMatch><EndpointReference><Address>urn:uuid:a</Address></EndpointReference>\
            <Types>dn:NetworkVideoTransmitter\n\ttds:Device</Types>\
            <XAddrs>http://10.0.0.5/onvif/device_service http://[fe80::1]/onvif/device_service</XAddrs>\
            <MetadataVersion>x</MetadataVersion></ProbeMatch>\
            <ProbeMatch><Types>no address</Types></ProbeMatch>\
            <ProbeMatch><EndpointReference><Address>urn:uuid:b</Address></EndpointReference>\
            <MetadataVersion>7</MetadataVersion></ProbeMatch>\
            </ProbeMatches></Body></Envelope>";
        let Message::ProbeMatches {
            relates_to,
            matches,
        } = parse(xml.as_bytes()).unwrap()
        else {
            panic!("not ProbeMatches")
        };
        assert_eq!(relates_to.as_deref(), Some("urn:uuid:1"));
        assert_eq!(matches.len(), 2, "the match without address is dropped");
        assert_eq!(matches[0].endpoint, "urn:uuid:a");
        assert_eq!(
            matches[0].types,
            ["dn:NetworkVideoTransmitter", "tds:Device"]
        );
        assert_eq!(matches[0].xaddrs.len(), 2);
        assert_eq!(matches[0].metadata_version, None);
        assert!(matches[0].scopes.is_empty());
        assert_eq!(matches[1].endpoint, "urn:uuid:b");
        assert_eq!(matches[1].metadata_version, Some(7));
    }

    #[test]
    fn caps_on_matches_and_items() {
        let scopes = (0..MAX_ITEMS + 5)
            .map(|i| format!("s{i}"))
            .collect::<Vec<_>>()
            .join(" ");
        let one = format!(
            "<d:ProbeMatch><a:EndpointReference><a:Address>e</a:Address></a:EndpointReference>\
             <d:Scopes>{scopes}</d:Scopes></d:ProbeMatch>"
        );
        let xml = format!(
            "<s:Envelope><s:Body><d:ProbeMatches>{}</d:ProbeMatches></s:Body></s:Envelope>",
            one.repeat(MAX_MATCHES + 3)
        );
        let Message::ProbeMatches { matches, .. } = parse(xml.as_bytes()).unwrap() else {
            panic!()
        };
        assert_eq!(matches.len(), MAX_MATCHES);
        assert_eq!(matches[0].scopes.len(), MAX_ITEMS);
    }

    #[test]
    fn hostile_and_malformed_input() {
        let big = vec![b' '; MAX_DATAGRAM + 1];
        assert!(matches!(parse(&big), Err(WsdError::TooLarge { .. })));
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE e [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><Envelope><Body><Hello>&b;</Hello></Body></Envelope>"#;
        assert!(matches!(parse(bomb.as_bytes()), Err(WsdError::Doctype)));
        let undefined = "<Envelope><Body><Hello>&b;</Hello></Body></Envelope>";
        assert!(matches!(parse(undefined.as_bytes()), Err(WsdError::Xml(_))));
        for bad in ["", "<Envelope>", "garbage", "\u{0}\u{ff}"] {
            assert!(
                matches!(parse(bad.as_bytes()), Err(WsdError::Xml(_))),
                "{bad:?}"
            );
        }
        assert!(matches!(
            parse(b"<html><body/></html>"),
            Err(WsdError::NotSoap { .. })
        ));
        assert!(matches!(
            parse(b"<Envelope><Header/></Envelope>"),
            Err(WsdError::NotSoap { .. })
        ));
        assert!(matches!(
            parse(b"<Envelope><Body><Hello><Types>x</Types></Hello></Body></Envelope>"),
            Err(WsdError::NoEndpoint { what: "Hello" })
        ));
        assert!(matches!(
            parse(b"<Envelope><Body><Bye/></Body></Envelope>"),
            Err(WsdError::NoEndpoint { what: "Bye" })
        ));
        assert_eq!(
            parse(b"<Envelope><Body/></Envelope>").unwrap(),
            Message::Other
        );
        assert_eq!(
            parse(b"<Envelope><Body><Resolve/></Body></Envelope>").unwrap(),
            Message::Other
        );
    }
}
