//! Thin binary: parse the command line, read the config, start logging, run the service,
//! map the outcome to an exit code (0 ok, 1 runtime failure, 2 bad usage or config).
use camera_detector::{config::Config, logging, service};
use std::process::ExitCode;

const HELP: &str = "\
camera-detector — finds IP cameras on the LAN and publishes them to MQTT and Frigate

USAGE:
    camera-detector [run]      run the service (configured by environment variables)
    camera-detector scan [--json] [--networks CIDR,...]
                               one discovery pass (scan, WS-Discovery, mDNS, ONVIF, RTSP):
                               a table of the cameras found (--json: the whole report), no
                               broker needed; progress on stderr; --networks = SCAN_NETWORKS
    camera-detector probe URL  play an rtsp:// URL until its first RTP packet, print JSON;
                               credentials: CAMERA_CREDENTIALS / CAMERA_PASSWORD as the service
    camera-detector health [--url URL] [--file PATH] [--json]
                               ask the running service how it is (no MQTT session): its
                               HTTP endpoint (HEALTH_HTTP_PORT), else HEALTH_STATUS_PATH;
                               exit 0 healthy, 1 with one line naming what is wrong
    camera-detector --help     this text
    camera-detector --version  the version

Configuration is read from the environment (MQTT_BROKER, MQTT_PORT, LOG_LEVEL, ...);
see README.md for every variable. SIGTERM/SIGINT stop the service cleanly (offline
status published, queue flushed within 2 s); SIGHUP asks for a rescan.";

/// Reads the configuration and starts logging; a bad variable is exit code 2.
fn load_config() -> Result<Config, ExitCode> {
    let cfg = Config::from_env().map_err(|e| {
        eprintln!("camera-detector: configuration error: {e}");
        ExitCode::from(2)
    })?;
    logging::init(cfg.log_level, std::env::var("RUST_LOG").ok().as_deref());
    for note in &cfg.notes {
        log::warn!("config: {note}");
    }
    Ok(cfg)
}

/// `probe URL`: each configured credential in turn (sent only when the server asks).
fn probe(url: &str) -> ExitCode {
    use camera_detector::discovery::rtsp::session::{self, ProbeError, Timeouts};
    let cfg = match load_config() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let t = Timeouts {
        connect: cfg.rtsp_timeout.min(std::time::Duration::from_secs(3)),
        phase: cfg.rtsp_timeout,
    };
    let mut creds: Vec<Option<(&str, &str)>> = cfg
        .credentials
        .iter()
        .map(|c| Some((c.username.as_str(), c.password.expose())))
        .collect();
    if creds.is_empty() {
        creds.push(None);
    }
    let mut last = None;
    for cred in creds {
        match session::probe(url, cred, &t) {
            Ok(p) => {
                let out =
                    serde_json::json!({"ok": true, "stream": p, "username": cred.map(|c| c.0)});
                println!("{out}");
                return ExitCode::SUCCESS;
            }
            // 401 with these credentials: the next pair may do.
            Err(e @ ProbeError::Unauthorized { .. }) => last = Some(e),
            Err(e) => {
                last = Some(e);
                break;
            }
        }
    }
    let msg = last.map(|e| e.to_string()).unwrap_or_default();
    println!("{}", serde_json::json!({"ok": false, "error": msg}));
    ExitCode::from(1)
}

/// `scan [--json] [--networks CIDR,...]`: one discovery pass (no MQTT).
fn scan(args: &[&str]) -> ExitCode {
    use camera_detector::discovery::engine;
    let mut json = false;
    let mut networks: Option<String> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match *a {
            "--json" => json = true,
            "--networks" => match it.next() {
                Some(v) => networks = Some((*v).to_owned()),
                None => {
                    eprintln!("camera-detector: scan --networks needs a value (CIDR,...)");
                    return ExitCode::from(2);
                }
            },
            other => {
                eprintln!("camera-detector: scan: unknown argument {other:?} (try --help)");
                return ExitCode::from(2);
            }
        }
    }
    if let Some(n) = networks {
        // The same parser and error as the variable it overrides.
        std::env::set_var("SCAN_NETWORKS", n);
    }
    let cfg = match load_config() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let settings = match engine::Settings::from_config(&cfg) {
        Ok(s) => std::sync::Arc::new(s),
        Err(e) => {
            eprintln!("camera-detector: {e}");
            return ExitCode::from(2);
        }
    };
    let threads = match engine::Threads::new(settings.workers) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("camera-detector: cannot start the discovery workers: {e}");
            return ExitCode::from(1);
        }
    };
    log::info!(
        "scan: {} hosts on ports {:?}, {} workers, listening {:.0} s",
        settings.hosts.len(),
        settings.ports,
        settings.workers,
        settings.window.as_secs_f64()
    );
    // Progress: each camera as soon as it is complete (a slow host does not hold it back).
    let progress = |f: engine::Found| {
        let c = &f.camera;
        let main = c.main.as_ref().map_or(String::from("-"), |m| {
            let size = match (m.width, m.height) {
                (Some(w), Some(h)) => format!(" {w}x{h}"),
                _ => String::new(),
            };
            format!("{} ({}{size})", m.url, m.codec)
        });
        eprintln!(
            "scan: {:>6.1} s  camera {} {} {}  {main}",
            f.found_ms.unwrap_or(0) as f64 / 1000.0,
            c.ip,
            c.mac.as_deref().unwrap_or("-"),
            f.vendor.as_deref().unwrap_or("-"),
        );
    };
    let report = engine::discover_once_with(&settings, &threads, &progress);
    eprintln!(
        "scan: {} cameras, {} not cameras; {}",
        report.cameras.len(),
        report.rejected.len(),
        report.phases()
    );
    if json {
        match serde_json::to_string_pretty(&report) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("camera-detector: report: {e}");
                return ExitCode::from(1);
            }
        }
    } else {
        print!("{}", engine::table(&report));
    }
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    camera_detector::alloc::limit_arenas();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] | ["run"] => {}
        ["probe", url] => return probe(url),
        ["health", rest @ ..] => {
            let out = camera_detector::health::client::run(rest, |k| std::env::var(k).ok());
            if out.code == 2 {
                eprintln!("{}", out.line);
            } else {
                println!("{}", out.line);
            }
            return ExitCode::from(out.code);
        }
        ["scan", rest @ ..] => return scan(rest),
        ["--help" | "-h" | "help"] => {
            println!("{HELP}");
            return ExitCode::SUCCESS;
        }
        ["--version" | "-V"] => {
            println!("camera-detector {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        other => {
            eprintln!("camera-detector: unknown arguments {other:?} (try --help)");
            return ExitCode::from(2);
        }
    }
    let cfg = match load_config() {
        Ok(c) => c,
        Err(code) => return code,
    };
    match service::run(cfg) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log::error!("{e}");
            eprintln!("camera-detector: {e}");
            ExitCode::from(1)
        }
    }
}
