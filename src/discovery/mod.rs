//! Discovery: the protocol codecs (pure functions over bytes, with fixtures captured from
//! the lab's real peers), the thin socket shells around them, and the worker pool.
//!
//! - [`net`]: local IPv4 interfaces
//! - [`scan`]: subnet planning and the non-blocking TCP connect scan
//! - [`wsd`]: WS-Discovery codec (Probe, ProbeMatch, Hello) and its UDP shell
//! - [`onvif`]: ONVIF SOAP requests (WS-Security UsernameToken), responses, and the HTTP client
//! - [`mdns`]: `_rtsp._tcp` browse
//! - [`rtsp`]: RTSP responses, Basic/Digest auth, SDP, H.264/H.265 SPS, the session shell that
//!   plays a URL until RTP, the path dictionary and the per-host prober
//! - [`arp`]: the kernel's ARP table (MACs as values: [`crate::mac`]; brands by OUI:
//!   [`crate::camdb`])
//! - [`arping`]: active ARP requests (CAP_NET_RAW) with a fallback to the table
//! - [`http_hint`]: the brand named by a camera's web page (one `GET /` on port 80)
//! - [`xml`]: the bounded XML reader under the ONVIF and WS-Discovery codecs
pub mod arp;
pub mod arping;
pub mod engine;
pub mod http_hint;
pub mod mdns;
pub mod net;
pub mod onvif;
pub mod pool;
pub mod rtsp;
pub mod scan;
#[cfg(test)]
pub(crate) mod testutil;
pub mod wsd;
pub mod xml;
