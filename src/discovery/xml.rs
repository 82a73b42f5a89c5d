//! A small, bounded element tree read with quick-xml: the only place that touches XML syntax
//! (the ONVIF replies and the WS-Discovery datagrams both go through it).
//!
//! Names are kept as local names (the prefix is dropped), so `env:Body`, `s:Body`,
//! `SOAP-ENV:Body` and `Body` are all `Body`. Safety rules, enforced while reading:
//!
//! - a `<!DOCTYPE` is an error, so no DTD and no custom entity can ever be defined; only the
//!   five predefined entities and character references are resolved, anything else is an error;
//! - at most [`MAX_INPUT`] bytes, [`MAX_DEPTH`] levels and [`MAX_ELEMENTS`] elements;
//! - exactly one root element, closed, with matching end tags; only whitespace, comments and
//!   processing instructions around it (the XML declaration is optional).
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::Reader;

/// Why a document was refused. `Display` is one line (the caller adds which document).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    /// Not well-formed XML, truncated, bad UTF-8, an undefined entity.
    #[error("malformed XML: {0}")]
    Malformed(String),
    /// A `<!DOCTYPE`: refused so that no entity can ever be expanded.
    #[error("DOCTYPE is not allowed")]
    Doctype,
    /// More than the allowed bytes, nesting levels or elements.
    #[error("more than {limit} {what}")]
    Limit { what: &'static str, limit: usize },
}

/// Largest response accepted, in bytes.
pub const MAX_INPUT: usize = 1 << 20;
/// Deepest element nesting accepted (a SOAP Media2 profile is about 10 levels deep).
pub const MAX_DEPTH: usize = 48;
/// Most elements accepted in one document.
pub const MAX_ELEMENTS: usize = 20_000;

/// One element: local name, attributes by local name (namespace declarations dropped),
/// trimmed text content, and children as indexes into `Doc::nodes`.
#[derive(Debug, Default)]
pub struct Node {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<usize>,
}

/// A parsed document; `nodes[0]` is the root element.
#[derive(Debug)]
pub struct Doc {
    nodes: Vec<Node>,
}

/// A borrowed element of a [`Doc`] with the lookups the parsers need.
#[derive(Clone, Copy, Debug)]
pub struct El<'d> {
    doc: &'d Doc,
    idx: usize,
}

impl Doc {
    /// Reads `bytes` into a tree.
    ///
    /// # Errors
    ///
    /// [`XmlError::Malformed`] for malformed or truncated XML, [`XmlError::Doctype`] for a
    /// DTD, [`XmlError::Limit`] when a size, depth or count limit is exceeded.
    pub fn parse(bytes: &[u8]) -> Result<Doc, XmlError> {
        if bytes.len() > MAX_INPUT {
            return Err(XmlError::Limit {
                what: "bytes",
                limit: MAX_INPUT,
            });
        }
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let xml = |detail: String| XmlError::Malformed(one_line(&detail));
        let mut reader = Reader::from_reader(bytes);
        reader.config_mut().expand_empty_elements = true;
        reader.config_mut().check_end_names = true;
        let mut nodes: Vec<Node> = Vec::new();
        let mut stack: Vec<usize> = Vec::new();
        let mut closed_root = false;
        loop {
            let event = reader
                .read_event()
                .map_err(|e| xml(format!("at byte {}: {e}", reader.error_position())))?;
            match event {
                Event::Start(start) => {
                    if closed_root {
                        return Err(xml("a second root element".into()));
                    }
                    if stack.len() >= MAX_DEPTH {
                        return Err(XmlError::Limit {
                            what: "levels of nesting",
                            limit: MAX_DEPTH,
                        });
                    }
                    if nodes.len() >= MAX_ELEMENTS {
                        return Err(XmlError::Limit {
                            what: "elements",
                            limit: MAX_ELEMENTS,
                        });
                    }
                    let node = start_node(&start).map_err(xml)?;
                    let idx = nodes.len();
                    nodes.push(node);
                    if let Some(&parent) = stack.last() {
                        nodes[parent].children.push(idx);
                    }
                    stack.push(idx);
                }
                Event::End(_) => {
                    if let Some(idx) = stack.pop() {
                        let trimmed = nodes[idx].text.trim();
                        if trimmed.len() != nodes[idx].text.len() {
                            nodes[idx].text = trimmed.to_string();
                        }
                        closed_root = stack.is_empty();
                    }
                }
                Event::Text(t) => {
                    let text = t.decode().map_err(|e| xml(e.to_string()))?;
                    push_text(&mut nodes, &stack, &text).map_err(xml)?;
                }
                Event::CData(t) => {
                    let text = t.decode().map_err(|e| xml(e.to_string()))?;
                    push_text(&mut nodes, &stack, &text).map_err(xml)?;
                }
                Event::GeneralRef(r) => {
                    let c = resolve_ref(&r).map_err(xml)?;
                    push_text(&mut nodes, &stack, c.encode_utf8(&mut [0; 4])).map_err(xml)?;
                }
                Event::DocType(_) => return Err(XmlError::Doctype),
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
                Event::Empty(_) => return Err(xml("unexpected empty element event".into())),
                Event::Eof => break,
            }
        }
        if nodes.is_empty() {
            return Err(xml("no root element".into()));
        }
        if !closed_root {
            return Err(xml(format!(
                "truncated: <{}> not closed",
                stack.last().map_or("", |&i| nodes[i].name.as_str())
            )));
        }
        Ok(Doc { nodes })
    }

