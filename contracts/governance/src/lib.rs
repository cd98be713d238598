//! Kumo's governance: holders of the staking token stake it here, propose typed changes to
//! the market, the registry and this contract, vote with the stake they held when voting
//! started, and execute what passed. The lifecycle and tally follow Cosmos x/gov; voting power
//! comes from a stake snapshot at the proposal's start height, as in DAO DAO, so tokens staked
//! once a vote is under way carry no power on it.
//!
//! # Wiring
//!
//! This contract is the governance authority of the market and the registry, which are
//! instantiated with its address; so it usually comes first and cannot know theirs yet.
//! `InstantiateMsg { market, registry }` takes both as options. While either is unset, the
//! account that instantiated this contract may call `WireContracts { market, registry }`
//! exactly once, for unset addresses only, and each contract named must already answer its
//! `Config {}` query with this contract as its governance. From then on only a passed
//! proposal (`ProposalAction::SetContracts`) changes anything here.
//!
//! # Money
//!
//! The contract's bank balance holds stakes, unstaked tokens waiting to be claimed, proposal
//! deposits, and the community pool. The market's take and the registry's slashes arrive as
//! plain bank sends, so the pool is not booked: it is the balance less what the contract owes
//! (stakes + claims + deposits, all in the staking denom).
//!
//! # Bounded work
//!
//! No execute path iterates over unbounded state: depositors per proposal, claims per account
//! and actions per proposal are bounded; expiry, tally and execution are permissionless
//! messages about one proposal.

pub mod contract;
pub mod error;
mod execute;
mod plan;
mod pool;
mod query;
pub mod state;
pub mod tally;
mod targets;

pub use crate::error::ContractError;
