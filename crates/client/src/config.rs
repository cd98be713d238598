//! Chain connection settings: node URL, chain id, prefix, gas and fees, timeouts and retries,
//! contract addresses.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use cosmwasm_std::{Decimal256, Uint256};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid gas setting '{input}': {reason}; use `auto` or a gas limit such as 200000")]
    InvalidGas { input: String, reason: String },
    #[error(
        "invalid gas price '{input}': {reason}; use an amount followed by a denom, e.g. 0.025uakt"
    )]
    InvalidGasPrice { input: String, reason: String },
    #[error("invalid gas adjustment {value}: use a finite number of at least 1.0, e.g. 1.4")]
    InvalidGasAdjustment { value: f64 },
    #[error("invalid node URL '{url}': {reason}; use e.g. http://127.0.0.1:26657")]
    InvalidUrl { url: String, reason: String },
}

/// How the gas limit of a tx is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GasSetting {
    /// Simulate the tx and multiply the gas used by the gas adjustment.
    #[default]
    Auto,
    /// A fixed gas limit.
    Fixed(u64),
}

impl FromStr for GasSetting {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        if trimmed.eq_ignore_ascii_case("auto") {
            return Ok(GasSetting::Auto);
        }
        let invalid = |reason: &str| ConfigError::InvalidGas {
            input: s.to_string(),
            reason: reason.to_string(),
        };
        if trimmed.is_empty() || !trimmed.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid("not `auto` and not a whole number"));
        }
        let limit: u64 = trimmed.parse().map_err(|_| invalid("too large"))?;
        if limit == 0 {
            return Err(invalid("a gas limit of 0 cannot pay for anything"));
        }
        Ok(GasSetting::Fixed(limit))
    }
}

impl fmt::Display for GasSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GasSetting::Auto => f.write_str("auto"),
            GasSetting::Fixed(limit) => write!(f, "{limit}"),
        }
    }
}

/// A price per unit of gas, e.g. `0.025uakt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GasPrice {
    pub amount: Decimal256,
    pub denom: String,
}

impl GasPrice {
    /// The fee for `gas_limit`: ceil(gas_limit × price), as the SDK's minimum-fee check
    /// computes it, so the fee is never a fraction short.
    pub fn fee_for(&self, gas_limit: u64) -> Uint256 {
        (Decimal256::from_ratio(gas_limit, 1u64) * self.amount).to_uint_ceil()
    }
}

/// The SDK's denom rule (`[a-zA-Z][a-zA-Z0-9/:._-]{2,127}`).
pub fn is_valid_denom(denom: &str) -> bool {
    (3..=128).contains(&denom.len())
        && denom.starts_with(|c: char| c.is_ascii_alphabetic())
        && denom
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | ':' | '.' | '_' | '-'))
}

impl FromStr for GasPrice {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = |reason: &str| ConfigError::InvalidGasPrice {
            input: s.to_string(),
            reason: reason.to_string(),
        };
        let trimmed = s.trim();
        let split = trimmed
            .find(|c: char| c.is_ascii_alphabetic())
            .ok_or_else(|| invalid("no denom"))?;
        let (amount, denom) = trimmed.split_at(split);
        // The SDK's ParseDecCoin allows spaces between amount and denom.
        let amount = amount.trim_end();
        if amount.is_empty() {
            return Err(invalid("no amount"));
        }
        if !amount.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return Err(invalid("the amount must be a non-negative decimal number"));
        }
        let amount = Decimal256::from_str(amount).map_err(|e| invalid(&e.to_string()))?;
        if !is_valid_denom(denom) {
            return Err(invalid(
                "the denom must be 3 to 128 letters, digits or /:._- starting with a letter",
            ));
        }
        Ok(GasPrice {
            amount,
            denom: denom.to_string(),
        })
    }
}

impl fmt::Display for GasPrice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.amount, self.denom)
    }
}

