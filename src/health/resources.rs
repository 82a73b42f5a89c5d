//! The process's CPU and memory, for the current contract's health `resources`: parsed
//! from the text of `/proc/self/stat`, `/proc/self/status` and `/proc/meminfo` (pure
//! parsers; [`Sampler::read`] is the thin shell that reads the files). CPU percent is the
//! CPU time used between two samples over the wall time between them.
use crate::contract::current::Resources;
use std::time::Instant;

/// Clock ticks per second of `/proc/self/stat` (USER_HZ: 100 on every Linux architecture
/// this service is built for).
const TICKS: f64 = 100.0;

/// user + system CPU seconds from the text of `/proc/<pid>/stat`.
#[must_use]
pub fn cpu_seconds(stat: &str) -> Option<f64> {
    // Fields after the command name's `)`: state is field 3, utime 14 and stime 15.
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / TICKS)
}

/// The value in kB of `key` (`VmRSS`, `MemTotal`) in `/proc/self/status` or `/proc/meminfo`.
#[must_use]
pub fn kib(text: &str, key: &str) -> Option<f64> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        if k.trim() != key {
            return None;
        }
        v.split_whitespace().next()?.parse().ok()
    })
}

/// Keeps the previous CPU sample.
#[derive(Debug, Default, Clone)]
pub struct Sampler {
    last: Option<(Instant, f64)>,
}

impl Sampler {
    /// Resources at `now` from the three files' text; `None` if any does not parse.
    pub fn sample(
        &mut self,
        now: Instant,
        stat: &str,
        status: &str,
        meminfo: &str,
    ) -> Option<Resources> {
        let cpu = cpu_seconds(stat)?;
        let rss = kib(status, "VmRSS")?;
        let total = kib(meminfo, "MemTotal").filter(|t| *t > 0.0)?;
        let cpu_percent = match self.last {
            Some((t, c)) if now > t => (cpu - c).max(0.0) / (now - t).as_secs_f64() * 100.0,
            _ => 0.0,
        };
        self.last = Some((now, cpu));
        Some(Resources {
            cpu_percent: round1(cpu_percent),
            memory_percent: round1(rss / total * 100.0),
            memory_mb: round1(rss / 1024.0),
        })
    }

    /// [`Sampler::sample`] of this process, now.
    pub fn read(&mut self) -> Option<Resources> {
        let read = |p: &str| std::fs::read_to_string(p).ok();
        let (stat, status, meminfo) = (
            read("/proc/self/stat")?,
            read("/proc/self/status")?,
            read("/proc/meminfo")?,
        );
        self.sample(Instant::now(), &stat, &status, &meminfo)
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A real `/proc/self/stat` line (a command name with a space and a paren).
    const STAT: &str = "4242 (camera det)) S 1 4242 4242 0 -1 4194560 1234 0 0 0 150 50 0 0 20 0 19 0 123456 40960000 500 18446744073709551615 1 1 0 0 0 0 0 4096 17926 0 0 0 17 1 0 0 0 0 0";
    const STATUS: &str =
        "Name:\tcamera-detector\nVmPeak:\t   40000 kB\nVmRSS:\t    2048 kB\nThreads:\t19\n";
    const MEMINFO: &str = "MemTotal:        1024000 kB\nMemFree:          500000 kB\n";

    #[test]
    fn parses_cpu_time_rss_and_total_memory() {
        assert_eq!(cpu_seconds(STAT), Some(2.0));
        assert_eq!(kib(STATUS, "VmRSS"), Some(2048.0));
        assert_eq!(kib(MEMINFO, "MemTotal"), Some(1_024_000.0));
        assert_eq!(kib(MEMINFO, "VmRSS"), None);
        assert_eq!(cpu_seconds("garbage"), None);
    }

    #[test]
    fn cpu_percent_is_cpu_time_over_wall_time_between_samples() {
        let t = Instant::now();
        let mut s = Sampler::default();
        let first = s.sample(t, STAT, STATUS, MEMINFO).unwrap();
        assert_eq!(first.cpu_percent, 0.0);
        assert_eq!(first.memory_mb, 2.0);
        assert_eq!(first.memory_percent, 0.2);
        // One more second of CPU over ten seconds: 10 %.
        let later = STAT.replace(" 150 50 ", " 200 100 ");
        let r = s
            .sample(t + Duration::from_secs(10), &later, STATUS, MEMINFO)
            .unwrap();
        assert_eq!(r.cpu_percent, 10.0);
    }
}
