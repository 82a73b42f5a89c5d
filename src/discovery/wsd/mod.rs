//! WS-Discovery (SOAP-over-UDP, 2005/04) as far as finding ONVIF cameras needs it.
//!
//! - [`codec`] (pure): the Probe we send and the parsing of ProbeMatches, Hello and Bye,
//!   prefix-agnostic, bounded, no DOCTYPE and no entity expansion;
//! - [`camera`] (pure): the camera filter, the XAddr rewrite onto the responder's address and
//!   the ONVIF scope reader;
//! - [`collect`] (pure): turns the datagrams a probe round received into cameras and per-peer
//!   counts (RelatesTo check, filter, deduplication);
//! - [`shell`]: the sockets: [`discover`] (multicast per interface + unicast, each Probe sent
//!   twice) and [`HelloListener`] (port 3702, joined to the group, between scans).
//!
//! The Probe carries `Types` = `dn:NetworkVideoTransmitter`. Checked against the lab's
//! peers (scripts/lab): ipycam and the onvif-server crate ignore `Types` and answer any Probe
//! (typed, untyped, `tds:Device`); wsdd 0.7.0 answers only a Probe whose `Types` is exactly
//! `wsdp:Device` (untyped or NVT-typed Probes are ignored). ONVIF requires devices to answer
//! the NVT type, so the typed Probe reaches every camera while a typical Windows/Samba host
//! stays silent; the keyword filter ([`is_camera`]) still guards everything that arrives
//! (Hello messages are never typed by the sender's choice: wsdd's `pub:Computer` Hello reaches
//! the [`HelloListener`]).
//!
//! Security: the camera's address is always the UDP source of its answer, and its XAddrs are
//! rewritten onto that address ([`camera_xaddrs`]), so credentials later sent to an XAddr can
//! only reach the host that answered.
pub mod camera;
pub mod codec;
pub mod collect;
pub mod shell;

#[cfg(test)]
mod fixture_tests;

use std::net::Ipv4Addr;

pub use camera::{camera_xaddrs, is_camera, onvif_scopes, OnvifScopes};
pub use codec::{message_id, parse, probe_message, same_message_id, Match, Message};
pub use collect::{Collector, Found, PeerStats};
pub use shell::{discover, discover_each, discover_report, Heard, HelloListener, Report};

/// The WS-Discovery IPv4 multicast group.
pub const MULTICAST_GROUP: Ipv4Addr = Ipv4Addr::new(239, 255, 255, 250);
/// The WS-Discovery UDP port (multicast and unicast).
pub const PORT: u16 = 3702;

/// Why a datagram could not be read, or a socket could not be used. One line each; socket
/// errors name the interface, address, port and phase.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WsdError {
    /// The datagram is larger than [`codec::MAX_DATAGRAM`].
    #[error("ws-discovery message: {len} bytes, more than {limit}")]
    TooLarge { len: usize, limit: usize },
    /// Not well-formed XML, truncated, an undefined entity, a size/depth/count limit.
    #[error("ws-discovery message: {0}")]
    Xml(String),
    /// A `<!DOCTYPE`: refused so that no entity can ever be expanded.
    #[error("ws-discovery message: DOCTYPE is not allowed")]
    Doctype,
    /// Well-formed XML that is not a SOAP envelope with a Body.
    #[error("ws-discovery message: not a SOAP envelope (root <{root}>, or no Body)")]
    NotSoap { root: String },
    /// A Hello or Bye without `EndpointReference/Address`.
    #[error("ws-discovery {what}: no EndpointReference/Address")]
    NoEndpoint { what: &'static str },
    /// A socket operation failed.
    #[error("ws-discovery {iface} {ip}:{port} {phase}: {source}")]
    Socket {
        /// Interface name, `unicast` for the unicast socket, `hello` for the listener.
        iface: String,
        ip: Ipv4Addr,
        port: u16,
        phase: &'static str,
        #[source]
        source: std::io::Error,
    },
    /// The Hello listener could not bind 0.0.0.0:3702: another process holds the port
    /// without SO_REUSEADDR (e.g. a WS-Discovery daemon on this host).
    #[error("ws-discovery hello listener 0.0.0.0:{port} bind: port taken by another process without SO_REUSEADDR ({source})")]
    PortTaken {
        port: u16,
        #[source]
        source: std::io::Error,
    },
    /// The Hello listener joined the group on none of the interfaces it was given.
    #[error("ws-discovery hello listener: joined {group} on none of {tried} interface(s)")]
    NoMembership { group: Ipv4Addr, tried: usize },
}
