//! The chain's genesis document: what the `genesis` endpoint returns and what `init_chain`
//! receives.

use std::time::Duration;

use tendermint::block::{self, Size};
use tendermint::consensus::params::{AbciParams, ValidatorParams, VersionParams};
use tendermint::{chain, consensus, evidence, public_key, AppHash, Genesis, Time};

use super::validator::DevnetValidator;
use crate::abci::GenesisContext;

/// The application's part of a new genesis; used only when the chain does not exist yet.
#[derive(Debug, Clone, Default)]
pub struct GenesisSpec {
    /// Defaults to now.
    pub genesis_time: Option<Time>,
    pub app_state: serde_json::Value,
}

/// CometBFT's default consensus params (`types.DefaultConsensusParams`).
pub fn default_consensus_params() -> consensus::Params {
    consensus::Params {
        block: Size {
            max_bytes: 22_020_096,
            max_gas: -1,
            time_iota_ms: Size::default_time_iota_ms(),
        },
        evidence: evidence::Params {
            max_age_num_blocks: 100_000,
            max_age_duration: evidence::Duration(Duration::from_secs(48 * 3600)),
            max_bytes: 1_048_576,
        },
        validator: ValidatorParams {
            pub_key_types: vec![public_key::Algorithm::Ed25519],
        },
        version: Some(VersionParams { app: 0 }),
        abci: AbciParams {
            vote_extensions_enable_height: Some(block::Height::from(0u32)),
        },
    }
}

pub fn new_genesis_doc(
    chain_id: &chain::Id,
    validator: &DevnetValidator,
    spec: &GenesisSpec,
) -> Genesis<serde_json::Value> {
    let mut info = validator.info();
    info.name = Some(String::new());
    Genesis {
        genesis_time: spec.genesis_time.unwrap_or_else(Time::now),
        chain_id: chain_id.clone(),
        initial_height: 1,
        consensus_params: default_consensus_params(),
        validators: vec![info],
        app_hash: AppHash::default(),
        app_state: spec.app_state.clone(),
    }
}

pub fn genesis_context(doc: &Genesis<serde_json::Value>) -> GenesisContext {
    GenesisContext {
        chain_id: doc.chain_id.to_string(),
        genesis_time: doc.genesis_time,
        initial_height: doc.initial_height as u64,
        app_state: doc.app_state.clone(),
    }
}
