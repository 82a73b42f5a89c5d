//! mDNS browse inside the lab's detector namespace against the lab's real avahi daemons:
//! exactly the `_rtsp._tcp` services of lab.json, with their ports and `path` TXT records.
use crate::support::lab::in_detector_ns;
use camera_detector::discovery::{mdns, net};
use std::time::Duration;

#[test]
fn browse_finds_the_lab_rtsp_services_with_port_and_path() {
    let Some(lab) =
        in_detector_ns("lab_mdns::browse_finds_the_lab_rtsp_services_with_port_and_path")
    else {
        return;
    };
    // From lab.json: "_rtsp._tcp:554 path=/axis-media/media.amp" on the camera's IP.
    let mut want: Vec<String> = Vec::new();
    for cam in lab.truth["cameras"].as_array().expect("cameras") {
        let ip = cam["ip"].as_str().expect("ip");
        for svc in cam["mdns"]["services"].as_array().into_iter().flatten() {
            let svc = svc.as_str().expect("service");
            if let Some(rest) = svc.strip_prefix("_rtsp._tcp:") {
                let (port, path) = rest.split_once(" path=").expect("port and path");
                want.push(format!("rtsp://{ip}:{port}{path}"));
            }
        }
    }
    want.sort();
    assert!(want.len() >= 2, "lab.json lists the mDNS cameras: {want:?}");

    let ifaces = net::select(&net::local_ipv4(), &[], false);
    // Up to three 3 s browses: right after lab-up (or on a loaded machine) the responders
    // may not have announced yet; one CI run saw an empty first window.
    let mut found = Vec::new();
    let mut got: Vec<String> = Vec::new();
    for attempt in 1..=3 {
        found = mdns::browse(&ifaces, Duration::from_secs(3)).expect("browse");
        got = found.iter().map(|f| f.url.clone()).collect();
        got.sort();
        if got == want {
            break;
        }
        eprintln!("browse {attempt}: {got:?}");
    }
    assert_eq!(got, want, "{found:#?}");
    assert!(
        found.iter().all(|f| f.hostname.ends_with(".local.")),
        "{found:#?}"
    );
}
