//! A host of the test's own on the lab's bridge: a network namespace `lab-t<tag>-<pid><n>`
//! plugged into the lab's switch the way scripts/lab/lab-up.sh plugs its hosts in (a veth
//! `sw-t<tag>-<pid><n>` in `lab-sw`, a member of `br0`; `eth0` with a fixed MAC in the
//! namespace). It owns: the choice of a free address and MAC, the namespace, every process
//! inside it, and their removal (on drop, also while a test unwinds from a panic).
//!
//! Concurrency: tests run in parallel processes (nextest), so addresses and MACs are chosen
//! under a machine-wide lock (`flock` on [`LOCK_FILE`], held by a helper process: released
//! by the kernel when the test dies), avoiding: every address in the lab /24 on any named
//! namespace right now, every address lab.json lists, every MAC of an owned host, and every
//! address a live owned host held before it moved (so "nothing answers at the old address"
//! stays true while that host lives).
//! Addresses come from [`RANGE`] (.200–.239), which no lab host uses; .240–.254 stay free
//! for tests that need an address nobody holds (lab_arp uses .249).
//!
//! Leftovers: every owned host has a marker file in [`MARKERS`] naming its owner (pid and
//! start time). A test killed before its drop ran (nextest timeout, SIGKILL) leaves its
//! namespace behind; the next [`OwnHost::create`] (or scripts/lab/lab-owned.sh sweep)
//! removes the hosts whose owner is gone. Only hosts with a marker are ever removed.
//!
//! Nothing here sends a packet outside the lab bridge: `ip` configures namespaces, and the
//! only packets are a gratuitous ARP from the owned host and `nc` probes from inside it.
use super::lab::Lab;
use std::io::{BufRead, BufReader, Write};
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The lab's switch namespace and bridge (scripts/lab/lab-up.sh: `mkns lab-sw`, `br0`).
pub const SWITCH_NS: &str = "lab-sw";
pub const BRIDGE: &str = "br0";
/// Last octets reserved for owned hosts.
pub const RANGE: std::ops::RangeInclusive<u8> = 200..=239;
/// The machine-wide allocation lock (distinct from lab-up.sh's lock).
pub const LOCK_FILE: &str = "/tmp/camera-detector-lab-owned.lock";
/// One marker file per owned host: `<pid> <start time>` of the owning process on the first
/// line, then one line per address the host has moved away from.
pub const MARKERS: &str = "/run/camera-detector-lab-owned";

/// Hosts made by this process so far (the last character of the namespace name).
static SERIAL: AtomicUsize = AtomicUsize::new(0);

pub struct OwnHost {
    ns: String,
    ip: Ipv4Addr,
    mac: String,
    net: [u8; 3],
    gateway: Ipv4Addr,
    /// Addresses lab.json lists (never handed out).
    lab_ips: Vec<Ipv4Addr>,
}

/// `ip ARGS`: stdout, or one line naming the command and ip's complaint.
pub fn ip(args: &[&str]) -> Result<String, String> {
    let out = Command::new("ip")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("ip {}: {e}", args.join(" ")))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// `ip` with a command line of space-free words (names, addresses, keywords).
pub fn ipl(line: &str) -> Result<String, String> {
    ip(&line.split_whitespace().collect::<Vec<_>>())
}

fn must(line: &str) -> String {
    ipl(line).unwrap_or_else(|e| panic!("{e}"))
}

/// The veth end in the switch namespace for namespace `ns` (lab-up.sh: `sw-${ns#lab-}`).
pub fn switch_port(ns: &str) -> String {
    format!("sw-{}", ns.trim_start_matches("lab-"))
}

