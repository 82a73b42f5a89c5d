//! [`interrogate_with`] against the scripted devices of `client_fake` (lab replies, real
//! credential checks, ipycam / onvif-server / lighttpd refusal shapes): credential order and
//! counting, the clock offset, both auth layers, URI pinning, Media2 and its fallbacks,
//! error statuses, deadline.
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use super::client::{interrogate_with, ClientError, Options};
use super::client_fake::{fixture, param, FakeCam, Style};
use super::*;
use crate::discovery::rtsp::auth::{authorization, parse_challenges, pick};
use crate::secret::{Credential, Secret};
fn creds(pairs: &[(&str, &str)]) -> Vec<Credential> {
    pairs
        .iter()
        .map(|(u, p)| Credential {
            username: u.to_string(),
            password: Secret::new(*p),
        })
        .collect()
}

const WRONG: [(&str, &str); 3] = [("admin", "admin"), ("admin", "12345"), ("root", "pass")];

fn opts() -> Options {
    Options {
        timeout: Duration::from_secs(5),
        deadline: Instant::now() + Duration::from_secs(60),
        max_body: DEFAULT_MAX_BODY,
    }
}

fn run(cam: &mut FakeCam, skew: i64, creds: &[Credential]) -> Result<Device, ClientError> {
    let local = cam.clock - skew;
    let xaddr = format!("http://{}:80/onvif/device_service", cam.ip);
    let ip = cam.ip;
    interrogate_with(cam, &move || local, &xaddr, ip, creds, &opts())
}

fn uris(d: &Device) -> Vec<&str> {
    d.stream_uris.iter().filter_map(|u| u.as_deref()).collect()
}

/// ipycam: even the clock wants WS-Security. Our clock is 1 h 2 min behind the camera's;
/// the first refusal's `Date` header gives the offset, so the right credential (#2) passes
/// the freshness check at once. #0 and #1 are refused once each, #3 is never sent, no HTTP
/// Authorization ever goes out; then 7 calls with the kept credential.
#[test]
fn ipycam_like_ws_security_with_a_skewed_clock() {
    let mut cam = FakeCam::new("hikvision_ipycam", [10, 77, 0, 101], Style::Ipycam);
    cam.ws = Some(("onvif", "Onvif!Hik1"));
    let c = creds(&[WRONG[0], WRONG[1], ("onvif", "Onvif!Hik1"), WRONG[2]]);
    let d = run(&mut cam, 3725, &c).unwrap();
    assert_eq!(
        (d.manufacturer.as_str(), d.model.as_str(), d.serial.as_str()),
        ("IPyCam", "DS-2CD-SIM", "HIK-0001")
    );
    assert_eq!(
        (d.firmware.as_str(), d.hardware_id.as_str()),
        ("1.3.0", "PY-HW-01")
    );
    assert_eq!(
        uris(&d),
        [
            "rtsp://10.77.0.101:8554/live_main",
            "rtsp://10.77.0.101:8554/live_sub"
        ]
    );
    assert_eq!(
        d.snapshot_uri.as_deref(),
        Some("http://10.77.0.101:80/snapshot.jpg")
    );
    assert_eq!(
        (d.credential, d.auth_failures, d.clock_offset_secs),
        (Some(2), 2, 3725)
    );
    assert_eq!(d.requests, 11);
    assert_eq!(d.requests as usize, cam.seen.len());
    assert!(d.capabilities.media && d.capabilities.ptz && !d.capabilities.events);
    assert!(!d.rewritten && !d.media2);
    let users: Vec<_> = cam.seen.iter().map(|s| s.ws_user.as_deref()).collect();
    assert_eq!(
        users[..4],
        [None, Some("admin"), Some("admin"), Some("onvif")]
    );
    assert!(users[4..].iter().all(|u| *u == Some("onvif")));
    assert!(cam.seen.iter().all(|s| s.authorization.is_none()));
    let media: Vec<_> = cam
        .seen
        .iter()
        .filter(|s| s.url.ends_with("/onvif/media_service"))
        .map(|s| s.op.as_str())
        .collect();
    assert_eq!(
        media,
        [
            "GetProfiles",
            "GetStreamUri",
            "GetStreamUri",
            "GetSnapshotUri"
        ]
    );
}

