//! The devnet's application: a wasmd-like state machine (auth, bank, wasm on cosmwasm-vm)
//! behind the ABCI-shaped [`Application`] trait.
//!
//! ```no_run
//! use kumo_devnet::abci::{Application, GenesisContext};
//! use kumo_devnet::app::{AppOptions, ChainParams, GenesisBuilder, KumoApp};
//!
//! let mut app = KumoApp::open(AppOptions::in_memory()).unwrap();
//! let app_state = GenesisBuilder::new(ChainParams::default()).dev_accounts(10, 1_000_000_000_000).to_json();
//! app.init_chain(&GenesisContext {
//!     chain_id: "kumo-devnet-1".into(),
//!     genesis_time: tendermint::Time::unix_epoch(),
//!     initial_height: 1,
//!     app_state,
//! }).unwrap();
//! ```
//!
//! Module map: `store` (redb + Merkle tree + nested caches), `context` (metered execution
//! context), `auth`, `bank`, `wasm`, `router` (messages), `tx` (decode, ante, runTx), `query`
//! (abci_query paths), `genesis`, `dev_accounts`.

pub mod address;
pub mod auth;
pub mod bank;
pub mod config;
pub mod context;
pub mod dev_accounts;
pub mod error;
pub mod events;
pub mod gas;
pub mod genesis;
pub mod query;
pub mod router;
pub mod store;
pub mod tx;
pub mod wasm;

use std::rc::Rc;
use std::sync::Arc;

use cosmrs::proto::cosmos::base::abci::v1beta1::{GasInfo, Result as AbciResultProto};
use cosmrs::proto::cosmos::tx::v1beta1::{SimulateRequest, SimulateResponse, TxRaw};
use cosmrs::proto::prost::Message;
use cosmwasm_std::Checksum;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tendermint::abci::response;

use crate::abci::{AppError, Application, BlockContext, GenesisContext};
use address::AddressCodec;
use context::{BlockEnv, Ctx, ExecMode, Namespace, TxEnv};
use error::{codes, AbciError};
use gas::GasMeter;
use store::{ChangeSet, Overlay, PendingCommit, Snapshot, Store};
use wasm::WasmEngine;

pub use config::{AppOptions, ChainParams};
pub use dev_accounts::{dev_accounts, DevAccount, DEV_MNEMONIC};
pub use genesis::{AppGenesis, GenesisBuilder, GenesisContract};
pub use store::StoreLocation;

/// Chain parameters, committed at genesis.
const PARAMS_KEY: &[u8] = b"chain_params";
const CHAIN_ID_KEY: &[u8] = b"chain_id";
/// Not merkleized: the last block's height and time, and the genesis contracts.
const LAST_BLOCK_KEY: &[u8] = b"last_block";
const GENESIS_CONTRACTS_KEY: &[u8] = b"genesis_contracts";
/// Gas for genesis steps: effectively unlimited, but finite so a looping contract still ends.
const GENESIS_GAS: u64 = 100_000_000_000;

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct LastBlock {
    height: u64,
    time_nanos: u64,
}

/// A block executed by `finalize_block`, waiting for `commit`.
struct PendingBlock {
    height: u64,
    time_nanos: u64,
    commit: PendingCommit,
}

/// The application: open it, `init_chain` once, then `finalize_block` + `commit` per block.
pub struct KumoApp {
    store: Store,
    committed: Snapshot,
    wasm: Arc<WasmEngine>,
    sig_cache: Arc<tx::sig_cache::SignatureCache>,
    options: AppOptions,
    /// Effective parameters: genesis params with node-local overrides.
    params: Arc<ChainParams>,
    codec: AddressCodec,
    chain_id: String,
    last_block: LastBlock,
    /// The mempool's view: ante effects (fees, sequences) of txs checked since the last commit.
    check_state: ChangeSet,
    pending: Option<PendingBlock>,
}

fn storage_err(err: impl std::fmt::Display) -> AppError {
    AppError::Storage(err.to_string())
}

fn time_nanos(time: &tendermint::Time) -> u64 {
    u64::try_from(time.unix_timestamp_nanos().max(0)).unwrap_or(u64::MAX)
}