/// The names of all named network namespaces.
pub fn netns_list() -> Vec<String> {
    ip(&["netns", "list"])
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

/// Pids of the processes inside namespace `ns` (empty when it does not exist).
pub fn netns_pids(ns: &str) -> Vec<u32> {
    ip(&["netns", "pids", ns])
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

/// The machine-wide lock, held by a `flock` child for as long as this value lives.
struct Lock(Child);

impl Lock {
    fn take() -> Lock {
        let mut child = Command::new("flock")
            .args([
                "-w",
                "60",
                LOCK_FILE,
                "sh",
                "-c",
                "echo locked && exec cat >/dev/null",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("flock (util-linux) installed");
        let mut line = String::new();
        let out = child.stdout.take().expect("piped stdout");
        let _ = BufReader::new(out).read_line(&mut line);
        assert_eq!(line.trim(), "locked", "{LOCK_FILE} not granted within 60 s");
        Lock(child)
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        drop(self.0.stdin.take()); // EOF: cat exits, flock releases
        let _ = self.0.wait();
    }
}

/// `<pid> <start time>` of process `pid` (field 22 of /proc/PID/stat), `None` when it is
/// gone or a zombie.
fn identity(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    (f.first() != Some(&"Z")).then(|| format!("{pid} {}", f.get(19).unwrap_or(&"?")))
}

fn marker(ns: &str) -> PathBuf {
    PathBuf::from(MARKERS).join(ns)
}

/// Removes an owned host: its switch port, every process inside it (SIGKILL, bounded wait),
/// the namespace, the marker. Errors are ignored (parts may already be gone).
pub fn remove(ns: &str) {
    let _ = ip(&["-n", SWITCH_NS, "link", "del", &switch_port(ns)]);
    for _ in 0..50 {
        let pids = netns_pids(ns);
        if pids.is_empty() {
            break;
        }
        let _ = Command::new("kill")
            .arg("-KILL")
            .args(pids.iter().map(u32::to_string))
            .stderr(Stdio::null())
            .status();
        std::thread::sleep(Duration::from_millis(60));
    }
    if netns_list().iter().any(|n| n == ns) {
        let _ = ip(&["netns", "del", ns]);
    }
    let _ = std::fs::remove_file(marker(ns));
}

/// Removes the owned hosts whose owner process is gone; returns their names.
pub fn sweep_stale() -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(MARKERS) else {
        return Vec::new();
    };
    let mut gone = Vec::new();
    for entry in dir.flatten().take(10_000) {
        let ns = entry.file_name().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        let owner = text.lines().next().unwrap_or_default();
        let pid = owner.split_whitespace().next().and_then(|p| p.parse().ok());
        let alive = pid.and_then(identity).is_some_and(|id| id == owner.trim());
        if !alive && ns.starts_with("lab-t") {
            remove(&ns);
            gone.push(ns);
        }
    }
    gone
}

/// Every IPv4 address inside the lab /24 found in a JSON tree (lab.json lists every host).
fn json_ips(v: &serde_json::Value, net: [u8; 3], out: &mut Vec<Ipv4Addr>) {
    match v {
        serde_json::Value::String(s) => {
            if let Ok(a) = s.parse::<Ipv4Addr>() {
                if a.octets()[..3] == net {
                    out.push(a);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| json_ips(x, net, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| json_ips(x, net, out)),
        _ => {}
    }
}

/// Addresses in `net` on any interface of any named namespace or retired by a live owned
/// host (marker lines after the first), and the MACs of owned hosts.
fn in_use(net: [u8; 3]) -> (Vec<Ipv4Addr>, Vec<String>) {
    let (mut ips, mut macs) = (Vec::new(), Vec::new());
    for entry in std::fs::read_dir(MARKERS).into_iter().flatten().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        ips.extend(
            text.lines()
                .skip(1)
                .filter_map(|l| l.trim().parse::<Ipv4Addr>().ok()),
        );
    }
    for ns in netns_list() {
        let Ok(text) = ip(&["-n", &ns, "-j", "addr", "show"]) else {
            continue;
        };
        let links: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        for link in links.as_array().into_iter().flatten() {
            if ns.starts_with("lab-t") {
                if let Some(m) = link["address"].as_str() {
                    macs.push(m.to_string());
                }
            }
            for a in link["addr_info"].as_array().into_iter().flatten() {
                if let Some(Ok(addr)) = a["local"].as_str().map(str::parse::<Ipv4Addr>) {
                    if addr.octets()[..3] == net {
                        ips.push(addr);
                    }
                }
            }
        }
    }
    (ips, macs)
}

impl OwnHost {
    /// A new host on the lab bridge: namespace `lab-t<tag>-<pid><n>` (≤ 15 characters, so
    /// the switch port name fits too), a free address from [`RANGE`], MAC `mac_prefix:NN`
    /// with NN free among owned hosts, `eth0` up with a default route to the lab's
    /// dead-end gateway, IPv6 off (no chatter), and a gratuitous ARP for its address.
    /// `tag`: 1–3 of `[a-z0-9]`.
    pub fn create(lab: &Lab, tag: &str, mac_prefix: [u8; 5]) -> OwnHost {
        assert!(
            (1..=3).contains(&tag.len())
                && tag
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
            "tag {tag:?}: 1-3 of [a-z0-9]"
        );
        let subnet = lab.truth["subnet"].as_str().expect("lab.json subnet");
        let (base, len) = subnet.split_once('/').expect("subnet a.b.c.d/len");
        assert_eq!(len, "24", "owned hosts assume the lab's /24, not {subnet}");
        let base: Ipv4Addr = base.parse().expect("subnet address");
        let net = [base.octets()[0], base.octets()[1], base.octets()[2]];
        let gateway = lab.truth["gateway"]
            .as_str()
            .and_then(|g| g.parse().ok())
            .expect("lab.json gateway");
        let mut lab_ips = Vec::new();
        json_ips(&lab.truth, net, &mut lab_ips);

        let lock = Lock::take();
        sweep_stale();
        let existing = netns_list();
        let pid = base36(std::process::id());
        let ns = (0..36)
            .map(|_| {
                let n = SERIAL.fetch_add(1, Ordering::Relaxed) % 36;
                format!("lab-t{tag}-{pid}{}", base36(n as u32))
            })
            .find(|n| !existing.contains(n))
            .expect("a free namespace name (36 tries)");
        assert!(ns.len() <= 15, "{ns}: longer than an interface name");
        let (used_ips, used_macs) = in_use(net);
        let mac = (1..=254u8)
            .map(|n| mac_string(mac_prefix, n))
            .find(|m| !used_macs.contains(m))
            .expect("a free MAC (254 per prefix)");
        let mut host = OwnHost {
            ns,
            ip: Ipv4Addr::UNSPECIFIED,
            mac,
            net,
            gateway,
            lab_ips,
        };
        host.ip = host.free_ip(&used_ips);
        std::fs::create_dir_all(MARKERS).expect("marker dir");
        let me = identity(std::process::id()).expect("own /proc/self/stat");
        std::fs::write(marker(&host.ns), format!("{me}\n")).expect("write marker");
        if let Err(e) = host.plug() {
            remove(&host.ns);
            panic!("owned host {}: {e}", host.ns);
        }
        drop(lock);
        host.announce();
        host
    }

    /// The lab-up.sh `host()` steps, then IPv6 off.
    fn plug(&self) -> Result<(), String> {
        let (ns, port, me, gw) = (&self.ns, switch_port(&self.ns), self.ip, self.gateway);
        ipl(&format!("netns add {ns}"))?;
        ipl(&format!("-n {ns} link set lo up"))?;
        ipl(&format!(
            "-n {SWITCH_NS} link add {port} type veth peer name eth0 netns {ns}"
        ))?;
        ipl(&format!(
            "-n {SWITCH_NS} link set {port} master {BRIDGE} up"
        ))?;
        ipl(&format!("-n {ns} link set eth0 address {}", self.mac))?;
        let st = self
            .command("sysctl")
            .args(["-qw", "net.ipv6.conf.all.disable_ipv6=1"])
            .status()
            .map_err(|e| format!("sysctl in {ns}: {e}"))?;
        if !st.success() {
            return Err(format!("sysctl in {ns}: {st}"));
        }
        ipl(&format!("-n {ns} addr add {me}/24 dev eth0"))?;
        ipl(&format!("-n {ns} link set eth0 up"))?;
        ipl(&format!("-n {ns} route add default via {gw} dev eth0"))?;
        Ok(())
    }

    /// A free address of [`RANGE`] (not `used`, not a lab.json host, not ours), starting
    /// at a random point so that a just-released address is rarely handed out again.
    fn free_ip(&self, used: &[Ipv4Addr]) -> Ipv4Addr {
        let span = usize::from(RANGE.end() - RANGE.start()) + 1;
        let start = fastrand::usize(..span);
        (0..span)
            .map(|i| {
                let last = RANGE.start() + ((start + i) % span) as u8;
                Ipv4Addr::new(self.net[0], self.net[1], self.net[2], last)
            })
            .find(|a| *a != self.ip && !used.contains(a) && !self.lab_ips.contains(a))
            .expect("a free address in the owned range")
    }

    /// A gratuitous ARP for our address (refreshes neighbours' stale entries for it).
    fn announce(&self) {
        let me = self.ip.to_string();
        let _ = self
            .command("arping")
            .args([
                "-q", "-U", "-c", "1", "-w", "0", "-i", "eth0", "-S", &me, &me,
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }

    /// Moves to a new free address of [`RANGE`] (same MAC, same processes: sockets bound
    /// to 0.0.0.0 keep listening) and announces it; returns it. The old address is handed
    /// to no other owned host while this one lives.
    pub fn readdress(&mut self) -> Ipv4Addr {
        let lock = Lock::take();
        let (used, _) = in_use(self.net);
        let new = self.free_ip(&used);
        let (ns, old, gw) = (&self.ns, self.ip, self.gateway);
        must(&format!("-n {ns} addr del {old}/24 dev eth0"));
        must(&format!("-n {ns} addr add {new}/24 dev eth0"));
        must(&format!("-n {ns} route replace default via {gw} dev eth0"));
        let mut m = std::fs::OpenOptions::new()
            .append(true)
            .open(marker(ns))
            .expect("own marker");
        writeln!(m, "{old}").expect("retire the old address");
        self.ip = new;
        drop(lock);
        self.announce();
        new
    }

    pub fn ns(&self) -> &str {
        &self.ns
    }

    pub fn ip(&self) -> Ipv4Addr {
        self.ip
    }

    /// Lower-case, colon-separated, as `ip link` prints it.
    pub fn mac(&self) -> &str {
        &self.mac
    }

    /// `program` run inside this host's namespace.
    pub fn command(&self, program: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.ns, program]);
        c
    }

    /// Does something accept TCP on our address at `port`? Probed from inside this host
    /// (lab-up.sh's `wait_tcp` does the same: it keeps the detector's ARP cache clean).
    pub fn accepts(&self, port: u16) -> bool {
        self.command("nc")
            .args(["-z", "-w", "1", &self.ip.to_string(), &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Polls [`OwnHost::accepts`] until it holds or `within` passes (or `alive` says the
    /// server died); returns whether it accepted.
    pub fn wait_accepting(
        &self,
        port: u16,
        within: Duration,
        mut alive: impl FnMut() -> bool,
    ) -> bool {
        let end = Instant::now() + within;
        while Instant::now() < end {
            if self.accepts(port) {
                return true;
            }
            if !alive() {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

impl Drop for OwnHost {
    fn drop(&mut self) {
        remove(&self.ns);
    }
}

fn base36(mut n: u32) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut s = Vec::new();
    loop {
        s.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    s.reverse();
    String::from_utf8(s).expect("ascii")
}

fn mac_string(prefix: [u8; 5], last: u8) -> String {
    let mut b = prefix.to_vec();
    b.push(last);
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}
