//! What one discovery pass reports: the cameras (identity, metadata, the streams seen to
//! play) and the counts that say what it cost. Assembled from the findings by [`Hosts`],
//! which the coordinating thread alone owns.
use crate::camdb::Brand;
use crate::discovery::rtsp::session::Playable;
use crate::mac;
use crate::model::camera_id;
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// One camera found by a pass.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Camera {
    /// MAC without separators (lower case); else `UNKNOWN-…` from the ONVIF endpoint,
    /// serial number or IP (see [`camera_id`]).
    pub id: String,
    pub ip: Ipv4Addr,
    /// `aa:bb:cc:dd:ee:ff`.
    pub mac: Option<String>,
    /// Brand id of the camera database (`hikvision`, `tp-link`, ...).
    pub vendor: Option<String>,
    /// Which hint named it: `onvif` (manufacturer), `mdns` (service name), `oui` (the MAC's
    /// IEEE registrant), `http-server`/`http-title` (the web page on port 80),
    /// `rtsp-server`/`rtsp-realm` (the RTSP server's answers).
    pub vendor_hint: Option<&'static str>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub serial_number: Option<String>,
    pub firmware_version: Option<String>,
    pub hardware_id: Option<String>,
    /// The ONVIF device service URL (pointing at `ip`).
    pub onvif_url: Option<String>,
    /// WS-Discovery EndpointReference address.
    pub endpoint: Option<String>,
    /// mDNS instance name.
    pub mdns_name: Option<String>,
    /// How the camera was found: `scan`, `wsd`, `mdns`.
    pub sources: Vec<&'static str>,
    pub open_ports: Vec<u16>,
    /// The main stream, seen to play (no credentials in the URL).
    pub main: Option<Playable>,
    pub sub: Option<Playable>,
    pub snapshot_url: Option<String>,
    /// ONVIF media profiles.
    pub profiles: Vec<Profile>,
    /// ONVIF services offered (analytics, events, imaging, media, ptz).
    pub capabilities: Option<crate::discovery::onvif::client::DeviceCapabilities>,
    /// User name of the credential that worked (the password is never reported).
    pub username: Option<String>,
    /// Its position in the configured credential list.
    pub credential_index: Option<usize>,
    /// The RTSP server answered a random decoy path as if it existed.
    pub accepts_any_path: bool,
    /// Milliseconds from the start of the pass until its main stream was seen to play.
    pub found_ms: Option<u64>,
    /// Milliseconds its RTSP probes took (all ports).
    pub probe_ms: u64,
    /// Milliseconds its ONVIF interrogation took.
    pub onvif_ms: u64,
    /// Dictionary paths tried without success and what came of each (`/path: 404`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tried: Vec<String>,
    /// What went wrong on the way (one line each, naming ip, port and phase).
    pub errors: Vec<String>,
}

impl Camera {
    /// A record with nothing known but the address.
    #[must_use]
    pub fn new(ip: Ipv4Addr) -> Self {
        Camera {
            id: String::new(),
            ip,
            mac: None,
            vendor: None,
            vendor_hint: None,
            manufacturer: None,
            model: None,
            serial_number: None,
            firmware_version: None,
            hardware_id: None,
            onvif_url: None,
            endpoint: None,
            mdns_name: None,
            sources: Vec::new(),
            open_ports: Vec::new(),
            main: None,
            sub: None,
            snapshot_url: None,
            profiles: Vec::new(),
            capabilities: None,
            username: None,
            credential_index: None,
            accepts_any_path: false,
            found_ms: None,
            probe_ms: 0,
            onvif_ms: 0,
            tried: Vec::new(),
            errors: Vec::new(),
        }
    }
}

/// An ONVIF media profile, as reported.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Profile {
    pub name: String,
    pub token: String,
    pub encoding: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub framerate: Option<f32>,
    pub stream_url: Option<String>,
}

