//! CometBFT event queries (`tm.event='Tx' AND wasm-order_created.owner='kumo1…'`): parsing and
//! matching against a flattened event map.
//!
//! The parsed form is tendermint-rpc's own [`Query`]. tendermint-rpc's `FromStr` cannot be used
//! for parsing: its tag grammar has no `-`, while CometBFT accepts it and CosmWasm's custom
//! events are all `wasm-<name>`. This parser follows CometBFT 0.38's grammar instead.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use tendermint_rpc::query::{Condition, EventType, Operand, Operation, Query};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

/// Event attributes flattened as CometBFT's pubsub sees them: `<type>.<key>` → values, plus
/// `tm.event`, `tx.hash`, `tx.height` (and `block.height` for blocks).
pub type EventMap = BTreeMap<String, Vec<String>>;

/// A parsed query that remembers the exact text it was parsed from: subscription events must
/// echo that text, because clients route events to subscriptions by it.
#[derive(Debug, Clone)]
pub struct EventQuery {
    text: String,
    query: Query,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("failed to parse query: offset {offset}: {message}")]
pub struct QueryParseError {
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for EventQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for EventQuery {
    type Err = QueryParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let query = Parser::new(text).query()?;
        Ok(EventQuery {
            text: text.to_string(),
            query,
        })
    }
}

impl EventQuery {
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn query(&self) -> &Query {
        &self.query
    }

    /// Whether the query selects only events of one kind.
    pub fn event_type(&self) -> Option<&EventType> {
        self.query.event_type.as_ref()
    }

    pub fn conditions(&self) -> &[Condition] {
        &self.query.conditions
    }

    /// Whether every term holds for some value in `events` (CometBFT's pubsub semantics:
    /// conditions may be satisfied by different events).
    pub fn matches(&self, events: &EventMap) -> bool {
        if let Some(kind) = &self.query.event_type {
            let wanted = kind.to_string();
            let found = events.get("tm.event").is_some_and(|v| v.contains(&wanted));
            if !found {
                return false;
            }
        }
        self.query
            .conditions
            .iter()
            .all(|condition| condition_holds(condition, events))
    }
}

pub fn condition_holds(condition: &Condition, events: &EventMap) -> bool {
    let values = events.get(&condition.key).map(Vec::as_slice).unwrap_or(&[]);
    match &condition.operation {
        Operation::Exists => !values.is_empty(),
        Operation::Contains(needle) => values.iter().any(|v| v.contains(needle.as_str())),
        Operation::Eq(op) => values
            .iter()
            .any(|v| compare(v, op) == Some(std::cmp::Ordering::Equal)),
        Operation::Lt(op) => values
            .iter()
            .any(|v| compare(v, op).is_some_and(|o| o.is_lt())),
        Operation::Lte(op) => values
            .iter()
            .any(|v| compare(v, op).is_some_and(|o| o.is_le())),
        Operation::Gt(op) => values
            .iter()
            .any(|v| compare(v, op).is_some_and(|o| o.is_gt())),
        Operation::Gte(op) => values
            .iter()
            .any(|v| compare(v, op).is_some_and(|o| o.is_ge())),
    }
}

/// Orders an attribute value against an operand; `None` when they are not comparable.
fn compare(value: &str, operand: &Operand) -> Option<std::cmp::Ordering> {
    match operand {
        Operand::String(s) => Some(value.cmp(s.as_str())),
        Operand::Unsigned(u) => compare_number(value, *u as f64, Some(*u as i128)),
        Operand::Signed(i) => compare_number(value, *i as f64, Some(*i as i128)),
        Operand::Float(f) => compare_number(value, *f, None),
        Operand::Date(d) => parse_date(value).map(|v| v.cmp(d)),
        Operand::DateTime(dt) => OffsetDateTime::parse(value, &Rfc3339)
            .ok()
            .map(|v| v.cmp(dt)),
    }
}

/// Numbers compare exactly as integers when both sides are integers, else as floats; a value
/// like `100uakt` compares by its leading number, as CometBFT does.
fn compare_number(value: &str, float: f64, int: Option<i128>) -> Option<std::cmp::Ordering> {
    if let (Some(int), Ok(v)) = (int, value.parse::<i128>()) {
        return Some(v.cmp(&int));
    }
    let number = value
        .parse::<f64>()
        .ok()
        .or_else(|| leading_number(value)?.parse::<f64>().ok())?;
    number.partial_cmp(&float)
}

fn leading_number(value: &str) -> Option<&str> {
    let digits = value
        .char_indices()
        .take_while(|(_, c)| c.is_ascii_digit() || *c == '.')
        .last()?
        .0;
    Some(&value[..=digits])
}

