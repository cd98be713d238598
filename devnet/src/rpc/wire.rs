//! The node's data as CometBFT 0.38 puts it on the wire. Results are built from tendermint-rpc's
//! own endpoint response types, so they serialize exactly as its clients parse; the few places
//! where tendermint-rpc's serializer differs from a real CometBFT 0.38 node are patched in
//! [`cometbft_quirks`], each with the reason.

use std::net::SocketAddr;

use serde::Serialize;
use serde_json::{json, Value};
use tendermint::abci::response::{self, FinalizeBlock};
use tendermint::abci::types::ExecTxResult;
use tendermint::block::{self, Height};
use tendermint::node::info::{ListenAddress, OtherInfo, ProtocolVersionInfo, TxIndexStatus};
use tendermint::{node, AppHash, Hash};
use tendermint_rpc::endpoint::{
    abci_info, abci_query, block as block_ep, block_results, blockchain, broadcast, status, tx,
    tx_search, validators,
};
use tendermint_rpc::event::{self, EventData, TxInfo, TxResult};

use super::jsonrpc::RpcError;
use crate::node::{
    CommitOutcome, NewBlockEvent, NodeHandle, StoredBlock, TxEvent, TxRecord, BLOCK_PROTOCOL,
};

/// The CometBFT version the devnet reports: tendermint-rpc picks its 0.38 dialect from it.
pub const COMETBFT_VERSION: &str = "0.38.17";
/// CometBFT 0.38's p2p protocol version.
const P2P_PROTOCOL: u64 = 8;

pub fn to_value(value: impl Serialize) -> Result<Value, RpcError> {
    serde_json::to_value(value).map_err(|e| RpcError::internal(format!("encoding: {e}")))
}

fn height(h: u64) -> Height {
    Height::try_from(h).unwrap_or_default()
}

pub fn status(
    node: &NodeHandle,
    rpc_addr: SocketAddr,
    app_version: u64,
) -> Result<Value, RpcError> {
    let sync = node.sync_status().map_err(RpcError::internal)?;
    let genesis_time = node.genesis().genesis_time;
    let block_facts = |b: &Option<StoredBlock>| match b {
        Some(b) => (
            b.block_id.hash,
            b.block.header.app_hash.clone(),
            b.block.header.height,
            b.block.header.time,
        ),
        None => (Hash::None, AppHash::default(), height(0), genesis_time),
    };
    let (earliest_hash, earliest_app_hash, earliest_height, earliest_time) =
        block_facts(&sync.earliest);
    let (latest_hash, latest_app_hash, latest_height, latest_time) = block_facts(&sync.latest);
    let validator = node.validator();
    let node_info = node::Info {
        protocol_version: ProtocolVersionInfo {
            p2p: P2P_PROTOCOL,
            block: BLOCK_PROTOCOL,
            app: app_version,
        },
        id: validator.node_id(),
        listen_addr: ListenAddress::new("tcp://127.0.0.1:26656".into()),
        network: node.genesis().chain_id.clone(),
        version: serde_json::from_value(json!(COMETBFT_VERSION)).expect("a version string"),
        channels: serde_json::from_value(json!("40202122233038606100")).expect("a channel string"),
        moniker: node
            .config()
            .moniker
            .parse()
            .unwrap_or_else(|_| "kumo-devnet".parse().expect("a valid moniker")),
        other: OtherInfo {
            tx_index: TxIndexStatus::On,
            rpc_address: format!("tcp://{rpc_addr}"),
        },
    };
    let mut value = to_value(status::Response {
        node_info,
        sync_info: status::SyncInfo {
            earliest_block_hash: earliest_hash,
            earliest_app_hash,
            earliest_block_height: earliest_height,
            earliest_block_time: earliest_time,
            latest_block_hash: latest_hash,
            latest_app_hash,
            latest_block_height: latest_height,
            latest_block_time: latest_time,
            catching_up: false,
        },
        validator_info: validator.info(),
    })?;
    cometbft_quirks::validator_info(&mut value["validator_info"], false);
    Ok(value)
}

pub fn abci_info(info: response::Info) -> Result<Value, RpcError> {
    let mut value = to_value(abci_info::Response { response: info })?;
    cometbft_quirks::abci_info(&mut value);
    Ok(value)
}

