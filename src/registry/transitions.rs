//! The rules: how a [`Finding`] or the passing of time changes the registry, and which
//! [`Change`]s the owner must publish as a result. Every rule is a pure function of
//! (state, finding, now).
//!
//! - **Seen.** A discovery, a reachable quick check or a stream that plays refreshes
//!   `last_seen`; a camera that was offline comes back `online`. An unreachable quick check
//!   or a failed validation is not a sighting and changes nothing by itself.
//! - **Offline.** [`Registry::tick`]: unseen for OFFLINE_THRESHOLD, an online camera goes
//!   `offline` (and `stream_active` false) once; [`Registry::rediscoveries`] says whom to
//!   look for by MAC.
//! - **Stream errors.** A failed re-validation of an online camera publishes `stream_error`
//!   once per failure streak and sets `stream_active` false; the first success after it
//!   publishes `online` (the camera is fully back). Going offline ends a streak.
//! - **Addresses.** A known id (discovery) or MAC (ARP) at a new address moves the camera:
//!   `ip_history` grows, its URLs follow, `ip_changed` is published. ARP alone is not a
//!   sighting: the next quick check at the new address brings it online.
//! - **Identity merges.** A camera without a MAC (fallback id) is the same camera as the
//!   one that later shows up with a MAC at its address: the fallback record is merged into
//!   the MAC identity, `Removed(fallback)` clears its retained topic, and the MAC id is
//!   `New` (or `Updated` if it was known elsewhere). A discovery without a MAC at the
//!   address of a known camera is that camera (no duplicate when ARP or WS-Discovery
//!   missed once), unless the two contradict (different serial numbers or endpoints).
//! - **Records.** A rediscovery fills what it found and keeps what it did not (a pass
//!   that missed ONVIF or the stream does not erase them); `Updated` only when the
//!   published record changed other than in its timestamps.
//! - **Removal.** With CAMERA_REMOVE_AFTER set, an offline camera unseen that long is
//!   forgotten (`Removed`). Unset (the default), cameras are kept forever, as the original.
use super::state::{Change, Entry, Finding, LastValidation, Now, Registry, Status};
use crate::mac;
use crate::model::Stream;
use crate::model::{default_name, Camera};
use std::net::Ipv4Addr;

impl Registry {
    /// Applies one finding made at `now`; returns what to publish.
    pub fn apply(&mut self, finding: Finding, now: Now) -> Vec<Change> {
        let mut out = Out::default();
        match finding {
            Finding::Discovered(found) => self.discovered(*found, now, &mut out),
            Finding::QuickCheck { id, ip, reachable } => {
                if reachable && self.owns_ip(&id, ip) {
                    self.edit(&id, &mut out, |e, st| seen(e, now, st));
                }
            }
            Finding::Validated { id, ip, stream } => {
                if let Some(v) = self
                    .entries
                    .get_mut(&id)
                    .and_then(|e| e.validation.as_mut())
                {
                    v.answered = true;
                }
                if self.owns_ip(&id, ip) {
                    self.edit(&id, &mut out, |e, st| validated(e, stream, now, st));
                }
            }
            Finding::MacSeen { mac, ip } => self.mac_seen(mac, ip, now, &mut out),
        }
        out.finish()
    }

    /// The passing of time: offline after OFFLINE_THRESHOLD unseen, removal after
    /// CAMERA_REMOVE_AFTER unseen (offline cameras only).
    pub fn tick(&mut self, now: Now) -> Vec<Change> {
        let mut out = Out::default();
        let threshold = self.settings.offline_threshold;
        let remove_after = self.settings.remove_after;
        let ids: Vec<String> = self.entries.keys().cloned().collect();
        for id in ids {
            let Some((online, seen_at)) = self.entries.get(&id).map(|e| (e.record.online, e.seen))
            else {
                continue;
            };
            let unseen = now.mono.saturating_duration_since(seen_at);
            if online && unseen >= threshold {
                self.edit(&id, &mut out, offline);
            } else if !online && remove_after.is_some_and(|d| unseen >= d) {
                let _ = self.take(&id, &mut out);
            }
        }
        out.finish()
    }

