//! WS-Discovery parsing (ProbeMatches, Hello, Bye) and XAddr rewriting: arbitrary bytes
//! never panic; every XAddr that comes out is an http(s) URL on the responder's address,
//! without duplicates; a Bye names an endpoint.
#![no_main]
use camera_detector::discovery::wsd::{
    camera_xaddrs, is_camera, onvif_scopes, parse, same_message_id, Message,
};
use libfuzzer_sys::fuzz_target;
use std::net::Ipv4Addr;

const RESPONDER: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);

fuzz_target!(|data: &[u8]| {
    let matches = match parse(data) {
        Ok(Message::ProbeMatches {
            matches,
            relates_to,
        }) => {
            if let Some(r) = relates_to {
                let _ = same_message_id(&r, "urn:uuid:00000000-0000-4000-8000-000000000000");
            }
            matches
        }
        Ok(Message::Hello(m)) => vec![m],
        Ok(Message::Bye { endpoint }) => {
            assert!(!endpoint.is_empty());
            return;
        }
        _ => return,
    };
    for m in &matches {
        assert!(!m.endpoint.is_empty());
        let _ = is_camera(m);
        let _ = onvif_scopes(&m.scopes);
        let x = camera_xaddrs(m, RESPONDER);
        for (i, u) in x.iter().enumerate() {
            assert!(
                u.starts_with("http://10.0.0.1") || u.starts_with("https://10.0.0.1"),
                "{u}"
            );
            let rest = u.split_once("10.0.0.1").unwrap().1;
            assert!(
                rest.is_empty() || rest.starts_with([':', '/', '?', '#']),
                "{u}"
            );
            assert!(!x[..i].contains(u), "duplicate {u}");
        }
    }
});
