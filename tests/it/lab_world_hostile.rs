//! Hostile peers in the lab (issue 6, item 2): misbehaviour real servers do not show, from
//! scripts/lab/hostile-peer.py running in hosts the tests own on the lab bridge
//! (tests/it/support/ownhost.rs; module `lab_world*`, so these run one at a time in the
//! `lab-inventory` group). Each test runs one `camera-detector scan --json` in the lab's
//! detector namespace, restricted to the peer (`--networks <peer>/32`, every other address
//! of the /24 in SCAN_EXCLUDE except a foreign listener's, so the lab's own cameras answer
//! the multicast Probe in vain), with short timeouts (RTSP_TIMEOUT=3, ONVIF_TIMEOUT=2) and a
//! credential, through `/usr/bin/time` for the peak RSS. Each asserts: the scan ends (a
//! generous guard only against a hang: no timing assert beyond it), the peak RSS stays under
//! [`MAX_RSS_KIB`], nothing is reported as a camera, the peer was really talked to, and (for
//! XAddrs) the foreign listener received nothing at all. Wall time and RSS are printed.
use crate::support::lab::{lab, Lab};
use crate::support::ownhost::OwnHost;
use serde_json::Value;
use std::net::Ipv4Addr;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// A locally administered MAC prefix of our own (no vendor hint).
pub(crate) const MAC_PREFIX: [u8; 5] = [0x02, 0x4e, 0x57, 0x11, 0xe0];
const RTSP_TIMEOUT: u64 = 3;
const ONVIF_TIMEOUT: u64 = 2;
/// Peak RSS allowed for one scan. A plain scan of one host peaks near 10 MiB; a 10 MB SDP
/// or a 50 MB body buffered whole would exceed this.
const MAX_RSS_KIB: u64 = 32 * 1024;
const USER: &str = "hostile";
const PASSWORD: &str = "H0stile-S3cret!";

/// The hostile peer: an owned host running hostile-peer.py (killed, host removed, on drop).
pub(crate) struct Peer {
    child: Child,
    _dir: tempfile::TempDir,
    log: PathBuf,
    host: OwnHost,
}

