//! Tests of the depacketiser on RTP captured from gst-rtsp-server (scripts/lab/capture_rtp.py:
//! rtph264pay, rtph265pay, rtpjpegpay with SPS/PPS in-band only), and on packets rebuilt from
//! those captured bytes to split, aggregate, lose and reorder them.
use super::*;
use crate::discovery::rtsp::{next_frame, parse_sdp, Frame};

const H264: &[u8] = include_bytes!("testdata/inband_gst_h264_interleaved.txt");
const H264_STAP: &[u8] = include_bytes!("testdata/inband_gst_h264_stap_interleaved.txt");
const H264_FUA: &[u8] = include_bytes!("testdata/inband_gst_h264_fua_interleaved.txt");
const H264_GOP: &[u8] = include_bytes!("testdata/inband_gst_h264_gop_interleaved.txt");
const H265: &[u8] = include_bytes!("testdata/inband_gst_h265_interleaved.txt");
const H265_AP: &[u8] = include_bytes!("testdata/inband_gst_h265_ap_interleaved.txt");
const H265_FU: &[u8] = include_bytes!("testdata/inband_gst_h265_fu_interleaved.txt");
const H265_GOP: &[u8] = include_bytes!("testdata/inband_gst_h265_gop_interleaved.txt");
const MJPEG: &[u8] = include_bytes!("testdata/inband_gst_mjpeg_interleaved.txt");

const H265_PLAIN: VideoFormat = VideoFormat::H265 { donl: false };
const BIG: usize = 1 << 20;

/// (name, fixture, format, the size capture_rtp.py configured)
type Capture = (&'static str, &'static [u8], VideoFormat, (u32, u32));

const CAPTURES: [Capture; 9] = [
    ("h264", H264, VideoFormat::H264, (640, 360)),
    ("h264_stap", H264_STAP, VideoFormat::H264, (320, 180)),
    ("h264_fua", H264_FUA, VideoFormat::H264, (176, 144)),
    ("h264_gop", H264_GOP, VideoFormat::H264, (640, 360)),
    ("h265", H265, H265_PLAIN, (480, 270)),
    ("h265_ap", H265_AP, H265_PLAIN, (320, 240)),
    ("h265_fu", H265_FU, H265_PLAIN, (176, 144)),
    ("h265_gop", H265_GOP, H265_PLAIN, (480, 270)),
    ("mjpeg", MJPEG, VideoFormat::Jpeg, (352, 288)),
];

/// The RTP packets of interleaved channel 0 (the video track), in arrival order.
fn packets(fixture: &[u8]) -> Vec<Vec<u8>> {
    let mut at = 0;
    let mut out = Vec::new();
    while let Ok(Some((frame, used))) = next_frame(&fixture[at..], 1 << 16) {
        at += used;
        if let Frame::Interleaved {
            channel: 0,
            payload,
        } = frame
        {
            out.push(payload);
        }
    }
    assert_eq!(at, fixture.len(), "fixture parses completely");
    out
}

/// Index of the packet that gave the size, and the size.
fn search(format: VideoFormat, pkts: &[Vec<u8>]) -> Option<(usize, (u32, u32))> {
    let mut f = SizeFinder::new(format, BIG);
    pkts.iter().enumerate().find_map(|(i, p)| match f.push(p) {
        Progress::Size(w, h) => Some((i, (w, h))),
        Progress::More => None,
        Progress::Exhausted => panic!("budget"),
    })
}

/// An RTP packet with the fixed header of `like` (version, payload type, timestamp, SSRC),
/// sequence number `seq`, and `payload`.
fn rtp(like: &[u8], seq: u16, payload: &[u8]) -> Vec<u8> {
    let mut p = like[..12].to_vec();
    p[0] &= 0xc0; // no padding, extension or CSRC
    p[2..4].copy_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(payload);
    p
}

/// The first single-NAL packet of `nal_type` in a capture: (the packet, its NAL unit).
fn single_nal(fixture: &[u8], format: VideoFormat, nal_type: u8) -> (Vec<u8>, Vec<u8>) {
    packets(fixture)
        .into_iter()
        .find_map(|p| {
            let t = match format {
                VideoFormat::H264 => p[12] & 0x1f,
                _ => (p[12] >> 1) & 0x3f,
            };
            (t == nal_type).then(|| (p.clone(), p[12..].to_vec()))
        })
        .expect("NAL unit in the capture")
}

