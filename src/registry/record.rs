//! One camera as the service knows it: the fields of the original's CAMERA payload
//! (original-service.md) in typed form, plus what our discovery adds (codec/size of the
//! streams, credential index). The MQTT payload and the Frigate config are built from it
//! (`crate::contract`, `crate::frigate`); the registry thread alone changes it.
use crate::discovery::engine::Camera;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::time::SystemTime;

/// A stream seen to play.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamInfo {
    /// Without userinfo.
    pub url: String,
    pub codec: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// It played over UDP only (the camera refused RTP over TCP): go2rtc's own RTSP client
    /// cannot pull it, so its go2rtc source goes through ffmpeg.
    pub udp_only: bool,
}

/// An ONVIF media profile.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileInfo {
    pub name: String,
    pub token: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub framerate: Option<f32>,
    pub encoding: Option<String>,
}

/// ONVIF services the camera offers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Capabilities {
    pub analytics: bool,
    pub events: bool,
    pub imaging: bool,
    pub media: bool,
    pub ptz: bool,
}

/// One camera.
#[derive(Debug, Clone, PartialEq)]
pub struct CameraRecord {
    /// MAC without colons, lower case; or the `unknown-…` fallback (see discovery).
    pub id: String,
    pub ip: Ipv4Addr,
    /// `aa:bb:cc:dd:ee:ff`, or `None` when unknown.
    pub mac: Option<String>,
    /// `Camera-{last 8 chars of the MAC}`, or `{manufacturer} {model}` for ONVIF cameras.
    pub name: String,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub serial_number: Option<String>,
    pub firmware_version: Option<String>,
    pub onvif_url: Option<String>,
    /// `http://{ip}:{HTTP_PORT}`.
    pub http_url: Option<String>,
    /// Profile key (ONVIF profile name lower-cased, spaces as `_`; else `main`/`sub`) → URL
    /// without userinfo.
    pub rtsp_urls: BTreeMap<String, String>,
    pub main: Option<StreamInfo>,
    pub sub: Option<StreamInfo>,
    /// The credential that opened the camera: user name and position in the configured
    /// list (the password is looked up there only when it must be sent or published).
    pub username: Option<String>,
    pub credential_index: Option<usize>,
    pub profiles: Vec<ProfileInfo>,
    pub capabilities: Capabilities,
    /// Every IP the camera had, oldest first, the current one last.
    pub ip_history: Vec<Ipv4Addr>,
    pub online: bool,
    pub stream_active: bool,
    pub last_seen: SystemTime,
    pub last_validated: Option<SystemTime>,
}

impl CameraRecord {
    /// A record from one discovery finding, first seen at `now`; `http_port` for `http_url`.
    #[must_use]
    pub fn from_discovery(c: &Camera, now: SystemTime, http_port: u16) -> Self {
        let name = default_name(
            c.manufacturer.as_deref(),
            c.model.as_deref(),
            c.mac.as_deref().unwrap_or(&c.id),
        );
        let stream = |p: &Option<crate::discovery::rtsp::session::Playable>| {
            p.as_ref().map(|p| StreamInfo {
                url: p.url.clone(),
                codec: p.codec.clone(),
                width: p.width,
                height: p.height,
                udp_only: p.transport == crate::discovery::rtsp::session::Transport::Udp,
            })
        };
        let main = stream(&c.main);
        let sub = stream(&c.sub);
        let mut rtsp_urls = BTreeMap::new();
        for p in &c.profiles {
            if let Some(u) = &p.stream_url {
                rtsp_urls.insert(profile_key(&p.name), u.clone());
            }
        }
        if rtsp_urls.is_empty() {
            if let Some(m) = &main {
                rtsp_urls.insert("main".to_owned(), m.url.clone());
            }
            if let Some(s) = &sub {
                rtsp_urls.insert("sub".to_owned(), s.url.clone());
            }
        }
        CameraRecord {
            id: c.id.clone(),
            ip: c.ip,
            mac: c.mac.clone(),
            name,
            manufacturer: c.manufacturer.clone(),
            model: c.model.clone(),
            serial_number: c.serial_number.clone(),
            firmware_version: c.firmware_version.clone(),
            onvif_url: c.onvif_url.clone(),
            http_url: Some(format!("http://{}:{http_port}", c.ip)),
            rtsp_urls,
            stream_active: main.is_some(),
            main,
            sub,
            username: c.username.clone(),
            credential_index: c.credential_index,
            profiles: c
                .profiles
                .iter()
                .map(|p| ProfileInfo {
                    name: p.name.clone(),
                    token: p.token.clone(),
                    width: p.width,
                    height: p.height,
                    framerate: p.framerate,
                    encoding: p.encoding.clone(),
                })
                .collect(),
            capabilities: c
                .capabilities
                .map_or_else(Capabilities::default, |k| Capabilities {
                    analytics: k.analytics,
                    events: k.events,
                    imaging: k.imaging,
                    media: k.media,
                    ptz: k.ptz,
                }),
            ip_history: vec![c.ip],
            online: true,
            last_seen: now,
            last_validated: Some(now),
        }
    }
}

