//! One camera as the service knows it: the fields of the original's CAMERA payload in typed
//! form, plus what our discovery adds (codec and size of the streams, the credential's
//! position). A discovery pass fills it ([`crate::discovery::engine`]), the registry keeps
//! and changes it ([`crate::registry`]), the state file stores it in this type's serde form
//! ([`crate::registry::persist`]), and the MQTT contract and the Frigate config are built
//! from it ([`crate::contract`], [`crate::frigate`]).
//!
//! The serde form is the state file's camera: the fields under their own names, in this
//! order, times as whole Unix seconds, addresses as text, `null` for what is unknown; on
//! reading, every field but `id`, `ip`, `name` and `last_seen` may be missing (empty).
use super::profile::{profile_key, Capabilities, Profile};
use super::stream::{self, Stream};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::time::SystemTime;

/// One camera.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Camera {
    /// MAC without colons, lower case; or the `unknown-…` fallback ([`super::camera_id`]).
    pub id: String,
    pub ip: Ipv4Addr,
    /// `aa:bb:cc:dd:ee:ff`, or `None` when unknown.
    #[serde(default)]
    pub mac: Option<String>,
    /// `Camera-{last 8 chars of the MAC}`, or `{manufacturer} {model}` for ONVIF cameras.
    pub name: String,
    #[serde(default)]
    pub manufacturer: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub serial_number: Option<String>,
    #[serde(default)]
    pub firmware_version: Option<String>,
    /// The ONVIF device service URL (pointing at `ip`).
    #[serde(default)]
    pub onvif_url: Option<String>,
    /// `http://{ip}:{HTTP_PORT}`.
    #[serde(default)]
    pub http_url: Option<String>,
    /// Profile key (ONVIF profile name lower-cased, spaces as `_`; else `main`/`sub`) → URL
    /// without userinfo.
    #[serde(default)]
    pub rtsp_urls: BTreeMap<String, String>,
    /// The main stream, seen to play (no credentials in the URL).
    #[serde(default, with = "stream::stored")]
    pub main: Option<Stream>,
    #[serde(default, with = "stream::stored")]
    pub sub: Option<Stream>,
    /// The credential that opened the camera: user name and position in the configured
    /// list (the password is looked up there only when it must be sent or published).
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub credential_index: Option<usize>,
    /// ONVIF media profiles, in device order.
    #[serde(default)]
    pub profiles: Vec<Profile>,
    #[serde(default)]
    pub capabilities: Capabilities,
    /// Every IP the camera had, oldest first, the current one last.
    #[serde(default)]
    pub ip_history: Vec<Ipv4Addr>,
    /// Liveness, kept by the registry; a camera a pass reports is online, with its stream
    /// active when its main stream played, and is dated by the registry when it takes it.
    #[serde(default)]
    pub online: bool,
    #[serde(default)]
    pub stream_active: bool,
    #[serde(with = "unix_seconds")]
    pub last_seen: SystemTime,
    #[serde(default, with = "unix_seconds::option")]
    pub last_validated: Option<SystemTime>,
}

/// How many addresses [`Camera::ip_history`] keeps (the oldest are dropped).
pub const IP_HISTORY_MAX: usize = 10;

impl Camera {
    /// A camera at `ip` with nothing else known yet: its id, name and URLs come with
    /// [`Camera::derive`], its liveness from the registry.
    #[must_use]
    pub fn new(ip: Ipv4Addr) -> Self {
        Camera {
            id: String::new(),
            ip,
            mac: None,
            name: String::new(),
            manufacturer: None,
            model: None,
            serial_number: None,
            firmware_version: None,
            onvif_url: None,
            http_url: None,
            rtsp_urls: BTreeMap::new(),
            main: None,
            sub: None,
            username: None,
            credential_index: None,
            profiles: Vec::new(),
            capabilities: Capabilities::default(),
            ip_history: vec![ip],
            online: true,
            stream_active: false,
            last_seen: SystemTime::UNIX_EPOCH,
            last_validated: None,
        }
    }

