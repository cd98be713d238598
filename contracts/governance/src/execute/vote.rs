//! Votes, single or split, replaceable until voting ends.

use cosmwasm_std::{DepsMut, Env, MessageInfo, Response};
use kumo_types::events::KumoEvent;
use kumo_types::governance::{validate_weighted_options, ProposalStatus, Vote, WeightedVoteOption};

use super::expect_status;
use crate::error::ContractError;
use crate::state::{load_proposal, save_proposal, STAKES, VOTES};
use crate::tally::{add, split_power, subtract};

/// Casts or replaces the sender's vote with its stake at the proposal's start height.
pub fn vote(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    id: u64,
    options: Vec<WeightedVoteOption>,
) -> Result<Response, ContractError> {
    validate_weighted_options(&options)?;
    let mut proposal = load_proposal(deps.storage, id)?;
    expect_status(&proposal, ProposalStatus::VotingPeriod)?;
    let (Some(end), Some(height)) = (proposal.voting_end_time, proposal.start_height) else {
        return Err(cosmwasm_std::StdError::msg("voting proposal without a voting period").into());
    };
    if env.block.time >= end {
        return Err(ContractError::VotingEnded { id, ended_at: end });
    }
    // The stake at the start of the start block: anything staked since carries no power.
    let power = STAKES
        .may_load_at_height(deps.storage, &info.sender, height)?
        .unwrap_or_default();
    if power.is_zero() {
        return Err(ContractError::NoVotingPower {
            id,
            voter: info.sender.into_string(),
            height,
        });
    }
    let key = (id, &info.sender);
    if let Some(previous) = VOTES.may_load(deps.storage, key)? {
        subtract(
            &mut proposal.tally,
            &split_power(previous.power, &previous.options),
        )?;
    }
    add(&mut proposal.tally, &split_power(power, &options))?;
    VOTES.save(
        deps.storage,
        key,
        &Vote {
            proposal_id: id,
            voter: info.sender.clone(),
            options: options.clone(),
            power,
        },
    )?;
    save_proposal(deps.storage, &proposal)?;
    Ok(Response::new().add_event(KumoEvent::VoteCast {
        id,
        voter: info.sender,
        power,
        options,
    }))
}