impl KumoApp {
    /// Opens (or creates) the application's store and wasm cache. A store holding a chain
    /// resumes at its last committed height.
    pub fn open(options: AppOptions) -> Result<Self, AppError> {
        let store = Store::open(&options.store).map_err(storage_err)?;
        let committed = store.snapshot().map_err(storage_err)?;
        let wasm = Arc::new(
            WasmEngine::open(
                options.wasm_cache_dir.as_deref(),
                options.wasm_memory_cache_mb,
            )
            .map_err(storage_err)?,
        );
        let read_json = |ns: Namespace, key: &[u8]| -> Result<Option<Vec<u8>>, AppError> {
            committed.get(&ns.key(key)).map_err(storage_err)
        };
        let params: ChainParams = match read_json(Namespace::Params, PARAMS_KEY)? {
            Some(bytes) => serde_json::from_slice(&bytes).map_err(storage_err)?,
            None => ChainParams::default(),
        };
        let chain_id = read_json(Namespace::Params, CHAIN_ID_KEY)?
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let last_block = match read_json(Namespace::Local, LAST_BLOCK_KEY)? {
            Some(bytes) => serde_json::from_slice(&bytes).map_err(storage_err)?,
            None => LastBlock {
                height: 0,
                time_nanos: 0,
            },
        };
        // Refill the VM cache from the state when its directory is new (e.g. in-memory runs
        // of a file store, or a removed cache).
        for (key, blob) in committed
            .scan_prefix(&wasm::keeper::blob_prefix())
            .map_err(storage_err)?
        {
            let checksum_bytes = &key[wasm::keeper::blob_prefix().len()..];
            let checksum = Checksum::try_from(checksum_bytes).map_err(storage_err)?;
            wasm.ensure_stored(&checksum, &blob).map_err(storage_err)?;
        }
        let mut app = Self {
            store,
            committed,
            wasm,
            sig_cache: Arc::default(),
            codec: AddressCodec::new(&params.bech32_prefix)
                .map_err(|e| AppError::Other(e.to_string()))?,
            params: Arc::new(params),
            options,
            chain_id,
            last_block,
            check_state: ChangeSet::new(),
            pending: None,
        };
        app.apply_overrides();
        Ok(app)
    }

    fn apply_overrides(&mut self) {
        if let Some(price) = self.options.min_gas_price {
            let mut params = (*self.params).clone();
            params.min_gas_price = price;
            self.params = Arc::new(params);
        }
    }

    /// Whether genesis has been applied (the store holds a chain).
    pub fn is_initialized(&self) -> bool {
        !self.store.last_commit().app_hash.is_empty()
    }

    pub fn chain_id(&self) -> &str {
        &self.chain_id
    }

    /// The parameters in force (genesis params with this node's overrides).
    pub fn params(&self) -> &ChainParams {
        &self.params
    }

    pub fn last_height(&self) -> u64 {
        self.store.last_commit().height
    }

    pub fn last_app_hash(&self) -> &[u8] {
        &self.store.last_commit().app_hash
    }

