//! Errors of the node side: the block store, the startup handshake and requests to the node.

use crate::abci::AppError;

/// Failures of the redb block store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Boxed: redb's error is large and this travels through every store call.
    #[error("block store database: {0}")]
    Database(Box<redb::Error>),
    #[error("block store: cannot create {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("block store: corrupt record {what}: {detail}")]
    Corrupt { what: String, detail: String },
}

impl StoreError {
    pub(crate) fn corrupt(what: impl Into<String>, detail: impl ToString) -> Self {
        StoreError::Corrupt {
            what: what.into(),
            detail: detail.to_string(),
        }
    }
}

/// Converts any redb error type into a [`StoreError`].
pub(crate) fn db_err<E: Into<redb::Error>>(e: E) -> StoreError {
    StoreError::Database(Box::new(e.into()))
}

/// Why the node could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("application: {0}")]
    App(#[from] AppError),
    #[error(
        "handshake: the application is at height {app_height} but the block store is only at \
         {store_height}; the application state is ahead of the blocks (wrong --home, or the block \
         store was deleted). Run with --reset to start a fresh chain"
    )]
    AppAheadOfStore { app_height: u64, store_height: u64 },
    #[error(
        "handshake: the application's app hash {app} at height {height} differs from the block \
         store's {stored}; the state diverged. Run with --reset to start a fresh chain"
    )]
    AppHashMismatch {
        height: u64,
        app: String,
        stored: String,
    },
    #[error("handshake: the stored genesis is for chain {stored}, not {configured}")]
    ChainIdMismatch { stored: String, configured: String },
    #[error("the application returned {results} tx results for a block of {txs} txs")]
    ResultCountMismatch { txs: usize, results: usize },
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("the node has stopped")]
    Stopped,
}

/// Why the mempool refused a tx before the application saw it (CometBFT answers these as
/// JSON-RPC errors, not as ABCI codes).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MempoolError {
    #[error("tx already exists in cache")]
    AlreadyInCache,
    #[error("mempool is full: number of txs {txs} (max: {max_txs}), total txs bytes {bytes} (max: {max_bytes})")]
    Full {
        txs: usize,
        max_txs: usize,
        bytes: usize,
        max_bytes: usize,
    },
    #[error("tx too large. Max size is {max}, but got {size}")]
    TxTooLarge { size: usize, max: usize },
}

/// Errors a request through a [`super::NodeHandle`] can answer with.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error(transparent)]
    Mempool(#[from] MempoolError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("timed out waiting for tx to be included in a block")]
    CommitTimeout,
    #[error("the node has stopped")]
    Stopped,
}
