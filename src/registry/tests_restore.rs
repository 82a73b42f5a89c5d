//! The state file in the registry: the save policy in virtual time, credential matching,
//! [`Registry::restore`] and what the rules do after it (first validation, failures,
//! offline, a streak across the restart, shared addresses).
use super::persist::{decode, encode, reconcile_credentials, SaveClock, SAVE_PERIOD};
use super::tests::{
    at, disc, failed, found, ip, played, quick, settings, st, upd, wall, ID_A, MAC_A,
};
use super::tests_persist::{bare, full};
use super::*;
use crate::model::Camera;
use crate::secret::{Credential, Secret};
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

// ---- the save policy ----

#[test]
fn saves_come_at_most_once_a_minute_and_only_after_a_change() {
    let t0 = Instant::now();
    let s = |n: u64| t0 + Duration::from_secs(n);
    let mut clock = SaveClock::new();
    assert_eq!(SAVE_PERIOD, Duration::from_secs(60));
    assert!(!clock.due(s(0), false), "nothing changed, nothing to save");
    assert!(clock.due(s(0), true), "the first change is saved at once");
    clock.saved(s(0));
    assert!(!clock.due(s(1), true));
    assert!(!clock.due(s(59), true));
    assert!(clock.due(s(60), true));
    assert!(!clock.due(s(600), false), "an hour of quiet writes nothing");
    clock.saved(s(600));
    assert!(!clock.due(s(659), true));
    assert!(clock.due(s(660), true));
    // A clock that went backwards (it cannot, but virtual time can) only delays.
    assert!(!clock.due(s(10), true));
}

// ---- credentials ----

fn cred(user: &str, pass: &str) -> Credential {
    Credential {
        username: user.into(),
        password: Secret::new(pass),
    }
}

#[test]
fn a_credential_is_kept_only_while_its_index_still_names_its_user() {
    let with = |id: &str, user: Option<&str>, index: Option<usize>| {
        let mut r = bare();
        r.id = id.into();
        r.username = user.map(Into::into);
        r.credential_index = index;
        r
    };
    let mut records = vec![
        with("same", Some("admin"), Some(1)),
        with("other-user-there", Some("viewer"), Some(0)),
        with("gone", Some("admin"), Some(5)),
        with("none", None, None),
        with("half", Some("admin"), None),
    ];
    let creds = [cred("admin", ""), cred("admin", "new"), cred("viewer", "v")];
    let cleared = reconcile_credentials(&mut records, &creds);
    assert_eq!(cleared, ["other-user-there", "gone", "half"]);
    let kept: Vec<(Option<&str>, Option<usize>)> = records
        .iter()
        .map(|r| (r.username.as_deref(), r.credential_index))
        .collect();
    assert_eq!(
        kept,
        [
            (Some("admin"), Some(1)),
            (None, None),
            (None, None),
            (None, None),
            (None, None)
        ]
    );
}

// ---- restore ----

/// Camera A discovered at t=0 (online, streaming, credential 0), through the file.
fn saved_a() -> Vec<Camera> {
    let mut r = Registry::new(settings());
    assert_eq!(
        r.apply(disc(found(Some(MAC_A), ip(5))), at(0)),
        [Change::New(ID_A.into())]
    );
    let back = decode(&encode(r.cameras())).expect("decodes");
    assert_eq!(
        back.iter().collect::<Vec<_>>(),
        r.cameras().collect::<Vec<_>>()
    );
    back
}

/// A registry restarted at t=1000 from `records`.
fn restored(records: Vec<Camera>) -> Registry {
    let mut r = Registry::new(settings());
    let ids: Vec<Change> = records.iter().map(|c| Change::New(c.id.clone())).collect();
    assert_eq!(r.restore(records, at(1000)), ids);
    r
}

#[test]
fn a_restored_camera_is_published_as_it_was_and_validated_at_once_without_a_status() {
    let saved = saved_a();
    let mut r = restored(saved.clone());
    assert_eq!(
        r.get(ID_A),
        Some(&saved[0]),
        "online, streaming, last_seen as stored"
    );
    assert_eq!(
        r.validations_due(at(1000)),
        [Validation {
            id: ID_A.into(),
            ip: ip(5),
            url: "rtsp://10.0.0.5:554/live".into(),
            credential_index: Some(0),
        }]
    );
    assert_eq!(
        r.quick_check_targets(),
        [Target {
            id: ID_A.into(),
            ip: ip(5)
        }]
    );
    assert_eq!(r.apply(played(ID_A, ip(5)), at(1002)), []);
    assert_eq!(r.apply(quick(ID_A, ip(5), true), at(1030)), []);
    assert_eq!(
        r.get(ID_A).map(|c| c.last_validated),
        Some(Some(wall(1002)))
    );
    assert_eq!(r.validations_due(at(1061)).len(), 0);
    assert_eq!(r.validations_due(at(1062)).len(), 1);
    // The next scan finds it unchanged: nothing to publish.
    assert_eq!(r.apply(disc(found(Some(MAC_A), ip(5))), at(1100)), []);
}

