//! The wasm module: wasmd's keeper semantics over cosmwasm-vm 3.0.10, the VM wasmd runs.
//!
//! - `engine`: the module cache and the metered call of one entry point;
//! - `backend`, `querier`: what a running contract reaches (its storage, address API, queries);
//! - `keeper`: codes and contracts (store, instantiate(2), execute, migrate, admin, reply, query);
//! - `dispatch`: submessages with wasmd's reply_on, nested caches and data overriding;
//! - `events`: wasmd's event conventions for contract attributes and custom events.

mod backend;
mod dispatch;
mod engine;
mod events;
pub mod keeper;
mod querier;

pub use engine::{ContractRef, EngineError, WasmEngine};
