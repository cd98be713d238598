use cosmwasm_std::{CheckedMultiplyFractionError, OverflowError, StdError, Uint256};
use cw_utils::PaymentError;
use kumo_types::registry::MAX_UNBONDING_ENTRIES;
use kumo_types::ValidationError;
use thiserror::Error;

/// Every way the registry refuses a message. Each refusal has its own variant and message
/// so that callers (and tests) can tell them apart.
#[derive(Error, Debug)]
pub enum ContractError {
    #[error("{0}")]
    Std(#[from] StdError),

    #[error("invalid input: {0}")]
    Validation(#[from] ValidationError),

    #[error("invalid funds: {0}")]
    Payment(#[from] PaymentError),

    #[error("unauthorized: only governance may do this")]
    Unauthorized,

    #[error("provider {provider} is not registered")]
    NotRegistered { provider: String },

    #[error("provider {provider} is already registered")]
    AlreadyRegistered { provider: String },

    #[error("provider has {count} active leases; they must close before it deregisters")]
    HasActiveLeases { count: u64 },

    #[error("amount must be greater than zero")]
    ZeroAmount,

    #[error("cannot unbond {amount}: only {bonded} is bonded")]
    UnbondExceedsBonded { amount: Uint256, bonded: Uint256 },

    #[error(
        "unbonding would leave {remaining} bonded, below the {required} that {leased_gpus} leased GPUs require"
    )]
    InsufficientCollateral {
        remaining: Uint256,
        required: Uint256,
        leased_gpus: u64,
    },

    #[error(
        "already {MAX_UNBONDING_ENTRIES} unbonding entries; claim matured ones or wait for them"
    )]
    TooManyUnbondingEntries,

    #[error("nothing to claim: no unbonding entry has matured")]
    NothingToClaim,

    #[error("{address} has neither a provider record nor collateral to slash")]
    NothingToSlash { address: String },

    #[error("auditor {auditor} has signed nothing for provider {provider}")]
    NothingSigned { provider: String, auditor: String },

    #[error("attribute {key:?} is not signed by this auditor")]
    KeyNotSigned { key: String },

    #[error("signing would leave {count} signed attributes, at most {max} allowed")]
    TooManySignedAttributes { count: usize, max: usize },

    #[error("{count} auditors asked about, at most {max} allowed")]
    TooManyAuditors { count: usize, max: usize },

    #[error(transparent)]
    Upgrade(#[from] kumo_types::version::UpgradeRefusal),

    #[error("arithmetic overflow: {0}")]
    Overflow(#[from] OverflowError),

    #[error("arithmetic overflow: {0}")]
    FractionOverflow(#[from] CheckedMultiplyFractionError),
}
