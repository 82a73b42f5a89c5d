//! The camera registry: what the service knows about each camera, owned by one thread.
//! [`record`] is the data; the pure transition logic and the owning thread come next.
pub mod record;

pub use record::{CameraRecord, Capabilities, ProfileInfo, StreamInfo};