/// Every capture gives the size its server was configured with, at the packet that
/// completes the first SPS (or the first RTP/JPEG packet), and not one packet earlier.
#[test]
fn captured_streams_give_their_configured_size() {
    for (name, fixture, format, size) in CAPTURES {
        let pkts = packets(fixture);
        let (at, got) = search(format, &pkts).unwrap_or_else(|| panic!("{name}: no size"));
        assert_eq!(got, size, "{name}");
        let nal = |p: &Vec<u8>| match format {
            VideoFormat::H264 => p[12] & 0x1f,
            _ => (p[12] >> 1) & 0x3f,
        };
        let expected_at = match name {
            "mjpeg" => 0,
            // The SPS follows an access unit delimiter (x264), or the VPS (x265).
            "h264" | "h264_gop" | "h265" | "h265_gop" => 1,
            // First packet: STAP-A/AP with the parameter sets.
            "h264_stap" | "h265_ap" => 0,
            // FU: the last fragment of the SPS (x265's VPS is fragmented too).
            "h264_fua" => 2,
            _ => 4,
        };
        assert_eq!(
            at,
            expected_at,
            "{name}: {:?}",
            pkts.iter().map(nal).collect::<Vec<_>>()
        );
    }
}

/// Every packet cut at every length, after the packets before it: the finder never panics
/// and never reports a size other than the real one.
#[test]
fn truncated_packets_never_give_a_wrong_size() {
    for (name, fixture, format, size) in CAPTURES {
        let pkts = packets(fixture);
        for (i, p) in pkts.iter().enumerate().take(8) {
            for end in 0..p.len() {
                let mut f = SizeFinder::new(format, BIG);
                for before in &pkts[..i] {
                    f.push(before);
                }
                match f.push(&p[..end]) {
                    Progress::Size(w, h) => assert_eq!((w, h), size, "{name} #{i} [..{end}]"),
                    Progress::More => {}
                    Progress::Exhausted => panic!("{name}: budget"),
                }
                assert!(f.buffered() <= MAX_PARAMETER_SET);
            }
        }
    }
}

/// Joining a stream mid-GOP: from every packet after the first keyframe's access unit, the
/// search finds the size at the next SPS (x264/x265 repeat it at the next keyframe or
/// config interval), the same packet whatever the start.
#[test]
fn a_mid_gop_start_finds_the_next_sps() {
    for (name, fixture, format, size) in CAPTURES.into_iter().filter(|c| c.0.ends_with("_gop")) {
        let pkts = packets(fixture);
        let (first, _) = search(format, &pkts).expect("first SPS");
        let stamp = |p: &Vec<u8>| p[4..8].to_vec();
        let after = (first..pkts.len())
            .find(|&i| stamp(&pkts[i]) != stamp(&pkts[first]))
            .expect("a later access unit");
        let (n, got) = search(format, &pkts[after..]).expect("second SPS");
        assert_eq!(got, size, "{name}");
        let second = after + n;
        assert!(
            second > after + 10,
            "{name}: a whole GOP between them ({after}..{second})"
        );
        for start in after..=second {
            assert_eq!(
                search(format, &pkts[start..]),
                Some((second - start, size)),
                "{name} from {start}"
            );
        }
    }
}

