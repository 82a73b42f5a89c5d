//! The generated file read by what reads it in production: Python's YAML loaders (PyYAML's
//! SafeLoader with a duplicate-key check as Frigate has used, ruamel.yaml as Frigate 0.17
//! uses when it is installed), then the two steps an input path goes through before the
//! camera (Frigate's env substitution and password re-encoding, ffmpeg's userinfo decoding),
//! modelled in Python from their documented behaviour. Needs python3 with PyYAML (the CI
//! machine has python3-yaml); without it the tests print a loud SKIPPED line.
use super::tests::{amcrest, creds, offline, opts, record, single, stream, AMCREST_MAIN};
use super::*;
use std::io::Write;
use std::process::{Command, Stdio};

/// Loads YAML from stdin with every loader present; prints `[[loader, doc], ...]` as JSON.
const LOADERS: &str = r#"
import json, sys, yaml
class NoDuplicates(yaml.SafeLoader):
    pass
def mapping(loader, node, deep=False):
    keys = [loader.construct_object(k, deep=deep) for k, _ in node.value]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate key")
    return dict(zip(keys, (loader.construct_object(v, deep=deep) for _, v in node.value)))
NoDuplicates.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
text = sys.stdin.read()
docs = [["pyyaml", yaml.load(text, Loader=NoDuplicates)]]
try:
    from ruamel.yaml import YAML
    docs.append(["ruamel", json.loads(json.dumps(YAML().load(text)))])
except ImportError:
    pass
print(json.dumps(docs))
"#;

/// Then, for every input path of every camera: Frigate (str.format with its FRIGATE_*
/// variables; for a `[a-zA-Z0-9_-]+` user, quote_plus of the text from the first `:` after
/// the user to the last `@` when it has no white space, replaced wherever it occurs) and
/// ffmpeg (authority up to the first `/`, `?` or `#`, userinfo before its last `@`,
/// percent-decoded once, split at the first `:`). Prints `{camera: [[user, pw, rest]...]}`.
const CAMERA_SIDE: &str = r#"
import json, re, sys, yaml
from urllib.parse import quote_plus, unquote
env = json.loads(sys.argv[1])
def frigate(path):
    path = path.format(**env)
    m = re.search(r"://[a-zA-Z0-9_-]+:\S+@", path)
    if m:
        secret = m.group(0)[3:-1].split(":", 1)[1]
        path = path.replace(secret, quote_plus(secret))
    return path
def ffmpeg(url):
    rest = url.split("://", 1)[1]
    cut = min([i for i in (rest.find(c) for c in "/?#") if i >= 0] + [len(rest)])
    auth, _, host = rest[:cut].rpartition("@")
    user, _, pw = unquote(auth).partition(":")
    return [user, pw, host + rest[cut:]]
doc = yaml.safe_load(sys.stdin.read())
print(json.dumps({name: [ffmpeg(frigate(i["path"])) for i in cam["ffmpeg"]["inputs"]]
                  for name, cam in doc["cameras"].items()}))
"#;

/// Runs `script` (with `args`) on `stdin`; `None` after a loud SKIPPED line when python3
/// with PyYAML is missing.
#[allow(clippy::print_stderr)] // the loud SKIPPED line, as the lab tests print
fn python(test: &str, script: &str, args: &[&str], stdin: &str) -> Option<Value> {
    let have = Command::new("python3")
        .args(["-c", "import yaml"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !have {
        eprintln!("SKIPPED {test}: python3 with PyYAML not found");
        return None;
    }
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("python3 ends");
    assert!(out.status.success(), "python3 failed on:\n{stdin}");
    Some(serde_json::from_slice(&out.stdout).expect("json from python3"))
}

#[test]
fn yaml_read_back_by_python_equals_the_json() {
    let mut odd = amcrest();
    odd.name = "Cam \"#1\": {x} [y], 'z' \\ é\u{7}".to_owned();
    let mut numeric = single();
    numeric.id = "001122334455".to_owned();
    let cams = [odd, numeric, offline()];
    let o = FrigateOptions {
        mqtt_user: Some("u:{x}".to_owned()),
        mqtt_password: Some(Secret::new("yes")),
        model: Some(ModelSettings {
            path: Some("/m/a b#c.tflite".to_owned()),
            labelmap_path: None,
            size: Some((640, 480)),
        }),
        ..opts()
    };
    let env = FrigateOptions {
        password_env: true,
        ..o.clone()
    };
    for o in [o, env] {
        let text = render_yaml(&cams, &creds(), &o);
        let Some(read) = python(
            "yaml_read_back_by_python_equals_the_json",
            LOADERS,
            &[],
            &text,
        ) else {
            return;
        };
        let want = render_json(&cams, &creds(), &o, true);
        let read = read.as_array().expect("list of documents");
        assert!(!read.is_empty());
        for doc in read {
            assert_eq!(doc[1], want, "{} read something else from:\n{text}", doc[0]);
        }
    }
}

/// One camera per (user, password) pair; the camera must receive exactly that pair.
#[test]
fn the_camera_gets_the_password_through_frigate_and_ffmpeg() {
    let pairs: &[(&str, &str)] = &[
        ("admin", super::tests::TRICKY),
        ("admin", "pa ss@/?#%41"),
        ("admin", "100%"),
        ("admin", "}{"),
        ("admin", "a+b=c&d;e,f'g\"h\\i"),
        ("admin", "üñí€📷"),
        ("Admin_2-x", "x:y@z"),
        ("first.last", "p@ss:{x}/y%"),
        ("user@corp", "pw"),
        ("admin", ""),
    ];
    let creds: Vec<Credential> = pairs
        .iter()
        .map(|(u, p)| Credential {
            username: (*u).to_owned(),
            password: Secret::new(*p),
        })
        .collect();
    let cams: Vec<CameraRecord> = (0..pairs.len())
        .map(|i| {
            let mut r = record(&format!("cam{i:02}"), [10, 77, 0, 10], "C");
            r.main = Some(stream(AMCREST_MAIN, Some((640, 480))));
            r.username = Some(pairs[i].0.to_owned());
            r.credential_index = Some(i);
            r
        })
        .collect();
    let text = render_yaml(&cams, &creds, &opts());
    let test = "the_camera_gets_the_password_through_frigate_and_ffmpeg";
    let Some(got) = python(test, CAMERA_SIDE, &["{}"], &text) else {
        return;
    };
    let host_path = &AMCREST_MAIN["rtsp://".len()..];
    for (i, (user, pw)) in pairs.iter().enumerate() {
        assert_eq!(
            got[format!("cam{i:02}")][0],
            serde_json::json!([user, pw, host_path]),
            "pair {i} in:\n{text}"
        );
    }

    // With FRIGATE_RTSP_PASSWORD_ENV: Frigate puts the variable's raw value in, then the same.
    let env = FrigateOptions {
        password_env: true,
        ..opts()
    };
    let text = render_yaml(&cams[..1], &creds, &env);
    assert!(text.contains("{FRIGATE_RTSP_PASSWORD}"), "{text}");
    let vars = serde_json::json!({"FRIGATE_RTSP_PASSWORD": pairs[0].1}).to_string();
    let got = python(test, CAMERA_SIDE, &[&vars], &text).expect("python3 was there a moment ago");
    assert_eq!(
        got["cam00"][0],
        serde_json::json!([pairs[0].0, pairs[0].1, host_path])
    );
}
