//! URLs a camera hands out (device and media XAddrs, stream and snapshot URIs), pinned to the
//! address the camera answered from. Pure string work.
//!
//! A device may name another host (a NAT or a second interface), `0.0.0.0`, a host name or
//! an IPv6 literal in its XAddrs and media URIs. The detector only ever talks to the
//! address that answered it, so the host is replaced by that IPv4 address (scheme, port,
//! path and query are kept); `userinfo@` is always removed, since a URL that leaves this
//! module may be logged or published.
use std::net::Ipv4Addr;

/// A URL pinned onto the camera's address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pinned {
    /// `scheme://IP[:port]/path?query`, without userinfo.
    pub url: String,
    /// The host in the original named something other than the camera's address.
    pub rewritten: bool,
}

/// The parts of an absolute `scheme://[userinfo@]host[:port][/path]` URL.
struct Parts<'a> {
    scheme: &'a str,
    host: &'a str,
    /// The explicit port, as written (`None` when absent).
    port: Option<u16>,
    /// Path and query, starting with `/` (`/` when absent).
    rest: String,
}

fn split(url: &str) -> Option<Parts<'_>> {
    let url = url.trim();
    let (scheme, after) = url.split_once("://")?;
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+')
    {
        return None;
    }
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(end);
    let rest = match rest {
        r if r.starts_with('/') => r.to_string(),
        // `http://h?q` → `/?q`; an empty or fragment-only tail is `/`.
        r if r.starts_with('?') => format!("/{r}"),
        _ => "/".to_string(),
    };
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (inside, tail) = v6.split_once(']')?;
        let port = match tail.strip_prefix(':') {
            Some(p) => Some(p.parse().ok()?),
            None if tail.is_empty() => None,
            None => return None,
        };
        (inside, port)
    } else {
        match hostport.rsplit_once(':') {
            Some((h, "")) => (h, None),
            Some((h, p)) => (h, Some(p.parse().ok()?)),
            None => (hostport, None),
        }
    };
    if host.is_empty() || host.contains(char::is_whitespace) {
        return None;
    }
    Some(Parts {
        scheme,
        host,
        port,
        rest,
    })
}

/// `url` with its host replaced by `ip` (and userinfo removed). `None` when `url` is not an
/// absolute URL with a host (a relative path, garbage, a bad port).
pub fn pin(url: &str, ip: Ipv4Addr) -> Option<Pinned> {
    let p = split(url)?;
    let rewritten = p.host.parse::<Ipv4Addr>().ok() != Some(ip);
    let url = match p.port {
        Some(port) => format!("{}://{ip}:{port}{}", p.scheme, p.rest),
        None => format!("{}://{ip}{}", p.scheme, p.rest),
    };
    Some(Pinned { url, rewritten })
}

/// Where an HTTP request goes: port and request target (path and query).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpTarget {
    /// `http://IP:port/path` (always with the port).
    pub url: String,
    pub port: u16,
    /// The request target as on the request line (`/onvif/device_service`); the HTTP
    /// Digest `uri=` parameter.
    pub path: String,
    pub rewritten: bool,
}

/// An `http://` XAddr pinned onto `ip`. `None` for another scheme (`https` needs TLS, which
/// this build does not have) or an unusable URL.
pub fn http_target(xaddr: &str, ip: Ipv4Addr) -> Option<HttpTarget> {
    let p = split(xaddr)?;
    if !p.scheme.eq_ignore_ascii_case("http") {
        return None;
    }
    let port = p.port.unwrap_or(80);
    let rewritten = p.host.parse::<Ipv4Addr>().ok() != Some(ip);
    Some(HttpTarget {
        url: format!("http://{ip}:{port}{}", p.rest),
        port,
        path: p.rest,
        rewritten,
    })
}

/// The port an XAddr names (80 for `http` without one), for error messages about a URL
/// that [`http_target`] refused.
pub fn port_of(xaddr: &str) -> u16 {
    split(xaddr)
        .and_then(|p| {
            p.port.or(match p.scheme.to_ascii_lowercase().as_str() {
                "https" => Some(443),
                _ => Some(80),
            })
        })
        .unwrap_or(80)
}

