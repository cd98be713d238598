//! The daemon's side of the gateway: status from the allocation store and inventory, manifests
//! through the lease manager (so they are handled in turn with chain events), lease status and
//! logs straight from Docker. Only leases this provider runs are served; the gateway builds
//! every lease id with the tenant's proven address as owner, so other tenants' leases are
//! simply not found.

use std::sync::Arc;

use futures::StreamExt;
use kumo_client::gateway::types::{
    ContainerStatus, GpuStatus, LeaseStatus, LogLine, LogStream, LogsQuery, ManifestAccepted,
    PortStatus, ProviderStatus, ResourceAmounts, ServiceStatus,
};
use kumo_sdl::Manifest;
use kumo_types::ids::LeaseId;
use tokio::sync::{mpsc, oneshot};

use super::store::LeaseRecord;
use super::{LeaseRequest, Shared};
use crate::gateway::{GatewayBackend, GatewayError, LogLines};
use crate::runtime::docker::{self, LogRequest};
use crate::runtime::spec;

pub struct DaemonBackend {
    shared: Arc<Shared>,
    leases: mpsc::Sender<LeaseRequest>,
}

impl DaemonBackend {
    pub(crate) fn new(shared: Arc<Shared>, leases: mpsc::Sender<LeaseRequest>) -> Self {
        DaemonBackend { shared, leases }
    }

    /// The provider's address (the audience of tenants' tokens).
    pub fn address(&self) -> String {
        self.shared.chain.address().to_string()
    }

    fn record(&self, lease: &LeaseId) -> Result<LeaseRecord, GatewayError> {
        match self.shared.store.lease(lease) {
            Ok(Some(record)) if !record.closed => Ok(record),
            Ok(_) => Err(GatewayError::NotFound(format!("no lease {lease} here"))),
            Err(e) => Err(GatewayError::Internal(e.to_string())),
        }
    }
}

impl std::fmt::Debug for DaemonBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DaemonBackend").finish_non_exhaustive()
    }
}

fn unavailable(e: impl std::fmt::Display) -> GatewayError {
    GatewayError::Unavailable(e.to_string())
}

