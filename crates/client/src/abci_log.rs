//! Reading Cosmos SDK / wasmd failure logs: the contract's own error text, sequence mismatches
//! and insufficient funds, from a DeliverTx or CheckTx raw log or a failed Simulate query.
//!
//! The shapes, as real chains write them (and the devnet mirrors):
//! - DeliverTx: `failed to execute message; message index: 0: <contract error>: execute wasm
//!   contract failed`
//! - Simulate over abci_query: `rpc error: code = Unknown desc = <the above> [file.go:123] With
//!   gas wanted: '0' and gas used: '638197' : unknown request`
//! - CheckTx: `account sequence mismatch, expected 13, got 12: incorrect account sequence`

use crate::error::ClientError;

/// wasmd's registered error descriptions that end a contract failure.
const WASM_FAILURES: &[&str] = &[
    ": execute wasm contract failed",
    ": query wasm contract failed",
    ": instantiate wasm contract failed",
    ": migrate wasm contract failed",
];
const MESSAGE_INDEX: &str = "failed to execute message; message index: ";
const SEQUENCE_MISMATCH: &str = "account sequence mismatch, expected ";
const SIMULATE_SUFFIX: &str = " With gas wanted:";

/// The failure text without the gRPC status wrapper and Simulate's gas suffix.
pub fn inner_log(log: &str) -> &str {
    let mut text = log.trim();
    if let Some(rest) = text.strip_prefix("rpc error: code = ") {
        if let Some(desc) = rest.find(" desc = ") {
            text = &rest[desc + " desc = ".len()..];
        }
    }
    if let Some(cut) = text.find(SIMULATE_SUFFIX) {
        text = &text[..cut];
    }
    text.trim()
}

/// The contract's own error message, if the failure came from a contract.
pub fn contract_message(log: &str) -> Option<String> {
    let text = inner_log(log);
    let end = WASM_FAILURES
        .iter()
        .filter_map(|suffix| text.rfind(suffix))
        .max()?;
    let mut message = &text[..end];
    if let Some(rest) = message.strip_prefix(MESSAGE_INDEX) {
        // "<index>: <message>"
        message = rest.split_once(": ").map_or(rest, |(index, msg)| {
            if index.bytes().all(|b| b.is_ascii_digit()) {
                msg
            } else {
                rest
            }
        });
    }
    let message = message.trim();
    (!message.is_empty()).then(|| message.to_string())
}

