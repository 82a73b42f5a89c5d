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
        let name = match (&c.manufacturer, &c.model) {
            (Some(m), Some(md)) => format!("{m} {md}"),
            // The original: the last 8 characters of the MAC as its ARP lookup wrote it
            // (upper case, with colons): `Camera-DD:EE:FF`.
            _ => {
                let key = c.mac.as_deref().unwrap_or(&c.id).to_uppercase();
                let tail: String = key
                    .chars()
                    .rev()
                    .take(8)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                format!("Camera-{tail}")
            }
        };
        let stream = |p: &Option<crate::discovery::rtsp::session::Playable>| {
            p.as_ref().map(|p| StreamInfo {
                url: p.url.clone(),
                codec: p.codec.clone(),
                width: p.width,
                height: p.height,
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
