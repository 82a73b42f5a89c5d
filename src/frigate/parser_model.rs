//! A model of Frigate 0.17.2's config parser for the keys we write (its config schema, as
//! its own code applies it): unknown keys are errors at every level, camera names
//! match `^[a-zA-Z0-9_-]+$`, roles are `detect`/`record`/`audio` with each role on one input
//! and `detect` on exactly one, `stationary.interval` > 0, 0.17's retention keys, paths
//! that survive the two format passes (and stay within 1000 characters), go2rtc sources
//! that survive one, `live.streams` and restream inputs naming go2rtc streams. Test-only:
//! the property tests run every generated config through it.
use super::model;
use serde_json::{Map, Value};

type Env<'a> = [(&'a str, &'a str)];

fn obj<'v>(v: &'v Value, at: &str, allowed: &[&str]) -> Result<&'v Map<String, Value>, String> {
    let m = v.as_object().ok_or_else(|| format!("{at}: not a map"))?;
    if let Some(k) = m.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(format!("{at}.{k}: extra fields not permitted"));
    }
    Ok(m)
}

fn int(v: &Value, at: &str) -> Result<i64, String> {
    v.as_i64().ok_or_else(|| format!("{at}: not an integer"))
}

fn string<'v>(v: &'v Value, at: &str) -> Result<&'v str, String> {
    v.as_str().ok_or_else(|| format!("{at}: not a string"))
}

