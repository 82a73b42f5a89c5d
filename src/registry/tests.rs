//! Transition tables of the registry: each rule with an explicit `now`, and the exact
//! changes it must produce (liveness, offline/online, stream errors, addresses, removal).
use super::*;
use crate::model::{Camera, Stream, Transport};
use std::net::Ipv4Addr;
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub(crate) const MAC_A: [u8; 6] = [0x44, 0x19, 0xb6, 0, 0, 0x0a];
pub(crate) const ID_A: &str = "4419b600000a";

pub(crate) fn ip(last: u8) -> Ipv4Addr {
    Ipv4Addr::new(10, 0, 0, last)
}

/// `secs` after a fixed start, on both clocks.
pub(crate) fn at(secs: u64) -> Now {
    static BASE: OnceLock<Instant> = OnceLock::new();
    let base = *BASE.get_or_init(Instant::now);
    Now {
        mono: base + Duration::from_secs(secs),
        wall: wall(secs),
    }
}

pub(crate) fn wall(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000 + secs)
}

pub(crate) fn settings() -> Settings {
    Settings {
        offline_threshold: Duration::from_secs(180),
        health_check_interval: Duration::from_secs(60),
        remove_after: None,
    }
}

/// What a discovery pass reports for a camera at `ip` with `mac`: a playing main stream
/// at `/live` opened by credential 0, no ONVIF (seen at `wall(0)`).
pub(crate) fn found(mac: Option<[u8; 6]>, at_ip: Ipv4Addr) -> Camera {
    let mut c = Camera::new(at_ip);
    c.mac = mac.as_ref().map(crate::mac::mac_to_string);
    c.id = crate::model::camera_id(mac.as_ref(), None, None, at_ip);
    c.main = Some(Stream {
        url: format!("rtsp://{at_ip}:554/live"),
        codec: "h264".into(),
        width: Some(1920),
        height: Some(1080),
        transport: Transport::Tcp,
    });
    c.username = Some("admin".into());
    c.credential_index = Some(0);
    c.derive(&[], 80);
    c.last_seen = wall(0);
    c.last_validated = Some(wall(0));
    c
}

/// The same camera seen by a pass that reached it but neither ONVIF nor a stream.
pub(crate) fn found_bare(mac: Option<[u8; 6]>, at_ip: Ipv4Addr) -> Camera {
    let mut r = found(mac, at_ip);
    r.main = None;
    r.rtsp_urls.clear();
    r.username = None;
    r.credential_index = None;
    r
}

pub(crate) fn disc(r: Camera) -> Finding {
    Finding::Discovered(Box::new(r))
}

pub(crate) fn quick(id: &str, at_ip: Ipv4Addr, reachable: bool) -> Finding {
    Finding::QuickCheck {
        id: id.into(),
        ip: at_ip,
        reachable,
    }
}

pub(crate) fn played(id: &str, at_ip: Ipv4Addr) -> Finding {
    Finding::Validated {
        id: id.into(),
        ip: at_ip,
        stream: Some(Stream {
            url: format!("rtsp://{at_ip}:554/live"),
            codec: "h264".into(),
            width: Some(1920),
            height: Some(1080),
            transport: Transport::Tcp,
        }),
    }
}

pub(crate) fn failed(id: &str, at_ip: Ipv4Addr) -> Finding {
    Finding::Validated {
        id: id.into(),
        ip: at_ip,
        stream: None,
    }
}

pub(crate) fn upd(id: &str) -> Change {
    Change::Updated(id.into())
}

pub(crate) fn st(id: &str, s: Status) -> Change {
    Change::Status(id.into(), s)
}

/// A registry that discovered camera A at 10.0.0.5 at t=0.
fn with_a() -> Registry {
    let mut r = Registry::new(settings());
    assert_eq!(
        r.apply(disc(found(Some(MAC_A), ip(5))), at(0)),
        [Change::New(ID_A.into())]
    );
    r
}

