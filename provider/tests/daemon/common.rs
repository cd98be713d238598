//! One in-process devnet with Kumo's contracts for the whole binary, providers run in-process
//! with their gateway against it and the real Docker daemon, and tenants signing with the
//! client library.
//!
//! Tests run in parallel on the shared chain: each uses its own dev accounts, and each
//! provider carries a placement attribute `test=<name>` that only its test's SDLs ask for, so
//! no provider bids on another test's orders.

use std::future::Future;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use bollard::models::ContainerSummary;
use bollard::query_parameters::ListContainersOptionsBuilder;
use bollard::Docker;
use cosmwasm_std::{coin, HexBinary};
use kumo_client::config::ChainConfig;
use kumo_client::gateway::GatewayClient;
use kumo_client::keyring::{Keyring, KeyringBackend};
use kumo_client::keys::KeyPair;
use kumo_client::{ChainClient, Signer, TxOutcome};
use kumo_devnet::app::DEV_MNEMONIC;
use kumo_devnet::node::BlockProduction;
use kumo_devnet::{Devnet, DevnetConfig};
use kumo_provider::config::Config;
use kumo_provider::daemon::{
    start_with_gateway, startup, DaemonBackend, DaemonError, DaemonOptions, WatcherHealth,
};
use kumo_provider::gateway::TlsIdentity;
use kumo_provider::inventory::Inventory;
use kumo_provider::metrics::Metrics;
use kumo_types::ids::{BidId, DeploymentId, LeaseId, OrderId};
use kumo_types::market::{Bid, ExecuteMsg as MarketMsg, Lease, QueryMsg as MarketQuery};
use kumo_types::registry::{ExecuteMsg as RegistryMsg, ProviderDetails, ProviderInfo};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub const IMAGE: &str = "kumo-test/busybox:local";
pub const CHAIN_ID: &str = "kumo-devnet-1";
/// The devnet's block interval; the daemon is told the same.
pub const BLOCK_TIME: Duration = Duration::from_millis(400);
/// Collateral the test providers bond (the devnet wants 1 token per GPU).
pub const BOND: u128 = 5_000_000;
/// A deployment's deposit (the devnet's minimum).
pub const DEPOSIT: u128 = 5_000_000;

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("provider/ has a parent")
        .to_path_buf()
}

pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| "info,kumo_client=warn,kumo_devnet=warn".into()),
            )
            .with_test_writer()
            .try_init();
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .expect("tokio runtime")
    })
}

/// Runs a test body on the shared runtime, failing it after `limit`.
pub fn run_test<F: Future<Output = ()> + Send + 'static>(limit: Duration, body: F) {
    // Started outside the test's `block_on` (it blocks on the runtime itself).
    chain();
    runtime().block_on(async move {
        if tokio::time::timeout(limit, body).await.is_err() {
            panic!("the test did not finish within {limit:?}");
        }
    });
}

pub struct Chain {
    pub rpc_url: String,
    pub rpc_addr: SocketAddr,
}

/// The shared devnet: Kumo's contracts from `artifacts/`, a block every [`BLOCK_TIME`].
pub fn chain() -> &'static Chain {
    static CHAIN: OnceLock<Chain> = OnceLock::new();
    CHAIN.get_or_init(|| {
        let artifacts = repo_root().join("artifacts");
        assert!(
            artifacts.join("kumo_market.wasm").is_file(),
            "{} has no contracts: run scripts/build-wasm.sh (these tests run Kumo's real contracts)",
            artifacts.display()
        );
        let devnet = runtime().block_on(async {
            Devnet::spawn(DevnetConfig {
                block_production: BlockProduction::Interval(BLOCK_TIME),
                chain_id: CHAIN_ID.into(),
                accounts: 26,
                artifacts: Some(artifacts),
                artifacts_required: true,
                ..DevnetConfig::in_memory()
            })
            .await
            .expect("devnet starts")
        });
        let chain = Chain {
            rpc_url: devnet.rpc_url(),
            rpc_addr: devnet.rpc_addr(),
        };
        assert!(chain.rpc_url.starts_with("http://127.0.0.1:"), "{}", chain.rpc_url);
        // The devnet lives as long as the test process.
        std::mem::forget(devnet);
        chain
    })
}

