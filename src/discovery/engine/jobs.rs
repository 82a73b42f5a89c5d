//! The blocking work of a pass as pool jobs, what they find, and how their findings land in
//! the per-host records: the glue between the schedule ([`super::plan`]) and the protocol
//! shells (ONVIF client, RTSP prober, WS-Discovery, ARP). The sources that start a pass
//! (scan, multicast WS-Discovery, mDNS) are started by [`super::run`].
use super::camera::{Found, Hosts};
use super::plan::{url_port, Event, Job, OnvifStreams};
use super::report::Report;
use super::settings::Settings;
use crate::camdb::Brand;
use crate::cidr::Cidr;
use crate::discovery::rtsp::prober::{self, Hints, HostReport, ProbeOptions};
use crate::discovery::{arp, arping, http_hint, mdns, onvif, pool::Pool, wsd};
use crate::secret::Credential;
use crossbeam_channel::Sender;
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What threads and jobs send to the coordinator.
#[derive(Debug)]
pub enum Finding {
    Scan(super::sweep::Outcome),
    Wsd(wsd::Found),
    WsdDone(Option<String>),
    UnicastWsdDone(Vec<Ipv4Addr>),
    Mdns(mdns::MdnsFound),
    MdnsDone(Option<String>),
    /// ONVIF interrogation of a host: its outcome and how long it took (ms).
    Onvif(
        Ipv4Addr,
        Result<onvif::client::Device, onvif::ClientError>,
        u64,
    ),
    Rtsp {
        ip: Ipv4Addr,
        port: u16,
        dictionary: bool,
        /// The brand the probe went by (or learnt on the way) and which hint named it.
        brand: Option<(Brand, &'static str)>,
        report: HostReport,
    },
}

/// Records a finding in `hosts`/`report` and says what it means to the schedule.
pub fn absorb(
    finding: Finding,
    settings: &Settings,
    hosts: &mut Hosts,
    report: &mut Report,
) -> Vec<Event> {
    let st = &mut report.stats;
    match finding {
        Finding::Scan(outcome) => {
            let r = &outcome.report;
            st.arp_silent = outcome.silent;
            report.notes.extend(outcome.notes);
            hosts.macs.extend(outcome.macs);
            st.connects = r.attempted;
            st.open_ports = r.open.len();
            st.peak_in_flight = r.peak_in_flight;
            st.scan_ms = u64::try_from(outcome.elapsed.as_millis()).unwrap_or(u64::MAX);
            report
                .notes
                .extend(r.errors.iter().map(ToString::to_string));
            let mut events: Vec<Event> = r
                .open
                .iter()
                .map(|a: &SocketAddrV4| {
                    hosts.seen(*a.ip(), "scan").open_ports.push(a.port());
                    Event::Open(*a.ip(), a.port())
                })
                .collect();
            events.push(Event::ScanDone);
            log::info!(
                "scan: {} open ports on {} hosts in {} ms ({} connects, {} silent to ARP)",
                r.open.len(),
                st.hosts_planned,
                st.scan_ms,
                r.attempted,
                st.arp_silent
            );
            events
        }
        Finding::Wsd(f) => {
            if settings.excluded(f.ip) {
                return Vec::new();
            }
            st.wsd_matches += 1;
            let c = hosts.seen(f.ip, "wsd");
            c.endpoint.get_or_insert(f.endpoint.clone());
            if c.camera.onvif_url.is_none() {
                c.camera.onvif_url = f.xaddrs.first().cloned();
            }
            vec![Event::Wsd(f.ip, f.xaddrs)]
        }
        Finding::WsdDone(err) => {
            report.notes.extend(err);
            vec![Event::WsdDone]
        }
        Finding::UnicastWsdDone(ips) => vec![Event::UnicastWsdDone(ips)],
        Finding::Mdns(f) => {
            if settings.excluded(f.ip) {
                return Vec::new();
            }
            st.mdns_records += 1;
            let c = hosts.seen(f.ip, "mdns");
            c.mdns_name.get_or_insert(f.name.clone());
            vec![Event::Mdns(f.ip, f.port, f.url)]
        }
        Finding::MdnsDone(err) => {
            report.notes.extend(err);
            vec![Event::MdnsDone]
        }
        Finding::Onvif(ip, result, ms) => {
            let c = hosts.record(ip);
            c.onvif_ms += ms;
            let streams = match result {
                Err(e) => {
                    c.errors.push(e.to_string());
                    None
                }
                Ok(d) => {
                    st.onvif_requests += d.requests;
                    st.onvif_auth_failures += d.auth_failures;
                    absorb_device(c, &d, &settings.credentials);
                    let urls =
                        d.stream_uris
                            .iter()
                            .flatten()
                            .cloned()
                            .fold(Vec::new(), |mut v, u| {
                                if !v.contains(&u) {
                                    v.push(u);
                                }
                                v
                            });
                    Some(OnvifStreams {
                        urls,
                        credential: d.credential,
                    })
                }
            };
            vec![Event::Onvif(ip, streams)]
        }
        Finding::Rtsp {
            ip,
            port,
            dictionary,
            brand,
            report: r,
        } => {
            st.rtsp_requests += r.requests;
            st.rtsp_failed_logins += r.failed_logins;
            if let Some(m) = &r.main {
                log::info!(
                    "rtsp {ip}:{port}: main {} ({}), sub {}",
                    m.stream.url,
                    m.stream.codec,
                    r.sub.as_ref().map_or("none", |s| s.stream.url.as_str())
                );
            }
            let c = hosts.record(ip);
            if c.vendor.is_none() {
                if let Some((b, how)) = brand {
                    c.vendor = Some(b.id().to_owned());
                    c.vendor_hint = Some(how);
                }
            }
            c.probe_ms += r.elapsed_ms;
            if r.main.is_none() {
                c.tried.extend(r.tried);
            }
            let main = r.main.is_some() || c.camera.main.is_some();
            if let (None, Some(p)) = (&c.camera.main, r.main) {
                c.camera.main = Some(p.stream);
                c.main_requests = p.requests;
            }
            if let (None, Some(p)) = (&c.camera.sub, r.sub) {
                c.camera.sub = Some(p.stream);
                c.sub_requests = p.requests;
            }
            let cam = &mut c.camera;
            if let Some(i) = r.credential {
                cam.credential_index.get_or_insert(i);
            }
            c.accepts_any_path |= r.accepts_any_path;
            c.errors.extend(r.errors);
            if let Some(i) = cam.credential_index {
                cam.username = settings.credentials.get(i).map(|k| k.username.clone());
            }
            vec![Event::Rtsp {
                ip,
                port,
                dictionary,
                main,
            }]
        }
    }
}

/// Copies what ONVIF said into the host's record.
fn absorb_device(f: &mut Found, d: &onvif::client::Device, creds: &[Credential]) {
    let text = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    let c = &mut f.camera;
    c.manufacturer = text(&d.manufacturer);
    c.model = text(&d.model);
    c.serial_number = text(&d.serial);
    c.firmware_version = text(&d.firmware);
    f.hardware_id = text(&d.hardware_id);
    f.snapshot_url.clone_from(&d.snapshot_uri);
    if let Some(b) = Brand::from_hint(&d.manufacturer) {
        f.vendor = Some(b.id().to_owned());
        f.vendor_hint = Some("onvif");
    }
    c.profiles.clone_from(&d.profiles);
    f.profile_urls.clone_from(&d.stream_uris);
    c.capabilities = d.capabilities;
    f.onvif = true;
    if let Some(i) = d.credential {
        c.credential_index = Some(i);
        c.username = creds.get(i).map(|k| k.username.clone());
    }
}

/// Hands `job` to the pool; its finding comes back over `tx`.
pub fn submit(
    job: Job,
    settings: &Arc<Settings>,
    pool: &Pool,
    tx: &Sender<Finding>,
    hosts: &Hosts,
) {
    let (s, t) = (settings.clone(), tx.clone());
    match job {
        Job::Onvif { ip, xaddrs } => {
            if let Some(c) = xaddrs.first() {
                log::debug!("discovery: ONVIF {ip} via {c}");
            }
            pool.submit(move || {
                let started = Instant::now();
                let opts = onvif::client::Options {
                    timeout: s.onvif_timeout,
                    deadline: Instant::now() + s.onvif_timeout + Duration::from_secs(2),
                    max_body: onvif::client::DEFAULT_MAX_BODY,
                };
                let mut last = Err(onvif::ClientError::NoXaddr { ip });
                for x in &xaddrs {
                    last = onvif::client::interrogate(x, ip, &s.credentials, &opts);
                    if last.is_ok() {
                        break;
                    }
                }
                let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                let _ = t.send(Finding::Onvif(ip, last, ms));
            });
        }
        Job::Rtsp {
            ip,
            port,
            known,
            credential,
            dictionary,
        } => {
            let record = hosts.by_ip.get(&ip);
            let known_brand = record
                .and_then(|c| Some((Brand::from_id(c.vendor.as_deref()?)?, c.vendor_hint?)))
                .or_else(|| {
                    let name = record?.mdns_name.as_deref()?;
                    Some((Brand::from_hint(name)?, "mdns"))
                })
                .or_else(|| {
                    let mac = hosts.macs.get(&ip).copied().or_else(|| kernel_mac(ip))?;
                    Some((Brand::from_oui(&mac)?, "oui"))
                });
            let known = known
                .into_iter()
                .filter(|u| url_port(u).is_some())
                .collect();
            pool.submit(move || {
                // Nothing named the brand: ask the web page (dictionary probes only).
                let brand = known_brand.or_else(|| {
                    if !dictionary {
                        return None;
                    }
                    let wait = s.rtsp.connect.min(Duration::from_millis(1500));
                    http_hint::fetch(ip, 80, wait)?.brand()
                });
                let hints = Hints {
                    brand: brand.map(|(b, _)| b),
                    known,
                    credential,
                };
                let mut opts = ProbeOptions::new(s.rtsp);
                opts.user_paths.clone_from(&s.user_paths);
                if !dictionary {
                    opts.max_paths = 0;
                }
                let report = match s.throttle.acquire(ip, Instant::now() + s.rtsp.phase * 6) {
                    Some(_guard) => prober::probe_host(ip, port, &hints, &s.credentials, &opts),
                    None => HostReport {
                        errors: vec![format!("rtsp {ip}:{port} throttle: host busy")],
                        ..HostReport::default()
                    },
                };
                let brand = brand.or(report.brand);
                let _ = t.send(Finding::Rtsp {
                    ip,
                    port,
                    dictionary,
                    brand,
                    report,
                });
            });
        }
        Job::UnicastWsd(ips) => {
            pool.submit(move || {
                let ips: Vec<Ipv4Addr> = ips.into_iter().filter(|ip| !s.excluded(*ip)).collect();
                let result = wsd::discover_each(&[], &ips, s.unicast_window, &|f| {
                    let _ = t.send(Finding::Wsd(f));
                });
                if let Err(e) = result {
                    log::warn!("discovery: unicast WS-Discovery: {e}");
                }
                let _ = t.send(Finding::UnicastWsdDone(ips));
            });
        }
    }
}

/// The kernel's ARP entry for `ip` (filled by our own connects), if any.
fn kernel_mac(ip: Ipv4Addr) -> Option<[u8; 6]> {
    let table = std::fs::read("/proc/net/arp").ok()?;
    arp::parse_proc_net_arp(&table)
        .into_iter()
        .find(|e| e.ip == ip)
        .map(|e| e.mac)
}

/// MACs of every host with a record: the kernel's table first (our connects filled it),
/// then active ARP for the rest where CAP_NET_RAW allows (on the interface whose network
/// holds the host). Nothing when MAC tracking is off.
pub fn learn_macs(
    settings: &Settings,
    hosts: &Hosts,
    notes: &mut Vec<String>,
) -> BTreeMap<Ipv4Addr, [u8; 6]> {
    if !settings.mac_tracking {
        return BTreeMap::new();
    }
    let mut macs: BTreeMap<Ipv4Addr, [u8; 6]> = hosts
        .macs
        .iter()
        .filter(|(ip, _)| hosts.by_ip.contains_key(ip))
        .map(|(ip, mac)| (*ip, *mac))
        .collect();
    if let Ok(table) = std::fs::read("/proc/net/arp") {
        for e in arp::parse_proc_net_arp(&table) {
            if hosts.by_ip.contains_key(&e.ip) {
                macs.insert(e.ip, e.mac);
            }
        }
    }
    for iface in &settings.ifaces {
        let Some(net) = Cidr::new(iface.ip, iface.prefix) else {
            continue;
        };
        let missing: Vec<Ipv4Addr> = hosts
            .by_ip
            .keys()
            .filter(|ip| !macs.contains_key(*ip) && net.contains(**ip))
            .copied()
            .collect();
        if missing.is_empty() {
            continue;
        }
        match arping::resolve(iface, &missing, Duration::from_millis(500)) {
            Ok(found) => macs.extend(found),
            Err(e) => notes.push(e.to_string()),
        }
    }
    macs
}

#[cfg(test)]
#[path = "jobs_tests.rs"]
mod tests;
