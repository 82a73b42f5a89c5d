//! IPv4 networks as values: [`Cidr`] parses `a.b.c.d/len` (a bare address is a /32) and
//! answers membership; [`parse_cidr_list`] reads a list variable (SCAN_NETWORKS,
//! SCAN_EXCLUDE) with a one-line error naming the variable and the entry. A leaf:
//! configuration parses them, discovery plans its scan over them.
use std::fmt;
use std::net::Ipv4Addr;

/// An IPv4 network: the address with its host bits cleared, and the prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cidr {
    addr: Ipv4Addr,
    prefix: u8,
}

/// A text that is not `a.b.c.d` or `a.b.c.d/len`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not an IPv4 network (a.b.c.d/len or a.b.c.d): {why}")]
pub struct CidrError {
    pub text: String,
    pub why: &'static str,
}

/// A bad entry in a list variable (SCAN_NETWORKS, SCAN_EXCLUDE).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var}: {source}")]
pub struct ListError {
    pub var: String,
    #[source]
    pub source: CidrError,
}

impl Cidr {
    /// The network of `addr/prefix` (host bits cleared); `None` when `prefix > 32`.
    #[must_use]
    pub fn new(addr: Ipv4Addr, prefix: u8) -> Option<Cidr> {
        (prefix <= 32).then(|| Cidr {
            addr: Ipv4Addr::from(u32::from(addr) & mask(prefix)),
            prefix,
        })
    }

    /// The network address (host bits zero).
    #[must_use]
    pub fn addr(&self) -> Ipv4Addr {
        self.addr
    }

    #[must_use]
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    #[must_use]
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        u32::from(ip) & mask(self.prefix) == u32::from(self.addr)
    }

    pub(crate) fn first(&self) -> u32 {
        u32::from(self.addr)
    }

    pub(crate) fn last(&self) -> u32 {
        self.first() | !mask(self.prefix)
    }

    /// Addresses a host may use: all of a /31 or /32, else all but network and broadcast.
    #[must_use]
    pub fn host_count(&self) -> u64 {
        let size = 1u64 << (32 - u32::from(self.prefix));
        if self.prefix >= 31 {
            size
        } else {
            size - 2
        }
    }

    pub(crate) fn host_range(&self) -> std::ops::RangeInclusive<u32> {
        if self.prefix >= 31 {
            self.first()..=self.last()
        } else {
            self.first() + 1..=self.last() - 1
        }
    }
}

fn mask(prefix: u8) -> u32 {
    match prefix {
        0 => 0,
        p => u32::MAX << (32 - u32::from(p.min(32))),
    }
}

impl std::str::FromStr for Cidr {
    type Err = CidrError;

    /// `10.0.0.0/24`; `10.0.0.7` is `10.0.0.7/32`; `10.0.0.7/24` is `10.0.0.0/24`.
    fn from_str(text: &str) -> Result<Cidr, CidrError> {
        let err = |why| CidrError {
            text: text.to_string(),
            why,
        };
        let (ip, prefix) = match text.split_once('/') {
            Some((ip, len)) => {
                if len.is_empty() || len.len() > 2 || !len.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(err("the prefix length must be a number 0..=32"));
                }
                let len: u8 = len.parse().map_err(|_| err("bad prefix length"))?;
                (ip, len)
            }
            None => (text, 32),
        };
        let ip: Ipv4Addr = ip.parse().map_err(|_| err("bad IPv4 address"))?;
        Cidr::new(ip, prefix).ok_or_else(|| err("the prefix length must be a number 0..=32"))
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// Parses a comma- and/or whitespace-separated list of networks; an empty text is an empty
/// list. The error names `var` and the offending entry.
///
/// # Errors
/// The first entry that does not parse.
pub fn parse_cidr_list(var: &str, text: &str) -> Result<Vec<Cidr>, ListError> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.parse().map_err(|source| ListError {
                var: var.to_string(),
                source,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Cidr {
        s.parse().unwrap()
    }

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    #[test]
    fn cidr_parses_networks_and_bare_addresses() {
        let n = c("10.0.0.0/24");
        assert_eq!((n.addr(), n.prefix()), (ip("10.0.0.0"), 24));
        assert_eq!(c("10.0.0.7"), Cidr::new(ip("10.0.0.7"), 32).unwrap());
        // Host bits are cleared: 192.168.1.10/24 means the interface's network.
        assert_eq!(c("192.168.1.10/24").to_string(), "192.168.1.0/24");
        assert_eq!(c("0.0.0.0/0").to_string(), "0.0.0.0/0");
        assert_eq!(c("10.1.2.3/32").to_string(), "10.1.2.3/32");
        assert!(c("10.0.0.0/24").contains(ip("10.0.0.255")));
        assert!(!c("10.0.0.0/24").contains(ip("10.0.1.0")));
        assert_eq!(c("10.0.0.0/24").host_count(), 254);
        assert_eq!(c("10.0.0.0/31").host_count(), 2);
        assert_eq!(c("10.0.0.0/32").host_count(), 1);
        assert_eq!(c("10.0.0.0/20").host_count(), 4094);
    }

    #[test]
    fn cidr_rejects_garbage_with_one_line_naming_the_text() {
        for bad in [
            "",
            "10.0.0",
            "10.0.0.0/",
            "10.0.0.0/33",
            "10.0.0.0/-1",
            "10.0.0.0/+8",
            "10.0.0.256/24",
            "fe80::1/64",
            "10.0.0.0/24/8",
            "host.lan",
            " 10.0.0.0/24",
            "10.0.0.0/024x",
        ] {
            let e = bad.parse::<Cidr>().unwrap_err();
            let text = e.to_string();
            assert!(text.contains(&format!("{bad:?}")), "{bad}: {text}");
            assert!(!text.contains('\n'), "{text}");
        }
    }

    #[test]
    fn cidr_list_splits_on_commas_and_spaces_and_names_the_variable() {
        let l =
            parse_cidr_list("SCAN_NETWORKS", " 10.0.0.0/24, 10.0.1.5 ,,192.168.0.0/16\t").unwrap();
        assert_eq!(
            l,
            vec![c("10.0.0.0/24"), c("10.0.1.5/32"), c("192.168.0.0/16")]
        );
        assert_eq!(parse_cidr_list("SCAN_EXCLUDE", "  ").unwrap(), vec![]);
        let e = parse_cidr_list("SCAN_EXCLUDE", "10.0.0.1, 10.0.0.0/40").unwrap_err();
        assert_eq!(e.var, "SCAN_EXCLUDE");
        let text = e.to_string();
        assert!(text.starts_with("SCAN_EXCLUDE: \"10.0.0.0/40\""), "{text}");
    }
}
