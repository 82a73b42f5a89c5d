//! The RTSP path dictionary (pure): which paths to try on a camera whose stream URL is not
//! known, in which order, and how to get from a main-stream path to its sub stream.
//!
//! - [`BUILTIN`]: vendor-tagged paths, the original detector's 15 included, ordered by how
//!   common they are. The order follows the installed base of the brands in the homes and
//!   small businesses that run Frigate: Hikvision and its OEMs (Annke, LTS, ...) first, then
//!   Dahua and its OEMs (Amcrest, Lorex), Reolink, TP-Link (Tapo/VIGI) and Uniview, then
//!   Axis and Hanwha, then the generic paths of no-name HiSilicon/Fullhan cameras and the
//!   smaller brands. Within a brand the current firmware's path comes before the legacy
//!   one; each main path is followed by its sub stream.
//! - [`Vendor::from_hint`]: the brand from an ONVIF manufacturer, an OUI vendor name or an
//!   mDNS name.
//! - [`ordered`]: the dictionary for one host (see there for where user paths go).
//! - [`sub_candidates`]: the sub-stream paths derived from a main path.
//! - [`parse_paths_file`]: the user's `RTSP_PATHS_FILE`.
//! - [`decoy_path`]: a path no camera serves, to spot servers that accept anything.
use std::borrow::Cow;

/// Camera brand families whose RTSP paths differ. OEM brands map to their maker
/// (Amcrest and Lorex → Dahua, Annke → Hikvision, Samsung Techwin → Hanwha).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Vendor {
    Hikvision,
    Dahua,
    Axis,
    Reolink,
    Uniview,
    Hanwha,
    Bosch,
    Foscam,
    TpLink,
    Xiongmai,
    Ubiquiti,
    Vivotek,
    /// Paths used by many brands (or by unknown ones).
    Generic,
}

/// Substring rules of [`Vendor::from_hint`], checked in order (lower case).
const HINTS: &[(&str, Vendor)] = &[
    ("hikvision", Vendor::Hikvision),
    ("annke", Vendor::Hikvision),
    ("dahua", Vendor::Dahua),
    ("amcrest", Vendor::Dahua),
    ("lorex", Vendor::Dahua),
    ("axis", Vendor::Axis),
    ("reolink", Vendor::Reolink),
    ("uniview", Vendor::Uniview),
    ("hanwha", Vendor::Hanwha),
    ("techwin", Vendor::Hanwha),
    ("wisenet", Vendor::Hanwha),
    ("bosch", Vendor::Bosch),
    ("foscam", Vendor::Foscam),
    ("tp-link", Vendor::TpLink),
    ("tplink", Vendor::TpLink),
    ("tapo", Vendor::TpLink),
    ("vigi", Vendor::TpLink),
    ("xiongmai", Vendor::Xiongmai),
    ("xmeye", Vendor::Xiongmai),
    ("ubiquiti", Vendor::Ubiquiti),
    ("unifi", Vendor::Ubiquiti),
    ("ubnt", Vendor::Ubiquiti),
    ("vivotek", Vendor::Vivotek),
    ("unv", Vendor::Uniview),
    ("hik", Vendor::Hikvision),
];

impl Vendor {
    /// The brand named in `text` (an ONVIF manufacturer such as `HIKVISION`, an OUI vendor
    /// such as `Zhejiang Dahua Technology Co., Ltd.` or [`crate::discovery::arp::oui_vendor`]'s
    /// key, an mDNS name such as `axis-00408c000003`), by case-insensitive substring.
    /// Never [`Vendor::Generic`].
    #[must_use]
    pub fn from_hint(text: &str) -> Option<Vendor> {
        let t = text.to_ascii_lowercase();
        HINTS
            .iter()
            .find(|(needle, _)| t.contains(needle))
            .map(|(_, v)| *v)
    }

