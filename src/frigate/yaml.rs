//! The document tree of the Frigate config and its two spellings: YAML (the file, laid out
//! like a config Frigate 0.17.2 accepts as written: block maps for the big sections, flow maps
//! for the small ones) and JSON (the MQTT payload). Both come from the same [`Node`], so they
//! cannot say different things. Hand-written: the subset we emit is small, and every string
//! that is not a plain word is double-quoted with YAML's escapes, which reads the same under
//! YAML 1.1 (PyYAML) and YAML 1.2 (ruamel, what Frigate 0.17 uses).
use serde_json::Value;

/// One value of the document.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A constant word of ours (`cpu`, `fire`, `0.17-0`), written as is.
    Word(&'static str),
    /// Any other text: written plain when that is unambiguous, else double-quoted.
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// `[a, b]` when `flow`, else one `- item` line per item (items in flow style).
    Seq {
        flow: bool,
        items: Vec<Node>,
    },
    /// `{k: v}` when `flow`, else one `k: v` line per entry.
    Map {
        flow: bool,
        entries: Vec<(String, Node)>,
    },
}

/// A flow map `{k: v, ...}` from constant keys.
pub fn flow(entries: Vec<(&str, Node)>) -> Node {
    Node::Map {
        flow: true,
        entries: own(entries),
    }
}

/// A block map (one entry per line) from constant keys.
pub fn block(entries: Vec<(&str, Node)>) -> Node {
    Node::Map {
        flow: false,
        entries: own(entries),
    }
}

