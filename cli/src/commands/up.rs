//! `kumo up`: the whole marketplace on this machine, in one process. A devnet with Kumo's
//! contracts (the `local-market` genesis: governance is the authority, dev account 2 is a
//! certified auditor, governance periods are seconds long), this machine registered as a
//! provider with its real inventory (NVML GPUs, else CPU only), its attributes signed by the
//! dev auditor and its collateral bonded, and the provider daemon with its gateway, running the
//! leases' containers on the local Docker daemon. It prints an anvil-like banner and stays up
//! until Ctrl-C, keeping its state in the data directory (`~/.kumo/up`):
//!
//! ```text
//! ~/.kumo/up/
//!   chain/          the devnet's blocks and state
//!   keyring/        tenant, provider, auditor, holder (test backend: dev keys only)
//!   provider/       the daemon's allocation store, its state, the gateway's certificate
//!   provider.yaml   the daemon's configuration, written at every start
//!   up.json, env    where everything listens, for `kumo demo` and for `source`
//! ```
//!
//! Before anything starts, the preflight refuses, in one line with the fix: a taken RPC or
//! gateway port, missing contract artifacts (for a new chain), and a missing or stopped Docker.
//! A restart skips what is already done (registration, signatures, collateral).

// The unit-test build leaves out what starts the devnet and the daemon (`running`), so some
// helpers are only used by the real binary.
#![cfg_attr(test, allow(dead_code))]

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context as _};
use clap::Args;
use kumo_devnet::app::dev_accounts::{hd_path, roles};
use kumo_devnet::app::DEV_MNEMONIC;
use kumo_provider::config::{DockerConfig, NetworkMode};
use serde::{Deserialize, Serialize};

use crate::format;

/// The default data directory: `~/.kumo/up`.
pub fn default_data_dir() -> PathBuf {
    crate::config::kumo_home().join("up")
}

/// Contract artifacts a new chain deploys.
pub const ARTIFACTS: [&str; 3] = [
    "kumo_governance.wasm",
    "kumo_registry.wasm",
    "kumo_market.wasm",
];

/// Where things live inside the data directory.
pub mod layout {
    pub const CHAIN: &str = "chain";
    pub const KEYRING: &str = "keyring";
    pub const PROVIDER: &str = "provider";
    pub const PROVIDER_YAML: &str = "provider.yaml";
    pub const UP_JSON: &str = "up.json";
    pub const ENV: &str = "env";
}

/// The provider's key name in the keyring.
pub const PROVIDER_KEY: &str = "provider";
/// Collateral `kumo up` keeps bonded, on top of the registry's minimum per GPU.
pub const COLLATERAL_BASE: u128 = 1_000_000_000; // 1,000 AKT
/// Each dev account's genesis balance.
pub const DEV_BALANCE: u128 = 1_000_000_000_000;
/// Placement attributes of the local provider (the GPU capabilities come from the inventory).
pub const PLACEMENT: [(&str, &str); 2] = [("region", "local"), ("host", "kumo-up")];

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum NetworkArg {
    /// No network: containers can print and compute, not listen (the safest)
    None,
    /// The host's network: containers listen on this machine's ports
    Host,
}

impl NetworkArg {
    pub fn mode(self) -> NetworkMode {
        match self {
            NetworkArg::None => NetworkMode::None,
            NetworkArg::Host => NetworkMode::Host,
        }
    }
}

/// `kumo up`.
#[derive(Debug, Args)]
pub struct UpArgs {
    /// Where the chain, keys and provider state are kept [default: ~/.kumo/up]
    #[arg(long, env = "KUMO_UP_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Delete the state in --data-dir first and start a new marketplace
    #[arg(long)]
    pub reset: bool,

    /// Port of the chain's RPC on 127.0.0.1 (0: any free port)
    #[arg(long, default_value_t = 26657)]
    pub port: u16,

    /// Port of the provider's gateway on 127.0.0.1 (0: any free port)
    #[arg(long, default_value_t = 8443)]
    pub gateway_port: u16,

    /// Docker network of the leases' containers: none, or host (never Docker's bridge)
    #[arg(long, value_enum, default_value_t = NetworkArg::None)]
    pub network: NetworkArg,

    /// The contract .wasm files a new chain deploys [default: ./artifacts]
    #[arg(long, value_name = "DIR")]
    pub artifacts: Option<PathBuf>,

    /// Log filter for the chain and the provider daemon (RUST_LOG overrides it)
    #[arg(long, default_value = "warn,kumo_provider=info")]
    pub log_level: String,
}

/// Everything a local marketplace is started with (`kumo up`, `kumo demo --standalone`).
#[derive(Debug, Clone)]
pub struct UpOptions {
    pub data_dir: PathBuf,
    pub reset: bool,
    pub rpc_port: u16,
    pub gateway_port: u16,
    pub block_time: f64,
    pub chain_id: String,
    pub artifacts: PathBuf,
    pub network: NetworkMode,
    /// The dev account the provider signs with: 1 for `kumo up`; `kumo demo --standalone`
    /// takes another, so that two local marketplaces on one Docker daemon never take each
    /// other's containers for their own (the daemon removes containers labelled with its
    /// address that it does not run).
    pub provider_account: u32,
    /// Progress lines on stderr.
    pub verbose: bool,
}

impl UpOptions {
    pub fn from_args(args: &UpArgs, chain_id: Option<&str>, block_time: Option<f64>) -> Self {
        UpOptions {
            data_dir: args
                .data_dir
                .as_deref()
                .map(crate::config::expand_tilde)
                .unwrap_or_else(default_data_dir),
            reset: args.reset,
            rpc_port: args.port,
            gateway_port: args.gateway_port,
            block_time: block_time.unwrap_or(1.0),
            chain_id: chain_id.unwrap_or("kumo-devnet-1").to_string(),
            artifacts: args
                .artifacts
                .clone()
                .unwrap_or_else(|| PathBuf::from("artifacts")),
            network: args.network.mode(),
            provider_account: roles::PROVIDER,
            verbose: true,
        }
    }

    pub fn chain_dir(&self) -> PathBuf {
        self.data_dir.join(layout::CHAIN)
    }

    pub fn keyring_dir(&self) -> PathBuf {
        self.data_dir.join(layout::KEYRING)
    }

    pub fn provider_dir(&self) -> PathBuf {
        self.data_dir.join(layout::PROVIDER)
    }

