//! A tiny key-value application behind the ABCI-shaped boundary, standing in for the real
//! application in the node's own tests (like CometBFT's kvstore). Txs are `key=value`;
//! `fail=...` is accepted by check_tx but fails in the block; bytes without `=` are refused.

use std::collections::BTreeMap;
use std::path::PathBuf;

use kumo_devnet::abci::{AppError, Application, BlockContext, GenesisContext};
use sha2::{Digest, Sha256};
use tendermint::abci::{response, types::ExecTxResult, Code, Event, EventAttributeIndexExt};
use tendermint::block::Height;
use tendermint::AppHash;

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct Snapshot {
    height: u64,
    entries: BTreeMap<String, String>,
}

#[derive(Debug, Default)]
pub struct KvApp {
    committed: Snapshot,
    staged: Option<Snapshot>,
    /// Where committed state is persisted (atomically, by rename); in memory when `None`.
    file: Option<PathBuf>,
    /// Panics inside `commit` of this height, before persisting: a crash between the block
    /// store's write and the application's commit.
    pub crash_on_commit_at: Option<u64>,
}

impl KvApp {
    pub fn in_memory() -> Self {
        KvApp::default()
    }

    /// Loads the committed state from `file` if it exists.
    pub fn persistent(file: PathBuf) -> Self {
        let committed = std::fs::read(&file)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        KvApp {
            committed,
            file: Some(file),
            ..KvApp::default()
        }
    }

    fn hash(snapshot: &Snapshot) -> AppHash {
        let mut h = Sha256::new();
        for (k, v) in &snapshot.entries {
            h.update((k.len() as u64).to_be_bytes());
            h.update(k.as_bytes());
            h.update((v.len() as u64).to_be_bytes());
            h.update(v.as_bytes());
        }
        AppHash::try_from(h.finalize().to_vec()).unwrap()
    }

    fn parse(tx: &[u8]) -> Option<(String, String)> {
        let text = std::str::from_utf8(tx).ok()?;
        let (k, v) = text.split_once('=')?;
        (!k.is_empty()).then(|| (k.to_string(), v.to_string()))
    }
}

impl Application for KvApp {
    fn info(&self) -> response::Info {
        response::Info {
            data: format!("{{\"size\":{}}}", self.committed.entries.len()),
            version: "1.0.0".into(),
            app_version: 1,
            last_block_height: Height::try_from(self.committed.height).unwrap(),
            last_block_app_hash: if self.committed.height == 0 {
                AppHash::default()
            } else {
                Self::hash(&self.committed)
            },
        }
    }

    fn init_chain(&mut self, genesis: &GenesisContext) -> Result<AppHash, AppError> {
        let mut snapshot = Snapshot::default();
        if let Some(map) = genesis.app_state.as_object() {
            for (k, v) in map {
                snapshot
                    .entries
                    .insert(k.clone(), v.as_str().unwrap_or_default().to_string());
            }
        }
        self.committed = snapshot;
        Ok(Self::hash(&self.committed))
    }

    fn check_tx(&mut self, tx: &[u8]) -> response::CheckTx {
        match Self::parse(tx) {
            Some(_) => response::CheckTx {
                gas_wanted: 1,
                ..Default::default()
            },
            None => response::CheckTx {
                code: Code::from(1),
                log: "invalid tx format: want key=value".into(),
                codespace: "kv".into(),
                ..Default::default()
            },
        }
    }

    fn finalize_block(&mut self, block: &BlockContext, txs: &[Vec<u8>]) -> response::FinalizeBlock {
        let mut staged = self.committed.clone();
        staged.height = block.height;
        let tx_results = txs
            .iter()
            .map(|tx| match Self::parse(tx) {
                Some((k, _)) if k == "fail" => ExecTxResult {
                    code: Code::from(2),
                    log: "failed on purpose".into(),
                    codespace: "kv".into(),
                    gas_wanted: 1,
                    gas_used: 1,
                    ..Default::default()
                },
                Some((k, v)) => {
                    staged.entries.insert(k.clone(), v.clone());
                    ExecTxResult {
                        gas_wanted: 1,
                        gas_used: 1,
                        events: vec![
                            Event::new(
                                "app",
                                [
                                    ("creator", "Cosmoshi Netowoko").index(),
                                    ("key", k.as_str()).index(),
                                    ("noindex_key", "index is working").no_index(),
                                ],
                            ),
                            Event::new(
                                "wasm-order_created",
                                [("owner", v.as_str()).index(), ("key", k.as_str()).index()],
                            ),
                        ],
                        ..Default::default()
                    }
                }
                None => ExecTxResult {
                    code: Code::from(1),
                    log: "invalid tx format".into(),
                    ..Default::default()
                },
            })
            .collect();
        let app_hash = Self::hash(&staged);
        self.staged = Some(staged);
        response::FinalizeBlock {
            events: vec![Event::new(
                "block",
                [("height", block.height.to_string()).index()],
            )],
            tx_results,
            validator_updates: vec![],
            consensus_param_updates: None,
            app_hash,
        }
    }

    fn commit(&mut self) -> Result<(), AppError> {
        let staged = self
            .staged
            .take()
            .ok_or_else(|| AppError::Other("commit without finalize_block".into()))?;
        if self.crash_on_commit_at == Some(staged.height) {
            panic!(
                "simulated crash before the application commits {}",
                staged.height
            );
        }
        if let Some(file) = &self.file {
            let tmp = file.with_extension("tmp");
            std::fs::write(&tmp, serde_json::to_vec(&staged).unwrap())
                .map_err(|e| AppError::Storage(e.to_string()))?;
            std::fs::rename(&tmp, file).map_err(|e| AppError::Storage(e.to_string()))?;
        }
        self.committed = staged;
        Ok(())
    }

    fn query(&self, _path: &str, data: &[u8], _height: u64, _prove: bool) -> response::Query {
        let key = String::from_utf8_lossy(data).to_string();
        match self.committed.entries.get(&key) {
            Some(v) => response::Query {
                key: data.to_vec().into(),
                value: v.clone().into_bytes().into(),
                log: "exists".into(),
                height: Height::try_from(self.committed.height).unwrap(),
                ..Default::default()
            },
            None => response::Query {
                key: data.to_vec().into(),
                log: "does not exist".into(),
                height: Height::try_from(self.committed.height).unwrap(),
                ..Default::default()
            },
        }
    }
}