pub fn abci_query(query: response::Query) -> Result<Value, RpcError> {
    let mut value = to_value(abci_query::Response {
        response: abci_query::AbciQuery {
            code: query.code,
            log: query.log,
            info: query.info,
            index: query.index,
            key: query.key.to_vec(),
            value: query.value.to_vec(),
            proof: query.proof,
            height: query.height,
            codespace: query.codespace,
        },
    })?;
    cometbft_quirks::abci_query(&mut value);
    Ok(value)
}

pub fn broadcast_sync(hash: Hash, check: &response::CheckTx) -> Result<Value, RpcError> {
    to_value(broadcast::tx_sync::Response {
        codespace: check.codespace.clone(),
        code: check.code,
        data: check.data.clone(),
        log: check.log.clone(),
        hash,
    })
}

pub fn broadcast_async(hash: Hash) -> Result<Value, RpcError> {
    to_value(broadcast::tx_async::Response {
        codespace: String::new(),
        code: Default::default(),
        data: Default::default(),
        log: String::new(),
        hash,
    })
}

pub fn broadcast_commit(outcome: CommitOutcome) -> Result<Value, RpcError> {
    let (h, tx_result) = outcome.included.unwrap_or_default();
    let mut value = to_value(broadcast::tx_commit::Response {
        check_tx: outcome.check_tx,
        tx_result,
        hash: outcome.hash,
        height: height(h),
    })?;
    cometbft_quirks::check_tx(&mut value["check_tx"]);
    Ok(value)
}

fn tx_response(record: TxRecord, proof: Option<tendermint::tx::Proof>) -> tx::Response {
    tx::Response {
        hash: record.hash,
        height: height(record.height),
        index: record.index,
        tx_result: record.result,
        tx: record.tx,
        proof,
    }
}

pub fn tx(record: TxRecord, proof: Option<tendermint::tx::Proof>) -> Result<Value, RpcError> {
    to_value(tx_response(record, proof))
}

pub fn tx_search(
    records: Vec<(TxRecord, Option<tendermint::tx::Proof>)>,
    total_count: usize,
) -> Result<Value, RpcError> {
    to_value(tx_search::Response {
        txs: records
            .into_iter()
            .map(|(record, proof)| tx_response(record, proof))
            .collect(),
        total_count: total_count as u32,
    })
}

pub fn block(stored: StoredBlock) -> Result<Value, RpcError> {
    let mut value = to_value(block_ep::v0_38::DialectResponse {
        block_id: stored.block_id,
        block: stored.block.into(),
    })?;
    cometbft_quirks::block_parts(&mut value);
    Ok(value)
}

pub fn header(stored: StoredBlock) -> Result<Value, RpcError> {
    let mut value = json!({ "header": to_value(stored.block.header)? });
    cometbft_quirks::block_parts(&mut value);
    Ok(value)
}

pub fn block_results(h: u64, results: FinalizeBlock) -> Result<Value, RpcError> {
    let mut value = to_value(block_results::Response {
        height: height(h),
        txs_results: (!results.tx_results.is_empty()).then_some(results.tx_results),
        finalize_block_events: results.events,
        begin_block_events: None,
        end_block_events: None,
        validator_updates: results.validator_updates,
        consensus_param_updates: results.consensus_param_updates,
        app_hash: results.app_hash,
    })?;
    cometbft_quirks::block_results(&mut value);
    Ok(value)
}

pub fn blockchain(last_height: u64, blocks: Vec<StoredBlock>) -> Result<Value, RpcError> {
    let mut value = to_value(blockchain::Response {
        last_height: height(last_height),
        block_metas: blocks
            .into_iter()
            .map(|b| block::Meta {
                block_id: b.block_id,
                block_size: b.size as i64,
                num_txs: b.block.data.len() as i64,
                header: b.block.header,
            })
            .collect(),
    })?;
    cometbft_quirks::block_parts(&mut value);
    Ok(value)
}

pub fn validators(
    h: u64,
    all: Vec<tendermint::validator::Info>,
    page: usize,
    per_page: usize,
) -> Result<Value, RpcError> {
    let total = all.len() as i32;
    let shown = all
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    let mut value = to_value(validators::Response::new(height(h), shown, total))?;
    if let Some(list) = value["validators"].as_array_mut() {
        for validator in list {
            cometbft_quirks::validator_info(validator, true);
        }
    }
    Ok(value)
}

pub fn genesis(doc: &tendermint::Genesis<Value>) -> Result<Value, RpcError> {
    let mut value = json!({ "genesis": to_value(doc)? });
    cometbft_quirks::consensus_params(&mut value["genesis"]["consensus_params"]);
    Ok(value)
}

