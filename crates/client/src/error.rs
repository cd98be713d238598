//! Every error the client returns. Each message ends with what to do next.

use std::time::Duration;

use crate::config::ConfigError;
use crate::keyring::KeyringError;
use crate::keys::KeyError;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot reach the node at {url}: {reason}; is it running? set --node or KUMO_NODE")]
    Unreachable { url: String, reason: String },
    #[error(
        "the node is on chain '{actual}', not '{expected}': set --chain-id {actual} if that is the \
         chain you meant, or point --node at a '{expected}' node"
    )]
    ChainIdMismatch { expected: String, actual: String },
    #[error("account {address} has no funds on chain yet: send it some uakt first")]
    AccountNotFound { address: String },
    #[error(
        "insufficient funds: {log}; top up the account (check it with `kumo query balance`) or \
         send less"
    )]
    InsufficientFunds { log: String },
    #[error("the contract refused the request: {message}; change the request as the message says")]
    Contract { message: String },
    #[error(
        "account sequence mismatch even after resyncing: {log}; another program is signing with \
         this key at the same time: use one signer per key, or retry"
    )]
    SequenceMismatch { log: String },
    #[error("transaction failed ({codespace} code {code}): {log}; {}", tx_failure_hint(codespace, *code))]
    TxFailed {
        code: u32,
        codespace: String,
        log: String,
    },
    #[error(
        "transaction {hash} was accepted but not included within {waited:?}: look it up later \
         with `kumo query tx {hash}` before sending it again (or raise the inclusion timeout)"
    )]
    NotIncluded { hash: String, waited: Duration },
    #[error("query {path} failed ({codespace} code {code}): {log}; check the query's arguments")]
    Query {
        path: String,
        code: u32,
        codespace: String,
        log: String,
    },
    #[error(
        "cannot decode {what}: {reason}; the node or contract may run a version this client does \
         not support"
    )]
    Decode { what: String, reason: String },
    #[error("the node answered {method} with an error: {reason}; retry, or check the node's logs")]
    Rpc { method: String, reason: String },
    #[error(
        "no contract labelled '{label}' on this chain: set its address in the configuration \
         (contracts.{label}) if it was deployed under another label"
    )]
    ContractNotFound { label: String },
    #[error("invalid {what}: {reason}; correct it and try again")]
    InvalidInput { what: String, reason: String },
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Keyring(#[from] KeyringError),
}

/// What to do about a failed tx, by its registered error.
fn tx_failure_hint(codespace: &str, code: u32) -> &'static str {
    match (codespace, code) {
        ("sdk", 11) => "raise the gas adjustment (or the fixed gas limit) and retry",
        ("sdk", 13) => "raise the gas price to at least the node's minimum and retry",
        ("sdk", 4) => "check that the key, chain id and account number are right",
        ("sdk", 19) => "the tx is already in the mempool: wait for it to be included",
        ("sdk", 20) => "the node's mempool is full: retry in a few seconds",
        ("sdk", 30) => "the tx timed out: sign it again",
        _ => "fix what the log says and retry",
    }
}

impl ClientError {
    pub(crate) fn decode(what: impl Into<String>, reason: impl ToString) -> ClientError {
        ClientError::Decode {
            what: what.into(),
            reason: reason.to_string(),
        }
    }

    pub(crate) fn invalid(what: impl Into<String>, reason: impl ToString) -> ClientError {
        ClientError::InvalidInput {
            what: what.into(),
            reason: reason.to_string(),
        }
    }

    /// Whether retrying later may succeed: the node was unreachable or timed out.
    pub fn is_transient(&self) -> bool {
        matches!(self, ClientError::Unreachable { .. })
    }
}
