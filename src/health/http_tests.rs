//! The request head parser on every kind of input the endpoint meets, routing, and the
//! client side's response and URL parsing.
use super::*;

fn verdict(healthy: bool) -> Verdict {
    Verdict {
        healthy,
        status: if healthy { "ok" } else { "unhealthy" }.into(),
        problems: if healthy {
            vec![]
        } else {
            vec!["mqtt not connected".into()]
        },
        mqtt_connected: healthy,
        last_pass_age_s: Some(12),
        pass_interval_s: 300,
        cameras: 6,
        online: 6,
        uptime_s: 100,
        time: 1_795_737_227,
    }
}

#[test]
fn a_request_line_with_headers_parses_at_its_blank_line() {
    let req = b"GET /health HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: curl/8\r\n\r\n";
    let want = Head::Request {
        method: "GET".into(),
        path: "/health".into(),
    };
    assert_eq!(parse_request(req), want);
    // Every shorter prefix is incomplete, never an error.
    for n in 0..req.len() {
        assert_eq!(parse_request(&req[..n]), Head::Incomplete, "prefix {n}");
    }
    assert_eq!(
        parse_request(b"HEAD /metrics HTTP/1.0\n\n"),
        Head::Request {
            method: "HEAD".into(),
            path: "/metrics".into()
        }
    );
}

#[test]
fn garbage_is_refused_at_its_first_bytes() {
    for g in [
        &b"\x16\x03\x01\x02\x00"[..],
        b"\x00\x00",
        b" GET",
        b"G\tET",
        b"AAAAAAAAAAAAAAAAAAAA",
    ] {
        assert!(matches!(parse_request(g), Head::Bad(_)), "{g:?}");
    }
    for g in [
        &b"GET health HTTP/1.1\r\n\r\n"[..],
        b"GET /h HTTP/2\r\n\r\n",
        b"GET /h\r\n\r\n",
        b"GET /\xff HTTP/1.1\r\n\r\n",
    ] {
        assert!(matches!(parse_request(g), Head::Bad(_)), "{g:?}");
    }
}

#[test]
fn a_head_without_end_is_refused_at_the_limit() {
    let mut big = b"GET /health HTTP/1.1\r\nX: ".to_vec();
    big.resize(MAX_HEAD - 1, b'a');
    assert_eq!(parse_request(&big), Head::Incomplete);
    big.push(b'a');
    assert_eq!(parse_request(&big), Head::TooLarge);
}

#[test]
fn health_answers_200_or_503_with_the_verdict_and_other_paths_and_methods_are_refused() {
    let get = |path: &str| Head::Request {
        method: "GET".into(),
        path: path.into(),
    };
    let m = MetricsSnapshot::default;
    let ok = route(&get("/health"), || verdict(true), || (verdict(true), m()));
    assert_eq!((ok.code, ok.content_type), (200, "application/json"));
    assert_eq!(
        serde_json::from_slice::<Verdict>(&ok.body).unwrap(),
        verdict(true)
    );
    let bad = route(
        &get("/health?x=1"),
        || verdict(false),
        || (verdict(false), m()),
    );
    assert_eq!(bad.code, 503);
    let bytes = String::from_utf8(bad.to_bytes()).unwrap();
    assert!(
        bytes.starts_with("HTTP/1.1 503 Service Unavailable\r\n"),
        "{bytes}"
    );
    assert!(bytes.contains(&format!("Content-Length: {}\r\n", bad.body.len())));
    assert_eq!(
        route(&get("/"), || verdict(true), || (verdict(true), m())).code,
        404
    );
    let post = Head::Request {
        method: "POST".into(),
        path: "/health".into(),
    };
    assert_eq!(
        route(&post, || verdict(true), || (verdict(true), m())).code,
        405
    );
    assert_eq!(
        route(&Head::TooLarge, || verdict(true), || (verdict(true), m())).code,
        431
    );
    assert_eq!(
        route(&Head::Bad("x"), || verdict(true), || (verdict(true), m())).code,
        400
    );
    let head = Head::Request {
        method: "HEAD".into(),
        path: "/health".into(),
    };
    let r = route(&head, || verdict(true), || (verdict(true), m()));
    assert!(
        String::from_utf8(r.to_bytes())
            .unwrap()
            .ends_with("\r\n\r\n"),
        "no body"
    );
}

#[test]
fn metrics_are_prometheus_text() {
    let m = MetricsSnapshot {
        published: 42,
        short_sessions: 3,
        ..MetricsSnapshot::default()
    };
    let text = prometheus(&verdict(true), &m);
    assert!(text.contains("# TYPE camera_detector_healthy gauge\ncamera_detector_healthy 1\n"));
    assert!(text.contains("camera_detector_mqtt_published_total 42\n"));
    assert!(text.contains("camera_detector_mqtt_short_sessions_total 3\n"));
}

#[test]
fn the_client_reads_our_responses_and_refuses_others() {
    let r = route(
        &Head::Request {
            method: "GET".into(),
            path: "/health".into(),
        },
        || verdict(false),
        || (verdict(false), MetricsSnapshot::default()),
    );
    let (code, body) = parse_response(&r.to_bytes()).unwrap();
    assert_eq!(code, 503);
    assert_eq!(
        serde_json::from_slice::<Verdict>(&body).unwrap(),
        verdict(false)
    );
    assert!(parse_response(b"SSH-2.0-OpenSSH\r\n").is_err());
    assert!(parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc").is_err());
}

#[test]
fn urls_give_host_port_and_path() {
    assert_eq!(
        parse_url("http://127.0.0.1:8080/health"),
        Ok(("127.0.0.1".into(), 8080, "/health".into()))
    );
    assert_eq!(parse_url("http://gw"), Ok(("gw".into(), 80, "/".into())));
    assert_eq!(
        parse_url("http://[::1]:9/h"),
        Ok(("::1".into(), 9, "/h".into()))
    );
    assert!(parse_url("https://x/").is_err());
    assert!(parse_url("http://x:0/").is_err());
    assert!(parse_url("http://:80/").is_err());
}
