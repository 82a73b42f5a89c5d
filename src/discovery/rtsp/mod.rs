//! RTSP client codec: everything the detector needs to prove a camera stream plays,
//! as pure functions over byte slices (no sockets, clock or randomness; nonces are
//! arguments). The socket shell that drives a session lives elsewhere.
//!
//! - [`response`]: requests and the streaming reader of responses and TCP-interleaved
//!   frames, with header and body limits;
//! - [`auth`]: `WWW-Authenticate` challenges, Basic and Digest (MD5, MD5-sess, SHA-256,
//!   with or without qop) `Authorization` values;
//! - [`sdp`]: DESCRIBE bodies, codecs, SPS, control URLs;
//! - [`sps`]: H.264/H.265 SPS → picture size, without a decoder;
//! - [`depack`]: the picture size from a video track's RTP when the SDP has none (in-band
//!   SPS through STAP-A/AP and FU-A/FU, the RTP/JPEG header), within a byte budget;
//! - [`rtp_payload_type`]: recognising RTP among interleaved frames;
//! - [`outcome`]: what playing a URL gives (the stream, or the error naming host, port and
//!   phase) and its timeouts;
//! - [`session`]: `probe`, which plays one URL until the first RTP packet (and on to the
//!   size, when the SDP has none), over [`conn`]: one reusable connection driven phase by
//!   phase;
//! - [`paths`]: the vendor-tagged path dictionary, vendor hints, sub-stream derivation and
//!   the user's paths file (pure);
//! - [`prober`]: the per-host strategy (known URLs, decoy, dictionary, sub stream,
//!   credential bookkeeping), and [`throttle`]: at most 2 probes per camera at once;
//! - `fake` (tests only): a scripted RTSP server on 127.0.0.1 for the prober's and the
//!   connection's tests.
//!
//! Every parser was checked against exchanges captured from the lab's real servers
//! (gst-rtsp-server with Digest, Basic and none, ipycam's native server, npm
//! rtsp-streaming-server); the raw bytes are in `testdata/` (`vendor_impl_operation.txt`,
//! recaptured by `scripts/lab/capture_rtsp.py`; the in-band-only RTP of `inband_gst_*` by
//! `scripts/lab/capture_rtp.py`).
pub mod auth;
pub mod conn;
pub mod depack;
#[cfg(test)]
mod fake;
pub mod outcome;
pub mod paths;
pub mod prober;
pub mod response;
pub mod sdp;
pub mod session;
pub mod sps;
pub mod throttle;

pub use auth::{authorization, parse_challenges, pick, Algorithm, Challenge, Qop};
pub use depack::{Progress, SizeFinder, VideoFormat};
pub use response::{next_frame, request, Frame, Response, RtspError, MAX_HEADER_BYTES};
pub use sdp::{control_url, parse_sdp, Codec, Media, RtpMap, Sdp, SdpError, MAX_MEDIA};
pub use sps::{h264_sps_resolution, h265_sps_resolution};

/// RTP payload type of a packet (RFC 3550), `None` unless it is an RTP version 2 packet of
/// at least the 12-byte fixed header. RTCP packets (types 200–204 share the byte; payload
/// types 72–76, RFC 5761) give `None`.
#[must_use]
pub fn rtp_payload_type(pkt: &[u8]) -> Option<u8> {
    if pkt.len() < 12 || pkt[0] >> 6 != 2 {
        return None;
    }
    let pt = pkt[1] & 0x7f;
    (!(72..=76).contains(&pt)).then_some(pt)
}