    /// Whether a chain is already in the data directory (and will be resumed).
    pub fn has_chain(&self) -> bool {
        !self.reset
            && std::fs::read_dir(self.chain_dir())
                .map(|mut d| d.next().is_some())
                .unwrap_or(false)
    }
}

// --- preflight ---------------------------------------------------------------------------

/// Refuses a taken port, in one line with the fix. Port 0 (any free port) always passes.
pub fn check_port(port: u16, what: &str, flag: &str) -> anyhow::Result<()> {
    if port == 0 {
        return Ok(());
    }
    match TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))) {
        Ok(listener) => {
            drop(listener);
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => bail!(
            "port {port} on 127.0.0.1 ({what}) is taken: stop what listens there (`ss -ltnp \
             'sport = :{port}'` shows it, e.g. another `kumo up` or `kumo devnet`) or pick \
             another port with `{flag} <port>`"
        ),
        Err(e) => bail!(
            "cannot listen on 127.0.0.1:{port} ({what}): {e}; pick another port with `{flag} \
             <port>`"
        ),
    }
}

/// Refuses missing contract artifacts (only a new chain needs them).
pub fn check_artifacts(dir: &Path) -> anyhow::Result<()> {
    let missing: Vec<&str> = ARTIFACTS
        .iter()
        .copied()
        .filter(|name| !dir.join(name).is_file())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    bail!(
        "Kumo's contract artifacts are missing from {} ({}): build them with `npm ci && \
         scripts/build-wasm.sh` in the repository (or point --artifacts at them)",
        dir.display(),
        missing.join(", ")
    )
}

const START_DOCKER: &str = "start it (as root: `dockerd --bridge=none --iptables=false \
     > /tmp/dockerd.log 2>&1 &`, or `systemctl start docker`)";

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|p| p.join(program).is_file()))
        .unwrap_or(false)
}

/// The Docker endpoint the daemon will use: `DOCKER_HOST`, else the local socket.
pub fn docker_endpoint() -> String {
    std::env::var("DOCKER_HOST")
        .ok()
        .filter(|h| !h.trim().is_empty())
        .unwrap_or_else(|| "unix:///var/run/docker.sock".into())
}

/// What is wrong with Docker before connecting, from the endpoint alone: not installed, or no
/// socket (not running). `None` when worth trying to connect.
pub fn docker_offline_reason(endpoint: &str) -> Option<String> {
    let socket = endpoint.strip_prefix("unix://")?;
    if Path::new(socket).exists() {
        return None;
    }
    if std::env::var_os("DOCKER_HOST").is_none() && !on_path("dockerd") && !on_path("docker") {
        return Some(format!(
            "Docker is not installed: install it (`apt-get install -y docker.io` as root), \
             {START_DOCKER}, then run this again"
        ));
    }
    Some(format!(
        "the Docker daemon is not running (no socket at {socket}): {START_DOCKER}, or point \
         DOCKER_HOST at a running one, then run this again"
    ))
}

/// Checks that Docker answers, in one line with the fix.
pub async fn check_docker(network: NetworkMode) -> anyhow::Result<String> {
    let endpoint = docker_endpoint();
    if let Some(reason) = docker_offline_reason(&endpoint) {
        bail!("{reason}");
    }
    let config = docker_config(network);
    let connected = tokio::time::timeout(
        Duration::from_secs(15),
        kumo_provider::runtime::docker::DockerRuntime::connect(&config),
    )
    .await;
    let reason = match connected {
        Ok(Ok(runtime)) => return Ok(runtime.endpoint().to_string()),
        Ok(Err(kumo_provider::runtime::docker::RuntimeError::Unreachable { source, .. })) => {
            one_line(&source.to_string())
        }
        Ok(Err(e)) => one_line(&e.to_string()),
        Err(_) => "no answer within 15s".into(),
    };
    bail!(
        "the Docker daemon at {endpoint} does not answer ({reason}): {START_DOCKER}, or point \
         DOCKER_HOST at a running one, then run this again"
    )
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The provider's Docker settings: the endpoint from `DOCKER_HOST` (or the local socket),
/// published ports on 127.0.0.1 only.
pub fn docker_config(network: NetworkMode) -> DockerConfig {
    DockerConfig {
        host: None,
        network,
        bind_address: std::net::IpAddr::from([127, 0, 0, 1]),
        pids_limit: 1024,
        image_allowlist: None,
    }
}

/// Every check before anything starts: ports, artifacts (for a new chain), Docker. Returns the
/// Docker endpoint.
pub async fn preflight(opts: &UpOptions) -> anyhow::Result<String> {
    check_port(opts.rpc_port, "the chain's RPC", "--port")?;
    check_port(
        opts.gateway_port,
        "the provider's gateway",
        "--gateway-port",
    )?;
    if opts.rpc_port != 0 && opts.rpc_port == opts.gateway_port {
        bail!(
            "--port and --gateway-port are both {}: give them different ports",
            opts.rpc_port
        );
    }
    if !opts.has_chain() {
        check_artifacts(&opts.artifacts)?;
    }
    check_docker(opts.network).await
}

/// A free port on 127.0.0.1 (for a gateway asked to listen on "any free port": its URL is
/// registered on chain, so it must be known before the gateway starts).
pub fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .context("cannot find a free port on 127.0.0.1")?;
    Ok(listener.local_addr()?.port())
}

// --- the provider's configuration ----------------------------------------------------------

/// What provider.yaml is written from.
#[derive(Debug, Clone)]
pub struct ProviderYaml {
    pub rpc_url: String,
    pub chain_id: String,
    pub gateway_port: u16,
    pub tls_cert_fingerprint: String,
    /// GPU capability keys of this machine's inventory.
    pub gpu_capabilities: Vec<String>,
    pub network: NetworkMode,
}

impl ProviderYaml {
    pub fn host_uri(&self) -> String {
        format!("https://127.0.0.1:{}", self.gateway_port)
    }

