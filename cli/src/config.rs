//! Settings from four layers, highest first: command-line flag, environment variable, config
//! file (`~/.kumo/config.toml`, or `--config` / `KUMO_CONFIG`), built-in default.
//!
//! Clap reads flags and their environment variables (a flag beats its variable); this module
//! lays the file and the defaults under them and remembers where each value came from, which
//! `kumo config show` prints.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use serde::{Deserialize, Serialize};

use crate::cli::{GlobalArgs, KeyringBackendArg};
use crate::output::OutputMode;
use crate::parse::{
    parse_block_time, parse_gas, parse_gas_adjustment, parse_gas_price, GasArg, GasPriceArg,
};

pub const DEFAULT_NODE: &str = "http://127.0.0.1:26657";
pub const DEFAULT_CHAIN_ID: &str = "kumo-devnet-1";
pub const DEFAULT_GAS_ADJUSTMENT: f64 = 1.4;
pub const DEFAULT_GAS_PRICES: &str = "0.025uakt";
/// Seconds per block assumed for per-month prices and time left (Akash's ~6 s).
pub const DEFAULT_BLOCK_TIME: f64 = 6.0;
pub const DEFAULT_DENOM: &str = "uakt";
pub const DEFAULT_PREFIX: &str = "kumo";

/// Where a setting's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Flag,
    Env,
    File,
    Default,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Source::Flag => "flag",
            Source::Env => "env",
            Source::File => "config file",
            Source::Default => "default",
        })
    }
}

/// `gas = "auto"` or `gas = 300000` in the file.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum FileGas {
    Limit(u64),
    Text(String),
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FileContracts {
    pub market: Option<String>,
    pub registry: Option<String>,
    pub governance: Option<String>,
}

/// `~/.kumo/config.toml`. Every key is optional.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub node: Option<String>,
    pub chain_id: Option<String>,
    pub from: Option<String>,
    pub keyring_dir: Option<PathBuf>,
    pub keyring_backend: Option<String>,
    pub gas: Option<FileGas>,
    pub gas_adjustment: Option<f64>,
    pub gas_prices: Option<String>,
    pub output: Option<String>,
    pub block_time: Option<f64>,
    pub denom: Option<String>,
    pub bech32_prefix: Option<String>,
    #[serde(default)]
    pub contracts: FileContracts,
}

/// A commented example, printed by `kumo config example`.
pub const EXAMPLE: &str = r#"# ~/.kumo/config.toml: defaults for every kumo command.
# Precedence: command-line flag > environment variable > this file > built-in default.
node = "http://127.0.0.1:26657"     # KUMO_NODE
chain_id = "kumo-devnet-1"          # KUMO_CHAIN_ID
from = "alice"                      # KUMO_FROM: the key that signs
keyring_dir = "~/.kumo/keyring"     # KUMO_KEYRING_DIR
keyring_backend = "file"            # KUMO_KEYRING_BACKEND: file (encrypted) or test (plaintext)
gas = "auto"                        # KUMO_GAS: auto (simulate) or a limit such as 300000
gas_adjustment = 1.4                # KUMO_GAS_ADJUSTMENT
gas_prices = "0.025uakt"            # KUMO_GAS_PRICES
output = "text"                     # KUMO_OUTPUT: text or json
block_time = 6.0                    # KUMO_BLOCK_TIME: seconds per block, for per-month prices
# denom = "uakt"                    # the chain's fee and deposit denom
# bech32_prefix = "kumo"

# Contract addresses; any left out are discovered on chain by label.
[contracts]
# market = "kumo1..."               # KUMO_MARKET
# registry = "kumo1..."             # KUMO_REGISTRY
# governance = "kumo1..."           # KUMO_GOVERNANCE
"#;

impl FileConfig {
    pub fn parse(text: &str, path: &Path) -> anyhow::Result<FileConfig> {
        toml::from_str(text).map_err(|e| {
            anyhow::anyhow!(
                "config file {}: {}fix the file, or point --config / KUMO_CONFIG at another \
                 (`kumo config example` prints every key)",
                path.display(),
                e.to_string().trim_end().to_owned() + "\n"
            )
        })
    }

