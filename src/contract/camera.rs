//! The original's CAMERA object, built from a [`Camera`]: the same keys in the same
//! order, with these types (Python's `Camera.to_dict()` is the reference):
//!
//! | key | type |
//! |---|---|
//! | `ip`, `name`, `id` | string |
//! | `mac` | `AA:BB:CC:DD:EE:FF` (upper case, as the original's ARP lookups gave it); when unknown `UNKNOWN-…` (the id with that prefix upper-cased, e.g. `UNKNOWN-10-0-0-5`) |
//! | `manufacturer`, `model`, `serial_number`, `firmware_version` | string, `"Unknown"` when not known |
//! | `onvif_url`, `http_url`, `primary_rtsp_url` | string or null |
//! | `rtsp_urls` | `{profile_key: url}`, in ONVIF profile order (the original's insertion order) |
//! | `username` | string or null |
//! | `password` | absent by default; with PUBLISH_CREDENTIALS: string (may be `""`), or null when no credential worked |
//! | `last_seen`, `last_validated` | Unix epoch seconds as a float (`time.time()`); `last_validated` is `0.0` when never validated |
//! | `online`, `stream_active` | bool |
//! | `profiles` | `[{name, token, resolution: [w, h] or null, framerate: integer or null, encoding: string or null}]` |
//! | `capabilities` | `{analytics, events, imaging, media, ptz}` bools; `{}` when ONVIF reported none (the original's empty dict for non-ONVIF cameras) |
//! | `ip_history` | `[ip, ...]`, oldest first |
//! | `last_seen_iso`, `last_validated_iso` | ISO-8601 UTC ending in `Z`; the latter null when never validated |
//! | `streams` | our addition: `{main, sub}`, each `{url, codec, width, height}` or null (the streams seen to play; `url` never has userinfo) |
//!
//! Without PUBLISH_CREDENTIALS no URL carries userinfo. With it, `rtsp_urls` and
//! `primary_rtsp_url` carry `user:password@` (percent-encoded) when the credential has both
//! a user name and a password, as the original built them.
use super::url::{strip_userinfo, with_userinfo};
use crate::model::{Camera, Capabilities, Stream};
use crate::secret::Credential;
use crate::time::iso8601;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use std::time::{SystemTime, UNIX_EPOCH};

/// ObjectProfile keys preferred for the primary URL, in order (the original's rule).
pub const PRIMARY_KEYS: [&str; 4] = ["main", "mainstream", "high", "profile_1"];

/// The CAMERA object, serialised in the original's key order.
#[derive(Serialize)]
pub(crate) struct CameraObject<'a> {
    ip: String,
    mac: String,
    name: &'a str,
    manufacturer: &'a str,
    model: &'a str,
    serial_number: &'a str,
    firmware_version: &'a str,
    onvif_url: Option<String>,
    rtsp_urls: Urls,
    http_url: Option<String>,
    username: Option<&'a str>,
    /// Outer `None`: key absent; `Some(None)`: null.
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<Option<&'a str>>,
    last_seen: f64,
    last_validated: f64,
    online: bool,
    stream_active: bool,
    profiles: Vec<ObjectProfile<'a>>,
    capabilities: Caps,
    ip_history: Vec<String>,
    id: &'a str,
    primary_rtsp_url: Option<String>,
    last_seen_iso: String,
    last_validated_iso: Option<String>,
    streams: Streams,
}

#[derive(Serialize)]
struct ObjectProfile<'a> {
    name: &'a str,
    token: &'a str,
    resolution: Option<[u32; 2]>,
    framerate: Option<i64>,
    encoding: Option<&'a str>,
}

/// `{key: url}` in a chosen order (also the current contract's `{main, sub}`).
pub(crate) struct Urls<K = String>(pub(crate) Vec<(K, String)>);

impl<K: AsRef<str>> Serialize for Urls<K> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k.as_ref(), v)?;
        }
        m.end()
    }
}

/// The five ONVIF capabilities (the model's own form), or `{}` when ONVIF reported none.
struct Caps(Capabilities);

impl Serialize for Caps {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.any() {
            self.0.serialize(s)
        } else {
            s.serialize_map(Some(0))?.end()
        }
    }
}

#[derive(Serialize)]
struct Streams {
    main: Option<ObjectStream>,
    sub: Option<ObjectStream>,
}

#[derive(Serialize)]
struct ObjectStream {
    url: String,
    codec: String,
    width: Option<u32>,
    height: Option<u32>,
}