#[test]
fn a_new_camera_is_online_streaming_and_validated_at_now() {
    let r = with_a();
    let c = r.get(ID_A).unwrap();
    assert!(c.online && c.stream_active);
    assert_eq!(c.last_seen, wall(0));
    assert_eq!(c.last_validated, Some(wall(0)));
    assert_eq!(c.ip_history, [ip(5)]);
    assert_eq!(c.name, "Camera-00:00:0A");
    assert_eq!(r.known_ips(), [ip(5)]);
}

#[test]
fn an_unchanged_rediscovery_refreshes_last_seen_and_publishes_nothing() {
    let mut r = with_a();
    assert_eq!(r.apply(disc(found(Some(MAC_A), ip(5))), at(300)), []);
    assert_eq!(r.get(ID_A).unwrap().last_seen, wall(300));
    assert_eq!(r.get(ID_A).unwrap().last_validated, Some(wall(300)));
}

#[test]
fn changed_details_publish_the_record_again() {
    let mut r = with_a();
    let mut f = found(Some(MAC_A), ip(5));
    f.manufacturer = Some("Hikvision".into());
    f.model = Some("DS-2CD2042WD".into());
    f.name = "Hikvision DS-2CD2042WD".into();
    assert_eq!(r.apply(disc(f), at(300)), [upd(ID_A)]);
    assert_eq!(r.get(ID_A).unwrap().name, "Hikvision DS-2CD2042WD");
    let mut f = found(Some(MAC_A), ip(5));
    f.rtsp_urls
        .insert("main".into(), "rtsp://10.0.0.5:554/other".into());
    assert_eq!(r.apply(disc(f), at(600)), [upd(ID_A)], "a URL changed");
}

#[test]
fn a_pass_that_misses_onvif_or_the_stream_keeps_what_was_known() {
    let mut r = with_a();
    let mut f = found(Some(MAC_A), ip(5));
    f.manufacturer = Some("Axis".into());
    f.model = Some("M3045".into());
    f.name = "Axis M3045".into();
    f.serial_number = Some("ACCC8E000001".into());
    assert_eq!(r.apply(disc(f), at(300)), [upd(ID_A)]);
    assert_eq!(r.apply(disc(found_bare(Some(MAC_A), ip(5))), at(600)), []);
    let c = r.get(ID_A).unwrap();
    assert_eq!(c.name, "Axis M3045");
    assert_eq!(c.serial_number.as_deref(), Some("ACCC8E000001"));
    assert_eq!(c.main.as_ref().unwrap().url, "rtsp://10.0.0.5:554/live");
    assert_eq!(c.credential_index, Some(0));
    assert_eq!(c.last_seen, wall(600));
    assert_eq!(
        c.last_validated,
        Some(wall(300)),
        "not validated by a bare pass"
    );
}

#[test]
fn offline_comes_once_at_the_threshold() {
    let mut r = with_a();
    assert_eq!(r.tick(at(179)), []);
    assert_eq!(r.tick(at(180)), [upd(ID_A), st(ID_A, Status::Offline)]);
    let c = r.get(ID_A).unwrap();
    assert!(!c.online && !c.stream_active);
    assert_eq!(r.tick(at(210)), [], "no second offline");
    assert_eq!(r.tick(at(100_000)), [], "kept forever by default");
    assert_eq!(r.len(), 1);
}

#[test]
fn reachable_quick_checks_keep_a_camera_online_and_failures_change_nothing() {
    let mut r = with_a();
    assert_eq!(r.apply(quick(ID_A, ip(5), true), at(100)), []);
    assert_eq!(r.get(ID_A).unwrap().last_seen, wall(100));
    assert_eq!(r.apply(quick(ID_A, ip(5), false), at(160)), []);
    assert_eq!(r.get(ID_A).unwrap().last_seen, wall(100));
    assert_eq!(r.tick(at(279)), []);
    assert_eq!(r.tick(at(280)), [upd(ID_A), st(ID_A, Status::Offline)]);
}

