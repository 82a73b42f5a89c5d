//! The model against what Frigate 0.17.2 does with an input path (measured with its own
//! code), one test per fact, and against ffmpeg's and Go's documented parsing.
use super::*;

const NO_ENV: &[(&str, &str)] = &[];
const HOST: &str = "10.77.0.10:554/cam/realmonitor?channel=1&subtype=0";

fn direct(path: &str) -> Result<Received, String> {
    direct_input(path, NO_ENV)
}

fn got(user: &str, pw: &str, target: &str) -> Result<Received, String> {
    Ok(Received::expect(Some((user, pw)), target))
}

#[test]
fn two_format_passes_need_four_braces_for_one() {
    assert_eq!(frigate_input("a{{{{b}}}}c", NO_ENV).as_deref(), Ok("a{b}c"));
    // `{{` is not enough: the second pass sees `{w}` (Frigate exits with KeyError: 'w').
    let e = direct(&format!("rtsp://admin:p@ss{{{{w}}}}:rd@{HOST}")).unwrap_err();
    assert_eq!(e, "KeyError: 'w'");
    // A lone brace is a ValueError (safe mode).
    assert!(direct("rtsp://admin:a{b@h/x")
        .unwrap_err()
        .starts_with("ValueError"));
    assert!(direct("rtsp://admin:a}b@h/x")
        .unwrap_err()
        .starts_with("ValueError"));
    assert!(py_format("{}", NO_ENV)
        .unwrap_err()
        .starts_with("IndexError"));
    assert!(py_format("{0}", NO_ENV)
        .unwrap_err()
        .starts_with("IndexError"));
}

#[test]
fn a_placeholder_is_substituted_and_its_value_formatted_again() {
    let env = [("FRIGATE_RTSP_PASSWORD", "s3cret")];
    assert_eq!(
        direct_input(
            &format!("rtsp://admin:{{FRIGATE_RTSP_PASSWORD}}@{HOST}"),
            &env
        ),
        got("admin", "s3cret", HOST)
    );
    // The value goes through the second pass: a brace in it must be doubled.
    let env = [("FRIGATE_RTSP_PASSWORD", "a{x}")];
    assert_eq!(
        frigate_input("{FRIGATE_RTSP_PASSWORD}", &env).unwrap_err(),
        "KeyError: 'x'"
    );
    // A literal placeholder inside a password is substituted (or a KeyError when unset).
    assert_eq!(
        py_format("{FRIGATE_RTSP_PASSWORD}", NO_ENV).unwrap_err(),
        "KeyError: 'FRIGATE_RTSP_PASSWORD'"
    );
    assert!(py_format("{FRIGATE_X:>4}", &[("FRIGATE_X", "a")]).is_err());
}

#[test]
fn the_password_is_reencoded_once_and_everywhere() {
    // Raw: encoded once by Frigate, decoded once by ffmpeg.
    assert_eq!(
        direct(&format!("rtsp://admin:p@ss/#?@{HOST}")),
        got("admin", "p@ss/#?", HOST)
    );
    // Already encoded: encoded twice, arrives wrong.
    assert_eq!(
        direct(&format!("rtsp://admin:p%40ss@{HOST}")),
        got("admin", "p%40ss", HOST)
    );
    // The password text elsewhere in the URL is rewritten too: `&` breaks the query.
    assert_eq!(
        direct(&format!("rtsp://admin:&@{HOST}")),
        got(
            "admin",
            "&",
            "10.77.0.10:554/cam/realmonitor?channel=1%26subtype=0"
        )
    );
    // Up to the last `@`: an `@` in the path swallows the path into the password.
    let r = direct("rtsp://admin:pw@10.0.0.5/a@b").expect("no format error");
    assert_eq!(r.target, "b");
    // Another user name, or white space: left alone.
    assert_eq!(
        frigate_reencode("rtsp://first.last:p@ss@h/x").as_deref(),
        Ok("rtsp://first.last:p@ss@h/x")
    );
    assert_eq!(
        frigate_reencode("rtsp://admin:p s@h/x").as_deref(),
        Ok("rtsp://admin:p s@h/x")
    );
    // Python's \s includes U+001C..U+001F and NBSP.
    assert_eq!(
        frigate_reencode("rtsp://admin:p\u{1f}@h/x").as_deref(),
        Ok("rtsp://admin:p\u{1f}@h/x")
    );
    assert_eq!(
        frigate_reencode("rtsp://admin:p\u{a0}@h/x").as_deref(),
        Ok("rtsp://admin:p\u{a0}@h/x")
    );
    // The leftmost `://user:…@` anywhere in the path counts.
    assert_eq!(
        frigate_reencode("rtsp://%61dmin:x@h/?u=rtsp://a:b/c@d").as_deref(),
        Ok("rtsp://%61dmin:x@h/?u=rtsp://a:b%2Fc@d")
    );
}

