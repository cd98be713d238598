use cosmwasm_std::{DepsMut, Env, MessageInfo, Response, Uint256};
use kumo_types::events::KumoEvent;
use kumo_types::ids::{BidId, DeploymentId, LeaseId};
use kumo_types::market::{
    BidState, GroupState, Lease, LeaseCloseReason, LeaseState, OrderState, Payment,
};

use super::bid::query_profile;
use super::{ensure_sender, load_active_deployment, load_setup};
use crate::error::ContractError;
use crate::lifecycle::{
    close_lease, end_open_bids, load_order, open_order, pay_out, save_order, settle_deployment,
};
use crate::matching::check_collateral;
use crate::state::{
    bid_key, deployment_key, group_key, provider_bid_key, ACTIVE_LEASES, BIDS, GROUPS, LEASES,
    LEASES_BY_PROVIDER, OPEN_BIDS, PAYMENTS, PROVIDER_STATS,
};

fn load_lease(deps: &DepsMut, id: &LeaseId) -> Result<Lease, ContractError> {
    LEASES
        .may_load(deps.storage, bid_key(id))?
        .ok_or_else(|| ContractError::not_found("lease", id))
}

/// The owner accepts a bid: the other open bids are lost and refunded, and payment starts.
pub fn create(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    bid_id: BidId,
) -> Result<Response, ContractError> {
    ensure_sender(&info.sender, &bid_id.owner, "deployment owner")?;
    let setup = load_setup(deps.storage, &env)?;
    let key = bid_key(&bid_id);
    let mut bid = BIDS
        .may_load(deps.storage, key.clone())?
        .ok_or_else(|| ContractError::not_found("bid", &bid_id))?;
    if bid.state != BidState::Open {
        return Err(ContractError::wrong_state(
            "bid", &bid_id, bid.state, "open",
        ));
    }
    let height = env.block.height;
    let mut res = Response::new();
    let account = settle_deployment(deps.storage, &bid_id.deployment(), &setup, &mut res)?;
    if account.balance.is_zero() {
        return Err(ContractError::EscrowEmpty(bid_id.deployment().to_string()));
    }
    let group = GROUPS.load(deps.storage, group_key(&bid_id.group()))?;
    if group.state != GroupState::Open {
        return Err(ContractError::wrong_state(
            "group",
            &group.id,
            group.state,
            "open",
        ));
    }
    // Collateral may have been unbonded since the bid: check it again for the GPUs leased now.
    let gpus = group.spec.gpu_count();
    let mut stats = PROVIDER_STATS
        .may_load(deps.storage, &bid_id.provider)?
        .unwrap_or_default();
    if gpus > 0 {
        let profile = query_profile(
            deps.as_ref(),
            &setup.config.registry,
            &bid_id.provider,
            vec![],
        )?;
        check_collateral(&group.spec, &profile, &stats)?;
    }
    let mut order = load_order(deps.storage, &bid_id.order())?;

    bid.state = BidState::Active;
    BIDS.save(deps.storage, key.clone(), &bid)?;
    OPEN_BIDS.remove(deps.storage, key.clone());
    end_open_bids(deps.storage, &mut order, BidState::Lost, &mut res)?;
    order.state = OrderState::Active;
    save_order(deps.storage, &order, Some(OrderState::Open))?;

    let lease = Lease {
        id: bid_id.clone(),
        state: LeaseState::Active,
        price: bid.price.clone(),
        gpus,
        created_at: height,
        closed_at: None,
        close_reason: None,
    };
    LEASES.save(deps.storage, key.clone(), &lease)?;
    LEASES_BY_PROVIDER.save(deps.storage, provider_bid_key(&bid_id), &())?;
    PAYMENTS.save(
        deps.storage,
        key,
        &Payment {
            lease: bid_id.clone(),
            rate: bid.price.amount,
            carry: Default::default(),
            unwithdrawn: Uint256::zero(),
            withdrawn: Uint256::zero(),
            active: true,
        },
    )?;
    let dkey = deployment_key(&bid_id.deployment());
    let mut active = ACTIVE_LEASES
        .may_load(deps.storage, dkey.clone())?
        .unwrap_or_default();
    active.push(bid_id.clone());
    ACTIVE_LEASES.save(deps.storage, dkey, &active)?;
    stats.active_leases += 1;
    stats.leased_gpus += gpus;
    PROVIDER_STATS.save(deps.storage, &bid_id.provider, &stats)?;
    Ok(res.add_event(KumoEvent::LeaseCreated {
        id: bid_id,
        price: bid.price,
    }))
}

/// The owner ends a lease; an open group gets a new order so the workload can move.
pub fn close(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    id: LeaseId,
) -> Result<Response, ContractError> {
    ensure_sender(&info.sender, &id.owner, "deployment owner")?;
    let setup = load_setup(deps.storage, &env)?;
    let lease = load_lease(&deps, &id)?;
    if lease.state != LeaseState::Active {
        return Err(ContractError::wrong_state(
            "lease",
            &id,
            lease.state,
            "active",
        ));
    }
    let height = env.block.height;
    let mut res = Response::new();
    settle_deployment(deps.storage, &id.deployment(), &setup, &mut res)?;
    if load_lease(&deps, &id)?.state != LeaseState::Active {
        // It just ran dry and is closed already.
        return Ok(res);
    }
    close_lease(
        deps.storage,
        &id,
        LeaseCloseReason::Owner,
        setup.height,
        &setup,
        &mut res,
    )?;
    let gkey = group_key(&id.group());
    let mut group = GROUPS.load(deps.storage, gkey.clone())?;
    if group.state == GroupState::Open {
        open_order(deps.storage, &mut group, height, &mut res)?;
        GROUPS.save(deps.storage, gkey, &group)?;
    }
    Ok(res)
}

/// The provider collects what the lease has earned, less the take.
pub fn withdraw(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    id: LeaseId,
) -> Result<Response, ContractError> {
    ensure_sender(&info.sender, &id.provider, "lease's provider")?;
    let setup = load_setup(deps.storage, &env)?;
    let lease = load_lease(&deps, &id)?;
    let mut res = Response::new();
    settle_deployment(deps.storage, &id.deployment(), &setup, &mut res)?;
    let key = bid_key(&id);
    let mut payment = PAYMENTS.load(deps.storage, key.clone())?;
    pay_out(&mut payment, &lease.price.denom, &setup, &mut res)?;
    PAYMENTS.save(deps.storage, key, &payment)?;
    Ok(res)
}

/// Anyone may settle a deployment, which closes leases that ran dry.
pub fn settle(deps: DepsMut, env: Env, id: DeploymentId) -> Result<Response, ContractError> {
    let setup = load_setup(deps.storage, &env)?;
    load_active_deployment(deps.storage, &id)?;
    let mut res = Response::new();
    settle_deployment(deps.storage, &id, &setup, &mut res)?;
    Ok(res)
}
