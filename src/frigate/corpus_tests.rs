//! The property proof of issue 14: a generated corpus of 600 user/password pairs (every
//! printable ASCII character, white space, non-ASCII, braces and `{FRIGATE_…}` text, long
//! ones), each on a camera of one of six URL shapes (a query with `&`, a path with `@`,
//! `[USERNAME]`/`[PASSWORD]` markers, a UDP-only stream, …), rendered in the four modes
//! (direct or go2rtc × passwords or placeholders). Every config must pass the parser model;
//! every camera in it must receive exactly its login through the credential model; a camera
//! is left out only when no encoding can exist (a `:` in the user name, more than ffmpeg's
//! 127 bytes, a path over 1000 characters), and then with that reason. A sample of 50
//! configs is checked in under tests/fixtures/frigate (with the variables and what each
//! camera must receive) for a run of Frigate's own parser; Python re-checks them all.
use super::model::{self, Received};
use super::parser_model;
use super::python_tests::{python, CAMERA_SIDE};
use super::tests::{opts, record, stream};
use super::url::{percent_encode, placeholder_value, AUTH_MARK, PASS_MARK, USER_MARK};
use super::*;
use crate::discovery::rtsp::paths::fill_credentials;
use crate::model::Transport;
use std::collections::BTreeMap;
use std::path::PathBuf;

const PAIRS: usize = 600;
const FIXTURES: usize = 50;

/// Hand-picked pairs first, then generated ones (fixed seed: the same corpus every run).
fn corpus() -> Vec<(String, String)> {
    let fixed: &[(&str, &str)] = &[
        ("admin", "{FRIGATE_RTSP_PASSWORD}"),
        ("admin", "{{"),
        ("admin", "}}"),
        ("admin", "{"),
        ("admin", "%41"),
        ("admin", "p@ss{w}:rd"),
        ("admin", "{ } @ : / # % & ?"),
        ("admin", "$${X}"),
        ("admin", "${FRIGATE_RTSP_PASSWORD}"),
        ("admin", "+"),
        ("admin", " lead and trail "),
        ("admin", ""),
        ("", "only-pw"),
        ("first.last", "p@ss:{x}/y%"),
        ("us:er", "pw"),
        ("user@corp", "a b"),
        ("ü", "é€📷"),
        ("admin", "\u{a0}nbsp"),
        ("admin", "sep\u{1f}"),
        ("admin", "tab\there"),
    ];
    let mut out: Vec<(String, String)> = fixed
        .iter()
        .map(|(u, p)| ((*u).to_owned(), (*p).to_owned()))
        .collect();
    let extras = ["é", "€", "📷", "\u{a0}", "\u{1f}", "\t", "ü"];
    let users = [
        "admin",
        "root",
        "Admin_2-x",
        "first.last",
        "user@corp",
        "us er",
        "ü",
        "a-b_c",
    ];
    let mut rng = fastrand::Rng::with_seed(14);
    let char_any = |rng: &mut fastrand::Rng| -> String {
        if rng.usize(0..12) == 0 {
            extras[rng.usize(0..extras.len())].to_owned()
        } else {
            char::from(rng.u8(0x20..=0x7e)).to_string()
        }
    };
    while out.len() < PAIRS {
        let user = match rng.usize(0..10) {
            0 => (0..rng.usize(1..12)).map(|_| char_any(&mut rng)).collect(),
            1 => "u".repeat(rng.usize(40..70)),
            _ => users[rng.usize(0..users.len())].to_owned(),
        };
        let len = if rng.usize(0..8) == 0 {
            rng.usize(40..140)
        } else {
            rng.usize(0..24)
        };
        let password: String = (0..len).map(|_| char_any(&mut rng)).collect();
        out.push((user, password));
    }
    out
}

