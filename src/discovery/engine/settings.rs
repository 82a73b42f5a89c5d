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
use std::time::Duration;

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
    /// One line: no usable interface, or an unreadable / bad RTSP_PATHS_FILE.
    pub fn from_config(cfg: &Config) -> Result<Settings, String> {
        let d = &cfg.discovery;
        let ifaces = net::select(&net::local_ipv4(), &d.interfaces, false);
        let mut notes = Vec::new();
        if ifaces.is_empty() && d.networks.is_empty() {
            return Err(if d.interfaces.is_empty() {
                "discovery: no IPv4 interface is up (besides loopback)".to_owned()
            } else {
                format!(
                    "SCAN_INTERFACES: none of {:?} is an up IPv4 interface",
                    d.interfaces
                )
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
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("RTSP_PATHS_FILE: {}: {e}", path.display()))?;
                paths::parse_paths_file(&text).map_err(|e| {
                    format!(
                        "RTSP_PATHS_FILE: {}: line {}: {}",
                        path.display(),
                        e.line,
                        e.reason
                    )
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
