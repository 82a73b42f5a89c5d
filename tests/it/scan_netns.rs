//! Throw-away network namespaces for the scan test and bench (shared by tests/it/scan_ns.rs
//! and benches/scan.rs through `#[path]`): a scanner namespace and a peer namespace joined
//! by a veth, TCP listeners in the peer, and re-execution of the current binary inside the
//! scanner namespace. Everything is deleted on drop, also when a test panics. Nothing here
//! sends a packet: the scans themselves run in the re-executed child.
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};

/// Skips (or, under `CD_REQUIRE_LAB=1`, fails) a test that cannot run here; tests/it's
/// `support::skip` is this module.
#[path = "support/skip.rs"]
pub mod skip;

/// Set in the re-executed child: the namespace it must be in.
pub const CHILD_NS: &str = "CD_SCAN_NS_CHILD";

/// The python3 that runs the listeners (Debian's, not a pyenv shim that may be absent in
/// a minimal environment).
fn python() -> &'static str {
    if std::path::Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

pub fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("run ip");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr).trim()
    );
}

/// Whether we may create namespaces (root); skips the test ([`skip::skip`]) when not.
#[must_use]
pub fn can_netns() -> bool {
    skip::root_or_skip("creating network namespaces needs root")
}

/// Two namespaces `cdscan-<pid>-<tag>-a` (scanner, veth `scan0`) and `…-b` (peer, `scan1`).
pub struct NsPair {
    pub a: String,
    pub b: String,
    listeners: Vec<(Child, ChildStdin)>,
}

impl NsPair {
    /// Creates the pair; `a_addrs` / `b_addrs` are `ip/len` put on each end.
    #[must_use]
    pub fn new(tag: &str, a_addrs: &[&str], b_addrs: &[&str]) -> NsPair {
        let base = format!("cdscan-{}-{tag}", std::process::id());
        let pair = NsPair {
            a: format!("{base}-a"),
            b: format!("{base}-b"),
            listeners: Vec::new(),
        };
        // From here on, Drop cleans up whatever was made.
        ip(&["netns", "add", &pair.a]);
        ip(&["netns", "add", &pair.b]);
        ip(&[
            "-n", &pair.a, "link", "add", "scan0", "type", "veth", "peer", "name", "scan1",
            "netns", &pair.b,
        ]);
        for (ns, dev, addrs) in [(&pair.a, "scan0", a_addrs), (&pair.b, "scan1", b_addrs)] {
            for a in addrs {
                ip(&["-n", ns, "addr", "add", a, "dev", dev]);
            }
            ip(&["-n", ns, "link", "set", "lo", "up"]);
            ip(&["-n", ns, "link", "set", dev, "up"]);
        }
        pair
    }

    /// Runs `ip -n <ns> …` (routes and the like).
    pub fn ip_in(&self, ns: &str, args: &[&str]) {
        let mut all = vec!["-n", ns];
        all.extend_from_slice(args);
        ip(&all);
    }

    /// TCP listeners on `ip:port` in the peer namespace, until the pair is dropped.
    pub fn listen(&mut self, addrs: &[&str]) {
        let script = r#"
import socket, sys
ls = []
for a in sys.argv[1:]:
    h, p = a.rsplit(":", 1)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((h, int(p)))
    s.listen(64)
    ls.append(s)
print("ready", flush=True)
sys.stdin.read()
"#;
        let mut child = Command::new("ip")
            .args(["netns", "exec", &self.b, python(), "-c", script])
            .args(addrs)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn the listeners");
        let stdin = child.stdin.take().expect("stdin");
        let mut line = String::new();
        let got = BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line);
        self.listeners.push((child, stdin));
        assert!(
            got.is_ok() && line.trim() == "ready",
            "listeners on {addrs:?} did not start"
        );
    }

    /// `ip netns exec <a> <this binary> <args>` with [`CHILD_NS`] set; stdout captured,
    /// stderr inherited. The child must call [`assert_in_ns`] before it scans.
    #[must_use]
    pub fn run_in_a(&self, args: &[&str], env: &[(&str, String)]) -> std::process::Output {
        let exe = std::env::current_exe().expect("current binary");
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.a])
            .arg(exe)
            .args(args)
            .env(CHILD_NS, &self.a)
            .stderr(Stdio::inherit());
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().expect("re-run inside the scanner namespace")
    }
}

impl Drop for NsPair {
    fn drop(&mut self) {
        for (mut child, mut stdin) in self.listeners.drain(..) {
            let _ = stdin.write_all(b"");
            drop(stdin);
            let _ = child.kill();
            let _ = child.wait();
        }
        for ns in [&self.a, &self.b] {
            let _ = Command::new("ip")
                .args(["netns", "del", ns])
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// The namespace the re-executed child must be in (`None` in the parent). Panics, before
/// any packet is sent, when the process is not in it.
#[must_use]
pub fn assert_in_ns() -> Option<String> {
    let want = std::env::var(CHILD_NS).ok()?;
    let me = Command::new("ip")
        .args(["netns", "identify", &std::process::id().to_string()])
        .output()
        .expect("ip netns identify");
    let here = String::from_utf8_lossy(&me.stdout).trim().to_string();
    assert_eq!(here, want, "refusing to scan outside namespace {want}");
    Some(want)
}
