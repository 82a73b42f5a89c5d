//! What a WS-Discovery match says about a camera: whether it is one ([`is_camera`]), where
//! its ONVIF service is, rewritten onto the host that answered ([`camera_xaddrs`]), and its
//! ONVIF scopes (name, hardware, MAC, location: [`onvif_scopes`]). Pure functions.
use super::Match;
use std::net::Ipv4Addr;

/// The original detector's keywords: a service is a camera when one of its Types or Scopes
/// contains one of them (ASCII case-insensitive).
const CAMERA_WORDS: [&str; 6] = [
    "onvif",
    "networkvideodevice",
    "networkvideo",
    "video",
    "camera",
    "imaging",
];

/// True when a Type or Scope of `m` contains `onvif`, `networkvideodevice`,
/// `networkvideo`, `video`, `camera` or `imaging` (case-insensitive). wsdd's
/// `wsdp:Device pub:Computer` without scopes is not a camera.
#[must_use]
pub fn is_camera(m: &Match) -> bool {
    m.types.iter().chain(&m.scopes).any(|s| {
        let s = s.to_ascii_lowercase();
        CAMERA_WORDS.iter().any(|w| s.contains(w))
    })
}

/// The http(s) XAddrs of `m`, each with its host replaced by `responder` (the UDP source of
/// the answer): scheme (lowercased), port and path are kept, any userinfo is dropped. The
/// XAddrs that already pointed at `responder` come first, then the others in their order;
/// duplicates are removed. Dropped: other schemes, IPv6 hosts (IPv4 only for now), and
/// anything that does not parse (bad port, empty host, spaces or control characters).
///
/// Credentials are only ever sent to these URLs, so they can only reach the host that
/// answered, whatever a (spoofed or misconfigured) XAddr said.
#[must_use]
pub fn camera_xaddrs(m: &Match, responder: Ipv4Addr) -> Vec<String> {
    let mut own = Vec::new();
    let mut moved = Vec::new();
    for x in &m.xaddrs {
        let Some(u) = split_http(x) else { continue };
        let port = u.port.map(|p| format!(":{p}")).unwrap_or_default();
        let url = format!("{}://{responder}{port}{}", u.scheme, u.path);
        if own.contains(&url) || moved.contains(&url) {
            continue;
        }
        if u.host.parse::<Ipv4Addr>() == Ok(responder) {
            own.push(url);
        } else {
            moved.push(url);
        }
    }
    // A URL first seen as "moved" and later as "own" stays where it was first seen; that
    // is fine: both spell the same URL after the rewrite.
    own.extend(moved);
    own
}

struct HttpUrl<'a> {
    scheme: &'static str,
    host: &'a str,
    port: Option<u16>,
    path: &'a str,
}

/// `http[s]://[userinfo@]host[:port][/path...]` with an IPv4 address or a DNS name as host.
fn split_http(url: &str) -> Option<HttpUrl<'_>> {
    if !url.bytes().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    let (scheme, rest) = url.split_once("://")?;
    let scheme = if scheme.eq_ignore_ascii_case("http") {
        "http"
    } else if scheme.eq_ignore_ascii_case("https") {
        "https"
    } else {
        return None;
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if hostport.starts_with('[') {
        return None; // IPv6 literal
    }
    let (host, port) = match hostport.split_once(':') {
        Some((h, p)) => {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (h, Some(p.parse::<u16>().ok().filter(|&p| p != 0)?))
        }
        None => (hostport, None),
    };
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_');
    host_ok.then_some(HttpUrl {
        scheme,
        host,
        port,
        path,
    })
}

/// What the standard ONVIF scopes say (`onvif://www.onvif.org/<key>/<value>`),
/// percent-decoded. The first scope of each key wins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OnvifScopes {
    /// `/name/...`: the user-visible device name.
    pub name: Option<String>,
    /// `/hardware/...`: usually the model.
    pub hardware: Option<String>,
    /// `/MAC/...` (not standard, sent by several vendors).
    pub mac: Option<String>,
    /// `/location/...` (may have several levels, e.g. `country/china`).
    pub location: Option<String>,
}

const ONVIF_SCOPE: &str = "onvif://www.onvif.org/";