#[cfg(test)]
mod tests {
    use super::*;

    const IP: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 101);

    fn pinned(url: &str) -> (String, bool) {
        let p = pin(url, IP).unwrap_or_else(|| panic!("{url}"));
        (p.url, p.rewritten)
    }

    /// The camera's own address is kept verbatim (port, path, query).
    #[test]
    fn own_address_is_kept() {
        for url in [
            "rtsp://10.77.0.101:8554/live_main",
            "rtsp://10.77.0.101:554/cam/realmonitor?channel=1&subtype=0",
            "http://10.77.0.101/snapshot.jpg",
        ] {
            assert_eq!(pinned(url), (url.to_string(), false));
        }
    }

    /// Another IPv4, 0.0.0.0, a host name, an IPv6 literal: the host becomes the camera's
    /// address, everything else stays.
    #[test]
    fn other_hosts_are_rewritten() {
        let cases = [
            (
                "rtsp://192.168.1.64:554/Streaming/Channels/101",
                "rtsp://10.77.0.101:554/Streaming/Channels/101",
            ),
            (
                "rtsp://0.0.0.0:8554/live_main",
                "rtsp://10.77.0.101:8554/live_main",
            ),
            (
                "rtsp://axis-00408c000003.local/axis-media/media.amp?videocodec=h264",
                "rtsp://10.77.0.101/axis-media/media.amp?videocodec=h264",
            ),
            (
                "http://[fe80::1]:8080/onvif/media",
                "http://10.77.0.101:8080/onvif/media",
            ),
            ("http://[::1]/onvif/media", "http://10.77.0.101/onvif/media"),
            ("http://cam:80?x=1", "http://10.77.0.101:80/?x=1"),
            ("http://cam", "http://10.77.0.101/"),
        ];
        for (from, to) in cases {
            assert_eq!(pinned(from), (to.to_string(), true), "{from}");
        }
    }

    /// Credentials a device embeds in a URI never leave this module, even when the host is
    /// already the right one (that alone does not count as a rewrite).
    #[test]
    fn userinfo_is_removed() {
        assert_eq!(
            pinned("rtsp://admin:secret@10.77.0.101:554/live"),
            ("rtsp://10.77.0.101:554/live".to_string(), false)
        );
        assert_eq!(
            pinned("rtsp://a:b@c@evil.example:554/live"),
            ("rtsp://10.77.0.101:554/live".to_string(), true)
        );
    }

    /// Not absolute URLs, bad ports and empty hosts are refused.
    #[test]
    fn garbage_is_refused() {
        for bad in [
            "",
            "/onvif/media_service",
            "rtsp:/x",
            "://h/p",
            "rtsp://:554/p",
            "rtsp://h:99999/p",
            "rtsp://h:x/p",
            "http://[::1/p",
            "http://[::1]x/p",
            "rt sp://h/p",
            "http://h o/p",
        ] {
            assert!(pin(bad, IP).is_none(), "{bad:?}");
        }
    }

    /// HTTP targets: default port 80, the request target for Digest, https refused.
    #[test]
    fn http_targets() {
        let t = http_target("http://10.77.0.101:80/onvif/device_service", IP).unwrap();
        assert_eq!(
            t,
            HttpTarget {
                url: "http://10.77.0.101:80/onvif/device_service".into(),
                port: 80,
                path: "/onvif/device_service".into(),
                rewritten: false,
            }
        );
        let t = http_target("HTTP://camera.lan/onvif/Media?x=1", IP).unwrap();
        assert_eq!(t.url, "http://10.77.0.101:80/onvif/Media?x=1");
        assert_eq!(t.path, "/onvif/Media?x=1");
        assert!(t.rewritten);
        assert!(http_target("https://10.77.0.101/onvif/device_service", IP).is_none());
        assert!(http_target("rtsp://10.77.0.101/x", IP).is_none());
        assert_eq!(port_of("https://10.77.0.101/onvif/device_service"), 443);
        assert_eq!(port_of("http://10.77.0.101:8000/x"), 8000);
    }
}
