//! A camera one test owns and may mutate: an [`OwnHost`] on the lab bridge with a Reolink
//! OUI MAC (`ec:71:db:7e:57:NN`, so the vendor hint works) running the lab's
//! gst-rtsp-cam.py (gst-rtsp-server: Digest auth, H.264 main 640x360 and sub 320x180 on the
//! Reolink paths) exactly as scripts/lab/lab-up.sh runs its cameras, or other mounts of the
//! same server ([`OwnCamera::start_with`]: e.g. parameter sets only in-band, MJPEG, UDP
//! only). The test can move it to a new address (same MAC), stop and start its RTSP server;
//! dropping it kills its processes and deletes its namespace, also when the test panicked.
//!
//! Lab tests that assert the lab's exact inventory (a scan that must find exactly the six
//! lab cameras) would see an owned camera: such tests and the tests that own lab hosts
//! (modules `lab_world*`, `lab_fixtures`) share the nextest group `lab-inventory`
//! (.config/nextest.toml: one test at a time).
use super::lab::Lab;
use super::ownhost::OwnHost;
use std::fs::File;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::Duration;

/// Reolink's OUI, then a marker byte pair; the last byte is allocated per camera.
pub const MAC_PREFIX: [u8; 5] = [0xec, 0x71, 0xdb, 0x7e, 0x57];
pub const RTSP_PORT: u16 = 554;
pub const MAIN_PATH: &str = "/h264Preview_01_main";
pub const SUB_PATH: &str = "/h264Preview_01_sub";
/// What [`OwnCamera::start`] serves (gst-rtsp-cam.py `--mount` specs).
pub const REOLINK_MOUNTS: [&str; 2] = [
    "/h264Preview_01_main:h264:640x360:10",
    "/h264Preview_01_sub:h264:320x180:5",
];
pub const USER: &str = "admin";
/// No `,` or `:` (CAMERA_CREDENTIALS syntax); a `!` to exercise percent-encoding.
pub const PASSWORD: &str = "owncam!T3st";
/// How long the RTSP server may take to accept connections after a start.
pub const START_WITHIN: Duration = Duration::from_secs(20);

pub struct OwnCamera {
    rtsp: Option<Child>,
    mounts: Vec<String>,
    password: String,
    logs: tempfile::TempDir,
    starts: u32,
    /// Dropped after [`OwnCamera`]'s `drop` has stopped the RTSP server.
    host: OwnHost,
}

impl OwnCamera {
    /// A running camera (RTSP accepting on [`RTSP_PORT`] within [`START_WITHIN`]).
    /// `tag` (1–3 of `[a-z0-9]`) goes into the namespace name.
    pub fn start(lab: &Lab, tag: &str) -> OwnCamera {
        Self::build(lab, tag, PASSWORD, &REOLINK_MOUNTS)
    }

    /// As [`OwnCamera::start`], serving `mounts` (gst-rtsp-cam.py `--mount` specs:
    /// `path:codec:WxH:fps[:flags]`) with the same port and credentials.
    pub fn start_with(lab: &Lab, tag: &str, mounts: &[&str]) -> OwnCamera {
        Self::build(lab, tag, PASSWORD, mounts)
    }

    /// As [`OwnCamera::start`], with user [`USER`] and `password` (any text: it reaches
    /// gst-rtsp-cam.py as one argv word).
    pub fn start_with_password(lab: &Lab, tag: &str, password: &str) -> OwnCamera {
        Self::build(lab, tag, password, &REOLINK_MOUNTS)
    }

    fn build(lab: &Lab, tag: &str, password: &str, mounts: &[&str]) -> OwnCamera {
        let mut cam = OwnCamera {
            rtsp: None,
            mounts: mounts.iter().map(|m| m.to_string()).collect(),
            password: password.to_owned(),
            logs: tempfile::tempdir().expect("temp dir"),
            starts: 0,
            host: OwnHost::create(lab, tag, MAC_PREFIX),
        };
        cam.start_rtsp();
        cam
    }

    pub fn ip(&self) -> Ipv4Addr {
        self.host.ip()
    }