    /// The daemon's configuration (relative paths are taken from the data directory). The
    /// `registration` section is what `kumo up` registers, so that `kumo provider update
    /// provider.yaml --from provider` works too.
    pub fn render(&self) -> String {
        let mut placement = String::new();
        let mut registered = String::new();
        for (k, v) in PLACEMENT {
            placement.push_str(&format!("  - {{ key: {k}, value: {v} }}\n"));
            registered.push_str(&format!("    - {{ key: {k}, value: {v} }}\n"));
        }
        for key in &self.gpu_capabilities {
            registered.push_str(&format!("    - {{ key: {key}, value: \"true\" }}\n"));
        }
        format!(
            r#"# Written by `kumo up` at every start: edits are overwritten. The provider daemon's
# configuration for the local marketplace (see examples/provider.yaml for every setting).
registration:
  host_uri: {host_uri}
  tls_cert_fingerprint: "{fingerprint}"
  info:
    email: provider@localhost
    website: https://github.com/kumo
  attributes:
{registered}
chain:
  node: {rpc}
  chain_id: {chain_id}
  key: {key}
  keyring_dir: ./{keyring}
  keyring_backend: test

gateway:
  listen: 127.0.0.1:{gateway_port}

attributes:
{placement}
pricing:                 # per block, in uakt
  denom: uakt
  cpu_per_millicpu: "5"
  memory_per_gib: "1000"
  storage_per_gib: "100"
  endpoint: "10"
  gpu:
    "*": "50000"

runtime:
  docker:
    network: {network}
    bind_address: 127.0.0.1
    pids_limit: 1024

limits:
  max_open_bids: 100
  tenant_bids_per_hour: 600
  cpu_overcommit: 1
  memory_overcommit: 1

data_dir: ./{provider_dir}

timeouts:
  bid: 5m
  manifest: 5m
  withdraw_period: 1h
"#,
            host_uri = self.host_uri(),
            fingerprint = self.tls_cert_fingerprint,
            rpc = self.rpc_url,
            chain_id = self.chain_id,
            key = PROVIDER_KEY,
            keyring = layout::KEYRING,
            gateway_port = self.gateway_port,
            network = self.network.as_docker(),
            provider_dir = layout::PROVIDER,
        )
    }
}

// --- what `kumo up` tells others ---------------------------------------------------------

/// `up.json`: where a running `kumo up` listens, for `kumo demo` and scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpFile {
    pub rpc_url: String,
    pub chain_id: String,
    pub gateway_url: String,
    pub provider: String,
    pub keyring_dir: PathBuf,
    pub pid: u32,
}

impl UpFile {
    pub fn read(data_dir: &Path) -> Option<UpFile> {
        let text = std::fs::read_to_string(data_dir.join(layout::UP_JSON)).ok()?;
        serde_json::from_str(&text).ok()
    }
}

/// The `env` file: `source ~/.kumo/up/env` points the CLI at the local marketplace.
pub fn env_file(up: &UpFile, block_time: f64) -> String {
    format!(
        "# Written by `kumo up`: `source` it to point kumo at the local marketplace.\n\
         export KUMO_NODE={}\n\
         export KUMO_CHAIN_ID={}\n\
         export KUMO_KEYRING_DIR={}\n\
         export KUMO_KEYRING_BACKEND=test\n\
         export KUMO_BLOCK_TIME={}\n",
        up.rpc_url,
        up.chain_id,
        up.keyring_dir.display(),
        block_time
    )
}

/// One funded account as the banner shows it.
#[derive(Debug, Clone)]
pub struct BannerAccount {
    pub name: String,
    pub index: u32,
    pub address: String,
    pub balance: String,
    pub note: &'static str,
}

/// What `kumo up` prints once everything runs.
#[derive(Debug, Clone)]
pub struct UpBanner {
    pub rpc_url: String,
    pub websocket_url: String,
    pub chain_id: String,
    pub block_time: f64,
    pub height: u64,
    pub profile: String,
    pub accounts: Vec<BannerAccount>,
    pub keyring_dir: PathBuf,
    pub contracts: Vec<(String, String)>,
    pub provider: String,
    pub gateway_url: String,
    pub fingerprint: String,
    pub inventory: String,
    pub attributes: String,
    pub collateral: String,
    pub docker: String,
    pub network: &'static str,
    pub provider_yaml: PathBuf,
    pub data_dir: PathBuf,
    pub resumed: bool,
}

impl std::fmt::Display for UpBanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let env = self.data_dir.join(layout::ENV);
        writeln!(f)?;
        writeln!(f, "                 kumo up")?;
        writeln!(f, "  the whole Kumo marketplace on this machine")?;
        writeln!(f)?;
        writeln!(f, "Chain")?;
        writeln!(f, "==================")?;
        writeln!(f, "RPC URL:           {}", self.rpc_url)?;
        writeln!(f, "WebSocket:         {}", self.websocket_url)?;
        writeln!(f, "Chain ID:          {}", self.chain_id)?;
        writeln!(f, "Block time:        {}s", self.block_time)?;
        writeln!(
            f,
            "Height:            {}{}",
            self.height,
            if self.resumed { " (resumed)" } else { "" }
        )?;
        writeln!(f, "Genesis profile:   {}", self.profile)?;
        writeln!(f)?;
        writeln!(
            f,
            "Accounts (keys in the test keyring {})",
            self.keyring_dir.display()
        )?;
        writeln!(f, "==================")?;
        for a in &self.accounts {
            writeln!(
                f,
                "{:<9} {}  dev{}  {}{}",
                a.name,
                a.address,
                a.index,
                a.balance,
                if a.note.is_empty() {
                    String::new()
                } else {
                    format!("  ({})", a.note)
                }
            )?;
        }
        writeln!(f, "Mnemonic:         {DEV_MNEMONIC}")?;
        writeln!(
            f,
            "(dev only: anyone can spend these keys; never fund them on a real chain)"
        )?;
        writeln!(f)?;
        writeln!(f, "Contracts")?;
        writeln!(f, "==================")?;
        for (label, address) in &self.contracts {
            writeln!(f, "{label:<12} {address}")?;
        }
        writeln!(f)?;
        writeln!(f, "Provider (this machine)")?;
        writeln!(f, "==================")?;
        writeln!(f, "Address:           {}", self.provider)?;
        writeln!(f, "Gateway URL:       {}", self.gateway_url)?;
        writeln!(
            f,
            "TLS fingerprint:   {} (self-signed, pinned on chain)",
            self.fingerprint
        )?;
        writeln!(f, "Inventory:         {}", self.inventory)?;
        writeln!(f, "Attributes:        {}", self.attributes)?;
        writeln!(f, "Collateral:        {}", self.collateral)?;
        writeln!(
            f,
            "Containers:        Docker at {}, network {}",
            self.docker, self.network
        )?;
        writeln!(f, "Configuration:     {}", self.provider_yaml.display())?;
        writeln!(f)?;
        writeln!(f, "Try next (in another terminal)")?;
        writeln!(f, "==================")?;
        let source = format!("source {}", env.display());
        let next: [(&str, &str); 7] = [
            (
                &source,
                "sets KUMO_NODE, KUMO_KEYRING_DIR, KUMO_KEYRING_BACKEND=test, ...",
            ),
            ("kumo demo", "the whole journey, step by step, checked"),
            (
                "kumo provider get --from provider",
                "this machine as the chain sees it",
            ),
            (
                "kumo deployment create examples/sdl/demo.yaml --from tenant --lease cheapest -y",
                "",
            ),
            (
                "kumo lease send-manifest examples/sdl/demo.yaml --dseq <dseq> --from tenant",
                "",
            ),
            ("kumo lease logs --dseq <dseq> --from tenant --follow", ""),
            ("kumo escrow status <dseq> --from tenant", ""),
        ];
        for (command, what) in next {
            if what.is_empty() {
                writeln!(f, "{command}")?;
            } else {
                writeln!(f, "{command:<34} # {what}")?;
            }
        }
        writeln!(f)?;
        writeln!(
            f,
            "State: {} (`kumo up --reset` starts over). Ctrl-C stops everything.",
            self.data_dir.display()
        )?;
        writeln!(f)?;
        writeln!(f, "Listening on {}", self.rpc_url)
    }
}

