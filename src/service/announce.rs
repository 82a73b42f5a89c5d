//! What the camera side tells the world: registry changes as the configured contract's
//! messages ([`Contracts`]), the current contract's periodic re-sends ([`Resend`]), and,
//! after each full pass, the Frigate file and its (capped) MQTT copy. Runs on the service
//! thread; sending is a `try_send` into the publisher's queue.
use super::resend::Resend;
use crate::config::Config;
use crate::contract::{cap_frigate, Contracts, Publishing};
use crate::frigate::{self, FrigateOptions};
use crate::model::Camera;
use crate::publish::{Message, Publisher};
use crate::registry::{Change, Now, Registry};
use std::sync::Arc;
use std::time::Instant;

/// The outgoing side of [`super::cameras::Cameras`].
pub struct Announcer {
    cfg: Arc<Config>,
    contracts: Contracts,
    publisher: Publisher,
    /// Current contract only, DISCOVERY_RESEND_INTERVAL not 0.
    resend: Option<Resend>,
    frigate: FrigateOptions,
    last_frigate: Option<String>,
    /// Cameras left out of the Frigate file, each warned about once (camera, reason).
    frigate_warned: Vec<(String, String)>,
    /// The MQTT copy was capped last time (logged once per change of that).
    capped: Option<(usize, usize)>,
}

impl Announcer {
    /// Publishing through `publisher`; the re-send clock (current contract) starts at `now`.
    #[must_use]
    pub fn new(cfg: Arc<Config>, publisher: Publisher, now: Instant) -> Self {
        let contracts = Contracts::from_config(&cfg);
        let resend = cfg
            .mqtt
            .resend_interval
            .filter(|_| cfg.mqtt.contract.current())
            .map(|p| Resend::new(p, now));
        Announcer {
            contracts,
            publisher,
            resend,
            frigate: FrigateOptions::from_config(&cfg),
            last_frigate: None,
            frigate_warned: Vec::new(),
            capped: None,
            cfg,
        }
    }

    /// Publishes `changes` (read from `registry`, which already holds them), made at `now`.
    pub fn changes(&mut self, registry: &Registry, changes: &[Change], now: Now) {
        let p = Publishing::from_config(&self.cfg);
        let (wall, now) = (now.wall, now.mono);
        for ch in changes {
            let msgs = match ch {
                Change::New(id) | Change::Updated(id) => match registry.get(id) {
                    Some(r) => {
                        if let Some(rs) = &mut self.resend {
                            rs.sent(id, now);
                        }
                        self.contracts.discovery(r, &p, wall)
                    }
                    None => Vec::new(),
                },
                Change::Status(id, s) => registry
                    .get(id)
                    .map(|r| self.contracts.status(r, *s, &p, wall))
                    .unwrap_or_default(),
                Change::Removed(id) => {
                    if let Some(rs) = &mut self.resend {
                        rs.forget(id);
                    }
                    self.contracts.removal(id)
                }
            };
            for m in msgs {
                self.send(m);
            }
        }
    }

    /// Re-sends the record whose turn it is (current contract); returns when to call again
    /// (`None`: never).
    pub fn resend_due(&mut self, registry: &Registry, now: Instant) -> Option<Instant> {
        let rs = self.resend.as_mut()?;
        let live = registry
            .cameras()
            .filter(|c| c.online)
            .map(|c| c.id.as_str());
        if let Some(id) = rs.poll(now, live) {
            let p = Publishing::from_config(&self.cfg);
            if let Some(m) = registry.get(&id).and_then(|r| self.contracts.resend(r, &p)) {
                self.send(m);
            }
        }
        self.resend.as_ref().map(Resend::next)
    }

    /// After a full pass and after changes between passes: the Frigate file and its MQTT
    /// form, only when their text changed (a camera going offline and back changes nothing
    /// Frigate reads); the reload trigger only when the file changed (or cannot be written,
    /// MQTT then being Frigate's only way to learn of the change). One WARN per camera left
    /// out.
    pub fn frigate(&mut self, cams: &[Camera]) {
        if !self.cfg.frigate_update_enabled {
            return;
        }
        let cfg = &self.cfg;
        let (yaml, left_out) = frigate::render_file(cams, &cfg.credentials, &self.frigate);
        let now: Vec<(String, String)> =
            left_out.into_iter().map(|l| (l.camera, l.reason)).collect();
        for (camera, reason) in &now {
            if !self
                .frigate_warned
                .iter()
                .any(|(c, r)| c == camera && r == reason)
            {
                log::warn!("frigate: camera {camera} left out of the config: {reason}");
            }
        }
        self.frigate_warned = now;
        if self.last_frigate.as_deref() == Some(yaml.as_str()) {
            return;
        }
        let reload = match frigate::write_if_changed(&cfg.frigate_config_path, &yaml) {
            Ok(changed) => {
                log::info!(
                    "frigate: {} {}",
                    cfg.frigate_config_path.display(),
                    if changed { "written" } else { "unchanged" }
                );
                changed
            }
            Err(e) => {
                log::warn!("frigate: {e}");
                true
            }
        };
        self.last_frigate = Some(yaml);
        if !self.contracts.contract.legacy() {
            return; // the current stack never publishes it
        }
        let json = frigate::render_json(
            cams,
            &cfg.credentials,
            &self.frigate,
            cfg.publish_credentials,
        );
        let bytes = match cap_frigate(&json, cfg.mqtt.max_payload) {
            Some(c) => {
                if c.capped != self.capped {
                    if let Some((kept, total)) = c.capped {
                        log::warn!(
                            "frigate: the MQTT copy holds {kept} of {total} cameras (MQTT_MAX_PAYLOAD {} bytes); the file has them all",
                            cfg.mqtt.max_payload
                        );
                    }
                    self.capped = c.capped;
                }
                c.bytes
            }
            // Not even the config without cameras fits: the publisher refuses and counts it.
            None => serde_json::to_vec(&json).unwrap_or_default(),
        };
        for m in self
            .contracts
            .frigate(bytes, &cfg.frigate_reload_topic, reload)
        {
            self.send(m);
        }
    }

    fn send(&self, m: Message) {
        if let Err(e) = self.publisher.publish(m) {
            log::warn!("not queued: {e}");
        }
    }
}

#[cfg(test)]
#[path = "announce_tests.rs"]
mod tests;