impl Serialize for GasPrice {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for GasPrice {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl Serialize for GasSetting {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for GasSetting {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Accept both "auto"/"200000" and a bare number.
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(u64),
            Text(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Number(n) => n.to_string().parse(),
            Raw::Text(s) => s.parse(),
        }
        .map_err(serde::de::Error::custom)
    }
}

/// Kumo's contract addresses; missing ones are discovered by label at connect.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractAddresses {
    pub market: Option<String>,
    pub registry: Option<String>,
    pub governance: Option<String>,
}

/// Everything needed to talk to a chain.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainConfig {
    /// CometBFT RPC, e.g. `http://127.0.0.1:26657`.
    pub rpc_url: String,
    pub chain_id: String,
    pub bech32_prefix: String,
    /// The staking and fee denom.
    pub denom: String,
    pub gas: GasSetting,
    /// Multiplies simulated gas (GasSetting::Auto).
    pub gas_adjustment: f64,
    pub gas_prices: GasPrice,
    /// Per RPC request.
    pub request_timeout: Duration,
    /// Extra attempts after a transport failure, for reads and broadcasts (never for a tx the
    /// node rejected).
    pub retries: u32,
    /// First wait between attempts; doubles each time.
    pub retry_backoff: Duration,
    /// How long to wait for a broadcast tx to be included in a block.
    pub inclusion_timeout: Duration,
    pub contracts: ContractAddresses,
}

impl Default for ChainConfig {
    /// The devnet's defaults.
    fn default() -> Self {
        ChainConfig {
            rpc_url: "http://127.0.0.1:26657".to_string(),
            chain_id: "kumo-devnet-1".to_string(),
            bech32_prefix: "kumo".to_string(),
            denom: "uakt".to_string(),
            gas: GasSetting::Auto,
            gas_adjustment: 1.4,
            gas_prices: GasPrice {
                amount: Decimal256::permille(25),
                denom: "uakt".to_string(),
            },
            request_timeout: Duration::from_secs(10),
            retries: 3,
            retry_backoff: Duration::from_millis(250),
            inclusion_timeout: Duration::from_secs(30),
            contracts: ContractAddresses::default(),
        }
    }
}

impl ChainConfig {
    /// The CometBFT WebSocket endpoint next to `rpc_url`.
    pub fn websocket_url(&self) -> Result<String, ConfigError> {
        let url = self.rpc_url.trim_end_matches('/');
        let rest = if let Some(rest) = url.strip_prefix("http://") {
            format!("ws://{rest}")
        } else if let Some(rest) = url.strip_prefix("https://") {
            format!("wss://{rest}")
        } else if url.starts_with("ws://") || url.starts_with("wss://") {
            url.to_string()
        } else {
            return Err(ConfigError::InvalidUrl {
                url: self.rpc_url.clone(),
                reason: "it must start with http:// or https://".to_string(),
            });
        };
        Ok(if rest.ends_with("/websocket") {
            rest
        } else {
            format!("{rest}/websocket")
        })
    }

