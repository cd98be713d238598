//! A contract for the devnet's own tests of wasmd semantics, modelled on wasmd's `reflect`
//! test contract: it dispatches whatever submessages it is given, records every reply, writes
//! and lists storage, fails on demand and burns gas in a loop. Never deploy it on a real chain.

pub mod contract;
pub mod msg;

pub use crate::contract::ContractError;
