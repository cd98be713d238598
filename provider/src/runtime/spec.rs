//! From a lease and its manifest group to Docker objects: pure, so every security-relevant
//! setting is unit-tested without a daemon.
//!
//! Every container:
//! - is labelled with the lease id ([`labels`]);
//! - gets `NanoCpus`, `Memory` (no swap) and `PidsLimit` from the lease's resources and config;
//! - gets GPUs only by UUID (`DeviceRequest`, driver nvidia), exactly those allocated;
//! - is never privileged, has no host bind mounts, drops every capability and adds back only
//!   the few that ordinary images need to start (`CapAdd`), and runs with no-new-privileges;
//! - mounts a named volume per persistent storage (per replica), or a size-capped tmpfs for a
//!   `ram` class volume;
//! - publishes global exposes on the configured bind address (bridge mode only: with `host`
//!   or `none` networking Docker has nothing to publish);
//! - runs under an init process (signals reach the workload; zombies are reaped), restarts
//!   unless stopped, and has capped logs.

use std::collections::HashMap;

use bollard::models::{
    ContainerCreateBody, DeviceRequest, EndpointSettings, HostConfig, HostConfigLogConfig, Mount,
    MountTmpfsOptions, MountType, NetworkingConfig, PortBinding, RestartPolicy,
    RestartPolicyNameEnum,
};
use kumo_sdl::manifest::{ImageCredentials, ManifestGroup, ManifestService, Protocol};
use kumo_types::ids::LeaseId;

use super::labels::{self, lease_labels, lease_stem, sanitize};
use crate::config::{DockerConfig, NetworkMode};

/// Capabilities added back after dropping all: what images that start as root and then drop
/// to a service user need (chown their files, switch user, bind port 80). Not NET_RAW, MKNOD,
/// SYS_CHROOT, SETFCAP, AUDIT_WRITE, which Docker grants by default.
pub const CAP_ADD: [&str; 7] = [
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "SETGID",
    "SETUID",
    "NET_BIND_SERVICE",
    "KILL",
];

/// Log rotation per container, so a chatty tenant cannot fill the host's disk.
const LOG_MAX_SIZE: &str = "10m";
const LOG_MAX_FILES: &str = "3";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("services.{service}: image {image:?} is not on this provider's allow-list")]
    ImageNotAllowed { service: String, image: String },
    #[error("the manifest uses {wanted} GPUs but the lease holds {allocated}")]
    GpuMismatch { wanted: u64, allocated: usize },
    #[error("services.{service}: {what} {value} is too large for Docker")]
    TooLarge {
        service: String,
        what: &'static str,
        value: u64,
    },
    #[error("services.{service}: params.storage.{volume} names no storage of the service")]
    UnknownVolume { service: String, volume: String },
    #[error("services.{service}: port {port} is not a valid port")]
    BadPort { service: String, port: u32 },
    #[error("services.{service}: count {count} is too large")]
    TooManyReplicas { service: String, count: u32 },
}

/// Most replicas of one service (Akash's unit limit).
const MAX_REPLICAS: u32 = kumo_types::resources::limits::MAX_UNIT_COUNT;

