//! Kumo's market: deployments, groups, orders, bids, leases and escrow, after Akash's
//! deployment, market and escrow modules.

pub mod contract;
pub mod error;
pub mod escrow;
mod execute;
pub mod lifecycle;
pub mod matching;
mod query;
pub mod state;

pub use error::ContractError;