/// Counts of one pass (for the note of the issue, the health payload and benches).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub hosts_planned: usize,
    pub connects: usize,
    /// On-link hosts skipped by the scan because they did not answer ARP.
    pub arp_silent: usize,
    pub open_ports: usize,
    pub scan_ms: u64,
    pub peak_in_flight: usize,
    pub wsd_matches: usize,
    pub mdns_records: usize,
    pub onvif_requests: u32,
    pub onvif_auth_failures: u32,
    pub rtsp_requests: u32,
    pub rtsp_failed_logins: u32,
    /// When the last ONVIF/RTSP job answered (the rest of the pass is the listen window).
    pub work_done_ms: u64,
    /// How long the MAC lookup after the pass took.
    pub mac_ms: u64,
    /// The host whose ONVIF and RTSP work took longest, and how long (ms).
    pub slowest_host: Option<Ipv4Addr>,
    pub slowest_host_ms: u64,
    pub elapsed_ms: u64,
}

/// The result of one pass.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    pub cameras: Vec<Camera>,
    /// Hosts that had an open RTSP port but no playing stream and no ONVIF identity.
    pub rejected: Vec<Rejected>,
    pub stats: Stats,
    /// Plan notes (networks trimmed, interfaces skipped) and source errors.
    pub notes: Vec<String>,
}

/// The report as a plain-text table (one camera per block), for people.
#[must_use]
pub fn table(r: &Report) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let stream = |s: &Option<Playable>| {
        s.as_ref().map_or("-".to_owned(), |p| {
            let size = match (p.width, p.height) {
                (Some(w), Some(h)) => format!(" {w}x{h}"),
                _ => String::new(),
            };
            let transport = match p.transport {
                crate::discovery::rtsp::session::Transport::Tcp => "tcp",
                crate::discovery::rtsp::session::Transport::Udp => "udp",
            };
            format!("{} ({}{size}, {transport})", p.url, p.codec)
        })
    };
    for c in &r.cameras {
        let what = [&c.manufacturer, &c.model]
            .iter()
            .filter_map(|s| s.as_deref())
            .collect::<Vec<_>>()
            .join(" ");
        let _ = writeln!(
            out,
            "{}  {}  {}  {}",
            c.id,
            c.ip,
            c.mac.as_deref().unwrap_or("-"),
            if what.is_empty() {
                c.vendor.as_deref().unwrap_or("-").to_owned()
            } else {
                what
            }
        );
        let _ = writeln!(out, "    main  {}", stream(&c.main));
        let _ = writeln!(out, "    sub   {}", stream(&c.sub));
        if let Some(u) = &c.username {
            let _ = writeln!(out, "    user  {u}");
        }
    }
    for x in &r.rejected {
        let _ = writeln!(
            out,
            "not a camera: {} ports {:?}: {}",
            x.ip,
            x.open_ports,
            x.errors.first().map_or("", String::as_str)
        );
    }
    let s = &r.stats;
    let _ = writeln!(
        out,
        "{} cameras in {:.1} s ({} hosts, {} open ports, {} RTSP requests, {} failed logins)",
        r.cameras.len(),
        s.elapsed_ms as f64 / 1000.0,
        s.hosts_planned,
        s.open_ports,
        s.rtsp_requests,
        s.rtsp_failed_logins
    );
    out
}

/// A host that is not reported as a camera, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejected {
    pub ip: Ipv4Addr,
    pub open_ports: Vec<u16>,
    /// Dictionary paths tried and what came of each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tried: Vec<String>,
    pub errors: Vec<String>,
}

/// Per-host findings, keyed by IP, owned by the coordinating thread.
#[derive(Debug, Default)]
pub struct Hosts {
    pub by_ip: BTreeMap<Ipv4Addr, Camera>,
    /// ONVIF answered with an identity (a camera even without a playing stream).
    pub onvif_ok: std::collections::BTreeSet<Ipv4Addr>,
    /// MACs learnt on the way (the scan's ARP sweep).
    pub macs: BTreeMap<Ipv4Addr, [u8; 6]>,
}