    /// Reads the file at `path`. A missing file is an error only when `explicit` (given with
    /// `--config` or `KUMO_CONFIG`).
    pub fn load(path: &Path, explicit: bool) -> anyhow::Result<Option<FileConfig>> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(Some(Self::parse(&text, path)?)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => Ok(None),
            Err(e) => Err(e).with_context(|| {
                format!(
                    "cannot read the config file {}: check --config / KUMO_CONFIG",
                    path.display()
                )
            }),
        }
    }
}

/// `~/.kumo`.
pub fn kumo_home() -> PathBuf {
    dirs::home_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join(".kumo")
}

pub fn default_config_path() -> PathBuf {
    kumo_home().join("config.toml")
}

pub fn default_keyring_dir() -> PathBuf {
    kumo_home().join("keyring")
}

/// `~/x` to the home directory.
pub fn expand_tilde(path: &Path) -> PathBuf {
    match path.to_str().and_then(|s| s.strip_prefix("~/")) {
        Some(rest) => dirs::home_dir()
            .unwrap_or_else(|| PathBuf::from("."))
            .join(rest),
        None => path.to_path_buf(),
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Contracts {
    pub market: Option<String>,
    pub registry: Option<String>,
    pub governance: Option<String>,
}

/// Every setting, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub node: String,
    pub chain_id: String,
    pub from: Option<String>,
    pub keyring_dir: PathBuf,
    pub keyring_backend: KeyringBackendArg,
    pub gas: GasArg,
    pub gas_adjustment: f64,
    pub gas_prices: GasPriceArg,
    pub output: OutputMode,
    pub block_time: f64,
    pub denom: String,
    pub bech32_prefix: String,
    pub contracts: Contracts,
    pub yes: bool,
    /// The config file read, if any.
    pub config_file: Option<PathBuf>,
    /// Where each setting came from, by its config-file key.
    pub sources: BTreeMap<&'static str, Source>,
}

/// One setting through the layers.
struct Layer<'a> {
    sources: &'a mut BTreeMap<&'static str, Source>,
    cli_source: &'a dyn Fn(&str) -> Source,
    file_path: &'a Path,
}

impl Layer<'_> {
    /// `cli` (flag or env, as clap found it), else the file's value parsed, else `default`.
    fn pick<T, F>(
        &mut self,
        key: &'static str,
        cli: Option<T>,
        file: Option<F>,
        parse_file: impl FnOnce(F) -> Result<T, String>,
        default: impl FnOnce() -> T,
    ) -> anyhow::Result<T> {
        if let Some(v) = cli {
            self.sources.insert(key, (self.cli_source)(key));
            return Ok(v);
        }
        if let Some(raw) = file {
            let v = parse_file(raw).map_err(|e| {
                anyhow::anyhow!(
                    "config file {}: `{key}`: {e}; fix the file or override it with a flag",
                    self.file_path.display()
                )
            })?;
            self.sources.insert(key, Source::File);
            return Ok(v);
        }
        self.sources.insert(key, Source::Default);
        Ok(default())
    }
}

fn non_empty(s: String) -> Result<String, String> {
    if s.trim().is_empty() {
        Err("must not be empty".into())
    } else {
        Ok(s)
    }
}

