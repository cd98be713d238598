//! Executing a passed proposal. All its actions apply or none does: `ExecuteProposal` saves
//! the proposal as executed and sends one submessage, `DispatchActions`, to this contract,
//! which emits the actions' messages; if anything in it fails, the whole submessage is rolled
//! back and the reply marks the proposal `execution_failed` with the error.

use cosmwasm_std::{
    to_json_binary, DepsMut, Env, MessageInfo, Reply, Response, StdError, SubMsg, SubMsgResult,
    WasmMsg,
};
use kumo_types::events::KumoEvent;
use kumo_types::governance::{ExecuteMsg, Proposal, ProposalStatus, MAX_FAILURE_LEN};

use super::expect_status;
use super::wiring::CONTRACT;
use crate::error::ContractError;
use crate::plan::plan;
use crate::state::{load_proposal, save_proposal, CONFIG, CONTENTS, PARAMS};

/// Anyone executes a passed proposal once its timelock elapsed. The actions are checked
/// again first: a proposal that can no longer execute fails right here with a precise
/// reason (chains redact the errors that replies see to a code).
pub fn execute_proposal(deps: DepsMut, env: Env, id: u64) -> Result<Response, ContractError> {
    let mut proposal = load_proposal(deps.storage, id)?;
    expect_status(&proposal, ProposalStatus::Passed)?;
    let executable_at = proposal
        .executable_at
        .ok_or_else(|| StdError::msg("passed proposal without an execution time"))?;
    if env.block.time < executable_at {
        return Err(ContractError::TimelockActive { id, executable_at });
    }
    let actions = CONTENTS.load(deps.storage, id)?.actions;
    if actions.is_empty() {
        proposal.status = ProposalStatus::Executed;
        save_proposal(deps.storage, &proposal)?;
        return Ok(Response::new().add_event(KumoEvent::ProposalExecuted { id }));
    }
    if let Err(error) = plan(deps.as_ref(), &env, id, &actions) {
        let event = fail(&mut proposal, error.to_string());
        save_proposal(deps.storage, &proposal)?;
        return Ok(Response::new().add_event(event));
    }
    // Saved before dispatch: the proposal can never run twice, nor stay passed.
    proposal.status = ProposalStatus::Executed;
    save_proposal(deps.storage, &proposal)?;
    let dispatch = WasmMsg::Execute {
        contract_addr: env.contract.address.into_string(),
        msg: to_json_binary(&ExecuteMsg::DispatchActions { id })?,
        funds: vec![],
    };
    Ok(Response::new().add_submessage(SubMsg::reply_on_error(dispatch, id)))
}

/// Only this contract, as `ExecuteProposal`'s submessage: applies the proposal's changes to
/// this contract and emits its messages to the others.
pub fn dispatch_actions(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    id: u64,
) -> Result<Response, ContractError> {
    if info.sender != env.contract.address {
        return Err(ContractError::NotSelf);
    }
    let proposal = load_proposal(deps.storage, id)?;
    expect_status(&proposal, ProposalStatus::Executed)?;
    let actions = CONTENTS.load(deps.storage, id)?.actions;
    let plan = plan(deps.as_ref(), &env, id, &actions)?;
    let mut response = Response::new()
        .add_messages(plan.messages)
        .add_events(plan.events);
    if let Some(params) = plan.governance_params {
        PARAMS.save(deps.storage, &params)?;
        response = response.add_event(KumoEvent::ParamsUpdated {
            contract: CONTRACT.into(),
        });
    }
    if let Some(config) = plan.config {
        CONFIG.save(deps.storage, &config)?;
        response = response.add_event(KumoEvent::ConfigUpdated {
            contract: CONTRACT.into(),
        });
    }
    Ok(response.add_event(KumoEvent::ProposalExecuted { id }))
}

/// The dispatch failed and was rolled back: the proposal is marked failed, for good.
pub fn dispatch_failed(deps: DepsMut, reply: Reply) -> Result<Response, ContractError> {
    let id = reply.id;
    let SubMsgResult::Err(error) = reply.result else {
        return Err(ContractError::UnexpectedReply { id });
    };
    let mut proposal = load_proposal(deps.storage, id)?;
    let event = fail(&mut proposal, error);
    save_proposal(deps.storage, &proposal)?;
    Ok(Response::new().add_event(event))
}

fn fail(proposal: &mut Proposal, reason: String) -> KumoEvent {
    let reason = bounded(reason);
    proposal.status = ProposalStatus::ExecutionFailed;
    proposal.failure = Some(reason.clone());
    KumoEvent::ProposalExecutionFailed {
        id: proposal.id,
        reason,
    }
}

/// At most `MAX_FAILURE_LEN` bytes of a reason, keeping its end: errors wrapped on their way
/// out of a submessage put the root cause last.
fn bounded(reason: String) -> String {
    const ELLIPSIS: &str = "...";
    if reason.len() <= MAX_FAILURE_LEN {
        return reason;
    }
    let mut cut = reason.len() - (MAX_FAILURE_LEN - ELLIPSIS.len());
    while !reason.is_char_boundary(cut) {
        cut += 1;
    }
    format!("{ELLIPSIS}{}", &reason[cut..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_keep_their_end() {
        assert_eq!(bounded("short".into()), "short");
        let long = format!("{}root cause", "x".repeat(5000));
        let kept = bounded(long);
        assert_eq!(kept.len(), MAX_FAILURE_LEN);
        assert!(kept.starts_with("...x"));
        assert!(kept.ends_with("root cause"));
        // Never splits a character.
        let wide = format!("{}é", "é".repeat(3000));
        let kept = bounded(wide);
        assert!(kept.len() <= MAX_FAILURE_LEN);
        assert!(kept.ends_with('é'));
    }
}
