use cosmwasm_std::{CheckedMultiplyFractionError, OverflowError, StdError, Uint256};
use cw_utils::PaymentError;
use kumo_types::ValidationError;
use thiserror::Error;

#[derive(Error, Debug)]
pub enum ContractError {
    #[error("{0}")]
    Std(#[from] StdError),

    #[error("invalid input: {0}")]
    Validation(#[from] ValidationError),

    #[error("funds: {0}")]
    Payment(#[from] PaymentError),

    #[error("arithmetic overflow: {0}")]
    Overflow(#[from] OverflowError),

    #[error("arithmetic: {0}")]
    Fraction(#[from] CheckedMultiplyFractionError),

    #[error("unauthorized: {0}")]
    Unauthorized(String),

    #[error("{kind} {id} not found")]
    NotFound { kind: &'static str, id: String },

    #[error("deployment {0} already exists")]
    DeploymentExists(String),

    #[error("{kind} {id} is {state}, expected {expected}")]
    WrongState {
        kind: &'static str,
        id: String,
        state: String,
        expected: String,
    },

    #[error("manifest_hash: unchanged")]
    ManifestUnchanged,

    #[error("funds: {denom} is not an allowed denom")]
    DenomNotAllowed { denom: String },

    #[error("funds: deposit of {amount}{denom} is below the minimum of {min}{denom}")]
    DepositTooSmall {
        denom: String,
        amount: Uint256,
        min: Uint256,
    },

    #[error("funds: expected {expected}, got {got}")]
    WrongDenom { expected: String, got: String },

    #[error("escrow of {0} holds too many distinct depositors")]
    TooManyDepositors(String),

    #[error("escrow of {0} is empty: deposit before starting a group or leasing")]
    EscrowEmpty(String),

    #[error("provider {provider} is not registered: {reason}")]
    ProviderNotRegistered { provider: String, reason: String },

    #[error("a provider cannot bid on its own order")]
    SelfBid,

    #[error("provider {0} already has a bid on this order")]
    DuplicateBid(String),

    #[error("order {order} already has {max} open bids (order_max_bids)")]
    TooManyBids { order: String, max: u32 },

    #[error("price {price} is above the order's maximum {max}")]
    PriceAboveMax { price: String, max: String },

    #[error("provider attributes do not satisfy the requirement {key}={value}")]
    AttributesMismatch { key: String, value: String },

    #[error("signed_by: {0}")]
    SignedByUnsatisfied(String),

    #[error("provider does not advertise the offered GPU {0} (capabilities/gpu/...)")]
    GpuNotOffered(String),

    #[error("the offered GPU {0} is not certified by any auditor that governance trusts")]
    GpuNotCertified(String),

    #[error("collateral: bonded {bonded} is below the {required} required for {gpus} leased GPUs")]
    InsufficientCollateral {
        bonded: Uint256,
        required: Uint256,
        gpus: u64,
    },

    #[error(
        "price per GPU {price} for {model} is outside the governed tier {tier} [{min}, {max}]"
    )]
    PriceOutsideTier {
        model: String,
        tier: String,
        price: String,
        min: String,
        max: String,
    },

    #[error("reason: a provider may close with provider, unstable or manifest_timeout")]
    InvalidCloseReason,

    #[error("stored counter would underflow: {0}")]
    CounterUnderflow(&'static str),
}

impl ContractError {
    pub fn not_found(kind: &'static str, id: impl ToString) -> Self {
        Self::NotFound {
            kind,
            id: id.to_string(),
        }
    }

    pub fn wrong_state(
        kind: &'static str,
        id: impl ToString,
        state: impl serde::Serialize,
        expected: &str,
    ) -> Self {
        // States serialize as their snake_case wire names.
        let state = cosmwasm_std::to_json_string(&state).unwrap_or_default();
        Self::WrongState {
            kind,
            id: id.to_string(),
            state: state.trim_matches('"').to_string(),
            expected: expected.into(),
        }
    }
}
