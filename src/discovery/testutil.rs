//! Helpers shared by the unit tests of several modules: a configuration from a few
//! variables, and the one interface the tests' hosts live on.
use crate::config::Config;
use crate::discovery::net::Iface;
use std::collections::HashMap;
use std::net::Ipv4Addr;

/// The configuration of `vars` (every other variable unset), node id `node`.
pub fn config(vars: &[(&str, &str)]) -> Config {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Config::from_lookup(|k| map.get(k).cloned(), "node").expect("a valid configuration")
}

/// `eth0`, 10.0.0.2/24, up, multicast.
pub fn eth0() -> Iface {
    Iface {
        name: "eth0".into(),
        index: 2,
        ip: Ipv4Addr::new(10, 0, 0, 2),
        prefix: 24,
        mac: None,
        up: true,
        loopback: false,
        multicast: true,
    }
}