/// Camera `i` of the corpus, opened by credential `i`: one of six URL shapes.
fn camera(i: usize, user: &str) -> Camera {
    let ip = format!("10.77.{}.{}", i / 250, i % 250 + 1);
    let id = format!("{:012x}", 0x0200_0000_0000_u64 + i as u64);
    let mut r = record(&id, [10, 77, 0, 1], "Cam");
    r.ip = ip.parse().expect("ip");
    let (main, sub) = match i % 6 {
        0 => (
            stream(
                &format!("rtsp://{ip}:554/cam/realmonitor?channel=1&subtype=0"),
                Some((1920, 1080)),
            ),
            Some(stream(
                &format!("rtsp://{ip}:554/cam/realmonitor?channel=1&subtype=1"),
                Some((640, 480)),
            )),
        ),
        1 => (
            stream(
                &format!("rtsp://{ip}:554/h264Preview_01_main"),
                Some((2560, 1440)),
            ),
            Some(stream(
                &format!("rtsp://{ip}:554/h264Preview_01_sub"),
                Some((640, 360)),
            )),
        ),
        2 if (i / 6) % 2 == 0 => (
            stream(&format!("rtsp://{ip}:554/live@main&x"), Some((1920, 1080))),
            None,
        ),
        2 => (
            stream(
                &format!("rtsp://{ip}:554/videostream.asf?authbasic={AUTH_MARK}&x=@"),
                Some((1920, 1080)),
            ),
            None,
        ),
        3 => (
            stream(
                &format!(
                    "rtsp://{ip}:554/user={USER_MARK}&password={PASS_MARK}&channel=1&stream=0.sdp?"
                ),
                Some((1280, 720)),
            ),
            Some(stream(
                &format!(
                    "rtsp://{ip}:554/user={USER_MARK}&password={PASS_MARK}&channel=1&stream=1.sdp?"
                ),
                Some((352, 288)),
            )),
        ),
        4 => {
            let mut s = stream(&format!("rtsp://{ip}:554/media/video1"), None);
            s.transport = Transport::Udp;
            (s, None)
        }
        _ => (
            stream(
                &format!("rtsp://{ip}:8554/Streaming/Channels/101"),
                Some((2688, 1520)),
            ),
            Some(stream(
                &format!("rtsp://{ip}:8554/Streaming/Channels/102"),
                Some((704, 576)),
            )),
        ),
    };
    r.main = Some(main);
    r.sub = sub;
    r.username = Some(user.to_owned());
    r.credential_index = Some(i);
    r
}

fn credentials(pairs: &[(String, String)]) -> Vec<Credential> {
    pairs.iter().map(|(u, p)| Credential::new(u, p)).collect()
}

/// The four modes: (go2rtc, placeholders).
const MODES: [(bool, bool); 4] = [(false, false), (false, true), (true, false), (true, true)];

fn options(go2rtc: bool, password_env: bool) -> FrigateOptions {
    FrigateOptions {
        go2rtc,
        password_env,
        ..opts()
    }
}

/// The variables Frigate needs in placeholder mode: each one's percent-encoded password.
fn variables(creds: &[Credential]) -> BTreeMap<String, String> {
    (0..creds.len())
        .filter_map(|i| {
            let var = plan::password_var(creds, i)?;
            Some((var, placeholder_value(creds[i].password.expose())))
        })
        .collect()
}

/// What the camera must get for `url` opened by (user, password): no login and the markers
/// filled when the path has them, else the login and the URL less its scheme.
fn must_receive(url: &str, user: &str, pw: &str) -> Received {
    let rest = url
        .split_once("://")
        .map_or(url, |(_, r)| r)
        .replace('{', "%7B")
        .replace('}', "%7D");
    if crate::camdb::has_credential_marks(&rest) {
        return Received::expect(None, &fill_credentials(&rest, user, pw));
    }
    Received::expect(Some((user, pw)), &rest)
}

/// Why a camera may or must be left out in a mode, from its login and URL alone.
fn exclusion(rec: &Camera, user: &str, pw: &str, go2rtc: bool, placeholders: bool) -> (bool, bool) {
    let main = rec.main.as_ref().expect("main");
    let markers = crate::camdb::has_credential_marks(&main.url);
    let ffmpeg = !go2rtc || main.udp_only();
    let len = percent_encode(user).len() + 1 + percent_encode(pw).len();
    let path_len = must_receive(&main.url, user, pw).target.chars().count() + 7;
    let must = (!markers && user.contains(':'))
        || (ffmpeg && !markers && len > model::FFMPEG_MAX_AUTH)
        || (!go2rtc && markers && path_len > model::FRIGATE_MAX_PATH)
        || (placeholders && !pw.is_empty() && main.url.contains(AUTH_MARK));
    // The `%XX` user shield costs two bytes; near the limit either way is right.
    let may = ffmpeg && !markers && len + 2 > model::FFMPEG_MAX_AUTH;
    (must, may)
}

