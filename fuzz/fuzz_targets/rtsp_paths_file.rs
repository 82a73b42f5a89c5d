//! RTSP_PATHS_FILE parsing: arbitrary text gives entries or a one-line error naming the
//! line, never a panic; every entry's path starts with `/`.
#![no_main]
use camera_detector::discovery::rtsp::paths::{
    fill_credentials, ordered, other_stream_candidates, parse_paths_file,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match parse_paths_file(&text) {
        Ok(entries) => {
            for e in &entries {
                assert!(e.path.starts_with('/'), "{:?}", e.path);
                let _ = other_stream_candidates(&e.path, e.brand);
                let _ = fill_credentials(&e.path, "admin", "p@ss w{rd}");
            }
            assert!(ordered(None, &entries).len() >= entries.len().min(1));
        }
        Err(e) => assert!(!e.to_string().contains('\n')),
    }
});
