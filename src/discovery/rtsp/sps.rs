//! Picture size from an H.264 or H.265 sequence parameter set, without a decoder: remove
//! the emulation-prevention bytes, then read just enough of the SPS (Exp-Golomb codes,
//! high-profile chroma format and scaling lists, frame/field coding, cropping; for H.265 the
//! profile_tier_level with sub-layers and the conformance window).
//!
//! Input is a NAL unit with its header (what `sprop-parameter-sets` / `sprop-sps` carry),
//! optionally behind an Annex B start code. Truncated or garbage input gives `None`: the
//! bit reader returns `None` at the end and every size computation is checked.

/// Width and height in pixels of an H.264 SPS NAL unit (type 7), after cropping.
#[must_use]
pub fn h264_sps_resolution(nal: &[u8]) -> Option<(u32, u32)> {
    let nal = strip_start_code(nal);
    if nal.first()? & 0x1f != 7 {
        return None;
    }
    let rbsp = unescape(nal.get(1..)?);
    let mut r = BitReader::new(&rbsp);
    let profile_idc = r.bits(8)?;
    r.skip(16)?; // constraint flags, level_idc
    r.ue()?; // seq_parameter_set_id
    let mut chroma_format_idc = 1;
    let mut separate_colour_plane = false;
    if matches!(
        profile_idc,
        100 | 110 | 122 | 244 | 44 | 83 | 86 | 118 | 128 | 138 | 139 | 134 | 135
    ) {
        chroma_format_idc = r.ue()?;
        if chroma_format_idc == 3 {
            separate_colour_plane = r.flag()?;
        }
        r.ue()?; // bit_depth_luma_minus8
        r.ue()?; // bit_depth_chroma_minus8
        r.skip(1)?; // qpprime_y_zero_transform_bypass_flag
        if r.flag()? {
            // seq_scaling_matrix_present_flag
            let lists = if chroma_format_idc == 3 { 12 } else { 8 };
            for i in 0..lists {
                if r.flag()? {
                    skip_scaling_list(&mut r, if i < 6 { 16 } else { 64 })?;
                }
            }
        }
    }
    r.ue()?; // log2_max_frame_num_minus4
    match r.ue()? {
        0 => {
            r.ue()?; // log2_max_pic_order_cnt_lsb_minus4
        }
        1 => {
            r.skip(1)?; // delta_pic_order_always_zero_flag
            r.se()?; // offset_for_non_ref_pic
            r.se()?; // offset_for_top_to_bottom_field
            let cycle = r.ue()?;
            if cycle > 255 {
                return None;
            }
            for _ in 0..cycle {
                r.se()?;
            }
        }
        _ => {}
    }
    r.ue()?; // max_num_ref_frames
    r.skip(1)?; // gaps_in_frame_num_value_allowed_flag
    let width_mbs = r.ue()?.checked_add(1)?;
    let height_map_units = r.ue()?.checked_add(1)?;
    let frame_mbs_only = r.flag()?;
    if !frame_mbs_only {
        r.skip(1)?; // mb_adaptive_frame_field_flag
    }
    r.skip(1)?; // direct_8x8_inference_flag
    let field_factor = if frame_mbs_only { 1 } else { 2 };
    let width = width_mbs.checked_mul(16)?;
    let height = height_map_units
        .checked_mul(16)?
        .checked_mul(field_factor)?;
    let (mut crop_x, mut crop_y) = (0, 0);
    if r.flag()? {
        let (left, right, top, bottom) = (r.ue()?, r.ue()?, r.ue()?, r.ue()?);
        // ChromaArrayType 0 (monochrome or separate planes): units of one luma sample.
        let (unit_x, unit_y) = match (separate_colour_plane, chroma_format_idc) {
            (false, 1) => (2, 2),
            (false, 2) => (2, 1),
            _ => (1, 1),
        };
        crop_x = left.checked_add(right)?.checked_mul(unit_x)?;
        crop_y = top
            .checked_add(bottom)?
            .checked_mul(unit_y)?
            .checked_mul(field_factor)?;
    }
    sized(width.checked_sub(crop_x)?, height.checked_sub(crop_y)?)
}

/// Width and height in pixels of an H.265 SPS NAL unit (type 33), after the conformance
/// window.
#[must_use]
pub fn h265_sps_resolution(nal: &[u8]) -> Option<(u32, u32)> {
    let nal = strip_start_code(nal);
    if (nal.first()? >> 1) & 0x3f != 33 {
        return None;
    }
    let rbsp = unescape(nal.get(2..)?);
    let mut r = BitReader::new(&rbsp);
    r.skip(4)?; // sps_video_parameter_set_id
    let max_sub_layers_minus1 = r.bits(3)?;
    r.skip(1)?; // sps_temporal_id_nesting_flag
    skip_profile_tier_level(&mut r, max_sub_layers_minus1)?;
    r.ue()?; // sps_seq_parameter_set_id
    let chroma_format_idc = r.ue()?;
    let separate_colour_plane = chroma_format_idc == 3 && r.flag()?;
    let width = r.ue()?;
    let height = r.ue()?;
    let (mut crop_x, mut crop_y) = (0, 0);
    if r.flag()? {
        let (left, right, top, bottom) = (r.ue()?, r.ue()?, r.ue()?, r.ue()?);
        let (sub_w, sub_h) = match (separate_colour_plane, chroma_format_idc) {
            (false, 1) => (2, 2),
            (false, 2) => (2, 1),
            _ => (1, 1),
        };
        crop_x = left.checked_add(right)?.checked_mul(sub_w)?;
        crop_y = top.checked_add(bottom)?.checked_mul(sub_h)?;
    }
    sized(width.checked_sub(crop_x)?, height.checked_sub(crop_y)?)
}

