//! `kumo-provider --config provider.yaml [--sync-registry]`: the provider daemon. Loads and
//! checks the configuration, checks the registration on chain, then runs the chain watcher, the
//! bid engine, the lease manager, earnings and the tenant gateway until Ctrl-C / SIGTERM, which
//! finishes the block at hand and keeps all state (containers keep running).
//!
//! `--check` only loads the configuration, takes the inventory, opens the allocation store and
//! connects to Docker, reports what it found, and exits: no chain needed.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use kumo_provider::allocations::{AllocationStore, Capacity};
use kumo_provider::config::{env as config_env, Config};
use kumo_provider::daemon::{start_with_gateway, DaemonOptions};
use kumo_provider::inventory::{compare_capabilities, GpuProbe, Inventory};
use kumo_provider::metrics::Metrics;
use kumo_provider::runtime::docker::DockerRuntime;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};
use tracing_subscriber::EnvFilter;

/// File name of the allocation store inside `data_dir`.
const STORE_FILE: &str = "allocations.redb";

#[derive(Parser, Debug)]
#[command(name = "kumo-provider", version, about = "Kumo provider daemon", after_help = env_help())]
struct Args {
    /// The provider configuration file.
    #[arg(
        long,
        short,
        env = "KUMO_PROVIDER_CONFIG",
        default_value = "provider.yaml"
    )]
    config: PathBuf,

    /// Check the configuration, inventory, allocation store and Docker, report, and exit.
    #[arg(long)]
    check: bool,

    /// Update the on-chain registration (attributes, gateway certificate fingerprint) when it
    /// differs from provider.yaml and the inventory, instead of refusing to start.
    #[arg(long)]
    sync_registry: bool,
}

fn env_help() -> String {
    let mut text = String::from(
        "Every single value of the file can be overridden by an environment variable:\n",
    );
    for (path, var) in config_env::overridable() {
        text.push_str(&format!("  {var:<44} {path}\n"));
    }
    text.push_str(
        "The file keyring's passphrase: KUMO_PROVIDER_KEYRING_PASSPHRASE (or KUMO_KEYRING_PASSPHRASE).\n",
    );
    text.push_str("Logging: KUMO_PROVIDER_LOG (or RUST_LOG), e.g. info or kumo_provider=debug.");
    text
}

fn init_logging() {
    let filter = std::env::var("KUMO_PROVIDER_LOG")
        .ok()
        .and_then(|f| EnvFilter::try_new(f).ok())
        .or_else(|| EnvFilter::try_from_default_env().ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    // Colour only on a terminal: logs sent to files or journald stay plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .init();
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    init_logging();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    let config = Config::load(&args.config)?;
    for w in &config.warnings {
        warn!("{w}");
    }
    if !args.check {
        return run_daemon(config, args.sync_registry).await;
    }
    info!(
        config = %args.config.display(),
        node = %config.chain.node,
        chain_id = %config.chain.chain_id,
        key = %config.chain.key,
        data_dir = %config.data_dir.display(),
        gateway = %config.gateway.listen,
        network = config.runtime.docker.network.as_docker(),
        "configuration loaded"
    );
    std::fs::create_dir_all(&config.data_dir).map_err(|e| {
        anyhow::anyhow!("cannot create data_dir {}: {e}", config.data_dir.display())
    })?;

    let mut probe = GpuProbe::open();
    let inventory = Inventory::load(config.inventory.as_ref(), &mut probe, &config.data_dir)?;
    info!(
        source = ?inventory.source,
        cpu_millis = inventory.host.cpu_millis,
        memory_bytes = inventory.host.memory_bytes,
        storage_bytes = inventory.host.storage_bytes,
        storage_available_bytes = inventory.host.storage_available_bytes,
        gpus = inventory.gpus.len(),
        "inventory"
    );
    for gpu in &inventory.gpus {
        info!(index = gpu.index, uuid = %gpu.uuid, product = %gpu.product, capability = %gpu.spec,
            memory_bytes = gpu.memory_bytes, "gpu");
    }
    for (spec, count) in inventory.gpu_summary() {
        match config.pricing.gpu.price_for(&spec) {
            Some(price) => {
                info!(gpu = %spec, count, %price, denom = %config.pricing.denom, "gpu price per block")
            }
            None => {
                warn!(gpu = %spec, count, "no GPU price for this model and no `*` default: it cannot be offered")
            }
        }
    }
    if let Some(registration) = &config.registration {
        let diff = compare_capabilities(registration.gpu_capabilities(), &inventory);
        for key in &diff.not_on_host {
            warn!(capability = %key, "registered, but no such GPU on this host");
        }
        for key in &diff.not_registered {
            warn!(capability = %key, "GPU on this host, but its capability is not registered");
        }
    }

    let capacity = Capacity::from_inventory(&inventory, &config.limits);
    let store_path = config.data_dir.join(STORE_FILE);
    let store = AllocationStore::open(&store_path, capacity)?;
    let used = store.used();
    let available = store.available();
    info!(
        path = %store_path.display(),
        held = store.list().count(),
        used_cpu_millis = used.cpu_millis,
        used_memory_bytes = used.memory_bytes,
        available_cpu_millis = available.cpu_millis,
        available_memory_bytes = available.memory_bytes,
        available_storage_bytes = available.storage_bytes,
        free_gpus = store.free_gpus().count(),
        "allocation store"
    );

    let docker = DockerRuntime::connect(&config.runtime.docker).await?;
    let on_host = docker.leases_on_host().await?;
    info!(
        endpoint = docker.endpoint(),
        leases_on_host = on_host.leases.len(),
        "docker"
    );
    for name in &on_host.unreadable {
        warn!(container = %name, "container with Kumo's label but unreadable lease labels");
    }

    drop(store);
    info!("check passed");
    Ok(())
}

/// Runs the daemon and its gateway until Ctrl-C / SIGTERM.
async fn run_daemon(config: Config, sync_registry: bool) -> anyhow::Result<()> {
    // Handlers are installed first, so a signal sent while starting is caught.
    let signals = Shutdown::install()?;
    let options = DaemonOptions {
        sync_registry,
        ..DaemonOptions::default()
    };
    let (daemon, gateway) = start_with_gateway(config, options, Metrics::new()).await?;
    let shutdown = CancellationToken::new();
    let gateway = tokio::spawn(gateway.serve(shutdown.clone()));
    let mut running = tokio::spawn(daemon.run(shutdown.clone()));
    info!("provider ready; Ctrl-C to stop");
    let result = tokio::select! {
        _ = signals.wait() => {
            info!("shutting down: finishing the current block");
            shutdown.cancel();
            running.await
        }
        result = &mut running => {
            shutdown.cancel();
            result
        }
    };
    let _ = gateway.await;
    match result {
        Ok(outcome) => Ok(outcome?),
        Err(e) => Err(anyhow::anyhow!("the daemon task failed: {e}")),
    }
}

/// Ctrl-C (SIGINT), or SIGTERM (how service managers and Docker stop a process).
struct Shutdown {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Shutdown {
    #[cfg(unix)]
    fn install() -> std::io::Result<Self> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    #[cfg(not(unix))]
    fn install() -> std::io::Result<Self> {
        Ok(Self {})
    }

    #[cfg(unix)]
    async fn wait(mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }

    #[cfg(not(unix))]
    async fn wait(self) {
        let _ = tokio::signal::ctrl_c().await;
    }
}
