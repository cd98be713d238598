//! The anvil-like command line of `kumo-devnet`, as a clap `Args` struct so `kumo devnet` can
//! flatten the same flags into its own CLI.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

use crate::launch::GenesisProfile;
use crate::node::NodeConfig;

#[derive(Debug, Clone, clap::Args)]
pub struct DevnetArgs {
    /// Address the RPC server listens on.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST), env = "KUMO_DEVNET_HOST")]
    pub host: IpAddr,

    /// Port of the RPC server (CometBFT's default is 26657); 0 picks a free port.
    #[arg(long, short, default_value_t = 26657, env = "KUMO_DEVNET_PORT")]
    pub port: u16,

    /// Seconds between blocks (fractions allowed); 0 mines a block as soon as txs arrive.
    #[arg(long, short = 'b', default_value_t = 1.0, value_name = "SECONDS")]
    pub block_time: f64,

    /// Mine a block as soon as txs arrive (same as --block-time 0).
    #[arg(long, conflicts_with = "block_time")]
    pub mine_per_tx: bool,

    /// Directory of the chain's state (default ~/.kumo/devnet).
    #[arg(long, value_name = "DIR", env = "KUMO_DEVNET_HOME")]
    pub home: Option<PathBuf>,

    /// Keep everything in memory; nothing is written to disk.
    #[arg(long, conflicts_with_all = ["home", "reset"])]
    pub in_memory: bool,

    /// Chain id of a new chain.
    #[arg(long, default_value = NodeConfig::DEFAULT_CHAIN_ID)]
    pub chain_id: String,

    /// Number of funded dev accounts derived from the dev mnemonic.
    #[arg(long, short = 'a', default_value_t = 10)]
    pub accounts: u32,

    /// Balance of each dev account, in the staking denom's base unit.
    #[arg(long, default_value_t = 1_000_000_000_000)]
    pub balance: u128,

    /// Delete the chain in --home and start a new one.
    #[arg(long)]
    pub reset: bool,

    /// Do not deploy Kumo's contracts at genesis.
    #[arg(long)]
    pub no_contracts: bool,

    /// Directory of the contract .wasm artifacts deployed at genesis (default ./artifacts).
    #[arg(long, value_name = "DIR", conflicts_with = "no_contracts")]
    pub artifacts: Option<PathBuf>,

    /// Params of Kumo's contracts at genesis: `default`, or `local-market` (dev account 2 is a
    /// certified auditor; governance votes 20 s, timelock 5 s, deposit period 20 s).
    #[arg(long, value_enum, default_value_t = GenesisProfile::Default, value_name = "PROFILE")]
    pub profile: GenesisProfile,

    /// Log filter, e.g. `info` or `kumo_devnet=debug` (RUST_LOG overrides it).
    #[arg(long, default_value = "info")]
    pub log_level: String,
}

impl DevnetArgs {
    /// Seconds between blocks; 0 when mining per tx.
    pub fn block_time_secs(&self) -> f64 {
        if self.mine_per_tx {
            0.0
        } else {
            self.block_time
        }
    }

    /// The home directory: `--home`, or `~/.kumo/devnet`; `None` with `--in-memory`.
    pub fn home_dir(&self) -> Option<PathBuf> {
        if self.in_memory {
            return None;
        }
        Some(self.home.clone().unwrap_or_else(default_home))
    }
}

/// `~/.kumo/devnet`
pub fn default_home() -> PathBuf {
    let base = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    base.join(".kumo").join("devnet")
}