/// Everything to create for one lease.
#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentPlan {
    pub lease: LeaseId,
    /// The per-lease network (bridge mode only): services reach each other by name, and other
    /// leases cannot reach them.
    pub network: Option<NamedObject>,
    pub volumes: Vec<NamedObject>,
    pub images: Vec<ImageRef>,
    pub containers: Vec<ContainerSpec>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NamedObject {
    pub name: String,
    pub labels: HashMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ImageRef {
    pub image: String,
    pub credentials: Option<ImageCredentials>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ContainerSpec {
    pub name: String,
    pub service: String,
    pub replica: u32,
    /// The GPUs this container gets, by UUID.
    pub gpus: Vec<String>,
    pub body: ContainerCreateBody,
}

impl DeploymentPlan {
    /// Drops every container's GPU `DeviceRequest`, keeping the UUIDs in [`ContainerSpec::gpus`]
    /// for status. Only for a static inventory (tests, demos): its GPUs do not exist, and
    /// Docker would refuse to start a container asking for them.
    pub fn without_gpu_devices(mut self) -> Self {
        for c in &mut self.containers {
            if let Some(host) = c.body.host_config.as_mut() {
                host.device_requests = None;
            }
        }
        self
    }

    /// Whether any container asks Docker for GPUs.
    pub fn requests_gpus(&self) -> bool {
        self.containers.iter().any(|c| {
            c.body
                .host_config
                .as_ref()
                .and_then(|h| h.device_requests.as_ref())
                .is_some_and(|d| !d.is_empty())
        })
    }
}

/// Builds the plan for `group` under `lease`, handing out the allocated `gpus` (UUIDs) in
/// service and replica order. Refuses when the manifest would use more or fewer GPUs than the
/// lease holds.
pub fn plan(
    lease: &LeaseId,
    group: &ManifestGroup,
    gpus: &[String],
    config: &DockerConfig,
) -> Result<DeploymentPlan, SpecError> {
    let stem = lease_stem(lease);
    let wanted: u64 = group
        .services
        .iter()
        .map(|s| {
            s.resources
                .gpu
                .units
                .get()
                .saturating_mul(u64::from(s.count))
        })
        .fold(0u64, u64::saturating_add);
    if wanted != gpus.len() as u64 {
        return Err(SpecError::GpuMismatch {
            wanted,
            allocated: gpus.len(),
        });
    }
    let network = (config.network == NetworkMode::Bridge).then(|| NamedObject {
        name: stem.clone(),
        labels: lease_labels(lease),
    });

    let mut images: Vec<ImageRef> = Vec::new();
    let mut volumes = Vec::new();
    let mut containers = Vec::new();
    let mut next_gpu = gpus.iter();
    for service in &group.services {
        if !config.image_allowed(&service.image) {
            return Err(SpecError::ImageNotAllowed {
                service: service.name.clone(),
                image: service.image.clone(),
            });
        }
        if !images.iter().any(|i| i.image == service.image) {
            images.push(ImageRef {
                image: service.image.clone(),
                credentials: service.credentials.clone(),
            });
        }
        if service.count > MAX_REPLICAS {
            return Err(SpecError::TooManyReplicas {
                service: service.name.clone(),
                count: service.count,
            });
        }
        let per_replica = service.resources.gpu.units.get() as usize;
        for replica in 0..service.count {
            let name = format!("{stem}-{}-{replica}", sanitize(&service.name));
            let (mounts, mut replica_volumes) = mounts(lease, service, &name)?;
            volumes.append(&mut replica_volumes);
            let my_gpus: Vec<String> = next_gpu.by_ref().take(per_replica).cloned().collect();
            let body = container_body(
                lease,
                service,
                replica,
                mounts,
                &my_gpus,
                network.as_ref(),
                config,
            )?;
            containers.push(ContainerSpec {
                name,
                service: service.name.clone(),
                replica,
                gpus: my_gpus,
                body,
            });
        }
    }
    Ok(DeploymentPlan {
        lease: lease.clone(),
        network,
        volumes,
        images,
        containers,
    })
}

fn mounts(
    lease: &LeaseId,
    service: &ManifestService,
    container: &str,
) -> Result<(Vec<Mount>, Vec<NamedObject>), SpecError> {
    let mut mounts = Vec::new();
    let mut volumes = Vec::new();
    let params = service
        .params
        .as_ref()
        .and_then(|p| p.storage.as_ref())
        .map(Vec::as_slice)
        .unwrap_or_default();
    for p in params {
        let storage = service
            .resources
            .storage
            .iter()
            .find(|s| s.name == p.name)
            .ok_or_else(|| SpecError::UnknownVolume {
                service: service.name.clone(),
                volume: p.name.clone(),
            })?;
        let is_ram = storage
            .attributes
            .iter()
            .any(|a| a.key == "class" && a.value == "ram");
        if is_ram {
            let size = i64::try_from(storage.size.get()).map_err(|_| SpecError::TooLarge {
                service: service.name.clone(),
                what: "ram volume size",
                value: storage.size.get(),
            })?;
            mounts.push(Mount {
                target: Some(p.mount.clone()),
                typ: Some(MountType::TMPFS),
                read_only: Some(p.read_only),
                tmpfs_options: Some(MountTmpfsOptions {
                    size_bytes: Some(size),
                    ..Default::default()
                }),
                ..Default::default()
            });
        } else {
            let name = format!("{container}-{}", sanitize(&p.name));
            let mut labels = lease_labels(lease);
            labels.insert(labels::SERVICE.into(), service.name.clone());
            mounts.push(Mount {
                target: Some(p.mount.clone()),
                source: Some(name.clone()),
                typ: Some(MountType::VOLUME),
                read_only: Some(p.read_only),
                ..Default::default()
            });
            volumes.push(NamedObject { name, labels });
        }
    }
    Ok((mounts, volumes))
}

fn container_body(
    lease: &LeaseId,
    service: &ManifestService,
    replica: u32,
    mounts: Vec<Mount>,
    gpus: &[String],
    network: Option<&NamedObject>,
    config: &DockerConfig,
) -> Result<ContainerCreateBody, SpecError> {
    let too_large = |what: &'static str, value: u64| SpecError::TooLarge {
        service: service.name.clone(),
        what,
        value,
    };
    let millis = service.resources.cpu.units.get();
    let nano_cpus = millis
        .checked_mul(1_000_000)
        .and_then(|n| i64::try_from(n).ok())
        .ok_or_else(|| too_large("cpu", millis))?;
    let bytes = service.resources.memory.size.get();
    let memory = i64::try_from(bytes).map_err(|_| too_large("memory", bytes))?;

    let mut exposed = Vec::new();
    let mut bindings: HashMap<String, Option<Vec<PortBinding>>> = HashMap::new();
    for e in &service.expose {
        if e.port == 0 || e.port > u32::from(u16::MAX) {
            return Err(SpecError::BadPort {
                service: service.name.clone(),
                port: e.port,
            });
        }
        let key = format!(
            "{}/{}",
            e.port,
            match e.proto {
                Protocol::Tcp => "tcp",
                Protocol::Udp => "udp",
            }
        );
        if !exposed.contains(&key) {
            exposed.push(key.clone());
        }
        if e.global && config.network == NetworkMode::Bridge {
            // An empty host port lets Docker pick a free one; status reports it.
            bindings.insert(
                key,
                Some(vec![PortBinding {
                    host_ip: Some(config.bind_address.to_string()),
                    host_port: Some(String::new()),
                }]),
            );
        }
    }

    let mut labels = lease_labels(lease);
    labels.insert(labels::SERVICE.into(), service.name.clone());
    labels.insert(labels::REPLICA.into(), replica.to_string());

    let mut env = service.env.clone().unwrap_or_default();
    env.extend([
        format!("KUMO_LEASE_OWNER={}", lease.owner),
        format!("KUMO_LEASE_DSEQ={}", lease.dseq),
        format!("KUMO_LEASE_GSEQ={}", lease.gseq),
        format!("KUMO_LEASE_OSEQ={}", lease.oseq),
        format!("KUMO_LEASE_PROVIDER={}", lease.provider),
        format!("KUMO_SERVICE={}", service.name),
        format!("KUMO_REPLICA={replica}"),
    ]);

    let device_requests = (!gpus.is_empty()).then(|| {
        vec![DeviceRequest {
            driver: Some("nvidia".into()),
            device_ids: Some(gpus.to_vec()),
            capabilities: Some(vec![vec!["gpu".into()]]),
            ..Default::default()
        }]
    });

    let network_mode = match network {
        Some(n) => n.name.clone(),
        None => config.network.as_docker().to_string(),
    };
    let networking_config = network.map(|n| NetworkingConfig {
        endpoints_config: Some(HashMap::from([(
            n.name.clone(),
            EndpointSettings {
                aliases: Some(vec![sanitize(&service.name)]),
                ..Default::default()
            },
        )])),
    });

    Ok(ContainerCreateBody {
        image: Some(service.image.clone()),
        // Akash's semantics: `command` replaces the entrypoint, `args` the image's CMD.
        entrypoint: service.command.clone().filter(|c| !c.is_empty()),
        cmd: service.args.clone().filter(|a| !a.is_empty()),
        env: Some(env),
        labels: Some(labels),
        hostname: Some(sanitize(&service.name)),
        exposed_ports: (!exposed.is_empty()).then_some(exposed),
        networking_config,
        host_config: Some(HostConfig {
            nano_cpus: Some(nano_cpus),
            memory: Some(memory),
            // Equal to memory: no swap beyond the leased memory.
            memory_swap: Some(memory),
            pids_limit: Some(i64::from(config.pids_limit)),
            privileged: Some(false),
            cap_drop: Some(vec!["ALL".into()]),
            cap_add: Some(CAP_ADD.iter().map(|c| c.to_string()).collect()),
            security_opt: Some(vec!["no-new-privileges=true".into()]),
            binds: None,
            mounts: (!mounts.is_empty()).then_some(mounts),
            device_requests,
            network_mode: Some(network_mode),
            port_bindings: (!bindings.is_empty()).then_some(bindings),
            publish_all_ports: Some(false),
            init: Some(true),
            restart_policy: Some(RestartPolicy {
                name: Some(RestartPolicyNameEnum::UNLESS_STOPPED),
                maximum_retry_count: None,
            }),
            log_config: Some(HostConfigLogConfig {
                typ: Some("json-file".into()),
                config: Some(HashMap::from([
                    ("max-size".into(), LOG_MAX_SIZE.into()),
                    ("max-file".into(), LOG_MAX_FILES.into()),
                ])),
            }),
            ..Default::default()
        }),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests;
