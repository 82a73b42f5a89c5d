//! A loopback TCP proxy for tests and benches: adds a one-way delay in each direction
//! (RTT = 2 × delay) and can go "down" (cuts every connection, closes new ones at once),
//! which to a client looks like a broker that vanished. Only 127.0.0.1 is ever used.
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Proxy {
    pub port: u16,
    down: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    /// Listens on a free 127.0.0.1 port and forwards to 127.0.0.1:`upstream`.
    pub fn start(upstream: u16, one_way_delay: Duration) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let port = listener.local_addr().expect("proxy addr").port();
        let p = Proxy {
            port,
            down: Arc::new(AtomicBool::new(false)),
            stop: Arc::new(AtomicBool::new(false)),
            conns: Arc::new(Mutex::new(Vec::new())),
        };
        let (down, stop, conns) = (p.down.clone(), p.stop.clone(), p.conns.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stop.load(SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                if down.load(SeqCst) {
                    drop(client);
                    continue;
                }
                let Ok(server) = TcpStream::connect_timeout(
                    &([127, 0, 0, 1], upstream).into(),
                    Duration::from_secs(2),
                ) else {
                    continue;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                if let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) {
                    let mut g = conns.lock().unwrap();
                    g.push(c2);
                    g.push(s2);
                }
                pump(&client, &server, one_way_delay);
                pump(&server, &client, one_way_delay);
            }
        });
        p
    }

    /// Down: cut every open connection and refuse new ones; up: forward again.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, SeqCst);
        if down {
            for s in self.conns.lock().unwrap().drain(..) {
                let _ = s.shutdown(Shutdown::Both);
            }
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, SeqCst);
        self.set_down(true);
        let _ = TcpStream::connect(("127.0.0.1", self.port)); // wake accept()
    }
}

/// Copies `from` → `to`; each chunk is written `delay` after it was read.
fn pump(from: &TcpStream, to: &TcpStream, delay: Duration) {
    let (Ok(mut r), Ok(mut w)) = (from.try_clone(), to.try_clone()) else {
        return;
    };
    let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match r.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if tx
                        .send((Instant::now() + delay, buf[..n].to_vec()))
                        .is_err()
                    {
                        break;
                    }
                }
            }
        }
    });
    std::thread::spawn(move || {
        for (due, chunk) in rx {
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            }
            if w.write_all(&chunk).is_err() {
                break;
            }
        }
        let _ = w.shutdown(Shutdown::Write);
    });
}
