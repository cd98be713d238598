//! Typed reads from the YAML tree that know where they are: every error names the SDL path
//! (`services.web.expose[0].port`) and the line.

use std::cell::RefCell;

use crate::error::{Result, SdlError};
use crate::yaml::{Entry, Node, Value};

/// Warnings collected while reading: fields Akash ignores and so does Kumo.
pub type Warnings = RefCell<Vec<SdlError>>;

/// A node and its path in the document.
#[derive(Clone)]
pub struct Cursor<'a> {
    pub node: &'a Node,
    pub path: String,
    warnings: &'a Warnings,
}

pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

impl<'a> Cursor<'a> {
    pub fn root(node: &'a Node, warnings: &'a Warnings) -> Self {
        Self {
            node,
            path: String::new(),
            warnings,
        }
    }

    pub fn err(&self, reason: impl Into<String>) -> SdlError {
        SdlError::new(self.path.clone(), Some(self.node.line), reason)
    }

    pub fn is_null(&self) -> bool {
        matches!(self.node.value, Value::Null)
    }

    fn expected(&self, what: &str) -> SdlError {
        self.err(format!("expected {what}, found {}", self.node.kind_name()))
    }

    /// The raw text of a scalar. Null is refused as "missing".
    pub fn scalar(&self) -> Result<&'a str> {
        match &self.node.value {
            Value::Scalar { text, .. } => Ok(text),
            Value::Null => Err(self.err("missing value")),
            _ => Err(self.expected("a single value")),
        }
    }

    /// A string: any scalar, as written (Go's yaml.v3 reads `image: 123` as "123").
    pub fn string(&self) -> Result<String> {
        self.scalar().map(str::to_string)
    }

    /// A string, or `None` for null.
    pub fn opt_string(&self) -> Result<Option<String>> {
        if self.is_null() {
            Ok(None)
        } else {
            self.string().map(Some)
        }
    }

    /// A boolean; YAML 1.1 spellings (yes/no, on/off) are read as yaml.v3 reads them into a
    /// bool field.
    pub fn bool(&self) -> Result<bool> {
        if self.is_null() {
            return Ok(false);
        }
        match self.scalar()? {
            "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Ok(true),
            "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Ok(false),
            other => Err(self.err(format!("{other:?} is not true or false"))),
        }
    }

    /// A non-negative integer that fits u32; null reads as 0 (as in Go).
    pub fn u32(&self) -> Result<u32> {
        if self.is_null() {
            return Ok(0);
        }
        let text = self.scalar()?;
        let trimmed = text.trim();
        if trimmed.starts_with('-') {
            return Err(self.err(format!("{text:?} is negative")));
        }
        let digits = trimmed
            .strip_prefix('+')
            .unwrap_or(trimmed)
            .replace('_', "");
        let value = if let Some(hex) = digits.strip_prefix("0x") {
            u64::from_str_radix(hex, 16).ok()
        } else if let Some(oct) = digits.strip_prefix("0o") {
            u64::from_str_radix(oct, 8).ok()
        } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            digits.parse::<u64>().ok().or(Some(u64::MAX))
        } else {
            None
        };
        match value {
            Some(v) => u32::try_from(v).map_err(|_| self.err(format!("{text} is too large"))),
            None => Err(self.err(format!("{text:?} is not a whole number"))),
        }
    }

    /// The items of a list; null is an empty list.
    pub fn seq(&self) -> Result<Vec<Cursor<'a>>> {
        match &self.node.value {
            Value::Null => Ok(Vec::new()),
            Value::Seq(items) => Ok(items
                .iter()
                .enumerate()
                .map(|(i, node)| Cursor {
                    node,
                    path: format!("{}[{i}]", self.path),
                    warnings: self.warnings,
                })
                .collect()),
            _ => Err(self.expected("a list")),
        }
    }

    /// A list of strings; `None` for null (Go keeps a nil slice, which the manifest writes
    /// as `null`).
    pub fn string_list(&self) -> Result<Option<Vec<String>>> {
        if self.is_null() {
            return Ok(None);
        }
        self.seq()?
            .iter()
            .map(Cursor::string)
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }

    /// The entries of a mapping, in document order; null is an empty mapping.
    pub fn entries(&self) -> Result<Vec<(String, Cursor<'a>)>> {
        Ok(self
            .raw_entries()?
            .iter()
            .map(|e| (e.key.clone(), self.child(e)))
            .collect())
    }

    fn raw_entries(&self) -> Result<&'a [Entry]> {
        match &self.node.value {
            Value::Null => Ok(&[]),
            Value::Map(entries) => Ok(entries),
            _ => Err(self.expected("a mapping")),
        }
    }

    fn child(&self, entry: &'a Entry) -> Cursor<'a> {
        Cursor {
            node: &entry.value,
            path: join(&self.path, &entry.key),
            warnings: self.warnings,
        }
    }

    /// A mapping with a fixed set of keys: any other key is refused, naming it.
    pub fn fields(&self, allowed: &[&str]) -> Result<Fields<'a>> {
        let entries = self.raw_entries()?;
        if let Some(unknown) = entries.iter().find(|e| !allowed.contains(&e.key.as_str())) {
            return Err(SdlError::new(
                join(&self.path, &unknown.key),
                Some(unknown.key_line),
                format!("unknown field (expected one of: {})", allowed.join(", ")),
            ));
        }
        Ok(Fields {
            cursor: self.clone(),
            entries,
        })
    }

    /// A mapping read as Akash's Go parser reads it where it is lenient: other keys are
    /// ignored, each with a warning.
    pub fn fields_lenient(&self, known: &[&str]) -> Result<Fields<'a>> {
        let entries = self.raw_entries()?;
        for unknown in entries.iter().filter(|e| !known.contains(&e.key.as_str())) {
            let hint = match unknown.key.as_str() {
                "depends_on" | "depends-on" => "; an SDL says dependencies: [{service: NAME}]",
                _ => "",
            };
            self.warnings.borrow_mut().push(SdlError::new(
                join(&self.path, &unknown.key),
                Some(unknown.key_line),
                format!(
                    "unknown field, ignored as Akash ignores it (known here: {}){hint}",
                    known.join(", ")
                ),
            ));
        }
        Ok(Fields {
            cursor: self.clone(),
            entries,
        })
    }
}

/// The fields of a mapping whose keys were checked.
pub struct Fields<'a> {
    pub cursor: Cursor<'a>,
    entries: &'a [Entry],
}

impl<'a> Fields<'a> {
    /// The field, also when its value is null.
    pub fn raw(&self, key: &str) -> Option<Cursor<'a>> {
        self.entries
            .iter()
            .find(|e| e.key == key)
            .map(|e| self.cursor.child(e))
    }

    /// The field, unless it is absent or null.
    pub fn get(&self, key: &str) -> Option<Cursor<'a>> {
        self.raw(key).filter(|c| !c.is_null())
    }

    /// The field; absent or null is refused as missing.
    pub fn require(&self, key: &str) -> Result<Cursor<'a>> {
        self.get(key).ok_or_else(|| self.missing(key))
    }

    pub fn missing(&self, key: &str) -> SdlError {
        let line = self
            .entries
            .iter()
            .find(|e| e.key == key)
            .map(|e| e.key_line)
            .unwrap_or(self.cursor.node.line);
        SdlError::new(join(&self.cursor.path, key), Some(line), "missing")
    }

    pub fn path(&self, key: &str) -> String {
        join(&self.cursor.path, key)
    }
}