/// An SPS split into FU-A (H.264) or FU (H.265) fragments at every possible point, in two
/// and in three pieces, reassembles into the captured SPS's size.
#[test]
fn every_split_of_the_sps_reassembles() {
    let (like, sps) = single_nal(H264, VideoFormat::H264, 7);
    let fu_a = |part: &[u8], start: bool, end: bool| {
        let mut p = vec![
            (sps[0] & 0xe0) | 28,
            (sps[0] & 0x1f) | if start { 0x80 } else { 0 },
        ];
        p[1] |= if end { 0x40 } else { 0 };
        p.extend_from_slice(part);
        p
    };
    let (like5, sps5) = single_nal(H265, H265_PLAIN, 33);
    let fu = |part: &[u8], start: bool, end: bool| {
        let mut p = vec![(sps5[0] & 0x81) | (49 << 1), sps5[1], 33];
        p[2] |= if start { 0x80 } else { 0 } | if end { 0x40 } else { 0 };
        p.extend_from_slice(part);
        p
    };
    type Frag<'a> = &'a dyn Fn(&[u8], bool, bool) -> Vec<u8>;
    /// (format, packet to copy the header of, SPS, its NAL header length, fragmenter, size)
    type Case<'a> = (VideoFormat, &'a [u8], &'a [u8], usize, Frag<'a>, (u32, u32));
    let cases: [Case; 2] = [
        (VideoFormat::H264, &like, &sps, 1, &fu_a, (640, 360)),
        (H265_PLAIN, &like5, &sps5, 2, &fu, (480, 270)),
    ];
    for (format, like, sps, header, frag, size) in cases {
        let body = &sps[header..];
        for a in 1..body.len() {
            for b in a..body.len() {
                let pieces: Vec<&[u8]> = if a == b {
                    vec![&body[..a], &body[a..]]
                } else {
                    vec![&body[..a], &body[a..b], &body[b..]]
                };
                let last = pieces.len() - 1;
                let pkts: Vec<Vec<u8>> = pieces
                    .iter()
                    .enumerate()
                    .map(|(i, part)| {
                        rtp(
                            like,
                            65534u16.wrapping_add(i as u16),
                            &frag(part, i == 0, i == last),
                        )
                    })
                    .collect();
                assert_eq!(
                    search(format, &pkts),
                    Some((last, size)),
                    "{format:?} split {a} {b}"
                );
            }
        }
    }
}

/// STAP-A and AP with the SPS first, last or alone; H.265 with DONL (single NAL unit, AP
/// with DOND, first FU fragment) when the SDP says sprop-max-don-diff > 0.
#[test]
fn aggregation_packets_and_decoding_order_numbers() {
    let (like, sps) = single_nal(H264, VideoFormat::H264, 7);
    let (_, pps) = single_nal(H264, VideoFormat::H264, 8);
    let unit = |n: &[u8]| [&(n.len() as u16).to_be_bytes()[..], n].concat();
    for order in [[&pps, &sps], [&sps, &pps]] {
        let stap = [&[24u8][..], &unit(order[0]), &unit(order[1])].concat();
        assert_eq!(
            search(VideoFormat::H264, &[rtp(&like, 1, &stap)]),
            Some((0, (640, 360)))
        );
    }
    // A unit whose size runs past the packet ends the aggregate: the SPS after it is lost.
    let broken = [&[24u8, 0x7f, 0xff][..], &unit(&sps)].concat();
    assert_eq!(search(VideoFormat::H264, &[rtp(&like, 1, &broken)]), None);

    let (like5, sps5) = single_nal(H265, H265_PLAIN, 33);
    let (_, vps5) = single_nal(H265, H265_PLAIN, 32);
    let donl = VideoFormat::H265 { donl: true };
    let ap_head = [48 << 1, 1];
    let ap = [&ap_head[..], &unit(&vps5), &unit(&sps5)].concat();
    assert_eq!(
        search(H265_PLAIN, &[rtp(&like5, 1, &ap)]),
        Some((0, (480, 270)))
    );
    let ap_don = [&ap_head[..], &[0, 7], &unit(&vps5), &[1], &unit(&sps5)].concat();
    assert_eq!(
        search(donl, &[rtp(&like5, 1, &ap_don)]),
        Some((0, (480, 270)))
    );
    assert_eq!(
        search(H265_PLAIN, &[rtp(&like5, 1, &ap_don)]),
        None,
        "DONL read as a size"
    );
    let single_don = [&sps5[..2], &[0, 9], &sps5[2..]].concat();
    assert_eq!(
        search(donl, &[rtp(&like5, 1, &single_don)]),
        Some((0, (480, 270)))
    );
    let (a, b) = sps5[2..].split_at(10);
    let first = [
        &[(49 << 1) | (sps5[0] & 0x81), sps5[1], 0x80 | 33][..],
        &[0, 9],
        a,
    ]
    .concat();
    let last = [&[(49 << 1) | (sps5[0] & 0x81), sps5[1], 0x40 | 33][..], b].concat();
    let pkts = [rtp(&like5, 9, &first), rtp(&like5, 10, &last)];
    assert_eq!(search(donl, &pkts), Some((1, (480, 270))));
}

