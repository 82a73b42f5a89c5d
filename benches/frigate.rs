//! Frigate file numbers for docs/frigate.md (`cargo bench --bench frigate`; the sizes and
//! counts are the same in any profile, the times are the release build's): the size of the
//! generated file for 6 and 250 cameras, direct and through go2rtc, with passwords and with
//! placeholders, and the connections each camera gets. Then, for docs/performance.md's scale
//! table (N = 10, 50, 250, 1000, the service's default settings): the retained health
//! messages (legacy and current contract), the Frigate file, its MQTT copy against
//! MQTT_MAX_PAYLOAD, and the time to render the file and to write it (atomic rename into a
//! temporary directory). BENCH_QUICK=1: one timing run instead of the best of five. The cameras are like the lab's: a main stream
//! (1920x1080) and a sub stream (640x480, so it detects) behind `admin` and a password, one
//! in six with a main stream only.
use camera_detector::config::{Config, Credential};
use camera_detector::contract::{cap_frigate, current, health_payload};
use camera_detector::frigate::{
    plan, render_json, render_yaml, write_if_changed, FrigateOptions, Passwords,
};
use camera_detector::model::{Camera, Stream, Transport};
use camera_detector::publish::{topics::CurrentTopics, MetricsSnapshot};
use std::net::Ipv4Addr;
use std::time::{Duration, Instant, SystemTime};

fn stream(url: String, size: (u32, u32)) -> Stream {
    Stream {
        url,
        codec: "h264".to_owned(),
        width: Some(size.0),
        height: Some(size.1),
        transport: Transport::Tcp,
    }
}

fn camera(i: usize) -> Camera {
    let ip = Ipv4Addr::new(192, 168, 10 + (i / 250) as u8, (i % 250 + 1) as u8);
    let mac = format!(
        "ec:71:db:{:02x}:{:02x}:{:02x}",
        i >> 16,
        (i >> 8) & 0xff,
        i & 0xff
    );
    let main = format!("rtsp://{ip}:554/cam/realmonitor?channel=1&subtype=0");
    let sub = (i % 6 != 5).then(|| {
        stream(
            format!("rtsp://{ip}:554/cam/realmonitor?channel=1&subtype=1"),
            (640, 480),
        )
    });
    Camera {
        id: mac.replace(':', ""),
        mac: Some(mac.clone()),
        name: format!("Camera-{}", &mac[6..]),
        main: Some(stream(main, (1920, 1080))),
        sub,
        username: Some("admin".to_owned()),
        credential_index: Some(0),
        stream_active: true,
        ..Camera::new(ip)
    }
}

fn main() {
    let creds = [Credential::new("admin", "Fire&Smoke#2024")];
    println!("| cameras | mode | passwords | file size |");
    println!("|---|---|---|---|");
    for n in [6, 250] {
        let cams: Vec<Camera> = (0..n).map(camera).collect();
        for go2rtc in [true, false] {
            for password_env in [false, true] {
                let o = FrigateOptions {
                    password_env,
                    go2rtc,
                    ..FrigateOptions::default()
                };
                let bytes = render_yaml(&cams, &creds, &o).len();
                println!(
                    "| {n} | {} | {} | {bytes} B ({:.1} KiB, {} B per camera) |",
                    if go2rtc { "go2rtc" } else { "direct" },
                    if password_env {
                        "placeholders"
                    } else {
                        "in the file"
                    },
                    bytes as f64 / 1024.0,
                    bytes / n,
                );
                if n == 6 && !password_env {
                    let p = plan(&cams, &creds, &o, Passwords::Plain);
                    let inputs: Vec<usize> = p.cameras.iter().map(|c| c.inputs.len()).collect();
                    let streams: Vec<usize> = p.cameras.iter().map(|c| c.streams.len()).collect();
                    println!(
                        "  connections per camera ({}): ffmpeg inputs {inputs:?}, go2rtc streams {streams:?}",
                        if go2rtc { "go2rtc" } else { "direct" }
                    );
                }
            }
        }
    }
    scale(&creds);
}

/// The best of `runs` timings of `f`.
fn best(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

/// The scale table: what the service renders and writes for N cameras, with its defaults.
fn scale(creds: &[Credential]) {
    let runs = if std::env::var_os("BENCH_QUICK").is_some() {
        1
    } else {
        5
    };
    let cfg = Config::from_lookup(|_| None, "bench").expect("the defaults are valid");
    let opts = FrigateOptions::from_config(&cfg);
    let dir = std::env::temp_dir().join(format!("cd-bench-frigate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let path = dir.join("config.yml");
    println!();
    println!("| cameras | health (legacy / current) | Frigate file | MQTT copy (cap {} B) | render | write |", cfg.mqtt.max_payload);
    println!("|---|---|---|---|---|---|");
    for n in [10, 50, 250, 1000] {
        let mut cams: Vec<Camera> = (0..n).map(camera).collect();
        for c in &mut cams {
            c.online = true;
        }
        let now = SystemTime::now();
        let legacy = health_payload(&cfg, &cams, &MetricsSnapshot::default(), now).len();
        let facts = current::ServiceFacts {
            uptime: Duration::from_secs(86_400),
            hostname: "gateway-01".to_owned(),
            pid: 4242,
            resources: Some(current::Resources {
                cpu_percent: 0.4,
                memory_percent: 0.1,
                memory_mb: 5.2,
            }),
            discovery_count: 12,
            scanning: false,
            steady_state: true,
            mqtt_connected: true,
        };
        let topics = CurrentTopics::new("");
        let cur = current::health_message(&topics, &cams, &facts, now)
            .payload
            .len();
        let yaml = render_yaml(&cams, creds, &opts);
        let json = render_json(&cams, creds, &opts, cfg.publish_credentials);
        let copy = match cap_frigate(&json, cfg.mqtt.max_payload) {
            Some(c) => match c.capped {
                Some((kept, total)) => format!("{} B, {kept} of {total} cameras", c.bytes.len()),
                None => format!("{} B, all", c.bytes.len()),
            },
            None => "does not fit".to_owned(),
        };
        let render = best(runs, || {
            std::hint::black_box(render_yaml(&cams, creds, &opts));
        });
        // A changed file each time (the first camera's name), as after a real change.
        let mut k = 0;
        let write = best(runs, || {
            k += 1;
            let text = format!("# {k}\n{yaml}");
            write_if_changed(&path, &text).expect("the file is written");
        });
        println!(
            "| {n} | {legacy} B / {cur} B | {:.1} KiB | {copy} | {:.2} ms | {:.2} ms |",
            yaml.len() as f64 / 1024.0,
            render.as_secs_f64() * 1000.0,
            write.as_secs_f64() * 1000.0,
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
