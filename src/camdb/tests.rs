use super::*;
use std::collections::{BTreeMap, HashSet};

const PATTERNS: &str = include_str!("data/rtsp-patterns.tsv");
const PORTS: &str = include_str!("data/rtsp-ports.tsv");
const COVERAGE: &str = include_str!("data/coverage.tsv");

fn brand(id: &str) -> Brand {
    Brand::from_id(id).unwrap_or_else(|| panic!("brand {id}"))
}

/// Every row of both data tables is accounted for in coverage.tsv — an entry of the compiled
/// dictionary (listed by that row's brand), a default port, or left out with one of the
/// documented reasons — and the test prints the tally.
#[test]
#[allow(clippy::print_stdout)] // the tally is the test's report
fn every_data_row_is_covered_or_left_out_with_a_reason() {
    let cov: BTreeMap<(String, usize), Vec<&str>> = COVERAGE
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let row = f.get(1)?.parse().ok()?;
            Some(((f[0].to_string(), row), f))
        })
        .collect();
    let dict: BTreeMap<&str, DataPath> = dictionary().map(|p| (p.path, p)).collect();
    let reasons = [
        "per-device stream token",
        "resolution placeholder",
        "user-defined stream profile",
        "device-specific code",
        "contains white space",
        "contains a VLC player option",
        "redaction artefact",
        "a web page of the camera",
        "RTSPS (TLS) port",
        "left out of the defaults: stated by 1 brand",
    ];
    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    for (table, text) in [("patterns", PATTERNS), ("ports", PORTS)] {
        for (i, line) in text.lines().enumerate().skip(1) {
            let row = i + 1;
            let f: Vec<&str> = line.split('\t').collect();
            let c = cov
                .get(&(table.to_string(), row))
                .unwrap_or_else(|| panic!("{table} row {row} missing from coverage.tsv"));
            let (bid, what) = if table == "patterns" {
                (f[1], f[5])
            } else {
                (f[0], f[1])
            };
            assert_eq!((c[2], c[3]), (bid, what), "{table} row {row}");
            let outcome = c[4];
            if let Some(paths) = outcome.strip_prefix("entry: ") {
                for p in paths.split(" | ") {
                    let d = dict.get(p).unwrap_or_else(|| panic!("{p} not compiled"));
                    assert!(d.is_listed_by(brand(bid)), "{p} lacks brand {bid}");
                }
                *tally.entry(format!("{table}: entry")).or_default() += 1;
            } else if outcome == "default port" {
                let port: u16 = what.parse().expect("port");
                assert!(default_ports().contains(&port), "{port}");
                *tally.entry("ports: default".into()).or_default() += 1;
            } else {
                let why = reasons
                    .iter()
                    .find(|r| outcome.contains(*r))
                    .unwrap_or_else(|| panic!("{table} row {row}: undocumented outcome {outcome}"));
                *tally.entry(format!("{table}: {why}")).or_default() += 1;
            }
        }
    }
    for (k, n) in &tally {
        println!("{n:5}  {k}");
    }
    assert!(tally["patterns: entry"] > 1550, "{tally:?}");
}