/// A lost or reordered fragment, or another NAL unit's fragment between, drops that SPS
/// (never a size from the pieces left), and the search recovers at the next complete one.
#[test]
fn loss_and_reordering_drop_the_sps_and_the_search_goes_on() {
    for (fixture, format, size, pieces) in [
        (H264_FUA, VideoFormat::H264, (176, 144), 2),
        (H265_FU, H265_PLAIN, (176, 144), 3),
    ] {
        let pkts = packets(fixture);
        let (end, _) = search(format, &pkts).expect("size");
        let start = end + 1 - pieces; // capture_rtp.py's small MTU fragments the SPS
        let seq = |p: &Vec<u8>| u16::from_be_bytes([p[2], p[3]]);
        let mut damaged = Vec::new();
        for k in start..=end {
            let mut lost = pkts[..=end].to_vec();
            lost.remove(k);
            damaged.push((format!("fragment {k} lost"), lost));
        }
        for k in start..end {
            let mut swapped = pkts[..=end].to_vec();
            swapped.swap(k, k + 1);
            damaged.push((format!("fragments {k} and {} swapped", k + 1), swapped));
        }
        // The start of another NAL unit's fragments, in sequence, after the SPS's first.
        let other = match format {
            VideoFormat::H264 => vec![0x7c, 0x85, 0x88, 0x84],
            _ => vec![49 << 1, 1, 0x80 | 19, 0xaf, 0x09],
        };
        let mut interrupted = pkts[..=start].to_vec();
        interrupted.push(rtp(&pkts[start], seq(&pkts[start]).wrapping_add(1), &other));
        for p in &pkts[start + 1..=end] {
            interrupted.push(rtp(p, seq(p).wrapping_add(1), &p[12..]));
        }
        damaged.push(("interrupted".into(), interrupted));
        for (what, damaged) in damaged {
            assert_eq!(search(format, &damaged), None, "{format:?} {what}");
            // Recovery: the same SPS again, later in the sequence space.
            let mut f = SizeFinder::new(format, BIG);
            for p in &damaged {
                f.push(p);
            }
            let again: Vec<Vec<u8>> = pkts[start..=end]
                .iter()
                .enumerate()
                .map(|(i, p)| rtp(p, 1000 + i as u16, &p[12..]))
                .collect();
            for p in &again[..pieces - 1] {
                assert_eq!(f.push(p), Progress::More, "{what}");
            }
            assert_eq!(
                f.push(&again[pieces - 1]),
                Progress::Size(size.0, size.1),
                "{what}"
            );
        }
    }
}

/// An endless fragmented "SPS" never holds more than MAX_PARAMETER_SET bytes; what follows
/// it is still searched.
#[test]
fn the_reassembly_buffer_is_capped() {
    let (like, sps) = single_nal(H264, VideoFormat::H264, 7);
    let mut f = SizeFinder::new(VideoFormat::H264, BIG);
    let mut seq = 0u16;
    let mut push = |f: &mut SizeFinder, payload: &[u8]| {
        seq = seq.wrapping_add(1);
        f.push(&rtp(&like, seq, payload))
    };
    assert_eq!(
        push(&mut f, &[[0x7c, 0x87].as_slice(), &[0x55; 100]].concat()),
        Progress::More
    );
    for _ in 0..100 {
        assert_eq!(
            push(&mut f, &[[0x7c, 0x07].as_slice(), &[0x55; 100]].concat()),
            Progress::More
        );
        assert!(f.buffered() <= MAX_PARAMETER_SET, "{}", f.buffered());
    }
    assert_eq!(
        push(&mut f, &[[0x7c, 0x47].as_slice(), &[0x55; 100]].concat()),
        Progress::More
    );
    assert_eq!(f.buffered(), 0);
    assert_eq!(push(&mut f, &sps), Progress::Size(640, 360));
}

