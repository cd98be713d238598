//! The provider daemon: the chain side wired onto the configuration, inventory, allocation
//! store and Docker runtime. One task per concern, joined by channels:
//!
//! ```text
//!                       ┌──────────── BlockWork (+ ack) ───────────┐
//!  chain ── watcher ────┤                                          ├── ack ──► height persisted
//!   (BlockStream)       └─► bid engine (bids/)    lease manager ◄──┘
//!                              │ CreateBid/CloseBid    ▲  │ deploy/teardown (Docker)
//!                              ▼                       │  ▼
//!                            chain          gateway ───┘ (manifests, via GatewayBackend)
//!  earnings (withdraw, escrow watch) ── OutOfFunds ──► lease manager
//! ```
//!
//! - The watcher processes every block in order from the persisted height and persists a
//!   height only after both handlers acknowledged the block; a handler that could not finish
//!   (the node went away mid-block) makes the watcher retry the same block. Handlers are
//!   idempotent, so a replayed block is harmless.
//! - Shutdown (a [`CancellationToken`]) lets the watcher finish the block at hand; the handlers
//!   stop when the watcher drops its senders. Containers keep running, state is kept.
//! - The allocation store is shared behind a mutex held only for in-memory checks and one
//!   redb commit, never across an `.await`.

pub mod backend;
mod bids;
pub mod chain;
pub mod crashloop;
mod earnings;
pub mod error;
mod failure;
pub mod guard;
pub mod health;
pub mod keys;
mod leases;
pub mod manifest;
pub mod matching;
pub mod offer;
pub mod options;
pub mod pricing;
pub mod startup;
pub mod store;
#[cfg(test)]
mod testkit;
mod watcher;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use kumo_client::config::ChainConfig as ClientChainConfig;
use kumo_client::ChainClient;
use kumo_types::events::KumoEvent;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::allocations::{AllocationStore, Capacity};
use crate::config::Config;
use crate::gateway::tls::host_of_uri;
use crate::gateway::{Gateway, GatewaySettings, TlsIdentity};
use crate::inventory::{GpuProbe, Inventory, Source};
use crate::metrics::Metrics;
use crate::runtime::docker::DockerRuntime;

pub use backend::DaemonBackend;
pub use error::DaemonError;
pub use health::{HealthSnapshot, WatcherHealth};
pub use options::DaemonOptions;

use chain::Chain;
use store::DaemonStore;

/// File names inside `data_dir`.
pub const ALLOCATIONS_FILE: &str = "allocations.redb";
pub const DAEMON_FILE: &str = "daemon.redb";

/// Bounded queues: a slow handler holds the watcher back instead of buffering without end.
const QUEUE: usize = 16;

/// Everything the tasks share.
pub(crate) struct Shared {
    pub config: Config,
    pub options: DaemonOptions,
    pub chain: Chain,
    pub store: DaemonStore,
    allocations: Mutex<AllocationStore>,
    pub runtime: Arc<DockerRuntime>,
    pub inventory: Inventory,
    /// NVML, for live GPU utilization (empty without a driver or with a static inventory).
    gpu_probe: Mutex<GpuProbe>,
    pub metrics: Metrics,
    pub health: WatcherHealth,
}

impl Shared {
    /// The allocation store. Never hold the guard across an `.await`.
    pub fn allocations(&self) -> MutexGuard<'_, AllocationStore> {
        self.allocations.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Publishes the GPU gauges from the store.
    pub fn update_gpu_gauges(&self) {
        let (free, total) = {
            let a = self.allocations();
            (a.free_gpus().count(), a.capacity().gpus.len())
        };
        self.metrics.gpus_free.set(free as i64);
        self.metrics
            .gpus_allocated
            .set(total.saturating_sub(free) as i64);
    }

    /// Live utilization of one GPU, when NVML can tell.
    pub fn gpu_usage(&self, uuid: &str) -> Option<crate::inventory::GpuUsage> {
        if self.gpus_are_fake() {
            return None;
        }
        self.gpu_probe
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .usage(uuid)
    }

