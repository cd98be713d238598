//! The node side of the devnet: what CometBFT does for a single validator. A mempool fed by
//! `check_tx`, a block producer on a timer or on demand, a redb block store, the
//! crash-recovery handshake, a tx and event index, and an event stream for subscribers.
//!
//! Threads: the core (owns the application, the mempool and block production) hands each
//! committed block to the indexer (indexes its txs, then publishes its events); the rest of
//! the process talks to them through a [`NodeHandle`].

mod block_builder;
mod config;
mod core;
mod error;
pub mod event_query;
mod events;
mod genesis;
mod handle;
pub mod hashing;
mod indexer;
mod mempool;
mod store;
mod tx_index;
pub mod tx_search;
mod validator;

use std::path::Path;
use std::sync::Arc;

use tokio::sync::{broadcast, mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tracing::info;

pub use self::block_builder::BLOCK_PROTOCOL;
pub use self::config::{BlockProduction, NodeConfig, StoreLocation};
pub use self::error::{MempoolError, NodeError, RequestError, StoreError};
pub use self::event_query::{EventMap, EventQuery, QueryParseError};
pub use self::events::{CommittedBlock, NewBlockEvent, NodeEvent, TxEvent};
pub use self::genesis::{default_consensus_params, GenesisSpec};
pub use self::handle::{CommitOutcome, NodeHandle, SyncStatus};
pub use self::mempool::Mempool;
pub use self::store::{BlockStore, StoredBlock, StoredGenesis, TxRecord, BLOCK_STORE_FILE};
pub use self::tx_index::{attribute_key, TxIndex, TX_INDEX_FILE};
pub use self::tx_search::{SearchOrder, TxSearchError, TxSearchPage};
pub use self::validator::DevnetValidator;

use self::core::Core;
use crate::abci::Application;

/// Capacity of the command channel into the core thread; senders wait when it is full.
const COMMAND_QUEUE: usize = 16_384;

/// A running node: its core and indexer threads and a handle to them.
pub struct Node {
    handle: NodeHandle,
    shutdown: CancellationToken,
    core_thread: Option<std::thread::JoinHandle<()>>,
    indexer_thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("handle", &self.handle)
            .finish()
    }
}

impl Node {
    /// Opens the block store, runs the handshake with `app` (creating the chain from `genesis`
    /// on first start, replaying stored blocks the app missed) and starts producing blocks.
    pub async fn start<A: Application>(
        app: A,
        config: NodeConfig,
        genesis: GenesisSpec,
    ) -> Result<Node, NodeError> {
        config.validate()?;
        let store = Arc::new(BlockStore::open(&config.store)?);
        let index = Arc::new(TxIndex::open(&config.store)?);
        // Blocks committed but not indexed before a crash are indexed now.
        index.catch_up(&store)?;
        let (events, _) = broadcast::channel(config.event_buffer);
        let (commands, command_rx) = mpsc::channel(COMMAND_QUEUE);
        let shutdown = CancellationToken::new();
        let stopped = CancellationToken::new();
        let (started_tx, started_rx) = oneshot::channel();
        let (index_jobs, indexer_thread) =
            indexer::spawn(index.clone(), events.clone(), shutdown.clone())
                .map_err(|e| NodeError::Config(format!("cannot spawn the indexer thread: {e}")))?;

        let core_thread = {
            let (store, config) = (store.clone(), config.clone());
            let (shutdown, stopped) = (shutdown.clone(), stopped.clone());
            std::thread::Builder::new()
                .name("kumo-node-core".into())
                .spawn(move || {
                    // Whatever happens, handles learn that the core is gone.
                    let _stopped = stopped.drop_guard();
                    let runtime = match tokio::runtime::Builder::new_current_thread()
                        .enable_time()
                        .build()
                    {
                        Ok(rt) => rt,
                        Err(e) => {
                            let _ = started_tx.send(Err(NodeError::Config(format!(
                                "cannot start the core runtime: {e}"
                            ))));
                            return;
                        }
                    };
                    match Core::open(app, store, config, &genesis, index_jobs) {
                        Ok((core, started)) => {
                            let _ = started_tx.send(Ok(started));
                            runtime.block_on(core.run(command_rx, shutdown));
                        }
                        Err(e) => {
                            let _ = started_tx.send(Err(e));
                        }
                    }
                })
                .map_err(|e| NodeError::Config(format!("cannot spawn the core thread: {e}")))?
        };

        let started = started_rx.await.map_err(|_| NodeError::Stopped)??;
        info!(
            chain_id = %config.chain_id,
            height = started.height,
            "node started"
        );
        let handle = NodeHandle::new(
            commands,
            store,
            index,
            events,
            started.genesis,
            config,
            stopped,
        );
        Ok(Node {
            handle,
            shutdown,
            core_thread: Some(core_thread),
            indexer_thread: Some(indexer_thread),
        })
    }

    pub fn handle(&self) -> NodeHandle {
        self.handle.clone()
    }

    /// Stops block production after the block in progress and waits for the core thread,
    /// then for the indexer to finish the blocks already committed.
    pub async fn shutdown(mut self) {
        self.shutdown.cancel();
        let threads = [self.core_thread.take(), self.indexer_thread.take()];
        let _ = tokio::task::spawn_blocking(move || {
            for thread in threads.into_iter().flatten() {
                let _ = thread.join();
            }
        })
        .await;
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// Deletes a devnet home so the next start creates a fresh chain. Refuses directories that do
/// not look like a devnet home (no block store inside, and not empty), so a mistyped `--home`
/// cannot wipe unrelated files.
pub fn reset_home(home: &Path) -> std::io::Result<()> {
    if !home.exists() {
        return Ok(());
    }
    let is_devnet_home = home.join(BLOCK_STORE_FILE).exists() || home.join(TX_INDEX_FILE).exists();
    let is_empty = std::fs::read_dir(home)?.next().is_none();
    if !is_devnet_home && !is_empty {
        return Err(std::io::Error::other(format!(
            "{} does not look like a kumo devnet home (no {BLOCK_STORE_FILE}); not deleting it",
            home.display()
        )));
    }
    std::fs::remove_dir_all(home)
}
