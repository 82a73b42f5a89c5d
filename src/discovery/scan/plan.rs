//! Which addresses the port scan visits (pure: no sockets, no clock).
//!
//! Networks are [`Cidr`]s ([`crate::cidr`]); [`networks_of`] turns interface addresses into
//! networks; [`plan`] turns networks into the host list; [`known_first`] moves hosts the
//! kernel already resolved to the front; [`targets`] crosses hosts with
//! ports (host-major, so both ports of a host start together and share one ARP lookup).
//!
//! # The size rules
//!
//! The original scanned every local subnet but skipped networks of more than 5000 hosts
//! outright, kept only host numbers 100..254 on networks of more than 1000 hosts (a /22
//! lost three quarters of its addresses) and added the /24s with third octet 1, 4, 5, 100,
//! 101. The non-blocking scan (connect.rs) costs about one connect timeout per 500 connects
//! in flight, so here:
//!
//! - a network of prefix /20 or longer (≤ 4094 hosts) is scanned whole; the network and
//!   broadcast addresses are skipped below /31 (RFC 3021: both addresses of a /31 are hosts);
//! - a network larger than /20 (a /16 is the usual case: a flat office or a router's
//!   default 10.0.0.0/8 … 172.16.0.0/12 lease) is never skipped. It is scanned in this
//!   order, .1–.254 of each /24:
//!   1. the /20 that holds each of our own addresses in it, in full: DHCP and static
//!      addresses cluster around the gateway and the detector itself;
//!   2. every /24 whose third octet is 1, 4, 5, 100 or 101, in full (the original's
//!      list: consumer routers' and NVR PoE switches' defaults);
//!   3. host numbers 100–254 of every other /24 (the original's preference, which kept
//!      static camera addresses and the usual DHCP pool);
//!
//!   so a /16 costs 4064 + 5·254 + ~235·155 ≈ 41 700 hosts instead of 0, and a note says
//!   what was left out;
//! - overlapping networks are merged (first occurrence wins the order), our own addresses
//!   are skipped, SCAN_EXCLUDE applies last, and so do 0.0.0.0/8 and 224.0.0.0/3
//!   (multicast, reserved, broadcast: a TCP connect there cannot succeed);
//! - the plan stops at [`MAX_HOSTS`] (65 536, i.e. 131 072 connects on two ports, about
//!   ten minutes at the default rate) with a note naming where it stopped.
use std::collections::HashSet;
use std::net::{Ipv4Addr, SocketAddrV4};

use crate::cidr::Cidr;
use crate::discovery::net::Iface;

/// Hard cap on the hosts of one plan.
pub const MAX_HOSTS: usize = 65_536;

/// Candidate addresses looked at before the plan gives up (a /0 minus a /1 exclude must not
/// walk four billion addresses).
const MAX_VISITS: usize = 1 << 20;

/// Networks with a prefix at least this long are scanned whole.
pub const WHOLE_PREFIX: u8 = 20;

/// Third octets of the /24s scanned in full inside a network larger than /20.
pub const PRIORITY_THIRD_OCTETS: [u8; 5] = [1, 4, 5, 100, 101];

/// Host numbers kept in the other /24s of a network larger than /20.
pub const PREFERRED_HOSTS: std::ops::RangeInclusive<u8> = 100..=254;

/// The networks of interface addresses (each `ip/prefix` with host bits cleared), without
/// duplicates, in interface order. Choosing interfaces (up, loopback, SCAN_INTERFACES) is
/// [`crate::discovery::net::select`]'s job.
#[must_use]
pub fn networks_of(ifaces: &[Iface]) -> Vec<Cidr> {
    let mut out: Vec<Cidr> = Vec::new();
    for i in ifaces {
        if let Some(c) = Cidr::new(i.ip, i.prefix) {
            if !out.contains(&c) {
                out.push(c);
            }
        }
    }
    out
}

/// The hosts to scan, in scan order, and what the rules left out (one line each).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub hosts: Vec<Ipv4Addr>,
    pub notes: Vec<String>,
}

/// [`plan_capped`] with [`MAX_HOSTS`].
#[must_use]
pub fn plan(networks: &[Cidr], own: &[Ipv4Addr], exclude: &[Cidr]) -> Plan {
    plan_capped(networks, own, exclude, MAX_HOSTS)
}

