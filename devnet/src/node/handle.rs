//! [`NodeHandle`]: what the RPC layer and tests use to talk to a running node. Reads of blocks,
//! results and txs go straight to the block store and the tx index; everything that touches the
//! application goes through the core thread's command channel.

use std::sync::Arc;

use tendermint::abci::response::{self, FinalizeBlock};
use tendermint::abci::types::ExecTxResult;
use tendermint::{validator, Genesis, Hash};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::config::NodeConfig;
use super::core::Command;
use super::error::RequestError;
use super::event_query::EventQuery;
use super::events::CommittedBlock;
use super::hashing;
use super::store::{BlockStore, StoredBlock, StoredGenesis, TxRecord};
use super::tx_index::TxIndex;
use super::tx_search::{self, SearchOrder, TxSearchError, TxSearchPage};
use super::validator::DevnetValidator;

#[derive(Clone)]
pub struct NodeHandle {
    shared: Arc<Shared>,
}

struct Shared {
    commands: mpsc::Sender<Command>,
    store: Arc<BlockStore>,
    index: Arc<TxIndex>,
    events: broadcast::Sender<Arc<CommittedBlock>>,
    genesis: StoredGenesis,
    validator: DevnetValidator,
    config: NodeConfig,
    /// Cancelled when the core thread has exited.
    stopped: CancellationToken,
}

impl std::fmt::Debug for NodeHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeHandle")
            .field("chain_id", &self.shared.config.chain_id)
            .finish_non_exhaustive()
    }
}

/// The outcome of `broadcast_tx_commit`.
#[derive(Debug, Clone)]
pub struct CommitOutcome {
    pub hash: Hash,
    pub check_tx: response::CheckTx,
    /// `None` when `check_tx` refused the tx.
    pub included: Option<(u64, ExecTxResult)>,
}

/// The latest and earliest blocks, for `status`.
#[derive(Debug, Clone)]
pub struct SyncStatus {
    pub earliest: Option<StoredBlock>,
    pub latest: Option<StoredBlock>,
    /// The app hash after the latest block (CometBFT's `latest_app_hash`).
    pub latest_app_hash: tendermint::AppHash,
}

impl NodeHandle {
    pub(crate) fn new(
        commands: mpsc::Sender<Command>,
        store: Arc<BlockStore>,
        index: Arc<TxIndex>,
        events: broadcast::Sender<Arc<CommittedBlock>>,
        genesis: StoredGenesis,
        config: NodeConfig,
        stopped: CancellationToken,
    ) -> Self {
        NodeHandle {
            shared: Arc::new(Shared {
                commands,
                store,
                index,
                events,
                genesis,
                validator: DevnetValidator::fixed(),
                config,
                stopped,
            }),
        }
    }

    pub fn config(&self) -> &NodeConfig {
        &self.shared.config
    }

    pub fn chain_id(&self) -> &str {
        &self.shared.config.chain_id
    }

    pub fn validator(&self) -> &DevnetValidator {
        &self.shared.validator
    }

    pub fn genesis(&self) -> &Genesis<serde_json::Value> {
        &self.shared.genesis.doc
    }

    pub fn store(&self) -> &BlockStore {
        &self.shared.store
    }

    /// Whether the core thread is still running.
    pub fn is_running(&self) -> bool {
        !self.shared.stopped.is_cancelled()
    }

    /// Resolves when the core thread has exited.
    pub async fn stopped(&self) {
        self.shared.stopped.cancelled().await
    }