impl Settings {
    /// Lays the file and the defaults under what clap found. `cli_source` tells, for a key
    /// whose value came from clap, whether it was a flag or an environment variable.
    pub fn resolve(
        args: &GlobalArgs,
        cli_source: &dyn Fn(&str) -> Source,
        file: Option<(PathBuf, FileConfig)>,
    ) -> anyhow::Result<Settings> {
        let (file_path, file) = match file {
            Some((p, f)) => (Some(p), f),
            None => (None, FileConfig::default()),
        };
        let shown_path = file_path.clone().unwrap_or_else(default_config_path);
        let mut sources = BTreeMap::new();
        let mut l = Layer {
            sources: &mut sources,
            cli_source,
            file_path: &shown_path,
        };
        let node = l.pick("node", args.node.clone(), file.node, non_empty, || {
            DEFAULT_NODE.into()
        })?;
        let chain_id = l.pick(
            "chain_id",
            args.chain_id.clone(),
            file.chain_id,
            non_empty,
            || DEFAULT_CHAIN_ID.into(),
        )?;
        let from = l.pick(
            "from",
            args.from.clone().map(Some),
            file.from,
            |s| non_empty(s).map(Some),
            || None,
        )?;
        let keyring_dir = l.pick(
            "keyring_dir",
            args.keyring_dir.clone(),
            file.keyring_dir,
            |p| Ok(expand_tilde(&p)),
            default_keyring_dir,
        )?;
        let keyring_backend = l.pick(
            "keyring_backend",
            args.keyring_backend,
            file.keyring_backend,
            |s| s.parse(),
            || KeyringBackendArg::File,
        )?;
        let gas = l.pick(
            "gas",
            args.gas,
            file.gas,
            |g| match g {
                FileGas::Limit(n) => parse_gas(&n.to_string()),
                FileGas::Text(s) => parse_gas(&s),
            },
            || GasArg::Auto,
        )?;
        let gas_adjustment = l.pick(
            "gas_adjustment",
            args.gas_adjustment,
            file.gas_adjustment,
            |v| parse_gas_adjustment(&v.to_string()),
            || DEFAULT_GAS_ADJUSTMENT,
        )?;
        let gas_prices = l.pick(
            "gas_prices",
            args.gas_prices.clone(),
            file.gas_prices,
            |s| parse_gas_price(&s),
            || parse_gas_price(DEFAULT_GAS_PRICES).expect("default gas price parses"),
        )?;
        let output = l.pick(
            "output",
            args.output,
            file.output,
            |s| s.parse(),
            OutputMode::default,
        )?;
        let block_time = l.pick(
            "block_time",
            args.block_time,
            file.block_time,
            |v| parse_block_time(&v.to_string()),
            || DEFAULT_BLOCK_TIME,
        )?;
        let denom = l.pick(
            "denom",
            None::<String>,
            file.denom,
            |s| {
                kumo_types::coins::validate_denom("denom", &s)
                    .map(|_| s)
                    .map_err(|e| e.reason)
            },
            || DEFAULT_DENOM.into(),
        )?;
        let bech32_prefix = l.pick(
            "bech32_prefix",
            None::<String>,
            file.bech32_prefix,
            non_empty,
            || DEFAULT_PREFIX.into(),
        )?;
        let market = l.pick(
            "contracts.market",
            args.market.clone().map(Some),
            file.contracts.market,
            |s| non_empty(s).map(Some),
            || None,
        )?;
        let registry = l.pick(
            "contracts.registry",
            args.registry.clone().map(Some),
            file.contracts.registry,
            |s| non_empty(s).map(Some),
            || None,
        )?;
        let governance = l.pick(
            "contracts.governance",
            args.governance.clone().map(Some),
            file.contracts.governance,
            |s| non_empty(s).map(Some),
            || None,
        )?;
        if !(node.starts_with("http://") || node.starts_with("https://")) {
            bail!(
                "node {node:?} is not an http(s) URL: set --node / KUMO_NODE to the node's RPC \
                 address, e.g. {DEFAULT_NODE}"
            );
        }
        Ok(Settings {
            node,
            chain_id,
            from,
            keyring_dir,
            keyring_backend,
            gas,
            gas_adjustment,
            gas_prices,
            output,
            block_time,
            denom,
            bech32_prefix,
            contracts: Contracts {
                market,
                registry,
                governance,
            },
            yes: args.yes,
            config_file: file_path,
            sources,
        })
    }

