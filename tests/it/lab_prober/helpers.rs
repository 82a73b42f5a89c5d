//! Shared by the lab_prober tests: the lab's credentials and hints from lab.json, running
//! the probes of many hosts at once under the per-camera throttle, the request table, and
//! the ffprobe cross-check.
use crate::support::lab::{with_creds, Lab};
use camera_detector::camdb::Brand;
use camera_detector::config::{Credential, Secret};
use camera_detector::discovery::arp::parse_mac;
use camera_detector::discovery::rtsp::prober::{
    probe_host, Hints, HostReport, HostThrottle, Playable, ProbeOptions,
};
use camera_detector::discovery::rtsp::session::Timeouts;
use serde_json::Value;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

pub(super) fn opts() -> ProbeOptions {
    ProbeOptions::new(Timeouts {
        connect: Duration::from_secs(3),
        phase: Duration::from_secs(5),
    })
}

/// Every distinct (user, password) of lab.json, in document order: cam1's ONVIF login
/// first (valid for no RTSP server), so no host's credential comes first.
pub(super) fn lab_credentials(truth: &Value) -> Vec<Credential> {
    let mut out: Vec<Credential> = Vec::new();
    for cam in truth["cameras"].as_array().expect("cameras") {
        let mut logins = vec![&cam["onvif"]];
        logins.extend(cam["rtsp"].as_array().expect("rtsp"));
        for l in logins {
            if let (Some(u), Some(p)) = (l["user"].as_str(), l["pass"].as_str()) {
                if !out
                    .iter()
                    .any(|c| c.username == u && c.password.expose() == p)
                {
                    out.push(Credential {
                        username: u.into(),
                        password: Secret::new(p),
                    });
                }
            }
        }
    }
    out
}

pub(super) fn cam<'a>(truth: &'a Value, ip: &str) -> &'a Value {
    truth["cameras"]
        .as_array()
        .expect("cameras")
        .iter()
        .find(|c| c["ip"] == ip)
        .expect("camera in lab.json")
}

/// What a real run knows from the MAC: the brand of its OUI.
pub(super) fn oui_hint(truth: &Value, ip: &str) -> Option<Brand> {
    let mac = parse_mac(cam(truth, ip)["mac"].as_str()?)?;
    Brand::from_oui(&mac)
}

/// The index of `ip`'s RTSP credential among `creds` (== the failed logins before it).
pub(super) fn cred_index(truth: &Value, creds: &[Credential], ip: &str, port: u64) -> usize {
    let r = cam(truth, ip)["rtsp"]
        .as_array()
        .expect("rtsp")
        .iter()
        .find(|r| r["port"] == port)
        .expect("rtsp port");
    let (u, p) = (r["user"].as_str().unwrap(), r["pass"].as_str().unwrap());
    creds
        .iter()
        .position(|c| c.username == u && c.password.expose() == p)
        .expect("credential listed")
}

/// ffprobe's (codec, width, height) of the first video stream of `s`, with the credential.
pub(super) fn ffprobe(lab: &Lab, s: &Playable, cred: Option<&Credential>) -> (String, u64, u64) {
    let url = match cred {
        Some(c) => with_creds(&s.stream.url, &c.username, c.password.expose()),
        None => s.stream.url.clone(),
    };
    let transport = serde_json::to_value(s.stream.transport).expect("transport");
    lab.ffprobe(&url, transport.as_str().expect("tcp|udp"))
}

pub(super) struct Case {
    pub(super) name: &'static str,
    pub(super) ip: &'static str,
    pub(super) port: u16,
    pub(super) hints: Hints,
    pub(super) main: Option<&'static str>,
    pub(super) sub: Option<&'static str>,
    pub(super) transport: &'static str,
    /// The index of the host's credential (`None`: no auth). The credentials before it
    /// are each refused once: that many failed logins.
    pub(super) cred: Option<usize>,
    /// Request budget, from the strategy (see each case).
    pub(super) budget: u32,
}

/// Every stream the report names plays in ffprobe with the reported transport, codec and
/// size.
pub(super) fn check_plays(lab: &Lab, r: &HostReport, creds: &[Credential]) {
    let cred = r.credential.map(|k| &creds[k]);
    for s in r.main.iter().chain(&r.sub) {
        let (codec, w, h) = ffprobe(lab, s, cred);
        assert_eq!(codec, s.stream.codec, "ffprobe codec of {}", s.stream.url);
        assert_eq!(
            (Some(w), Some(h)),
            (
                s.stream.width.map(u64::from),
                s.stream.height.map(u64::from)
            ),
            "ffprobe size of {}",
            s.stream.url
        );
    }
}

/// Probes every case at once, as the detector's workers would: at most 2 probes per camera.
pub(super) fn probe_all(cases: &[Case], creds: &[Credential]) -> Vec<HostReport> {
    let throttle = HostThrottle::new(2);
    std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .iter()
            .map(|c| {
                let throttle = &throttle;
                s.spawn(move || {
                    let ip: Ipv4Addr = c.ip.parse().expect("ip");
                    let deadline = Instant::now() + Duration::from_secs(120);
                    let _slot = throttle.acquire(ip, deadline).expect("probe slot");
                    let start = Instant::now();
                    let r = probe_host(ip, c.port, &c.hints, creds, &opts());
                    eprintln!("{}: {:.2} s", c.name, start.elapsed().as_secs_f64());
                    r
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("probe thread"))
            .collect()
    })
}

/// Prints requests and failed logins per host and in total; returns the total requests.
pub(super) fn print_table(cases: &[Case], reports: &[HostReport]) -> u32 {
    let (mut total, mut failed) = (0, 0);
    eprintln!(
        "{:<32} {:>8} {:>6} {:>13}",
        "host", "requests", "budget", "failed logins"
    );
    for (c, r) in cases.iter().zip(reports) {
        eprintln!(
            "{:<32} {:>8} {:>6} {:>13}",
            c.name, r.requests, c.budget, r.failed_logins
        );
        for t in &r.tried {
            eprintln!("    {t}");
        }
        total += r.requests;
        failed += r.failed_logins;
    }
    eprintln!(
        "{:<32} {total:>8} {:>6} {failed:>13}",
        "total",
        cases.iter().map(|c| c.budget).sum::<u32>()
    );
    total
}
