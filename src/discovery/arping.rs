//! Active ARP: asks "who has ip?" on an interface and collects the replies, to learn the
//! MAC of hosts the kernel has not talked to (or whose entry expired). Needs CAP_NET_RAW;
//! without it [`resolve`] says so ([`ArpError::NoPermission`]) and the caller falls back to
//! the kernel's table (`/proc/net/arp`, filled by our own TCP connects; see [`super::arp`]).
//!
//! [`request_frame`] and [`parse_reply`] are the pure codec (pnet_packet over byte slices);
//! [`resolve`] is the thin shell over a pnet datalink channel.
use crate::discovery::net::Iface;
use pnet_packet::arp::{ArpHardwareTypes, ArpOperations, ArpPacket, MutableArpPacket};
use pnet_packet::ethernet::{EtherTypes, EthernetPacket, MutableEthernetPacket};
use pnet_packet::{MutablePacket, Packet};
use std::collections::BTreeMap;
use std::io;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

/// Ethernet header (14) + ARP for IPv4 over Ethernet (28).
pub const FRAME_LEN: usize = 42;

/// Most targets resolved in one call (a /20); more is a caller bug, refused.
pub const MAX_TARGETS: usize = 4096;

/// Why active ARP did not run. One line naming the interface and phase.
#[derive(Debug, thiserror::Error)]
pub enum ArpError {
    #[error(
        "arp {iface}: no permission for raw packets (CAP_NET_RAW); using the kernel's ARP table"
    )]
    NoPermission { iface: String },
    #[error("arp {iface} {phase}: {detail}")]
    Failed {
        iface: String,
        phase: &'static str,
        detail: String,
    },
}

/// The broadcast "who has `target`? tell `src_ip`" frame from `src_mac`.
#[must_use]
pub fn request_frame(src_mac: [u8; 6], src_ip: Ipv4Addr, target: Ipv4Addr) -> [u8; FRAME_LEN] {
    let mut buf = [0u8; FRAME_LEN];
    {
        // The buffer is exactly the two headers long, so both views exist.
        let Some(mut eth) = MutableEthernetPacket::new(&mut buf) else {
            return buf;
        };
        eth.set_destination([0xff; 6].into());
        eth.set_source(src_mac.into());
        eth.set_ethertype(EtherTypes::Arp);
        let Some(mut arp) = MutableArpPacket::new(eth.payload_mut()) else {
            return buf;
        };
        arp.set_hardware_type(ArpHardwareTypes::Ethernet);
        arp.set_protocol_type(EtherTypes::Ipv4);
        arp.set_hw_addr_len(6);
        arp.set_proto_addr_len(4);
        arp.set_operation(ArpOperations::Request);
        arp.set_sender_hw_addr(src_mac.into());
        arp.set_sender_proto_addr(src_ip);
        arp.set_target_hw_addr([0; 6].into());
        arp.set_target_proto_addr(target);
    }
    buf
}

/// (sender IP, sender MAC) of an ARP reply for IPv4 over Ethernet; `None` for anything else
/// (requests, other protocols, short frames, a zero or broadcast/multicast sender MAC).
#[must_use]
pub fn parse_reply(frame: &[u8]) -> Option<(Ipv4Addr, [u8; 6])> {
    let eth = EthernetPacket::new(frame)?;
    if eth.get_ethertype() != EtherTypes::Arp {
        return None;
    }
    let arp = ArpPacket::new(eth.payload())?;
    if arp.get_operation() != ArpOperations::Reply
        || arp.get_hardware_type() != ArpHardwareTypes::Ethernet
        || arp.get_protocol_type() != EtherTypes::Ipv4
        || arp.get_hw_addr_len() != 6
        || arp.get_proto_addr_len() != 4
    {
        return None;
    }
    let mac = arp.get_sender_hw_addr().octets();
    // A group bit or all-zero MAC is not a host's address.
    if mac == [0; 6] || mac[0] & 1 == 1 {
        return None;
    }
    Some((arp.get_sender_proto_addr(), mac))
}

