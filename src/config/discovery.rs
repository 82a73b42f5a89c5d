//! The discovery variables this project adds to the original's (which had one RTSP_PORT and
//! scanned whatever the interfaces said): which networks and ports to scan, how fast, with
//! how many workers, and the optional files (extra RTSP paths, credentials mounted as files).
//! Parsed by [`Config::from_lookup`](super::Config::from_lookup) like every other variable.
use super::{ConfigError, Env};
use crate::cidr::{parse_cidr_list, Cidr};
use crate::secret::{Credential, Secret};
use std::path::PathBuf;
use std::time::Duration;

/// How discovery looks for cameras.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoverySettings {
    /// DISCOVERY_ENABLED: false runs the service without discovery (MQTT health only).
    pub enabled: bool,
    /// SCAN_NETWORKS: when not empty, these replace the interfaces' own networks.
    pub networks: Vec<Cidr>,
    /// SCAN_EXCLUDE: never scanned, probed or contacted.
    pub exclude: Vec<Cidr>,
    /// SCAN_INTERFACES: interface names to use (empty = every up, non-loopback one).
    pub interfaces: Vec<String>,
    /// RTSP_PORTS, deduplicated, in the given order (`+P,...` = the defaults plus these).
    pub rtsp_ports: Vec<u16>,
    /// SCAN_RATE: TCP connects started per second; 0 = automatic.
    pub scan_rate: u32,
    /// SCAN_CONNECT_TIMEOUT_MS: how long one TCP connect of the port scan may take.
    pub scan_connect_timeout: Duration,
    /// DISCOVERY_WORKERS: probing threads; 0 = min(32, 4 × cores), decided at start.
    pub workers: usize,
    /// RTSP_PATHS_FILE: extra paths tried before the built-in dictionary.
    pub paths_file: Option<PathBuf>,
}

/// The RTSP ports when RTSP_PORTS is unset (or starts with `+`): RTSP_PORT (the original's
/// single port), then every port the camera database's brands state (see
/// [`crate::camdb::default_ports`]: 554, 8554, 10554, 88, 2088, 5543, 7447, 80).
fn default_ports(rtsp_port: u16) -> Vec<u16> {
    let mut v = vec![rtsp_port];
    v.extend(
        crate::camdb::default_ports()
            .iter()
            .filter(|p| **p != rtsp_port),
    );
    v
}

/// Items of a list variable: separated by commas and/or white space, empty items dropped.
fn items(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
}

pub(super) fn discovery_settings<F: Fn(&str) -> Option<String>>(
    env: &mut Env<F>,
    rtsp_port: u16,
) -> Result<DiscoverySettings, ConfigError> {
    let cidrs = |env: &Env<F>, var: &'static str| -> Result<Vec<Cidr>, ConfigError> {
        match env.text(var) {
            None => Ok(Vec::new()),
            Some(t) => parse_cidr_list(var, &t).map_err(|e| ConfigError::BadList {
                var,
                detail: e.source.to_string(),
            }),
        }
    };
    let enabled = env.boolean("DISCOVERY_ENABLED", true)?;
    let networks = cidrs(env, "SCAN_NETWORKS")?;
    let exclude = cidrs(env, "SCAN_EXCLUDE")?;

    let mut interfaces = Vec::new();
    for name in items(&env.text("SCAN_INTERFACES").unwrap_or_default()) {
        // IFNAMSIZ is 16 with the NUL; '/' and ':' are not allowed in Linux names.
        if name.len() > 15 || name.contains(['/', ':']) {
            return Err(ConfigError::BadList {
                var: "SCAN_INTERFACES",
                detail: format!("{name:?} is not an interface name"),
            });
        }
        if !interfaces.iter().any(|n| n == name) {
            interfaces.push(name.to_owned());
        }
    }

    let rtsp_ports = match env.text("RTSP_PORTS") {
        None => default_ports(rtsp_port),
        Some(text) => {
            // A leading '+' adds to the defaults instead of replacing them.
            let (mut ports, list) = match text.trim_start().strip_prefix('+') {
                Some(rest) => (default_ports(rtsp_port), rest.to_owned()),
                None => (Vec::new(), text),
            };
            for item in items(&list) {
                let port = match item.parse::<u16>() {
                    Ok(p) if p > 0 => p,
                    _ => {
                        return Err(ConfigError::NotAPort {
                            var: "RTSP_PORTS",
                            value: item.to_owned(),
                        })
                    }
                };
                if !ports.contains(&port) {
                    ports.push(port);
                }
            }
            if ports.is_empty() {
                return Err(ConfigError::Empty { var: "RTSP_PORTS" });
            }
            ports
        }
    };

    let scan_rate = env.u64_clamped("SCAN_RATE", DEFAULT_SCAN_RATE, 0, 1_000_000)?;
    let scan_connect_timeout = Duration::from_millis(env.u64_clamped(
        "SCAN_CONNECT_TIMEOUT_MS",
        DEFAULT_CONNECT_TIMEOUT_MS,
        50,
        10_000,
    )?);
    let workers = env.u64_clamped("DISCOVERY_WORKERS", 0, 0, 256)?;
    let paths_file = env.text("RTSP_PATHS_FILE").map(PathBuf::from);

    Ok(DiscoverySettings {
        enabled,
        networks,
        exclude,
        interfaces,
        rtsp_ports,
        scan_rate: u32::try_from(scan_rate).unwrap_or(u32::MAX),
        scan_connect_timeout,
        workers: usize::try_from(workers).unwrap_or(256),
        paths_file,
    })
}

