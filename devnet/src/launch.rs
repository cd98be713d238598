//! A running devnet in this process: the node and its RPC server, started and stopped together.
//! Tests start one on a random loopback port; the `kumo-devnet` binary and `kumo devnet` start
//! one on the configured address with [`run`].

use std::net::SocketAddr;
use std::path::PathBuf;

use tracing::{error, info, warn};

use crate::abci::Application;
use crate::app::dev_accounts::roles;
use crate::app::genesis::{local_market, KumoContractParams};
use crate::app::{dev_accounts, AppOptions, ChainParams, GenesisBuilder, GenesisContract, KumoApp};
use crate::banner::{Banner, BannerAccount};
use crate::cli::DevnetArgs;
use crate::node::{
    reset_home, BlockProduction, GenesisSpec, Node, NodeConfig, NodeError, NodeHandle,
    StoreLocation,
};
use crate::rpc::{RpcConfig, RpcServer, RpcServerError};

/// Which params Kumo's contracts get at genesis.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum GenesisProfile {
    /// The devnet's defaults: no certified auditor, governance periods of minutes.
    #[default]
    Default,
    /// A whole local marketplace (what `kumo up` runs): dev account 2 (`auditor`) is a
    /// certified auditor, and governance votes for 20 s with a 5 s timelock and a 20 s deposit
    /// period, so that a proposal passes inside a demo.
    LocalMarket,
}

impl GenesisProfile {
    pub fn name(self) -> &'static str {
        match self {
            GenesisProfile::Default => "default",
            GenesisProfile::LocalMarket => "local-market",
        }
    }

    /// The contract params of this profile for a chain in `denom` with `prefix` addresses.
    pub fn contract_params(self, denom: &str, prefix: &str) -> KumoContractParams {
        match self {
            GenesisProfile::Default => KumoContractParams::devnet(denom),
            GenesisProfile::LocalMarket => {
                let auditor = crate::app::dev_accounts::derive_account(
                    crate::app::DEV_MNEMONIC,
                    roles::AUDITOR,
                    prefix,
                )
                .expect("the dev mnemonic is valid")
                .address;
                KumoContractParams::local_market(denom, &auditor)
            }
        }
    }

    /// One line for the banner.
    pub fn describe(self) -> String {
        match self {
            GenesisProfile::Default => "default".into(),
            GenesisProfile::LocalMarket => format!(
                "local-market (dev{} is a certified auditor; voting {}s, timelock {}s, deposit period {}s)",
                roles::AUDITOR,
                local_market::VOTING_PERIOD_SECONDS,
                local_market::TIMELOCK_SECONDS,
                local_market::MAX_DEPOSIT_PERIOD_SECONDS
            ),
        }
    }
}

/// Everything a devnet is started with.
#[derive(Debug, Clone)]
pub struct DevnetConfig {
    pub rpc_addr: SocketAddr,
    pub block_production: BlockProduction,
    /// The chain's directory; `None` keeps everything in memory.
    pub home: Option<PathBuf>,
    pub chain_id: String,
    /// Dev accounts funded at genesis.
    pub accounts: u32,
    /// Each dev account's balance in the chain denom.
    pub balance: u128,
    /// Deletes the chain in `home` first.
    pub reset: bool,
    /// Where Kumo's contract artifacts are; `None` deploys no contracts.
    pub artifacts: Option<PathBuf>,
    /// Whether missing artifacts are an error (given explicitly) or only a warning (default).
    pub artifacts_required: bool,
    /// The contracts' params at genesis.
    pub profile: GenesisProfile,
    pub rpc: RpcConfig,
}

