//! Connect-scan benchmarks (`cargo bench --bench scan`, root only), each inside a pair of
//! namespaces this bench creates and deletes (tests/it/scan_netns.rs); the scan runs in a
//! re-executed child that first checks its namespace. Printed in one run:
//!
//! 1. /24 on a veth with three listeners: scan time vs the connect timeout;
//! 2. an empty /20 behind a router that drops silently (no ARP: the engine's own limit),
//!    unpaced: time, peak in flight, peak descriptors;
//! 3. an empty on-link /20 (every address needs ARP) at the default pacing, with a
//!    listener at the far end of the /20: time, whether it was found, and the kernel's
//!    neighbour-table pressure (global `entries` peak and `table_fulls` from
//!    /proc/net/stat/arp_cache, read in the root namespace);
//! 4. with `BENCH_OVERFLOW=1` only: the same /20 unpaced, which overflows the default
//!    neighbour table (gc_thresh3 = 1024, shared by all namespaces) for a few seconds.
//!
//! 5. the same empty on-link /20 (listener at the far end) the way a discovery pass scans
//!    it (`discovery::engine::sweep`): raw ARP sweep first, TCP connects only to hosts
//!    that answered: total time (sweep + connects), far listener found, neighbour table.
//!
//! 6. the cost of the default port list (the camera database's 8 ports against the 2 the
//!    project scanned before): a pass's scan stage (ARP sweep, then connects to the hosts
//!    that answered) of an on-link /24 and an on-link /20 holding 40 live hosts, each run
//!    with both lists: connects and time, and the ratio.
//!
//! `BENCH_RATES=600,1000` adds paced runs of 3 at those rates.
//!
//! `BENCH_QUICK=1`: scenarios 1, 2 (with a /22) and 5 (a smoke run).
#[allow(dead_code)]
#[path = "../tests/it/scan_netns.rs"]
mod netns;

use camera_detector::discovery::net::local_ipv4;
use camera_detector::discovery::scan::{self, Cidr, ScanOptions};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

const PORTS: [u16; 2] = [554, 8554];

fn quick() -> bool {
    std::env::var("BENCH_QUICK").is_ok()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child-scan") {
        child(&args[i + 1]);
        return;
    }
    if let Some(i) = args.iter().position(|a| a == "--child-sweep") {
        child_sweep(&args[i + 1]);
        return;
    }
    if !netns::can_netns() {
        return;
    }
    let defaults = ScanOptions::default();
    println!(
        "scan bench: ports {PORTS:?}; defaults: timeout {} ms, rate {}/s, burst {}, max in flight {}",
        defaults.connect_timeout.as_millis(),
        defaults.rate_per_sec,
        defaults.burst,
        defaults.max_in_flight
    );
    let (p, basis) = scan::safe_pacing(PORTS.len());
    println!(
        "safe pacing here: {} connects/s, burst {} ({basis})",
        p.rate_per_sec, p.burst
    );
    slash24(1000);
    slash24(defaults.connect_timeout.as_millis() as u64);
    routed_empty(if quick() { 22 } else { 20 });
    onlink_empty20_sweep();
    default_ports_cost(if quick() { &[24] } else { &[24, 20] });
    if !quick() {
        onlink_empty20(None);
        // BENCH_RATES=600,1000: more paced runs of scenario 3 (finding the safe rate).
        let rates = std::env::var("BENCH_RATES").unwrap_or_default();
        for r in rates.split(',').filter_map(|r| r.trim().parse().ok()) {
            onlink_empty20(Some(r));
        }
        if std::env::var("BENCH_OVERFLOW").is_ok() {
            onlink_empty20(Some(0));
        }
    }
}

