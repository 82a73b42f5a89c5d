//! What one pass reports ([`Report`]): the cameras it found, the hosts it rejected and why,
//! the counts that say what it cost ([`Stats`]), and the notes; as JSON (`scan --json`) and
//! as a plain-text table for people ([`table`]).
//!
//! The JSON of a camera is the scan report's own form of a [`Found`]: the camera's identity,
//! device and streams plus what the pass learnt on the way (vendor and which hint named it,
//! sources, ports, timings, paths tried, errors); each stream with the transport and the
//! RTSP requests it took, each ONVIF profile with its stream URL, `capabilities` null when
//! ONVIF did not answer.
use super::camera::Found;
pub use super::camera::Rejected;
use crate::model::{Profile, Stream};
use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;
use std::net::Ipv4Addr;

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
    pub cameras: Vec<Found>,
    /// Hosts that had an open RTSP port but no playing stream and no ONVIF identity.
    pub rejected: Vec<Rejected>,
    pub stats: Stats,
    /// Plan notes (networks trimmed, interfaces skipped) and source errors.
    pub notes: Vec<String>,
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

/// A stream as the scan report shows it: the stream and the RTSP requests it took.
#[derive(Serialize)]
struct Played<'a> {
    #[serde(flatten)]
    stream: &'a Stream,
    requests: u32,
}

/// An ONVIF profile as the scan report shows it: the profile and its stream URL.
#[derive(Serialize)]
struct ProfileUrl<'a> {
    #[serde(flatten)]
    profile: &'a Profile,
    stream_url: Option<&'a str>,
}

impl Serialize for Found {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = &self.camera;
        fn played(st: &Option<Stream>, requests: u32) -> Option<Played<'_>> {
            st.as_ref().map(|stream| Played { stream, requests })
        }
        let profiles: Vec<ProfileUrl<'_>> = c
            .profiles
            .iter()
            .enumerate()
            .map(|(i, profile)| ProfileUrl {
                profile,
                stream_url: self.profile_urls.get(i).and_then(Option::as_deref),
            })
            .collect();
        let mut m = s.serialize_struct("Camera", 28)?;
        m.serialize_field("id", &c.id)?;
        m.serialize_field("ip", &c.ip)?;
        m.serialize_field("mac", &c.mac)?;
        m.serialize_field("vendor", &self.vendor)?;
        m.serialize_field("vendor_hint", &self.vendor_hint)?;
        m.serialize_field("manufacturer", &c.manufacturer)?;
        m.serialize_field("model", &c.model)?;
        m.serialize_field("serial_number", &c.serial_number)?;
        m.serialize_field("firmware_version", &c.firmware_version)?;
        m.serialize_field("hardware_id", &self.hardware_id)?;
        m.serialize_field("onvif_url", &c.onvif_url)?;
        m.serialize_field("endpoint", &self.endpoint)?;
        m.serialize_field("mdns_name", &self.mdns_name)?;
        m.serialize_field("sources", &self.sources)?;
        m.serialize_field("open_ports", &self.open_ports)?;
        m.serialize_field("main", &played(&c.main, self.main_requests))?;
        m.serialize_field("sub", &played(&c.sub, self.sub_requests))?;
        m.serialize_field("snapshot_url", &self.snapshot_url)?;
        m.serialize_field("profiles", &profiles)?;
        m.serialize_field("capabilities", &self.onvif.then_some(c.capabilities))?;
        m.serialize_field("username", &c.username)?;
        m.serialize_field("credential_index", &c.credential_index)?;
        m.serialize_field("accepts_any_path", &self.accepts_any_path)?;
        m.serialize_field("found_ms", &self.found_ms)?;
        m.serialize_field("probe_ms", &self.probe_ms)?;
        m.serialize_field("onvif_ms", &self.onvif_ms)?;
        if self.tried.is_empty() {
            m.skip_field("tried")?;
        } else {
            m.serialize_field("tried", &self.tried)?;
        }
        m.serialize_field("errors", &self.errors)?;
        m.end()
    }
}

