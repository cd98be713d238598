//! Transactions: messages, signing (SIGN_MODE_DIRECT), gas and fees, broadcast and inclusion.

mod build;
mod msgs;
mod outcome;
mod signer;

pub use build::{signed_tx_bytes, simulation_tx_bytes, tx_hash};
pub use msgs::{bank_send_msg, proto_coins, wasm_execute_msg};
pub use outcome::TxOutcome;
pub use signer::{FeeEstimate, SentTx, Signer};
