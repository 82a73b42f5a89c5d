//! The brand hint of a camera's web page: one `GET /` on port 80 of a host with an open RTSP
//! port whose brand nothing else named, read for its `Server` header and HTML `<title>`.
//! [`parse`] is pure (bytes in, hints out); [`fetch`] is the socket shell (one connection,
//! timeouts on every step, at most [`MAX_BYTES`] read, no redirect followed).
use crate::camdb::Brand;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// Bytes of the answer read at most (head and the start of the page).
pub const MAX_BYTES: usize = 16 * 1024;

/// What the web page says about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpHint {
    pub server: Option<String>,
    pub title: Option<String>,
}

impl HttpHint {
    /// The brand the `Server` header names, else the one the title names, with which of
    /// the two named it (`http-server`, `http-title`).
    #[must_use]
    pub fn brand(&self) -> Option<(Brand, &'static str)> {
        let server = self.server.as_deref().and_then(Brand::from_hint);
        server.map(|b| (b, "http-server")).or_else(|| {
            let title = self.title.as_deref().and_then(Brand::from_hint)?;
            Some((title, "http-title"))
        })
    }
}

/// The `Server` header and `<title>` of an HTTP answer (possibly cut short). Texts are
/// trimmed and clipped to 128 characters; `None` when absent or not an HTTP answer.
#[must_use]
pub fn parse(bytes: &[u8]) -> HttpHint {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_BYTES)]);
    if !text.starts_with("HTTP/") {
        return HttpHint::default();
    }
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let clip = |s: &str| -> Option<String> {
        let s: String = s
            .trim()
            .chars()
            .filter(|c| !c.is_control())
            .take(128)
            .collect();
        (!s.is_empty()).then_some(s)
    };
    let server = head.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case("server").then(|| clip(v))?
    });
    let lower = body.to_ascii_lowercase();
    let title = lower.find("<title").and_then(|i| {
        let open = i + lower[i..].find('>')? + 1;
        let close = open + lower[open..].find("</title")?;
        clip(body.get(open..close)?)
    });
    HttpHint { server, title }
}

/// `GET /` on `ip:port` with `timeout` for the connect and for the whole answer.
#[must_use]
pub fn fetch(ip: Ipv4Addr, port: u16, timeout: Duration) -> Option<HttpHint> {
    let end = Instant::now() + timeout;
    let mut s = TcpStream::connect_timeout(&SocketAddr::from((ip, port)), timeout).ok()?;
    s.set_write_timeout(Some(timeout)).ok()?;
    let req = format!(
        "GET / HTTP/1.0\r\nHost: {ip}\r\nUser-Agent: camera-detector\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).ok()?;
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    while buf.len() < MAX_BYTES {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        s.set_read_timeout(Some(left)).ok()?;
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    Some(parse(&buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Header and title of a typical camera page; case and spacing do not matter.
    #[test]
    fn server_header_and_title() {
        let page =
            b"HTTP/1.1 200 OK\r\nSERVER:  Hikvision-Webs \r\nContent-Type: text/html\r\n\r\n\
                     <html><head><TITLE> Dahua WEB SERVICE </TITLE></head></html>";
        let h = parse(page);
        assert_eq!(h.server.as_deref(), Some("Hikvision-Webs"));
        assert_eq!(h.title.as_deref(), Some("Dahua WEB SERVICE"));
        assert_eq!(
            h.brand().map(|(b, s)| (b.id(), s)),
            Some(("hikvision", "http-server"))
        );
        let only_title = parse(b"HTTP/1.0 200 OK\r\n\r\n<title>AXIS</title>");
        assert_eq!(
            only_title.brand().map(|(b, s)| (b.id(), s)),
            Some(("axis", "http-title"))
        );
    }

    /// Anything else gives nothing, never a panic: not HTTP, cut short, no title end,
    /// binary, an RTSP answer on the web port.
    #[test]
    fn junk_gives_no_hint() {
        for bytes in [
            &b""[..],
            b"RTSP/1.0 200 OK\r\nServer: Hikvision\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nServer",
            b"HTTP/1.1 200 OK\r\n\r\n<title>never closed",
            &[0xff, 0xfe, 0x00, 0x80],
        ] {
            let h = parse(bytes);
            assert_eq!(h.brand(), None, "{bytes:?}");
        }
        let long = format!("HTTP/1.1 200 OK\r\nServer: {}\r\n\r\n", "x".repeat(1000));
        assert_eq!(parse(long.as_bytes()).server.map(|s| s.len()), Some(128));
    }

    /// Against a listener on 127.0.0.1: one request, the answer read to its end.
    #[test]
    fn fetch_reads_one_answer() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = l.local_addr().expect("addr").port();
        let server = std::thread::spawn(move || {
            let (mut c, _) = l.accept().expect("accept");
            let mut req = [0u8; 512];
            let n = c.read(&mut req).expect("read");
            c.write_all(b"HTTP/1.0 200 OK\r\nServer: Reolink\r\n\r\n<title>x</title>")
                .expect("write");
            String::from_utf8_lossy(&req[..n]).to_string()
        });
        let h = fetch(Ipv4Addr::LOCALHOST, port, Duration::from_secs(2)).expect("answer");
        assert_eq!(h.brand().map(|(b, _)| b.id()), Some("reolink"));
        assert!(server
            .join()
            .expect("server")
            .starts_with("GET / HTTP/1.0\r\n"));
    }
}
