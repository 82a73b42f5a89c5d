//! What one pass learns of each host ([`Found`]: the camera as far as the pass knows it, and
//! what it learnt on the way), kept per address by [`Hosts`], which the coordinating thread
//! alone owns; at the end of the pass, [`Hosts::finish`] splits them into cameras (ids,
//! names and URLs derived) and rejected hosts.
use crate::camdb::Brand;
use crate::mac;
use crate::model::{camera_id, Camera};
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// One host as a pass found it: the camera (its id, name and URLs are derived when the
/// pass reports it) and what the pass learnt on the way. Serialised as the scan report's
/// camera ([`super::report`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub camera: Camera,
    /// Brand id of the camera database (`hikvision`, `tp-link`, ...).
    pub vendor: Option<String>,
    /// Which hint named it: `onvif` (manufacturer), `mdns` (service name), `oui` (the MAC's
    /// IEEE registrant), `http-server`/`http-title` (the web page on port 80),
    /// `rtsp-server`/`rtsp-realm` (the RTSP server's answers).
    pub vendor_hint: Option<&'static str>,
    pub hardware_id: Option<String>,
    /// WS-Discovery EndpointReference address.
    pub endpoint: Option<String>,
    /// mDNS instance name.
    pub mdns_name: Option<String>,
    /// How the camera was found: `scan`, `wsd`, `mdns`.
    pub sources: Vec<&'static str>,
    pub open_ports: Vec<u16>,
    pub snapshot_url: Option<String>,
    /// The stream URI ONVIF gave for each of `camera.profiles`, in the same order.
    pub profile_urls: Vec<Option<String>>,
    /// ONVIF answered with an identity (a camera even without a playing stream); its
    /// services are `camera.capabilities`.
    pub onvif: bool,
    /// RTSP requests the main and the sub stream took (their paths, DESCRIBE on).
    pub main_requests: u32,
    pub sub_requests: u32,
    /// The RTSP server answered a random decoy path as if it existed.
    pub accepts_any_path: bool,
    /// Milliseconds from the start of the pass until its main stream was seen to play.
    pub found_ms: Option<u64>,
    /// Milliseconds its RTSP probes took (all ports).
    pub probe_ms: u64,
    /// Milliseconds its ONVIF interrogation took.
    pub onvif_ms: u64,
    /// Dictionary paths tried without success and what came of each (`/path: 404`).
    pub tried: Vec<String>,
    /// What went wrong on the way (one line each, naming ip, port and phase).
    pub errors: Vec<String>,
}

impl Found {
    /// A host with nothing known but the address.
    #[must_use]
    pub fn new(ip: Ipv4Addr) -> Self {
        Found {
            camera: Camera::new(ip),
            vendor: None,
            vendor_hint: None,
            hardware_id: None,
            endpoint: None,
            mdns_name: None,
            sources: Vec::new(),
            open_ports: Vec::new(),
            snapshot_url: None,
            profile_urls: Vec::new(),
            onvif: false,
            main_requests: 0,
            sub_requests: 0,
            accepts_any_path: false,
            found_ms: None,
            probe_ms: 0,
            onvif_ms: 0,
            tried: Vec::new(),
            errors: Vec::new(),
        }
    }
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
    pub by_ip: BTreeMap<Ipv4Addr, Found>,
    /// MACs learnt on the way (the scan's ARP sweep).
    pub macs: BTreeMap<Ipv4Addr, [u8; 6]>,
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
    pub fn record(&mut self, ip: Ipv4Addr) -> &mut Found {
        self.by_ip.entry(ip).or_insert_with(|| Found::new(ip))
    }

    /// The record of `ip`, created on first sight with `source`.
    pub fn seen(&mut self, ip: Ipv4Addr, source: &'static str) -> &mut Found {
        let c = self.record(ip);
        if !c.sources.contains(&source) {
            c.sources.push(source);
        }
        c
    }

    /// The camera at `ip` as it stands, if it is complete enough to report before the pass
    /// ends: a main stream seen to play and a MAC learnt by ARP (so that its id is final).
    /// `http_port` for its web page's URL.
    #[must_use]
    pub fn early(&self, ip: Ipv4Addr, http_port: u16) -> Option<Found> {
        let mac = self.macs.get(&ip)?;
        let mut c = self
            .by_ip
            .get(&ip)
            .filter(|c| c.camera.main.is_some())?
            .clone();
        identify(&mut c, Some(mac), http_port);
        Some(c)
    }

