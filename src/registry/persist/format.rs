//! The document of the state file: `{"version": 1, "cameras": [CAMERA…]}`, each camera the
//! record's fields under their own names, times as Unix seconds, addresses as text, `null`
//! for what is unknown. Pure: bytes in, bytes out. The shapes here are the file's own, so
//! that [`CameraRecord`] can change without changing the format by accident.
use super::{StateError, MAX_CAMERAS, MAX_ID_LEN, MAX_STATE_BYTES, VERSION};
use crate::mac;
use crate::registry::record::{CameraRecord, Capabilities, ProfileInfo, StreamInfo};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Serialize)]
struct DocOut<'a> {
    version: u64,
    cameras: Vec<Stored<'a>>,
}

#[derive(Deserialize)]
struct DocIn {
    cameras: Vec<StoredIn>,
}

#[derive(Deserialize)]
struct Header {
    version: u64,
}

#[derive(Serialize)]
struct Stored<'a> {
    id: &'a str,
    ip: Ipv4Addr,
    mac: &'a Option<String>,
    name: &'a str,
    manufacturer: &'a Option<String>,
    model: &'a Option<String>,
    serial_number: &'a Option<String>,
    firmware_version: &'a Option<String>,
    onvif_url: &'a Option<String>,
    http_url: &'a Option<String>,
    rtsp_urls: &'a BTreeMap<String, String>,
    main: Option<StoredStream>,
    sub: Option<StoredStream>,
    username: &'a Option<String>,
    credential_index: Option<usize>,
    profiles: Vec<StoredProfile>,
    capabilities: StoredCapabilities,
    ip_history: &'a [Ipv4Addr],
    online: bool,
    stream_active: bool,
    last_seen: u64,
    last_validated: Option<u64>,
}

#[derive(Deserialize)]
struct StoredIn {
    id: String,
    ip: Ipv4Addr,
    #[serde(default)]
    mac: Option<String>,
    name: String,
    #[serde(default)]
    manufacturer: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    serial_number: Option<String>,
    #[serde(default)]
    firmware_version: Option<String>,
    #[serde(default)]
    onvif_url: Option<String>,
    #[serde(default)]
    http_url: Option<String>,
    #[serde(default)]
    rtsp_urls: BTreeMap<String, String>,
    #[serde(default)]
    main: Option<StoredStream>,
    #[serde(default)]
    sub: Option<StoredStream>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    credential_index: Option<usize>,
    #[serde(default)]
    profiles: Vec<StoredProfile>,
    #[serde(default)]
    capabilities: StoredCapabilities,
    #[serde(default)]
    ip_history: Vec<Ipv4Addr>,
    #[serde(default)]
    online: bool,
    #[serde(default)]
    stream_active: bool,
    last_seen: u64,
    #[serde(default)]
    last_validated: Option<u64>,
}

#[derive(Serialize, Deserialize)]
struct StoredStream {
    url: String,
    codec: String,
    #[serde(default)]
    width: Option<u32>,
    #[serde(default)]
    height: Option<u32>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    udp_only: bool,
}

#[derive(Serialize, Deserialize)]
struct StoredProfile {
    name: String,
    token: String,
    #[serde(default)]
    width: Option<u32>,
    #[serde(default)]
    height: Option<u32>,
    /// A NaN frame rate is written as `null` and comes back as `None`.
    #[serde(default)]
    framerate: Option<f32>,
    #[serde(default)]
    encoding: Option<String>,
}

#[derive(Serialize, Deserialize, Default)]
struct StoredCapabilities {
    #[serde(default)]
    analytics: bool,
    #[serde(default)]
    events: bool,
    #[serde(default)]
    imaging: bool,
    #[serde(default)]
    media: bool,
    #[serde(default)]
    ptz: bool,
}

impl From<&StreamInfo> for StoredStream {
    fn from(s: &StreamInfo) -> Self {
        StoredStream {
            url: s.url.clone(),
            codec: s.codec.clone(),
            width: s.width,
            height: s.height,
            udp_only: s.udp_only,
        }
    }
}

impl From<StoredStream> for StreamInfo {
    fn from(s: StoredStream) -> Self {
        StreamInfo {
            url: s.url,
            codec: s.codec,
            width: s.width,
            height: s.height,
            udp_only: s.udp_only,
        }
    }
}

impl From<&ProfileInfo> for StoredProfile {
    fn from(p: &ProfileInfo) -> Self {
        StoredProfile {
            name: p.name.clone(),
            token: p.token.clone(),
            width: p.width,
            height: p.height,
            framerate: p.framerate,
            encoding: p.encoding.clone(),
        }
    }
}

impl From<StoredProfile> for ProfileInfo {
    fn from(p: StoredProfile) -> Self {
        ProfileInfo {
            name: p.name,
            token: p.token,
            width: p.width,
            height: p.height,
            framerate: p.framerate,
            encoding: p.encoding,
        }
    }
}

