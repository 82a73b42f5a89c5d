//! How findings land in the per-host records ([`absorb`]): what each source contributes,
//! which value wins when two say different things, and what the schedule is told.
use super::*;
use crate::discovery::onvif::client::Device;
use crate::discovery::rtsp::outcome::Playable;
use crate::discovery::scan::ScanReport;
use crate::discovery::testutil::{config, eth0};
use crate::model::{Capabilities, Profile, Stream, Transport};

const CAM: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 5);

fn settings(vars: &[(&str, &str)]) -> Settings {
    Settings::from_config_with(&config(vars), &[eth0()]).expect("settings")
}

/// Absorbs `findings` in order into fresh records; the events of each, and the records.
fn absorb_all(s: &Settings, findings: Vec<Finding>) -> (Vec<Vec<Event>>, Hosts, Report) {
    let (mut hosts, mut report) = (Hosts::default(), Report::default());
    let events = findings
        .into_iter()
        .map(|f| absorb(f, s, &mut hosts, &mut report))
        .collect();
    (events, hosts, report)
}

fn playable(path: &str, requests: u32) -> Playable {
    Playable {
        stream: Stream {
            url: format!("rtsp://{CAM}:554/{path}"),
            codec: "h264".into(),
            width: Some(640),
            height: Some(360),
            transport: Transport::Tcp,
        },
        requests,
    }
}