    async fn request<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<T>) -> Command,
    ) -> Result<T, RequestError> {
        let (reply, answer) = oneshot::channel();
        self.shared
            .commands
            .send(make(reply))
            .await
            .map_err(|_| RequestError::Stopped)?;
        answer.await.map_err(|_| RequestError::Stopped)
    }

    pub async fn abci_info(&self) -> Result<response::Info, RequestError> {
        self.request(|reply| Command::Info { reply }).await
    }

    pub async fn abci_query(
        &self,
        path: String,
        data: Vec<u8>,
        height: u64,
        prove: bool,
    ) -> Result<response::Query, RequestError> {
        self.request(|reply| Command::Query {
            path,
            data,
            height,
            prove,
            reply,
        })
        .await
    }

    /// `broadcast_tx_sync`: the application's `check_tx` verdict; the tx enters the mempool
    /// only if it passed.
    pub async fn check_tx(&self, tx: Vec<u8>) -> Result<response::CheckTx, RequestError> {
        Ok(self
            .request(|reply| Command::CheckTx {
                tx,
                reply: Some(reply),
            })
            .await??)
    }

    /// `broadcast_tx_async`: queues the tx for checking and returns its hash at once.
    pub async fn submit_tx(&self, tx: Vec<u8>) -> Result<Hash, RequestError> {
        let hash = hashing::tx_hash(&tx);
        self.shared
            .commands
            .send(Command::CheckTx { tx, reply: None })
            .await
            .map_err(|_| RequestError::Stopped)?;
        Ok(hash)
    }

    /// `broadcast_tx_commit`: checks the tx, then waits until a block includes it or the
    /// configured timeout passes.
    pub async fn broadcast_tx_commit(&self, tx: Vec<u8>) -> Result<CommitOutcome, RequestError> {
        let hash = hashing::tx_hash(&tx);
        // Subscribe first so the inclusion cannot slip by between check and wait.
        let mut events = self.subscribe();
        let check_tx = self.check_tx(tx).await?;
        if check_tx.code.is_err() {
            return Ok(CommitOutcome {
                hash,
                check_tx,
                included: None,
            });
        }
        let wait = async {
            loop {
                match events.recv().await {
                    Ok(block) => {
                        if let Some(tx) = block.txs.iter().find(|tx| tx.record.hash == hash) {
                            return Ok(tx.record.clone());
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        if let Some(record) = self.tx(&hash)? {
                            return Ok(record);
                        }
                    }
                    Err(broadcast::error::RecvError::Closed) => return Err(RequestError::Stopped),
                }
            }
        };
        let record = tokio::select! {
            found = tokio::time::timeout(self.shared.config.commit_timeout, wait) => match found {
                Ok(found) => found?,
                Err(_) => self.tx(&hash)?.ok_or(RequestError::CommitTimeout)?,
            },
            _ = self.shared.stopped.cancelled() => return Err(RequestError::Stopped),
        };
        Ok(CommitOutcome {
            hash,
            check_tx,
            included: Some((record.height, record.result)),
        })
    }

    /// Produces a block now, whatever the schedule (tests, and `evm_mine`-style tooling).
    pub async fn produce_block(&self) -> Result<u64, RequestError> {
        self.request(|reply| Command::ProduceBlock { reply })
            .await?
            .map_err(|_| RequestError::Stopped)
    }

    /// Runs `look` on the application, on the core thread between blocks, and returns what it
    /// returns. `look` receives the concrete application as `Any`, for facts outside the ABCI
    /// surface (e.g. `app.downcast_ref::<KumoApp>()` for the genesis contracts).
    pub async fn inspect_app<R: Send + 'static>(
        &self,
        look: impl FnOnce(&dyn std::any::Any) -> R + Send + 'static,
    ) -> Result<R, RequestError> {
        let (reply, answer) = oneshot::channel();
        let command = Command::Inspect(Box::new(move |app| {
            let _ = reply.send(look(app));
        }));
        self.shared
            .commands
            .send(command)
            .await
            .map_err(|_| RequestError::Stopped)?;
        answer.await.map_err(|_| RequestError::Stopped)
    }

    pub async fn mempool_size(&self) -> Result<usize, RequestError> {
        self.request(|reply| Command::MempoolSize { reply }).await
    }

    pub fn latest_height(&self) -> Result<u64, RequestError> {
        Ok(self.shared.store.latest_height()?)
    }

    /// The block at `height`, or the latest for `None`.
    pub fn block(&self, height: Option<u64>) -> Result<Option<StoredBlock>, RequestError> {
        let height = match height {
            Some(h) => h,
            None => self.latest_height()?,
        };
        Ok(self.shared.store.block(height)?)
    }

    pub fn block_by_hash(&self, hash: &Hash) -> Result<Option<StoredBlock>, RequestError> {
        match self.shared.store.height_by_block_hash(hash)? {
            Some(height) => self.block(Some(height)),
            None => Ok(None),
        }
    }

    /// FinalizeBlock results at `height`, or the latest for `None`.
    pub fn block_results(
        &self,
        height: Option<u64>,
    ) -> Result<Option<(u64, FinalizeBlock)>, RequestError> {
        let height = match height {
            Some(h) => h,
            None => self.latest_height()?,
        };
        Ok(self.shared.store.results(height)?.map(|r| (height, r)))
    }

    pub fn tx(&self, hash: &Hash) -> Result<Option<TxRecord>, RequestError> {
        match self.shared.index.tx_position(hash)? {
            Some((height, index)) => Ok(self.shared.store.tx_at(height, index)?),
            None => Ok(None),
        }
    }

    /// The inclusion proof of an executed tx in its block's data hash.
    pub fn tx_proof(
        &self,
        record: &TxRecord,
    ) -> Result<Option<tendermint::tx::Proof>, RequestError> {
        Ok(self
            .block(Some(record.height))?
            .and_then(|b| hashing::tx_proof(&b.block.data, record.index as usize)))
    }

    pub async fn tx_search(
        &self,
        query: EventQuery,
        page: Option<usize>,
        per_page: Option<usize>,
        order: SearchOrder,
    ) -> Result<TxSearchPage, TxSearchError> {
        let (store, index) = (self.shared.store.clone(), self.shared.index.clone());
        tokio::task::spawn_blocking(move || {
            tx_search::search(&store, &index, &query, page, per_page, order)
        })
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
    }

    /// The validator set (the same at every height).
    pub fn validators(&self) -> Vec<validator::Info> {
        vec![self.shared.validator.info()]
    }

    pub fn sync_status(&self) -> Result<SyncStatus, RequestError> {
        let latest_height = self.latest_height()?;
        let latest = self.shared.store.block(latest_height)?;
        let latest_app_hash = match latest_height {
            0 => self.shared.genesis.app_hash.clone(),
            h => self
                .shared
                .store
                .results(h)?
                .map(|r| r.app_hash)
                .unwrap_or_default(),
        };
        Ok(SyncStatus {
            earliest: self.shared.store.block(1)?,
            latest,
            latest_app_hash,
        })
    }

    /// The events of every block committed from now on, a block at a time. A receiver that
    /// falls more than the configured number of blocks behind gets `Lagged` and should be
    /// dropped.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<CommittedBlock>> {
        self.shared.events.subscribe()
    }
}
