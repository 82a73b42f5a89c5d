//! The thin socket shell around the RTSP codec: proves that one URL plays. OPTIONS,
//! DESCRIBE (answering the challenge the server sends; Basic only when it asks for it),
//! SETUP over TCP-interleaved (UDP when the server answers 461), PLAY until the first RTP
//! packet of the video track, TEARDOWN. Every socket operation has a timeout; every error
//! names host, port and phase, and never a password (URLs here carry no userinfo).
//!
//! This module owns the one-URL [`probe`]; the result and error types are
//! [`super::outcome`]'s (re-exported here), the connection that runs the phases (and can be
//! reused for several DESCRIBEs) is [`Conn`].
pub use super::conn::{Conn, Described};
pub use super::outcome::{split_url, Playable, ProbeError, Stream, Timeouts, Transport};
use crate::secret::Credential;

/// Plays `url` far enough to see RTP, with `cred` (user, password) if the server asks (and
/// in the path where `url` has credential markers): OPTIONS, DESCRIBE, then [`Conn::play`]
/// on one connection.
///
/// # Errors
/// See [`ProbeError`]; `Unauthorized { with_credentials: true }` means wrong credentials.
pub fn probe(url: &str, cred: Option<(&str, &str)>, t: &Timeouts) -> Result<Playable, ProbeError> {
    let (host, port, url) = split_url(url).ok_or_else(|| ProbeError::BadUrl(url.to_string()))?;
    // Credential markers in the path (a camera that takes them in the URL) are filled on
    // the wire only; the result names the URL with its markers.
    let (user, pass) = cred.unwrap_or(("admin", ""));
    let wire = crate::camdb::fill_credentials(&url, user, pass);
    let mut c = Conn::open(&host, port, t)?;
    c.set_credential(cred);
    c.options(&wire)?;
    let d = c.describe(&wire)?;
    let mut played = c.play(&d)?;
    played.stream.url = url;
    Ok(played)
}

/// [`probe`] with each of `creds` in turn (each sent only when the server asks), as the
/// `probe` command does: a 401 with one credential tries the next, any other failure ends
/// it. Without credentials, one probe without. Returns the stream and the credential that
/// opened it (`None`: none was asked for, or there was none).
///
/// # Errors
/// The last failure: `Unauthorized` when every credential was refused.
pub fn probe_each<'c>(
    url: &str,
    creds: &'c [Credential],
    t: &Timeouts,
) -> Result<(Playable, Option<&'c Credential>), ProbeError> {
    let mut last = None;
    let tries: Vec<Option<&Credential>> = if creds.is_empty() {
        vec![None]
    } else {
        creds.iter().map(Some).collect()
    };
    for cred in tries {
        let pair = cred.map(|c| (c.username.as_str(), c.password.expose()));
        match probe(url, pair, t) {
            Ok(p) => return Ok((p, cred)),
            // 401 with these credentials: the next pair may do.
            Err(e @ ProbeError::Unauthorized { .. }) => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| ProbeError::BadUrl(url.to_owned())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_refused_connection_names_host_port_and_phase() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        let t = Timeouts {
            connect: Duration::from_millis(500),
            phase: Duration::from_millis(500),
        };
        let e = probe(&format!("rtsp://127.0.0.1:{port}/x"), None, &t).unwrap_err();
        assert!(
            e.to_string()
                .starts_with(&format!("rtsp 127.0.0.1:{port} connect:")),
            "{e}"
        );
    }
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod replay_tests;
