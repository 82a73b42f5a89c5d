//! Which cameras go into the Frigate file and with what: the name, the inputs and their
//! roles, the go2rtc streams, the detect size; and which cameras are left out, and why.
//! Pure; the document itself is built from a [`Plan`] in `mod.rs`.
//!
//! Every camera the registry knows with a main stream seen to play is in the file, online
//! or not (Frigate handles an unreachable camera itself, and a camera that flaps must not
//! rewrite the file); it leaves only when the registry forgets it (CAMERA_REMOVE_AFTER).
use super::detect;
use super::names::{camera_name, sub_stream_name};
use super::url::{self, Login, Passwords, Unexpressible};
use super::FrigateOptions;
use crate::model::{Camera, Stream};
use crate::secret::Credential;

/// go2rtc's RTSP restream as Frigate's ffmpeg reads it (localhost needs no credentials).
pub const RESTREAM_BASE: &str = "rtsp://127.0.0.1:8554/";
/// The input preset the wizard gives a restreamed input.
pub const RESTREAM_PRESET: &str = "preset-rtsp-restream";
/// Frigate's preset for a camera that streams over UDP only (its default is TCP).
pub const UDP_PRESET: &str = "preset-rtsp-udp";
/// Labels of the live view's streams (Frigate's documented example).
pub const LIVE_MAIN: &str = "Main Stream";
pub const LIVE_SUB: &str = "Sub Stream";
/// The variable for the first camera password (Frigate substitutes any `FRIGATE_*`).
pub const PASSWORD_VAR: &str = "FRIGATE_RTSP_PASSWORD";

/// One ffmpeg input of a camera.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub path: String,
    /// `input_args`: [`RESTREAM_PRESET`] for go2rtc's restream, [`UDP_PRESET`] for a
    /// direct UDP-only stream, none for Frigate's default (RTSP over TCP).
    pub input_args: Option<&'static str>,
    pub roles: &'static [&'static str],
}

impl Input {
    /// Read from go2rtc's restream (the camera's own URL is in `go2rtc.streams`).
    #[must_use]
    pub fn restream(&self) -> bool {
        self.input_args == Some(RESTREAM_PRESET)
    }
}

/// One camera as it goes into the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned<'a> {
    pub name: String,
    pub rec: &'a Camera,
    pub inputs: Vec<Input>,
    /// `go2rtc.streams` entries (name, source); empty in direct mode.
    pub streams: Vec<(String, String)>,
    /// `live.streams` (label, go2rtc stream); empty in direct mode.
    pub live: Vec<(&'static str, String)>,
    pub detect_size: Option<(u32, u32)>,
}

/// A camera that is not in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    /// Its Frigate name.
    pub camera: String,
    /// One line, never the credentials.
    pub reason: String,
}

/// What goes into the file, in file order (by name), and what is left out.
#[derive(Debug, Clone, Default)]
pub struct Plan<'a> {
    pub cameras: Vec<Planned<'a>>,
    pub left_out: Vec<LeftOut>,
}

/// The plan for `cams` (any order), logins from `creds`, passwords written as `mode` says.
#[must_use]
pub fn plan<'a>(
    cams: &'a [Camera],
    creds: &[Credential],
    opts: &FrigateOptions,
    mode: Passwords,
) -> Plan<'a> {
    let mut named: Vec<(String, &Camera)> = cams
        .iter()
        .filter(|c| c.main.is_some())
        .map(|c| (camera_name(&c.id), c))
        .collect();
    named.sort_by(|a, b| (&a.0, &a.1.id).cmp(&(&b.0, &b.1.id)));
    let mut out = Plan::default();
    for (name, rec) in named {
        if out.cameras.last().is_some_and(|p| p.name == name) {
            out.left_out.push(LeftOut {
                reason: format!("its name is taken by camera id {:?}", rec.id),
                camera: name,
            });
            continue;
        }
        match camera(name.clone(), rec, creds, opts, mode) {
            Ok(p) => out.cameras.push(p),
            Err(e) => out.left_out.push(LeftOut {
                camera: name,
                reason: e.to_string(),
            }),
        }
    }
    out
}

