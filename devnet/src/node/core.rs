//! The node's core: one dedicated thread that owns the application, the mempool and the block
//! store's writer, and does what CometBFT's consensus and mempool do for a single validator.
//! Every application call happens here, in order, so the application needs no locking.
//!
//! Crash safety follows CometBFT: a block and its results are stored durably before the
//! application commits it, and the startup handshake replays stored blocks the application has
//! not committed yet.

use std::sync::Arc;

use std::sync::mpsc::SyncSender;
use tendermint::abci::response::{self, FinalizeBlock};
use tendermint::{chain, AppHash};

use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{debug, error, info, warn};

use super::block_builder::{build_next_block, next_block_time, ChainParams, ChainTip};
use super::config::{BlockProduction, NodeConfig};
use super::error::{MempoolError, NodeError};
use super::genesis::{genesis_context, new_genesis_doc, GenesisSpec};
use super::hashing::{self, results_hash};
use super::indexer::IndexJob;
use super::mempool::Mempool;
use super::store::{BlockStore, StoredGenesis};
use super::validator::DevnetValidator;
use crate::abci::{Application, BlockContext};

/// A look at the application as `Any`, so callers can downcast to the concrete type.
pub(crate) type AppInspection = Box<dyn FnOnce(&dyn std::any::Any) + Send>;

/// A request to the core thread.
pub(crate) enum Command {
    /// Mempool admission; `reply` is `None` for fire-and-forget (`broadcast_tx_async`).
    CheckTx {
        tx: Vec<u8>,
        reply: Option<oneshot::Sender<Result<response::CheckTx, MempoolError>>>,
    },
    Query {
        path: String,
        data: Vec<u8>,
        height: u64,
        prove: bool,
        reply: oneshot::Sender<response::Query>,
    },
    Info {
        reply: oneshot::Sender<response::Info>,
    },
    /// Produces a block now, whatever the schedule; answers its height.
    ProduceBlock {
        reply: oneshot::Sender<Result<u64, String>>,
    },
    /// Number of txs waiting in the mempool.
    MempoolSize { reply: oneshot::Sender<usize> },
    /// Runs a read-only look at the concrete application on its own thread.
    Inspect(AppInspection),
}

/// What the core established at startup, for the handle.
pub(crate) struct Started {
    pub genesis: StoredGenesis,
    pub height: u64,
}

pub(crate) struct Core<A: Application> {
    app: A,
    store: Arc<BlockStore>,
    mempool: Mempool,
    config: NodeConfig,
    validator: DevnetValidator,
    params: ChainParams,
    tip: ChainTip,
    /// Committed blocks go to the indexer, which indexes and then publishes them.
    indexer: SyncSender<IndexJob>,
}

impl<A: Application> Core<A> {
    /// Opens the chain: creates the genesis on first start, then brings the application level
    /// with the block store (the CometBFT handshake).
    pub(crate) fn open(
        mut app: A,
        store: Arc<BlockStore>,
        config: NodeConfig,
        genesis_spec: &GenesisSpec,
        indexer: SyncSender<IndexJob>,
    ) -> Result<(Self, Started), NodeError> {
        let validator = DevnetValidator::fixed();
        let chain_id = chain::Id::try_from(config.chain_id.clone())
            .map_err(|e| NodeError::Config(format!("chain id: {e}")))?;
        let store_height = store.latest_height()?;
        let app_info = app.info();
        let app_height = app_info.last_block_height.value();
        info!(store_height, app_height, "handshake");

        let stored = store.genesis()?;
        if let Some(g) = &stored {
            if g.doc.chain_id != chain_id {
                return Err(NodeError::ChainIdMismatch {
                    stored: g.doc.chain_id.to_string(),
                    configured: chain_id.to_string(),
                });
            }
        }
        if app_height > store_height {
            return Err(NodeError::AppAheadOfStore {
                app_height,
                store_height,
            });
        }

        let genesis = if app_height > 0 {
            stored.ok_or_else(|| {
                NodeError::Config("the block store has blocks but no genesis".into())
            })?
        } else {
            Self::genesis_handshake(
                &mut app,
                &store,
                stored,
                &app_info.last_block_app_hash,
                &chain_id,
                &validator,
                genesis_spec,
            )?
        };

        let params = ChainParams {
            chain_id,
            app_version: app_info.app_version,
            validators_hash: validator.set().hash(),
            consensus_hash: hashing::consensus_hash(&genesis.doc.consensus_params),
        };
        let mut core = Core {
            mempool: Mempool::new(
                config.mempool_max_txs,
                config.mempool_max_bytes,
                config.max_tx_bytes,
            ),
            tip: ChainTip {
                height: 0,
                block_id: None,
                time: genesis.doc.genesis_time,
                app_hash: genesis.app_hash.clone(),
                results_hash: results_hash(&[]),
            },
            app,
            store,
            config,
            validator,
            params,
            indexer,
        };
        core.replay(app_height, store_height, &app_info.last_block_app_hash)?;
        core.tip = core.load_tip(store_height, &genesis)?;
        Ok((
            core,
            Started {
                genesis,
                height: store_height,
            },
        ))
    }

