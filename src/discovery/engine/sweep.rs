//! The port scan of a pass, ARP first: on a network we are attached to (on-link), an
//! address that does not answer ARP cannot answer TCP either, and every TCP connect to a
//! silent on-link address costs the kernel a neighbour entry that lives ~3 s — a /20 of
//! them overflows the table (shared by every namespace, 1024 entries by default), after
//! which SYNs to real cameras are silently dropped. So, where CAP_NET_RAW allows:
//!
//! 1. on-link hosts are asked by raw ARP ([`arping::resolve`]: no neighbour entries; a /20
//!    goes out in half a second) and only those that answer (or that the kernel already
//!    knows) are connected to — at full speed, since each costs one entry that resolves;
//! 2. routed hosts (SCAN_NETWORKS beyond our networks) cost the gateway's entry only and
//!    are connected to at full speed too; more than [`ROUTED_ROUND_FROM`] of them get the
//!    first port first, and the other ports only where that round met a host (accepted or
//!    refused): on an empty routed /16 every connect is a timeout, and eight ports of them
//!    outlasted the pass;
//! 3. without CAP_NET_RAW, on-link hosts are connected to on the first port only, at the
//!    pace the neighbour table allows ([`scan::safe_pacing`]): that round is the ARP sweep
//!    (the kernel resolves the addresses that exist); the other ports then go at full speed
//!    to the hosts the kernel's table now holds (or that answered), as in 1.
//!
//! SCAN_RATE > 0 replaces the automatic pacing for every connect. [`split`] is the pure
//! part; [`run`] the shell. The MACs learnt on the way are reported too.
use crate::discovery::net::Iface;
use crate::discovery::scan::{self, Cidr, ScanOptions, ScanReport};
use crate::discovery::{arp, arping};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::time::Duration;

/// How long a sweep listens (two rounds; see [`arping::resolve`]).
pub const SWEEP_WAIT: Duration = Duration::from_millis(600);

/// From this many routed hosts on, the other ports go only to hosts the first port met.
pub const ROUTED_ROUND_FROM: usize = 1024;

/// The hosts of a plan grouped by how they are reached: per on-link interface (index into
/// `ifaces`), and routed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Split {
    pub on_link: BTreeMap<usize, Vec<Ipv4Addr>>,
    pub routed: Vec<Ipv4Addr>,
}

/// Groups `hosts` by the first interface (with a MAC) whose network holds them.
#[must_use]
pub fn split(hosts: &[Ipv4Addr], ifaces: &[Iface]) -> Split {
    let nets: Vec<(usize, Cidr)> = ifaces
        .iter()
        .enumerate()
        .filter(|(_, i)| i.mac.is_some() && !i.loopback)
        .filter_map(|(n, i)| Cidr::new(i.ip, i.prefix).map(|c| (n, c)))
        .collect();
    let mut out = Split::default();
    for h in hosts {
        match nets.iter().find(|(_, c)| c.contains(*h)) {
            Some((n, _)) => out.on_link.entry(*n).or_default().push(*h),
            None => out.routed.push(*h),
        }
    }
    out
}

/// What the scan stage found.
#[derive(Debug, Default)]
pub struct Outcome {
    pub report: ScanReport,
    /// MACs learnt by ARP (sweep replies and the kernel's table).
    pub macs: BTreeMap<Ipv4Addr, [u8; 6]>,
    /// Hosts skipped because they did not answer ARP.
    pub silent: usize,
    /// One line per decision worth logging (sweep refused, pacing chosen).
    pub notes: Vec<String>,
    /// The whole stage: sweep and connects.
    pub elapsed: Duration,
}

