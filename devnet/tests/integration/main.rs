//! The devnet's integration tests, linked into one binary: each test binary embeds wasmer and
//! the whole node, so one link instead of fifteen saves CI minutes and gigabytes of disk.

mod app_support;
mod common;

mod app_ante;
mod app_bank;
mod app_contracts_by_code;
mod app_fuzz;
mod app_gas;
mod app_persistence;
mod app_submsg;
mod app_throughput;
mod app_wasm;
mod binary;
mod compat_kumo_app;
mod crash_safety;
mod genesis_profile;
mod node_core;
mod rpc_fuzz;
mod rpc_kv;
