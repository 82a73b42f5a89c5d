//! ARP table parsing: arbitrary bytes give entries with a non-zero MAC, never a panic.
#![no_main]
use camera_detector::discovery::arp::{camera_id, mac_to_string, parse_mac, parse_proc_net_arp};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for e in parse_proc_net_arp(data) {
        assert_ne!(e.mac, [0; 6]);
        assert_eq!(parse_mac(&mac_to_string(&e.mac)), Some(e.mac));
        assert_eq!(camera_id(&e.mac).len(), 12);
    }
});
