//! The message router: the tx message types the devnet accepts, their stateless checks
//! (`ValidateBasic`) and their handlers. Contracts' messages reach the same handlers through
//! `wasm::dispatch`, as wasmd routes them through the SDK's message router.

use std::rc::Rc;

use cosmrs::proto::cosmos::bank::v1beta1::{MsgSend, MsgSendResponse};
use cosmrs::proto::cosmos::base::v1beta1::Coin as ProtoCoin;
use cosmrs::proto::cosmwasm::wasm::v1::{
    AccessType, MsgClearAdmin, MsgClearAdminResponse, MsgExecuteContract,
    MsgExecuteContractResponse, MsgInstantiateContract, MsgInstantiateContract2,
    MsgInstantiateContract2Response, MsgInstantiateContractResponse, MsgMigrateContract,
    MsgMigrateContractResponse, MsgStoreCode, MsgStoreCodeResponse, MsgUpdateAdmin,
    MsgUpdateAdminResponse,
};
use cosmrs::proto::prost::{Message, Name};
use cosmrs::proto::Any;
use cosmwasm_std::Coin;

use super::auth;
use super::bank;
use super::context::Ctx;
use super::error::{codes, AbciError, AbciResult};
use super::events::Event;
use super::wasm::keeper::{self, AddressMode, MAX_LABEL_SIZE, MAX_SALT_SIZE, MAX_WASM_SIZE};

/// A tx (or contract) message the devnet executes.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    Send(MsgSend),
    StoreCode(MsgStoreCode),
    Instantiate(MsgInstantiateContract),
    Instantiate2(MsgInstantiateContract2),
    Execute(MsgExecuteContract),
    Migrate(MsgMigrateContract),
    UpdateAdmin(MsgUpdateAdmin),
    ClearAdmin(MsgClearAdmin),
}

/// What a handler produced: events, and the `Any` response that goes into `TxMsgData` and a
/// submessage's `msg_responses` (`None` only for a contract's burn).
#[derive(Debug, Default)]
pub struct MsgOutput {
    pub events: Vec<Event>,
    pub response: Option<Any>,
}

impl MsgOutput {
    /// The proto-encoded response: a submessage's `data` as wasmd reports it.
    pub fn data(&self) -> Option<Vec<u8>> {
        self.response
            .as_ref()
            .map(|r| r.value.clone())
            .filter(|v| !v.is_empty())
    }
}

fn type_url<M: Name>() -> String {
    format!("/{}", M::full_name())
}

fn response<M: Message + Name>(msg: M) -> Option<Any> {
    Some(Any {
        type_url: type_url::<M>(),
        value: msg.encode_to_vec(),
    })
}

fn decode<M: Message + Default>(any: &Any) -> AbciResult<M> {
    M::decode(any.value.as_slice())
        .map_err(|e| codes::TX_DECODE.wrap(format!("decoding {}: {e}", any.type_url)))
}

impl Msg {
    /// Resolves a message `Any`; unknown types are tx decode errors, as in the SDK.
    pub fn from_any(any: &Any) -> AbciResult<Self> {
        let url = any.type_url.as_str();
        Ok(match url {
            _ if url == type_url::<MsgSend>() => Msg::Send(decode(any)?),
            _ if url == type_url::<MsgStoreCode>() => Msg::StoreCode(decode(any)?),
            _ if url == type_url::<MsgInstantiateContract>() => Msg::Instantiate(decode(any)?),
            _ if url == type_url::<MsgInstantiateContract2>() => Msg::Instantiate2(decode(any)?),
            _ if url == type_url::<MsgExecuteContract>() => Msg::Execute(decode(any)?),
            _ if url == type_url::<MsgMigrateContract>() => Msg::Migrate(decode(any)?),
            _ if url == type_url::<MsgUpdateAdmin>() => Msg::UpdateAdmin(decode(any)?),
            _ if url == type_url::<MsgClearAdmin>() => Msg::ClearAdmin(decode(any)?),
            _ => {
                return Err(codes::TX_DECODE.wrap(format!("unable to resolve type URL {url}")));
            }
        })
    }

    pub fn type_url(&self) -> String {
        match self {
            Msg::Send(_) => type_url::<MsgSend>(),
            Msg::StoreCode(_) => type_url::<MsgStoreCode>(),
            Msg::Instantiate(_) => type_url::<MsgInstantiateContract>(),
            Msg::Instantiate2(_) => type_url::<MsgInstantiateContract2>(),
            Msg::Execute(_) => type_url::<MsgExecuteContract>(),
            Msg::Migrate(_) => type_url::<MsgMigrateContract>(),
            Msg::UpdateAdmin(_) => type_url::<MsgUpdateAdmin>(),
            Msg::ClearAdmin(_) => type_url::<MsgClearAdmin>(),
        }
    }

