//! ABCI events as the modules build them, converted to tendermint-rs' type at the boundary.

/// An event: a type and ordered key/value attributes. All attributes are indexed, as with the
/// SDK's default `index-events = []`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: String,
    pub attributes: Vec<(String, String)>,
}

impl Event {
    pub fn new(kind: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            attributes: Vec::new(),
        }
    }

    pub fn attr(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.attributes.push((key.into(), value.into()));
        self
    }

    pub fn has_attribute(&self, key: &str) -> bool {
        self.attributes.iter().any(|(k, _)| k == key)
    }

    pub fn to_abci(&self) -> tendermint::abci::Event {
        tendermint::abci::Event::new(
            self.kind.clone(),
            self.attributes
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str(), true)),
        )
    }
}

pub fn to_abci(events: &[Event]) -> Vec<tendermint::abci::Event> {
    events.iter().map(Event::to_abci).collect()
}

/// Event and attribute names used across modules (the SDK's and wasmd's constants).
pub mod names {
    pub const MESSAGE: &str = "message";
    pub const TX: &str = "tx";
    pub const TRANSFER: &str = "transfer";
    pub const COIN_SPENT: &str = "coin_spent";
    pub const COIN_RECEIVED: &str = "coin_received";
    pub const BURN: &str = "burn";

    pub const ACTION: &str = "action";
    pub const SENDER: &str = "sender";
    pub const MODULE: &str = "module";
    pub const MSG_INDEX: &str = "msg_index";
    pub const AMOUNT: &str = "amount";
    pub const SPENDER: &str = "spender";
    pub const RECEIVER: &str = "receiver";
    pub const RECIPIENT: &str = "recipient";
    pub const BURNER: &str = "burner";
    pub const FEE: &str = "fee";
    pub const FEE_PAYER: &str = "fee_payer";
    pub const ACC_SEQ: &str = "acc_seq";
    pub const SIGNATURE: &str = "signature";

    pub const WASM: &str = "wasm";
    pub const WASM_CUSTOM_PREFIX: &str = "wasm-";
    pub const STORE_CODE: &str = "store_code";
    pub const INSTANTIATE: &str = "instantiate";
    pub const EXECUTE: &str = "execute";
    pub const MIGRATE: &str = "migrate";
    pub const REPLY: &str = "reply";
    pub const UPDATE_ADMIN: &str = "update_contract_admin";
    pub const CONTRACT_ADDRESS: &str = "_contract_address";
    pub const CODE_ID: &str = "code_id";
    pub const CODE_CHECKSUM: &str = "code_checksum";
    pub const NEW_ADMIN: &str = "new_admin_address";
    pub const REQUIRED_CAPABILITY: &str = "required_capability";
}
