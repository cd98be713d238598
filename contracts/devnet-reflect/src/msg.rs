//! The reflect contract's messages.

use cosmwasm_schema::{cw_serde, QueryResponses};
use cosmwasm_std::{Attribute, Binary, Empty, Event, QueryRequest, SubMsg};

#[cw_serde]
#[derive(Default)]
pub struct InstantiateMsg {
    /// Data the instantiation returns.
    #[serde(default)]
    pub data: Option<Binary>,
    /// Submessages the instantiation dispatches.
    #[serde(default)]
    pub messages: Vec<SubMsg>,
}

#[cw_serde]
pub enum ExecuteMsg {
    /// Dispatches `messages` as submessages; the response carries `data`, `attributes` (as a
    /// `wasm` event) and `events` (as `wasm-<type>` events) when given.
    Dispatch {
        messages: Vec<SubMsg>,
        #[serde(default)]
        data: Option<Binary>,
        #[serde(default)]
        attributes: Vec<Attribute>,
        #[serde(default)]
        events: Vec<Event>,
    },
    /// Stores `value` under `key`.
    Write { key: String, value: String },
    /// Stores `value` under `key`, then fails with `reason`: the write must not survive.
    WriteThenFail {
        key: String,
        value: String,
        reason: String,
    },
    /// Hashes in a loop `rounds` times; enough rounds run out of gas.
    BurnGas { rounds: u64 },
}

/// What `reply` does, passed as the submessage's payload (JSON). An empty payload records the
/// reply and succeeds.
#[cw_serde]
#[derive(Default)]
pub struct ReplyPlan {
    /// Fail the reply with this error.
    #[serde(default)]
    pub fail: Option<String>,
    /// Return this data, which overrides the caller's data.
    #[serde(default)]
    pub data: Option<Binary>,
    /// Store this value under this key.
    #[serde(default)]
    pub write: Option<(String, String)>,
}

#[cw_serde]
pub struct MigrateMsg {
    /// Stored under the key `migrated`.
    pub note: String,
}

#[cw_serde]
#[derive(QueryResponses)]
pub enum QueryMsg {
    /// The value under `key`.
    #[returns(Option<String>)]
    Get { key: String },
    /// Keys and values in key order (descending when asked) after `start_after`, at most
    /// `limit` (default 10).
    #[returns(Vec<(String, String)>)]
    List {
        #[serde(default)]
        start_after: Option<String>,
        #[serde(default)]
        limit: Option<u32>,
        #[serde(default)]
        descending: bool,
    },
    /// The last reply received for submessage `id`.
    #[returns(Option<cosmwasm_std::Reply>)]
    Reply { id: u64 },
    /// Forwards a query to the chain (bank, wasm) and returns its raw answer.
    #[returns(Binary)]
    Chain { request: QueryRequest<Empty> },
}
