//! What the provider's gateway sends and receives, shared by the gateway (encoding) and the
//! `kumo` CLI (decoding), so both sides agree byte for byte. Serde only: no transport here.
//!
//! Every response type tolerates unknown fields (older CLIs keep working against newer
//! providers), and optional or list fields default when absent.

use serde::{Deserialize, Serialize};

/// `GET /status`: the provider's public status. No authentication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProviderStatus {
    /// The provider's bech32 account address (the audience tenants put in their tokens).
    pub address: String,
    /// The daemon's version (`CARGO_PKG_VERSION`).
    pub version: String,
    /// Leases this provider is running now.
    pub leases_active: u32,
    /// The latest block the daemon has processed, when it knows one.
    #[serde(default)]
    pub chain_height: Option<u64>,
    /// Everything the provider offers.
    pub total: ResourceAmounts,
    /// What is not allocated to a lease or held for an open bid.
    pub available: ResourceAmounts,
    /// One entry per physical GPU.
    #[serde(default)]
    pub gpus: Vec<GpuStatus>,
}

/// Amounts of each resource kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceAmounts {
    /// CPU in thousandths of a core.
    pub cpu_millis: u64,
    pub memory_bytes: u64,
    pub storage_bytes: u64,
    pub gpus: u32,
}

/// One GPU of the provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GpuStatus {
    /// SDL vendor key, e.g. `nvidia`.
    pub vendor: String,
    /// SDL model key, e.g. `h100`.
    pub model: String,
    /// e.g. `80Gi`.
    #[serde(default)]
    pub ram: Option<String>,
    /// `pcie` or `sxm`.
    #[serde(default)]
    pub interface: Option<String>,
    /// Allocated to a lease (or held for an open bid).
    pub allocated: bool,
    /// Utilization in percent, when NVML reports it.
    #[serde(default)]
    pub utilization: Option<u32>,
}

/// `PUT /deployment/{dseq}/manifest`: the manifest was accepted; deployment is asynchronous
/// (watch `kumo lease status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestAccepted {
    /// The deployment owner (the token's address).
    pub owner: String,
    pub dseq: u64,
    /// sha256 of the manifest's canonical JSON, hex: equal to the on-chain hash.
    pub manifest_hash: String,
    /// The leases of this deployment the provider will run the manifest on.
    #[serde(default)]
    pub leases: Vec<LeaseRef>,
    /// Free text for humans, e.g. "deploying 2 services".
    #[serde(default)]
    pub message: Option<String>,
}

/// A lease of a known deployment, by its group and order sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LeaseRef {
    pub gseq: u32,
    pub oseq: u32,
}

/// `GET /lease/{dseq}/{gseq}/{oseq}/status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaseStatus {
    pub owner: String,
    pub dseq: u64,
    pub gseq: u32,
    pub oseq: u32,
    pub provider: String,
    /// Whether a manifest has been received for this lease.
    #[serde(default)]
    pub manifest_received: bool,
    /// Sorted by name.
    #[serde(default)]
    pub services: Vec<ServiceStatus>,
}

impl LeaseStatus {
    /// Every container of every service is running (and there is at least one).
    pub fn all_running(&self) -> bool {
        let mut any = false;
        for c in self.services.iter().flat_map(|s| &s.containers) {
            any = true;
            if c.state != "running" {
                return false;
            }
        }
        any
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceStatus {
    pub name: String,
    /// Replicas the manifest asks for (`count`); 0 when no manifest yet.
    #[serde(default)]
    pub replicas: u32,
    /// Sorted by replica.
    #[serde(default)]
    pub containers: Vec<ContainerStatus>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContainerStatus {
    /// The container's name (or id) on the provider.
    pub id: String,
    #[serde(default)]
    pub replica: u32,
    #[serde(default)]
    pub image: String,
    /// Docker's state: created, running, restarting, exited, paused, dead.
    pub state: String,
    #[serde(default)]
    pub exit_code: Option<i64>,
    #[serde(default)]
    pub restarts: u64,
    #[serde(default)]
    pub ports: Vec<PortStatus>,
    /// The GPUs the container was given.
    #[serde(default)]
    pub gpu_uuids: Vec<String>,
    /// Mean utilization of those GPUs in percent, when NVML reports it.
    #[serde(default)]
    pub gpu_utilization: Option<u32>,
}

/// A container port reachable from outside.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PortStatus {
    pub container_port: u16,
    /// `None` with host networking, or when bound to every address.
    #[serde(default)]
    pub host_ip: Option<String>,
    pub host_port: u16,
    /// `tcp` or `udp`.
    pub proto: String,
}

/// Query of `GET /lease/{dseq}/{gseq}/{oseq}/logs`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogsQuery {
    /// Only the last N lines of each container.
    #[serde(default)]
    pub tail: Option<u64>,
    /// Keep the stream open and send new lines as they come.
    #[serde(default)]
    pub follow: bool,
    /// Only this service's containers.
    #[serde(default)]
    pub service: Option<String>,
}

/// One log line; the logs endpoint streams these as newline-delimited JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    pub service: String,
    #[serde(default)]
    pub replica: u32,
    /// RFC 3339, when the runtime gives one.
    #[serde(default)]
    pub timestamp: Option<String>,
    pub stream: LogStream,
    pub line: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogStream {
    Stdout,
    Stderr,
}

/// The body of every error response: `{"error": "...", "code": "...", "field": "..."}`.
/// In a streamed logs response, a line `{"error": ...}` ends the stream with a failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
    /// Machine-readable: unauthorized, forbidden, not_found, invalid_manifest, hash_mismatch,
    /// payload_too_large, bad_request, unavailable, internal, timeout.
    pub code: String,
    /// The offending field, for invalid requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// Token scopes (the JWT's `scope` claim).
pub mod scope {
    pub const SEND_MANIFEST: &str = "send-manifest";
    pub const STATUS: &str = "status";
    pub const LOGS: &str = "logs";
    pub const ALL: [&str; 3] = [SEND_MANIFEST, STATUS, LOGS];
}
