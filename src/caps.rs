//! CAP_NET_RAW at start: if the process holds it in its *permitted* set but not in its
//! *effective* one, it is raised (`capset(2)`), so raw ARP works for a non-root user.
//!
//! Why: a container runtime gives a non-root user the capabilities of `cap_add` only in the
//! bounding and inheritable sets (Docker: moby issue 8460; Podman puts them in the ambient
//! set, but the kernel clears that set when the binary carries file capabilities). The
//! image therefore marks the binary `cap_net_raw=p` (permitted, no effective bit): with
//! `cap_add: [NET_RAW]` the kernel puts it in the permitted set at exec, without it the
//! binary still starts (an effective bit would make exec fail). Nothing but CAP_NET_RAW is
//! ever raised, nothing is lowered, and a failure is a warning: the service then uses the
//! kernel's ARP table, as without the capability. Only the calling thread's sets change
//! and threads inherit them, so [`raise_net_raw`] runs before any thread is started.
//!
//! [`plan`] is the pure decision; [`read`] and [`raise_net_raw`] are the thin shell over
//! `capget`/`capset` (the crate's only unsafe code besides [`crate::alloc`]).

/// CAP_NET_RAW's bit number (linux/capability.h).
pub const CAP_NET_RAW: u32 = 13;

/// A thread's three capability sets, one bit per capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sets {
    pub effective: u64,
    pub permitted: u64,
    pub inheritable: u64,
}

/// What [`plan`] found for CAP_NET_RAW.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetRaw {
    /// Already effective (root, or Podman's ambient set without file capabilities).
    Effective,
    /// Permitted, not effective: set these sets (effective gains CAP_NET_RAW alone).
    Raise(Sets),
    /// Not permitted: nothing to do (the ARP code says what it falls back to).
    Absent,
}

/// Decides, from the current sets, whether and how to raise CAP_NET_RAW.
#[must_use]
pub fn plan(now: Sets) -> NetRaw {
    let bit = 1u64 << CAP_NET_RAW;
    if now.effective & bit != 0 {
        NetRaw::Effective
    } else if now.permitted & bit != 0 {
        NetRaw::Raise(Sets {
            effective: now.effective | bit,
            ..now
        })
    } else {
        NetRaw::Absent
    }
}

/// `_LINUX_CAPABILITY_VERSION_3`: 64-bit sets as two 32-bit halves.
const VERSION_3: u32 = 0x2008_0522;

