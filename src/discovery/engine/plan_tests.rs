//! The schedule's rules, in virtual time.
use super::*;

const CAM: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 101);
const CAM2: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 104);
const MS: Duration = Duration::from_millis(1);

fn plan() -> (Plan, Instant) {
    let t0 = Instant::now();
    (Plan::new(t0, 1500 * MS, &[554, 8554]), t0)
}

fn rtsp_jobs(jobs: &[Job]) -> Vec<(Ipv4Addr, u16, bool)> {
    jobs.iter()
        .filter_map(|j| match j {
            Job::Rtsp {
                ip,
                port,
                dictionary,
                ..
            } => Some((*ip, *port, *dictionary)),
            _ => None,
        })
        .collect()
}

/// Sources done and every job answered: the plan is over.
fn finish_sources(p: &mut Plan, t: Instant) -> Vec<Job> {
    let mut jobs = p.on_event(Event::WsdDone, t);
    jobs.extend(p.on_event(Event::MdnsDone, t));
    jobs
}

#[test]
fn onvif_host_verifies_its_uris_and_never_runs_the_dictionary() {
    let (mut p, t0) = plan();
    assert!(p.on_event(Event::Open(CAM, 554), t0).is_empty());
    assert!(p.on_event(Event::Open(CAM, 8554), t0).is_empty());
    let jobs = p.on_event(Event::Wsd(CAM, vec!["http://10.77.0.101/onvif".into()]), t0);
    assert!(matches!(&jobs[..], [Job::Onvif { ip, .. }] if *ip == CAM));
    // The scan ends while ONVIF runs: no unicast probe for a host WS-Discovery knows.
    assert!(p.on_event(Event::ScanDone, t0 + 500 * MS).is_empty());
    // Long after the grace, still nothing until ONVIF answers.
    assert!(p.on_tick(t0 + 3000 * MS).is_empty());
    let streams = OnvifStreams {
        urls: vec![
            "rtsp://10.77.0.101:8554/live_main".into(),
            "rtsp://10.77.0.101:8554/live_sub".into(),
        ],
        credential: Some(2),
    };
    let jobs = p.on_event(Event::Onvif(CAM, Some(streams.clone())), t0 + 3100 * MS);
    assert_eq!(
        jobs,
        [Job::Rtsp {
            ip: CAM,
            port: 8554,
            known: streams.urls,
            credential: Some(2),
            dictionary: false
        }]
    );
    let rtsp_done = Event::Rtsp {
        ip: CAM,
        port: 8554,
        dictionary: false,
        main: true,
    };
    assert!(p.on_event(rtsp_done, t0 + 3200 * MS).is_empty());
    assert!(!p.is_done(), "sources still open");
    assert!(finish_sources(&mut p, t0 + 5000 * MS).is_empty());
    assert!(p.is_done());
}

#[test]
fn failed_onvif_uris_fall_back_to_the_dictionary_on_open_ports_in_port_order() {
    let (mut p, t0) = plan();
    p.on_event(Event::Open(CAM, 8554), t0);
    p.on_event(Event::Open(CAM, 554), t0);
    p.on_event(Event::Wsd(CAM, vec!["http://x/onvif".into()]), t0);
    p.on_event(Event::ScanDone, t0);
    let known = OnvifStreams {
        urls: vec!["rtsp://10.77.0.101/bad".into()],
        credential: None,
    };
    let jobs = p.on_event(Event::Onvif(CAM, Some(known)), t0 + 2000 * MS);
    assert_eq!(rtsp_jobs(&jobs), [(CAM, 554, false)]);
    let failed = |port, dictionary| Event::Rtsp {
        ip: CAM,
        port,
        dictionary,
        main: false,
    };
    let jobs = p.on_event(failed(554, false), t0 + 2100 * MS);
    assert_eq!(
        rtsp_jobs(&jobs),
        [(CAM, 554, true)],
        "554 comes first in RTSP_PORTS"
    );
    let jobs = p.on_event(failed(554, true), t0 + 2200 * MS);
    assert_eq!(rtsp_jobs(&jobs), [(CAM, 8554, true)]);
    let jobs = p.on_event(failed(8554, true), t0 + 2300 * MS);
    assert!(jobs.is_empty());
    finish_sources(&mut p, t0 + 5000 * MS);
    assert!(p.is_done());
}