    /// The key used in paths files (`hikvision`, `tplink`, `generic`, ...).
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Vendor::Hikvision => "hikvision",
            Vendor::Dahua => "dahua",
            Vendor::Axis => "axis",
            Vendor::Reolink => "reolink",
            Vendor::Uniview => "uniview",
            Vendor::Hanwha => "hanwha",
            Vendor::Bosch => "bosch",
            Vendor::Foscam => "foscam",
            Vendor::TpLink => "tplink",
            Vendor::Xiongmai => "xiongmai",
            Vendor::Ubiquiti => "ubiquiti",
            Vendor::Vivotek => "vivotek",
            Vendor::Generic => "generic",
        }
    }

    const ALL: [Vendor; 13] = [
        Vendor::Hikvision,
        Vendor::Dahua,
        Vendor::Axis,
        Vendor::Reolink,
        Vendor::Uniview,
        Vendor::Hanwha,
        Vendor::Bosch,
        Vendor::Foscam,
        Vendor::TpLink,
        Vendor::Xiongmai,
        Vendor::Ubiquiti,
        Vendor::Vivotek,
        Vendor::Generic,
    ];

    fn from_key(word: &str) -> Option<Vendor> {
        Vendor::ALL
            .into_iter()
            .find(|v| v.key().eq_ignore_ascii_case(word))
    }
}

/// Which stream of a camera a path gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Main,
    Sub,
    /// Unknown or the only stream.
    Any,
}

/// One dictionary path (path and query, starting with `/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathEntry {
    pub path: Cow<'static, str>,
    pub vendor: Vendor,
    pub role: Role,
}

const fn e(path: &'static str, vendor: Vendor, role: Role) -> PathEntry {
    PathEntry {
        path: Cow::Borrowed(path),
        vendor,
        role,
    }
}

use Role::{Any, Main, Sub};
use Vendor::{
    Axis, Bosch, Dahua, Foscam, Generic, Hanwha, Hikvision, Reolink, TpLink, Ubiquiti, Uniview,
    Vivotek, Xiongmai,
};

/// The built-in dictionary, most common first (see the module doc). `[O]`: one of the
/// original detector's 15 paths.
pub const BUILTIN: &[PathEntry] = &[
    e("/Streaming/Channels/101", Hikvision, Main),
    e("/Streaming/Channels/102", Hikvision, Sub),
    e("/cam/realmonitor?channel=1&subtype=0", Dahua, Main), // [O]
    e("/cam/realmonitor?channel=1&subtype=1", Dahua, Sub),  // [O]
    e("/h264Preview_01_main", Reolink, Main),
    e("/h264Preview_01_sub", Reolink, Sub),
    e("/stream1", TpLink, Main), // [O] Tapo, VIGI and many generic cameras
    e("/stream2", TpLink, Sub),
    e("/h264/ch1/main/av_stream", Hikvision, Main), // [O] older firmware
    e("/h264/ch1/sub/av_stream", Hikvision, Sub),
    e("/unicast/c1/s0/live", Uniview, Main),
    e("/unicast/c1/s1/live", Uniview, Sub),
    e("/media/video1", Uniview, Main),
    e("/media/video2", Uniview, Sub),
    e("/axis-media/media.amp", Axis, Main), // [O]
    e("/axis-media/media.amp?resolution=640x360", Axis, Sub),
    e("/profile2/media.smp", Hanwha, Main),
    e("/profile3/media.smp", Hanwha, Sub),
    e("/11", Generic, Main), // [O] HiSilicon OEM cameras
    e("/12", Generic, Sub),
    e("/live/ch00_0", Ubiquiti, Main), // [O] airCam, also no-name OEMs
    e("/live/ch01_0", Ubiquiti, Sub),
    e("/videoMain", Foscam, Main),
    e("/videoSub", Foscam, Sub),
    e("/live.sdp", Vivotek, Main),
    e("/live2.sdp", Vivotek, Sub),
    e("/rtsp_tunnel?inst=1", Bosch, Main),
    e("/rtsp_tunnel?inst=2", Bosch, Sub),
    e(
        "/user=admin&password=&channel=1&stream=0.sdp",
        Xiongmai,
        Main,
    ),
    e(
        "/user=admin&password=&channel=1&stream=1.sdp",
        Xiongmai,
        Sub,
    ),
    e("/s0", Ubiquiti, Main),
    e("/s1", Ubiquiti, Sub),
    e("/streaming/channels/101", Hikvision, Main), // [O]
    e("/MediaInput/h264/stream_1", Generic, Main), // [O]
    e("/MediaInput/h264/stream_2", Generic, Sub),
    e("/video1", Generic, Main), // [O]
    e("/video2", Generic, Sub),
    e("/live/0/MAIN", Generic, Main), // [O]
    e("/live/0/HIGH", Generic, Main), // [O]
    e("/stream", Generic, Any),       // [O]
    e("/live", Generic, Any),         // [O]
    e("/video", Generic, Any),        // [O]
    e("/onvif1", Generic, Main),
    e("/onvif2", Generic, Sub),
    e("/av0_0", Generic, Main),
    e("/av0_1", Generic, Sub),
    e("/ch0_0.h264", Generic, Main),
    e("/ch0_1.h264", Generic, Sub),
    e("/live_main", Generic, Main),
    e("/live_sub", Generic, Sub),
    e("/h265Preview_01_main", Reolink, Main),
    e("/Preview_01_main", Reolink, Main),
    e("/Preview_01_sub", Reolink, Sub),
    e("/Streaming/Channels/1", Hikvision, Main),
    e("/Streaming/Channels/2", Hikvision, Sub),
    e("/ISAPI/Streaming/channels/101", Hikvision, Main),
    e("/axis-media/media.amp?videocodec=h264", Axis, Main),
    e("/mpeg4/media.amp", Axis, Main),
    e("/profile1/media.smp", Hanwha, Any),
    e("/rtsp_tunnel", Bosch, Main),
    e("/live3.sdp", Vivotek, Any),
    e("/live0", Generic, Main),
    e("/live1", Generic, Sub),
    e("/h264", Generic, Any),
    e("/1", Generic, Any),
    e("/mpeg4", Generic, Any),
];

