//! mDNS / DNS-SD: browses `_rtsp._tcp` for a bounded window with the mdns-sd crate (which
//! runs its own thread; no async runtime) and turns each resolved instance into an RTSP URL
//! candidate, honouring the advertised port and the `path` TXT record.
//!
//! [`candidate`] is the pure part (TXT path → URL, with limits); [`browse`] is the thin shell.
use crate::discovery::net::Iface;
use mdns_sd::{IfKind, ServiceDaemon, ServiceEvent};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

/// The service type browsed.
pub const RTSP_SERVICE: &str = "_rtsp._tcp.local.";

/// Longest `path` TXT value accepted (a real one is a few dozen bytes).
const MAX_PATH: usize = 256;

/// Most instances kept from one browse (a hostile responder cannot grow memory).
const MAX_FOUND: usize = 256;

/// One `_rtsp._tcp` instance that resolved to an IPv4 address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MdnsFound {
    pub ip: Ipv4Addr,
    pub port: u16,
    /// The URL the instance advertises (`rtsp://ip:port/path`, `/` when no usable path).
    pub url: String,
    /// The instance name (the part before `._rtsp._tcp.local.`), a vendor hint.
    pub name: String,
    /// The advertised host name, e.g. `axis-00408c000003.local.`, also a vendor hint.
    pub hostname: String,
}