    /// The contracts genesis instantiated, with their labels.
    pub fn genesis_contracts(&self) -> Vec<GenesisContract> {
        self.committed
            .get(&Namespace::Local.key(GENESIS_CONTRACTS_KEY))
            .ok()
            .flatten()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Compiled-module cache statistics (hits, misses, sizes).
    pub fn wasm_cache_metrics(&self) -> cosmwasm_vm::Metrics {
        self.wasm.metrics()
    }

    fn ctx(
        &self,
        overlay: Overlay,
        gas: GasMeter,
        block: BlockEnv,
        tx: Option<TxEnv>,
        mode: ExecMode,
    ) -> Rc<Ctx> {
        Rc::new(Ctx::new(
            overlay,
            gas,
            block,
            tx,
            mode,
            self.params.clone(),
            self.codec.clone(),
            self.wasm.clone(),
            self.sig_cache.clone(),
        ))
    }

    /// The block env a tx checked or simulated now would see: the next height.
    fn next_block_env(&self) -> BlockEnv {
        BlockEnv {
            chain_id: self.chain_id.clone(),
            height: self.last_block.height + 1,
            time_nanos: self.last_block.time_nanos,
        }
    }

    fn last_block_env(&self) -> BlockEnv {
        BlockEnv {
            chain_id: self.chain_id.clone(),
            height: self.last_block.height,
            time_nanos: self.last_block.time_nanos,
        }
    }

    fn tx_env(index: u32, tx: &[u8]) -> TxEnv {
        TxEnv {
            index,
            hash: Sha256::digest(tx).to_vec(),
        }
    }

    fn into_overlay(ctx: Rc<Ctx>) -> Overlay {
        Rc::try_unwrap(ctx)
            .unwrap_or_else(|_| panic!("an execution context outlived its run"))
            .into_store()
    }

    fn simulate(&self, data: &[u8]) -> Result<Vec<u8>, AbciError> {
        let request = SimulateRequest::decode(data)
            .map_err(|e| codes::INVALID_REQUEST.wrap(format!("failed to decode request: {e}")))?;
        #[allow(deprecated)]
        let tx_bytes = match (request.tx_bytes.is_empty(), request.tx) {
            (false, _) => request.tx_bytes,
            (true, Some(tx)) => TxRaw {
                body_bytes: tx.body.map(|b| b.encode_to_vec()).unwrap_or_default(),
                auth_info_bytes: tx.auth_info.map(|a| a.encode_to_vec()).unwrap_or_default(),
                signatures: tx.signatures,
            }
            .encode_to_vec(),
            (true, None) => {
                return Err(codes::INVALID_REQUEST
                    .wrap("rpc error: code = InvalidArgument desc = empty txBytes is not allowed"))
            }
        };
        let overlay = Overlay::with_layer(self.committed.clone(), self.check_state.clone());
        let ctx = self.ctx(
            overlay,
            GasMeter::new(self.params.max_tx_gas),
            self.next_block_env(),
            Some(Self::tx_env(0, &tx_bytes)),
            ExecMode::Simulate,
        );
        let outcome = tx::run_tx(&ctx, &tx_bytes);
        drop(Self::into_overlay(ctx));
        match outcome.result {
            Ok(success) => {
                #[allow(deprecated)]
                let result = AbciResultProto {
                    data: success.data,
                    log: String::new(),
                    events: outcome.events.iter().map(proto_event).collect(),
                    msg_responses: success.msg_responses,
                };
                Ok(SimulateResponse {
                    gas_info: Some(GasInfo {
                        gas_wanted: outcome.gas_wanted,
                        gas_used: outcome.gas_used,
                    }),
                    result: Some(result),
                }
                .encode_to_vec())
            }
            // The SDK's Simulate service answers failures as a gRPC Unknown status.
            Err(err) => Err(codes::UNKNOWN_REQUEST.wrap(format!(
                "rpc error: code = Unknown desc = {} With gas wanted: '{}' and gas used: '{}' ",
                err.log, outcome.gas_wanted, outcome.gas_used
            ))),
        }
    }
}

fn proto_event(event: &events::Event) -> tendermint_proto::v0_38::abci::Event {
    tendermint_proto::v0_38::abci::Event {
        r#type: event.kind.clone(),
        attributes: event
            .attributes
            .iter()
            .map(|(k, v)| tendermint_proto::v0_38::abci::EventAttribute {
                key: k.clone(),
                value: v.clone(),
                index: true,
            })
            .collect(),
    }
}

fn query_error(err: AbciError, height: u64) -> response::Query {
    response::Query {
        code: err.code.into(),
        log: err.log,
        codespace: err.codespace.to_string(),
        height: tendermint::block::Height::try_from(height).unwrap_or_default(),
        ..Default::default()
    }
}

impl Application for KumoApp {
    fn info(&self) -> response::Info {
        let last = self.store.last_commit();
        response::Info {
            data: "kumo-devnet".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            app_version: 1,
            last_block_height: tendermint::block::Height::try_from(last.height).unwrap_or_default(),
            last_block_app_hash: tendermint::AppHash::try_from(last.app_hash.clone())
                .unwrap_or_default(),
        }
    }

    fn init_chain(&mut self, genesis: &GenesisContext) -> Result<tendermint::AppHash, AppError> {
        if self.is_initialized() {
            return Err(AppError::Genesis("the store already holds a chain".into()));
        }
        let app_genesis: AppGenesis = match &genesis.app_state {
            serde_json::Value::Null => AppGenesis::default(),
            state => serde_json::from_value(state.clone())
                .map_err(|e| AppError::Genesis(format!("app_state: {e}")))?,
        };
        self.codec = AddressCodec::new(&app_genesis.params.bech32_prefix)
            .map_err(|e| AppError::Genesis(format!("bech32_prefix: {e}")))?;
        self.params = Arc::new(app_genesis.params.clone());
        self.apply_overrides();
        self.chain_id = genesis.chain_id.clone();
        let height = genesis.initial_height.saturating_sub(1);
        let time_nanos = time_nanos(&genesis.genesis_time);
        let block = BlockEnv {
            chain_id: genesis.chain_id.clone(),
            height: genesis.initial_height,
            time_nanos,
        };
        let ctx = self.ctx(
            Overlay::new(self.committed.clone()),
            GasMeter::new(GENESIS_GAS),
            block,
            None,
            ExecMode::Genesis,
        );
        let params_json = serde_json::to_vec(&app_genesis.params).expect("params serialize");
        ctx.raw_set(Namespace::Params, PARAMS_KEY, params_json);
        ctx.raw_set(
            Namespace::Params,
            CHAIN_ID_KEY,
            genesis.chain_id.clone().into_bytes(),
        );
        let contracts = genesis::apply(&ctx, &app_genesis);
        let overlay = Self::into_overlay(ctx);
        let contracts = contracts.map_err(|e| AppError::Genesis(e.0))?;
        let mut changes = overlay.into_changes();
        let last_block = LastBlock { height, time_nanos };
        changes.insert(
            Namespace::Local.key(LAST_BLOCK_KEY),
            Some(serde_json::to_vec(&last_block).expect("json")),
        );
        changes.insert(
            Namespace::Local.key(GENESIS_CONTRACTS_KEY),
            Some(serde_json::to_vec(&contracts).expect("json")),
        );
        let pending = self.store.prepare(changes).map_err(storage_err)?;
        let app_hash = self.store.commit(height, pending).map_err(storage_err)?;
        self.committed = self.store.snapshot().map_err(storage_err)?;
        self.last_block = last_block;
        self.check_state.clear();
        tendermint::AppHash::try_from(app_hash).map_err(|e| AppError::Other(e.to_string()))
    }