fn parse_date(value: &str) -> Option<Date> {
    let prefix = value.get(..10)?;
    Date::parse(prefix, format_description!("[year]-[month]-[day]")).ok()
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Parser { text, pos: 0 }
    }

    fn error<T>(&self, message: impl Into<String>) -> Result<T, QueryParseError> {
        Err(QueryParseError {
            offset: self.pos,
            message: message.into(),
        })
    }

    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn skip_spaces(&mut self) {
        let trimmed = self.rest().trim_start_matches([' ', '\t', '\n', '\r']);
        self.pos = self.text.len() - trimmed.len();
    }

    fn eat(&mut self, token: &str) -> bool {
        if self.rest().starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    /// A keyword must be followed by a space or the end, so `ANDROID` is not `AND`.
    fn eat_keyword(&mut self, keyword: &str) -> bool {
        let rest = self.rest();
        if rest.starts_with(keyword)
            && rest[keyword.len()..]
                .chars()
                .next()
                .is_none_or(|c| c.is_whitespace() || c == '\'')
        {
            self.pos += keyword.len();
            true
        } else {
            false
        }
    }

    fn query(mut self) -> Result<Query, QueryParseError> {
        let mut query = Query::default();
        self.skip_spaces();
        if self.rest().is_empty() {
            return self.error("empty query");
        }
        loop {
            self.skip_spaces();
            let condition = self.condition()?;
            match condition {
                Condition {
                    ref key,
                    operation: Operation::Eq(Operand::String(ref value)),
                } if key == "tm.event" && (value == "NewBlock" || value == "Tx") => {
                    let kind = EventType::from_str(value).expect("matched above");
                    if query.event_type.as_ref().is_some_and(|k| *k != kind) {
                        // `tm.event='NewBlock' AND tm.event='Tx'` can never match.
                        query.conditions.push(condition);
                    } else {
                        query.event_type = Some(kind);
                    }
                }
                other => query.conditions.push(other),
            }
            self.skip_spaces();
            if self.rest().is_empty() {
                return Ok(query);
            }
            if !self.eat_keyword("AND") {
                return self.error("got garbage, wanted AND or the end of the query");
            }
        }
    }

    fn tag(&mut self) -> Result<String, QueryParseError> {
        let len = self
            .rest()
            .chars()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
            .map(char::len_utf8)
            .sum::<usize>();
        if len == 0 {
            return self.error("wanted an attribute key (tag)");
        }
        let tag = self.rest()[..len].to_string();
        self.pos += len;
        Ok(tag)
    }

    fn condition(&mut self) -> Result<Condition, QueryParseError> {
        let key = self.tag()?;
        self.skip_spaces();
        if self.eat_keyword("EXISTS") {
            return Ok(Condition::exists(key));
        }
        if self.eat_keyword("CONTAINS") {
            self.skip_spaces();
            return Ok(Condition::contains(key, self.string()?));
        }
        let make: fn(String, Operand) -> Condition = if self.eat("<=") {
            Condition::lte
        } else if self.eat(">=") {
            Condition::gte
        } else if self.eat("<") {
            Condition::lt
        } else if self.eat(">") {
            Condition::gt
        } else if self.eat("=") {
            Condition::eq
        } else {
            return self.error(
                "got tag, wanted <= operator, >= operator, < operator, > operator, = operator, \
                 CONTAINS operator or EXISTS operator",
            );
        };
        self.skip_spaces();
        Ok(make(key, self.operand()?))
    }

    fn string(&mut self) -> Result<String, QueryParseError> {
        if !self.eat("'") {
            return self.error("wanted a quoted string");
        }
        match self.rest().find('\'') {
            Some(end) => {
                let s = self.rest()[..end].to_string();
                self.pos += end + 1;
                Ok(s)
            }
            None => self.error("unterminated string"),
        }
    }

    fn word(&mut self) -> &'a str {
        let rest = self.rest();
        let len = rest.find(|c: char| c.is_whitespace()).unwrap_or(rest.len());
        self.pos += len;
        &rest[..len]
    }

    fn operand(&mut self) -> Result<Operand, QueryParseError> {
        if self.rest().starts_with('\'') {
            return self.string().map(Operand::String);
        }
        if self.eat_keyword("DATE") {
            self.skip_spaces();
            let start = self.pos;
            let word = self.word();
            return match Date::parse(word, format_description!("[year]-[month]-[day]")) {
                Ok(d) => Ok(Operand::Date(d)),
                Err(_) => {
                    self.pos = start;
                    self.error("invalid date, wanted YYYY-MM-DD")
                }
            };
        }
        if self.eat_keyword("TIME") {
            self.skip_spaces();
            let start = self.pos;
            let word = self.word();
            return match OffsetDateTime::parse(word, &Rfc3339) {
                Ok(t) => Ok(Operand::DateTime(t)),
                Err(_) => {
                    self.pos = start;
                    self.error("invalid time, wanted RFC 3339")
                }
            };
        }
        let start = self.pos;
        let word = self.word();
        if word.is_empty() {
            return self.error("wanted an operand");
        }
        if let Ok(u) = word.parse::<u64>() {
            return Ok(Operand::Unsigned(u));
        }
        if let Ok(i) = word.parse::<i64>() {
            return Ok(Operand::Signed(i));
        }
        if word.contains('.') {
            if let Ok(f) = word.parse::<f64>() {
                if f.is_finite() {
                    return Ok(Operand::Float(f));
                }
            }
        }
        self.pos = start;
        self.error("wanted a number, a quoted string, DATE or TIME")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(entries: &[(&str, &str)]) -> EventMap {
        let mut m = EventMap::new();
        for (k, v) in entries {
            m.entry(k.to_string()).or_default().push(v.to_string());
        }
        m
    }

    #[test]
    fn parses_hyphenated_wasm_event_keys() {
        let q: EventQuery = "tm.event='Tx' AND wasm-order_created.owner='kumo1abc'"
            .parse()
            .unwrap();
        assert_eq!(q.event_type(), Some(&EventType::Tx));
        assert_eq!(q.conditions().len(), 1);
        assert_eq!(q.conditions()[0].key, "wasm-order_created.owner");
        assert!(q.matches(&map(&[
            ("tm.event", "Tx"),
            ("wasm-order_created.owner", "kumo1abc")
        ])));
        assert!(!q.matches(&map(&[
            ("tm.event", "Tx"),
            ("wasm-order_created.owner", "kumo1xyz")
        ])));
        assert!(!q.matches(&map(&[
            ("tm.event", "NewBlock"),
            ("wasm-order_created.owner", "kumo1abc")
        ])));
    }

    #[test]
    fn tendermint_rpcs_own_parser_rejects_hyphenated_keys() {
        // Why this module parses: CosmWasm's `wasm-<name>` events need the hyphen.
        assert!(Query::from_str("wasm-order_created.owner = 'x'").is_err());
        assert!("wasm-order_created.owner = 'x'"
            .parse::<EventQuery>()
            .is_ok());
    }

    #[test]
    fn parses_what_tendermint_rpc_prints() {
        let built = Query::from(EventType::Tx)
            .and_eq("transfer.sender", "kumo1x")
            .and_gte("tx.height", 5u64)
            .and_exists("message.action")
            .and_contains("message.module", "ban");
        let parsed: EventQuery = built.to_string().parse().unwrap();
        assert_eq!(parsed.query(), &built);
        assert_eq!(parsed.text(), built.to_string());
    }

    #[test]
    fn numeric_and_range_conditions() {
        let q: EventQuery = "tx.height > 3 AND tx.height <= 5 AND coin.amount >= 10"
            .parse()
            .unwrap();
        assert!(q.matches(&map(&[("tx.height", "4"), ("coin.amount", "100uakt")])));
        assert!(!q.matches(&map(&[("tx.height", "6"), ("coin.amount", "100uakt")])));
        assert!(!q.matches(&map(&[("tx.height", "4"), ("coin.amount", "9uakt")])));
    }

    #[test]
    fn rejects_malformed_queries_with_an_offset() {
        for bad in [
            "",
            "malformedquery",
            "a.b =",
            "a.b = 'x' AND",
            "a.b = 'x' OR c.d = 'y'",
            "a.b ~ 1",
            "a.b = 'unterminated",
            "= 'x'",
            "a.b = DATE 2020-13-45",
        ] {
            let err = bad.parse::<EventQuery>().unwrap_err();
            assert!(err.offset <= bad.len(), "{bad}: {err}");
        }
    }

    #[test]
    fn dates_and_times() {
        let q: EventQuery = "e.when >= DATE 2024-01-02 AND e.at < TIME 2024-01-02T03:04:05Z"
            .parse()
            .unwrap();
        assert!(q.matches(&map(&[
            ("e.when", "2024-01-03"),
            ("e.at", "2024-01-02T03:04:04Z")
        ])));
        assert!(!q.matches(&map(&[
            ("e.when", "2024-01-01"),
            ("e.at", "2024-01-02T03:04:04Z")
        ])));
    }
}