#[test]
fn scan_only_host_waits_for_unicast_wsd_and_the_mdns_grace() {
    let (mut p, t0) = plan();
    p.on_event(Event::Open(CAM2, 554), t0 + 100 * MS);
    let jobs = p.on_event(Event::ScanDone, t0 + 400 * MS);
    assert_eq!(jobs, [Job::UnicastWsd(vec![CAM2])]);
    // The unicast probe ends before the grace: still waiting for mDNS.
    assert!(p
        .on_event(Event::UnicastWsdDone(vec![CAM2]), t0 + 1400 * MS)
        .is_empty());
    assert_eq!(p.next_wake(t0 + 1400 * MS), Some(t0 + 1500 * MS));
    assert!(p.on_tick(t0 + 1499 * MS).is_empty());
    let jobs = p.on_tick(t0 + 1500 * MS);
    assert_eq!(rtsp_jobs(&jobs), [(CAM2, 554, true)]);
    // One job per host at a time.
    assert!(p.on_tick(t0 + 1600 * MS).is_empty());
    assert!(!p.is_done());
    let done = Event::Rtsp {
        ip: CAM2,
        port: 554,
        dictionary: true,
        main: true,
    };
    assert!(p.on_event(done, t0 + 1700 * MS).is_empty());
    finish_sources(&mut p, t0 + 5000 * MS);
    assert!(p.is_done());
}

#[test]
fn unicast_wsd_answer_turns_a_scan_host_into_an_onvif_host() {
    let (mut p, t0) = plan();
    p.on_event(Event::Open(CAM, 554), t0);
    assert_eq!(
        p.on_event(Event::ScanDone, t0 + 300 * MS),
        [Job::UnicastWsd(vec![CAM])]
    );
    let jobs = p.on_event(
        Event::Wsd(CAM, vec!["http://10.77.0.101/onvif".into()]),
        t0 + 310 * MS,
    );
    assert!(matches!(&jobs[..], [Job::Onvif { .. }]));
    // The grace passes and the unicast probe ends: ONVIF still runs, no dictionary.
    assert!(p
        .on_event(Event::UnicastWsdDone(vec![CAM]), t0 + 2000 * MS)
        .is_empty());
    assert!(p.on_tick(t0 + 2500 * MS).is_empty());
    // ONVIF fails: now the dictionary.
    let jobs = p.on_event(Event::Onvif(CAM, None), t0 + 2600 * MS);
    assert_eq!(rtsp_jobs(&jobs), [(CAM, 554, true)]);
}

#[test]
fn mdns_urls_are_tried_before_the_dictionary_even_if_late() {
    let (mut p, t0) = plan();
    p.on_event(Event::Open(CAM2, 8554), t0);
    p.on_event(Event::ScanDone, t0 + 200 * MS);
    p.on_event(Event::UnicastWsdDone(vec![CAM2]), t0 + 1200 * MS);
    let url = "rtsp://10.77.0.104:8554/stream1".to_string();
    // Before the grace ends the record arrives: no job until the grace.
    assert!(p
        .on_event(Event::Mdns(CAM2, 8554, url.clone()), t0 + 1300 * MS)
        .is_empty());
    let jobs = p.on_tick(t0 + 1500 * MS);
    assert_eq!(
        jobs,
        [Job::Rtsp {
            ip: CAM2,
            port: 8554,
            known: vec![url],
            credential: None,
            dictionary: false
        }]
    );
    // The known URL does not play: the dictionary on the open port follows.
    let jobs = p.on_event(
        Event::Rtsp {
            ip: CAM2,
            port: 8554,
            dictionary: false,
            main: false,
        },
        t0 + 1600 * MS,
    );
    assert_eq!(rtsp_jobs(&jobs), [(CAM2, 8554, true)]);
}

#[test]
fn mdns_done_ends_the_grace_early_and_nothing_pending_means_done() {
    let (mut p, t0) = plan();
    p.on_event(Event::Open(CAM2, 554), t0);
    p.on_event(Event::ScanDone, t0);
    p.on_event(Event::UnicastWsdDone(vec![CAM2]), t0 + 100 * MS);
    let jobs = p.on_event(Event::MdnsDone, t0 + 200 * MS);
    assert_eq!(rtsp_jobs(&jobs), [(CAM2, 554, true)]);
    p.on_event(Event::WsdDone, t0 + 300 * MS);
    assert!(!p.is_done(), "the RTSP job is in flight");
    p.on_event(
        Event::Rtsp {
            ip: CAM2,
            port: 554,
            dictionary: true,
            main: false,
        },
        t0 + 400 * MS,
    );
    assert!(p.is_done());
    assert_eq!(p.next_wake(t0 + 400 * MS), None);
}

#[test]
fn url_ports() {
    assert_eq!(url_port("rtsp://10.0.0.1:8554/a"), Some(8554));
    assert_eq!(url_port("rtsp://u:p@10.0.0.1/a"), Some(554));
    assert_eq!(url_port("rtsp://10.0.0.1"), Some(554));
    assert_eq!(url_port("rtsp://10.0.0.1:x/a"), None);
    assert_eq!(url_port("http://10.0.0.1/a"), None);
}
