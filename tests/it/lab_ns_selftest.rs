//! The re-exec mechanism of `in_detector_ns`: the body runs in the lab's detector namespace
//! and sees the detector's address on one of its interfaces.
use crate::support::lab::in_detector_ns;

#[test]
fn body_runs_inside_the_detector_namespace() {
    let Some(lab) = in_detector_ns("lab_ns_selftest::body_runs_inside_the_detector_namespace")
    else {
        return;
    };
    let want: std::net::Ipv4Addr = lab.truth["detector"]["ip"]
        .as_str()
        .expect("detector ip")
        .parse()
        .expect("ipv4");
    let ifaces = camera_detector::discovery::net::local_ipv4();
    assert!(
        ifaces.iter().any(|i| i.ip == want),
        "{want} not among {ifaces:?}"
    );
}
