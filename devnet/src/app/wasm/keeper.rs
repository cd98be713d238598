//! Codes and contracts, following wasmd's keeper: store layout, checks, gas charges, events and
//! errors of store code, instantiate(2), execute, migrate, admin changes, reply and queries.
//!
//! Wasm store layout (inner keys of the wasm namespace), as wasmd's:
//! `0x01|code_id` → CodeInfo, `0x02|addr` → ContractInfo, `0x03|addr|key` → contract storage,
//! `0x04|name` → sequences, `0x05|addr|pos` → code history, `0x06|code_id|created|addr` and
//! `0x09|len|creator|created|addr` → secondary indexes, `0x07|code_id` → pinned flag.

use std::rc::Rc;

use cosmrs::proto::cosmwasm::wasm::v1::{
    AbsoluteTxPosition, AccessConfig, AccessType, CodeInfo, ContractCodeHistoryEntry,
    ContractCodeHistoryOperationType, ContractInfo,
};
use cosmrs::proto::prost::Message;
use cosmwasm_std::{
    Addr, Binary, Checksum, Coin, ContractResult, Empty, MessageInfo, MigrateInfo, Reply, Response,
    SubMsgResult,
};

use super::backend::contract_store_prefix;
use super::dispatch::dispatch_submessages;
use super::engine::{call_contract, ContractRef, EntryCall};
use super::events::{charge_event_gas, custom_event, wasm_event};
use crate::app::address::{classic_contract_address, predictable_contract_address};
use crate::app::context::{Ctx, Namespace};
use crate::app::error::{codes, AbciError, AbciResult, Registered};
use crate::app::events::{names, Event};
use crate::app::gas::wasm as wasm_gas;
use crate::app::store::{Entry, KeyBounds};
use crate::app::{auth, bank};

const CODE_PREFIX: u8 = 0x01;
const CONTRACT_PREFIX: u8 = 0x02;
const SEQUENCE_PREFIX: u8 = 0x04;
const HISTORY_PREFIX: u8 = 0x05;
const CODE_INDEX_PREFIX: u8 = 0x06;
const PINNED_PREFIX: u8 = 0x07;
const CREATOR_INDEX_PREFIX: u8 = 0x09;
const LAST_CODE_ID: &[u8] = b"lastCodeId";
const LAST_CONTRACT_ID: &[u8] = b"lastContractId";
/// Wasm blobs, kept out of the Merkle tree (their checksum is in the code info).
const BLOB_PREFIX: &[u8] = b"wasm_code/";

/// wasmd's `MaxWasmSize`.
pub const MAX_WASM_SIZE: usize = 800 * 1024;
/// wasmd's `MaxLabelSize`.
pub const MAX_LABEL_SIZE: usize = 128;
/// wasmd's `MaxSaltSize`.
pub const MAX_SALT_SIZE: usize = 64;
/// wasmd's `maxQueryStackSize`.
const MAX_QUERY_DEPTH: u32 = 10;

/// How an instantiation derives the contract address.
#[derive(Debug, Clone, Copy)]
pub enum AddressMode<'a> {
    /// From the code id and a chain-wide instance counter.
    Classic,
    /// instantiate2: from checksum, creator, salt (and the message when `fix_msg`).
    Predictable { salt: &'a [u8], fix_msg: bool },
}

/// What a contract call produced: its data (`None` = nil) and events, in emission order.
#[derive(Debug, Default)]
pub struct CallOutput {
    pub data: Option<Vec<u8>>,
    pub events: Vec<Event>,
}

pub struct Instantiated {
    pub address: Vec<u8>,
    pub output: CallOutput,
}

fn code_key(code_id: u64) -> Vec<u8> {
    let mut key = vec![CODE_PREFIX];
    key.extend_from_slice(&code_id.to_be_bytes());
    key
}

fn contract_key(address: &[u8]) -> Vec<u8> {
    let mut key = vec![CONTRACT_PREFIX];
    key.extend_from_slice(address);
    key
}

fn blob_key(checksum: &Checksum) -> Vec<u8> {
    let mut key = BLOB_PREFIX.to_vec();
    key.extend_from_slice(checksum.as_slice());
    key
}

