//! The vendor zoo (scripts/lab/zoo-up.sh, issue 12 item 6): ~40 simulated cameras of ~40
//! brands, generated from public data (scripts/lab/zoo/generate.py), on a bridge and subnet of
//! their own (10.78.0.0/24) with the detector's seat in `lab-zdet`. [`zoo`] brings it up under
//! its own lock when it is down and returns its ground truth (zoo-run/zoo.json) as a [`Lab`],
//! so `Lab::detector`, `Lab::in_ns` and `Lab::ffprobe` work in the zoo's detector namespace.
use super::lab::{bring_up, pct, with_creds, Lab};
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// The lock zoo-up.sh runs under (tests and scripts/test.sh).
pub const LOCK: &str = "/tmp/camera-detector-zoo.lock";

/// The running zoo (brought up if down), or `None` when not root.
pub fn zoo() -> Option<Lab> {
    bring_up("zoo-up.sh", LOCK, "zoo-run/zoo.json")
}

pub fn cameras(zoo: &Lab) -> &Vec<Value> {
    zoo.truth["cameras"].as_array().expect("zoo cameras")
}

/// The zoo's credentials as (user, password), in the truth's order.
pub fn credentials(zoo: &Lab) -> Vec<(String, String)> {
    zoo.truth["credentials"]
        .as_array()
        .expect("zoo credentials")
        .iter()
        .map(|c| (str_of(&c["user"]), str_of(&c["pass"])))
        .collect()
}

/// `v` in an order drawn from `seed` (Fisher-Yates over a xorshift stream).
pub fn shuffled<T>(mut v: Vec<T>, seed: u64) -> Vec<T> {
    let mut x = seed | 1;
    for i in (1..v.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.swap(i, (x % (i as u64 + 1)) as usize);
    }
    v
}

fn str_of(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// `url` with the credential placeholders of the data's URL-auth paths (`{user}`, `{pass}`,
/// `[USERNAME]`, `[PASSWORD]`) replaced by (user, pass) as they are, for comparing URLs.
pub fn filled(url: &str, cred: Option<&(String, String)>) -> String {
    cred.map_or(url.to_string(), |(user, pass)| fill(url, user, pass))
}

fn fill(url: &str, user: &str, pass: &str) -> String {
    [
        ("{user}", user),
        ("[USERNAME]", user),
        ("{pass}", pass),
        ("[PASSWORD]", pass),
    ]
    .iter()
    .fold(url.to_string(), |u, (k, v)| u.replace(k, v))
}

/// `url` made playable with (user, pass): credential placeholders of the data's URL-auth
/// paths filled (percent-encoded), then `user:pass@` inserted (sent only if challenged).
pub fn playable(url: &str, cred: Option<&(String, String)>) -> String {
    let Some((user, pass)) = cred else {
        return url.to_string();
    };
    with_creds(&fill(url, &pct(user), &pct(pass)), user, pass)
}

/// `url` without user info, with the port spelled out (554 when absent) and %XX decoded in
/// the path and query, so that two spellings of one stream compare equal.
pub fn normalize(url: &str) -> String {
    let Some(rest) = url.strip_prefix("rtsp://") else {
        return url.to_string();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = authority
        .rsplit('@')
        .next()
        .unwrap_or(authority)
        .to_lowercase();
    let host = if host.contains(':') {
        host
    } else {
        format!("{host}:554")
    };
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    format!("rtsp://{host}{}", String::from_utf8_lossy(&out))
}

/// ffprobe's (codec, width, height) for each (url, transport), four at a time, from the
/// zoo's detector namespace (see `Lab::ffprobe`), in the order given.
pub fn ffprobe_all(zoo: &Lab, jobs: &[(String, String)]) -> Vec<(String, u64, u64)> {
    let next = AtomicUsize::new(0);
    let out = Mutex::new(vec![(String::new(), 0, 0); jobs.len()]);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some((url, transport)) = jobs.get(i) else {
                    break;
                };
                let got = zoo.ffprobe(url, transport);
                out.lock().expect("results")[i] = got;
            });
        }
    });
    out.into_inner().expect("results")
}
