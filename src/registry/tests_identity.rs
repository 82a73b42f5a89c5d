//! Identity tables: fallback ids merged into MAC identities, discoveries without a MAC,
//! contradicting devices, address swaps; and the record helpers they rely on.
use super::tests::*;
use super::*;
use crate::model::{default_name, rehost, IP_HISTORY_MAX};

const FALLBACK: &str = "unknown-10-0-0-5";

fn removed(id: &str) -> Change {
    Change::Removed(id.into())
}

fn new(id: &str) -> Change {
    Change::New(id.into())
}

/// A registry that knows the camera at 10.0.0.5 only by its fallback id.
fn with_fallback() -> Registry {
    let mut r = Registry::new(settings());
    assert_eq!(r.apply(disc(found(None, ip(5))), at(0)), [new(FALLBACK)]);
    r
}

#[test]
fn a_fallback_camera_later_discovered_with_its_mac_becomes_that_mac() {
    let mut r = with_fallback();
    assert_eq!(
        r.apply(disc(found(Some(MAC_A), ip(5))), at(300)),
        [removed(FALLBACK), new(ID_A)]
    );
    assert_eq!(r.len(), 1);
    let c = r.get(ID_A).unwrap();
    assert_eq!(c.mac.as_deref(), Some("44:19:b6:00:00:0a"));
    assert_eq!(c.name, "Camera-00:00:0A", "renamed from the MAC");
    assert_eq!(c.ip_history, [ip(5)]);
    assert_eq!(c.last_seen, wall(300));
    assert_eq!(r.known_ips(), [ip(5)]);
}

#[test]
fn a_fallback_camera_seen_alive_is_rekeyed_by_arp() {
    let mut r = with_fallback();
    let arp = Finding::MacSeen {
        mac: MAC_A,
        ip: ip(5),
    };
    assert_eq!(r.apply(arp, at(60)), [removed(FALLBACK), new(ID_A)]);
    assert_eq!(
        r.quick_check_targets(),
        [Target {
            id: ID_A.into(),
            ip: ip(5)
        }]
    );
}

#[test]
fn an_offline_fallback_camera_is_not_rekeyed_by_arp() {
    let mut r = with_fallback();
    r.tick(at(180));
    let arp = Finding::MacSeen {
        mac: MAC_A,
        ip: ip(5),
    };
    assert_eq!(
        r.apply(arp, at(200)),
        [],
        "another device may hold the address"
    );
    assert!(r.get(FALLBACK).is_some());
}

#[test]
fn an_onvif_name_survives_the_rekey() {
    let mut r = Registry::new(settings());
    let mut f = found(None, ip(5));
    f.manufacturer = Some("Axis".into());
    f.model = Some("M3045".into());
    f.name = "Axis M3045".into();
    r.apply(disc(f), at(0));
    r.apply(disc(found(Some(MAC_A), ip(5))), at(300));
    assert_eq!(r.get(ID_A).unwrap().name, "Axis M3045");
    assert_eq!(r.get(ID_A).unwrap().model.as_deref(), Some("M3045"));
}

#[test]
fn a_mac_camera_known_elsewhere_absorbs_the_fallback_at_its_new_address() {
    let mut r = Registry::new(settings());
    r.apply(disc(found(Some(MAC_A), ip(9))), at(0));
    r.apply(disc(found(None, ip(5))), at(10)); // the same camera, ARP missed
    assert_eq!(r.len(), 2);
    assert_eq!(
        r.apply(disc(found(Some(MAC_A), ip(5))), at(300)),
        [removed(FALLBACK), upd(ID_A), st(ID_A, Status::IpChanged)]
    );
    assert_eq!(r.len(), 1);
    assert_eq!(r.get(ID_A).unwrap().ip_history, [ip(9), ip(5)]);
    assert_eq!(r.known_ips(), [ip(5)]);
}

#[test]
fn a_discovery_without_mac_at_a_known_cameras_address_is_that_camera() {
    let mut r = with_a_at_5();
    assert_eq!(r.apply(disc(found(None, ip(5))), at(300)), []);
    assert_eq!(r.len(), 1);
    assert_eq!(r.get(ID_A).unwrap().last_seen, wall(300));
    assert_eq!(
        r.get(ID_A).unwrap().mac.as_deref(),
        Some("44:19:b6:00:00:0a")
    );
}

