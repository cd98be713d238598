//! cosmwasm-vm's `Querier`: a running contract's bank and wasm queries against the current
//! state (including the tx's pending writes). As wasmd's `QueryHandler`, each query runs under
//! its own meter limited by the VM's remaining gas and is then charged to the caller.

use std::rc::Rc;

use cosmwasm_std::{
    BankQuery, Binary, ContractResult, Empty, QueryRequest, SystemError, SystemResult, WasmQuery,
};
use cosmwasm_vm::{BackendError, BackendResult, GasInfo, Querier};
use serde_json::json;

use super::keeper;
use crate::app::bank;
use crate::app::context::Ctx;
use crate::app::error::{codes, AbciResult};
use crate::app::gas::{wasm as wasm_gas, GasMeter};

pub struct VmQuerier {
    ctx: Rc<Ctx>,
}

impl VmQuerier {
    pub fn new(ctx: Rc<Ctx>, _caller: &[u8]) -> Self {
        Self { ctx }
    }
}

/// How a query ended, before it is turned into the VM's nested result type.
enum Answer {
    Ok(Vec<u8>),
    ContractErr(String),
    System(SystemError),
}

impl Querier for VmQuerier {
    fn query_raw(
        &self,
        request: &[u8],
        gas_limit: u64,
    ) -> BackendResult<SystemResult<ContractResult<Binary>>> {
        let ctx = &self.ctx;
        let parent = ctx.replace_gas_meter(GasMeter::new(wasm_gas::from_wasm_gas(gas_limit)));
        let answer = answer(ctx, request);
        let sub = ctx.replace_gas_meter(parent);
        let gas = GasInfo::with_externally_used(wasm_gas::to_wasm_gas(sub.consumed()));
        if ctx
            .consume_gas(sub.consumed(), "contract sub-query")
            .is_err()
        {
            return (Err(BackendError::out_of_gas()), gas);
        }
        let result = match answer {
            Err(err) if err.out_of_gas => return (Err(BackendError::out_of_gas()), gas),
            Err(err) => SystemResult::Ok(ContractResult::Err(err.log)),
            Ok(Answer::Ok(data)) => SystemResult::Ok(ContractResult::Ok(data.into())),
            Ok(Answer::ContractErr(msg)) => SystemResult::Ok(ContractResult::Err(msg)),
            Ok(Answer::System(err)) => SystemResult::Err(err),
        };
        (Ok(result), gas)
    }
}

fn answer(ctx: &Rc<Ctx>, request: &[u8]) -> AbciResult<Answer> {
    let request: QueryRequest<Empty> = match serde_json::from_slice(request) {
        Ok(request) => request,
        Err(err) => {
            return Ok(Answer::System(SystemError::InvalidRequest {
                error: format!("Parsing query request: {err}"),
                request: request.to_vec().into(),
            }))
        }
    };
    match &request {
        QueryRequest::Bank(bank_query) => bank_answer(ctx, bank_query),
        QueryRequest::Wasm(wasm_query) => wasm_answer(ctx, wasm_query),
        other => Ok(Answer::System(SystemError::UnsupportedRequest {
            kind: query_kind(other),
        })),
    }
}

fn query_kind(request: &QueryRequest<Empty>) -> String {
    serde_json::to_value(request)
        .ok()
        .and_then(|v| v.as_object().and_then(|o| o.keys().next().cloned()))
        .unwrap_or_else(|| "unknown".to_string())
}

fn to_json(value: serde_json::Value) -> AbciResult<Answer> {
    Ok(Answer::Ok(
        serde_json::to_vec(&value).expect("json serializes"),
    ))
}

fn address(ctx: &Ctx, address: &str) -> AbciResult<Vec<u8>> {
    ctx.codec
        .decode(address)
        .map_err(|e| codes::INVALID_ADDRESS.wrap(e.to_string()))
}

fn bank_answer(ctx: &Ctx, query: &BankQuery) -> AbciResult<Answer> {
    match query {
        BankQuery::Balance {
            address: addr,
            denom,
        } => {
            let amount = bank::balance(ctx, &address(ctx, addr)?, denom)?;
            to_json(json!({ "amount": { "denom": denom, "amount": amount.to_string() } }))
        }
        BankQuery::Supply { denom } => {
            let amount = bank::supply(ctx, denom)?;
            to_json(json!({ "amount": { "denom": denom, "amount": amount.to_string() } }))
        }
        _ => Ok(Answer::System(SystemError::UnsupportedRequest {
            kind: "bank denom metadata".to_string(),
        })),
    }
}

fn wasm_answer(ctx: &Rc<Ctx>, query: &WasmQuery) -> AbciResult<Answer> {
    match query {
        WasmQuery::Smart { contract_addr, msg } => {
            let contract = address(ctx, contract_addr)?;
            match keeper::query_smart(ctx, &contract, msg) {
                Ok(data) => Ok(Answer::Ok(data)),
                Err(err) if err.is(codes::WASM_NO_SUCH_CONTRACT) => {
                    Ok(Answer::System(SystemError::NoSuchContract {
                        addr: contract_addr.clone(),
                    }))
                }
                Err(err) if err.out_of_gas => Err(err),
                Err(err) => Ok(Answer::ContractErr(err.log)),
            }
        }
        WasmQuery::Raw { contract_addr, key } => {
            let contract = address(ctx, contract_addr)?;
            Ok(Answer::Ok(
                keeper::query_raw(ctx, &contract, key)?.unwrap_or_default(),
            ))
        }
        WasmQuery::ContractInfo { contract_addr } => {
            let contract = address(ctx, contract_addr)?;
            let Some(info) = keeper::contract_info(ctx, &contract)? else {
                return Ok(Answer::System(SystemError::NoSuchContract {
                    addr: contract_addr.clone(),
                }));
            };
            let pinned = keeper::is_pinned(ctx, info.code_id)?;
            to_json(json!({
                "code_id": info.code_id,
                "creator": info.creator,
                "admin": if info.admin.is_empty() { None } else { Some(info.admin) },
                "pinned": pinned,
                "ibc_port": None::<String>,
                "ibc2_port": None::<String>,
            }))
        }
        WasmQuery::CodeInfo { code_id } => {
            let Some(info) = keeper::code_info(ctx, *code_id)? else {
                return Ok(Answer::System(SystemError::NoSuchCode {
                    code_id: *code_id,
                }));
            };
            to_json(json!({
                "code_id": code_id,
                "creator": info.creator,
                "checksum": hex::encode(&info.code_hash),
            }))
        }
        WasmQuery::RawRange {
            contract_addr,
            start,
            end,
            limit,
            order,
        } => {
            let contract = address(ctx, contract_addr)?;
            let (entries, next) = keeper::query_raw_range(
                ctx,
                &contract,
                start.as_deref(),
                end.as_deref(),
                *limit as usize,
                *order == cosmwasm_std::Order::Ascending,
            )?;
            let data: Vec<(Binary, Binary)> = entries
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect();
            to_json(json!({ "data": data, "next_key": next.map(Binary::from) }))
        }
        _ => Ok(Answer::System(SystemError::UnsupportedRequest {
            kind: "wasm".to_string(),
        })),
    }
}