impl Report {
    /// One line on where the pass's time went: the phases and the slowest host.
    #[must_use]
    pub fn phases(&self) -> String {
        let s = &self.stats;
        let secs = |ms: u64| ms as f64 / 1000.0;
        let slowest = s.slowest_host.map_or(String::new(), |ip| {
            format!("; slowest host {ip} ({:.1} s)", secs(s.slowest_host_ms))
        });
        format!(
            "scan {:.1} s, probes done at {:.1} s, MACs {:.1} s, pass {:.1} s{slowest}",
            secs(s.scan_ms),
            secs(s.work_done_ms),
            secs(s.mac_ms),
            secs(s.elapsed_ms)
        )
    }
}

impl Hosts {
    /// The host whose ONVIF and RTSP work took longest (camera or not), and its time.
    #[must_use]
    pub fn slowest(&self) -> Option<(Ipv4Addr, u64)> {
        self.by_ip
            .iter()
            .map(|(ip, c)| (*ip, c.onvif_ms + c.probe_ms))
            .filter(|(_, ms)| *ms > 0)
            .max_by_key(|(_, ms)| *ms)
    }

    /// The record of `ip` (created if need be), without saying how it was found.
    pub fn record(&mut self, ip: Ipv4Addr) -> &mut Camera {
        self.by_ip.entry(ip).or_insert_with(|| Camera::new(ip))
    }

    /// The record of `ip`, created on first sight with `source`.
    pub fn seen(&mut self, ip: Ipv4Addr, source: &'static str) -> &mut Camera {
        let c = self.record(ip);
        if !c.sources.contains(&source) {
            c.sources.push(source);
        }
        c
    }

    /// The camera at `ip` as it stands, if it is complete enough to report before the pass
    /// ends: a main stream seen to play and a MAC learnt by ARP (so that its id is final).
    #[must_use]
    pub fn early(&self, ip: Ipv4Addr) -> Option<Camera> {
        let mac = self.macs.get(&ip)?;
        let mut c = self.by_ip.get(&ip).filter(|c| c.main.is_some())?.clone();
        identify(&mut c, Some(mac));
        Some(c)
    }

    /// Splits into cameras (a playing main stream or an ONVIF identity) and the rest;
    /// `macs` gives each IP's MAC where known. Ids and vendor hints are filled here.
    pub fn finish(self, macs: &BTreeMap<Ipv4Addr, [u8; 6]>) -> (Vec<Camera>, Vec<Rejected>) {
        let mut cameras = Vec::new();
        let mut rejected = Vec::new();
        for (ip, mut c) in self.by_ip {
            identify(&mut c, macs.get(&ip));
            if c.main.is_some() || self.onvif_ok.contains(&ip) {
                cameras.push(c);
            } else if !c.open_ports.is_empty() || !c.errors.is_empty() {
                rejected.push(Rejected {
                    ip,
                    open_ports: c.open_ports,
                    tried: c.tried,
                    errors: c.errors,
                });
            }
        }
        (cameras, rejected)
    }
}

/// Fills MAC, vendor hint (from the OUI when nothing better is known) and id.
fn identify(c: &mut Camera, mac: Option<&[u8; 6]>) {
    c.mac = mac.map(mac::mac_to_string);
    if c.vendor.is_none() {
        if let Some(b) = mac.and_then(Brand::from_oui) {
            c.vendor = Some(b.id().to_owned());
            c.vendor_hint = Some("oui");
        }
    }
    c.id = camera_id(mac, c.endpoint.as_deref(), c.serial_number.as_deref(), c.ip);
    c.open_ports.sort_unstable();
}

#[cfg(test)]
mod tests {
    use super::*;

