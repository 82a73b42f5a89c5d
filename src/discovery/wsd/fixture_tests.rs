//! The codec and the round bookkeeping against datagrams captured from real peers
//! (`testdata/README.md` says where each comes from).
use super::*;
use std::time::Duration;

const IPYCAM_PM: &[u8] = include_bytes!("testdata/ipycam_probematch.xml");
const ONVIF_SERVER_PM: &[u8] = include_bytes!("testdata/onvif-server_probematch.xml");
const AXIS_SIM_PM: &[u8] = include_bytes!("testdata/axis-sim_probematch.xml");
const WSDD_PM: &[u8] = include_bytes!("testdata/wsdd_probematch.xml");
const IPYCAM_HELLO: &[u8] = include_bytes!("testdata/ipycam_hello.xml");
const IPYCAM_BYE: &[u8] = include_bytes!("testdata/ipycam_bye.xml");
const WSDD_HELLO: &[u8] = include_bytes!("testdata/wsdd_hello.xml");
const WSDD_BYE: &[u8] = include_bytes!("testdata/wsdd_bye.xml");

/// The MessageID of the Probe the ProbeMatch fixtures answered (they echo `uuid:...`).
const FIXTURE_PROBE_ID: &str = "urn:uuid:501824fa-ad3b-40ff-ab28-906db304f88a";

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn one_match(bytes: &[u8]) -> (Option<String>, Match) {
    match parse(bytes).unwrap() {
        Message::ProbeMatches {
            relates_to,
            mut matches,
        } => {
            assert_eq!(matches.len(), 1);
            (relates_to, matches.remove(0))
        }
        other => panic!("not ProbeMatches: {other:?}"),
    }
}

#[test]
fn ipycam_probematch_without_wrapper() {
    let (rel, m) = one_match(IPYCAM_PM);
    assert_eq!(
        rel.as_deref(),
        Some("uuid:501824fa-ad3b-40ff-ab28-906db304f88a")
    );
    assert_eq!(m.endpoint, "urn:uuid:d5237494-42cc-4b59-ab4c-884b6eebd51d");
    assert_eq!(m.types, ["dn:NetworkVideoTransmitter", "tds:Device"]);
    assert_eq!(m.xaddrs, ["http://10.77.0.101:80/onvif/device_service"]);
    assert_eq!(m.metadata_version, Some(1));
    assert!(is_camera(&m));
    assert_eq!(onvif_scopes(&m.scopes).name.as_deref(), Some("HikSim-Cam1"));
    assert_eq!(
        camera_xaddrs(&m, ip("10.77.0.101")),
        ["http://10.77.0.101:80/onvif/device_service"]
    );
}

#[test]
fn onvif_server_and_axis_probematches() {
    for (bytes, endpoint, cam) in [
        (
            ONVIF_SERVER_PM,
            "urn:uuid:3fa1c0de-0000-4000-8000-3cef8c000002",
            "10.77.0.102",
        ),
        (
            AXIS_SIM_PM,
            "urn:uuid:396b5df0-39e8-413a-9f16-4d1e7ab486cc",
            "10.77.0.103",
        ),
    ] {
        let (rel, m) = one_match(bytes);
        assert!(same_message_id(FIXTURE_PROBE_ID, rel.as_deref().unwrap()));
        assert_eq!(m.endpoint, endpoint);
        assert_eq!(m.types, ["dn:NetworkVideoTransmitter", "tds:Device"]);
        assert_eq!(
            m.scopes,
            ["onvif://www.onvif.org/type/NetworkVideoTransmitter"]
        );
        let want = format!("http://{cam}:80/onvif/device_service");
        assert_eq!(m.xaddrs, std::slice::from_ref(&want));
        assert!(is_camera(&m));
        assert_eq!(camera_xaddrs(&m, ip(cam)), [want]);
    }
}

/// onvif-server's SOAP replies come without `<?xml?>`; the same ProbeMatch without it (and
/// with a BOM instead) parses the same.
#[test]
fn no_xml_declaration_needed() {
    let text = std::str::from_utf8(ONVIF_SERVER_PM).unwrap();
    let bare = text.split_once("?>").unwrap().1;
    assert_eq!(
        parse(bare.as_bytes()).unwrap(),
        parse(ONVIF_SERVER_PM).unwrap()
    );
    let bom = [b"\xEF\xBB\xBF".as_slice(), bare.as_bytes()].concat();
    assert_eq!(parse(&bom).unwrap(), parse(ONVIF_SERVER_PM).unwrap());
}