    /// Publishes every GPU's utilization.
    pub fn update_gpu_utilization(&self) {
        for gpu in &self.inventory.gpus {
            if let Some(usage) = self.gpu_usage(&gpu.uuid) {
                self.metrics
                    .gpu_utilization
                    .with_label_values(&[gpu.uuid.as_str(), gpu.spec.model.as_str()])
                    .set(f64::from(usage.gpu_percent));
            }
        }
    }

    /// Whether containers must be created without GPU devices (a static inventory's GPUs do
    /// not exist).
    pub fn gpus_are_fake(&self) -> bool {
        self.inventory.source == Source::Static
    }
}

/// Unix seconds now.
pub(crate) fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// One block's Kumo events, handed to a handler; `done` says whether it finished them.
#[derive(Debug)]
pub(crate) struct BlockWork {
    pub height: u64,
    pub events: Arc<Vec<KumoEvent>>,
    pub done: oneshot::Sender<Result<(), String>>,
}

/// What the bid engine is asked to do.
#[derive(Debug)]
pub(crate) enum BidInput {
    Block(BlockWork),
    /// First start: the open orders, instead of history.
    CatchUp {
        orders: Vec<kumo_types::market::OrderResponse>,
        done: oneshot::Sender<Result<(), String>>,
    },
}

/// What the lease manager is asked to do besides blocks.
#[derive(Debug)]
pub(crate) enum LeaseRequest {
    Manifest {
        owner: String,
        dseq: u64,
        manifest: kumo_sdl::Manifest,
        reply: oneshot::Sender<
            Result<kumo_client::gateway::types::ManifestAccepted, crate::gateway::GatewayError>,
        >,
    },
    /// The escrow paying these leases is empty: stop their workloads now.
    OutOfFunds {
        leases: Vec<kumo_types::ids::LeaseId>,
    },
}

/// A daemon that passed its startup checks, ready to [`run`](Daemon::run).
pub struct Daemon {
    shared: Arc<Shared>,
    backend: Arc<DaemonBackend>,
    lease_requests: mpsc::Receiver<LeaseRequest>,
    lease_requests_tx: mpsc::Sender<LeaseRequest>,
}

impl Daemon {
    /// Unlocks the key, connects to the chain, takes the inventory, runs the startup checks,
    /// opens the stores and connects to Docker. `metrics` are the ones the gateway serves.
    pub async fn start(
        config: Config,
        options: DaemonOptions,
        metrics: Metrics,
    ) -> Result<Daemon, DaemonError> {
        let key = keys::load_key(&config.chain, None)?;
        let client = ChainClient::connect(ClientChainConfig {
            rpc_url: config.chain.node.clone(),
            chain_id: config.chain.chain_id.clone(),
            ..Default::default()
        })
        .await
        .map_err(DaemonError::Connect)?;
        let signer = client.signer(key);
        let chain = Chain::new(client, signer, metrics.clone());
        info!(address = %chain.address(), node = %config.chain.node, "connected to the chain");

        std::fs::create_dir_all(&config.data_dir).map_err(|source| DaemonError::DataDir {
            path: config.data_dir.clone(),
            source,
        })?;
        let mut probe = GpuProbe::open();
        let inventory = Inventory::load(config.inventory.as_ref(), &mut probe, &config.data_dir)?;
        if inventory.source == Source::Static && !inventory.gpus.is_empty() {
            warn!(
                gpus = inventory.gpus.len(),
                "static inventory: its GPUs are offered, but containers get no GPU devices"
            );
        }
        startup::check(&chain, &config, &inventory, &options).await?;

        let capacity = Capacity::from_inventory(&inventory, &config.limits);
        let allocations = AllocationStore::open(&config.data_dir.join(ALLOCATIONS_FILE), capacity)?;
        let store = DaemonStore::open(&config.data_dir.join(DAEMON_FILE))?;
        let runtime = DockerRuntime::connect(&config.runtime.docker).await?;

        let health = WatcherHealth::new(options.unhealthy_after());
        let shared = Arc::new(Shared {
            config,
            options,
            chain,
            store,
            allocations: Mutex::new(allocations),
            runtime: Arc::new(runtime),
            inventory,
            gpu_probe: Mutex::new(probe),
            metrics,
            health,
        });
        shared.update_gpu_gauges();
        let (lease_requests_tx, lease_requests) = mpsc::channel(QUEUE);
        let backend = Arc::new(DaemonBackend::new(
            shared.clone(),
            lease_requests_tx.clone(),
        ));
        Ok(Daemon {
            shared,
            backend,
            lease_requests,
            lease_requests_tx,
        })
    }

