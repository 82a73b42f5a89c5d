//! Self-tests of the vendor zoo (scripts/lab/zoo-up.sh), independent of the detector: the
//! checked-in ground truth is what the generator makes from the public data and follows the
//! issue's rules; every camera answers ARP with its own MAC; every stream plays in ffprobe with
//! its truth URL and credential (and not with a wrong password); and plain clients
//! (scripts/lab/zoo/zoo-check.py: RTSP challenges and realms, decoys of the "200 on any path"
//! servers that answer but never stream, HTTP banners, WS-Discovery + onvif-zeep, zeroconf)
//! agree with the truth.
use crate::support::lab::{lab_dir, with_creds, Lab};
use crate::support::zoo::{cameras, credentials, ffprobe_all, playable, zoo};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

fn checked_in() -> Value {
    let text = std::fs::read_to_string(lab_dir().join("zoo/zoo.json")).expect("zoo/zoo.json");
    serde_json::from_str(&text).expect("zoo.json parses")
}

fn count(cams: &[Value], f: impl Fn(&Value) -> bool) -> usize {
    cams.iter().filter(|c| f(c)).count()
}

#[test]
fn lab_zoo_truth_is_generated_from_the_data_and_follows_the_issue() {
    if std::path::Path::new("/usr/share/ieee-data/oui.txt").exists() {
        let out = Command::new("python3")
            .arg(lab_dir().join("zoo/generate.py"))
            .arg("--check")
            .output()
            .expect("python3 generate.py --check");
        assert!(
            out.status.success(),
            "zoo/zoo.json is not what generate.py makes: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    } else {
        // Only this check is skipped; the rest of the test runs.
        crate::support::skip::skip(
            "no /usr/share/ieee-data/oui.txt (ieee-data): generate.py --check not run",
        );
    }
    let t = checked_in();
    let cams = t["cameras"].as_array().expect("cameras");
    let brands: BTreeSet<&str> = cams.iter().filter_map(|c| c["brand_id"].as_str()).collect();
    assert!(
        cams.len() >= 30 && brands.len() >= 30,
        "{} cameras, {} brands",
        cams.len(),
        brands.len()
    );
    let special = |s: &str| count(cams, |c| c["special"] == s);
    assert!(
        special("any-path") >= 2,
        "two servers answering 200 on any path"
    );
    assert_eq!(
        (special("onvif"), special("mdns")),
        (1, 1),
        "ONVIF-only and mDNS-only cameras"
    );
    assert_eq!(
        (special("no-sprop"), special("mjpeg")),
        (1, 1),
        "no-sprop H.264 and MJPEG cameras"
    );
    let auth = |a: &str| count(cams, |c| c["rtsp"]["auth"] == a);
    assert!(
        auth("basic") >= 5 && auth("digest") >= 5,
        "Basic and Digest mixed"
    );
    let h265 = count(cams, |c| {
        c["streams"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|s| s["codec"] == "h265")
    });
    assert!(h265 >= 3, "some H.265: {h265}");
    let subs = count(cams, |c| c["streams"].as_array().map_or(0, Vec::len) == 2);
    assert!(subs >= 25, "main and sub streams: {subs} cameras with both");
    let queries = count(cams, |c| {
        c["streams"][0]["path"]
            .as_str()
            .is_some_and(|p| p.contains('?'))
    });
    assert!(queries >= 5, "paths with query strings: {queries}");
    let ports: BTreeSet<u64> = cams
        .iter()
        .filter_map(|c| c["rtsp"]["port"].as_u64())
        .collect();
    for p in t["ports"].as_array().expect("ports") {
        assert!(
            p["left_out"].is_string() || ports.contains(&p["port"].as_u64().unwrap_or(0)),
            "a port several brands state has no camera and no reason: {p}"
        );
    }
    // ≤ 8 credentials, passwords with every character the issue names, no ':' in a user.
    let creds: Vec<(String, String)> = t["credentials"]
        .as_array()
        .expect("credentials")
        .iter()
        .map(|c| {
            (
                c["user"].as_str().unwrap_or("").into(),
                c["pass"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    assert!(creds.len() <= 8, "{} credentials", creds.len());
    let all: String = creds.iter().map(|(_, p)| p.as_str()).collect();
    for ch in ['@', ':', '/', '#', '%', '?', '&', ' ', '{', '}'] {
        assert!(all.contains(ch), "no password holds {ch:?}");
    }
    assert!(creds.iter().all(|(u, _)| !u.contains(':')));
    // Each MAC: unique, and from its recorded IEEE prefix, or locally administered.
    let macs: BTreeSet<&str> = cams.iter().filter_map(|c| c["mac"].as_str()).collect();
    assert_eq!(macs.len(), cams.len(), "one MAC per camera");
    for c in cams {
        let mac = c["mac"].as_str().unwrap_or("");
        match c["oui"]["prefix"].as_str() {
            Some(prefix) => assert!(mac.starts_with(&prefix.to_lowercase()), "{mac} vs {prefix}"),
            None => {
                let first = u8::from_str_radix(&mac[..2], 16).unwrap_or(0);
                assert_eq!(first & 0b11, 0b10, "{mac}: locally administered, unicast");
            }
        }
    }
    let own = count(cams, |c| c["oui"]["source"] == "brand");
    assert!(own >= 20, "cameras with their brand's own OUI: {own}");
}

/// Each camera's address answers ARP from its own interface, with its own MAC, as the
/// detector's kernel sees it (`ip neigh` in lab-zdet after one ping each).
#[test]
fn lab_zoo_cameras_answer_arp_each_with_its_own_mac() {
    let Some(zoo) = zoo() else { return };
    let ns = zoo.truth["detector"]["ns"]
        .as_str()
        .expect("detector ns")
        .to_string();
    for c in cameras(&zoo) {
        let ip = c["ip"].as_str().expect("ip");
        let st = zoo
            .in_ns(&ns, "ping")
            .args(["-c", "1", "-W", "1", ip])
            .output()
            .expect("ping");
        assert!(st.status.success(), "{ip} answers ping");
    }
    let out = zoo
        .in_ns(&ns, "ip")
        .args(["neigh", "show", "dev", "eth0"])
        .output()
        .expect("ip neigh");
    let neigh: BTreeMap<String, String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            let i = w.iter().position(|x| *x == "lladdr")?;
            Some((w[0].to_string(), w.get(i + 1)?.to_lowercase()))
        })
        .collect();
    let _ = zoo
        .in_ns(&ns, "ip")
        .args(["neigh", "flush", "all"])
        .status();
    for c in cameras(&zoo) {
        let ip = c["ip"].as_str().expect("ip");
        assert_eq!(
            neigh.get(ip).map(String::as_str),
            c["mac"].as_str(),
            "{ip} ({})",
            c["name"]
        );
    }
}

fn cred_of(c: &Value) -> Option<(String, String)> {
    let r = &c["rtsp"];
    Some((
        r["user"].as_str()?.to_string(),
        r["pass"].as_str()?.to_string(),
    ))
}

/// Every stream plays in ffprobe (inside lab-zdet) with the truth's URL and credential: main
/// over TCP, sub over UDP (a main-only camera: both); a camera that asks for credentials plays
/// nothing with a wrong password.
#[test]
fn lab_zoo_every_stream_plays_with_its_credential_only() {
    let Some(zoo) = zoo() else { return };
    assert!(credentials(&zoo).len() <= 8);
    let mut jobs = Vec::new();
    let mut want = Vec::new();
    for c in cameras(&zoo) {
        let cred = cred_of(c);
        let streams = c["streams"].as_array().expect("streams");
        for (i, s) in streams.iter().enumerate() {
            let url = s["url"].as_str().expect("url");
            let transports: &[&str] = match (streams.len(), i) {
                (1, _) => &["tcp", "udp"],
                (_, 0) => &["tcp"],
                _ => &["udp"],
            };
            for t in transports {
                jobs.push((playable(url, cred.as_ref()), t.to_string()));
                let size = (
                    s["codec"].as_str().unwrap_or("?").to_string(),
                    s["width"].as_u64().unwrap_or(0),
                    s["height"].as_u64().unwrap_or(0),
                );
                want.push((format!("{} {url} over {t}", c["name"]), size));
            }
        }
        if let (Some((user, _)), Some(main)) = (&cred, streams[0]["url"].as_str()) {
            if c["rtsp"]["auth"] != "url" {
                jobs.push((with_creds(main, user, "wrong-password"), "tcp".into()));
                want.push((
                    format!("{} {main} with a wrong password", c["name"]),
                    ("?".into(), 0, 0),
                ));
            }
        }
    }
    let got = ffprobe_all(&zoo, &jobs);
    let bad: Vec<String> = want
        .iter()
        .zip(&got)
        .filter(|((_, w), g)| w != *g)
        .map(|((what, w), g)| format!("{what}: got {g:?}, want {w:?}"))
        .collect();
    eprintln!("{} ffprobe runs, {} wrong", jobs.len(), bad.len());
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// Plain clients agree with the truth: scripts/lab/zoo/zoo-check.py in lab-zdet (RTSP
/// challenges, realms, Server headers, auth/path order, SDP without sprop or size, decoys that
/// answer 200 but never stream, HTTP banners, WS-Discovery + onvif-zeep GetStreamUri, mDNS).
#[test]
fn lab_zoo_plain_clients_agree_with_the_truth() {
    let Some(zoo) = zoo() else { return };
    let ns = zoo.truth["detector"]["ns"]
        .as_str()
        .expect("detector ns")
        .to_string();
    let py = lab_dir().join("venv/bin/python");
    let out = zoo_check(&zoo, &ns, &py.to_string_lossy());
    let text = String::from_utf8_lossy(&out.stdout);
    let failed: Vec<&str> = text.lines().filter(|l| l.starts_with("FAIL")).collect();
    eprintln!("{}", text.lines().last().unwrap_or(""));
    assert!(
        out.status.success() && failed.is_empty(),
        "{}\n{}",
        failed.join("\n"),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains(" passed, 0 failed"), "{text}");
}

fn zoo_check(zoo: &Lab, ns: &str, python: &str) -> std::process::Output {
    zoo.in_ns(ns, python)
        .arg(lab_dir().join("zoo/zoo-check.py"))
        .arg(lab_dir().join("zoo-run/zoo.json"))
        .output()
        .expect("run zoo-check.py")
}
