//! The camera registry: what the service knows about each camera, owned by one thread.
//!
//! The data of one camera is [`crate::model::Camera`]; [`state`] is the registry (cameras keyed by id, an
//! index by address), the findings workers send and the changes to publish; the rules
//! (`transitions.rs`) decide every status transition in one place, as pure functions of
//! (state, finding, now). The owning thread feeds it findings and the clock, and publishes
//! what comes back. [`persist`] is the state file that carries the cameras across restarts.
pub mod persist;
pub mod state;
mod transitions;

pub use state::{
    Change, Finding, Now, Rediscovery, Registry, Settings, Status, Target, Validation,
};

#[cfg(test)]
pub(crate) mod tests;
#[cfg(test)]
mod tests_identity;
#[cfg(test)]
mod tests_persist;
#[cfg(test)]
mod tests_restore;