    /// `ec:71:db:7e:57:NN` (lower case).
    pub fn mac(&self) -> &str {
        self.host.mac()
    }

    /// The namespace (`ip netns exec <ns> ...`).
    pub fn ns(&self) -> &str {
        self.host.ns()
    }

    pub fn port(&self) -> u16 {
        RTSP_PORT
    }

    /// `rtsp://<ip>:554/h264Preview_01_main`, without credentials (see `lab::with_creds`).
    pub fn main_url(&self) -> String {
        self.url(MAIN_PATH)
    }

    pub fn sub_url(&self) -> String {
        self.url(SUB_PATH)
    }

    /// `rtsp://<ip>:554<path>`, without credentials.
    pub fn url(&self, path: &str) -> String {
        format!("rtsp://{}:{RTSP_PORT}{path}", self.ip())
    }

    /// (user, password) for RTSP Digest.
    pub fn credentials(&self) -> (&str, &str) {
        (USER, &self.password)
    }

    /// New free address, same MAC, the RTSP server keeps running (it listens on 0.0.0.0);
    /// open sessions to the old address die. Sends a gratuitous ARP for the new address.
    pub fn move_to_new_ip(&mut self) -> Ipv4Addr {
        self.host.readdress()
    }

    /// SIGKILL to the RTSP server: the port refuses connections afterwards (checked).
    pub fn stop_rtsp(&mut self) {
        if let Some(mut c) = self.rtsp.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let closed = (0..100).any(|_| {
            let open = self.host.accepts(RTSP_PORT);
            if open {
                std::thread::sleep(Duration::from_millis(50));
            }
            !open
        });
        assert!(
            closed,
            "{}:{RTSP_PORT} still accepting after stop",
            self.ip()
        );
    }

    /// Starts the RTSP server (same port, paths, credentials); returns once it accepts
    /// connections (bounded by [`START_WITHIN`]). No-op while it runs.
    pub fn start_rtsp(&mut self) {
        if self.rtsp_running() {
            return;
        }
        self.starts += 1;
        let log_path = self.log_path();
        let log = File::options()
            .create(true)
            .append(true)
            .open(&log_path)
            .expect("camera log");
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/lab/gst-rtsp-cam.py");
        let mut command = self.host.command("/usr/bin/python3");
        command
            .arg(script)
            .args(["--port", &RTSP_PORT.to_string(), "--auth", "digest"])
            .args(["--user", USER, "--password", &self.password]);
        for m in &self.mounts {
            command.args(["--mount", m]);
        }
        let child = command
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log fd"))
            .stderr(log)
            .spawn()
            .expect("start gst-rtsp-cam.py");
        self.rtsp = Some(child);
        let rtsp = &mut self.rtsp;
        let up = self.host.wait_accepting(RTSP_PORT, START_WITHIN, || {
            rtsp.as_mut()
                .is_some_and(|c| c.try_wait().ok().flatten().is_none())
        });
        assert!(
            up,
            "owned camera {} ({}): RTSP not accepting on :{RTSP_PORT} within {START_WITHIN:?}; log:\n{}",
            self.ns(),
            self.ip(),
            self.log()
        );
    }

    /// Is the RTSP server process alive?
    pub fn rtsp_running(&mut self) -> bool {
        self.rtsp
            .as_mut()
            .is_some_and(|c| c.try_wait().ok().flatten().is_none())
    }

    /// The RTSP server's pid while it runs.
    pub fn rtsp_pid(&self) -> Option<u32> {
        self.rtsp.as_ref().map(Child::id)
    }

    /// How many times the RTSP server was started.
    pub fn starts(&self) -> u32 {
        self.starts
    }

    fn log_path(&self) -> PathBuf {
        self.logs.path().join("gst-rtsp-cam.log")
    }

    /// The RTSP server's output (all starts).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }
}

impl Drop for OwnCamera {
    fn drop(&mut self) {
        if let Some(mut c) = self.rtsp.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        // `host` drops next: switch port, leftover processes, namespace, marker.
    }
}
