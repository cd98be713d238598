//! Configuration: chain parameters fixed at genesis (and committed to the state) and node-local
//! options chosen when the application is opened.

use std::path::{Path, PathBuf};

use cosmwasm_std::Decimal256;
use serde::{Deserialize, Serialize};

use super::store::StoreLocation;

pub const DEFAULT_DENOM: &str = "uakt";
pub const DEFAULT_BECH32_PREFIX: &str = "kumo";
/// Fee per unit of gas in the fee denom, as a typical wasmd chain's `minimum-gas-prices`.
pub const DEFAULT_MIN_GAS_PRICE: &str = "0.025";
/// Largest gas limit one tx may ask for.
pub const DEFAULT_MAX_TX_GAS: u64 = 100_000_000;

/// Parameters every node of the chain agrees on; part of genesis and of the state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChainParams {
    /// The staking and fee denom.
    pub denom: String,
    /// Human-readable part of every address.
    pub bech32_prefix: String,
    /// Least fee per unit of gas limit, in `denom`; zero accepts free txs.
    pub min_gas_price: Decimal256,
    /// Largest gas limit a tx may set.
    pub max_tx_gas: u64,
    /// Gas a `SmartContractState` query may use, in SDK gas.
    pub smart_query_gas_limit: u64,
}

impl Default for ChainParams {
    fn default() -> Self {
        Self {
            denom: DEFAULT_DENOM.to_string(),
            bech32_prefix: DEFAULT_BECH32_PREFIX.to_string(),
            min_gas_price: DEFAULT_MIN_GAS_PRICE.parse().expect("valid decimal"),
            max_tx_gas: DEFAULT_MAX_TX_GAS,
            smart_query_gas_limit: super::gas::wasm::SMART_QUERY_GAS_LIMIT,
        }
    }
}

/// How this node runs the application; nothing here affects consensus except where noted.
#[derive(Debug, Clone)]
pub struct AppOptions {
    pub store: StoreLocation,
    /// cosmwasm-vm's cache directory (wasm blobs and compiled modules). `None`: beside the
    /// database file, or a temporary directory removed on drop for an in-memory store.
    pub wasm_cache_dir: Option<PathBuf>,
    /// Compiled modules kept in memory, so executes of a hot contract skip the disk.
    pub wasm_memory_cache_mb: u32,
    /// Overrides the genesis `min_gas_price` for this node's mempool and blocks (like the
    /// SDK's node-local `minimum-gas-prices`).
    pub min_gas_price: Option<Decimal256>,
}

impl AppOptions {
    /// Everything in memory: for tests and throwaway chains.
    pub fn in_memory() -> Self {
        Self {
            store: StoreLocation::InMemory,
            wasm_cache_dir: None,
            wasm_memory_cache_mb: 256,
            min_gas_price: None,
        }
    }

    /// State in `<home>/app.redb`, the wasm cache in `<home>/wasm/`.
    pub fn at_home(home: &Path) -> Self {
        Self {
            store: StoreLocation::File(home.join("app.redb")),
            wasm_cache_dir: Some(home.join("wasm")),
            ..Self::in_memory()
        }
    }
}