#[test]
fn a_restored_camera_whose_stream_fails_reports_stream_error_once() {
    let mut r = restored(saved_a());
    assert_eq!(r.validations_due(at(1000)).len(), 1);
    assert_eq!(
        r.apply(failed(ID_A, ip(5)), at(1010)),
        [upd(ID_A), st(ID_A, Status::StreamError)]
    );
    assert_eq!(r.validations_due(at(1070)).len(), 1);
    assert_eq!(r.apply(failed(ID_A, ip(5)), at(1075)), []);
    assert_eq!(
        r.apply(played(ID_A, ip(5)), at(1140)),
        [upd(ID_A), st(ID_A, Status::Online)]
    );
}

#[test]
fn a_restored_camera_that_is_gone_goes_offline_once_a_threshold_after_the_restore() {
    let mut r = restored(saved_a());
    assert_eq!(r.apply(quick(ID_A, ip(5), false), at(1060)), []);
    assert_eq!(r.tick(at(1179)), []);
    assert_eq!(r.tick(at(1180)), [upd(ID_A), st(ID_A, Status::Offline)]);
    assert_eq!(r.tick(at(1300)), []);
}

#[test]
fn a_camera_saved_offline_comes_back_with_one_online() {
    let mut saved = saved_a();
    saved[0].online = false;
    saved[0].stream_active = true; // inconsistent on purpose: offline is not streaming
    let mut r = restored(saved);
    assert_eq!(r.get(ID_A).map(|c| c.stream_active), Some(false));
    assert_eq!(
        r.validations_due(at(1000)),
        [],
        "offline cameras are not validated"
    );
    assert_eq!(r.tick(at(1500)), [], "already offline: no second offline");
    assert_eq!(
        r.apply(quick(ID_A, ip(5), true), at(1510)),
        [upd(ID_A), st(ID_A, Status::Online)]
    );
    assert_eq!(r.validations_due(at(1520)).len(), 1);
    assert_eq!(
        r.apply(played(ID_A, ip(5)), at(1521)),
        [upd(ID_A)],
        "streaming again"
    );
    assert_eq!(r.apply(played(ID_A, ip(5)), at(1590)), []);
}

#[test]
fn a_stream_error_streak_goes_on_across_the_restart() {
    let mut saved = saved_a();
    saved[0].stream_active = false; // stream_error was published before the restart
    let mut r = restored(saved);
    assert_eq!(r.validations_due(at(1000)).len(), 1);
    assert_eq!(
        r.apply(failed(ID_A, ip(5)), at(1010)),
        [],
        "no second stream_error"
    );
    assert_eq!(r.validations_due(at(1070)).len(), 1);
    assert_eq!(
        r.apply(played(ID_A, ip(5)), at(1071)),
        [upd(ID_A), st(ID_A, Status::Online)]
    );
}

#[test]
fn restore_keeps_live_cameras_and_gives_a_shared_address_to_the_camera_seen_last() {
    let mut live = Registry::new(settings());
    live.apply(disc(found(Some(MAC_A), ip(5))), at(900));
    let mut old_a = full(); // the same id, stored with other details
    old_a.ip = ip(9);
    let mut b = bare();
    b.id = "bbbbbbbbbbbb".into();
    b.ip = ip(20);
    b.last_seen = wall(50);
    b.ip_history = [20].into_iter().chain(1..=12).map(ip).collect();
    let mut c = bare();
    c.id = "cccccccccccc".into();
    c.ip = ip(20);
    c.last_seen = wall(60);
    let changes = live.restore(vec![old_a, b, c], at(1000));
    assert_eq!(
        changes,
        [
            Change::New("bbbbbbbbbbbb".into()),
            Change::New("cccccccccccc".into())
        ]
    );
    assert_eq!(
        live.get(ID_A).map(|r| r.ip),
        Some(ip(5)),
        "the live record wins"
    );
    assert_eq!(
        live.quick_check_targets(),
        [
            Target {
                id: ID_A.into(),
                ip: ip(5)
            },
            Target {
                id: "cccccccccccc".into(),
                ip: ip(20)
            },
        ],
        "10.0.0.20 belongs to the camera seen there last"
    );
    let history = live.get("bbbbbbbbbbbb").map(|r| r.ip_history.clone());
    let want: Vec<Ipv4Addr> = (4..=12).map(ip).chain([ip(20)]).collect();
    assert_eq!(
        history,
        Some(want),
        "ends with the address (not twice), at most 10"
    );
}
