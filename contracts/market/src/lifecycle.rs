//! State transitions shared by several messages: opening and closing orders, closing bids and
//! leases, paying providers, and settling a deployment's escrow.

use cosmwasm_std::{Addr, BankMsg, Coin, Response, Storage, Uint256};
use kumo_types::coins::FundsDestination;
use kumo_types::events::KumoEvent;
use kumo_types::ids::{DeploymentId, LeaseId, OrderId};
use kumo_types::market::{
    BidState, EscrowAccount, Group, GroupState, LeaseCloseReason, LeaseState, Order, OrderState,
    Payment,
};

use crate::error::ContractError;
use crate::escrow::{self, Settlement};
use crate::execute::Setup;
use crate::state::{
    bid_key, deployment_key, group_key, order_key, order_state_index, ACTIVE_LEASES, BIDS, ESCROW,
    GROUPS, LEASES, OPEN_BIDS, ORDERS, ORDERS_BY_STATE, PAYMENTS, PROVIDER_STATS,
};

/// Sends `amount` of `denom` to `to`, if there is anything to send.
pub fn send(res: &mut Response, to: &Addr, amount: Uint256, denom: &str) {
    if !amount.is_zero() {
        res.messages.push(cosmwasm_std::SubMsg::new(BankMsg::Send {
            to_address: to.to_string(),
            amount: vec![Coin::new(amount, denom)],
        }));
    }
}

fn emit(res: &mut Response, event: KumoEvent) {
    res.events.push(event.to_event());
}

/// Saves an order, keeping the by-state index in step.
pub fn save_order(
    storage: &mut dyn Storage,
    order: &Order,
    previous: Option<OrderState>,
) -> Result<(), ContractError> {
    let (owner, seqs) = order_key(&order.id);
    if let Some(prev) = previous {
        ORDERS_BY_STATE.remove(storage, (order_state_index(prev), owner.clone(), seqs));
    }
    ORDERS_BY_STATE.save(
        storage,
        (order_state_index(order.state), owner.clone(), seqs),
        &(),
    )?;
    ORDERS.save(storage, (owner, seqs), order)?;
    Ok(())
}

/// Opens the group's next order (oseq + 1). The caller saves the group.
pub fn open_order(
    storage: &mut dyn Storage,
    group: &mut Group,
    height: u64,
    res: &mut Response,
) -> Result<OrderId, ContractError> {
    group.oseq = group
        .oseq
        .checked_add(1)
        .ok_or(ContractError::CounterUnderflow("oseq"))?;
    let order = Order {
        id: group.id.order(group.oseq),
        state: OrderState::Open,
        created_at: height,
        open_bids: 0,
    };
    save_order(storage, &order, None)?;
    emit(
        res,
        KumoEvent::OrderCreated {
            id: order.id.clone(),
        },
    );
    Ok(order.id)
}

pub fn load_order(storage: &dyn Storage, id: &OrderId) -> Result<Order, ContractError> {
    ORDERS
        .may_load(storage, order_key(id))?
        .ok_or_else(|| ContractError::not_found("order", id))
}

/// Ends every open bid of an order (lost when another bid won, closed otherwise), refunding
/// deposits. Touches at most `order_max_bids` bids.
pub fn end_open_bids(
    storage: &mut dyn Storage,
    order: &mut Order,
    state: BidState,
    res: &mut Response,
) -> Result<(), ContractError> {
    let (owner, seqs) = order_key(&order.id);
    let open: Vec<Addr> = OPEN_BIDS
        .prefix((owner.clone(), seqs))
        .keys(storage, None, None, cosmwasm_std::Order::Ascending)
        .collect::<Result<_, _>>()?;
    for provider in open {
        let key = (owner.clone(), seqs, provider.clone());
        let mut bid = BIDS.load(storage, key.clone())?;
        bid.state = state;
        BIDS.save(storage, key.clone(), &bid)?;
        OPEN_BIDS.remove(storage, key);
        send(res, &provider, bid.deposit.amount, &bid.deposit.denom);
        emit(res, KumoEvent::BidClosed { id: bid.id, state });
    }
    order.open_bids = 0;
    Ok(())
}