fn position_bytes(position: &AbsoluteTxPosition) -> Vec<u8> {
    let mut bytes = position.block_height.to_be_bytes().to_vec();
    bytes.extend_from_slice(&position.tx_index.to_be_bytes());
    bytes
}

fn decode_proto<M: Message + Default>(bytes: &[u8], what: &str) -> AbciResult<M> {
    M::decode(bytes).map_err(|e| codes::LOGIC.wrap(format!("corrupt {what}: {e}")))
}

/// wasmd's `ErrNoSuchContract`: "no such contract: <addr>".
pub fn no_such_contract(address: &str) -> AbciError {
    let mut err = codes::WASM_NO_SUCH_CONTRACT.err();
    err.log = format!("no such contract: {address}");
    err
}

fn bech32(ctx: &Ctx, address: &[u8]) -> String {
    ctx.codec.encode(address).unwrap_or_default()
}

fn checksum_of(code: &CodeInfo) -> AbciResult<Checksum> {
    Checksum::try_from(code.code_hash.as_slice())
        .map_err(|e| codes::LOGIC.wrap(format!("corrupt code hash: {e}")))
}

// --- reads ---------------------------------------------------------------------------------

pub fn code_info(ctx: &Ctx, code_id: u64) -> AbciResult<Option<CodeInfo>> {
    ctx.kv_get(Namespace::Wasm, &code_key(code_id))?
        .map(|bytes| decode_proto(&bytes, "code info"))
        .transpose()
}

pub fn contract_info(ctx: &Ctx, address: &[u8]) -> AbciResult<Option<ContractInfo>> {
    ctx.kv_get(Namespace::Wasm, &contract_key(address))?
        .map(|bytes| decode_proto(&bytes, "contract info"))
        .transpose()
}

/// The wasm blob of a stored code.
pub fn code_bytes(ctx: &Ctx, checksum: &Checksum) -> AbciResult<Option<Vec<u8>>> {
    ctx.raw_get(Namespace::Local, &blob_key(checksum))
}

/// Every stored code's checksum and blob, to refill the VM cache at startup.
pub fn blob_prefix() -> Vec<u8> {
    Namespace::Local.key(BLOB_PREFIX)
}

pub fn is_pinned(ctx: &Ctx, code_id: u64) -> AbciResult<bool> {
    let mut key = vec![PINNED_PREFIX];
    key.extend_from_slice(&code_id.to_be_bytes());
    ctx.kv_has(Namespace::Wasm, &key)
}

/// The last code id handed out (0 before any).
pub fn last_code_id(ctx: &Ctx) -> AbciResult<u64> {
    Ok(peek_sequence(ctx, LAST_CODE_ID)?.saturating_sub(1))
}

/// `contractInstance`: the contract's info and its code's, or "no such contract".
fn contract_instance(ctx: &Ctx, address: &[u8]) -> AbciResult<(ContractInfo, CodeInfo)> {
    let contract =
        contract_info(ctx, address)?.ok_or_else(|| no_such_contract(&bech32(ctx, address)))?;
    let code = code_info(ctx, contract.code_id)?.ok_or_else(|| {
        codes::WASM_NOT_FOUND.wrap(format!("code {} of a contract", contract.code_id))
    })?;
    Ok((contract, code))
}

fn peek_sequence(ctx: &Ctx, name: &[u8]) -> AbciResult<u64> {
    let mut key = vec![SEQUENCE_PREFIX];
    key.extend_from_slice(name);
    Ok(match ctx.kv_get(Namespace::Wasm, &key)? {
        None => 1,
        Some(bytes) => u64::from_be_bytes(
            bytes
                .as_slice()
                .try_into()
                .map_err(|_| codes::LOGIC.wrap("corrupt sequence"))?,
        ),
    })
}

/// `autoIncrementID`: returns the next id (starting at 1) and stores its successor.
fn next_id(ctx: &Ctx, name: &[u8]) -> AbciResult<u64> {
    let id = peek_sequence(ctx, name)?;
    let mut key = vec![SEQUENCE_PREFIX];
    key.extend_from_slice(name);
    ctx.kv_set(Namespace::Wasm, &key, (id + 1).to_be_bytes().to_vec())?;
    Ok(id)
}

