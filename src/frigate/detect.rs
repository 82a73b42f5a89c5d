//! Which stream Frigate detects on, and at what size.
//!
//! The rule (docs/frigate.md, "Detect stream and size"):
//! - the sub stream is the detect stream when it differs from the main stream and its
//!   probed size is known with the smaller side at least FRIGATE_DETECT_MIN_SIDE (default
//!   360: fire and smoke need pixels; a 320x240 or 160x120 sub stream loses to the main);
//! - otherwise detection runs on the main stream (one input, `[detect, record]`), scaled;
//! - the size is Frigate 0.17 wizard's: the probed size of the detect stream with the
//!   smaller side scaled to min(720, smaller side), aspect ratio kept, both sides rounded
//!   down to even numbers; no size at all when the detect stream's size is unknown (Frigate
//!   measures it at start). Never another stream's size, never an ONVIF profile's.
use crate::model::{Camera, Stream};

pub use crate::config::DEFAULT_MIN_SIDE;
/// The wizard's cap on the smaller side of the detect size.
pub const MAX_SMALLER_SIDE: u32 = 720;

/// The detect decision for one camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detect<'a> {
    /// The sub stream when it detects (then the main stream only records).
    pub sub: Option<&'a Stream>,
    /// `detect.width/height`, or `None` to let Frigate measure.
    pub size: Option<(u32, u32)>,
}

fn probed(s: &Stream) -> Option<(u32, u32)> {
    match (s.width, s.height) {
        (Some(w), Some(h)) if w > 0 && h > 0 => Some((w, h)),
        _ => None,
    }
}

/// The detect stream and size of `rec` (see the module doc); `min_side` is
/// FRIGATE_DETECT_MIN_SIDE.
#[must_use]
pub fn choose(rec: &Camera, min_side: u32) -> Detect<'_> {
    let main = rec.main.as_ref();
    let sub = rec.sub.as_ref().filter(|s| {
        main.is_some_and(|m| m.url != s.url) && probed(s).is_some_and(|(w, h)| w.min(h) >= min_side)
    });
    let detect = sub.or(main);
    Detect {
        sub,
        size: detect.and_then(probed).map(|(w, h)| wizard_size(w, h)),
    }
}

/// The wizard's detect size for a `w`x`h` stream (see the module doc).
#[must_use]
pub fn wizard_size(w: u32, h: u32) -> (u32, u32) {
    let smaller = w.min(h).max(1);
    let target = smaller.min(MAX_SMALLER_SIDE);
    let scale = |side: u32| {
        let scaled = u64::from(side) * u64::from(target) / u64::from(smaller);
        u32::try_from(scaled).unwrap_or(u32::MAX)
    };
    let even = |x: u32| (x & !1).max(2);
    (even(scale(w)), even(scale(h)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frigate::tests::{amcrest, stream, AMCREST_MAIN, AMCREST_SUB};

    #[test]
    fn wizard_sizes() {
        assert_eq!(wizard_size(1920, 1080), (1280, 720));
        assert_eq!(wizard_size(2560, 1440), (1280, 720));
        assert_eq!(wizard_size(2048, 1536), (960, 720), "4:3 stays 4:3");
        assert_eq!(wizard_size(1080, 1920), (720, 1280), "portrait");
        assert_eq!(wizard_size(640, 360), (640, 360), "never scaled up");
        assert_eq!(wizard_size(704, 576), (704, 576));
        assert_eq!(wizard_size(641, 361), (640, 360), "rounded down to even");
        assert_eq!(wizard_size(3840, 2160), (1280, 720));
        assert_eq!(wizard_size(2592, 1944), (960, 720));
    }

    #[test]
    fn a_usable_sub_stream_detects_at_its_own_size() {
        let mut r = amcrest(); // main 1920x1080, sub 640x480
        let d = choose(&r, DEFAULT_MIN_SIDE);
        assert_eq!(d.sub.map(|s| s.url.as_str()), Some(AMCREST_SUB));
        assert_eq!(d.size, Some((640, 480)));
        r.sub = Some(stream(AMCREST_SUB, Some((640, 360))));
        assert_eq!(choose(&r, DEFAULT_MIN_SIDE).size, Some((640, 360)));
    }

    #[test]
    fn a_small_or_unmeasured_sub_stream_loses_to_the_main() {
        let mut r = amcrest();
        for size in [Some((320, 240)), Some((160, 120)), Some((0, 0)), None] {
            r.sub = Some(stream(AMCREST_SUB, size));
            let d = choose(&r, DEFAULT_MIN_SIDE);
            assert_eq!(d.sub, None, "{size:?}");
            assert_eq!(d.size, Some((1280, 720)), "main 1920x1080 scaled");
        }
        // The threshold is configurable.
        r.sub = Some(stream(AMCREST_SUB, Some((320, 240))));
        assert!(choose(&r, 240).sub.is_some());
        // A sub stream equal to the main stream is no second stream.
        r.sub = Some(stream(AMCREST_MAIN, Some((1920, 1080))));
        assert_eq!(choose(&r, DEFAULT_MIN_SIDE).sub, None);
    }

    #[test]
    fn an_unknown_size_is_left_out_never_borrowed() {
        let mut r = amcrest();
        r.sub = Some(stream(AMCREST_SUB, Some((320, 240))));
        r.main = Some(stream(AMCREST_MAIN, None));
        let d = choose(&r, DEFAULT_MIN_SIDE);
        assert_eq!((d.sub, d.size), (None, None), "not the sub's 320x240");
        r.profiles = vec![crate::frigate::tests::profile("p", 1280, 720)];
        assert_eq!(choose(&r, DEFAULT_MIN_SIDE).size, None, "not a profile's");
    }
}
