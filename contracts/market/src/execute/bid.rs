use cosmwasm_std::{Addr, Deps, DepsMut, Env, MessageInfo, Response};
use cw_utils::one_coin;
use kumo_types::coins::DecCoin;
use kumo_types::events::KumoEvent;
use kumo_types::ids::BidId;
use kumo_types::ids::OrderId;
use kumo_types::market::{Bid, BidState, GroupState, LeaseCloseReason, LeaseState, OrderState};
use kumo_types::registry::{ProviderProfile, QueryMsg as RegistryQuery};
use kumo_types::resources::Offer;

use super::{ensure_sender, load_setup};
use crate::error::ContractError;
use crate::lifecycle::{close_lease, load_order, save_order, send, settle_deployment};
use crate::matching::check_bid;
use crate::state::{
    bid_key, group_key, provider_bid_key, BIDS, BIDS_BY_PROVIDER, GROUPS, LEASES, OPEN_BIDS,
    PROVIDER_STATS,
};

/// Everything the registry knows that a bid check needs, in one query.
pub(crate) fn query_profile(
    deps: Deps,
    registry: &Addr,
    provider: &Addr,
    auditors: Vec<String>,
) -> Result<ProviderProfile, ContractError> {
    deps.querier
        .query_wasm_smart(
            registry,
            &RegistryQuery::ProviderProfile {
                provider: provider.to_string(),
                auditors,
            },
        )
        .map_err(|e| ContractError::ProviderNotRegistered {
            provider: provider.to_string(),
            reason: e.to_string(),
        })
}

pub fn create(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    order_id: OrderId,
    price: DecCoin,
    offer: Offer,
) -> Result<Response, ContractError> {
    let setup = load_setup(deps.storage, &env)?;
    let provider = info.sender.clone();
    let mut order = load_order(deps.storage, &order_id)?;
    if order.state != OrderState::Open {
        return Err(ContractError::wrong_state(
            "order",
            &order_id,
            order.state,
            "open",
        ));
    }
    let group = GROUPS.load(deps.storage, group_key(&order_id.group()))?;
    if group.state != GroupState::Open {
        return Err(ContractError::wrong_state(
            "group",
            &group.id,
            group.state,
            "open",
        ));
    }
    if provider == order_id.owner {
        return Err(ContractError::SelfBid);
    }
    let id = order_id.bid(&provider);
    if BIDS.has(deps.storage, bid_key(&id)) {
        return Err(ContractError::DuplicateBid(provider.to_string()));
    }
    if order.open_bids >= setup.params.order_max_bids {
        return Err(ContractError::TooManyBids {
            order: order_id.to_string(),
            max: setup.params.order_max_bids,
        });
    }

    let deposit = one_coin(&info)?;
    let min = setup
        .params
        .bid_min_deposits
        .iter()
        .find(|c| c.denom == deposit.denom)
        .ok_or_else(|| ContractError::WrongDenom {
            expected: setup
                .params
                .bid_min_deposits
                .iter()
                .map(|c| c.denom.as_str())
                .collect::<Vec<_>>()
                .join(" or "),
            got: deposit.denom.clone(),
        })?;
    if deposit.amount < min.amount {
        return Err(ContractError::DepositTooSmall {
            denom: deposit.denom,
            amount: deposit.amount,
            min: min.amount,
        });
    }

    let profile: ProviderProfile = deps
        .querier
        .query_wasm_smart(
            &setup.config.registry,
            &RegistryQuery::ProviderProfile {
                provider: provider.to_string(),
                auditors: group.spec.requirements.signed_by.auditors(),
            },
        )
        .map_err(|e| ContractError::ProviderNotRegistered {
            provider: provider.to_string(),
            reason: e.to_string(),
        })?;
    let stats = PROVIDER_STATS
        .may_load(deps.storage, &provider)?
        .unwrap_or_default();
    check_bid(&group.spec, &price, &offer, &profile, &stats, &setup.params)?;

    let gpu = offer
        .units
        .iter()
        .find_map(|u| u.gpu.as_ref())
        .map(|g| g.to_string())
        .unwrap_or_default();
    let bid = Bid {
        id: id.clone(),
        state: BidState::Open,
        price: price.clone(),
        offer,
        deposit,
        created_at: env.block.height,
    };
    BIDS.save(deps.storage, bid_key(&id), &bid)?;
    OPEN_BIDS.save(deps.storage, bid_key(&id), &())?;
    BIDS_BY_PROVIDER.save(deps.storage, provider_bid_key(&id), &())?;
    order.open_bids += 1;
    save_order(deps.storage, &order, Some(order.state))?;
    Ok(Response::new().add_event(KumoEvent::BidCreated { id, price, gpu }))
}

/// The provider withdraws its bid. An open bid is refunded; an active one ends its lease with
/// the given reason and pauses the group, so the tenant decides when to re-open it.
pub fn close(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    id: BidId,
    reason: Option<LeaseCloseReason>,
) -> Result<Response, ContractError> {
    ensure_sender(&info.sender, &id.provider, "bid's provider")?;
    let reason = match reason.unwrap_or(LeaseCloseReason::Provider) {
        r @ (LeaseCloseReason::Provider
        | LeaseCloseReason::Unstable
        | LeaseCloseReason::ManifestTimeout) => r,
        _ => return Err(ContractError::InvalidCloseReason),
    };
    let key = bid_key(&id);
    let mut bid = BIDS
        .may_load(deps.storage, key.clone())?
        .ok_or_else(|| ContractError::not_found("bid", &id))?;
    let mut res = Response::new();
    match bid.state {
        BidState::Open => {
            bid.state = BidState::Closed;
            BIDS.save(deps.storage, key.clone(), &bid)?;
            OPEN_BIDS.remove(deps.storage, key);
            let mut order = load_order(deps.storage, &id.order())?;
            order.open_bids = order
                .open_bids
                .checked_sub(1)
                .ok_or(ContractError::CounterUnderflow("open_bids"))?;
            save_order(deps.storage, &order, Some(order.state))?;
            send(
                &mut res,
                &id.provider,
                bid.deposit.amount,
                &bid.deposit.denom,
            );
            Ok(res.add_event(KumoEvent::BidClosed {
                id,
                state: BidState::Closed,
            }))
        }
        BidState::Active => {
            let setup = load_setup(deps.storage, &env)?;
            settle_deployment(deps.storage, &id.deployment(), &setup, &mut res)?;
            // Settlement may have closed the lease already, for lack of funds.
            if LEASES.load(deps.storage, key)?.state == LeaseState::Active {
                close_lease(deps.storage, &id, reason, setup.height, &setup, &mut res)?;
                let gkey = group_key(&id.group());
                let mut group = GROUPS.load(deps.storage, gkey.clone())?;
                group.state = GroupState::Paused;
                GROUPS.save(deps.storage, gkey, &group)?;
                res = res.add_event(KumoEvent::GroupPaused { id: group.id });
            }
            Ok(res)
        }
        state => Err(ContractError::wrong_state(
            "bid",
            &id,
            state,
            "open or active",
        )),
    }
}