/// `Some(expected)` when the failure is an account sequence mismatch; `expected` is the
/// sequence the node wants, when the log says it.
pub fn sequence_mismatch(log: &str) -> Option<Option<u64>> {
    let start = log.find(SEQUENCE_MISMATCH)? + SEQUENCE_MISMATCH.len();
    let digits: String = log[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    Some(digits.parse().ok())
}

/// Whether the failure is the SDK's insufficient funds (code 5 in codespace sdk).
pub fn is_insufficient_funds(code: u32, codespace: &str, log: &str) -> bool {
    let text = inner_log(log);
    (codespace == "sdk" && code == 5)
        || text.ends_with(": insufficient funds")
        || text == "insufficient funds"
}

/// Turns a failed tx (CheckTx, DeliverTx or Simulate) into the error that says what to do.
pub fn decode_failure(code: u32, codespace: &str, log: &str) -> ClientError {
    if let Some(message) = contract_message(log) {
        return ClientError::Contract { message };
    }
    if sequence_mismatch(log).is_some() {
        return ClientError::SequenceMismatch {
            log: inner_log(log).to_string(),
        };
    }
    if is_insufficient_funds(code, codespace, log) {
        return ClientError::InsufficientFunds {
            log: inner_log(log).to_string(),
        };
    }
    ClientError::TxFailed {
        code,
        codespace: codespace.to_string(),
        log: log.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Raw logs recorded from real chains (quoted in public issue threads) and from the devnet.

    /// CosmWasm/cw-plus#492, DeliverTx code 5 (wasmd 0.2x).
    const DELIVER_CONTRACT: &str =
        "failed to execute message; message index: 0: Error parsing into \
        type cw20::msg::Cw20ExecuteMsg: Invalid type: execute wasm contract failed";
    /// andromedaprotocol/andromeda-core#242: Simulate through abci_query, with a file:line.
    const SIMULATE_CONTRACT: &str = "rpc error: code = Unknown desc = failed to execute message; \
        message index: 0: dispatch: submessages: reply: dispatch: submessages: reply: Generic \
        error: codespace: wasm, code: 5: execute wasm contract failed \
        [andromedaprotocol/andromedad/x/wasm/keeper/keeper.go:517] With gas wanted: '0' and gas \
        used: '638197' : unknown request";
    /// CosmWasm/cw-tokens#2: a smart query that panicked in the contract.
    const QUERY_CONTRACT: &str = "rpc error: code = InvalidArgument desc = Error calling the VM: \
        Error executing Wasm: Wasmer runtime error: RuntimeError: unreachable: query wasm \
        contract failed: invalid request";
    /// The devnet, executing Kumo's market with too small a deposit.
    const DEVNET_CONTRACT: &str = "failed to execute message; message index: 1: funds: deposit of \
        1uakt is below the minimum of 5000000uakt: execute wasm contract failed";
    /// akash-network/node#955, CheckTx code 32.
    const CHECK_SEQUENCE: &str =
        "account sequence mismatch, expected 25, got 27: incorrect account sequence";
    /// eco-stake/restake#771, Simulate (SDK 0.47).
    const SIMULATE_SEQUENCE: &str = "account sequence mismatch, expected 22, got 21: incorrect \
        account sequence [cosmos/cosmos-sdk@v0.47.3/x/auth/ante/sigverify.go:269] With gas \
        wanted: '18446744073709551615' and gas used: '32256'";
    /// terra-money/classic-core#643, older gRPC status shape.
    const GRPC_SEQUENCE: &str = "rpc error: code = InvalidArgument desc = account sequence \
        mismatch, expected 1848, got 1847: incorrect account sequence: invalid request";
    /// The devnet's bank module, DeliverTx code 5.
    const DELIVER_FUNDS: &str = "failed to execute message; message index: 0: spendable balance \
        10uakt is smaller than 1000000uakt: insufficient funds";
    /// The SDK's fee deduction in CheckTx.
    const CHECK_FEE_FUNDS: &str =
        "0uakt is smaller than 5000uakt: insufficient funds: insufficient funds";
    const OUT_OF_GAS: &str = "out of gas in location: wasm contract; gasWanted: 200000, gasUsed: \
        200321: out of gas";

    #[test]
    fn contract_messages_are_extracted() {
        assert_eq!(
            contract_message(DELIVER_CONTRACT).unwrap(),
            "Error parsing into type cw20::msg::Cw20ExecuteMsg: Invalid type"
        );
        assert_eq!(
            contract_message(SIMULATE_CONTRACT).unwrap(),
            "dispatch: submessages: reply: dispatch: submessages: reply: Generic error: \
             codespace: wasm, code: 5"
        );
        assert_eq!(
            contract_message(QUERY_CONTRACT).unwrap(),
            "Error calling the VM: Error executing Wasm: Wasmer runtime error: RuntimeError: \
             unreachable"
        );
        assert_eq!(
            contract_message(DEVNET_CONTRACT).unwrap(),
            "funds: deposit of 1uakt is below the minimum of 5000000uakt"
        );
        for other in [CHECK_SEQUENCE, DELIVER_FUNDS, OUT_OF_GAS, ""] {
            assert_eq!(contract_message(other), None, "{other}");
        }
    }

    #[test]
    fn sequence_mismatches_give_the_expected_sequence() {
        assert_eq!(sequence_mismatch(CHECK_SEQUENCE), Some(Some(25)));
        assert_eq!(sequence_mismatch(SIMULATE_SEQUENCE), Some(Some(22)));
        assert_eq!(sequence_mismatch(GRPC_SEQUENCE), Some(Some(1848)));
        assert_eq!(
            sequence_mismatch("account sequence mismatch, expected ?, got 3"),
            Some(None)
        );
        assert_eq!(sequence_mismatch(DELIVER_FUNDS), None);
    }

    #[test]
    fn failures_decode_into_actionable_errors() {
        assert!(matches!(
            decode_failure(5, "wasm", DELIVER_CONTRACT),
            ClientError::Contract { .. }
        ));
        assert!(matches!(
            decode_failure(6, "sdk", SIMULATE_CONTRACT),
            ClientError::Contract { .. }
        ));
        match decode_failure(32, "sdk", CHECK_SEQUENCE) {
            ClientError::SequenceMismatch { log } => assert_eq!(log, CHECK_SEQUENCE),
            other => panic!("{other:?}"),
        }
        match decode_failure(6, "sdk", SIMULATE_SEQUENCE) {
            ClientError::SequenceMismatch { log } => assert!(!log.contains("gas wanted")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            decode_failure(5, "sdk", DELIVER_FUNDS),
            ClientError::InsufficientFunds { .. }
        ));
        assert!(matches!(
            decode_failure(5, "sdk", CHECK_FEE_FUNDS),
            ClientError::InsufficientFunds { .. }
        ));
        // Through Simulate the code is the query's, but the text still says it.
        let simulated = format!(
            "rpc error: code = Unknown desc = {DELIVER_FUNDS} With gas wanted: '0' and gas used: \
             '1' : unknown request"
        );
        assert!(matches!(
            decode_failure(6, "sdk", &simulated),
            ClientError::InsufficientFunds { .. }
        ));
        let err = decode_failure(11, "sdk", OUT_OF_GAS);
        assert!(
            matches!(&err, ClientError::TxFailed { code: 11, codespace, .. } if codespace == "sdk")
        );
        assert!(err.to_string().contains("gas adjustment"), "{err}");
    }

    #[test]
    fn inner_log_strips_wrappers_only() {
        assert_eq!(
            inner_log(GRPC_SEQUENCE),
            "account sequence mismatch, expected 1848, got 1847: incorrect account sequence: \
             invalid request"
        );
        assert_eq!(inner_log(DELIVER_FUNDS), DELIVER_FUNDS);
    }
}
