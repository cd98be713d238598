//! The boundary between the devnet's node (mempool, block production, block store, RPC) and
//! its application (auth, bank, wasm). It has the shape of ABCI 2.0, so the node side is what
//! CometBFT does and the application side is what wasmd does, and either can later be swapped
//! for the real thing without touching the other.
//!
//! Responses reuse tendermint-rs' ABCI domain types, which tendermint-rpc serializes exactly as
//! a CometBFT 0.38 node does.

use tendermint::abci::response;

/// What the node tells the application about the block being executed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockContext {
    pub chain_id: String,
    pub height: u64,
    pub time: tendermint::Time,
}

/// Chain-wide genesis facts the node owns; the application's own genesis is `app_state`.
#[derive(Debug, Clone)]
pub struct GenesisContext {
    pub chain_id: String,
    pub genesis_time: tendermint::Time,
    pub initial_height: u64,
    pub app_state: serde_json::Value,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("storage: {0}")]
    Storage(String),
    #[error("genesis: {0}")]
    Genesis(String),
    #[error("{0}")]
    Other(String),
}

/// An ABCI-like application. Calls come from one node thread, in this order per block:
/// `finalize_block` then `commit`; `check_tx` and `query` may come between blocks.
pub trait Application: Send + 'static {
    /// The last committed height and app hash; height 0 before `init_chain`.
    fn info(&self) -> response::Info;

    /// Applies the genesis state. Called once, on an empty store; returns the app hash.
    fn init_chain(&mut self, genesis: &GenesisContext) -> Result<tendermint::AppHash, AppError>;

    /// Checks a tx for the mempool against the check state: decode, signature, account number,
    /// sequence (which the check state advances, so one signer can have many txs per block),
    /// fee and gas limit. Never executes messages.
    fn check_tx(&mut self, tx: &[u8]) -> response::CheckTx;

    /// Executes a block's txs in order against a staged copy of the state. Each tx is atomic;
    /// fees are charged even when its messages fail. Nothing is durable until `commit`.
    fn finalize_block(&mut self, block: &BlockContext, txs: &[Vec<u8>]) -> response::FinalizeBlock;

    /// Makes the state staged by the last `finalize_block` durable, atomically, and resets the
    /// check state to it. After a crash the application resumes at its last committed height.
    fn commit(&mut self) -> Result<(), AppError>;

    /// Answers a query at a committed height (0 = latest): the gRPC paths clients send through
    /// `abci_query`, e.g. `/cosmos.bank.v1beta1.Query/Balance` or
    /// `/cosmos.tx.v1beta1.Service/Simulate`.
    fn query(&self, path: &str, data: &[u8], height: u64, prove: bool) -> response::Query;
}