/// Why a browse could not run. One line naming the phase.
#[derive(Debug, thiserror::Error)]
pub enum MdnsError {
    #[error("mdns {phase}: {detail}")]
    Daemon { phase: &'static str, detail: String },
}

/// The RTSP URL for an instance at `ip:port` with TXT `path` (absent, empty, too long or
/// with characters that cannot be in a request line → `/`; a missing leading `/` is added).
#[must_use]
pub fn candidate(ip: Ipv4Addr, port: u16, path: Option<&str>) -> String {
    let path = path
        .map(str::trim)
        .filter(|p| !p.is_empty() && p.len() <= MAX_PATH)
        .filter(|p| p.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or("/");
    let slash = if path.starts_with('/') { "" } else { "/" };
    format!("rtsp://{ip}:{port}{slash}{path}")
}

/// The instance part of a full name: `AXIS M3045._rtsp._tcp.local.` → `AXIS M3045`.
#[must_use]
pub fn instance_name(fullname: &str) -> &str {
    fullname
        .strip_suffix(RTSP_SERVICE)
        .map_or(fullname, |s| s.trim_end_matches('.'))
}

/// Browses `_rtsp._tcp` on the addresses of `ifaces` for `window`, returning every instance
/// that resolved to an IPv4 address there (one entry per (ip, port); the latest answer wins).
///
/// # Errors
/// When the daemon cannot start (no socket) or refuses the browse.
pub fn browse(ifaces: &[Iface], window: Duration) -> Result<Vec<MdnsFound>, MdnsError> {
    let mut found: BTreeMap<(Ipv4Addr, u16), MdnsFound> = BTreeMap::new();
    browse_each(ifaces, window, |f| {
        found.insert((f.ip, f.port), f);
    })?;
    Ok(found.into_values().collect())
}

/// As [`browse`], handing each instance to `on_found` as soon as it resolves (the same
/// (ip, port) may come again when a responder re-announces; at most `MAX_FOUND` calls).
/// Starts a daemon for this browse only; [`Browser`] keeps one across browses.
///
/// # Errors
/// As [`browse`].
pub fn browse_each(
    ifaces: &[Iface],
    window: Duration,
    on_found: impl FnMut(MdnsFound),
) -> Result<(), MdnsError> {
    Browser::default().browse_each(ifaces, window, on_found)
}

/// One mdns-sd daemon kept across browses: its thread, sockets and cache live as long as
/// this (a daemon per pass would start a thread per pass). Browses through one `Browser`
/// run one at a time.
#[derive(Default)]
pub struct Browser {
    state: parking_lot::Mutex<Option<(ServiceDaemon, Vec<Ipv4Addr>)>>,
}

impl Browser {
    /// [`browse_each`] on the kept daemon (started on first use, or again after it failed);
    /// the interfaces it listens on follow `ifaces` from one browse to the next.
    ///
    /// # Errors
    /// As [`browse`].
    pub fn browse_each(
        &self,
        ifaces: &[Iface],
        window: Duration,
        on_found: impl FnMut(MdnsFound),
    ) -> Result<(), MdnsError> {
        let mut state = self.state.lock();
        let want: Vec<Ipv4Addr> = ifaces.iter().map(|i| i.ip).collect();
        let (daemon, on) = match state.take() {
            Some((daemon, on)) if on == want => (daemon, on),
            other => {
                if let Some((old, _)) = other {
                    let _ = old.shutdown();
                }
                (start(&want)?, want)
            }
        };
        let result = collect(&daemon, window, on_found);
        if result.is_ok() {
            *state = Some((daemon, on));
        } else {
            // A daemon that refused a browse is started afresh next time.
            let _ = daemon.shutdown();
        }
        result
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some((daemon, _)) = self.state.get_mut().take() {
            // The daemon's thread ends on shutdown; its status reply is not needed.
            let _ = daemon.shutdown();
        }
    }
}

/// A daemon listening only on `addrs`.
fn start(addrs: &[Ipv4Addr]) -> Result<ServiceDaemon, MdnsError> {
    let err = |phase: &'static str| {
        move |e: mdns_sd::Error| MdnsError::Daemon {
            phase,
            detail: e.to_string(),
        }
    };
    let daemon = ServiceDaemon::new().map_err(err("start"))?;
    // Only the chosen interfaces: everything off, then their addresses on.
    let on: Vec<IfKind> = addrs
        .iter()
        .map(|ip| IfKind::Addr(IpAddr::V4(*ip)))
        .collect();
    let set = daemon
        .disable_interface(IfKind::All)
        .and_then(|()| {
            if on.is_empty() {
                Ok(())
            } else {
                daemon.enable_interface(on)
            }
        })
        .map_err(err("interfaces"));
    if let Err(e) = set {
        let _ = daemon.shutdown();
        return Err(e);
    }
    Ok(daemon)
}

fn collect(
    daemon: &ServiceDaemon,
    window: Duration,
    mut on_found: impl FnMut(MdnsFound),
) -> Result<(), MdnsError> {
    let rx = daemon.browse(RTSP_SERVICE).map_err(|e| MdnsError::Daemon {
        phase: "browse",
        detail: e.to_string(),
    })?;
    let deadline = Instant::now() + window;
    let mut calls = 0usize;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        let Ok(event) = rx.recv_timeout(left) else {
            break; // window over (or the daemon went away)
        };
        let ServiceEvent::ServiceResolved(info) = event else {
            continue;
        };
        let path = info.get_property_val_str("path");
        for ip in info.get_addresses_v4() {
            if calls >= MAX_FOUND {
                break;
            }
            calls += 1;
            on_found(MdnsFound {
                ip: *ip,
                port: info.get_port(),
                url: candidate(*ip, info.get_port(), path),
                name: instance_name(info.get_fullname()).to_owned(),
                hostname: info.get_hostname().to_owned(),
            });
        }
    }
    let _ = daemon.stop_browse(RTSP_SERVICE);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const IP: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 103);

    #[test]
    fn candidate_honours_port_and_path() {
        assert_eq!(
            candidate(IP, 554, Some("/axis-media/media.amp")),
            "rtsp://10.77.0.103:554/axis-media/media.amp"
        );
        assert_eq!(
            candidate(IP, 8554, Some("stream1")),
            "rtsp://10.77.0.103:8554/stream1"
        );
        assert_eq!(
            candidate(IP, 554, Some("/live?ch=1&sub=0")),
            "rtsp://10.77.0.103:554/live?ch=1&sub=0"
        );
    }

    #[test]
    fn candidate_rejects_unusable_paths() {
        for bad in [
            None,
            Some(""),
            Some("  "),
            Some("/a b"),
            Some("/x\r\nHost: evil"),
            Some("/é"),
        ] {
            assert_eq!(
                candidate(IP, 554, bad),
                "rtsp://10.77.0.103:554/",
                "{bad:?}"
            );
        }
        let long = format!("/{}", "a".repeat(MAX_PATH));
        assert_eq!(candidate(IP, 554, Some(&long)), "rtsp://10.77.0.103:554/");
    }

    #[test]
    fn instance_names() {
        assert_eq!(
            instance_name("AXIS M3045 - 00408C000003._rtsp._tcp.local."),
            "AXIS M3045 - 00408C000003"
        );
        assert_eq!(instance_name("odd"), "odd");
    }
}