/// Whole seconds since the Unix epoch (a time before it is 0).
fn unix_seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The state document of `cameras`, in the order given (the registry's is by id).
#[must_use]
pub fn encode<'a>(cameras: impl IntoIterator<Item = &'a CameraRecord>) -> Vec<u8> {
    let cameras = cameras
        .into_iter()
        .map(|r| Stored {
            id: &r.id,
            ip: r.ip,
            mac: &r.mac,
            name: &r.name,
            manufacturer: &r.manufacturer,
            model: &r.model,
            serial_number: &r.serial_number,
            firmware_version: &r.firmware_version,
            onvif_url: &r.onvif_url,
            http_url: &r.http_url,
            rtsp_urls: &r.rtsp_urls,
            main: r.main.as_ref().map(StoredStream::from),
            sub: r.sub.as_ref().map(StoredStream::from),
            username: &r.username,
            credential_index: r.credential_index,
            profiles: r.profiles.iter().map(StoredProfile::from).collect(),
            capabilities: StoredCapabilities {
                analytics: r.capabilities.analytics,
                events: r.capabilities.events,
                imaging: r.capabilities.imaging,
                media: r.capabilities.media,
                ptz: r.capabilities.ptz,
            },
            ip_history: &r.ip_history,
            online: r.online,
            stream_active: r.stream_active,
            last_seen: unix_seconds(r.last_seen),
            last_validated: r.last_validated.map(unix_seconds),
        })
        .collect();
    let mut out = serde_json::to_vec_pretty(&DocOut {
        version: VERSION,
        cameras,
    })
    .unwrap_or_else(|_| unreachable_json());
    out.push(b'\n');
    out
}

/// Serializing plain structs, strings and numbers into a `Vec` cannot fail; should it ever,
/// an empty inventory is written rather than a panic.
fn unreachable_json() -> Vec<u8> {
    format!("{{\"version\": {VERSION}, \"cameras\": []}}").into_bytes()
}

/// The cameras of a state document.
///
/// # Errors
///
/// [`StateError::TooLarge`] over [`MAX_STATE_BYTES`], [`StateError::Syntax`] for what is
/// not a state document, [`StateError::Version`] for another version,
/// [`StateError::TooMany`] over [`MAX_CAMERAS`], [`StateError::Camera`] for a camera with
/// an id that is empty, too long or not `[A-Za-z0-9_-]` (it becomes an MQTT topic level),
/// a MAC that does not parse, a time out of range, or an id seen before.
pub fn decode(bytes: &[u8]) -> Result<Vec<CameraRecord>, StateError> {
    if bytes.len() > MAX_STATE_BYTES {
        return Err(StateError::TooLarge);
    }
    let syntax = |e: serde_json::Error| StateError::Syntax(e.to_string());
    // serde would take a JSON array for a struct: only an object is a state document.
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        None => return Err(StateError::Syntax("the file is empty".into())),
        Some(b'{') => {}
        Some(_) => return Err(StateError::Syntax("not a JSON object".into())),
    }
    let header: Header = serde_json::from_slice(bytes).map_err(syntax)?;
    if header.version != VERSION {
        return Err(StateError::Version(header.version));
    }
    let doc: DocIn = serde_json::from_slice(bytes).map_err(syntax)?;
    if doc.cameras.len() > MAX_CAMERAS {
        return Err(StateError::TooMany(doc.cameras.len()));
    }
    let mut ids = BTreeSet::new();
    let mut out = Vec::with_capacity(doc.cameras.len());
    for (index, s) in doc.cameras.into_iter().enumerate() {
        let bad = |detail: String| StateError::Camera { index, detail };
        let r = record(s).map_err(bad)?;
        if !ids.insert(r.id.clone()) {
            return Err(bad(format!("id {:?} appears twice", r.id)));
        }
        out.push(r);
    }
    Ok(out)
}

/// One stored camera as a record, checked.
fn record(s: StoredIn) -> Result<CameraRecord, String> {
    let id_ok = (1..=MAX_ID_LEN).contains(&s.id.len())
        && s.id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !id_ok {
        return Err(format!(
            "id {:?} is not 1 to {MAX_ID_LEN} of A-Z a-z 0-9 - _",
            s.id
        ));
    }
    if let Some(mac) = s.mac.as_deref().filter(|m| mac::parse_mac(m).is_none()) {
        return Err(format!("{}: mac {mac:?} is not a MAC address", s.id));
    }
    let time = |what: &str, secs: u64| {
        UNIX_EPOCH
            .checked_add(Duration::from_secs(secs))
            .ok_or_else(|| format!("{}: {what} {secs} is out of range", s.id))
    };
    let last_seen = time("last_seen", s.last_seen)?;
    let last_validated = match s.last_validated {
        Some(v) => Some(time("last_validated", v)?),
        None => None,
    };
    let c = s.capabilities;
    Ok(CameraRecord {
        id: s.id,
        ip: s.ip,
        mac: s.mac,
        name: s.name,
        manufacturer: s.manufacturer,
        model: s.model,
        serial_number: s.serial_number,
        firmware_version: s.firmware_version,
        onvif_url: s.onvif_url,
        http_url: s.http_url,
        rtsp_urls: s.rtsp_urls,
        main: s.main.map(StreamInfo::from),
        sub: s.sub.map(StreamInfo::from),
        username: s.username,
        credential_index: s.credential_index,
        profiles: s.profiles.into_iter().map(ProfileInfo::from).collect(),
        capabilities: Capabilities {
            analytics: c.analytics,
            events: c.events,
            imaging: c.imaging,
            media: c.media,
            ptz: c.ptz,
        },
        ip_history: s.ip_history,
        online: s.online,
        stream_active: s.stream_active,
        last_seen,
        last_validated,
    })
}
