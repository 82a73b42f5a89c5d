//! Self-tests of the lab fixtures that a mutating test owns (support/ownhost.rs,
//! owncam.rs, ownbroker.rs): an owned camera plays main and sub with its credentials only,
//! moves to a new address with its MAC (arping and the detector's own ARP agree), refuses
//! when stopped and plays again when started, and leaves nothing behind when dropped (also
//! from a panic) or when its owner died; an owned broker is reachable from the detector
//! namespace, marks retained messages, and forgets them on restart.
//! All of them are in the nextest group `lab-inventory` (.config/nextest.toml): they put
//! hosts on the lab's /24, which tests asserting its exact inventory must not see.
use crate::support::lab::{in_detector_ns_with, is_detector_ns_child, lab, with_creds, Lab};
use crate::support::ownbroker::OwnBroker;
use crate::support::owncam::OwnCamera;
use crate::support::ownhost::{
    self, ip, netns_list, netns_pids, switch_port, MARKERS, RANGE, SWITCH_NS,
};
use camera_detector::discovery::{arp, arping, net};
use std::net::Ipv4Addr;
use std::process::{Command, Stdio};
use std::time::Duration;

fn det_ns(lab: &Lab) -> String {
    lab.truth["detector"]["ns"]
        .as_str()
        .expect("detector ns")
        .to_string()
}

/// The MACs that answer ARP for `target`, asked by arping from the detector namespace
/// (2 requests within 2 s; stops at the first reply).
fn arp_macs(lab: &Lab, target: Ipv4Addr) -> Vec<String> {
    let out = lab
        .in_ns(&det_ns(lab), "arping")
        .args(["-r", "-c", "2", "-C", "1", "-w", "2", "-i", "eth0"])
        .arg(target.to_string())
        .output()
        .expect("arping");
    let mut macs: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_lowercase())
        .filter(|l| !l.is_empty())
        .collect();
    macs.dedup();
    macs
}

/// A TCP connect from the detector namespace: `Err` carries nc's reason.
fn connect_from_det(lab: &Lab, target: Ipv4Addr, port: u16) -> Result<(), String> {
    let out = lab
        .in_ns(&det_ns(lab), "nc")
        .args([
            "-z",
            "-v",
            "-w",
            "2",
            &target.to_string(),
            &port.to_string(),
        ])
        .output()
        .expect("nc");
    let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
    out.status.success().then_some(()).ok_or(err)
}