    /// The service is stopping: every online camera goes offline (the original published
    /// `offline` for each).
    pub fn shutdown(&mut self) -> Vec<Change> {
        let mut out = Out::default();
        let ids: Vec<String> = self.entries.keys().cloned().collect();
        for id in ids {
            self.edit(&id, &mut out, |e, st| {
                if e.record.online {
                    offline(e, st);
                }
            });
        }
        out.finish()
    }

    fn discovered(&mut self, found: Camera, now: Now, out: &mut Out) {
        let ip = found.ip;
        // Observed before the camera's last move, at another address: the camera moved
        // while the pass ran; its old address must not come back.
        if let Some(e) = self.entries.get(&found.id) {
            if e.record.ip != ip && e.moved.is_some_and(|m| now.mono < m) {
                return;
            }
        }
        let holder = self
            .by_ip
            .get(&ip)
            .filter(|h| **h != found.id)
            .and_then(|h| self.entries.get(h))
            .filter(|h| !contradicts(&h.record, &found))
            .map(|h| h.record.id.clone());
        let id = match (self.entries.contains_key(&found.id), holder) {
            (true, Some(h)) if found.mac.is_some() && self.is_fallback(&h) => {
                self.absorb(&h, &found.id, out);
                found.id.clone()
            }
            (true, _) => found.id.clone(),
            (false, Some(h)) if found.mac.is_none() => h,
            (false, Some(h)) if self.is_fallback(&h) => {
                self.rekey(&h, &found.id, found.mac.clone(), out);
                found.id.clone()
            }
            (false, _) => {
                self.insert_new(found, now, out);
                return;
            }
        };
        self.move_camera(&id, ip, now, out);
        self.edit(&id, out, |e, st| {
            let played = found.main.is_some();
            merge(&mut e.record, found);
            seen(e, now, st);
            if played {
                stream_ok(e, now, st);
            }
        });
    }

    fn mac_seen(&mut self, mac: [u8; 6], ip: Ipv4Addr, now: Now, out: &mut Out) {
        let id = mac::camera_id(&mac);
        let holder = self.by_ip.get(&ip).filter(|h| **h != id).cloned();
        let fallback_holder = holder.filter(|h| self.is_fallback(h));
        if self.entries.contains_key(&id) {
            if let Some(f) = fallback_holder {
                self.absorb(&f, &id, out);
            }
            self.move_camera(&id, ip, now, out);
        } else if let Some(f) = fallback_holder {
            // Only a camera seen alive there is taken to be this MAC: an offline one may
            // have been replaced at that address by another device.
            if self.entries.get(&f).is_some_and(|e| e.record.online) {
                self.rekey(&f, &id, Some(mac::mac_to_string(&mac)), out);
            }
        }
    }

    fn insert_new(&mut self, mut found: Camera, now: Now, out: &mut Out) {
        let played = found.main.is_some();
        found.online = true;
        found.stream_active = played;
        found.last_seen = now.wall;
        found.last_validated = played.then_some(now.wall);
        found.ip_history = vec![found.ip];
        let id = found.id.clone();
        self.by_ip.insert(found.ip, id.clone());
        self.entries.insert(
            id.clone(),
            Entry {
                record: found,
                seen: now.mono,
                stream_failing: false,
                validation: played.then_some(LastValidation {
                    at: now.mono,
                    answered: true,
                }),
                moved: None,
            },
        );
        out.push(Change::New(id));
    }

