//! The camera model: what is known about a camera, defined once. Discovery fills it, the
//! registry keeps it, the state file and the MQTT contract serialise it.
//!
//! - [`camera`]: [`Camera`], one camera (identity, device, URLs, streams, credential,
//!   ONVIF profiles and capabilities, liveness); its serde form is the state file's;
//! - [`stream`]: [`Stream`], a stream seen to play, and its [`Transport`];
//! - [`profile`]: [`Profile`] (an ONVIF media profile) and [`Capabilities`] (the ONVIF
//!   services offered);
//! - [`id`]: a camera's id (MAC, else ONVIF endpoint or serial number, else address).
//!
//! The formats that differ have their own views, each tested against the model: the MQTT
//! contract's CAMERA object ([`crate::contract::camera`]), the scan report's camera
//! ([`crate::discovery::engine::report`]) and the state file's stream ([`stream::stored`]).
pub mod camera;
pub mod id;
pub mod profile;
pub mod stream;

pub use camera::{default_name, rehost, Camera, IP_HISTORY_MAX};
pub use id::{camera_id, fnv1a};
pub use profile::{profile_key, Capabilities, Profile};
pub use stream::{Stream, Transport};
