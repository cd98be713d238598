use cosmwasm_schema::cw_serde;
use cosmwasm_std::{Coin, Decimal256};

use crate::error::{ensure, ValidationError};

/// A coin with a fractional amount: prices per block, as Akash's `DecCoin`.
#[cw_serde]
pub struct DecCoin {
    pub denom: String,
    pub amount: Decimal256,
}

impl DecCoin {
    pub fn new(amount: Decimal256, denom: impl Into<String>) -> Self {
        Self {
            denom: denom.into(),
            amount,
        }
    }
}

impl std::fmt::Display for DecCoin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}", self.amount, self.denom)
    }
}

/// Where governed fees (take, slashed collateral) go.
#[cw_serde]
#[derive(Copy, Default)]
pub enum FundsDestination {
    /// Burned through the bank module: the usage-linked burn.
    #[default]
    Burn,
    /// Sent to the governance contract, which holds the community pool.
    CommunityPool,
}

/// Cosmos SDK denom rule: `[a-zA-Z][a-zA-Z0-9/:._-]{2,127}`.
pub fn validate_denom(field: &str, denom: &str) -> Result<(), ValidationError> {
    let mut chars = denom.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || "/:._-".contains(c));
    ensure(
        first_ok && rest_ok && (3..=128).contains(&denom.len()),
        || field.to_string(),
        || format!("{denom:?} is not a valid denom (3-128 chars, starting with a letter)"),
    )
}

/// Validates a list of coins with unique, valid denoms.
pub fn validate_coin_list(field: &str, coins: &[Coin]) -> Result<(), ValidationError> {
    for (i, coin) in coins.iter().enumerate() {
        validate_denom(&format!("{field}[{i}].denom"), &coin.denom)?;
        ensure(
            !coins[..i].iter().any(|c| c.denom == coin.denom),
            || format!("{field}[{i}].denom"),
            || format!("{} is listed twice", coin.denom),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denoms() {
        assert!(validate_denom("d", "uakt").is_ok());
        assert!(validate_denom(
            "d",
            "ibc/27394FB092D2ECCD56123C74F36E4C1F926001CEADA9CA97EA622B25F41E5EB2"
        )
        .is_ok());
        assert!(validate_denom("d", "ua").is_err());
        assert!(validate_denom("d", "1akt").is_err());
        assert!(validate_denom("d", "u akt").is_err());
        assert_eq!(validate_denom("x.denom", "").unwrap_err().field, "x.denom");
    }
}
