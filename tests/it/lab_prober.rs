//! The per-host RTSP prober inside the lab's detector namespace, against every kind of RTSP
//! server of the lab, with all six lab credentials (each host's own one never first) and the
//! hints a real run would have (vendor from the MAC OUI, URLs from ONVIF/mDNS where the lab
//! has them). It finds the lab's main and sub streams, stays within a stated request budget
//! per host, counts failed logins exactly, never retries a refused credential, and every
//! URL it reports plays in ffprobe with the reported transport.
mod helpers;

use crate::support::lab::in_detector_ns;
use camera_detector::config::{Credential, Secret};
use camera_detector::discovery::rtsp::prober::{probe_host, Hints};
use helpers::{
    cam, check_plays, cred_index, lab_credentials, opts, oui_hint, print_table, probe_all, Case,
};

#[test]
fn finds_main_and_sub_streams_within_budget() {
    let Some(lab) = in_detector_ns("lab_prober::finds_main_and_sub_streams_within_budget") else {
        return;
    };
    let t = &lab.truth;
    let creds = lab_credentials(t);
    assert_eq!(creds.len(), 6, "all six lab credentials");
    let k = |ip, port| cred_index(t, &creds, ip, port);
    let onvif = |ip: &str| -> Vec<String> {
        cam(t, ip)["onvif"]["stream_uris"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|u| u.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let vendor = |ip| oui_hint(t, ip);
    let cases = [
        // decoy 1 + reolink's template /Preview_01_main and the lead before it 2 × 404 +
        // DESCRIBE (none, k wrong, right) 2+k + SETUP/PLAY/TEARDOWN 3 + sub 4.
        Case {
            name: "cam4 reolink basic",
            ip: "10.77.0.104",
            port: 554,
            hints: Hints {
                brand: vendor("10.77.0.104"),
                ..Hints::default()
            },
            main: Some("/h264Preview_01_main"),
            sub: Some("/h264Preview_01_sub"),
            transport: "tcp",
            cred: Some(k("10.77.0.104", 554)),
            budget: 12 + k("10.77.0.104", 554) as u32,
        },
        // Amcrest OUI → amcrest's template, its own leads (nobody's template first), then the
        // data's order: decoy 1 + 7 × 404 (one of them amcrest's credential-in-URL lead, tried
        // with each of the 6 credentials: +5) + DESCRIBE /stream1 1 + 3 + sub 4.
        Case {
            name: "cam5 amcrest h265+h264 no auth",
            ip: "10.77.0.105",
            port: 8554,
            hints: Hints {
                brand: vendor("10.77.0.105"),
                ..Hints::default()
            },
            main: Some("/stream1"),
            sub: Some("/stream2"),
            transport: "tcp",
            cred: None,
            budget: 21,
        },
        // decoy (none, k wrong, right→404) 2+k + DESCRIBE /media/video1 1 + SETUP tcp→461,
        // SETUP udp, PLAY, TEARDOWN 4 + the three sub templates of uniview 3 × 404.
        Case {
            name: "cam6 uniview udp only",
            ip: "10.77.0.106",
            port: 554,
            hints: Hints {
                brand: vendor("10.77.0.106"),
                ..Hints::default()
            },
            main: Some("/media/video1"),
            sub: None,
            transport: "udp",
            cred: Some(k("10.77.0.106", 554)),
            budget: 10 + k("10.77.0.106", 554) as u32,
        },
        // decoy 1 + DESCRIBE 2+k + 3 + sub 4.
        Case {
            name: "cam1 hikvision digest",
            ip: "10.77.0.101",
            port: 554,
            hints: Hints {
                brand: vendor("10.77.0.101"),
                ..Hints::default()
            },
            main: Some("/Streaming/Channels/101"),
            sub: Some("/Streaming/Channels/102"),
            transport: "tcp",
            cred: Some(k("10.77.0.101", 554)),
            budget: 10 + k("10.77.0.101", 554) as u32,
        },
        // ONVIF URLs of ipycam's own server, no auth: 2 × (DESCRIBE, SETUP, PLAY, TEARDOWN).
        Case {
            name: "cam1 ipycam onvif urls",
            ip: "10.77.0.101",
            port: 8554,
            hints: Hints {
                brand: vendor("10.77.0.101"),
                known: onvif("10.77.0.101"),
                credential: None,
            },
            main: Some("/live_main"),
            sub: Some("/live_sub"),
            transport: "tcp",
            cred: None,
            budget: 8,
        },
        // No hints: decoy 1 + /Streaming/Channels/101 404 1 + DESCRIBE 2+k + SETUP ×2
        // (video, audio) + PLAY + TEARDOWN 4 + sub DESCRIBE + 4.
        Case {
            name: "cam2 dahua no hints",
            ip: "10.77.0.102",
            port: 554,
            hints: Hints::default(),
            main: Some("/cam/realmonitor?channel=1&subtype=0"),
            sub: Some("/cam/realmonitor?channel=1&subtype=1"),
            transport: "tcp",
            cred: Some(k("10.77.0.102", 554)),
            budget: 13 + k("10.77.0.102", 554) as u32,
        },
        // mDNS path=: no decoy; DESCRIBE 2+k + 3 + derived sub 4.
        Case {
            name: "cam3 axis mdns url",
            ip: "10.77.0.103",
            port: 554,
            hints: Hints {
                brand: vendor("10.77.0.103"),
                known: vec!["rtsp://10.77.0.103:554/axis-media/media.amp".into()],
                credential: None,
            },
            main: Some("/axis-media/media.amp"),
            sub: Some("/axis-media/media.amp?resolution=640x360"),
            transport: "tcp",
            cred: Some(k("10.77.0.103", 554)),
            budget: 9 + k("10.77.0.103", 554) as u32,
        },
        // HTTP on 554: the decoy DESCRIBE gets no RTSP answer.
        Case {
            name: "noise http on 554",
            ip: "10.77.0.50",
            port: 554,
            hints: Hints::default(),
            main: None,
            sub: None,
            transport: "-",
            cred: None,
            budget: 1,
        },
    ];

    assert!(
        cases.iter().all(|c| c.cred != Some(0)),
        "no host's credential first"
    );
    let reports = probe_all(&cases, &creds);
    print_table(&cases, &reports);

    for (c, r) in cases.iter().zip(&reports) {
        let url = |p: Option<&str>| p.map(|p| format!("rtsp://{}:{}{p}", c.ip, c.port));
        let name = c.name;
        assert_eq!(
            r.main.as_ref().map(|s| s.stream.url.clone()),
            url(c.main),
            "{name}: {r:?}"
        );
        assert_eq!(
            r.sub.as_ref().map(|s| s.stream.url.clone()),
            url(c.sub),
            "{name}: {r:?}"
        );
        if let Some(m) = &r.main {
            let tr = serde_json::to_value(m.stream.transport).expect("transport");
            assert_eq!(tr, c.transport, "{name}");
            assert_eq!(r.credential, c.cred, "{name}: the credential that worked");
        }
        let failed = c.cred.unwrap_or(0);
        assert_eq!(r.failed_logins as usize, failed, "{name}: failed logins");
        assert!(
            r.requests <= c.budget,
            "{name}: {} requests > budget {}",
            r.requests,
            c.budget
        );
        assert!(!r.accepts_any_path, "{name}");
        if c.main.is_some() {
            assert!(r.errors.is_empty(), "{name}: {:?}", r.errors);
        }
        check_plays(&lab, r, &creds);
    }
    // Codecs the lab serves: cam5's main is H.265, its sub H.264.
    let cam5 = &reports[1];
    assert_eq!(
        cam5.main.as_ref().map(|s| s.stream.codec.as_str()),
        Some("h265")
    );
    assert_eq!(
        cam5.sub.as_ref().map(|s| s.stream.codec.as_str()),
        Some("h264")
    );
    // The noise host: nothing, and one clear line.
    let noise = &reports[7];
    assert_eq!(noise.errors.len(), 1, "{:?}", noise.errors);
    assert!(
        noise.errors[0].starts_with("rtsp 10.77.0.50:554 DESCRIBE: not an RTSP response"),
        "{:?}",
        noise.errors
    );
    assert!(!noise.errors[0].contains('\n'));
    // No error line anywhere carries a password.
    for r in &reports {
        for e in &r.errors {
            for c in &creds {
                assert!(!e.contains(c.password.expose()), "password in {e:?}");
            }
        }
    }
}

#[test]
fn wrong_credentials_only_are_each_sent_once() {
    let Some(lab) = in_detector_ns("lab_prober::wrong_credentials_only_are_each_sent_once") else {
        return;
    };
    let wrong = vec![
        Credential {
            username: "admin".into(),
            password: Secret::new("wrong-1"),
        },
        Credential {
            username: "root".into(),
            password: Secret::new("wrong-2"),
        },
    ];
    // (host, port, budget): gst looks the path up first (decoy 404, the paths before the
    // first existing one 404 — two on cam4 —, then that path: none + 2 credentials); the
    // npm server authenticates first (decoy: none + 2 credentials).
    for (ip, port, budget) in [
        ("10.77.0.104", 554, 6),
        ("10.77.0.101", 554, 4),
        ("10.77.0.106", 554, 3),
    ] {
        let hints = Hints {
            brand: oui_hint(&lab.truth, ip),
            ..Hints::default()
        };
        let r = probe_host(ip.parse().expect("ip"), port, &hints, &wrong, &opts());
        eprintln!(
            "{ip}:{port} wrong credentials: {} requests, {} failed logins",
            r.requests, r.failed_logins
        );
        assert!(r.main.is_none() && r.sub.is_none(), "{r:?}");
        assert_eq!(r.credential, None);
        // Each credential refused exactly once: never retried after its 401.
        assert_eq!(r.failed_logins, 2, "{ip}: {r:?}");
        assert!(
            r.requests <= budget,
            "{ip}: {} requests > {budget}",
            r.requests
        );
        assert_eq!(
            r.errors,
            [format!(
                "rtsp {ip}:{port} DESCRIBE: 401 unauthorized (all 2 credentials refused)"
            )]
        );
    }
}

/// The hints a whole discovery has (ONVIF URLs and the ONVIF login as credential hint for
/// cam1–cam3, mDNS `path=` for cam5, the OUI vendor everywhere), the same six credentials:
/// every host's streams are found and the whole lab costs at most 83 RTSP requests (the
/// issue's budget for a discovery; the original detector sent ~415).
#[test]
fn a_discovery_like_run_stays_within_83_requests() {
    let Some(lab) = in_detector_ns("lab_prober::a_discovery_like_run_stays_within_83_requests")
    else {
        return;
    };
    let t = &lab.truth;
    let creds = lab_credentials(t);
    let k = |ip, port| cred_index(t, &creds, ip, port);
    let onvif_login = |ip: &str| {
        let o = &cam(t, ip)["onvif"];
        creds.iter().position(|c| {
            o["user"].as_str() == Some(c.username.as_str())
                && o["pass"].as_str() == Some(c.password.expose())
        })
    };
    let hints = |ip: &str, mdns: &[&str]| {
        let mut known: Vec<String> = cam(t, ip)["onvif"]["stream_uris"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|u| u.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        known.extend(mdns.iter().map(|p| format!("rtsp://{ip}{p}")));
        Hints {
            brand: oui_hint(t, ip),
            known,
            credential: onvif_login(ip),
        }
    };
    let case = |name, ip: &'static str, port, h, main, sub, transport, cred, budget| Case {
        name,
        ip,
        port,
        hints: h,
        main,
        sub,
        transport,
        cred,
        budget,
    };
    let axis = "/axis-media/media.amp?videocodec=h264";
    let cases = [
        // ONVIF login (onvif) tried first and refused: decoy 1 + 3 + 3 + sub 4.
        case(
            "cam1 hikvision digest",
            "10.77.0.101",
            554,
            hints("10.77.0.101", &[]),
            Some("/Streaming/Channels/101"),
            Some("/Streaming/Channels/102"),
            "tcp",
            Some(k("10.77.0.101", 554)),
            11,
        ),
        case(
            "cam1 ipycam onvif urls",
            "10.77.0.101",
            8554,
            hints("10.77.0.101", &[]),
            Some("/live_main"),
            Some("/live_sub"),
            "tcp",
            None,
            8,
        ),
        // ONVIF URLs and login: DESCRIBE 2 + SETUP ×2, PLAY, TEARDOWN + sub 5.
        case(
            "cam2 dahua onvif",
            "10.77.0.102",
            554,
            hints("10.77.0.102", &[]),
            Some("/cam/realmonitor?channel=1&subtype=0"),
            Some("/cam/realmonitor?channel=1&subtype=1"),
            "tcp",
            onvif_login("10.77.0.102"),
            11,
        ),
        // ONVIF URLs and login (mDNS path last): DESCRIBE 2 + 3 + sub 4.
        case(
            "cam3 axis onvif+mdns",
            "10.77.0.103",
            554,
            hints("10.77.0.103", &[":554/axis-media/media.amp"]),
            Some(axis),
            Some("/axis-media/media.amp?videocodec=h264&resolution=320x180"),
            "tcp",
            onvif_login("10.77.0.103"),
            9,
        ),
        case(
            "cam4 reolink basic",
            "10.77.0.104",
            554,
            hints("10.77.0.104", &[]),
            Some("/h264Preview_01_main"),
            Some("/h264Preview_01_sub"),
            "tcp",
            Some(k("10.77.0.104", 554)),
            12 + k("10.77.0.104", 554) as u32,
        ),
        // mDNS path=/stream1: 4 + derived sub 4.
        case(
            "cam5 amcrest mdns",
            "10.77.0.105",
            8554,
            hints("10.77.0.105", &[":8554/stream1"]),
            Some("/stream1"),
            Some("/stream2"),
            "tcp",
            None,
            8,
        ),
        case(
            "cam6 uniview udp only",
            "10.77.0.106",
            554,
            hints("10.77.0.106", &[]),
            Some("/media/video1"),
            None,
            "udp",
            Some(k("10.77.0.106", 554)),
            10 + k("10.77.0.106", 554) as u32,
        ),
        case(
            "noise http on 554",
            "10.77.0.50",
            554,
            Hints::default(),
            None,
            None,
            "-",
            None,
            1,
        ),
    ];
    let reports = probe_all(&cases, &creds);
    let total = print_table(&cases, &reports);
    for (c, r) in cases.iter().zip(&reports) {
        let url = |p: Option<&str>| p.map(|p| format!("rtsp://{}:{}{p}", c.ip, c.port));
        let name = c.name;
        assert_eq!(
            r.main.as_ref().map(|s| s.stream.url.clone()),
            url(c.main),
            "{name}: {r:?}"
        );
        assert_eq!(
            r.sub.as_ref().map(|s| s.stream.url.clone()),
            url(c.sub),
            "{name}: {r:?}"
        );
        if c.main.is_some() {
            assert_eq!(r.credential, c.cred, "{name}");
        }
        assert!(
            r.requests <= c.budget,
            "{name}: {} > {}",
            r.requests,
            c.budget
        );
    }
    assert!(total <= 83, "{total} RTSP requests for the whole lab");
}