/// Every camera of `plan` receives exactly its login (the credential model).
fn check_credentials(p: &Plan<'_>, pairs: &[(String, String)], env: &[(&str, &str)]) {
    for c in &p.cameras {
        let i = c.rec.credential_index.expect("index");
        let (user, pw) = (&pairs[i].0, &pairs[i].1);
        let main = c.rec.main.as_ref().expect("main");
        let sub = c.rec.sub.as_ref();
        for input in c.inputs.iter().filter(|i| !i.restream()) {
            let url = if input.roles == ["detect"] {
                &sub.expect("detect input is the sub").url
            } else {
                &main.url
            };
            assert_eq!(
                model::direct_input(&input.path, env),
                Ok(must_receive(url, user, pw)),
                "camera {} input {:?}",
                c.name,
                input.path
            );
        }
        for (name, source) in &c.streams {
            let url = if *name == c.name {
                &main.url
            } else {
                &sub.expect("sub").url
            };
            assert_eq!(
                model::go2rtc_source(source, env),
                Ok(must_receive(url, user, pw)),
                "stream {name} {source:?}"
            );
        }
    }
}

#[test]
fn every_corpus_config_passes_the_parser_and_credential_models() {
    let pairs = corpus();
    assert!(pairs.len() >= 500);
    let creds = credentials(&pairs);
    let cams: Vec<Camera> = (0..pairs.len()).map(|i| camera(i, &pairs[i].0)).collect();
    let vars = variables(&creds);
    let mut checked = 0;
    let (mut batch, mut wants) = (Vec::new(), Vec::new());
    for (go2rtc, password_env) in MODES {
        let mut o = options(go2rtc, password_env);
        // The broker login from the corpus too (Frigate formats it once).
        o.mqtt_user = Some(pairs[5].0.clone());
        o.mqtt_password = Some(Secret::new(pairs[5].1.clone()));
        let env: Vec<(&str, &str)> = if password_env {
            let mut e: Vec<(&str, &str)> =
                vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            e.push(("FRIGATE_MQTT_PASSWORD", &pairs[5].1));
            e
        } else {
            Vec::new()
        };
        let mode = if password_env {
            Passwords::Placeholder
        } else {
            Passwords::Plain
        };
        let p = plan(&cams, &creds, &o, mode);
        let json = render_json(&cams, &creds, &o, true);
        parser_model::check(&json, &env)
            .unwrap_or_else(|e| panic!("mode {go2rtc}/{password_env}: {e}"));
        assert_eq!(
            model::env_string(json["mqtt"]["password"].as_str().expect("pw"), &env).as_deref(),
            Ok(pairs[5].1.as_str())
        );
        check_credentials(&p, &pairs, &env);
        let out: BTreeMap<&str, &str> = p
            .left_out
            .iter()
            .map(|l| (l.camera.as_str(), l.reason.as_str()))
            .collect();
        for (i, rec) in cams.iter().enumerate() {
            let (must, may) = exclusion(rec, &pairs[i].0, &pairs[i].1, go2rtc, password_env);
            let left = out.get(rec.id.as_str());
            assert!(
                left.is_some() == must || (may && !must),
                "pair {i} {:?} mode {go2rtc}/{password_env}: left out {left:?}, must {must}",
                pairs[i]
            );
            if let Some(reason) = left {
                assert!(
                    !reason.contains("no encoding"),
                    "pair {i} {:?} mode {go2rtc}/{password_env}: {reason}",
                    pairs[i]
                );
            }
        }
        assert!(p.cameras.len() > pairs.len() * 3 / 4, "{}", p.cameras.len());
        checked += p.cameras.len();
        let env_map: BTreeMap<&str, &str> = env.iter().copied().collect();
        let yaml = render_yaml(&cams, &creds, &o);
        batch.push(serde_json::json!({"env": env_map, "yaml": yaml}));
        wants.push(receives(&p, &env));
    }
    assert!(checked >= 4 * 450, "{checked}");
    // The same configs read by Python (PyYAML) and its own reading of the rules.
    let input = Value::Array(batch).to_string();
    let test = "every_corpus_config_passes_the_parser_and_credential_models";
    let Some(got) = python(test, CAMERA_SIDE, &["--batch"], &input) else {
        return;
    };
    for (m, (inputs, streams)) in wants.iter().enumerate() {
        assert_eq!(got[m]["inputs"], *inputs, "mode {m}");
        assert_eq!(got[m]["streams"], *streams, "mode {m}");
    }
}

