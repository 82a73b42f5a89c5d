//! Subnet planning and the non-blocking TCP connect scan (being written on the `scan`
//! branch; this interim parser only lets the configuration compile until it lands).
use std::net::Ipv4Addr;

/// An IPv4 network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub addr: Ipv4Addr,
    pub prefix: u8,
}

/// Parses a comma/space separated list of CIDRs.
///
/// # Errors
/// The first item that does not parse, named with `var`.
pub fn parse_cidr_list(var: &str, text: &str) -> Result<Vec<Cidr>, String> {
    text.split([',', ' '])
        .filter(|s| !s.is_empty())
        .map(|item| {
            let (a, p) = item.split_once('/').unwrap_or((item, "32"));
            match (a.parse(), p.parse::<u8>()) {
                (Ok(addr), Ok(prefix)) if prefix <= 32 => Ok(Cidr { addr, prefix }),
                _ => Err(format!("{var}: {item:?} is not an IPv4 network")),
            }
        })
        .collect()
}