impl DevnetConfig {
    /// An in-memory chain mining on demand, RPC on a free loopback port, no contracts: what
    /// tests want.
    pub fn in_memory() -> Self {
        DevnetConfig {
            rpc_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            block_production: BlockProduction::OnDemand,
            home: None,
            chain_id: NodeConfig::DEFAULT_CHAIN_ID.to_string(),
            accounts: crate::app::dev_accounts::DEFAULT_DEV_ACCOUNT_COUNT,
            balance: 1_000_000_000_000,
            reset: false,
            artifacts: None,
            artifacts_required: false,
            profile: GenesisProfile::Default,
            rpc: RpcConfig::default(),
        }
    }

    pub fn from_args(args: &DevnetArgs) -> Self {
        let (artifacts, artifacts_required) = match (&args.artifacts, args.no_contracts) {
            (_, true) => (None, false),
            (Some(dir), false) => (Some(dir.clone()), true),
            (None, false) => (Some(PathBuf::from("artifacts")), false),
        };
        DevnetConfig {
            rpc_addr: SocketAddr::new(args.host, args.port),
            block_production: BlockProduction::from_secs_f64(args.block_time_secs()),
            home: args.home_dir(),
            chain_id: args.chain_id.clone(),
            accounts: args.accounts,
            balance: args.balance,
            reset: args.reset,
            artifacts,
            artifacts_required,
            profile: args.profile,
            rpc: RpcConfig::default(),
        }
    }

    fn node_config(&self) -> NodeConfig {
        let store = match &self.home {
            Some(home) => StoreLocation::Home(home.clone()),
            None => StoreLocation::InMemory,
        };
        let mut config = NodeConfig::new(self.chain_id.clone(), store);
        config.block_production = self.block_production;
        config
    }

