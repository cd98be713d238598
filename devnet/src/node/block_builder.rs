//! Assembles the next block exactly as a CometBFT proposer would: header hashes, last commit and
//! block id.

use tendermint::block::{self, header::Version, Commit, Header};
use tendermint::{chain, evidence, AppHash, Block, Hash, Time};

use super::hashing;
use super::validator::DevnetValidator;

/// CometBFT 0.38's block protocol version.
pub const BLOCK_PROTOCOL: u64 = 11;

/// What the previous block left behind for the next header.
#[derive(Debug, Clone)]
pub struct ChainTip {
    pub height: u64,
    pub block_id: Option<block::Id>,
    pub time: Time,
    /// The app hash after executing the tip (CometBFT puts it in the NEXT header).
    pub app_hash: AppHash,
    /// Merkle root of the tip's deterministic tx results.
    pub results_hash: Hash,
}

/// Everything fixed for the whole chain.
#[derive(Debug, Clone)]
pub struct ChainParams {
    pub chain_id: chain::Id,
    pub app_version: u64,
    pub validators_hash: Hash,
    pub consensus_hash: Hash,
}

#[derive(Debug, Clone)]
pub struct BuiltBlock {
    pub block: Block,
    pub block_id: block::Id,
}

/// Builds block `tip.height + 1` with `txs` at `time`, signing the tip's commit.
pub fn build_next_block(
    params: &ChainParams,
    validator: &DevnetValidator,
    tip: &ChainTip,
    txs: Vec<Vec<u8>>,
    time: Time,
) -> BuiltBlock {
    let height = block::Height::try_from(tip.height + 1).expect("heights stay below i64::MAX");
    let last_commit: Option<Commit> = tip.block_id.map(|id| {
        let tip_height = block::Height::try_from(tip.height).expect("valid height");
        validator.sign_commit(&params.chain_id, tip_height, id, time)
    });
    let header = Header {
        version: Version {
            block: BLOCK_PROTOCOL,
            app: params.app_version,
        },
        chain_id: params.chain_id.clone(),
        height,
        time,
        last_block_id: tip.block_id,
        last_commit_hash: Some(hashing::commit_hash(last_commit.as_ref())),
        data_hash: Some(hashing::data_hash(&txs)),
        validators_hash: params.validators_hash,
        next_validators_hash: params.validators_hash,
        consensus_hash: params.consensus_hash,
        app_hash: tip.app_hash.clone(),
        last_results_hash: Some(tip.results_hash),
        evidence_hash: Some(hashing::empty_hash()),
        proposer_address: validator.address(),
    };
    let block = Block::new(header, txs, evidence::List::default(), last_commit);
    let (part_set_header, _) = hashing::part_set_header(&block);
    let block_id = block::Id {
        hash: block.header.hash(),
        part_set_header,
    };
    BuiltBlock { block, block_id }
}

/// The next block's time: now, but always after the tip (CometBFT requires increasing times).
pub fn next_block_time(tip: &ChainTip) -> Time {
    let now = Time::now();
    let min = (tip.time + std::time::Duration::from_millis(1)).unwrap_or(now);
    if now > min {
        now
    } else {
        min
    }
}
