//! Submessages, as wasmd's `MessageDispatcher.DispatchSubmessages`:
//! - each submessage runs in its own nested cache, kept only when it succeeds;
//! - an optional gas limit runs it under its own meter; hitting that limit is a catchable error
//!   charged at the limit, while running out of the tx's gas aborts everything;
//! - `reply_on` decides whether the calling contract's `reply` runs (in the caller's context);
//!   a failure with `never`/`success` fails the caller;
//! - `message` events are dropped from submessage events; the reply's data, when set,
//!   overrides the caller's data.

use std::rc::Rc;

use cosmrs::proto::cosmos::bank::v1beta1::MsgSend;
use cosmrs::proto::cosmos::base::v1beta1::Coin as ProtoCoin;
use cosmrs::proto::cosmwasm::wasm::v1::{
    MsgClearAdmin, MsgExecuteContract, MsgInstantiateContract, MsgInstantiateContract2,
    MsgMigrateContract, MsgUpdateAdmin,
};
use cosmrs::proto::Any;
use cosmwasm_std::{
    BankMsg, Coin, CosmosMsg, Empty, MsgResponse, Reply, ReplyOn, SubMsg, SubMsgResponse,
    SubMsgResult, WasmMsg,
};

use super::engine::ContractRef;
use super::events::reply_events;
use super::keeper::{self, CallOutput};
use crate::app::bank;
use crate::app::context::Ctx;
use crate::app::error::{codes, AbciResult};
use crate::app::events::{names, Event};
use crate::app::gas::GasMeter;
use crate::app::router::{Msg, MsgOutput};

/// Nested submessage levels; bounds host stack use (wasmd bounds it by gas only).
const MAX_CALL_DEPTH: u32 = 32;

pub fn dispatch_submessages(
    ctx: &Rc<Ctx>,
    contract: &ContractRef,
    messages: Vec<SubMsg<Empty>>,
) -> AbciResult<CallOutput> {
    if messages.is_empty() {
        return Ok(CallOutput::default());
    }
    let depth = ctx.call_depth.get();
    if depth >= MAX_CALL_DEPTH {
        return Err(codes::WASM_LIMIT.wrap(format!(
            "submessages nested deeper than {MAX_CALL_DEPTH} levels"
        )));
    }
    ctx.call_depth.set(depth + 1);
    let result = dispatch_all(ctx, contract, messages);
    ctx.call_depth.set(depth);
    result
}

fn dispatch_all(
    ctx: &Rc<Ctx>,
    contract: &ContractRef,
    messages: Vec<SubMsg<Empty>>,
) -> AbciResult<CallOutput> {
    let mut out = CallOutput::default();
    for sub in messages {
        let is_wasm = matches!(sub.msg, CosmosMsg::Wasm(_));
        let meter = ctx.gas_meter();
        let gas_before = meter.consumed();
        let limit = sub.gas_limit.filter(|limit| *limit < meter.remaining());

        ctx.push_cache();
        let result = match limit {
            Some(limit) => dispatch_with_gas_limit(ctx, contract, &sub.msg, limit),
            None => dispatch_msg(ctx, contract, &sub.msg),
        };
        let result = match result {
            Ok(output) => {
                ctx.commit_cache();
                Ok(output)
            }
            Err(err) => {
                ctx.discard_cache();
                // Out of the tx's own gas is a panic in wasmd: no reply can catch it.
                if err.out_of_gas && limit.is_none() {
                    return Err(err);
                }
                Err(err)
            }
        };
        let gas_used = ctx.gas_consumed().saturating_sub(gas_before);

        let events: Vec<Event> = match &result {
            Ok(output) => output
                .events
                .iter()
                .filter(|e| e.kind != names::MESSAGE)
                .cloned()
                .collect(),
            Err(_) => Vec::new(),
        };
        out.events.extend(events.iter().cloned());

        let replies = match (&sub.reply_on, &result) {
            (ReplyOn::Never | ReplyOn::Success, Err(err)) => return Err(err.clone()),
            (ReplyOn::Never | ReplyOn::Error, Ok(_)) => false,
            _ => true,
        };
        if !replies {
            continue;
        }
        let result = match result {
            #[allow(deprecated)]
            Ok(output) => SubMsgResult::Ok(SubMsgResponse {
                events: if is_wasm {
                    reply_events(&events)
                } else {
                    Vec::new()
                },
                data: output.data().map(Into::into),
                msg_responses: output
                    .response
                    .iter()
                    .map(|any| MsgResponse {
                        type_url: any.type_url.clone(),
                        value: any.value.clone().into(),
                    })
                    .collect(),
            }),
            Err(err) => SubMsgResult::Err(err.redacted()),
        };
        let reply = Reply {
            id: sub.id,
            payload: sub.payload,
            gas_used,
            result,
        };
        let replied =
            keeper::reply(ctx, &contract.canonical, &reply).map_err(|e| e.wrap("reply"))?;
        out.events.extend(replied.events);
        if replied.data.is_some() {
            out.data = replied.data;
        }
    }
    Ok(out)
}