impl<'a> CameraObject<'a> {
    pub(crate) fn new(rec: &'a Camera, creds: &'a [Credential], publish: bool) -> Self {
        let credential = rec.credential_index.and_then(|i| creds.get(i));
        let userinfo = credential
            .filter(|c| publish && !c.username.is_empty() && !c.password.expose().is_empty());
        let url = |u: &str| match userinfo {
            Some(c) => with_userinfo(u, &c.username, c.password.expose()),
            None => strip_userinfo(u).into_owned(),
        };
        let urls: Vec<(String, String)> = ordered_urls(rec)
            .into_iter()
            .map(|(k, u)| (k.to_owned(), url(u)))
            .collect();
        let primary = primary_index(&urls).map(|i| urls[i].1.clone());
        let stream = |s: &Option<Stream>| {
            s.as_ref().map(|s| ObjectStream {
                url: strip_userinfo(&s.url).into_owned(),
                codec: s.codec.clone(),
                width: s.width,
                height: s.height,
            })
        };
        CameraObject {
            ip: rec.ip.to_string(),
            mac: mac_text(rec),
            name: &rec.name,
            manufacturer: known(&rec.manufacturer),
            model: known(&rec.model),
            serial_number: known(&rec.serial_number),
            firmware_version: known(&rec.firmware_version),
            onvif_url: rec
                .onvif_url
                .as_deref()
                .map(|u| strip_userinfo(u).into_owned()),
            rtsp_urls: Urls(urls),
            http_url: rec
                .http_url
                .as_deref()
                .map(|u| strip_userinfo(u).into_owned()),
            username: rec.username.as_deref(),
            password: publish.then(|| credential.map(|c| c.password.expose())),
            last_seen: epoch_seconds(rec.last_seen),
            last_validated: rec.last_validated.map_or(0.0, epoch_seconds),
            online: rec.online,
            stream_active: rec.stream_active,
            profiles: rec
                .profiles
                .iter()
                .map(|p| ObjectProfile {
                    name: &p.name,
                    token: &p.token,
                    resolution: p.width.zip(p.height).map(|(w, h)| [w, h]),
                    framerate: p.framerate.filter(|f| f.is_finite()).map(round),
                    encoding: p.encoding.as_deref(),
                })
                .collect(),
            capabilities: Caps(rec.capabilities),
            ip_history: rec.ip_history.iter().map(ToString::to_string).collect(),
            id: &rec.id,
            primary_rtsp_url: primary,
            last_seen_iso: iso8601(rec.last_seen),
            last_validated_iso: rec.last_validated.map(iso8601),
            streams: Streams {
                main: stream(&rec.main),
                sub: stream(&rec.sub),
            },
        }
    }
}

/// The record's primary RTSP URL as stored (no userinfo): the first of [`PRIMARY_KEYS`]
/// present in `rtsp_urls`, else the first URL in ONVIF profile order.
#[must_use]
pub fn primary_rtsp_url(rec: &Camera) -> Option<&str> {
    let urls = ordered_urls(rec);
    primary_index(&urls).map(|i| urls[i].1)
}

/// The `mac` text of the contract (see the module table).
#[must_use]
pub fn mac_text(rec: &Camera) -> String {
    match (&rec.mac, rec.id.strip_prefix("unknown-")) {
        (Some(m), _) => m.to_uppercase(),
        (None, Some(rest)) => format!("UNKNOWN-{rest}"),
        (None, None) => rec.id.clone(),
    }
}

/// `rtsp_urls` in the original's insertion order: the keys of the ONVIF profiles in profile
/// order, then any other key in name order.
fn ordered_urls(rec: &Camera) -> Vec<(&str, &str)> {
    let mut out: Vec<(&str, &str)> = Vec::with_capacity(rec.rtsp_urls.len());
    for p in &rec.profiles {
        let key = crate::model::profile_key(&p.name);
        if let Some((k, u)) = rec.rtsp_urls.get_key_value(&key) {
            if !out.iter().any(|(seen, _)| *seen == k) {
                out.push((k, u));
            }
        }
    }
    for (k, u) in &rec.rtsp_urls {
        if !out.iter().any(|(seen, _)| *seen == k) {
            out.push((k, u));
        }
    }
    out
}

fn primary_index<K: AsRef<str>, V>(urls: &[(K, V)]) -> Option<usize> {
    PRIMARY_KEYS
        .iter()
        .find_map(|want| urls.iter().position(|(k, _)| k.as_ref() == *want))
        .or(if urls.is_empty() { None } else { Some(0) })
}

pub(crate) fn known(v: &Option<String>) -> &str {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("Unknown")
}

pub(crate) fn epoch_seconds(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

#[allow(clippy::cast_possible_truncation)] // a frame rate, finite and small
fn round(f: f32) -> i64 {
    f.round() as i64
}
