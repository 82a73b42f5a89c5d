//! The RTSP path dictionary for one host (pure): which paths to try on a camera whose
//! stream URL is not known, in which order, and how to get from a main-stream path to its
//! sub stream. The paths themselves come from the public data of [`crate::camdb`].
//!
//! - [`ordered`]: the dictionary for one host: the user's paths, then the brand's own
//!   templates and leads when the brand is known, then every other path of the data
//!   (templates, then leads, most brands first);
//! - [`sub_candidates`]: the sub-stream paths of a main path: the sub templates of the brands
//!   whose main template it is, then rules ([`derived_subs`]);
//! - [`fill_credentials`]: a path with credentials in the URL, filled for one credential;
//! - [`parse_paths_file`]: the user's `RTSP_PATHS_FILE`;
//! - [`decoy_path`]: a path no camera serves, to spot servers that accept anything.
use crate::camdb::{self, Brand, DataPath, Tier};
use std::borrow::Cow;

pub use crate::camdb::Role;

/// One path of the user's paths file (path and query, starting with `/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathEntry {
    pub path: Cow<'static, str>,
    /// The brand the user tagged it with (`None`: any camera).
    pub brand: Option<Brand>,
    pub role: Role,
}

/// One candidate of a host's dictionary.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    pub path: &'a str,
    pub role: Role,
    /// The data row, for paths of the data (`None`: a user path).
    pub data: Option<DataPath>,
}

/// The dictionary for one host, in the order to try it:
///
/// 1. user paths tagged with this host's brand, then the user's untagged paths: the user
///    wrote them for their own cameras, so they beat any guess;
/// 2. the paths the brand's own verified templates give, then the brand's leads: first
///    those that are no brand's template (paths particular to few brands), then those that
///    are other brands' templates (the common paths that lead lists repeat for every brand);
/// 3. every other path of the data: templates, then leads, most brands first;
/// 4. user paths tagged with another brand (last: they were meant for other cameras).
///
/// With no brand, steps 1 and 4 merge (all user paths first) and step 2 is empty.
/// Duplicates (same path) are kept only at their first place. A data path of unknown role
/// that [`derived_subs`] makes of another candidate counts as a sub stream.
#[must_use]
pub fn ordered<'a>(brand: Option<Brand>, user: &'a [PathEntry]) -> Vec<Candidate<'a>> {
    let mine = |p: &&PathEntry| brand.is_some() && p.brand == brand;
    let fits = |p: &PathEntry| brand.is_none() || p.brand.is_none() || p.brand == brand;
    let of_user = |p: &'a PathEntry| Candidate {
        path: p.path.as_ref(),
        role: p.role,
        data: None,
    };
    let of_data = |d: DataPath| Candidate {
        path: d.path,
        role: d.role,
        data: Some(d),
    };
    let mut out: Vec<Candidate<'a>> = Vec::with_capacity(600 + user.len());
    out.extend(user.iter().filter(mine).map(of_user));
    out.extend(user.iter().filter(|p| !mine(p) && fits(p)).map(of_user));
    if let Some(b) = brand {
        let lead_of_b = |d: &DataPath| !d.is_template_of(b) && d.is_listed_by(b);
        let nobodys_template = |d: &DataPath| d.template_brands().next().is_none();
        let data = camdb::dictionary;
        out.extend(data().filter(|d| d.is_template_of(b)).map(of_data));
        out.extend(
            data()
                .filter(|d| lead_of_b(d) && nobodys_template(d))
                .map(of_data),
        );
        out.extend(
            data()
                .filter(|d| lead_of_b(d) && !nobodys_template(d))
                .map(of_data),
        );
    }
    out.extend(camdb::dictionary().map(of_data));
    out.extend(user.iter().filter(|p| !fits(p)).map(of_user));
    let mut seen = std::collections::HashSet::new();
    out.retain(|c| seen.insert(c.path));
    // A path of unknown role that the rules derive from another candidate as its sub
    // stream (`_main` → `_sub`, `101` → `102`) is a sub stream: not a main candidate.
    let subs: std::collections::HashSet<String> = out
        .iter()
        .filter(|c| c.role != Role::Sub)
        .flat_map(|c| derived_subs(c.path))
        .collect();
    for c in &mut out {
        if c.role == Role::Any && c.data.is_some() && subs.contains(c.path) {
            c.role = Role::Sub;
        }
    }
    out
}

