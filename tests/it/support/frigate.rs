//! The Frigate file as Frigate, go2rtc and ffmpeg would open its cameras, for lab tests:
//! the go2rtc sources of a generated file, and ffprobe from lab-det on exactly the URL the
//! library's model says each consumer passes (camera_detector::frigate::model).
use super::lab::Lab;
use camera_detector::frigate::{model, plan};

/// `go2rtc.streams` of a generated file: (name, source), in file order. The generator
/// writes one `    name: "source"` line each; `\"` and `\\` are its only escapes there.
pub fn go2rtc_streams(yaml: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = yaml.lines().skip_while(|l| *l != "go2rtc:").skip(2);
    for line in lines.by_ref() {
        let Some(entry) = line.strip_prefix("    ") else {
            break;
        };
        let (name, value) = entry.split_once(": \"").expect("name: \"source\"");
        let value = value.strip_suffix('"').expect("closing quote");
        out.push((
            name.trim_matches('"').to_owned(),
            value.replace("\\\"", "\"").replace("\\\\", "\\"),
        ));
    }
    out
}

/// ffprobe's (codec, width, height) of a go2rtc `source` as go2rtc opens it: formatted
/// once with `env`, options after `#` cut; go2rtc's own RTSP client is TCP only, an
/// `ffmpeg:` source runs ffmpeg with go2rtc's `-rtsp_flags prefer_tcp`.
pub fn play_go2rtc(lab: &Lab, source: &str, env: &[(&str, &str)]) -> (String, u64, u64) {
    let s = model::py_format(source, env).expect("go2rtc starts");
    match s.strip_prefix("ffmpeg:") {
        Some(input) => lab.ffprobe_with(cut(input), &["-rtsp_flags", "prefer_tcp"]),
        None => lab.ffprobe(cut(&s), "tcp"),
    }
}

fn cut(s: &str) -> &str {
    s.split('#').next().unwrap_or(s)
}

/// ffprobe's (codec, width, height) of an `ffmpeg.inputs[].path` as Frigate hands it to
/// ffmpeg (two format passes with `env`, its re-encoding), over UDP for
/// `preset-rtsp-udp`, else TCP (Frigate's default preset).
pub fn play_input(
    lab: &Lab,
    path: &str,
    input_args: Option<&str>,
    env: &[(&str, &str)],
) -> (String, u64, u64) {
    let url = model::frigate_input(path, env).expect("Frigate accepts the path");
    let transport = if input_args == Some(plan::UDP_PRESET) {
        "udp"
    } else {
        "tcp"
    };
    lab.ffprobe(&url, transport)
}

/// A probe result that is a playing video stream.
pub fn plays(p: &(String, u64, u64)) -> bool {
    p.0.starts_with('h') && p.1 > 0 && p.2 > 0
}
