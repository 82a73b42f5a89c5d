//! The process's allocator tuning (two glibc calls: with [`crate::caps`], the crate's only
//! `unsafe`).
//!
//! glibc gives each thread that finds the arenas busy a malloc arena of its own (up to 8
//! per core) and keeps it, and it returns freed memory to the system only from the top of
//! a heap. With the service's worker and pass threads the RSS then crept up for dozens of
//! discovery passes although nothing leaks (lab, 20 passes: 7.7 → 8.8 MiB over passes
//! 4–20). [`limit_arenas`] (at start) caps the arenas at two; [`trim`] (after each pass)
//! hands every free page of every arena back. musl has neither knob nor the problem.

/// At most two malloc arenas, unless the user set MALLOC_ARENA_MAX. Call first thing in
/// `main`, before any other thread exists.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets an allocator parameter; glibc serialises it against
        // allocations, and nothing else runs yet.
        #[allow(unsafe_code)]
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}

/// Returns the free pages of every malloc arena to the system (after a discovery pass,
/// whose buffers are gone by then). Costs a walk over the arenas' free lists: well under
/// a millisecond for the service's few MiB.
pub fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: malloc_trim takes each arena's lock and only releases free memory; it is
        // safe to call from any thread at any time.
        #[allow(unsafe_code)]
        unsafe {
            libc::malloc_trim(0);
        }
    }
}

/// Bytes the program holds in malloc'ed blocks right now (all arenas, mmapped blocks
/// included), or `None` where the allocator cannot say. Unlike RSS it does not count
/// free memory the allocator keeps, so it shows a leak as a leak. (glibc's `mallinfo`:
/// its `int` fields wrap past 2 GiB, far beyond this service; it exists back to the 2.17
/// floor of the armv7 release, `mallinfo2` does not.)
#[must_use]
pub fn in_use() -> Option<u64> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallinfo takes each arena's lock and returns a plain struct by value.
        #[allow(unsafe_code, deprecated)]
        let m = unsafe { libc::mallinfo() };
        #[allow(clippy::cast_sign_loss)]
        let bytes = |v: libc::c_int| u64::from(v as u32);
        Some(bytes(m.uordblks) + bytes(m.hblkhd))
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        None
    }
}