    /// Brings an application that has committed no block to the chain's genesis. The genesis
    /// document is stored before `init_chain`, so a crash in between finds it again. An
    /// application that made its genesis state durable already (height 0 with an app hash)
    /// is not initialized twice; one that keeps it in memory until the first commit is given
    /// the genesis again after a restart.
    fn genesis_handshake(
        app: &mut A,
        store: &BlockStore,
        stored: Option<StoredGenesis>,
        app_hash: &AppHash,
        chain_id: &chain::Id,
        validator: &DevnetValidator,
        genesis_spec: &GenesisSpec,
    ) -> Result<StoredGenesis, NodeError> {
        let app_initialized = !app_hash.as_bytes().is_empty();
        let stored = match stored {
            Some(stored) => stored,
            None if app_initialized => {
                return Err(NodeError::Config(
                    "the application holds a chain but the block store has no genesis; run \
                     with --reset to start a fresh chain"
                        .into(),
                ))
            }
            None => {
                let fresh = StoredGenesis {
                    doc: new_genesis_doc(chain_id, validator, genesis_spec),
                    app_hash: AppHash::default(),
                };
                store.save_genesis(&fresh)?;
                fresh
            }
        };
        let app_hash = if app_initialized {
            app_hash.clone()
        } else {
            app.init_chain(&genesis_context(&stored.doc))?
        };
        if !stored.app_hash.as_bytes().is_empty() && stored.app_hash != app_hash {
            return Err(NodeError::AppHashMismatch {
                height: 0,
                app: app_hash.to_string(),
                stored: stored.app_hash.to_string(),
            });
        }
        let genesis = StoredGenesis {
            doc: stored.doc,
            app_hash,
        };
        store.save_genesis(&genesis)?;
        Ok(genesis)
    }

    /// Re-executes stored blocks the application has not committed (it crashed between the
    /// block store's write and its own commit), checking each app hash against the stored one.
    fn replay(
        &mut self,
        app_height: u64,
        store_height: u64,
        app_hash: &AppHash,
    ) -> Result<(), NodeError> {
        if app_height > 0 && app_height == store_height {
            let stored = self.stored_app_hash(app_height)?;
            if &stored != app_hash {
                return Err(NodeError::AppHashMismatch {
                    height: app_height,
                    app: app_hash.to_string(),
                    stored: stored.to_string(),
                });
            }
        }
        for height in app_height + 1..=store_height {
            let stored = self
                .store
                .block(height)?
                .ok_or_else(|| NodeError::Config(format!("block {height} missing from store")))?;
            info!(
                height,
                txs = stored.block.data.len(),
                "replaying stored block"
            );
            let ctx = BlockContext {
                chain_id: self.params.chain_id.to_string(),
                height,
                time: stored.block.header.time,
            };
            let results = self.app.finalize_block(&ctx, &stored.block.data);
            let expected = self.stored_app_hash(height)?;
            if results.app_hash != expected {
                return Err(NodeError::AppHashMismatch {
                    height,
                    app: results.app_hash.to_string(),
                    stored: expected.to_string(),
                });
            }
            self.app.commit()?;
        }
        Ok(())
    }

    fn stored_app_hash(&self, height: u64) -> Result<AppHash, NodeError> {
        Ok(self
            .store
            .results(height)?
            .ok_or_else(|| NodeError::Config(format!("results of block {height} missing")))?
            .app_hash)
    }

    fn load_tip(&self, height: u64, genesis: &StoredGenesis) -> Result<ChainTip, NodeError> {
        if height == 0 {
            return Ok(ChainTip {
                height: 0,
                block_id: None,
                time: genesis.doc.genesis_time,
                app_hash: genesis.app_hash.clone(),
                results_hash: results_hash(&[]),
            });
        }
        let block = self
            .store
            .block(height)?
            .ok_or_else(|| NodeError::Config(format!("block {height} missing from store")))?;
        let results = self
            .store
            .results(height)?
            .ok_or_else(|| NodeError::Config(format!("results of block {height} missing")))?;
        Ok(ChainTip {
            height,
            block_id: Some(block.block_id),
            time: block.block.header.time,
            results_hash: results_hash(&results.tx_results),
            app_hash: results.app_hash,
        })
    }

    /// Serves commands and produces blocks until every handle is gone or a fatal error.
    pub(crate) async fn run(
        mut self,
        mut commands: mpsc::Receiver<Command>,
        shutdown: CancellationToken,
    ) {
        let production = self.config.block_production;
        let mut next_block = match production {
            BlockProduction::Interval(interval) => Instant::now() + interval,
            BlockProduction::OnDemand => Instant::now(),
        };
        loop {
            let command = match production {
                BlockProduction::Interval(interval) => {
                    tokio::select! {
                        // The timer goes first, so a flood of requests cannot delay blocks.
                        biased;
                        _ = shutdown.cancelled() => break,
                        _ = tokio::time::sleep_until(next_block) => {
                            let started = Instant::now();
                            if self.produce_block_or_log().is_err() {
                                break;
                            }
                            next_block = (started + interval).max(Instant::now());
                            continue;
                        }
                        command = commands.recv() => command,
                    }
                }
                BlockProduction::OnDemand => {
                    // Mine once the burst of pending requests is handled, so txs sent together
                    // share a block; a full block is mined at once.
                    let pending = !self.mempool.is_empty();
                    if pending
                        && (commands.is_empty() || self.mempool.len() >= self.config.block_max_txs)
                    {
                        if self.produce_block_or_log().is_err() {
                            break;
                        }
                        continue;
                    }
                    tokio::select! {
                        _ = shutdown.cancelled() => break,
                        command = commands.recv() => command,
                    }
                }
            };
            let Some(command) = command else {
                break;
            };
            if self.handle(command).is_err() {
                break;
            }
        }
        info!(height = self.tip.height, "node core stopped");
    }

