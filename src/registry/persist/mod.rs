//! The inventory state file (STATE_PATH): every [`Camera`] in a small versioned JSON
//! document, so that a restart republishes the known cameras at once and validates them
//! instead of waiting for a full scan. This module owns the format (`format.rs`: [`encode`],
//! [`decode`]), when to save ([`SaveClock`]), how a stored credential is matched against
//! the configured list ([`reconcile_credentials`]), how the registry takes the stored
//! cameras back ([`Registry::restore`]), and the two file calls ([`load`], [`save`]).
//!
//! The document: `{"version": 1, "cameras": [CAMERA…]}`, each camera the record's fields
//! under their own names, times as Unix seconds, addresses as text. No password: a record
//! holds only the user name and the position of its credential in the configured list.
//! Unknown fields are ignored (a later version 1 may add optional ones); a missing
//! optional field is empty. At most [`MAX_STATE_BYTES`] and [`MAX_CAMERAS`]; anything else
//! wrong — syntax, another version, a bad id or MAC, a duplicate id — is a [`StateError`]
//! (one line): the caller logs it and starts empty, as without a file.
//!
//! The service: at start, [`load`] → [`reconcile_credentials`] → [`Registry::restore`],
//! publish the changes, then a quick check and a health tick at once (the restored online
//! cameras are due for validation). While running, remember whether any call of the
//! registry returned a change (`dirty`), and [`save`] when [`SaveClock::due`] says so: at
//! most once per [`SAVE_PERIOD`], only when something changed (a bare `last_seen` refresh
//! does not count: no write per quick check on an SD card). On shutdown save once more,
//! whatever the clock says, and *before* [`Registry::shutdown`], so that the file keeps the
//! cameras' last known `online` rather than the shutdown's `offline`.
use super::state::{Change, Entry, Now, Registry};
use crate::model::{Camera, IP_HISTORY_MAX};
use crate::secret::Credential;
use std::io::{self, Read};
use std::path::Path;
use std::time::{Duration, Instant};

mod format;
pub use format::{decode, encode};

/// The format version this build writes and reads.
pub const VERSION: u64 = 1;
/// The largest state file read (a real one is about 2 KiB per camera).
pub const MAX_STATE_BYTES: usize = 4 * 1024 * 1024;
/// The most cameras a state file may hold.
pub const MAX_CAMERAS: usize = 10_000;
/// The longest camera id accepted (ids are a MAC or an `unknown-…` fallback, 12 to 27).
pub const MAX_ID_LEN: usize = 64;
/// Saves are at least this far apart (the shutdown save excepted).
pub const SAVE_PERIOD: Duration = Duration::from_secs(60);

/// Why a state file was not taken. `Display` is one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    #[error("more than {MAX_STATE_BYTES} bytes")]
    TooLarge,
    #[error("not a state document: {0}")]
    Syntax(String),
    #[error("version {0} is not known (this build reads version {VERSION})")]
    Version(u64),
    #[error("{0} cameras, more than the {MAX_CAMERAS} accepted")]
    TooMany(usize),
    /// One camera is wrong: its position in the list (from 0) and what.
    #[error("camera {index}: {detail}")]
    Camera { index: usize, detail: String },
    /// The file could not be read (`detail` is the OS error).
    #[error("{detail}")]
    Read { detail: String },
    /// Any of the above, for the file at `path`.
    #[error("{path}: {error}")]
    File {
        path: String,
        error: Box<StateError>,
    },
}

/// Matches each record's credential against the configured list, which may have changed
/// since the file was written: a record keeps its `credential_index` only while that entry
/// still has the record's user name. Otherwise the credential that opened the camera is
/// unknown and both `username` and `credential_index` are cleared: its re-validation goes
/// without credentials (a camera that needs them reports `stream_error`) until the next
/// full scan finds the working credential again (`online`). An index is never moved to
/// another entry with the same user name: that entry's password may be a different one,
/// and a guess would be one more failed login on the camera. Returns the ids cleared.
pub fn reconcile_credentials(records: &mut [Camera], credentials: &[Credential]) -> Vec<String> {
    let mut cleared = Vec::new();
    for r in records {
        let keep = match (&r.username, r.credential_index) {
            (None, None) => continue,
            (Some(user), Some(i)) => credentials.get(i).is_some_and(|c| c.username == *user),
            _ => false,
        };
        if !keep {
            r.username = None;
            r.credential_index = None;
            cleared.push(r.id.clone());
        }
    }
    cleared
}

// ---- when to save ----

/// When the state file is written: at most once per [`SAVE_PERIOD`], and only when the
/// registry changed since the last save. The shutdown save ignores it. Virtual time: the
/// caller passes `now`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SaveClock {
    last: Option<Instant>,
}

