//! `kumo devnet`: an embedded single-node CosmWasm chain that runs the real compiled contracts
//! with cosmwasm-vm, verifies real signed Cosmos SDK transactions, and answers on the CometBFT
//! 0.38 JSON-RPC wire protocol, in the spirit of Foundry's anvil.

pub mod abci;
pub mod app;
pub mod banner;
pub mod cli;
pub mod launch;
pub mod node;
pub mod rpc;

pub use launch::{run, Devnet, DevnetConfig, DevnetError, GenesisProfile};
