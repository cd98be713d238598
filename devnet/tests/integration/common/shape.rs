//! Structural comparison of JSON answers against recorded CometBFT 0.38 answers: the same keys
//! at every level, the same JSON types; values may differ.

use serde_json::Value;

pub const RECORDED: &str = "../../shared/testdata/cometbft-rpc/v0_38/incoming";

/// Loads a recorded answer, relative to this crate.
pub fn recorded(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(RECORDED)
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Differences between `actual` and the shape of `expected`, as readable paths. `null` stands
/// for Go's nil and matches an array or object (and anything where the recording has null);
/// `optional` lists paths (`a.b.c`, array indexes as `[]`) whose keys Go omits when empty, so
/// they may be absent or extra. A path ending in `{}` (`result.events{}`) marks a map whose keys
/// are data: each of its values is compared with the recording's first value.
pub fn mismatches(expected: &Value, actual: &Value, optional: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    walk(expected, actual, "", optional, &mut out);
    out
}

fn walk(expected: &Value, actual: &Value, path: &str, optional: &[&str], out: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Null, _) => {}
        (Value::Array(_) | Value::Object(_), Value::Null) => {}
        (Value::Object(e), Value::Object(a))
            if optional.contains(&format!("{path}{{}}").as_str()) =>
        {
            if let Some(first) = e.values().next() {
                for (key, av) in a {
                    walk(first, av, &join(path, key), optional, out);
                }
            }
        }
        (Value::Object(e), Value::Object(a)) => {
            for (key, ev) in e {
                let child = join(path, key);
                match a.get(key) {
                    Some(av) => walk(ev, av, &child, optional, out),
                    None if optional.contains(&child.as_str()) => {}
                    None => out.push(format!("missing key {child}")),
                }
            }
            for key in a.keys() {
                let child = join(path, key);
                if !e.contains_key(key) && !optional.contains(&child.as_str()) {
                    out.push(format!("unexpected key {child}"));
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if let Some(first) = e.first() {
                for item in a {
                    walk(first, item, &format!("{path}[]"), optional, out);
                }
            }
        }
        (e, a) if kind(e) == kind(a) => {}
        (e, a) => out.push(format!(
            "{path}: expected {}, got {} ({a})",
            kind(e),
            kind(a)
        )),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Asserts that `actual` has the recorded answer's shape.
pub fn assert_shape(recording: &str, actual: &Value, optional: &[&str]) {
    let expected = recorded(recording);
    let problems = mismatches(&expected, actual, optional);
    assert!(
        problems.is_empty(),
        "{recording}: the answer's shape differs from CometBFT 0.38's:\n  {}\nanswer: {}",
        problems.join("\n  "),
        serde_json::to_string_pretty(actual).unwrap()
    );
}