fn can_instantiate(config: Option<&AccessConfig>, actor: &str) -> bool {
    let Some(config) = config else {
        return true;
    };
    match AccessType::try_from(config.permission) {
        Ok(AccessType::Everybody) => true,
        Ok(AccessType::AnyOfAddresses) => config.addresses.iter().any(|a| a == actor),
        _ => false,
    }
}

fn can_modify(contract: &ContractInfo, actor: &str) -> bool {
    !contract.admin.is_empty() && contract.admin == actor
}

fn current_position(ctx: &Ctx) -> AbsoluteTxPosition {
    AbsoluteTxPosition {
        block_height: ctx.block.height,
        tx_index: ctx.tx.as_ref().map_or(0, |tx| tx.index as u64),
    }
}

// --- store code ------------------------------------------------------------------------------

/// `MsgStoreCode`: compiles and stores a new code; returns its id and checksum.
pub fn store_code(
    ctx: &Ctx,
    creator: &[u8],
    wasm: &[u8],
    permission: Option<AccessConfig>,
) -> AbciResult<(u64, Checksum, Vec<Event>)> {
    ctx.consume_gas(
        wasm_gas::COMPILE_COST_PER_BYTE * wasm.len() as u64,
        "Compiling wasm bytecode",
    )?;
    let checksum = ctx
        .wasm
        .store_code(wasm)
        .map_err(|e| codes::WASM_CREATE_FAILED.wrap(e.to_string()))?;
    let capabilities = ctx
        .wasm
        .required_capabilities(&checksum)
        .map_err(|e| codes::WASM_CREATE_FAILED.wrap(e.to_string()))?;
    let code_id = next_id(ctx, LAST_CODE_ID)?;
    let info = CodeInfo {
        code_hash: checksum.as_slice().to_vec(),
        creator: bech32(ctx, creator),
        instantiate_config: Some(permission.unwrap_or(AccessConfig {
            permission: AccessType::Everybody as i32,
            addresses: vec![],
        })),
    };
    ctx.kv_set(Namespace::Wasm, &code_key(code_id), info.encode_to_vec())?;
    if code_bytes(ctx, &checksum)?.is_none() {
        ctx.raw_set(Namespace::Local, &blob_key(&checksum), wasm.to_vec());
    }
    let mut event = Event::new(names::STORE_CODE)
        .attr(names::CODE_CHECKSUM, checksum.to_hex())
        .attr(names::CODE_ID, code_id.to_string());
    // wasmd splits the comma-joined list, so no capability still yields one empty attribute.
    if capabilities.is_empty() {
        event = event.attr(names::REQUIRED_CAPABILITY, "");
    }
    for capability in capabilities {
        event = event.attr(names::REQUIRED_CAPABILITY, capability);
    }
    Ok((code_id, checksum, vec![event]))
}

// --- instantiate ---------------------------------------------------------------------------

fn message_info(ctx: &Ctx, sender: &[u8], funds: &[Coin]) -> Vec<u8> {
    let info = MessageInfo {
        sender: Addr::unchecked(bech32(ctx, sender)),
        funds: funds.to_vec(),
    };
    serde_json::to_vec(&info).expect("MessageInfo serializes")
}

/// A contract's `Response`, or its error as a deterministic `failure`.
fn parse_response(json: &[u8], failure: Registered) -> AbciResult<Response<Empty>> {
    let result: ContractResult<Response<Empty>> = serde_json::from_slice(json)
        .map_err(|e| failure.wrap(format!("cannot parse contract result: {e}")))?;
    match result {
        ContractResult::Ok(response) => Ok(response),
        ContractResult::Err(msg) => Err(failure.wrap(msg).deterministic()),
    }
}

