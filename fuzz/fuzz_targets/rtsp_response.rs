//! RTSP reader: arbitrary bytes must give a frame, "need more" or an error — never a panic,
//! never more bytes consumed than given, and the same frame from exactly the bytes consumed.
#![no_main]
use camera_detector::discovery::rtsp::{next_frame, Frame};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let max_body = usize::from(data.first().copied().unwrap_or(0)) * 64;
    let mut at = 0;
    while let Ok(Some((frame, used))) = next_frame(&data[at..], max_body) {
        assert!(used > 0 && used <= data.len() - at);
        let again = next_frame(&data[at..at + used], max_body);
        assert_eq!(again, Ok(Some((frame.clone(), used))));
        if let Frame::Response(r) = frame {
            assert!(r.body.len() <= max_body);
            let _ = (
                r.cseq(),
                r.header("Session"),
                r.headers_all("WWW-Authenticate"),
            );
        }
        at += used;
    }
});
