//! The command tree.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::commands;
use crate::output::OutputMode;
use crate::parse::{
    parse_block_time, parse_gas, parse_gas_adjustment, parse_gas_price, GasArg, GasPriceArg,
};

const AFTER_HELP: &str = "\
Settings come from, highest first: a flag, its environment variable, the config file
(~/.kumo/config.toml, or --config / KUMO_CONFIG), the built-in default. `kumo config show`
prints each setting with its source; `kumo config example` prints a commented config file.

Environment:
  KUMO_NODE, KUMO_CHAIN_ID, KUMO_FROM, KUMO_KEYRING_DIR, KUMO_KEYRING_BACKEND, KUMO_GAS,
  KUMO_GAS_ADJUSTMENT, KUMO_GAS_PRICES, KUMO_OUTPUT, KUMO_BLOCK_TIME, KUMO_MARKET,
  KUMO_REGISTRY, KUMO_GOVERNANCE, KUMO_CONFIG   the flags of the same name
  KUMO_KEYRING_PASSPHRASE   the file keyring's passphrase, for scripts (else it is asked)

Transactions show the estimated fee and ask before broadcasting; -y skips the question, and
without a terminal -y is required. Exit status: 0 on success, 1 on any failure, 2 on bad usage.";

/// kumo: rent and offer GPU compute on the Kumo marketplace.
#[derive(Debug, Parser)]
#[command(
    name = "kumo",
    version,
    about = "Kumo: a GPU compute marketplace on CosmWasm (Akash-style deployments, bids, leases, governance)",
    after_help = AFTER_HELP,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// `--keyring-backend file|test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KeyringBackendArg {
    /// Keys encrypted with a passphrase (KUMO_KEYRING_PASSPHRASE or a prompt).
    File,
    /// Keys in plaintext: for tests and devnets only.
    Test,
}

impl std::str::FromStr for KeyringBackendArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "file" => Ok(KeyringBackendArg::File),
            "test" => Ok(KeyringBackendArg::Test),
            other => Err(format!(
                "{other:?} is not a keyring backend: use file (encrypted) or test (plaintext)"
            )),
        }
    }
}

impl std::fmt::Display for KeyringBackendArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            KeyringBackendArg::File => "file",
            KeyringBackendArg::Test => "test",
        })
    }
}

