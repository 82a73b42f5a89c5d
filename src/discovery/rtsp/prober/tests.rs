//! The strategy against scripted servers on 127.0.0.1 (see `rtsp/fake.rs`): request counts, the
//! credential rules and the decoy, exactly.
use super::*;
use crate::camdb::Brand;
use crate::discovery::rtsp::fake::{basic, FakeCam};
use crate::discovery::rtsp::paths::ordered;
use crate::secret::Secret;
use std::time::Duration;

const LOCAL: Ipv4Addr = Ipv4Addr::LOCALHOST;

fn creds(list: &[(&str, &str)]) -> Vec<Credential> {
    list.iter()
        .map(|(u, p)| Credential {
            username: (*u).to_string(),
            password: Secret::new(*p),
        })
        .collect()
}

fn opts() -> ProbeOptions {
    ProbeOptions::new(Timeouts {
        connect: Duration::from_secs(2),
        phase: Duration::from_secs(5),
    })
}

fn hints(brand: Option<&str>) -> Hints {
    Hints {
        brand: brand.map(|b| Brand::from_id(b).expect("brand")),
        ..Hints::default()
    }
}

/// gst-rtsp-server's order (404 before 401): the decoy costs one request, the first
/// existing path gets each credential once, the sub stream is found on the same connection
/// with the accepted credential sent at once.
#[test]
fn lookup_first_server_each_credential_at_most_once() {
    let cam = FakeCam {
        paths: vec!["/Preview_01_main", "/Preview_01_sub"],
        basic: Some(("admin", "right")),
        ..FakeCam::default()
    }
    .start();
    let c = creds(&[("admin", "wrong"), ("admin", "right"), ("root", "never")]);
    let r = probe_host(LOCAL, cam.port, &hints(Some("reolink")), &c, &opts());
    let url = |p: &str| format!("rtsp://127.0.0.1:{}{p}", cam.port);
    assert_eq!(
        r.main.as_ref().map(|s| s.stream.url.clone()),
        Some(url("/Preview_01_main"))
    );
    assert_eq!(
        r.sub.as_ref().map(|s| s.stream.url.clone()),
        Some(url("/Preview_01_sub"))
    );
    assert_eq!((r.credential, r.failed_logins), (Some(1), 1), "{r:?}");
    assert!(!r.accepts_any_path);
    // decoy 1 + DESCRIBE (none, wrong, right) 3 + SETUP/PLAY/TEARDOWN 3 + sub 4.
    assert_eq!(r.requests, 11, "{r:?}");
    let log = cam.log();
    let methods: Vec<&str> = log.iter().map(|q| q.method.as_str()).collect();
    let play = ["SETUP", "PLAY", "TEARDOWN"];
    let want = [&["DESCRIBE"; 4][..], &play, &["DESCRIBE"], &play].concat();
    assert_eq!(
        methods, want,
        "no OPTIONS, one connection's worth of phases"
    );
    assert!(log[0].path.starts_with("/camera-detector-decoy-") && log[0].auth.is_none());
    let sent = |u, p| log.iter().filter(|q| q.auth == Some(basic(u, p))).count();
    assert_eq!(sent("admin", "wrong"), 1);
    assert_eq!(sent("root", "never"), 0);
    assert_eq!(r.main.as_ref().map(|s| s.requests), Some(6));
    assert!(r.errors.is_empty(), "{:?}", r.errors);
}

/// The npm server's order (401 for any path): the decoy is the credential test; every
/// wrong credential is sent once and the host is given up when none is left.
#[test]
fn auth_first_server_with_wrong_credentials_only() {
    let cam = FakeCam {
        paths: vec!["/media/video1"],
        basic: Some(("admin", "right")),
        auth_first: true,
        ..FakeCam::default()
    }
    .start();
    let c = creds(&[("admin", "a"), ("admin", "b")]);
    let r = probe_host(LOCAL, cam.port, &hints(Some("uniview")), &c, &opts());
    assert!(r.main.is_none() && r.sub.is_none());
    assert_eq!((r.requests, r.failed_logins, r.credential), (3, 2, None));
    assert_eq!(
        r.errors,
        [format!(
            "rtsp 127.0.0.1:{} DESCRIBE: 401 unauthorized (all 2 credentials refused)",
            cam.port
        )]
    );
    let log = cam.log();
    assert!(log
        .iter()
        .all(|q| q.path.starts_with("/camera-detector-decoy-")));
    for p in ["a", "b"] {
        let n = log
            .iter()
            .filter(|q| q.auth == Some(basic("admin", p)))
            .count();
        assert_eq!(n, 1, "credential {p} sent {n} times");
    }
}

