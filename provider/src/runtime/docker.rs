//! The Docker calls: images, deploy, status, logs, teardown and listing by label. What to
//! create is decided in [`super::spec`]; this module only talks to the daemon.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use bollard::auth::DockerCredentials;
use bollard::container::LogOutput;
use bollard::errors::Error as BollardError;
use bollard::models::{
    ContainerCreateBody, ContainerSummary, NetworkCreateRequest, VolumeCreateRequest,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, CreateImageOptionsBuilder, ListContainersOptionsBuilder,
    ListNetworksOptionsBuilder, ListVolumesOptionsBuilder, LogsOptionsBuilder,
    RemoveContainerOptionsBuilder, RemoveVolumeOptionsBuilder, StopContainerOptionsBuilder,
};
use bollard::Docker;
use futures::stream::{BoxStream, StreamExt};
use kumo_sdl::manifest::ImageCredentials;
use kumo_types::ids::LeaseId;
use tracing::{debug, info, warn};

use super::labels::{self, lease_filter, lease_from_labels, managed_filter};
use super::spec::{DeploymentPlan, SpecError};
use crate::config::DockerConfig;

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error(
        "the Docker daemon at {endpoint} is unreachable: {source}; start it (as root: \
         `dockerd --bridge=none --iptables=false &` on a test machine) or set runtime.docker.host"
    )]
    Unreachable {
        endpoint: String,
        source: BollardError,
    },
    #[error("pulling image {image}: {reason}")]
    Pull { image: String, reason: String },
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error("docker: {0}")]
    Docker(#[from] BollardError),
}

/// Where an image came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageSource {
    Local,
    Pulled,
}

/// One container of a lease, as the daemon sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerStatus {
    pub name: String,
    pub service: String,
    pub replica: u32,
    pub image: String,
    /// Docker's state: created, running, restarting, exited, ...
    pub state: String,
    pub running: bool,
    pub exit_code: Option<i64>,
    pub restarts: i64,
    pub ports: Vec<PublishedPort>,
}

/// A port reachable from outside the container. With host networking the container's own
/// ports are the host's, so `host_ip` is `None` and `host_port` equals `container_port`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PublishedPort {
    pub container_port: u16,
    pub proto: String,
    pub host_ip: Option<String>,
    pub host_port: u16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseStatus {
    pub containers: Vec<ContainerStatus>,
}