    fn produce_block_or_log(&mut self) -> Result<u64, String> {
        self.produce_block().map_err(|e| {
            error!(error = %e, "block production failed; stopping the node");
            e.to_string()
        })
    }

    fn handle(&mut self, command: Command) -> Result<(), ()> {
        match command {
            Command::CheckTx { tx, reply } => {
                let result = self.check_tx(tx);
                if let Some(reply) = reply {
                    let _ = reply.send(result);
                }
            }
            Command::Query {
                path,
                data,
                height,
                prove,
                reply,
            } => {
                let _ = reply.send(self.app.query(&path, &data, height, prove));
            }
            Command::Info { reply } => {
                let _ = reply.send(self.app.info());
            }
            Command::ProduceBlock { reply } => {
                let result = self.produce_block_or_log();
                let failed = result.is_err();
                let _ = reply.send(result);
                if failed {
                    return Err(());
                }
            }
            Command::MempoolSize { reply } => {
                let _ = reply.send(self.mempool.len());
            }
            Command::Inspect(look) => look(&self.app as &dyn std::any::Any),
        }
        Ok(())
    }

    fn check_tx(&mut self, tx: Vec<u8>) -> Result<response::CheckTx, MempoolError> {
        let hash = self.mempool.precheck(&tx)?;
        let result = self.app.check_tx(&tx);
        if result.code.is_ok() {
            self.mempool.push(hash, tx);
        } else {
            debug!(code = result.code.value(), log = %result.log, "check_tx refused a tx");
        }
        Ok(result)
    }

    /// Executes, stores, commits and publishes the next block.
    fn produce_block(&mut self) -> Result<u64, NodeError> {
        let started = std::time::Instant::now();
        let txs = self
            .mempool
            .reap(self.config.block_max_txs, self.config.block_max_bytes);
        let time = next_block_time(&self.tip);
        let built = build_next_block(&self.params, &self.validator, &self.tip, txs, time);
        let height = self.tip.height + 1;
        let ctx = BlockContext {
            chain_id: self.params.chain_id.to_string(),
            height,
            time: built.block.header.time,
        };
        let built_at = started.elapsed();
        let results = self.app.finalize_block(&ctx, &built.block.data);
        let finalized_at = started.elapsed();
        if results.tx_results.len() != built.block.data.len() {
            return Err(NodeError::ResultCountMismatch {
                txs: built.block.data.len(),
                results: results.tx_results.len(),
            });
        }
        // Durable before the application commits: a crash in between is replayed at start.
        self.store
            .save_block(&built.block, &built.block_id, &results)?;
        let stored_at = started.elapsed();
        self.app.commit()?;
        let committed_at = started.elapsed();

        self.tip = ChainTip {
            height,
            block_id: Some(built.block_id),
            time,
            app_hash: results.app_hash.clone(),
            results_hash: results_hash(&results.tx_results),
        };
        self.recheck_mempool();
        let rechecked_at = started.elapsed();
        let txs = built.block.data.len();
        self.publish(built.block, built.block_id, results)?;
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
        debug!(
            height,
            txs,
            build_ms = ms(built_at),
            finalize_ms = ms(finalized_at - built_at),
            store_ms = ms(stored_at - finalized_at),
            commit_ms = ms(committed_at - stored_at),
            recheck_ms = ms(rechecked_at - committed_at),
            total_ms = ms(started.elapsed()),
            "committed block"
        );
        Ok(height)
    }

    /// After a commit the application's check state starts over from the committed state, so
    /// the txs still waiting are checked again in order (CometBFT's recheck); failures leave.
    fn recheck_mempool(&mut self) {
        if self.mempool.is_empty() {
            return;
        }
        for (hash, tx) in self.mempool.drain() {
            let result = self.app.check_tx(&tx);
            if result.code.is_ok() {
                self.mempool.push(hash, tx);
            } else {
                warn!(hash = %hash, log = %result.log, "recheck evicted a tx");
            }
        }
    }

    /// Hands the committed block to the indexer; it publishes once the txs are indexed.
    fn publish(
        &self,
        block: tendermint::Block,
        block_id: tendermint::block::Id,
        results: FinalizeBlock,
    ) -> Result<(), NodeError> {
        self.indexer
            .send(IndexJob {
                block,
                block_id,
                results,
            })
            .map_err(|_| NodeError::Stopped)
    }
}
