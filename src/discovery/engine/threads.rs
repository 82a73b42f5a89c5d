//! The threads discovery passes run on, started once and kept for the process's life: the
//! worker pool for the pass's jobs (and the service's health checks), four lanes for the
//! pass itself (its coordinator and the scan, WS-Discovery and mDNS sources) and one mDNS
//! daemon.
//!
//! Why kept: glibc gives a thread that starts while others hold the arenas a fresh arena
//! and per-thread cache, and they stay when it ends. Six threads started per pass made
//! the service's RSS climb for the first dozen passes; with every thread kept, each pass
//! reuses the memory of the one before.
use crate::discovery::mdns;
use crate::discovery::pool::Pool;
use std::sync::Arc;

/// Threads a pass needs besides the workers: its coordinator and the three sources.
pub const LANES: usize = 4;

/// The worker pool, the pass lanes and the mDNS daemon; cheap to clone (shared).
#[derive(Clone)]
pub struct Threads {
    workers: Arc<Pool>,
    lanes: Arc<Pool>,
    mdns: Arc<mdns::Browser>,
}

impl Threads {
    /// `workers` job threads (`discovery-N`) and [`LANES`] pass threads (`pass-N`); the mDNS
    /// daemon starts with the first browse.
    ///
    /// # Errors
    /// When the OS refuses a thread.
    pub fn new(workers: usize) -> std::io::Result<Self> {
        Ok(Threads {
            workers: Arc::new(Pool::new(workers)?),
            lanes: Arc::new(Pool::named(LANES, "pass")?),
            mdns: Arc::new(mdns::Browser::default()),
        })
    }

    /// The job pool.
    #[must_use]
    pub fn workers(&self) -> &Pool {
        &self.workers
    }

    /// Number of job threads.
    #[must_use]
    pub fn size(&self) -> usize {
        self.workers.size()
    }

    /// Runs `task` on a pass lane (a source, or a pass's coordinator).
    pub(super) fn lane(&self, task: impl FnOnce() + Send + 'static) {
        self.lanes.submit(task);
    }

    /// The kept mDNS daemon.
    pub(super) fn mdns(&self) -> &mdns::Browser {
        &self.mdns
    }

    /// Stops taking work without waiting for what runs (shutdown: a validation may take
    /// RTSP_TIMEOUT, and exit must not wait for it).
    pub fn detach(self) {
        if let Ok(p) = Arc::try_unwrap(self.workers) {
            p.detach();
        }
        if let Ok(p) = Arc::try_unwrap(self.lanes) {
            p.detach();
        }
    }
}
