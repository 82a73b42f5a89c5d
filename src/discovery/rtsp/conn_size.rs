//! The play phase's size search, for an SDP that gave no picture size (no `sprop-*`, or
//! MJPEG): more RTP of the video track, after the first packet, through the depacketiser
//! ([`super::super::depack`]), over TCP-interleaved or UDP, bounded in time and bytes.
use super::super::{Frame, Media, Progress, SizeFinder, VideoFormat};
use super::{Conn, ProbeError};
use std::net::UdpSocket;
use std::time::{Duration, Instant};

/// When the SDP gives no picture size: the longest wait after the first RTP packet for one
/// in the video (never past the phase timeout). Encoders repeat the SPS before every
/// keyframe; camera GOPs are typically 1–2 s, and most cameras start a session with one.
const SIZE_WAIT: Duration = Duration::from_secs(2);

/// ... and the most RTP read for it: 2 s of a 4 Mbit/s main stream. Only a fragmented SPS
/// is ever held (depack::MAX_PARAMETER_SET); the rest is read and dropped.
const SIZE_BYTES: usize = 1 << 20;

impl Conn {
    /// The picture size from the video track's RTP, for an SDP that gave none (no
    /// `sprop-*`, or MJPEG): `first` and the packets after it go to the depacketiser until
    /// it knows the size, for at most min(phase timeout, [`SIZE_WAIT`]) and [`SIZE_BYTES`]
    /// (and never past the prober's deadline, [`Conn::set_deadline`]).
    /// `None` when it cannot tell: the stream still played. A broken byte stream (not a
    /// timeout) leaves the connection unusable.
    pub(super) fn size_from_rtp(
        &mut self,
        media: &Media,
        first: &[u8],
        udp: Option<&UdpSocket>,
    ) -> Option<(u32, u32)> {
        let mut finder = SizeFinder::new(VideoFormat::of(media)?, SIZE_BYTES);
        let deadline = self.wait_end(self.t.phase.min(SIZE_WAIT));
        // UDP datagrams up to the largest an RTP packet can be: a truncated one could cut
        // an SPS short.
        let mut datagram = if udp.is_some() {
            vec![0u8; 65536]
        } else {
            Vec::new()
        };
        let mut progress = finder.push(first);
        while progress == Progress::More {
            progress = match udp {
                None => match self.next_until("RTP", deadline) {
                    Ok(Frame::Interleaved { channel, payload }) if channel == self.rtp_channel => {
                        finder.push(&payload)
                    }
                    Ok(_) => continue, // another track, RTCP, a stray answer
                    Err(ProbeError::Timeout { .. }) => return None,
                    Err(_) => {
                        self.reusable = false;
                        return None;
                    }
                },
                Some(sock) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() || sock.set_read_timeout(Some(left)).is_err() {
                        return None;
                    }
                    match sock.recv_from(&mut datagram) {
                        Ok((n, _)) => finder.push(&datagram[..n]),
                        Err(_) => return None,
                    }
                }
            };
        }
        match progress {
            Progress::Size(w, h) => Some((w, h)),
            _ => None,
        }
    }
}
