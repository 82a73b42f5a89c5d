//! The picture size from the RTP packets of a video track, for streams whose SDP does not
//! give it: the first in-band H.264 SPS (RFC 6184: single NAL unit, STAP-A, FU-A) or H.265
//! SPS (RFC 7798: single NAL unit, AP, FU; DONL when `sprop-max-don-diff` > 0), sized by
//! [`super::sps`], or the RTP/JPEG main header (RFC 2435 §3.1: width/8, height/8).
//!
//! Not a decoder: only a fragmented SPS is ever reassembled, in at most [`MAX_PARAMETER_SET`]
//! bytes; fragments of every other NAL unit are skipped unread. A lost, reordered or
//! oversized fragment drops that SPS (never a size from a damaged one) and the search goes
//! on with the next one (encoders repeat it before every keyframe). The whole search is
//! bounded by a byte budget given by the caller. Pure: packets in, [`Progress`] out.
use super::sdp::{Codec, Media};
use super::{h264_sps_resolution, h265_sps_resolution, rtp_payload_type};

/// Largest SPS reassembled from fragments (real ones are 10–100 bytes; even with VUI and
/// scaling lists they stay far below this).
pub const MAX_PARAMETER_SET: usize = 1024;

/// The payload format of a video track, as far as the size search needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoFormat {
    /// H.264 (RFC 6184), non-interleaved packetization modes 0 and 1.
    H264,
    /// H.265 (RFC 7798); `donl`: the packets carry decoding order numbers
    /// (`sprop-max-don-diff` > 0 in the SDP).
    H265 { donl: bool },
    /// Motion JPEG (RFC 2435).
    Jpeg,
}

impl VideoFormat {
    /// The format of an SDP media section, `None` for codecs whose size cannot be read
    /// from RTP here.
    #[must_use]
    pub fn of(media: &Media) -> Option<Self> {
        match media.codec() {
            Codec::H264 => Some(Self::H264),
            Codec::H265 => Some(Self::H265 {
                donl: media
                    .fmtp("sprop-max-don-diff")
                    .and_then(|v| v.parse::<u32>().ok())
                    .is_some_and(|d| d > 0),
            }),
            Codec::Mjpeg => Some(Self::Jpeg),
            _ => None,
        }
    }
}

/// Where the search stands after a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Width and height in pixels (stays the answer for every later packet).
    Size(u32, u32),
    /// Not yet known: feed the next packet.
    More,
    /// The byte budget is spent without a size (stays so).
    Exhausted,
}

/// Finds the picture size in a track's RTP packets, fed in arrival order.
#[derive(Debug)]
pub struct SizeFinder {
    format: VideoFormat,
    /// Bytes of RTP still to look at.
    budget: usize,
    found: Option<(u32, u32)>,
    /// The SPS being reassembled from fragments, NAL header included (empty: none).
    partial: Vec<u8>,
    /// Sequence number of the packet after the last one seen.
    next_seq: Option<u16>,
}

impl SizeFinder {
    /// A search that looks at no more than `budget` bytes of RTP packets.
    #[must_use]
    pub fn new(format: VideoFormat, budget: usize) -> Self {
        Self {
            format,
            budget,
            found: None,
            partial: Vec::new(),
            next_seq: None,
        }
    }

    /// Bytes held for a fragmented SPS (at most [`MAX_PARAMETER_SET`]).
    #[must_use]
    pub fn buffered(&self) -> usize {
        self.partial.len()
    }

    /// Looks at one RTP packet (fixed header first). Anything that is not RTP, or not a
    /// packet of interest, just costs its bytes.
    pub fn push(&mut self, pkt: &[u8]) -> Progress {
        if let Some((w, h)) = self.found {
            return Progress::Size(w, h);
        }
        if self.budget == 0 {
            return Progress::Exhausted;
        }
        self.budget = self.budget.saturating_sub(pkt.len());
        if let Some((seq, payload)) = rtp_payload(pkt) {
            // Fragments continue only on the very next sequence number: a gap (loss) or a
            // step back (reordering) drops the SPS being reassembled.
            let in_order = self.next_seq == Some(seq);
            self.next_seq = Some(seq.wrapping_add(1));
            if !in_order {
                self.partial.clear();
            }
            self.found = match self.format {
                VideoFormat::H264 => self.h264(payload),
                VideoFormat::H265 { donl } => self.h265(payload, donl),
                VideoFormat::Jpeg => jpeg(payload),
            };
        }
        match self.found {
            Some((w, h)) => Progress::Size(w, h),
            None if self.budget == 0 => Progress::Exhausted,
            None => Progress::More,
        }
    }

    /// RFC 6184 §5.6–5.8.
    fn h264(&mut self, p: &[u8]) -> Option<(u32, u32)> {
        let nal_type = p.first()? & 0x1f;
        if nal_type != 28 {
            self.partial.clear();
        }
        match nal_type {
            1..=23 => h264_sps(p),
            24 => units(p.get(1..)?, false).find_map(h264_sps), // STAP-A
            28 => {
                // FU-A: indicator (F, NRI, 28), header (S, E, R, type), fragment.
                let (indicator, header) = (p[0], *p.get(1)?);
                let nal_header = (indicator & 0xe0) | (header & 0x1f);
                let done = self.fragment(
                    header & 0x80 != 0,
                    header & 0x40 != 0,
                    header & 0x1f == 7,
                    &[nal_header],
                    p.get(2..)?,
                )?;
                h264_sps(&done)
            }
            _ => None, // STAP-B, MTAP, FU-B: interleaved mode only
        }
    }