pub fn consensus_params(h: u64, params: &tendermint::consensus::Params) -> Result<Value, RpcError> {
    let mut value = json!({
        "block_height": height(h),
        "consensus_params": to_value(params)?,
    });
    cometbft_quirks::consensus_params(&mut value["consensus_params"]);
    Ok(value)
}

pub fn commit(
    stored: StoredBlock,
    commit: tendermint::block::Commit,
    canonical: bool,
) -> Result<Value, RpcError> {
    let signed_header =
        tendermint::block::signed_header::SignedHeader::new(stored.block.header, commit)
            .map_err(RpcError::internal)?;
    let mut value = to_value(tendermint_rpc::endpoint::commit::Response {
        signed_header,
        canonical,
    })?;
    cometbft_quirks::block_parts(&mut value);
    Ok(value)
}

/// A `NewBlock` subscription event, as the `result` of a JSON-RPC message.
pub fn new_block_event(query: &str, event: &NewBlockEvent) -> Result<Value, RpcError> {
    let mut value = to_value(event::v0_38::SerEvent::from(event::Event {
        query: query.to_string(),
        data: EventData::NewBlock {
            block: Some(Box::new(event.block.clone())),
            block_id: event.block_id,
            result_finalize_block: Some(event.results.clone()),
        },
        events: Some(event.events.clone()),
    }))?;
    cometbft_quirks::new_block_event(&mut value);
    Ok(value)
}

/// A `Tx` subscription event, as the `result` of a JSON-RPC message.
pub fn tx_event(query: &str, event: &TxEvent) -> Result<Value, RpcError> {
    let record = &event.record;
    let result: &ExecTxResult = &record.result;
    // Go omits empty fields here (`omitempty`); `None` marks them for removal below.
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let non_zero = |n: i64| (n != 0).then(|| n.to_string());
    let mut value = to_value(event::v0_38::SerEvent::from(event::Event {
        query: query.to_string(),
        data: EventData::Tx {
            tx_result: TxInfo {
                height: record.height as i64,
                index: (record.index != 0).then_some(record.index as i64),
                tx: record.tx.clone(),
                result: TxResult {
                    log: non_empty(&result.log),
                    gas_wanted: non_zero(result.gas_wanted),
                    gas_used: non_zero(result.gas_used),
                    events: result.events.clone(),
                },
            },
        },
        events: Some(event.events.clone()),
    }))?;
    cometbft_quirks::tx_event(&mut value, result);
    Ok(value)
}

/// Where tendermint-rpc's serializers differ from what a CometBFT 0.38 node sends. Clients
/// parse both; the patched form is what real nodes put on the wire, so shape checks against
/// recorded answers hold.
pub mod cometbft_quirks {
    use base64::Engine;
    use serde_json::{json, Value};
    use tendermint::abci::types::ExecTxResult;

    /// `block_results`: 0.38 has no begin/end block events, sends `finalize_block_events` even
    /// when empty, and encodes `app_hash` as base64 bytes.
    pub fn block_results(value: &mut Value) {
        let Some(object) = value.as_object_mut() else {
            return;
        };
        object.remove("begin_block_events");
        object.remove("end_block_events");
        object.entry("finalize_block_events").or_insert(Value::Null);
        if let Some(Value::String(hex_hash)) = object.get("app_hash") {
            if let Ok(bytes) = hex::decode(hex_hash) {
                object.insert(
                    "app_hash".into(),
                    json!(base64::engine::general_purpose::STANDARD.encode(bytes)),
                );
            }
        }
    }

    /// `check_tx` in `broadcast_tx_commit`: 0.38 dropped `sender`, `priority` and
    /// `mempool_error` from ResponseCheckTx.
    pub fn check_tx(value: &mut Value) {
        if let Some(object) = value.as_object_mut() {
            object.remove("sender");
            object.remove("priority");
            object.remove("mempool_error");
        }
    }

    /// `validator_info` in `status` carries `voting_power` (not `power`) and no name;
    /// `validators` adds `proposer_priority`.
    pub fn validator_info(value: &mut Value, with_priority: bool) {
        let Some(object) = value.as_object_mut() else {
            return;
        };
        object.remove("name");
        if let Some(power) = object.remove("power") {
            object.insert("voting_power".into(), power);
        }
        if with_priority {
            object.insert("proposer_priority".into(), json!("0"));
        }
    }