/// Sweeps, then connects (see the module documentation). `opts.rate_per_sec == 0` means
/// automatic pacing.
#[must_use]
pub fn run(hosts: &[Ipv4Addr], ports: &[u16], ifaces: &[Iface], opts: &ScanOptions) -> Outcome {
    let start = std::time::Instant::now();
    let mut out = Outcome::default();
    let kernel = kernel_table();
    let parts = split(hosts, ifaces);
    let routed_round = parts.routed.len() >= ROUTED_ROUND_FROM && ports.len() > 1;
    let mut fast: Vec<Ipv4Addr> = if routed_round {
        Vec::new()
    } else {
        parts.routed.clone()
    };
    let mut paced: Vec<Ipv4Addr> = Vec::new();
    for (n, group) in &parts.on_link {
        match arping::resolve(&ifaces[*n], group, SWEEP_WAIT) {
            Ok(found) => {
                for h in group {
                    if let Some(mac) = found.get(h).or(kernel.get(h)) {
                        out.macs.insert(*h, *mac);
                        fast.push(*h);
                    } else {
                        out.silent += 1;
                    }
                }
            }
            Err(e) => {
                out.notes.push(e.to_string());
                paced.extend(scan::known_first(
                    group.clone(),
                    &kernel.keys().copied().collect::<Vec<_>>(),
                ));
            }
        }
    }
    let (first, rest) = ports.split_at(ports.len().min(1));
    if !paced.is_empty() {
        // The first port at the table's pace: the kernel's ARP is the sweep.
        let mut slow = *opts;
        if slow.rate_per_sec == 0 {
            let (p, basis) = scan::safe_pacing(1);
            slow.rate_per_sec = p.rate_per_sec;
            slow.burst = p.burst;
            out.notes.push(format!(
                "scan: {} on-link hosts paced at {}/s on port {} ({basis}); the other ports only on those that exist",
                paced.len(),
                p.rate_per_sec,
                first.first().copied().unwrap_or_default()
            ));
        }
        let sweep = scan::scan(&scan::targets(&paced, first), &slow);
        let table = kernel_table();
        let answered: Vec<Ipv4Addr> = sweep.open.iter().map(|a| *a.ip()).collect();
        let live = alive(&paced, &table, &answered);
        for h in &live {
            if let Some(mac) = table.get(h) {
                out.macs.insert(*h, *mac);
            }
        }
        out.silent += paced.len() - live.len();
        let rest_report = scan::scan(&scan::targets(&live, rest), opts);
        out.report = merge(sweep, rest_report);
    }
    if routed_round {
        let round = scan::scan(&scan::targets(&parts.routed, first), opts);
        let met = met_hosts(&round);
        out.notes.push(format!(
            "scan: {} routed hosts tried on port {} first; {} answered and get the other ports",
            parts.routed.len(),
            first.first().copied().unwrap_or_default(),
            met.len()
        ));
        let rest_report = scan::scan(&scan::targets(&met, rest), opts);
        out.report = merge(std::mem::take(&mut out.report), merge(round, rest_report));
    }
    let report = scan::scan(&scan::targets(&fast, ports), opts);
    out.report = merge(std::mem::take(&mut out.report), report);
    out.elapsed = start.elapsed();
    out
}

/// The `hosts` that exist after a connect round: in the kernel's table (ARP answered) or
/// among those that accepted a connection.
#[must_use]
pub fn alive(
    hosts: &[Ipv4Addr],
    table: &BTreeMap<Ipv4Addr, [u8; 6]>,
    answered: &[Ipv4Addr],
) -> Vec<Ipv4Addr> {
    hosts
        .iter()
        .filter(|h| table.contains_key(h) || answered.contains(h))
        .copied()
        .collect()
}

/// The kernel's neighbour table (`/proc/net/arp`): address → MAC; empty when unreadable.
fn kernel_table() -> BTreeMap<Ipv4Addr, [u8; 6]> {
    std::fs::read("/proc/net/arp")
        .map(|t| {
            arp::parse_proc_net_arp(&t)
                .into_iter()
                .map(|e| (e.ip, e.mac))
                .collect()
        })
        .unwrap_or_default()
}

/// The hosts a connect round met: accepted or refused (sorted, each once).
#[must_use]
pub fn met_hosts(r: &ScanReport) -> Vec<Ipv4Addr> {
    let mut met: std::collections::BTreeSet<Ipv4Addr> = r.refused_hosts.clone();
    met.extend(r.open.iter().map(|a| *a.ip()));
    met.into_iter().collect()
}