/// How many addresses [`CameraRecord::ip_history`] keeps (the oldest are dropped).
pub const IP_HISTORY_MAX: usize = 10;

impl CameraRecord {
    /// Moves the camera to `ip`: `ip_history` gets `ip` last (an address the camera had
    /// before moves to the end instead of appearing twice; at most [`IP_HISTORY_MAX`]), and
    /// every URL that pointed at the old address (RTSP, ONVIF, HTTP) now points at `ip`.
    /// Returns the old address, or `None` when `ip` is the current one.
    pub fn move_to(&mut self, ip: Ipv4Addr) -> Option<Ipv4Addr> {
        let old = self.ip;
        if old == ip {
            return None;
        }
        self.ip = ip;
        self.ip_history.retain(|h| *h != ip);
        self.ip_history.push(ip);
        let excess = self.ip_history.len().saturating_sub(IP_HISTORY_MAX);
        self.ip_history.drain(..excess);
        let re = |u: &mut String| *u = rehost(u, old, ip);
        self.rtsp_urls.values_mut().for_each(re);
        for s in [&mut self.main, &mut self.sub].into_iter().flatten() {
            re(&mut s.url);
        }
        self.onvif_url.iter_mut().for_each(re);
        self.http_url.iter_mut().for_each(re);
        Some(old)
    }

    /// The URL health checks play: the verified main stream, else the original's primary
    /// (the first of the keys main, mainstream, high, profile_1, else the first URL).
    #[must_use]
    pub fn primary_url(&self) -> Option<&str> {
        if let Some(m) = &self.main {
            return Some(&m.url);
        }
        ["main", "mainstream", "high", "profile_1"]
            .iter()
            .find_map(|k| self.rtsp_urls.get(*k))
            .or_else(|| self.rtsp_urls.values().next())
            .map(String::as_str)
    }
}

/// The original's name of a camera: `{manufacturer} {model}` when ONVIF told both, else
/// `Camera-{last 8 characters of key}` (`key`: the MAC, or the id; `:` are dropped).
#[must_use]
pub fn default_name(manufacturer: Option<&str>, model: Option<&str>, key: &str) -> String {
    match (manufacturer, model) {
        (Some(m), Some(md)) => format!("{m} {md}"),
        // The original: the last 8 characters of the MAC as its ARP lookup wrote it (upper
        // case, with colons): `Camera-DD:EE:FF`.
        _ => {
            let key = key.to_uppercase();
            let tail: Vec<char> = key.chars().rev().take(8).collect();
            format!("Camera-{}", tail.into_iter().rev().collect::<String>())
        }
    }
}

/// `url` with its host replaced by `to` when the host is `from` (scheme, user info, port,
/// path and query kept); any other URL unchanged.
#[must_use]
pub fn rehost(url: &str, from: Ipv4Addr, to: Ipv4Addr) -> String {
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let rest = &url[start..];
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host_start = authority.rfind('@').map_or(0, |i| i + 1);
    let host_port = &authority[host_start..];
    let host_end = host_port.find(':').unwrap_or(host_port.len());
    if host_port[..host_end] != from.to_string() {
        return url.to_owned();
    }
    let at = start + host_start;
    format!("{}{to}{}", &url[..at], &url[at + host_end..])
}

/// The original's profile key: the ONVIF profile name lower-cased, spaces as `_`.
#[must_use]
pub fn profile_key(name: &str) -> String {
    name.trim().to_lowercase().replace(' ', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_original() {
        let mut c = Camera::new(Ipv4Addr::new(10, 0, 0, 5));
        c.id = "4419b6000001".into();
        c.mac = Some("44:19:b6:00:00:01".into());
        let now = SystemTime::UNIX_EPOCH;
        assert_eq!(
            CameraRecord::from_discovery(&c, now, 80).name,
            "Camera-00:00:01"
        );
        c.manufacturer = Some("Dahua".into());
        c.model = Some("IPC-HFW".into());
        let r = CameraRecord::from_discovery(&c, now, 80);
        assert_eq!(r.name, "Dahua IPC-HFW");
        assert_eq!(r.http_url.as_deref(), Some("http://10.0.0.5:80"));
        assert_eq!(r.ip_history, [c.ip]);
        assert_eq!(profile_key(" Main Stream "), "main_stream");
    }
}