    /// The root element.
    pub fn root(&self) -> El<'_> {
        El { doc: self, idx: 0 }
    }
}

/// Error details quote the input (tag names, entity names): keep them one short line.
fn one_line(s: &str) -> String {
    s.chars()
        .take(160)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn start_node(start: &BytesStart<'_>) -> Result<Node, String> {
    let name = utf8(start.local_name().as_ref())?;
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| e.to_string())?;
        let key = attr.key;
        if key.as_ref() == b"xmlns" || key.as_ref().starts_with(b"xmlns:") {
            continue;
        }
        let value = attr.unescape_value().map_err(|e| e.to_string())?;
        attrs.push((utf8(key.local_name().as_ref())?, value.into_owned()));
    }
    Ok(Node {
        name,
        attrs,
        text: String::new(),
        children: Vec::new(),
    })
}

fn utf8(bytes: &[u8]) -> Result<String, String> {
    std::str::from_utf8(bytes)
        .map(str::to_string)
        .map_err(|e| format!("name is not UTF-8: {e}"))
}

/// Text goes to the innermost open element; outside the root only whitespace is allowed.
fn push_text(nodes: &mut [Node], stack: &[usize], text: &str) -> Result<(), String> {
    match stack.last() {
        Some(&idx) => {
            nodes[idx].text.push_str(text);
            Ok(())
        }
        None if text.trim().is_empty() => Ok(()),
        None => Err("text outside the root element".into()),
    }
}

/// Character references and the five predefined entities; any other name is an error
/// (there is no DTD that could define it).
fn resolve_ref(r: &BytesRef<'_>) -> Result<char, String> {
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(c)) => Ok(c),
            Ok(None) => Err("bad character reference".into()),
            Err(e) => Err(e.to_string()),
        };
    }
    match r.as_ref() {
        b"amp" => Ok('&'),
        b"lt" => Ok('<'),
        b"gt" => Ok('>'),
        b"quot" => Ok('"'),
        b"apos" => Ok('\''),
        other => Err(format!(
            "undefined entity &{};",
            String::from_utf8_lossy(other)
        )),
    }
}

