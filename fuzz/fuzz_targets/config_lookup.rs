//! Config parsing: arbitrary values for every variable must give a Config or a one-line
//! error, never a panic.
#![no_main]
use camera_detector::config::{Config, VARIABLES};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut values = text.split('\n');
    let env: Vec<(&str, String)> = VARIABLES
        .iter()
        .map(|(k, _, _)| (*k, values.next().unwrap_or("").to_string()))
        .collect();
    match Config::from_lookup(|k| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone()), "fuzz") {
        Ok(_) => {}
        Err(e) => assert!(!e.to_string().contains('\n')),
    }
});
