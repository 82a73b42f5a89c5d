//! The health endpoint's HTTP codec (src/health/http.rs): any bytes as a request head give a
//! request, "incomplete", "bad" or "too large" (only at the size limit), never a panic; as a
//! response, a status and body or an error; as a URL, a host, a port and a path or an error.
#![no_main]
use camera_detector::health::http::{parse_request, parse_response, parse_url, Head, MAX_HEAD};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match parse_request(data) {
        Head::Request { method, path } => {
            assert!(!method.is_empty() && path.starts_with('/'));
        }
        Head::TooLarge => assert!(data.len() >= MAX_HEAD),
        Head::Incomplete | Head::Bad(_) => {}
    }
    if let Ok((_, body)) = parse_response(data) {
        assert!(body.len() <= data.len());
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok((host, port, path)) = parse_url(text) {
            assert!(!host.is_empty() && port != 0 && path.starts_with('/'));
        }
    }
});