    /// The module name the SDK derives from the type URL (`/cosmwasm.wasm.v1.X` → `wasm`).
    pub fn module(&self) -> String {
        self.type_url()
            .trim_start_matches('/')
            .split('.')
            .nth(1)
            .unwrap_or_default()
            .to_string()
    }

    /// The bech32 signer the message claims.
    pub fn signer(&self) -> &str {
        match self {
            Msg::Send(m) => &m.from_address,
            Msg::StoreCode(m) => &m.sender,
            Msg::Instantiate(m) => &m.sender,
            Msg::Instantiate2(m) => &m.sender,
            Msg::Execute(m) => &m.sender,
            Msg::Migrate(m) => &m.sender,
            Msg::UpdateAdmin(m) => &m.sender,
            Msg::ClearAdmin(m) => &m.sender,
        }
    }

    /// Checks and executes the message against `ctx`.
    pub fn handle(&self, ctx: &Rc<Ctx>) -> AbciResult<MsgOutput> {
        match self {
            Msg::Send(m) => handle_send(ctx, m),
            Msg::StoreCode(m) => {
                let sender = address(ctx, &m.sender, "sender")?;
                if m.wasm_byte_code.is_empty() {
                    return Err(codes::WASM_EMPTY.wrap("code bytes: is required"));
                }
                if m.wasm_byte_code.len() > MAX_WASM_SIZE {
                    return Err(codes::WASM_LIMIT.wrap(format!(
                        "code bytes: cannot be longer than {MAX_WASM_SIZE} bytes"
                    )));
                }
                if let Some(config) = &m.instantiate_permission {
                    validate_access_config(ctx, config)?;
                }
                let (code_id, checksum, events) = keeper::store_code(
                    ctx,
                    &sender,
                    &m.wasm_byte_code,
                    m.instantiate_permission.clone(),
                )?;
                Ok(MsgOutput {
                    events,
                    response: response(MsgStoreCodeResponse {
                        code_id,
                        checksum: checksum.as_slice().to_vec(),
                    }),
                })
            }
            Msg::Instantiate(m) => {
                let sender = address(ctx, &m.sender, "sender")?;
                let admin = optional_address(ctx, &m.admin, "admin")?;
                validate_instantiate(m.code_id, &m.label, &m.msg)?;
                let funds = funds(&m.funds)?;
                let done = keeper::instantiate(
                    ctx,
                    m.code_id,
                    &sender,
                    admin.as_deref(),
                    &m.msg,
                    &m.label,
                    &funds,
                    AddressMode::Classic,
                )?;
                let address = ctx.codec.encode(&done.address).unwrap_or_default();
                Ok(MsgOutput {
                    events: done.output.events,
                    response: response(MsgInstantiateContractResponse {
                        address,
                        data: done.output.data.unwrap_or_default(),
                    }),
                })
            }
            Msg::Instantiate2(m) => {
                let sender = address(ctx, &m.sender, "sender")?;
                let admin = optional_address(ctx, &m.admin, "admin")?;
                validate_instantiate(m.code_id, &m.label, &m.msg)?;
                validate_salt(&m.salt)?;
                let funds = funds(&m.funds)?;
                let done = keeper::instantiate(
                    ctx,
                    m.code_id,
                    &sender,
                    admin.as_deref(),
                    &m.msg,
                    &m.label,
                    &funds,
                    AddressMode::Predictable {
                        salt: &m.salt,
                        fix_msg: m.fix_msg,
                    },
                )?;
                let address = ctx.codec.encode(&done.address).unwrap_or_default();
                Ok(MsgOutput {
                    events: done.output.events,
                    response: response(MsgInstantiateContract2Response {
                        address,
                        data: done.output.data.unwrap_or_default(),
                    }),
                })
            }
            Msg::Execute(m) => {
                let sender = address(ctx, &m.sender, "sender")?;
                let contract = address(ctx, &m.contract, "contract")?;
                validate_json(&m.msg)?;
                let funds = funds(&m.funds)?;
                let output = keeper::execute(ctx, &contract, &sender, &m.msg, &funds)?;
                Ok(MsgOutput {
                    events: output.events,
                    response: response(MsgExecuteContractResponse {
                        data: output.data.unwrap_or_default(),
                    }),
                })
            }
            Msg::Migrate(m) => {
                let sender = address(ctx, &m.sender, "sender")?;
                let contract = address(ctx, &m.contract, "contract")?;
                if m.code_id == 0 {
                    return Err(codes::WASM_EMPTY.wrap("code id is required"));
                }
                validate_json(&m.msg)?;
                let output = keeper::migrate(ctx, &contract, &sender, m.code_id, &m.msg)?;
                Ok(MsgOutput {
                    events: output.events,
                    response: response(MsgMigrateContractResponse {
                        data: output.data.unwrap_or_default(),
                    }),
                })
            }
            Msg::UpdateAdmin(m) => {
                let sender = address(ctx, &m.sender, "sender")?;
                let contract = address(ctx, &m.contract, "contract")?;
                let new_admin = address(ctx, &m.new_admin, "new admin")?;
                if m.new_admin.eq_ignore_ascii_case(&m.sender) {
                    return Err(codes::WASM_INVALID_MSG.wrap("new admin is the same as the old"));
                }
                let events = keeper::set_admin(ctx, &contract, &sender, Some(&new_admin))?;
                Ok(MsgOutput {
                    events,
                    response: response(MsgUpdateAdminResponse {}),
                })
            }
            Msg::ClearAdmin(m) => {
                let sender = address(ctx, &m.sender, "sender")?;
                let contract = address(ctx, &m.contract, "contract")?;
                let events = keeper::set_admin(ctx, &contract, &sender, None)?;
                Ok(MsgOutput {
                    events,
                    response: response(MsgClearAdminResponse {}),
                })
            }
        }
    }
}