    /// Splits into cameras (a playing main stream or an ONVIF identity) and the rest;
    /// `macs` gives each IP's MAC where known. Ids, names, URLs and vendor hints are filled
    /// here.
    pub fn finish(
        self,
        macs: &BTreeMap<Ipv4Addr, [u8; 6]>,
        http_port: u16,
    ) -> (Vec<Found>, Vec<Rejected>) {
        let mut cameras = Vec::new();
        let mut rejected = Vec::new();
        for (ip, mut c) in self.by_ip {
            identify(&mut c, macs.get(&ip), http_port);
            if c.camera.main.is_some() || c.onvif {
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

/// Fills MAC, vendor hint (from the OUI when nothing better is known), id, and what
/// follows from them ([`Camera::derive`]).
fn identify(c: &mut Found, mac: Option<&[u8; 6]>, http_port: u16) {
    let cam = &mut c.camera;
    cam.mac = mac.map(mac::mac_to_string);
    if c.vendor.is_none() {
        if let Some(b) = mac.and_then(Brand::from_oui) {
            c.vendor = Some(b.id().to_owned());
            c.vendor_hint = Some("oui");
        }
    }
    cam.id = camera_id(
        mac,
        c.endpoint.as_deref(),
        cam.serial_number.as_deref(),
        cam.ip,
    );
    cam.derive(&c.profile_urls, http_port);
    c.open_ports.sort_unstable();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Stream, Transport};

    const IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 5);

    #[test]
    fn the_slowest_host_may_be_no_camera() {
        let mut h = Hosts::default();
        h.seen(IP, "scan").probe_ms = 700;
        let silent = Ipv4Addr::new(10, 0, 0, 9);
        let c = h.seen(silent, "scan");
        c.probe_ms = 6000;
        c.onvif_ms = 400;
        assert_eq!(h.slowest(), Some((silent, 6400)));
        assert_eq!(Hosts::default().slowest(), None);
    }

    #[test]
    fn finish_keeps_streams_and_onvif_identities_only() {
        let mut h = Hosts::default();
        let playing = Stream {
            url: "rtsp://10.0.0.5/a".into(),
            codec: "h264".into(),
            width: None,
            height: None,
            transport: Transport::Tcp,
        };
        h.seen(IP, "scan").camera.main = Some(playing);
        h.seen(IP, "mdns");
        let onvif = Ipv4Addr::new(10, 0, 0, 6);
        h.seen(onvif, "wsd").onvif = true;
        let noise = Ipv4Addr::new(10, 0, 0, 7);
        h.seen(noise, "scan").open_ports = vec![554];
        h.seen(Ipv4Addr::new(10, 0, 0, 8), "wsd");
        let macs = BTreeMap::from([(IP, [0x44, 0x19, 0xb6, 0, 0, 1])]);
        // Early: only with a stream and a MAC from ARP.
        assert_eq!(h.early(IP, 80), None, "no ARP MAC yet");
        h.macs = macs.clone();
        let early = h.early(IP, 80).expect("stream + MAC");
        assert_eq!(
            (early.camera.id.as_str(), early.vendor.as_deref()),
            ("4419b6000001", Some("hikvision"))
        );
        assert_eq!(h.early(onvif, 80), None, "no stream");
        let (cams, rejected) = h.finish(&macs, 8080);
        assert_eq!(cams.len(), 2);
        let first = &cams[0].camera;
        assert_eq!(first.id, "4419b6000001");
        assert_eq!(first.mac.as_deref(), Some("44:19:b6:00:00:01"));
        assert_eq!(first.name, "Camera-00:00:01");
        assert_eq!(first.http_url.as_deref(), Some("http://10.0.0.5:8080"));
        assert_eq!(first.primary_url(), Some("rtsp://10.0.0.5/a"));
        assert_eq!(cams[0].vendor.as_deref(), Some("hikvision"));
        assert_eq!(cams[0].sources, ["scan", "mdns"]);
        assert_eq!(cams[1].camera.id, "unknown-10-0-0-6");
        assert_eq!(rejected.len(), 1);
        assert_eq!(rejected[0].ip, noise);
    }
}
