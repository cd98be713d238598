//! Submitting, cancelling and expiring proposals.

use cosmwasm_std::{Coin, DepsMut, Env, MessageInfo, Response};
use cw_utils::may_pay;
use kumo_types::events::KumoEvent;
use kumo_types::governance::{
    validate_action_bounds, validate_proposal_text, Proposal, ProposalAction, ProposalStatus,
    TallyResult,
};

use super::deposit::{add_deposit, release_deposits, start_voting};
use super::{expect_status, wrong_status};
use crate::error::ContractError;
use crate::plan::plan;
use crate::state::{
    delete_proposal, load_proposal, save_proposal, ProposalContent, CONTENTS, PARAMS,
    PROPOSAL_COUNT,
};

/// Submits a proposal with its initial deposit. Its actions are checked now, with the rules
/// their targets apply, so that a proposal that could not execute never goes to a vote.
pub fn submit(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    title: String,
    description: String,
    actions: Vec<ProposalAction>,
    expedited: bool,
) -> Result<Response, ContractError> {
    validate_proposal_text(&title, &description)?;
    validate_action_bounds(&actions)?;
    let params = PARAMS.load(deps.storage)?;
    let paid = may_pay(&info, &params.staking_denom)?;
    let min_deposit = params.min_deposit_for(expedited);
    let min_initial = min_deposit.mul_floor(params.min_initial_deposit_ratio);
    if paid < min_initial {
        return Err(ContractError::InitialDepositTooSmall {
            amount: paid,
            min: min_initial,
            denom: params.staking_denom,
        });
    }

    let id = PROPOSAL_COUNT.may_load(deps.storage)?.unwrap_or_default() + 1;
    PROPOSAL_COUNT.save(deps.storage, &id)?;
    let now = env.block.time;
    let mut proposal = Proposal {
        id,
        proposer: info.sender.clone(),
        title,
        expedited,
        status: ProposalStatus::DepositPeriod,
        submit_time: now,
        deposit_end_time: now.plus_seconds(params.max_deposit_period_seconds),
        total_deposit: Coin::new(0u128, &params.staking_denom),
        voting_start_time: None,
        start_height: None,
        voting_end_time: None,
        total_power: Default::default(),
        tally: TallyResult::default(),
        outcome: None,
        executable_at: None,
        failure: None,
    };
    let mut response = Response::new().add_event(KumoEvent::ProposalSubmitted {
        id,
        proposer: info.sender.clone(),
        expedited,
    });
    if !paid.is_zero() {
        add_deposit(deps.storage, &mut proposal, &info.sender, paid)?;
        response = response.add_event(KumoEvent::ProposalDeposited {
            id,
            depositor: info.sender,
            amount: Coin::new(paid, &params.staking_denom),
        });
    }
    // After the deposit is booked, so that the pool a spend is checked against excludes it.
    plan(deps.as_ref(), &env, id, &actions)?;
    if proposal.total_deposit.amount >= min_deposit {
        response = response.add_event(start_voting(deps.storage, &env, &params, &mut proposal)?);
    }
    CONTENTS.save(
        deps.storage,
        id,
        &ProposalContent {
            description,
            actions,
        },
    )?;
    save_proposal(deps.storage, &proposal)?;
    Ok(response.add_attribute("proposal_id", id.to_string()))
}

/// The proposer withdraws a proposal before voting ends; `cancel_burn_ratio` of every
/// deposit is burned and the rest refunded.
pub fn cancel(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    id: u64,
) -> Result<Response, ContractError> {
    let mut proposal = load_proposal(deps.storage, id)?;
    if info.sender != proposal.proposer {
        return Err(ContractError::NotProposer { id });
    }
    let now = env.block.time;
    match (proposal.status, proposal.voting_end_time) {
        (ProposalStatus::DepositPeriod, _) if now >= proposal.deposit_end_time => {
            return Err(ContractError::DepositPeriodEnded {
                id,
                ended_at: proposal.deposit_end_time,
            })
        }
        (ProposalStatus::VotingPeriod, Some(end)) if now >= end => {
            return Err(ContractError::VotingEnded { id, ended_at: end })
        }
        (ProposalStatus::DepositPeriod | ProposalStatus::VotingPeriod, _) => {}
        _ => return Err(wrong_status(&proposal, "deposit_period or voting_period")),
    }
    let params = PARAMS.load(deps.storage)?;
    let (messages, burned) = release_deposits(deps.storage, &proposal, params.cancel_burn_ratio)?;
    proposal.status = ProposalStatus::Cancelled;
    save_proposal(deps.storage, &proposal)?;
    Ok(Response::new()
        .add_messages(messages)
        .add_event(KumoEvent::ProposalCancelled { id, burned }))
}

/// Anyone deletes a proposal whose deposit period ended below the min deposit, refunding
/// its deposits.
pub fn expire(deps: DepsMut, env: Env, id: u64) -> Result<Response, ContractError> {
    let proposal = load_proposal(deps.storage, id)?;
    expect_status(&proposal, ProposalStatus::DepositPeriod)?;
    if env.block.time < proposal.deposit_end_time {
        return Err(ContractError::DepositPeriodRunning {
            id,
            ends_at: proposal.deposit_end_time,
        });
    }
    let (messages, _) = release_deposits(deps.storage, &proposal, Default::default())?;
    delete_proposal(deps.storage, &proposal);
    Ok(Response::new()
        .add_messages(messages)
        .add_event(KumoEvent::ProposalExpired { id }))
}
