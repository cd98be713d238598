use cosmwasm_std::{
    CheckedMultiplyFractionError, Coin, OverflowError, StdError, Timestamp, Uint256,
};
use cw_utils::PaymentError;
use kumo_types::governance::{MAX_CLAIMS, MAX_DEPOSITORS};
use kumo_types::ValidationError;
use thiserror::Error;

/// Every way the governance contract refuses a message, each with its own message so that
/// callers (and tests) can tell them apart.
#[derive(Error, Debug)]
pub enum ContractError {
    #[error("{0}")]
    Std(#[from] StdError),

    #[error("invalid input: {0}")]
    Validation(#[from] ValidationError),

    #[error("invalid funds: {0}")]
    Payment(#[from] PaymentError),

    #[error("arithmetic overflow: {0}")]
    Overflow(#[from] OverflowError),

    #[error("arithmetic overflow: {0}")]
    FractionOverflow(#[from] CheckedMultiplyFractionError),

    #[error("unauthorized: only the account that instantiated this contract may wire it, once")]
    NotWirer,

    #[error("the {contract} is already wired to {address}; only a proposal can change it")]
    AlreadyWired {
        contract: &'static str,
        address: String,
    },

    #[error("name at least one contract")]
    NothingToWire,

    #[error("no {contract} is wired yet")]
    NotWired { contract: &'static str },

    #[error("{address} cannot be the {contract}: {reason}")]
    NotGoverned {
        contract: &'static str,
        address: String,
        reason: String,
    },

    #[error("unauthorized: only the proposer may cancel proposal {id}")]
    NotProposer { id: u64 },

    #[error("unauthorized: only this contract may dispatch a proposal's actions")]
    NotSelf,

    #[error("amount must be greater than zero")]
    ZeroAmount,

    #[error("cannot unstake {amount}: only {staked} is staked")]
    UnstakeExceedsStake { amount: Uint256, staked: Uint256 },

    #[error("already {MAX_CLAIMS} pending claims; claim matured ones or wait for them")]
    TooManyClaims,

    #[error("nothing to claim: no unstake has matured")]
    NothingToClaim,

    #[error("proposal {id} not found")]
    ProposalNotFound { id: u64 },

    #[error("proposal {id} is {status}, expected {expected}")]
    WrongStatus {
        id: u64,
        status: &'static str,
        expected: &'static str,
    },

    #[error("initial deposit of {amount}{denom} is below the minimum of {min}{denom}")]
    InitialDepositTooSmall {
        amount: Uint256,
        min: Uint256,
        denom: String,
    },

    #[error("deposit of {amount}{denom} is below the minimum of {min}{denom} per deposit")]
    DepositTooSmall {
        amount: Uint256,
        min: Uint256,
        denom: String,
    },

    #[error("proposal {id} already has {MAX_DEPOSITORS} depositors")]
    TooManyDepositors { id: u64 },

    #[error("the deposit period of proposal {id} ended at {ended_at}")]
    DepositPeriodEnded { id: u64, ended_at: Timestamp },

    #[error("the deposit period of proposal {id} runs until {ends_at}")]
    DepositPeriodRunning { id: u64, ends_at: Timestamp },

    #[error("voting on proposal {id} ended at {ended_at}")]
    VotingEnded { id: u64, ended_at: Timestamp },

    #[error("voting on proposal {id} runs until {ends_at}")]
    VotingRunning { id: u64, ends_at: Timestamp },

    #[error("{voter} had no stake at height {height}, where voting on proposal {id} started")]
    NoVotingPower { id: u64, voter: String, height: u64 },

    #[error("proposal {id} can be executed from {executable_at}")]
    TimelockActive { id: u64, executable_at: Timestamp },

    #[error("actions[{index}]: {source}")]
    InvalidAction {
        index: usize,
        source: Box<ContractError>,
    },

    #[error("community pool holds {available}, cannot spend {requested}")]
    PoolInsufficient { available: Coin, requested: Coin },

    #[error("a pool spend needs 1-{max} coins, each above zero")]
    InvalidSpend { max: usize },

    #[error("provider {provider} has neither a registration nor collateral to slash")]
    NothingToSlash { provider: String },

    #[error("the contract owes {owed}{denom} but holds only {balance}{denom}")]
    Insolvent {
        denom: String,
        owed: Uint256,
        balance: Uint256,
    },

    #[error("reply for proposal {id} reports success; only failures are expected")]
    UnexpectedReply { id: u64 },

    #[error(transparent)]
    Upgrade(#[from] kumo_types::version::UpgradeRefusal),
}
