//! What ONVIF says of a camera: its media profiles and the services it offers. The ONVIF
//! codec parses them, the registry keeps them, the state file stores them in this serde
//! form; the contract's CAMERA object has its own (`resolution`, a whole frame rate).
use serde::{Deserialize, Serialize};

/// One media profile (Media1 `trt:Profiles` or Media2 `tr2:Profiles`), with its video
/// encoder settings when the profile has an encoder configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub name: String,
    pub token: String,
    #[serde(default)]
    pub width: Option<u32>,
    #[serde(default)]
    pub height: Option<u32>,
    /// A NaN frame rate is written as `null` and comes back as `None`.
    #[serde(default)]
    pub framerate: Option<f32>,
    /// `H264`, `H265`, `JPEG`, `MPEG4` ... (`HEVC`/`H.265` normalised to `H265`, `AVC`/`H.264`
    /// to `H264`).
    #[serde(default)]
    pub encoding: Option<String>,
}

/// ONVIF services the camera offers (a category with a non-empty XAddr in
/// `GetCapabilities`; `media` also when the device lists Media2). All false: ONVIF told
/// nothing (a camera found without ONVIF).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Capabilities {
    pub analytics: bool,
    pub events: bool,
    pub imaging: bool,
    pub media: bool,
    pub ptz: bool,
}

impl Capabilities {
    /// ONVIF reported at least one service.
    #[must_use]
    pub fn any(&self) -> bool {
        *self != Capabilities::default()
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
    fn keys_and_the_empty_capability_set() {
        assert_eq!(profile_key(" Main Stream "), "main_stream");
        assert!(!Capabilities::default().any());
        let ptz = Capabilities {
            ptz: true,
            ..Capabilities::default()
        };
        assert!(ptz.any());
        // A missing capability reads as false.
        let read: Capabilities = serde_json::from_str(r#"{"ptz": true}"#).unwrap();
        assert_eq!(read, ptz);
    }
}
