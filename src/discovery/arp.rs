//! The kernel's ARP table (`/proc/net/arp`). MAC parsing and formatting are
//! [`crate::mac`]'s (re-exported here); which brand a MAC's OUI belongs to is
//! [`crate::camdb::Brand::from_oui`]'s.
use std::net::Ipv4Addr;

pub use crate::mac::{camera_id, mac_to_string, parse_mac};

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
}