impl Peer {
    pub(crate) fn start(lab: &Lab, tag: &str, mode: &str, extra: &[&str]) -> Peer {
        let host = OwnHost::create(lab, tag, MAC_PREFIX);
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("peer.log");
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/lab/hostile-peer.py");
        let child = host
            .command("/usr/bin/python3")
            .arg(script)
            .arg(mode)
            .args(["--ip", &host.ip().to_string()])
            .arg("--log")
            .arg(&log)
            .args(["--lifetime", "150"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("peer.err")).expect("err file"))
            .spawn()
            .expect("start hostile-peer.py");
        let mut peer = Peer {
            child,
            _dir: dir,
            log,
            host,
        };
        let end = Instant::now() + Duration::from_secs(15);
        while !peer.events().iter().any(|e| e["event"] == "ready") {
            let dead = peer.child.try_wait().ok().flatten().is_some();
            assert!(
                !dead && Instant::now() < end,
                "hostile peer {mode} not ready: {}",
                std::fs::read_to_string(peer._dir.path().join("peer.err")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        peer
    }

    pub(crate) fn ip(&self) -> Ipv4Addr {
        self.host.ip()
    }

    /// Every JSON line the peer logged so far.
    pub(crate) fn events(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// Events of kind `request` or `datagram` or `connect`: what reached the peer.
    fn received(&self) -> Vec<Value> {
        self.events()
            .into_iter()
            .filter(|e| e["event"] != "ready")
            .collect()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // `host` drops next: leftover processes, namespace, switch port.
    }
}

/// CIDRs covering the lab /24 except `keep` (SCAN_EXCLUDE: no lab host, no other test's
/// owned host, is scanned or contacted, whatever answers the multicast Probe).
pub(crate) fn exclude_all_but(lab: &Lab, keep: &[Ipv4Addr]) -> String {
    let subnet = lab.truth["subnet"].as_str().expect("subnet");
    let (base, len) = subnet.split_once('/').expect("a.b.c.d/len");
    assert_eq!(len, "24");
    let base = u32::from(base.parse::<Ipv4Addr>().expect("subnet address"));
    let keep: Vec<u32> = keep.iter().map(|a| u32::from(*a)).collect();
    let mut out = Vec::new();
    fn cover(start: u32, len: u32, keep: &[u32], out: &mut Vec<String>) {
        let size = 1u32 << (32 - len);
        if !keep.iter().any(|k| (start..start + size).contains(k)) {
            out.push(format!("{}/{len}", Ipv4Addr::from(start)));
        } else if len < 32 {
            cover(start, len + 1, keep, out);
            cover(start + size / 2, len + 1, keep, out);
        }
    }
    cover(base, 24, &keep, &mut out);
    out.join(",")
}

/// What one scan did.
struct Scan {
    report: Value,
    stderr: String,
    wall: Duration,
    max_rss_kib: u64,
}

/// `camera-detector scan --json --networks <ip>/32` in the detector namespace through
/// `/usr/bin/time`, with every address of the /24 but `reachable` excluded. Killed (its
/// process group) and failed when it runs past `guard`.
fn scan(lab: &Lab, ip: Ipv4Addr, reachable: &[Ipv4Addr], guard: Duration) -> Scan {
    let dir = tempfile::tempdir().expect("tempdir");
    let (out_path, err_path) = (dir.path().join("out"), dir.path().join("err"));
    let mut keep = vec![ip];
    keep.extend_from_slice(reachable);
    let mut child = lab
        .detector_via(&["/usr/bin/time", "-f", "maxrss_kib=%M"])
        .args(["scan", "--json", "--networks", &format!("{ip}/32")])
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("CAMERA_CREDENTIALS", format!("{USER}:{PASSWORD}"))
        .env("SCAN_EXCLUDE", exclude_all_but(lab, &keep))
        .env("RTSP_PORTS", "554")
        .env("RTSP_TIMEOUT", RTSP_TIMEOUT.to_string())
        .env("ONVIF_TIMEOUT", ONVIF_TIMEOUT.to_string())
        .env("LOG_LEVEL", "INFO")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("out"))
        .stderr(std::fs::File::create(&err_path).expect("err"))
        .process_group(0)
        .spawn()
        .expect("run camera-detector scan");
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break Some(st);
        }
        if start.elapsed() > guard {
            let pgid = child.id().to_string();
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{pgid}")])
                .status();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let wall = start.elapsed();
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    let Some(status) = status else {
        panic!("the scan hung: killed after {guard:?}; log:\n{stderr}")
    };
    assert!(status.success(), "scan failed ({status}): {stderr}");
    let text = std::fs::read_to_string(&out_path).expect("scan output");
    let report: Value = serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("JSON from scan ({e}): {text}\n{stderr}"));
    let max_rss_kib = stderr
        .lines()
        .find_map(|l| l.strip_prefix("maxrss_kib="))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no maxrss line from /usr/bin/time: {stderr}"));
    assert!(!stderr.contains(PASSWORD) && !text.contains(PASSWORD));
    Scan {
        report,
        stderr,
        wall,
        max_rss_kib,
    }
}

/// The common assertions; prints the measurements.
fn judge(what: &str, s: &Scan) {
    let r = &s.report;
    eprintln!(
        "{what}: wall {:.2} s (RTSP_TIMEOUT {RTSP_TIMEOUT} s, ONVIF_TIMEOUT {ONVIF_TIMEOUT} s), \
         peak RSS {} KiB, cameras {}, stats {}",
        s.wall.as_secs_f64(),
        s.max_rss_kib,
        r["cameras"].as_array().map_or(0, Vec::len),
        r["stats"]
    );
    eprintln!("{what}: rejected {}", r["rejected"]);
    eprintln!("{what}: notes {}", r["notes"]);
    assert_eq!(
        r["cameras"].as_array().map(Vec::len),
        Some(0),
        "{what}: nothing is a camera: {r:#}\n{}",
        s.stderr
    );
    assert!(
        s.max_rss_kib < MAX_RSS_KIB,
        "{what}: peak RSS {} KiB",
        s.max_rss_kib
    );
    let notes = r["notes"].to_string();
    assert!(
        !notes.contains("deadline"),
        "{what}: the pass ran into its deadline: {notes}"
    );
}

/// The rejected entry's errors for `ip`, one string.
fn errors_of(r: &Value, ip: Ipv4Addr) -> String {
    r["rejected"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|x| x["ip"] == ip.to_string())
        .map(|x| x["errors"].to_string())
        .collect()
}

/// A guard against a hang only: the pass's own generous deadline (window + 12 × RTSP
/// timeout + 30 s) plus slack. Not a performance bound.
fn guard() -> Duration {
    Duration::from_secs(ONVIF_TIMEOUT + 12 * RTSP_TIMEOUT + 30 + 30)
}

fn rtsp_case(tag: &str, mode: &str, extra: &[&str], expect_error: &str) {
    let Some(lab) = lab() else { return };
    rtsp_case_with(&lab, tag, mode, extra, expect_error);
}

/// One scan of an RTSP peer and the common assertions; the peer, for more.
fn rtsp_case_with(lab: &Lab, tag: &str, mode: &str, extra: &[&str], expect_error: &str) -> Peer {
    let peer = Peer::start(lab, tag, mode, extra);
    let s = scan(lab, peer.ip(), &[], guard());
    judge(mode, &s);
    let got = peer.received();
    assert!(
        got.iter()
            .any(|e| e["event"] == "request" && e["port"] == 554),
        "{mode}: the detector talked RTSP to the peer: {got:?}"
    );
    let errors = errors_of(&s.report, peer.ip());
    eprintln!("{mode}: errors {errors}");
    assert!(
        errors.contains(expect_error),
        "{mode}: error {expect_error:?} among {errors}"
    );
    assert_eq!(s.report["stats"]["open_ports"], 1, "{mode}");
    peer
}

#[test]
fn rtsp_silent_costs_one_timeout() {
    rtsp_case("hs", "rtsp-silent", &[], "no answer within 3.0 s");
}

#[test]
fn rtsp_endless_header_fast_hits_the_header_limit() {
    rtsp_case("hef", "rtsp-endless-header", &[], "header block exceeds");
}

#[test]
fn rtsp_endless_header_slow_costs_one_timeout() {
    rtsp_case(
        "hes",
        "rtsp-endless-header",
        &["--line-gap", "0.1"],
        "no answer within 3.0 s",
    );
}

#[test]
fn rtsp_huge_sdp_is_refused_from_its_header() {
    rtsp_case("hsd", "rtsp-huge-sdp", &[], "exceeds the 65536-byte limit");
}

/// 200 to every path, never RTP: flagged as accepting any path; speculative PLAYs (1.5 s
/// each) until the host's budget (2 × RTSP_TIMEOUT) is spent.
#[test]
fn rtsp_200_to_every_path_without_rtp_is_no_camera() {
    rtsp_case(
        "h2n",
        "rtsp-200-no-rtp",
        &[],
        "probe: budget of 6.0 s spent",
    );
}

/// 404 to the decoy, 200 to every other path, never RTP: not flagged as accepting any path;
/// the first PLAY waits RTSP_TIMEOUT, the next ones 1.5 s, and the host's budget ends it:
/// at most three PLAYs, not one timeout per path.
#[test]
fn rtsp_200_to_every_path_but_the_decoy_costs_its_budget() {
    let Some(lab) = lab() else { return };
    let peer = rtsp_case_with(
        &lab,
        "h2d",
        "rtsp-200-but-decoy",
        &[],
        "probe: budget of 6.0 s spent",
    );
    let plays = peer
        .received()
        .iter()
        .filter(|e| {
            e["event"] == "request" && e["line"].as_str().is_some_and(|l| l.starts_with("PLAY "))
        })
        .count();
    assert!(
        (2..=3).contains(&plays),
        "{plays} silent PLAYs: 3 s + 1.5 s + what is left of the 6 s budget"
    );
}

fn onvif_case(tag: &str, mode: &str, expect_error: &str) {
    let Some(lab) = lab() else { return };
    let peer = Peer::start(&lab, tag, mode, &[]);
    let s = scan(&lab, peer.ip(), &[], guard());
    judge(mode, &s);
    let got = peer.received();
    assert!(
        got.iter()
            .any(|e| e["event"] == "request" && e["port"] == 80),
        "{mode}: the detector talked ONVIF to the peer: {got:?}"
    );
    let errors = errors_of(&s.report, peer.ip());
    eprintln!("{mode}: errors {errors}");
    assert!(
        errors.contains(expect_error),
        "{mode}: error {expect_error:?} among {errors}"
    );
}

#[test]
fn onvif_entity_bomb_is_refused_unexpanded() {
    onvif_case("heb", "onvif-entity-bomb", "DOCTYPE");
}

#[test]
fn onvif_50_mb_body_is_cut_at_the_limit() {
    onvif_case("hhb", "onvif-huge-body", "larger than");
}

#[test]
fn malformed_and_foreign_xaddrs_reach_no_foreign_host() {
    let Some(lab) = lab() else { return };
    let foreign = Peer::start(&lab, "hfl", "foreign-listener", &[]);
    let far = foreign.ip().to_string();
    let peer = Peer::start(&lab, "hxa", "wsd-xaddrs", &["--foreign", &far]);
    let s = scan(&lab, peer.ip(), &[foreign.ip()], guard());
    judge("wsd-xaddrs", &s);
    let got = peer.received();
    assert!(
        got.iter()
            .any(|e| e["event"] == "answered" && e["port"] == 3702),
        "the peer answered a Probe: {got:?}"
    );
    let onvif: Vec<&Value> = got
        .iter()
        .filter(|e| e["event"] == "request" && e["port"] == 80)
        .collect();
    eprintln!(
        "wsd-xaddrs: {} ONVIF requests reached the responder",
        onvif.len()
    );
    assert!(!onvif.is_empty(), "the pinned XAddr was used: {got:?}");
    let far_got = foreign.received();
    eprintln!("wsd-xaddrs: the foreign host received {far_got:?}");
    assert!(
        far_got.is_empty(),
        "nothing at all reaches the foreign host: {far_got:?}"
    );
}

#[test]
fn ws_discovery_flood_of_10000_probematches() {
    let Some(lab) = lab() else { return };
    // Paced (a 1 ms pause after every 20 datagrams) so that most reach the detector
    // instead of overflowing its socket buffer: the worst case for its memory.
    let peer = Peer::start(&lab, "hwf", "wsd-flood", &["--burst", "20"]);
    let s = scan(&lab, peer.ip(), &[], guard());
    judge("wsd-flood", &s);
    let got = peer.received();
    let answered: Vec<&Value> = got.iter().filter(|e| e["event"] == "answered").collect();
    eprintln!("wsd-flood: the peer answered {answered:?}");
    assert!(
        answered.iter().any(|e| e["datagrams"] == 10_000),
        "10 000 ProbeMatches sent for a Probe: {got:?}"
    );
    let taken = s.report["stats"]["wsd_matches"]
        .as_u64()
        .expect("wsd_matches");
    eprintln!("wsd-flood: {taken} WS-Discovery cameras taken in");
    // src/discovery/wsd/collect.rs: MAX_ENDPOINTS_PER_PEER.
    assert!(
        (1..=16).contains(&taken),
        "one source counts for at most 16 endpoints: {taken}"
    );
}
