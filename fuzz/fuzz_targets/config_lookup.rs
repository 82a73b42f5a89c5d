//! Config parsing (`Config::from_lookup_files`, hence `Config::from_lookup` and the
//! CAMERA_CREDENTIALS_FILE parser): any environment must give a Config or a one-line error,
//! never a panic.
//!
//! Input format (an env file, so seeds are readable): `NAME=value` lines; a variable without
//! a line is unset, the first line for a name wins, `\n` in a value stands for a newline
//! (environment values may hold one). After a line `%%`, the rest is the content of any file
//! a variable names; without it, reading a file fails.
#![no_main]
use camera_detector::config::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (vars, file) = match text.split_once("\n%%\n") {
        Some((v, f)) => (v, Some(f)),
        None => (&*text, None),
    };
    let env: Vec<(&str, String)> = vars
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k, v.replace("\\n", "\n")))
        .collect();
    let get = |k: &str| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone());
    let read = |_: &std::path::Path| {
        file.map(str::to_owned)
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
    };
    match Config::from_lookup_files(get, &read, "fuzz") {
        Ok(_) => {}
        Err(e) => assert!(!e.to_string().contains('\n'), "{e}"),
    }
});
