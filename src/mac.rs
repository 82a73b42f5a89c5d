//! MAC addresses as values: parsing (`:`, `-` or no separators), the `aa:bb:cc:dd:ee:ff`
//! text, and the camera id derived from a MAC. A leaf: discovery learns MACs, the registry
//! keys cameras by them, the state file checks them. Which brand an OUI belongs to is
//! [`crate::camdb::Brand::from_oui`]'s.

/// `aa:bb:cc:dd:ee:ff`.
pub fn mac_to_string(mac: &[u8; 6]) -> String {
    let parts: Vec<String> = mac.iter().map(|b| format!("{b:02x}")).collect();
    parts.join(":")
}

/// Parses a MAC written with `:`, `-` or no separators, in any case.
pub fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let s = s.trim();
    let hex: String = if s.contains(':') || s.contains('-') {
        let parts: Vec<&str> = s.split([':', '-']).collect();
        if parts.len() != 6 || parts.iter().any(|p| p.len() != 2) {
            return None;
        }
        parts.concat()
    } else {
        s.to_string()
    };
    if hex.len() != 12 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut mac = [0u8; 6];
    for (i, byte) in mac.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(mac)
}

/// The camera id of the MQTT contract: the MAC without separators, lower case.
pub fn camera_id(mac: &[u8; 6]) -> String {
    mac.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// MACs in every accepted spelling; malformed ones rejected; formatting round-trips.
    #[test]
    fn mac_parsing_and_formatting() {
        let m = [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff];
        for s in ["aa:bb:cc:dd:ee:ff", "AA-BB-CC-DD-EE-FF", "aabbccddeeff"] {
            assert_eq!(parse_mac(s), Some(m), "{s}");
        }
        for s in [
            "",
            "aa:bb:cc:dd:ee",
            "aa:bb:cc:dd:ee:fg",
            "a:bb:cc:dd:ee:fff",
            "é",
        ] {
            assert_eq!(parse_mac(s), None, "{s}");
        }
        assert_eq!(mac_to_string(&m), "aa:bb:cc:dd:ee:ff");
        assert_eq!(camera_id(&m), "aabbccddeeff");
    }
}
