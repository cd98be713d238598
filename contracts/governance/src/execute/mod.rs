//! Execute handlers, one module per part of the lifecycle.

pub mod conclude;
pub mod deposit;
pub mod dispatch;
pub mod proposal;
pub mod stake;
pub mod vote;
pub mod wiring;

use kumo_types::governance::{Proposal, ProposalStatus};

use crate::error::ContractError;

/// Refuses a proposal that is not in `expected`.
fn expect_status(proposal: &Proposal, expected: ProposalStatus) -> Result<(), ContractError> {
    if proposal.status != expected {
        return Err(wrong_status(proposal, expected.as_str()));
    }
    Ok(())
}

fn wrong_status(proposal: &Proposal, expected: &'static str) -> ContractError {
    ContractError::WrongStatus {
        id: proposal.id,
        status: proposal.status.as_str(),
        expected,
    }
}
