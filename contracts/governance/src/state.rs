//! What the governance contract stores.

use cosmwasm_schema::cw_serde;
use cosmwasm_std::{Addr, StdResult, Storage, Uint256};
use cw_storage_plus::{Item, Map, SnapshotItem, SnapshotMap, Strategy};
use kumo_types::governance::{
    Claim, Deposit, GovernanceParams, Proposal, ProposalAction, ProposalStatus, Vote,
};

use crate::error::ContractError;

#[cw_serde]
pub struct Config {
    pub market: Option<Addr>,
    pub registry: Option<Addr>,
    /// May call `WireContracts` once; cleared when it has (or when a proposal rewires).
    pub wirer: Option<Addr>,
}

/// What the contract owes besides stakes, in the staking denom. With the total stake, this is
/// everything that is not community pool.
#[cw_serde]
#[derive(Default)]
pub struct Ledger {
    /// Unstaked, not yet claimed.
    pub claims: Uint256,
    /// Deposits of proposals not yet refunded or burned.
    pub deposits: Uint256,
}

/// The cold part of a proposal, loaded only to show or execute it.
#[cw_serde]
pub struct ProposalContent {
    pub description: String,
    pub actions: Vec<ProposalAction>,
}

pub const CONFIG: Item<Config> = Item::new("config");
pub const PARAMS: Item<GovernanceParams> = Item::new("params");
pub const LEDGER: Item<Ledger> = Item::new("ledger");

/// Stake per account, snapshotted every block: `may_load_at_height(h)` is the stake at the
/// start of block h, which is the power on a proposal whose voting started in block h.
pub const STAKES: SnapshotMap<&Addr, Uint256> = SnapshotMap::new(
    "stakes",
    "stakes__checkpoints",
    "stakes__changelog",
    Strategy::EveryBlock,
);
/// Total stake, snapshotted like `STAKES`: the total power of a proposal.
pub const TOTAL_STAKED: SnapshotItem<Uint256> = SnapshotItem::new(
    "total_staked",
    "total_staked__checkpoints",
    "total_staked__changelog",
    Strategy::EveryBlock,
);
/// Pending unstakes per account, oldest first; at most `MAX_CLAIMS`.
pub const CLAIMS: Map<&Addr, Vec<Claim>> = Map::new("claims");

/// The last proposal id handed out.
pub const PROPOSAL_COUNT: Item<u64> = Item::new("proposal_count");
pub const PROPOSALS: Map<u64, Proposal> = Map::new("proposals");
/// (status, id): proposals by status, kept in step by `save_proposal`.
pub const PROPOSALS_BY_STATUS: Map<(u8, u64), ()> = Map::new("proposals_by_status");
pub const CONTENTS: Map<u64, ProposalContent> = Map::new("contents");
/// Deposits held per proposal, one entry per depositor; at most `MAX_DEPOSITORS`.
pub const DEPOSITS: Map<u64, Vec<Deposit>> = Map::new("deposits");
pub const VOTES: Map<(u64, &Addr), Vote> = Map::new("votes");

pub fn status_index(status: ProposalStatus) -> u8 {
    match status {
        ProposalStatus::DepositPeriod => 0,
        ProposalStatus::VotingPeriod => 1,
        ProposalStatus::Passed => 2,
        ProposalStatus::Rejected => 3,
        ProposalStatus::Vetoed => 4,
        ProposalStatus::Executed => 5,
        ProposalStatus::ExecutionFailed => 6,
        ProposalStatus::Cancelled => 7,
    }
}

pub fn load_proposal(storage: &dyn Storage, id: u64) -> Result<Proposal, ContractError> {
    PROPOSALS
        .may_load(storage, id)?
        .ok_or(ContractError::ProposalNotFound { id })
}

/// Saves a proposal and moves it in the status index.
pub fn save_proposal(storage: &mut dyn Storage, proposal: &Proposal) -> StdResult<()> {
    if let Some(previous) = PROPOSALS.may_load(storage, proposal.id)? {
        PROPOSALS_BY_STATUS.remove(storage, (status_index(previous.status), proposal.id));
    }
    PROPOSALS_BY_STATUS.save(storage, (status_index(proposal.status), proposal.id), &())?;
    PROPOSALS.save(storage, proposal.id, proposal)
}

/// Deletes a proposal with its content (its deposits must have been released).
pub fn delete_proposal(storage: &mut dyn Storage, proposal: &Proposal) {
    PROPOSALS_BY_STATUS.remove(storage, (status_index(proposal.status), proposal.id));
    PROPOSALS.remove(storage, proposal.id);
    CONTENTS.remove(storage, proposal.id);
}
