//! Canonical JSON as Akash hashes it: Cosmos SDK's `SortJSON` unmarshals the manifest JSON
//! into Go maps and marshals it again with `encoding/json`. So: object keys sorted by bytes,
//! no whitespace, and Go's string escaping (`<`, `>`, `&`, U+2028 and U+2029 as `\u00XX` /
//! `\u20XX`; `\b \f \n \r \t` short forms; other control characters as `\u00XX`). Numbers
//! pass through float64 there, which the manifest's integers (all below 2^53) survive intact.

use std::fmt::Write;

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The canonical form of a JSON value.
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

/// sha256 of the canonical form: the manifest version Akash stores on chain.
pub fn hash(value: &Value) -> [u8; 32] {
    Sha256::digest(to_string(value).as_bytes()).into()
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k);
                out.push(':');
                write_value(out, v);
            }
            out.push('}');
        }
    }
}

/// Go marshals a float64 with the shortest representation: plain notation for
/// 1e-6 <= |x| < 1e21, exponent notation (`1e+21`, `1e-7`) outside.
fn write_number(out: &mut String, n: &serde_json::Number) {
    const EXACT: u64 = 1 << 53;
    if let Some(u) = n.as_u64().filter(|u| *u <= EXACT) {
        let _ = write!(out, "{u}");
        return;
    }
    if let Some(i) = n.as_i64().filter(|i| i.unsigned_abs() <= EXACT) {
        let _ = write!(out, "{i}");
        return;
    }
    let f = n.as_f64().unwrap_or(0.0);
    let abs = f.abs();
    if abs == 0.0 {
        out.push('0');
    } else if (1e-6..1e21).contains(&abs) {
        let _ = write!(out, "{f}");
    } else {
        let s = format!("{f:e}");
        match s.split_once('e') {
            Some((mantissa, exp)) if !exp.starts_with('-') => {
                let _ = write!(out, "{mantissa}e+{exp}");
            }
            _ => out.push_str(&s),
        }
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorted_compact_go_escaped() {
        let v = json!({"b": [1, true, null], "a": {"z": "x", "y": 2}, "A": "<&>"});
        assert_eq!(
            to_string(&v),
            r#"{"A":"\u003c\u0026\u003e","a":{"y":2,"z":"x"},"b":[1,true,null]}"#
        );
        assert_eq!(
            to_string(&json!("tab\there\u{1}\u{2028}é\"\\")),
            r#""tab\there\u0001\u2028é\"\\""#
        );
        assert_eq!(to_string(&json!("\u{8}\u{c}\u{7f}")), "\"\\b\\f\u{7f}\"");
    }

    #[test]
    fn numbers_like_go_float64() {
        assert_eq!(to_string(&json!(1048576)), "1048576");
        assert_eq!(to_string(&json!(-5)), "-5");
        assert_eq!(to_string(&json!(0.5)), "0.5");
        assert_eq!(to_string(&json!(1e21)), "1e+21");
        assert_eq!(to_string(&json!(1e-7)), "1e-7");
        assert_eq!(to_string(&json!(u64::MAX)), "18446744073709552000");
    }
}