impl LeaseStatus {
    pub fn all_running(&self) -> bool {
        !self.containers.is_empty() && self.containers.iter().all(|c| c.running)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogStream {
    Stdout,
    Stderr,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub service: String,
    pub replica: u32,
    pub stream: LogStream,
    pub text: String,
}

#[derive(Debug, Clone, Default)]
pub struct LogRequest {
    /// Only this service's containers.
    pub service: Option<String>,
    /// Keep streaming new lines.
    pub follow: bool,
    /// Only the last N lines of each container.
    pub tail: Option<u64>,
}

/// What a teardown removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Removed {
    pub containers: usize,
    pub volumes: usize,
    pub networks: usize,
}

pub struct DockerRuntime {
    docker: Docker,
    endpoint: String,
}

impl DockerRuntime {
    /// Connects, negotiates the API version down to the daemon's, and pings it.
    pub async fn connect(config: &DockerConfig) -> Result<Self, RuntimeError> {
        let endpoint = config
            .host
            .clone()
            .or_else(|| std::env::var("DOCKER_HOST").ok())
            .unwrap_or_else(|| "unix:///var/run/docker.sock".into());
        let unreachable = |source| RuntimeError::Unreachable {
            endpoint: endpoint.clone(),
            source,
        };
        let docker = Docker::connect_with_host(&endpoint).map_err(unreachable)?;
        // Docker 20.10 (Debian's docker.io) speaks API 1.41; bollard defaults to newer.
        let docker = docker.negotiate_version().await.map_err(unreachable)?;
        docker.ping().await.map_err(unreachable)?;
        debug!(%endpoint, version = %docker.client_version(), "connected to Docker");
        Ok(Self { docker, endpoint })
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Makes `image` available locally: skips the pull when it is already there, otherwise
    /// pulls it with progress in the logs.
    pub async fn ensure_image(
        &self,
        image: &str,
        credentials: Option<&ImageCredentials>,
    ) -> Result<ImageSource, RuntimeError> {
        match self.docker.inspect_image(image).await {
            Ok(_) => {
                debug!(image, "image present locally");
                return Ok(ImageSource::Local);
            }
            Err(BollardError::DockerResponseServerError {
                status_code: 404, ..
            }) => {}
            Err(e) => return Err(e.into()),
        }
        let reference = with_tag(image);
        info!(image = %reference, "pulling image");
        let options = CreateImageOptionsBuilder::default()
            .from_image(&reference)
            .build();
        let credentials = credentials.map(|c| DockerCredentials {
            username: Some(c.username.clone()),
            password: Some(c.password.clone()),
            email: (!c.email.is_empty()).then(|| c.email.clone()),
            serveraddress: Some(c.host.clone()),
            ..Default::default()
        });
        let mut progress = self.docker.create_image(Some(options), None, credentials);
        let mut last_status = String::new();
        while let Some(item) = progress.next().await {
            let info = item.map_err(|e| RuntimeError::Pull {
                image: reference.clone(),
                reason: e.to_string(),
            })?;
            let status = info.status.unwrap_or_default();
            // Layer progress repeats many times a second; log each new status once.
            if status != last_status {
                info!(image = %reference, layer = info.id.as_deref().unwrap_or(""), %status, "pull");
                last_status = status;
            }
        }
        Ok(ImageSource::Pulled)
    }

    /// Creates and starts the lease's containers. A previous deployment's containers are
    /// replaced; its volumes are kept (they hold the tenant's data). When a step fails, the
    /// containers created so far are removed before the error is returned.
    pub async fn deploy(&self, plan: &DeploymentPlan, grace: Duration) -> Result<(), RuntimeError> {
        for image in &plan.images {
            self.ensure_image(&image.image, image.credentials.as_ref())
                .await?;
        }
        self.remove_containers(&plan.lease, grace).await?;
        if let Some(network) = &plan.network {
            if !self.network_exists(&network.name).await? {
                self.docker
                    .create_network(NetworkCreateRequest {
                        name: network.name.clone(),
                        driver: Some("bridge".into()),
                        labels: Some(network.labels.clone()),
                        ..Default::default()
                    })
                    .await?;
            }
        }
        for volume in &plan.volumes {
            // Creating an existing named volume returns it: redeploys keep data.
            self.docker
                .create_volume(VolumeCreateRequest {
                    name: Some(volume.name.clone()),
                    labels: Some(volume.labels.clone()),
                    ..Default::default()
                })
                .await?;
        }
        for container in &plan.containers {
            if let Err(e) = self.start(&container.name, container.body.clone()).await {
                warn!(lease = %plan.lease, container = %container.name, error = %e,
                    "deploy failed; removing the lease's containers");
                if let Err(cleanup) = self.remove_containers(&plan.lease, Duration::ZERO).await {
                    warn!(lease = %plan.lease, error = %cleanup, "cleanup after a failed deploy failed");
                }
                return Err(e);
            }
        }
        info!(lease = %plan.lease, containers = plan.containers.len(), "lease deployed");
        Ok(())
    }

    async fn start(&self, name: &str, body: ContainerCreateBody) -> Result<(), RuntimeError> {
        let options = CreateContainerOptionsBuilder::default().name(name).build();
        self.docker.create_container(Some(options), body).await?;
        self.docker.start_container(name, None).await?;
        Ok(())
    }

    async fn network_exists(&self, name: &str) -> Result<bool, RuntimeError> {
        let filters = HashMap::from([("name".to_string(), vec![name.to_string()])]);
        let options = ListNetworksOptionsBuilder::default()
            .filters(&filters)
            .build();
        let networks = self.docker.list_networks(Some(options)).await?;
        // The name filter matches substrings; compare exactly.
        Ok(networks.iter().any(|n| n.name.as_deref() == Some(name)))
    }

    /// Containers carrying the given label filter, running or not.
    async fn containers(
        &self,
        filters: HashMap<String, Vec<String>>,
    ) -> Result<Vec<ContainerSummary>, RuntimeError> {
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&filters)
            .build();
        Ok(self.docker.list_containers(Some(options)).await?)
    }

