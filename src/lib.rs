//! camera-detector: finds IP cameras on a LAN and keeps an MQTT broker (and Frigate) up to date.
//!
//! Built on OS threads only; no async runtime is linked. The threads and the channels
//! between them:
//!
//! ```text
//!  callers (service, workers) ──publish()──▶ bounded crossbeam queue (MQTT_QUEUE_SIZE)
//!                                                  │ try_send: never blocks, full = counted error
//!                                                  ▼
//!                                     "mqtt-publish" thread: Outbox (retained coalesced by
//!                                      topic, events drop-oldest), pipelined QoS1 window,
//!                                      replay of retained state on every (re)connect
//!                                                  ▲ Connected / Lost events
//!                                                  │
//!                                     "mqtt-conn" thread: connect, backoff with jitter,
//!                                      reconnect after loss (keepalive runs in paho's C threads)
//! ```
//!
//! This crate owns configuration ([`config`]), logging set-up ([`logging`]), the MQTT
//! publisher ([`publish`]), discovery ([`discovery`]), the camera registry and its status
//! rules ([`registry`], pure), the smart-discovery/health clock ([`scheduler`], pure), the
//! MQTT contract's payloads ([`contract`]) and the Frigate config ([`frigate`]). The service
//! thread that joins them comes next.
// `deny`, not `forbid`: src/alloc.rs allows itself its two glibc calls.
#![deny(unsafe_code)]
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::dbg_macro)]

pub mod alloc;
pub mod camdb;
pub mod cidr;
pub mod cli;
pub mod config;
pub mod contract;
pub mod discovery;
pub mod frigate;
pub mod fsutil;
pub mod health;
pub mod logging;
pub mod mac;
pub mod model;
pub mod nonce;
pub mod publish;
pub mod registry;
pub mod scheduler;
pub mod secret;
pub mod service;
pub mod time;