fn handle_send(ctx: &Ctx, m: &MsgSend) -> AbciResult<MsgOutput> {
    let from = ctx
        .codec
        .decode(&m.from_address)
        .map_err(|e| codes::INVALID_ADDRESS.wrap(format!("invalid from address: {e}")))?;
    let to = ctx
        .codec
        .decode(&m.to_address)
        .map_err(|e| codes::INVALID_ADDRESS.wrap(format!("invalid to address: {e}")))?;
    let amount = bank::coins_from_proto(&m.amount)?;
    bank::validate_coins(&amount, true)?;
    if amount.is_empty() {
        return Err(codes::INVALID_COINS.wrap("no coins to send"));
    }
    if auth::is_blocked_address(&to) {
        return Err(
            codes::UNAUTHORIZED.wrap(format!("{} is not allowed to receive funds", m.to_address))
        );
    }
    let events = bank::send(ctx, &from, &to, &amount)?;
    Ok(MsgOutput {
        events,
        response: response(MsgSendResponse {}),
    })
}

fn address(ctx: &Ctx, address: &str, field: &str) -> AbciResult<Vec<u8>> {
    ctx.codec
        .decode(address)
        .map_err(|e| codes::INVALID_ADDRESS.wrap(format!("{field}: {e}")))
}

fn optional_address(ctx: &Ctx, value: &str, field: &str) -> AbciResult<Option<Vec<u8>>> {
    if value.is_empty() {
        Ok(None)
    } else {
        address(ctx, value, field).map(Some)
    }
}

fn funds(coins: &[ProtoCoin]) -> AbciResult<Vec<Coin>> {
    let funds = bank::coins_from_proto(coins)?;
    bank::validate_coins(&funds, true)?;
    Ok(funds)
}

fn validate_json(msg: &[u8]) -> AbciResult<()> {
    serde_json::from_slice::<serde::de::IgnoredAny>(msg)
        .map(|_| ())
        .map_err(|_| codes::WASM_INVALID.wrap("msg: invalid"))
}

fn validate_instantiate(code_id: u64, label: &str, msg: &[u8]) -> AbciResult<()> {
    if code_id == 0 {
        return Err(codes::WASM_EMPTY.wrap("code id is required"));
    }
    if label.is_empty() {
        return Err(codes::WASM_EMPTY.wrap("label: is required"));
    }
    if label.trim() != label {
        return Err(codes::WASM_INVALID.wrap("label: label must not start/end with whitespaces"));
    }
    if label.len() > MAX_LABEL_SIZE {
        return Err(codes::WASM_LIMIT.wrap(format!(
            "label: cannot be longer than {MAX_LABEL_SIZE} characters"
        )));
    }
    validate_json(msg)
}

fn validate_salt(salt: &[u8]) -> AbciResult<()> {
    match salt.len() {
        0 => Err(codes::WASM_EMPTY.wrap("salt: is required")),
        n if n > MAX_SALT_SIZE => {
            Err(codes::WASM_LIMIT.wrap(format!("salt: max {MAX_SALT_SIZE} bytes")))
        }
        _ => Ok(()),
    }
}

fn validate_access_config(
    ctx: &Ctx,
    config: &cosmrs::proto::cosmwasm::wasm::v1::AccessConfig,
) -> AbciResult<()> {
    match AccessType::try_from(config.permission) {
        Ok(AccessType::Nobody | AccessType::Everybody) if config.addresses.is_empty() => Ok(()),
        Ok(AccessType::AnyOfAddresses) if !config.addresses.is_empty() => {
            for a in &config.addresses {
                address(ctx, a, "instantiate permission")?;
            }
            Ok(())
        }
        _ => Err(codes::WASM_INVALID.wrap("instantiate permission")),
    }
}

/// An error from a message, as the SDK's runMsgs reports it.
pub fn message_failed(err: AbciError, index: usize) -> AbciError {
    err.wrap(format!("failed to execute message; message index: {index}"))
}