#[test]
fn a_camera_comes_back_online_once() {
    let mut r = with_a();
    r.tick(at(180));
    assert_eq!(
        r.apply(failed(ID_A, ip(5)), at(190)),
        [],
        "offline: ignored"
    );
    assert_eq!(
        r.apply(quick(ID_A, ip(5), true), at(200)),
        [upd(ID_A), st(ID_A, Status::Online)]
    );
    let c = r.get(ID_A).unwrap();
    assert!(
        c.online && !c.stream_active,
        "streaming again only once validated"
    );
    assert_eq!(r.apply(quick(ID_A, ip(5), true), at(230)), []);
    assert_eq!(r.apply(played(ID_A, ip(5)), at(240)), [upd(ID_A)]);
    assert!(r.get(ID_A).unwrap().stream_active);
}

#[test]
fn rediscovering_an_offline_camera_brings_it_online() {
    let mut r = with_a();
    r.tick(at(180));
    assert_eq!(
        r.apply(disc(found(Some(MAC_A), ip(5))), at(300)),
        [upd(ID_A), st(ID_A, Status::Online)]
    );
}

#[test]
fn stream_error_is_published_once_per_failure_streak() {
    let mut r = with_a();
    assert_eq!(
        r.apply(failed(ID_A, ip(5)), at(60)),
        [upd(ID_A), st(ID_A, Status::StreamError)]
    );
    assert!(!r.get(ID_A).unwrap().stream_active);
    assert_eq!(r.apply(failed(ID_A, ip(5)), at(120)), []);
    assert_eq!(r.apply(failed(ID_A, ip(5)), at(180)), []);
    assert_eq!(
        r.apply(played(ID_A, ip(5)), at(240)),
        [upd(ID_A), st(ID_A, Status::Online)]
    );
    assert_eq!(r.get(ID_A).unwrap().last_validated, Some(wall(240)));
    assert_eq!(r.apply(played(ID_A, ip(5)), at(300)), []);
    assert_eq!(
        r.apply(failed(ID_A, ip(5)), at(360)),
        [upd(ID_A), st(ID_A, Status::StreamError)],
        "a new streak"
    );
}

#[test]
fn a_failed_validation_is_not_a_sighting() {
    let mut r = with_a();
    r.apply(failed(ID_A, ip(5)), at(100));
    assert_eq!(r.get(ID_A).unwrap().last_seen, wall(0));
    assert_eq!(r.tick(at(180)), [upd(ID_A), st(ID_A, Status::Offline)]);
}

#[test]
fn a_stream_played_again_by_discovery_ends_the_streak_with_one_online() {
    let mut r = with_a();
    r.apply(failed(ID_A, ip(5)), at(60));
    assert_eq!(
        r.apply(disc(found(Some(MAC_A), ip(5))), at(300)),
        [upd(ID_A), st(ID_A, Status::Online)]
    );
}

#[test]
fn offline_ends_a_streak_so_the_next_failure_is_reported() {
    let mut r = with_a();
    r.apply(failed(ID_A, ip(5)), at(60));
    r.tick(at(180));
    r.apply(quick(ID_A, ip(5), true), at(200));
    assert_eq!(
        r.apply(failed(ID_A, ip(5)), at(210)),
        [st(ID_A, Status::StreamError)],
        "stream_active was already false: only the status"
    );
}

#[test]
fn a_validation_that_sees_a_new_codec_updates_the_main_stream() {
    let mut r = with_a();
    let mut f = played(ID_A, ip(5));
    if let Finding::Validated {
        stream: Some(s), ..
    } = &mut f
    {
        s.codec = "h265".into();
    }
    assert_eq!(r.apply(f, at(60)), [upd(ID_A)]);
    assert_eq!(r.get(ID_A).unwrap().main.as_ref().unwrap().codec, "h265");
}

#[test]
fn findings_made_at_an_address_the_camera_left_are_ignored() {
    let mut r = with_a();
    r.apply(disc(found(Some(MAC_A), ip(9))), at(10));
    assert_eq!(r.apply(quick(ID_A, ip(5), true), at(100)), []);
    assert_eq!(r.apply(failed(ID_A, ip(5)), at(100)), []);
    assert_eq!(r.get(ID_A).unwrap().last_seen, wall(10));
    assert_eq!(r.apply(quick("nobody", ip(5), true), at(100)), []);
}