/// `3 CPUs, 16Gi memory, 120.5Gi disk free, 1 x nvidia/h100/80Gi/sxm` or `..., no GPU (CPU only)`.
pub fn inventory_summary(inventory: &kumo_provider::inventory::Inventory) -> String {
    let host = &inventory.host;
    let mut s = format!(
        "{} CPUs, {} memory, {} disk free",
        format::cpu(host.cpu_millis),
        format::bytes(host.memory_bytes),
        format::bytes(host.storage_available_bytes)
    );
    let gpus = inventory.gpu_summary();
    if gpus.is_empty() {
        s.push_str(", no GPU (CPU only)");
    } else {
        for (spec, count) in gpus {
            s.push_str(&format!(", {count} x {}", format::gpu_spec(&spec)));
        }
    }
    s
}

/// The dev key `name` is dev account `index`: added to the keyring when missing, checked when
/// present.
pub fn ensure_dev_key(
    keyring: &kumo_client::keyring::Keyring,
    name: &str,
    index: u32,
    expected_address: &str,
) -> anyhow::Result<bool> {
    use kumo_client::keyring::KeyringError;
    match keyring.show(name) {
        Ok(info) if info.address == expected_address => Ok(false),
        Ok(info) => bail!(
            "key '{name}' in {} is {}, not dev account {index} ({expected_address}): start over \
             with --reset, or use another --data-dir",
            keyring.dir().display(),
            info.address
        ),
        Err(KeyringError::NotFound { .. }) => {
            keyring.add(name, DEV_MNEMONIC, &hd_path(index), None)?;
            Ok(true)
        }
        Err(e) => Err(e.into()),
    }
}

/// Deletes what `kumo up` keeps in `data_dir` (only its own files and directories).
pub fn reset_data_dir(data_dir: &Path) -> anyhow::Result<()> {
    for dir in [layout::CHAIN, layout::KEYRING, layout::PROVIDER] {
        let path = data_dir.join(dir);
        if path.exists() {
            std::fs::remove_dir_all(&path)
                .with_context(|| format!("--reset: cannot delete {}", path.display()))?;
        }
    }
    for file in [layout::PROVIDER_YAML, layout::UP_JSON, layout::ENV] {
        let path = data_dir.join(file);
        if path.exists() {
            std::fs::remove_file(&path)
                .with_context(|| format!("--reset: cannot delete {}", path.display()))?;
        }
    }
    Ok(())
}

/// The dev accounts `kumo up` names, with their addresses; `provider` is the provider's index.
pub fn named_accounts(provider: u32) -> Vec<(&'static str, u32, String)> {
    roles::NAMED
        .iter()
        .map(|&(name, index)| {
            (
                name,
                if name == PROVIDER_KEY {
                    provider
                } else {
                    index
                },
            )
        })
        .map(|(name, index)| {
            let address =
                kumo_devnet::app::dev_accounts::derive_account(DEV_MNEMONIC, index, "kumo")
                    .expect("the dev mnemonic is valid")
                    .address;
            (name, index, address)
        })
        .collect()
}

pub use running::*;

/// The parts that start the devnet and the daemon: left out of the unit-test binary, which
/// does not link the devnet (the end-to-end tests run the real binary).
#[cfg(not(test))]
mod running {
    use std::collections::BTreeSet;

    use cosmwasm_std::{Coin, Uint256};
    use kumo_client::config::ChainConfig;
    use kumo_client::keyring::{Keyring, KeyringBackend};
    use kumo_client::{ChainClient, ClientError, Signer};
    use kumo_devnet::node::BlockProduction;
    use kumo_devnet::{Devnet, DevnetConfig, GenesisProfile};
    use kumo_provider::config::{Config, GatewayConfig};
    use kumo_provider::daemon::{startup::desired_attributes, DaemonOptions};
    use kumo_provider::gateway::tls::host_of_uri;
    use kumo_provider::gateway::TlsIdentity;
    use kumo_provider::inventory::{GpuProbe, Inventory};
    use kumo_provider::metrics::Metrics;
    use kumo_types::attributes::{Attribute, AuditedAttributes};
    use kumo_types::registry::{
        CollateralResponse, ExecuteMsg as RegistryMsg, Provider, ProviderDetails, ProviderInfo,
        QueryMsg as RegistryQuery, RegistryParams,
    };
    use tokio::task::JoinHandle;
    use tokio_util::sync::CancellationToken;

    use super::*;
    use crate::output;
    use anyhow::anyhow;

    /// A running local marketplace: the devnet, and the provider daemon with its gateway.
    pub struct Marketplace {
        devnet: Devnet,
        shutdown: CancellationToken,
        daemon: JoinHandle<Result<(), kumo_provider::daemon::DaemonError>>,
        gateway: JoinHandle<()>,
        pub banner: UpBanner,
        pub up: UpFile,
        pub keyring: Keyring,
    }

