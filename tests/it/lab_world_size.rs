//! Codec and picture size of streams whose SDP does not say them, against a real server: an
//! owned camera (support/owncam.rs: gst-rtsp-server, Digest) serving H.264 and H.265 with
//! the parameter sets only in-band (gst-rtsp-cam.py mount flag `inband`: a pad probe strips
//! `sprop-*` from the payloader's caps, so the SDP has none) and MJPEG (RTP payload type 26;
//! an RTP/JPEG SDP never has a size), over TCP-interleaved and over UDP (flag `udp`: TCP
//! SETUP gets 461). `camera-detector probe` inside the lab's detector namespace must report
//! the codec and the size the camera encodes (and ffprobe decodes); a child test inside the
//! namespace first checks with the library that the SDPs really leave the size out.
use crate::lab_rtsp::probe;
use crate::support::lab::{in_detector_ns_with, is_detector_ns_child, lab, with_creds};
use crate::support::owncam::{OwnCamera, PASSWORD, USER};
use camera_detector::discovery::rtsp::session::{split_url, Conn, Timeouts};
use camera_detector::discovery::rtsp::Codec;
use std::time::Duration;

/// (mount path, gst-rtsp-cam.py codec, WxH, fps, flags, transport the probe must use)
type Stream = (
    &'static str,
    &'static str,
    (u64, u64),
    u32,
    &'static str,
    &'static str,
);

const STREAMS: [Stream; 5] = [
    ("/inband/h264", "h264", (640, 360), 10, "inband", "tcp"),
    ("/inband/h265", "h265", (480, 270), 10, "inband", "tcp"),
    ("/mjpeg", "mjpeg", (352, 288), 5, "", "tcp"),
    ("/udp/h264", "h264", (320, 180), 5, "inband,udp", "udp"),
    ("/udp/mjpeg", "mjpeg", (176, 144), 5, "udp", "udp"),
];

#[test]
fn sizes_the_sdp_leaves_out_come_from_the_rtp() {
    const NAME: &str = "lab_world_size::sizes_the_sdp_leaves_out_come_from_the_rtp";
    let _cam: OwnCamera; // the parent's camera lives until the child has run
    let env = if is_detector_ns_child() {
        Vec::new()
    } else {
        let Some(lab) = lab() else { return };
        let mounts: Vec<String> = STREAMS
            .iter()
            .map(|(path, codec, (w, h), fps, flags, _)| {
                format!("{path}:{codec}:{w}x{h}:{fps}:{flags}")
            })
            .collect();
        let mounts: Vec<&str> = mounts.iter().map(String::as_str).collect();
        let cam = OwnCamera::start_with(&lab, "sz", &mounts);
        let (user, pass) = cam.credentials();
        for (path, codec, size, _, _, transport) in STREAMS {
            let url = cam.url(path);
            let (ok, v) = probe(&lab, &url, &format!("{user}:{pass}"));
            assert!(ok, "{url}: {v}");
            let s = &v["stream"];
            assert_eq!(s["codec"], codec, "{url}: {v}");
            assert_eq!(
                (s["width"].as_u64(), s["height"].as_u64()),
                (Some(size.0), Some(size.1)),
                "{url}: {v}"
            );
            assert_eq!(s["transport"], transport, "{url}: {v}");
            let decoded = lab.ffprobe(&with_creds(&url, user, pass), transport);
            assert_eq!(
                decoded,
                (codec.to_string(), size.0, size.1),
                "ffprobe {url}"
            );
        }
        let env = vec![("OWNCAM_IP", cam.ip().to_string())];
        _cam = cam;
        env
    };
    let Some(_lab) = in_detector_ns_with(NAME, &env) else {
        return;
    };
    // Inside the detector namespace: the SDPs carry no SPS (H.264/H.265) or no size at all
    // (MJPEG), so the sizes above can only have come from the RTP.
    let ip = std::env::var("OWNCAM_IP").expect("OWNCAM_IP from the parent");
    let t = Timeouts {
        connect: Duration::from_secs(3),
        phase: Duration::from_secs(5),
    };
    for (path, codec, ..) in STREAMS {
        let (host, port, url) = split_url(&format!("rtsp://{ip}:554{path}")).expect("url");
        let mut c = Conn::open(&host, port, &t).expect("connect");
        c.set_credential(Some((USER, PASSWORD)));
        let d = c.describe(&url).unwrap_or_else(|e| panic!("{url}: {e}"));
        let video = d
            .sdp
            .media
            .iter()
            .find(|m| m.kind == "video")
            .expect("video");
        let want = match codec {
            "h264" => Codec::H264,
            "h265" => Codec::H265,
            _ => Codec::Mjpeg,
        };
        assert_eq!(video.codec(), want, "{url}");
        assert_eq!(video.sps(), None, "{url}: parameter sets in the SDP");
        assert!(
            video.fmtp.iter().all(|(k, _)| !k.starts_with("sprop-")),
            "{url}: {:?}",
            video.fmtp
        );
    }
}
