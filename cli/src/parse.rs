//! Parsers for flag values: gas, gas prices, amounts, ids. Each error says what a good value
//! looks like.

use std::fmt;
use std::str::FromStr;

use cosmwasm_std::{Addr, Coin, Decimal256, Uint256};
use kumo_types::ids::{BidId, OrderId};

/// `--gas auto|N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GasArg {
    /// Simulate, then multiply by the gas adjustment.
    Auto,
    /// A fixed gas limit.
    Fixed(u64),
}

impl fmt::Display for GasArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GasArg::Auto => f.write_str("auto"),
            GasArg::Fixed(n) => write!(f, "{n}"),
        }
    }
}

pub fn parse_gas(s: &str) -> Result<GasArg, String> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("auto") {
        return Ok(GasArg::Auto);
    }
    match s.replace('_', "").parse::<u64>() {
        Ok(0) => Err("gas must be above 0: use `auto` or a gas limit such as 200000".into()),
        Ok(n) => Ok(GasArg::Fixed(n)),
        Err(_) => Err(format!(
            "{s:?} is not a gas setting: use `auto` (simulate) or a gas limit such as 200000"
        )),
    }
}

/// `--gas-adjustment F`: a finite factor of at least 1 applied to simulated gas.
pub fn parse_gas_adjustment(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && (1.0..=10.0).contains(&v) => Ok(v),
        Ok(v) => Err(format!(
            "{v} is out of range: the gas adjustment multiplies simulated gas, use 1.0-10.0 (e.g. 1.4)"
        )),
        Err(_) => Err(format!("{s:?} is not a number: use e.g. 1.4")),
    }
}

/// `--gas-prices 0.025uakt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GasPriceArg {
    pub amount: Decimal256,
    pub denom: String,
}

impl fmt::Display for GasPriceArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.amount, self.denom)
    }
}

/// Splits `12.5uakt` into ("12.5", "uakt").
fn split_amount(s: &str) -> (&str, &str) {
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    (&s[..end], &s[end..])
}

fn valid_denom(denom: &str) -> bool {
    kumo_types::coins::validate_denom("denom", denom).is_ok()
}

pub fn parse_gas_price(s: &str) -> Result<GasPriceArg, String> {
    let s = s.trim();
    let hint = "use an amount and a denom, e.g. 0.025uakt";
    let (amount, denom) = split_amount(s);
    if amount.is_empty() {
        return Err(format!("{s:?} has no amount: {hint}"));
    }
    if denom.is_empty() {
        return Err(format!("{s:?} has no denom: {hint}"));
    }
    if !valid_denom(denom) {
        return Err(format!("{denom:?} is not a valid denom: {hint}"));
    }
    let amount = Decimal256::from_str(amount).map_err(|e| format!("{s:?}: {e}: {hint}"))?;
    Ok(GasPriceArg {
        amount,
        denom: denom.to_string(),
    })
}

/// `--block-time SECS`: the block interval assumed for per-month prices and time left.
pub fn parse_block_time(s: &str) -> Result<f64, String> {
    match s.trim().trim_end_matches('s').parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 3600.0 => Ok(v),
        _ => Err(format!(
            "{s:?} is not a block time: give seconds between blocks, e.g. 6"
        )),
    }
}

/// An amount of coins: `5000000uakt`, or a bare integer in `default_denom`.
pub fn parse_coin(s: &str, default_denom: &str) -> Result<Coin, String> {
    let s = s.trim();
    let hint = format!("use an integer amount and a denom, e.g. 5000000{default_denom}");
    let (amount, denom) = split_amount(s);
    if amount.is_empty() {
        return Err(format!("{s:?} is not an amount: {hint}"));
    }
    if amount.contains('.') {
        return Err(format!(
            "{s:?}: amounts are whole base units (1 AKT = 1000000uakt): {hint}"
        ));
    }
    let denom = if denom.is_empty() {
        default_denom
    } else {
        denom
    };
    if !valid_denom(denom) {
        return Err(format!("{denom:?} is not a valid denom: {hint}"));
    }
    let amount = Uint256::from_str(amount).map_err(|e| format!("{s:?}: {e}: {hint}"))?;
    if amount.is_zero() {
        return Err(format!("{s:?}: the amount must be above 0"));
    }
    Ok(Coin::new(amount, denom))
}

/// A positive integer amount without denom (unbonding, unstaking).
pub fn parse_amount(s: &str, denom: &str) -> Result<Uint256, String> {
    let coin = parse_coin(s, denom)?;
    if coin.denom != denom {
        return Err(format!(
            "{s:?} is in {}, but this amount is in {denom}",
            coin.denom
        ));
    }
    Ok(coin.amount)
}

/// `key=value`.
pub fn parse_key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() && !v.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!(
            "{s:?} is not key=value: write e.g. region=us-west or capabilities/gpu/vendor/nvidia/model/h100=true"
        )),
    }
}

fn parse_u<T: FromStr>(part: &str, what: &str, whole: &str, shape: &str) -> Result<T, String> {
    part.parse::<T>().map_err(|_| {
        format!("{whole:?}: {what} {part:?} is not a number; an id looks like {shape}")
    })
}

/// `owner/dseq/gseq/oseq`.
pub fn parse_order_id(s: &str) -> Result<OrderId, String> {
    let shape = "<owner>/<dseq>/<gseq>/<oseq>";
    let parts: Vec<&str> = s.trim().split('/').collect();
    let [owner, dseq, gseq, oseq] = parts.as_slice() else {
        return Err(format!("{s:?} is not an order id: write {shape}"));
    };
    Ok(OrderId {
        owner: Addr::unchecked(*owner),
        dseq: parse_u(dseq, "dseq", s, shape)?,
        gseq: parse_u(gseq, "gseq", s, shape)?,
        oseq: parse_u(oseq, "oseq", s, shape)?,
    })
}

