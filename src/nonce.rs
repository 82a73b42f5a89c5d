//! Nonces from the operating system's generator (`getrandom`): the WS-Security
//! UsernameToken nonce and the HTTP/RTSP Digest client nonce, which a peer must not be able
//! to predict. What needs no secrecy (backoff jitter, WS-Discovery message ids, the decoy
//! path) uses `fastrand`.
use std::sync::atomic::{AtomicBool, Ordering};

/// `N` random bytes from the OS. Should the OS refuse (no `getrandom(2)`, no
/// `/dev/urandom`), the bytes come from `fastrand` and one warning says so.
#[must_use]
pub fn bytes<const N: usize>() -> [u8; N] {
    static WARNED: AtomicBool = AtomicBool::new(false);
    let mut b = [0u8; N];
    if let Err(e) = getrandom::fill(&mut b) {
        if !WARNED.swap(true, Ordering::Relaxed) {
            log::warn!("nonce: the OS random generator failed ({e}); using a weaker one");
        }
        fastrand::fill(&mut b);
    }
    b
}

/// A Digest `cnonce`: 64 random bits as 16 lower-case hex digits.
#[must_use]
pub fn cnonce() -> String {
    format!("{:016x}", u64::from_ne_bytes(bytes::<8>()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_have_their_shape_and_differ() {
        let c = cnonce();
        assert_eq!(c.len(), 16);
        assert!(c
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        // 2^-64 to fail by chance.
        assert_ne!(cnonce(), cnonce());
        assert_ne!(bytes::<16>(), bytes::<16>());
    }
}