#[allow(clippy::too_many_arguments)]
pub fn instantiate(
    ctx: &Rc<Ctx>,
    code_id: u64,
    creator: &[u8],
    admin: Option<&[u8]>,
    msg: &[u8],
    label: &str,
    funds: &[Coin],
    mode: AddressMode<'_>,
) -> AbciResult<Instantiated> {
    let pinned = is_pinned(ctx, code_id)?;
    ctx.consume_gas(
        wasm_gas::setup_cost(pinned, msg.len()),
        "Loading CosmWasm module: instantiate",
    )?;
    let code = code_info(ctx, code_id)?
        .ok_or_else(|| codes::WASM_NO_SUCH_CODE.wrap(format!("code id {code_id}")))?;
    let creator_address = bech32(ctx, creator);
    if !can_instantiate(code.instantiate_config.as_ref(), &creator_address) {
        return Err(codes::UNAUTHORIZED.wrap("can not instantiate"));
    }
    let checksum = checksum_of(&code)?;
    let address = match mode {
        AddressMode::Classic => classic_contract_address(code_id, next_id(ctx, LAST_CONTRACT_ID)?),
        AddressMode::Predictable { salt, fix_msg } => predictable_contract_address(
            checksum.as_slice(),
            creator,
            salt,
            if fix_msg { msg } else { &[] },
        ),
    };
    if contract_info(ctx, &address)?.is_some() {
        return Err(codes::WASM_DUPLICATE
            .wrap("instance with this code id, sender and label exists: try a different label"));
    }
    match auth::get_account(ctx, &address)? {
        Some(existing) if existing.sequence != 0 || existing.pub_key.is_some() => {
            return Err(codes::WASM_ACCOUNT_EXISTS.wrap("address is claimed by external account"));
        }
        Some(_) => {}
        None => {
            auth::create_account(ctx, &address)?;
        }
    }
    let mut events = Vec::new();
    if !funds.is_empty() {
        events.extend(bank::send(ctx, creator, &address, funds)?);
    }
    let contract = ContractRef {
        address: bech32(ctx, &address),
        canonical: address.clone(),
    };
    let info = message_info(ctx, creator, funds);
    let json = call_contract(
        ctx,
        &checksum,
        &contract,
        EntryCall::Instantiate { info: &info, msg },
    )?;
    let response = parse_response(&json, codes::WASM_INSTANTIATE_FAILED)?;

    let created = current_position(ctx);
    let mut info = ContractInfo {
        code_id,
        creator: creator_address,
        admin: admin.map(|a| bech32(ctx, a)).unwrap_or_default(),
        label: label.to_string(),
        created: Some(created.clone()),
        ibc_port_id: String::new(),
        extension: None,
    };
    let entry = ContractCodeHistoryEntry {
        operation: ContractCodeHistoryOperationType::Init as i32,
        code_id,
        updated: Some(created.clone()),
        msg: msg.to_vec(),
    };
    add_code_index(ctx, &address, &entry)?;
    add_creator_index(ctx, creator, &created, &address)?;
    append_history(ctx, &address, &entry)?;
    store_contract_info(ctx, &address, &mut info)?;
    events.push(
        Event::new(names::INSTANTIATE)
            .attr(names::CONTRACT_ADDRESS, &contract.address)
            .attr(names::CODE_ID, code_id.to_string()),
    );
    let output = handle_response(ctx, &contract, response).map_err(|e| e.wrap("dispatch"))?;
    events.extend(output.events);
    Ok(Instantiated {
        address,
        output: CallOutput {
            data: output.data,
            events,
        },
    })
}

fn store_contract_info(ctx: &Ctx, address: &[u8], info: &mut ContractInfo) -> AbciResult<()> {
    ctx.kv_set(
        Namespace::Wasm,
        &contract_key(address),
        info.encode_to_vec(),
    )
}

fn code_index_key(address: &[u8], entry: &ContractCodeHistoryEntry) -> Vec<u8> {
    let mut key = vec![CODE_INDEX_PREFIX];
    key.extend_from_slice(&entry.code_id.to_be_bytes());
    key.extend_from_slice(&position_bytes(&entry.updated.clone().unwrap_or_default()));
    key.extend_from_slice(address);
    key
}

fn add_code_index(ctx: &Ctx, address: &[u8], entry: &ContractCodeHistoryEntry) -> AbciResult<()> {
    ctx.kv_set(Namespace::Wasm, &code_index_key(address, entry), vec![])
}

fn add_creator_index(
    ctx: &Ctx,
    creator: &[u8],
    created: &AbsoluteTxPosition,
    address: &[u8],
) -> AbciResult<()> {
    let mut key = vec![CREATOR_INDEX_PREFIX, creator.len() as u8];
    key.extend_from_slice(creator);
    key.extend_from_slice(&position_bytes(created));
    key.extend_from_slice(address);
    ctx.kv_set(Namespace::Wasm, &key, vec![])
}

