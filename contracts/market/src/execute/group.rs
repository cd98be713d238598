use cosmwasm_std::{DepsMut, Env, MessageInfo, Response};
use kumo_types::events::KumoEvent;
use kumo_types::ids::GroupId;
use kumo_types::market::{Group, GroupState, LeaseCloseReason};

use super::{ensure_sender, load_active_deployment, load_setup};
use crate::error::ContractError;
use crate::lifecycle::{open_order, settle_deployment, stop_group};
use crate::state::{group_key, GROUPS};

fn load_group(deps: &DepsMut, id: &GroupId) -> Result<Group, ContractError> {
    GROUPS
        .may_load(deps.storage, group_key(id))?
        .ok_or_else(|| ContractError::not_found("group", id))
}

/// What the three group messages do after the common checks and settlement.
enum Change {
    Pause,
    Start,
    Close,
}

fn change(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    id: GroupId,
    change: Change,
) -> Result<Response, ContractError> {
    ensure_sender(&info.sender, &id.owner, "deployment owner")?;
    let setup = load_setup(deps.storage, &env)?;
    load_active_deployment(deps.storage, &id.deployment())?;
    let height = env.block.height;
    let mut res = Response::new();
    // Settle before looking at the group: running dry may just have changed its state.
    let account = settle_deployment(deps.storage, &id.deployment(), &setup, &mut res)?;
    let mut group = load_group(&deps, &id)?;
    let event = match change {
        Change::Pause => {
            if group.state != GroupState::Open {
                return Err(ContractError::wrong_state(
                    "group",
                    &id,
                    group.state,
                    "open",
                ));
            }
            stop_group(
                deps.storage,
                &group,
                LeaseCloseReason::Owner,
                &setup,
                &mut res,
            )?;
            group.state = GroupState::Paused;
            KumoEvent::GroupPaused { id: id.clone() }
        }
        Change::Start => {
            if !matches!(
                group.state,
                GroupState::Paused | GroupState::InsufficientFunds
            ) {
                return Err(ContractError::wrong_state(
                    "group",
                    &id,
                    group.state,
                    "paused or insufficient_funds",
                ));
            }
            if account.balance.is_zero() {
                return Err(ContractError::EscrowEmpty(id.deployment().to_string()));
            }
            open_order(deps.storage, &mut group, height, &mut res)?;
            group.state = GroupState::Open;
            KumoEvent::GroupStarted { id: id.clone() }
        }
        Change::Close => {
            if group.state == GroupState::Closed {
                return Err(ContractError::wrong_state(
                    "group",
                    &id,
                    group.state,
                    "not closed",
                ));
            }
            stop_group(
                deps.storage,
                &group,
                LeaseCloseReason::Owner,
                &setup,
                &mut res,
            )?;
            group.state = GroupState::Closed;
            KumoEvent::GroupClosed { id: id.clone() }
        }
    };
    GROUPS.save(deps.storage, group_key(&id), &group)?;
    Ok(res.add_event(event))
}

pub fn pause(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    id: GroupId,
) -> Result<Response, ContractError> {
    change(deps, env, info, id, Change::Pause)
}

pub fn start(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    id: GroupId,
) -> Result<Response, ContractError> {
    change(deps, env, info, id, Change::Start)
}

pub fn close(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    id: GroupId,
) -> Result<Response, ContractError> {
    change(deps, env, info, id, Change::Close)
}
