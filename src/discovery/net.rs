//! Local IPv4 interfaces, as the rest of discovery sees them: one [`Iface`] per address.
//! [`local_ipv4`] is the only place that asks the OS (pnet's interface list); [`select`] is the
//! pure rule that picks the ones to scan (up, not loopback unless asked, optional name filter).
use std::net::Ipv4Addr;

/// One IPv4 address of one local interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iface {
    /// Kernel name, e.g. `eth0`.
    pub name: String,
    /// Kernel interface index (for multicast membership and raw sockets).
    pub index: u32,
    pub ip: Ipv4Addr,
    /// Prefix length of the address (`24` for a /24).
    pub prefix: u8,
    /// Hardware address, when the interface has one.
    pub mac: Option<[u8; 6]>,
    pub up: bool,
    pub loopback: bool,
    pub multicast: bool,
}

/// Every IPv4 address of every local interface, in the kernel's order.
#[must_use]
pub fn local_ipv4() -> Vec<Iface> {
    let mut out = Vec::new();
    for i in pnet_datalink::interfaces() {
        for net in &i.ips {
            if let ipnetwork::IpNetwork::V4(v4) = net {
                out.push(Iface {
                    name: i.name.clone(),
                    index: i.index,
                    ip: v4.ip(),
                    prefix: v4.prefix(),
                    mac: i.mac.map(|m| m.octets()).filter(|m| *m != [0; 6]),
                    up: i.is_up(),
                    loopback: i.is_loopback(),
                    multicast: i.is_multicast(),
                });
            }
        }
    }
    out
}

/// The interfaces discovery uses: up, and not loopback unless `include_loopback`; when
/// `names` is not empty (SCAN_INTERFACES), only those names.
#[must_use]
pub fn select(all: &[Iface], names: &[String], include_loopback: bool) -> Vec<Iface> {
    all.iter()
        .filter(|i| i.up && (include_loopback || !i.loopback))
        .filter(|i| names.is_empty() || names.contains(&i.name))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iface(name: &str, ip: [u8; 4], up: bool, loopback: bool) -> Iface {
        Iface {
            name: name.into(),
            index: 1,
            ip: ip.into(),
            prefix: 24,
            mac: None,
            up,
            loopback,
            multicast: !loopback,
        }
    }

    #[test]
    fn select_skips_down_and_loopback_and_filters_names() {
        let all = [
            iface("lo", [127, 0, 0, 1], true, true),
            iface("eth0", [10, 0, 0, 2], true, false),
            iface("eth1", [10, 1, 0, 2], false, false),
            iface("wlan0", [10, 2, 0, 2], true, false),
        ];
        let names = |v: Vec<Iface>| v.into_iter().map(|i| i.name).collect::<Vec<_>>();
        assert_eq!(names(select(&all, &[], false)), ["eth0", "wlan0"]);
        assert_eq!(names(select(&all, &[], true)), ["lo", "eth0", "wlan0"]);
        assert_eq!(names(select(&all, &["wlan0".into()], false)), ["wlan0"]);
    }

    #[test]
    fn local_ipv4_sees_loopback() {
        // Reads the interface list only (no packet is sent).
        assert!(local_ipv4()
            .iter()
            .any(|i| i.loopback && i.ip == Ipv4Addr::LOCALHOST && i.prefix == 8));
    }
}