fn history_prefix(address: &[u8]) -> Vec<u8> {
    let mut prefix = vec![HISTORY_PREFIX];
    prefix.extend_from_slice(address);
    prefix
}

/// The last code history entry and its position, read with a reverse iterator as wasmd does.
fn last_history_entry(
    ctx: &Ctx,
    address: &[u8],
) -> AbciResult<Option<(u64, ContractCodeHistoryEntry)>> {
    let prefix = history_prefix(address);
    let entry = ctx.kv_first(Namespace::Wasm, &KeyBounds::prefix(&prefix), false)?;
    ctx.charge_iter_item(entry.as_ref().map(|(k, v)| (k.as_slice(), v.as_slice())))?;
    let Some((key, value)) = entry else {
        return Ok(None);
    };
    let position = key[prefix.len()..]
        .try_into()
        .map(u64::from_be_bytes)
        .map_err(|_| codes::LOGIC.wrap("corrupt history key"))?;
    Ok(Some((position, decode_proto(&value, "history entry")?)))
}

fn append_history(ctx: &Ctx, address: &[u8], entry: &ContractCodeHistoryEntry) -> AbciResult<()> {
    let position = last_history_entry(ctx, address)?.map_or(0, |(p, _)| p) + 1;
    let mut key = history_prefix(address);
    key.extend_from_slice(&position.to_be_bytes());
    ctx.kv_set(Namespace::Wasm, &key, entry.encode_to_vec())
}

// --- execute, migrate, admin -------------------------------------------------------------------

pub fn execute(
    ctx: &Rc<Ctx>,
    address: &[u8],
    sender: &[u8],
    msg: &[u8],
    funds: &[Coin],
) -> AbciResult<CallOutput> {
    let (info, code) = contract_instance(ctx, address)?;
    let pinned = is_pinned(ctx, info.code_id)?;
    ctx.consume_gas(
        wasm_gas::setup_cost(pinned, msg.len()),
        "Loading CosmWasm module: execute",
    )?;
    let mut events = Vec::new();
    if !funds.is_empty() {
        events.extend(bank::send(ctx, sender, address, funds)?);
    }
    let contract = ContractRef {
        address: bech32(ctx, address),
        canonical: address.to_vec(),
    };
    let info_json = message_info(ctx, sender, funds);
    let json = call_contract(
        ctx,
        &checksum_of(&code)?,
        &contract,
        EntryCall::Execute {
            info: &info_json,
            msg,
        },
    )?;
    let response = parse_response(&json, codes::WASM_EXECUTE_FAILED)?;
    events.push(Event::new(names::EXECUTE).attr(names::CONTRACT_ADDRESS, &contract.address));
    let output = handle_response(ctx, &contract, response).map_err(|e| e.wrap("dispatch"))?;
    events.extend(output.events);
    Ok(CallOutput {
        data: output.data,
        events,
    })
}

