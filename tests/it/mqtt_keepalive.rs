//! The seed's bug: discovery blocked the thread that kept MQTT alive. Here every worker
//! thread of the test is blocked for 120 s and the session must survive on keepalives.
use crate::support::broker::Broker;
use crate::support::common::{eventually, metrics, settings};
use camera_detector::publish::{self, Message};
use std::time::Duration;

#[test]
fn keepalive_holds_while_every_worker_is_blocked_for_two_minutes() {
    let broker = Broker::start();
    let s = settings(broker.port, "keepalive");
    let id = s.client_id.clone();
    let mqtt = publish::start(s).unwrap();
    assert!(eventually(Duration::from_secs(10), || metrics(&mqtt).connected));

    // "Discovery": 8 workers, each blocked in a 120 s wait, and this thread joins them.
    let workers: Vec<_> = (0..8)
        .map(|_| {
            std::thread::spawn(|| {
                let (_keep, rx) = crossbeam_channel::bounded::<()>(0);
                let _ = rx.recv_timeout(Duration::from_secs(120));
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }

    let p = mqtt.publisher();
    p.publish(Message::retained("ka/after", "still here"))
        .unwrap();
    assert!(eventually(Duration::from_secs(5), || metrics(&mqtt)
        .queue_depth
        == 0));
    assert_eq!(
        broker.retained("ka/#", 2),
        vec![("ka/after".to_string(), "still here".to_string())]
    );
    let m = metrics(&mqtt);
    assert_eq!((m.connection_losses, m.reconnects), (0, 0), "{m:?}");

    let log = broker.log();
    let pings = log.matches(&format!("Received PINGREQ from {id}")).count();
    assert!(
        pings >= 3,
        "keepalive 30 s over 120 s idle must ping; saw {pings}\n{log}"
    );
    for bad in [
        format!("Client {id} has exceeded timeout"),
        format!("Socket error on client {id}"),
        format!("Client {id} disconnected"),
    ] {
        assert!(!log.contains(&bad), "broker log has {bad:?}");
    }
    assert_eq!(
        log.matches(&format!("as {id} ")).count(),
        1,
        "one session only\n{log}"
    );
    mqtt.shutdown(Duration::from_secs(2));
}