#[async_trait::async_trait]
impl GatewayBackend for DaemonBackend {
    async fn status(&self) -> ProviderStatus {
        let shared = &self.shared;
        let (total, available, free_uuids) = {
            let a = shared.allocations();
            let capacity = a.capacity();
            let avail = a.available();
            let free: Vec<String> = a.free_gpus().map(|g| g.uuid.clone()).collect();
            (
                ResourceAmounts {
                    cpu_millis: capacity.amounts.cpu_millis,
                    memory_bytes: capacity.amounts.memory_bytes,
                    storage_bytes: capacity.amounts.storage_bytes,
                    gpus: capacity.gpus.len() as u32,
                },
                ResourceAmounts {
                    cpu_millis: avail.cpu_millis,
                    memory_bytes: avail.memory_bytes,
                    storage_bytes: avail.storage_bytes,
                    gpus: free.len() as u32,
                },
                free,
            )
        };
        let gpus = shared
            .inventory
            .gpus
            .iter()
            .map(|g| GpuStatus {
                vendor: g.spec.vendor.clone(),
                model: g.spec.model.clone(),
                ram: g.spec.ram.clone(),
                interface: g.spec.interface.clone(),
                allocated: !free_uuids.contains(&g.uuid),
                utilization: shared.gpu_usage(&g.uuid).map(|u| u.gpu_percent),
            })
            .collect();
        let leases_active = shared
            .store
            .leases()
            .map(|l| l.iter().filter(|r| !r.closed).count() as u32)
            .unwrap_or(0);
        let height = shared.health.snapshot().height;
        ProviderStatus {
            address: self.address(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            leases_active,
            chain_height: (height > 0).then_some(height),
            total,
            available,
            gpus,
        }
    }

    async fn submit_manifest(
        &self,
        owner: &str,
        dseq: u64,
        manifest: Manifest,
    ) -> Result<ManifestAccepted, GatewayError> {
        let (reply, answer) = oneshot::channel();
        self.leases
            .send(LeaseRequest::Manifest {
                owner: owner.to_string(),
                dseq,
                manifest,
                reply,
            })
            .await
            .map_err(|_| unavailable("the provider is shutting down"))?;
        answer
            .await
            .map_err(|_| unavailable("the provider is shutting down"))?
    }

    async fn lease_status(&self, lease: &LeaseId) -> Result<LeaseStatus, GatewayError> {
        let record = self.record(lease)?;
        let runtime = self
            .shared
            .runtime
            .status(lease)
            .await
            .map_err(unavailable)?;
        // Which GPUs each container got: the same assignment the deploy made.
        let gpus_by_container: Vec<(String, Vec<String>)> =
            match (&record.manifest, self.shared.allocations().get(lease)) {
                (Some(m), Some(a)) => spec::plan(
                    lease,
                    &m.group,
                    &a.gpu_uuids(),
                    &self.shared.config.runtime.docker,
                )
                .map(|p| p.containers.into_iter().map(|c| (c.name, c.gpus)).collect())
                .unwrap_or_default(),
                _ => Vec::new(),
            };
        let mut services: Vec<ServiceStatus> = record
            .manifest
            .as_ref()
            .map(|m| {
                m.group
                    .services
                    .iter()
                    .map(|s| ServiceStatus {
                        name: s.name.clone(),
                        replicas: s.count,
                        containers: Vec::new(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        for c in runtime.containers {
            let mut status = container_status(&c, &gpus_by_container);
            let usage: Vec<u32> = status
                .gpu_uuids
                .iter()
                .filter_map(|uuid| self.shared.gpu_usage(uuid))
                .map(|u| u.gpu_percent)
                .collect();
            if !usage.is_empty() {
                status.gpu_utilization = Some(usage.iter().sum::<u32>() / usage.len() as u32);
            }
            match services.iter_mut().find(|s| s.name == c.service) {
                Some(s) => s.containers.push(status),
                None => services.push(ServiceStatus {
                    name: c.service.clone(),
                    replicas: 0,
                    containers: vec![status],
                }),
            }
        }
        services.sort_by(|a, b| a.name.cmp(&b.name));
        for s in &mut services {
            s.containers.sort_by_key(|c| c.replica);
        }
        Ok(LeaseStatus {
            owner: lease.owner.to_string(),
            dseq: lease.dseq,
            gseq: lease.gseq,
            oseq: lease.oseq,
            provider: lease.provider.to_string(),
            manifest_received: record.manifest.is_some(),
            services,
        })
    }

    async fn lease_logs(
        &self,
        lease: &LeaseId,
        query: LogsQuery,
    ) -> Result<LogLines, GatewayError> {
        self.record(lease)?;
        let request = LogRequest {
            service: query.service,
            follow: query.follow,
            tail: query.tail,
        };
        let lines = self
            .shared
            .runtime
            .logs(lease, &request)
            .await
            .map_err(unavailable)?;
        Ok(lines
            .map(|line| {
                line.map(|l| LogLine {
                    service: l.service,
                    replica: l.replica,
                    timestamp: None,
                    stream: match l.stream {
                        docker::LogStream::Stdout => LogStream::Stdout,
                        docker::LogStream::Stderr => LogStream::Stderr,
                    },
                    line: l.text,
                })
                .map_err(unavailable)
            })
            .boxed())
    }
}

fn container_status(
    c: &docker::ContainerStatus,
    gpus: &[(String, Vec<String>)],
) -> ContainerStatus {
    ContainerStatus {
        id: c.name.clone(),
        replica: c.replica,
        image: c.image.clone(),
        state: c.state.clone(),
        exit_code: c.exit_code,
        restarts: c.restarts.max(0) as u64,
        ports: c
            .ports
            .iter()
            .map(|p| PortStatus {
                container_port: p.container_port,
                host_ip: p.host_ip.clone(),
                host_port: p.host_port,
                proto: p.proto.clone(),
            })
            .collect(),
        gpu_uuids: gpus
            .iter()
            .find(|(name, _)| *name == c.name)
            .map(|(_, g)| g.clone())
            .unwrap_or_default(),
        gpu_utilization: None,
    }
}
