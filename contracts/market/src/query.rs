use cosmwasm_std::{Addr, Deps, Env, Order as SortOrder, StdResult};
use cw_storage_plus::Bound;
use kumo_types::ids::{BidId, DeploymentId, LeaseId, OrderId};
use kumo_types::market::{
    Bid, BidsResponse, ConfigResponse, DeploymentInfo, DeploymentResponse, DeploymentsResponse,
    EscrowResponse, Group, Lease, LeasesResponse, OrderForProvider, OrderResponse, OrderState,
    OrdersForProviderResponse, OrdersResponse, ProviderStats,
};
use kumo_types::pagination::{page_size, MAX_LIMIT};
use kumo_types::ValidationError;

use crate::error::ContractError;
use crate::escrow::blocks_remaining;
use crate::lifecycle::{load_order, settled_view};
use crate::state::{
    bid_key, deployment_key, group_key, order_id, order_key, order_state_index, provider_bid_key,
    BIDS, BIDS_BY_PROVIDER, CONFIG, DEPLOYMENTS, GROUPS, LEASES, LEASES_BY_PROVIDER, ORDERS,
    ORDERS_BY_STATE,
};

pub fn config(deps: Deps) -> StdResult<ConfigResponse> {
    let c = CONFIG.load(deps.storage)?;
    Ok(ConfigResponse {
        governance: c.governance,
        registry: c.registry,
    })
}

fn groups_of(deps: Deps, id: &DeploymentId, count: u32) -> StdResult<Vec<Group>> {
    (1..=count)
        .map(|gseq| GROUPS.load(deps.storage, group_key(&id.group(gseq))))
        .collect()
}

pub fn deployment(
    deps: Deps,
    env: Env,
    id: DeploymentId,
) -> Result<DeploymentResponse, ContractError> {
    let deployment = DEPLOYMENTS
        .may_load(deps.storage, deployment_key(&id))?
        .ok_or_else(|| ContractError::not_found("deployment", &id))?;
    let groups = groups_of(deps, &id, deployment.group_count)?;
    let (escrow, _, _) = settled_view(deps.storage, &id, env.block.height)?;
    Ok(DeploymentResponse {
        deployment,
        groups,
        escrow,
    })
}

pub fn deployments(
    deps: Deps,
    owner: String,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> Result<DeploymentsResponse, ContractError> {
    let owner = deps.api.addr_validate(&owner)?;
    let deployments = DEPLOYMENTS
        .prefix(owner)
        .range(
            deps.storage,
            start_after.map(Bound::exclusive),
            None,
            SortOrder::Ascending,
        )
        .take(page_size(limit))
        .map(|item| {
            let (_, deployment) = item?;
            let groups = groups_of(deps, &deployment.id, deployment.group_count)?;
            Ok(DeploymentInfo { deployment, groups })
        })
        .collect::<StdResult<_>>()?;
    Ok(DeploymentsResponse { deployments })
}

pub fn order(deps: Deps, id: OrderId) -> Result<OrderResponse, ContractError> {
    let order = load_order(deps.storage, &id)?;
    let spec = GROUPS.load(deps.storage, group_key(&id.group()))?.spec;
    Ok(OrderResponse { order, spec })
}

pub fn orders(
    deps: Deps,
    state: Option<OrderState>,
    start_after: Option<OrderId>,
    limit: Option<u32>,
) -> Result<OrdersResponse, ContractError> {
    let start = start_after
        .as_ref()
        .map(|id| Bound::exclusive(order_key(id)));
    let ids: Vec<OrderId> = match state {
        Some(state) => ORDERS_BY_STATE
            .sub_prefix(order_state_index(state))
            .keys(deps.storage, start, None, SortOrder::Ascending)
            .take(page_size(limit))
            .map(|k| k.map(order_id))
            .collect::<StdResult<_>>()?,
        None => ORDERS
            .keys(deps.storage, start, None, SortOrder::Ascending)
            .take(page_size(limit))
            .map(|k| k.map(order_id))
            .collect::<StdResult<_>>()?,
    };
    let orders = ids
        .into_iter()
        .map(|id| order(deps, id))
        .collect::<Result<_, _>>()?;
    Ok(OrdersResponse { orders })
}

pub fn orders_for_provider(
    deps: Deps,
    provider: String,
    ids: Vec<OrderId>,
) -> Result<OrdersForProviderResponse, ContractError> {
    let provider = deps
        .api
        .addr_validate(&provider)
        .map_err(|e| ValidationError::new("provider", e.to_string()))?;
    if ids.len() > MAX_LIMIT as usize {
        return Err(ValidationError::new(
            "ids",
            format!("at most {MAX_LIMIT} per query, got {}", ids.len()),
        )
        .into());
    }
    let mut orders = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(order) = ORDERS.may_load(deps.storage, order_key(&id))? else {
            continue;
        };
        let spec = GROUPS.load(deps.storage, group_key(&id.group()))?.spec;
        let bid = BIDS.may_load(deps.storage, bid_key(&id.bid(&provider)))?;
        orders.push(OrderForProvider { order, spec, bid });
    }
    Ok(OrdersForProviderResponse { orders })
}

