//! MAC learning inside the lab's detector namespace: active ARP (pnet, as root) gets every
//! lab host's MAC as lab.json states it, and an address nobody holds stays unresolved.
use crate::support::lab::in_detector_ns;
use camera_detector::discovery::{arp, arping, net};
use std::net::Ipv4Addr;
use std::time::Duration;

#[test]
fn active_arp_learns_the_lab_macs() {
    let Some(lab) = in_detector_ns("lab_arp::active_arp_learns_the_lab_macs") else {
        return;
    };
    let mut want = std::collections::BTreeMap::new();
    for cam in lab.truth["cameras"].as_array().expect("cameras") {
        let ip: Ipv4Addr = cam["ip"].as_str().expect("ip").parse().expect("ipv4");
        let mac = arp::parse_mac(cam["mac"].as_str().expect("mac")).expect("mac");
        want.insert(ip, mac);
    }
    let nobody = Ipv4Addr::new(10, 77, 0, 249);
    let targets: Vec<Ipv4Addr> = want.keys().copied().chain([nobody]).collect();
    let iface = net::select(&net::local_ipv4(), &[], false)
        .into_iter()
        .find(|i| i.ip.octets()[..3] == [10, 77, 0])
        .expect("the lab interface");
    let got = arping::resolve(&iface, &targets, Duration::from_millis(600)).expect("arp");
    assert_eq!(got, want);
}
