//! The network lab (scripts/lab): namespaces on a private bridge with real cameras and a
//! broker. Tests that need it call [`lab`]: `None` when not root (the test is skipped, or
//! fails under `CD_REQUIRE_LAB=1`: support/skip.rs).
//! Everything the detector sends in these tests stays inside the lab's namespaces.
use super::skip::root_or_skip;
use std::path::PathBuf;
use std::process::{Command, Stdio};

pub struct Lab {
    pub truth: serde_json::Value,
}

pub fn lab_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/lab")
}

/// The running lab (brought up under a lock if it is down), or `None` when not root.
pub fn lab() -> Option<Lab> {
    bring_up("lab-up.sh", "/tmp/camera-detector-lab.lock", "run/lab.json")
}

/// Runs `scripts/lab/<script> --if-down` under `lock` and reads the ground truth at
/// `scripts/lab/<truth>`; `None` when not root (after [`skip`](super::skip::skip)). Used for the lab and
/// for the vendor zoo (support/zoo.rs).
pub fn bring_up(script: &str, lock: &str, truth: &str) -> Option<Lab> {
    if !root_or_skip("this test needs the network lab, which needs root (ip netns)") {
        return None;
    }
    let dir = lab_dir();
    // -o: the lab's daemons must not inherit the lock (they would hold it forever).
    let st = Command::new("flock")
        .arg("-o")
        .arg(lock)
        .arg(dir.join(script))
        .arg("--if-down")
        .stdout(Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("run {script}: {e}"));
    assert!(st.success(), "scripts/lab/{script} failed (see its logs)");
    let text = std::fs::read_to_string(dir.join(truth)).unwrap_or_else(|e| panic!("{truth}: {e}"));
    Some(Lab {
        truth: serde_json::from_str(&text).unwrap_or_else(|e| panic!("{truth} parses: {e}")),
    })
}

impl Lab {
    /// A command run inside namespace `ns`.
    pub fn in_ns(&self, ns: &str, program: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", ns, program]);
        c
    }

    /// The detector binary inside the detector namespace. The wrapper checks, before the
    /// detector starts, that it really is in that namespace (exit 97 otherwise).
    pub fn detector(&self) -> Command {
        self.detector_via(&[])
    }

    /// As [`Lab::detector`], started through `wrapper` (e.g. `setpriv` dropping a
    /// capability), after the same namespace check.
    pub fn detector_via(&self, wrapper: &[&str]) -> Command {
        let ns = self.truth["detector"]["ns"]
            .as_str()
            .expect("detector ns")
            .to_string();
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &ns, "sh", "-c"])
            .arg(format!(
                r#"[ "$(ip netns identify $$)" = "{ns}" ] || {{ echo "not in {ns}" >&2; exit 97; }}; exec "$@""#
            ))
            .arg("sh")
            .args(wrapper)
            .arg(env!("CARGO_BIN_EXE_camera-detector"));
        c
    }

    /// [`Lab::detector`] with a clean environment, pointed at the lab's broker: PATH,
    /// MQTT_BROKER/MQTT_PORT, MQTT_TOPIC_PREFIX = `prefix`, BALENA_DEVICE_UUID = `node`,
    /// STATE_PATH off, HEALTH_HTTP_PORT off, stdout discarded. The caller adds the rest (a later `env` wins).
    pub fn detector_service(&self, prefix: &str, node: &str) -> Command {
        let (host, port) = self.broker();
        let mut c = self.detector();
        c.env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .env("MQTT_BROKER", host)
            .env("MQTT_PORT", port.to_string())
            .env("MQTT_TOPIC_PREFIX", prefix)
            .env("BALENA_DEVICE_UUID", node)
            .env("STATE_PATH", "")
            // Several services share the detector namespace: no health port each.
            .env("HEALTH_HTTP_PORT", "0")
            .stdout(std::process::Stdio::null());
        c
    }

    pub fn broker(&self) -> (String, u16) {
        let m = &self.truth["mqtt"];
        (
            m["host"].as_str().expect("mqtt host").to_string(),
            m["port"].as_u64().expect("mqtt port") as u16,
        )
    }
}

/// The environment variable that marks the re-executed test process inside the namespace.
const CHILD: &str = "CD_LAB_NS_CHILD";

/// Runs a library-level test inside the lab's detector namespace, by re-executing this test
/// binary there for exactly this test. Use as the first line of the test:
///
/// ```ignore
/// #[test]
/// fn finds_cameras() {
///     let Some(lab) = in_detector_ns("lab_wsd::finds_cameras") else { return };
///     // ... runs only inside lab-det, with the lab's ground truth in `lab.truth`
/// }
/// ```
///
/// In the parent it brings the lab up, spawns `ip netns exec lab-det <this binary> <test>
/// --exact`, asserts that exactly one test ran there and passed, and returns `None`. In the
/// child it checks that the process really is in lab-det (panics otherwise, before any
/// packet is sent) and returns the lab. `None` also when not root (the test is skipped).
pub fn in_detector_ns(test: &str) -> Option<Lab> {
    in_detector_ns_with(test, &[])
}

/// Is this process the re-executed child of [`in_detector_ns`] (inside lab-det)?
pub fn is_detector_ns_child() -> bool {
    std::env::var_os(CHILD).is_some()
}

