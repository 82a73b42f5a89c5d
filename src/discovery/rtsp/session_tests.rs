//! The play phase against a replaying server on 127.0.0.1 (rtsp/fake.rs): the captured
//! DESCRIBE answers of gst-rtsp-server streams without a size in the SDP
//! (testdata/inband_gst_*), then their captured RTP, over TCP-interleaved (written in
//! odd-sized pieces) or over UDP after a 461.
//! The probe must report the size found in the RTP, and still a playable stream without it.
use crate::discovery::rtsp::fake::{FakeCam, Running};
use crate::discovery::rtsp::session::{probe, Timeouts, Transport};
use std::time::Duration;

/// Serves `describe`'s SDP and then `rtp`; returns the URL.
fn replay(describe: &'static [u8], rtp: &'static [u8], udp_only: bool) -> (String, Running) {
    let cam = FakeCam {
        paths: vec!["/cam"],
        describe: Some(describe),
        rtp: Some(rtp),
        udp_only,
        ..FakeCam::default()
    }
    .start();
    (format!("rtsp://127.0.0.1:{}/cam", cam.port), cam)
}

fn t() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(2),
        phase: Duration::from_secs(1),
    }
}

const H264_DESCRIBE: &[u8] = include_bytes!("testdata/inband_gst_h264_describe.txt");
const H265_DESCRIBE: &[u8] = include_bytes!("testdata/inband_gst_h265_describe.txt");
const MJPEG_DESCRIBE: &[u8] = include_bytes!("testdata/inband_gst_mjpeg_describe.txt");

/// No sprop-* in the SDP, the SPS in-band (after the first packet: x264's access unit
/// delimiter, x265's VPS); MJPEG with no size in the SDP at all. Over TCP and over UDP.
#[test]
fn the_size_comes_from_the_rtp_when_the_sdp_has_none() {
    /// (DESCRIBE answer, interleaved RTP, codec, size)
    type Case = (&'static [u8], &'static [u8], &'static str, (u32, u32));
    let cases: [Case; 4] = [
        (
            H264_DESCRIBE,
            include_bytes!("testdata/inband_gst_h264_gop_interleaved.txt"),
            "h264",
            (640, 360),
        ),
        (
            H264_DESCRIBE,
            include_bytes!("testdata/inband_gst_h264_fua_interleaved.txt"),
            "h264",
            (176, 144),
        ),
        (
            H265_DESCRIBE,
            include_bytes!("testdata/inband_gst_h265_fu_interleaved.txt"),
            "h265",
            (176, 144),
        ),
        (
            MJPEG_DESCRIBE,
            include_bytes!("testdata/inband_gst_mjpeg_interleaved.txt"),
            "mjpeg",
            (352, 288),
        ),
    ];
    for (describe, rtp, codec, size) in cases {
        for udp in [false, true] {
            let (url, _cam) = replay(describe, rtp, udp);
            let p = probe(&url, None, &t()).unwrap_or_else(|e| panic!("{codec} udp={udp}: {e}"));
            assert_eq!(p.stream.codec, codec);
            assert_eq!(
                (p.stream.width, p.stream.height),
                (Some(size.0), Some(size.1)),
                "{codec} udp={udp}"
            );
            assert_eq!(
                p.stream.transport,
                if udp { Transport::Udp } else { Transport::Tcp }
            );
        }
    }
}

/// RTP without any SPS (a capture cut before it, then silence): the stream played, the size
/// stays unknown.
#[test]
fn a_stream_without_an_sps_still_plays() {
    let rtp = include_bytes!("testdata/inband_gst_h264_fua_interleaved.txt");
    let first_frame = 4 + usize::from(u16::from_be_bytes([rtp[2], rtp[3]]));
    for udp in [false, true] {
        let (url, _cam) = replay(H264_DESCRIBE, &rtp[..first_frame], udp);
        let p = probe(&url, None, &t()).unwrap_or_else(|e| panic!("udp={udp}: {e}"));
        assert_eq!(
            (p.stream.codec.as_str(), p.stream.width, p.stream.height),
            ("h264", None, None)
        );
    }
}

/// Older cameras' MJPEG: static payload type 26 without any `a=rtpmap` is still `mjpeg`,
/// sized from the RTP/JPEG header.
#[test]
fn mjpeg_without_rtpmap_is_named_and_sized() {
    let text = String::from_utf8_lossy(MJPEG_DESCRIBE).replace("a=rtpmap:26 JPEG/90000\r\n", "");
    assert!(!text.contains("rtpmap") && text.contains("m=video 0 RTP/AVP 26"));
    let describe: &'static [u8] = Box::leak(text.into_bytes().into_boxed_slice());
    let rtp = include_bytes!("testdata/inband_gst_mjpeg_interleaved.txt");
    let (url, _cam) = replay(describe, rtp, false);
    let p = probe(&url, None, &t()).expect("plays");
    assert_eq!(
        (p.stream.codec.as_str(), p.stream.width, p.stream.height),
        ("mjpeg", Some(352), Some(288))
    );
}

/// The `probe` command's credential loop: a refused credential tries the next; when every
/// one is refused the error says so; without a login the first probe needs none.
#[test]
fn probe_each_tries_the_credentials_in_turn() {
    use crate::discovery::rtsp::session::{probe_each, ProbeError};
    use crate::secret::Credential;
    let cam = FakeCam {
        paths: vec!["/cam"],
        basic: Some(("admin", "good")),
        ..FakeCam::default()
    }
    .start();
    let url = format!("rtsp://127.0.0.1:{}/cam", cam.port);
    let creds = [
        Credential::new("admin", "bad"),
        Credential::new("admin", "good"),
    ];
    let (played, cred) = probe_each(&url, &creds, &t()).expect("the second one opens it");
    assert_eq!(played.stream.url, url);
    assert_eq!(cred, Some(&creds[1]));
    let refused = probe_each(&url, &creds[..1], &t()).unwrap_err();
    assert!(
        matches!(
            refused,
            ProbeError::Unauthorized {
                with_credentials: true,
                ..
            }
        ),
        "{refused}"
    );
    let open = FakeCam {
        paths: vec!["/cam"],
        ..FakeCam::default()
    }
    .start();
    let url = format!("rtsp://127.0.0.1:{}/cam", open.port);
    let (_, cred) = probe_each(&url, &[], &t()).expect("no login needed");
    assert_eq!(cred, None);
}
