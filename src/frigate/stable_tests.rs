//! The Frigate file against the registry's transitions: a camera that flaps online/offline
//! (missed checks, stream errors, passes that find it again) never rewrites the file; it
//! changes when something Frigate reads changes (a new address, a new camera, a removal).
use super::tests::opts;
use super::*;
use crate::model::{Stream, Transport};
use crate::registry::tests::{at, disc, failed, found, ip, played, quick, settings, ID_A, MAC_A};
use crate::registry::{Registry, Settings};
use std::time::Duration;

const MAC_B: [u8; 6] = [0x44, 0x19, 0xb6, 0, 0, 0x0b];

fn creds() -> Vec<Credential> {
    vec![Credential {
        username: "admin".to_owned(),
        password: Secret::new("p@ss{w}:rd"),
    }]
}

/// Writes both modes' files under `dir` when their text changed; how many were written.
struct Files {
    dir: tempfile::TempDir,
    writes: usize,
}

impl Files {
    fn new() -> Self {
        Files {
            dir: tempfile::tempdir().expect("tempdir"),
            writes: 0,
        }
    }

    fn update(&mut self, reg: &Registry) {
        let cams: Vec<Camera> = reg.cameras().cloned().collect();
        for go2rtc in [false, true] {
            let o = FrigateOptions { go2rtc, ..opts() };
            let path = self.dir.path().join(format!("cameras-{go2rtc}.yml"));
            if write_if_changed(&path, render_yaml(&cams, &creds(), &o)).expect("write") {
                self.writes += 1;
            }
        }
    }

    fn text(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("cameras-true.yml")).expect("read")
    }
}

#[test]
fn a_hundred_online_offline_flaps_rewrite_nothing() {
    let mut reg = Registry::new(settings());
    reg.apply(disc(found(Some(MAC_A), ip(5))), at(0));
    reg.apply(disc(found(Some(MAC_B), ip(6))), at(0));
    let mut files = Files::new();
    files.update(&reg);
    assert_eq!(files.writes, 2, "the first write of each mode");
    let first = files.text();
    let mut t = 0;
    let mut transitions = 0;
    for flap in 0..100 {
        // Unseen past OFFLINE_THRESHOLD: offline (B keeps answering).
        t += 200;
        reg.apply(quick("4419b600000b", ip(6), true), at(t));
        let went = reg.tick(at(t));
        assert!(
            reg.get(ID_A).is_some_and(|c| !c.online),
            "flap {flap}: {went:?}"
        );
        files.update(&reg);
        // Back, three ways in turn: a quick check, a validation, a discovery pass.
        t += 10;
        let back = match flap % 3 {
            0 => quick(ID_A, ip(5), true),
            1 => played(ID_A, ip(5)),
            _ => disc(found(Some(MAC_A), ip(5))),
        };
        reg.apply(back, at(t));
        files.update(&reg);
        // A stream error and its recovery, and a validation that read no size.
        t += 10;
        reg.apply(failed(ID_A, ip(5)), at(t));
        files.update(&reg);
        let sizeless = crate::registry::Finding::Validated {
            id: ID_A.into(),
            ip: ip(5),
            stream: Some(Stream {
                url: format!("rtsp://{}:554/live", ip(5)),
                codec: "h264".into(),
                width: None,
                height: None,
                transport: Transport::Tcp,
            }),
        };
        reg.apply(sizeless, at(t));
        files.update(&reg);
        assert!(reg.get(ID_A).is_some_and(|c| c.online && c.stream_active));
        transitions += 2;
    }
    assert_eq!(transitions, 200);
    assert_eq!(files.writes, 2, "no rewrite in 100 flaps");
    assert_eq!(files.text(), first);
}

#[test]
fn what_frigate_reads_changes_the_file_once() {
    let s = Settings {
        remove_after: Some(Duration::from_secs(3600)),
        ..settings()
    };
    let mut reg = Registry::new(s);
    reg.apply(disc(found(Some(MAC_A), ip(5))), at(0));
    let mut files = Files::new();
    files.update(&reg);
    assert_eq!(files.writes, 2);
    // A new address (same MAC): one rewrite per mode, the URL follows.
    reg.apply(disc(found(Some(MAC_A), ip(9))), at(10));
    files.update(&reg);
    files.update(&reg);
    assert_eq!(files.writes, 4);
    assert!(
        files.text().contains("@10.0.0.9:554/live"),
        "{}",
        files.text()
    );
    // A second camera: one rewrite; the first camera's lines are untouched.
    let before_a: Vec<String> = files
        .text()
        .lines()
        .filter(|l| !l.contains("4419b600000b"))
        .map(str::to_owned)
        .collect();
    reg.apply(disc(found(Some(MAC_B), ip(6))), at(20));
    files.update(&reg);
    assert_eq!(files.writes, 6);
    let text = files.text();
    for line in before_a.iter().filter(|l| l.contains("4419b600000a")) {
        assert!(text.contains(line.as_str()), "{line} changed");
    }
    // Offline, then forgotten after CAMERA_REMOVE_AFTER: offline changes nothing, the
    // removal one rewrite.
    reg.apply(quick("4419b600000b", ip(6), true), at(300));
    reg.tick(at(300));
    files.update(&reg);
    assert_eq!(files.writes, 6, "offline is no change");
    reg.apply(quick("4419b600000b", ip(6), true), at(4000));
    let gone = reg.tick(at(4000));
    assert!(reg.get(ID_A).is_none(), "{gone:?}");
    files.update(&reg);
    assert_eq!(files.writes, 8);
    assert!(!files.text().contains("4419b600000a"));
}
