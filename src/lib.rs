//! camera-detector: finds IP cameras on a LAN and keeps an MQTT broker (and Frigate) up to date.
//!
//! Built on OS threads only; no async runtime is linked. Every thread and the channels
//! between them (`──▶` a channel, its kind and bound; `═` shared state behind a lock):
//!
//! ```text
//!  "signals" ──bounded(8): SIGTERM/SIGINT/SIGHUP──▶ ┐
//!                                                     │
//!  "wsd-hello" (WS-Discovery Hellos between scans) ─▶ ├─ unbounded Event ─▶ main thread:
//!  "pass-0..3" (a pass's coordinator: Early, Pass) ─▶ │   the service loop (service::run)
//!  "discovery-N" (quick checks, validations, ARP) ──▶ ┘   owns Registry, Scheduler,
//!                                                          Announcer (service::cameras)
//!  main thread ──publish(): try_send──▶ bounded(MQTT_QUEUE_SIZE) ──▶ "mqtt-publish":
//!      (and every other caller)         full = counted drop            Outbox, pipelined
//!                                                                      QoS1 window, replay
//!  "mqtt-conn": connect, backoff with jitter, reconnect ──rendezvous Up/Down──▶ "mqtt-publish"
//!  paho's C threads (inside paho-mqtt): the socket, keepalive, acknowledgements
//!
//!  one discovery pass, on the kept threads of discovery::engine::Threads:
//!  "pass-N" sources (scan, multicast WS-Discovery, mDNS browse) ─┐
//!  "discovery-N" pool jobs (ONVIF, RTSP, unicast WS-Discovery) ───┴─ unbounded Finding ─▶
//!      "pass-N" coordinator (owns the per-host records and the Plan; jobs back to the pool)
//!  "mDNS_daemon" (mdns-sd's own thread, kept) ──flume──▶ the mDNS browse source
//!  "wsd-<iface>" (scoped, one per extra interface during a WS-Discovery window)
//!
//!  "health-http" (GET /health, /metrics) ═ health::Status ═ main thread (progress, verdict)
//!  "mqtt-publish" on (re)connect ═ the camera snapshot ═ main thread (the health report)
//! ```
//!
//! Shutdown: the main thread leaves its loop on SIGTERM/SIGINT, saves the state file, marks
//! every camera offline (queued), lets the discovery threads finish on their own, then
//! stops the publisher, which flushes within 2 s, publishes `offline` and disconnects.
//!
//! What owns what: configuration ([`config`]) and its shared value types ([`secret`],
//! [`cidr`], [`mac`]); the camera model ([`model`]); discovery ([`discovery`]: codecs,
//! socket shells, the pass); the registry and its status rules ([`registry`], pure); the
//! smart-discovery and health clock ([`scheduler`], pure); the MQTT contract's payloads
//! ([`contract`]); the Frigate config ([`frigate`]); the publisher ([`publish`]); the
//! service that joins them ([`service`], its OS edges behind [`service::os::Os`]); health
//! reporting ([`health`]); the command line ([`cli`]); logging, the allocator and files
//! ([`logging`], [`alloc`], [`fsutil`], [`time`]); nonces from the OS ([`nonce`]); CAP_NET_RAW
//! made effective at start ([`caps`]).
//! `scripts/modgraph.py` checks that no two modules depend on each other.
// `deny`, not `forbid`: src/alloc.rs allows itself its two glibc calls, src/caps.rs its
// capget/capset.
#![deny(unsafe_code)]
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::dbg_macro)]

pub mod alloc;
pub mod camdb;
pub mod caps;
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