#[test]
fn wsdd_computer_is_not_a_camera() {
    let (_, m) = one_match(WSDD_PM);
    assert_eq!(m.endpoint, "urn:uuid:e5e61fb5-d685-5b50-9ba7-acb6e6962ef3");
    assert_eq!(m.types, ["wsdp:Device", "pub:Computer"]);
    assert!(m.xaddrs.is_empty() && m.scopes.is_empty());
    assert!(!is_camera(&m));
    let Message::Hello(h) = parse(WSDD_HELLO).unwrap() else {
        panic!("wsdd Hello")
    };
    assert_eq!(h.endpoint, m.endpoint);
    assert_eq!(
        h.xaddrs,
        ["http://10.79.0.2:5357/e5e61fb5-d685-5b50-9ba7-acb6e6962ef3"]
    );
    assert!(!is_camera(&h), "wsdd's Hello has no Types at all");
    assert_eq!(
        parse(WSDD_BYE).unwrap(),
        Message::Bye {
            endpoint: m.endpoint
        }
    );
}

/// ipycam's Hello, with the unescaped space of its default-style name, and its Bye (which
/// carries Types/Scopes/XAddrs too; only the endpoint is read).
#[test]
fn ipycam_hello_and_bye() {
    let Message::Hello(h) = parse(IPYCAM_HELLO).unwrap() else {
        panic!("ipycam Hello")
    };
    assert_eq!(h.endpoint, "urn:uuid:0e1f5a5e-5e11-4a11-8e11-000000000001");
    assert!(is_camera(&h));
    let f = Found::from_match(&h, ip("10.79.0.2"));
    assert_eq!(f.name.as_deref(), Some("Virtual Camera"));
    assert_eq!(f.hardware, None);
    assert_eq!(f.xaddrs, ["http://10.79.0.2:8080/onvif/device_service"]);
    // The same Hello from another source: the XAddr follows the sender.
    let spoof = Found::from_match(&h, ip("10.79.0.9"));
    assert_eq!(spoof.xaddrs, ["http://10.79.0.9:8080/onvif/device_service"]);
    assert_eq!(
        parse(IPYCAM_BYE).unwrap(),
        Message::Bye {
            endpoint: h.endpoint
        }
    );
}

/// A round as the lab answers it: three cameras, wsdd, a duplicate copy, a foreign
/// RelatesTo, garbage. Only answers to our id count; wsdd is counted, not kept.
#[test]
fn collector_over_a_lab_round() {
    // wsdd's fixture answered another Probe (a `wsdp:Device` one): both ids are "ours".
    let wsdd_probe = "urn:uuid:ac13f20b-492d-43d9-8218-fc3c1ddc5560";
    let mut c = Collector::new(vec![FIXTURE_PROBE_ID.into(), wsdd_probe.into()]);
    let ms = Duration::from_millis;
    // Each camera is new once: the answer to the second copy adds nothing.
    let fresh = |v: Vec<Found>| v.iter().map(|f| f.ip.to_string()).collect::<Vec<_>>();
    assert_eq!(
        fresh(c.absorb(ip("10.77.0.101"), IPYCAM_PM, ms(1))),
        ["10.77.0.101"]
    );
    assert_eq!(
        fresh(c.absorb(ip("10.77.0.102"), ONVIF_SERVER_PM, ms(2))),
        ["10.77.0.102"]
    );
    assert!(c
        .absorb(ip("10.77.0.102"), ONVIF_SERVER_PM, ms(202))
        .is_empty()); // second copy
    assert_eq!(
        fresh(c.absorb(ip("10.77.0.103"), AXIS_SIM_PM, ms(3))),
        ["10.77.0.103"]
    );
    assert!(c.absorb(ip("10.77.0.50"), WSDD_PM, ms(4)).is_empty());
    assert!(c.absorb(ip("10.77.0.50"), b"<not xml", ms(5)).is_empty());
    assert!(c.absorb(ip("10.77.0.50"), WSDD_HELLO, ms(6)).is_empty());
    let found = c.found();
    let ips: Vec<String> = found.iter().map(|f| f.ip.to_string()).collect();
    assert_eq!(ips, ["10.77.0.101", "10.77.0.102", "10.77.0.103"]);
    assert_eq!(
        found[1].xaddrs,
        ["http://10.77.0.102:80/onvif/device_service"]
    );
    assert_eq!(found[0].name.as_deref(), Some("HikSim-Cam1"));
    let p = c.peers();
    assert_eq!(p[&ip("10.77.0.102")].datagrams, 2);
    assert_eq!(p[&ip("10.77.0.102")].matches, 2);
    assert_eq!(p[&ip("10.77.0.102")].first_answer, Some(ms(2)));
    assert_eq!(p[&ip("10.77.0.102")].last_answer, Some(ms(202)));
    let noise = &p[&ip("10.77.0.50")];
    assert_eq!(
        (
            noise.datagrams,
            noise.matches,
            noise.not_camera,
            noise.malformed,
            noise.unrelated
        ),
        (3, 1, 1, 1, 1)
    );
    assert_eq!(c.last_answer(), Some(ms(202)));

    // Another round's id: every answer is unrelated, nothing is found.
    let mut other = Collector::new(vec!["urn:uuid:12345678-0000-4000-8000-000000000000".into()]);
    other.absorb(ip("10.77.0.101"), IPYCAM_PM, ms(1));
    assert!(other.found().is_empty());
    assert_eq!(other.peers()[&ip("10.77.0.101")].unrelated, 1);
    assert_eq!(other.last_answer(), None);
}