fn boolean(v: &Value, at: &str) -> Result<(), String> {
    v.as_bool()
        .map(|_| ())
        .ok_or_else(|| format!("{at}: not a boolean"))
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Accepts `doc` (the JSON form of a generated config) as Frigate would, with `env` as
/// its `FRIGATE_*` variables; else the first error, naming where.
///
/// # Errors
/// The first rule `doc` breaks.
pub fn check(doc: &Value, env: &Env<'_>) -> Result<(), String> {
    let top = obj(
        doc,
        "config",
        &["version", "mqtt", "detectors", "model", "go2rtc", "cameras"],
    )?;
    if top.get("version").and_then(Value::as_str) != Some(super::CONFIG_VERSION) {
        return Err("version: not 0.17-0 (Frigate would migrate the file)".to_owned());
    }
    let mqtt = top.get("mqtt").ok_or("mqtt: field required")?;
    let m = obj(
        mqtt,
        "mqtt",
        &[
            "host",
            "port",
            "topic_prefix",
            "client_id",
            "stats_interval",
            "user",
            "password",
        ],
    )?;
    string(
        m.get("host").ok_or("mqtt.host: field required")?,
        "mqtt.host",
    )?;
    if m.contains_key("user") != m.contains_key("password") {
        return Err("mqtt: user and password go together".to_owned());
    }
    for k in ["user", "password"] {
        if let Some(v) = m.get(k) {
            model::env_string(string(v, k)?, env).map_err(|e| format!("mqtt.{k}: {e}"))?;
        }
    }
    for (name, d) in obj(
        top.get("detectors").ok_or("detectors: required")?,
        "detectors",
        &["default"],
    )? {
        let d = obj(
            d,
            &format!("detectors.{name}"),
            &["type", "num_threads", "device"],
        )?;
        let t = string(d.get("type").ok_or("detector type required")?, "type")?;
        if !matches!(t, "cpu" | "edgetpu") {
            return Err(format!("detectors.{name}.type: {t}"));
        }
    }
    if let Some(model) = top.get("model") {
        obj(
            model,
            "model",
            &["path", "labelmap_path", "width", "height"],
        )?;
    }
    let mut streams: Vec<&str> = Vec::new();
    if let Some(g) = top.get("go2rtc") {
        let g = obj(g, "go2rtc", &["streams"])?;
        let s = g.get("streams").ok_or("go2rtc.streams: required")?;
        for (name, source) in s.as_object().ok_or("go2rtc.streams: not a map")? {
            let sources: Vec<&Value> = match source {
                Value::Array(list) => list.iter().collect(),
                one => vec![one],
            };
            for src in sources {
                let src = string(src, &format!("go2rtc.streams.{name}"))?;
                model::py_format(src, env)
                    .map_err(|e| format!("go2rtc.streams.{name}: go2rtc does not start: {e}"))?;
            }
            streams.push(name);
        }
    }
    let cams = top.get("cameras").ok_or("cameras: required")?;
    for (name, cam) in cams.as_object().ok_or("cameras: not a map")? {
        if !valid_name(name) {
            return Err(format!("cameras.{name}: invalid camera name"));
        }
        camera(cam, &format!("cameras.{name}"), env, &streams)?;
    }
    Ok(())
}

fn camera(cam: &Value, at: &str, env: &Env<'_>, streams: &[&str]) -> Result<(), String> {
    let c = obj(
        cam,
        at,
        &[
            "friendly_name",
            "ffmpeg",
            "detect",
            "objects",
            "review",
            "record",
            "snapshots",
            "mqtt",
            "ui",
            "live",
        ],
    )?;
    let ffmpeg = obj(
        c.get("ffmpeg").ok_or(format!("{at}.ffmpeg: required"))?,
        at,
        &["inputs"],
    )?;
    let inputs = ffmpeg
        .get("inputs")
        .and_then(Value::as_array)
        .filter(|i| !i.is_empty())
        .ok_or(format!("{at}.ffmpeg.inputs: required"))?;
    let mut roles: Vec<&str> = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let at = format!("{at}.ffmpeg.inputs.{i}");
        let input = obj(input, &at, &["path", "roles", "input_args"])?;
        let path = string(input.get("path").ok_or("path required")?, &at)?;
        model::frigate_input(path, env).map_err(|e| format!("{at}.path: {e}"))?;
        if let Some(args) = input.get("input_args") {
            let args = string(args, &at)?;
            if args == super::plan::UDP_PRESET {
                // A direct input over UDP.
            } else if args != super::plan::RESTREAM_PRESET {
                return Err(format!("{at}.input_args: unknown preset"));
            } else {
                let stream = path
                    .strip_prefix(super::plan::RESTREAM_BASE)
                    .ok_or(format!("{at}: restream input not on go2rtc"))?;
                if !streams.contains(&stream) {
                    return Err(format!("{at}: no go2rtc stream {stream}"));
                }
            }
        }
        for r in input
            .get("roles")
            .and_then(Value::as_array)
            .ok_or(format!("{at}.roles: required"))?
        {
            let r = string(r, &at)?;
            if !matches!(r, "detect" | "record" | "audio") {
                return Err(format!("{at}.roles: {r} is not a role"));
            }
            if roles.contains(&r) {
                return Err(format!("{at}.roles: {r} on two inputs"));
            }
            roles.push(r);
        }
    }
    if !roles.contains(&"detect") {
        return Err(format!("{at}: no input has the detect role"));
    }
    if let Some(d) = c.get("detect") {
        let d = obj(
            d,
            &format!("{at}.detect"),
            &["enabled", "width", "height", "fps", "stationary"],
        )?;
        match (d.get("width"), d.get("height")) {
            (Some(w), Some(h)) => {
                if int(w, "width")? <= 0 || int(h, "height")? <= 0 {
                    return Err(format!("{at}.detect: size must be positive"));
                }
            }
            (None, None) => {}
            _ => return Err(format!("{at}.detect: width and height go together")),
        }
        if let Some(s) = d.get("stationary") {
            let s = obj(s, "stationary", &["threshold", "interval"])?;
            if s.get("interval").is_some_and(|i| i.as_i64() <= Some(0)) {
                return Err(format!("{at}.detect.stationary.interval must be > 0"));
            }
        }
    }
    if let Some(o) = c.get("objects") {
        obj(o, "objects", &["track", "filters"])?;
    }
    if let Some(r) = c.get("review") {
        obj(r, "review", &["alerts"])?;
    }
    if let Some(r) = c.get("record") {
        let r = obj(
            r,
            "record",
            &["enabled", "continuous", "motion", "alerts", "detections"],
        )?;
        for k in ["alerts", "detections"] {
            if let Some(v) = r.get(k) {
                let retain = obj(v, k, &["retain"])?
                    .get("retain")
                    .ok_or(format!("{k}.retain"))?;
                let mode = obj(retain, "retain", &["days", "mode"])?.get("mode");
                if !mode
                    .and_then(Value::as_str)
                    .is_some_and(|m| matches!(m, "all" | "motion" | "active_objects"))
                {
                    return Err(format!("{at}.record.{k}.retain.mode"));
                }
            }
        }
    }
    if let Some(s) = c.get("snapshots") {
        obj(s, "snapshots", &["enabled", "timestamp", "retain"])?;
    }
    if let Some(m) = c.get("mqtt") {
        obj(m, "mqtt", &["enabled", "timestamp", "crop", "quality"])?;
    }
    if let Some(ui) = c.get("ui") {
        let ui = obj(ui, "ui", &["order", "dashboard"])?;
        if let Some(o) = ui.get("order") {
            int(o, "ui.order")?;
        }
        if let Some(d) = ui.get("dashboard") {
            boolean(d, "ui.dashboard")?;
        }
    }
    if let Some(live) = c.get("live") {
        let live = obj(live, "live", &["streams"])?;
        for (label, s) in live
            .get("streams")
            .and_then(Value::as_object)
            .ok_or("live.streams")?
        {
            let s = string(s, label)?;
            if !streams.contains(&s) {
                return Err(format!("{at}.live.streams.{label}: no go2rtc stream {s}"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn minimal() -> Value {
        json!({"version": "0.17-0", "mqtt": {"host": "h"},
               "detectors": {"default": {"type": "cpu"}},
               "cameras": {"a": {"ffmpeg": {"inputs": [{"path": "rtsp://h/x", "roles": ["detect"]}]}}}})
    }

    #[test]
    fn refuses_what_frigate_refuses() {
        assert_eq!(check(&minimal(), &[]), Ok(()));
        let bad = |f: &dyn Fn(&mut Value)| {
            let mut v = minimal();
            f(&mut v);
            check(&v, &[]).expect_err("refused")
        };
        assert!(bad(&|v| v["cameras"]["a"]["description"] = json!("x")).contains("extra fields"));
        assert!(bad(&|v| v["version"] = json!("0.16-0")).contains("version"));
        assert!(bad(&|v| v
            .as_object_mut()
            .unwrap()
            .remove("mqtt")
            .map(|_| ())
            .unwrap_or(()))
        .contains("mqtt"));
        assert!(bad(&|v| {
            let cam = v["cameras"]["a"].clone();
            v["cameras"]["a b"] = cam;
        })
        .contains("invalid camera name"));
        assert!(
            bad(&|v| v["cameras"]["a"]["ffmpeg"]["inputs"][0]["roles"] = json!(["clips"]))
                .contains("not a role")
        );
        assert!(
            bad(&|v| v["cameras"]["a"]["ffmpeg"]["inputs"][0]["roles"] = json!(["record"]))
                .contains("detect role")
        );
        assert!(bad(
            &|v| v["cameras"]["a"]["ffmpeg"]["inputs"][0]["path"] = json!("rtsp://a:p{w}@h/")
        )
        .contains("KeyError"));
        assert!(bad(&|v| v["cameras"]["a"]["detect"] = json!({"width": 640})).contains("together"));
        assert!(
            bad(&|v| v["cameras"]["a"]["detect"] = json!({"stationary": {"interval": 0}}))
                .contains("interval")
        );
        assert!(
            bad(&|v| v["cameras"]["a"]["live"] = json!({"streams": {"Main": "nope"}}))
                .contains("no go2rtc stream")
        );
        assert!(
            bad(&|v| v["go2rtc"] = json!({"streams": {"a": "rtsp://{X}@h/"}}))
                .contains("go2rtc does not start")
        );
    }
}
