//! ABCI errors in the Cosmos SDK's shape: a codespace, a code and a log line.
//!
//! The codes are the SDK's registered errors (codespace `sdk`) and wasmd's (codespace `wasm`), so
//! clients that branch on `(codespace, code)` — sequence mismatch, out of gas, insufficient fee —
//! behave against the devnet as against a real chain. `wrap` prefixes context the way
//! `errorsmod.Wrap` does: `"<context>: <inner>"`, ending with the registered description.

/// Codespace of the SDK's root errors.
pub const SDK: &str = "sdk";
/// Codespace of wasmd's errors.
pub const WASM: &str = "wasm";

/// A registered error: codespace, code and its fixed description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Registered {
    pub codespace: &'static str,
    pub code: u32,
    pub description: &'static str,
}

const fn sdk(code: u32, description: &'static str) -> Registered {
    Registered {
        codespace: SDK,
        code,
        description,
    }
}

const fn wasm(code: u32, description: &'static str) -> Registered {
    Registered {
        codespace: WASM,
        code,
        description,
    }
}

/// The Cosmos SDK's root errors (types/errors/errors.go).
pub mod codes {
    use super::{sdk, wasm, Registered};

    pub const TX_DECODE: Registered = sdk(2, "tx parse error");
    pub const UNAUTHORIZED: Registered = sdk(4, "unauthorized");
    pub const INSUFFICIENT_FUNDS: Registered = sdk(5, "insufficient funds");
    pub const UNKNOWN_REQUEST: Registered = sdk(6, "unknown request");
    pub const INVALID_ADDRESS: Registered = sdk(7, "invalid address");
    pub const INVALID_PUBKEY: Registered = sdk(8, "invalid pubkey");
    pub const UNKNOWN_ADDRESS: Registered = sdk(9, "unknown address");
    pub const INVALID_COINS: Registered = sdk(10, "invalid coins");
    pub const OUT_OF_GAS: Registered = sdk(11, "out of gas");
    pub const MEMO_TOO_LARGE: Registered = sdk(12, "memo too large");
    pub const INSUFFICIENT_FEE: Registered = sdk(13, "insufficient fee");
    pub const TOO_MANY_SIGNATURES: Registered = sdk(14, "maximum number of signatures exceeded");
    pub const NO_SIGNATURES: Registered = sdk(15, "no signatures supplied");
    pub const INVALID_REQUEST: Registered = sdk(18, "invalid request");
    pub const KEY_NOT_FOUND: Registered = sdk(22, "key not found");
    pub const INVALID_HEIGHT: Registered = sdk(26, "invalid height");
    pub const INVALID_TYPE: Registered = sdk(29, "invalid type");
    pub const TX_TIMEOUT_HEIGHT: Registered = sdk(30, "tx timeout height");
    pub const UNKNOWN_EXTENSION_OPTIONS: Registered = sdk(31, "unknown extension options");
    pub const WRONG_SEQUENCE: Registered = sdk(32, "incorrect account sequence");
    pub const LOGIC: Registered = sdk(35, "internal logic error");
    pub const NOT_SUPPORTED: Registered = sdk(37, "feature not supported");
    pub const NOT_FOUND: Registered = sdk(38, "not found");
    pub const IO: Registered = sdk(39, "Internal IO error");
    pub const INVALID_GAS_LIMIT: Registered = sdk(41, "invalid gas limit");

    pub const WASM_CREATE_FAILED: Registered = wasm(2, "create wasm contract failed");
    pub const WASM_ACCOUNT_EXISTS: Registered = wasm(3, "contract account already exists");
    pub const WASM_INSTANTIATE_FAILED: Registered = wasm(4, "instantiate wasm contract failed");
    pub const WASM_EXECUTE_FAILED: Registered = wasm(5, "execute wasm contract failed");
    pub const WASM_NOT_FOUND: Registered = wasm(8, "not found");
    pub const WASM_QUERY_FAILED: Registered = wasm(9, "query wasm contract failed");
    pub const WASM_INVALID_MSG: Registered = wasm(10, "invalid CosmosMsg from the contract");
    pub const WASM_MIGRATION_FAILED: Registered = wasm(11, "migrate wasm contract failed");
    pub const WASM_EMPTY: Registered = wasm(12, "empty");
    pub const WASM_LIMIT: Registered = wasm(13, "exceeds limit");
    pub const WASM_INVALID: Registered = wasm(14, "invalid");
    pub const WASM_DUPLICATE: Registered = wasm(15, "duplicate");
    pub const WASM_UNKNOWN_MSG: Registered = wasm(20, "unknown message from the contract");
    pub const WASM_INVALID_EVENT: Registered = wasm(21, "invalid event");
    pub const WASM_NO_SUCH_CONTRACT: Registered = wasm(22, "no such contract");
    pub const WASM_NO_SUCH_CODE: Registered = wasm(28, "no such code");
}