/// Two scan reports as one (run one after the other).
fn merge(a: ScanReport, b: ScanReport) -> ScanReport {
    let mut open = a.open;
    open.extend(b.open);
    open.sort_unstable();
    let mut errors = a.errors;
    errors.extend(b.errors);
    ScanReport {
        open,
        attempted: a.attempted + b.attempted,
        refused: a.refused + b.refused,
        refused_hosts: a.refused_hosts.into_iter().chain(b.refused_hosts).collect(),
        timed_out: a.timed_out + b.timed_out,
        unreachable: a.unreachable + b.unreachable,
        other_errors: a.other_errors + b.other_errors,
        peak_in_flight: a.peak_in_flight.max(b.peak_in_flight),
        in_flight_cap: a.in_flight_cap.max(b.in_flight_cap),
        elapsed: a.elapsed + b.elapsed,
        errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iface(ip: [u8; 4], prefix: u8, mac: bool, loopback: bool) -> Iface {
        Iface {
            name: "x".into(),
            index: 1,
            ip: ip.into(),
            prefix,
            mac: mac.then_some([2, 0, 0, 0, 0, 1]),
            up: true,
            loopback,
            multicast: true,
        }
    }

    /// After the paced first-port round, a host exists if the kernel resolved it or it
    /// accepted the connection; the rest get no connects on the other ports.
    #[test]
    fn a_routed_round_meets_the_hosts_that_accepted_or_refused() {
        let h = |n: u8| Ipv4Addr::new(10, 80, 0, n);
        let r = ScanReport {
            open: vec![std::net::SocketAddrV4::new(h(9), 554)],
            refused_hosts: [h(3), h(9)].into_iter().collect(),
            ..ScanReport::default()
        };
        assert_eq!(met_hosts(&r), [h(3), h(9)]);
        assert!(met_hosts(&ScanReport::default()).is_empty());
    }

    /// Loopback addresses are routed here (no MAC): 1280 of them, a listener on one at the
    /// second port only. The first port refuses everywhere (RST), so every host is met and
    /// gets the second port: the camera behind a closed first port is found.
    #[test]
    fn a_host_whose_first_port_refuses_gets_the_other_ports() {
        let l = std::net::TcpListener::bind("127.0.3.7:0").expect("a loopback listener");
        let open = l.local_addr().expect("its port").port();
        let closed = {
            let t = std::net::TcpListener::bind("127.0.3.7:0").expect("a second listener");
            t.local_addr().expect("its port").port()
        };
        let hosts: Vec<Ipv4Addr> = (0..1280u32)
            .map(|i| Ipv4Addr::from(u32::from(Ipv4Addr::new(127, 0, 1, 0)) + i))
            .collect();
        let lo = iface([127, 0, 0, 1], 8, false, true);
        // As the engine runs it with SCAN_RATE=0 (no pacing: routed hosts cost no neighbour
        // entry).
        let opts = ScanOptions {
            connect_timeout: Duration::from_secs(2),
            rate_per_sec: 0,
            ..ScanOptions::default()
        };
        let out = run(&hosts, &[closed, open], &[lo], &opts);
        assert_eq!(
            out.report.open,
            [std::net::SocketAddrV4::new(
                Ipv4Addr::new(127, 0, 3, 7),
                open
            )]
        );
        assert!(
            out.notes
                .iter()
                .any(|n| n.contains("1280 routed hosts tried")),
            "{:?}",
            out.notes
        );
        assert_eq!(out.report.refused_hosts.len(), 1280);
    }

    #[test]
    fn hosts_alive_after_the_first_round() {
        let h = |n: u8| Ipv4Addr::new(10, 0, 0, n);
        let table = BTreeMap::from([(h(5), [2, 0, 0, 0, 0, 5]), (h(99), [2, 0, 0, 0, 0, 9])]);
        assert_eq!(
            alive(&[h(4), h(5), h(6), h(7)], &table, &[h(7)]),
            [h(5), h(7)]
        );
        assert!(alive(&[h(4)], &BTreeMap::new(), &[]).is_empty());
    }

    #[test]
    fn hosts_split_by_on_link_interface() {
        let ifaces = [
            iface([127, 0, 0, 1], 8, false, true),
            iface([10, 0, 0, 2], 24, true, false),
            iface([10, 1, 0, 2], 20, true, false),
            iface([10, 2, 0, 2], 24, false, false), // a tunnel: no MAC, no ARP
        ];
        let hosts: Vec<Ipv4Addr> = [
            [10, 0, 0, 9],
            [10, 1, 15, 200],
            [10, 2, 0, 7],
            [192, 168, 1, 5],
            [10, 0, 0, 10],
            [127, 0, 0, 2],
        ]
        .into_iter()
        .map(Ipv4Addr::from)
        .collect();
        let s = split(&hosts, &ifaces);
        assert_eq!(
            s.on_link,
            BTreeMap::from([(1, vec![hosts[0], hosts[4]]), (2, vec![hosts[1]]),])
        );
        assert_eq!(s.routed, [hosts[2], hosts[3], hosts[5]]);
    }
}