pub fn migrate(
    ctx: &Rc<Ctx>,
    address: &[u8],
    sender: &[u8],
    new_code_id: u64,
    msg: &[u8],
) -> AbciResult<CallOutput> {
    let pinned = is_pinned(ctx, new_code_id)?;
    ctx.consume_gas(
        wasm_gas::setup_cost(pinned, msg.len()),
        "Loading CosmWasm module: migrate",
    )?;
    let mut info = contract_info(ctx, address)?
        .ok_or_else(|| codes::INVALID_REQUEST.wrap("unknown contract"))?;
    let sender_address = bech32(ctx, sender);
    if !can_modify(&info, &sender_address) {
        return Err(codes::UNAUTHORIZED.wrap("can not migrate"));
    }
    let new_code =
        code_info(ctx, new_code_id)?.ok_or_else(|| codes::INVALID_REQUEST.wrap("unknown code"))?;
    if !can_instantiate(new_code.instantiate_config.as_ref(), &sender_address) {
        return Err(codes::UNAUTHORIZED.wrap("to use new code"));
    }
    let new_checksum = checksum_of(&new_code)?;
    let vm_err = |e: cosmwasm_vm::VmError| codes::WASM_MIGRATION_FAILED.wrap(e.to_string());
    let migrate_info = match ctx.wasm.migrate_version(&new_checksum).map_err(vm_err)? {
        None => None,
        Some(_) => {
            let old_code = code_info(ctx, info.code_id)?
                .ok_or_else(|| codes::WASM_NOT_FOUND.wrap("code of the contract"))?;
            let old_version = ctx
                .wasm
                .migrate_version(&checksum_of(&old_code)?)
                .map_err(vm_err)?;
            Some(
                serde_json::to_vec(&MigrateInfo {
                    sender: Addr::unchecked(&sender_address),
                    old_migrate_version: old_version,
                })
                .expect("MigrateInfo serializes"),
            )
        }
    };
    let contract = ContractRef {
        address: bech32(ctx, address),
        canonical: address.to_vec(),
    };
    let json = call_contract(
        ctx,
        &new_checksum,
        &contract,
        EntryCall::Migrate {
            msg,
            info: migrate_info.as_deref(),
        },
    )?;
    let response = parse_response(&json, codes::WASM_MIGRATION_FAILED)?;

    if let Some((_, last)) = last_history_entry(ctx, address)? {
        ctx.kv_delete(Namespace::Wasm, &code_index_key(address, &last))?;
    }
    let entry = ContractCodeHistoryEntry {
        operation: ContractCodeHistoryOperationType::Migrate as i32,
        code_id: new_code_id,
        updated: Some(current_position(ctx)),
        msg: msg.to_vec(),
    };
    append_history(ctx, address, &entry)?;
    add_code_index(ctx, address, &entry)?;
    info.code_id = new_code_id;
    store_contract_info(ctx, address, &mut info)?;
    let mut events = vec![Event::new(names::MIGRATE)
        .attr(names::CODE_ID, new_code_id.to_string())
        .attr(names::CONTRACT_ADDRESS, &contract.address)];
    let output = handle_response(ctx, &contract, response).map_err(|e| e.wrap("dispatch"))?;
    events.extend(output.events);
    Ok(CallOutput {
        data: output.data,
        events,
    })
}

/// `MsgUpdateAdmin` (`new_admin` set) and `MsgClearAdmin` (`None`).
pub fn set_admin(
    ctx: &Ctx,
    address: &[u8],
    sender: &[u8],
    new_admin: Option<&[u8]>,
) -> AbciResult<Vec<Event>> {
    let mut info = contract_info(ctx, address)?
        .ok_or_else(|| codes::INVALID_REQUEST.wrap("unknown contract"))?;
    if !can_modify(&info, &bech32(ctx, sender)) {
        return Err(codes::UNAUTHORIZED.wrap("can not modify contract"));
    }
    let new_admin = new_admin.map(|a| bech32(ctx, a)).unwrap_or_default();
    info.admin = new_admin.clone();
    store_contract_info(ctx, address, &mut info)?;
    Ok(vec![Event::new(names::UPDATE_ADMIN)
        .attr(names::CONTRACT_ADDRESS, bech32(ctx, address))
        .attr(names::NEW_ADMIN, new_admin)])
}

// --- reply -----------------------------------------------------------------------------------

/// Calls a contract's `reply` in the caller's context (no cache of its own).
pub fn reply(ctx: &Rc<Ctx>, address: &[u8], reply: &Reply) -> AbciResult<CallOutput> {
    let (_, code) = contract_instance(ctx, address)?;
    ctx.consume_gas(reply_costs(reply), "Loading CosmWasm module: reply")?;
    let contract = ContractRef {
        address: bech32(ctx, address),
        canonical: address.to_vec(),
    };
    let reply_json = serde_json::to_vec(reply).expect("Reply serializes");
    let json = call_contract(
        ctx,
        &checksum_of(&code)?,
        &contract,
        EntryCall::Reply { reply: &reply_json },
    )?;
    let response = parse_response(&json, codes::WASM_EXECUTE_FAILED)?;
    let mut events =
        vec![Event::new(names::REPLY).attr(names::CONTRACT_ADDRESS, &contract.address)];
    let output = handle_response(ctx, &contract, response).map_err(|e| e.wrap("dispatch"))?;
    events.extend(output.events);
    Ok(CallOutput {
        data: output.data,
        events,
    })
}