fn netns_of(pid: u32) -> String {
    ip(&["netns", "identify", &pid.to_string()])
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn lab_ips(lab: &Lab) -> Vec<String> {
    let mut v: Vec<String> = vec![
        lab.truth["detector"]["ip"].as_str().unwrap_or("").into(),
        lab.truth["mqtt"]["host"].as_str().unwrap_or("").into(),
        lab.truth["gateway"].as_str().unwrap_or("").into(),
    ];
    for cam in lab.truth["cameras"].as_array().expect("cameras") {
        v.push(cam["ip"].as_str().unwrap_or("").into());
    }
    v
}

fn in_owned_range(a: Ipv4Addr) -> bool {
    RANGE.contains(&a.octets()[3])
}

#[test]
fn owncam_plays_main_and_sub_with_its_credentials_only() {
    let Some(lab) = lab() else { return };
    let cam = OwnCamera::start(&lab, "pl");
    assert!(
        cam.ns().starts_with("lab-tpl-") && cam.ns().len() <= 15,
        "{}",
        cam.ns()
    );
    assert!(netns_list().iter().any(|n| n == cam.ns()));
    let pid = cam.rtsp_pid().expect("rtsp running");
    assert_eq!(
        netns_of(pid),
        cam.ns(),
        "gst-rtsp-cam.py runs in the camera's namespace"
    );
    assert!(in_owned_range(cam.ip()), "{}", cam.ip());
    assert!(!lab_ips(&lab).contains(&cam.ip().to_string()));
    let mac = arp::parse_mac(cam.mac()).expect("mac");
    assert_eq!(
        camera_detector::camdb::Brand::from_oui(&mac).map(|b| b.id()),
        Some("reolink")
    );

    let (user, pass) = cam.credentials();
    assert_eq!(
        lab.ffprobe(&with_creds(&cam.main_url(), user, pass), "tcp"),
        ("h264".into(), 640, 360)
    );
    assert_eq!(
        lab.ffprobe(&with_creds(&cam.sub_url(), user, pass), "udp"),
        ("h264".into(), 320, 180)
    );
    // Digest auth is really on: no credentials, or a wrong password, get no stream.
    assert_eq!(lab.ffprobe(&cam.sub_url(), "tcp").0, "?");
    assert_eq!(
        lab.ffprobe(&with_creds(&cam.sub_url(), user, "wrong"), "tcp")
            .0,
        "?"
    );
    assert_eq!(arp_macs(&lab, cam.ip()), [cam.mac()]);
}

#[test]
fn owncam_move_keeps_the_mac_and_leaves_the_old_address_silent() {
    let Some(lab) = lab() else { return };
    let mut cam = OwnCamera::start(&lab, "mv");
    let old = cam.ip();
    assert_eq!(arp_macs(&lab, old), [cam.mac()], "before the move");
    let new = cam.move_to_new_ip();
    assert_ne!(new, old);
    assert_eq!(cam.ip(), new);
    assert!(in_owned_range(new), "{new}");
    assert_eq!(arp_macs(&lab, new), [cam.mac()], "same MAC at {new}");
    assert!(arp_macs(&lab, old).is_empty(), "nothing answers at {old}");
    let marker = std::fs::read_to_string(std::path::Path::new(MARKERS).join(cam.ns()));
    let retired = marker
        .expect("marker")
        .lines()
        .skip(1)
        .any(|l| l == old.to_string());
    assert!(
        retired,
        "{old} kept from other owned hosts while this camera lives"
    );
    assert!(cam.sub_url().contains(&new.to_string()));
    let (user, pass) = cam.credentials();
    assert_eq!(
        lab.ffprobe(&with_creds(&cam.sub_url(), user, pass), "tcp"),
        ("h264".into(), 320, 180),
        "plays at the new address"
    );
    assert_eq!(cam.starts(), 1, "the RTSP server was not restarted");
}

/// The detector's own ARP code (inside lab-det) sees the move: the camera's MAC at the new
/// address, nothing at the old one.
#[test]
fn owncam_move_is_seen_by_the_detectors_own_arp() {
    const NAME: &str = "lab_fixtures::owncam_move_is_seen_by_the_detectors_own_arp";
    let _cam: OwnCamera; // the parent's camera lives until the child has run
    let env = if is_detector_ns_child() {
        Vec::new()
    } else {
        let Some(lab) = lab() else { return };
        let mut cam = OwnCamera::start(&lab, "ar");
        let old = cam.ip().to_string();
        cam.move_to_new_ip();
        let env = vec![
            ("OWNCAM_OLD", old),
            ("OWNCAM_NEW", cam.ip().to_string()),
            ("OWNCAM_MAC", cam.mac().to_string()),
        ];
        _cam = cam;
        env
    };
    let Some(_lab) = in_detector_ns_with(NAME, &env) else {
        return;
    };
    let var = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k} from the parent"));
    let old: Ipv4Addr = var("OWNCAM_OLD").parse().expect("old ip");
    let new: Ipv4Addr = var("OWNCAM_NEW").parse().expect("new ip");
    let mac = arp::parse_mac(&var("OWNCAM_MAC")).expect("mac");
    let iface = net::select(&net::local_ipv4(), &[], false)
        .into_iter()
        .find(|i| i.ip.octets()[..3] == new.octets()[..3])
        .expect("the lab interface");
    let got = arping::resolve(&iface, &[old, new], Duration::from_millis(600)).expect("arp");
    assert_eq!(got, [(new, mac)].into_iter().collect());
}

#[test]
fn owncam_stop_refuses_and_start_plays_again() {
    let Some(lab) = lab() else { return };
    let mut cam = OwnCamera::start(&lab, "ss");
    assert_eq!(connect_from_det(&lab, cam.ip(), cam.port()), Ok(()));
    cam.stop_rtsp();
    assert!(!cam.rtsp_running());
    let refused = connect_from_det(&lab, cam.ip(), cam.port()).expect_err("stopped");
    assert!(refused.contains("refused"), "{refused}");
    let url = cam.sub_url();
    cam.start_rtsp();
    assert_eq!(cam.starts(), 2);
    assert_eq!(cam.sub_url(), url, "same address, port and path");
    let (user, pass) = cam.credentials();
    assert_eq!(
        lab.ffprobe(&with_creds(&url, user, pass), "tcp"),
        ("h264".into(), 320, 180)
    );
}

/// Everything an owned host made is gone: namespace, switch port, processes, marker.
fn assert_gone(ns: &str, pids: &[u32]) {
    assert!(!netns_list().iter().any(|n| n == ns), "{ns} still listed");
    let port = switch_port(ns);
    assert!(
        ip(&["-n", SWITCH_NS, "link", "show", &port]).is_err(),
        "{port} still in {SWITCH_NS}"
    );
    for pid in pids {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        assert!(
            stat.is_empty() || stat.contains(") Z "),
            "pid {pid} alive: {stat}"
        );
    }
    assert!(
        !std::path::Path::new(MARKERS).join(ns).exists(),
        "marker of {ns}"
    );
}

#[test]
fn owncam_drop_removes_namespace_port_and_processes_even_on_panic() {
    let Some(lab) = lab() else { return };
    let cam = OwnCamera::start(&lab, "dr");
    let ns = cam.ns().to_string();
    let pids = netns_pids(&ns);
    assert!(pids.contains(&cam.rtsp_pid().expect("running")), "{pids:?}");
    assert!(std::path::Path::new(MARKERS).join(&ns).exists());
    drop(cam);
    assert_gone(&ns, &pids);

    let made = std::sync::Mutex::new(None);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let cam = OwnCamera::start(&lab, "pn");
        *made.lock().unwrap() = Some((cam.ns().to_string(), netns_pids(cam.ns())));
        panic!("a test failing while it owns a camera");
    }));
    assert!(r.is_err());
    let (ns, pids) = made.into_inner().unwrap().expect("the camera was made");
    assert!(!pids.is_empty());
    assert_gone(&ns, &pids);
}