#[repr(C)]
struct Header {
    version: u32,
    pid: libc::c_int,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct Data {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

fn join(lo: u32, hi: u32) -> u64 {
    u64::from(lo) | (u64::from(hi) << 32)
}

fn split(v: u64) -> (u32, u32) {
    // Truncation on purpose: the low and the high half.
    #[allow(clippy::cast_possible_truncation)]
    (v as u32, (v >> 32) as u32)
}

/// The calling thread's capability sets (`capget(2)`).
///
/// # Errors
/// The system call's error.
pub fn read() -> std::io::Result<Sets> {
    let mut hdr = Header {
        version: VERSION_3,
        pid: 0,
    };
    let mut data = [Data::default(); 2];
    // SAFETY: capget writes at most two `Data` (version 3) into `data` and reads `hdr`;
    // both live for the call and have the kernel's layout (repr(C), three u32 / u32+int).
    #[allow(unsafe_code)]
    let rc = unsafe {
        libc::syscall(
            libc::SYS_capget,
            std::ptr::addr_of_mut!(hdr),
            data.as_mut_ptr(),
        )
    };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(Sets {
        effective: join(data[0].effective, data[1].effective),
        permitted: join(data[0].permitted, data[1].permitted),
        inheritable: join(data[0].inheritable, data[1].inheritable),
    })
}

fn write(s: Sets) -> std::io::Result<()> {
    let mut hdr = Header {
        version: VERSION_3,
        pid: 0,
    };
    let (e0, e1) = split(s.effective);
    let (p0, p1) = split(s.permitted);
    let (i0, i1) = split(s.inheritable);
    let data = [
        Data {
            effective: e0,
            permitted: p0,
            inheritable: i0,
        },
        Data {
            effective: e1,
            permitted: p1,
            inheritable: i1,
        },
    ];
    // SAFETY: capset reads `hdr` and two `Data` (version 3), alive for the call; it only
    // changes the calling thread's sets, within what the kernel allows (effective ⊆ permitted).
    #[allow(unsafe_code)]
    let rc = unsafe { libc::syscall(libc::SYS_capset, std::ptr::addr_of_mut!(hdr), data.as_ptr()) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Raises a permitted CAP_NET_RAW into the effective set, with one log line when it does
/// (INFO) or fails (WARN). Call before starting any thread. Returns what it found.
pub fn raise_net_raw() -> Option<NetRaw> {
    let now = match read() {
        Ok(s) => s,
        Err(e) => {
            log::warn!("capabilities: capget failed: {e}; raw ARP only if already allowed");
            return None;
        }
    };
    let what = plan(now);
    match what {
        NetRaw::Effective => log::debug!("capabilities: CAP_NET_RAW effective"),
        NetRaw::Absent => log::debug!("capabilities: no CAP_NET_RAW (kernel ARP table only)"),
        NetRaw::Raise(sets) => match write(sets) {
            Ok(()) => log::info!(
                "capabilities: CAP_NET_RAW raised from the permitted to the effective set (raw ARP)"
            ),
            Err(e) => log::warn!(
                "capabilities: CAP_NET_RAW is permitted but could not be made effective: {e}; \
                 using the kernel's ARP table"
            ),
        },
    }
    Some(what)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RAW: u64 = 1 << CAP_NET_RAW;
    const CHOWN: u64 = 1;
    const HIGH: u64 = 1 << 40; // CAP_CHECKPOINT_RESTORE, in the upper half

    fn sets(effective: u64, permitted: u64, inheritable: u64) -> Sets {
        Sets {
            effective,
            permitted,
            inheritable,
        }
    }

    #[test]
    fn permitted_but_not_effective_gains_net_raw_alone() {
        let now = sets(CHOWN, RAW | CHOWN | HIGH, RAW);
        assert_eq!(
            plan(now),
            NetRaw::Raise(sets(CHOWN | RAW, RAW | CHOWN | HIGH, RAW))
        );
    }

    #[test]
    fn already_effective_or_absent_changes_nothing() {
        assert_eq!(plan(sets(RAW, RAW, 0)), NetRaw::Effective);
        assert_eq!(plan(sets(u64::MAX, u64::MAX, 0)), NetRaw::Effective);
        // In the inheritable (Docker's non-root user) or bounding set only: not ours to take.
        assert_eq!(plan(sets(0, 0, RAW)), NetRaw::Absent);
        assert_eq!(plan(sets(CHOWN, CHOWN | HIGH, 0)), NetRaw::Absent);
    }

    #[test]
    fn halves_round_trip() {
        for v in [0, RAW, HIGH | RAW, u64::MAX, 0x1_0000_0000] {
            let (lo, hi) = split(v);
            assert_eq!(join(lo, hi), v);
        }
    }

    /// capget agrees with what the kernel shows in /proc/thread-self/status.
    #[test]
    fn read_matches_proc_status() {
        let s = read().expect("capget");
        let status = std::fs::read_to_string("/proc/thread-self/status").expect("status");
        let field = |name: &str| {
            let line = status.lines().find(|l| l.starts_with(name)).expect("field");
            u64::from_str_radix(line[name.len()..].trim(), 16).expect("hex")
        };
        assert_eq!(s.effective, field("CapEff:"));
        assert_eq!(s.permitted, field("CapPrm:"));
        assert_eq!(s.inheritable, field("CapInh:"));
    }
}
