//! A market stand-in that answers `Config` and `Params` like the real market but refuses
//! every message: a target that accepts a proposal at submission and refuses it at
//! execution, which is the only way to reach the dispatch's failure reply.

use cosmwasm_std::{
    to_json_binary, Binary, Deps, DepsMut, Empty, Env, MessageInfo, Response, StdError, StdResult,
};
use cw_multi_test::{Contract, ContractWrapper};
use cw_storage_plus::Item;
use kumo_types::market::{ConfigResponse, ExecuteMsg, InstantiateMsg, MarketParams, QueryMsg};

pub const REFUSAL: &str = "refusing market: every update is switched off";

const CONFIG: Item<ConfigResponse> = Item::new("config");
const PARAMS: Item<MarketParams> = Item::new("params");

fn instantiate(
    deps: DepsMut,
    _env: Env,
    _info: MessageInfo,
    msg: InstantiateMsg,
) -> StdResult<Response> {
    let config = ConfigResponse {
        governance: deps.api.addr_validate(&msg.governance)?,
        registry: deps.api.addr_validate(&msg.registry)?,
    };
    CONFIG.save(deps.storage, &config)?;
    PARAMS.save(deps.storage, &msg.params)?;
    Ok(Response::new())
}

fn execute(_deps: DepsMut, _env: Env, _info: MessageInfo, _msg: ExecuteMsg) -> StdResult<Response> {
    Err(StdError::msg(REFUSAL))
}

fn query(deps: Deps, _env: Env, msg: QueryMsg) -> StdResult<Binary> {
    match msg {
        QueryMsg::Config {} => to_json_binary(&CONFIG.load(deps.storage)?),
        QueryMsg::Params {} => to_json_binary(&PARAMS.load(deps.storage)?),
        _ => Err(StdError::msg("not supported by the stand-in")),
    }
}

pub fn contract() -> Box<dyn Contract<Empty>> {
    Box::new(ContractWrapper::new(execute, instantiate, query))
}