/// A ProbeMatch whose XAddr names another host: the camera is the UDP source and its XAddr
/// is moved onto it; two answers of the same endpoint from one host merge their XAddrs.
#[test]
fn collector_rewrites_and_merges() {
    let text = std::str::from_utf8(IPYCAM_PM).unwrap();
    let elsewhere = text.replace(
        "http://10.77.0.101:80/onvif/device_service",
        "http://192.168.1.64/onvif/device_service https://10.77.0.101/onvif/device_service",
    );
    let mut c = Collector::new(vec![FIXTURE_PROBE_ID.into()]);
    c.absorb(ip("10.77.0.101"), IPYCAM_PM, Duration::ZERO);
    c.absorb(ip("10.77.0.101"), elsewhere.as_bytes(), Duration::ZERO);
    let found = c.found();
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].xaddrs,
        [
            "http://10.77.0.101:80/onvif/device_service",
            "https://10.77.0.101/onvif/device_service",
            "http://10.77.0.101/onvif/device_service",
        ]
    );
}

/// A flood from one address (the lab's hostile peer sends 10 000 ProbeMatches per Probe,
/// each a new endpoint and XAddr): at most MAX_ENDPOINTS_PER_PEER cameras are kept, the rest
/// only counted; one endpoint answering again and again keeps at most MAX_XADDRS XAddrs.
/// Another address is not affected.
#[test]
fn collector_bounds_a_flood_from_one_peer() {
    use super::collect::{MAX_ENDPOINTS_PER_PEER, MAX_XADDRS};
    let text = std::str::from_utf8(IPYCAM_PM).unwrap();
    let endpoint = "urn:uuid:d5237494-42cc-4b59-ab4c-884b6eebd51d";
    let xaddr = "http://10.77.0.101:80/onvif/device_service";
    let mut c = Collector::new(vec![FIXTURE_PROBE_ID.into()]);
    let flooder = ip("10.77.0.230");
    let mut fresh = 0;
    for i in 0..2000 {
        let m = text
            .replace(
                endpoint,
                &format!("urn:uuid:f100d000-0000-4000-8000-{i:012}"),
            )
            .replace(xaddr, &format!("http://10.77.0.230/onvif/{i}"));
        fresh += c.absorb(flooder, m.as_bytes(), Duration::ZERO).len();
    }
    assert_eq!(fresh, MAX_ENDPOINTS_PER_PEER);
    assert_eq!(c.found().len(), MAX_ENDPOINTS_PER_PEER);
    let p = &c.peers()[&flooder];
    assert_eq!(p.matches, 2000);
    assert_eq!(p.over_limit as usize, 2000 - MAX_ENDPOINTS_PER_PEER);
    // One endpoint, ever new XAddrs (several per datagram too).
    for i in 0..100 {
        let m = text.replace(
            xaddr,
            &format!("http://10.77.0.101/a/{i} http://10.77.0.101/b/{i}"),
        );
        c.absorb(ip("10.77.0.101"), m.as_bytes(), Duration::ZERO);
    }
    let cam1: Vec<Found> = c
        .found()
        .into_iter()
        .filter(|f| f.ip == ip("10.77.0.101"))
        .collect();
    assert_eq!(cam1.len(), 1);
    assert_eq!(cam1[0].xaddrs.len(), MAX_XADDRS);
    assert_eq!(cam1[0].xaddrs[0], "http://10.77.0.101/a/0");
}