    /// Moves `id` to `ip` if it is elsewhere (`ip_changed`, observed at `now`), and makes
    /// it the index's camera for `ip`.
    fn move_camera(&mut self, id: &str, ip: Ipv4Addr, now: Now, out: &mut Out) {
        let Some(old) = self.entries.get(id).map(|e| e.record.ip) else {
            return;
        };
        self.edit(id, out, |e, st| {
            if e.record.move_to(ip).is_some() {
                e.moved = Some(e.moved.map_or(now.mono, |m| m.max(now.mono)));
                st.push(Status::IpChanged);
            }
        });
        if self.owns_ip(id, old) && old != ip {
            self.by_ip.remove(&old);
        }
        self.by_ip.insert(ip, id.to_owned());
    }

    /// The fallback camera `from` becomes `to` (its MAC identity, not known before).
    fn rekey(&mut self, from: &str, to: &str, mac: Option<String>, out: &mut Out) {
        let Some(mut e) = self.take(from, out) else {
            return;
        };
        let r = &mut e.record;
        if r.name == default_name(None, None, &r.id) {
            r.name = default_name(
                r.manufacturer.as_deref(),
                r.model.as_deref(),
                mac.as_deref().unwrap_or(to),
            );
        }
        r.id = to.to_owned();
        r.mac = mac;
        self.by_ip.insert(r.ip, to.to_owned());
        self.entries.insert(to.to_owned(), e);
        out.push(Change::New(to.to_owned()));
    }

    /// The fallback camera `from` was `into` all along: its findings merge into `into`.
    fn absorb(&mut self, from: &str, into: &str, out: &mut Out) {
        let Some(f) = self.take(from, out) else {
            return;
        };
        self.edit(into, out, |e, _| merge(&mut e.record, f.record));
    }

    /// Removes `id` (and its index entries), with `Removed`.
    fn take(&mut self, id: &str, out: &mut Out) -> Option<Entry> {
        let e = self.entries.remove(id)?;
        self.by_ip.retain(|_, h| h != id);
        out.push(Change::Removed(id.to_owned()));
        Some(e)
    }

    fn is_fallback(&self, id: &str) -> bool {
        self.entries.get(id).is_some_and(|e| e.record.mac.is_none())
    }

    /// Runs `f` on the entry `id`; `Updated` when the published record changed, and the
    /// statuses `f` reports.
    fn edit(&mut self, id: &str, out: &mut Out, f: impl FnOnce(&mut Entry, &mut Vec<Status>)) {
        let Some(e) = self.entries.get_mut(id) else {
            return;
        };
        let before = e.record.clone();
        let mut statuses = Vec::new();
        f(e, &mut statuses);
        if !same_details(&before, &e.record) {
            out.push(Change::Updated(id.to_owned()));
        }
        for s in statuses {
            out.push(Change::Status(id.to_owned(), s));
        }
    }
}

/// A sighting at `now`.
fn seen(e: &mut Entry, now: Now, st: &mut Vec<Status>) {
    // A finding observed earlier (a pass's report) never moves the sighting back.
    if now.mono >= e.seen {
        e.seen = now.mono;
        e.record.last_seen = now.wall;
    }
    if !e.record.online {
        e.record.online = true;
        e.validation = None; // re-validate at the next health tick
        st.push(Status::Online);
    }
}

/// The primary stream played at `now`.
fn stream_ok(e: &mut Entry, now: Now, st: &mut Vec<Status>) {
    e.record.stream_active = true;
    e.record.last_validated = Some(now.wall);
    e.validation = Some(LastValidation {
        at: now.mono,
        answered: true,
    });
    if e.stream_failing {
        e.stream_failing = false;
        st.push(Status::Online);
    }
}

fn validated(e: &mut Entry, stream: Option<Stream>, now: Now, st: &mut Vec<Status>) {
    match stream {
        Some(info) => {
            seen(e, now, st);
            stream_ok(e, now, st);
            if let Some(main) = e.record.main.as_mut().filter(|m| m.url == info.url) {
                // A probe that ended before the size was read does not forget the size
                // (the Frigate file would change for nothing).
                let (width, height) = match (info.width, info.height) {
                    (Some(w), Some(h)) => (Some(w), Some(h)),
                    _ => (main.width, main.height),
                };
                *main = Stream {
                    width,
                    height,
                    ..info
                };
            }
        }
        None if e.record.online && !e.stream_failing => {
            e.stream_failing = true;
            e.record.stream_active = false;
            st.push(Status::StreamError);
        }
        None => {}
    }
}