    /// RFC 7798 §4.4.
    fn h265(&mut self, p: &[u8], donl: bool) -> Option<(u32, u32)> {
        let head = p.get(..2)?;
        let nal_type = (head[0] >> 1) & 0x3f;
        if nal_type != 49 {
            self.partial.clear();
        }
        let don = if donl { 2 } else { 0 };
        match nal_type {
            0..=47 if donl => {
                let mut nal = head.to_vec();
                nal.extend_from_slice(p.get(2 + don..)?);
                h265_sps(&nal)
            }
            0..=47 => h265_sps(p),
            48 => units(p.get(2 + don..)?, donl).find_map(h265_sps), // AP
            49 => {
                // FU: payload header, FU header (S, E, type), [DONL in the first], fragment.
                let header = *p.get(2)?;
                let start = header & 0x80 != 0;
                let nal_header = [(head[0] & 0x81) | ((header & 0x3f) << 1), head[1]];
                let data = p.get(if start { 3 + don } else { 3 }..)?;
                let done = self.fragment(
                    start,
                    header & 0x40 != 0,
                    header & 0x3f == 33,
                    &nal_header,
                    data,
                )?;
                h265_sps(&done)
            }
            _ => None, // PACI and reserved types
        }
    }

    /// One fragment of a NAL unit; the whole unit once its last fragment arrived in order.
    /// Only SPS fragments are kept, and only up to [`MAX_PARAMETER_SET`] bytes.
    fn fragment(
        &mut self,
        start: bool,
        end: bool,
        is_sps: bool,
        nal_header: &[u8],
        data: &[u8],
    ) -> Option<Vec<u8>> {
        if start {
            self.partial.clear();
            if !is_sps {
                return None;
            }
            self.partial.extend_from_slice(nal_header);
        } else if self.partial.is_empty()
            || !is_sps
            || self.partial[..nal_header.len()] != *nal_header
        {
            self.partial.clear();
            return None;
        }
        if self.partial.len() + data.len() > MAX_PARAMETER_SET {
            self.partial.clear();
            return None;
        }
        self.partial.extend_from_slice(data);
        end.then(|| std::mem::take(&mut self.partial))
    }
}

fn h264_sps(nal: &[u8]) -> Option<(u32, u32)> {
    (nal.first()? & 0x1f == 7)
        .then(|| h264_sps_resolution(nal))
        .flatten()
}

fn h265_sps(nal: &[u8]) -> Option<(u32, u32)> {
    ((nal.first()? >> 1) & 0x3f == 33)
        .then(|| h265_sps_resolution(nal))
        .flatten()
}

/// RFC 2435 §3.1: type-specific, fragment offset (3), type, Q, width/8, height/8. Zero is
/// not a size (the RFC cannot express more than 2040 pixels).
fn jpeg(p: &[u8]) -> Option<(u32, u32)> {
    let (w, h) = (*p.get(6)?, *p.get(7)?);
    (w > 0 && h > 0).then(|| (u32::from(w) * 8, u32::from(h) * 8))
}

/// The NAL units of an aggregation packet after its header: `[DOND]` size16 unit, ...
/// (DOND, one byte, before every unit but the first when `don`). Stops at the first unit
/// that does not fit.
fn units(mut rest: &[u8], don: bool) -> impl Iterator<Item = &[u8]> {
    let mut first = true;
    std::iter::from_fn(move || {
        if don && !first {
            rest = rest.get(1..)?;
        }
        first = false;
        let size = usize::from(u16::from_be_bytes([*rest.first()?, *rest.get(1)?]));
        let unit = rest.get(2..2 + size)?;
        rest = &rest[2 + size..];
        Some(unit)
    })
}

/// RFC 3550 §5.1: (sequence number, payload) of an RTP packet, past the CSRC list and the
/// header extension, without padding. `None` for anything else.
fn rtp_payload(pkt: &[u8]) -> Option<(u16, &[u8])> {
    rtp_payload_type(pkt)?;
    let seq = u16::from_be_bytes([pkt[2], pkt[3]]);
    let mut at = 12 + 4 * usize::from(pkt[0] & 0x0f);
    if pkt[0] & 0x10 != 0 {
        let words = pkt.get(at + 2..at + 4)?;
        at += 4 + 4 * usize::from(u16::from_be_bytes([words[0], words[1]]));
    }
    let mut end = pkt.len();
    if pkt[0] & 0x20 != 0 {
        let pad = usize::from(*pkt.last()?);
        end = end.checked_sub(pad).filter(|_| pad > 0)?;
    }
    Some((seq, pkt.get(at..end)?))
}

#[cfg(test)]
#[path = "depack_tests.rs"]
mod tests;