fn rtsp(port: u16, report: HostReport, brand: Option<(Brand, &'static str)>) -> Finding {
    Finding::Rtsp {
        ip: CAM,
        port,
        dictionary: true,
        brand,
        report,
    }
}

fn device() -> Device {
    Device {
        manufacturer: " Dahua ".into(),
        model: "IPC-HFW".into(),
        firmware: "".into(),
        serial: "SN1".into(),
        hardware_id: "hw".into(),
        capabilities: Capabilities {
            media: true,
            ..Capabilities::default()
        },
        profiles: vec![
            Profile {
                name: "Main".into(),
                token: "p0".into(),
                ..Profile::default()
            },
            Profile {
                name: "Sub".into(),
                token: "p1".into(),
                ..Profile::default()
            },
            Profile {
                name: "Copy".into(),
                token: "p2".into(),
                ..Profile::default()
            },
        ],
        stream_uris: vec![
            Some(format!("rtsp://{CAM}:554/main")),
            Some(format!("rtsp://{CAM}:554/sub")),
            Some(format!("rtsp://{CAM}:554/main")),
        ],
        media2: false,
        snapshot_uri: Some(format!("http://{CAM}/snap.jpg")),
        credential: Some(1),
        clock_offset_secs: 0,
        requests: 9,
        auth_failures: 1,
        rewritten: false,
    }
}

#[test]
fn the_scan_opens_hosts_for_the_schedule_and_counts_its_cost() {
    let s = settings(&[]);
    let outcome = super::super::sweep::Outcome {
        report: ScanReport {
            open: vec![SocketAddrV4::new(CAM, 554), SocketAddrV4::new(CAM, 8554)],
            attempted: 506,
            peak_in_flight: 40,
            ..ScanReport::default()
        },
        macs: BTreeMap::from([(CAM, [0x44, 0x19, 0xb6, 0, 0, 1])]),
        silent: 3,
        notes: vec!["sweep: 250 hosts".into()],
        elapsed: Duration::from_millis(2100),
    };
    let (events, hosts, report) = absorb_all(&s, vec![Finding::Scan(outcome)]);
    assert_eq!(
        events[0],
        [
            Event::Open(CAM, 554),
            Event::Open(CAM, 8554),
            Event::ScanDone
        ]
    );
    let c = &hosts.by_ip[&CAM];
    assert_eq!(
        (c.sources.as_slice(), c.open_ports.as_slice()),
        (&["scan"][..], &[554, 8554][..])
    );
    assert_eq!(hosts.macs.len(), 1, "the sweep's MACs are kept for the ids");
    let st = &report.stats;
    assert_eq!(
        (
            st.connects,
            st.open_ports,
            st.arp_silent,
            st.scan_ms,
            st.peak_in_flight
        ),
        (506, 2, 3, 2100, 40)
    );
    assert_eq!(report.notes, ["sweep: 250 hosts"]);
}

#[test]
fn excluded_senders_are_ignored_and_the_first_onvif_address_stays() {
    let s = settings(&[("SCAN_EXCLUDE", "10.0.0.9")]);
    let wsd = |ip: Ipv4Addr, xaddr: &str| {
        Finding::Wsd(wsd::Found {
            ip,
            endpoint: format!("urn:uuid:{xaddr}"),
            xaddrs: vec![format!("http://{ip}/{xaddr}")],
            scopes: Vec::new(),
            types: Vec::new(),
            name: None,
            hardware: None,
        })
    };
    let mdns = Finding::Mdns(mdns::MdnsFound {
        ip: CAM,
        port: 554,
        url: format!("rtsp://{CAM}:554/live"),
        name: "Axis Q1615".into(),
        hostname: "axis.local.".into(),
    });
    let (events, hosts, report) = absorb_all(
        &s,
        vec![
            wsd(Ipv4Addr::new(10, 0, 0, 9), "a"),
            wsd(CAM, "first"),
            wsd(CAM, "second"),
            mdns,
        ],
    );
    assert!(events[0].is_empty(), "excluded");
    assert!(!hosts.by_ip.contains_key(&Ipv4Addr::new(10, 0, 0, 9)));
    let c = &hosts.by_ip[&CAM];
    assert_eq!(c.camera.onvif_url.as_deref(), Some("http://10.0.0.5/first"));
    assert_eq!(c.endpoint.as_deref(), Some("urn:uuid:first"));
    assert_eq!(c.mdns_name.as_deref(), Some("Axis Q1615"));
    assert_eq!(c.sources, ["wsd", "mdns"]);
    assert_eq!(
        events[3],
        [Event::Mdns(CAM, 554, format!("rtsp://{CAM}:554/live"))]
    );
    assert_eq!(
        (report.stats.wsd_matches, report.stats.mdns_records),
        (2, 1)
    );
}

#[test]
fn onvif_fills_the_identity_and_hands_its_streams_to_the_schedule() {
    let s = settings(&[("CAMERA_CREDENTIALS", "admin:a,viewer:b")]);
    let (events, hosts, report) = absorb_all(&s, vec![Finding::Onvif(CAM, Ok(device()), 700)]);
    assert_eq!(
        events[0],
        [Event::Onvif(
            CAM,
            Some(OnvifStreams {
                urls: vec![
                    format!("rtsp://{CAM}:554/main"),
                    format!("rtsp://{CAM}:554/sub")
                ],
                credential: Some(1),
            })
        )],
        "each URL once, in profile order"
    );
    let f = &hosts.by_ip[&CAM];
    let c = &f.camera;
    assert_eq!(c.manufacturer.as_deref(), Some("Dahua"), "trimmed");
    assert_eq!(c.firmware_version, None, "empty is unknown");
    assert_eq!(c.serial_number.as_deref(), Some("SN1"));
    assert_eq!(
        (f.vendor.as_deref(), f.vendor_hint),
        (Some("dahua"), Some("onvif"))
    );
    assert_eq!(c.profiles.len(), 3);
    assert_eq!(f.profile_urls.len(), 3, "one URL per profile");
    assert!(f.onvif && c.capabilities.media);
    assert_eq!(
        (c.credential_index, c.username.as_deref()),
        (Some(1), Some("viewer"))
    );
    assert_eq!(f.onvif_ms, 700);
    assert_eq!(
        (
            report.stats.onvif_requests,
            report.stats.onvif_auth_failures
        ),
        (9, 1)
    );
}

#[test]
fn a_failed_interrogation_is_a_line_in_the_errors_and_no_streams() {
    let s = settings(&[]);
    let err = onvif::ClientError::NoXaddr { ip: CAM };
    let (events, hosts, _) = absorb_all(&s, vec![Finding::Onvif(CAM, Err(err), 5)]);
    assert_eq!(events[0], [Event::Onvif(CAM, None)]);
    let f = &hosts.by_ip[&CAM];
    assert_eq!(f.errors, ["onvif 10.0.0.5: no usable XAddr"]);
    assert!(!f.onvif);
}

#[test]
fn the_first_stream_found_stays_and_the_paths_tried_count_only_without_one() {
    let s = settings(&[("CAMERA_CREDENTIALS", "admin:a,viewer:b")]);
    let first = HostReport {
        main: Some(playable("main", 4)),
        credential: Some(1),
        requests: 4,
        tried: vec!["/live: 404".into()],
        elapsed_ms: 300,
        ..HostReport::default()
    };
    let second = HostReport {
        main: Some(playable("other", 9)),
        sub: Some(playable("sub", 2)),
        credential: Some(0),
        requests: 11,
        failed_logins: 2,
        accepts_any_path: true,
        elapsed_ms: 200,
        errors: vec!["rtsp 10.0.0.5:8554 DESCRIBE: 404 Not Found".into()],
        ..HostReport::default()
    };
    let none = HostReport {
        tried: vec!["/a: 404".into(), "/b: 404".into()],
        requests: 2,
        ..HostReport::default()
    };
    let (events, hosts, report) = absorb_all(
        &s,
        vec![
            rtsp(
                554,
                first,
                Some((Brand::from_id("hikvision").expect("brand"), "oui")),
            ),
            rtsp(
                8554,
                second,
                Some((Brand::from_id("dahua").expect("brand"), "rtsp-server")),
            ),
            rtsp(88, none, None),
        ],
    );
    let f = &hosts.by_ip[&CAM];
    let c = &f.camera;
    assert_eq!(
        c.main.as_ref().map(|m| m.url.as_str()),
        Some("rtsp://10.0.0.5:554/main")
    );
    assert_eq!(f.main_requests, 4);
    assert_eq!(
        c.sub.as_ref().map(|m| m.url.as_str()),
        Some("rtsp://10.0.0.5:554/sub")
    );
    assert_eq!(f.sub_requests, 2);
    assert_eq!(
        (f.vendor.as_deref(), f.vendor_hint),
        (Some("hikvision"), Some("oui")),
        "the first brand"
    );
    assert_eq!(
        (c.credential_index, c.username.as_deref()),
        (Some(1), Some("viewer")),
        "the first credential that worked"
    );
    assert!(f.accepts_any_path);
    assert_eq!(
        f.tried,
        ["/a: 404", "/b: 404"],
        "only from probes without a stream"
    );
    assert_eq!(f.errors.len(), 1);
    assert_eq!(f.probe_ms, 500);
    assert_eq!(
        (report.stats.rtsp_requests, report.stats.rtsp_failed_logins),
        (17, 2)
    );
    // Every RTSP job tells the schedule whether the host has a main stream now.
    let mains: Vec<bool> = events
        .iter()
        .map(|e| match e.as_slice() {
            [Event::Rtsp { main, .. }] => *main,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(mains, [true, true, true]);
}
