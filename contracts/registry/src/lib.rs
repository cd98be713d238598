//! Kumo's provider registry: providers and their gateways, auditor-signed attributes, and
//! the provider collateral that backs GPU leases and that governance may slash.

pub mod contract;
pub mod error;
mod execute;
mod market;
mod query;
pub mod state;

pub use crate::error::ContractError;
