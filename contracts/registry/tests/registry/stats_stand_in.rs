//! `stats_stand_in`: a stand-in for the market contract, used ONLY in the registry's own
//! tests. It answers the one market query the registry makes,
//! `kumo_types::market::QueryMsg::ProviderStats`, from numbers the test sets with
//! `SetStats`; every other market query fails. Tests against the real market contract
//! live with the cross-contract suite, not here.

use cosmwasm_schema::cw_serde;
use cosmwasm_std::{
    to_json_binary, Binary, Deps, DepsMut, Empty, Env, MessageInfo, Response, StdError, StdResult,
};
use cw_multi_test::{Contract, ContractWrapper};
use cw_storage_plus::Map;
use kumo_types::market::{ProviderStats, QueryMsg as MarketQueryMsg};

#[cw_serde]
pub enum ExecuteMsg {
    SetStats {
        provider: String,
        active_leases: u64,
        leased_gpus: u64,
    },
}

const STATS: Map<&str, ProviderStats> = Map::new("stats");

fn instantiate(_: DepsMut, _: Env, _: MessageInfo, _: Empty) -> StdResult<Response> {
    Ok(Response::new())
}

fn execute(deps: DepsMut, _: Env, _: MessageInfo, msg: ExecuteMsg) -> StdResult<Response> {
    let ExecuteMsg::SetStats {
        provider,
        active_leases,
        leased_gpus,
    } = msg;
    STATS.save(
        deps.storage,
        &provider,
        &ProviderStats {
            active_leases,
            leased_gpus,
        },
    )?;
    Ok(Response::new())
}

fn query(deps: Deps, _: Env, msg: MarketQueryMsg) -> StdResult<Binary> {
    match msg {
        MarketQueryMsg::ProviderStats { provider } => {
            to_json_binary(&STATS.may_load(deps.storage, &provider)?.unwrap_or_default())
        }
        other => Err(StdError::msg(format!(
            "stats_stand_in answers ProviderStats only, not {other:?}"
        ))),
    }
}

pub fn contract() -> Box<dyn Contract<Empty>> {
    Box::new(ContractWrapper::new(execute, instantiate, query))
}
