//! The coordinating thread of one discovery pass: starts the sources (port scan,
//! multicast WS-Discovery, mDNS) on the pass lanes of [`Threads`], feeds their findings to the pure
//! [`Plan`], hands the jobs it returns to the worker [`Pool`](crate::discovery::pool::Pool), and assembles the
//! [`Report`]. It alone owns the per-host records; everything else talks to it over one
//! channel. Blocking work never runs on this thread.
use super::camera::{Found, Hosts};
use super::jobs::{self, Finding};
use super::plan::Plan;
use super::report::Report;
use super::settings::Settings;
use super::threads::Threads;
use crate::discovery::{net, wsd};
use crossbeam_channel::{unbounded, Receiver, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Runs one pass with `settings` on `threads` (this thread coordinates); returns when every source is done and every
/// job answered, or at `settings.deadline` (what is known then is reported, with a note).
#[must_use]
pub fn discover_once(settings: &Arc<Settings>, threads: &Threads) -> Report {
    discover_once_with(settings, threads, &|_| {})
}

/// [`discover_once`], handing each camera to `on_camera` as soon as it is complete (a main
/// stream plays and its MAC is known), before the pass ends; the report still lists it.
#[must_use]
pub fn discover_once_with(
    settings: &Arc<Settings>,
    threads: &Threads,
    on_camera: &dyn Fn(Found),
) -> Report {
    let start = Instant::now();
    let hard_stop = start + settings.deadline;
    let (tx, rx): (Sender<Finding>, Receiver<Finding>) = unbounded();
    let mut plan = Plan::new(start, settings.mdns_grace, &settings.ports);
    let mut hosts = Hosts::default();
    let mut report = Report::default();
    report.notes.extend(settings.notes.iter().cloned());

    start_sources(settings, threads, &tx, &mut report);

    let mut timed_out = false;
    let mut reported = std::collections::BTreeSet::new();
    while !plan.is_done() {
        let now = Instant::now();
        if now >= hard_stop {
            timed_out = true;
            break;
        }
        let wake = plan.next_wake(now).map_or(hard_stop, |w| w.min(hard_stop));
        let jobs = match rx.recv_timeout(wake.saturating_duration_since(now)) {
            Ok(finding) => {
                let now = Instant::now();
                // Which cameras may have become complete: the one an RTSP job answered
                // for, or (when the scan brings the ARP sweep's MACs) any that played before.
                let check = match &finding {
                    Finding::Rtsp { ip, .. } => Some(Some(*ip)),
                    Finding::Scan(_) => Some(None),
                    _ => None,
                };
                if matches!(finding, Finding::Onvif(..) | Finding::Rtsp { .. }) {
                    report.stats.work_done_ms = millis(now - start);
                }
                let jobs: Vec<_> = jobs::absorb(finding, settings, &mut hosts, &mut report)
                    .into_iter()
                    .flat_map(|e| plan.on_event(e, now))
                    .collect();
                if let Some(Some(ip)) = check {
                    if let Some(c) = hosts.by_ip.get_mut(&ip) {
                        if c.camera.main.is_some() && c.found_ms.is_none() {
                            c.found_ms = Some(millis(now - start));
                        }
                    }
                }
                if let Some(which) = check.filter(|_| settings.mac_tracking) {
                    let ips: Vec<_> = match which {
                        Some(ip) => vec![ip],
                        None => hosts.by_ip.keys().copied().collect(),
                    };
                    for ip in ips {
                        if reported.contains(&ip) {
                            continue;
                        }
                        if let Some(cam) = hosts.early(ip, settings.http_port) {
                            reported.insert(ip);
                            on_camera(cam);
                        }
                    }
                }
                jobs
            }
            Err(_) => plan.on_tick(Instant::now()),
        };
        for job in jobs {
            jobs::submit(job, settings, threads.workers(), &tx, &hosts);
        }
    }
    if timed_out {
        report.notes.push(format!(
            "discovery stopped at its {:.0} s deadline with work still running",
            settings.deadline.as_secs_f64()
        ));
    }
    let mac_start = Instant::now();
    let macs = jobs::learn_macs(settings, &hosts, &mut report.notes);
    report.stats.mac_ms = millis(mac_start.elapsed());
    if let Some((ip, ms)) = hosts.slowest() {
        report.stats.slowest_host = Some(ip);
        report.stats.slowest_host_ms = ms;
    }
    let (cameras, rejected) = hosts.finish(&macs, settings.http_port);
    report.cameras = cameras;
    report.rejected = rejected;
    report.stats.elapsed_ms = millis(start.elapsed());
    report
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Runs one pass in the background (its coordinator on a lane of `threads`): each camera
/// goes to `on_camera` as soon as it is complete, and the report to `done` at the end.
pub fn spawn_pass(
    threads: &Threads,
    settings: Arc<Settings>,
    on_camera: impl Fn(Found) + Send + 'static,
    done: impl FnOnce(Report) + Send + 'static,
) {
    let me = threads.clone();
    threads.lane(move || done(discover_once_with(&settings, &me, &on_camera)));
}

/// Starts the three sources (scan, WS-Discovery, mDNS) on the pass lanes of `threads`.
fn start_sources(
    settings: &Arc<Settings>,
    threads: &Threads,
    tx: &Sender<Finding>,
    report: &mut Report,
) {
    report.stats.hosts_planned = settings.hosts.len();
    let (s, t) = (settings.clone(), tx.clone());
    threads.lane(move || {
        let outcome = super::sweep::run(&s.hosts, &s.ports, &s.ifaces, &s.scan);
        let _ = t.send(Finding::Scan(outcome));
    });
    let (s, t) = (settings.clone(), tx.clone());
    threads.lane(move || {
        let mcast: Vec<net::Iface> = s.ifaces.iter().filter(|i| i.multicast).cloned().collect();
        let result = wsd::discover_each(&mcast, &[], s.window, &|f| {
            let _ = t.send(Finding::Wsd(f));
        });
        let _ = t.send(Finding::WsdDone(result.err().map(|e| e.to_string())));
    });
    let (s, t, th) = (settings.clone(), tx.clone(), threads.clone());
    threads.lane(move || {
        let result = th.mdns().browse_each(&s.ifaces, s.window, |f| {
            let _ = t.send(Finding::Mdns(f));
        });
        let _ = t.send(Finding::MdnsDone(result.err().map(|e| e.to_string())));
    });
}
