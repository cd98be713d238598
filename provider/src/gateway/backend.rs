//! The gateway's view of the daemon: everything that needs chain or runtime state goes through
//! [`GatewayBackend`], which the daemon's orchestration implements. The gateway itself only
//! authenticates tenants, validates requests and maps [`GatewayError`] to HTTP statuses.
//!
//! The trait uses `#[async_trait]` so the gateway can hold it as `Arc<dyn GatewayBackend>`.
//! Implement it with:
//!
//! ```ignore
//! #[async_trait::async_trait]
//! impl kumo_provider::gateway::GatewayBackend for MyDaemon { ... }
//! ```
//!
//! Authorization: the gateway builds every [`LeaseId`] with `owner` = the address proven by the
//! tenant's token and `provider` = this provider's address, so a backend that answers
//! [`GatewayError::NotFound`] for leases it does not have (for that owner) serves only owners.

use futures::stream::BoxStream;
use kumo_client::gateway::types::{
    LeaseStatus, LogLine, LogsQuery, ManifestAccepted, ProviderStatus,
};
use kumo_sdl::Manifest;
use kumo_types::ids::LeaseId;

/// A stream of log lines; an `Err` item ends the stream (the gateway sends it as a final
/// `{"error": ...}` line).
pub type LogLines = BoxStream<'static, Result<LogLine, GatewayError>>;

#[async_trait::async_trait]
pub trait GatewayBackend: Send + Sync + 'static {
    /// Public provider status: inventory, free capacity, active lease count, version.
    async fn status(&self) -> ProviderStatus;

    /// A tenant's manifest for deployment (owner, dseq). `owner` is the address proven by the
    /// token. The backend checks the canonical hash against the on-chain deployment
    /// ([`GatewayError::HashMismatch`]), that it fits the leased resources and the image
    /// allow-list ([`GatewayError::InvalidManifest`]), persists it, and starts (or rolls) the
    /// lease's containers. Returns quickly: deploying is asynchronous.
    /// [`GatewayError::NotFound`] when this owner has no active lease with this provider in
    /// deployment `dseq`.
    async fn submit_manifest(
        &self,
        owner: &str,
        dseq: u64,
        manifest: Manifest,
    ) -> Result<ManifestAccepted, GatewayError>;

    /// Containers, state, restarts, published ports, GPU UUIDs and utilization of one lease.
    /// [`GatewayError::NotFound`] when the lease's owner has no such lease here.
    async fn lease_status(&self, lease: &LeaseId) -> Result<LeaseStatus, GatewayError>;

    /// Container log lines of one lease (all services, or one with `query.service`), the last
    /// `query.tail` lines of each container, and with `query.follow` new lines until the
    /// containers stop or the client goes away (the gateway drops the stream then).
    async fn lease_logs(&self, lease: &LeaseId, query: LogsQuery)
        -> Result<LogLines, GatewayError>;
}

/// Why the backend refused a request; the gateway maps each to an HTTP status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    /// 404.
    #[error("not found: {0}")]
    NotFound(String),
    /// 403.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 422, naming the manifest field (e.g. `[0].services[1].image`).
    #[error("invalid manifest: {field}: {reason}")]
    InvalidManifest { field: String, reason: String },
    /// 422: sha256 of the manifest's canonical JSON differs from the deployment's on-chain hash.
    #[error("manifest hash {actual} does not match the deployment's on-chain hash {expected}")]
    HashMismatch { expected: String, actual: String },
    /// 503 (chain or Docker down).
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// 500.
    #[error("internal error: {0}")]
    Internal(String),
}
