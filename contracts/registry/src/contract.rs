//! Entry points.

#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{Binary, Deps, DepsMut, Env, MessageInfo, Response};
use cw_utils::nonpayable;
use kumo_types::registry::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};

use crate::error::ContractError;
use crate::execute::{audit, collateral, governance, provider, slash};
use crate::query;
use crate::state::{Config, CONFIG, PARAMS};

pub const CONTRACT_NAME: &str = concat!("crate:", env!("CARGO_PKG_NAME"));
pub const CONTRACT_VERSION: &str = env!("CARGO_PKG_VERSION");

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(
    deps: DepsMut,
    _env: Env,
    info: MessageInfo,
    msg: InstantiateMsg,
) -> Result<Response, ContractError> {
    // Funds sent here would be stuck: nothing accounts for them.
    nonpayable(&info)?;
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    let governance = deps.api.addr_validate(&msg.governance)?;
    let market = msg.market.map(|m| deps.api.addr_validate(&m)).transpose()?;
    msg.params.validate(deps.api)?;
    CONFIG.save(deps.storage, &Config { governance, market })?;
    PARAMS.save(deps.storage, &msg.params)?;
    Ok(Response::new())
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn execute(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: ExecuteMsg,
) -> Result<Response, ContractError> {
    // Only bonding takes funds; anything sent with another message would be stuck.
    if !matches!(msg, ExecuteMsg::BondCollateral {}) {
        nonpayable(&info)?;
    }
    match msg {
        ExecuteMsg::RegisterProvider(details) => provider::register(deps, env, info, details),
        ExecuteMsg::UpdateProvider(details) => provider::update(deps, info, details),
        ExecuteMsg::DeregisterProvider {} => provider::deregister(deps, info),
        ExecuteMsg::SignAttributes {
            provider,
            attributes,
        } => audit::sign(deps, info, provider, attributes),
        ExecuteMsg::DeleteSignedAttributes { provider, keys } => {
            audit::delete(deps, info, provider, keys)
        }
        ExecuteMsg::BondCollateral {} => collateral::bond(deps, info),
        ExecuteMsg::UnbondCollateral { amount } => collateral::unbond(deps, env, info, amount),
        ExecuteMsg::ClaimCollateral {} => collateral::claim(deps, env, info),
        ExecuteMsg::Slash {
            provider,
            fraction,
            reason,
        } => slash::slash(deps, info, provider, fraction, reason),
        ExecuteMsg::UpdateParams(update) => governance::update_params(deps, info, update),
        ExecuteMsg::UpdateConfig { governance, market } => {
            governance::update_config(deps, info, governance, market)
        }
    }
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, _env: Env, msg: QueryMsg) -> Result<Binary, ContractError> {
    query::dispatch(deps, msg)
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn migrate(deps: DepsMut, _env: Env, _msg: MigrateMsg) -> Result<Response, ContractError> {
    kumo_types::version::ensure_upgrade::<ContractError>(
        deps.storage,
        CONTRACT_NAME,
        CONTRACT_VERSION,
    )?;
    Ok(Response::new())
}
