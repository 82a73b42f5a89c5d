//! Per-camera concurrency limit shared by the probe worker threads: at most `per_host`
//! probes of one IP at a time, so a camera does not see a burst of logins and lock us out.
//! Blocking with a bounded wait on a `Condvar` (no busy wait); the deadline is an argument.
use parking_lot::{Condvar, Mutex};
use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::time::Instant;

/// Probes in flight per IP.
#[derive(Debug)]
pub struct HostThrottle {
    per_host: usize,
    state: Mutex<State>,
    freed: Condvar,
}

#[derive(Debug, Default)]
struct State {
    busy: HashMap<Ipv4Addr, usize>,
    /// Threads blocked in `acquire` (all IPs).
    waiting: usize,
}

/// A slot for one probe of one IP; released on drop.
#[derive(Debug)]
#[must_use = "the slot is released when the guard is dropped"]
pub struct HostGuard<'a> {
    throttle: &'a HostThrottle,
    ip: Ipv4Addr,
}

impl HostThrottle {
    /// At most `per_host` (at least 1) probes per IP at once; the detector uses 2.
    #[must_use]
    pub fn new(per_host: usize) -> Self {
        HostThrottle {
            per_host: per_host.max(1),
            state: Mutex::new(State::default()),
            freed: Condvar::new(),
        }
    }

    /// Waits until `ip` has a free slot, or `deadline` passes (`None`).
    pub fn acquire(&self, ip: Ipv4Addr, deadline: Instant) -> Option<HostGuard<'_>> {
        let mut st = self.state.lock();
        loop {
            let n = st.busy.entry(ip).or_insert(0);
            if *n < self.per_host {
                *n += 1;
                return Some(HostGuard { throttle: self, ip });
            }
            st.waiting += 1;
            let timed_out = self.freed.wait_until(&mut st, deadline).timed_out();
            st.waiting -= 1;
            if timed_out && st.busy.get(&ip).copied().unwrap_or(0) >= self.per_host {
                return None;
            }
        }
    }

    /// Probes of `ip` in flight.
    #[must_use]
    pub fn in_flight(&self, ip: Ipv4Addr) -> usize {
        self.state.lock().busy.get(&ip).copied().unwrap_or(0)
    }

    /// Threads blocked in [`HostThrottle::acquire`].
    #[must_use]
    pub fn waiting(&self) -> usize {
        self.state.lock().waiting
    }
}

impl Drop for HostGuard<'_> {
    fn drop(&mut self) {
        let mut st = self.throttle.state.lock();
        if let Some(n) = st.busy.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                st.busy.remove(&self.ip);
            }
        }
        drop(st);
        self.throttle.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    const CAM: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
    const OTHER: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);

    #[test]
    fn two_slots_per_ip_and_the_third_waits_until_its_deadline() {
        let t = HostThrottle::new(2);
        let soon = || Instant::now() + Duration::from_millis(30);
        let a = t.acquire(CAM, soon()).expect("first slot");
        let b = t.acquire(CAM, soon()).expect("second slot");
        assert!(
            t.acquire(CAM, soon()).is_none(),
            "third slot while two are held"
        );
        assert!(
            t.acquire(OTHER, soon()).is_some(),
            "another IP is independent"
        );
        assert_eq!(t.in_flight(CAM), 2);
        drop(a);
        let c = t.acquire(CAM, soon()).expect("slot freed by drop");
        drop((b, c));
        assert_eq!(t.in_flight(CAM), 0);
    }

    #[test]
    fn a_waiting_thread_gets_the_slot_when_one_is_released() {
        let t = HostThrottle::new(2);
        let far = Instant::now() + Duration::from_secs(30);
        let a = t.acquire(CAM, far).expect("slot");
        let _b = t.acquire(CAM, far).expect("slot");
        std::thread::scope(|s| {
            let waiter = s.spawn(|| t.acquire(CAM, far).map(|_g| ()));
            // The waiter is blocked (both slots held) until `a` goes.
            while t.waiting() == 0 {
                std::thread::yield_now();
            }
            drop(a);
            assert_eq!(waiter.join().expect("waiter"), Some(()));
        });
    }

    #[test]
    fn many_threads_never_exceed_two_per_ip() {
        let t = HostThrottle::new(2);
        let (now, peak) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let far = Instant::now() + Duration::from_secs(60);
        std::thread::scope(|s| {
            for i in 0..8 {
                let (t, now, peak) = (&t, &now, &peak);
                s.spawn(move || {
                    for _ in 0..20 {
                        let ip = if i % 4 == 0 { OTHER } else { CAM };
                        let _g = t.acquire(ip, far).expect("slot within a minute");
                        if ip == CAM {
                            let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                            peak.fetch_max(n, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_micros(200));
                            now.fetch_sub(1, Ordering::SeqCst);
                        }
                    }
                });
            }
        });
        let peak = peak.load(Ordering::SeqCst);
        assert!((1..=2).contains(&peak), "peak {peak}");
        assert_eq!(t.in_flight(CAM), 0);
        assert_eq!(t.in_flight(OTHER), 0);
    }
}
