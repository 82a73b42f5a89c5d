//! ONVIF SOAP replies: arbitrary bytes through every parser must give a value or a one-line
//! error, never a panic, and a fault must be seen the same way by every parser. The URLs a
//! reply hands out (XAddrs, stream and snapshot URIs) go through the pinning the client
//! applies to them, and the text through the HTTP `Date` parser (the clock of a refusal).
#![no_main]
use camera_detector::discovery::onvif::{self as onvif, url, OnvifError};
use libfuzzer_sys::fuzz_target;
use std::net::Ipv4Addr;

const CAMERA: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);

/// Pins `u` and checks that the result names the camera and nothing else as its host.
fn check_url(u: &str) {
    if let Some(p) = url::pin(u, CAMERA) {
        let rest = p.url.split_once("://10.0.0.1").expect("pinned host").1;
        assert!(
            rest.is_empty() || rest.starts_with([':', '/', '?', '#']),
            "{}",
            p.url
        );
    }
    if let Some(t) = url::http_target(u, CAMERA) {
        assert!(t.url.starts_with("http://10.0.0.1:"), "{}", t.url);
        assert!(t.path.starts_with('/') || t.path.is_empty(), "{:?}", t.path);
    }
    let _ = url::port_of(u);
}

fuzz_target!(|data: &[u8]| {
    let fault = onvif::parse_fault(data);
    let mut urls: Vec<String> = Vec::new();
    let errors = [
        onvif::parse_system_date_and_time(data).err(),
        onvif::parse_device_information(data).err(),
        onvif::parse_capabilities(data)
            .map(|c| {
                urls.extend(
                    [c.device, c.media, c.ptz, c.imaging]
                        .into_iter()
                        .chain([c.events, c.analytics])
                        .flatten(),
                )
            })
            .err(),
        onvif::parse_services(data)
            .map(|s| {
                let _ = onvif::media2_xaddr(&s);
                urls.extend(s.into_iter().map(|s| s.xaddr));
            })
            .err(),
        onvif::parse_profiles(data).err(),
        onvif::parse_stream_uri(data).map(|u| urls.push(u)).err(),
        onvif::parse_snapshot_uri(data).map(|u| urls.push(u)).err(),
    ];
    for e in errors.into_iter().flatten() {
        assert!(!e.to_string().contains('\n'));
        assert_eq!(matches!(e, OnvifError::Fault { .. }), fault.is_some());
    }
    if let Some(f) = fault {
        let _ = f.is_auth_failure();
    }
    for u in &urls {
        check_url(u);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        check_url(text);
        let _ = onvif::parse_http_date(text);
    }
});
