//! A throw-away network namespace with nothing but its loopback (`cdmq-<pid>-<tag>`): a
//! broker and the service run inside it, so discovery may run (it finds no interface but
//! `lo`, and every address it contacts is that namespace's own) and no packet can reach any
//! other network. Deleted on drop, also when the test panics.
pub use crate::scan_ns::netns::can_netns;
use crate::scan_ns::netns::ip;
use std::process::Command;

pub struct LoNs {
    pub name: String,
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
