//! A broker without persistence killed and restarted 5 times while state and events flow:
//! afterwards it must hold exactly the latest value of every retained topic. The producer
//! stops before the last kill, so after the last restart only our replay can restore it.
use crate::support::broker::Broker;
use crate::support::common::{eventually, metrics, settings};
use camera_detector::publish::{self, Message};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

const TOPICS: usize = 50;

#[test]
fn retained_state_converges_after_five_broker_kills() {
    let mut broker = Broker::start();
    let s = settings(broker.port, "restart");
    let cap = s.backoff_max;
    let mqtt = publish::start(s).unwrap();
    assert!(eventually(Duration::from_secs(10), || metrics(&mqtt).connected));

    let stop = Arc::new(AtomicBool::new(false));
    let mut producer = Some({
        let (p, stop) = (mqtt.publisher(), stop.clone());
        std::thread::spawn(move || {
            let mut last: Vec<Option<String>> = vec![None; TOPICS];
            for round in 0..5_000u32 {
                if stop.load(SeqCst) {
                    break;
                }
                for (i, slot) in last.iter_mut().enumerate() {
                    let v = format!("r{round}-t{i}");
                    if p.publish(Message::retained(format!("state/{i}"), v.clone()))
                        .is_ok()
                    {
                        *slot = Some(v);
                    }
                }
                let _ = p.publish(Message::event("events/tick", round.to_string()));
                std::thread::sleep(Duration::from_millis(20));
            }
            last
        })
    });

    let mut reconnect_after = Vec::new();
    let mut last = None;
    for k in 0..5 {
        std::thread::sleep(Duration::from_millis(800));
        if k == 4 {
            stop.store(true, SeqCst);
            last = producer.take().map(|p| p.join().unwrap());
            assert!(eventually(Duration::from_secs(10), || metrics(&mqtt)
                .queue_depth
                == 0));
        }
        let before = metrics(&mqtt).reconnects;
        let published_before = metrics(&mqtt).published;
        broker.kill();
        assert!(eventually(Duration::from_secs(5), || !metrics(&mqtt).connected));
        std::thread::sleep(Duration::from_millis(1500));
        broker.restart();
        let back = Instant::now();
        assert!(
            eventually(Duration::from_secs(15), || metrics(&mqtt).reconnects
                > before),
            "no reconnect: {:?}",
            metrics(&mqtt)
        );
        reconnect_after.push(back.elapsed());
        if k == 4 {
            // The replay is acknowledged (connected and an empty queue alone can be seen
            // before the publisher thread has queued it).
            assert!(eventually(Duration::from_secs(10), || metrics(&mqtt)
                .published
                > published_before + TOPICS as u64));
        }
    }
    let last = last.expect("producer joined before the last kill");
    assert!(eventually(Duration::from_secs(10), || {
        let m = metrics(&mqtt);
        m.connected && m.queue_depth == 0
    }));

    let mut got = broker.retained("state/#", 2);
    got.sort();
    let mut want: Vec<(String, String)> = last
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            (
                format!("state/{i}"),
                v.expect("every topic accepted at least once"),
            )
        })
        .collect();
    want.sort();
    assert_eq!(got, want);

    for d in &reconnect_after {
        assert!(
            *d <= cap + Duration::from_secs(1),
            "reconnect took {d:?} (cap {cap:?})"
        );
    }
    let m = metrics(&mqtt);
    assert_eq!(m.reconnects, 5, "{m:?}");
    assert!(
        m.resent >= TOPICS as u64,
        "retained state replayed after the last restart: {m:?}"
    );
    eprintln!("reconnect delays after broker restart: {reconnect_after:?}; metrics {m:?}");
    mqtt.shutdown(Duration::from_secs(2));
}

/// A broker that hangs up right after its CONNACK (it died at that very moment), three
/// times, then a real broker on the same port. The loss arrives before the connect is
/// confirmed on our side; it must still count as the session's loss (once it was taken
/// for a stale one, and the publisher believed in the dead session for good).
#[test]
fn a_session_lost_right_after_its_connack_is_reconnected() {
    use std::io::{Read, Write};
    let port = crate::support::broker::free_port();
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let fake = std::thread::spawn(move || {
        let mut served = 0;
        let end = Instant::now() + Duration::from_secs(15);
        while served < 3 && Instant::now() < end {
            match listener.accept() {
                Ok((mut s, _)) => {
                    let _ = s.set_nonblocking(false);
                    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                    let mut buf = [0u8; 512];
                    let _ = s.read(&mut buf); // the CONNECT
                    let _ = s.write_all(&[0x20, 0x02, 0x00, 0x00]); // CONNACK, accepted
                    served += 1;
                } // dropped: the connection closes at once
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
        served
    });
    let mqtt = publish::start(settings(port, "connack-loss")).unwrap();
    let served = fake.join().expect("fake broker");
    assert_eq!(served, 3, "the publisher came back after each hang-up");
    let broker = Broker::start_with("allow_anonymous true\n", Some(port));
    let sub = broker.subscribe("cl/#");
    sub.assert_live(&mqtt.publisher(), "cl/probe");
    let m = metrics(&mqtt);
    assert!(m.connection_losses >= 3, "{m:?}");
    mqtt.shutdown(Duration::from_secs(2));
}