    /// The application's genesis: funded dev accounts and, if artifacts are there, Kumo's
    /// contracts deployed by dev account 0. Only used when the chain is new.
    fn genesis(&self) -> Result<GenesisSpec, DevnetError> {
        let params = ChainParams::default();
        let mut builder =
            GenesisBuilder::new(params.clone()).dev_accounts(self.accounts.max(1), self.balance);
        if let Some(dir) = &self.artifacts {
            let deployer = dev_accounts(&params.bech32_prefix, 1).remove(0).address;
            let dir = dir.canonicalize().unwrap_or_else(|_| dir.clone());
            let contract_params = self
                .profile
                .contract_params(&params.denom, &params.bech32_prefix);
            match builder
                .clone()
                .kumo_contracts_with(&dir, &deployer, &contract_params)
            {
                Ok(with_contracts) => builder = with_contracts,
                Err(e) if !self.artifacts_required => {
                    warn!("not deploying Kumo's contracts: {e}");
                }
                Err(e) => return Err(DevnetError::Setup(e.to_string())),
            }
        }
        Ok(GenesisSpec {
            genesis_time: None,
            app_state: builder.to_json(),
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DevnetError {
    #[error(transparent)]
    Node(#[from] NodeError),
    #[error(transparent)]
    Rpc(#[from] RpcServerError),
    #[error("{0}")]
    Setup(String),
}

/// A node with its RPC server.
#[derive(Debug)]
pub struct Devnet {
    node: Node,
    rpc: RpcServer,
}

impl Devnet {
    /// Starts the real application (auth, bank, wasm) under a node, creating the chain on
    /// first start, and serves RPC on `config.rpc_addr`.
    pub async fn spawn(config: DevnetConfig) -> Result<Devnet, DevnetError> {
        if config.reset {
            if let Some(home) = &config.home {
                reset_home(home)
                    .map_err(|e| DevnetError::Setup(format!("reset {}: {e}", home.display())))?;
            }
        }
        let options = match &config.home {
            Some(home) => {
                std::fs::create_dir_all(home)
                    .map_err(|e| DevnetError::Setup(format!("create {}: {e}", home.display())))?;
                AppOptions::at_home(home)
            }
            None => AppOptions::in_memory(),
        };
        let app = KumoApp::open(options).map_err(|e| DevnetError::Setup(e.to_string()))?;
        Self::spawn_with_app(
            app,
            config.node_config(),
            config.genesis()?,
            config.rpc_addr,
            config.rpc.clone(),
        )
        .await
    }

    /// Starts `app` under a node and serves RPC on `rpc_addr` (`127.0.0.1:0` for a free port).
    pub async fn spawn_with_app<A: Application>(
        app: A,
        node_config: NodeConfig,
        genesis: GenesisSpec,
        rpc_addr: SocketAddr,
        rpc_config: RpcConfig,
    ) -> Result<Devnet, DevnetError> {
        let node = Node::start(app, node_config, genesis).await?;
        let rpc = match RpcServer::bind(node.handle(), rpc_addr, rpc_config).await {
            Ok(rpc) => rpc,
            Err(e) => {
                node.shutdown().await;
                return Err(e.into());
            }
        };
        Ok(Devnet { node, rpc })
    }

    pub fn handle(&self) -> NodeHandle {
        self.node.handle()
    }

    pub fn rpc_addr(&self) -> SocketAddr {
        self.rpc.local_addr()
    }

    /// `http://127.0.0.1:<port>`
    pub fn rpc_url(&self) -> String {
        self.rpc.url()
    }

    /// `ws://127.0.0.1:<port>/websocket`
    pub fn websocket_url(&self) -> String {
        self.rpc.websocket_url()
    }

    /// The contracts genesis deployed (label, address), read from the running application.
    pub async fn genesis_contracts(&self) -> Vec<GenesisContract> {
        self.handle()
            .inspect_app(|app| {
                app.downcast_ref::<KumoApp>()
                    .map(KumoApp::genesis_contracts)
                    .unwrap_or_default()
            })
            .await
            .unwrap_or_default()
    }

    /// What `kumo-devnet` prints at start.
    pub async fn banner(&self, config: &DevnetConfig) -> Banner {
        let params = ChainParams::default();
        let accounts = dev_accounts(&params.bech32_prefix, config.accounts)
            .into_iter()
            .map(|a| BannerAccount {
                name: a.name.clone(),
                private_key_hex: a.private_key_hex(),
                address: a.address,
                balance: format!("{}{}", config.balance, params.denom),
            })
            .collect();
        let contracts = self
            .genesis_contracts()
            .await
            .into_iter()
            .map(|c| (c.label, c.address))
            .collect();
        Banner {
            rpc_url: self.rpc_url(),
            websocket_url: self.websocket_url(),
            chain_id: self.handle().chain_id().to_string(),
            home: config.home.clone(),
            block_time: match config.block_production {
                BlockProduction::Interval(d) => format!("{}s", d.as_secs_f64()),
                BlockProduction::OnDemand => "on demand (a block per burst of txs)".into(),
            },
            height: self.handle().latest_height().unwrap_or(0),
            profile: (config.profile != GenesisProfile::Default).then(|| config.profile.describe()),
            mnemonic: crate::app::DEV_MNEMONIC.to_string(),
            hd_path: "m/44'/118'/0'/0/<index>".into(),
            accounts,
            contracts,
        }
    }

    /// Stops the RPC server, then the node after the block in progress.
    pub async fn shutdown(self) {
        self.rpc.shutdown().await;
        self.node.shutdown().await;
    }
}

/// Runs a devnet until Ctrl-C (or SIGTERM), printing the banner first: what `kumo-devnet` and
/// `kumo devnet` do.
pub async fn run(config: DevnetConfig) -> Result<(), DevnetError> {
    let devnet = Devnet::spawn(config.clone()).await?;
    println!("{}", devnet.banner(&config).await);
    let handle = devnet.handle();
    tokio::select! {
        _ = shutdown_signal() => info!("shutting down"),
        _ = handle.stopped() => error!("the node stopped; shutting down"),
    }
    devnet.shutdown().await;
    info!("stopped cleanly");
    Ok(())
}

async fn shutdown_signal() {
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
