//! The camera side against a fake OS: virtual time, interfaces given, and every piece of
//! work it hands out (passes, quick checks, validations, ARP) recorded and answered by the
//! test with the event the real work would send. What comes out is read from a detached
//! publisher's queue: the MQTT messages, in order.
use super::*;
use crate::discovery::engine::Report;
use crate::discovery::testutil::{config, eth0};
use crate::publish::Message;
use crate::registry::{Target, Validation};
use crate::secret::Credential;
use crossbeam_channel::Receiver;
use serde_json::Value;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::UNIX_EPOCH;

const MAC: [u8; 6] = [0x44, 0x19, 0xb6, 0, 0, 0x0a];
const ID: &str = "4419b600000a";

fn ip(last: u8) -> Ipv4Addr {
    Ipv4Addr::new(10, 0, 0, last)
}

/// What the fake was asked, in order, and its clock.
#[derive(Default)]
struct Asked {
    now: Option<Now>,
    passes: Vec<engine::Settings>,
    quick: Vec<(Target, u16)>,
    validations: Vec<(Validation, Option<Credential>)>,
    arps: Vec<ArpJob>,
    hello_ifaces: Vec<Vec<Iface>>,
    trims: usize,
    /// Messages already queued when `stop` was called.
    stopped_after: Option<usize>,
}

struct Fake {
    asked: Rc<RefCell<Asked>>,
    ifaces: Vec<Iface>,
    /// The publisher's queue, to see what was published before `stop`.
    queue: Receiver<Message>,
}

impl Os for Fake {
    fn now(&self) -> Now {
        self.asked.borrow().now.expect("the test sets the clock")
    }
    fn interfaces(&self) -> Vec<Iface> {
        self.ifaces.clone()
    }
    fn start_pass(&self, settings: engine::Settings) {
        self.asked.borrow_mut().passes.push(settings);
    }
    fn seed(&self) -> u64 {
        0x5eed
    }
    fn quick_check(&self, target: Target, port: u16, _timeout: Duration) {
        self.asked.borrow_mut().quick.push((target, port));
    }
    fn validate(&self, v: Validation, credential: Option<Credential>, _t: Timeouts) {
        self.asked.borrow_mut().validations.push((v, credential));
    }
    fn arp(&self, job: ArpJob) {
        self.asked.borrow_mut().arps.push(job);
    }
    fn listen_for_hellos(&self, ifaces: Vec<Iface>) {
        self.asked.borrow_mut().hello_ifaces.push(ifaces);
    }
    fn trim_heap(&self) -> Option<u64> {
        self.asked.borrow_mut().trims += 1;
        None
    }
    fn stop(self) {
        self.asked.borrow_mut().stopped_after = Some(self.queue.len());
    }
}

struct Rig {
    cams: Cameras<Fake>,
    asked: Rc<RefCell<Asked>>,
    queue: Receiver<Message>,
    base: Instant,
}

impl Rig {
    /// The service's camera side with the defaults, no state file and no Frigate file,
    /// plus `vars`; the clock at 0 s.
    fn new(vars: &[(&str, &str)]) -> Rig {
        // Later entries win: `vars` override these.
        let mut all = vec![("STATE_PATH", ""), ("FRIGATE_UPDATE_ENABLED", "false")];
        all.extend_from_slice(vars);
        let cfg = config(&all);
        let (publisher, queue) = Publisher::detached(1000);
        let base = Instant::now();
        let asked = Rc::new(RefCell::new(Asked {
            now: Some(Now {
                mono: base,
                wall: UNIX_EPOCH + Duration::from_secs(1_800_000_000),
            }),
            ..Asked::default()
        }));
        let fake = Fake {
            asked: asked.clone(),
            ifaces: vec![eth0()],
            queue: queue.clone(),
        };
        Rig {
            cams: Cameras::new(Arc::new(cfg), fake, publisher, Arc::default()),
            asked,
            queue,
            base,
        }
    }