/// A picture size only when both sides are non-zero and at most 65536 (no real camera
/// comes close; larger values come from garbage).
fn sized(width: u32, height: u32) -> Option<(u32, u32)> {
    ((1..=65536).contains(&width) && (1..=65536).contains(&height)).then_some((width, height))
}

/// H.265 profile_tier_level(1, max_sub_layers_minus1) (§7.3.3).
fn skip_profile_tier_level(r: &mut BitReader, max_sub_layers_minus1: u32) -> Option<()> {
    r.skip(88)?; // general profile space/tier/idc, compatibility flags, constraint flags
    r.skip(8)?; // general_level_idc
    let mut present = [(false, false); 7];
    for p in present.iter_mut().take(max_sub_layers_minus1 as usize) {
        *p = (r.flag()?, r.flag()?);
    }
    if max_sub_layers_minus1 > 0 {
        r.skip(2 * (8 - max_sub_layers_minus1 as usize))?; // reserved_zero_2bits
    }
    for (profile, level) in present.iter().take(max_sub_layers_minus1 as usize) {
        if *profile {
            r.skip(88)?;
        }
        if *level {
            r.skip(8)?;
        }
    }
    Some(())
}

/// H.264 scaling_list(): only the deltas are read, to move past them.
fn skip_scaling_list(r: &mut BitReader, size: usize) -> Option<()> {
    let (mut last, mut next) = (8i64, 8i64);
    for _ in 0..size {
        if next != 0 {
            next = (last + r.se()? + 256) % 256;
        }
        if next != 0 {
            last = next;
        }
    }
    Some(())
}

fn strip_start_code(nal: &[u8]) -> &[u8] {
    nal.strip_prefix(&[0, 0, 0, 1])
        .or_else(|| nal.strip_prefix(&[0, 0, 1]))
        .unwrap_or(nal)
}

/// NAL payload → RBSP: drops the 0x03 of every `00 00 03`.
fn unescape(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut zeros = 0;
    for &b in data {
        if zeros >= 2 && b == 3 {
            zeros = 0;
            continue;
        }
        zeros = if b == 0 { zeros + 1 } else { 0 };
        out.push(b);
    }
    out
}