/// SCAN_RATE default: 0 = automatic (ARP sweep first where possible, else the pace the
/// kernel's neighbour table allows; see `discovery::engine::sweep`).
pub const DEFAULT_SCAN_RATE: u64 = 0;
/// SCAN_CONNECT_TIMEOUT_MS default: room for one SYN retransmission (sent after 1 s).
pub const DEFAULT_CONNECT_TIMEOUT_MS: u64 = 1500;

/// The worker count for DISCOVERY_WORKERS=0 on a machine with `cores` CPUs.
#[must_use]
pub fn auto_workers(cores: usize) -> usize {
    (4 * cores.max(1)).min(32)
}

/// Entries of a credentials file (CAMERA_CREDENTIALS_FILE): one `user:password` per line
/// (the first `:` splits, so passwords may hold `:` and `,`), blank lines and `#` comments
/// skipped, surrounding white space of the user name trimmed (the password is kept as is,
/// minus the line end). A line without `:` or without a user is an error naming the line
/// number, never its text (it may hold a password).
pub(super) fn parse_credentials_file(text: &str) -> Result<Vec<Credential>, String> {
    let mut out: Vec<Credential> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let Some((user, pass)) = line.split_once(':') else {
            return Err(format!("line {}: no ':' between user and password", n + 1));
        };
        let user = user.trim();
        if user.is_empty() {
            return Err(format!("line {}: no user name", n + 1));
        }
        let c = Credential {
            username: user.to_owned(),
            password: Secret::new(pass),
        };
        if !out.contains(&c) {
            out.push(c);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::{Config, ConfigError};
    use super::*;

    fn load_with(pairs: &[(&str, &str)], files: &[(&str, &str)]) -> Result<Config, ConfigError> {
        super::super::tests::load_files(pairs, files)
    }

    fn d(pairs: &[(&str, &str)]) -> DiscoverySettings {
        load_with(pairs, &[]).expect("valid").discovery
    }

    fn err(pairs: &[(&str, &str)]) -> String {
        load_with(pairs, &[]).expect_err("invalid").to_string()
    }

    #[test]
    fn defaults() {
        let s = d(&[]);
        assert_eq!(s.rtsp_ports, [554, 8554, 10554, 88, 2088, 5543, 7447, 80]);
        assert!(s.networks.is_empty() && s.exclude.is_empty() && s.interfaces.is_empty());
        assert_eq!(s.scan_rate, 0);
        assert_eq!(s.scan_connect_timeout, Duration::from_millis(1500));
        assert_eq!(s.workers, 0);
        assert!(s.enabled);
        assert!(!d(&[("DISCOVERY_ENABLED", "false")]).enabled);
        assert_eq!(s.paths_file, None);
        assert_eq!(auto_workers(1), 4);
        assert_eq!(auto_workers(0), 4);
        assert_eq!(auto_workers(4), 16);
        assert_eq!(auto_workers(64), 32);
    }

    #[test]
    fn rtsp_ports_follow_rtsp_port_unless_given() {
        assert_eq!(
            d(&[("RTSP_PORT", "10554")]).rtsp_ports,
            [10554, 554, 8554, 88, 2088, 5543, 7447, 80]
        );
        assert_eq!(
            d(&[("RTSP_PORT", "9000")]).rtsp_ports,
            [9000, 554, 8554, 10554, 88, 2088, 5543, 7447, 80]
        );
        assert_eq!(
            d(&[("RTSP_PORTS", "+9554, 554")]).rtsp_ports,
            [554, 8554, 10554, 88, 2088, 5543, 7447, 80, 9554]
        );
        assert_eq!(
            d(&[("RTSP_PORTS", " +")]).rtsp_ports,
            [554, 8554, 10554, 88, 2088, 5543, 7447, 80]
        );
        assert_eq!(
            err(&[("RTSP_PORTS", "+9554,x")]),
            "RTSP_PORTS: \"x\" is not a port number (1 to 65535)"
        );
        assert_eq!(
            d(&[("RTSP_PORTS", "8554, 554 554,,7447")]).rtsp_ports,
            [8554, 554, 7447]
        );
        assert_eq!(
            err(&[("RTSP_PORTS", "554,0")]),
            "RTSP_PORTS: \"0\" is not a port number (1 to 65535)"
        );
        assert_eq!(
            err(&[("RTSP_PORTS", "554,rtsp")]),
            "RTSP_PORTS: \"rtsp\" is not a port number (1 to 65535)"
        );
        assert_eq!(
            err(&[("RTSP_PORTS", " , ")]),
            "RTSP_PORTS: must not be empty"
        );
    }

    #[test]
    fn networks_excludes_and_interfaces() {
        let s = d(&[
            ("SCAN_NETWORKS", "10.0.0.0/24, 10.0.5.7"),
            ("SCAN_EXCLUDE", "10.0.0.128/25"),
            ("SCAN_INTERFACES", "eth0, wlan0 eth0"),
        ]);
        assert_eq!(s.networks.len(), 2);
        assert_eq!(s.exclude.len(), 1);
        assert_eq!(s.interfaces, ["eth0", "wlan0"]);
        let e = err(&[("SCAN_NETWORKS", "10.0.0.0/24,10.0.0/8")]);
        assert!(
            e.starts_with("SCAN_NETWORKS: ") && e.contains("10.0.0/8"),
            "{e}"
        );
        assert!(!e.contains('\n'));
        let e = err(&[("SCAN_EXCLUDE", "10.0.0.0/33")]);
        assert!(
            e.starts_with("SCAN_EXCLUDE: ") && e.contains("10.0.0.0/33"),
            "{e}"
        );
        let e = err(&[("SCAN_INTERFACES", "eth0,averyveryverylongname")]);
        assert_eq!(
            e,
            "SCAN_INTERFACES: \"averyveryverylongname\" is not an interface name"
        );
    }

    #[test]
    fn rate_timeout_and_workers_clamp() {
        let c = load_with(
            &[
                ("SCAN_RATE", "5000000"),
                ("SCAN_CONNECT_TIMEOUT_MS", "5"),
                ("DISCOVERY_WORKERS", "1000"),
            ],
            &[],
        )
        .expect("valid");
        assert_eq!(c.discovery.scan_rate, 1_000_000);
        assert_eq!(c.discovery.scan_connect_timeout, Duration::from_millis(50));
        assert_eq!(c.discovery.workers, 256);
        assert_eq!(c.notes.len(), 3, "{:?}", c.notes);
        assert_eq!(
            err(&[("SCAN_RATE", "fast")]),
            "SCAN_RATE: \"fast\" is not a whole number"
        );
    }

    #[test]
    fn credentials_file_adds_entries_after_the_list() {
        let c = load_with(
            &[
                ("CAMERA_CREDENTIALS", "admin:one"),
                ("CAMERA_CREDENTIALS_FILE", "/run/secrets/cams"),
            ],
            &[(
                "/run/secrets/cams",
                "# cameras\n\n root : pa:ss,word \r\nadmin:one\nviewer:\n",
            )],
        )
        .expect("valid");
        let got: Vec<(&str, &str)> = c
            .credentials
            .iter()
            .map(|c| (c.username.as_str(), c.password.expose()))
            .collect();
        assert_eq!(
            got,
            [("admin", "one"), ("root", " pa:ss,word "), ("viewer", "")]
        );

        // A file alone replaces the admin fallbacks.
        let c = load_with(&[("CAMERA_CREDENTIALS_FILE", "/f")], &[("/f", "u:p\n")]).expect("ok");
        assert_eq!(c.credentials.len(), 1);
    }

    #[test]
    fn credentials_file_errors_name_file_and_line_but_no_secret() {
        let e = load_with(
            &[("CAMERA_CREDENTIALS_FILE", "/f")],
            &[("/f", "u:p\nsecretwithoutcolon\n")],
        )
        .expect_err("bad line")
        .to_string();
        assert_eq!(
            e,
            "CAMERA_CREDENTIALS_FILE: /f: line 2: no ':' between user and password"
        );
        let e = load_with(&[("CAMERA_CREDENTIALS_FILE", "/f")], &[("/f", ":pw\n")])
            .expect_err("no user")
            .to_string();
        assert_eq!(e, "CAMERA_CREDENTIALS_FILE: /f: line 1: no user name");
        let e = load_with(&[("CAMERA_CREDENTIALS_FILE", "/missing")], &[])
            .expect_err("missing")
            .to_string();
        assert!(e.starts_with("CAMERA_CREDENTIALS_FILE: /missing: "), "{e}");
    }

    #[test]
    fn camera_password_still_means_only_that_pair() {
        let c = load_with(
            &[("CAMERA_PASSWORD", "x"), ("CAMERA_CREDENTIALS_FILE", "/f")],
            &[("/f", "u:p\n")],
        )
        .expect("valid");
        assert_eq!(c.credentials.len(), 1);
        assert_eq!(c.credentials[0].username, "admin");
        assert!(
            c.notes.iter().any(|n| n.contains("ignored")),
            "{:?}",
            c.notes
        );
    }
}