    /// Blocks and headers: where tendermint-rs writes `null` for the first block's missing
    /// last block id and last commit, and for empty txs and evidence, CometBFT writes zero
    /// values and empty lists.
    pub fn block_parts(value: &mut Value) {
        match value {
            Value::Object(object) => {
                for (key, child) in object.iter_mut() {
                    match (key.as_str(), &*child) {
                        ("last_block_id", Value::Null) => *child = zero_block_id(),
                        ("last_commit", Value::Null) => {
                            *child = json!({
                                "block_id": zero_block_id(),
                                "height": "0",
                                "round": 0,
                                "signatures": []
                            })
                        }
                        ("txs" | "evidence", Value::Null) => *child = json!([]),
                        _ => block_parts(child),
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(block_parts),
            _ => {}
        }
    }

    fn zero_block_id() -> Value {
        json!({ "hash": "", "parts": { "hash": "", "total": 0 } })
    }

    /// Events carry CometBFT's amino type names, and a FinalizeBlock without consensus param
    /// updates omits the field.
    pub fn new_block_event(value: &mut Value) {
        if let Some(data) = value.get_mut("data") {
            data["type"] = json!("tendermint/event/NewBlock");
            if let Some(result) = data
                .pointer_mut("/value/result_finalize_block")
                .and_then(Value::as_object_mut)
            {
                finalize_block(result);
            }
            if let Some(block) = data.pointer_mut("/value/block") {
                block_parts(block);
            }
        }
    }

    /// ResponseFinalizeBlock as Go encodes it: empty `events` and `tx_results` and a nil
    /// `consensus_param_updates` are omitted, `validator_updates` is always a list.
    fn finalize_block(result: &mut serde_json::Map<String, Value>) {
        result.retain(|key, v| match key.as_str() {
            "events" | "tx_results" => v.as_array().is_some_and(|a| !a.is_empty()),
            "consensus_param_updates" => !v.is_null(),
            _ => true,
        });
        let updates = result.entry("validator_updates").or_insert(Value::Null);
        if updates.is_null() {
            *updates = json!([]);
        }
    }

    /// `abci_info`: Go encodes `last_block_app_hash` bytes as base64, where tendermint-rs'
    /// proto serializer writes a list of numbers.
    pub fn abci_info(value: &mut Value) {
        let Some(response) = value.get_mut("response").and_then(Value::as_object_mut) else {
            return;
        };
        if let Some(Value::Array(bytes)) = response.get("last_block_app_hash") {
            let bytes: Vec<u8> = bytes
                .iter()
                .filter_map(|b| b.as_u64().map(|b| b as u8))
                .collect();
            response.insert(
                "last_block_app_hash".into(),
                json!(base64::engine::general_purpose::STANDARD.encode(bytes)),
            );
        }
    }

    /// `abci_query`: Go names the proof `proofOps`.
    pub fn abci_query(value: &mut Value) {
        if let Some(response) = value.get_mut("response").and_then(Value::as_object_mut) {
            if let Some(proof) = response.remove("proof") {
                response.insert("proofOps".into(), proof);
            }
        }
    }

    /// Consensus params: 0.38 no longer has `block.time_iota_ms`.
    pub fn consensus_params(value: &mut Value) {
        if let Some(block) = value.get_mut("block").and_then(Value::as_object_mut) {
            block.remove("time_iota_ms");
        }
    }

    /// Tx events: CometBFT encodes the tx result with Go's `omitempty`: empty fields are
    /// absent rather than null, and code, data, info and codespace appear when set.
    pub fn tx_event(value: &mut Value, result: &ExecTxResult) {
        if let Some(data) = value.get_mut("data") {
            data["type"] = json!("tendermint/event/Tx");
        }
        let Some(tx_result) = value
            .pointer_mut("/data/value/TxResult")
            .and_then(Value::as_object_mut)
        else {
            return;
        };
        tx_result.retain(|_, v| !v.is_null());
        let Some(result_obj) = tx_result.get_mut("result").and_then(Value::as_object_mut) else {
            return;
        };
        result_obj.retain(|_, v| !v.is_null());
        if result.code.is_err() {
            result_obj.insert("code".into(), json!(result.code.value()));
        }
        if !result.codespace.is_empty() {
            result_obj.insert("codespace".into(), json!(result.codespace));
        }
        if !result.data.is_empty() {
            result_obj.insert(
                "data".into(),
                json!(base64::engine::general_purpose::STANDARD.encode(&result.data)),
            );
        }
        if !result.info.is_empty() {
            result_obj.insert("info".into(), json!(result.info));
        }
    }
}
