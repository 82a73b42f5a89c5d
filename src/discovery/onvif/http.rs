//! The thin HTTP shell under the ONVIF client: one SOAP POST, with ureq (sync, no TLS, no
//! runtime). Configured so that nothing happens behind the client's back: no redirect is
//! followed, no proxy is taken from the environment, 4xx/5xx bodies are returned (SOAP
//! faults ride on 400/401/500), every request has a total timeout and the body is read
//! through a size limit.
use std::time::Duration;

/// One SOAP request.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// `http://IP:port/path`.
    pub url: &'a str,
    /// The SOAP action URI, sent as the `action` parameter of the Content-Type.
    pub action: &'a str,
    /// `Authorization` header value, if any.
    pub authorization: Option<&'a str>,
    pub body: &'a str,
}

/// What the device answered, whatever the status.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    /// Every `WWW-Authenticate` value.
    pub www_authenticate: Vec<String>,
    /// The `Date` header: the device's clock when the SOAP reply is a refusal.
    pub date: Option<String>,
    pub body: Vec<u8>,
}

/// Why no reply came. No variant carries request data (URLs hold no secrets, but the
/// `Authorization` header would).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    #[error("no answer within {:.1} s", .0.as_secs_f64())]
    Timeout(Duration),
    #[error("connection refused")]
    Refused,
    #[error("response larger than {0} bytes")]
    TooLarge(usize),
    /// Anything else (reset, unreachable, malformed HTTP), already one line.
    #[error("{0}")]
    Other(String),
}

/// Sends SOAP requests. The real one is [`Ureq`]; tests script a device.
pub trait Transport {
    /// POSTs `req` and returns the reply of any status, waiting at most `timeout` in all and
    /// reading at most `max_body` bytes of body.
    fn post(
        &mut self,
        req: &Request<'_>,
        timeout: Duration,
        max_body: usize,
    ) -> Result<Reply, Failure>;
}

/// ureq agent for one interrogation (connections to the device are kept alive between
/// requests when the device allows it).
pub struct Ureq {
    agent: ureq::Agent,
}

impl Default for Ureq {
    fn default() -> Self {
        Self::new()
    }
}

impl Ureq {
    pub fn new() -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .user_agent("camera-detector")
            .max_idle_connections(4)
            .max_idle_connections_per_host(1)
            .build();
        Ureq {
            agent: config.new_agent(),
        }
    }
}

impl Transport for Ureq {
    fn post(
        &mut self,
        req: &Request<'_>,
        timeout: Duration,
        max_body: usize,
    ) -> Result<Reply, Failure> {
        let content_type = format!(
            "application/soap+xml; charset=utf-8; action=\"{}\"",
            req.action
        );
        let mut builder = self
            .agent
            .post(req.url)
            .config()
            .timeout_global(Some(timeout))
            .build()
            .header("Content-Type", &content_type);
        if let Some(auth) = req.authorization {
            builder = builder.header("Authorization", auth);
        }
        let mut resp = builder
            .send(req.body)
            .map_err(|e| failure(e, timeout, max_body))?;
        let headers = resp.headers();
        let www_authenticate = headers
            .get_all("www-authenticate")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect();
        let date = headers
            .get("date")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(max_body as u64)
            .read_to_vec()
            .map_err(|e| failure(e, timeout, max_body))?;
        Ok(Reply {
            status,
            www_authenticate,
            date,
            body,
        })
    }
}

fn failure(e: ureq::Error, timeout: Duration, max_body: usize) -> Failure {
    match e {
        ureq::Error::Timeout(_) => Failure::Timeout(timeout),
        ureq::Error::BodyExceedsLimit(_) => Failure::TooLarge(max_body),
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            Failure::Refused
        }
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            Failure::Timeout(timeout)
        }
        other => Failure::Other(one_line(&other.to_string())),
    }
}

