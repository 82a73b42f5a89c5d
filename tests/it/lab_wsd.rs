//! WS-Discovery against real peers.
//!
//! - In the lab's detector namespace: the multicast Probe finds exactly the three ONVIF
//!   cameras of lab.json (ipycam, onvif-server, onvif-server behind lighttpd) with their
//!   XAddr, and never the wsdd host; the unicast path alone reaches ipycam, the only lab peer
//!   whose socket accepts unicast datagrams (onvif-server binds 239.255.255.250:3702, so a
//!   datagram to 10.77.0.102:3702 finds no socket).
//! - In two namespaces this test creates and deletes (a veth pair, no link to anything
//!   else): the Hello listener hears the Hello and Bye of a real ipycam WS-Discovery server
//!   (ipycam's own `WSDiscoveryServer` code, the one cam1 runs) and of a real wsdd 0.7.0, keeps
//!   the camera and rejects wsdd's computer; a port held without SO_REUSEADDR gives
//!   `PortTaken`. The lab's daemons are never restarted.
use crate::support::lab::{in_detector_ns, Lab};
use camera_detector::discovery::net::{local_ipv4, select};
use camera_detector::discovery::wsd::{
    discover_report, Heard, HelloListener, Report, WsdError, PORT,
};
use std::collections::BTreeSet;
use std::net::{Ipv4Addr, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn ipv4(v: &serde_json::Value) -> Ipv4Addr {
    v.as_str().expect("ip string").parse().expect("ipv4")
}

/// (ip, xaddr) of every camera of lab.json that has ONVIF.
fn onvif_cameras(lab: &Lab) -> Vec<(Ipv4Addr, String)> {
    lab.truth["cameras"]
        .as_array()
        .expect("cameras")
        .iter()
        .filter(|c| !c["onvif"].is_null())
        .map(|c| {
            (
                ipv4(&c["ip"]),
                c["onvif"]["xaddr"].as_str().expect("xaddr").to_string(),
            )
        })
        .collect()
}

fn print_report(what: &str, r: &Report) {
    eprintln!(
        "{what}: {} probe datagrams from {} socket(s), last answer {:?} after the first Probe",
        r.probes_sent, r.sockets_ok, r.last_answer
    );
    for (ip, p) in &r.peers {
        eprintln!("  {ip}: {p:?}");
    }
}

#[test]
fn multicast_probe_finds_exactly_the_onvif_cameras() {
    let Some(lab) = in_detector_ns("lab_wsd::multicast_probe_finds_exactly_the_onvif_cameras")
    else {
        return;
    };
    let ifaces = select(&local_ipv4(), &[], false);
    let det = ipv4(&lab.truth["detector"]["ip"]);
    assert!(ifaces.iter().any(|i| i.ip == det), "{ifaces:?}");
    let r = discover_report(&ifaces, &[], Duration::from_secs(2), &|_| {}).expect("discover");
    print_report("multicast", &r);

    let want = onvif_cameras(&lab);
    let want_ips: BTreeSet<Ipv4Addr> = want.iter().map(|(ip, _)| *ip).collect();
    let got_ips: BTreeSet<Ipv4Addr> = r.found.iter().map(|f| f.ip).collect();
    assert_eq!(got_ips, want_ips, "{:#?}", r.found);
    assert_eq!(
        r.found.len(),
        want.len(),
        "one camera per address: {:#?}",
        r.found
    );
    for (ip, xaddr) in &want {
        let f = r.found.iter().find(|f| f.ip == *ip).expect("found");
        assert_eq!(f.xaddrs.first(), Some(xaddr), "{f:?}");
        assert!(f.endpoint.starts_with("urn:uuid:"), "{f:?}");
        // Each camera answered both copies of the Probe (none of them deduplicates).
        let p = &r.peers[ip];
        assert_eq!((p.datagrams, p.matches), (2, 2), "{ip}: {p:?}");
    }
    let cam1 = r.found.iter().find(|f| f.ip == want[0].0).expect("cam1");
    assert_eq!(cam1.name.as_deref(), Some("HikSim-Cam1"));
    // onvif-server on cam2 runs with a fixed UUID (lab-up.sh).
    let cam2 = r.found.iter().find(|f| f.ip == want[1].0).expect("cam2");
    assert_eq!(
        cam2.endpoint,
        "urn:uuid:3fa1c0de-0000-4000-8000-3cef8c000002"
    );
    let noise = ipv4(&lab.truth["noise"]["ip"]);
    assert!(r.found.iter().all(|f| f.ip != noise));
    // wsdd 0.7.0 answers only `wsdp:Device` Probes: it stays silent for ours.
    assert!(!r.peers.contains_key(&noise), "{:?}", r.peers.get(&noise));
    assert_eq!(r.probes_sent, 2 * r.sockets_ok);
}

#[test]
fn unicast_probe_alone_reaches_the_peers_that_accept_unicast() {
    let Some(lab) =
        in_detector_ns("lab_wsd::unicast_probe_alone_reaches_the_peers_that_accept_unicast")
    else {
        return;
    };
    let cams = onvif_cameras(&lab);
    let noise = ipv4(&lab.truth["noise"]["ip"]);
    let mut hosts: Vec<Ipv4Addr> = lab.truth["cameras"]
        .as_array()
        .expect("cameras")
        .iter()
        .map(|c| ipv4(&c["ip"]))
        .collect();
    hosts.push(noise);
    // No interface: no multicast at all, only the unicast socket.
    let r = discover_report(&[], &hosts, Duration::from_millis(1500), &|_| {}).expect("discover");
    print_report("unicast", &r);
    assert_eq!(r.sockets_ok, 1);
    assert_eq!(r.probes_sent, 2 * hosts.len() as u32);
    // ipycam (cam1) binds 0.0.0.0:3702 and answers; onvif-server (cam2, cam3) binds its
    // socket to the group address and never sees a unicast datagram; wsdd ignores our type.
    let got: Vec<(Ipv4Addr, Option<&String>)> =
        r.found.iter().map(|f| (f.ip, f.xaddrs.first())).collect();
    assert_eq!(got, [(cams[0].0, Some(&cams[0].1))], "{:#?}", r.found);
    assert_eq!(r.peers.keys().copied().collect::<Vec<_>>(), [cams[0].0]);
}

/// An interface whose address is not (or no longer) local: its socket fails at bind, the
/// error names it, and the lab interface still finds the cameras; alone, it is the error.
#[test]
fn a_failing_interface_does_not_stop_the_others() {
    let Some(lab) = in_detector_ns("lab_wsd::a_failing_interface_does_not_stop_the_others") else {
        return;
    };
    let mut ifaces = select(&local_ipv4(), &[], false);
    let mut gone = ifaces[0].clone();
    gone.name = "gone0".into();
    gone.ip = Ipv4Addr::new(10, 99, 99, 99); // not an address of lab-det
    ifaces.insert(0, gone.clone());
    let r = discover_report(&ifaces, &[], Duration::from_millis(800), &|_| {}).expect("discover");
    assert_eq!((r.sockets_ok, r.sockets_failed), (1, 1));
    assert_eq!(r.found.len(), onvif_cameras(&lab).len(), "{:#?}", r.found);
    let e =
        discover_report(&[gone], &[], Duration::from_millis(100), &|_| {}).expect_err("no socket");
    let line = e.to_string();
    eprintln!("{line}");
    assert!(
        matches!(e, WsdError::Socket { phase: "bind", .. })
            && line.contains("gone0 10.99.99.99:0 bind"),
        "{line}"
    );
}

// ---- Hello listener, in a private pair of namespaces ------------------------------------

const CHILD: &str = "CD_WSD_HELLO_CHILD";
const LISTENER_IP: &str = "10.79.0.1";
const PEER_IP: &str = "10.79.0.2";

fn sh(args: &[&str]) {
    let st = Command::new(args[0])
        .args(&args[1..])
        .status()
        .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    assert!(st.success(), "{args:?} failed");
}

/// Two namespaces joined by a veth pair; deleted on drop (after the test's processes are
/// gone: each is killed by pid by its own guard first).
struct NsPair {
    listener: String,
    peer: String,
}

impl NsPair {
    fn create() -> NsPair {
        let pid = std::process::id();
        let p = NsPair {
            listener: format!("cdwsd-l-{pid}"),
            peer: format!("cdwsd-p-{pid}"),
        };
        for ns in [&p.listener, &p.peer] {
            sh(&["ip", "netns", "add", ns]);
            sh(&["ip", "-n", ns, "link", "set", "lo", "up"]);
        }
        sh(&[
            "ip",
            "-n",
            &p.listener,
            "link",
            "add",
            "eth0",
            "type",
            "veth",
            "peer",
            "name",
            "eth0",
            "netns",
            &p.peer,
        ]);
        for (ns, ip) in [(&p.listener, LISTENER_IP), (&p.peer, PEER_IP)] {
            sh(&[
                "ip",
                "-n",
                ns,
                "addr",
                "add",
                &format!("{ip}/24"),
                "dev",
                "eth0",
            ]);
            sh(&["ip", "-n", ns, "link", "set", "eth0", "up"]);
            sh(&["ip", "-n", ns, "route", "add", "224.0.0.0/4", "dev", "eth0"]);
        }
        p
    }
}

impl Drop for NsPair {
    fn drop(&mut self) {
        for ns in [&self.listener, &self.peer] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

/// A peer process; killed (by its pid) on drop if still running.
struct Peer(Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Sends SIGTERM to our peer and waits up to `limit` for it to exit.
fn terminate(p: &mut Peer, limit: Duration) {
    sh(&["kill", "-TERM", &p.0.id().to_string()]);
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if p.0.try_wait().expect("try_wait").is_some() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// ipycam's own WS-Discovery server class sends its Hello, waits, sends its Bye: the
/// same code path cam1's ipycam runs at start and stop (without the camera around it).
pub(crate) const IPYCAM_PEER: &str = r#"
import sys, time, types
from ipycam.discovery import WSDiscoveryServer
ip, name, uuid, hold = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
cfg = types.SimpleNamespace(local_ip=ip, name=name, onvif_url="http://%s:8080/onvif/device_service" % ip)
srv = WSDiscoveryServer(types.SimpleNamespace(config=cfg, device_uuid="urn:uuid:" + uuid))
srv._send_announcement("Hello")
time.sleep(hold)
srv.running = False
srv._send_announcement("Bye")
"#;

#[test]
fn hello_listener_hears_real_peers() {
    if let Ok(names) = std::env::var(CHILD) {
        let (listener_ns, peer_ns) = names.split_once(' ').expect("two names");
        return hello_child(listener_ns, peer_ns);
    }
    if !crate::support::netns::can_netns() {
        return;
    }
    let pair = NsPair::create();
    let out = Command::new("ip")
        .args(["netns", "exec", &pair.listener])
        .arg(std::env::current_exe().expect("test binary"))
        .args([
            "lab_wsd::hello_listener_hears_real_peers",
            "--exact",
            "--nocapture",
        ])
        .args(["--test-threads", "1"])
        .env(CHILD, format!("{} {}", pair.listener, pair.peer))
        .stderr(Stdio::inherit())
        .output()
        .expect("re-run inside the listener namespace");
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}");
    assert!(out.status.success(), "failed inside {}", pair.listener);
    assert!(stdout.contains("1 passed"), "the test did not run there");
}

fn hello_child(listener_ns: &str, peer_ns: &str) {
    let me = Command::new("ip")
        .args(["netns", "identify", &std::process::id().to_string()])
        .output()
        .expect("ip netns identify");
    assert_eq!(String::from_utf8_lossy(&me.stdout).trim(), listener_ns);
    let ifaces = select(&local_ipv4(), &[], false);
    assert_eq!(ifaces.len(), 1, "{ifaces:?}");

    // The port held without SO_REUSEADDR: a clear error, no silent failure.
    let blocker = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, PORT)).expect("blocker");
    let e = HelloListener::bind(&ifaces).expect_err("port is taken");
    assert!(matches!(e, WsdError::PortTaken { .. }), "{e}");
    eprintln!("with the port taken: {e}");
    drop(blocker);

    let listener = HelloListener::bind(&ifaces).expect("bind 3702");
    let uuid = format!("0e1f5a5e-5e11-4a11-8e11-{:012x}", std::process::id());
    let python = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/lab/venv/bin/python");
    let ipycam = Peer(
        Command::new("ip")
            .args(["netns", "exec", peer_ns, python, "-c", IPYCAM_PEER])
            .args([PEER_IP, "Virtual Camera", &uuid, "1.0"])
            .stdout(Stdio::null())
            .spawn()
            .expect("start the ipycam peer"),
    );
    let mut wsdd = Peer(
        Command::new("ip")
            .args([
                "netns",
                "exec",
                peer_ns,
                "/usr/bin/python3",
                "/usr/sbin/wsdd",
            ])
            .args(["-i", "eth0", "-4", "-n", "WSD-TEST", "-U", &uuid_for_wsdd()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start wsdd"),
    );

    let peer: Ipv4Addr = PEER_IP.parse().unwrap();
    let ipycam_ep = format!("urn:uuid:{uuid}");
    let wsdd_ep = format!("urn:uuid:{}", uuid_for_wsdd());
    let mut heard: Vec<Heard> = Vec::new();
    let has = |heard: &[Heard], f: &dyn Fn(&Heard) -> bool| heard.iter().any(f);
    let camera_hello = |h: &Heard| matches!(h, Heard::Camera(f) if f.endpoint == ipycam_ep);
    let wsdd_hello =
        |h: &Heard| matches!(h, Heard::NotCamera { endpoint, .. } if *endpoint == wsdd_ep);
    let bye = |ep: &str| {
        let ep = ep.to_string();
        move |h: &Heard| matches!(h, Heard::Bye { endpoint, .. } if *endpoint == ep)
    };
    let start = Instant::now();
    let mut terminated = false;
    // Bounded: at most 15 s, in 300 ms slices.
    while start.elapsed() < Duration::from_secs(15) {
        heard.extend(listener.recv_heard_until(Instant::now() + Duration::from_millis(300)));
        let hellos = has(&heard, &camera_hello) && has(&heard, &wsdd_hello);
        if hellos && !terminated {
            terminate(&mut wsdd, Duration::from_secs(5));
            terminated = true;
        }
        if terminated && has(&heard, &bye(&ipycam_ep)) && has(&heard, &bye(&wsdd_ep)) {
            break;
        }
    }
    drop(ipycam);
    drop(wsdd);
    for h in &heard {
        eprintln!("heard {h:?}");
    }
    let cams: Vec<_> = heard
        .iter()
        .filter_map(|h| match h {
            Heard::Camera(f) => Some(f),
            _ => None,
        })
        .collect();
    assert_eq!(cams.len(), 1, "ipycam sends one Hello: {heard:#?}");
    let f = cams[0];
    assert_eq!(f.ip, peer);
    assert_eq!(f.endpoint, ipycam_ep);
    assert_eq!(f.name.as_deref(), Some("Virtual Camera"));
    assert_eq!(f.xaddrs, ["http://10.79.0.2:8080/onvif/device_service"]);
    assert!(
        has(&heard, &wsdd_hello),
        "wsdd's Hello heard and rejected: {heard:#?}"
    );
    assert!(
        heard.iter().all(|h| match h {
            Heard::NotCamera { ip, types, .. } => *ip == peer && types.is_empty(),
            Heard::Bye { ip, .. } => *ip == peer,
            Heard::Camera(_) => true,
        }),
        "{heard:#?}"
    );
    assert!(has(&heard, &bye(&ipycam_ep)), "ipycam's Bye: {heard:#?}");
    assert!(has(&heard, &bye(&wsdd_ep)), "wsdd's Bye: {heard:#?}");
}

/// A fixed wsdd endpoint for this test (wsdd derives one from the host name otherwise).
fn uuid_for_wsdd() -> String {
    format!("5d5d5d5d-0000-4000-8000-{:012x}", std::process::id())
}