    fn say(opts: &UpOptions, line: impl AsRef<str>) {
        if opts.verbose {
            eprintln!("kumo up: {}", line.as_ref());
        }
    }

    fn as_set(attributes: &[Attribute]) -> BTreeSet<(String, String)> {
        attributes
            .iter()
            .map(|a| (a.key.clone(), a.value.clone()))
            .collect()
    }

    fn attributes_text(attributes: &[Attribute]) -> String {
        attributes
            .iter()
            .map(|a| format!("{}={}", a.key, a.value))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The provider side of a running marketplace.
    struct ProviderRun {
        shutdown: CancellationToken,
        daemon: JoinHandle<Result<(), kumo_provider::daemon::DaemonError>>,
        gateway: JoinHandle<()>,
        banner: UpBanner,
        up: UpFile,
        keyring: Keyring,
    }

    impl Marketplace {
        /// Preflight, then the devnet, keys, registration, signatures, collateral and the
        /// provider daemon, in that order; each step that is already done is skipped.
        pub async fn start(opts: &UpOptions) -> anyhow::Result<Marketplace> {
            let docker = preflight(opts).await?;
            if opts.reset {
                reset_data_dir(&opts.data_dir)?;
            }
            let resumed = opts.has_chain();
            for dir in [opts.data_dir.clone(), opts.provider_dir()] {
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            let devnet_config = DevnetConfig {
                rpc_addr: SocketAddr::from(([127, 0, 0, 1], opts.rpc_port)),
                block_production: BlockProduction::from_secs_f64(opts.block_time),
                home: Some(opts.chain_dir()),
                chain_id: opts.chain_id.clone(),
                accounts: kumo_devnet::app::dev_accounts::DEFAULT_DEV_ACCOUNT_COUNT,
                balance: DEV_BALANCE,
                reset: false,
                artifacts: Some(
                    opts.artifacts
                        .canonicalize()
                        .unwrap_or_else(|_| opts.artifacts.clone()),
                ),
                artifacts_required: !resumed,
                profile: GenesisProfile::LocalMarket,
                rpc: Default::default(),
            };
            let devnet = Devnet::spawn(devnet_config)
                .await
                .context("the chain did not start")?;
            say(
                opts,
                format!(
                    "{} the chain at {} ({})",
                    if resumed { "resumed" } else { "started" },
                    devnet.rpc_url(),
                    opts.chain_dir().display()
                ),
            );
            match start_provider(opts, &devnet, docker, resumed).await {
                Ok(run) => Ok(Marketplace {
                    devnet,
                    shutdown: run.shutdown,
                    daemon: run.daemon,
                    gateway: run.gateway,
                    banner: run.banner,
                    up: run.up,
                    keyring: run.keyring,
                }),
                Err(e) => {
                    devnet.shutdown().await;
                    Err(e)
                }
            }
        }

        pub fn rpc_url(&self) -> String {
            self.devnet.rpc_url()
        }

        /// Resolves when the daemon stops by itself (an error) or the node stops.
        pub async fn stopped(&mut self) -> anyhow::Error {
            let handle = self.devnet.handle();
            tokio::select! {
                joined = &mut self.daemon => match joined {
                    Ok(Ok(())) => anyhow!("the provider daemon stopped"),
                    Ok(Err(e)) => anyhow!("the provider daemon stopped: {e}"),
                    Err(e) => anyhow!("the provider daemon failed: {e}"),
                },
                _ = handle.stopped() => anyhow!("the chain stopped"),
            }
        }

        /// Stops the daemon (after the block at hand) and its gateway, then the chain. The
        /// leases' containers keep running; a restart reconciles them.
        pub async fn shutdown(self) -> anyhow::Result<()> {
            self.shutdown.cancel();
            let daemon = tokio::time::timeout(Duration::from_secs(60), self.daemon).await;
            let _ = tokio::time::timeout(Duration::from_secs(10), self.gateway).await;
            self.devnet.shutdown().await;
            match daemon {
                Ok(Ok(Ok(()))) => Ok(()),
                Ok(Ok(Err(e))) => Err(anyhow!("the provider daemon stopped with an error: {e}")),
                Ok(Err(e)) if e.is_cancelled() => Ok(()),
                Ok(Err(e)) => Err(anyhow!("the provider daemon failed: {e}")),
                Err(_) => Err(anyhow!("the provider daemon did not stop within 60s")),
            }
        }
    }

    /// The dev keys, in the test keyring of the data directory.
    fn recover_keys(opts: &UpOptions) -> anyhow::Result<Keyring> {
        let keyring = Keyring::open(&opts.keyring_dir(), KeyringBackend::Test, "kumo")
            .with_context(|| {
                format!(
                    "cannot open the keyring in {}",
                    opts.keyring_dir().display()
                )
            })?;
        let mut added = Vec::new();
        for (name, index, address) in named_accounts(opts.provider_account) {
            if ensure_dev_key(&keyring, name, index, &address)? {
                added.push(name);
            }
        }
        if added.is_empty() {
            say(
                opts,
                "keys tenant, provider, auditor, holder: already in the keyring",
            );
        } else {
            say(
                opts,
                format!(
                    "recovered the dev keys {} into the test keyring {}",
                    added.join(", "),
                    keyring.dir().display()
                ),
            );
        }
        Ok(keyring)
    }

    /// Registers the provider, or updates a registration that differs; skips an equal one.
    async fn register(
        opts: &UpOptions,
        client: &ChainClient,
        provider: &Signer,
        details: &ProviderDetails,
    ) -> anyhow::Result<()> {
        let registry = client.contracts().registry.clone();
        let address = provider.address();
        let registered: Option<Provider> = match client
            .query_registry(&RegistryQuery::Provider {
                address: address.to_string(),
            })
            .await
        {
            Ok(p) => Some(p),
            Err(ClientError::Contract { .. }) => None,
            Err(e) => return Err(e).context("cannot read the registry"),
        };
        match registered {
            None => {
                provider
                    .execute(
                        &registry,
                        &RegistryMsg::RegisterProvider(details.clone()),
                        &[],
                    )
                    .await
                    .context("registering the provider")?;
                say(
                    opts,
                    format!("registered provider {address} at {}", details.host_uri),
                );
            }
            Some(p)
                if p.host_uri == details.host_uri
                    && p.tls_cert_fingerprint == details.tls_cert_fingerprint
                    && as_set(&p.attributes) == as_set(&details.attributes) =>
            {
                say(opts, format!("provider {address}: already registered"));
            }
            Some(_) => {
                provider
                    .execute(
                        &registry,
                        &RegistryMsg::UpdateProvider(details.clone()),
                        &[],
                    )
                    .await
                    .context("updating the provider's registration")?;
                say(
                    opts,
                    format!(
                        "updated provider {address} (its gateway, certificate or inventory changed)"
                    ),
                );
            }
        }
        Ok(())
    }

    /// Has the dev auditor sign exactly `attributes` of `provider` (deleting stale ones).
    async fn sign(
        opts: &UpOptions,
        client: &ChainClient,
        auditor: &Signer,
        provider: &str,
        attributes: &[Attribute],
    ) -> anyhow::Result<()> {
        let registry = client.contracts().registry.clone();
        let signed: Vec<Attribute> = match client
            .query_registry::<AuditedAttributes>(&RegistryQuery::SignedAttributes {
                provider: provider.to_string(),
                auditor: auditor.address().to_string(),
            })
            .await
        {
            Ok(a) => a.attributes,
            Err(ClientError::Contract { .. }) => vec![],
            Err(e) => return Err(e).context("cannot read the auditor's signatures"),
        };
        let (want, have) = (as_set(attributes), as_set(&signed));
        if want == have {
            say(opts, "attributes: already signed by the dev auditor");
            return Ok(());
        }
        let stale: Vec<String> = have
            .iter()
            .filter(|(k, _)| !want.iter().any(|(wk, _)| wk == k))
            .map(|(k, _)| k.clone())
            .collect();
        if !stale.is_empty() {
            auditor
                .execute(
                    &registry,
                    &RegistryMsg::DeleteSignedAttributes {
                        provider: provider.to_string(),
                        keys: stale,
                    },
                    &[],
                )
                .await
                .context("deleting the auditor's stale signatures")?;
        }
        auditor
            .execute(
                &registry,
                &RegistryMsg::SignAttributes {
                    provider: provider.to_string(),
                    attributes: attributes.to_vec(),
                },
                &[],
            )
            .await
            .context("signing the provider's attributes as the dev auditor")?;
        say(
            opts,
            format!(
                "the dev auditor (certified) signed {}",
                attributes_text(attributes)
            ),
        );
        Ok(())
    }

    /// Bonds collateral up to [`COLLATERAL_BASE`] plus the minimum per GPU; returns what is
    /// bonded.
    async fn bond(
        opts: &UpOptions,
        client: &ChainClient,
        provider: &Signer,
        gpus: usize,
    ) -> anyhow::Result<Uint256> {
        let registry = client.contracts().registry.clone();
        let params: RegistryParams = client
            .query_registry(&RegistryQuery::Params {})
            .await
            .context("cannot read the registry's params")?;
        let collateral: CollateralResponse = client
            .query_registry(&RegistryQuery::Collateral {
                provider: provider.address().to_string(),
            })
            .await
            .context("cannot read the provider's collateral")?;
        let denom = params.collateral_denom.clone();
        let target = Uint256::from(COLLATERAL_BASE).saturating_add(
            params
                .min_collateral_per_gpu
                .saturating_mul(Uint256::from(gpus as u64)),
        );
        let bonded = collateral.bonded.amount;
        if bonded >= target {
            say(
                opts,
                format!(
                    "collateral: {} already bonded",
                    output::coin_amount(bonded, &denom)
                ),
            );
            return Ok(bonded);
        }
        let more = target - bonded;
        provider
            .execute(
                &registry,
                &RegistryMsg::BondCollateral {},
                &[Coin::new(more, denom.clone())],
            )
            .await
            .context("bonding collateral")?;
        say(
            opts,
            format!("bonded {} of collateral", output::coin_amount(more, &denom)),
        );
        Ok(target)
    }

    /// Everything after the chain: keys, the provider's configuration, registration,
    /// signatures, collateral, the daemon and its gateway.
    async fn start_provider(
        opts: &UpOptions,
        devnet: &Devnet,
        docker: String,
        resumed: bool,
    ) -> anyhow::Result<ProviderRun> {
        let rpc_url = devnet.rpc_url();
        let keyring = recover_keys(opts)?;
        let client = ChainClient::connect(ChainConfig {
            rpc_url: rpc_url.clone(),
            chain_id: opts.chain_id.clone(),
            ..Default::default()
        })
        .await
        .context("cannot connect to the chain just started")?;
        let provider = client.signer(keyring.unlock(PROVIDER_KEY, None)?);
        let auditor = client.signer(keyring.unlock("auditor", None)?);
        let address = provider.address().to_string();

        // The gateway's port and certificate (its fingerprint is registered), the inventory
        // as the daemon takes it, and provider.yaml from both.
        let gateway_port = match opts.gateway_port {
            0 => free_port()?,
            p => p,
        };
        let mut yaml = ProviderYaml {
            rpc_url: rpc_url.clone(),
            chain_id: opts.chain_id.clone(),
            gateway_port,
            tls_cert_fingerprint: String::new(),
            gpu_capabilities: vec![],
            network: opts.network,
        };
        let gateway_config = GatewayConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], gateway_port)),
            tls: None,
        };
        let mut hosts: Vec<String> = host_of_uri(&yaml.host_uri()).into_iter().collect();
        hosts.push("localhost".into());
        let identity = TlsIdentity::load_or_generate(&gateway_config, &opts.provider_dir(), &hosts)
            .context("the gateway's certificate")?;
        yaml.tls_cert_fingerprint = identity.fingerprint();
        let mut probe = GpuProbe::open();
        let inventory = Inventory::detect(&mut probe, &opts.provider_dir())
            .context("cannot take this machine's inventory")?;
        say(
            opts,
            format!("this machine: {}", inventory_summary(&inventory)),
        );
        yaml.gpu_capabilities = inventory
            .capability_attributes()
            .into_iter()
            .map(|a| a.key)
            .collect();
        let yaml_path = opts.data_dir.join(layout::PROVIDER_YAML);
        std::fs::write(&yaml_path, yaml.render())
            .with_context(|| format!("cannot write {}", yaml_path.display()))?;
        let config = Config::load(&yaml_path)
            .with_context(|| format!("{} is not a valid configuration", yaml_path.display()))?;
        let attributes = desired_attributes(&config, &inventory);

        let details = ProviderDetails {
            host_uri: yaml.host_uri(),
            attributes: attributes.clone(),
            info: ProviderInfo {
                email: "provider@localhost".into(),
                website: "https://github.com/kumo".into(),
            },
            tls_cert_fingerprint: yaml.tls_cert_fingerprint.clone(),
        };
        register(opts, &client, &provider, &details).await?;
        sign(opts, &client, &auditor, &address, &attributes).await?;
        let bonded = bond(opts, &client, &provider, inventory.gpus.len()).await?;

        let options = DaemonOptions {
            block_time: Duration::from_secs_f64(opts.block_time.max(0.05)),
            ..DaemonOptions::default()
        };
        let (daemon, gateway) =
            kumo_provider::daemon::start_with_gateway(config, options, Metrics::new())
                .await
                .map_err(|e| anyhow!("the provider daemon did not start: {e}"))?;
        let shutdown = CancellationToken::new();
        let gateway = tokio::spawn(gateway.serve(shutdown.clone()));
        let daemon = tokio::spawn(daemon.run(shutdown.clone()));
        let gateway_url = yaml.host_uri();
        say(
            opts,
            format!("provider daemon running, gateway on {gateway_url}"),
        );

        let up = UpFile {
            rpc_url: rpc_url.clone(),
            chain_id: opts.chain_id.clone(),
            gateway_url: gateway_url.clone(),
            provider: address.clone(),
            keyring_dir: opts.keyring_dir(),
            pid: std::process::id(),
        };
        let up_path = opts.data_dir.join(layout::UP_JSON);
        std::fs::write(&up_path, serde_json::to_string_pretty(&up)?)
            .with_context(|| format!("cannot write {}", up_path.display()))?;
        let env_path = opts.data_dir.join(layout::ENV);
        std::fs::write(&env_path, env_file(&up, opts.block_time))
            .with_context(|| format!("cannot write {}", env_path.display()))?;

        let mut accounts = Vec::new();
        for (name, index, account) in named_accounts(opts.provider_account) {
            let balance = client.balance(&account, "uakt").await.unwrap_or_default();
            accounts.push(BannerAccount {
                name: name.to_string(),
                index,
                address: account,
                balance: output::coin_amount(balance, "uakt"),
                note: match name {
                    "auditor" => "certified auditor",
                    PROVIDER_KEY => "this machine",
                    _ => "",
                },
            });
        }
        let banner = UpBanner {
            rpc_url,
            websocket_url: devnet.websocket_url(),
            chain_id: opts.chain_id.clone(),
            block_time: opts.block_time,
            height: client.latest_height().await.unwrap_or(0),
            profile: GenesisProfile::LocalMarket.describe(),
            accounts,
            keyring_dir: opts.keyring_dir(),
            contracts: devnet
                .genesis_contracts()
                .await
                .into_iter()
                .map(|c| (c.label, c.address))
                .collect(),
            provider: address,
            gateway_url,
            fingerprint: identity.fingerprint(),
            inventory: inventory_summary(&inventory),
            attributes: format!(
                "{} (signed by the dev auditor)",
                attributes_text(&attributes)
            ),
            collateral: format!("{} bonded", output::coin_amount(bonded, "uakt")),
            docker,
            network: opts.network.as_docker(),
            provider_yaml: yaml_path,
            data_dir: opts.data_dir.clone(),
            resumed,
        };
        Ok(ProviderRun {
            shutdown,
            daemon,
            gateway,
            banner,
            up,
            keyring,
        })
    }

    /// Ctrl-C (SIGINT) or SIGTERM.
    pub async fn shutdown_signal() {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            match signal(SignalKind::terminate()) {
                Ok(mut term) => {
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => {}
                        _ = term.recv() => {}
                    }
                }
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }

    pub fn init_logging(filter: &str) {
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(filter));
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init();
    }

    /// `kumo up`.
    pub async fn run(
        args: &UpArgs,
        chain_id: Option<&str>,
        block_time: Option<f64>,
    ) -> anyhow::Result<()> {
        init_logging(&args.log_level);
        let opts = UpOptions::from_args(args, chain_id, block_time);
        // Signals are caught from here on, so a Ctrl-C while starting stops cleanly.
        let signal = tokio::spawn(shutdown_signal());
        let started = tokio::select! {
            started = Marketplace::start(&opts) => started?,
            _ = wait_handle(signal) => bail!("interrupted while starting: nothing was left running"),
        };
        let mut market = started;
        println!("{}", market.banner);
        let reason = tokio::select! {
            _ = shutdown_signal() => None,
            e = market.stopped() => Some(e),
        };
        eprintln!(
            "kumo up: shutting down (state is kept in {})",
            opts.data_dir.display()
        );
        let stopped = market.shutdown().await;
        if let Some(e) = reason {
            return Err(e);
        }
        stopped?;
        eprintln!("kumo up: stopped cleanly");
        Ok(())
    }

    async fn wait_handle(handle: JoinHandle<()>) {
        let _ = handle.await;
    }
}