#[test]
fn a_fallback_id_that_flips_between_endpoint_and_address_is_one_camera() {
    let mut r = Registry::new(settings());
    let mut f = found(None, ip(5));
    f.id = "unknown-ep-00000000000000aa".into();
    r.apply(disc(f), at(0));
    assert_eq!(r.apply(disc(found(None, ip(5))), at(300)), []);
    assert_eq!(r.len(), 1);
}

#[test]
fn contradicting_serial_numbers_make_a_new_camera_that_takes_the_address() {
    let mut r = Registry::new(settings());
    let mut one = found(None, ip(5));
    one.id = "unknown-sn-0000000000000001".into();
    one.serial_number = Some("SN1".into());
    r.apply(disc(one), at(0));
    let mut two = found(None, ip(5));
    two.id = "unknown-sn-0000000000000002".into();
    two.serial_number = Some("SN2".into());
    assert_eq!(
        r.apply(disc(two), at(300)),
        [new("unknown-sn-0000000000000002")]
    );
    assert_eq!(r.len(), 2);
    assert_eq!(
        r.quick_check_targets(),
        [Target {
            id: "unknown-sn-0000000000000002".into(),
            ip: ip(5)
        }],
        "the first waits to be found elsewhere"
    );
}

#[test]
fn two_cameras_that_swap_addresses_are_both_followed() {
    const MAC_B: [u8; 6] = [0x44, 0x19, 0xb6, 0, 0, 0x0b];
    const ID_B: &str = "4419b600000b";
    let mut r = with_a_at_5();
    r.apply(disc(found(Some(MAC_B), ip(6))), at(0));
    assert_eq!(
        r.apply(disc(found(Some(MAC_A), ip(6))), at(300)),
        [upd(ID_A), st(ID_A, Status::IpChanged)]
    );
    assert_eq!(
        r.apply(quick(ID_B, ip(6), true), at(310)),
        [],
        "6 is A's now"
    );
    assert_eq!(
        r.apply(disc(found(Some(MAC_B), ip(5))), at(320)),
        [upd(ID_B), st(ID_B, Status::IpChanged)]
    );
    assert_eq!(
        r.quick_check_targets(),
        [
            Target {
                id: ID_A.into(),
                ip: ip(6)
            },
            Target {
                id: ID_B.into(),
                ip: ip(5)
            }
        ]
    );
}

fn with_a_at_5() -> Registry {
    let mut r = Registry::new(settings());
    r.apply(disc(found(Some(MAC_A), ip(5))), at(0));
    r
}

#[test]
fn moving_keeps_the_current_address_last_and_the_history_bounded() {
    let mut c = found(Some(MAC_A), ip(5));
    assert_eq!(c.move_to(ip(5)), None);
    assert_eq!(c.move_to(ip(6)), Some(ip(5)));
    assert_eq!(c.move_to(ip(5)), Some(ip(6)));
    assert_eq!(c.ip_history, [ip(6), ip(5)], "back to 5: moved to the end");
    for last in 10..30 {
        c.move_to(ip(last));
    }
    assert_eq!(c.ip_history.len(), IP_HISTORY_MAX);
    assert_eq!(c.ip_history.first(), Some(&ip(20)));
    assert_eq!(c.ip_history.last(), Some(&ip(29)));
    assert_eq!(c.http_url.as_deref(), Some("http://10.0.0.29:80"));
}

#[test]
fn rehost_replaces_only_the_host_that_matches() {
    let (a, b) = (ip(5), ip(9));
    let cases = [
        (
            "rtsp://10.0.0.5:554/live?x=1",
            "rtsp://10.0.0.9:554/live?x=1",
        ),
        (
            "http://10.0.0.5/onvif/device_service",
            "http://10.0.0.9/onvif/device_service",
        ),
        ("rtsp://u@10.0.0.5:554/a", "rtsp://u@10.0.0.9:554/a"),
        ("rtsp://10.0.0.55:554/a", "rtsp://10.0.0.55:554/a"),
        ("rtsp://10.0.0.6/10.0.0.5", "rtsp://10.0.0.6/10.0.0.5"),
        ("not a url", "not a url"),
    ];
    for (from, to) in cases {
        assert_eq!(rehost(from, a, b), to, "{from}");
    }
}

#[test]
fn default_names_follow_the_original() {
    assert_eq!(default_name(Some("Axis"), Some("M3045"), "x"), "Axis M3045");
    assert_eq!(
        default_name(Some("Axis"), None, "44:19:b6:00:00:0a"),
        "Camera-00:00:0A"
    );
    assert_eq!(default_name(None, None, "abc"), "Camera-ABC");
}
