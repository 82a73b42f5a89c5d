//! RTP depacketiser: arbitrary packets must give "more", "exhausted" or a plausible size —
//! never a panic, never more than MAX_PARAMETER_SET bytes held, never a different answer
//! once one was given, and nothing after the budget is spent.
//!
//! Input: a selector byte (bits 0–1: H.264, H.265, H.265 with DONL, JPEG; the rest: byte
//! budget in units of 128, 0 = 1 MiB), then packets framed as TCP-interleaved frames
//! (`$` channel len16 packet; the first two bytes are not checked), as in the fixtures.
#![no_main]
use camera_detector::discovery::rtsp::depack::MAX_PARAMETER_SET;
use camera_detector::discovery::rtsp::{Progress, SizeFinder, VideoFormat};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let format = match sel & 3 {
        0 => VideoFormat::H264,
        1 => VideoFormat::H265 { donl: false },
        2 => VideoFormat::H265 { donl: true },
        _ => VideoFormat::Jpeg,
    };
    let budget = match usize::from(sel >> 2) {
        0 => 1 << 20,
        n => n * 128,
    };
    let mut finder = SizeFinder::new(format, budget);
    let mut answer: Option<Progress> = None;
    let mut at = 0;
    while let Some(head) = rest.get(at..at + 4) {
        let end = (at + 4 + usize::from(u16::from_be_bytes([head[2], head[3]]))).min(rest.len());
        let progress = finder.push(&rest[at + 4..end]);
        at = end;
        assert!(finder.buffered() <= MAX_PARAMETER_SET);
        match progress {
            Progress::More => assert_eq!(answer, None),
            Progress::Size(w, h) => {
                assert!(answer.is_none() || answer == Some(progress));
                let plausible = match format {
                    VideoFormat::Jpeg => (8..=2040).contains(&w) && (8..=2040).contains(&h),
                    _ => (1..=65536).contains(&w) && (1..=65536).contains(&h),
                };
                assert!(plausible, "{format:?} {w}x{h}");
                answer = Some(progress);
            }
            Progress::Exhausted => {
                assert!(answer.is_none() || answer == Some(progress));
                answer = Some(progress);
            }
        }
    }
});
