use super::*;

fn c(s: &str) -> Cidr {
    s.parse().unwrap()
}

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn iface(ip: [u8; 4], prefix: u8) -> Iface {
    Iface {
        name: "eth0".into(),
        index: 2,
        ip: ip.into(),
        prefix,
        mac: None,
        up: true,
        loopback: false,
        multicast: true,
    }
}

#[test]
fn networks_of_interfaces_are_masked_and_deduplicated() {
    let nets = networks_of(&[
        iface([192, 168, 1, 20], 24),
        iface([10, 0, 5, 9], 16),
        iface([192, 168, 1, 21], 24),
        iface([10, 9, 9, 9], 32),
    ]);
    assert_eq!(
        nets,
        vec![c("192.168.1.0/24"), c("10.0.0.0/16"), c("10.9.9.9/32")]
    );
}

#[test]
fn a_slash24_is_scanned_whole_without_network_broadcast_and_own_address() {
    let p = plan(&[c("192.168.1.0/24")], &[ip("192.168.1.20")], &[]);
    assert_eq!(p.hosts.len(), 253);
    assert_eq!(p.hosts[0], ip("192.168.1.1"));
    assert_eq!(*p.hosts.last().unwrap(), ip("192.168.1.254"));
    assert!(!p.hosts.contains(&ip("192.168.1.20")));
    assert!(!p.hosts.contains(&ip("192.168.1.0")));
    assert!(!p.hosts.contains(&ip("192.168.1.255")));
    assert!(p.notes.is_empty(), "{:?}", p.notes);
}

#[test]
fn slash31_has_two_hosts_and_slash32_one() {
    let p = plan(&[c("10.0.0.4/31"), c("10.0.0.9/32")], &[], &[]);
    assert_eq!(
        p.hosts,
        vec![ip("10.0.0.4"), ip("10.0.0.5"), ip("10.0.0.9")]
    );
    // Our own /31 peer is the only host left.
    let p = plan(&[c("10.0.0.4/31")], &[ip("10.0.0.4")], &[]);
    assert_eq!(p.hosts, vec![ip("10.0.0.5")]);
    // An interface with a /32 has nothing to scan.
    let p = plan(&[c("10.9.9.9/32")], &[ip("10.9.9.9")], &[]);
    assert!(p.hosts.is_empty());
}

#[test]
fn a_slash20_is_scanned_whole() {
    let p = plan(&[c("10.1.16.0/20")], &[ip("10.1.20.1")], &[]);
    assert_eq!(p.hosts.len(), 4093);
    // Inside a /20 the .0 and .255 of the inner /24s are ordinary hosts.
    assert!(p.hosts.contains(&ip("10.1.17.0")));
    assert!(p.hosts.contains(&ip("10.1.17.255")));
    assert!(!p.hosts.contains(&ip("10.1.16.0")));
    assert!(!p.hosts.contains(&ip("10.1.31.255")));
    assert!(p.notes.is_empty());
}

#[test]
fn a_slash16_keeps_our_slash20_priority_slash24s_and_the_upper_hosts_of_the_rest() {
    let own = ip("10.0.20.5");
    let p = plan(&[c("10.0.0.0/16")], &[own], &[]);
    let has = |s: &str| p.hosts.contains(&ip(s));
    // 1. our /20 (10.0.16.0–10.0.31.255), .1–.254 of each /24, first in the order.
    assert_eq!(p.hosts[0], ip("10.0.16.1"));
    assert!(has("10.0.16.2") && has("10.0.31.254") && has("10.0.20.99"));
    assert!(!has("10.0.20.5"));
    // 2. third octet 1, 4, 5, 100, 101: in full.
    for s in [
        "10.0.1.2",
        "10.0.4.99",
        "10.0.5.1",
        "10.0.100.50",
        "10.0.101.254",
    ] {
        assert!(has(s), "{s}");
    }
    // 3. elsewhere only .100–.254.
    assert!(has("10.0.2.100") && has("10.0.200.254") && has("10.0.255.100"));
    assert!(!has("10.0.2.99") && !has("10.0.200.1") && !has("10.0.2.255"));
    let own20 = 16 * 254 - 1;
    let prio = 5 * 254;
    let rest = (256 - 16 - 5) * 155;
    assert_eq!(p.hosts.len(), own20 + prio + rest);
    assert_eq!(p.notes.len(), 1, "{:?}", p.notes);
    assert!(p.notes[0].contains("10.0.0.0/16") && p.notes[0].contains("10.0.16.0/20"));
    assert!(p.notes[0].contains("not scanned"), "{}", p.notes[0]);
}

#[test]
fn a_large_network_without_our_address_gets_priority_and_upper_hosts_only() {
    let p = plan(&[c("172.16.0.0/18")], &[ip("192.168.1.2")], &[]);
    // /18 = 64 /24s: third octets 1, 4, 5 are priority (100, 101 are outside).
    assert_eq!(p.hosts.len(), 3 * 254 + 61 * 155);
    assert_eq!(p.hosts[0], ip("172.16.1.1"));
    assert!(p.notes[0].contains("no address of ours"), "{}", p.notes[0]);
}