/// wasmd's `ReplyCosts(discount = true, reply)`.
fn reply_costs(reply: &Reply) -> u64 {
    let mut event_gas = 0;
    let mut msg_len = 0;
    match &reply.result {
        SubMsgResult::Err(err) => msg_len += err.len(),
        SubMsgResult::Ok(response) => {
            #[allow(deprecated)]
            let data_len = response.data.as_ref().map_or(0, |d| d.len());
            msg_len += data_len;
            let mut attributes = Vec::new();
            for event in &response.events {
                event_gas += event.ty.len() as u64 * wasm_gas::EVENT_ATTRIBUTE_DATA_COST;
                attributes.extend(
                    event
                        .attributes
                        .iter()
                        .map(|a| (a.key.len(), a.value.len())),
                );
            }
            event_gas += wasm_gas::event_costs(&attributes, &[]);
        }
    }
    event_gas + wasm_gas::setup_cost(true, msg_len)
}

// --- response handling -------------------------------------------------------------------------

/// `handleContractResponse`: event gas, the `wasm` and `wasm-*` events, then the submessages,
/// whose data (from a reply) overrides the contract's own.
fn handle_response(
    ctx: &Rc<Ctx>,
    contract: &ContractRef,
    response: Response<Empty>,
) -> AbciResult<CallOutput> {
    charge_event_gas(ctx, &response.attributes, &response.events)?;
    let mut events = Vec::new();
    if !response.attributes.is_empty() {
        events.push(wasm_event(&contract.address, &response.attributes)?);
    }
    for event in &response.events {
        events.push(custom_event(&contract.address, event)?);
    }
    let dispatched = dispatch_submessages(ctx, contract, response.messages)
        .map_err(|e| e.wrap("submessages"))?;
    events.extend(dispatched.events);
    Ok(CallOutput {
        data: dispatched.data.or(response.data.map(|d| d.to_vec())),
        events,
    })
}

// --- queries ---------------------------------------------------------------------------------

/// `QuerySmart`: runs a contract's query entry point; the contract's error is a query failure.
pub fn query_smart(ctx: &Rc<Ctx>, address: &[u8], msg: &[u8]) -> AbciResult<Vec<u8>> {
    let depth = ctx.query_depth.get();
    if depth >= MAX_QUERY_DEPTH {
        return Err(codes::WASM_LIMIT.wrap("max query stack size exceeded"));
    }
    ctx.query_depth.set(depth + 1);
    let result = query_smart_inner(ctx, address, msg);
    ctx.query_depth.set(depth);
    result
}

fn query_smart_inner(ctx: &Rc<Ctx>, address: &[u8], msg: &[u8]) -> AbciResult<Vec<u8>> {
    let (info, code) = contract_instance(ctx, address)?;
    let pinned = is_pinned(ctx, info.code_id)?;
    ctx.consume_gas(
        wasm_gas::setup_cost(pinned, msg.len()),
        "Loading CosmWasm module: query",
    )?;
    let contract = ContractRef {
        address: bech32(ctx, address),
        canonical: address.to_vec(),
    };
    let json = call_contract(
        ctx,
        &checksum_of(&code)?,
        &contract,
        EntryCall::Query { msg },
    )?;
    let result: ContractResult<Binary> = serde_json::from_slice(&json)
        .map_err(|e| codes::WASM_QUERY_FAILED.wrap(format!("cannot parse contract result: {e}")))?;
    match result {
        ContractResult::Ok(data) => Ok(data.to_vec()),
        ContractResult::Err(msg) => Err(codes::WASM_QUERY_FAILED.wrap(msg).deterministic()),
    }
}

/// `QueryRaw`: one key of a contract's storage (no existence check, as wasmd).
pub fn query_raw(ctx: &Ctx, address: &[u8], key: &[u8]) -> AbciResult<Option<Vec<u8>>> {
    let mut full = contract_store_prefix(address);
    full.extend_from_slice(key);
    ctx.kv_get(Namespace::Wasm, &full)
}

/// Entries of a contract's storage and the key to continue from.
pub type RawRange = (Vec<Entry>, Option<Vec<u8>>);

