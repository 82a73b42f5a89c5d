//! `discovery::onvif::interrogate` inside the lab's detector namespace against the lab's
//! three ONVIF servers (ipycam WS-Security with GetSystemDateAndTime behind auth; the
//! onvif-server crate, WS-Security with HTTP 500 auth faults; lighttpd HTTP Digest in front
//! of onvif-server), with all six lab credentials in an order where the right one is never
//! first: identity, stream URIs (main first), the credential index and the refusals counted
//! are lab.json's. Wrong credentials only, and a camera without ONVIF, fail with one line
//! naming ip and port.
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use camera_detector::config::{Credential, Secret};
use camera_detector::discovery::onvif::{interrogate, ClientError, Options, DEFAULT_MAX_BODY};
use serde_json::Value;

use crate::support::lab::in_detector_ns;

/// Every distinct user/password pair of lab.json (ONVIF and RTSP, cameras in order),
/// rotated by one so that cam1's ONVIF user (the first pair) comes last.
fn lab_credentials(truth: &Value) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for cam in truth["cameras"].as_array().expect("cameras") {
        let rtsp = cam["rtsp"].as_array().expect("rtsp");
        for entry in std::iter::once(&cam["onvif"]).chain(rtsp) {
            if let (Some(u), Some(p)) = (entry["user"].as_str(), entry["pass"].as_str()) {
                let pair = (u.to_string(), p.to_string());
                if !pairs.contains(&pair) {
                    pairs.push(pair);
                }
            }
        }
    }
    assert_eq!(pairs.len(), 6, "lab.json credentials: {pairs:?}");
    pairs.rotate_left(1);
    pairs
}

fn credentials(pairs: &[(String, String)]) -> Vec<Credential> {
    pairs
        .iter()
        .map(|(u, p)| Credential {
            username: u.clone(),
            password: Secret::new(p.clone()),
        })
        .collect()
}

fn options() -> Options {
    Options {
        timeout: Duration::from_secs(5),
        deadline: Instant::now() + Duration::from_secs(30),
        max_body: DEFAULT_MAX_BODY,
    }
}

fn onvif_cameras(truth: &Value) -> Vec<Value> {
    let cams: Vec<Value> = truth["cameras"]
        .as_array()
        .expect("cameras")
        .iter()
        .filter(|c| !c["onvif"].is_null())
        .cloned()
        .collect();
    assert_eq!(cams.len(), 3, "cam1..cam3 have ONVIF");
    cams
}

fn ip_of(cam: &Value) -> Ipv4Addr {
    cam["ip"].as_str().expect("ip").parse().expect("ipv4")
}

#[test]
fn cameras_answer_with_the_right_credential() {
    let Some(lab) = in_detector_ns("lab_onvif::cameras_answer_with_the_right_credential") else {
        return;
    };
    let pairs = lab_credentials(&lab.truth);
    let creds = credentials(&pairs);
    for cam in onvif_cameras(&lab.truth) {
        let o = &cam["onvif"];
        let ip = ip_of(&cam);
        let right = (
            o["user"].as_str().unwrap().to_string(),
            o["pass"].as_str().unwrap().to_string(),
        );
        let want = pairs.iter().position(|p| *p == right).expect("right pair");
        assert_ne!(want, 0, "the right credential must not be first");
        let started = Instant::now();
        let d = interrogate(o["xaddr"].as_str().unwrap(), ip, &creds, &options())
            .unwrap_or_else(|e| panic!("{ip}: {e}"));
        let took = started.elapsed();
        eprintln!(
            "{ip} {}: {} requests, {} auth failures, {:.0} ms, clock offset {} s, {} profiles {:?}",
            o["auth"],
            d.requests,
            d.auth_failures,
            took.as_secs_f64() * 1e3,
            d.clock_offset_secs,
            d.profiles.len(),
            d.profiles
                .iter()
                .map(|p| (&p.token, &p.encoding, p.width, p.height))
                .collect::<Vec<_>>()
        );
        assert_eq!(d.manufacturer, o["manufacturer"].as_str().unwrap(), "{ip}");
        assert_eq!(d.model, o["model"].as_str().unwrap(), "{ip}");
        assert_eq!(d.serial, o["serial"].as_str().unwrap(), "{ip}");
        let uris: Vec<&str> = d
            .stream_uris
            .iter()
            .map(|u| u.as_deref().unwrap_or("(none)"))
            .collect();
        let want_uris: Vec<&str> = o["stream_uris"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u.as_str().unwrap())
            .collect();
        assert_eq!(uris, want_uris, "{ip}");
        assert_eq!(d.credential, Some(want), "{ip}");
        assert_eq!(
            d.auth_failures as usize, want,
            "{ip}: one refusal per wrong credential"
        );
        assert!(!d.rewritten, "{ip}: the lab's URIs all name the camera");
        assert!(d.capabilities.media, "{ip}");
        // Same host, one machine: the clocks agree to a few seconds.
        assert!(
            d.clock_offset_secs.abs() <= 5,
            "{ip}: {}",
            d.clock_offset_secs
        );
    }
}

#[test]
fn wrong_credentials_only_are_refused() {
    let Some(lab) = in_detector_ns("lab_onvif::wrong_credentials_only_are_refused") else {
        return;
    };
    let pairs = lab_credentials(&lab.truth);
    for cam in onvif_cameras(&lab.truth) {
        let o = &cam["onvif"];
        let ip = ip_of(&cam);
        let right = (
            o["user"].as_str().unwrap().to_string(),
            o["pass"].as_str().unwrap().to_string(),
        );
        let wrong: Vec<_> = pairs.iter().filter(|p| **p != right).cloned().collect();
        let started = Instant::now();
        let e = interrogate(
            o["xaddr"].as_str().unwrap(),
            ip,
            &credentials(&wrong),
            &options(),
        )
        .expect_err("wrong credentials must be refused");
        eprintln!(
            "{ip}: {e} ({:.0} ms)",
            started.elapsed().as_secs_f64() * 1e3
        );
        assert!(
            matches!(e, ClientError::CredentialsRefused { tried: 5, .. }),
            "{ip}: {e:?}"
        );
        let line = e.to_string();
        assert!(line.contains("credentials refused"), "{line}");
        assert!(line.contains(&format!("{ip}:80")), "{line}");
        assert!(!line.contains('\n'));
        for (_, pass) in &pairs {
            assert!(!line.contains(pass.as_str()), "password in {line}");
        }
    }
}

#[test]
fn camera_without_onvif_is_a_connection_error() {
    let Some(lab) = in_detector_ns("lab_onvif::camera_without_onvif_is_a_connection_error") else {
        return;
    };
    let cam4 = lab.truth["cameras"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["ns"] == "lab-cam4")
        .expect("cam4")
        .clone();
    assert!(cam4["onvif"].is_null());
    let ip = ip_of(&cam4);
    let creds = credentials(&lab_credentials(&lab.truth));
    let started = Instant::now();
    let e = interrogate(
        &format!("http://{ip}/onvif/device_service"),
        ip,
        &creds,
        &options(),
    )
    .expect_err("cam4 has no ONVIF");
    eprintln!(
        "{ip}: {e} ({:.1} ms)",
        started.elapsed().as_secs_f64() * 1e3
    );
    assert!(matches!(e, ClientError::Http { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!("onvif {ip}:80 GetSystemDateAndTime: connection refused")
    );
}
