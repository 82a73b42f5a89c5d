//! One integration binary (ripgrep-style). Every test talks to real peers: a mosquitto
//! started by the test on 127.0.0.1, our own TCP proxy on 127.0.0.1, or the lab's network
//! namespaces. Run with `cargo nextest run` (one process per test: CPU figures are per test).
mod support {
    pub mod broker;
    pub mod common;
    pub mod farm;
    pub mod frigate;
    pub mod lab;
    pub mod netns;
    pub mod ownbroker;
    pub mod owncam;
    pub mod ownhost;
    pub mod proxy;
    pub mod rumqttd;
    pub use crate::scan_ns::netns::skip;
    pub mod zoo;
}
mod health_endpoint;
mod lab_arp;
mod lab_broker_faults;
mod lab_camera_service;
mod lab_current_contract;
mod lab_discovery;
mod lab_farm;
mod lab_fixtures;
mod lab_mdns;
mod lab_memory;
mod lab_ns_selftest;
mod lab_onvif;
mod lab_prober;
mod lab_rtsp;
mod lab_secrets;
mod lab_service;
mod lab_world;
mod lab_world_flood;
mod lab_world_frigate;
mod lab_world_hostile;
mod lab_world_size;
mod lab_world_soak;
mod lab_wsd;
mod lab_zoo;
mod lab_zoo_fixtures;
mod mqtt_burst;
mod mqtt_collision;
mod mqtt_inflight;
mod mqtt_keepalive;
mod mqtt_limits;
mod mqtt_offline;
mod mqtt_restart;
mod mqtt_tls;
mod scan_ns;
mod service_process;