fn one_line(s: &str) -> String {
    s.chars()
        .take(200)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    //! The ureq shell against a one-shot HTTP server on 127.0.0.1.
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::thread::JoinHandle;

    /// Accepts one connection, reads one request (headers + Content-Length body), writes
    /// `response`, keeps the connection open for `hold`, and returns the request.
    fn serve(response: Vec<u8>, hold: Duration) -> (String, JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "http://{}/onvif/device_service",
            listener.local_addr().unwrap()
        );
        let handle = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut req = Vec::new();
            let mut buf = [0u8; 4096];
            loop {
                let n = conn.read(&mut buf).unwrap();
                req.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&req).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let len = text
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap())
                        })
                        .unwrap_or(0);
                    if req.len() >= end + 4 + len || n == 0 {
                        break;
                    }
                }
                assert!(n > 0, "connection closed mid-request");
            }
            let _ = conn.write_all(&response);
            std::thread::sleep(hold);
            String::from_utf8_lossy(&req).to_string()
        });
        (url, handle)
    }

    fn request<'a>(url: &'a str, authorization: Option<&'a str>) -> Request<'a> {
        Request {
            url,
            action: "http://www.onvif.org/ver10/device/wsdl/GetDeviceInformation",
            authorization,
            body: "<s:Envelope/>",
        }
    }

    /// A 401 is a reply, not an error: status, every WWW-Authenticate value, Date and body.
    /// The request carried the SOAP content type with its action, the Authorization header
    /// and the body.
    #[test]
    fn a_401_is_returned_with_headers_and_body() {
        let body = "<html>401</html>";
        let response = format!(
            "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"a\"\r\nWWW-Authenticate: Digest realm=\"b\", nonce=\"n\"\r\nDate: Fri, 27 Nov 2026 03:35:57 GMT\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let (url, server) = serve(response.into_bytes(), Duration::ZERO);
        let reply = Ureq::new()
            .post(
                &request(&url, Some("Digest x")),
                Duration::from_secs(5),
                1024,
            )
            .unwrap();
        assert_eq!(reply.status, 401);
        assert_eq!(
            reply.www_authenticate,
            ["Basic realm=\"a\"", "Digest realm=\"b\", nonce=\"n\""]
        );
        assert_eq!(reply.date.as_deref(), Some("Fri, 27 Nov 2026 03:35:57 GMT"));
        assert_eq!(reply.body, body.as_bytes());
        let seen = server.join().unwrap().to_ascii_lowercase();
        assert!(
            seen.starts_with("post /onvif/device_service http/1.1\r\n"),
            "{seen}"
        );
        assert!(seen.contains("\r\ncontent-type: application/soap+xml; charset=utf-8; action=\"http://www.onvif.org/ver10/device/wsdl/getdeviceinformation\"\r\n"), "{seen}");
        assert!(seen.contains("\r\nauthorization: digest x\r\n"), "{seen}");
        assert!(seen.ends_with("\r\n\r\n<s:envelope/>"), "{seen}");
    }

    /// A body over the limit is an error of one line naming the limit.
    #[test]
    fn body_over_the_limit() {
        let mut response = b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n".to_vec();
        response.extend(std::iter::repeat_n(b'x', 5000));
        let (url, server) = serve(response, Duration::ZERO);
        let e = Ureq::new()
            .post(&request(&url, None), Duration::from_secs(5), 4096)
            .unwrap_err();
        assert_eq!(e, Failure::TooLarge(4096));
        assert_eq!(e.to_string(), "response larger than 4096 bytes");
        server.join().unwrap();
    }

    /// A server that never answers: a timeout (not a hang).
    #[test]
    fn silent_server_times_out() {
        let (url, server) = serve(Vec::new(), Duration::from_secs(2));
        let t = Duration::from_millis(300);
        let e = Ureq::new().post(&request(&url, None), t, 1024).unwrap_err();
        assert_eq!(e, Failure::Timeout(t));
        assert_eq!(e.to_string(), "no answer within 0.3 s");
        server.join().unwrap();
    }

    /// A redirect is returned as such, never followed (the credentials would go along).
    #[test]
    fn redirect_is_not_followed() {
        let response = b"HTTP/1.1 302 Found\r\nLocation: http://192.0.2.1/elsewhere\r\nContent-Length: 0\r\n\r\n";
        let (url, server) = serve(response.to_vec(), Duration::ZERO);
        let reply = Ureq::new()
            .post(
                &request(&url, Some("Basic eA==")),
                Duration::from_secs(5),
                1024,
            )
            .unwrap();
        assert_eq!(reply.status, 302);
        server.join().unwrap();
    }

    /// Nothing listening: connection refused.
    #[test]
    fn closed_port_is_refused() {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("http://127.0.0.1:{port}/onvif/device_service");
        let e = Ureq::new()
            .post(&request(&url, None), Duration::from_secs(5), 1024)
            .unwrap_err();
        assert_eq!(e, Failure::Refused);
    }
}