/// Sub-stream paths to try once `main` (path and query) played, best guess first, none equal
/// to `main`: the sub templates of the brands whose main template `main` is (the hinted
/// brand's first), closest to `main` first; then [`derived_subs`].
#[must_use]
pub fn sub_candidates(main: &str, brand: Option<Brand>) -> Vec<String> {
    let makers: Vec<Brand> = camdb::dictionary()
        .find(|d| d.path == main && d.role == Role::Main)
        .map(|d| d.template_brands().collect())
        .unwrap_or_default();
    let mut ordered_makers: Vec<Brand> = brand.filter(|b| makers.contains(b)).into_iter().collect();
    ordered_makers.extend(makers.iter().filter(|b| Some(**b) != brand));
    let mut out: Vec<String> = Vec::new();
    for b in ordered_makers {
        let mut subs: Vec<&str> = camdb::dictionary()
            .filter(|d| d.role == Role::Sub && d.tier == Tier::Template && d.is_template_of(b))
            .map(|d| d.path)
            .collect();
        subs.sort_by_key(|s| std::cmp::Reverse(likeness(main, s)));
        for s in subs {
            if s != main && !out.iter().any(|o| o == s) {
                out.push(s.to_owned());
            }
        }
    }
    for d in derived_subs(main) {
        if !out.contains(&d) {
            out.push(d);
        }
    }
    out
}

/// Bytes `a` and `b` share at their start plus at their end.
fn likeness(a: &str, b: &str) -> usize {
    let pre = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    let suf = a
        .bytes()
        .rev()
        .zip(b.bytes().rev())
        .take_while(|(x, y)| x == y)
        .count();
    pre + suf.min(a.len().min(b.len()) - pre)
}

/// `path` with its credential markers replaced by `user` and `password`
/// (`[AUTH]` = base64 of `user:password`), percent-encoded where the RTSP request line
/// needs it; `path` as is when it has none.
#[must_use]
pub fn fill_credentials(path: &str, user: &str, password: &str) -> String {
    use base64::Engine as _;
    if !camdb::has_credential_marks(path) {
        return path.to_owned();
    }
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    path.replace(camdb::USER_MARK, &encode_component(user))
        .replace(camdb::PASS_MARK, &encode_component(password))
        .replace(camdb::AUTH_MARK, &encode_component(&auth))
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn encode_component(s: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Sub-stream paths derived from `main` by rule, best guess first, none equal to `main`.
/// Vendor rules first (`subtype=0` → `subtype=1`, `_main` → `_sub`,
/// `/main/` → `/sub/`, `/s0/` → `/s1/`, `videoMain` → `videoSub`, `live.sdp` →
/// `live2.sdp`, `profile2` → `profile3`, `inst=1` → `inst=2`, `stream=0.sdp` →
/// `stream=1.sdp`, `ch00_0` → `ch01_0`, `0_0` → `0_1`, Axis `media.amp` → the same with
/// `resolution=640x360`); when none applies, a number ending the path is incremented
/// (`/stream1` → `/stream2`, `/Streaming/Channels/101` → `102`, `/11` → `/12`).
#[must_use]
pub fn derived_subs(main: &str) -> Vec<String> {
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
/// any order: a brand (an id of the camera database such as `hikvision`, `tp-link`,
/// `night-owl`, or an older key such as `tplink`, `xiongmai`; `generic` = any camera) and a
/// role (`main`, `sub`, `any`); defaults `generic` and `any`. `#` starts a comment (at the start
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
        let (mut brand, mut role) = (None, None);
        for w in rest {
            let r = match w.to_ascii_lowercase().as_str() {
                "main" => Some(Role::Main),
                "sub" => Some(Role::Sub),
                "any" => Some(Role::Any),
                _ => None,
            };
            let b = if w.eq_ignore_ascii_case("generic") {
                Some(None)
            } else {
                Brand::from_id(w).map(Some)
            };
            match (r, b) {
                (Some(r), _) if role.is_none() => role = Some(r),
                (None, Some(v)) if brand.is_none() => brand = Some(v),
                (Some(_), _) => return Err(bad(format!("second role {:?}", clip(w)))),
                (None, Some(_)) => return Err(bad(format!("second brand {:?}", clip(w)))),
                (None, None) => {
                    return Err(bad(format!(
                        "unknown word {:?} (expected a brand id or main|sub|any)",
                        clip(w)
                    )))
                }
            }
        }
        out.push(PathEntry {
            path: Cow::Owned((*path).to_string()),
            brand: brand.flatten(),
            role: role.unwrap_or(Role::Any),
        });
    }
    Ok(out)
}

fn clip(s: &str) -> String {
    s.chars().take(60).collect()
}

#[cfg(test)]
mod tests;