#[test]
fn owncam_two_at_once_get_distinct_names_addresses_and_macs() {
    let Some(lab) = lab() else { return };
    let a = OwnCamera::start(&lab, "two");
    let b = OwnCamera::start(&lab, "two");
    assert_ne!(a.ns(), b.ns());
    assert_ne!(a.ip(), b.ip());
    assert_ne!(a.mac(), b.mac());
    for cam in [&a, &b] {
        assert_eq!(
            connect_from_det(&lab, cam.ip(), cam.port()),
            Ok(()),
            "{}",
            cam.ns()
        );
    }
}

/// A host whose owner died without dropping it (SIGKILLed test) is removed by the next
/// sweep: its processes, its switch port, its namespace, its marker.
#[test]
fn owned_hosts_of_a_dead_owner_are_swept() {
    let Some(_lab) = lab() else { return };
    let mut gone = Command::new("true").spawn().expect("true");
    let dead = gone.id();
    gone.wait().expect("reap");
    let ns = format!("lab-tsw-{dead}");
    let port = switch_port(&ns);
    std::fs::create_dir_all(MARKERS).expect("marker dir");
    std::fs::write(std::path::Path::new(MARKERS).join(&ns), format!("{dead} 1")).expect("marker");
    ip(&["netns", "add", &ns]).expect("netns add");
    ip(&[
        "-n", SWITCH_NS, "link", "add", &port, "type", "veth", "peer", "name", "eth0", "netns", &ns,
    ])
    .expect("veth");
    let mut sleeper = Command::new("ip")
        .args(["netns", "exec", &ns, "sleep", "600"])
        .stdout(Stdio::null())
        .spawn()
        .expect("sleep in the namespace");
    let pid = sleeper.id();
    assert!(
        (0..100).any(|_| {
            std::thread::sleep(Duration::from_millis(20));
            netns_pids(&ns).contains(&pid)
        }),
        "sleep runs in {ns}"
    );
    ownhost::sweep_stale(); // another test's create may sweep it first: either way it goes
    let status = sleeper.wait().expect("sleeper reaped");
    assert!(!status.success(), "killed, not finished: {status}");
    assert_gone(&ns, &[pid]);
}

#[test]
fn own_broker_is_reachable_from_the_detector_ns_and_forgets_retained_on_restart() {
    let Some(lab) = lab() else { return };
    let mut b = OwnBroker::start(&lab, "mq");
    assert_eq!(netns_of(b.pid().expect("running")), b.ns());
    assert!(in_owned_range(b.ip()), "{}", b.ip());
    assert!(b.mac().starts_with("02:7e:57:"), "{}", b.mac());
    assert_eq!(arp_macs(&lab, b.ip()), [b.mac()]);
    let base = format!("fixt{}", std::process::id());
    let (kept, live, after) = (
        format!("{base}/kept"),
        format!("{base}/live"),
        format!("{base}/after"),
    );
    let filter = format!("{base}/#");
    b.publish(&kept, "v1", true)
        .expect("publish retained from lab-det");
    let sub = b.subscribe(&filter);
    let got = sub.wait_for(Duration::from_secs(5), |t, _| t == kept);
    assert_eq!(
        got,
        Some((true, kept.clone(), "v1".into())),
        "retained flag set"
    );
    b.publish(&live, "x", false).expect("publish");
    let got = sub.wait_for(Duration::from_secs(5), |t, _| t == live);
    assert_eq!(
        got,
        Some((false, live.clone(), "x".into())),
        "live: flag clear"
    );
    assert_eq!(b.retained(&filter, 2), [(kept.clone(), "v1".into())]);

    b.restart();
    assert_eq!(b.starts(), 2);
    assert_eq!(
        b.retained(&filter, 2),
        [],
        "no persistence: retained state gone"
    );
    // The subscriber made before the restart reconnects and resubscribes by itself (it
    // gets `after` live, or as retained if it resubscribes after the publish).
    b.publish(&after, "v2", true)
        .expect("publish after restart");
    let got = sub.wait_for(Duration::from_secs(15), |t, _| t == after);
    assert_eq!(
        got.map(|m| m.2),
        Some("v2".into()),
        "old subscriber after restart"
    );
    let fresh = b.subscribe(&filter);
    let seen = fresh.drain(Duration::from_millis(500));
    assert_eq!(
        seen,
        [(true, after.clone(), "v2".into())],
        "only the new retained"
    );

    b.kill();
    assert_eq!(b.addr(), (b.ip().to_string(), b.port()));
    let refused = connect_from_det(&lab, b.ip(), b.port()).expect_err("killed");
    assert!(refused.contains("refused"), "{refused}");
    assert!(b.publish(&live, "y", false).is_err());
    let ns = b.ns().to_string();
    drop((sub, fresh));
    drop(b);
    assert_gone(&ns, &[]);
}