/// An error with its ABCI code, as a tx result or a query answer carries it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{log}")]
pub struct AbciError {
    pub codespace: &'static str,
    pub code: u32,
    pub log: String,
    /// The gas meter ran out (the SDK's out-of-gas panic): `log` holds the location, nothing
    /// wraps it and no submessage without its own gas limit can catch it.
    pub out_of_gas: bool,
    /// A contract's own error text, which wasmd hands to `reply` unredacted. Wrapping clears
    /// it, as wasmd only looks at the outermost error.
    pub deterministic: bool,
}

impl Registered {
    /// The bare registered error.
    pub fn err(self) -> AbciError {
        self.wrap(String::new())
    }

    /// `errorsmod.Wrap(err, msg)`: "msg: description".
    pub fn wrap(self, msg: impl Into<String>) -> AbciError {
        let msg = msg.into();
        let log = if msg.is_empty() {
            self.description.to_string()
        } else {
            format!("{msg}: {}", self.description)
        };
        AbciError {
            codespace: self.codespace,
            code: self.code,
            log,
            out_of_gas: false,
            deterministic: false,
        }
    }
}

impl AbciError {
    /// Adds outer context, keeping the code: "context: inner".
    pub fn wrap(mut self, context: impl AsRef<str>) -> Self {
        if self.out_of_gas {
            return self;
        }
        self.log = format!("{}: {}", context.as_ref(), self.log);
        self.deterministic = false;
        self
    }

    /// wasmd's `MarkErrorDeterministic`.
    pub fn deterministic(mut self) -> Self {
        self.deterministic = true;
        self
    }

    /// What a submessage's `reply` sees of this error: the text when deterministic, else only
    /// "codespace: X, code: N" (wasmd's `redactError`).
    pub fn redacted(&self) -> String {
        if self.deterministic {
            self.log.clone()
        } else {
            format!("codespace: {}, code: {}", self.codespace, self.code)
        }
    }

    pub fn is(&self, registered: Registered) -> bool {
        self.codespace == registered.codespace && self.code == registered.code
    }

    /// The SDK's runTx log for an out-of-gas panic.
    pub fn out_of_gas_log(&self, gas_wanted: u64, gas_used: u64) -> String {
        format!(
            "out of gas in location: {}; gasWanted: {gas_wanted}, gasUsed: {gas_used}: out of gas",
            self.log
        )
    }

    /// Storage failures are node faults, not tx faults; they surface as SDK internal IO errors.
    pub fn storage(err: impl std::fmt::Display) -> Self {
        codes::IO.wrap(format!("storage: {err}"))
    }
}

pub type AbciResult<T> = Result<T, AbciError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_follows_errorsmod() {
        let err = codes::WRONG_SEQUENCE.wrap("account sequence mismatch, expected 1, got 0");
        assert_eq!(
            err.log,
            "account sequence mismatch, expected 1, got 0: incorrect account sequence"
        );
        let err = codes::WASM_EXECUTE_FAILED
            .wrap("Generic error: boom")
            .wrap("failed to execute message; message index: 0");
        assert_eq!(
            err.log,
            "failed to execute message; message index: 0: Generic error: boom: execute wasm contract failed"
        );
        assert_eq!((err.codespace, err.code), ("wasm", 5));
        let oog = crate::app::gas::out_of_gas("here").wrap("ignored");
        assert!(oog.out_of_gas);
        assert_eq!(oog.log, "here");
    }
}