/// onvif-server: the clock is asked without any credential (and answered); the other calls
/// are refused with HTTP 500 until WS-Security with the right credential (#1) is sent. The
/// Media2 calls are never made (GetServices does not list it).
#[test]
fn onvif_server_like_open_clock_then_ws_security() {
    let mut cam = FakeCam::new("dahua_onvifserver", [10, 77, 0, 102], Style::OnvifServer);
    cam.ws = Some(("admin", "Dahua#2024"));
    let c = creds(&[WRONG[2], ("admin", "Dahua#2024"), WRONG[0]]);
    let d = run(&mut cam, -40, &c).unwrap();
    assert_eq!(
        (d.manufacturer.as_str(), d.serial.as_str()),
        ("Dahua", "DH-0002")
    );
    assert_eq!(
        uris(&d),
        [
            "rtsp://10.77.0.102:554/cam/realmonitor?channel=1&subtype=0",
            "rtsp://10.77.0.102:554/cam/realmonitor?channel=1&subtype=1"
        ]
    );
    assert_eq!(
        (
            d.credential,
            d.auth_failures,
            d.clock_offset_secs,
            d.requests
        ),
        (Some(1), 1, -40, 10)
    );
    let first = &cam.seen[0];
    assert_eq!(
        (first.op.as_str(), first.ws_user.as_deref(), first.accepted),
        ("GetSystemDateAndTime", None, true)
    );
    assert!(cam.seen.iter().all(|s| !s.op.ends_with('2')));
    let p = &d.profiles[0];
    assert_eq!(
        (
            p.token.as_str(),
            p.name.as_str(),
            p.encoding.as_deref(),
            p.width,
            p.height,
            p.framerate
        ),
        (
            "Profile_1",
            "mainStream",
            Some("H264"),
            Some(640),
            Some(360),
            Some(10.0)
        )
    );
}

/// lighttpd HTTP Digest: the 401 challenge is answered with #0, #1 (each refused with a
/// fresh nonce), then #2; afterwards the nonce is reused with nc 2, 3 ... and after three
/// uses the device says `stale=true`, which costs one request but no failure. No
/// WS-Security header is ever sent.
#[test]
fn lighttpd_like_http_digest_with_nonce_reuse_and_stale() {
    let mut cam = FakeCam::new("axis_lighttpd", [10, 77, 0, 103], Style::OnvifServer);
    cam.digest = Some(("AXIS_00408C000003", "root", "Axis!pass"));
    cam.nonce_uses = 3;
    let c = creds(&[WRONG[0], WRONG[1], ("root", "Axis!pass")]);
    let d = run(&mut cam, 0, &c).unwrap();
    assert_eq!(
        (d.manufacturer.as_str(), d.serial.as_str()),
        ("AXIS", "00408C000003")
    );
    assert_eq!(uris(&d).len(), 2);
    assert_eq!((d.credential, d.auth_failures), (Some(2), 2));
    assert!(cam.seen.iter().all(|s| s.ws_user.is_none()));
    let accepted: Vec<String> = cam
        .seen
        .iter()
        .filter(|s| s.accepted)
        .map(|s| param(s.authorization.as_deref().unwrap(), "nc"))
        .collect();
    let nc = ["00000001", "00000002", "00000003"];
    assert_eq!(
        accepted,
        [nc[0], nc[1], nc[2], nc[0], nc[1], nc[2], nc[0], nc[1]]
    );
    // 1 bare + 3 answers for the clock, 7 more calls, 2 stale refusals answered again.
    assert_eq!(d.requests, 4 + 7 + 2);
    assert!(cam.seen[0].authorization.is_none());
}

/// HTTP Digest outside and WS-Security inside, same account: the Digest layer is passed
/// first, then the SOAP layer asks for the UsernameToken, which costs no failure.
#[test]
fn digest_outside_ws_security_inside() {
    let mut cam = FakeCam::new("axis_lighttpd", [10, 77, 0, 103], Style::Ipycam);
    cam.digest = Some(("AXIS_00408C000003", "root", "Axis!pass"));
    cam.ws = Some(("root", "Axis!pass"));
    let c = creds(&[WRONG[0], ("root", "Axis!pass")]);
    let d = run(&mut cam, 0, &c).unwrap();
    assert_eq!((d.credential, d.auth_failures), (Some(1), 1));
    assert_eq!(uris(&d).len(), 2);
    let first_ok = cam.seen.iter().position(|s| s.accepted).unwrap();
    assert_eq!(
        first_ok, 3,
        "bare, #0 digest, #1 digest, #1 digest + ws-security"
    );
    assert!(cam.seen[first_ok..]
        .iter()
        .all(|s| s.authorization.is_some() && s.ws_user.as_deref() == Some("root")));
}

