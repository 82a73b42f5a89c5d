//! Thin binary: parse the command line ([`camera_detector::cli`]), read the config, start
//! logging, run the command, map the outcome to an exit code (0 ok, 1 runtime failure, 2
//! bad usage or config).
use camera_detector::cli::{self, Command};
use camera_detector::config::Config;
use camera_detector::discovery::engine;
use camera_detector::discovery::rtsp::session::{self, Timeouts};
use camera_detector::{logging, service};
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

/// Reads the configuration (`overrides` in place of their variables) and starts logging;
/// a bad variable is exit code 2.
fn load_config(overrides: &[(&str, String)]) -> Result<Config, ExitCode> {
    let cfg = Config::from_env_with(overrides).map_err(|e| {
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
    let cfg = match load_config(&[]) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let t = Timeouts {
        connect: cfg.rtsp_timeout.min(std::time::Duration::from_secs(3)),
        phase: cfg.rtsp_timeout,
    };
    match session::probe_each(url, &cfg.credentials, &t) {
        Ok((p, cred)) => {
            let username = cred.map(|c| c.username.as_str());
            let out = serde_json::json!({"ok": true, "stream": p, "username": username});
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!(
                "{}",
                serde_json::json!({"ok": false, "error": e.to_string()})
            );
            ExitCode::from(1)
        }
    }
}

/// `scan [--json] [--networks CIDR,...]`: one discovery pass (no MQTT).
fn scan(json: bool, networks: Option<String>) -> ExitCode {
    // --networks stands for SCAN_NETWORKS: the same parser and error.
    let overrides: Vec<(&str, String)> =
        networks.map(|n| ("SCAN_NETWORKS", n)).into_iter().collect();
    let cfg = match load_config(&overrides) {
        Ok(c) => c,
        Err(code) => return code,
    };
    // Before any thread: the discovery threads inherit the raised set.
    camera_detector::caps::raise_net_raw();
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
    let report = engine::discover_once_with(&settings, &threads, &|f| {
        eprintln!("{}", engine::progress_line(&f));
    });
    // A pass cut at its deadline leaves work running (a scan of a big routed network): the
    // exit must not wait for it (dropping the pool would join its threads).
    threads.detach();
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
    let command = match cli::parse(std::env::args_os().skip(1)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("camera-detector: {e}");
            return ExitCode::from(2);
        }
    };
    match command {
        Command::Run => {}
        Command::Probe { url } => return probe(&url),
        Command::Health { args } => {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = camera_detector::health::client::run(&args, |k| std::env::var(k).ok());
            if out.code == 2 {
                eprintln!("{}", out.line);
            } else {
                println!("{}", out.line);
            }
            return ExitCode::from(out.code);
        }
        Command::Scan { json, networks } => return scan(json, networks),
        Command::Help => {
            println!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Command::Version => {
            println!("camera-detector {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
    }
    let cfg = match load_config(&[]) {
        Ok(c) => c,
        Err(code) => return code,
    };
    // Before any thread: the discovery threads inherit the raised set.
    camera_detector::caps::raise_net_raw();
    match service::run(cfg) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log::error!("{e}");
            eprintln!("camera-detector: {e}");
            ExitCode::from(1)
        }
    }
}
