//! How the node produces blocks and where it keeps them.

use std::path::PathBuf;
use std::time::Duration;

/// Where the block store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// `<home>/blockstore.redb`, durable across restarts.
    Home(PathBuf),
    /// redb's in-memory backend: for tests, gone when the node stops.
    InMemory,
}

/// When blocks are produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockProduction {
    /// One block every interval, empty or not (CometBFT's `timeout_commit`).
    Interval(Duration),
    /// A block as soon as txs are waiting, like anvil's automine: txs that arrive together
    /// share a block.
    OnDemand,
}

impl BlockProduction {
    /// `0` seconds means mining on demand.
    pub fn from_secs_f64(secs: f64) -> Self {
        if secs <= 0.0 || !secs.is_finite() {
            BlockProduction::OnDemand
        } else {
            BlockProduction::Interval(Duration::from_secs_f64(secs))
        }
    }
}

/// Everything the node needs besides the application.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    pub chain_id: String,
    pub store: StoreLocation,
    pub block_production: BlockProduction,
    /// Most txs the mempool holds; further txs are refused with "mempool is full".
    pub mempool_max_txs: usize,
    /// Most bytes of txs the mempool holds.
    pub mempool_max_bytes: usize,
    /// Largest single tx accepted.
    pub max_tx_bytes: usize,
    /// Most txs in one block.
    pub block_max_txs: usize,
    /// Most bytes of txs in one block (CometBFT's `block.max_bytes` bounds the whole block).
    pub block_max_bytes: usize,
    /// How long `broadcast_tx_commit` waits for inclusion.
    pub commit_timeout: Duration,
    /// Committed blocks buffered for subscribers; one that falls this many blocks behind is
    /// dropped.
    pub event_buffer: usize,
    /// Moniker shown in `/status`.
    pub moniker: String,
}

impl NodeConfig {
    pub const DEFAULT_CHAIN_ID: &'static str = "kumo-devnet-1";

    pub fn new(chain_id: impl Into<String>, store: StoreLocation) -> Self {
        NodeConfig {
            chain_id: chain_id.into(),
            store,
            block_production: BlockProduction::Interval(Duration::from_secs(1)),
            mempool_max_txs: 10_000,
            mempool_max_bytes: 256 * 1024 * 1024,
            max_tx_bytes: 1024 * 1024,
            block_max_txs: 5_000,
            block_max_bytes: 21 * 1024 * 1024,
            commit_timeout: Duration::from_secs(10),
            event_buffer: 256,
            moniker: "kumo-devnet".to_string(),
        }
    }

    /// A config for tests: in-memory store, blocks on demand.
    pub fn in_memory(chain_id: impl Into<String>) -> Self {
        let mut config = NodeConfig::new(chain_id, StoreLocation::InMemory);
        config.block_production = BlockProduction::OnDemand;
        config
    }

    pub(crate) fn validate(&self) -> Result<(), super::NodeError> {
        let bad = |m: &str| Err(super::NodeError::Config(m.to_string()));
        if self.chain_id.is_empty() || self.chain_id.len() > 50 {
            return bad("chain id must be 1 to 50 characters");
        }
        if tendermint::chain::Id::try_from(self.chain_id.clone()).is_err() {
            return bad("chain id is not a valid CometBFT chain id");
        }
        if self.block_max_txs == 0 || self.block_max_bytes == 0 {
            return bad("blocks must allow at least one tx");
        }
        if self.max_tx_bytes > self.block_max_bytes {
            return bad("max tx size exceeds the block size");
        }
        if self.mempool_max_txs == 0 || self.event_buffer == 0 {
            return bad("mempool size and event buffer must be positive");
        }
        Ok(())
    }
}