#[cfg(test)]
mod running {
    use super::*;

    /// The unit-test binary leaves the devnet out (see `tools::devnet`).
    pub async fn run(
        _args: &UpArgs,
        _chain_id: Option<&str>,
        _block_time: Option<f64>,
    ) -> anyhow::Result<()> {
        bail!("kumo up is not part of the unit-test build")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_port_is_refused_with_the_flag_to_change_it() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let err = check_port(port, "the chain's RPC", "--port")
            .unwrap_err()
            .to_string();
        assert!(err.contains(&format!("port {port}")), "{err}");
        assert!(
            err.contains("taken") && err.contains("--port <port>"),
            "{err}"
        );
        assert!(!err.contains('\n'), "one line: {err}");
        drop(listener);
        check_port(port, "the chain's RPC", "--port").unwrap();
        check_port(0, "any", "--port").unwrap();
    }

    #[test]
    fn missing_artifacts_name_the_build_script() {
        let dir = tempfile::tempdir().unwrap();
        let err = check_artifacts(dir.path()).unwrap_err().to_string();
        assert!(err.contains("scripts/build-wasm.sh"), "{err}");
        assert!(err.contains("kumo_market.wasm"), "{err}");
        for name in ARTIFACTS {
            std::fs::write(dir.path().join(name), b"\0asm").unwrap();
        }
        check_artifacts(dir.path()).unwrap();
    }

