//! A throw-away network namespace with nothing but its loopback (`cdmq-<pid>-<tag>`): a
//! broker and the service run inside it, so discovery may run (it finds no interface but
//! `lo`, and every address it contacts is that namespace's own) and no packet can reach any
//! other network. Deleted on drop, also when the test panics.
use std::process::Command;

pub struct LoNs {
    pub name: String,
}

fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("run ip");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr).trim()
    );
}

impl LoNs {
    /// Creates the namespace (needs root) with `lo` up.
    pub fn new(tag: &str) -> LoNs {
        let name = format!("cdmq-{}-{tag}", std::process::id());
        let _ = Command::new("ip").args(["netns", "del", &name]).output();
        ip(&["netns", "add", &name]);
        let ns = LoNs { name };
        ip(&["-n", &ns.name, "link", "set", "lo", "up"]);
        ns
    }

    /// `program` inside the namespace, started through a shell that first checks it is
    /// there (exit 97 otherwise).
    pub fn command(&self, program: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name, "sh", "-c"])
            .arg(format!(
                r#"[ "$(ip netns identify $$)" = "{}" ] || {{ echo "not in {}" >&2; exit 97; }}; exec "$@""#,
                self.name, self.name
            ))
            .arg("sh")
            .arg(program);
        c
    }
}

impl Drop for LoNs {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .output();
    }
}

/// Whether this process may create namespaces (root); prints a loud SKIP line when not.
pub fn can_netns() -> bool {
    let uid = Command::new("id").arg("-u").output().map(|o| o.stdout);
    let root = uid.is_ok_and(|u| String::from_utf8_lossy(&u).trim() == "0");
    if !root {
        eprintln!("\n*** SKIPPED: creating network namespaces needs root. ***\n");
    }
    root
}