/// A range of a contract's storage: up to `limit` entries and the key to continue from.
pub fn query_raw_range(
    ctx: &Ctx,
    address: &[u8],
    start: Option<&[u8]>,
    end: Option<&[u8]>,
    limit: usize,
    ascending: bool,
) -> AbciResult<RawRange> {
    let prefix = contract_store_prefix(address);
    let with_prefix = |k: &[u8]| {
        let mut full = prefix.clone();
        full.extend_from_slice(k);
        full
    };
    let mut bounds = KeyBounds::prefix(&prefix);
    if let Some(start) = start {
        bounds.start = std::ops::Bound::Included(with_prefix(start));
    }
    if let Some(end) = end {
        bounds.end = std::ops::Bound::Excluded(with_prefix(end));
    }
    let mut entries = Vec::new();
    while let Some((key, value)) = ctx.kv_first(Namespace::Wasm, &bounds, ascending)? {
        if entries.len() == limit {
            return Ok((entries, Some(key[prefix.len()..].to_vec())));
        }
        ctx.charge_iter_item(Some((&key, &value)))?;
        bounds.advance_past(&key, ascending);
        entries.push((key[prefix.len()..].to_vec(), value));
    }
    Ok((entries, None))
}

/// A page of `ContractsByCode`: the code's contracts in creation order (wasmd's secondary index
/// `0x06|code_id|created|addr`), the page's addresses, the key to continue from (the index key
/// after the code's prefix, as wasmd's prefix store gives it) and the total when counted.
pub fn contracts_by_code_page(
    ctx: &Ctx,
    code_id: u64,
    start: Option<&[u8]>,
    offset: u64,
    limit: u64,
    count_total: bool,
    reverse: bool,
) -> AbciResult<(Vec<Vec<u8>>, Vec<u8>, u64)> {
    let mut prefix = vec![CODE_INDEX_PREFIX];
    prefix.extend_from_slice(&code_id.to_be_bytes());
    let mut bounds = KeyBounds::prefix(&prefix);
    if let Some(start) = start {
        let mut key = prefix.clone();
        key.extend_from_slice(start);
        if reverse {
            bounds.end = std::ops::Bound::Included(key);
        } else {
            bounds.start = std::ops::Bound::Included(key);
        }
    }
    // created position: block height and tx index, 8 bytes each.
    let address_at = prefix.len() + 16;
    let mut addresses = Vec::new();
    let mut next_key = Vec::new();
    let mut seen = 0u64;
    while let Some((key, value)) = ctx.kv_first(Namespace::Wasm, &bounds, !reverse)? {
        bounds.advance_past(&key, !reverse);
        seen += 1;
        if seen <= offset {
            continue;
        }
        if addresses.len() as u64 == limit {
            if next_key.is_empty() {
                next_key = key[prefix.len()..].to_vec();
            }
            if !count_total {
                break;
            }
            continue;
        }
        ctx.charge_iter_item(Some((&key, &value)))?;
        if key.len() <= address_at {
            return Err(codes::LOGIC.wrap("corrupt contract code index key"));
        }
        addresses.push(key[address_at..].to_vec());
    }
    Ok((addresses, next_key, if count_total { seen } else { 0 }))
}

/// Code infos from `start_after` on, at most `limit`, and whether more follow.
pub fn code_infos_page(
    ctx: &Ctx,
    start_after: u64,
    limit: usize,
) -> AbciResult<(Vec<(u64, CodeInfo)>, bool)> {
    let mut bounds = KeyBounds::prefix(&[CODE_PREFIX]);
    bounds.start = std::ops::Bound::Excluded(code_key(start_after));
    let mut codes_out = Vec::new();
    while let Some((key, value)) = ctx.kv_first(Namespace::Wasm, &bounds, true)? {
        if codes_out.len() == limit {
            return Ok((codes_out, true));
        }
        bounds.advance_past(&key, true);
        let id = key[1..]
            .try_into()
            .map(u64::from_be_bytes)
            .map_err(|_| codes::LOGIC.wrap("corrupt code key"))?;
        codes_out.push((id, decode_proto(&value, "code info")?));
    }
    Ok((codes_out, false))
}
