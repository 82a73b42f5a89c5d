//! The URL builders on hand-picked logins: which form each one takes, and what is refused.
//! The generated corpus is in `corpus_tests.rs`.
use super::*;

const URL: &str = "rtsp://10.77.0.10:554/cam/realmonitor?channel=1&subtype=0";
const REST: &str = "10.77.0.10:554/cam/realmonitor?channel=1&subtype=0";

fn plain<'a>(user: &'a str, password: &'a str) -> Option<Login<'a>> {
    Some(Login {
        user,
        password,
        var: None,
    })
}

fn var<'a>(user: &'a str, password: &'a str) -> Option<Login<'a>> {
    Some(Login {
        user,
        password,
        var: Some("FRIGATE_RTSP_PASSWORD"),
    })
}

#[test]
fn a_password_frigate_reencodes_is_written_raw_with_braces_four_times() {
    assert_eq!(
        direct_url(URL, plain("admin_1-x", "p@ss{w}:rd%/é")).as_deref(),
        Ok("rtsp://admin_1-x:p@ss{{{{w}}}}:rd%/é@10.77.0.10:554/cam/realmonitor?channel=1&subtype=0")
    );
}

#[test]
fn otherwise_the_user_is_shielded_and_both_are_percent_encoded() {
    // White space: Frigate would not re-encode; percent-encoded, with %61 so it never does.
    assert_eq!(
        direct_url(URL, plain("admin", "p@ss{w}:rd%/ é")).unwrap(),
        format!("rtsp://%61dmin:p%40ss%7Bw%7D%3Ard%25%2F%20%C3%A9@{REST}")
    );
    // `&` is in the query: re-encoding would rewrite it there too.
    assert_eq!(
        direct_url(URL, plain("admin", "&")).unwrap(),
        format!("rtsp://%61dmin:%26@{REST}")
    );
    // A user name Frigate leaves alone needs no shield.
    assert_eq!(
        direct_url("rtsp://h/s", plain("first.last", "p@ss")).as_deref(),
        Ok("rtsp://first.last:p%40ss@h/s")
    );
    assert_eq!(
        direct_url(URL, plain("us@er x", "a-b.c_d~{")).unwrap(),
        format!("rtsp://us%40er%20x:a-b.c_d~%7B@{REST}")
    );
    // An `@` in the path: the re-encoding would run to it.
    assert_eq!(
        direct_url("rtsp://h/a@b", plain("admin", "pw")).as_deref(),
        Ok("rtsp://%61dmin:pw@h/a@b")
    );
}

#[test]
fn an_empty_password_keeps_the_colon() {
    assert_eq!(
        direct_url("rtsp://h/s", plain("admin", "")).as_deref(),
        Ok("rtsp://admin:@h/s")
    );
    assert_eq!(
        go2rtc_url("rtsp://h/s", plain("admin", ""), false).as_deref(),
        Ok("rtsp://admin:@h/s")
    );
}

#[test]
fn placeholders_and_the_value_the_variable_holds() {
    // A password that percent-encoding leaves alone: the plain placeholder (masked by Frigate).
    assert_eq!(
        direct_url(URL, var("admin", "secret")).unwrap(),
        format!("rtsp://admin:{{FRIGATE_RTSP_PASSWORD}}@{REST}")
    );
    // Any other: the value is percent-encoded, so Frigate must not re-encode it.
    assert_eq!(
        direct_url(URL, var("admin", "p@ss")).unwrap(),
        format!("rtsp://%61dmin:{{FRIGATE_RTSP_PASSWORD}}@{REST}")
    );
    assert_eq!(placeholder_value("p@ss {x}"), "p%40ss%20%7Bx%7D");
    assert_eq!(
        go2rtc_url(URL, var("admin", "p@ss"), false).unwrap(),
        format!("rtsp://admin:{{FRIGATE_RTSP_PASSWORD}}@{REST}")
    );
    // Nothing to hide: no placeholder.
    assert_eq!(
        direct_url("rtsp://h/s", var("admin", "")).as_deref(),
        Ok("rtsp://admin:@h/s")
    );
}

#[test]
fn go2rtc_sources_are_percent_encoded_and_udp_goes_through_ffmpeg() {
    assert_eq!(
        go2rtc_url(URL, plain("admin", "p@ss{w}:rd%/ é"), false).unwrap(),
        format!("rtsp://admin:p%40ss%7Bw%7D%3Ard%25%2F%20%C3%A9@{REST}")
    );
    assert_eq!(
        go2rtc_url("rtsp://h:554/media/video1", plain("admin", "a'b"), true).as_deref(),
        Ok("ffmpeg:rtsp://admin:a%27b@h:554/media/video1")
    );
    // go2rtc has no 127-byte limit; its ffmpeg does.
    let long = "x".repeat(200);
    assert!(go2rtc_url("rtsp://h/s", plain("admin", &long), false).is_ok());
    assert_eq!(
        go2rtc_url("rtsp://h/s", plain("admin", &long), true),
        Err(Unexpressible::TooLong)
    );
}