#[test]
fn a_slash19_is_larger_than_a_slash20_and_follows_the_rule() {
    let p = plan(&[c("10.2.0.0/19")], &[ip("10.2.3.3")], &[]);
    // Our /20 is the lower half (third octets 0–15, with 1, 4, 5 in it); the upper half
    // has no priority /24 (100 and 101 are outside), so .100–.254 there.
    assert_eq!(p.hosts.len(), 16 * 254 - 1 + 16 * 155);
    assert!(p.hosts.contains(&ip("10.2.15.1")) && !p.hosts.contains(&ip("10.2.16.1")));
    // A /21 is smaller than a /20: whole.
    let p = plan(&[c("10.2.0.0/21")], &[ip("10.2.3.3")], &[]);
    assert_eq!(p.hosts.len(), 2046 - 1);
    assert!(p.notes.is_empty());
}

#[test]
fn overlapping_networks_are_merged_keeping_the_first_order() {
    let p = plan(
        &[c("10.0.0.128/25"), c("10.0.0.0/24"), c("10.0.0.7")],
        &[],
        &[],
    );
    assert_eq!(p.hosts.len(), 254);
    assert_eq!(p.hosts[0], ip("10.0.0.129"));
    let mut sorted = p.hosts.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 254);
    // The /25's broadcast (.255) is the /24's broadcast too; the /25's network address .128
    // is an ordinary host of the /24 and comes back there.
    assert!(p.hosts.contains(&ip("10.0.0.128")));
    assert!(!p.hosts.contains(&ip("10.0.0.255")));
}

#[test]
fn excludes_apply_last_and_are_counted() {
    let p = plan(
        &[c("10.0.0.0/24")],
        &[],
        &[c("10.0.0.0/26"), c("10.0.0.200")],
    );
    assert_eq!(p.hosts.len(), 254 - 63 - 1);
    assert!(!p.hosts.contains(&ip("10.0.0.5")) && !p.hosts.contains(&ip("10.0.0.200")));
    assert!(p.hosts.contains(&ip("10.0.0.64")));
    assert_eq!(
        p.notes,
        vec!["64 addresses excluded (SCAN_EXCLUDE)".to_string()]
    );
}

#[test]
fn the_host_cap_stops_the_plan_with_a_note() {
    let p = plan_capped(&[c("10.0.0.0/24"), c("10.0.1.0/24")], &[], &[], 300);
    assert_eq!(p.hosts.len(), 300);
    assert_eq!(*p.hosts.last().unwrap(), ip("10.0.1.46"));
    assert_eq!(p.notes.len(), 1, "{:?}", p.notes);
    assert!(p.notes[0].contains("host cap 300") && p.notes[0].contains("10.0.1.47"));
}

#[test]
fn a_slash8_is_cut_at_max_hosts() {
    let p = plan(&[c("10.0.0.0/8")], &[ip("10.1.2.3")], &[]);
    assert_eq!(p.hosts.len(), MAX_HOSTS);
    assert!(p.notes.iter().any(|n| n.contains("cut by the host cap")));
    assert!(p.notes.iter().any(|n| n.contains("host cap 65536")));
}

#[test]
fn everything_excluded_from_a_huge_network_terminates() {
    let p = plan(&[c("0.0.0.0/0")], &[], &[c("0.0.0.0/1"), c("128.0.0.0/1")]);
    assert!(p.hosts.is_empty());
    assert!(
        p.notes.iter().any(|n| n.contains("candidates")),
        "{:?}",
        p.notes
    );
}

#[test]
fn multicast_reserved_and_zero_networks_are_skipped() {
    let p = plan(
        &[c("224.0.0.0/24"), c("0.0.0.0/30"), c("10.0.0.1")],
        &[],
        &[],
    );
    assert_eq!(p.hosts, vec![ip("10.0.0.1")]);
    assert!(
        p.notes.iter().any(|n| n.starts_with("256 addresses")),
        "{:?}",
        p.notes
    );
}

#[test]
fn targets_are_host_major() {
    let t = targets(&[ip("10.0.0.1"), ip("10.0.0.2")], &[554, 8554]);
    let s: Vec<String> = t.iter().map(ToString::to_string).collect();
    assert_eq!(
        s,
        [
            "10.0.0.1:554",
            "10.0.0.1:8554",
            "10.0.0.2:554",
            "10.0.0.2:8554"
        ]
    );
}

#[test]
fn known_hosts_go_first_in_order() {
    let hosts: Vec<Ipv4Addr> = (1..=6).map(|n| Ipv4Addr::new(10, 0, 0, n)).collect();
    let known = [ip("10.0.0.5"), ip("10.0.0.2"), ip("192.168.9.9")];
    let s: Vec<String> = known_first(hosts, &known)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        s,
        ["10.0.0.2", "10.0.0.5", "10.0.0.1", "10.0.0.3", "10.0.0.4", "10.0.0.6"]
    );
}