/// Only wrong credentials: each is tried once, then one line that names ip, port and the
/// call, and no password.
#[test]
fn every_credential_refused() {
    for (prefix, ip, style, ws, digest) in [
        (
            "hikvision_ipycam",
            [10, 77, 0, 101],
            Style::Ipycam,
            Some(("onvif", "Onvif!Hik1")),
            None,
        ),
        (
            "dahua_onvifserver",
            [10, 77, 0, 102],
            Style::OnvifServer,
            Some(("admin", "Dahua#2024")),
            None,
        ),
        (
            "axis_lighttpd",
            [10, 77, 0, 103],
            Style::OnvifServer,
            None,
            Some(("AXIS_00408C000003", "root", "Axis!pass")),
        ),
    ] {
        let mut cam = FakeCam::new(prefix, ip, style);
        (cam.ws, cam.digest) = (ws, digest);
        let e = run(&mut cam, 0, &creds(&WRONG)).unwrap_err();
        let line = e.to_string();
        let phase = if style == Style::OnvifServer && digest.is_none() {
            "GetDeviceInformation"
        } else {
            "GetSystemDateAndTime"
        };
        let ip = Ipv4Addr::from(ip);
        assert_eq!(
            line,
            format!("onvif {ip}:80 {phase}: credentials refused (all 3 tried)")
        );
        let sent: Vec<_> = cam
            .seen
            .iter()
            .filter_map(|s| {
                s.ws_user.clone().or(s
                    .authorization
                    .as_deref()
                    .map(|a| param(a, "Digest username")))
            })
            .collect();
        assert_eq!(sent.len(), 3, "{prefix}: each credential once: {sent:?}");
        assert!(WRONG.iter().all(|(_, p)| !line.contains(p)));
        let e = run(
            &mut FakeCam {
                ws,
                digest,
                ..FakeCam::new(prefix, ip.octets(), style)
            },
            0,
            &[],
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("onvif {ip}:80 {phase}: credentials needed, none configured")
        );
    }
}

/// A device that wants nothing gets nothing, whatever is configured.
#[test]
fn open_device_gets_no_credentials() {
    let mut cam = FakeCam::new("dahua_onvifserver", [10, 77, 0, 102], Style::OnvifServer);
    let d = run(&mut cam, 0, &creds(&WRONG)).unwrap();
    assert_eq!((d.credential, d.auth_failures, d.requests), (None, 0, 8));
    assert!(cam
        .seen
        .iter()
        .all(|s| s.authorization.is_none() && s.ws_user.is_none()));
}

/// XAddrs and URIs naming another host, `0.0.0.0`, a host name, with userinfo: every request
/// still goes to the camera (the fake asserts it), to the port the XAddr names, and the
/// URIs handed back are pinned onto the camera without userinfo.
#[test]
fn foreign_hosts_are_pinned_onto_the_camera() {
    let mut cam = FakeCam::new("dahua_onvifserver", [10, 77, 0, 102], Style::OnvifServer);
    let env = |body: &str| {
        format!("<env:Envelope xmlns:env='http://www.w3.org/2003/05/soap-envelope'><env:Body>{body}</env:Body></env:Envelope>")
    };
    cam.replies.insert("GetCapabilities", env("<GetCapabilitiesResponse><Capabilities><Media><XAddr>http://192.168.1.64:8080/onvif/Media</XAddr></Media><Events><XAddr>http://cam.local/onvif/events</XAddr></Events></Capabilities></GetCapabilitiesResponse>"));
    cam.replies.insert("GetStreamUri", env("<GetStreamUriResponse><MediaUri><Uri>rtsp://admin:Dahua%232024@cam.local:554/live?x=1&amp;y=2</Uri></MediaUri></GetStreamUriResponse>"));
    cam.replies.insert("GetSnapshotUri", env("<GetSnapshotUriResponse><MediaUri><Uri>http://0.0.0.0/snap.jpg</Uri></MediaUri></GetSnapshotUriResponse>"));
    let d = run(&mut cam, 0, &[]).unwrap();
    assert!(d.rewritten);
    assert_eq!(uris(&d), ["rtsp://10.77.0.102:554/live?x=1&y=2"; 2]);
    assert_eq!(
        d.snapshot_uri.as_deref(),
        Some("http://10.77.0.102/snap.jpg")
    );
    assert!(d.capabilities.events && d.capabilities.media);
    let media: Vec<_> = cam
        .seen
        .iter()
        .filter(|s| s.op.starts_with("Get") && s.url == "http://10.77.0.102:8080/onvif/Media")
        .map(|s| s.op.as_str())
        .collect();
    assert_eq!(
        media,
        [
            "GetProfiles",
            "GetStreamUri",
            "GetStreamUri",
            "GetSnapshotUri"
        ]
    );
}