/// Requests per second of a sweep: a /20 (4094 requests) goes out in half a second, ~170
/// KiB of broadcast; raw frames create no kernel neighbour entries, so unlike TCP connects
/// to silent addresses they cannot overflow the neighbour table.
pub const SWEEP_RATE: u32 = 8000;

/// Requests sent at once before the rate applies.
const SWEEP_BURST: usize = 64;

/// How many requests of a round started at `round_start` may have been sent by `now`.
#[must_use]
pub fn allowed(round_start: Instant, now: Instant, rate_per_sec: u32) -> usize {
    let secs = now.saturating_duration_since(round_start).as_secs_f64();
    // Truncation is the point: whole requests only.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let paced = (secs * f64::from(rate_per_sec)) as usize;
    paced.saturating_add(SWEEP_BURST)
}

/// Asks for every target on `iface` and collects the replies: round 1 to all (paced at
/// [`SWEEP_RATE`]), round 2 to the silent ones `wait / 2` after round 1 is out (a lost
/// frame on either side), and replies until `wait / 2` after round 2 is out. Replies from
/// hosts that were not asked are ignored.
///
/// # Errors
/// [`ArpError::NoPermission`] without CAP_NET_RAW; [`ArpError::Failed`] when the interface
/// has no MAC or the channel cannot be opened.
pub fn resolve(
    iface: &Iface,
    targets: &[Ipv4Addr],
    wait: Duration,
) -> Result<BTreeMap<Ipv4Addr, [u8; 6]>, ArpError> {
    let failed = |phase: &'static str, detail: String| ArpError::Failed {
        iface: iface.name.clone(),
        phase,
        detail,
    };
    if targets.len() > MAX_TARGETS {
        return Err(failed(
            "plan",
            format!("{} targets (at most {MAX_TARGETS})", targets.len()),
        ));
    }
    let src_mac = iface
        .mac
        .ok_or_else(|| failed("open", "interface has no MAC address".into()))?;
    let nic = pnet_datalink::interfaces()
        .into_iter()
        .find(|n| n.name == iface.name)
        .ok_or_else(|| failed("open", "interface is gone".into()))?;
    let cfg = pnet_datalink::Config {
        read_timeout: Some(Duration::from_millis(5)),
        write_timeout: Some(Duration::from_millis(200)),
        promiscuous: false,
        ..Default::default()
    };
    let (mut tx, mut rx) = match pnet_datalink::channel(&nic, cfg) {
        Ok(pnet_datalink::Channel::Ethernet(tx, rx)) => (tx, rx),
        Ok(_) => return Err(failed("open", "not an Ethernet channel".into())),
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            return Err(ArpError::NoPermission {
                iface: iface.name.clone(),
            })
        }
        Err(e) => return Err(failed("open", e.to_string())),
    };
    let wanted: std::collections::BTreeSet<Ipv4Addr> = targets.iter().copied().collect();
    let mut found = BTreeMap::new();
    let mut send_errors = 0usize;
    let mut round = 0u8;
    let mut queue: Vec<Ipv4Addr> = wanted.iter().copied().collect();
    let mut sent = 0usize;
    let mut round_start = Instant::now();
    // When the current round's last request went out.
    let mut round_out: Option<Instant> = None;
    loop {
        let now = Instant::now();
        if round_out.is_none() {
            let upto = allowed(round_start, now, SWEEP_RATE).min(queue.len());
            for ip in &queue[sent..upto.max(sent)] {
                match tx.send_to(&request_frame(src_mac, iface.ip, *ip), None) {
                    Some(Ok(())) => {}
                    // ENOBUFS and the like: counted; the next round asks again.
                    Some(Err(_)) | None => send_errors += 1,
                }
            }
            sent = upto.max(sent);
            if sent == queue.len() {
                round_out = Some(now);
            }
        }
        if let Some(out) = round_out {
            if now >= out + wait / 2 {
                if round == 1 {
                    break;
                }
                round = 1;
                queue = wanted
                    .iter()
                    .filter(|ip| !found.contains_key(*ip))
                    .copied()
                    .collect();
                if queue.is_empty() {
                    break;
                }
                sent = 0;
                round_start = now;
                round_out = None;
                continue;
            }
        }
        if found.len() == wanted.len() {
            break;
        }
        match rx.next() {
            Ok(frame) => {
                if let Some((ip, mac)) = parse_reply(frame) {
                    if wanted.contains(&ip) {
                        found.insert(ip, mac);
                    }
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                ) => {}
            Err(e) => return Err(failed("receive", e.to_string())),
        }
    }
    if send_errors > 0 {
        log::debug!(
            "arp {}: {send_errors} requests could not be sent (retried in round 2)",
            iface.name
        );
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: [u8; 6] = [0x02, 0xde, 0x7e, 0xc7, 0x00, 0x10];
    const CAM: [u8; 6] = [0x44, 0x19, 0xb6, 0x00, 0x00, 0x01];

    /// A reply as a Linux host sends it (built by hand from RFC 826, not with pnet).
    fn reply(sender_mac: [u8; 6], sender_ip: [u8; 4]) -> Vec<u8> {
        let mut f = Vec::new();
        f.extend_from_slice(&ME);
        f.extend_from_slice(&sender_mac);
        f.extend_from_slice(&[0x08, 0x06]); // ARP
        f.extend_from_slice(&[0, 1, 0x08, 0x00, 6, 4, 0, 2]); // Ethernet, IPv4, reply
        f.extend_from_slice(&sender_mac);
        f.extend_from_slice(&sender_ip);
        f.extend_from_slice(&ME);
        f.extend_from_slice(&[10, 77, 0, 10]);
        f
    }

    #[test]
    fn sweep_pacing() {
        let t0 = Instant::now();
        assert_eq!(allowed(t0, t0, SWEEP_RATE), SWEEP_BURST);
        assert_eq!(
            allowed(t0, t0 + Duration::from_millis(500), 8000),
            4000 + SWEEP_BURST
        );
        assert_eq!(
            allowed(t0 + Duration::from_secs(1), t0, 8000),
            SWEEP_BURST,
            "clock back"
        );
    }

    #[test]
    fn request_frame_is_rfc826_broadcast() {
        let f = request_frame(
            ME,
            Ipv4Addr::new(10, 77, 0, 10),
            Ipv4Addr::new(10, 77, 0, 101),
        );
        let mut want = vec![0xff; 6];
        want.extend_from_slice(&ME);
        want.extend_from_slice(&[0x08, 0x06, 0, 1, 0x08, 0x00, 6, 4, 0, 1]);
        want.extend_from_slice(&ME);
        want.extend_from_slice(&[10, 77, 0, 10]);
        want.extend_from_slice(&[0; 6]);
        want.extend_from_slice(&[10, 77, 0, 101]);
        assert_eq!(f.to_vec(), want);
    }

    #[test]
    fn parse_reply_accepts_replies_only() {
        assert_eq!(
            parse_reply(&reply(CAM, [10, 77, 0, 101])),
            Some((Ipv4Addr::new(10, 77, 0, 101), CAM))
        );
        // Padded to the Ethernet minimum, as on the wire.
        let mut padded = reply(CAM, [10, 77, 0, 101]);
        padded.resize(60, 0);
        assert!(parse_reply(&padded).is_some());
        // Our own request is not a reply.
        let req = request_frame(
            ME,
            Ipv4Addr::new(10, 77, 0, 10),
            Ipv4Addr::new(10, 77, 0, 1),
        );
        assert_eq!(parse_reply(&req), None);
        // Truncated, other ethertype, multicast or zero sender MAC.
        let r = reply(CAM, [10, 77, 0, 101]);
        for n in 0..r.len() {
            assert_eq!(parse_reply(&r[..n]), None, "truncated at {n}");
        }
        let mut ipv4 = r.clone();
        ipv4[12..14].copy_from_slice(&[0x08, 0x00]);
        assert_eq!(parse_reply(&ipv4), None);
        assert_eq!(
            parse_reply(&reply([0x01, 0, 0x5e, 0, 0, 1], [10, 77, 0, 9])),
            None
        );
        assert_eq!(parse_reply(&reply([0; 6], [10, 77, 0, 9])), None);
    }
}
