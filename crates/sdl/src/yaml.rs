//! A small YAML document tree with line numbers, built from yaml-rust2's event stream.
//!
//! Scalars keep their raw text, as Go's yaml.v3 hands `node.Value` to Akash's decoders, so
//! `amount: 1000.50` or `version: 2.0` are read exactly as written. Anchors and aliases are
//! expanded under a node budget (no "billion laughs"), `<<` merge keys are applied, duplicate
//! mapping keys are refused (as yaml.v3 does), and only the first document is read.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::error::{Result, SdlError};

/// Most nested levels a document may have.
const MAX_DEPTH: usize = 64;
/// Most nodes a document may expand to, aliases included.
const MAX_NODES: usize = 100_000;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An empty value, `~` or `null`.
    Null,
    /// Any other scalar, as written. `quoted` is true for quoted and block scalars and for
    /// `!!str` tags: those are always strings.
    Scalar {
        text: String,
        quoted: bool,
    },
    Seq(Vec<Node>),
    /// Entries in document order; keys are the raw text of scalar keys.
    Map(Vec<Entry>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    /// 1-based line of the key.
    pub key_line: usize,
    pub value: Node,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    /// 1-based line where the node starts.
    pub line: usize,
}

impl Node {
    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Null => "nothing",
            Value::Scalar { .. } => "a scalar",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    #[cfg(test)]
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|e| e.key == key).map(|e| &e.value),
            _ => None,
        }
    }

    fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|e| e.key == key),
            _ => None,
        }
    }

    fn size(&self) -> usize {
        match &self.value {
            Value::Null | Value::Scalar { .. } => 1,
            Value::Seq(items) => 1 + items.iter().map(Node::size).sum::<usize>(),
            Value::Map(entries) => 1 + entries.iter().map(|e| 1 + e.value.size()).sum::<usize>(),
        }
    }

    /// The line of the node at a dotted SDL path (`services.web.expose[0].port`), or of its
    /// deepest existing ancestor. Map keys that contain dots are matched greedily.
    pub fn line_of(&self, path: &str) -> Option<usize> {
        let segments = split_path(path);
        let mut node = self;
        let mut line = None;
        let mut i = 0;
        while i < segments.len() {
            match &segments[i] {
                Segment::Index(idx) => match &node.value {
                    Value::Seq(items) if *idx < items.len() => {
                        node = &items[*idx];
                        line = Some(node.line);
                    }
                    _ => break,
                },
                Segment::Key(_) => {
                    // Try the longest run of key segments that names an existing key.
                    let mut found = None;
                    let mut key = String::new();
                    for (j, seg) in segments.iter().enumerate().skip(i) {
                        let Segment::Key(part) = seg else { break };
                        if j > i {
                            key.push('.');
                        }
                        key.push_str(part);
                        if let Some(entry) = node.entry(&key) {
                            found = Some((j, entry));
                        }
                    }
                    match found {
                        Some((j, entry)) => {
                            node = &entry.value;
                            line = Some(entry.key_line);
                            i = j;
                        }
                        None => break,
                    }
                }
            }
            i += 1;
        }
        line.or(Some(self.line))
    }
}

enum Segment {
    Key(String),
    Index(usize),
}

fn split_path(path: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(p) => (&part[..p], &part[p..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Segment::Key(key.to_string()));
        }
        while let Some(stripped) = rest.strip_prefix('[') {
            let Some(end) = stripped.find(']') else { break };
            match stripped[..end].parse() {
                Ok(idx) => out.push(Segment::Index(idx)),
                Err(_) => out.push(Segment::Key(format!("[{}]", &stripped[..end]))),
            }
            rest = &stripped[end + 1..];
        }
    }
    out
}