    /// What follows from the rest, as the original derived it: the name ([`default_name`]
    /// of the manufacturer, model and MAC or id), `http_url` (`http://{ip}:{http_port}`),
    /// `rtsp_urls` (each profile's stream URL, `profile_urls` in profile order, under its
    /// [`profile_key`]; without any, the main and sub streams under `main` and `sub`), and
    /// `stream_active` (the main stream played).
    pub fn derive(&mut self, profile_urls: &[Option<String>], http_port: u16) {
        self.name = default_name(
            self.manufacturer.as_deref(),
            self.model.as_deref(),
            self.mac.as_deref().unwrap_or(&self.id),
        );
        self.http_url = Some(format!("http://{}:{http_port}", self.ip));
        self.rtsp_urls.clear();
        for (p, url) in self.profiles.iter().zip(profile_urls) {
            if let Some(u) = url {
                self.rtsp_urls.insert(profile_key(&p.name), u.clone());
            }
        }
        if self.rtsp_urls.is_empty() {
            for (key, s) in [("main", &self.main), ("sub", &self.sub)] {
                if let Some(s) = s {
                    self.rtsp_urls.insert(key.to_owned(), s.url.clone());
                }
            }
        }
        self.stream_active = self.main.is_some();
    }

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

/// Times as whole Unix seconds (a time before the epoch is 0). Reading never fails on the
/// number's size: a value the clock cannot hold comes back as the latest time it can, and
/// [`crate::registry::persist::decode`] refuses it by name.
pub mod unix_seconds {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    /// Whole seconds since the Unix epoch (a time before it is 0).
    #[must_use]
    pub fn of(t: SystemTime) -> u64 {
        t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
    }

    /// The time `secs` after the epoch, when the clock can hold it.
    #[must_use]
    pub fn time(secs: u64) -> Option<SystemTime> {
        UNIX_EPOCH.checked_add(Duration::from_secs(secs))
    }

    /// `secs` as a time, the latest one the clock holds when it is too far.
    fn saturating(secs: u64) -> SystemTime {
        time(secs).unwrap_or_else(|| {
            // i64::MAX seconds is where SystemTime ends on 64-bit Unix.
            time(i64::MAX.unsigned_abs()).unwrap_or(UNIX_EPOCH)
        })
    }

    /// # Errors
    /// The serializer's.
    pub fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(of(*t))
    }

    /// # Errors
    /// Not a whole number of 0 or more.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        u64::deserialize(d).map(saturating)
    }

    /// The same for an optional time (`null` when unknown).
    pub mod option {
        use serde::{Deserialize, Deserializer, Serialize, Serializer};
        use std::time::SystemTime;

        /// # Errors
        /// The serializer's.
        pub fn serialize<S: Serializer>(t: &Option<SystemTime>, s: S) -> Result<S::Ok, S::Error> {
            t.map(super::of).serialize(s)
        }

        /// # Errors
        /// Neither null nor a whole number of 0 or more.
        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<SystemTime>, D::Error> {
            Option::<u64>::deserialize(d).map(|v| v.map(super::saturating))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Transport;

    fn stream(url: &str) -> Stream {
        Stream {
            url: url.into(),
            codec: "h264".into(),
            width: None,
            height: None,
            transport: Transport::Tcp,
        }
    }

    #[test]
    fn names_and_urls_follow_the_original() {
        let mut c = Camera::new(Ipv4Addr::new(10, 0, 0, 5));
        c.id = "4419b6000001".into();
        c.mac = Some("44:19:b6:00:00:01".into());
        c.main = Some(stream("rtsp://10.0.0.5/main"));
        c.derive(&[], 80);
        assert_eq!(c.name, "Camera-00:00:01");
        assert_eq!(c.http_url.as_deref(), Some("http://10.0.0.5:80"));
        assert_eq!(c.ip_history, [c.ip]);
        assert_eq!(
            c.rtsp_urls,
            BTreeMap::from([("main".to_owned(), "rtsp://10.0.0.5/main".to_owned())])
        );
        assert!(c.online && c.stream_active);
        c.manufacturer = Some("Dahua".into());
        c.model = Some("IPC-HFW".into());
        c.profiles = vec![
            Profile {
                name: "Main Stream".into(),
                ..Profile::default()
            },
            Profile {
                name: "Third".into(),
                ..Profile::default()
            },
        ];
        c.derive(&[Some("rtsp://10.0.0.5/onvif1".into()), None], 8080);
        assert_eq!(c.name, "Dahua IPC-HFW");
        assert_eq!(c.http_url.as_deref(), Some("http://10.0.0.5:8080"));
        assert_eq!(
            c.rtsp_urls,
            BTreeMap::from([(
                "main_stream".to_owned(),
                "rtsp://10.0.0.5/onvif1".to_owned()
            )]),
            "the profiles' URLs replace main/sub"
        );
    }

    #[test]
    fn unix_seconds_round_down_and_saturate() {
        use std::time::{Duration, UNIX_EPOCH};
        let t = UNIX_EPOCH + Duration::from_millis(5_999);
        assert_eq!(unix_seconds::of(t), 5);
        assert_eq!(unix_seconds::of(UNIX_EPOCH - Duration::from_secs(1)), 0);
        assert_eq!(
            unix_seconds::time(5),
            Some(UNIX_EPOCH + Duration::from_secs(5))
        );
        assert_eq!(unix_seconds::time(u64::MAX), None);
    }
}
