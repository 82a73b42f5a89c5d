//! The connect scan against real listeners: in namespaces this test creates (a veth /24 with
//! three listeners in the peer), and in the shared lab (the cameras' RTSP ports as lab.json
//! lists them). The scans run in re-executed children that check their namespace first.
#[allow(dead_code)] // shared with benches/scan.rs, which uses all of it
#[path = "scan_netns.rs"]
pub(crate) mod netns;

use crate::support::lab::in_detector_ns;
use camera_detector::discovery::net::local_ipv4;
use camera_detector::discovery::scan::{self, Cidr, ScanOptions, ScanReport};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

const PORTS: [u16; 2] = [554, 8554];

fn own_ips() -> Vec<Ipv4Addr> {
    local_ipv4().iter().map(|i| i.ip).collect()
}

fn scan_net(net: &str, opts: &ScanOptions) -> ScanReport {
    let net: Cidr = net.parse().unwrap();
    let plan = scan::plan(&[net], &own_ips(), &[]);
    let r = scan::scan(&scan::targets(&plan.hosts, &PORTS), opts);
    eprintln!("scan {net}: {r:?}");
    assert_eq!(
        r.attempted,
        r.open.len() + r.refused + r.timed_out + r.unreachable + r.other_errors,
        "every target has exactly one outcome"
    );
    r
}

fn addrs(list: &[&str]) -> Vec<SocketAddrV4> {
    let mut v: Vec<SocketAddrV4> = list.iter().map(|s| s.parse().unwrap()).collect();
    v.sort();
    v
}

/// Parent: namespaces + listeners, then this test again inside the scanner namespace.
/// Child: two scans of the /24 (wide open, and with 8 sockets in flight and an explicit
/// source address on its first /27).
#[test]
fn veth_slash24_finds_exactly_the_listeners() {
    const NAME: &str = "scan_ns::veth_slash24_finds_exactly_the_listeners";
    let open = addrs(&["10.211.0.2:554", "10.211.0.2:8554", "10.211.0.3:8554"]);
    if netns::assert_in_ns().is_some() {
        let opts = ScanOptions {
            connect_timeout: Duration::from_millis(1000),
            ..ScanOptions::default()
        };
        let r = scan_net("10.211.0.0/24", &opts);
        assert_eq!(r.open, open);
        // .3 exists and answers RST on 554; .1 (ours) is not scanned.
        assert_eq!(r.refused, 1);
        assert_eq!(r.attempted, 253 * 2);
        assert_eq!(r.timed_out + r.unreachable, 253 * 2 - 4);
        assert_eq!(r.other_errors, 0, "{:?}", r.errors);
        assert!(r.peak_in_flight <= r.in_flight_cap);

        // Bounded concurrency gives the same answer.
        let tight = ScanOptions {
            connect_timeout: Duration::from_millis(300),
            rate_per_sec: 0,
            max_in_flight: 8,
            source: Some(Ipv4Addr::new(10, 211, 0, 1)),
            ..opts
        };
        let r = scan_net("10.211.0.0/27", &tight);
        assert_eq!(r.open, open);
        assert_eq!(r.refused, 1);
        assert_eq!(r.attempted, 29 * 2);
        assert_eq!(r.other_errors, 0, "{:?}", r.errors);
        assert!(r.peak_in_flight <= 8 && r.in_flight_cap == 8, "{r:?}");
        return;
    }
    if !netns::can_netns() {
        return;
    }
    let mut pair = netns::NsPair::new(
        "t24",
        &["10.211.0.1/24"],
        &["10.211.0.2/24", "10.211.0.3/24"],
    );
    pair.listen(&["10.211.0.2:554", "10.211.0.2:8554", "10.211.0.3:8554"]);
    let out = pair.run_in_a(
        &[NAME, "--exact", "--nocapture", "--test-threads", "1"],
        &[],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}");
    assert!(out.status.success(), "{NAME} failed inside {}", pair.a);
    assert!(
        stdout.contains("1 passed"),
        "{NAME} did not run inside {}",
        pair.a
    );
}

/// The lab's /24 from its detector namespace: exactly the RTSP ports lab.json lists, plus
/// the noise host's HTTP server on 554; nothing on the broker.
#[test]
fn lab_scan_finds_the_rtsp_ports_of_lab_json() {
    let Some(lab) = in_detector_ns("scan_ns::lab_scan_finds_the_rtsp_ports_of_lab_json") else {
        return;
    };
    let t = &lab.truth;
    let ip = |v: &serde_json::Value| -> Ipv4Addr { v.as_str().unwrap().parse().unwrap() };
    let mut want: Vec<SocketAddrV4> = Vec::new();
    for cam in t["cameras"].as_array().unwrap() {
        for s in cam["rtsp"].as_array().unwrap() {
            let port = s["port"].as_u64().unwrap() as u16;
            if PORTS.contains(&port) {
                want.push(SocketAddrV4::new(ip(&cam["ip"]), port));
            }
        }
    }
    want.push(SocketAddrV4::new(ip(&t["noise"]["ip"]), 554));
    want.sort();
    want.dedup();
    assert_eq!(want.len(), 8, "lab.json changed: {want:?}");

    let opts = ScanOptions {
        connect_timeout: Duration::from_millis(1000),
        ..ScanOptions::default()
    };
    let r = scan_net(t["subnet"].as_str().unwrap(), &opts);
    assert_eq!(r.open, want);
    let broker = ip(&t["mqtt"]["host"]);
    assert!(r.open.iter().all(|a| *a.ip() != broker));
    assert_eq!(r.other_errors, 0, "{:?}", r.errors);
    // RST from every lab host on the port it does not serve: five cameras, noise, broker x2.
    assert!(r.refused >= 8, "{r:?}");
}