#[test]
fn long_paths_are_an_error_object() {
    let long = format!("rtsp://h/{}", "a".repeat(FRIGATE_MAX_PATH));
    assert!(frigate_input(&long, NO_ENV).is_err());
    // Characters, not bytes.
    let p = format!("rtsp://h/{}", "é".repeat(FRIGATE_MAX_PATH - 9));
    assert_eq!(p.chars().count(), FRIGATE_MAX_PATH);
    assert!(frigate_input(&p, NO_ENV).is_ok());
}

#[test]
fn ffmpeg_splits_at_the_last_at_of_the_authority_and_the_first_colon() {
    assert_eq!(
        ffmpeg_open("rtsp://a%3Ab:c%40d@h:554/p@q?x=@"),
        Received::expect(Some(("a", "b:c@d")), "h:554/p@q?x=@")
    );
    assert_eq!(
        ffmpeg_open("rtsp://u:p@x@h/"),
        Received::expect(Some(("u", "p@x")), "h/")
    );
    assert_eq!(ffmpeg_open("rtsp://h:554/a").user, None);
    assert_eq!(ffmpeg_open("rtsp://@h/a").user, None);
    let no_colon = ffmpeg_open("rtsp://admin@h/a");
    assert_eq!(
        (no_colon.user.as_deref(), no_colon.password),
        (Some(&b"admin"[..]), None)
    );
    // 127 bytes of credentials at most.
    let pw = "p".repeat(FFMPEG_MAX_AUTH - 2);
    assert_eq!(
        ffmpeg_open(&format!("rtsp://u:{pw}@h/")),
        Received::expect(Some(("u", &pw)), "h/")
    );
    let r = ffmpeg_open(&format!("rtsp://u:{pw}x@h/"));
    assert_eq!(r.password, Some(pw.as_bytes().to_vec()), "cut at 127 bytes");
}

#[test]
fn ffmpeg_decodes_once_without_plus_and_keeps_bad_escapes() {
    assert_eq!(ffmpeg_urldecode(b"a%41+%2b"), b"aA++");
    assert_eq!(ffmpeg_urldecode(b"%%41"), b"%%41");
    assert_eq!(ffmpeg_urldecode(b"%zz%4"), b"%zz%4");
    assert_eq!(ffmpeg_urldecode(b"a%00b"), b"a");
    assert_eq!(ffmpeg_urldecode(b"%C3%A9"), "é".as_bytes());
}

#[test]
fn go2rtc_formats_once_and_parses_like_go() {
    let env = [("FRIGATE_RTSP_PASSWORD", "p%40ss")];
    assert_eq!(
        go2rtc_source("rtsp://admin:{FRIGATE_RTSP_PASSWORD}@h:554/a", &env),
        got("admin", "p@ss", "h:554/a")
    );
    // One pass: `{{` is a brace; the Go parser then refuses it raw.
    assert_eq!(
        go2rtc_source("rtsp://admin:a{{b@h/a", NO_ENV).unwrap_err(),
        "net/url: invalid userinfo"
    );
    assert_eq!(
        go2rtc_source("rtsp://admin:{X}@h/a", NO_ENV).unwrap_err(),
        "KeyError: 'X'"
    );
    assert!(go2rtc_source("rtsp://admin:$%7BX%7D@h/a", NO_ENV).is_ok());
    assert!(go2rtc_source("rtsp://admin:${{X}}@h/a", NO_ENV).is_err());
    assert!(go2rtc_source("exec:ffmpeg -i x", NO_ENV).is_err());
    // Go: `+` stays, `%zz` is an error, the last `@` ends the userinfo, `@` raw is valid.
    assert_eq!(
        go_url_open("rtsp://u:a+b@c@h/x?q=1"),
        got("u", "a+b@c", "h/x?q=1")
    );
    assert!(go_url_open("rtsp://u:%zz@h/x").is_err());
    assert!(go_url_open("rtsp://u:a b@h/x").is_err());
    assert!(go_url_open("rtsp://u:a\u{1}@h/x").is_err());
    // A `?` in the userinfo cuts the URL there.
    assert!(go_url_open("rtsp://u:a?b@h/x").is_err());
    // go2rtc's options after `#` are not part of the URL.
    assert_eq!(
        go2rtc_source("rtsp://u:p@h/x#backchannel=0", NO_ENV),
        got("u", "p", "h/x")
    );
    assert_eq!(
        go2rtc_source("rtsp://h/a%20b?x=1&y", NO_ENV),
        Ok(Received::expect(None, "h/a%20b?x=1&y"))
    );
    assert!(go2rtc_source("rtsp://h/a b", NO_ENV).is_err());
}

#[test]
fn go2rtc_ffmpeg_sources_need_one_argument() {
    assert_eq!(
        go2rtc_source("ffmpeg:rtsp://u:p%20q@h/x#video=copy", NO_ENV),
        got("u", "p q", "h/x")
    );
    assert!(go2rtc_source("ffmpeg:rtsp://u:p q@h/x", NO_ENV).is_err());
    assert!(go2rtc_source("ffmpeg:rtsp://u:p'q@h/x", NO_ENV).is_err());
    assert!(go2rtc_source("ffmpeg:/dev/video0", NO_ENV).is_err());
}
