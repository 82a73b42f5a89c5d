//! SDP parser and helpers: arbitrary bytes must give an Sdp or an error, never a panic;
//! codec, SPS extraction and control URL resolution must not panic on what it returns.
#![no_main]
use camera_detector::discovery::rtsp::{control_url, parse_sdp, MAX_MEDIA};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(sdp) = parse_sdp(data) {
        assert!(!sdp.media.is_empty() && sdp.media.len() <= MAX_MEDIA);
        for m in &sdp.media {
            let _ = (m.codec(), m.sps());
            let url = control_url("rtsp://h/s", sdp.control.as_deref(), m.control.as_deref());
            assert!(!url.is_empty());
        }
    }
});