/// A device that lists Media2 in GetServices: profiles (H.265 among them) and stream URIs
/// come from `tr2`, on the Media2 XAddr; one `tr2:GetStreamUri` fault falls back to Media1
/// for that profile. A device whose Media2 refuses GetProfiles falls back to Media1.
#[test]
fn media2_profiles_and_fallbacks() {
    let env = |body: &str| {
        format!("<s:Envelope xmlns:s='http://www.w3.org/2003/05/soap-envelope'><s:Body>{body}</s:Body></s:Envelope>")
    };
    let services = env(&format!("<GetServicesResponse><Service><Namespace>{MEDIA2_NS}</Namespace><XAddr>http://10.77.0.102/onvif/media2_service</XAddr></Service></GetServicesResponse>"));
    let mut cam = FakeCam::new("dahua_onvifserver", [10, 77, 0, 102], Style::OnvifServer);
    cam.replies.insert("GetServices", services.clone());
    cam.replies.insert("GetProfiles2", env(concat!(
        "<GetProfilesResponse><Profiles token='Profile_1'><Name>main</Name><Configurations><VideoEncoder>",
        "<Encoding>H265</Encoding><Resolution><Width>3840</Width><Height>2160</Height></Resolution></VideoEncoder>",
        "</Configurations></Profiles><Profiles token='Profile_2'><Name>sub</Name></Profiles></GetProfilesResponse>")));
    cam.replies.insert(
        "GetStreamUri2",
        env("<GetStreamUriResponse><Uri>rtsp://10.77.0.102:554/h265</Uri></GetStreamUriResponse>"),
    );
    cam.replies.insert("GetSnapshotUri2", env("<GetSnapshotUriResponse><Uri>http://10.77.0.102/snap2.jpg</Uri></GetSnapshotUriResponse>"));
    let d = run(&mut cam, 0, &[]).unwrap();
    assert_eq!(d.profiles[0].encoding.as_deref(), Some("H265"));
    assert_eq!(
        (d.profiles[0].width, d.profiles[0].height),
        (Some(3840), Some(2160))
    );
    assert!(d.media2);
    assert_eq!(uris(&d), ["rtsp://10.77.0.102:554/h265"; 2]);
    assert_eq!(
        d.snapshot_uri.as_deref(),
        Some("http://10.77.0.102/snap2.jpg")
    );
    let m2: Vec<_> = cam
        .seen
        .iter()
        .filter(|s| s.url.ends_with("/onvif/media2_service"))
        .map(|s| s.op.as_str())
        .collect();
    assert_eq!(
        m2,
        [
            "GetProfiles2",
            "GetStreamUri2",
            "GetStreamUri2",
            "GetSnapshotUri2"
        ]
    );

    cam.replies.remove("GetStreamUri2");
    cam.seen.clear();
    let d = run(&mut cam, 0, &[]).unwrap();
    assert_eq!(
        uris(&d)[0],
        "rtsp://10.77.0.102:554/cam/realmonitor?channel=1&subtype=0"
    );
    assert_eq!(
        cam.seen.iter().filter(|s| s.op == "GetStreamUri").count(),
        2,
        "Media1 fallback per profile"
    );

    let mut cam = FakeCam::new("dahua_onvifserver", [10, 77, 0, 102], Style::OnvifServer);
    cam.replies.insert("GetServices", services);
    let d = run(&mut cam, 0, &[]).unwrap();
    assert!(
        !d.media2
            && d.profiles
                .iter()
                .all(|p| p.encoding.as_deref() == Some("H264"))
    );
    assert_eq!(uris(&d).len(), 2);
}

