//! Subnet planning and the non-blocking TCP connect scan for RTSP ports.
//!
//! - [`plan`](mod@plan): networks (interfaces or SCAN_NETWORKS) → hosts, with the large-network rules,
//!   excludes and caps (pure)
//! - [`pace`]: token bucket (SCAN_RATE), in-flight/deadline schedule, descriptor budget (pure,
//!   `now` is an argument)
//! - [`connect`]: the shell: one thread, `mio::Poll` over non-blocking connects
pub mod connect;
pub mod pace;
pub mod plan;

pub use crate::cidr::{parse_cidr_list, Cidr, CidrError, ListError};
pub use connect::{safe_pacing, scan, Outcome, ScanError, ScanOptions, ScanReport};
pub use pace::Pacing;
pub use plan::{known_first, networks_of, plan, targets, Plan};
