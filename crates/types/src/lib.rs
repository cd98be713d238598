//! Kumo's wire API: every contract message, query, response, stored record, event, param,
//! id and resource unit, plus the pure validation and matching rules that both the contracts
//! and the off-chain programs apply. It depends on no other Kumo crate.

pub mod attributes;
pub mod coins;
pub mod error;
pub mod events;
pub mod governance;
pub mod gpu;
pub mod ids;
pub mod market;
pub mod pagination;
pub mod registry;
pub mod resources;
pub mod version;

pub use error::ValidationError;