/// The byte budget: a packet is looked at while any budget is left; then the search is
/// exhausted for good, and a found size stays found.
#[test]
fn the_budget_bounds_the_search() {
    let pkts = packets(H264_GOP);
    let (at, _) = search(VideoFormat::H264, &pkts).expect("size");
    let before: usize = pkts[..at].iter().map(Vec::len).sum();
    let run = |budget: usize| {
        let mut f = SizeFinder::new(VideoFormat::H264, budget);
        pkts.iter().map(|p| f.push(p)).collect::<Vec<_>>()
    };
    let spent = run(before);
    assert_eq!(spent[at - 1], Progress::Exhausted);
    assert!(spent[at..].iter().all(|p| *p == Progress::Exhausted));
    let enough = run(before + 1);
    assert!(enough[at..].iter().all(|p| *p == Progress::Size(640, 360)));
    assert_eq!(run(0)[0], Progress::Exhausted);
}

/// CSRCs, a header extension and padding are skipped; padding that claims more than the
/// packet, and RTCP, are not RTP payload.
#[test]
fn rtp_header_fields_are_skipped() {
    let (like, sps) = single_nal(H264, VideoFormat::H264, 7);
    let mut p = like[..12].to_vec();
    p[0] = 0x80 | 0x20 | 0x10 | 2; // padding, extension, two CSRCs
    p.extend_from_slice(&[0; 8]); // CSRCs
    p.extend_from_slice(&[0xbe, 0xde, 0, 1, 1, 2, 3, 4]); // one-word extension
    p.extend_from_slice(&sps);
    p.extend_from_slice(&[0, 0, 3]);
    let mut f = SizeFinder::new(VideoFormat::H264, BIG);
    assert_eq!(f.push(&p), Progress::Size(640, 360));
    for pad in [0u8, 255] {
        let mut bad = p.clone();
        *bad.last_mut().expect("byte") = pad;
        assert_eq!(search(VideoFormat::H264, &[bad]), None, "padding {pad}");
    }
    let mut rtcp = p.clone();
    rtcp[1] = 200; // sender report
    assert_eq!(search(VideoFormat::H264, &[rtcp]), None);
    assert_eq!(
        search(VideoFormat::H264, std::slice::from_ref(&sps)),
        None,
        "no RTP header"
    );
}

/// RFC 2435: width and height are in units of 8 pixels; zero is no size.
#[test]
fn jpeg_main_header() {
    let pkts = packets(MJPEG);
    let mut zero = pkts[0].clone();
    zero[12 + 6] = 0;
    assert_eq!(search(VideoFormat::Jpeg, &[zero]), None);
    let mut big = pkts[0].clone();
    big[12 + 6..12 + 8].copy_from_slice(&[255, 135]);
    assert_eq!(search(VideoFormat::Jpeg, &[big]), Some((0, (2040, 1080))));
    assert_eq!(
        search(VideoFormat::Jpeg, &[pkts[0][..12 + 7].to_vec()]),
        None
    );
}

/// The formats of the captured SDPs (no sprop-*, no size) and of an SDP with DONL.
#[test]
fn formats_from_the_sdp() {
    let sdp_of = |fixture: &[u8]| {
        let Ok(Some((Frame::Response(r), _))) = next_frame(fixture, 1 << 16) else {
            panic!("fixture")
        };
        parse_sdp(&r.body).expect("sdp")
    };
    let cases = [
        (
            &include_bytes!("testdata/inband_gst_h264_describe.txt")[..],
            VideoFormat::H264,
        ),
        (
            include_bytes!("testdata/inband_gst_h265_describe.txt"),
            H265_PLAIN,
        ),
        (
            include_bytes!("testdata/inband_gst_mjpeg_describe.txt"),
            VideoFormat::Jpeg,
        ),
    ];
    for (fixture, format) in cases {
        let sdp = sdp_of(fixture);
        assert_eq!(VideoFormat::of(&sdp.media[0]), Some(format));
        assert_eq!(sdp.media[0].sps(), None, "{format:?}: no sprop in the SDP");
    }
    let donl = parse_sdp(
        b"m=video 0 RTP/AVP 96\na=rtpmap:96 H265/90000\na=fmtp:96 sprop-max-don-diff=2\n",
    )
    .expect("sdp");
    assert_eq!(
        VideoFormat::of(&donl.media[0]),
        Some(VideoFormat::H265 { donl: true })
    );
    let audio = parse_sdp(b"m=audio 0 RTP/AVP 0\n").expect("sdp");
    assert_eq!(VideoFormat::of(&audio.media[0]), None);
}