pub fn bid(deps: Deps, id: BidId) -> Result<Bid, ContractError> {
    BIDS.may_load(deps.storage, bid_key(&id))?
        .ok_or_else(|| ContractError::not_found("bid", &id))
}

pub fn bids_by_order(
    deps: Deps,
    order: OrderId,
    start_after: Option<String>,
    limit: Option<u32>,
) -> Result<BidsResponse, ContractError> {
    let (owner, seqs) = order_key(&order);
    let start = start_after.map(|p| Bound::exclusive(Addr::unchecked(p)));
    let bids = BIDS
        .prefix((owner, seqs))
        .range(deps.storage, start, None, SortOrder::Ascending)
        .take(page_size(limit))
        .map(|item| item.map(|(_, bid)| bid))
        .collect::<StdResult<_>>()?;
    Ok(BidsResponse { bids })
}

pub fn bids_by_provider(
    deps: Deps,
    provider: String,
    start_after: Option<BidId>,
    limit: Option<u32>,
) -> Result<BidsResponse, ContractError> {
    let provider = deps.api.addr_validate(&provider)?;
    let start = start_after.map(|id| {
        let (_, owner, seqs) = provider_bid_key(&id);
        Bound::exclusive((owner, seqs))
    });
    let bids = BIDS_BY_PROVIDER
        .sub_prefix(provider.clone())
        .keys(deps.storage, start, None, SortOrder::Ascending)
        .take(page_size(limit))
        .map(|k| {
            let (owner, seqs) = k?;
            BIDS.load(deps.storage, (owner, seqs, provider.clone()))
        })
        .collect::<StdResult<_>>()?;
    Ok(BidsResponse { bids })
}

pub fn lease(deps: Deps, id: LeaseId) -> Result<Lease, ContractError> {
    LEASES
        .may_load(deps.storage, bid_key(&id))?
        .ok_or_else(|| ContractError::not_found("lease", &id))
}

pub fn leases_by_owner(
    deps: Deps,
    owner: String,
    start_after: Option<LeaseId>,
    limit: Option<u32>,
) -> Result<LeasesResponse, ContractError> {
    let owner = deps.api.addr_validate(&owner)?;
    let start = start_after.map(|id| {
        let (_, seqs, provider) = bid_key(&id);
        Bound::exclusive((seqs, provider))
    });
    let leases = LEASES
        .sub_prefix(owner)
        .range(deps.storage, start, None, SortOrder::Ascending)
        .take(page_size(limit))
        .map(|item| item.map(|(_, lease)| lease))
        .collect::<StdResult<_>>()?;
    Ok(LeasesResponse { leases })
}

pub fn leases_by_provider(
    deps: Deps,
    provider: String,
    start_after: Option<LeaseId>,
    limit: Option<u32>,
) -> Result<LeasesResponse, ContractError> {
    let provider = deps.api.addr_validate(&provider)?;
    let start = start_after.map(|id| {
        let (_, owner, seqs) = provider_bid_key(&id);
        Bound::exclusive((owner, seqs))
    });
    let leases = LEASES_BY_PROVIDER
        .sub_prefix(provider.clone())
        .keys(deps.storage, start, None, SortOrder::Ascending)
        .take(page_size(limit))
        .map(|k| {
            let (owner, seqs) = k?;
            LEASES.load(deps.storage, (owner, seqs, provider.clone()))
        })
        .collect::<StdResult<_>>()?;
    Ok(LeasesResponse { leases })
}

pub fn escrow(deps: Deps, env: Env, id: DeploymentId) -> Result<EscrowResponse, ContractError> {
    let (account, payments, _) = settled_view(deps.storage, &id, env.block.height)?;
    let blocks_remaining = blocks_remaining(&account, &payments);
    Ok(EscrowResponse {
        account,
        payments,
        blocks_remaining,
    })
}

pub fn provider_stats(deps: Deps, provider: String) -> Result<ProviderStats, ContractError> {
    let provider = deps.api.addr_validate(&provider)?;
    Ok(crate::state::PROVIDER_STATS
        .may_load(deps.storage, &provider)?
        .unwrap_or_default())
}
