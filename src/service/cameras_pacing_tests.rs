//! The health checks of many cameras: spread over their period, bounded in how many run.
use super::*;
use crate::service::cameras::{QUICK_CHECKS_AT_ONCE, VALIDATIONS_AT_ONCE};

/// A rig whose first pass found `n` cameras at 0 s (distinct MACs and addresses).
fn with_cameras(n: u16) -> Rig {
    let mut rig = Rig::new(&[]);
    rig.cams.poll();
    for i in 0..n {
        let [hi, lo] = (i / 250 * 256 + i % 250 + 1).to_be_bytes();
        let at = Ipv4Addr::new(10, 0, hi, lo);
        let mac = [0x44, 0x19, 0xb6, 1, hi, lo];
        let c = Found {
            camera: crate::registry::tests::found(Some(mac), at),
            ..Found::new(at)
        };
        rig.cams.on_event(Event::Early(Box::new(c)));
    }
    rig.cams.on_event(Event::Pass(Box::default()));
    rig.sent();
    assert_eq!(rig.cams.progress().cameras, usize::from(n));
    rig
}

#[test]
fn the_quick_checks_of_250_cameras_are_spread_over_the_period() {
    let mut rig = with_cameras(250);
    // Each second: what went out, answered at once (reachable).
    let mut per_second = Vec::new();
    for t in 1..=120u64 {
        rig.at(t);
        rig.cams.poll();
        let checks: Vec<(Target, u16)> = rig.asked.borrow_mut().quick.drain(..).collect();
        per_second.push((t, checks.len()));
        for (target, _) in checks {
            rig.cams.on_event(Event::Finding(Finding::QuickCheck {
                id: target.id,
                ip: target.ip,
                reachable: true,
            }));
        }
    }
    // The round at 60 s: every camera once in (60, 120], none in a burst.
    let round: usize = per_second
        .iter()
        .filter(|(t, _)| *t >= 60)
        .map(|(_, n)| n)
        .sum();
    assert_eq!(round, 250, "{per_second:?}");
    let busiest = per_second.iter().map(|(_, n)| *n).max().unwrap_or(0);
    assert!(busiest <= QUICK_CHECKS_AT_ONCE, "{busiest} in one second");
    let mut slices = [0usize; 10];
    for (t, n) in per_second.iter().filter(|(t, _)| *t >= 60) {
        slices[((t - 60) / 6).min(9) as usize] += n;
    }
    assert!(slices.iter().all(|s| (5..=50).contains(s)), "{slices:?}");
    assert_eq!(rig.cams.progress().online, 250);
}

#[test]
fn unanswered_quick_checks_never_hold_more_than_the_bound() {
    let mut rig = with_cameras(250);
    // Unreachable and slow: no answers come; a check counts as lost after
    // SCAN_CONNECT_TIMEOUT + 5 s, and only then does another go out.
    let mut most = 0;
    for t in 1..=120u64 {
        rig.at(t);
        rig.cams.poll();
        most = most.max(rig.asked.borrow().quick.len());
    }
    let sent = rig.asked.borrow().quick.len();
    assert_eq!(most, sent);
    // 16 at a time, a slot free every 6.5 s: 16 × ⌈60 / 6.5⌉ or so, far below 250.
    assert!(
        sent > QUICK_CHECKS_AT_ONCE,
        "lost checks free their slots: {sent}"
    );
    assert!(sent <= QUICK_CHECKS_AT_ONCE * 10, "{sent}");
}

#[test]
fn the_revalidations_of_250_cameras_are_spread_and_bounded() {
    let mut rig = with_cameras(250);
    let mut most_running = 0;
    let mut handed = 0;
    // The validations come due at 60 s (HEALTH_CHECK_INTERVAL after they played) and are
    // spread over half an interval; each is answered 2 s after it went out.
    let mut running: Vec<(u64, Validation)> = Vec::new();
    for t in 1..=100u64 {
        rig.at(t);
        let (done, still): (Vec<_>, Vec<_>) = running.into_iter().partition(|(at, _)| *at <= t);
        running = still;
        for (_, v) in done {
            rig.cams.on_event(Event::Finding(Finding::Validated {
                id: v.id,
                ip: v.ip,
                stream: found(ip(5)).camera.main,
            }));
        }
        rig.cams.poll();
        let out: Vec<_> = rig.asked.borrow_mut().validations.drain(..).collect();
        handed += out.len();
        running.extend(out.into_iter().map(|(v, _)| (t + 2, v)));
        most_running = most_running.max(running.len());
        rig.run_to(t, t, Some(true));
    }
    assert!(most_running <= VALIDATIONS_AT_ONCE, "{most_running}");
    // 4 at a time, 2 s each, from 60 s: about 80 in the 40 s left; the rest follow.
    assert!((60..250).contains(&handed), "{handed}");
}