/// Closes an order that has no lease: its open bids close and are refunded.
pub fn close_open_order(
    storage: &mut dyn Storage,
    order: &mut Order,
    res: &mut Response,
) -> Result<(), ContractError> {
    let previous = order.state;
    end_open_bids(storage, order, BidState::Closed, res)?;
    order.state = OrderState::Closed;
    save_order(storage, order, Some(previous))?;
    emit(
        res,
        KumoEvent::OrderClosed {
            id: order.id.clone(),
        },
    );
    Ok(())
}

/// Pays a provider what its lease has earned, less the governed take.
pub fn pay_out(
    payment: &mut Payment,
    denom: &str,
    setup: &Setup,
    res: &mut Response,
) -> Result<(), ContractError> {
    let (params, config) = (&setup.params, &setup.config);
    let earned = payment.unwithdrawn;
    let take = earned.checked_mul_floor(params.take_rate(denom))?;
    let net = earned - take;
    payment.unwithdrawn = Uint256::zero();
    payment.withdrawn = payment.withdrawn.checked_add(earned)?;
    send(res, &payment.lease.provider, net, denom);
    if !take.is_zero() {
        let amount = vec![Coin::new(take, denom)];
        let msg = match params.take_destination {
            FundsDestination::Burn => BankMsg::Burn { amount },
            FundsDestination::CommunityPool => BankMsg::Send {
                to_address: config.governance.to_string(),
                amount,
            },
        };
        res.messages.push(cosmwasm_std::SubMsg::new(msg));
    }
    emit(
        res,
        KumoEvent::LeaseWithdrawn {
            id: payment.lease.clone(),
            amount: Coin::new(net, denom),
            take: Coin::new(take, denom),
        },
    );
    Ok(())
}

/// Closes an active lease whose escrow is already settled: pays the provider out, refunds the
/// bid deposit, closes the bid and order, and releases the provider's counters. The caller
/// decides what happens to the group.
pub fn close_lease(
    storage: &mut dyn Storage,
    id: &LeaseId,
    reason: LeaseCloseReason,
    closed_at: u64,
    setup: &Setup,
    res: &mut Response,
) -> Result<(), ContractError> {
    let key = bid_key(id);
    let mut lease = LEASES.load(storage, key.clone())?;
    lease.state = if reason == LeaseCloseReason::InsufficientFunds {
        LeaseState::InsufficientFunds
    } else {
        LeaseState::Closed
    };
    lease.closed_at = Some(closed_at);
    lease.close_reason = Some(reason);
    LEASES.save(storage, key.clone(), &lease)?;

    let mut payment = PAYMENTS.load(storage, key.clone())?;
    payment.active = false;
    pay_out(&mut payment, &lease.price.denom, setup, res)?;
    PAYMENTS.save(storage, key.clone(), &payment)?;

    let dkey = deployment_key(&id.deployment());
    let mut active = ACTIVE_LEASES
        .may_load(storage, dkey.clone())?
        .unwrap_or_default();
    active.retain(|l| l != id);
    ACTIVE_LEASES.save(storage, dkey, &active)?;

    let mut bid = BIDS.load(storage, key.clone())?;
    bid.state = BidState::Closed;
    BIDS.save(storage, key, &bid)?;
    send(res, &id.provider, bid.deposit.amount, &bid.deposit.denom);

    let mut order = load_order(storage, &id.order())?;
    let previous = order.state;
    order.state = OrderState::Closed;
    save_order(storage, &order, Some(previous))?;

    let mut stats = PROVIDER_STATS
        .may_load(storage, &id.provider)?
        .unwrap_or_default();
    stats.active_leases = stats
        .active_leases
        .checked_sub(1)
        .ok_or(ContractError::CounterUnderflow("active_leases"))?;
    stats.leased_gpus = stats
        .leased_gpus
        .checked_sub(lease.gpus)
        .ok_or(ContractError::CounterUnderflow("leased_gpus"))?;
    PROVIDER_STATS.save(storage, &id.provider, &stats)?;

    emit(
        res,
        KumoEvent::LeaseClosed {
            id: id.clone(),
            reason,
        },
    );
    emit(
        res,
        KumoEvent::BidClosed {
            id: id.clone(),
            state: BidState::Closed,
        },
    );
    emit(res, KumoEvent::OrderClosed { id: id.order() });
    Ok(())
}

