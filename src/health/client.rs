//! `camera-detector health [--url URL] [--file PATH] [--json]`: asks the running service
//! how it is, without an MQTT session (a client with the service's id would end its
//! session). Std only, so it runs in a FROM-scratch image as the container HEALTHCHECK:
//! GET the endpoint (HEALTH_HTTP_PORT/HEALTH_HTTP_BIND, or `--url`), or, when the endpoint
//! is off, read HEALTH_STATUS_PATH (or `--file`). Exit 0 healthy, 1 with one line naming
//! what is wrong, 2 for bad usage.
use super::http::{parse_response, parse_url};
use super::{StatusFile, Verdict};
use crate::config::HealthSettings;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The whole exchange may take this long.
pub const TIMEOUT: Duration = Duration::from_secs(3);

/// Where to ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Url(String),
    File(std::path::PathBuf),
}

/// What the command prints and how it exits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// 0 healthy, 1 unhealthy or unreachable, 2 bad usage.
    pub code: u8,
    /// For stdout (`--json`: the verdict as JSON) or, with code 2, stderr.
    pub line: String,
}

impl Outcome {
    fn usage(msg: String) -> Self {
        Outcome { code: 2, line: msg }
    }
}

/// Runs the command: `args` after `health`, `get` reads the environment.
pub fn run(args: &[&str], get: impl Fn(&str) -> Option<String>) -> Outcome {
    let mut json = false;
    let mut source = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match *a {
            "--json" => json = true,
            "--url" | "--file" => {
                let Some(v) = it.next() else {
                    return Outcome::usage(format!("camera-detector health: {a} needs a value"));
                };
                source = Some(if *a == "--url" {
                    Source::Url((*v).to_owned())
                } else {
                    Source::File((*v).into())
                });
            }
            other => {
                return Outcome::usage(format!(
                    "camera-detector health: unknown argument {other:?} (--url URL, --file PATH, --json)"
                ))
            }
        }
    }
    let source = match source {
        Some(s) => Some(s),
        None => match HealthSettings::from_lookup(get) {
            Err(e) => return Outcome::usage(format!("camera-detector health: {e}")),
            Ok(h) => match (h.url(), h.status_path) {
                (Some(u), _) => Some(Source::Url(u)),
                (None, Some(p)) => Some(Source::File(p)),
                (None, None) => None,
            },
        },
    };
    let verdict = match &source {
        Some(Source::Url(u)) => ask(u),
        Some(Source::File(p)) => read_file(p, unix_now()),
        None => {
            Err("nothing to ask: HEALTH_HTTP_PORT=0 and HEALTH_STATUS_PATH is unset".to_owned())
        }
    };
    match verdict {
        Ok(v) => Outcome {
            code: u8::from(!v.healthy),
            line: if json {
                serde_json::to_string(&v).unwrap_or_default()
            } else {
                v.line()
            },
        },
        Err(e) => Outcome {
            code: 1,
            line: if json {
                serde_json::json!({"healthy": false, "status": "unhealthy", "problems": [e]})
                    .to_string()
            } else {
                format!("unhealthy: {e}")
            },
        },
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// GET `url` and read the verdict (200 and 503 both carry one).
///
/// # Errors
/// One line: the URL and what failed (connect, timeout, not our answer).
pub fn ask(url: &str) -> Result<Verdict, String> {
    let (host, port, path) = parse_url(url)?;
    let addr = (host.as_str(), port)
        .to_socket_addrs()
        .map_err(|e| format!("{url}: {e}"))?
        .next()
        .ok_or_else(|| format!("{url}: no address for {host}"))?;
    let mut s = TcpStream::connect_timeout(&addr, TIMEOUT)
        .map_err(|e| format!("{url}: connect: {e} (is the service running?)"))?;
    let _ = s.set_read_timeout(Some(TIMEOUT));
    let _ = s.set_write_timeout(Some(TIMEOUT));
    let req = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes())
        .map_err(|e| format!("{url}: send: {e}"))?;
    let mut buf = Vec::new();
    s.take(64 * 1024)
        .read_to_end(&mut buf)
        .map_err(|e| format!("{url}: read: {e}"))?;
    let (code, body) = parse_response(&buf).map_err(|e| format!("{url}: {e}"))?;
    let v: Verdict = serde_json::from_slice(&body)
        .map_err(|_| format!("{url}: HTTP {code} without a health verdict"))?;
    Ok(v)
}

/// The verdict in the status file at `path`, unless it is older than it says it is valid.
///
/// # Errors
/// One line: unreadable, not a status file, or stale.
pub fn read_file(path: &std::path::Path, now: u64) -> Result<Verdict, String> {
    let text = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let f: StatusFile = serde_json::from_slice(&text)
        .map_err(|_| format!("{}: not a camera-detector status file", path.display()))?;
    let age = now.saturating_sub(f.verdict.time);
    if age > f.valid_for_s {
        return Err(format!(
            "{}: written {age} s ago, valid for {} s: the service is not running or stuck",
            path.display(),
            f.valid_for_s
        ));
    }
    Ok(f.verdict)
}
