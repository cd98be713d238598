#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{to_json_binary, Binary, Deps, DepsMut, Env, MessageInfo, Response};
use kumo_types::market::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};

use crate::error::ContractError;
use crate::execute::{admin, bid, deployment, group, lease};
use crate::query;
use crate::state::{Config, CONFIG, PARAMS};

pub const CONTRACT_NAME: &str = "crates.io:kumo-market";
pub const CONTRACT_VERSION: &str = env!("CARGO_PKG_VERSION");

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(
    deps: DepsMut,
    _env: Env,
    _info: MessageInfo,
    msg: InstantiateMsg,
) -> Result<Response, ContractError> {
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    let config = Config {
        governance: deps.api.addr_validate(&msg.governance)?,
        registry: deps.api.addr_validate(&msg.registry)?,
    };
    msg.params.validate()?;
    CONFIG.save(deps.storage, &config)?;
    PARAMS.save(deps.storage, &msg.params)?;
    Ok(Response::new()
        .add_attribute("action", "instantiate")
        .add_attribute("governance", config.governance)
        .add_attribute("registry", config.registry))
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn execute(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: ExecuteMsg,
) -> Result<Response, ContractError> {
    use ExecuteMsg::*;
    // Only messages that take a deposit accept funds; elsewhere they would be stranded.
    if !matches!(
        msg,
        CreateDeployment { .. } | DepositDeployment { .. } | CreateBid { .. }
    ) {
        cw_utils::nonpayable(&info)?;
    }
    match msg {
        CreateDeployment {
            dseq,
            groups,
            manifest_hash,
        } => deployment::create(deps, env, info, dseq, groups, manifest_hash),
        UpdateDeployment { id, manifest_hash } => deployment::update(deps, info, id, manifest_hash),
        DepositDeployment { id } => deployment::deposit(deps, env, info, id),
        CloseDeployment { id } => deployment::close(deps, env, info, id),
        PauseGroup { id } => group::pause(deps, env, info, id),
        StartGroup { id } => group::start(deps, env, info, id),
        CloseGroup { id } => group::close(deps, env, info, id),
        CreateBid {
            order,
            price,
            offer,
        } => bid::create(deps, env, info, order, price, offer),
        CloseBid { id, reason } => bid::close(deps, env, info, id, reason),
        CreateLease { bid } => lease::create(deps, env, info, bid),
        CloseLease { id } => lease::close(deps, env, info, id),
        WithdrawLease { id } => lease::withdraw(deps, env, info, id),
        Settle { id } => lease::settle(deps, env, id),
        UpdateParams(update) => admin::update_params(deps, info, update),
        UpdateConfig {
            governance,
            registry,
        } => admin::update_config(deps, info, governance, registry),
    }
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, env: Env, msg: QueryMsg) -> Result<Binary, ContractError> {
    use QueryMsg::*;
    let bin = match msg {
        Config {} => to_json_binary(&query::config(deps)?),
        Params {} => to_json_binary(&PARAMS.load(deps.storage)?),
        Deployment { id } => to_json_binary(&query::deployment(deps, env, id)?),
        Deployments {
            owner,
            start_after,
            limit,
        } => to_json_binary(&query::deployments(deps, owner, start_after, limit)?),
        Order { id } => to_json_binary(&query::order(deps, id)?),
        Orders {
            state,
            start_after,
            limit,
        } => to_json_binary(&query::orders(deps, state, start_after, limit)?),
        OrdersForProvider { provider, ids } => {
            to_json_binary(&query::orders_for_provider(deps, provider, ids)?)
        }
        Bid { id } => to_json_binary(&query::bid(deps, id)?),
        BidsByOrder {
            order,
            start_after,
            limit,
        } => to_json_binary(&query::bids_by_order(deps, order, start_after, limit)?),
        BidsByProvider {
            provider,
            start_after,
            limit,
        } => to_json_binary(&query::bids_by_provider(
            deps,
            provider,
            start_after,
            limit,
        )?),
        Lease { id } => to_json_binary(&query::lease(deps, id)?),
        LeasesByOwner {
            owner,
            start_after,
            limit,
        } => to_json_binary(&query::leases_by_owner(deps, owner, start_after, limit)?),
        LeasesByProvider {
            provider,
            start_after,
            limit,
        } => to_json_binary(&query::leases_by_provider(
            deps,
            provider,
            start_after,
            limit,
        )?),
        Escrow { id } => to_json_binary(&query::escrow(deps, env, id)?),
        ProviderStats { provider } => to_json_binary(&query::provider_stats(deps, provider)?),
    }?;
    Ok(bin)
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn migrate(deps: DepsMut, _env: Env, _msg: MigrateMsg) -> Result<Response, ContractError> {
    // Refuses another contract's state and downgrades.
    let from = cw2::ensure_from_older_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    Ok(Response::new()
        .add_attribute("action", "migrate")
        .add_attribute("from_version", from.to_string()))
}