    /// Sets the clock to `secs` after the start.
    fn at(&mut self, secs: u64) {
        let d = Duration::from_secs(secs);
        self.asked.borrow_mut().now = Some(Now {
            mono: self.base + d,
            wall: UNIX_EPOCH + Duration::from_secs(1_800_000_000) + d,
        });
    }

    /// Polls every second from the current time up to `secs`, answering each quick check
    /// with `reachable` (`None`: left unanswered).
    fn run_to(&mut self, from: u64, secs: u64, reachable: Option<bool>) {
        for t in from..=secs {
            self.at(t);
            self.cams.poll();
            let checks: Vec<(Target, u16)> = self.asked.borrow_mut().quick.drain(..).collect();
            for (target, _) in checks {
                if let Some(reachable) = reachable {
                    self.cams.on_event(Event::Finding(Finding::QuickCheck {
                        id: target.id,
                        ip: target.ip,
                        reachable,
                    }));
                }
            }
        }
    }

    /// Polls every second from `from` to `to`, leaving what is asked for the test to read.
    fn poll_each_second(&mut self, from: u64, to: u64) {
        for t in from..=to {
            self.at(t);
            self.cams.poll();
        }
    }

    /// The messages queued since the last call: (topic, JSON payload or null).
    fn sent(&self) -> Vec<(String, Value)> {
        self.queue
            .try_iter()
            .map(|m| {
                let v = serde_json::from_slice(&m.payload).unwrap_or(Value::Null);
                (m.topic, v)
            })
            .collect()
    }

