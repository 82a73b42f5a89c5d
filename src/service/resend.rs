//! When to send a live camera's discovery record again (current contract): the web
//! dashboard counts a camera active only while its last discovery message is under 300 s
//! old, and drops more than 30 camera messages a minute. So records go out one at a time,
//! evenly spread: every `period / live cameras`, the live camera whose record went out
//! longest ago (a record sent for a change counts). Each live camera is then re-sent
//! about once a `period` (DISCOVERY_RESEND_INTERVAL, 240 s by default), at
//! `live / period` messages a second in all. Pure: `now` is an argument.
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The re-send clock.
#[derive(Debug, Clone)]
pub struct Resend {
    period: Duration,
    last: HashMap<String, Instant>,
    next: Instant,
}

impl Resend {
    /// Re-sends each live camera about every `period`; the first turn is now (so a burst of
    /// records sent together is spread out within one period).
    #[must_use]
    pub fn new(period: Duration, now: Instant) -> Self {
        Resend {
            period: period.max(Duration::from_secs(1)),
            last: HashMap::new(),
            next: now,
        }
    }

    /// A record of `id` went out at `now` (new, changed or re-sent).
    pub fn sent(&mut self, id: &str, now: Instant) {
        self.last.insert(id.to_owned(), now);
    }

    /// `id` is gone.
    pub fn forget(&mut self, id: &str) {
        self.last.remove(id);
    }

    /// The camera to re-send now, if a turn is due; `live` are the ids of the cameras
    /// online. Call again by [`Resend::next`].
    pub fn poll<'a>(
        &mut self,
        now: Instant,
        live: impl IntoIterator<Item = &'a str>,
    ) -> Option<String> {
        if now < self.next {
            return None;
        }
        let mut count = 0u32;
        let mut oldest: Option<(&str, Option<Instant>)> = None;
        for id in live {
            count += 1;
            let at = self.last.get(id).copied();
            // Never sent (None) sorts first; then the earliest; ties by id.
            let older = match oldest {
                None => true,
                Some((o_id, o_at)) => (at, id) < (o_at, o_id),
            };
            if older {
                oldest = Some((id, at));
            }
        }
        self.next = now + self.period / count.max(1);
        let id = oldest?.0.to_owned();
        self.sent(&id, now);
        Some(id)
    }

    /// When [`Resend::poll`] may have something next.
    #[must_use]
    pub fn next(&self) -> Instant {
        self.next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `secs` of virtual time with `n` live cameras, all first sent at t0 (a restore
    /// burst) and camera 0 also changed every 7 s; returns the longest time any camera went
    /// without a record and the most re-sends in any minute.
    fn run(n: usize, secs: u64) -> (Duration, usize) {
        let t0 = Instant::now();
        let period = Duration::from_secs(240);
        let ids: Vec<String> = (0..n).map(|i| format!("cam{i:03}")).collect();
        let mut r = Resend::new(period, t0);
        let mut last_sent: Vec<Instant> = vec![t0; n];
        for id in &ids {
            r.sent(id, t0);
        }
        let mut longest = Duration::ZERO;
        let mut resends: Vec<Instant> = Vec::new();
        let mut now = t0;
        let end = t0 + Duration::from_secs(secs);
        while now < end {
            if (now - t0).as_secs() % 7 == 0 {
                r.sent(&ids[0], now);
                last_sent[0] = now;
            }
            if let Some(id) = r.poll(now, ids.iter().map(String::as_str)) {
                let i = ids.iter().position(|x| *x == id).unwrap();
                longest = longest.max(now - last_sent[i]);
                last_sent[i] = now;
                resends.push(now);
            }
            now += Duration::from_millis(250);
        }
        for &l in &last_sent {
            longest = longest.max(end - l);
        }
        let per_minute = resends
            .iter()
            .map(|&t| {
                resends
                    .iter()
                    .filter(|&&u| u >= t && u < t + Duration::from_secs(60))
                    .count()
            })
            .max()
            .unwrap_or(0);
        (longest, per_minute)
    }

    #[test]
    fn every_live_camera_is_resent_inside_the_dashboards_window_at_an_even_pace() {
        for n in [1, 6, 100] {
            let (longest, per_minute) = run(n, 3600);
            assert!(
                longest < Duration::from_secs(300),
                "{n} cameras: {longest:?}"
            );
            // n / 4 a minute at the 240 s period (one more for rounding at the edges).
            assert!(
                per_minute <= n / 4 + 1,
                "{n} cameras: {per_minute} in a minute"
            );
        }
    }

    #[test]
    fn nothing_is_due_before_its_turn_or_without_live_cameras() {
        let t0 = Instant::now();
        let mut r = Resend::new(Duration::from_secs(240), t0);
        assert_eq!(r.poll(t0, ["a"]), Some("a".to_owned()));
        assert_eq!(r.poll(t0 + Duration::from_secs(239), ["a"]), None);
        let at = r.next();
        assert_eq!(r.poll(at, std::iter::empty()), None);
        assert_eq!(r.next(), at + Duration::from_secs(240));
        r.forget("a");
        assert_eq!(
            r.poll(r.next(), ["b", "a"]),
            Some("a".to_owned()),
            "never sent, by id"
        );
    }
}
