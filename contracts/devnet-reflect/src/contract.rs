//! Entry points of the reflect contract.

#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{
    from_json, to_json_binary, to_json_vec, Binary, ContractResult, Deps, DepsMut, Empty, Env,
    MessageInfo, Order, QueryRequest, Reply, Response, StdError, Storage, SystemResult,
};
use thiserror::Error;

use crate::msg::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg, ReplyPlan};

#[derive(Error, Debug)]
pub enum ContractError {
    #[error("{0}")]
    Std(#[from] StdError),
    /// The failure asked for by `WriteThenFail` or a reply plan.
    #[error("{0}")]
    Requested(String),
}

const VALUE_PREFIX: &[u8] = b"v/";
/// The first key after every `v/...` key.
const VALUE_END: &[u8] = b"v0";
const REPLY_PREFIX: &[u8] = b"r/";
const DEFAULT_LIMIT: u32 = 10;
const MAX_LIMIT: u32 = 100;

fn value_key(key: &str) -> Vec<u8> {
    [VALUE_PREFIX, key.as_bytes()].concat()
}

fn reply_key(id: u64) -> Vec<u8> {
    [REPLY_PREFIX, &id.to_be_bytes()].concat()
}

fn write(storage: &mut dyn Storage, key: &str, value: &str) {
    storage.set(&value_key(key), value.as_bytes());
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(
    _deps: DepsMut,
    _env: Env,
    _info: MessageInfo,
    msg: InstantiateMsg,
) -> Result<Response, ContractError> {
    let mut response = Response::new()
        .add_attribute("action", "instantiate")
        .add_submessages(msg.messages);
    if let Some(data) = msg.data {
        response = response.set_data(data);
    }
    Ok(response)
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn execute(
    deps: DepsMut,
    _env: Env,
    _info: MessageInfo,
    msg: ExecuteMsg,
) -> Result<Response, ContractError> {
    match msg {
        ExecuteMsg::Dispatch {
            messages,
            data,
            attributes,
            events,
        } => {
            let mut response = Response::new()
                .add_submessages(messages)
                .add_attributes(attributes)
                .add_events(events);
            if let Some(data) = data {
                response = response.set_data(data);
            }
            Ok(response)
        }
        ExecuteMsg::Write { key, value } => {
            write(deps.storage, &key, &value);
            Ok(Response::new().add_attribute("written", key))
        }
        ExecuteMsg::WriteThenFail { key, value, reason } => {
            write(deps.storage, &key, &value);
            Err(ContractError::Requested(reason))
        }
        ExecuteMsg::BurnGas { rounds } => {
            let mut state = [0u8; 32];
            for round in 0..rounds {
                for (i, byte) in state.iter_mut().enumerate() {
                    *byte = byte
                        .wrapping_mul(31)
                        .wrapping_add((round as u8) ^ (i as u8));
                }
                state = std::hint::black_box(state);
            }
            Ok(Response::new().add_attribute("burned", rounds.to_string()))
        }
    }
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn reply(deps: DepsMut, _env: Env, reply: Reply) -> Result<Response, ContractError> {
    deps.storage
        .set(&reply_key(reply.id), &to_json_vec(&reply)?);
    let plan: ReplyPlan = if reply.payload.is_empty() {
        ReplyPlan::default()
    } else {
        from_json(&reply.payload)?
    };
    if let Some((key, value)) = &plan.write {
        write(deps.storage, key, value);
    }
    if let Some(reason) = plan.fail {
        return Err(ContractError::Requested(reason));
    }
    let mut response = Response::new().add_attribute("reply_id", reply.id.to_string());
    if let Some(data) = plan.data {
        response = response.set_data(data);
    }
    Ok(response)
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn migrate(deps: DepsMut, _env: Env, msg: MigrateMsg) -> Result<Response, ContractError> {
    write(deps.storage, "migrated", &msg.note);
    Ok(Response::new().add_attribute("migrated", msg.note))
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, _env: Env, msg: QueryMsg) -> Result<Binary, ContractError> {
    Ok(match msg {
        QueryMsg::Get { key } => {
            let value = deps
                .storage
                .get(&value_key(&key))
                .map(|v| String::from_utf8_lossy(&v).into_owned());
            to_json_binary(&value)?
        }
        QueryMsg::List {
            start_after,
            limit,
            descending,
        } => {
            let limit = limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT) as usize;
            let after = start_after.map(|k| value_key(&k));
            let (start, end, order) = if descending {
                (
                    VALUE_PREFIX.to_vec(),
                    after.unwrap_or(VALUE_END.to_vec()),
                    Order::Descending,
                )
            } else {
                let start = after.map_or(VALUE_PREFIX.to_vec(), |mut k| {
                    k.push(0);
                    k
                });
                (start, VALUE_END.to_vec(), Order::Ascending)
            };
            let entries: Vec<(String, String)> = deps
                .storage
                .range(Some(&start), Some(&end), order)
                .take(limit)
                .map(|(k, v)| {
                    (
                        String::from_utf8_lossy(&k[VALUE_PREFIX.len()..]).into_owned(),
                        String::from_utf8_lossy(&v).into_owned(),
                    )
                })
                .collect();
            to_json_binary(&entries)?
        }
        QueryMsg::Reply { id } => {
            let reply: Option<Reply> = deps
                .storage
                .get(&reply_key(id))
                .map(|bytes| from_json(&bytes))
                .transpose()?;
            to_json_binary(&reply)?
        }
        QueryMsg::Chain { request } => {
            let request: QueryRequest<Empty> = request;
            match deps.querier.raw_query(&to_json_vec(&request)?) {
                SystemResult::Ok(ContractResult::Ok(data)) => data,
                SystemResult::Ok(ContractResult::Err(err)) => {
                    return Err(ContractError::Requested(format!("query failed: {err}")))
                }
                SystemResult::Err(err) => {
                    return Err(ContractError::Requested(format!("system error: {err}")))
                }
            }
        }
    })
}