    #[test]
    fn a_missing_docker_socket_says_how_to_start_docker() {
        let reason = docker_offline_reason("unix:///nonexistent/kumo/docker.sock").unwrap();
        assert!(reason.contains("dockerd"), "{reason}");
        assert!(!reason.contains('\n'));
        assert_eq!(docker_offline_reason("tcp://127.0.0.1:1"), None);
    }

    #[test]
    fn the_provider_yaml_is_a_valid_daemon_configuration() {
        let yaml = ProviderYaml {
            rpc_url: "http://127.0.0.1:26657".into(),
            chain_id: "kumo-devnet-1".into(),
            gateway_port: 8443,
            tls_cert_fingerprint: "ab".repeat(32),
            gpu_capabilities: vec![
                "capabilities/gpu/vendor/nvidia/model/h100/ram/80Gi/interface/sxm".into(),
            ],
            network: NetworkMode::None,
        };
        let text = yaml.render();
        let base = Path::new("/data/up");
        let config = kumo_provider::config::Config::parse(&text, "provider.yaml", base, Vec::new())
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert!(config.warnings.is_empty(), "{:?}", config.warnings);
        assert_eq!(config.chain.key, PROVIDER_KEY);
        assert_eq!(config.chain.keyring_dir, Some(base.join("./keyring")));
        assert_eq!(config.data_dir, base.join("./provider"));
        assert_eq!(config.gateway.listen.to_string(), "127.0.0.1:8443");
        assert_eq!(config.runtime.docker.network, NetworkMode::None);
        assert_eq!(config.runtime.docker.bind_address.to_string(), "127.0.0.1");
        let placement: Vec<(String, String)> = config
            .attributes
            .iter()
            .map(|a| (a.key.clone(), a.value.clone()))
            .collect();
        assert_eq!(
            placement,
            vec![
                ("region".to_string(), "local".to_string()),
                ("host".to_string(), "kumo-up".to_string())
            ]
        );
        let registration = config.registration.unwrap();
        assert_eq!(
            registration.host_uri.as_deref(),
            Some("https://127.0.0.1:8443")
        );
        assert_eq!(registration.attributes.len(), 3);
        assert_eq!(registration.gpu_capabilities().count(), 1);
        // The CLI's reader of the same file agrees.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("provider.yaml");
        std::fs::write(&path, &text).unwrap();
        let details = crate::files::read_provider_registration(&path).unwrap();
        assert_eq!(details.host_uri, "https://127.0.0.1:8443");
        assert_eq!(details.tls_cert_fingerprint, "ab".repeat(32));
        assert_eq!(details.attributes.len(), 3);
    }

