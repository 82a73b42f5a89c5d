//! The command line: which command runs, with which arguments ([`parse`], pure, over
//! `OsString`s so that an argument that is not UTF-8 is a usage error, not a panic). The
//! commands themselves live with what they run: `run` is [`crate::service::run`], `scan`
//! [`crate::discovery::engine`], `probe` [`crate::discovery::rtsp::session::probe_each`],
//! `health` [`crate::health::client::run`].
use std::ffi::OsString;

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `camera-detector [run]`: the service.
    Run,
    /// `camera-detector scan [--json] [--networks CIDR,...]`: one discovery pass.
    Scan {
        json: bool,
        /// Overrides SCAN_NETWORKS (same parser, same errors).
        networks: Option<String>,
    },
    /// `camera-detector probe URL`: play one stream.
    Probe {
        url: String,
    },
    /// `camera-detector health [ARGS]`: ask the running service (its own parser).
    Health {
        args: Vec<String>,
    },
    Help,
    Version,
}

/// A command line that does not parse. `Display` is one line (the caller prefixes the
/// program name and exits 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UsageError {
    #[error("argument {position} is not valid UTF-8: {shown}")]
    NotUtf8 { position: usize, shown: String },
    #[error("scan --networks needs a value (CIDR,...)")]
    NetworksWithoutValue,
    #[error("scan: unknown argument {0:?} (try --help)")]
    UnknownScanArgument(String),
    #[error("unknown arguments {0:?} (try --help)")]
    Unknown(Vec<String>),
}

/// The command of `args` (the program name left out).
///
/// # Errors
/// An argument that is not UTF-8, an unknown command or option, `--networks` without a
/// value.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, UsageError> {
    let args = args
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            a.into_string().map_err(|a| UsageError::NotUtf8 {
                position: i + 1,
                shown: a.to_string_lossy().into_owned(),
            })
        })
        .collect::<Result<Vec<String>, UsageError>>()?;
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        [] | ["run"] => Ok(Command::Run),
        ["probe", url] => Ok(Command::Probe {
            url: (*url).to_owned(),
        }),
        ["health", rest @ ..] => Ok(Command::Health {
            args: rest.iter().map(|s| (*s).to_owned()).collect(),
        }),
        ["scan", rest @ ..] => scan(rest),
        ["--help" | "-h" | "help"] => Ok(Command::Help),
        ["--version" | "-V"] => Ok(Command::Version),
        _ => Err(UsageError::Unknown(args)),
    }
}

fn scan(args: &[&str]) -> Result<Command, UsageError> {
    let mut json = false;
    let mut networks = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match *a {
            "--json" => json = true,
            "--networks" => match it.next() {
                Some(v) => networks = Some((*v).to_owned()),
                None => return Err(UsageError::NetworksWithoutValue),
            },
            other => return Err(UsageError::UnknownScanArgument(other.to_owned())),
        }
    }
    Ok(Command::Scan { json, networks })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStringExt;

    fn parse_words(words: &[&str]) -> Result<Command, UsageError> {
        parse(words.iter().map(OsString::from))
    }

    #[test]
    fn every_command_and_its_arguments() {
        assert_eq!(parse_words(&[]), Ok(Command::Run));
        assert_eq!(parse_words(&["run"]), Ok(Command::Run));
        assert_eq!(
            parse_words(&["scan", "--networks", "10.0.0.0/24", "--json"]),
            Ok(Command::Scan {
                json: true,
                networks: Some("10.0.0.0/24".into())
            })
        );
        assert_eq!(
            parse_words(&["probe", "rtsp://10.0.0.5/x"]),
            Ok(Command::Probe {
                url: "rtsp://10.0.0.5/x".into()
            })
        );
        assert_eq!(
            parse_words(&["health", "--json"]),
            Ok(Command::Health {
                args: vec!["--json".into()]
            })
        );
        assert_eq!(parse_words(&["-h"]), Ok(Command::Help));
        assert_eq!(parse_words(&["--version"]), Ok(Command::Version));
    }

    /// The messages of the hand-written parser before this one, word for word.
    #[test]
    fn bad_usage_is_one_line_naming_the_culprit() {
        let e = |w: &[&str]| parse_words(w).unwrap_err().to_string();
        assert_eq!(
            e(&["scan", "--networks"]),
            "scan --networks needs a value (CIDR,...)"
        );
        assert_eq!(
            e(&["scan", "--jsn"]),
            "scan: unknown argument \"--jsn\" (try --help)"
        );
        assert_eq!(e(&["probe"]), "unknown arguments [\"probe\"] (try --help)");
        assert_eq!(
            e(&["frobnicate", "x"]),
            "unknown arguments [\"frobnicate\", \"x\"] (try --help)"
        );
    }

    #[test]
    fn an_argument_that_is_not_utf8_is_a_usage_error() {
        let bad = OsString::from_vec(vec![b'a', 0xff, b'b']);
        let e = parse([OsString::from("probe"), bad]).unwrap_err();
        assert_eq!(
            e,
            UsageError::NotUtf8 {
                position: 2,
                shown: "a\u{fffd}b".into()
            }
        );
        assert!(!e.to_string().contains('\n'));
    }
}
