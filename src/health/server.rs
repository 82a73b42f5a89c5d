//! The HTTP health endpoint: a std `TcpListener` served by one thread (`health-http`), one
//! connection at a time, one request per connection. Each connection gets [`READ_LIMIT`]
//! in all to deliver its request head (a deadline, not a per-read timeout, so a client
//! trickling bytes cannot stretch it) and [`WRITE_LIMIT`] to take the answer; a head over
//! [`super::http::MAX_HEAD`] or garbage is answered at once and closed. So a
//! hostile client costs at most its deadline, and the queue behind it is the kernel's
//! listen backlog. The codec is [`super::http`].
use super::http::{parse_request, route, Head, MAX_HEAD};
use super::Status;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The most one client may take to send its request head.
pub const READ_LIMIT: Duration = Duration::from_millis(1000);
/// The most one client may take to accept the response.
pub const WRITE_LIMIT: Duration = Duration::from_millis(1000);

/// Binds `addr` and serves it on a thread of its own (for the process's life).
///
/// # Errors
/// The bind (port taken, address not local: the caller logs it and goes on without the
/// endpoint), or a thread that cannot be spawned.
pub fn spawn(addr: SocketAddr, status: Status) -> std::io::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = TcpListener::bind(addr)?;
    let local = listener.local_addr()?;
    let handle = std::thread::Builder::new()
        .name("health-http".into())
        .stack_size(128 * 1024)
        .spawn(move || serve(&listener, &status))?;
    Ok((local, handle))
}

fn serve(listener: &TcpListener, status: &Status) {
    for conn in listener.incoming() {
        match conn {
            Ok(stream) => handle(stream, status),
            // A client that went away before accept, or too many open files for a moment.
            Err(e) => {
                log::debug!("health endpoint: accept: {e}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

/// Reads one request head by the deadline, answers, closes.
fn handle(mut stream: TcpStream, status: &Status) {
    let peer = stream
        .peer_addr()
        .map_or_else(|_| "?".to_owned(), |a| a.to_string());
    let head = read_head(&mut stream, Instant::now() + READ_LIMIT);
    if !matches!(head, Head::Request { .. }) {
        log::debug!("health endpoint: {peer}: {head:?}");
    }
    let response = route(
        &head,
        || status.verdict(),
        || (status.verdict(), status.metrics()),
    );
    let _ = stream.set_write_timeout(Some(WRITE_LIMIT));
    if let Err(e) = stream.write_all(&response.to_bytes()) {
        log::debug!("health endpoint: {peer}: write: {e}");
    }
    let _ = stream.shutdown(Shutdown::Both);
}

/// Reads until the head is complete, refused, or `deadline` passes ([`Head::Incomplete`]).
fn read_head(stream: &mut TcpStream, deadline: Instant) -> Head {
    let mut buf = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return Head::Incomplete;
        }
        match stream.read(&mut chunk) {
            Ok(0) => return Head::Incomplete,
            Ok(n) => {
                let room = (MAX_HEAD + 4).saturating_sub(buf.len());
                buf.extend_from_slice(&chunk[..n.min(room)]);
                match parse_request(&buf) {
                    Head::Incomplete => {}
                    done => return done,
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return Head::Incomplete,
        }
    }
}