    #[test]
    fn the_env_file_points_kumo_at_the_local_marketplace() {
        let up = UpFile {
            rpc_url: "http://127.0.0.1:26657".into(),
            chain_id: "kumo-devnet-1".into(),
            gateway_url: "https://127.0.0.1:8443".into(),
            provider: "kumo1p".into(),
            keyring_dir: PathBuf::from("/root/.kumo/up/keyring"),
            pid: 1,
        };
        let env = env_file(&up, 1.0);
        assert!(env.contains("export KUMO_NODE=http://127.0.0.1:26657\n"));
        assert!(env.contains("export KUMO_KEYRING_DIR=/root/.kumo/up/keyring\n"));
        assert!(env.contains("export KUMO_KEYRING_BACKEND=test\n"));
    }

    #[test]
    fn up_demo_and_the_devnet_profile_parse() {
        use clap::Parser;
        let _env = crate::config::tests_env_lock();
        let cli = crate::cli::Cli::try_parse_from([
            "kumo",
            "up",
            "--data-dir",
            "/tmp/x",
            "--reset",
            "--port",
            "0",
            "--gateway-port",
            "9443",
            "--network",
            "host",
        ])
        .unwrap();
        let crate::cli::Command::Up(args) = cli.command else {
            panic!("not up");
        };
        let opts = UpOptions::from_args(&args, None, None);
        assert_eq!(opts.data_dir, PathBuf::from("/tmp/x"));
        assert!(opts.reset && !opts.has_chain());
        assert_eq!((opts.rpc_port, opts.gateway_port), (0, 9443));
        assert_eq!(opts.network, NetworkMode::Host);
        assert_eq!(opts.block_time, 1.0);
        assert_eq!(opts.provider_account, roles::PROVIDER);
        // Docker's default bridge is not offered.
        assert!(crate::cli::Cli::try_parse_from(["kumo", "up", "--network", "bridge"]).is_err());

        let cli = crate::cli::Cli::try_parse_from(["kumo", "demo", "--standalone"]).unwrap();
        assert!(matches!(cli.command, crate::cli::Command::Demo(ref d) if d.standalone));
        assert!(crate::cli::Cli::try_parse_from([
            "kumo",
            "demo",
            "--standalone",
            "--data-dir",
            "/tmp/x"
        ])
        .is_err());

        let cli = crate::cli::Cli::try_parse_from([
            "kumo",
            "devnet",
            "--profile",
            "local-market",
            "--in-memory",
        ])
        .unwrap();
        let crate::cli::Command::Devnet(cmd) = cli.command else {
            panic!("not devnet");
        };
        assert_eq!(cmd.args.profile, kumo_devnet::GenesisProfile::LocalMarket);
    }

    #[test]
    fn dev_keys_are_recovered_once_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let keyring = kumo_client::keyring::Keyring::open(
            dir.path(),
            kumo_client::keyring::KeyringBackend::Test,
            "kumo",
        )
        .unwrap();
        let accounts = named_accounts(roles::PROVIDER);
        assert_eq!(
            accounts.iter().map(|a| a.0).collect::<Vec<_>>(),
            ["tenant", "provider", "auditor", "holder"]
        );
        let (name, index, address) = &accounts[0];
        assert!(ensure_dev_key(&keyring, name, *index, address).unwrap());
        assert!(!ensure_dev_key(&keyring, name, *index, address).unwrap());
        let err = ensure_dev_key(&keyring, name, 9, "kumo1other")
            .unwrap_err()
            .to_string();
        assert!(err.contains("--reset"), "{err}");
    }
}