impl SaveClock {
    /// Never saved: the first change is saved at once.
    #[must_use]
    pub fn new() -> Self {
        SaveClock::default()
    }

    /// Save now? `dirty`: a registry call returned a change since the last save.
    #[must_use]
    pub fn due(&self, now: Instant, dirty: bool) -> bool {
        dirty
            && self
                .last
                .is_none_or(|t| now.saturating_duration_since(t) >= SAVE_PERIOD)
    }

    /// A save was attempted at `now`, whether or not it succeeded (a failing disk is tried
    /// again a period later, not at every change; the caller stays dirty on failure).
    pub fn saved(&mut self, now: Instant) {
        self.last = Some(now);
    }
}

// ---- taking the cameras back ----

impl Registry {
    /// Takes back the cameras of the state file at `now` (start-up, after
    /// [`reconcile_credentials`]); returns `New` for each, in id order: publish their
    /// retained discovery messages at once.
    ///
    /// A restored camera is as it was last saved — `online`, `stream_active`, details,
    /// `last_seen`/`last_validated` (the published times stay true) — and is confirmed at
    /// once: an online one is due for re-validation at the next
    /// [`Registry::validations_due`], an offline one is quick-checked like any other. No
    /// status is published on restore (as for a new camera, and as the original's start:
    /// consumers that saw `offline` at shutdown see the `discovered` message with
    /// `online: true`); after it, the ordinary rules:
    /// a validation that plays publishes nothing for a camera saved online and streaming;
    /// a failing one publishes `stream_error` once; an unreachable camera goes `offline`
    /// once, OFFLINE_THRESHOLD after the restore (the monotonic clock restarts with the
    /// process, so the stored `last_seen` cannot age it); an offline one that answers comes
    /// back with one `online`. A camera saved online but not streaming though it has a
    /// stream URL had a `stream_error` published: its streak goes on (no second
    /// `stream_error`; the first success publishes `online`).
    ///
    /// A camera already known (restore after a discovery) keeps its live record. When two
    /// stored cameras had the same address, the one seen last holds it. `ip_history` is
    /// made to end with the address, at most [`IP_HISTORY_MAX`] long.
    pub fn restore(&mut self, records: Vec<Camera>, now: Now) -> Vec<Change> {
        let mut records = records;
        records.sort_by(|a, b| b.last_seen.cmp(&a.last_seen).then(a.id.cmp(&b.id)));
        let mut ids = Vec::new();
        for mut r in records {
            if self.entries.contains_key(&r.id) {
                continue;
            }
            r.ip_history.retain(|h| *h != r.ip);
            r.ip_history.push(r.ip);
            let excess = r.ip_history.len().saturating_sub(IP_HISTORY_MAX);
            r.ip_history.drain(..excess);
            if !r.online {
                r.stream_active = false;
            }
            let stream_failing = r.online && !r.stream_active && r.primary_url().is_some();
            self.by_ip.entry(r.ip).or_insert_with(|| r.id.clone());
            ids.push(r.id.clone());
            self.entries.insert(
                r.id.clone(),
                Entry {
                    record: r,
                    seen: now.mono,
                    stream_failing,
                    validation: None,
                    moved: None,
                },
            );
        }
        ids.sort();
        ids.into_iter().map(Change::New).collect()
    }
}

// ---- the file ----

/// The cameras of the state file at `path`; `Ok(None)` when there is no file.
///
/// # Errors
///
/// [`StateError::File`] naming the path: it cannot be read, or [`decode`] refuses it. The
/// caller logs it and starts empty.
pub fn load(path: &Path) -> Result<Option<Vec<Camera>>, StateError> {
    let at = |error: StateError| StateError::File {
        path: path.display().to_string(),
        error: Box::new(error),
    };
    let read = |e: io::Error| {
        at(StateError::Read {
            detail: e.to_string(),
        })
    };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(read(e)),
    };
    let mut bytes = Vec::new();
    let limit = u64::try_from(MAX_STATE_BYTES)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    file.take(limit).read_to_end(&mut bytes).map_err(read)?;
    decode(&bytes).map(Some).map_err(at)
}

/// Writes `cameras` to the state file at `path` (its directory is created) unless it holds
/// exactly that already; atomic: a temp file, fsync, rename ([`crate::fsutil`]). Mode 0600.
/// Returns whether the file changed.
///
/// # Errors
///
/// The failing step, one line naming the path.
pub fn save<'a>(path: &Path, cameras: impl IntoIterator<Item = &'a Camera>) -> io::Result<bool> {
    crate::fsutil::write_if_changed(path, encode(cameras))
}