    /// The status events among `sent`, as (camera id, status).
    fn statuses(sent: &[(String, Value)]) -> Vec<(String, String)> {
        sent.iter()
            .filter(|(t, _)| t.starts_with("camera/status/"))
            .map(|(_, v)| {
                (
                    v["camera_id"].as_str().unwrap_or_default().to_owned(),
                    v["status"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }
}

/// The camera a pass reports at `at`: MAC [`MAC`], a main stream opened by credential 0
/// (the registry tests' camera).
fn found(at: Ipv4Addr) -> Found {
    Found {
        camera: crate::registry::tests::found(Some(MAC), at),
        ..Found::new(at)
    }
}

/// A rig whose first pass (started at 0 s) reported the camera early, at 0 s.
fn with_camera() -> Rig {
    let mut rig = Rig::new(&[]);
    rig.cams.poll();
    rig.cams.on_event(Event::Early(Box::new(found(ip(5)))));
    rig.sent();
    rig
}

#[test]
fn a_new_camera_is_published_at_once_and_quick_checked_after_the_pass() {
    let mut rig = Rig::new(&[]);
    rig.cams.poll();
    {
        let asked = rig.asked.borrow();
        assert_eq!(asked.passes.len(), 1, "the first full scan starts at once");
        assert_eq!(asked.passes[0].hosts.len(), 253, "eth0's /24 without us");
    }
    rig.cams.on_event(Event::Early(Box::new(found(ip(5)))));
    let sent = rig.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].0, format!("camera/discovery/{ID}"));
    assert_eq!(sent[0].1["camera"]["ip"], "10.0.0.5");
    assert_eq!(rig.cams.snapshot.lock().len(), 1);
    assert!(rig.cams.progress().running_since.is_some());

    // The pass ends with the same camera: nothing new to say.
    rig.at(4);
    let report = Report {
        cameras: vec![found(ip(5))],
        ..Report::default()
    };
    rig.cams.on_event(Event::Pass(Box::new(report)));
    assert_eq!(rig.sent(), []);
    let p = rig.cams.progress();
    assert_eq!((p.passes, p.cameras, p.online), (1, 1, 1));
    assert!(p.running_since.is_none());
    assert_eq!(
        rig.asked.borrow().trims,
        1,
        "the heap is trimmed after a pass"
    );

    rig.run_to(5, 60, None);
    let asked = rig.asked.borrow();
    assert_eq!(
        asked.passes.len(),
        1,
        "the next scan is DISCOVERY_INTERVAL away"
    );
    assert!(asked.quick.is_empty(), "answered by run_to");
}

#[test]
fn a_quick_check_goes_to_the_port_of_the_primary_stream() {
    let mut rig = with_camera();
    // The round at 60 s; the camera's check at its phase inside the next 60 s.
    rig.poll_each_second(60, 120);
    let asked = rig.asked.borrow();
    assert_eq!(
        asked.quick,
        [(
            Target {
                id: ID.into(),
                ip: ip(5)
            },
            554
        )]
    );
}

#[test]
fn a_camera_seen_by_arp_at_another_address_moves_there() {
    let mut rig = with_camera();
    rig.at(10);
    rig.cams.on_event(Event::Finding(Finding::MacSeen {
        mac: MAC,
        ip: ip(6),
    }));
    let sent = rig.sent();
    assert_eq!(
        Rig::statuses(&sent),
        [(ID.to_owned(), "ip_changed".to_owned())]
    );
    let record = sent
        .iter()
        .find(|(t, _)| t.starts_with("camera/discovery/"))
        .expect("the record again");
    assert_eq!(record.1["camera"]["ip"], "10.0.0.6");
    assert_eq!(
        record.1["camera"]["ip_history"],
        serde_json::json!(["10.0.0.5", "10.0.0.6"])
    );
    assert_eq!(
        record.1["camera"]["primary_rtsp_url"],
        "rtsp://10.0.0.6:554/live"
    );
    rig.poll_each_second(60, 120);
    assert_eq!(
        rig.asked.borrow().quick[0].0.ip,
        ip(6),
        "checked where it is now"
    );
}

#[test]
fn a_camera_that_stops_answering_goes_offline_is_looked_for_by_mac_and_comes_back() {
    let mut rig = with_camera();
    rig.run_to(1, 179, Some(false));
    assert_eq!(
        Rig::statuses(&rig.sent()),
        [],
        "not before OFFLINE_THRESHOLD"
    );
    assert!(rig.asked.borrow().arps.iter().all(|j| j.only.is_none()));
    rig.run_to(180, 180, Some(false));
    assert_eq!(
        Rig::statuses(&rig.sent()),
        [(ID.to_owned(), "offline".to_owned())]
    );
    {
        let asked = rig.asked.borrow();
        let job = asked
            .arps
            .iter()
            .find(|j| j.only == Some(MAC))
            .expect("a targeted rediscovery");
        assert_eq!(job.requests.len(), 1);
        assert_eq!(job.requests[0].0, eth0());
        assert_eq!(job.requests[0].1.len(), 253, "its last network, without us");
    }
    // The next reachable quick check brings it back.
    rig.run_to(181, 240, Some(true));
    assert_eq!(
        Rig::statuses(&rig.sent()),
        [(ID.to_owned(), "online".to_owned())]
    );
}

#[test]
fn a_failed_validation_is_one_stream_error_and_a_success_brings_it_online() {
    let mut rig = with_camera();
    // Due HEALTH_CHECK_INTERVAL after it played, handed out at the camera's phase within
    // half an interval.
    rig.run_to(1, 90, Some(true));
    let (v, cred) = {
        let mut asked = rig.asked.borrow_mut();
        assert_eq!(
            asked.validations.len(),
            1,
            "HEALTH_CHECK_INTERVAL after it played"
        );
        asked.validations.remove(0)
    };
    assert_eq!(
        (v.id.as_str(), v.ip, v.url.as_str()),
        (ID, ip(5), "rtsp://10.0.0.5:554/live")
    );
    assert_eq!(cred.map(|c| c.username), Some("admin".to_owned()));
    let fail = |v: &Validation| {
        Event::Finding(Finding::Validated {
            id: v.id.clone(),
            ip: v.ip,
            stream: None,
        })
    };
    rig.cams.on_event(fail(&v));
    assert_eq!(
        Rig::statuses(&rig.sent()),
        [(ID.to_owned(), "stream_error".to_owned())]
    );
    rig.run_to(91, 150, Some(true));
    let (v, _) = rig.asked.borrow_mut().validations.remove(0);
    rig.cams.on_event(fail(&v));
    assert_eq!(Rig::statuses(&rig.sent()), [], "once per failure streak");
    rig.run_to(151, 210, Some(true));
    let (v, _) = rig.asked.borrow_mut().validations.remove(0);
    rig.cams.on_event(Event::Finding(Finding::Validated {
        id: v.id,
        ip: v.ip,
        stream: found(ip(5)).camera.main,
    }));
    assert_eq!(
        Rig::statuses(&rig.sent()),
        [(ID.to_owned(), "online".to_owned())]
    );
}

#[test]
fn a_hello_during_a_pass_waits_for_it_and_one_after_it_rescans_at_most_once_a_minute() {
    let mut rig = Rig::new(&[]);
    rig.cams.listen_for_hellos();
    assert_eq!(rig.asked.borrow().hello_ifaces, [vec![eth0()]]);
    rig.cams.poll();
    let unknown = ip(9);
    rig.cams.on_event(Event::Hello(unknown));
    rig.cams.poll();
    assert_eq!(
        rig.asked.borrow().passes.len(),
        1,
        "the running pass will see it"
    );

    rig.at(5);
    rig.cams.on_event(Event::Pass(Box::default()));
    rig.cams.on_event(Event::Hello(unknown));
    rig.cams.poll();
    assert_eq!(
        rig.asked.borrow().passes.len(),
        2,
        "a Hello after the pass rescans"
    );
    rig.at(10);
    rig.cams.on_event(Event::Pass(Box::default()));
    rig.cams.on_event(Event::Hello(unknown));
    rig.cams.poll();
    assert_eq!(rig.asked.borrow().passes.len(), 2, "at most once a minute");
    rig.at(65);
    rig.cams.on_event(Event::Hello(unknown));
    rig.cams.poll();
    assert_eq!(rig.asked.borrow().passes.len(), 3);
}

#[test]
fn shutdown_saves_the_cameras_as_they_were_then_says_offline_then_stops_the_workers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state.json");
    let mut rig = Rig::new(&[("STATE_PATH", state.to_str().expect("utf-8"))]);
    rig.cams.poll();
    rig.cams.on_event(Event::Early(Box::new(found(ip(5)))));
    let before = rig.sent().len();
    assert_eq!(before, 1);
    let Rig {
        cams, asked, queue, ..
    } = rig;
    cams.shutdown();
    let saved = persist::load(&state).expect("readable").expect("written");
    assert_eq!(saved.len(), 1);
    assert!(
        saved[0].online,
        "the file keeps the camera online, as it was"
    );
    let sent: Vec<(String, Value)> = queue
        .try_iter()
        .map(|m| {
            (
                m.topic,
                serde_json::from_slice(&m.payload).unwrap_or(Value::Null),
            )
        })
        .collect();
    assert_eq!(
        Rig::statuses(&sent),
        [(ID.to_owned(), "offline".to_owned())]
    );
    assert_eq!(
        asked.borrow().stopped_after,
        Some(sent.len()),
        "the workers stop after every offline message is queued"
    );
}

#[test]
fn a_pass_that_cannot_be_planned_is_logged_and_counted_as_done() {
    let mut rig = Rig::new(&[("SCAN_INTERFACES", "wlan9")]);
    rig.cams.poll();
    assert!(rig.asked.borrow().passes.is_empty());
    let p = rig.cams.progress();
    assert_eq!(p.passes, 1, "the scheduler moves on");
    assert!(p.running_since.is_none());
}

#[path = "cameras_pacing_tests.rs"]
mod pacing;