    /// Checks what can be checked offline.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !self.gas_adjustment.is_finite() || self.gas_adjustment < 1.0 {
            return Err(ConfigError::InvalidGasAdjustment {
                value: self.gas_adjustment,
            });
        }
        self.websocket_url().map(|_| ())
    }

    /// Gas limit from a simulation: ceil(gas_used × gas_adjustment).
    pub fn adjusted_gas(&self, gas_used: u64) -> u64 {
        let adjusted = (gas_used as f64 * self.gas_adjustment).ceil();
        if adjusted >= u64::MAX as f64 {
            u64::MAX
        } else {
            adjusted as u64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gas_setting_parses_auto_and_limits() {
        assert_eq!("auto".parse::<GasSetting>().unwrap(), GasSetting::Auto);
        assert_eq!(" AUTO ".parse::<GasSetting>().unwrap(), GasSetting::Auto);
        assert_eq!(
            "200000".parse::<GasSetting>().unwrap(),
            GasSetting::Fixed(200_000)
        );
        for bad in [
            "",
            "0",
            "-5",
            "1.5",
            "2e5",
            "lots",
            "99999999999999999999999",
        ] {
            let err = bad.parse::<GasSetting>().unwrap_err();
            assert!(matches!(err, ConfigError::InvalidGas { .. }), "{bad}");
            assert!(err.to_string().contains("use `auto`"), "{err}");
        }
        assert_eq!(GasSetting::Fixed(7).to_string(), "7");
        assert_eq!(GasSetting::Auto.to_string(), "auto");
        let json: GasSetting = serde_json::from_str("300000").unwrap();
        assert_eq!(json, GasSetting::Fixed(300_000));
        let json: GasSetting = serde_json::from_str("\"auto\"").unwrap();
        assert_eq!(json, GasSetting::Auto);
    }

    #[test]
    fn gas_price_parses_amount_and_denom() {
        let price: GasPrice = "0.025uakt".parse().unwrap();
        assert_eq!(price.amount, Decimal256::permille(25));
        assert_eq!(price.denom, "uakt");
        assert_eq!(price.to_string(), "0.025uakt");
        let ibc: GasPrice = "1ibc/27394FB092D2ECCD56123C74F36E4C1F926001CEADA9CA97EA622B25F41E5EB2"
            .parse()
            .unwrap();
        assert_eq!(ibc.amount, Decimal256::one());
        let spaced: GasPrice = "0.025 uakt".parse().unwrap();
        assert_eq!(spaced, price);
        let zero: GasPrice = "0stake".parse().unwrap();
        assert!(zero.amount.is_zero());
        for bad in [
            "",
            "uakt",
            "0.025",
            "-1uakt",
            "0.0.1uakt",
            "1,5uakt",
            "0.025u",
            "0.025uakt!",
            ".uakt",
        ] {
            let err = bad.parse::<GasPrice>().unwrap_err();
            assert!(matches!(err, ConfigError::InvalidGasPrice { .. }), "{bad}");
            assert!(err.to_string().contains("e.g. 0.025uakt"), "{err}");
        }
        assert_eq!(
            serde_json::to_string(&price).unwrap(),
            "\"0.025uakt\"".to_string()
        );
    }

    #[test]
    fn fees_round_up() {
        let price: GasPrice = "0.025uakt".parse().unwrap();
        assert_eq!(price.fee_for(200_000), Uint256::from(5_000u32));
        assert_eq!(price.fee_for(200_001), Uint256::from(5_001u32));
        assert_eq!(price.fee_for(40), Uint256::from(1u32));
        assert_eq!(price.fee_for(41), Uint256::from(2u32));
        assert_eq!(price.fee_for(0), Uint256::zero());
        let tiny: GasPrice = "0.000000000000000001uakt".parse().unwrap();
        assert_eq!(tiny.fee_for(1), Uint256::one());
        let big: GasPrice = "1000000uakt".parse().unwrap();
        assert_eq!(
            big.fee_for(u64::MAX),
            Uint256::from(u64::MAX) * Uint256::from(1_000_000u32)
        );
    }

    #[test]
    fn gas_adjustment_rounds_up() {
        let config = ChainConfig::default();
        assert_eq!(config.adjusted_gas(100_000), 140_000);
        assert_eq!(config.adjusted_gas(100_001), 140_002);
        assert_eq!(config.adjusted_gas(0), 0);
        let mut bad = config.clone();
        bad.gas_adjustment = 0.5;
        assert!(bad.validate().is_err());
        bad.gas_adjustment = f64::NAN;
        assert!(bad.validate().is_err());
        assert!(config.validate().is_ok());
    }

    #[test]
    fn websocket_url_sits_next_to_the_rpc_url() {
        let mut config = ChainConfig::default();
        assert_eq!(
            config.websocket_url().unwrap(),
            "ws://127.0.0.1:26657/websocket"
        );
        config.rpc_url = "https://rpc.example.com/".into();
        assert_eq!(
            config.websocket_url().unwrap(),
            "wss://rpc.example.com/websocket"
        );
        config.rpc_url = "127.0.0.1:26657".into();
        assert!(matches!(
            config.websocket_url(),
            Err(ConfigError::InvalidUrl { .. })
        ));
    }
}
