//! What the CLI prints: human tables by default, stable JSON with `--output json`.
//!
//! JSON goes to stdout, one document per command. Human output goes to stdout too; progress,
//! hints and warnings go to stderr so that stdout stays parseable.

use std::fmt::Write as _;
use std::io::IsTerminal;

use comfy_table::{presets, ContentArrangement, Table};
use cosmwasm_std::{Decimal256, Uint256};
use kumo_types::coins::DecCoin;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `--output text|json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputMode {
    /// Tables and sentences for people.
    #[default]
    Text,
    /// One JSON document on stdout, with stable field names.
    Json,
}

impl OutputMode {
    pub fn is_json(self) -> bool {
        self == OutputMode::Json
    }
}

impl std::str::FromStr for OutputMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(OutputMode::Text),
            "json" => Ok(OutputMode::Json),
            other => Err(format!(
                "{other:?} is not an output format: use text or json"
            )),
        }
    }
}

impl std::fmt::Display for OutputMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            OutputMode::Text => "text",
            OutputMode::Json => "json",
        })
    }
}

/// Pretty JSON with a trailing newline.
pub fn json_string<T: Serialize + ?Sized>(value: &T) -> String {
    let mut s = serde_json::to_string_pretty(value).expect("output serializes to JSON");
    s.push('\n');
    s
}

pub fn print_json<T: Serialize + ?Sized>(value: &T) {
    print!("{}", json_string(value));
}

/// A table without borders, like kubectl's: a header row, then one row per item.
pub fn table<S: AsRef<str>>(headers: &[&str], rows: &[Vec<S>]) -> String {
    let mut t = Table::new();
    t.load_preset(presets::NOTHING);
    if std::io::stdout().is_terminal() {
        t.set_content_arrangement(ContentArrangement::Dynamic);
    } else {
        t.set_content_arrangement(ContentArrangement::Disabled);
    }
    t.set_header(headers.iter().map(|h| h.to_string()));
    for row in rows {
        t.add_row(row.iter().map(|c| c.as_ref().to_string()));
    }
    // comfy-table pads every cell with one space on each side; trim the line ends.
    let mut out = String::new();
    for line in t.to_string().lines() {
        let _ = writeln!(out, "{}", line.trim_end().strip_prefix(' ').unwrap_or(line));
    }
    out
}

/// Aligned `key: value` lines.
pub fn key_values(pairs: &[(&str, String)]) -> String {
    let width = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 1;
    let mut out = String::new();
    for (k, v) in pairs {
        let _ = writeln!(out, "{:<width$} {v}", format!("{k}:"));
    }
    out
}

/// Adds `next_start_after` to a list response: the value to pass to `--start-after` for the
/// next page, or null when this page was not full.
pub fn with_next_page(response: Value, next: Option<String>) -> Value {
    match response {
        Value::Object(mut map) => {
            map.insert(
                "next_start_after".into(),
                next.map(Value::String).unwrap_or(Value::Null),
            );
            Value::Object(map)
        }
        other => other,
    }
}

/// The `--start-after` of the next page when `count` filled the page.
pub fn next_page(count: usize, limit: u32, last: Option<String>) -> Option<String> {
    if count as u64 >= limit as u64 && count > 0 {
        last
    } else {
        None
    }
}

/// The hint printed (to stderr) under a full page.
pub fn next_page_hint(next: &Option<String>) {
    if let Some(next) = next {
        eprintln!("more: add --start-after {next}");
    }
}

/// Seconds in the month used for per-month prices: 30 days.
pub const MONTH_SECONDS: f64 = 30.0 * 24.0 * 3600.0;

/// Blocks in a 30-day month at `block_time` seconds per block.
pub fn blocks_per_month(block_time: f64) -> u64 {
    (MONTH_SECONDS / block_time).round() as u64
}

/// A per-block price times the blocks in a month.
pub fn per_month(price: &DecCoin, block_time: f64) -> DecCoin {
    let blocks = Decimal256::from_ratio(blocks_per_month(block_time), 1u64);
    DecCoin::new(price.amount * blocks, price.denom.clone())
}

/// A decimal with at most `places` decimals, trailing zeros dropped.
pub fn round_decimal(d: Decimal256, places: u32) -> String {
    let s = d.to_string();
    match s.split_once('.') {
        Some((int, frac)) => {
            let frac = &frac[..frac.len().min(places as usize)];
            let frac = frac.trim_end_matches('0');
            if frac.is_empty() {
                int.to_string()
            } else {
                format!("{int}.{frac}")
            }
        }
        None => s,
    }
}

/// Thousands separators for an integer string.
pub fn group_digits(int: &str) -> String {
    let (sign, digits) = int.strip_prefix('-').map(|d| ("-", d)).unwrap_or(("", int));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

/// `u`-prefixed micro denoms (uakt) shown in whole tokens: `1234567uakt` is `1.234567 AKT`.
pub fn display_denom(amount: Decimal256, denom: &str) -> String {
    match denom.strip_prefix('u') {
        Some(base) if !base.is_empty() && base.chars().all(|c| c.is_ascii_alphabetic()) => {
            let whole = amount / Decimal256::from_ratio(1_000_000u64, 1u64);
            let s = round_decimal(whole, 6);
            let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
            let int = group_digits(int);
            let num = if frac.is_empty() {
                int
            } else {
                format!("{int}.{frac}")
            };
            format!("{num} {}", base.to_ascii_uppercase())
        }
        _ => format!("{}{denom}", round_decimal(amount, 6)),
    }
}

/// A per-block price as written on chain: `500uakt`.
pub fn price_per_block(price: &DecCoin) -> String {
    format!("{}{}", round_decimal(price.amount, 18), price.denom)
}

/// A coin amount in base units with the token equivalent: `5000000uakt (5 AKT)`.
pub fn coin_amount(amount: Uint256, denom: &str) -> String {
    let dec = Decimal256::from_ratio(amount, 1u8);
    let tokens = display_denom(dec, denom);
    if tokens.ends_with(denom) {
        format!("{amount}{denom}")
    } else {
        format!("{amount}{denom} ({tokens})")
    }
}

/// A duration in days, hours and minutes: `3d 4h 5m`.
pub fn human_duration(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return "unknown".into();
    }
    let total = seconds.round() as u64;
    let (d, h, m, s) = (
        total / 86_400,
        total % 86_400 / 3600,
        total % 3600 / 60,
        total % 60,
    );
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m {s}s"),
        (0, _, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h {m}m"),
    }
}

/// The note under every per-month figure.
pub fn block_time_note(block_time: f64) -> String {
    format!(
        "per month = 30 days at ~{} s per block ({} blocks); set block_time in the config file or --block-time to change",
        round_decimal(
            Decimal256::from_str_lossy(block_time),
            3
        ),
        group_digits(&blocks_per_month(block_time).to_string())
    )
}

/// `Decimal256` from an f64, for display only.
trait FromF64 {
    fn from_str_lossy(v: f64) -> Self;
}

impl FromF64 for Decimal256 {
    fn from_str_lossy(v: f64) -> Self {
        format!("{v:.6}").parse().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn tables_have_headers_and_rows() {
        let out = table(
            &["PROVIDER", "PRICE"],
            &[vec!["kumo1abc", "500uakt"], vec!["kumo1defgh", "1uakt"]],
        );
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3, "{out}");
        assert!(lines[0].starts_with("PROVIDER"), "{out}");
        assert!(lines[1].starts_with("kumo1abc"));
        // Columns line up.
        assert_eq!(lines[0].find("PRICE"), lines[1].find("500uakt"));
        assert!(lines.iter().all(|l| !l.ends_with(' ')));
    }

    #[test]
    fn key_values_align() {
        let out = key_values(&[("a", "1".into()), ("long key", "2".into())]);
        assert_eq!(out, "a:        1\nlong key: 2\n");
    }

    #[test]
    fn prices_per_month() {
        let price = DecCoin::new(Decimal256::from_str("500").unwrap(), "uakt");
        assert_eq!(blocks_per_month(6.0), 432_000);
        let month = per_month(&price, 6.0);
        assert_eq!(month.amount, Decimal256::from_str("216000000").unwrap());
        assert_eq!(display_denom(month.amount, "uakt"), "216 AKT");
        assert_eq!(
            display_denom(Decimal256::from_str("1234567.5").unwrap(), "uakt"),
            "1.234567 AKT"
        );
        assert_eq!(
            display_denom(Decimal256::from_str("1234567890000").unwrap(), "uakt"),
            "1,234,567.89 AKT"
        );
        assert_eq!(display_denom(Decimal256::one(), "stake"), "1stake");
        assert_eq!(price_per_block(&price), "500uakt");
        let frac = DecCoin::new(Decimal256::from_str("0.25").unwrap(), "uakt");
        assert_eq!(price_per_block(&frac), "0.25uakt");
        assert!(block_time_note(6.0).contains("~6 s per block (432,000 blocks)"));
    }

    #[test]
    fn amounts_and_durations() {
        assert_eq!(
            coin_amount(Uint256::from(5_000_000u64), "uakt"),
            "5000000uakt (5 AKT)"
        );
        assert_eq!(coin_amount(Uint256::from(7u64), "stake"), "7stake");
        assert_eq!(group_digits("1234567"), "1,234,567");
        assert_eq!(group_digits("123"), "123");
        assert_eq!(human_duration(59.0), "59s");
        assert_eq!(human_duration(61.0), "1m 1s");
        assert_eq!(
            human_duration(3.0 * 86_400.0 + 4.0 * 3600.0 + 300.0),
            "3d 4h 5m"
        );
        assert_eq!(
            round_decimal(Decimal256::from_str("1.23456789").unwrap(), 3),
            "1.234"
        );
    }

    #[test]
    fn pages() {
        assert_eq!(next_page(10, 10, Some("x".into())), Some("x".into()));
        assert_eq!(next_page(3, 10, Some("x".into())), None);
        let v = with_next_page(serde_json::json!({"orders": []}), None);
        assert_eq!(
            v,
            serde_json::json!({"orders": [], "next_start_after": null})
        );
    }

    #[test]
    fn output_modes_parse() {
        assert_eq!("JSON".parse::<OutputMode>().unwrap(), OutputMode::Json);
        assert!("yaml"
            .parse::<OutputMode>()
            .unwrap_err()
            .contains("text or json"));
    }
}
