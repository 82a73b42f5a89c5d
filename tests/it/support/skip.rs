//! Tests that cannot run here. A test that finds it is not root (no network lab, no
//! namespaces) or that a tool is missing calls [`skip`] and returns early. Locally that is
//! a skip: a loud `SKIPPED` line on stderr and, when `CD_SKIP_LOG` names a file, a line
//! `test: reason` appended to it (scripts/test.sh counts them at the end of a run, since
//! nextest reports such a test as passed and hides its output). With `CD_REQUIRE_LAB=1`
//! (set by `.ci/run`) it is a failure instead: CI cannot pass with a test that did not run.
//! (Shared with benches/scan.rs through tests/it/scan_netns.rs.)
use std::io::Write;

/// The variable that turns every skip into a failure.
pub const REQUIRE: &str = "CD_REQUIRE_LAB";
/// The file each skip is appended to, if set.
pub const LOG: &str = "CD_SKIP_LOG";

/// Skips the calling test for `why` (returns), or fails it when `CD_REQUIRE_LAB=1`.
pub fn skip(why: &str) {
    let name = std::thread::current()
        .name()
        .unwrap_or("(unnamed test)")
        .to_owned();
    assert!(
        std::env::var(REQUIRE).as_deref() != Ok("1"),
        "{name} cannot run here and {REQUIRE}=1 forbids skipping it: {why}"
    );
    eprintln!("\n*** SKIPPED {name}: {why} ***\n");
    if let Some(path) = std::env::var_os(LOG) {
        let line = format!("{name}: {why}\n");
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(line.as_bytes()));
        if let Err(e) = written {
            eprintln!("{LOG}={}: {e}", path.to_string_lossy());
        }
    }
}

/// Whether this process runs as root; [`skip`]s with `why` when it does not.
#[must_use]
pub fn root_or_skip(why: &str) -> bool {
    let uid = std::process::Command::new("id").arg("-u").output();
    let root = uid.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !root {
        skip(why);
    }
    root
}
