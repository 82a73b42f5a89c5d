//! One discovery pass: scan, WS-Discovery, mDNS, ONVIF and RTSP probing wired together on
//! a fixed worker pool, scheduled by the pure [`plan::Plan`].
//!
//! - [`plan`]: the schedule (pure; findings in, jobs out, time as an argument);
//! - [`jobs`]: the source threads and pool jobs around the protocol shells, and how their
//!   findings land in the per-host records;
//! - [`sweep`]: the port scan of a pass, ARP first on attached networks;
//! - [`settings`]: what a pass needs, resolved once from the configuration;
//! - [`run`]: the coordinating thread ([`discover_once`]), the sources it starts, and
//!   [`spawn_pass`] (a pass in the background);
//! - [`threads`]: the threads passes run on, kept across passes;
//! - [`camera`]: what the pass learns of each host ([`Found`]);
//! - [`report`]: what it reports ([`Report`]), as JSON and as a table.
pub mod camera;
pub mod jobs;
pub mod plan;
pub mod report;
pub mod run;
pub mod settings;
pub mod sweep;
pub mod threads;

pub use camera::{Found, Hosts};
pub use report::{progress_line, table, Rejected, Report, Stats};
pub use run::{discover_once, discover_once_with, spawn_pass};
pub use settings::{Settings, SettingsError};
pub use threads::Threads;
