//! What a pass needs, resolved once from the configuration and the machine's interfaces:
//! the scan plan, the windows and timeouts, the credentials and the RTSP paths file.
use crate::cidr::Cidr;
use crate::config::{auto_workers, Config};
use crate::discovery::net;
use crate::discovery::rtsp::paths::{self, PathEntry};
use crate::discovery::rtsp::prober::HostThrottle;
use crate::discovery::rtsp::session::Timeouts;
use crate::discovery::scan::{self, ScanOptions};
use crate::secret::Credential;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::time::Duration;

/// Why a pass cannot be planned. `Display` is one line naming the variable (or what is
/// missing), the file and the line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    #[error("discovery: no IPv4 interface is up (besides loopback)")]
    NoInterface,
    #[error("SCAN_INTERFACES: none of {names:?} is an up IPv4 interface")]
    NoneOfInterfaces { names: Vec<String> },
    #[error("RTSP_PATHS_FILE: {}: {source}", path.display())]
    PathsFileUnreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("RTSP_PATHS_FILE: {}: line {line}: {reason}", path.display())]
    PathsFileLine {
        path: PathBuf,
        line: usize,
        reason: String,
    },
}

/// Everything a pass needs, resolved once from the configuration.
#[derive(Debug)]
pub struct Settings {
    pub ifaces: Vec<net::Iface>,
    /// The scan plan's hosts, in order.
    pub hosts: Vec<Ipv4Addr>,
    pub ports: Vec<u16>,
    pub exclude: Vec<Cidr>,
    pub scan: ScanOptions,
    /// Multicast WS-Discovery and mDNS listen this long (ONVIF_TIMEOUT).
    pub window: Duration,
    /// The unicast WS-Discovery probe of scanned hosts listens this long.
    pub unicast_window: Duration,
    /// Dictionary probes wait this long for mDNS answers.
    pub mdns_grace: Duration,
    pub onvif_timeout: Duration,
    pub rtsp: Timeouts,
    pub credentials: Vec<Credential>,
    pub user_paths: Vec<PathEntry>,
    pub mac_tracking: bool,
    /// HTTP_PORT: a camera's web page is `http://{ip}:{http_port}`.
    pub http_port: u16,
    pub workers: usize,
    pub deadline: Duration,
    pub throttle: HostThrottle,
    /// What resolving said (interfaces skipped, networks trimmed).
    pub notes: Vec<String>,
}

impl Settings {
    /// Interfaces, networks and the scan plan from `cfg` and the machine's interfaces; the
    /// RTSP paths file is read here.
    ///
    /// # Errors
    /// See [`Settings::from_config_with`].
    pub fn from_config(cfg: &Config) -> Result<Settings, SettingsError> {
        Self::from_config_with(cfg, &net::local_ipv4())
    }

    /// [`Settings::from_config`] with the machine's interfaces given (`all`: every IPv4
    /// address, before SCAN_INTERFACES is applied).
    ///
    /// # Errors
    /// No usable interface, or an unreadable / bad RTSP_PATHS_FILE.
    pub fn from_config_with(cfg: &Config, all: &[net::Iface]) -> Result<Settings, SettingsError> {
        let d = &cfg.discovery;
        let ifaces = net::select(all, &d.interfaces, false);
        let mut notes = Vec::new();
        if ifaces.is_empty() && d.networks.is_empty() {
            return Err(if d.interfaces.is_empty() {
                SettingsError::NoInterface
            } else {
                SettingsError::NoneOfInterfaces {
                    names: d.interfaces.clone(),
                }
            });
        }
        let networks = if d.networks.is_empty() {
            scan::networks_of(&ifaces)
        } else {
            d.networks.clone()
        };
        let own: Vec<Ipv4Addr> = ifaces.iter().map(|i| i.ip).collect();
        let plan = scan::plan(&networks, &own, &d.exclude);
        notes.extend(plan.notes);
        let user_paths = match &d.paths_file {
            None => Vec::new(),
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| {
                    SettingsError::PathsFileUnreadable {
                        path: path.clone(),
                        source,
                    }
                })?;
                paths::parse_paths_file(&text).map_err(|e| SettingsError::PathsFileLine {
                    path: path.clone(),
                    line: e.line,
                    reason: e.reason,
                })?
            }
        };
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let workers = if d.workers == 0 {
            auto_workers(cores)
        } else {
            d.workers
        };
        let window = cfg.onvif_timeout;
        let rtsp = Timeouts {
            connect: cfg.rtsp_timeout.min(Duration::from_secs(3)),
            phase: cfg.rtsp_timeout,
        };
        Ok(Settings {
            ifaces,
            hosts: plan.hosts,
            ports: d.rtsp_ports.clone(),
            exclude: d.exclude.clone(),
            scan: ScanOptions {
                connect_timeout: d.scan_connect_timeout,
                rate_per_sec: d.scan_rate,
                ..ScanOptions::default()
            },
            window,
            unicast_window: window.min(Duration::from_secs(1)),
            mdns_grace: window.min(Duration::from_millis(1500)),
            onvif_timeout: cfg.onvif_timeout,
            rtsp,
            credentials: cfg.credentials.clone(),
            user_paths,
            mac_tracking: cfg.mac_tracking_enabled,
            http_port: cfg.http_port,
            workers,
            deadline: default_deadline(window, cfg.rtsp_timeout),
            throttle: HostThrottle::new(2),
            notes,
        })
    }

    pub(super) fn excluded(&self, ip: Ipv4Addr) -> bool {
        self.exclude.iter().any(|c| c.contains(ip))
    }
}

/// The pass deadline for a WS-Discovery window and RTSP timeout: generous, only a guard
/// against a peer that holds a worker far beyond its per-phase timeouts.
#[must_use]
pub fn default_deadline(window: Duration, rtsp_timeout: Duration) -> Duration {
    window + rtsp_timeout * 12 + Duration::from_secs(30)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::testutil::{config as cfg, eth0};

    /// Each refusal is the one line the operator saw before the errors were typed.
    #[test]
    fn refusals_name_the_variable_the_file_and_the_line() {
        let e = Settings::from_config_with(&cfg(&[]), &[]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "discovery: no IPv4 interface is up (besides loopback)"
        );
        let e = Settings::from_config_with(&cfg(&[("SCAN_INTERFACES", "wlan9")]), &[eth0()])
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "SCAN_INTERFACES: none of [\"wlan9\"] is an up IPv4 interface"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("none.txt");
        let c = cfg(&[("RTSP_PATHS_FILE", missing.to_str().expect("utf-8"))]);
        let e = Settings::from_config_with(&c, &[eth0()]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with(&format!("RTSP_PATHS_FILE: {}: ", missing.display())),
            "{e}"
        );
        let bad = dir.path().join("paths.txt");
        std::fs::write(&bad, "/ok\nno-slash\n").expect("write");
        let c = cfg(&[("RTSP_PATHS_FILE", bad.to_str().expect("utf-8"))]);
        let e = Settings::from_config_with(&c, &[eth0()]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with(&format!("RTSP_PATHS_FILE: {}: line 2: ", bad.display())),
            "{e}"
        );
    }

    #[test]
    fn the_plan_covers_the_interfaces_network() {
        let s = Settings::from_config_with(&cfg(&[]), &[eth0()]).expect("settings");
        assert_eq!(s.ifaces, [eth0()]);
        assert_eq!(s.hosts.len(), 253, "10.0.0.0/24 without ours");
        assert!(!s.hosts.contains(&Ipv4Addr::new(10, 0, 0, 2)));
    }
}