/// `owner/dseq/gseq/oseq/provider`: a bid, or the lease it became.
pub fn parse_bid_id(s: &str) -> Result<BidId, String> {
    let shape = "<owner>/<dseq>/<gseq>/<oseq>/<provider>";
    let parts: Vec<&str> = s.trim().split('/').collect();
    let [owner, dseq, gseq, oseq, provider] = parts.as_slice() else {
        return Err(format!(
            "{s:?} is not a bid or lease id: write {shape} (as `kumo market bids` prints it)"
        ));
    };
    Ok(BidId {
        owner: Addr::unchecked(*owner),
        dseq: parse_u(dseq, "dseq", s, shape)?,
        gseq: parse_u(gseq, "gseq", s, shape)?,
        oseq: parse_u(oseq, "oseq", s, shape)?,
        provider: Addr::unchecked(*provider),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gas_settings() {
        assert_eq!(parse_gas("auto"), Ok(GasArg::Auto));
        assert_eq!(parse_gas("AUTO"), Ok(GasArg::Auto));
        assert_eq!(parse_gas("200000"), Ok(GasArg::Fixed(200_000)));
        assert_eq!(parse_gas("1_000_000"), Ok(GasArg::Fixed(1_000_000)));
        assert!(parse_gas("0").unwrap_err().contains("above 0"));
        let err = parse_gas("lots").unwrap_err();
        assert!(err.contains("use `auto`"), "{err}");
        assert!(parse_gas("-5").is_err());
        assert_eq!(GasArg::Fixed(7).to_string(), "7");
    }

    #[test]
    fn gas_adjustments() {
        assert_eq!(parse_gas_adjustment("1.4"), Ok(1.4));
        assert_eq!(parse_gas_adjustment("1"), Ok(1.0));
        assert!(parse_gas_adjustment("0.5")
            .unwrap_err()
            .contains("1.0-10.0"));
        assert!(parse_gas_adjustment("NaN").is_err());
        assert!(parse_gas_adjustment("inf").is_err());
        assert!(parse_gas_adjustment("x")
            .unwrap_err()
            .contains("not a number"));
    }

    #[test]
    fn gas_prices() {
        let p = parse_gas_price("0.025uakt").unwrap();
        assert_eq!(p.denom, "uakt");
        assert_eq!(p.amount, Decimal256::from_str("0.025").unwrap());
        assert_eq!(p.to_string(), "0.025uakt");
        assert_eq!(parse_gas_price("1uakt").unwrap().amount, Decimal256::one());
        assert!(parse_gas_price("uakt").unwrap_err().contains("no amount"));
        assert!(parse_gas_price("0.025").unwrap_err().contains("no denom"));
        assert!(parse_gas_price("0.0.1uakt").is_err());
        assert!(parse_gas_price("1u")
            .unwrap_err()
            .contains("not a valid denom"));
        let ibc = parse_gas_price(
            "0.1ibc/27394FB092D2ECCD56123C74F36E4C1F926001CEADA9CA97EA622B25F41E5EB2",
        )
        .unwrap();
        assert!(ibc.denom.starts_with("ibc/"));
    }

    #[test]
    fn coins() {
        assert_eq!(
            parse_coin("5000000uakt", "uakt").unwrap(),
            Coin::new(5_000_000u128, "uakt")
        );
        assert_eq!(parse_coin("42", "uakt").unwrap(), Coin::new(42u128, "uakt"));
        assert!(parse_coin("1.5uakt", "uakt")
            .unwrap_err()
            .contains("whole base units"));
        assert!(parse_coin("0uakt", "uakt").unwrap_err().contains("above 0"));
        assert!(parse_coin("akt", "uakt")
            .unwrap_err()
            .contains("not an amount"));
        assert!(parse_amount("5uother", "uakt")
            .unwrap_err()
            .contains("uother"));
        assert_eq!(parse_amount("5", "uakt").unwrap(), Uint256::from(5u8));
    }

    #[test]
    fn ids() {
        let bid = parse_bid_id("kumo1owner/12/1/2/kumo1prov").unwrap();
        assert_eq!(bid.dseq, 12);
        assert_eq!(bid.gseq, 1);
        assert_eq!(bid.oseq, 2);
        assert_eq!(bid.provider.as_str(), "kumo1prov");
        assert_eq!(bid.to_string(), "kumo1owner/12/1/2/kumo1prov");
        assert!(parse_bid_id("a/1/1/1").unwrap_err().contains("<provider>"));
        assert!(parse_bid_id("a/x/1/1/p")
            .unwrap_err()
            .contains("dseq \"x\""));
        let order = parse_order_id("o/3/1/1").unwrap();
        assert_eq!(order.to_string(), "o/3/1/1");
        assert!(parse_order_id("o/3").is_err());
    }

    #[test]
    fn key_values_and_block_times() {
        assert_eq!(
            parse_key_value("region=us-west").unwrap(),
            ("region".to_string(), "us-west".to_string())
        );
        assert!(parse_key_value("region").is_err());
        assert!(parse_key_value("=x").is_err());
        assert_eq!(parse_block_time("6").unwrap(), 6.0);
        assert_eq!(parse_block_time("0.5s").unwrap(), 0.5);
        assert!(parse_block_time("0").is_err());
    }
}