/// A flow sequence of constant words.
pub fn words(items: &[&'static str]) -> Node {
    Node::Seq {
        flow: true,
        items: items.iter().map(|w| Node::Word(w)).collect(),
    }
}

fn own(entries: Vec<(&str, Node)>) -> Vec<(String, Node)> {
    entries
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
}

/// The YAML text of `root`, a map, one entry per line at the top level.
#[must_use]
pub fn to_yaml(root: &Node) -> String {
    let mut out = String::new();
    match root {
        Node::Map { entries, .. } => block_map(&mut out, entries, 0),
        other => {
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
    out
}

fn block_map(out: &mut String, entries: &[(String, Node)], indent: usize) {
    let pad = " ".repeat(indent);
    for (key, value) in entries {
        let key = scalar_text(key);
        match value {
            Node::Map {
                flow: false,
                entries,
            } if !entries.is_empty() => {
                out.push_str(&format!("{pad}{key}:\n"));
                block_map(out, entries, indent + 2);
            }
            Node::Seq { flow: false, items } if !items.is_empty() => {
                out.push_str(&format!("{pad}{key}:\n"));
                for item in items {
                    out.push_str(&format!("{pad}  - {}\n", inline(item)));
                }
            }
            _ => out.push_str(&format!("{pad}{key}: {}\n", inline(value))),
        }
    }
}

/// A value on one line (flow style).
fn inline(node: &Node) -> String {
    match node {
        Node::Word(w) => (*w).to_owned(),
        Node::Str(s) => scalar_text(s),
        Node::Int(i) => i.to_string(),
        Node::Float(f) => float_text(*f),
        Node::Bool(b) => b.to_string(),
        Node::Seq { items, .. } => {
            let parts: Vec<String> = items.iter().map(inline).collect();
            format!("[{}]", parts.join(", "))
        }
        Node::Map { entries, .. } => {
            let parts: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}: {}", scalar_text(k), inline(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

/// Always with a `.` or an exponent, so it reads back as a float.
fn float_text(f: f64) -> String {
    let s = format!("{f:?}");
    if f.is_finite() {
        s
    } else {
        // Not produced by us; YAML's spelling of the special values.
        match s.as_str() {
            "NaN" => ".nan".to_owned(),
            "inf" => ".inf".to_owned(),
            _ => "-.inf".to_owned(),
        }
    }
}

/// `s` as a plain scalar when that reads back as the same string under YAML 1.1 and 1.2
/// (a letter or `_` first, then letters, digits, `_`, `.`, `-`; not a boolean or null word),
/// else double-quoted.
#[must_use]
pub fn scalar_text(s: &str) -> String {
    if is_plain_safe(s) {
        s.to_owned()
    } else {
        double_quoted(s)
    }
}

fn is_plain_safe(s: &str) -> bool {
    const RESERVED: &[&str] = &[
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf",
    ];
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        && !RESERVED.contains(&s.to_ascii_lowercase().as_str())
}

/// `"…"` with YAML's escapes for `"`, `\` and every character YAML does not allow printed
/// (controls, DEL, C1, U+FFFE/U+FFFF) or would fold (line and paragraph separators).
#[must_use]
pub fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if printable(c) => out.push(c),
            c if u32::from(c) <= 0xFF => out.push_str(&format!("\\x{:02X}", u32::from(c))),
            c if u32::from(c) <= 0xFFFF => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push_str(&format!("\\U{:08X}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

/// YAML's printable set minus the line breaks (NEL, LS, PS) and the BOM.
fn printable(c: char) -> bool {
    let u = u32::from(c);
    let allowed = (0x20..=0x7E).contains(&u)
        || (0xA0..=0xD7FF).contains(&u)
        || (0xE000..=0xFFFD).contains(&u)
        || (0x1_0000..=0x10_FFFF).contains(&u);
    allowed && !matches!(u, 0x2028 | 0x2029 | 0xFEFF)
}

/// The JSON value of `node` (key order is not kept: JSON objects have none).
#[must_use]
pub fn to_json(node: &Node) -> Value {
    match node {
        Node::Word(w) => Value::String((*w).to_owned()),
        Node::Str(s) => Value::String(s.clone()),
        Node::Int(i) => Value::from(*i),
        Node::Float(f) => Value::from(*f),
        Node::Bool(b) => Value::Bool(*b),
        Node::Seq { items, .. } => Value::Array(items.iter().map(to_json).collect()),
        Node::Map { entries, .. } => Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), to_json(v)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_only_when_unambiguous() {
        assert_eq!(scalar_text("mqtt_broker"), "mqtt_broker");
        assert_eq!(scalar_text("aabbccddeeff"), "aabbccddeeff");
        assert_eq!(scalar_text("unknown-10-0-0-5"), "unknown-10-0-0-5");
        assert_eq!(scalar_text("Camera-ddeeff00"), "Camera-ddeeff00");
        // Numbers, booleans, nulls and their look-alikes under YAML 1.1 and 1.2.
        for s in [
            "001122334455",
            "0b1010",
            "10.0.0.5",
            "1_000",
            "yes",
            "No",
            "ON",
            "y",
            "null",
            "~",
            "",
            ".inf",
            "True",
        ] {
            assert_eq!(scalar_text(s), format!("\"{s}\""), "{s}");
        }
        // Indicators and spaces.
        assert_eq!(scalar_text("a b"), "\"a b\"");
        assert_eq!(scalar_text("a:b"), "\"a:b\"");
        assert_eq!(scalar_text("a#b"), "\"a#b\"");
        assert_eq!(scalar_text("-a"), "\"-a\"");
    }

    #[test]
    fn escapes_what_yaml_cannot_print() {
        assert_eq!(double_quoted(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(double_quoted("l1\nl2\tx\r"), r#""l1\nl2\tx\r""#);
        assert_eq!(
            double_quoted("\u{0}\u{1b}\u{7f}\u{85}"),
            r#""\x00\x1B\x7F\x85""#
        );
        assert_eq!(
            double_quoted("\u{2028}\u{2029}\u{feff}\u{fffe}"),
            r#""\u2028\u2029\uFEFF\uFFFE""#
        );
        assert_eq!(double_quoted("Café 📷 {x}"), "\"Café 📷 {x}\"");
    }

    #[test]
    fn block_and_flow_layout() {
        let doc = block(vec![
            ("version", Node::Word("0.17-0")),
            (
                "a",
                flow(vec![
                    ("x", Node::Int(1)),
                    ("y", Node::Float(0.5)),
                    ("z", words(&["p", "q"])),
                ]),
            ),
            (
                "b",
                block(vec![(
                    "items",
                    Node::Seq {
                        flow: false,
                        items: vec![
                            flow(vec![("path", Node::Str("rtsp://h/p?q=1&r".into()))]),
                            Node::Bool(true),
                        ],
                    },
                )]),
            ),
            ("empty", block(vec![])),
            ("f", Node::Float(2.0)),
        ]);
        assert_eq!(
            to_yaml(&doc),
            "version: 0.17-0\n\
             a: {x: 1, \"y\": 0.5, z: [p, q]}\n\
             b:\n  items:\n    - {path: \"rtsp://h/p?q=1&r\"}\n    - true\n\
             empty: {}\n\
             f: 2.0\n"
        );
        assert_eq!(
            to_json(&doc),
            serde_json::json!({"version": "0.17-0", "a": {"x": 1, "y": 0.5, "z": ["p", "q"]},
                "b": {"items": [{"path": "rtsp://h/p?q=1&r"}, true]}, "empty": {}, "f": 2.0})
        );
    }
}
