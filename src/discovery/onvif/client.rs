//! ONVIF device interrogation: the camera's identity, capabilities, media profiles and their
//! stream URIs, asked over SOAP/HTTP from one device service XAddr.
//!
//! Order: `GetSystemDateAndTime` (without credentials where the device allows it, for the
//! clock offset the WS-Security `Created` needs), `GetDeviceInformation`, `GetCapabilities`,
//! `GetServices`, then `GetProfiles` and `GetStreamUri` per profile through Media2 when the
//! device lists it (H.265 profiles are only described there) or else Media1, and
//! `GetSnapshotUri` for the first profile. Authentication is decided by [`super::auth`];
//! the requests go through a [`Transport`] (ureq in production).
//!
//! Every request goes to the camera's IPv4 address: XAddrs and URIs naming any other host
//! are pinned onto it (see [`super::url`]) and [`Device::rewritten`] says so; no credential
//! ever goes to another host. Each request has a timeout, the whole interrogation a
//! deadline; replies are size-capped and parsed without DTDs. Errors are one line naming
//! ip, port and operation, and never contain a password.
use std::net::Ipv4Addr;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::auth::AuthState;
use super::http::{Transport, Ureq};
use super::session::Session;
pub use super::session::{ClientError, Options};
use super::url::{http_target, pin, port_of};
use super::{parse, soap};
use crate::model::{Capabilities, Profile};
use crate::secret::Credential;

/// Default cap on one reply body (real replies are a few KiB; a Media2 profile list of a
/// 16-channel NVR stays well under this).
pub const DEFAULT_MAX_BODY: usize = 256 * 1024;

const DEVICE_NS: &str = "http://www.onvif.org/ver10/device/wsdl";
const MEDIA1_NS: &str = "http://www.onvif.org/ver10/media/wsdl";

/// What the device said about itself.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Device {
    pub manufacturer: String,
    pub model: String,
    pub firmware: String,
    pub serial: String,
    pub hardware_id: String,
    /// Services listed in `GetCapabilities` (a non-empty XAddr), or Media2 for `media`.
    pub capabilities: Capabilities,
    /// In device order (the main stream first on every camera seen so far).
    pub profiles: Vec<Profile>,
    /// The stream URI the device gave for each profile, in the same order: pinned onto the
    /// camera's address, without userinfo; `None` when the device gave none.
    pub stream_uris: Vec<Option<String>>,
    /// The profiles were read through Media2 (`tr2`) rather than Media1 (`trt`).
    pub media2: bool,
    /// Of the first profile, pinned like the stream URIs.
    pub snapshot_uri: Option<String>,
    /// Index into the credentials that worked; `None` when the device asked for none.
    pub credential: Option<usize>,
    /// Camera clock minus ours, in seconds.
    pub clock_offset_secs: i64,
    /// HTTP requests sent.
    pub requests: u32,
    /// Credentials the device refused.
    pub auth_failures: u32,
    /// An XAddr or URI named another host and was pinned onto the camera's address.
    pub rewritten: bool,
}

/// Interrogates the device whose service answers at `xaddr`, talking only to `ip` (the
/// address the WS-Discovery reply came from), with the first of `creds` the device accepts.
///
/// # Errors
///
/// See [`ClientError`]: the device service is unreachable or times out, every credential
/// is refused, `GetProfiles` fails, or the deadline passes.
pub fn interrogate(
    xaddr: &str,
    ip: Ipv4Addr,
    creds: &[Credential],
    opts: &Options,
) -> Result<Device, ClientError> {
    let now = || {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    };
    interrogate_with(&mut Ureq::new(), &now, xaddr, ip, creds, opts)
}

