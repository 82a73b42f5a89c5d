//! The generated file read by what reads it in production: Python's YAML loaders (PyYAML's
//! SafeLoader with a duplicate-key check as Frigate has used, ruamel.yaml as Frigate 0.17
//! uses when it is installed), then the two steps an input path goes through before the
//! camera (Frigate's env substitution and password re-encoding, ffmpeg's userinfo decoding),
//! modelled in Python from their documented behaviour. Needs python3 with PyYAML (the CI
//! machine has python3-yaml); without it the tests are skipped with a loud SKIPPED line, or
//! fail under `CD_REQUIRE_LAB=1` (CI; as tests/it/support/skip.rs does for the lab tests).
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

/// Then, for every input path that is not go2rtc's restream and for every go2rtc source,
/// what the camera receives, written independently of the Rust model from
/// Frigate 0.17's documented behaviour with Python's own `str.format`, `re` and
/// `quote_plus`: an input is formatted twice with the FRIGATE_* variables, then Frigate's
/// `escape_special_characters` (the leftmost `://[a-zA-Z0-9_-]+:\S+@`, its text after the
/// first `:` replaced by its quote_plus form everywhere), then ffmpeg (authority up to the
/// first `/?#`, credentials up to its last `@`, at most 127 bytes, `ff_urldecode`, split
/// at the first `:`); a go2rtc source is formatted once, must hold no `${...}`, then Go's
/// net/url rules (or, for `ffmpeg:`, one argv word and ffmpeg). Prints
/// `{"inputs": {camera: [[user_hex, pw_hex, target] | "error", ...]}, "streams": {name: ...}}`;
/// with `--batch`, stdin is a JSON list of `{"env": …, "yaml": …}` and the output a list.
pub(super) const CAMERA_SIDE: &str = r##"
import json, re, sys, yaml
from urllib.parse import quote_plus
env = {}
HEX = set(b"0123456789abcdefABCDEF")
def frigate(path):
    path = path.format(**env).format(**env)
    if len(path) > 1000:
        raise ValueError("too long")
    m = re.search(r"://[a-zA-Z0-9_-]+:\S+@", path)
    if m:
        found = m.group(0)[3:-1]
        pw = found[found.index(":") + 1:]
        path = path.replace(pw, quote_plus(pw))
    return path
def ff_urldecode(b):
    out, i = bytearray(), 0
    while i < len(b):
        c = b[i]; i += 1
        if c == 0x25 and i + 2 <= len(b):
            c2, c3 = b[i], b[i + 1]; i += 2
            if c2 in HEX and c3 in HEX:
                out.append(int(bytes([c2, c3]), 16))
            else:
                out += bytes([c, c2, c3])
        else:
            out.append(c)
    return bytes(out).split(b"\0")[0]
def ffmpeg(url):
    b = url.encode()
    p = b.index(b":") + 1
    for _ in range(2):
        if b[p:p + 1] == b"/":
            p += 1
    ls = p
    while ls < len(b) and b[ls:ls + 1] not in (b"/", b"?", b"#"):
        ls += 1
    at = b.rfind(b"@", p, ls)
    if at < 0:
        return [None, None, b[p:].decode()]
    target = b[at + 1:].decode()
    if at == p:
        return [None, None, target]
    auth = ff_urldecode(b[p:min(at, p + 127)])
    user, colon, pw = auth.partition(b":")
    return [user.hex(), pw.hex() if colon else None, target]
def go_unescape(s):
    if re.search(r"%(?![0-9a-fA-F]{2})", s):
        raise ValueError("invalid URL escape")
    return re.sub(rb"%([0-9a-fA-F]{2})", lambda m: bytes([int(m.group(1), 16)]), s.encode())
def go2rtc(src):
    s = src.format(**env)
    if re.search(r"\$\{[^}{]+\}", s):
        raise ValueError("go2rtc env expansion")
    if s.startswith("ffmpeg:"):
        url = s[7:].split("#")[0]
        if re.search(r"[ \t\r\n\"']", url):
            raise ValueError("splits the command line")
        return ffmpeg(url)
    url = s.split("#")[0]
    if any(ord(c) < 0x20 or ord(c) == 0x7f for c in url):
        raise ValueError("control character")
    rest = url[len("rtsp://"):]
    rest, q, query = rest.partition("?")
    slash = rest.find("/")
    authority, path = (rest, "") if slash < 0 else (rest[:slash], rest[slash:])
    target = authority[authority.rfind("@") + 1:] + path + (q + query)
    if "@" not in authority:
        return [None, None, target]
    userinfo = authority[:authority.rfind("@")]
    if not re.fullmatch(r"[A-Za-z0-9\-._:~!$&'()*+,;=%@]*", userinfo):
        raise ValueError("invalid userinfo")
    user, colon, pw = userinfo.partition(":")
    return [go_unescape(user).hex(), go_unescape(pw).hex() if colon else None, target]