/// What each camera of `p` receives through the credential model, as [`CAMERA_SIDE`]
/// prints it: `(inputs by camera, go2rtc streams by name)`.
fn receives(p: &Plan<'_>, env_pairs: &[(&str, &str)]) -> (Value, Value) {
    let hex = |b: &Option<Vec<u8>>| {
        b.as_ref()
            .map(|b| b.iter().map(|x| format!("{x:02x}")).collect::<String>())
    };
    let seen = |r: Result<Received, String>| match r {
        Ok(r) => serde_json::json!([hex(&r.user), hex(&r.password), r.target]),
        Err(e) => Value::String(format!("error: {e}")),
    };
    let mut inputs = serde_json::Map::new();
    let mut streams = serde_json::Map::new();
    for c in &p.cameras {
        let list: Vec<Value> = c
            .inputs
            .iter()
            .filter(|i| !i.restream())
            .map(|i| seen(model::direct_input(&i.path, env_pairs)))
            .collect();
        inputs.insert(c.name.clone(), Value::Array(list));
        for (name, source) in &c.streams {
            streams.insert(name.clone(), seen(model::go2rtc_source(source, env_pairs)));
        }
    }
    (Value::Object(inputs), Value::Object(streams))
}

/// Fixture `k`: six cameras (one of each URL shape) of the corpus in mode `k % 4`.
fn fixture(k: usize, pairs: &[(String, String)]) -> (String, Value) {
    let (go2rtc, password_env) = MODES[k % MODES.len()];
    let range = k * 6..(k * 6 + 6).min(pairs.len());
    let creds = credentials(pairs);
    let cams: Vec<Camera> = range.clone().map(|i| camera(i, &pairs[i].0)).collect();
    let o = options(go2rtc, password_env);
    let yaml = render_yaml(&cams, &creds, &o);
    let env: BTreeMap<String, String> = if password_env {
        let used: Vec<String> = range
            .filter_map(|i| plan::password_var(&creds, i))
            .collect();
        variables(&creds)
            .into_iter()
            .filter(|(k, _)| used.contains(k))
            .collect()
    } else {
        BTreeMap::new()
    };
    let env_pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let p = plan(
        &cams,
        &creds,
        &o,
        if password_env {
            Passwords::Placeholder
        } else {
            Passwords::Plain
        },
    );
    let (inputs, streams) = receives(&p, &env_pairs);
    let left: serde_json::Map<String, Value> = p
        .left_out
        .iter()
        .map(|l| (l.camera.clone(), Value::String(l.reason.clone())))
        .collect();
    let expect = serde_json::json!({
        "env": env, "inputs": inputs, "streams": streams, "left_out": left
    });
    (yaml, expect)
}

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/frigate")
}

/// The checked-in sample is what the generator writes (CD_BLESS_FIXTURES=1 rewrites it),
/// and Python's reading of each file agrees with what the JSON beside it says each camera
/// receives.
#[test]
fn the_checked_in_sample_is_what_the_generator_writes() {
    let pairs = corpus();
    let dir = fixture_dir();
    let bless = std::env::var_os("CD_BLESS_FIXTURES").is_some();
    let mut batch = Vec::new();
    let mut expects = Vec::new();
    for k in 0..FIXTURES {
        let (yaml, expect) = fixture(k, &pairs);
        let expect_text = serde_json::to_string_pretty(&expect).expect("json") + "\n";
        let (y, j) = (
            dir.join(format!("{k:02}.yml")),
            dir.join(format!("{k:02}.json")),
        );
        if bless {
            std::fs::create_dir_all(&dir).expect("mkdir");
            std::fs::write(&y, &yaml).expect("write yml");
            std::fs::write(&j, &expect_text).expect("write json");
        }
        assert_eq!(
            std::fs::read_to_string(&y).ok().as_deref(),
            Some(yaml.as_str()),
            "{}",
            y.display()
        );
        assert_eq!(
            std::fs::read_to_string(&j).ok().as_deref(),
            Some(expect_text.as_str()),
            "{}",
            j.display()
        );
        batch.push(serde_json::json!({"env": expect["env"], "yaml": yaml}));
        expects.push(expect);
    }
    let input = Value::Array(batch).to_string();
    let test = "the_checked_in_sample_is_what_the_generator_writes";
    let Some(got) = python(test, CAMERA_SIDE, &["--batch"], &input) else {
        return;
    };
    for (k, expect) in expects.iter().enumerate() {
        assert_eq!(got[k]["inputs"], expect["inputs"], "fixture {k}");
        assert_eq!(got[k]["streams"], expect["streams"], "fixture {k}");
    }
}