#[test]
fn a_known_mac_found_at_a_new_address_moves_the_camera() {
    let mut r = with_a();
    assert_eq!(
        r.apply(disc(found(Some(MAC_A), ip(9))), at(300)),
        [upd(ID_A), st(ID_A, Status::IpChanged)]
    );
    let c = r.get(ID_A).unwrap();
    assert_eq!(c.ip, ip(9));
    assert_eq!(c.ip_history, [ip(5), ip(9)]);
    assert_eq!(c.http_url.as_deref(), Some("http://10.0.0.9:80"));
    assert_eq!(c.rtsp_urls["main"], "rtsp://10.0.0.9:554/live");
    assert_eq!(r.known_ips(), [ip(9)]);
    assert_eq!(
        r.quick_check_targets(),
        [Target {
            id: ID_A.into(),
            ip: ip(9)
        }]
    );
}

#[test]
fn arp_moves_a_camera_without_calling_it_seen() {
    let mut r = with_a();
    r.tick(at(180));
    let mac_seen = |last| Finding::MacSeen {
        mac: MAC_A,
        ip: ip(last),
    };
    assert_eq!(r.apply(mac_seen(5), at(190)), [], "same address");
    assert_eq!(
        r.apply(mac_seen(7), at(200)),
        [upd(ID_A), st(ID_A, Status::IpChanged)]
    );
    let c = r.get(ID_A).unwrap();
    assert!(!c.online);
    assert_eq!(c.main.as_ref().unwrap().url, "rtsp://10.0.0.7:554/live");
    assert_eq!(r.apply(mac_seen(7), at(210)), [], "no repeat");
    assert_eq!(
        r.apply(quick(ID_A, ip(7), true), at(220)),
        [upd(ID_A), st(ID_A, Status::Online)]
    );
    let unknown = Finding::MacSeen {
        mac: [2, 0, 0, 0, 0, 1],
        ip: ip(8),
    };
    assert_eq!(r.apply(unknown, at(230)), []);
    assert_eq!(r.len(), 1);
}

#[test]
fn re_validation_is_handed_out_once_per_interval_to_online_cameras() {
    let mut r = with_a();
    assert_eq!(r.validations_due(at(59)), [], "validated by discovery at 0");
    let due = Validation {
        id: ID_A.into(),
        ip: ip(5),
        url: "rtsp://10.0.0.5:554/live".into(),
        credential_index: Some(0),
    };
    assert_eq!(r.validations_due(at(60)), std::slice::from_ref(&due));
    assert_eq!(r.validations_due(at(90)), [], "handed out at 60");
    r.apply(failed(ID_A, ip(5)), at(95));
    assert_eq!(r.validations_due(at(119)), []);
    assert_eq!(
        r.validations_due(at(120)),
        std::slice::from_ref(&due),
        "retried"
    );
    r.tick(at(180));
    assert_eq!(r.validations_due(at(300)), [], "offline");
    r.apply(quick(ID_A, ip(5), true), at(310));
    assert_eq!(r.validations_due(at(310)), [due], "at once when back");
}

#[test]
fn an_unanswered_validation_is_not_handed_out_again_until_taken_as_lost() {
    let mut r = with_a();
    assert_eq!(r.validations_due(at(60)).len(), 1);
    assert_eq!(r.validations_due(at(120)), [], "still running");
    assert_eq!(r.validations_due(at(179)), []);
    assert_eq!(r.validations_due(at(180)).len(), 1, "lost after 120 s");
    r.apply(played(ID_A, ip(5)), at(200));
    assert_eq!(r.validations_due(at(259)), []);
    assert_eq!(
        r.validations_due(at(260)).len(),
        1,
        "answered: the interval again"
    );
}

#[test]
fn a_camera_without_a_stream_url_is_not_validated() {
    let mut r = Registry::new(settings());
    r.apply(disc(found_bare(Some(MAC_A), ip(5))), at(0));
    assert!(!r.get(ID_A).unwrap().stream_active);
    assert_eq!(r.validations_due(at(60)), []);
}

