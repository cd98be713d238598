//! [`ChainClient`]: one connection to a node, checked at connect, with Kumo's contracts resolved.
//! Cheap to clone; clones share the RPC client and the sequence manager.

use std::sync::Arc;

use serde::Serialize;
use tendermint_rpc::client::CompatMode;
use tendermint_rpc::Client;

use crate::config::ChainConfig;
use crate::error::ClientError;
use crate::keys::{self, KeyPair};
use crate::rpc::Rpc;
use crate::sequence::SequenceManager;
use crate::stream::BlockStream;
use crate::tx::Signer;

/// Addresses of Kumo's contracts on the connected chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolvedContracts {
    pub market: String,
    pub registry: String,
    pub governance: String,
}

impl ResolvedContracts {
    /// Whether `address` is one of Kumo's contracts (events from others are not trusted).
    pub fn contains(&self, address: &str) -> bool {
        [&self.market, &self.registry, &self.governance]
            .iter()
            .any(|a| a.as_str() == address)
    }
}

#[derive(Clone)]
pub struct ChainClient {
    inner: Arc<Inner>,
}

struct Inner {
    config: ChainConfig,
    rpc: Rpc,
    contracts: ResolvedContracts,
    sequences: SequenceManager,
}

impl std::fmt::Debug for ChainClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChainClient")
            .field("rpc_url", &self.inner.config.rpc_url)
            .field("chain_id", &self.inner.config.chain_id)
            .finish_non_exhaustive()
    }
}

impl ChainClient {
    /// Checks the node answers (`Unreachable` otherwise) and is on `config.chain_id`
    /// (`ChainIdMismatch`), then resolves the contract addresses not given, by label.
    pub async fn connect(config: ChainConfig) -> Result<ChainClient, ClientError> {
        config.validate()?;
        keys::validate_prefix(&config.bech32_prefix)?;
        // `status` reads the same in every dialect; it tells which one the node speaks.
        let probe = Rpc::new(&config, CompatMode::V0_38)?;
        let status = probe
            .call("status", |http| async move { http.status().await })
            .await?;
        let actual = status.node_info.network.to_string();
        if actual != config.chain_id {
            return Err(ClientError::ChainIdMismatch {
                expected: config.chain_id.clone(),
                actual,
            });
        }
        let compat = match CompatMode::from_version(status.node_info.version.clone()) {
            Ok(compat) => compat,
            Err(e) => {
                // Newer CometBFT releases keep 0.38's RPC shapes.
                tracing::debug!(version = %status.node_info.version, error = %e, "assuming CometBFT 0.38 RPC");
                CompatMode::V0_38
            }
        };
        let rpc = if compat == probe.compat() {
            probe
        } else {
            Rpc::new(&config, compat)?
        };
        let contracts = crate::contracts::resolve(&rpc, &config.contracts).await?;
        Ok(ChainClient {
            inner: Arc::new(Inner {
                config,
                rpc,
                contracts,
                sequences: SequenceManager::default(),
            }),
        })
    }

    pub fn config(&self) -> &ChainConfig {
        &self.inner.config
    }

    pub fn contracts(&self) -> &ResolvedContracts {
        &self.inner.contracts
    }

    /// The underlying RPC client, for requests this crate does not wrap.
    pub fn rpc(&self) -> &Rpc {
        &self.inner.rpc
    }

    /// The sequence manager shared by this client's signers.
    pub fn sequences(&self) -> &SequenceManager {
        &self.inner.sequences
    }

    /// A signer for `key`. Signers for the same address share one sequence slot.
    pub fn signer(&self, key: KeyPair) -> Signer {
        Signer::new(self.clone(), key)
    }

    /// Blocks from `from_height` on, in order, none skipped, resuming after disconnects.
    pub fn stream_blocks(&self, from_height: u64) -> BlockStream {
        BlockStream::new(self.clone(), from_height)
    }
}
