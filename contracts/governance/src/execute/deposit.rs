//! Proposal deposits: adding them, starting the vote when they reach the minimum, and
//! releasing them (refund, burn, or part of each).

use cosmwasm_std::{
    Addr, BankMsg, Coin, Decimal, DepsMut, Env, MessageInfo, Response, Storage, Uint256,
};
use cw_utils::must_pay;
use kumo_types::events::KumoEvent;
use kumo_types::governance::{Deposit, GovernanceParams, Proposal, ProposalStatus, MAX_DEPOSITORS};

use super::wrong_status;
use crate::error::ContractError;
use crate::state::{load_proposal, save_proposal, DEPOSITS, LEDGER, PARAMS, TOTAL_STAKED};

/// Anyone tops up a proposal in its deposit or voting period; reaching the min deposit in the
/// deposit period starts the vote.
pub fn deposit(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    id: u64,
) -> Result<Response, ContractError> {
    let params = PARAMS.load(deps.storage)?;
    let amount = must_pay(&info, &params.staking_denom)?;
    let mut proposal = load_proposal(deps.storage, id)?;
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
    let min_deposit = params.min_deposit_for(proposal.expedited);
    let min = min_deposit.mul_floor(params.min_deposit_ratio);
    if amount < min {
        return Err(ContractError::DepositTooSmall {
            amount,
            min,
            denom: params.staking_denom,
        });
    }

    add_deposit(deps.storage, &mut proposal, &info.sender, amount)?;
    let mut response = Response::new().add_event(KumoEvent::ProposalDeposited {
        id,
        depositor: info.sender,
        amount: Coin::new(amount, &params.staking_denom),
    });
    if proposal.status == ProposalStatus::DepositPeriod
        && proposal.total_deposit.amount >= min_deposit
    {
        response = response.add_event(start_voting(deps.storage, &env, &params, &mut proposal)?);
    }
    save_proposal(deps.storage, &proposal)?;
    Ok(response)
}

/// Books a deposit: the depositor's entry, the proposal's total and the contract's ledger.
pub fn add_deposit(
    storage: &mut dyn Storage,
    proposal: &mut Proposal,
    depositor: &Addr,
    amount: Uint256,
) -> Result<(), ContractError> {
    let mut deposits = DEPOSITS.may_load(storage, proposal.id)?.unwrap_or_default();
    match deposits.iter_mut().find(|d| d.depositor == *depositor) {
        Some(existing) => existing.amount.amount = existing.amount.amount.checked_add(amount)?,
        None => {
            if deposits.len() >= MAX_DEPOSITORS {
                return Err(ContractError::TooManyDepositors { id: proposal.id });
            }
            deposits.push(Deposit {
                depositor: depositor.clone(),
                amount: Coin::new(amount, &proposal.total_deposit.denom),
            });
        }
    }
    DEPOSITS.save(storage, proposal.id, &deposits)?;
    proposal.total_deposit.amount = proposal.total_deposit.amount.checked_add(amount)?;
    LEDGER.update(storage, |mut ledger| -> Result<_, ContractError> {
        ledger.deposits = ledger.deposits.checked_add(amount)?;
        Ok(ledger)
    })?;
    Ok(())
}

/// Opens the vote in this block: power is the stake at the start of this height, so stake
/// added from this block on has none on this proposal.
pub fn start_voting(
    storage: &dyn Storage,
    env: &Env,
    params: &GovernanceParams,
    proposal: &mut Proposal,
) -> Result<KumoEvent, ContractError> {
    let height = env.block.height;
    let voting_end = env
        .block
        .time
        .plus_seconds(params.voting_period_for(proposal.expedited));
    proposal.status = ProposalStatus::VotingPeriod;
    proposal.voting_start_time = Some(env.block.time);
    proposal.start_height = Some(height);
    proposal.voting_end_time = Some(voting_end);
    proposal.total_power = TOTAL_STAKED
        .may_load_at_height(storage, height)?
        .unwrap_or_default();
    Ok(KumoEvent::VotingStarted {
        id: proposal.id,
        start_height: height,
        voting_end,
    })
}

/// Releases all deposits of a proposal: `burn_ratio` of each (rounded down) is burned, the
/// rest refunded to its depositor. Returns the bank messages and the amount burned.
pub fn release_deposits(
    storage: &mut dyn Storage,
    proposal: &Proposal,
    burn_ratio: Decimal,
) -> Result<(Vec<BankMsg>, Coin), ContractError> {
    let denom = &proposal.total_deposit.denom;
    let deposits = DEPOSITS.may_load(storage, proposal.id)?.unwrap_or_default();
    DEPOSITS.remove(storage, proposal.id);
    let mut messages = Vec::with_capacity(deposits.len() + 1);
    let mut held = Uint256::zero();
    let mut burned = Uint256::zero();
    for deposit in deposits {
        let amount = deposit.amount.amount;
        let burn = amount.checked_mul_floor(burn_ratio)?;
        let refund = amount - burn;
        held = held.checked_add(amount)?;
        burned = burned.checked_add(burn)?;
        // The bank refuses zero-amount sends and burns.
        if !refund.is_zero() {
            messages.push(BankMsg::Send {
                to_address: deposit.depositor.into_string(),
                amount: vec![Coin::new(refund, denom)],
            });
        }
    }
    if !burned.is_zero() {
        messages.push(BankMsg::Burn {
            amount: vec![Coin::new(burned, denom)],
        });
    }
    LEDGER.update(storage, |mut ledger| -> Result<_, ContractError> {
        ledger.deposits = ledger.deposits.checked_sub(held)?;
        Ok(ledger)
    })?;
    Ok((messages, Coin::new(burned, denom)))
}