    /// The state of each of the lease's containers, sorted by service and replica.
    pub async fn status(&self, lease: &LeaseId) -> Result<LeaseStatus, RuntimeError> {
        let mut containers = Vec::new();
        for summary in self.containers(lease_filter(lease)).await? {
            let Some(id) = summary.id else { continue };
            let inspect = self.docker.inspect_container(&id, None).await?;
            let labels = inspect
                .config
                .as_ref()
                .and_then(|c| c.labels.clone())
                .unwrap_or_default();
            let state = inspect.state.unwrap_or_default();
            let host_network = inspect
                .host_config
                .as_ref()
                .and_then(|h| h.network_mode.as_deref())
                == Some("host");
            let ports = if host_network {
                inspect
                    .config
                    .as_ref()
                    .and_then(|c| c.exposed_ports.clone())
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|key| parse_port_key(key))
                    .map(|(port, proto)| PublishedPort {
                        container_port: port,
                        proto,
                        host_ip: None,
                        host_port: port,
                    })
                    .collect()
            } else {
                published_ports(
                    inspect
                        .network_settings
                        .as_ref()
                        .and_then(|n| n.ports.as_ref()),
                )
            };
            containers.push(ContainerStatus {
                name: inspect
                    .name
                    .unwrap_or_default()
                    .trim_start_matches('/')
                    .to_string(),
                service: labels.get(labels::SERVICE).cloned().unwrap_or_default(),
                replica: labels
                    .get(labels::REPLICA)
                    .and_then(|r| r.parse().ok())
                    .unwrap_or(0),
                image: inspect
                    .config
                    .as_ref()
                    .and_then(|c| c.image.clone())
                    .unwrap_or_default(),
                state: state.status.map(|s| s.to_string()).unwrap_or_default(),
                running: state.running.unwrap_or(false),
                exit_code: state.exit_code,
                restarts: inspect.restart_count.unwrap_or(0),
                ports,
            });
        }
        containers.sort_by(|a, b| (&a.service, a.replica).cmp(&(&b.service, b.replica)));
        Ok(LeaseStatus { containers })
    }