/// [`interrogate`] over any transport, with our clock (unix seconds) as an argument.
pub fn interrogate_with(
    transport: &mut dyn Transport,
    now_unix: &dyn Fn() -> i64,
    xaddr: &str,
    ip: Ipv4Addr,
    creds: &[Credential],
    opts: &Options,
) -> Result<Device, ClientError> {
    let device = http_target(xaddr, ip).ok_or_else(|| ClientError::BadXaddr {
        ip,
        port: port_of(xaddr),
        xaddr: xaddr.chars().take(200).collect(),
    })?;
    let mut s = Session {
        t: transport,
        now_unix,
        ip,
        creds,
        opts,
        auth: AuthState::new(creds.len()),
        offset: 0,
        offset_from_body: false,
        requests: 0,
        started: Instant::now(),
    };
    let mut rewritten = device.rewritten;

    let sdt = soap::get_system_date_and_time();
    let parse_sdt = parse::parse_system_date_and_time;
    if let Some(camera) = skip(s.call("GetSystemDateAndTime", DEVICE_NS, &device, &sdt, parse_sdt))?
    {
        s.offset = camera.saturating_sub(now_unix());
        s.offset_from_body = true;
    }
    let di = soap::get_device_information();
    let info = skip(s.call(
        "GetDeviceInformation",
        DEVICE_NS,
        &device,
        &di,
        parse::parse_device_information,
    ))?
    .unwrap_or_default();
    let gc = soap::get_capabilities();
    let caps = skip(s.call(
        "GetCapabilities",
        DEVICE_NS,
        &device,
        &gc,
        parse::parse_capabilities,
    ))?
    .unwrap_or_default();
    let media1 = caps
        .media
        .as_deref()
        .and_then(|x| http_target(x, ip))
        .unwrap_or_else(|| device.clone());
    rewritten |= media1.rewritten;
    let gs = soap::get_services();
    let services = skip(s.call(
        "GetServices",
        DEVICE_NS,
        &device,
        &gs,
        parse::parse_services,
    ))?
    .unwrap_or_default();
    let media2 = parse::media2_xaddr(&services).and_then(|x| http_target(x, ip));

    // Profiles: Media2 when listed and it answers with profiles, else Media1.
    let mut listed = None;
    if let Some(m2) = &media2 {
        let gp = soap::get_profiles2();
        listed = skip(s.call(
            "GetProfiles",
            parse::MEDIA2_NS,
            m2,
            &gp,
            parse::parse_profiles,
        ))?
        .filter(|p| !p.is_empty())
        .map(|p| (p, m2));
    }
    let (raw, m2) = match listed {
        Some((p, m2)) => {
            rewritten |= m2.rewritten;
            (p, Some(m2))
        }
        None => {
            let gp = soap::get_profiles();
            (
                s.call(
                    "GetProfiles",
                    MEDIA1_NS,
                    &media1,
                    &gp,
                    parse::parse_profiles,
                )?,
                None,
            )
        }
    };
    let mut stream_uris = Vec::with_capacity(raw.len());
    for p in &raw {
        let mut uri = None;
        if let Some(m2) = m2 {
            let body = soap::get_stream_uri2(&p.token);
            uri = skip(s.call(
                "GetStreamUri",
                parse::MEDIA2_NS,
                m2,
                &body,
                parse::parse_stream_uri,
            ))?;
        }
        if uri.is_none() {
            let body = soap::get_stream_uri(&p.token);
            uri = skip(s.call(
                "GetStreamUri",
                MEDIA1_NS,
                &media1,
                &body,
                parse::parse_stream_uri,
            ))?;
        }
        let pinned = uri.and_then(|u| pin(&u, ip));
        rewritten |= pinned.as_ref().is_some_and(|p| p.rewritten);
        stream_uris.push(pinned.map(|p| p.url));
    }
    let profiles = raw;

    let mut snapshot_uri = None;
    if let Some(first) = profiles.first() {
        let uri = match m2 {
            Some(m2) => {
                let body = soap::get_snapshot_uri2(&first.token);
                skip(s.call(
                    "GetSnapshotUri",
                    parse::MEDIA2_NS,
                    m2,
                    &body,
                    parse::parse_snapshot_uri,
                ))?
            }
            None => {
                let body = soap::get_snapshot_uri(&first.token);
                skip(s.call(
                    "GetSnapshotUri",
                    MEDIA1_NS,
                    &media1,
                    &body,
                    parse::parse_snapshot_uri,
                ))?
            }
        };
        let pinned = uri.and_then(|u| pin(&u, ip));
        rewritten |= pinned.as_ref().is_some_and(|p| p.rewritten);
        snapshot_uri = pinned.map(|p| p.url);
    }

    Ok(Device {
        manufacturer: info.manufacturer,
        model: info.model,
        firmware: info.firmware_version,
        serial: info.serial_number,
        hardware_id: info.hardware_id,
        capabilities: caps.offered(media2.is_some()),
        profiles,
        stream_uris,
        media2: m2.is_some(),
        snapshot_uri,
        credential: s.auth.credential(),
        clock_offset_secs: s.offset,
        requests: s.requests,
        auth_failures: s.auth.failures(),
        rewritten,
    })
}

/// An optional call: a device-side refusal of the operation becomes `None`.
fn skip<T>(r: Result<T, ClientError>) -> Result<Option<T>, ClientError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_skippable() => {
            log::debug!("{e} (skipped)");
            Ok(None)
        }
        Err(e) => Err(e),
    }
}