/// Reads the ONVIF scopes of a match. Tolerates the unescaped space ipycam sends
/// (`onvif://www.onvif.org/name/Virtual Camera` arrives as two whitespace-separated scopes):
/// a token without `:` right after a scope is taken as the rest of that scope's value.
#[must_use]
pub fn onvif_scopes(scopes: &[String]) -> OnvifScopes {
    let mut out = OnvifScopes::default();
    let mut i = 0;
    while i < scopes.len() {
        let scope = &scopes[i];
        i += 1;
        let mut value_parts = Vec::new();
        while i < scopes.len() && !scopes[i].contains(':') {
            value_parts.push(scopes[i].as_str());
            i += 1;
        }
        let Some(rest) = strip_prefix_ci(scope, ONVIF_SCOPE) else {
            continue;
        };
        let Some((key, value)) = rest.split_once('/') else {
            continue;
        };
        let mut raw = value.to_string();
        for part in value_parts {
            raw.push(' ');
            raw.push_str(part);
        }
        let value = percent_decode(&raw);
        if value.is_empty() {
            continue;
        }
        let slot = match key.to_ascii_lowercase().as_str() {
            "name" => &mut out.name,
            "hardware" => &mut out.hardware,
            "mac" => &mut out.mac,
            "location" => &mut out.location,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(value);
        }
    }
    out
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// `%XX` → byte; a `%` not followed by two hex digits is kept as is; invalid UTF-8 after
/// decoding is replaced (U+FFFD); control characters are dropped.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (
                b.get(i + 1).and_then(|&c| hex(c)),
                b.get(i + 2).and_then(|&c| hex(c)),
            ) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out)
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_xaddrs(x: &[&str]) -> Match {
        Match {
            endpoint: "urn:uuid:x".into(),
            xaddrs: x.iter().map(|s| s.to_string()).collect(),
            ..Match::default()
        }
    }

    const CAM: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 101);

    #[test]
    fn xaddr_pointing_at_the_responder_is_kept_as_is() {
        let m = with_xaddrs(&["http://10.77.0.101:80/onvif/device_service"]);
        assert_eq!(
            camera_xaddrs(&m, CAM),
            ["http://10.77.0.101:80/onvif/device_service"]
        );
    }

    /// An XAddr naming another host is rewritten onto the responder: credentials never go
    /// to 10.0.0.66.
    #[test]
    fn xaddr_pointing_elsewhere_is_rewritten() {
        let m = with_xaddrs(&["HTTPS://user:pw@10.0.0.66:8443/onvif/device_service?x=1"]);
        assert_eq!(
            camera_xaddrs(&m, CAM),
            ["https://10.77.0.101:8443/onvif/device_service?x=1"]
        );
        let m = with_xaddrs(&["http://cam.local/onvif/device_service"]);
        assert_eq!(
            camera_xaddrs(&m, CAM),
            ["http://10.77.0.101/onvif/device_service"]
        );
    }

    /// Several XAddrs: the responder's first, duplicates after the rewrite removed, IPv6,
    /// other schemes and garbage dropped.
    #[test]
    fn several_xaddrs_ordered_deduplicated_filtered() {
        let m = with_xaddrs(&[
            "http://192.168.1.64/onvif/device_service",
            "http://[fe80::4619:b6ff:fe00:1]/onvif/device_service",
            "http://10.77.0.101/onvif/device_service",
            "http://169.254.1.1:80/onvif/device_service",
            "http://10.77.0.101:80/onvif/device_service",
            "ftp://10.77.0.101/x",
            "http://",
            "http://:80/x",
            "http://10.77.0.101:99999/x",
            "http://10.77.0.101:/x",
            "http://10.77.0.101:0/x",
            "http://10.77.0.101:8o/x",
            "not a url",
            "http://bad host/x",
            "http://h\u{7f}/x",
            "http://hé/x",
        ]);
        assert_eq!(
            camera_xaddrs(&m, CAM),
            [
                "http://10.77.0.101/onvif/device_service",
                "http://10.77.0.101:80/onvif/device_service",
            ]
        );
        assert!(camera_xaddrs(&with_xaddrs(&[]), CAM).is_empty());
    }

    #[test]
    fn camera_filter() {
        let m = |types: &[&str], scopes: &[&str]| Match {
            endpoint: "e".into(),
            types: types.iter().map(|s| s.to_string()).collect(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            ..Match::default()
        };
        assert!(is_camera(&m(&["dn:NetworkVideoTransmitter"], &[])));
        assert!(is_camera(&m(
            &["tds:Device"],
            &["onvif://www.onvif.org/Profile/S"]
        )));
        assert!(is_camera(&m(&["x:IMAGINGdevice"], &[])));
        assert!(is_camera(&m(&[], &["http://example/Camera"])));
        assert!(!is_camera(&m(&["wsdp:Device", "pub:Computer"], &[])));
        assert!(!is_camera(&m(
            &["wsdp:Device", "print:PrintDeviceType"],
            &[]
        )));
        assert!(!is_camera(&m(&[], &[])));
    }

    #[test]
    fn onvif_scopes_decoded_and_space_tolerated() {
        let s: Vec<String> = [
            "onvif://www.onvif.org/type/video_encoder",
            "onvif://www.onvif.org/name/Virtual",
            "Camera",
            "onvif://www.onvif.org/hardware/DS-2CD2043G0%2DI",
            "ONVIF://www.onvif.org/MAC/44:19:b6:00:00:01",
            "onvif://www.onvif.org/location/country/china",
            "onvif://www.onvif.org/name/Second",
            "onvif://www.onvif.org/hardware/",
            "http://vendor/scope",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let o = onvif_scopes(&s);
        assert_eq!(o.name.as_deref(), Some("Virtual Camera"));
        assert_eq!(o.hardware.as_deref(), Some("DS-2CD2043G0-I"));
        assert_eq!(o.mac.as_deref(), Some("44:19:b6:00:00:01"));
        assert_eq!(o.location.as_deref(), Some("country/china"));
        let enc = onvif_scopes(&["onvif://www.onvif.org/name/A%20B%zz%4".to_string()]);
        assert_eq!(enc.name.as_deref(), Some("A B%zz%4"));
        let utf8 = onvif_scopes(&["onvif://www.onvif.org/name/Caf%C3%A9%0A".to_string()]);
        assert_eq!(utf8.name.as_deref(), Some("Café"));
        assert_eq!(onvif_scopes(&[]), OnvifScopes::default());
    }
}