/// As [`in_detector_ns`], with `env` set for the child: how a parent passes what it made
/// outside the namespace (e.g. an owned camera's address) to the body inside. Typical:
///
/// ```ignore
/// let _cam; // lives in the parent until the child has run
/// let env = if is_detector_ns_child() { vec![] } else {
///     let Some(lab) = lab() else { return };
///     let cam = OwnCamera::start(&lab, "x");
///     let env = vec![("CAM_IP", cam.ip().to_string())];
///     _cam = cam;
///     env
/// };
/// let Some(lab) = in_detector_ns_with("module::test", &env) else { return };
/// let ip = std::env::var("CAM_IP").unwrap();
/// ```
pub fn in_detector_ns_with(test: &str, env: &[(&str, String)]) -> Option<Lab> {
    in_seat_of(test, env, "run/lab.json", lab)
}

/// [`in_detector_ns_with`] for any lab-like world: `truth` is its ground truth (relative to
/// scripts/lab) naming the detector's namespace, `up` brings it up in the parent (the zoo,
/// the farm).
pub fn in_seat_of(
    test: &str,
    env: &[(&str, String)],
    truth: &str,
    up: fn() -> Option<Lab>,
) -> Option<Lab> {
    let child = is_detector_ns_child();
    if child {
        let text = std::fs::read_to_string(lab_dir().join(truth))
            .unwrap_or_else(|e| panic!("{truth}: {e}"));
        let lab = Lab {
            truth: serde_json::from_str(&text).unwrap_or_else(|e| panic!("{truth} parses: {e}")),
        };
        let ns = lab.truth["detector"]["ns"].as_str().expect("detector ns");
        let me = Command::new("ip")
            .args(["netns", "identify", &std::process::id().to_string()])
            .output()
            .expect("ip netns identify");
        let here = String::from_utf8_lossy(&me.stdout).trim().to_string();
        assert_eq!(here, ns, "refusing to run {test} outside the lab namespace");
        return Some(lab);
    }
    let lab = up()?;
    let ns = lab.truth["detector"]["ns"].as_str().expect("detector ns");
    let exe = std::env::current_exe().expect("current test binary");
    let out = Command::new("ip")
        .args(["netns", "exec", ns])
        .arg(exe)
        .args([test, "--exact", "--nocapture", "--test-threads", "1"])
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env(CHILD, "1")
        .stderr(Stdio::inherit())
        .output()
        .expect("re-run the test inside the lab namespace");
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}");
    assert!(
        out.status.success(),
        "{test} failed inside the lab namespace"
    );
    assert!(
        stdout.contains("1 passed"),
        "{test}: no test of that exact name ran inside the lab namespace"
    );
    None
}

/// `url` with `user:pass@` inserted, both percent-encoded (everything but RFC 3986
/// unreserved characters), as ffprobe wants them.
pub fn with_creds(url: &str, user: &str, pass: &str) -> String {
    url.replacen(
        "rtsp://",
        &format!("rtsp://{}:{}@", pct(user), pct(pass)),
        1,
    )
}

/// `s` percent-encoded: everything but RFC 3986 unreserved characters.
pub fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Lab {
    /// ffprobe's (codec, width, height) of the first video stream of `url` (credentials in
    /// the URL), from the detector namespace over `transport` (`tcp` or `udp`). A short
    /// analysis: codec and size come from the SDP and the first key frame.
    pub fn ffprobe(&self, url: &str, transport: &str) -> (String, u64, u64) {
        self.ffprobe_with(url, &["-rtsp_transport", transport])
    }

    /// [`Lab::ffprobe`] with other RTSP options (`-rtsp_flags prefer_tcp`, as go2rtc's
    /// ffmpeg sources open a camera) instead of `-rtsp_transport`.
    pub fn ffprobe_with(&self, url: &str, rtsp_args: &[&str]) -> (String, u64, u64) {
        let ns = self.truth["detector"]["ns"].as_str().expect("detector ns");
        let out = self
            .in_ns(ns, "ffprobe")
            .args([
                "-v",
                "error",
                "-analyzeduration",
                "500000",
                "-probesize",
                "32768",
            ])
            .args(rtsp_args)
            .args(["-select_streams", "v:0"])
            .args([
                "-show_entries",
                "stream=codec_name,width,height",
                "-of",
                "json",
            ])
            .arg(url)
            .output()
            .expect("ffprobe");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        let s = &v["streams"][0];
        (
            s["codec_name"]
                .as_str()
                .unwrap_or("?")
                .replace("hevc", "h265"),
            s["width"].as_u64().unwrap_or(0),
            s["height"].as_u64().unwrap_or(0),
        )
    }
}

impl Lab {
    /// Every distinct camera credential of lab.json as (user, password): per camera its
    /// RTSP logins, then its ONVIF login, in document order (as scripts/lab/lab-credentials.py).
    /// [`Lab::credentials`] as CAMERA_CREDENTIALS takes them: `user:pass,user:pass`.
    pub fn credentials_env(&self) -> String {
        let list: Vec<String> = self
            .credentials()
            .iter()
            .map(|(u, p)| format!("{u}:{p}"))
            .collect();
        list.join(",")
    }

    pub fn credentials(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for cam in self.truth["cameras"].as_array().expect("cameras") {
            let logins = cam["rtsp"]
                .as_array()
                .into_iter()
                .flatten()
                .chain(std::iter::once(&cam["onvif"]));
            for r in logins {
                if let (Some(u), Some(p)) = (r["user"].as_str(), r["pass"].as_str()) {
                    let pair = (u.to_string(), p.to_string());
                    if !out.contains(&pair) {
                        out.push(pair);
                    }
                }
            }
        }
        out
    }
}