/// The user and password that opened the camera: the record's user, with the password of
/// its credential when that credential is for the same user; and the credential's index.
fn login<'a>(rec: &'a Camera, creds: &'a [Credential]) -> Option<(&'a str, &'a str, usize)> {
    let index = rec.credential_index;
    let cred = index.and_then(|i| creds.get(i));
    let user = rec
        .username
        .as_deref()
        .or(cred.map(|c| c.username.as_str()))?;
    let pass = cred
        .filter(|c| c.username == user)
        .map_or("", |c| c.password.expose());
    Some((user, pass, index.unwrap_or(0)))
}

/// The `FRIGATE_*` variable for the password of credential `index` in placeholder mode:
/// [`PASSWORD_VAR`] for the first non-empty password of the list (and every credential
/// with the same password), `FRIGATE_RTSP_PASSWORD_<n>` for another password first held by
/// the n-th credential (1-based).
#[must_use]
pub fn password_var(creds: &[Credential], index: usize) -> Option<String> {
    let pw = creds.get(index)?.password.expose();
    if pw.is_empty() {
        return None;
    }
    let first = creds.iter().position(|c| !c.password.expose().is_empty());
    let same = creds.iter().position(|c| c.password.expose() == pw)?;
    Some(if Some(same) == first {
        PASSWORD_VAR.to_owned()
    } else {
        format!("{PASSWORD_VAR}_{}", same + 1)
    })
}

fn camera<'a>(
    name: String,
    rec: &'a Camera,
    creds: &[Credential],
    opts: &FrigateOptions,
    mode: Passwords,
) -> Result<Planned<'a>, Unexpressible> {
    let found = login(rec, creds);
    let var = match (mode, found) {
        (Passwords::Placeholder, Some((_, pass, i))) if !pass.is_empty() => {
            // The password of the record's own user (a changed list falls back to an empty
            // one, which has no variable).
            password_var(creds, i)
        }
        _ => None,
    };
    let login = found.map(|(user, password, _)| Login {
        user,
        password,
        var: var.as_deref(),
    });
    let main: &Stream = rec.main.as_ref().ok_or(Unexpressible::NotRtsp)?;
    let sub = rec.sub.as_ref().filter(|s| s.url != main.url);
    let detect = detect::choose(rec, opts.detect_min_side);
    let roles: [&'static [&'static str]; 2] = if detect.sub.is_some() {
        [&["record"], &["detect"]]
    } else {
        [&["detect", "record"], &[]]
    };
    let mut planned = Planned {
        name,
        rec,
        inputs: Vec::new(),
        streams: Vec::new(),
        live: Vec::new(),
        detect_size: detect.size,
    };
    if opts.go2rtc {
        let sub_name = sub_stream_name(&planned.name);
        planned.streams.push((
            planned.name.clone(),
            url::go2rtc_url(&main.url, login, main.udp_only())?,
        ));
        planned.live.push((LIVE_MAIN, planned.name.clone()));
        if let Some(s) = sub {
            planned.streams.push((
                sub_name.clone(),
                url::go2rtc_url(&s.url, login, s.udp_only())?,
            ));
            planned.live.push((LIVE_SUB, sub_name.clone()));
        }
        planned.inputs.push(Input {
            path: format!("{RESTREAM_BASE}{}", planned.name),
            input_args: Some(RESTREAM_PRESET),
            roles: roles[0],
        });
        if detect.sub.is_some() {
            planned.inputs.push(Input {
                path: format!("{RESTREAM_BASE}{sub_name}"),
                input_args: Some(RESTREAM_PRESET),
                roles: roles[1],
            });
        }
    } else {
        planned.inputs.push(Input {
            path: url::direct_url(&main.url, login)?,
            input_args: main.udp_only().then_some(UDP_PRESET),
            roles: roles[0],
        });
        if let Some(s) = detect.sub {
            planned.inputs.push(Input {
                path: url::direct_url(&s.url, login)?,
                input_args: s.udp_only().then_some(UDP_PRESET),
                roles: roles[1],
            });
        }
    }
    Ok(planned)
}
