//! Raw ARP frames (active ARP replies): arbitrary bytes give `None` or a unicast sender MAC,
//! never a panic; a request we build never parses as a reply.
#![no_main]
use camera_detector::discovery::arping::{parse_reply, request_frame};
use libfuzzer_sys::fuzz_target;
use std::net::Ipv4Addr;

fuzz_target!(|data: &[u8]| {
    if let Some((_, mac)) = parse_reply(data) {
        assert_ne!(mac, [0; 6]);
        assert_eq!(mac[0] & 1, 0);
    }
    if data.len() >= 14 {
        let mac = [data[0] & 0xfe, data[1], data[2], data[3], data[4], data[5]];
        let ip = |o: usize| Ipv4Addr::new(data[o], data[o + 1], data[o + 2], data[o + 3]);
        assert_eq!(parse_reply(&request_frame(mac, ip(6), ip(10))), None);
    }
});