#[test]
fn an_offline_camera_with_a_mac_is_looked_for() {
    let mut r = with_a();
    r.apply(disc(found(None, ip(6))), at(0));
    let changes = r.tick(at(180));
    assert_eq!(
        changes,
        [
            upd(ID_A),
            upd("unknown-10-0-0-6"),
            st(ID_A, Status::Offline),
            st("unknown-10-0-0-6", Status::Offline)
        ]
    );
    assert_eq!(
        r.rediscoveries(&changes),
        [Rediscovery {
            id: ID_A.into(),
            mac: MAC_A,
            last_ip: ip(5)
        }]
    );
    assert_eq!(r.rediscoveries(&[upd(ID_A)]), []);
}

#[test]
fn with_remove_after_an_offline_camera_is_forgotten() {
    let mut r = Registry::new(Settings {
        remove_after: Some(Duration::from_secs(3600)),
        ..settings()
    });
    r.apply(disc(found(Some(MAC_A), ip(5))), at(0));
    assert_eq!(r.tick(at(180)), [upd(ID_A), st(ID_A, Status::Offline)]);
    assert_eq!(r.tick(at(3599)), []);
    assert_eq!(r.tick(at(3600)), [Change::Removed(ID_A.into())]);
    assert!(r.is_empty() && r.known_ips().is_empty());
    assert_eq!(
        r.apply(disc(found(Some(MAC_A), ip(5))), at(4000)),
        [Change::New(ID_A.into())],
        "found again: new"
    );
}

#[test]
fn shutdown_takes_every_online_camera_offline() {
    let mut r = with_a();
    r.apply(disc(found(None, ip(6))), at(100));
    r.tick(at(180)); // A offline, the other still online
    assert_eq!(
        r.shutdown(),
        [
            upd("unknown-10-0-0-6"),
            st("unknown-10-0-0-6", Status::Offline)
        ]
    );
    assert_eq!(r.shutdown(), []);
}

#[test]
fn statuses_have_the_contract_names() {
    let names: Vec<&str> = [
        Status::Online,
        Status::Offline,
        Status::IpChanged,
        Status::StreamError,
    ]
    .into_iter()
    .map(Status::as_str)
    .collect();
    assert_eq!(names, ["online", "offline", "ip_changed", "stream_error"]);
}

#[test]
fn settings_come_from_the_config() {
    let cfg = crate::config::Config::from_lookup(
        |k| (k == "OFFLINE_THRESHOLD").then(|| "240".to_owned()),
        "h",
    )
    .unwrap();
    assert_eq!(
        Settings::from_config(&cfg),
        Settings {
            offline_threshold: Duration::from_secs(240),
            health_check_interval: Duration::from_secs(60),
            remove_after: None,
        }
    );
}

/// A camera that moves while a pass runs: the pass saw it at its old address (t=100), ARP
/// saw it at the new one (t=103) before the pass reported (t=105, dated t=100). One
/// `ip_changed`, to the final address; the old address is never republished after it. A
/// later pass that sees it at the new address changes nothing.
#[test]
fn a_camera_moving_during_a_pass_changes_address_once_to_its_final_one() {
    let mut r = with_a();
    // The pass's early sighting at the old address (nothing new).
    assert_eq!(r.apply(disc(found(Some(MAC_A), ip(5))), at(100)), []);
    let arp = Finding::MacSeen {
        mac: MAC_A,
        ip: ip(9),
    };
    assert_eq!(
        r.apply(arp, at(103)),
        [upd(ID_A), st(ID_A, Status::IpChanged)]
    );
    // The pass's report, dated when the pass saw the camera: stale, ignored.
    assert_eq!(r.apply(disc(found(Some(MAC_A), ip(5))), at(100)), []);
    let c = r.get(ID_A).unwrap();
    assert_eq!(c.ip, ip(9));
    assert_eq!(c.ip_history, [ip(5), ip(9)]);
    assert_eq!(r.known_ips(), [ip(9)]);
    // The next pass sees it at its new address: nothing to publish but a refresh.
    assert_eq!(r.apply(disc(found(Some(MAC_A), ip(9))), at(160)), []);
    assert_eq!(r.get(ID_A).unwrap().last_seen, wall(160));
    // It really moves back later: that is a new move, published.
    assert_eq!(
        r.apply(disc(found(Some(MAC_A), ip(5))), at(400)),
        [upd(ID_A), st(ID_A, Status::IpChanged)]
    );
}
