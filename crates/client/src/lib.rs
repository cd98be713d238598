//! Chain access for Kumo's off-chain programs (the `kumo` CLI and the provider daemon): keys and
//! an on-disk keyring, typed queries, signed transactions with a per-key sequence manager, and
//! an ordered block/event stream that never skips a height.
//!
//! Everything goes through CometBFT JSON-RPC (tendermint-rpc 0.40) and Cosmos SDK transactions
//! (cosmrs 0.22, SIGN_MODE_DIRECT), so the same code works against `kumo devnet` and a real
//! wasmd-based chain.
//!
//! ```no_run
//! # async fn demo() -> Result<(), kumo_client::ClientError> {
//! use kumo_client::{config::ChainConfig, keys::{KeyPair, COSMOS_HD_PATH}, ChainClient};
//! let client = ChainClient::connect(ChainConfig::default()).await?;
//! let key = KeyPair::from_mnemonic("test test test test test test test test test test test junk", COSMOS_HD_PATH, "kumo")?;
//! let signer = client.signer(key);
//! let msg = kumo_client::tx::bank_send_msg(signer.address(), "kumo1...", &[cosmwasm_std::coin(5, "uakt")])?;
//! let outcome = signer.send(vec![msg]).await?;
//! println!("included at {}", outcome.height);
//! # Ok(()) }
//! ```

pub mod abci_log;
pub mod client;
pub mod config;
pub mod contracts;
pub mod error;
pub mod events;
pub mod gateway;
pub mod keyring;
pub mod keys;
pub mod query;
pub mod rpc;
pub mod sequence;
pub mod stream;
pub mod tx;

pub use client::{ChainClient, ResolvedContracts};
pub use error::ClientError;
pub use query::AccountInfo;
pub use tx::{Signer, TxOutcome};
