//! Discovery: the protocol codecs (pure functions over bytes, with fixtures captured from
//! the lab's real peers) and, later, the thin socket shells and the worker pool around them.
//!
//! - [`onvif`]: ONVIF SOAP requests (WS-Security UsernameToken) and responses
//! - [`rtsp`]: RTSP responses, Basic/Digest auth, SDP, H.264/H.265 SPS
pub mod onvif;
pub mod rtsp;
