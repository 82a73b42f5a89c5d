//! Discovery: the protocol codecs (pure functions over bytes, with fixtures captured from
//! the lab's real peers) and, later, the thin socket shells and the worker pool around them.
//!
//! - [`onvif`]: ONVIF SOAP requests (WS-Security UsernameToken) and responses
//! - [`rtsp`]: RTSP responses, Basic/Digest auth, SDP, H.264/H.265 SPS, and the session
//!   shell that plays a URL until RTP
//! - [`arp`]: the kernel's ARP table, MAC helpers and camera-vendor OUIs
//!
//! `wsd/testdata/` holds WS-Discovery ProbeMatches captured from the lab for the
//! WS-Discovery codec that comes next.
pub mod arp;
pub mod onvif;
pub mod rtsp;