#[test]
fn what_cannot_be_expressed_is_refused_with_a_reason() {
    assert_eq!(
        direct_url(URL, plain("us:er", "pw")),
        Err(Unexpressible::UserColon)
    );
    assert_eq!(
        go2rtc_url(URL, plain("us:er", "pw"), false),
        Err(Unexpressible::UserColon)
    );
    let long = "x".repeat(130);
    assert_eq!(
        direct_url(URL, plain("admin", &long)),
        Err(Unexpressible::TooLong)
    );
    let long_path = format!("rtsp://h/{}", "p".repeat(1000));
    assert_eq!(
        direct_url(&long_path, None),
        Err(Unexpressible::PathTooLong)
    );
    assert_eq!(direct_url("http://h/x", None), Err(Unexpressible::NotRtsp));
    // The reasons never carry the credentials.
    let text = Unexpressible::NoEncoding.to_string();
    assert!(!text.contains("pw") && !text.contains('\n'), "{text}");
}

#[test]
fn no_user_no_userinfo_and_old_userinfo_is_dropped() {
    assert_eq!(direct_url(URL, None).as_deref(), Ok(URL));
    assert_eq!(
        direct_url("rtsp://old:pw@h:554/a", plain("u", "p")).as_deref(),
        Ok("rtsp://u:p@h:554/a")
    );
    assert_eq!(
        direct_url("rtsp://old:pw@h:554/a", None).as_deref(),
        Ok("rtsp://h:554/a")
    );
    assert_eq!(
        direct_url("rtsp://h/{x}?a={b}", None).as_deref(),
        Ok("rtsp://h/%7Bx%7D?a=%7Bb%7D")
    );
}

#[test]
fn markers_in_the_path_take_the_login_and_no_userinfo() {
    let xm = "rtsp://10.0.0.9:554/user=[USERNAME]&password=[PASSWORD]&channel=1&stream=0.sdp?";
    assert_eq!(USER_MARK, "[USERNAME]");
    assert_eq!(
        direct_url(xm, plain("admin", "a&b c{d}")).as_deref(),
        Ok("rtsp://10.0.0.9:554/user=admin&password=a%26b%20c%7Bd%7D&channel=1&stream=0.sdp?")
    );
    assert_eq!(
        go2rtc_url(xm, plain("admin", "a&b c{d}"), false).as_deref(),
        Ok("rtsp://10.0.0.9:554/user=admin&password=a%26b%20c%7Bd%7D&channel=1&stream=0.sdp?")
    );
    assert_eq!(
        direct_url(xm, var("admin", "s3cret")).as_deref(),
        Ok("rtsp://10.0.0.9:554/user=admin&password={FRIGATE_RTSP_PASSWORD}&channel=1&stream=0.sdp?")
    );
    // No login: empty values.
    assert_eq!(
        direct_url(xm, None).as_deref(),
        Ok("rtsp://10.0.0.9:554/user=&password=&channel=1&stream=0.sdp?")
    );
    // The path limit still holds.
    let huge = "x".repeat(990);
    assert_eq!(
        direct_url(xm, plain("admin", &huge)),
        Err(Unexpressible::PathTooLong)
    );
}

#[test]
fn a_base64_login_in_the_path_is_filled_as_the_prober_did_but_never_with_a_placeholder() {
    let url = "rtsp://h:554/videostream.asf?authbasic=[AUTH]";
    // base64("admin:p w") = YWRtaW46cCB3 (no padding here); with `=` padding: encoded.
    assert_eq!(
        direct_url(url, plain("admin", "p w")).as_deref(),
        Ok("rtsp://h:554/videostream.asf?authbasic=YWRtaW46cCB3")
    );
    assert_eq!(
        go2rtc_url(url, plain("admin", "pw"), false).as_deref(),
        Ok("rtsp://h:554/videostream.asf?authbasic=YWRtaW46cHc%3D")
    );
    assert_eq!(
        direct_url(url, var("admin", "pw")),
        Err(Unexpressible::AuthInPath)
    );
    assert!(direct_url(url, var("admin", "")).is_ok(), "nothing to hide");
}

#[test]
fn env_strings_double_their_braces() {
    assert_eq!(env_string_literal("a{b}c"), "a{{b}}c");
    assert_eq!(env_string_literal("plain"), "plain");
}