/// Runs a submessage under its own gas limit; hitting it charges the limit to the caller.
fn dispatch_with_gas_limit(
    ctx: &Rc<Ctx>,
    contract: &ContractRef,
    msg: &CosmosMsg<Empty>,
    limit: u64,
) -> AbciResult<MsgOutput> {
    let parent = ctx.replace_gas_meter(GasMeter::new(limit));
    let result = dispatch_msg(ctx, contract, msg);
    let sub = ctx.replace_gas_meter(parent);
    match result {
        Err(err) if err.out_of_gas => {
            ctx.consume_gas(limit, "Sub-Message OutOfGas panic")?;
            Err(codes::OUT_OF_GAS.wrap("SubMsg hit gas limit"))
        }
        other => {
            ctx.consume_gas(sub.consumed(), "From limited Sub-Message")?;
            other
        }
    }
}

/// One contract message, routed like wasmd's message handler chain.
fn dispatch_msg(
    ctx: &Rc<Ctx>,
    contract: &ContractRef,
    msg: &CosmosMsg<Empty>,
) -> AbciResult<MsgOutput> {
    let sender = contract.address.clone();
    let routed = match msg {
        CosmosMsg::Bank(BankMsg::Send { to_address, amount }) => Msg::Send(MsgSend {
            from_address: sender,
            to_address: to_address.clone(),
            amount: proto_coins(amount)?,
        }),
        CosmosMsg::Bank(BankMsg::Burn { amount }) => {
            let coins = bank::normalize_coins(amount)?;
            let events = if coins.is_empty() {
                Vec::new()
            } else {
                bank::burn_from(ctx, &contract.canonical, &coins)?
            };
            return Ok(MsgOutput {
                events,
                response: None,
            });
        }
        CosmosMsg::Wasm(wasm) => wasm_msg(sender, wasm)?,
        CosmosMsg::Any(any) => {
            let routed = Msg::from_any(&Any {
                type_url: any.type_url.clone(),
                value: any.value.to_vec(),
            })
            .map_err(|e| codes::WASM_UNKNOWN_MSG.wrap(e.log))?;
            if routed.signer() != contract.address {
                return Err(codes::UNAUTHORIZED.wrap("contract doesn't have permission"));
            }
            routed
        }
        other => {
            return Err(codes::WASM_UNKNOWN_MSG.wrap(format!(
                "unsupported message: {}",
                serde_json::to_string(other).unwrap_or_default()
            )));
        }
    };
    routed.handle(ctx)
}

fn wasm_msg(sender: String, msg: &WasmMsg) -> AbciResult<Msg> {
    Ok(match msg {
        WasmMsg::Execute {
            contract_addr,
            msg,
            funds,
        } => Msg::Execute(MsgExecuteContract {
            sender,
            contract: contract_addr.clone(),
            msg: msg.to_vec(),
            funds: proto_coins(funds)?,
        }),
        WasmMsg::Instantiate {
            admin,
            code_id,
            msg,
            funds,
            label,
        } => Msg::Instantiate(MsgInstantiateContract {
            sender,
            admin: admin.clone().unwrap_or_default(),
            code_id: *code_id,
            label: label.clone(),
            msg: msg.to_vec(),
            funds: proto_coins(funds)?,
        }),
        WasmMsg::Instantiate2 {
            admin,
            code_id,
            label,
            msg,
            funds,
            salt,
        } => Msg::Instantiate2(MsgInstantiateContract2 {
            sender,
            admin: admin.clone().unwrap_or_default(),
            code_id: *code_id,
            label: label.clone(),
            msg: msg.to_vec(),
            funds: proto_coins(funds)?,
            salt: salt.to_vec(),
            fix_msg: false,
        }),
        WasmMsg::Migrate {
            contract_addr,
            new_code_id,
            msg,
        } => Msg::Migrate(MsgMigrateContract {
            sender,
            contract: contract_addr.clone(),
            code_id: *new_code_id,
            msg: msg.to_vec(),
        }),
        WasmMsg::UpdateAdmin {
            contract_addr,
            admin,
        } => Msg::UpdateAdmin(MsgUpdateAdmin {
            sender,
            new_admin: admin.clone(),
            contract: contract_addr.clone(),
        }),
        WasmMsg::ClearAdmin { contract_addr } => Msg::ClearAdmin(MsgClearAdmin {
            sender,
            contract: contract_addr.clone(),
        }),
        other => {
            return Err(
                codes::WASM_UNKNOWN_MSG.wrap(format!("unsupported wasm message: {other:?}"))
            );
        }
    })
}

/// Contract coins as wasmd converts them (merged, sorted, zeros dropped) in proto form.
fn proto_coins(coins: &[Coin]) -> AbciResult<Vec<ProtoCoin>> {
    Ok(bank::normalize_coins(coins)?
        .into_iter()
        .map(|c| ProtoCoin {
            denom: c.denom,
            amount: c.amount.to_string(),
        })
        .collect())
}