/// Parses the first YAML document of `src`. `Ok(None)` for an empty stream.
pub fn load(src: &str) -> Result<Option<Node>> {
    let mut loader = Loader {
        parser: Parser::new_from_str(src),
        anchors: HashMap::new(),
        nodes: 0,
    };
    loop {
        let (event, mark) = loader.next()?;
        match event {
            Event::StreamStart | Event::DocumentStart | Event::Nothing => continue,
            Event::StreamEnd | Event::DocumentEnd => return Ok(None),
            event => return loader.node(event, mark, 0).map(Some),
        }
    }
}

struct Loader<'a> {
    parser: Parser<std::str::Chars<'a>>,
    anchors: HashMap<usize, Node>,
    nodes: usize,
}

fn yaml_error(mark: &Marker, reason: impl Into<String>) -> SdlError {
    SdlError::new("", Some(mark.line().max(1)), reason)
}

impl Loader<'_> {
    fn next(&mut self) -> Result<(Event, Marker)> {
        self.parser
            .next_token()
            .map_err(|e| yaml_error(e.marker(), format!("not valid YAML: {}", e.info())))
    }

    fn count(&mut self, n: usize, mark: &Marker) -> Result<()> {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            return Err(yaml_error(
                mark,
                format!("document too large: more than {MAX_NODES} YAML nodes (after expanding aliases)"),
            ));
        }
        Ok(())
    }

    fn anchor(&mut self, id: usize, node: &Node) {
        if id > 0 {
            self.anchors.insert(id, node.clone());
        }
    }

    fn node(&mut self, event: Event, mark: Marker, depth: usize) -> Result<Node> {
        if depth > MAX_DEPTH {
            return Err(yaml_error(
                &mark,
                format!("document nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        let line = mark.line().max(1);
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                self.count(1, &mark)?;
                let forced_str = tag.as_ref().is_some_and(is_str_tag);
                let quoted = forced_str || !matches!(style, TScalarStyle::Plain);
                let value =
                    if !quoted && matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL") {
                        Value::Null
                    } else {
                        Value::Scalar { text, quoted }
                    };
                let node = Node { value, line };
                self.anchor(anchor, &node);
                Ok(node)
            }
            Event::Alias(id) => {
                let node = self.anchors.get(&id).cloned().ok_or_else(|| {
                    yaml_error(&mark, "not valid YAML: alias to an unknown anchor")
                })?;
                self.count(node.size(), &mark)?;
                Ok(Node { line, ..node })
            }
            Event::SequenceStart(anchor, _) => {
                self.count(1, &mark)?;
                let mut items = Vec::new();
                loop {
                    let (event, mark) = self.next()?;
                    if matches!(event, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(event, mark, depth + 1)?);
                }
                let node = Node {
                    value: Value::Seq(items),
                    line,
                };
                self.anchor(anchor, &node);
                Ok(node)
            }
            Event::MappingStart(anchor, _) => {
                self.count(1, &mark)?;
                let mut entries: Vec<Entry> = Vec::new();
                let mut merges: Vec<Node> = Vec::new();
                loop {
                    let (event, key_mark) = self.next()?;
                    if matches!(event, Event::MappingEnd) {
                        break;
                    }
                    let key_node = self.node(event, key_mark, depth + 1)?;
                    let (event, value_mark) = self.next()?;
                    let value = self.node(event, value_mark, depth + 1)?;
                    let key = match key_node.value {
                        Value::Scalar { text, quoted } => {
                            if !quoted && text == "<<" {
                                merges.push(value);
                                continue;
                            }
                            text
                        }
                        Value::Null => String::new(),
                        _ => {
                            return Err(SdlError::new(
                                "",
                                Some(key_node.line),
                                "mapping keys must be plain scalars",
                            ))
                        }
                    };
                    if let Some(first) = entries.iter().find(|e| e.key == key) {
                        return Err(SdlError::new(
                            "",
                            Some(key_node.line),
                            format!(
                                "not valid YAML: mapping key {key:?} already defined at line {}",
                                first.key_line
                            ),
                        ));
                    }
                    entries.push(Entry {
                        key,
                        key_line: key_node.line,
                        value,
                    });
                }
                for merge in merges {
                    let sources =
                        match merge.value {
                            Value::Map(_) => vec![merge],
                            Value::Seq(items) => items,
                            _ => return Err(SdlError::new(
                                "",
                                Some(merge.line),
                                "not valid YAML: a << merge needs a mapping or a list of mappings",
                            )),
                        };
                    for source in sources {
                        let Value::Map(source_entries) = source.value else {
                            return Err(SdlError::new(
                                "",
                                Some(source.line),
                                "not valid YAML: a << merge needs a mapping or a list of mappings",
                            ));
                        };
                        for entry in source_entries {
                            if !entries.iter().any(|e| e.key == entry.key) {
                                entries.push(entry);
                            }
                        }
                    }
                }
                let node = Node {
                    value: Value::Map(entries),
                    line,
                };
                self.anchor(anchor, &node);
                Ok(node)
            }
            other => Err(yaml_error(
                &mark,
                format!("not valid YAML: unexpected {other:?}"),
            )),
        }
    }
}