/// The dictionary for one host, in the order to try it:
///
/// 1. user paths tagged with this host's vendor, then the user's untagged (generic) paths:
///    the user wrote them for their own cameras, so they beat any built-in guess;
/// 2. the built-in paths of that vendor, most common first;
/// 3. every other built-in path, most common first;
/// 4. user paths tagged with another vendor (last: they were meant for other cameras).
///
/// With no vendor, steps 1 and 4 merge (all user paths first) and step 2 is empty.
/// Duplicates (same path) are kept only at their first place.
#[must_use]
pub fn ordered<'a>(vendor: Option<Vendor>, user: &'a [PathEntry]) -> Vec<&'a PathEntry> {
    let fits = |p: &PathEntry| vendor.is_none() || p.vendor == Generic || Some(p.vendor) == vendor;
    let mine = |p: &&PathEntry| vendor.is_some() && Some(p.vendor) == vendor;
    let mut out: Vec<&'a PathEntry> = Vec::with_capacity(BUILTIN.len() + user.len());
    out.extend(user.iter().filter(|p| mine(p)));
    out.extend(user.iter().filter(|p| !mine(p) && fits(p)));
    out.extend(BUILTIN.iter().filter(mine));
    out.extend(BUILTIN.iter().filter(|p| !mine(p)));
    out.extend(user.iter().filter(|p| !fits(p)));
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert(p.path.as_ref()));
    out
}

/// Sub-stream paths to try once `main` (path and query) played, best guess first, none
/// equal to `main`. Vendor rules first (`subtype=0` → `subtype=1`, `_main` → `_sub`,
/// `/main/` → `/sub/`, `/s0/` → `/s1/`, `videoMain` → `videoSub`, `live.sdp` →
/// `live2.sdp`, `profile2` → `profile3`, `inst=1` → `inst=2`, `stream=0.sdp` →
/// `stream=1.sdp`, `ch00_0` → `ch01_0`, `0_0` → `0_1`, Axis `media.amp` → the same with
/// `resolution=640x360`); when none applies, a number ending the path is incremented
/// (`/stream1` → `/stream2`, `/Streaming/Channels/101` → `102`, `/11` → `/12`).
#[must_use]
pub fn sub_candidates(main: &str) -> Vec<String> {
    const RULES: &[(&str, &str)] = &[
        ("subtype=0", "subtype=1"),
        ("_main", "_sub"),
        ("/main/", "/sub/"),
        ("/s0/", "/s1/"),
        ("videoMain", "videoSub"),
        ("/live.sdp", "/live2.sdp"),
        ("/profile2/", "/profile3/"),
        ("inst=1", "inst=2"),
        ("stream=0.sdp", "stream=1.sdp"),
        ("/ch00_0", "/ch01_0"),
        ("0_0", "0_1"),
    ];
    let mut out: Vec<String> = Vec::new();
    let push = |p: String, out: &mut Vec<String>| {
        if p != main && !out.contains(&p) {
            out.push(p);
        }
    };
    for (from, to) in RULES {
        if let Some(i) = main.rfind(from) {
            push(
                format!("{}{to}{}", &main[..i], &main[i + from.len()..]),
                &mut out,
            );
        }
    }
    if let Some(p) = axis_sub(main) {
        push(p, &mut out);
    }
    if out.is_empty() {
        if let Some(p) = increment_trailing_number(main) {
            push(p, &mut out);
        }
    }
    out
}