/// On an auth-first server the decoy's 404 with the right credential proves it; the
/// dictionary then runs authenticated, and a missing sub stream is reported as none.
#[test]
fn auth_first_server_decoy_finds_the_credential() {
    let cam = FakeCam {
        paths: vec!["/media/video1"],
        basic: Some(("admin", "right")),
        auth_first: true,
        ..FakeCam::default()
    }
    .start();
    let c = creds(&[("admin", "wrong"), ("admin", "right")]);
    let r = probe_host(LOCAL, cam.port, &hints(Some("uniview")), &c, &opts());
    assert_eq!(
        r.main.as_ref().map(|s| s.stream.url.clone()),
        Some(format!("rtsp://127.0.0.1:{}/media/video1", cam.port))
    );
    assert!(r.sub.is_none());
    // decoy (none, wrong, right) 3 + video1 4 + the sub templates video2, video3 and
    // /unicast/c1/s1/live 1 each.
    assert_eq!(
        (r.requests, r.failed_logins, r.credential),
        (10, 1, Some(1))
    );
    assert!(r.errors.is_empty(), "{:?}", r.errors);
}

/// A server that answers any path is flagged; the first candidate is played at once (such
/// a server usually plays one stream under any name), and its "sub streams" (answers alike
/// the decoy's) are not even played.
#[test]
fn a_server_accepting_any_path_is_flagged() {
    let cam = FakeCam {
        accept_any: true,
        ..FakeCam::default()
    }
    .start();
    let r = probe_host(LOCAL, cam.port, &hints(None), &[], &opts());
    assert!(r.accepts_any_path);
    let first_main = ordered(None, &[])
        .into_iter()
        .find(|c| c.role != Role::Sub)
        .map(|c| c.path.to_owned())
        .expect("a main path");
    assert_eq!(
        r.main.as_ref().map(|s| s.stream.url.clone()),
        Some(format!("rtsp://127.0.0.1:{}{first_main}", cam.port))
    );
    assert!(r.sub.is_none(), "{r:?}");
    // decoy 1 + the best-ranked (sub) path DESCRIBEd, alike: not played 1 + main 4 + three
    // sub candidates DESCRIBEd, answered like the decoy: not played 3.
    assert_eq!(r.requests, 9, "{r:?}");
    assert_eq!(cam.log().iter().filter(|q| q.method == "PLAY").count(), 1);
}

/// A server that answers 200 to any path but streams only on its real path (a template of
/// the data, ranked after others): found, after one speculative PLAY of the best-ranked path.
#[test]
fn a_server_accepting_any_path_streaming_on_its_real_path_only_is_found() {
    for own in [false, true] {
        let cam = FakeCam {
            accept_any: true,
            rtp_only: vec!["/Streaming/Channels/101"],
            own_sdp: if own {
                vec!["/Streaming/Channels/101"]
            } else {
                vec![]
            },
            ..FakeCam::default()
        }
        .start();
        let r = probe_host(LOCAL, cam.port, &hints(None), &[], &opts());
        assert_eq!(
            r.main.as_ref().map(|s| s.stream.url.clone()),
            Some(format!(
                "rtsp://127.0.0.1:{}/Streaming/Channels/101",
                cam.port
            )),
            "own SDP {own}: {r:?}"
        );
        assert!(r.accepts_any_path);
        let plays = cam.log().iter().filter(|q| q.method == "PLAY").count();
        // One silent PLAY of the best-ranked path, then the real one: DESCRIBEd differently
        // it is played at once, DESCRIBEd alike it waits for the end of the candidates. A
        // stream that answered differently is not the server's default one, so the sub
        // candidates are played even where they answer like the decoy (all silent here).
        let want = if own { 2 + MAX_SUB_TRIES } else { 2 };
        assert_eq!(plays, want, "own SDP {own}: {r:?}");
        assert!(
            r.tried.iter().any(|t| t.ends_with(": silent")),
            "{:?}",
            r.tried
        );
    }
}

/// Probes `cam` made silent (PLAY answered, no RTP) with a 0.3 s phase timeout (budget
/// 0.6 s): the report (no main stream asserted) and the PLAYs the server got.
fn probe_without_rtp(cam: FakeCam) -> (HostReport, usize) {
    let cam = FakeCam {
        no_rtp: true,
        ..cam
    }
    .start();
    let opts = ProbeOptions::new(Timeouts {
        connect: Duration::from_secs(2),
        phase: Duration::from_millis(300),
    });
    let r = probe_host(LOCAL, cam.port, &hints(None), &[], &opts);
    assert!(r.main.is_none(), "{r:?}");
    let plays = cam.log().iter().filter(|q| q.method == "PLAY").count();
    (r, plays)
}

