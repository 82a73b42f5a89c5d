//! The kernel's ARP table (`/proc/net/arp`) and MAC helpers: parsing, formatting, the
//! camera id derived from a MAC, and a small OUI table of camera vendors.
//!
//! Vendor keys returned by [`oui_vendor`]: `hikvision`, `dahua`, `axis`, `reolink`,
//! `amcrest`, `uniview`, `bosch`, `ubiquiti`, `hanwha`, `vivotek`, `tplink` (OUIs taken
//! from Debian's ieee-data oui.txt; Foscam and Xiongmai have no OUI registered under their
//! names there, so they are left to ONVIF and mDNS hints).
use std::net::Ipv4Addr;

/// One complete entry of the ARP table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArpEntry {
    pub ip: Ipv4Addr,
    pub mac: [u8; 6],
    pub device: String,
}

/// Parses `/proc/net/arp`: skips the header, incomplete entries (flags 0x0 or an all-zero
/// MAC) and malformed lines.
pub fn parse_proc_net_arp(text: &[u8]) -> Vec<ArpEntry> {
    let text = String::from_utf8_lossy(text);
    text.lines().skip(1).filter_map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<ArpEntry> {
    let f: Vec<&str> = line.split_whitespace().collect();
    if f.len() != 6 {
        return None;
    }
    let ip: Ipv4Addr = f[0].parse().ok()?;
    let flags = u32::from_str_radix(f[2].strip_prefix("0x")?, 16).ok()?;
    let mac = parse_mac(f[3])?;
    if flags == 0 || mac == [0; 6] {
        return None;
    }
    Some(ArpEntry {
        ip,
        mac,
        device: f[5].to_string(),
    })
}

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

/// OUIs (first three bytes) of camera vendors, from IEEE's registry.
const OUIS: &[([u8; 3], &str)] = &[
    ([0x44, 0x19, 0xb6], "hikvision"),
    ([0x44, 0x47, 0xcc], "hikvision"),
    ([0x58, 0x03, 0xfb], "hikvision"),
    ([0x94, 0xe1, 0xac], "hikvision"),
    ([0x64, 0xdb, 0x8b], "hikvision"),
    ([0xbc, 0xad, 0x28], "hikvision"),
    ([0xc0, 0x56, 0xe3], "hikvision"),
    ([0x98, 0xdf, 0x82], "hikvision"),
    ([0xec, 0xc8, 0x9c], "hikvision"),
    ([0x8c, 0xe7, 0x48], "hikvision"),
    ([0x24, 0x28, 0xfd], "hikvision"),
    ([0xa4, 0x14, 0x37], "hikvision"),
    ([0x3c, 0xef, 0x8c], "dahua"),
    ([0x08, 0xed, 0xed], "dahua"),
    ([0x6c, 0x1c, 0x71], "dahua"),
    ([0x74, 0xc9, 0x29], "dahua"),
    ([0x24, 0x52, 0x6a], "dahua"),
    ([0xe0, 0x50, 0x8b], "dahua"),
    ([0x90, 0x02, 0xa9], "dahua"),
    ([0x00, 0x40, 0x8c], "axis"),
    ([0xb8, 0xa4, 0x4f], "axis"),
    ([0xec, 0x71, 0xdb], "reolink"),
    ([0x9c, 0x8e, 0xcd], "amcrest"),
    ([0x48, 0xea, 0x63], "uniview"),
    ([0x00, 0x01, 0x31], "bosch"),
    ([0x74, 0x83, 0xc2], "ubiquiti"),
    ([0xe0, 0x63, 0xda], "ubiquiti"),
    ([0x80, 0x2a, 0xa8], "ubiquiti"),
    ([0xf0, 0x9f, 0xc2], "ubiquiti"),
    ([0x78, 0x8a, 0x20], "ubiquiti"),
    ([0x24, 0x5a, 0x4c], "ubiquiti"),
    ([0x00, 0x09, 0x18], "hanwha"), // SAMSUNG TECHWIN CO.,LTD
    ([0xe4, 0x30, 0x22], "hanwha"), // Hanwha Techwin Security Vietnam
    ([0x00, 0x02, 0xd1], "vivotek"),
    ([0x50, 0xc7, 0xbf], "tplink"),
    ([0x14, 0xcc, 0x20], "tplink"),
    ([0x60, 0x32, 0xb1], "tplink"),
    ([0x1c, 0x61, 0xb4], "tplink"), // TP-Link Corporation Limited
    ([0x5c, 0xa6, 0xe6], "tplink"), // TP-Link Corporation Limited
];

/// The camera vendor key of a MAC's OUI, if it is in the table.
pub fn oui_vendor(mac: &[u8; 6]) -> Option<&'static str> {
    OUIS.iter()
        .find(|(oui, _)| oui[..] == mac[..3])
        .map(|(_, v)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str =
        "IP address       HW type     Flags       HW address            Mask     Device\n\
10.77.0.101      0x1         0x2         44:19:b6:00:00:01     *        veth0\n\
10.77.0.99       0x1         0x0         00:00:00:00:00:00     *        veth0\n\
10.77.0.102      0x1         0x2         3c:ef:8c:00:00:02     *        veth0\n\
garbage line\n\
10.77.0.300      0x1         0x2         3c:ef:8c:00:00:02     *        veth0\n";

    /// Header, incomplete (flags 0x0, zero MAC) and malformed lines are skipped.
    #[test]
    fn parses_table_skipping_incomplete_and_malformed() {
        let e = parse_proc_net_arp(TABLE.as_bytes());
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].ip, Ipv4Addr::new(10, 77, 0, 101));
        assert_eq!(e[0].mac, [0x44, 0x19, 0xb6, 0, 0, 1]);
        assert_eq!(e[0].device, "veth0");
        assert!(parse_proc_net_arp(b"").is_empty());
        assert!(parse_proc_net_arp(&[0xff, 0xfe, b'\n', 0x80]).is_empty());
    }

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

    /// The lab's camera MACs map to their vendor keys; wsdd's host (Synology OUI) does not.
    #[test]
    fn oui_lookup_of_lab_macs() {
        let lab = [
            ("44:19:b6:00:00:01", "hikvision"),
            ("3c:ef:8c:00:00:02", "dahua"),
            ("00:40:8c:00:00:03", "axis"),
            ("ec:71:db:00:00:04", "reolink"),
            ("9c:8e:cd:00:00:05", "amcrest"),
            ("48:ea:63:00:00:06", "uniview"),
        ];
        for (mac, vendor) in lab {
            let m = parse_mac(mac).expect("valid MAC");
            assert_eq!(oui_vendor(&m), Some(vendor), "{mac}");
        }
        let noise = parse_mac("00:11:32:00:00:50").expect("valid MAC");
        assert_eq!(oui_vendor(&noise), None);
        for (mac, vendor) in [
            ("00:09:18:12:34:56", "hanwha"),
            ("00:02:d1:12:34:56", "vivotek"),
            ("5c:a6:e6:12:34:56", "tplink"),
        ] {
            let m = parse_mac(mac).expect("valid MAC");
            assert_eq!(oui_vendor(&m), Some(vendor), "{mac}");
        }
    }
}