    /// Every setting with its value and source, for `kumo config show`.
    pub fn table(&self) -> Vec<(&'static str, String, Source)> {
        let src = |k: &str| self.sources.get(k).copied().unwrap_or(Source::Default);
        let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".into());
        vec![
            ("node", self.node.clone(), src("node")),
            ("chain_id", self.chain_id.clone(), src("chain_id")),
            ("from", opt(&self.from), src("from")),
            (
                "keyring_dir",
                self.keyring_dir.display().to_string(),
                src("keyring_dir"),
            ),
            (
                "keyring_backend",
                self.keyring_backend.to_string(),
                src("keyring_backend"),
            ),
            ("gas", self.gas.to_string(), src("gas")),
            (
                "gas_adjustment",
                self.gas_adjustment.to_string(),
                src("gas_adjustment"),
            ),
            ("gas_prices", self.gas_prices.to_string(), src("gas_prices")),
            ("output", self.output.to_string(), src("output")),
            ("block_time", self.block_time.to_string(), src("block_time")),
            ("denom", self.denom.clone(), src("denom")),
            (
                "bech32_prefix",
                self.bech32_prefix.clone(),
                src("bech32_prefix"),
            ),
            (
                "contracts.market",
                self.contracts
                    .market
                    .clone()
                    .unwrap_or_else(|| "(discovered by label)".into()),
                src("contracts.market"),
            ),
            (
                "contracts.registry",
                self.contracts
                    .registry
                    .clone()
                    .unwrap_or_else(|| "(discovered by label)".into()),
                src("contracts.registry"),
            ),
            (
                "contracts.governance",
                self.contracts
                    .governance
                    .clone()
                    .unwrap_or_else(|| "(discovered by label)".into()),
                src("contracts.governance"),
            ),
        ]
    }
}