/// MSB-first bit reader; every read returns `None` past the end.
struct BitReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> BitReader<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    fn flag(&mut self) -> Option<bool> {
        let byte = self.data.get(self.pos / 8)?;
        let bit = (byte >> (7 - self.pos % 8)) & 1;
        self.pos += 1;
        Some(bit == 1)
    }

    /// Up to 32 bits as an unsigned number.
    fn bits(&mut self, n: u32) -> Option<u32> {
        let mut v = 0u32;
        for _ in 0..n.min(32) {
            v = (v << 1) | u32::from(self.flag()?);
        }
        Some(v)
    }

    fn skip(&mut self, n: usize) -> Option<()> {
        let end = self.pos.checked_add(n)?;
        (end <= self.data.len() * 8).then(|| self.pos = end)
    }

    /// Unsigned Exp-Golomb; more than 31 leading zeros is garbage.
    fn ue(&mut self) -> Option<u32> {
        let mut zeros = 0;
        while !self.flag()? {
            zeros += 1;
            if zeros > 31 {
                return None;
            }
        }
        let rest = self.bits(zeros)?;
        let v = (1u64 << zeros) - 1 + u64::from(rest);
        u32::try_from(v).ok()
    }

    /// Signed Exp-Golomb.
    fn se(&mut self) -> Option<i64> {
        let k = i64::from(self.ue()?);
        Some(if k % 2 == 1 { (k + 1) / 2 } else { -(k / 2) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len() / 2)
            .filter_map(|i| u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok())
            .collect()
    }

    /// SPS from libx264/libx265 (ffmpeg on the lab host) with the size ffprobe reports.
    const X264: [(&str, (u32, u32)); 4] = [
        // High, 1920x1088 cropped to 1080 (frame_cropping, 4:2:0 crop units of 2).
        (
            "67640028acd940780227e5c044000003000400000300283c60c658",
            (1920, 1080),
        ),
        // High, interlaced: frame_mbs_only_flag = 0, map units are field pairs.
        (
            "67640028acd94078044fde022000000300200000030143e2c5b2c0",
            (1920, 1080),
        ),
        // High 4:2:2, odd size 1278x718: chroma_format_idc 2 crop units (2, 1).
        (
            "677a001fbcd9405005beaf0110000003001000000300a0f1831960",
            (1278, 718),
        ),
        // High 4:4:4 Predictive with cqm=jvt (chroma_format_idc 3, scaling matrix flag).
        (
            "67f4001f919b280a00b76022000003000200000300141e30632c",
            (1280, 720),
        ),
    ];
    const X265: [(&str, (u32, u32)); 2] = [
        // Main, 1920x1080 through a conformance window (coded 1920x1088).
        ("420101016000000300900000030000030078a003c08010e596566924caf016808000000300800000030284", (1920, 1080)),
        // Main 4:2:2 (Rext), 1278x718: conformance window in 4:2:2 units.
        ("4201010408000003009d0800000300005db00280802d1d5e5959a4932bc05a020000030002000003000a10", (1278, 718)),
    ];

    /// Known encoder output: cropping, field coding, 4:2:2 / 4:4:4, scaling matrices.
    #[test]
    fn encoder_sps_sizes() {
        for (sps, size) in X264 {
            assert_eq!(h264_sps_resolution(&hex(sps)), Some(size), "{sps}");
            let mut annex_b = vec![0, 0, 0, 1];
            annex_b.extend(hex(sps));
            assert_eq!(h264_sps_resolution(&annex_b), Some(size));
            assert_eq!(h265_sps_resolution(&hex(sps)), None, "wrong NAL type");
        }
        for (sps, size) in X265 {
            assert_eq!(h265_sps_resolution(&hex(sps)), Some(size), "{sps}");
            assert_eq!(h264_sps_resolution(&hex(sps)), None, "wrong NAL type");
        }
    }

    /// Truncated SPS never panic: every prefix is None or the full answer; flipped bytes
    /// and all-0xff/all-zero garbage never panic either.
    #[test]
    fn truncated_and_garbage() {
        for (sps, size) in X264.iter().chain(X265.iter()) {
            let bytes = hex(sps);
            let parse = |b: &[u8]| h264_sps_resolution(b).or_else(|| h265_sps_resolution(b));
            for end in 0..bytes.len() {
                let got = parse(&bytes[..end]);
                assert!(
                    got.is_none() || got == Some(*size),
                    "{sps} prefix {end}: {got:?}"
                );
            }
            for i in 0..bytes.len() {
                let mut bad = bytes.clone();
                bad[i] ^= 0xa5;
                let _ = parse(&bad);
            }
        }
        // Garbage may decode to some small size; it must simply not panic.
        let _ = h264_sps_resolution(&[0x67; 64]);
        let _ = h265_sps_resolution(&[0x42; 64]);
        let mut zeros = vec![0x67, 0x64];
        zeros.extend([0u8; 40]);
        assert_eq!(h264_sps_resolution(&zeros), None);
        assert_eq!(h265_sps_resolution(&[0x42, 0x01]), None);
        assert_eq!(h264_sps_resolution(&[]), None);
    }

    /// H.265 profile_tier_level with sub-layers: max_sub_layers_minus1 = 2, both sub-layers
    /// with profile and level present (built bit by bit; x265 never emits this).
    #[test]
    fn h265_with_sub_layers() {
        let mut bits = String::new();
        bits += "0100001000000001"; // NAL header: type 33
        bits += "0000"; // vps id
        bits += "010"; // max_sub_layers_minus1 = 2
        bits += "1"; // temporal id nesting
        bits += &"0".repeat(96); // general profile/tier/level
        bits += "1111"; // sub-layer 0 and 1: profile and level present
        bits += &"00".repeat(6); // reserved for i in 2..8
        bits += &"0".repeat(2 * (88 + 8)); // two sub-layer profiles and levels
        bits += "1"; // sps id 0
        bits += "010"; // chroma_format_idc 1
        bits += &ue(640);
        bits += &ue(360);
        bits += "1"; // conformance window
        bits += &(ue(0) + &ue(2) + &ue(0) + &ue(4)); // right 2*2, bottom 4*2
        bits += "1"; // rbsp stop bit
        while bits.len() % 8 != 0 {
            bits.push('0');
        }
        let bytes: Vec<u8> = bits
            .as_bytes()
            .chunks(8)
            .map(|c| c.iter().fold(0u8, |acc, b| (acc << 1) | (b - b'0')))
            .collect();
        let escaped = escape(&bytes);
        assert_eq!(h265_sps_resolution(&escaped), Some((636, 352)));
    }

    fn ue(v: u32) -> String {
        let code = format!("{:b}", v + 1);
        "0".repeat(code.len() - 1) + &code
    }

    /// Inserts emulation-prevention bytes, as an encoder would.
    fn escape(rbsp: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut zeros = 0;
        for &b in rbsp {
            if zeros >= 2 && b <= 3 {
                out.push(3);
                zeros = 0;
            }
            zeros = if b == 0 { zeros + 1 } else { 0 };
            out.push(b);
        }
        out
    }
}
