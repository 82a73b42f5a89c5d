//! Camera ids: the MQTT contract's id of a camera, from its MAC when known, else from what
//! stays stable across DHCP moves (ONVIF endpoint, serial number), else from its address;
//! and the FNV-1a hash those fallbacks (and the Frigate names) use.
use crate::mac;
use std::net::Ipv4Addr;

/// The id of the MQTT contract: the MAC when known; else, as the original when nothing
/// better is known, `UNKNOWN-10-0-0-5`; an ONVIF endpoint or serial number (stable across
/// DHCP moves) is preferred over the IP and hashed into the same `UNKNOWN-` shape.
#[must_use]
pub fn camera_id(
    mac: Option<&[u8; 6]>,
    endpoint: Option<&str>,
    serial: Option<&str>,
    ip: Ipv4Addr,
) -> String {
    if let Some(mac) = mac {
        return mac::camera_id(mac);
    }
    let stable = endpoint
        .map(|e| ("ep", e))
        .or(serial.map(|s| ("sn", s)))
        .filter(|(_, v)| !v.trim().is_empty());
    match stable {
        Some((kind, v)) => format!("unknown-{kind}-{:016x}", fnv1a(v.trim().as_bytes())),
        None => format!("unknown-{}", ip.to_string().replace('.', "-")),
    }
}

/// FNV-1a 64: a stable, dependency-free hash for ids (not for security).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 5);

    #[test]
    fn ids_prefer_mac_then_endpoint_then_serial_then_ip() {
        let mac = [0x44, 0x19, 0xb6, 0, 0, 1];
        assert_eq!(
            camera_id(Some(&mac), Some("urn:uuid:1"), Some("S"), IP),
            "4419b6000001"
        );
        let ep = camera_id(None, Some("urn:uuid:1"), Some("S"), IP);
        assert!(ep.starts_with("unknown-ep-") && ep.len() == 27, "{ep}");
        assert_eq!(
            ep,
            camera_id(None, Some(" urn:uuid:1 "), None, IP),
            "stable"
        );
        assert_ne!(ep, camera_id(None, Some("urn:uuid:2"), None, IP));
        let sn = camera_id(None, None, Some("HIK-0001"), IP);
        assert!(sn.starts_with("unknown-sn-"), "{sn}");
        assert_eq!(camera_id(None, Some(" "), None, IP), "unknown-10-0-0-5");
        assert_eq!(camera_id(None, None, None, IP), "unknown-10-0-0-5");
    }
}