    const IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 5);

    #[test]
    fn table_lists_cameras_streams_and_rejects() {
        let mut c = Camera::new(IP);
        c.id = "4419b6000001".into();
        c.mac = Some("44:19:b6:00:00:01".into());
        c.manufacturer = Some("IPyCam".into());
        c.model = Some("DS-2CD-SIM".into());
        c.username = Some("admin".into());
        c.main = Some(Playable {
            url: "rtsp://10.0.0.5:8554/Live_Main".into(),
            codec: "h264".into(),
            width: Some(640),
            height: Some(360),
            transport: crate::discovery::rtsp::session::Transport::Tcp,
            requests: 4,
        });
        let r = Report {
            cameras: vec![c],
            rejected: vec![Rejected {
                ip: Ipv4Addr::new(10, 0, 0, 7),
                open_ports: vec![554],
                tried: Vec::new(),
                errors: vec!["rtsp 10.0.0.7:554 DESCRIBE: not an RTSP response".into()],
            }],
            stats: Stats {
                elapsed_ms: 5100,
                hosts_planned: 253,
                open_ports: 8,
                rtsp_requests: 59,
                rtsp_failed_logins: 3,
                ..Stats::default()
            },
            notes: Vec::new(),
        };
        assert_eq!(
            table(&r),
            "4419b6000001  10.0.0.5  44:19:b6:00:00:01  IPyCam DS-2CD-SIM\n\
             \x20   main  rtsp://10.0.0.5:8554/Live_Main (h264 640x360, tcp)\n\
             \x20   sub   -\n\
             \x20   user  admin\n\
             not a camera: 10.0.0.7 ports [554]: rtsp 10.0.0.7:554 DESCRIBE: not an RTSP response\n\
             1 cameras in 5.1 s (253 hosts, 8 open ports, 59 RTSP requests, 3 failed logins)\n"
        );
    }

    /// The phases line names each phase and the slowest host, camera or not.
    #[test]
    fn phases_name_the_slowest_host() {
        let mut h = Hosts::default();
        h.seen(IP, "scan").probe_ms = 700;
        let silent = Ipv4Addr::new(10, 0, 0, 9);
        let c = h.seen(silent, "scan");
        c.probe_ms = 6000;
        c.onvif_ms = 400;
        assert_eq!(h.slowest(), Some((silent, 6400)));
        let r = Report {
            stats: Stats {
                scan_ms: 2100,
                work_done_ms: 8400,
                mac_ms: 20,
                elapsed_ms: 8500,
                slowest_host: Some(silent),
                slowest_host_ms: 6400,
                ..Stats::default()
            },
            ..Report::default()
        };
        assert_eq!(
            r.phases(),
            "scan 2.1 s, probes done at 8.4 s, MACs 0.0 s, pass 8.5 s; slowest host 10.0.0.9 (6.4 s)"
        );
        assert_eq!(Hosts::default().slowest(), None);
    }

    #[test]
    fn finish_keeps_streams_and_onvif_identities_only() {
        let mut h = Hosts::default();
        let playing = Playable {
            url: "rtsp://10.0.0.5/a".into(),
            codec: "h264".into(),
            width: None,
            height: None,
            transport: crate::discovery::rtsp::session::Transport::Tcp,
            requests: 5,
        };
        h.seen(IP, "scan").main = Some(playing);
        h.seen(IP, "mdns");
        let onvif = Ipv4Addr::new(10, 0, 0, 6);
        h.seen(onvif, "wsd");
        h.onvif_ok.insert(onvif);
        let noise = Ipv4Addr::new(10, 0, 0, 7);
        h.seen(noise, "scan").open_ports = vec![554];
        h.seen(Ipv4Addr::new(10, 0, 0, 8), "wsd");
        let macs = BTreeMap::from([(IP, [0x44, 0x19, 0xb6, 0, 0, 1])]);
        // Early: only with a stream and a MAC from ARP.
        assert_eq!(h.early(IP), None, "no ARP MAC yet");
        h.macs = macs.clone();
        let early = h.early(IP).expect("stream + MAC");
        assert_eq!(
            (early.id.as_str(), early.vendor.as_deref()),
            ("4419b6000001", Some("hikvision"))
        );
        assert_eq!(h.early(onvif), None, "no stream");
        let (cams, rejected) = h.finish(&macs);
        assert_eq!(cams.len(), 2);
        assert_eq!(cams[0].id, "4419b6000001");
        assert_eq!(cams[0].mac.as_deref(), Some("44:19:b6:00:00:01"));
        assert_eq!(cams[0].vendor.as_deref(), Some("hikvision"));
        assert_eq!(cams[0].sources, ["scan", "mdns"]);
        assert_eq!(cams[1].id, "unknown-10-0-0-6");
        assert_eq!(rejected.len(), 1);
        assert_eq!(rejected[0].ip, noise);
    }
}