/// A hostile server that answers 200 to every path and never sends RTP costs its budget
/// (2 × the phase timeout): a PLAY or two, not one timeout per dictionary path.
#[test]
fn a_server_accepting_any_path_without_rtp_costs_its_budget() {
    let (r, plays) = probe_without_rtp(FakeCam {
        accept_any: true,
        ..FakeCam::default()
    });
    assert!(r.accepts_any_path);
    assert!((1..=2).contains(&plays), "{plays} PLAYs: {r:?}");
    assert!(
        r.errors.iter().any(|e| e.contains("budget of 0.6 s spent")),
        "{:?}",
        r.errors
    );
    assert!(r
        .errors
        .iter()
        .any(|e| e.contains("RTP: no answer within 0.3 s")));
}

/// A server that refuses the decoy but answers 200 to every real dictionary path and never
/// sends RTP: the first PLAY waits the phase timeout, the next one less, and the budget
/// ends it.
#[test]
fn silent_paths_on_a_decoy_refusing_server_cost_the_budget() {
    let paths: Vec<&'static str> = ordered(None, &[])
        .iter()
        .filter(|p| p.role != Role::Sub)
        .take(8)
        .map(|p| &*Box::leak(p.path.to_string().into_boxed_str()))
        .collect();
    let (r, plays) = probe_without_rtp(FakeCam {
        paths,
        ..FakeCam::default()
    });
    assert!(!r.accepts_any_path, "{r:?}");
    assert_eq!(plays, 2, "{r:?}");
    assert!(
        r.errors
            .iter()
            .any(|e| e.ends_with("probe: budget of 0.6 s spent after 2 paths: host given up")),
        "{:?}",
        r.errors
    );
}

/// The brand from the server's own answers when nothing was hinted: its `Server` header
/// (or its Digest/Basic realm) orders the dictionary by that brand's templates.
#[test]
fn the_servers_own_answers_name_the_brand() {
    let cam = FakeCam {
        paths: vec!["/media/video1"],
        server: Some("UNV RTSP Server"),
        ..FakeCam::default()
    }
    .start();
    let r = probe_host(LOCAL, cam.port, &hints(None), &[], &opts());
    assert_eq!(
        r.brand.map(|(b, how)| (b.id(), how)),
        Some(("uniview", "rtsp-server"))
    );
    // decoy 1 + /media/video1 (uniview's first template) 4 + its three sub templates 3.
    assert_eq!(r.requests, 8, "{r:?}");
    let realm = FakeCam {
        paths: vec!["/axis-media/media.amp"],
        basic: Some(("root", "pass")),
        auth_first: true,
        realm: Some("AXIS_ACCC8E012345"),
        ..FakeCam::default()
    }
    .start();
    let r = probe_host(
        LOCAL,
        realm.port,
        &hints(None),
        &creds(&[("root", "pass")]),
        &opts(),
    );
    assert_eq!(
        r.brand.map(|(b, how)| (b.id(), how)),
        Some(("axis", "rtsp-realm"))
    );
    assert!(r.main.is_some(), "{r:?}");
}

/// A path with the credential in the URL is sent filled (percent-encoded) and reported with
/// its markers: the password never reaches the report.
#[test]
fn credentials_in_the_path_are_filled_on_the_wire_and_marked_in_the_report() {
    let cam = FakeCam {
        paths: vec!["/user=admin&password=s%26cr%20t&channel=1&stream=0.sdp?real_stream"],
        ..FakeCam::default()
    }
    .start();
    let c = creds(&[("admin", "s&cr t")]);
    let r = probe_host(LOCAL, cam.port, &hints(Some("xmeye")), &c, &opts());
    let main = r.main.as_ref().expect("main");
    assert_eq!(
        main.stream.url,
        format!(
            "rtsp://127.0.0.1:{}/user=[USERNAME]&password=[PASSWORD]&channel=1&stream=0.sdp?real_stream",
            cam.port
        )
    );
    assert_eq!(r.credential, Some(0));
    assert!(!format!("{r:?}").contains("s&cr t") && !format!("{r:?}").contains("s%26cr"));
}