pub async fn client() -> ChainClient {
    ChainClient::connect(ChainConfig {
        rpc_url: chain().rpc_url.clone(),
        chain_id: CHAIN_ID.into(),
        ..Default::default()
    })
    .await
    .expect("client connects")
}

pub fn hd_path(index: u32) -> String {
    format!("m/44'/118'/0'/0/{index}")
}

pub fn dev_key(index: u32) -> KeyPair {
    KeyPair::from_mnemonic(DEV_MNEMONIC, &hd_path(index), "kumo").expect("dev key")
}

/// Polls `probe` every 200 ms until it gives a value, failing after `limit`.
pub async fn wait_for<T, F, Fut>(what: &str, limit: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(
            started.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A free loopback port (bound, then released for the gateway to take).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Builds `kumo-test/busybox:local` once per run.
pub fn test_image() {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    let result = BUILT.get_or_init(|| {
        let script = repo_root().join("scripts/test-image.sh");
        let out = std::process::Command::new("bash")
            .arg(&script)
            .arg(IMAGE)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{} failed (is dockerd running? `dockerd --bridge=none --iptables=false &`):\n{}{}",
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

pub async fn docker() -> Docker {
    Docker::connect_with_local_defaults()
        .unwrap()
        .negotiate_version()
        .await
        .expect("the Docker daemon answers")
}

/// The lease's containers, running or not.
pub async fn containers_of(lease: &LeaseId) -> Vec<ContainerSummary> {
    let filters = std::collections::HashMap::from([(
        "label".to_string(),
        vec![format!("kumo.lease={lease}")],
    )]);
    let options = ListContainersOptionsBuilder::default()
        .all(true)
        .filters(&filters)
        .build();
    docker()
        .await
        .list_containers(Some(options))
        .await
        .expect("list containers")
}

/// A provider's files and registration; [`ProviderSetup::start`] runs its daemon.
pub struct ProviderSetup {
    /// Holds the provider's files for the test's duration.
    _dir: tempfile::TempDir,
    pub key_index: u32,
    pub config_path: PathBuf,
    pub config: Config,
    pub address: String,
    pub host_uri: String,
    pub fingerprint: String,
    pub options: DaemonOptions,
}

/// What a test may change in the provider's file.
pub struct ProviderFile {
    pub node: String,
    pub cpu_per_millicpu: &'static str,
    pub bid_timeout: &'static str,
    pub manifest_timeout: &'static str,
    pub withdraw_period: &'static str,
    /// The static inventory's host resources.
    pub cpu: u32,
    pub memory: &'static str,
    pub storage: &'static str,
    pub max_open_bids: u32,
    pub tenant_bids_per_hour: u32,
}

impl Default for ProviderFile {
    fn default() -> Self {
        ProviderFile {
            node: chain().rpc_url.clone(),
            cpu_per_millicpu: "0.01",
            bid_timeout: "5m",
            manifest_timeout: "5m",
            withdraw_period: "1h",
            cpu: 16,
            memory: "64Gi",
            storage: "500Gi",
            max_open_bids: 50,
            tenant_bids_per_hour: 100,
        }
    }
}

impl ProviderSetup {
    /// Writes provider.yaml with a static inventory (one fake H100, one fake A100), a test
    /// keyring holding dev key `key_index`, the gateway's self-signed certificate; registers the
    /// provider with that certificate's fingerprint and bonds collateral.
    pub async fn new(test: &str, key_index: u32, file: ProviderFile) -> ProviderSetup {
        let setup = Self::unregistered(test, key_index, file).await;
        setup
            .register(setup.desired_attributes(), &setup.fingerprint.clone())
            .await;
        setup.bond(BOND).await;
        setup
    }

    /// The provider's files, keyring and certificate, nothing on chain.
    pub async fn unregistered(test: &str, key_index: u32, file: ProviderFile) -> ProviderSetup {
        test_image();
        let dir = tempfile::tempdir().unwrap();
        let keyring = dir.path().join("keys");
        Keyring::open(&keyring, KeyringBackend::Test, "kumo")
            .unwrap()
            .add("provider", DEV_MNEMONIC, &hd_path(key_index), None)
            .unwrap();
        let port = free_port();
        let host_uri = format!("https://127.0.0.1:{port}");
        let yaml = format!(
            r#"
chain:
  node: {node}
  chain_id: {CHAIN_ID}
  key: provider
  keyring_dir: ./keys
  keyring_backend: test
gateway:
  listen: 127.0.0.1:{port}
registration:
  host_uri: {host_uri}
attributes:
  - {{ key: test, value: {test} }}
  - {{ key: region, value: local }}
pricing:
  denom: uakt
  cpu_per_millicpu: "{cpu_price}"
  memory_per_gib: "2"
  storage_per_gib: "0.5"
  endpoint: "1"
  gpu: {{ h100: "900", a100: "500" }}
runtime:
  docker:
    network: none
    bind_address: 127.0.0.1
    pids_limit: 128
    image_allowlist: ["kumo-test/*"]
limits: {{ max_open_bids: {max_open_bids}, tenant_bids_per_hour: {tenant_bids_per_hour}, cpu_overcommit: 1, memory_overcommit: 1 }}
data_dir: ./data
timeouts: {{ bid: {bid}, manifest: {manifest}, withdraw_period: {withdraw} }}
inventory:
  cpu: {cpu}
  memory: {memory}
  storage: {storage}
  gpus:
    - {{ uuid: GPU-fake-h100-{test}, model: h100, memory: 80Gi, interface: sxm }}
    - {{ uuid: GPU-fake-a100-{test}, model: a100, memory: 40Gi, interface: pcie }}
"#,
            node = file.node,
            bid = file.bid_timeout,
            cpu_price = file.cpu_per_millicpu,
            manifest = file.manifest_timeout,
            withdraw = file.withdraw_period,
            cpu = file.cpu,
            memory = file.memory,
            storage = file.storage,
            max_open_bids = file.max_open_bids,
            tenant_bids_per_hour = file.tenant_bids_per_hour,
        );
        let config_path = dir.path().join("provider.yaml");
        std::fs::write(&config_path, yaml).unwrap();
        let config = Config::load_with_env(&config_path, std::iter::empty())
            .unwrap_or_else(|e| panic!("{e}"));
        std::fs::create_dir_all(&config.data_dir).unwrap();
        let identity =
            TlsIdentity::load_or_generate(&config.gateway, &config.data_dir, &["127.0.0.1".into()])
                .unwrap();
        let fingerprint = identity.fingerprint();

        let address = dev_key(key_index).address().to_string();
        let options = DaemonOptions {
            block_time: BLOCK_TIME,
            unhealthy_after_blocks: 5,
            sweep_interval: Duration::from_secs(1),
            monitor_interval: Duration::from_secs(1),
            escrow_check_interval: Duration::from_secs(2),
            stop_grace: Duration::from_secs(1),
            ..DaemonOptions::default()
        };
        ProviderSetup {
            _dir: dir,
            key_index,
            config_path,
            config,
            address,
            host_uri,
            fingerprint,
            options,
        }
    }

    /// What the daemon expects on chain: the configured attributes and the inventory's GPUs.
    pub fn desired_attributes(&self) -> Vec<kumo_types::attributes::Attribute> {
        let inventory = Inventory::from_static(self.config.inventory.as_ref().unwrap());
        startup::desired_attributes(&self.config, &inventory)
    }

    /// Registers with these attributes and fingerprint, as `kumo provider register` would.
    pub async fn register(
        &self,
        attributes: Vec<kumo_types::attributes::Attribute>,
        fingerprint: &str,
    ) {
        let client = client().await;
        let registry = client.contracts().registry.clone();
        let details = ProviderDetails {
            host_uri: self.host_uri.clone(),
            attributes,
            info: ProviderInfo::default(),
            tls_cert_fingerprint: fingerprint.to_string(),
        };
        client
            .signer(dev_key(self.key_index))
            .execute(&registry, &RegistryMsg::RegisterProvider(details), &[])
            .await
            .expect("register the provider");
    }

    /// Bonds collateral, as `kumo provider bond` would.
    pub async fn bond(&self, amount: u128) {
        let client = client().await;
        let registry = client.contracts().registry.clone();
        client
            .signer(dev_key(self.key_index))
            .execute(
                &registry,
                &RegistryMsg::BondCollateral {},
                &[coin(amount, "uakt")],
            )
            .await
            .expect("bond collateral");
    }

    /// Starts the daemon and its gateway, as `kumo-provider` does.
    pub async fn start(&self) -> RunningProvider {
        self.try_start()
            .await
            .unwrap_or_else(|e| panic!("the daemon does not start: {e}"))
    }

    pub async fn try_start(&self) -> Result<RunningProvider, DaemonError> {
        let metrics = Metrics::new();
        let (daemon, gateway) =
            start_with_gateway(self.config.clone(), self.options.clone(), metrics.clone()).await?;
        assert_eq!(daemon.address(), self.address);
        let shutdown = CancellationToken::new();
        let backend = daemon.backend();
        let health = daemon.health();
        let gateway = tokio::spawn(gateway.serve(shutdown.clone()));
        let daemon = tokio::spawn(daemon.run(shutdown.clone()));
        Ok(RunningProvider {
            metrics,
            shutdown,
            daemon,
            gateway,
            backend,
            health,
        })
    }

    /// A tenant's client of this provider's gateway, pinned to its certificate.
    pub fn gateway_for(&self, tenant: &Tenant) -> GatewayClient {
        GatewayClient::new(&self.host_uri, &self.fingerprint)
            .unwrap()
            .with_key(tenant.key.clone(), self.address.clone())
    }
}

pub struct RunningProvider {
    /// What the daemon counts (the gateway serves these at /metrics).
    pub metrics: Metrics,
    pub shutdown: CancellationToken,
    pub daemon: JoinHandle<Result<(), DaemonError>>,
    pub gateway: JoinHandle<()>,
    pub backend: Arc<DaemonBackend>,
    pub health: WatcherHealth,
}

impl RunningProvider {
    /// Ctrl-C: the current block is finished, state kept.
    pub async fn stop(self) {
        self.shutdown.cancel();
        let result = tokio::time::timeout(Duration::from_secs(30), self.daemon)
            .await
            .expect("the daemon stops within 30 s")
            .expect("the daemon task ends");
        result.unwrap_or_else(|e| panic!("the daemon failed: {e}"));
        let _ = self.gateway.await;
    }

    /// Waits until `n` bids are confirmed placed, and checks that no bid tx failed on the way
    /// (none was sent twice or refused).
    pub async fn expect_bids_placed(&self, n: u64) {
        wait_for(
            &format!("{n} bids confirmed"),
            Duration::from_secs(20),
            || {
                let placed = self.metrics.bids_placed.get();
                async move { (placed == n).then_some(()) }
            },
        )
        .await;
        let failures = self.metrics.tx_failures.with_label_values(&["bid"]).get();
        assert_eq!(failures, 0, "failed bid txs");
    }

    /// A crash: every task dropped where it stands.
    pub async fn kill(self) {
        self.daemon.abort();
        self.gateway.abort();
        let _ = self.daemon.await;
        let _ = self.gateway.await;
    }
}

pub struct Tenant {
    pub signer: Signer,
    pub key: Arc<KeyPair>,
    pub client: ChainClient,
}

impl Tenant {
    pub async fn new(key_index: u32) -> Tenant {
        let client = client().await;
        Tenant {
            signer: client.signer(dev_key(key_index)),
            key: Arc::new(dev_key(key_index)),
            client,
        }
    }

    pub fn address(&self) -> String {
        self.signer.address().to_string()
    }

    /// A dseq no other deployment of this tenant uses.
    pub async fn fresh_dseq(&self) -> u64 {
        self.client.latest_height().await.unwrap() * 1000 + rand_suffix()
    }

    /// Creates every (dseq, SDL) deployment in one tx (so their orders share a block).
    pub async fn create_deployments(&self, deployments: &[(u64, &kumo_sdl::Sdl)]) -> TxOutcome {
        let market = self.client.contracts().market.clone();
        let msgs = deployments
            .iter()
            .map(|(dseq, sdl)| {
                kumo_client::tx::wasm_execute_msg(
                    self.signer.address(),
                    &market,
                    &MarketMsg::CreateDeployment {
                        dseq: *dseq,
                        groups: sdl.groups.clone(),
                        manifest_hash: HexBinary::from(sdl.manifest_hash.to_vec()),
                    },
                    &[coin(DEPOSIT, "uakt")],
                )
                .unwrap()
            })
            .collect();
        self.signer.send(msgs).await.expect("create deployments")
    }

    pub async fn execute(&self, msg: &MarketMsg) -> TxOutcome {
        let market = self.client.contracts().market.clone();
        self.signer
            .execute(&market, msg, &[])
            .await
            .unwrap_or_else(|e| panic!("{msg:?}: {e}"))
    }

    pub fn order(&self, dseq: u64) -> OrderId {
        DeploymentId::new(self.address(), dseq).group(1).order(1)
    }

    /// Waits for `provider`'s bid on the order.
    pub async fn wait_bid(&self, order: &OrderId, provider: &str, limit: Duration) -> Bid {
        let id = order.bid(&cosmwasm_std::Addr::unchecked(provider));
        wait_for(&format!("a bid on {order}"), limit, || {
            let id = id.clone();
            async move {
                self.client
                    .query_market::<Bid>(&MarketQuery::Bid { id })
                    .await
                    .ok()
            }
        })
        .await
    }

    pub async fn lease(&self, id: &LeaseId) -> Option<Lease> {
        self.client
            .query_market::<Lease>(&MarketQuery::Lease { id: id.clone() })
            .await
            .ok()
    }

    pub async fn create_lease(&self, bid: &BidId) {
        self.execute(&MarketMsg::CreateLease { bid: bid.clone() })
            .await;
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed) % 1000
}

/// An SDL asking for the provider of `test`: one `app` service running `script` (busybox sh),
/// 0.1 CPU, 128Mi memory, 512Mi disk, one global endpoint, with `gpus` GPUs of any NVIDIA
/// model, at most 1000 uakt per block.
pub fn sdl(test: &str, gpus: u32, script: &str) -> kumo_sdl::Sdl {
    sdl_with_max(test, gpus, script, 1000)
}

/// [`sdl`] paying at most `max_price` per block.
pub fn sdl_with_max(test: &str, gpus: u32, script: &str, max_price: u64) -> kumo_sdl::Sdl {
    sdl_sized(test, gpus, script, max_price, "128Mi")
}

/// [`sdl_with_max`] asking for `memory` instead of 128Mi.
pub fn sdl_sized(
    test: &str,
    gpus: u32,
    script: &str,
    max_price: u64,
    memory: &str,
) -> kumo_sdl::Sdl {
    let gpu = if gpus > 0 {
        format!("gpu: {{ units: {gpus}, attributes: {{ vendor: {{ nvidia: }} }} }}")
    } else {
        String::new()
    };
    let yaml = format!(
        r#"
version: "2.0"
services:
  app:
    image: {IMAGE}
    command: ["sh", "-c"]
    args: [{script:?}]
    expose:
      - port: 8080
        as: 80
        to: [ {{ global: true }} ]
profiles:
  compute:
    app:
      resources:
        cpu: {{ units: 0.1 }}
        memory: {{ size: {memory} }}
        storage: {{ size: 512Mi }}
        {gpu}
  placement:
    dc:
      attributes: {{ test: {test} }}
      pricing:
        app: {{ denom: uakt, amount: {max_price} }}
deployment:
  app: {{ dc: {{ profile: app, count: 1 }} }}
"#
    );
    kumo_sdl::parse(&yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"))
}