    fn check_tx(&mut self, tx: &[u8]) -> response::CheckTx {
        let overlay = Overlay::with_layer(
            self.committed.clone(),
            std::mem::take(&mut self.check_state),
        );
        let ctx = self.ctx(
            overlay,
            GasMeter::new(0),
            self.next_block_env(),
            Some(Self::tx_env(0, tx)),
            ExecMode::Check,
        );
        let outcome = tx::run_tx(&ctx, tx);
        self.check_state = Self::into_overlay(ctx).into_changes();
        outcome.to_check_tx()
    }

    fn finalize_block(&mut self, block: &BlockContext, txs: &[Vec<u8>]) -> response::FinalizeBlock {
        let block_env = BlockEnv {
            chain_id: block.chain_id.clone(),
            height: block.height,
            time_nanos: time_nanos(&block.time),
        };
        let mut overlay = Overlay::new(self.committed.clone());
        let mut tx_results = Vec::with_capacity(txs.len());
        for (index, tx) in txs.iter().enumerate() {
            let ctx = self.ctx(
                overlay,
                GasMeter::new(0),
                block_env.clone(),
                Some(Self::tx_env(index as u32, tx)),
                ExecMode::Finalize,
            );
            let outcome = tx::run_tx(&ctx, tx);
            overlay = Self::into_overlay(ctx);
            tx_results.push(outcome.to_exec_tx_result());
        }
        let mut changes = overlay.into_changes();
        let last_block = LastBlock {
            height: block.height,
            time_nanos: block_env.time_nanos,
        };
        changes.insert(
            Namespace::Local.key(LAST_BLOCK_KEY),
            Some(serde_json::to_vec(&last_block).expect("json")),
        );
        let (app_hash, pending) = match self.store.prepare(changes) {
            Ok(commit) => (commit.app_hash(), Some(commit)),
            Err(err) => {
                // A broken store is a node fault; commit() reports it.
                tracing::error!(%err, height = block.height, "preparing the block's state commitment failed");
                (self.store.last_commit().app_hash.clone(), None)
            }
        };
        self.pending = pending.map(|commit| PendingBlock {
            height: block.height,
            time_nanos: block_env.time_nanos,
            commit,
        });
        response::FinalizeBlock {
            events: Vec::new(),
            tx_results,
            validator_updates: Vec::new(),
            consensus_param_updates: None,
            app_hash: tendermint::AppHash::try_from(app_hash).unwrap_or_default(),
        }
    }

    fn commit(&mut self) -> Result<(), AppError> {
        let pending = self
            .pending
            .take()
            .ok_or_else(|| AppError::Other("commit without a finalized block".into()))?;
        self.store
            .commit(pending.height, pending.commit)
            .map_err(storage_err)?;
        self.committed = self.store.snapshot().map_err(storage_err)?;
        self.last_block = LastBlock {
            height: pending.height,
            time_nanos: pending.time_nanos,
        };
        self.check_state.clear();
        Ok(())
    }

    fn query(&self, path: &str, data: &[u8], height: u64, _prove: bool) -> response::Query {
        let last = self.store.last_commit().height;
        if height != 0 && height != last {
            return query_error(
                codes::INVALID_REQUEST.wrap(format!(
                    "failed to load state at height {height}; version does not exist (latest height: {last})"
                )),
                last,
            );
        }
        let result = if path == query::SIMULATE {
            self.simulate(data)
        } else {
            let limit = if path == query::SMART_CONTRACT_STATE {
                self.params.smart_query_gas_limit
            } else {
                u64::MAX
            };
            let ctx = self.ctx(
                Overlay::new(self.committed.clone()),
                GasMeter::new(limit),
                self.last_block_env(),
                None,
                ExecMode::Query,
            );
            let result = query::handle(&ctx, path, data);
            drop(Self::into_overlay(ctx));
            result
        };
        match result {
            Ok(value) => response::Query {
                value: value.into(),
                height: tendermint::block::Height::try_from(last).unwrap_or_default(),
                ..Default::default()
            },
            Err(err) => query_error(err, last),
        }
    }
}