/// Flags every command takes.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Config file [default: ~/.kumo/config.toml]
    #[arg(long, global = true, env = "KUMO_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// RPC address of a node [default: http://127.0.0.1:26657]
    #[arg(long, global = true, env = "KUMO_NODE", value_name = "URL")]
    pub node: Option<String>,

    /// Chain id the node must report [default: kumo-devnet-1]
    #[arg(long, global = true, env = "KUMO_CHAIN_ID", value_name = "ID")]
    pub chain_id: Option<String>,

    /// Name of the key that signs transactions (see `kumo keys list`)
    #[arg(long, global = true, env = "KUMO_FROM", value_name = "KEY")]
    pub from: Option<String>,

    /// Keyring directory [default: ~/.kumo/keyring]
    #[arg(long, global = true, env = "KUMO_KEYRING_DIR", value_name = "DIR")]
    pub keyring_dir: Option<PathBuf>,

    /// Keyring backend: file (encrypted) or test (plaintext) [default: file]
    #[arg(
        long,
        global = true,
        env = "KUMO_KEYRING_BACKEND",
        value_name = "BACKEND"
    )]
    pub keyring_backend: Option<KeyringBackendArg>,

    /// Gas limit: auto (simulate x adjustment) or a number [default: auto]
    #[arg(long, global = true, env = "KUMO_GAS", value_name = "auto|N", value_parser = parse_gas)]
    pub gas: Option<GasArg>,

    /// Factor applied to simulated gas [default: 1.4]
    #[arg(long, global = true, env = "KUMO_GAS_ADJUSTMENT", value_name = "F",
          value_parser = parse_gas_adjustment)]
    pub gas_adjustment: Option<f64>,

    /// Price per unit of gas [default: 0.025uakt]
    #[arg(long, global = true, env = "KUMO_GAS_PRICES", value_name = "PRICE",
          value_parser = parse_gas_price)]
    pub gas_prices: Option<GasPriceArg>,

    /// Market contract address [default: discovered by label]
    #[arg(long, global = true, env = "KUMO_MARKET", value_name = "ADDR")]
    pub market: Option<String>,

    /// Registry contract address [default: discovered by label]
    #[arg(long, global = true, env = "KUMO_REGISTRY", value_name = "ADDR")]
    pub registry: Option<String>,

    /// Governance contract address [default: discovered by label]
    #[arg(long, global = true, env = "KUMO_GOVERNANCE", value_name = "ADDR")]
    pub governance: Option<String>,

    /// Seconds per block, for per-month prices and time left [default: 6]
    #[arg(long, global = true, env = "KUMO_BLOCK_TIME", value_name = "SECS",
          value_parser = parse_block_time)]
    pub block_time: Option<f64>,

    /// Output format [default: text]
    #[arg(short, long, global = true, env = "KUMO_OUTPUT", value_name = "FORMAT")]
    pub output: Option<OutputMode>,

    /// Sign and broadcast without asking; answer yes to confirmations
    #[arg(short = 'y', long = "yes", global = true)]
    pub yes: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage signing keys in the keyring
    #[command(subcommand)]
    Keys(commands::keys::KeysCmd),
    /// Create, fund, update and close deployments (tenant)
    #[command(subcommand)]
    Deployment(commands::deployment::DeploymentCmd),
    /// Browse orders, bids and leases
    #[command(subcommand)]
    Market(commands::market::MarketCmd),
    /// Accept a bid, close a lease, withdraw earnings; send the manifest, see status and logs
    #[command(subcommand)]
    Lease(commands::lease::LeaseCmd),
    /// Register a provider, manage its collateral
    #[command(subcommand)]
    Provider(commands::provider::ProviderCmd),
    /// Sign provider attributes as an auditor
    #[command(subcommand)]
    Audit(commands::audit::AuditCmd),
    /// Stake, propose, vote and execute governance proposals
    #[command(subcommand)]
    Gov(commands::gov::GovCmd),
    /// A deployment's escrow: balance, burn rate, time left
    #[command(subcommand)]
    Escrow(commands::escrow::EscrowCmd),
    /// Check SDL files without touching a chain
    #[command(subcommand)]
    Sdl(commands::sdl::SdlCmd),
    /// An account's balances and sequence
    Account(commands::account::AccountArgs),
    /// Look up balances and transactions
    #[command(subcommand)]
    Query(commands::account::QueryCmd),
    /// Send tokens to another account
    Send(commands::account::SendArgs),
    /// Show the effective settings and where they come from
    #[command(subcommand)]
    Config(commands::tools::ConfigCmd),
    /// Print shell completions (bash, zsh, fish, elvish, powershell)
    Completions(commands::tools::CompletionsArgs),
    /// Print the man page, or write every page to a directory
    Man(commands::tools::ManArgs),
    /// Run a local single-node chain with Kumo's contracts (like anvil)
    Devnet(commands::tools::DevnetCmd),
    /// Run the whole marketplace on this machine: chain, contracts, this machine as a provider
    Up(commands::up::UpArgs),
    /// A scripted journey through the marketplace, against `kumo up` or its own instance
    Demo(commands::demo::DemoArgs),
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_tree_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_flags_work_after_the_subcommand() {
        let _env = crate::config::tests_env_lock();
        let cli = Cli::try_parse_from([
            "kumo",
            "sdl",
            "check",
            "x.yaml",
            "--node",
            "http://127.0.0.1:1",
            "-o",
            "json",
            "-y",
        ])
        .unwrap();
        assert_eq!(cli.global.node.as_deref(), Some("http://127.0.0.1:1"));
        assert_eq!(cli.global.output, Some(OutputMode::Json));
        assert!(cli.global.yes);
    }

    #[test]
    fn bad_flag_values_are_refused_with_a_hint() {
        let _env = crate::config::tests_env_lock();
        let err = Cli::try_parse_from(["kumo", "--gas", "lots", "sdl", "check", "x"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("use `auto`"), "{err}");
        let err = Cli::try_parse_from(["kumo", "--gas-prices", "0.1", "sdl", "check", "x"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("no denom"), "{err}");
        let err = Cli::try_parse_from(["kumo", "--keyring-backend", "os", "sdl", "check", "x"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("file") && err.contains("test"), "{err}");
    }

    #[test]
    fn help_documents_environment_and_precedence() {
        let help = Cli::command().render_long_help().to_string();
        for needle in [
            "KUMO_NODE",
            "KUMO_CHAIN_ID",
            "KUMO_FROM",
            "KUMO_KEYRING_BACKEND",
            "KUMO_KEYRING_PASSPHRASE",
            "config.toml",
            "highest first",
        ] {
            assert!(help.contains(needle), "help lacks {needle}");
        }
    }
}