    /// The lease's logs, every container's lines merged as they come.
    pub async fn logs(
        &self,
        lease: &LeaseId,
        request: &LogRequest,
    ) -> Result<BoxStream<'static, Result<LogLine, RuntimeError>>, RuntimeError> {
        let mut streams = Vec::new();
        for summary in self.containers(lease_filter(lease)).await? {
            let labels = summary.labels.clone().unwrap_or_default();
            let service = labels.get(labels::SERVICE).cloned().unwrap_or_default();
            if request.service.as_ref().is_some_and(|s| *s != service) {
                continue;
            }
            let replica: u32 = labels
                .get(labels::REPLICA)
                .and_then(|r| r.parse().ok())
                .unwrap_or(0);
            let Some(id) = summary.id else { continue };
            let mut options = LogsOptionsBuilder::default()
                .stdout(true)
                .stderr(true)
                .follow(request.follow);
            if let Some(n) = request.tail {
                options = options.tail(&n.to_string());
            }
            let stream = self
                .docker
                .logs(&id, Some(options.build()))
                .filter_map(move |item| {
                    let service = service.clone();
                    async move {
                        match item {
                            Ok(LogOutput::StdOut { message }) => {
                                Some(Ok((LogStream::Stdout, message)))
                            }
                            Ok(LogOutput::StdErr { message }) => {
                                Some(Ok((LogStream::Stderr, message)))
                            }
                            Ok(LogOutput::Console { message }) => {
                                Some(Ok((LogStream::Stdout, message)))
                            }
                            Ok(LogOutput::StdIn { .. }) => None,
                            Err(e) => Some(Err(RuntimeError::from(e))),
                        }
                        .map(|r| {
                            r.map(|(stream, bytes)| LogLine {
                                service,
                                replica,
                                stream,
                                text: String::from_utf8_lossy(&bytes)
                                    .trim_end_matches(['\n', '\r'])
                                    .to_string(),
                            })
                        })
                    }
                });
            streams.push(stream.boxed());
        }
        Ok(futures::stream::select_all(streams).boxed())
    }

    /// Stops (SIGTERM, then SIGKILL after `grace`) and removes the lease's containers.
    async fn remove_containers(
        &self,
        lease: &LeaseId,
        grace: Duration,
    ) -> Result<usize, RuntimeError> {
        let containers = self.containers(lease_filter(lease)).await?;
        for c in &containers {
            let Some(id) = &c.id else { continue };
            let running = c.state.as_ref().map(|s| s.to_string()).as_deref() == Some("running");
            if running && !grace.is_zero() {
                let secs = i32::try_from(grace.as_secs()).unwrap_or(i32::MAX);
                let options = StopContainerOptionsBuilder::default().t(secs).build();
                match self.docker.stop_container(id, Some(options)).await {
                    Ok(())
                    | Err(BollardError::DockerResponseServerError {
                        status_code: 304 | 404,
                        ..
                    }) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            let options = RemoveContainerOptionsBuilder::default()
                .force(true)
                .v(true)
                .build();
            match self.docker.remove_container(id, Some(options)).await {
                Ok(())
                | Err(BollardError::DockerResponseServerError {
                    status_code: 404, ..
                }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(containers.len())
    }

    /// Removes everything of the lease: containers, volumes and its network. Safe to repeat.
    pub async fn teardown(
        &self,
        lease: &LeaseId,
        grace: Duration,
    ) -> Result<Removed, RuntimeError> {
        let containers = self.remove_containers(lease, grace).await?;
        let options = ListVolumesOptionsBuilder::default()
            .filters(&lease_filter(lease))
            .build();
        let volumes = self
            .docker
            .list_volumes(Some(options))
            .await?
            .volumes
            .unwrap_or_default();
        for v in &volumes {
            let options = RemoveVolumeOptionsBuilder::default().force(true).build();
            match self.docker.remove_volume(&v.name, Some(options)).await {
                Ok(())
                | Err(BollardError::DockerResponseServerError {
                    status_code: 404, ..
                }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let options = ListNetworksOptionsBuilder::default()
            .filters(&lease_filter(lease))
            .build();
        let networks = self.docker.list_networks(Some(options)).await?;
        for n in &networks {
            if let Some(id) = &n.id {
                match self.docker.remove_network(id).await {
                    Ok(())
                    | Err(BollardError::DockerResponseServerError {
                        status_code: 404, ..
                    }) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        info!(%lease, containers, volumes = volumes.len(), networks = networks.len(), "lease torn down");
        Ok(Removed {
            containers,
            volumes: volumes.len(),
            networks: networks.len(),
        })
    }

    /// The leases that have containers on this host (running or not), for reconciliation.
    /// Containers with our managed label but unreadable lease labels are reported by name.
    pub async fn leases_on_host(&self) -> Result<HostLeases, RuntimeError> {
        let mut leases = BTreeSet::new();
        let mut unreadable = Vec::new();
        for c in self.containers(managed_filter()).await? {
            match lease_from_labels(&c.labels.clone().unwrap_or_default()) {
                Some(id) => {
                    leases.insert(id);
                }
                None => unreadable.push(
                    c.names
                        .and_then(|n| n.into_iter().next())
                        .or(c.id)
                        .unwrap_or_default(),
                ),
            }
        }
        Ok(HostLeases {
            leases: leases.into_iter().collect(),
            unreadable,
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostLeases {
    pub leases: Vec<LeaseId>,
    /// Containers with the managed label whose lease labels do not parse.
    pub unreadable: Vec<String>,
}

/// `name` pulls every tag when it has none; pin `latest` as `docker pull` does.
fn with_tag(image: &str) -> String {
    let last = image.rsplit('/').next().unwrap_or(image);
    if image.contains('@') || last.contains(':') {
        image.to_string()
    } else {
        format!("{image}:latest")
    }
}

/// `8080/tcp` → (8080, "tcp").
fn parse_port_key(key: &str) -> Option<(u16, String)> {
    let (port, proto) = key.split_once('/').unwrap_or((key, "tcp"));
    Some((port.parse().ok()?, proto.to_string()))
}

fn published_ports(
    ports: Option<&HashMap<String, Option<Vec<bollard::models::PortBinding>>>>,
) -> Vec<PublishedPort> {
    let mut out: Vec<PublishedPort> = ports
        .into_iter()
        .flatten()
        .filter_map(|(key, bindings)| Some((parse_port_key(key)?, bindings.as_ref()?)))
        .flat_map(|((port, proto), bindings)| {
            bindings.iter().filter_map(move |b| {
                Some(PublishedPort {
                    container_port: port,
                    proto: proto.clone(),
                    host_ip: b.host_ip.clone().filter(|ip| !ip.is_empty()),
                    host_port: b.host_port.as_deref()?.parse().ok()?,
                })
            })
        })
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::PortBinding;

    #[test]
    fn images_without_a_tag_get_latest() {
        assert_eq!(with_tag("busybox"), "busybox:latest");
        assert_eq!(
            with_tag("kumo-test/busybox:local"),
            "kumo-test/busybox:local"
        );
        assert_eq!(with_tag("localhost:5000/app"), "localhost:5000/app:latest");
        assert_eq!(with_tag("localhost:5000/app:1"), "localhost:5000/app:1");
        assert_eq!(with_tag("app@sha256:abc"), "app@sha256:abc");
    }

    #[test]
    fn published_ports_are_read_from_bindings() {
        let ports = HashMap::from([
            (
                "8080/tcp".to_string(),
                Some(vec![PortBinding {
                    host_ip: Some("127.0.0.1".into()),
                    host_port: Some("49153".into()),
                }]),
            ),
            ("9000/udp".to_string(), None),
            ("bad/tcp".to_string(), Some(vec![])),
        ]);
        assert_eq!(
            published_ports(Some(&ports)),
            [PublishedPort {
                container_port: 8080,
                proto: "tcp".into(),
                host_ip: Some("127.0.0.1".into()),
                host_port: 49153,
            }]
        );
        assert!(published_ports(None).is_empty());
        assert_eq!(parse_port_key("53/udp"), Some((53, "udp".into())));
        assert_eq!(parse_port_key("x/udp"), None);
    }
}