def safe(f, x):
    try:
        return f(x)
    except Exception as e:
        return "error: %s" % type(e).__name__
def camera_side(text):
    doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    inputs = {name: [safe(lambda p: ffmpeg(frigate(p)), i["path"])
                     for i in cam["ffmpeg"]["inputs"]
                     if i.get("input_args") != "preset-rtsp-restream"]
              for name, cam in (doc.get("cameras") or {}).items()}
    streams = {name: safe(go2rtc, src)
               for name, src in ((doc.get("go2rtc") or {}).get("streams") or {}).items()}
    return {"inputs": inputs, "streams": streams}
if sys.argv[1] == "--batch":
    out = []
    for item in json.loads(sys.stdin.read()):
        env = item["env"]
        out.append(camera_side(item["yaml"]))
    print(json.dumps(out))
else:
    env = json.loads(sys.argv[1])
    print(json.dumps(camera_side(sys.stdin.read())))
"##;

/// What [`CAMERA_SIDE`] prints for a login: hex of the user and password bytes.
pub(super) fn expected(user: &str, pw: &str, target: &str) -> Value {
    let hex = |s: &str| s.bytes().map(|b| format!("{b:02x}")).collect::<String>();
    serde_json::json!([hex(user), hex(pw), target])
}

/// Runs `script` (with `args`) on `stdin`; `None` after a loud SKIPPED line (and a line in
/// `$CD_SKIP_LOG`, which scripts/test.sh counts) when python3 with PyYAML is missing;
/// a failure instead under `CD_REQUIRE_LAB=1`.
#[allow(clippy::print_stderr)] // the loud SKIPPED line, as the lab tests print
pub(super) fn python(test: &str, script: &str, args: &[&str], stdin: &str) -> Option<Value> {
    let have = Command::new("python3")
        .args(["-c", "import yaml"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !have {
        let why = "python3 with PyYAML not found";
        assert!(
            std::env::var("CD_REQUIRE_LAB").as_deref() != Ok("1"),
            "{test} cannot run here and CD_REQUIRE_LAB=1 forbids skipping it: {why}"
        );
        eprintln!("\n*** SKIPPED {test}: {why} ***\n");
        if let Some(log) = std::env::var_os("CD_SKIP_LOG") {
            let line = format!("{test}: {why}\n");
            let f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log);
            let _ = f.and_then(|mut f| f.write_all(line.as_bytes()));
        }
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

/// One camera per (user, password) pair; the camera must receive exactly that pair, in
/// direct mode and through go2rtc, with passwords in the file and with placeholders.
#[test]
fn the_camera_gets_the_password_through_frigate_and_ffmpeg() {
    let pairs: &[(&str, &str)] = &[
        ("admin", super::tests::TRICKY),
        ("admin", "pa ss@/?#%41"),
        ("admin", "100%"),
        ("admin", "}{"),
        ("admin", "a+b=c&d;e,f'g\"h\\i"),
        ("admin", "üñí€📷"),
        ("admin", "{FRIGATE_RTSP_PASSWORD}"),
        ("Admin_2-x", "x:y@z"),
        ("first.last", "p@ss:{x}/y%"),
        ("user@corp", "pw"),
        ("admin", ""),
        ("admin", "$${X}"),
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
    let test = "the_camera_gets_the_password_through_frigate_and_ffmpeg";
    let host_path = &AMCREST_MAIN["rtsp://".len()..];
    for go2rtc in [false, true] {
        for password_env in [false, true] {
            let o = FrigateOptions {
                go2rtc,
                password_env,
                ..opts()
            };
            assert!(left_out(&cams, &creds, &o).is_empty());
            let text = render_yaml(&cams, &creds, &o);
            // The variables Frigate would have: each placeholder's percent-encoded password.
            let mut vars = serde_json::Map::new();
            for i in 0..creds.len() {
                if let Some(v) = plan::password_var(&creds, i) {
                    vars.insert(v, url::placeholder_value(creds[i].password.expose()).into());
                }
            }
            let vars = Value::Object(vars).to_string();
            let Some(got) = python(test, CAMERA_SIDE, &[&vars], &text) else {
                return;
            };
            for (i, (user, pw)) in pairs.iter().enumerate() {
                let cam = format!("cam{i:02}");
                let seen = if go2rtc {
                    &got["streams"][&cam]
                } else {
                    &got["inputs"][&cam][0]
                };
                assert_eq!(
                    *seen,
                    expected(user, pw, host_path),
                    "pair {i}, go2rtc {go2rtc}, env {password_env} in:\n{text}"
                );
            }
        }
    }
}