/// The raw exchanges captured from the lab (responses, plus the requests that carried
/// credentials the real servers accepted: `*_request.txt`).
#[cfg(test)]
pub(crate) mod fixtures {
    pub(crate) const FIXTURES: &[(&str, &[u8])] = &[
        (
            "amcrest_gst_options.txt",
            include_bytes!("testdata/amcrest_gst_options.txt"),
        ),
        (
            "amcrest_gst_stream1_describe.txt",
            include_bytes!("testdata/amcrest_gst_stream1_describe.txt"),
        ),
        (
            "amcrest_gst_stream2_describe.txt",
            include_bytes!("testdata/amcrest_gst_stream2_describe.txt"),
        ),
        (
            "dahua_gst_describe.txt",
            include_bytes!("testdata/dahua_gst_describe.txt"),
        ),
        (
            "dahua_gst_describe_401.txt",
            include_bytes!("testdata/dahua_gst_describe_401.txt"),
        ),
        (
            "dahua_gst_describe_auth_request.txt",
            include_bytes!("testdata/dahua_gst_describe_auth_request.txt"),
        ),
        (
            "dahua_gst_options.txt",
            include_bytes!("testdata/dahua_gst_options.txt"),
        ),
        (
            "hikvision_gst_describe.txt",
            include_bytes!("testdata/hikvision_gst_describe.txt"),
        ),
        (
            "hikvision_gst_describe_401.txt",
            include_bytes!("testdata/hikvision_gst_describe_401.txt"),
        ),
        (
            "hikvision_gst_describe_auth_request.txt",
            include_bytes!("testdata/hikvision_gst_describe_auth_request.txt"),
        ),
        (
            "hikvision_gst_interleaved.txt",
            include_bytes!("testdata/hikvision_gst_interleaved.txt"),
        ),
        (
            "hikvision_gst_options.txt",
            include_bytes!("testdata/hikvision_gst_options.txt"),
        ),
        (
            "hikvision_gst_play.txt",
            include_bytes!("testdata/hikvision_gst_play.txt"),
        ),
        (
            "hikvision_gst_setup_tcp.txt",
            include_bytes!("testdata/hikvision_gst_setup_tcp.txt"),
        ),
        (
            "hikvision_gst_sub_describe.txt",
            include_bytes!("testdata/hikvision_gst_sub_describe.txt"),
        ),
        (
            "hikvision_gst_sub_describe_401.txt",
            include_bytes!("testdata/hikvision_gst_sub_describe_401.txt"),
        ),
        (
            "hikvision_gst_sub_describe_auth_request.txt",
            include_bytes!("testdata/hikvision_gst_sub_describe_auth_request.txt"),
        ),
        (
            "hikvision_ipycam_describe.txt",
            include_bytes!("testdata/hikvision_ipycam_describe.txt"),
        ),
        (
            "hikvision_ipycam_interleaved.txt",
            include_bytes!("testdata/hikvision_ipycam_interleaved.txt"),
        ),
        (
            "hikvision_ipycam_options.txt",
            include_bytes!("testdata/hikvision_ipycam_options.txt"),
        ),
        (
            "hikvision_ipycam_play.txt",
            include_bytes!("testdata/hikvision_ipycam_play.txt"),
        ),
        (
            "hikvision_ipycam_setup_tcp.txt",
            include_bytes!("testdata/hikvision_ipycam_setup_tcp.txt"),
        ),
        (
            "inband_gst_h264_describe.txt",
            include_bytes!("testdata/inband_gst_h264_describe.txt"),
        ),
        (
            "inband_gst_h264_fua_interleaved.txt",
            include_bytes!("testdata/inband_gst_h264_fua_interleaved.txt"),
        ),
        (
            "inband_gst_h264_gop_interleaved.txt",
            include_bytes!("testdata/inband_gst_h264_gop_interleaved.txt"),
        ),
        (
            "inband_gst_h264_interleaved.txt",
            include_bytes!("testdata/inband_gst_h264_interleaved.txt"),
        ),
        (
            "inband_gst_h264_stap_interleaved.txt",
            include_bytes!("testdata/inband_gst_h264_stap_interleaved.txt"),
        ),
        (
            "inband_gst_h265_ap_interleaved.txt",
            include_bytes!("testdata/inband_gst_h265_ap_interleaved.txt"),
        ),
        (
            "inband_gst_h265_describe.txt",
            include_bytes!("testdata/inband_gst_h265_describe.txt"),
        ),
        (
            "inband_gst_h265_fu_interleaved.txt",
            include_bytes!("testdata/inband_gst_h265_fu_interleaved.txt"),
        ),
        (
            "inband_gst_h265_gop_interleaved.txt",
            include_bytes!("testdata/inband_gst_h265_gop_interleaved.txt"),
        ),
        (
            "inband_gst_h265_interleaved.txt",
            include_bytes!("testdata/inband_gst_h265_interleaved.txt"),
        ),
        (
            "inband_gst_mjpeg_describe.txt",
            include_bytes!("testdata/inband_gst_mjpeg_describe.txt"),
        ),
        (
            "inband_gst_mjpeg_interleaved.txt",
            include_bytes!("testdata/inband_gst_mjpeg_interleaved.txt"),
        ),
        (
            "reolink_gst_describe.txt",
            include_bytes!("testdata/reolink_gst_describe.txt"),
        ),
        (
            "reolink_gst_describe_401.txt",
            include_bytes!("testdata/reolink_gst_describe_401.txt"),
        ),
        (
            "reolink_gst_describe_auth_request.txt",
            include_bytes!("testdata/reolink_gst_describe_auth_request.txt"),
        ),
        (
            "reolink_gst_sub_describe.txt",
            include_bytes!("testdata/reolink_gst_sub_describe.txt"),
        ),
        (
            "uniview_rtspserver_describe.txt",
            include_bytes!("testdata/uniview_rtspserver_describe.txt"),
        ),
        (
            "uniview_rtspserver_describe_401.txt",
            include_bytes!("testdata/uniview_rtspserver_describe_401.txt"),
        ),
        (
            "uniview_rtspserver_options.txt",
            include_bytes!("testdata/uniview_rtspserver_options.txt"),
        ),
        (
            "uniview_rtspserver_setup_tcp_461.txt",
            include_bytes!("testdata/uniview_rtspserver_setup_tcp_461.txt"),
        ),
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Interleaved frames captured after PLAY: gst sends RTP with payload type 96 on
    /// channel 0; ipycam starts with an RTCP sender report on channel 1 (not RTP).
    #[test]
    fn rtp_payload_types_of_captured_frames() {
        let mut seen = Vec::new();
        for fixture in [
            &include_bytes!("testdata/hikvision_gst_interleaved.txt")[..],
            &include_bytes!("testdata/hikvision_ipycam_interleaved.txt")[..],
        ] {
            let mut at = 0;
            while let Ok(Some((frame, used))) = next_frame(&fixture[at..], 1 << 16) {
                at += used;
                if let Frame::Interleaved { channel, payload } = frame {
                    seen.push((channel, rtp_payload_type(&payload)));
                }
            }
            assert_eq!(at, fixture.len());
        }
        assert_eq!(
            seen,
            [
                (0, Some(96)),
                (0, Some(96)),
                (0, Some(96)),
                (1, None),
                (0, Some(96)),
                (0, Some(96))
            ]
        );
        assert_eq!(rtp_payload_type(&[0x40; 12]), None, "version 1");
        assert_eq!(rtp_payload_type(&[0x80, 0x60]), None, "short");
    }
}