/// The report as a plain-text table (one camera per block), for people.
#[must_use]
pub fn table(r: &Report) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let stream = |s: &Option<Stream>| {
        s.as_ref().map_or("-".to_owned(), |p| {
            let size = match p.size() {
                Some((w, h)) => format!(" {w}x{h}"),
                None => String::new(),
            };
            let transport = if p.udp_only() { "udp" } else { "tcp" };
            format!("{} ({}{size}, {transport})", p.url, p.codec)
        })
    };
    for f in &r.cameras {
        let c = &f.camera;
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
                f.vendor.as_deref().unwrap_or("-").to_owned()
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

/// The `scan` command's progress line for a camera as soon as it is complete:
/// `scan:    0.7 s  camera 10.77.0.102 3c:ef:8c:00:00:02 dahua  rtsp://… (h264 640x360)`.
#[must_use]
pub fn progress_line(f: &Found) -> String {
    let c = &f.camera;
    let main = c.main.as_ref().map_or(String::from("-"), |m| {
        let size = match m.size() {
            Some((w, h)) => format!(" {w}x{h}"),
            None => String::new(),
        };
        format!("{} ({}{size})", m.url, m.codec)
    });
    format!(
        "scan: {:>6.1} s  camera {} {} {}  {main}",
        f.found_ms.unwrap_or(0) as f64 / 1000.0,
        c.ip,
        c.mac.as_deref().unwrap_or("-"),
        f.vendor.as_deref().unwrap_or("-"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Capabilities, Transport};

    const IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 5);

    fn playing(url: &str, size: Option<(u32, u32)>) -> Stream {
        Stream {
            url: url.into(),
            codec: "h264".into(),
            width: size.map(|s| s.0),
            height: size.map(|s| s.1),
            transport: Transport::Tcp,
        }
    }

    #[test]
    fn table_lists_cameras_streams_and_rejects() {
        let mut f = Found::new(IP);
        let c = &mut f.camera;
        c.id = "4419b6000001".into();
        c.mac = Some("44:19:b6:00:00:01".into());
        c.manufacturer = Some("IPyCam".into());
        c.model = Some("DS-2CD-SIM".into());
        c.username = Some("admin".into());
        c.main = Some(playing("rtsp://10.0.0.5:8554/Live_Main", Some((640, 360))));
        f.main_requests = 4;
        let r = Report {
            cameras: vec![f],
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

    #[test]
    fn a_progress_line_per_complete_camera() {
        let mut f = Found::new(IP);
        f.found_ms = Some(700);
        f.vendor = Some("dahua".into());
        f.camera.mac = Some("3c:ef:8c:00:00:02".into());
        f.camera.main = Some(playing("rtsp://10.0.0.5/live", Some((640, 360))));
        assert_eq!(
            progress_line(&f),
            "scan:    0.7 s  camera 10.0.0.5 3c:ef:8c:00:00:02 dahua  rtsp://10.0.0.5/live (h264 640x360)"
        );
        assert_eq!(
            progress_line(&Found::new(IP)),
            "scan:    0.0 s  camera 10.0.0.5 - -  -"
        );
    }

    /// The phases line names each phase and the slowest host, camera or not.
    #[test]
    fn phases_name_the_slowest_host() {
        let r = Report {
            stats: Stats {
                scan_ms: 2100,
                work_done_ms: 8400,
                mac_ms: 20,
                elapsed_ms: 8500,
                slowest_host: Some(Ipv4Addr::new(10, 0, 0, 9)),
                slowest_host_ms: 6400,
                ..Stats::default()
            },
            ..Report::default()
        };
        assert_eq!(
            r.phases(),
            "scan 2.1 s, probes done at 8.4 s, MACs 0.0 s, pass 8.5 s; slowest host 10.0.0.9 (6.4 s)"
        );
    }

    /// The scan JSON keeps its field names: the camera's, the pass's, each stream with its
    /// transport and requests, each profile with its stream URL, capabilities only from ONVIF.
    #[test]
    fn the_scan_json_of_a_camera_names_every_field() {
        let mut f = Found::new(IP);
        f.camera.id = "unknown-10-0-0-5".into();
        f.camera.main = Some(playing("rtsp://10.0.0.5/main", None));
        f.main_requests = 6;
        f.camera.profiles = vec![Profile {
            name: "Main".into(),
            token: "p0".into(),
            ..Profile::default()
        }];
        f.profile_urls = vec![Some("rtsp://10.0.0.5/onvif".into())];
        f.sources = vec!["scan"];
        let v = serde_json::to_value(&f).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        let mut want = vec![
            "id",
            "ip",
            "mac",
            "vendor",
            "vendor_hint",
            "manufacturer",
            "model",
            "serial_number",
            "firmware_version",
            "hardware_id",
            "onvif_url",
            "endpoint",
            "mdns_name",
            "sources",
            "open_ports",
            "main",
            "sub",
            "snapshot_url",
            "profiles",
            "capabilities",
            "username",
            "credential_index",
            "accepts_any_path",
            "found_ms",
            "probe_ms",
            "onvif_ms",
            "errors",
        ];
        want.sort_unstable();
        let mut keys = keys;
        keys.sort_unstable();
        assert_eq!(keys, want, "no `tried` when nothing was tried");
        assert_eq!(
            v["main"],
            serde_json::json!({"url": "rtsp://10.0.0.5/main", "codec": "h264",
                "width": null, "height": null, "transport": "tcp", "requests": 6})
        );
        assert_eq!(v["sub"], serde_json::Value::Null);
        assert_eq!(
            v["profiles"][0],
            serde_json::json!({"name": "Main", "token": "p0", "encoding": null, "width": null,
                "height": null, "framerate": null, "stream_url": "rtsp://10.0.0.5/onvif"})
        );
        assert_eq!(v["capabilities"], serde_json::Value::Null, "no ONVIF");
        f.onvif = true;
        f.camera.capabilities = Capabilities {
            media: true,
            ..Capabilities::default()
        };
        f.tried = vec!["/live: 404".into()];
        let v = serde_json::to_value(&f).unwrap();
        assert_eq!(
            v["capabilities"],
            serde_json::json!({"analytics": false, "events": false, "imaging": false,
                "media": true, "ptz": false})
        );
        assert_eq!(v["tried"], serde_json::json!(["/live: 404"]));
    }
}
