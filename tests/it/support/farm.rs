//! The camera farm (scripts/lab/farm-up.sh, issue 15): N cameras, each with its own address
//! and MAC, on 10.79.0.0/22 with the detector's seat in `lab-fdet`. [`farm`] brings it up
//! under its own lock when it is down (at `FARM_N` cameras, default 50; a farm already up
//! stays as it is, whatever its size) and returns its ground truth (farm-run/farm.json) as a
//! [`Lab`], so `Lab::detector` and `Lab::in_ns` work in the farm's detector namespace.
use super::lab::{bring_up, Lab};

/// The lock farm-up.sh runs under (tests, scripts/test.sh and scripts/bench/scale.sh).
pub const LOCK: &str = "/tmp/camera-detector-farm.lock";

/// Where the ground truth is, relative to scripts/lab.
pub const TRUTH: &str = "farm-run/farm.json";

/// The running farm (brought up if down), or `None` when not root.
pub fn farm() -> Option<Lab> {
    bring_up("farm-up.sh", LOCK, TRUTH)
}

/// The farm's credentials as `user:pass,...` (CAMERA_CREDENTIALS).
pub fn credentials_env(farm: &Lab) -> String {
    farm.truth["credentials"]
        .as_array()
        .expect("farm credentials")
        .iter()
        .map(|c| {
            format!(
                "{}:{}",
                c["user"].as_str().unwrap_or_default(),
                c["pass"].as_str().unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join(",")
}
