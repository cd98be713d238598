//! Docker runtime against the real daemon. Needs a running `dockerd` (these tests fail, with
//! the way to start it, when it is unreachable) and builds the local test image with
//! `scripts/test-image.sh`. No registry is contacted and no traffic leaves the host:
//! containers use network `none` or `host`, and services listen on 127.0.0.1.

use std::future::Future;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use bollard::models::MountType;
use bollard::query_parameters::{ListContainersOptionsBuilder, ListVolumesOptionsBuilder};
use bollard::Docker;
use cosmwasm_std::Addr;
use futures::StreamExt;
use kumo_provider::allocations::{AllocationStore, Amounts, Capacity, Request};
use kumo_provider::config::{DockerConfig, NetworkMode};
use kumo_provider::runtime::docker::{DockerRuntime, ImageSource, LogRequest, RuntimeError};
use kumo_provider::runtime::labels;
use kumo_provider::runtime::spec::{self, DeploymentPlan};
use kumo_sdl::manifest::ManifestGroup;
use kumo_types::ids::{DeploymentId, LeaseId};

const IMAGE: &str = "kumo-test/busybox:local";
const GRACE: Duration = Duration::from_secs(5);
const TEST_LIMIT: Duration = Duration::from_secs(150);

/// Builds the test image once per run; every test waits for it.
fn test_image() {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    let result = BUILT.get_or_init(|| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/test-image.sh");
        let out = std::process::Command::new("bash")
            .arg(&script)
            .arg(IMAGE)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{} failed:\n{}{}",
                script.display(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

fn config(network: NetworkMode) -> DockerConfig {
    DockerConfig {
        host: None,
        network,
        bind_address: [127, 0, 0, 1].into(),
        pids_limit: 128,
        image_allowlist: Some(vec!["kumo-test/*".into(), "localhost:1/*".into()]),
    }
}

async fn runtime() -> DockerRuntime {
    match DockerRuntime::connect(&config(NetworkMode::None)).await {
        Ok(rt) => {
            test_image();
            rt
        }
        Err(e) => panic!("Docker tests need a running daemon: {e}"),
    }
}

async fn raw_docker() -> Docker {
    Docker::connect_with_local_defaults()
        .unwrap()
        .negotiate_version()
        .await
        .unwrap()
}

/// A lease id no other test (or earlier run) uses.
fn lease(owner: &str) -> LeaseId {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    let dseq = u64::from(std::process::id()) * 1_000_000
        + nanos % 1000 * 1000
        + NEXT.fetch_add(1, Ordering::Relaxed);
    DeploymentId::new(owner, dseq)
        .group(1)
        .order(1)
        .bid(&Addr::unchecked("kumo-test-provider"))
}

fn group(sdl: &str) -> ManifestGroup {
    let sdl = kumo_sdl::parse(sdl).unwrap_or_else(|e| panic!("{e}"));
    sdl.manifest.0.into_iter().next().unwrap()
}

/// Two services: a web server and a worker that logs and keeps a persistent volume.
fn two_services() -> ManifestGroup {
    group(&format!(
        r#"
version: "2.0"
services:
  web:
    image: {IMAGE}
    command: ["sh", "-c"]
    args: ["echo web up; exec httpd -f -p 127.0.0.1:8080 -h /www"]
    expose:
      - port: 8080
        to: [{{ global: true }}]
  worker:
    image: {IMAGE}
    command: ["sh", "-c"]
    args: ["echo hello from worker; echo oops >&2; grep -E 'NoNewPrivs|CapEff' /proc/self/status; exec sleep 3600"]
    env: ["MODE=batch"]
    params:
      storage:
        data: {{ mount: /data }}
profiles:
  compute:
    web:
      resources: {{ cpu: {{ units: 0.5 }}, memory: {{ size: 64Mi }}, storage: {{ size: 128Mi }} }}
    worker:
      resources:
        cpu: {{ units: 250m }}
        memory: {{ size: 32Mi }}
        storage:
          - size: 64Mi
          - name: data
            size: 256Mi
            attributes: {{ persistent: true, class: beta2 }}
  placement:
    dc:
      pricing:
        web: {{ denom: uakt, amount: 100 }}
        worker: {{ denom: uakt, amount: 100 }}
deployment:
  web: {{ dc: {{ profile: web, count: 1 }} }}
  worker: {{ dc: {{ profile: worker, count: 1 }} }}
"#
    ))
}

fn one_service(args: &str) -> ManifestGroup {
    group(&format!(
        r#"
version: "2.0"
services:
  app:
    image: {IMAGE}
    command: ["sh", "-c"]
    args: ["{args}"]
    expose:
      - port: 8080
        to: [{{ global: true }}]
profiles:
  compute:
    app:
      resources: {{ cpu: {{ units: 0.1 }}, memory: {{ size: 16Mi }}, storage: {{ size: 32Mi }} }}
  placement:
    dc:
      pricing:
        app: {{ denom: uakt, amount: 1 }}
deployment:
  app: {{ dc: {{ profile: app, count: 1 }} }}
"#
    ))
}

/// Runs `body`, then tears down `leases` whatever happened, then reports `body`'s result.
async fn with_cleanup<F>(rt: &DockerRuntime, leases: &[&LeaseId], body: F)
where
    F: Future<Output = Result<(), String>>,
{
    let result = tokio::time::timeout(TEST_LIMIT, body)
        .await
        .unwrap_or_else(|_| Err(format!("timed out after {TEST_LIMIT:?}")));
    for lease in leases {
        if let Err(e) = rt.teardown(lease, Duration::ZERO).await {
            eprintln!("cleanup of {lease} failed: {e}");
        }
    }
    if let Err(e) = result {
        panic!("{e}");
    }
}

async fn wait_running(
    rt: &DockerRuntime,
    lease: &LeaseId,
    containers: usize,
) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let status = rt.status(lease).await.map_err(|e| e.to_string())?;
        if status.containers.len() == containers && status.all_running() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("not running after 30s: {status:?}"));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn logs_contain(
    rt: &DockerRuntime,
    lease: &LeaseId,
    service: &str,
    needle: &str,
) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let request = LogRequest {
            service: Some(service.into()),
            follow: false,
            tail: None,
        };
        let lines: Vec<_> = rt
            .logs(lease, &request)
            .await
            .map_err(|e| e.to_string())?
            .collect()
            .await;
        let lines: Vec<_> = lines
            .into_iter()
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        if lines
            .iter()
            .any(|l| l.text == needle && l.service == service)
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("{needle:?} not in {service}'s logs: {lines:?}"));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn ensure(cond: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    if cond {
        Ok(())
    } else {
        Err(what())
    }
}

fn plan(lease: &LeaseId, group: &ManifestGroup, network: NetworkMode) -> DeploymentPlan {
    spec::plan(lease, group, &[], &config(network)).unwrap()
}

#[tokio::test]
async fn two_services_run_locked_down_and_are_torn_down() {
    let rt = runtime().await;
    let lease = lease("kumo-test-two");
    let body = async {
        let plan = plan(&lease, &two_services(), NetworkMode::None);
        rt.deploy(&plan, GRACE).await.map_err(|e| e.to_string())?;
        wait_running(&rt, &lease, 2).await?;

        // Limits and lock-down as Docker recorded them.
        let docker = raw_docker().await;
        for c in &plan.containers {
            let inspect = docker
                .inspect_container(&c.name, None)
                .await
                .map_err(|e| e.to_string())?;
            let h = inspect.host_config.unwrap();
            let (cpu, mem) = if c.service == "web" {
                (500_000_000, 64 << 20)
            } else {
                (250_000_000, 32 << 20)
            };
            ensure(h.nano_cpus == Some(cpu), || {
                format!("{}: NanoCpus {:?}", c.name, h.nano_cpus)
            })?;
            ensure(h.memory == Some(mem), || {
                format!("{}: Memory {:?}", c.name, h.memory)
            })?;
            ensure(h.pids_limit == Some(128), || {
                format!("PidsLimit {:?}", h.pids_limit)
            })?;
            ensure(
                h.cap_drop.as_deref() == Some(&["ALL".to_string()][..]),
                || format!("CapDrop {:?}", h.cap_drop),
            )?;
            ensure(h.privileged == Some(false), || "privileged".into())?;
            ensure(h.binds.as_ref().is_none_or(|b| b.is_empty()), || {
                format!("Binds {:?}", h.binds)
            })?;
            ensure(
                h.mounts
                    .iter()
                    .flatten()
                    .all(|m| m.typ == Some(MountType::VOLUME)),
                || format!("Mounts {:?}", h.mounts),
            )?;
            ensure(
                h.security_opt
                    .iter()
                    .flatten()
                    .any(|o| o.starts_with("no-new-privileges")),
                || format!("SecurityOpt {:?}", h.security_opt),
            )?;
            ensure(h.network_mode.as_deref() == Some("none"), || {
                format!("NetworkMode {:?}", h.network_mode)
            })?;
            ensure(
                h.device_requests.as_ref().is_none_or(|d| d.is_empty()),
                || "GPUs without a GPU lease".into(),
            )?;
            let labels = inspect.config.unwrap().labels.unwrap();
            ensure(
                labels::lease_from_labels(&labels) == Some(lease.clone()),
                || format!("labels {labels:?}"),
            )?;
            ensure(labels[labels::SERVICE] == c.service, || {
                "service label".into()
            })?;
        }

        let status = rt.status(&lease).await.map_err(|e| e.to_string())?;
        let services: Vec<&str> = status
            .containers
            .iter()
            .map(|c| c.service.as_str())
            .collect();
        ensure(services == ["web", "worker"], || format!("{status:?}"))?;
        ensure(
            status
                .containers
                .iter()
                .all(|c| c.restarts == 0 && c.image == IMAGE),
            || format!("{status:?}"),
        )?;
        ensure(status.containers.iter().all(|c| c.ports.is_empty()), || {
            "network none publishes nothing".into()
        })?;

        logs_contain(&rt, &lease, "worker", "hello from worker").await?;
        logs_contain(&rt, &lease, "worker", "oops").await?;
        logs_contain(&rt, &lease, "web", "web up").await?;
        // What the kernel enforces inside: no new privileges, and only the capabilities added
        // back (CHOWN DAC_OVERRIDE FOWNER KILL SETGID SETUID NET_BIND_SERVICE = 0x4eb).
        logs_contain(&rt, &lease, "worker", "NoNewPrivs:\t1").await?;
        logs_contain(&rt, &lease, "worker", "CapEff:\t00000000000004eb").await?;

        // Following the logs streams lines as they come (here: those already written, and
        // then it keeps waiting, so the test stops reading once it has its line).
        let follow = LogRequest {
            service: Some("worker".into()),
            follow: true,
            tail: Some(10),
        };
        let mut stream = rt.logs(&lease, &follow).await.map_err(|e| e.to_string())?;
        let found = tokio::time::timeout(Duration::from_secs(10), async {
            while let Some(line) = stream.next().await {
                if line.map_err(|e| e.to_string())?.text == "hello from worker" {
                    return Ok::<bool, String>(true);
                }
            }
            Ok(false)
        })
        .await
        .map_err(|_| "following the logs found nothing in 10s".to_string())??;
        ensure(found, || "the followed log stream ended early".into())?;
        drop(stream);

        // A redeploy replaces the containers and keeps the volume.
        let volumes_before = lease_volumes(&docker, &lease).await;
        ensure(volumes_before.len() == 1, || {
            format!("volumes {volumes_before:?}")
        })?;
        rt.deploy(&plan, GRACE).await.map_err(|e| e.to_string())?;
        wait_running(&rt, &lease, 2).await?;
        ensure(
            lease_volumes(&docker, &lease).await == volumes_before,
            || "volume replaced".into(),
        )?;

        let removed = rt
            .teardown(&lease, GRACE)
            .await
            .map_err(|e| e.to_string())?;
        ensure(removed.containers == 2 && removed.volumes == 1, || {
            format!("{removed:?}")
        })?;
        ensure(lease_containers(&docker, &lease).await.is_empty(), || {
            "containers left".into()
        })?;
        ensure(lease_volumes(&docker, &lease).await.is_empty(), || {
            "volumes left".into()
        })?;
        // Teardown again is harmless.
        let again = rt
            .teardown(&lease, GRACE)
            .await
            .map_err(|e| e.to_string())?;
        ensure(again.containers == 0 && again.volumes == 0, || {
            format!("{again:?}")
        })?;
        Ok(())
    };
    with_cleanup(&rt, &[&lease], body).await;
}

async fn lease_containers(docker: &Docker, lease: &LeaseId) -> Vec<String> {
    let options = ListContainersOptionsBuilder::default()
        .all(true)
        .filters(&labels::lease_filter(lease))
        .build();
    docker
        .list_containers(Some(options))
        .await
        .unwrap()
        .into_iter()
        .filter_map(|c| c.id)
        .collect()
}

async fn lease_volumes(docker: &Docker, lease: &LeaseId) -> Vec<String> {
    let options = ListVolumesOptionsBuilder::default()
        .filters(&labels::lease_filter(lease))
        .build();
    let mut names: Vec<String> = docker
        .list_volumes(Some(options))
        .await
        .unwrap()
        .volumes
        .unwrap_or_default()
        .into_iter()
        .map(|v| v.name)
        .collect();
    names.sort();
    names
}

/// A free port on the loopback interface.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One bounded HTTP/1.0 GET to 127.0.0.1.
fn http_get(port: u16) -> std::io::Result<String> {
    let mut stream =
        TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    stream.write_all(b"GET /index.html HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")?;
    let mut body = String::new();
    stream.read_to_string(&mut body)?;
    Ok(body)
}

#[tokio::test]
async fn host_network_serves_on_loopback() {
    let rt = runtime().await;
    let lease = lease("kumo-test-host");
    let port = free_port();
    let body = async {
        let group = one_service(&format!("exec httpd -f -p 127.0.0.1:{port} -h /www"));
        let plan = plan(&lease, &group, NetworkMode::Host);
        rt.deploy(&plan, GRACE).await.map_err(|e| e.to_string())?;
        wait_running(&rt, &lease, 1).await?;
        let mut last = String::new();
        for _ in 0..50 {
            match http_get(port) {
                Ok(reply) if reply.contains("kumo test image") => {
                    let status = rt.status(&lease).await.map_err(|e| e.to_string())?;
                    let ports = &status.containers[0].ports;
                    ensure(
                        ports.iter().any(|p| {
                            p.container_port == 8080 && p.host_port == 8080 && p.host_ip.is_none()
                        }),
                        || format!("host networking ports {ports:?}"),
                    )?;
                    return Ok(());
                }
                Ok(reply) => last = reply,
                Err(e) => last = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Err(format!("no reply from 127.0.0.1:{port}: {last}"))
    };
    with_cleanup(&rt, &[&lease], body).await;
}

#[tokio::test]
async fn reconciliation_finds_orphans_by_label() {
    let rt = runtime().await;
    let owner = "kumo-test-reconcile";
    let kept = lease(owner);
    let closed = lease(owner);
    let body = async {
        let group = one_service("exec sleep 3600");
        for l in [&kept, &closed] {
            rt.deploy(&plan(l, &group, NetworkMode::None), GRACE)
                .await
                .map_err(|e| e.to_string())?;
        }
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let capacity = Capacity {
            amounts: Amounts {
                cpu_millis: 1000,
                memory_bytes: 1 << 30,
                storage_bytes: 1 << 30,
            },
            gpus: vec![],
        };
        let mut store = AllocationStore::open(&dir.path().join("a.redb"), capacity)
            .map_err(|e| e.to_string())?;
        let request = Request {
            amounts: Amounts {
                cpu_millis: 100,
                memory_bytes: 16 << 20,
                storage_bytes: 32 << 20,
            },
            gpus: vec![],
        };
        for l in [&kept, &closed] {
            store.reserve(l, &request, 0).map_err(|e| e.to_string())?;
            store.promote(l).map_err(|e| e.to_string())?;
        }

        // `closed` was closed on chain while the provider was down: only `kept` is active.
        let on_host = rt.leases_on_host().await.map_err(|e| e.to_string())?;
        let mine: Vec<LeaseId> = on_host
            .leases
            .into_iter()
            .filter(|l| l.owner.as_str() == owner && (l == &kept || l == &closed))
            .collect();
        ensure(mine.len() == 2, || format!("found {mine:?}"))?;
        let plan = store.reconcile(std::slice::from_ref(&kept), &mine);
        ensure(plan.tear_down == [closed.clone()], || format!("{plan:?}"))?;
        ensure(plan.release == [closed.clone()], || format!("{plan:?}"))?;
        ensure(plan.recreate.is_empty(), || format!("{plan:?}"))?;

        for l in &plan.tear_down {
            rt.teardown(l, GRACE).await.map_err(|e| e.to_string())?;
        }
        for l in &plan.release {
            store.release(l).map_err(|e| e.to_string())?;
        }
        let on_host = rt.leases_on_host().await.map_err(|e| e.to_string())?;
        ensure(!on_host.leases.contains(&closed), || {
            "orphan still there".into()
        })?;
        ensure(on_host.leases.contains(&kept), || {
            "active lease removed".into()
        })?;
        ensure(
            store.get(&closed).is_none() && store.get(&kept).is_some(),
            || "store".into(),
        )?;

        // After a restart with nothing running, the active lease is to be recreated.
        rt.teardown(&kept, GRACE).await.map_err(|e| e.to_string())?;
        let plan = store.reconcile(std::slice::from_ref(&kept), &[]);
        ensure(plan.recreate == [kept.clone()], || format!("{plan:?}"))?;
        Ok(())
    };
    with_cleanup(&rt, &[&kept, &closed], body).await;
}

#[tokio::test]
async fn images_are_used_locally_and_failed_pulls_leave_nothing() {
    let rt = runtime().await;
    let lease = lease("kumo-test-image");
    let body = async {
        let source = rt
            .ensure_image(IMAGE, None)
            .await
            .map_err(|e| e.to_string())?;
        ensure(source == ImageSource::Local, || format!("{source:?}"))?;

        // A registry on a closed loopback port: the pull fails at once, nothing leaves the host.
        let mut group = one_service("exec sleep 3600");
        group.services[0].image = "localhost:1/kumo-missing:1".into();
        let plan = plan(&lease, &group, NetworkMode::None);
        let started = Instant::now();
        let err = rt.deploy(&plan, GRACE).await.unwrap_err();
        ensure(matches!(err, RuntimeError::Pull { .. }), || {
            format!("{err}")
        })?;
        ensure(started.elapsed() < Duration::from_secs(60), || {
            "pull did not fail fast".into()
        })?;
        let status = rt.status(&lease).await.map_err(|e| e.to_string())?;
        ensure(status.containers.is_empty(), || format!("{status:?}"))?;
        Ok(())
    };
    with_cleanup(&rt, &[&lease], body).await;
}

#[tokio::test]
async fn unreachable_daemon_is_a_clear_error() {
    let mut cfg = config(NetworkMode::None);
    cfg.host = Some("unix:///nonexistent/docker.sock".into());
    let err = match DockerRuntime::connect(&cfg).await {
        Ok(_) => panic!("connected to a socket that does not exist"),
        Err(e) => e,
    };
    let text = err.to_string();
    assert!(text.contains("unix:///nonexistent/docker.sock"), "{text}");
    assert!(text.contains("dockerd"), "{text}");
}

const BIN: &str = env!("CARGO_BIN_EXE_kumo-provider");

fn provider_yaml(dir: &Path, extra: &str) -> std::path::PathBuf {
    let path = dir.join("provider.yaml");
    let text = format!(
        r#"
chain: {{ chain_id: kumo-test, key: provider }}
pricing: {{ cpu_per_millicpu: "0.01", memory_per_gib: 1, storage_per_gib: "0.1", gpu: {{ h100: 100 }} }}
runtime: {{ docker: {{ network: none, bind_address: 127.0.0.1 }} }}
data_dir: data
inventory:
  cpu: 4
  memory: 8Gi
  storage: 20Gi
  gpus:
    - {{ uuid: GPU-test-0, model: h100, memory: 80Gi, interface: sxm }}
    - {{ uuid: GPU-test-1, model: l4, memory: 24Gi }}
registration:
  host_uri: https://provider.example.com:8443
  attributes:
    - {{ key: region, value: test }}
    - {{ key: capabilities/gpu/vendor/nvidia/model/h100/ram/80Gi/interface/sxm, value: "true" }}
{extra}"#
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn provider_command(config: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(BIN);
    cmd.arg("--config")
        .arg(config)
        .env("KUMO_PROVIDER_LOG", "info");
    cmd
}

#[tokio::test]
async fn binary_check_reports_what_it_found() {
    let _rt = runtime().await;
    let dir = tempfile::tempdir().unwrap();
    let config = provider_yaml(dir.path(), "");
    let out = provider_command(&config).arg("--check").output().unwrap();
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{log}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for needle in [
        "configuration loaded",
        "source=Static",
        "uuid=GPU-test-0",
        "capability=vendor/nvidia/model/h100/ram/80Gi/interface/sxm",
        // l4 has no price and no `*` default, and is not registered.
        "no GPU price for this model",
        "its capability is not registered",
        "free_gpus=2",
        "docker",
        "check passed",
    ] {
        assert!(log.contains(needle), "{needle:?} not in:\n{log}");
    }
    assert!(
        !log.contains("\u{1b}["),
        "no colour codes when not on a terminal"
    );
    assert!(dir.path().join("data/allocations.redb").exists());
}

#[test]
fn binary_refuses_a_bad_config_with_the_key_path() {
    let dir = tempfile::tempdir().unwrap();
    let config = provider_yaml(dir.path(), "timeouts: { bid: 5x }\n");
    let out = provider_command(&config).arg("--check").output().unwrap();
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(
        log.contains(r#"timeouts.bid: "5x" is not a duration"#),
        "{log}"
    );

    let out = provider_command(&dir.path().join("missing.yaml"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("missing.yaml"));
}

// The binary's run until Ctrl-C / SIGTERM needs a chain: see tests/daemon (binary.rs).
