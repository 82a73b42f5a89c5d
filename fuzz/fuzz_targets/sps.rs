//! SPS parsers: arbitrary bytes (as H.264 and as H.265 SPS) must give a plausible size or
//! None, never a panic or an arithmetic overflow.
#![no_main]
use camera_detector::discovery::rtsp::{
    h264_sps_resolution, h265_sps_resolution, rtp_payload_type,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for size in [h264_sps_resolution(data), h265_sps_resolution(data)]
        .into_iter()
        .flatten()
    {
        assert!(size.0 > 0 && size.1 > 0 && size.0 <= 65536 && size.1 <= 65536);
    }
    if let Some(pt) = rtp_payload_type(data) {
        assert!(pt < 128);
    }
});
