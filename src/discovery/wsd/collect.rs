//! One probe round's bookkeeping, pure: the datagrams that came back (source address,
//! bytes, time since the first Probe) go in; the cameras ([`Found`]) and per-peer counts
//! ([`PeerStats`]) come out. Only ProbeMatches whose RelatesTo is one of our MessageIDs
//! count; only matches that pass [`is_camera`] become cameras; one camera per
//! (UDP source, endpoint). Bounded whatever a peer sends: at most
//! [`MAX_ENDPOINTS_PER_PEER`] cameras per source address and [`MAX_XADDRS`] XAddrs per
//! camera (a flood of ProbeMatches, each a new endpoint, is counted and dropped).
use super::{camera_xaddrs, is_camera, onvif_scopes, parse, same_message_id, Match, Message};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::time::Duration;

/// Most cameras (endpoints) kept per UDP source address in one round: an NVR may speak for
/// a few devices, a peer sending thousands is flooding.
pub const MAX_ENDPOINTS_PER_PEER: usize = 16;
/// Most XAddrs kept per camera (real devices send one to three).
pub const MAX_XADDRS: usize = 8;

/// A camera found by WS-Discovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The UDP source address of its answer: the camera's address, whatever it advertised.
    pub ip: Ipv4Addr,
    /// `EndpointReference/Address`, e.g. `urn:uuid:...`.
    pub endpoint: String,
    /// Its http(s) XAddrs rewritten onto `ip` ([`camera_xaddrs`]); may be empty.
    pub xaddrs: Vec<String>,
    pub scopes: Vec<String>,
    pub types: Vec<String>,
    /// The ONVIF `name` scope, decoded.
    pub name: Option<String>,
    /// The ONVIF `hardware` scope, decoded.
    pub hardware: Option<String>,
}

impl Found {
    /// The camera that `m`, received from `ip`, describes (no filtering here).
    #[must_use]
    pub fn from_match(m: &Match, ip: Ipv4Addr) -> Found {
        let scopes = onvif_scopes(&m.scopes);
        Found {
            ip,
            endpoint: m.endpoint.clone(),
            xaddrs: camera_xaddrs(m, ip),
            scopes: m.scopes.clone(),
            types: m.types.clone(),
            name: scopes.name,
            hardware: scopes.hardware,
        }
    }
}

/// What one source address sent during a probe round.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerStats {
    /// Every datagram received from it.
    pub datagrams: u32,
    /// ProbeMatch entries in datagrams answering one of our Probes.
    pub matches: u32,
    /// Of those, the ones [`is_camera`] rejected.
    pub not_camera: u32,
    /// Camera matches dropped: a new endpoint beyond [`MAX_ENDPOINTS_PER_PEER`].
    pub over_limit: u32,
    /// Well-formed datagrams that were not an answer to us (RelatesTo missing or foreign,
    /// or not a ProbeMatches at all).
    pub unrelated: u32,
    /// Datagrams that did not parse.
    pub malformed: u32,
    /// Time from the first Probe to the first datagram answering us.
    pub first_answer: Option<Duration>,
    /// Time from the first Probe to the last datagram answering us.
    pub last_answer: Option<Duration>,
}

/// Accumulates one probe round.
#[derive(Debug)]
pub struct Collector {
    our_ids: Vec<String>,
    found: BTreeMap<(Ipv4Addr, String), Found>,
    peers: BTreeMap<Ipv4Addr, PeerStats>,
}

impl Collector {
    /// A round whose Probes carried `our_ids`.
    #[must_use]
    pub fn new(our_ids: Vec<String>) -> Collector {
        Collector {
            our_ids,
            found: BTreeMap::new(),
            peers: BTreeMap::new(),
        }
    }

    /// Takes one datagram from `src`, received `at` after the first Probe; returns the
    /// cameras it made known for the first time (a repeated answer returns nothing).
    pub fn absorb(&mut self, src: Ipv4Addr, datagram: &[u8], at: Duration) -> Vec<Found> {
        let peer = self.peers.entry(src).or_default();
        peer.datagrams += 1;
        let msg = match parse(datagram) {
            Ok(m) => m,
            Err(e) => {
                peer.malformed += 1;
                log::debug!("ws-discovery answer from {src}: {e}");
                return Vec::new();
            }
        };
        let Message::ProbeMatches {
            relates_to: Some(rel),
            matches,
        } = msg
        else {
            peer.unrelated += 1;
            return Vec::new();
        };
        if !self.our_ids.iter().any(|id| same_message_id(id, &rel)) {
            peer.unrelated += 1;
            log::debug!("ws-discovery answer from {src}: RelatesTo {rel:?} is not ours");
            return Vec::new();
        }
        let mut fresh = Vec::new();
        peer.first_answer.get_or_insert(at);
        peer.last_answer = Some(at);
        for m in &matches {
            peer.matches += 1;
            if !is_camera(m) {
                peer.not_camera += 1;
                log::debug!(
                    "ws-discovery {src} {:?}: not a camera (types {:?})",
                    m.endpoint,
                    m.types
                );
                continue;
            }
            let key = (src, m.endpoint.clone());
            if !self.found.contains_key(&key) {
                let known = self
                    .found
                    .range((src, String::new())..)
                    .take_while(|((ip, _), _)| *ip == src)
                    .count();
                if known >= MAX_ENDPOINTS_PER_PEER {
                    peer.over_limit += 1;
                    continue;
                }
            }
            let mut new = Found::from_match(m, src);
            new.xaddrs.truncate(MAX_XADDRS);
            match self.found.entry(key) {
                std::collections::btree_map::Entry::Occupied(mut f) => {
                    for x in &new.xaddrs {
                        let xaddrs = &mut f.get_mut().xaddrs;
                        if xaddrs.len() < MAX_XADDRS && !xaddrs.contains(x) {
                            xaddrs.push(x.clone());
                        }
                    }
                }
                std::collections::btree_map::Entry::Vacant(v) => {
                    fresh.push(new.clone());
                    v.insert(new);
                }
            }
        }
        fresh
    }

    /// The cameras so far, ordered by address then endpoint.
    #[must_use]
    pub fn found(&self) -> Vec<Found> {
        self.found.values().cloned().collect()
    }

    /// Per-source counts so far.
    #[must_use]
    pub fn peers(&self) -> &BTreeMap<Ipv4Addr, PeerStats> {
        &self.peers
    }

    /// Time from the first Probe to the last datagram answering us, over all peers.
    #[must_use]
    pub fn last_answer(&self) -> Option<Duration> {
        self.peers.values().filter_map(|p| p.last_answer).max()
    }
}