fn is_str_tag(tag: &Tag) -> bool {
    tag.suffix == "str" || tag.suffix == "tag:yaml.org,2002:str"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(node: &Node) -> &str {
        match &node.value {
            Value::Scalar { text, .. } => text,
            other => panic!("not a scalar: {other:?}"),
        }
    }

    #[test]
    fn keeps_raw_scalars_and_lines() {
        let doc = load("---\nversion: 2.0\nprice:\n  amount: 1000.50\n  denom: \"uakt\"\nempty:\n")
            .unwrap()
            .unwrap();
        assert_eq!(scalar(doc.get("version").unwrap()), "2.0");
        let price = doc.get("price").unwrap();
        assert_eq!(scalar(price.get("amount").unwrap()), "1000.50");
        assert_eq!(price.get("amount").unwrap().line, 4);
        assert_eq!(doc.get("empty").unwrap().value, Value::Null);
        assert_eq!(doc.line_of("price.amount"), Some(4));
        assert_eq!(doc.line_of("price.nothing.here"), Some(3));
        assert_eq!(doc.line_of("price"), Some(3));
        assert_eq!(doc.line_of("empty"), Some(6));
    }

    #[test]
    fn aliases_merges_and_duplicates() {
        let doc = load("base: &b {a: 1, b: 2}\nx:\n  <<: *b\n  b: 3\n")
            .unwrap()
            .unwrap();
        let x = doc.get("x").unwrap();
        assert_eq!(scalar(x.get("a").unwrap()), "1");
        assert_eq!(scalar(x.get("b").unwrap()), "3");
        let err = load("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(err.reason.contains("already defined at line 1"), "{err}");
    }

    #[test]
    fn alias_bombs_are_bounded() {
        let mut src = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = format!("*a{}", i - 1);
            src.push_str(&format!(
                "a{i}: &a{i} [{}]\n",
                [prev.as_str(); 10].join(", ")
            ));
        }
        let err = load(&src).unwrap_err();
        assert!(err.reason.contains("too large"), "{err}");
    }

    #[test]
    fn paths_index_into_lists() {
        let doc = load("s:\n  - a: 1\n  - a: 2\n    b:\n      c.d: 5\n")
            .unwrap()
            .unwrap();
        assert_eq!(doc.line_of("s[1].a"), Some(3));
        assert_eq!(doc.line_of("s[1].b.c.d"), Some(5));
        assert_eq!(doc.line_of("s[7]"), Some(1));
        assert_eq!(doc.line_of("nothing"), Some(1));
    }

    #[test]
    fn syntax_errors_have_lines() {
        let err = load("a: [1, 2\nb: c\n").unwrap_err();
        assert!(err.reason.starts_with("not valid YAML"), "{err}");
        assert!(err.line.is_some());
        assert_eq!(load("").unwrap(), None);
        assert_eq!(load("# only a comment\n").unwrap(), None);
    }
}