/// The checked-in table and coverage are what the generator makes of the checked-in data.
#[test]
fn generated_tables_are_up_to_date() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = std::process::Command::new("python3")
        .arg(format!("{root}/scripts/gen-camdb.py"))
        .arg("--check")
        .output()
        .expect("python3 runs (CI installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Paths start with '/', appear once, templates come before leads, and each role follows
/// what the brands' templates say.
#[test]
fn dictionary_shape() {
    let all: Vec<DataPath> = dictionary().collect();
    assert!(all.len() > 500, "{}", all.len());
    let mut seen = HashSet::new();
    for p in &all {
        assert!(p.path.starts_with('/'), "{}", p.path);
        assert!(seen.insert(p.path), "duplicate {}", p.path);
        assert!(p.brands().next().is_some(), "{} has no brand", p.path);
    }
    let first_lead = all
        .iter()
        .position(|p| p.tier == Tier::Lead)
        .expect("leads");
    assert!(all[first_lead..].iter().all(|p| p.tier == Tier::Lead));
    let role = |path: &str| all.iter().find(|p| p.path == path).map(|p| p.role);
    assert_eq!(role("/Streaming/Channels/101"), Some(Role::Main));
    assert_eq!(role("/Streaming/Channels/102"), Some(Role::Sub));
    assert_eq!(
        role("/cam/realmonitor?channel=1&subtype=1"),
        Some(Role::Sub)
    );
    assert_eq!(
        role("/Preview_01_main"),
        Some(Role::Main),
        "{{channel}} → 01"
    );
    assert_eq!(
        role("/h264/ch1/main/av_stream"),
        Some(Role::Main),
        "{{codec}}"
    );
    assert_eq!(
        role("/h265/ch1/main/av_stream"),
        Some(Role::Main),
        "{{codec}}"
    );
    // Credentials in the URL stay markers.
    let marked = all.iter().filter(|p| has_credential_marks(p.path)).count();
    assert!(marked > 20, "{marked}");
    assert!(all.iter().all(|p| !p.path.contains("{user}")));
}

/// The defaults: 554 first, 8554 in, the RTSPS ports out, the web port last.
#[test]
fn default_ports_from_the_data() {
    let p = default_ports();
    assert_eq!(p.first(), Some(&554));
    assert_eq!(p.last(), Some(&80));
    for want in [8554, 10554, 88, 7447] {
        assert!(p.contains(&want), "{want}");
    }
    for tls in [7441, 322] {
        assert!(!p.contains(&tls), "{tls} is RTSPS");
    }
}

fn mac(s: &str) -> [u8; 6] {
    let v: Vec<u8> = s
        .split(':')
        .map(|h| u8::from_str_radix(h, 16).expect("hex"))
        .collect();
    v.try_into().expect("6 bytes")
}

/// IEEE registrations: the big brands, OEM-made consumer brands' makers, and no match for a
/// non-camera registrant (Synology's NAS OUI is a brand too: Surveillance Station).
#[test]
fn oui_lookup() {
    for (m, id) in [
        ("44:19:b6:00:00:01", "hikvision"),
        ("3c:ef:8c:00:00:02", "dahua"),
        ("00:40:8c:00:00:03", "axis"),
        ("ec:71:db:00:00:04", "reolink"),
        ("9c:8e:cd:00:00:05", "amcrest"),
        ("48:ea:63:00:00:06", "uniview"),
        ("00:09:18:12:34:56", "samsung"),
        ("00:02:d1:12:34:56", "vivotek"),
        ("5c:a6:e6:12:34:56", "tp-link"),
    ] {
        assert_eq!(Brand::from_oui(&mac(m)).map(Brand::id), Some(id), "{m}");
    }
    assert_eq!(
        Brand::from_oui(&mac("00:22:72:00:00:01")),
        None,
        "a fuel-cell maker"
    );
    assert_eq!(
        Brand::from_oui(&mac("02:00:00:00:00:01")),
        None,
        "locally administered"
    );
    let with_oui: HashSet<u8> = super::table::OUIS
        .iter()
        .map(|r| u8::try_from(r & 0xff).expect("index"))
        .collect();
    assert!(with_oui.len() >= 40, "{} brands", with_oui.len());
    assert!(super::table::OUIS.windows(2).all(|w| w[0] < w[1]), "sorted");
}

/// Hints name brands by whole words; the longest match wins; old paths-file keys still work.
#[test]
fn brands_from_hints() {
    for (text, id) in [
        ("HIKVISION", "hikvision"),
        ("Hikvision-Webs", "hikvision"),
        ("Zhejiang Dahua Technology Co., Ltd.", "dahua"),
        ("axis-00408c000003", "axis"),
        ("AXIS_ACCC8E012345", "axis"),
        ("TP-Link Tapo C200", "tapo"),
        ("TP-LINK TECHNOLOGIES CO.,LTD.", "tp-link"),
        ("Night Owl SP", "night-owl"),
        ("UBNT Streaming Server", "ubiquiti"),
        ("Hanwha Techwin", "hanwha"),
    ] {
        assert_eq!(Brand::from_hint(text).map(Brand::id), Some(id), "{text}");
    }
    for text in [
        "",
        "IP Camera(C2183)",
        "Factory",
        "GStreamer RTSP server",
        "interactive",
    ] {
        assert_eq!(Brand::from_hint(text), None, "{text}");
    }
    assert_eq!(Brand::from_id("tplink").map(Brand::id), Some("tp-link"));
    assert_eq!(Brand::from_id("xiongmai").map(Brand::id), Some("xmeye"));
    assert_eq!(
        Brand::from_id("HIKVISION").map(Brand::id),
        Some("hikvision")
    );
    assert_eq!(Brand::from_id("generic"), None);
}

/// The compiled tables stay within the 64 KiB: measured on the data the binary
/// holds (slices, strings and rows), not on the source text.
#[test]
#[allow(clippy::print_stdout)] // the size is the test's report
fn tables_fit_their_budget() {
    use std::mem::size_of_val;
    let t = &super::table::BRANDS;
    let brands: usize =
        size_of_val(*t) + t.iter().map(|b| b.id.len() + b.words.len()).sum::<usize>();
    let bytes = brands
        + size_of_val(super::table::OUIS)
        + size_of_val(super::table::PATHS)
        + super::table::PATH_TEXT.len()
        + size_of_val(super::table::PATH_BRANDS)
        + size_of_val(super::table::DEFAULT_PORTS);
    println!("camera database: {bytes} bytes");
    assert!(bytes <= 64 * 1024, "{bytes}");
}
