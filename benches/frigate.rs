//! Frigate file numbers for docs/frigate.md (`cargo bench --bench frigate`; the numbers are
//! sizes and counts, so `--profile dev` gives the same): the size of the generated file for
//! 6 and 250 cameras, direct and through go2rtc, with passwords and with placeholders, and
//! the connections each camera gets. The cameras are like the lab's: a main stream
//! (1920x1080) and a sub stream (640x480, so it detects) behind `admin` and a password, one
//! in six with a main stream only.
use camera_detector::config::Credential;
use camera_detector::frigate::{plan, render_yaml, FrigateOptions, Passwords};
use camera_detector::model::{Camera, Stream, Transport};
use std::net::Ipv4Addr;

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
}
