//! Names and order in the Frigate file, each a function of the camera's id alone, so that
//! they never change when other cameras come or go:
//!
//! - the camera name: the id itself when it is `[A-Za-z0-9-]+` (a MAC without colons, the
//!   `unknown-…` fallbacks: every id discovery makes); any other id becomes its characters
//!   outside that set as `-` (at most 32), `_` and 16 hex digits of its FNV-1a hash. Both
//!   forms match Frigate's `^[a-zA-Z0-9_-]+$`; a plain name has no `_`, a hashed one
//!   exactly one, so the two never collide;
//! - go2rtc streams: the camera name for the main stream, `<name>_sub` for the sub stream
//!   (never a camera name: plain names have no `_`, hashed ones end in 16 hex digits);
//! - `ui.order`: the MAC as a 48-bit number for a MAC id, else 2^48 + 48 bits of the hash
//!   (exact in the JavaScript of Frigate's UI, which sorts by it).
use crate::model::fnv1a;

/// The suffix of a camera's sub-stream go2rtc stream.
pub const SUB_STREAM_SUFFIX: &str = "_sub";

/// The longest part of an unusual id kept in its camera name.
const HASHED_PREFIX_MAX: usize = 32;

/// A camera name Frigate accepts, a function of `id` alone (see the module doc).
#[must_use]
pub fn camera_name(id: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || c == '-';
    if !id.is_empty() && id.chars().all(plain) {
        return id.to_owned();
    }
    let prefix: String = id
        .chars()
        .take(HASHED_PREFIX_MAX)
        .map(|c| if plain(c) { c } else { '-' })
        .collect();
    format!("{prefix}_{:016x}", fnv1a(id.as_bytes()))
}

/// The go2rtc stream of a camera's sub stream.
#[must_use]
pub fn sub_stream_name(camera: &str) -> String {
    format!("{camera}{SUB_STREAM_SUFFIX}")
}

/// `ui.order` of the camera with `id` (see the module doc).
#[must_use]
pub fn ui_order(id: &str) -> i64 {
    const MAC_SPACE: i64 = 1 << 48;
    if id.len() == 12 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        if let Ok(mac) = i64::from_str_radix(id, 16) {
            return mac;
        }
    }
    let low48 = i64::try_from(fnv1a(id.as_bytes()) >> 16).unwrap_or(0);
    MAC_SPACE + low48
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frigate_valid(name: &str) -> bool {
        !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    }

    #[test]
    fn ids_discovery_makes_are_their_own_names() {
        for id in [
            "aabbccddeeff",
            "unknown-10-77-0-30",
            "unknown-ep-0011223344556677",
        ] {
            assert_eq!(camera_name(id), id);
        }
    }

    #[test]
    fn other_ids_are_sanitized_and_hashed_so_they_stay_distinct() {
        let ids = [
            "cam.1",
            "cam_1",
            "cam:1",
            "cam 1",
            "",
            "é",
            "cam_1_sub",
            "x_".repeat(40).as_str(),
        ]
        .map(str::to_owned);
        let names: Vec<String> = ids.iter().map(|i| camera_name(i)).collect();
        for n in &names {
            assert!(frigate_valid(n), "{n}");
            assert_eq!(n.matches('_').count(), 1, "{n}");
            assert!(n.len() <= HASHED_PREFIX_MAX + 17, "{n}");
        }
        assert!(names[0].starts_with("cam-1_"), "{}", names[0]);
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        // The same id always gives the same name.
        assert_eq!(camera_name("cam.1"), names[0]);
    }

    #[test]
    fn sub_streams_never_take_a_camera_name() {
        for id in ["aabbccddeeff", "cam.1", "x_sub"] {
            let sub = sub_stream_name(&camera_name(id));
            assert!(frigate_valid(&sub));
            assert_ne!(camera_name(&sub), sub, "{sub} would be a camera name");
        }
    }

    #[test]
    fn order_is_the_mac_or_a_48_bit_hash_above_it() {
        assert_eq!(ui_order("000000000001"), 1);
        assert_eq!(ui_order("aabbccddeeff"), 0xaabb_ccdd_eeff);
        let other = ui_order("unknown-10-0-0-5");
        assert!(((1 << 48)..(1 << 49)).contains(&other), "{other}");
        assert!(other < (1 << 53), "exact in a JavaScript number");
        assert_eq!(ui_order("unknown-10-0-0-5"), other);
        assert!(ui_order("aabbccddeef0") < ui_order("aabbccddeeff"));
    }
}