/// `.../media.amp[?q]` → the same with `resolution=640x360` (replacing a resolution).
fn axis_sub(main: &str) -> Option<String> {
    let (path, query) = main.split_once('?').unwrap_or((main, ""));
    if !path.ends_with("/media.amp") {
        return None;
    }
    let mut params: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("resolution="))
        .collect();
    params.push("resolution=640x360");
    Some(format!("{path}?{}", params.join("&")))
}

/// `/x/stream1` → `/x/stream2`, keeping zero padding (`09` → `10`); `None` when the path
/// (without query) does not end in at most 9 digits.
fn increment_trailing_number(main: &str) -> Option<String> {
    if main.contains('?') {
        return None;
    }
    let digits = main.bytes().rev().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 9 {
        return None;
    }
    let (head, num) = main.split_at(main.len() - digits);
    let n: u32 = num.parse().ok()?;
    Some(format!("{head}{:0width$}", n + 1, width = digits))
}

/// A path no camera serves: `/camera-detector-decoy-<16 hex digits of seed>`.
#[must_use]
pub fn decoy_path(seed: u64) -> String {
    format!("/camera-detector-decoy-{seed:016x}")
}

/// A bad line of a paths file. Displays as one line naming the line number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("RTSP paths file line {line}: {reason}")]
pub struct PathsFileError {
    /// 1-based line number.
    pub line: usize,
    pub reason: String,
}

/// Longest path accepted from a paths file.
pub const MAX_PATH_LEN: usize = 512;

/// Parses a paths file: one path (starting with `/`) per line, then optional words in
/// any order: a vendor key (`hikvision`, `dahua`, `axis`, `reolink`, `uniview`, `hanwha`,
/// `bosch`, `foscam`, `tplink`, `xiongmai`, `ubiquiti`, `vivotek`, `generic`) and a role
/// (`main`, `sub`, `any`); defaults `generic` and `any`. `#` starts a comment (at the start
/// of a line or of a word); blank lines are skipped.
///
/// # Errors
/// The first bad line: no leading `/`, control characters, over [`MAX_PATH_LEN`] bytes,
/// an unknown word, or a vendor or role given twice.
pub fn parse_paths_file(text: &str) -> Result<Vec<PathEntry>, PathsFileError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let bad = |reason: String| PathsFileError {
            line: i + 1,
            reason,
        };
        let words: Vec<&str> = raw
            .split_whitespace()
            .take_while(|w| !w.starts_with('#'))
            .collect();
        let Some((path, rest)) = words.split_first() else {
            continue;
        };
        if !path.starts_with('/') {
            return Err(bad(format!(
                "expected a path starting with '/', found {:?}",
                clip(path)
            )));
        }
        if path.len() > MAX_PATH_LEN {
            return Err(bad(format!("path longer than {MAX_PATH_LEN} bytes")));
        }
        if path.chars().any(char::is_control) {
            return Err(bad("control character in the path".into()));
        }
        let (mut vendor, mut role) = (None, None);
        for w in rest {
            let r = match w.to_ascii_lowercase().as_str() {
                "main" => Some(Main),
                "sub" => Some(Sub),
                "any" => Some(Any),
                _ => None,
            };
            match (r, Vendor::from_key(w)) {
                (Some(r), _) if role.is_none() => role = Some(r),
                (None, Some(v)) if vendor.is_none() => vendor = Some(v),
                (Some(_), _) => return Err(bad(format!("second role {:?}", clip(w)))),
                (None, Some(_)) => return Err(bad(format!("second vendor {:?}", clip(w)))),
                (None, None) => {
                    return Err(bad(format!(
                        "unknown word {:?} (expected a vendor or main|sub|any)",
                        clip(w)
                    )))
                }
            }
        }
        out.push(PathEntry {
            path: Cow::Owned((*path).to_string()),
            vendor: vendor.unwrap_or(Generic),
            role: role.unwrap_or(Any),
        });
    }
    Ok(out)
}

fn clip(s: &str) -> String {
    s.chars().take(60).collect()
}

#[cfg(test)]
mod tests;
