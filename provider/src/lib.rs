//! `kumo-provider`: the provider daemon's building blocks.
//!
//! One module per concern, each usable on its own so that the chain watcher, bid engine and
//! gateway can later run as separate tasks joined by channels:
//! - [`config`]: provider.yaml, environment overrides, validation with key paths;
//! - [`inventory`]: GPUs (NVML), CPU, memory and disk, or a static inventory from the config;
//! - [`allocations`]: reservations and allocations persisted in redb, reconciliation;
//! - [`runtime`]: the Docker runtime (container specs and the daemon calls);
//! - [`daemon`]: the chain side: watcher, bid engine, lease manager, earnings, startup
//!   checks, and the gateway's backend;
//! - [`gateway`]: the tenant-facing HTTPS gateway (manifests, lease status and logs, metrics);
//! - [`metrics`]: the daemon's Prometheus metrics.

pub mod allocations;
pub mod config;
pub mod daemon;
pub mod gateway;
pub mod inventory;
pub mod metrics;
pub mod runtime;
