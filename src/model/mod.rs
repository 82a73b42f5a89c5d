//! The camera model: what is known about a camera, defined once. Discovery fills it, the
//! registry keeps it, the state file and the MQTT contract serialise it.
//!
//! - [`id`]: a camera's id (MAC, else ONVIF endpoint or serial number, else address).
pub mod id;

pub use id::{camera_id, fnv1a};