/// The scan plan (see the module doc for the rules), at most `cap` hosts.
#[must_use]
pub fn plan_capped(networks: &[Cidr], own: &[Ipv4Addr], exclude: &[Cidr], cap: usize) -> Plan {
    let mut b = Builder {
        own,
        exclude,
        cap,
        seen: HashSet::new(),
        hosts: Vec::new(),
        excluded: 0,
        special: 0,
        visits: 0,
        full: None,
    };
    let mut notes = Vec::new();
    for net in networks {
        if b.full.is_some() {
            break;
        }
        if net.prefix() >= WHOLE_PREFIX {
            for h in net.host_range() {
                if !b.add(h) {
                    break;
                }
            }
        } else {
            large_network(&mut b, net, &mut notes);
        }
        if let Some(at) = b.full {
            notes.push(format!(
                "host cap {cap} (or {MAX_VISITS} candidates) reached in {net}: {} and the \
                 rest of the plan not scanned",
                Ipv4Addr::from(at)
            ));
        }
    }
    if b.excluded > 0 {
        notes.push(format!("{} addresses excluded (SCAN_EXCLUDE)", b.excluded));
    }
    if b.special > 0 {
        notes.push(format!(
            "{} addresses in 0.0.0.0/8 or 224.0.0.0/3 (multicast, reserved, broadcast) skipped",
            b.special
        ));
    }
    Plan {
        hosts: b.hosts,
        notes,
    }
}

/// A network larger than /20: own /20s, priority /24s, then .100–.254 of every /24.
fn large_network(b: &mut Builder<'_>, net: &Cidr, notes: &mut Vec<String>) {
    let before = b.hosts.len();
    let mut around = Vec::new();
    for ip in b.own {
        if net.contains(*ip) {
            let block = Cidr::new(*ip, WHOLE_PREFIX).expect("prefix 20");
            if !around.contains(&block) {
                around.push(block);
            }
        }
    }
    // Every /24 of the network: its first address, in order.
    let slash24 = |c: Cidr| (c.first()..=c.last()).step_by(256);
    let ok = 'fill: {
        for block in &around {
            for s in slash24(*block) {
                for h in s + 1..=s + 254 {
                    if !b.add(h) {
                        break 'fill false;
                    }
                }
            }
        }
        for s in slash24(*net) {
            if PRIORITY_THIRD_OCTETS.contains(&((s >> 8) as u8)) {
                for h in s + 1..=s + 254 {
                    if !b.add(h) {
                        break 'fill false;
                    }
                }
            }
        }
        for s in slash24(*net) {
            for n in PREFERRED_HOSTS {
                if !b.add(s + u32::from(n)) {
                    break 'fill false;
                }
            }
        }
        true
    };
    let taken = b.hosts.len() - before;
    let around_text = if around.is_empty() {
        "no address of ours in it".to_string()
    } else {
        let list: Vec<String> = around.iter().map(ToString::to_string).collect();
        format!("{} in full (around our address)", list.join(", "))
    };
    notes.push(format!(
        "{net} has {} hosts, more than a /{WHOLE_PREFIX}: {around_text}, the /24s with third \
         octet 1, 4, 5, 100, 101 in full, .100-.254 of the other /24s{}; {taken} hosts planned, \
         {} not scanned",
        net.host_count(),
        if ok { "" } else { " (cut by the host cap)" },
        net.host_count().saturating_sub(taken as u64),
    ));
}

struct Builder<'a> {
    own: &'a [Ipv4Addr],
    exclude: &'a [Cidr],
    cap: usize,
    seen: HashSet<u32>,
    hosts: Vec<Ipv4Addr>,
    excluded: usize,
    special: usize,
    visits: usize,
    /// The first address refused because the cap was reached.
    full: Option<u32>,
}

impl Builder<'_> {
    /// Adds `h` unless it is ours, a duplicate, excluded or special; `false` once the cap is
    /// reached (and `h` was not added).
    fn add(&mut self, h: u32) -> bool {
        self.visits += 1;
        if self.visits > MAX_VISITS {
            self.full = Some(h);
            return false;
        }
        let ip = Ipv4Addr::from(h);
        if self.own.contains(&ip) || self.seen.contains(&h) {
            return true;
        }
        if h >> 24 == 0 || h >> 29 == 0b111 {
            self.special += 1;
            self.seen.insert(h);
            return true;
        }
        if self.exclude.iter().any(|c| c.contains(ip)) {
            self.excluded += 1;
            self.seen.insert(h);
            return true;
        }
        if self.hosts.len() >= self.cap {
            self.full = Some(h);
            return false;
        }
        self.seen.insert(h);
        self.hosts.push(ip);
        true
    }
}

/// `hosts` with those in `known` first (both groups keep their order). Feed it the
/// kernel's ARP table: hosts that already resolved cost no new neighbour entry and are
/// scanned in the first burst, so a camera on a paced /20 is found in the first second,
/// not after up to half a minute.
#[must_use]
pub fn known_first(hosts: Vec<Ipv4Addr>, known: &[Ipv4Addr]) -> Vec<Ipv4Addr> {
    let known: HashSet<Ipv4Addr> = known.iter().copied().collect();
    let (mut first, rest): (Vec<_>, Vec<_>) = hosts.into_iter().partition(|h| known.contains(h));
    first.extend(rest);
    first
}

/// Every host × every port, host-major: `[h1:p1, h1:p2, h2:p1, …]`.
#[must_use]
pub fn targets(hosts: &[Ipv4Addr], ports: &[u16]) -> Vec<SocketAddrV4> {
    hosts
        .iter()
        .flat_map(|h| ports.iter().map(move |p| SocketAddrV4::new(*h, *p)))
        .collect()
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
