//! Bursts at full speed, QoS0 and QoS1: everything is delivered. Regression: QoS0 tokens
//! complete at once, and the publisher thread once went to sleep for an hour with a full
//! outbox after reaping a whole window in one pass (found by the bench).
use crate::support::broker::Broker;
use crate::support::common::{eventually, metrics, settings};
use camera_detector::publish::{self, Message};
use std::time::Duration;

fn burst(qos: u8) {
    const N: u64 = 20_000;
    let broker = Broker::start();
    let mut s = settings(broker.port, &format!("burst-qos{qos}"));
    s.queue_size = N as usize + 100;
    let mqtt = publish::start(s).unwrap();
    let p = mqtt.publisher();
    assert!(eventually(Duration::from_secs(10), || metrics(&mqtt).connected));
    let base = metrics(&mqtt).published;
    for i in 0..N {
        p.publish(Message::event(format!("burst/{}", i % 8), vec![b'x'; 300]).with_qos(qos))
            .unwrap();
    }
    assert!(
        eventually(Duration::from_secs(60), || metrics(&mqtt).published - base
            >= N),
        "QoS{qos} burst not delivered: {:?}",
        metrics(&mqtt)
    );
    let m = metrics(&mqtt);
    assert_eq!(m.dropped(), 0, "{m:?}");
    mqtt.shutdown(Duration::from_secs(2));
}

#[test]
fn a_qos0_burst_is_delivered_completely() {
    for _ in 0..3 {
        burst(0);
    }
}

#[test]
fn a_qos1_burst_is_delivered_completely() {
    burst(1);
}