    /// What the gateway serves tenants with.
    pub fn backend(&self) -> Arc<DaemonBackend> {
        self.backend.clone()
    }

    /// The provider's address.
    pub fn address(&self) -> String {
        self.shared.chain.address().to_string()
    }

    pub fn health(&self) -> WatcherHealth {
        self.shared.health.clone()
    }

    /// Runs every task until `shutdown` is cancelled (or a task fails, which stops the others).
    /// Dropping the returned future (aborting its task) stops every task too.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), DaemonError> {
        let Daemon {
            shared,
            backend,
            lease_requests,
            lease_requests_tx,
        } = self;
        // Tasks stop on `stop`; a failing task cancels it too. `shutdown` only triggers it.
        let stop = shutdown.child_token();
        let (bids_tx, bids_rx) = mpsc::channel(QUEUE);
        let (lease_blocks_tx, lease_blocks_rx) = mpsc::channel(QUEUE);
        let mut tasks = tokio::task::JoinSet::new();
        tasks.spawn(named(
            "lease manager",
            leases::run(
                shared.clone(),
                lease_blocks_rx,
                lease_requests,
                stop.clone(),
            ),
        ));
        tasks.spawn(named(
            "bid engine",
            bids::run(shared.clone(), bids_rx, stop.clone()),
        ));
        tasks.spawn(named(
            "earnings",
            earnings::run(shared.clone(), lease_requests_tx, stop.clone()),
        ));
        tasks.spawn(named(
            "health",
            watcher::health_loop(shared.clone(), stop.clone()),
        ));
        tasks.spawn(named(
            "watcher",
            watcher::run(shared.clone(), bids_tx, lease_blocks_tx, stop.clone()),
        ));
        info!(address = %shared.chain.address(), "provider daemon running");

        let mut result = Ok(());
        while let Some(joined) = tasks.join_next().await {
            let outcome = match joined {
                Ok(outcome) => outcome,
                Err(e) if e.is_cancelled() => continue,
                Err(e) => Err(DaemonError::Task(format!("a task panicked: {e}"))),
            };
            if let Err(e) = outcome {
                tracing::error!(error = %e, "stopping the daemon");
                if result.is_ok() {
                    result = Err(e);
                }
                stop.cancel();
            }
        }
        drop(backend);
        info!("provider daemon stopped");
        result
    }
}

/// The daemon and its gateway, as `kumo-provider` runs them: the gateway's certificate (the
/// configured one, or a self-signed one kept in `data_dir`) is loaded first, so that its
/// fingerprint is checked against the registry with the other startup checks.
pub async fn start_with_gateway(
    config: Config,
    mut options: DaemonOptions,
    metrics: Metrics,
) -> Result<(Daemon, Gateway), DaemonError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|source| DaemonError::DataDir {
        path: config.data_dir.clone(),
        source,
    })?;
    let mut hosts: Vec<String> = config
        .registration
        .as_ref()
        .and_then(|r| r.host_uri.as_deref())
        .and_then(host_of_uri)
        .into_iter()
        .collect();
    hosts.push("localhost".into());
    let identity = TlsIdentity::load_or_generate(&config.gateway, &config.data_dir, &hosts)?;
    options.tls_fingerprint = Some(identity.fingerprint());
    info!(source = ?identity.source, fingerprint = %identity.fingerprint(), "gateway certificate");
    let listen = config.gateway.listen;
    let daemon = Daemon::start(config, options, metrics.clone()).await?;
    let settings = GatewaySettings::new(listen, daemon.address(), keys::BECH32_PREFIX);
    let gateway = Gateway::bind(settings, &identity, daemon.backend(), metrics).await?;
    Ok((daemon, gateway))
}

/// Adds the task's name to its error.
async fn named(
    name: &'static str,
    task: impl std::future::Future<Output = Result<(), DaemonError>>,
) -> Result<(), DaemonError> {
    let result = task.await;
    match &result {
        Ok(()) => tracing::debug!(task = name, "task finished"),
        Err(e) => tracing::error!(task = name, error = %e, "task failed"),
    }
    result
}