/// A deadline already past stops before the first request, naming the call.
#[test]
fn deadline_exceeded() {
    let mut cam = FakeCam::new("dahua_onvifserver", [10, 77, 0, 102], Style::OnvifServer);
    let o = Options {
        deadline: Instant::now(),
        ..opts()
    };
    let clock = || 0;
    let e = interrogate_with(
        &mut cam,
        &clock,
        "http://10.77.0.102/onvif/device_service",
        cam_ip(),
        &[],
        &o,
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("onvif 10.77.0.102:80 GetSystemDateAndTime: deadline exceeded after "),
        "{e}"
    );
    assert!(cam.seen.is_empty());
}

fn cam_ip() -> Ipv4Addr {
    Ipv4Addr::new(10, 77, 0, 102)
}

/// An XAddr that is not http:// is refused before anything is sent.
#[test]
fn https_xaddr_is_refused() {
    let mut cam = FakeCam::new("dahua_onvifserver", [10, 77, 0, 102], Style::OnvifServer);
    let e = interrogate_with(
        &mut cam,
        &|| 0,
        "https://10.77.0.102/onvif/device_service",
        cam_ip(),
        &[],
        &opts(),
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "onvif 10.77.0.102:443 xaddr: not an http://host[:port]/path URL: \"https://10.77.0.102/onvif/device_service\"");
    assert!(cam.seen.is_empty());
}

/// The HTTP Digest answer for a POST, checked against one lighttpd accepted from curl
/// (`axis_lighttpd_digest_post.txt`): same challenge, user, password, URI, cnonce and nc
/// give the same `response=`.
#[test]
fn digest_for_post_matches_what_lighttpd_accepted() {
    let text = String::from_utf8(fixture("axis_lighttpd_digest_post.txt")).unwrap();
    let value = |prefix: &str| text.lines().find_map(|l| l.strip_prefix(prefix)).unwrap();
    let challenges = parse_challenges(&[value("WWW-Authenticate: ")]);
    let sent = value("Authorization: Digest ");
    let ours = authorization(
        pick(&challenges).unwrap(),
        "root",
        "Axis!pass",
        "POST",
        "/onvif/device_service",
        &param(sent, "cnonce"),
        1,
    );
    assert_eq!(param(&ours, "response"), "59c4fe15a7ada9d3fee1d24d1f1c52d8");
    assert_eq!(param(&ours, "response"), param(sent, "response"));
    assert_eq!(param(&ours, "uri"), "/onvif/device_service");
    assert!(ours.contains(", qop=auth, nc=00000001, "), "{ours}");
    assert!(text.contains("HTTP/1.1 200 OK"));
}

/// Error statuses: an optional call answered 404 with an HTML page is skipped; GetProfiles
/// answered 503, even with a well-formed reply body, is `HTTP 503`.
#[test]
fn error_statuses() {
    let mut cam = FakeCam::new("dahua_onvifserver", [10, 77, 0, 102], Style::OnvifServer);
    cam.replies
        .insert("GetServices", "<html><body>Not Found</body></html>".into());
    cam.statuses.insert("GetServices", 404);
    let profiles = String::from_utf8(fixture("dahua_onvifserver_get_profiles.xml")).unwrap();
    cam.replies.insert("GetProfiles", profiles);
    cam.statuses.insert("GetProfiles", 503);
    let e = run(&mut cam, 0, &[]).unwrap_err();
    assert_eq!(e.to_string(), "onvif 10.77.0.102:80 GetProfiles: HTTP 503");
    assert!(cam.seen.iter().any(|s| s.op == "GetServices"));
    cam.statuses.remove("GetProfiles");
    let d = run(&mut cam, 0, &[]).unwrap();
    assert_eq!(uris(&d).len(), 2);
}