/// Known URLs (ONVIF/mDNS) are tried first, on the probed address and port only, without
/// a decoy or the dictionary.
#[test]
fn known_urls_first_without_decoy() {
    let cam = FakeCam {
        paths: vec!["/live_main", "/live_sub"],
        ..FakeCam::default()
    }
    .start();
    let p = cam.port;
    let h = Hints {
        known: vec![
            format!("rtsp://192.0.2.99:{p}/live_main"),
            "rtsp://127.0.0.1:1/elsewhere".into(),
            format!("rtsp://127.0.0.1:{p}/live_main"), // again, from mDNS
            format!("rtsp://user:pw@127.0.0.1:{p}/live_sub"),
        ],
        ..Hints::default()
    };
    let r = probe_host(LOCAL, p, &h, &creds(&[("admin", "x")]), &opts());
    assert_eq!(
        (r.main.map(|s| s.stream.url), r.sub.map(|s| s.stream.url)),
        (
            Some(format!("rtsp://127.0.0.1:{p}/live_main")),
            Some(format!("rtsp://127.0.0.1:{p}/live_sub"))
        )
    );
    assert_eq!((r.requests, r.failed_logins, r.credential), (8, 0, None));
    let paths: Vec<String> = cam.log().into_iter().map(|q| q.path).collect();
    assert!(paths.iter().all(|p| p.starts_with("/live_")), "{paths:?}");
}

#[test]
fn a_path_that_needs_credentials_when_none_are_configured() {
    let cam = FakeCam {
        paths: vec!["/stream1"],
        basic: Some(("admin", "x")),
        ..FakeCam::default()
    }
    .start();
    let r = probe_host(LOCAL, cam.port, &hints(Some("tp-link")), &[], &opts());
    assert!(r.main.is_none());
    assert_eq!((r.requests, r.failed_logins), (2, 0));
    assert_eq!(
        r.errors,
        [format!(
            "rtsp 127.0.0.1:{} DESCRIBE: 401 unauthorized (credentials needed, none configured)",
            cam.port
        )]
    );
}

#[test]
fn a_non_rtsp_service_costs_one_request_and_one_clear_line() {
    let cam = FakeCam {
        http: true,
        ..FakeCam::default()
    }
    .start();
    let r = probe_host(
        LOCAL,
        cam.port,
        &hints(None),
        &creds(&[("a", "b")]),
        &opts(),
    );
    assert!(r.main.is_none());
    assert_eq!(r.requests, 1);
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
    let want = format!("rtsp 127.0.0.1:{} DESCRIBE: not an RTSP response", cam.port);
    assert!(r.errors[0].starts_with(&want), "{}", r.errors[0]);
}

#[test]
fn nothing_listening_is_a_connect_error() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    let r = probe_host(LOCAL, port, &hints(None), &[], &opts());
    assert_eq!(r.requests, 0);
    assert!(
        r.errors[0].starts_with(&format!("rtsp 127.0.0.1:{port} connect:")),
        "{:?}",
        r.errors
    );
}

#[test]
fn the_dictionary_stops_after_max_paths() {
    let cam = FakeCam::default().start();
    let o = ProbeOptions {
        max_paths: 5,
        ..opts()
    };
    let r = probe_host(LOCAL, cam.port, &hints(None), &[], &o);
    assert!(r.main.is_none());
    assert_eq!(r.requests, 6, "decoy + 5 paths");
    assert_eq!(cam.log().len(), 6);
    assert!(r.errors[0].ends_with("no stream among 0 known URLs and 5 dictionary paths"));
}

/// A server that closes the connection after TEARDOWN (ipycam), at once or only after the
/// next request was written: either way the prober reconnects, and a request the server
/// never read is not counted.
#[test]
fn a_server_closing_after_teardown_costs_no_extra_request() {
    let waits = [(Duration::ZERO, false), (Duration::from_millis(400), false)];
    // ... or says so in its TEARDOWN answer (`Connection: close`), which is not relied on
    // (gst-rtsp-server says it and keeps the connection), and closes later.
    for (wait, says) in waits
        .into_iter()
        .chain([(Duration::from_millis(400), true)])
    {
        let cam = FakeCam {
            paths: vec!["/live_main", "/live_sub"],
            close_after_teardown: Some(wait),
            teardown_says_close: says,
            ..FakeCam::default()
        }
        .start();
        let h = Hints {
            known: vec![format!("rtsp://127.0.0.1:{}/live_main", cam.port)],
            ..Hints::default()
        };
        let r = probe_host(LOCAL, cam.port, &h, &[], &opts());
        assert!(r.main.is_some() && r.sub.is_some(), "{wait:?}: {r:?}");
        assert_eq!(r.requests, 8, "{wait:?}: {r:?}");
        assert_eq!(cam.log().len(), 8, "{wait:?}");
        assert!(r.errors.is_empty(), "{wait:?}: {:?}", r.errors);
    }
}