/// Tests that set environment variables, or parse command lines (clap reads the environment),
/// hold this lock.
#[cfg(test)]
pub(crate) fn tests_env_lock() -> std::sync::MutexGuard<'static, ()> {
    static ENV_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    ENV_LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::Parser;

    fn flags(args: &[&str]) -> GlobalArgs {
        let mut argv = vec!["kumo"];
        argv.extend_from_slice(args);
        argv.push("sdl");
        argv.push("check");
        argv.push("x.yaml");
        Cli::try_parse_from(argv).unwrap().global
    }

    fn file(text: &str) -> Option<(PathBuf, FileConfig)> {
        let path = PathBuf::from("/tmp/kumo-test-config.toml");
        Some((path.clone(), FileConfig::parse(text, &path).unwrap()))
    }

    fn flag_source(_: &str) -> Source {
        Source::Flag
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let _env = tests_env_lock();
        let s = Settings::resolve(&flags(&[]), &flag_source, None).unwrap();
        assert_eq!(s.node, DEFAULT_NODE);
        assert_eq!(s.chain_id, DEFAULT_CHAIN_ID);
        assert_eq!(s.from, None);
        assert_eq!(s.gas, GasArg::Auto);
        assert_eq!(s.gas_adjustment, 1.4);
        assert_eq!(s.gas_prices.to_string(), "0.025uakt");
        assert_eq!(s.keyring_backend, KeyringBackendArg::File);
        assert_eq!(s.output, OutputMode::Text);
        assert_eq!(s.block_time, 6.0);
        assert!(s.keyring_dir.ends_with(".kumo/keyring"));
        assert!(s.sources.values().all(|v| *v == Source::Default));
    }

    #[test]
    fn file_beats_default_and_flag_beats_file() {
        let _env = tests_env_lock();
        let text = r#"
            node = "http://127.0.0.1:1111"
            chain_id = "from-file"
            from = "alice"
            gas = 250000
            gas_prices = "0.5uakt"
            keyring_backend = "test"
            keyring_dir = "~/kr"
            output = "json"
            block_time = 5.5
            [contracts]
            market = "kumo1market"
        "#;
        let s = Settings::resolve(&flags(&[]), &flag_source, file(text)).unwrap();
        assert_eq!(s.node, "http://127.0.0.1:1111");
        assert_eq!(s.chain_id, "from-file");
        assert_eq!(s.from.as_deref(), Some("alice"));
        assert_eq!(s.gas, GasArg::Fixed(250_000));
        assert_eq!(s.gas_prices.to_string(), "0.5uakt");
        assert_eq!(s.keyring_backend, KeyringBackendArg::Test);
        assert_eq!(s.output, OutputMode::Json);
        assert_eq!(s.block_time, 5.5);
        assert!(s.keyring_dir.ends_with("kr") && !s.keyring_dir.starts_with("~"));
        assert_eq!(s.contracts.market.as_deref(), Some("kumo1market"));
        assert_eq!(s.sources["node"], Source::File);
        assert_eq!(s.sources["gas_adjustment"], Source::Default);

        let s = Settings::resolve(
            &flags(&[
                "--node",
                "http://127.0.0.1:2222",
                "--gas",
                "auto",
                "--from",
                "bob",
                "-o",
                "text",
                "--market",
                "kumo1other",
            ]),
            &flag_source,
            file(text),
        )
        .unwrap();
        assert_eq!(s.node, "http://127.0.0.1:2222");
        assert_eq!(s.gas, GasArg::Auto);
        assert_eq!(s.from.as_deref(), Some("bob"));
        assert_eq!(s.output, OutputMode::Text);
        assert_eq!(s.contracts.market.as_deref(), Some("kumo1other"));
        // Untouched keys still come from the file.
        assert_eq!(s.chain_id, "from-file");
        assert_eq!(s.sources["node"], Source::Flag);
        assert_eq!(s.sources["chain_id"], Source::File);
    }

    #[test]
    fn env_beats_file_and_flag_beats_env() {
        let _env = tests_env_lock();
        let text = r#"chain_id = "from-file"
node = "http://127.0.0.1:1111""#;
        std::env::set_var("KUMO_CHAIN_ID", "from-env");
        std::env::set_var("KUMO_GAS_PRICES", "0.1uakt");
        let env_source = |k: &str| {
            if k == "chain_id" || k == "gas_prices" {
                Source::Env
            } else {
                Source::Flag
            }
        };
        let from_env = Settings::resolve(&flags(&[]), &env_source, file(text));
        let from_flag = Settings::resolve(
            &flags(&["--chain-id", "from-flag"]),
            &flag_source,
            file(text),
        );
        std::env::remove_var("KUMO_CHAIN_ID");
        std::env::remove_var("KUMO_GAS_PRICES");
        let from_env = from_env.unwrap();
        assert_eq!(from_env.chain_id, "from-env");
        assert_eq!(from_env.sources["chain_id"], Source::Env);
        assert_eq!(from_env.gas_prices.to_string(), "0.1uakt");
        assert_eq!(from_env.node, "http://127.0.0.1:1111");
        assert_eq!(from_flag.unwrap().chain_id, "from-flag");
    }

    #[test]
    fn bad_file_values_name_the_file_and_key() {
        let _env = tests_env_lock();
        let err = Settings::resolve(&flags(&[]), &flag_source, file(r#"gas = "lots""#))
            .unwrap_err()
            .to_string();
        assert!(err.contains("`gas`"), "{err}");
        assert!(err.contains("kumo-test-config.toml"), "{err}");
        let err = Settings::resolve(&flags(&[]), &flag_source, file(r#"keyring_backend = "os""#))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`keyring_backend`") && err.contains("use file"),
            "{err}"
        );
        // An override with a good flag value wins over a broken file value.
        assert!(Settings::resolve(
            &flags(&["--gas", "1000"]),
            &flag_source,
            file(r#"gas = "lots""#)
        )
        .is_ok());
        let err = FileConfig::parse("nodes = 1", Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("nodes") && err.contains("c.toml"), "{err}");
        let err = Settings::resolve(&flags(&["--node", "127.0.0.1:26657"]), &flag_source, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not an http(s) URL"), "{err}");
    }

    #[test]
    fn a_missing_default_file_is_fine_but_an_explicit_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        assert!(FileConfig::load(&path, false).unwrap().is_none());
        let err = FileConfig::load(&path, true).unwrap_err().to_string();
        assert!(err.contains("--config"), "{err}");
        std::fs::write(&path, EXAMPLE).unwrap();
        let parsed = FileConfig::load(&path, true).unwrap().unwrap();
        assert_eq!(parsed.from.as_deref(), Some("alice"));
        assert_eq!(parsed.gas, Some(FileGas::Text("auto".into())));
    }
}
