//! The end of voting: the tally, and what it does with the proposal and its deposits.

use cosmwasm_std::{Coin, Decimal, DepsMut, Env, Response, StdError};
use kumo_types::events::KumoEvent;
use kumo_types::governance::{ProposalStatus, TallyOutcome};

use super::deposit::release_deposits;
use super::expect_status;
use crate::error::ContractError;
use crate::state::{load_proposal, save_proposal, PARAMS};
use crate::tally::{outcome, TallyRules};

/// Anyone tallies a proposal whose voting ended, with the params in force now (as x/gov).
/// A failed expedited proposal becomes a regular one instead: its voting runs on to the
/// regular period's end and it is tallied again then, deposits untouched.
pub fn tally(deps: DepsMut, env: Env, id: u64) -> Result<Response, ContractError> {
    let mut proposal = load_proposal(deps.storage, id)?;
    expect_status(&proposal, ProposalStatus::VotingPeriod)?;
    let (Some(start), Some(end)) = (proposal.voting_start_time, proposal.voting_end_time) else {
        return Err(StdError::msg("voting proposal without a voting period").into());
    };
    if env.block.time < end {
        return Err(ContractError::VotingRunning { id, ends_at: end });
    }
    let params = PARAMS.load(deps.storage)?;
    let rules = TallyRules::for_proposal(&params, proposal.expedited);
    let result = outcome(&proposal.tally, proposal.total_power, &rules);
    let nothing_burned = Coin::new(0u128, &params.staking_denom);

    if proposal.expedited && result != TallyOutcome::Passed {
        let voting_end = start.plus_seconds(params.voting_period_seconds);
        proposal.expedited = false;
        proposal.voting_end_time = Some(voting_end);
        save_proposal(deps.storage, &proposal)?;
        return Ok(Response::new()
            .add_event(KumoEvent::ProposalTallied {
                id,
                status: ProposalStatus::VotingPeriod,
                outcome: result,
                burned: nothing_burned,
            })
            .add_event(KumoEvent::ExpeditedConverted { id, voting_end }));
    }

    let (status, burn_ratio) = match result {
        TallyOutcome::Passed => (ProposalStatus::Passed, Decimal::zero()),
        TallyOutcome::NoQuorum if params.burn_deposit_on_no_quorum => {
            (ProposalStatus::Rejected, Decimal::one())
        }
        TallyOutcome::NoQuorum | TallyOutcome::AllAbstain | TallyOutcome::BelowThreshold => {
            (ProposalStatus::Rejected, Decimal::zero())
        }
        TallyOutcome::Vetoed => (ProposalStatus::Vetoed, Decimal::one()),
    };
    let (messages, burned) = release_deposits(deps.storage, &proposal, burn_ratio)?;
    proposal.status = status;
    proposal.outcome = Some(result);
    if status == ProposalStatus::Passed {
        proposal.executable_at = Some(end.plus_seconds(params.timelock_seconds));
    }
    save_proposal(deps.storage, &proposal)?;
    Ok(Response::new()
        .add_messages(messages)
        .add_event(KumoEvent::ProposalTallied {
            id,
            status,
            outcome: result,
            burned,
        }))
}
