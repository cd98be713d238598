//! Entry points.

#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{Binary, Decimal, Deps, DepsMut, Env, MessageInfo, Reply, Response, Uint256};
use cw_utils::nonpayable;
use kumo_types::governance::{
    ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg, WeightedVoteOption,
};

use crate::error::ContractError;
use crate::execute::{conclude, deposit, dispatch, proposal, stake, vote, wiring};
use crate::query;
use crate::state::{Config, Ledger, CONFIG, LEDGER, PARAMS, PROPOSAL_COUNT, TOTAL_STAKED};

pub const CONTRACT_NAME: &str = concat!("crate:", env!("CARGO_PKG_NAME"));
pub const CONTRACT_VERSION: &str = env!("CARGO_PKG_VERSION");

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: InstantiateMsg,
) -> Result<Response, ContractError> {
    // Funds sent here would silently join the community pool.
    nonpayable(&info)?;
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    msg.params.validate()?;
    // Given here, the market and registry can only be validated as addresses: they are
    // normally instantiated after this contract, naming it as their governance.
    let market = msg.market.map(|m| deps.api.addr_validate(&m)).transpose()?;
    let registry = msg
        .registry
        .map(|r| deps.api.addr_validate(&r))
        .transpose()?;
    let wirer = (market.is_none() || registry.is_none()).then(|| info.sender.clone());
    CONFIG.save(
        deps.storage,
        &Config {
            market,
            registry,
            wirer,
        },
    )?;
    PARAMS.save(deps.storage, &msg.params)?;
    LEDGER.save(deps.storage, &Ledger::default())?;
    PROPOSAL_COUNT.save(deps.storage, &0)?;
    TOTAL_STAKED.save(deps.storage, &Uint256::zero(), env.block.height)?;
    Ok(Response::new())
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn execute(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: ExecuteMsg,
) -> Result<Response, ContractError> {
    use ExecuteMsg::*;
    // Only staking and deposits take funds; anything sent with another message would
    // silently join the community pool.
    if !matches!(msg, Stake {} | SubmitProposal { .. } | Deposit { .. }) {
        nonpayable(&info)?;
    }
    match msg {
        WireContracts { market, registry } => {
            wiring::wire_contracts(deps, env, info, market, registry)
        }
        Stake {} => stake::stake(deps, env, info),
        Unstake { amount } => stake::unstake(deps, env, info, amount),
        Claim {} => stake::claim(deps, env, info),
        SubmitProposal {
            title,
            description,
            actions,
            expedited,
        } => proposal::submit(deps, env, info, title, description, actions, expedited),
        Deposit { id } => deposit::deposit(deps, env, info, id),
        Vote { id, option } => {
            let options = vec![WeightedVoteOption::new(option, Decimal::one())];
            vote::vote(deps, env, info, id, options)
        }
        VoteWeighted { id, options } => vote::vote(deps, env, info, id, options),
        CancelProposal { id } => proposal::cancel(deps, env, info, id),
        Expire { id } => proposal::expire(deps, env, id),
        Tally { id } => conclude::tally(deps, env, id),
        ExecuteProposal { id } => dispatch::execute_proposal(deps, env, id),
        DispatchActions { id } => dispatch::dispatch_actions(deps, env, info, id),
    }
}

/// Only `DispatchActions` failures come back here (reply on error).
#[cfg_attr(not(feature = "library"), entry_point)]
pub fn reply(deps: DepsMut, _env: Env, reply: Reply) -> Result<Response, ContractError> {
    dispatch::dispatch_failed(deps, reply)
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, env: Env, msg: QueryMsg) -> Result<Binary, ContractError> {
    query::dispatch(deps, env, msg)
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