fn offline(e: &mut Entry, st: &mut Vec<Status>) {
    e.record.online = false;
    e.record.stream_active = false;
    e.stream_failing = false;
    st.push(Status::Offline);
}

/// Fills `rec` with what `found` (the same camera, already at `found`'s address) knows;
/// what `found` lacks is kept.
fn merge(rec: &mut Camera, found: Camera) {
    fn keep<T>(old: &mut Option<T>, new: Option<T>) {
        if new.is_some() {
            *old = new;
        }
    }
    if found.manufacturer.is_some() && found.model.is_some() {
        rec.name = found.name;
    }
    keep(&mut rec.mac, found.mac);
    keep(&mut rec.manufacturer, found.manufacturer);
    keep(&mut rec.model, found.model);
    keep(&mut rec.serial_number, found.serial_number);
    keep(&mut rec.firmware_version, found.firmware_version);
    keep(&mut rec.onvif_url, found.onvif_url);
    keep(&mut rec.http_url, found.http_url);
    if !found.rtsp_urls.is_empty() {
        rec.rtsp_urls = found.rtsp_urls;
    }
    keep(&mut rec.main, found.main);
    keep(&mut rec.sub, found.sub);
    if found.username.is_some() || found.credential_index.is_some() {
        rec.username = found.username;
        rec.credential_index = found.credential_index;
    }
    if !found.profiles.is_empty() {
        rec.profiles = found.profiles;
    }
    if found.capabilities.any() {
        rec.capabilities = found.capabilities;
    }
}

/// Two records that cannot be the same device: different serial numbers, or different
/// WS-Discovery endpoints (ids `unknown-ep-…`), or different MACs.
fn contradicts(a: &Camera, b: &Camera) -> bool {
    let differ = |x: &Option<String>, y: &Option<String>| match (x, y) {
        (Some(x), Some(y)) => !x.trim().eq_ignore_ascii_case(y.trim()),
        _ => false,
    };
    let endpoint = |r: &Camera| r.id.starts_with("unknown-ep-");
    differ(&a.serial_number, &b.serial_number)
        || differ(&a.mac, &b.mac)
        || (endpoint(a) && endpoint(b) && a.id != b.id)
}

/// The published record is the same apart from `last_seen`/`last_validated` (a frame rate
/// that is NaN counts as equal to itself, so a bad camera cannot cause an update per scan).
fn same_details(a: &Camera, b: &Camera) -> bool {
    let norm = |r: &Camera| {
        let mut r = r.clone();
        r.last_seen = std::time::UNIX_EPOCH;
        r.last_validated = None;
        for p in &mut r.profiles {
            p.framerate = p.framerate.filter(|f| !f.is_nan());
        }
        r
    };
    norm(a) == norm(b)
}

/// The changes of one call, in publishing order, without repeats.
#[derive(Default)]
struct Out {
    removed: Vec<Change>,
    records: Vec<Change>,
    statuses: Vec<Change>,
}

impl Out {
    fn push(&mut self, c: Change) {
        let list = match &c {
            Change::Removed(_) => &mut self.removed,
            Change::New(_) | Change::Updated(_) => &mut self.records,
            Change::Status(..) => &mut self.statuses,
        };
        let covered = match &c {
            Change::Updated(id) => list.contains(&Change::New(id.clone())),
            _ => false,
        };
        if !covered && !list.contains(&c) {
            list.push(c);
        }
    }

    fn finish(self) -> Vec<Change> {
        let mut v = self.removed;
        v.extend(self.records);
        v.extend(self.statuses);
        v
    }
}