/// Options from the parent, as environment variables (defaults otherwise).
fn options_from_env() -> ScanOptions {
    let d = ScanOptions::default();
    let num = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    ScanOptions {
        connect_timeout: Duration::from_millis(num(
            "CD_TIMEOUT_MS",
            d.connect_timeout.as_millis() as u64,
        )),
        rate_per_sec: num("CD_RATE", u64::from(d.rate_per_sec)) as u32,
        burst: num("CD_BURST", u64::from(d.burst)) as u32,
        max_in_flight: num("CD_INFLIGHT", d.max_in_flight as u64) as usize,
        source: None,
    }
}

/// The outcome counts of a scan, as `key=value` lines for the parent.
fn print_counts(r: &scan::ScanReport) {
    let open: Vec<String> = r.open.iter().map(ToString::to_string).collect();
    println!("open={}", open.join(","));
    println!("refused={}", r.refused);
    println!("timed_out={}", r.timed_out);
    println!("unreachable={}", r.unreachable);
    println!("other={}", r.other_errors);
    println!("peak_in_flight={}", r.peak_in_flight);
    println!("cap={}", r.in_flight_cap);
}

fn count_fds() -> u64 {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count() as u64)
}

/// In the scanner namespace: plan `network`, scan it, print `key=value` lines.
fn child(network: &str) {
    let ns = netns::assert_in_ns().expect("--child-scan runs only inside the bench namespace");
    let net: Cidr = network.parse().expect("network");
    let own: Vec<_> = local_ipv4().iter().map(|i| i.ip).collect();
    let plan = scan::plan(&[net], &own, &[]);
    let targets = scan::targets(&plan.hosts, &PORTS);
    let opts = options_from_env();
    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (stop, peak) = (stop.clone(), peak.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                peak.fetch_max(count_fds(), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    let base_fds = count_fds();
    let r = scan::scan(&targets, &opts);
    stop.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    println!("ns={ns}");
    println!("targets={}", targets.len());
    println!("timeout_ms={}", opts.connect_timeout.as_millis());
    println!("rate={}", opts.rate_per_sec);
    println!("elapsed_ms={}", r.elapsed.as_millis());
    print_counts(&r);
    println!("base_fds={base_fds}");
    println!("peak_fds={}", peak.load(Ordering::Relaxed));
    for e in &r.errors {
        println!("error={e}");
    }
}

/// In the scanner namespace: the pass's scan stage (ARP sweep, then connects) of `network`.
fn child_sweep(network: &str) {
    use camera_detector::discovery::{engine::sweep, net};
    let ns = netns::assert_in_ns().expect("--child-sweep runs only inside the bench namespace");
    let net_: Cidr = network.parse().expect("network");
    let ifaces = net::select(&local_ipv4(), &[], false);
    let own: Vec<_> = ifaces.iter().map(|i| i.ip).collect();
    let plan = scan::plan(&[net_], &own, &[]);
    let opts = ScanOptions {
        rate_per_sec: 0,
        ..ScanOptions::default()
    };
    let ports: Vec<u16> = std::env::var("CD_PORTS").map_or(PORTS.to_vec(), |v| {
        v.split(',').filter_map(|p| p.parse().ok()).collect()
    });
    let t0 = std::time::Instant::now();
    let out = sweep::run(&plan.hosts, &ports, &ifaces, &opts);
    let total = t0.elapsed();
    let r = &out.report;
    println!("ns={ns}");
    println!("hosts={}", plan.hosts.len());
    println!("targets={}", r.attempted);
    println!("elapsed_ms={}", total.as_millis());
    println!("connect_ms={}", r.elapsed.as_millis());
    println!("silent={}", out.silent);
    println!("macs={}", out.macs.len());
    print_counts(r);
    for n in &out.notes {
        println!("note={n}");
    }
}

/// Scenario 5: scenario 3's network scanned the way a pass does (ARP sweep first).
fn onlink_empty20_sweep() {
    let mut pair = netns::NsPair::new(
        "s20",
        &["10.205.0.1/20"],
        &["10.205.0.2/20", "10.205.15.200/20"],
    );
    pair.listen(&["10.205.15.200:554"]);
    let before = arp_cache();
    let out = pair.run_in_a(&["--child-sweep", "10.205.0.0/20"], &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "child failed: {text}");
    let m: BTreeMap<String, String> = text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let after = arp_cache();
    let found = m["open"].contains("10.205.15.200:554");
    println!(
        "/20 on-link, empty, ARP sweep first ({} hosts, {} silent, {} answered): {} ms in all (connects {} ms, {} of them); far listener {}; open [{}]{}",
        m["hosts"],
        m["silent"],
        m["macs"],
        m["elapsed_ms"],
        m["connect_ms"],
        m["targets"],
        if found { "FOUND" } else { "MISSED" },
        m["open"],
        m.get("note").map(|n| format!("; note: {n}")).unwrap_or_default()
    );
    if let (Some((e0, f0)), Some((e1, f1))) = (before, after) {
        println!("    neighbour table (all namespaces): {e0} entries before, {e1} after, table_fulls +{}", f1 - f0);
    }
}

/// Scenario 6: the scan stage of a pass over an on-link network with 40 live hosts, with
/// the old 2 ports and with the camera database's default ports.
fn default_ports_cost(prefixes: &[u8]) {
    let defaults = camera_detector::camdb::default_ports();
    for &prefix in prefixes {
        let live: Vec<String> = (2..42).map(|h| format!("10.206.0.{h}/{prefix}")).collect();
        let live: Vec<&str> = live.iter().map(String::as_str).collect();
        let pair = netns::NsPair::new("dp", &[&format!("10.206.0.1/{prefix}")], &live);
        let mut rows = Vec::new();
        for ports in [PORTS.to_vec(), defaults.to_vec()] {
            let list: Vec<String> = ports.iter().map(ToString::to_string).collect();
            let out = pair.run_in_a(
                &["--child-sweep", &format!("10.206.0.0/{prefix}")],
                &[("CD_PORTS", list.join(","))],
            );
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(out.status.success(), "child failed: {text}");
            let m: BTreeMap<String, String> = text
                .lines()
                .filter_map(|l| l.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            println!(
                "/{prefix} on-link, 40 live hosts, {} ports: {} connects, sweep + connects {} ms (connects {} ms)",
                ports.len(),
                m["targets"],
                m["elapsed_ms"],
                m["connect_ms"]
            );
            rows.push((ms(&m, "targets"), ms(&m, "elapsed_ms")));
        }
        println!(
            "    default ports vs 2: {:.1} x the connects, {:.2} x the time",
            rows[1].0 / rows[0].0,
            rows[1].1 / rows[0].1
        );
    }
}

fn run(pair: &netns::NsPair, network: &str, env: &[(&str, String)]) -> BTreeMap<String, String> {
    let out = pair.run_in_a(&["--child-scan", network], env);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "child failed: {text}");
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn ms(m: &BTreeMap<String, String>, k: &str) -> f64 {
    m.get(k).and_then(|v| v.parse().ok()).unwrap_or(f64::NAN)
}

fn counts(m: &BTreeMap<String, String>) -> String {
    format!(
        "open [{}], refused {}, timed out {}, unreachable {}, other {}; peak in flight {} (cap {}), \
         peak fds {} (base {})",
        m["open"], m["refused"], m["timed_out"], m["unreachable"], m["other"],
        m["peak_in_flight"], m["cap"], m["peak_fds"], m["base_fds"]
    )
}

/// Scenario 1.
fn slash24(timeout_ms: u64) {
    let mut pair = netns::NsPair::new(
        "b24",
        &["10.201.0.1/24"],
        &["10.201.0.2/24", "10.201.0.3/24"],
    );
    pair.listen(&["10.201.0.2:554", "10.201.0.2:8554", "10.201.0.3:8554"]);
    let m = run(
        &pair,
        "10.201.0.0/24",
        &[("CD_TIMEOUT_MS", timeout_ms.to_string())],
    );
    let t = ms(&m, "elapsed_ms");
    println!(
        "/24 on-link, {} connects, timeout {timeout_ms} ms: {:.0} ms = {:.2} x timeout; {}",
        m["targets"],
        t,
        t / timeout_ms as f64,
        counts(&m)
    );
}

/// Scenario 2: the /20 (or /22) is routed to the peer, which does not forward: every SYN
/// vanishes without ARP and without an ICMP answer.
fn routed_empty(prefix: u8) {
    let pair = netns::NsPair::new("r20", &["10.202.0.1/30"], &["10.202.0.2/30"]);
    let net = format!("10.203.0.0/{prefix}");
    pair.ip_in(&pair.a, &["route", "add", &net, "via", "10.202.0.2"]);
    let m = run(
        &pair,
        &net,
        &[("CD_RATE", "0".into()), ("CD_INFLIGHT", "16384".into())],
    );
    let t = ms(&m, "elapsed_ms");
    println!(
        "/{prefix} routed, empty, unpaced, {} connects, timeout {} ms: {:.0} ms = {:.2} x timeout; {}",
        m["targets"],
        m["timeout_ms"],
        t,
        t / ms(&m, "timeout_ms"),
        counts(&m)
    );
}

/// /proc/net/stat/arp_cache (root namespace only): global entries, table_fulls.
fn arp_cache() -> Option<(u64, u64)> {
    let text = std::fs::read_to_string("/proc/net/stat/arp_cache").ok()?;
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next()?.split_whitespace().collect();
    let row: Vec<&str> = lines.next()?.split_whitespace().collect();
    let col = |name: &str| {
        let i = head.iter().position(|h| *h == name)?;
        u64::from_str_radix(row.get(i)?, 16).ok()
    };
    // table_fulls is per CPU: sum every row.
    let fulls = head.iter().position(|h| *h == "table_fulls").map(|i| {
        text.lines()
            .skip(1)
            .filter_map(|l| l.split_whitespace().nth(i))
            .filter_map(|v| u64::from_str_radix(v, 16).ok())
            .sum()
    })?;
    Some((col("entries")?, fulls))
}

/// Scenarios 3 and 4: an on-link /20; the peer holds .2 and the far .15.200 (listening).
fn onlink_empty20(rate: Option<u32>) {
    let mut pair = netns::NsPair::new(
        "l20",
        &["10.204.0.1/20"],
        &["10.204.0.2/20", "10.204.15.200/20"],
    );
    pair.listen(&["10.204.15.200:554"]);
    let before = arp_cache();
    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (stop, peak) = (stop.clone(), peak.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                if let Some((e, _)) = arp_cache() {
                    peak.fetch_max(e, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };
    let mut env = vec![("CD_INFLIGHT", "16384".to_string())];
    if let Some(r) = rate {
        env.push(("CD_RATE", r.to_string()));
    }
    let m = run(&pair, "10.204.0.0/20", &env);
    stop.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    let after = arp_cache();
    let t = ms(&m, "elapsed_ms");
    let found = m["open"].contains("10.204.15.200:554");
    println!(
        "/20 on-link, empty, rate {}/s, {} connects, timeout {} ms: {:.0} ms = {:.2} x timeout; \
         far listener {}; {}",
        m["rate"],
        m["targets"],
        m["timeout_ms"],
        t,
        t / ms(&m, "timeout_ms"),
        if found { "FOUND" } else { "MISSED" },
        counts(&m)
    );
    match (before, after) {
        (Some((e0, f0)), Some((_, f1))) => println!(
            "    neighbour table (all namespaces): {e0} entries before, peak {}, table_fulls +{}",
            peak.load(Ordering::Relaxed),
            f1 - f0
        ),
        _ => println!("    neighbour table: /proc/net/stat/arp_cache not readable"),
    }
}
