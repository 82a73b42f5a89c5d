//! WWW-Authenticate parsing: arbitrary header values must give challenges (possibly none),
//! and answering the picked one must produce a single-line header value.
#![no_main]
use camera_detector::discovery::rtsp::{authorization, parse_challenges, pick};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let values: Vec<&str> = text.split('\n').collect();
    let challenges = parse_challenges(&values);
    if let Some(ch) = pick(&challenges) {
        let value = authorization(ch, "admin", "pa\"ss", "DESCRIBE", "rtsp://h/s", "c0ffee", 1);
        assert!(!value.contains('\n') || text.contains('\n'));
    }
});