/// The active payments of a deployment, in lease order.
fn active_payments(
    storage: &dyn Storage,
    id: &DeploymentId,
) -> Result<Vec<Payment>, ContractError> {
    let leases = ACTIVE_LEASES
        .may_load(storage, deployment_key(id))?
        .unwrap_or_default();
    leases
        .iter()
        .map(|l| PAYMENTS.load(storage, bid_key(l)).map_err(Into::into))
        .collect()
}

/// The escrow account and active payments as if settled at `height`, without saving.
pub fn settled_view(
    storage: &dyn Storage,
    id: &DeploymentId,
    height: u64,
) -> Result<(EscrowAccount, Vec<Payment>, Settlement), ContractError> {
    let mut account = ESCROW
        .may_load(storage, deployment_key(id))?
        .ok_or_else(|| ContractError::not_found("escrow account", id))?;
    let mut payments = active_payments(storage, id)?;
    let outcome = escrow::settle(&mut account, &mut payments, height)?;
    Ok((account, payments, outcome))
}

/// Settles a deployment's escrow up to `height`. If it ran dry, every active lease closes with
/// reason insufficient_funds and its group becomes insufficient_funds; the deployment stays.
pub fn settle_deployment(
    storage: &mut dyn Storage,
    id: &DeploymentId,
    setup: &Setup,
    res: &mut Response,
) -> Result<EscrowAccount, ContractError> {
    let (account, payments, outcome) = settled_view(storage, id, setup.height)?;
    for payment in &payments {
        PAYMENTS.save(storage, bid_key(&payment.lease), payment)?;
    }
    ESCROW.save(storage, deployment_key(id), &account)?;
    if let Settlement::RanDry { at_height } = outcome {
        for payment in payments {
            let lease = payment.lease;
            close_lease(
                storage,
                &lease,
                LeaseCloseReason::InsufficientFunds,
                at_height,
                setup,
                res,
            )?;
            let gkey = group_key(&lease.group());
            let mut group = GROUPS.load(storage, gkey.clone())?;
            group.state = GroupState::InsufficientFunds;
            GROUPS.save(storage, gkey, &group)?;
            emit(res, KumoEvent::GroupInsufficientFunds { id: group.id });
        }
    }
    Ok(account)
}

/// Ends whatever a group is running: its active lease (reason given) or its open order. The
/// escrow must be settled first. Returns nothing if the current order is already closed.
pub fn stop_group(
    storage: &mut dyn Storage,
    group: &Group,
    reason: LeaseCloseReason,
    setup: &Setup,
    res: &mut Response,
) -> Result<(), ContractError> {
    let mut order = load_order(storage, &group.id.order(group.oseq))?;
    match order.state {
        OrderState::Open => close_open_order(storage, &mut order, res),
        OrderState::Active => {
            let lease = ACTIVE_LEASES
                .may_load(storage, deployment_key(&group.id.deployment()))?
                .unwrap_or_default()
                .into_iter()
                .find(|l| l.order() == order.id)
                .ok_or_else(|| ContractError::not_found("active lease of order", &order.id))?;
            close_lease(storage, &lease, reason, setup.height, setup, res)
        }
        OrderState::Closed => Ok(()),
    }
}