impl<'d> El<'d> {
    fn node(&self) -> &'d Node {
        &self.doc.nodes[self.idx]
    }

    /// Local name of the element.
    pub fn name(&self) -> &'d str {
        &self.node().name
    }

    /// Trimmed text content (character data directly inside this element).
    pub fn text(&self) -> &'d str {
        &self.node().text
    }

    /// Attribute by local name.
    pub fn attr(&self, name: &str) -> Option<&'d str> {
        self.node()
            .attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Direct children.
    pub fn children(self) -> impl Iterator<Item = El<'d>> {
        let doc = self.doc;
        self.node().children.iter().map(move |&idx| El { doc, idx })
    }

    /// First direct child with this local name.
    pub fn child(self, name: &str) -> Option<El<'d>> {
        self.children().find(|c| c.name() == name)
    }

    /// Follows direct children by local name: `path(&["MediaUri", "Uri"])`.
    pub fn path(self, names: &[&str]) -> Option<El<'d>> {
        names.iter().try_fold(self, |el, name| el.child(name))
    }

    /// First descendant (depth first, document order) with this local name.
    pub fn find(self, name: &str) -> Option<El<'d>> {
        // Elements are stored in document order, and a subtree is a contiguous range of
        // indexes starting right after its root, so a linear scan of that range is a DFS.
        let end = self.subtree_end();
        (self.idx + 1..end)
            .find(|&i| self.doc.nodes[i].name == name)
            .map(|idx| El { doc: self.doc, idx })
    }

    /// One past the last index of this element's subtree.
    fn subtree_end(&self) -> usize {
        let mut idx = self.idx;
        while let Some(&last) = self.doc.nodes[idx].children.last() {
            idx = last;
        }
        idx + 1
    }

    /// Text of the direct child `name`, if present and not empty.
    pub fn child_text(self, name: &str) -> Option<&'d str> {
        self.child(name).map(|c| c.text()).filter(|t| !t.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Doc, XmlError> {
        Doc::parse(s.as_bytes())
    }

    /// Prefixes are dropped, entities and CDATA resolved, whitespace trimmed.
    #[test]
    fn local_names_and_text() {
        let doc =
            parse("<a:x xmlns:a='u' b:k='1&amp;2'>\n <y> A&lt;&#66;<![CDATA[<C>]]> </y><z/></a:x>")
                .unwrap();
        let root = doc.root();
        assert_eq!(root.name(), "x");
        assert_eq!(root.attr("k"), Some("1&2"));
        assert_eq!(
            root.attr("a"),
            None,
            "xmlns declarations are not attributes"
        );
        assert_eq!(root.child_text("y"), Some("A<B<C>"));
        assert_eq!(root.child_text("z"), None);
        assert_eq!(root.find("z").map(|e| e.name()), Some("z"));
    }

    /// The entity bomb ("billion laughs") never gets past its DOCTYPE.
    #[test]
    fn doctype_and_entity_bomb_rejected() {
        let bomb = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<Envelope><Body>&lol2;</Body></Envelope>"#;
        assert!(matches!(parse(bomb), Err(XmlError::Doctype)));
        let undefined = "<Envelope><Body>&lol2;</Body></Envelope>";
        assert!(matches!(parse(undefined), Err(XmlError::Malformed(_))));
    }

    /// Depth and element-count limits hold.
    #[test]
    fn limits() {
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert!(matches!(
            parse(&deep),
            Err(XmlError::Limit {
                what: "levels of nesting",
                ..
            })
        ));
        let wide = format!("<a>{}</a>", "<b/>".repeat(MAX_ELEMENTS));
        assert!(matches!(
            parse(&wide),
            Err(XmlError::Limit {
                what: "elements",
                ..
            })
        ));
        let big = vec![b' '; MAX_INPUT + 1];
        assert!(matches!(
            Doc::parse(&big),
            Err(XmlError::Limit { what: "bytes", .. })
        ));
    }

    /// Structure errors: mismatched or unclosed tags, two roots, stray text, nothing at all.
    #[test]
    fn structure_errors() {
        for bad in [
            "",
            "  ",
            "<a>",
            "<a></b>",
            "<a/><b/>",
            "x<a/>",
            "<a/>x",
            "<a k='&bad;'/>",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    /// Found by the fuzzer: quick-xml's mismatched-end-tag message quotes the input, newlines
    /// included; details are cut to one line of at most 160 characters.
    #[test]
    fn error_details_are_one_short_line() {
        let doc = format!("<Envelope><a></a\n{}\n>", "x".repeat(500));
        let e = parse(&doc).unwrap_err().to_string();
        assert!(!e.contains('\n') && e.len() < 250, "{e}");
    }
}
