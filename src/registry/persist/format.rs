//! The document of the state file: `{"version": 1, "cameras": [CAMERA…]}`, each camera in
//! [`Camera`]'s serde form (its fields under their own names, times as Unix seconds,
//! addresses as text, `null` for what is unknown). Pure: bytes in, bytes out. The exact
//! text is pinned by the registry's tests (`tests_persist.rs`), so that a change of the
//! model that would change the format fails there.
use super::{StateError, MAX_CAMERAS, MAX_ID_LEN, MAX_STATE_BYTES, VERSION};
use crate::mac;
use crate::model::camera::unix_seconds;
use crate::model::Camera;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Serialize)]
struct DocOut<'a> {
    version: u64,
    cameras: Vec<&'a Camera>,
}

#[derive(Deserialize)]
struct DocIn {
    cameras: Vec<Camera>,
}

#[derive(Deserialize)]
struct Header {
    version: u64,
}

/// The times of each camera as written (read again only to name one the clock cannot hold).
#[derive(Deserialize)]
struct TimesDoc {
    cameras: Vec<Times>,
}

#[derive(Deserialize)]
struct Times {
    last_seen: u64,
    #[serde(default)]
    last_validated: Option<u64>,
}

/// The state document of `cameras`, in the order given (the registry's is by id).
#[must_use]
pub fn encode<'a>(cameras: impl IntoIterator<Item = &'a Camera>) -> Vec<u8> {
    let cameras = cameras.into_iter().collect();
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
pub fn decode(bytes: &[u8]) -> Result<Vec<Camera>, StateError> {
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
    // The document parsed, so its times are whole numbers: read them as written, to name
    // one the clock cannot hold.
    let times: TimesDoc = serde_json::from_slice(bytes).map_err(syntax)?;
    let mut ids = BTreeSet::new();
    for (index, (r, t)) in doc.cameras.iter().zip(&times.cameras).enumerate() {
        let bad = |detail: String| StateError::Camera { index, detail };
        check(r, t).map_err(bad)?;
        if !ids.insert(r.id.as_str()) {
            return Err(bad(format!("id {:?} appears twice", r.id)));
        }
    }
    Ok(doc.cameras)
}

/// One stored camera, checked: an id that can be an MQTT topic level, a MAC that parses,
/// times the clock can hold.
fn check(r: &Camera, t: &Times) -> Result<(), String> {
    let id_ok = (1..=MAX_ID_LEN).contains(&r.id.len())
        && r.id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !id_ok {
        return Err(format!(
            "id {:?} is not 1 to {MAX_ID_LEN} of A-Z a-z 0-9 - _",
            r.id
        ));
    }
    if let Some(mac) = r.mac.as_deref().filter(|m| mac::parse_mac(m).is_none()) {
        return Err(format!("{}: mac {mac:?} is not a MAC address", r.id));
    }
    let time = |what: &str, secs: u64| match unix_seconds::time(secs) {
        Some(_) => Ok(()),
        None => Err(format!("{}: {what} {secs} is out of range", r.id)),
    };
    time("last_seen", t.last_seen)?;
    t.last_validated
        .map_or(Ok(()), |v| time("last_validated", v))
}
