//! `provider.yaml`: the daemon's configuration.
//!
//! ```yaml
//! chain:    { node: http://127.0.0.1:26657, chain_id: kumo-devnet, key: provider,
//!             keyring_dir: ./keys, keyring_backend: file }        # file | test | os
//! gateway:  { listen: 0.0.0.0:8443, tls_cert: cert.pem, tls_key: key.pem }
//! attributes: [ { key: region, value: eu-west } ]
//! pricing:
//!   denom: uakt
//!   cpu_per_millicpu: "0.01"      # per block, like every price
//!   memory_per_gib: "1.5"
//!   storage_per_gib: "0.05"
//!   endpoint: "0.5"
//!   gpu: { h100: "120", a100: "80", "*": "60" }   # `*` prices models not listed
//!   script: { path: ./price.sh, timeout: 10s, concurrency: 4 }
//! runtime:
//!   docker: { network: bridge, bind_address: 0.0.0.0, pids_limit: 1024,
//!             image_allowlist: ["docker.io/library/*"] }
//! limits: { max_open_bids: 100, tenant_bids_per_hour: 60, cpu_overcommit: 1, memory_overcommit: 1 }
//! data_dir: ./data
//! timeouts: { bid: 5m, manifest: 5m, withdraw_period: 1h }   # the defaults
//! inventory:                        # optional; replaces detection (tests, demos)
//!   cpu: 16
//!   memory: 64Gi
//!   storage: 500Gi
//!   gpus: [ { uuid: GPU-0, model: h100, memory: 80Gi, interface: sxm } ]
//! registration:                     # `kumo provider register`'s section
//!   host_uri: https://provider.example.com:8443
//!   attributes: [ { key: region, value: eu-west } ]   # used when `attributes` is absent
//! ```
//!
//! Relative paths are taken from the config file's directory. Every single value can be
//! overridden by an environment variable `KUMO_PROVIDER_<PATH>` (see [`env`]), e.g.
//! `KUMO_PROVIDER_CHAIN_NODE`, `KUMO_PROVIDER_TIMEOUTS_BID`,
//! `KUMO_PROVIDER_RUNTIME_DOCKER_NETWORK`. A refused value names its key path and, when it
//! came from the environment, the variable.

pub mod env;
mod parse;
mod raw;
mod validate;

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use cosmwasm_std::Decimal256;
use kumo_types::attributes::Attribute;
use kumo_types::gpu::GpuSpec;

/// The validated configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub chain: ChainConfig,
    pub gateway: GatewayConfig,
    /// Placement attributes, without GPU capabilities (those come from the inventory). When
    /// the file has no top-level `attributes`, the registration's are used.
    pub attributes: Vec<Attribute>,
    pub pricing: PricingConfig,
    pub runtime: RuntimeConfig,
    pub limits: LimitsConfig,
    pub data_dir: PathBuf,
    pub timeouts: TimeoutsConfig,
    /// When set, replaces hardware detection.
    pub inventory: Option<StaticInventory>,
    /// The `registration` section shared with `kumo provider register`, when present.
    pub registration: Option<Registration>,
    /// Things worth a log line that do not stop the daemon (unknown top-level sections).
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainConfig {
    pub node: String,
    pub chain_id: String,
    /// Name of the provider's key in the keyring.
    pub key: String,
    /// `None`: the client's default keyring location.
    pub keyring_dir: Option<PathBuf>,
    pub keyring_backend: KeyringBackend,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyringBackend {
    /// Encrypted files; the passphrase comes from the environment or a prompt.
    File,
    /// Unencrypted, for devnets and tests.
    Test,
    /// The operating system's secret store.
    Os,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayConfig {
    pub listen: SocketAddr,
    /// Both or neither; neither means a self-signed certificate kept in `data_dir`.
    pub tls: Option<TlsFiles>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Scale prices per block, in `denom`.
#[derive(Debug, Clone, PartialEq)]
pub struct PricingConfig {
    pub denom: String,
    pub cpu_per_millicpu: Decimal256,
    pub memory_per_gib: Decimal256,
    pub storage_per_gib: Decimal256,
    pub endpoint: Decimal256,
    pub gpu: GpuPrices,
    pub script: Option<PriceScript>,
}

/// Per-GPU prices by SDL model key, with an optional `*` default.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GpuPrices {
    pub by_model: BTreeMap<String, Decimal256>,
    pub default: Option<Decimal256>,
}

impl GpuPrices {
    /// The price of one GPU of the offered kind: its model's own price, else the `*` price.
    /// Pricing by the concrete model offered (not the order's wildcard) is deliberate.
    pub fn price_for(&self, offered: &GpuSpec) -> Option<Decimal256> {
        self.by_model.get(&offered.model).copied().or(self.default)
    }
}

/// An external program that prices an order (reads the order as JSON on stdin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceScript {
    pub path: PathBuf,
    pub timeout: Duration,
    /// Most scripts running at once.
    pub concurrency: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeConfig {
    pub docker: DockerConfig,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerConfig {
    /// Docker endpoint (`unix:///var/run/docker.sock`, `tcp://...`); `None`: `DOCKER_HOST` or
    /// the local socket.
    pub host: Option<String>,
    pub network: NetworkMode,
    /// Host address that published ports listen on.
    pub bind_address: IpAddr,
    pub pids_limit: u32,
    /// Glob patterns (`*` within one path segment) an image must match; `None` allows all.
    pub image_allowlist: Option<Vec<String>>,
}

impl DockerConfig {
    pub fn image_allowed(&self, image: &str) -> bool {
        match &self.image_allowlist {
            None => true,
            Some(patterns) => patterns
                .iter()
                .any(|p| kumo_types::attributes::glob_match(p, image)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkMode {
    Bridge,
    Host,
    None,
}

impl NetworkMode {
    /// Docker's `HostConfig.NetworkMode` value.
    pub fn as_docker(self) -> &'static str {
        match self {
            NetworkMode::Bridge => "bridge",
            NetworkMode::Host => "host",
            NetworkMode::None => "none",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitsConfig {
    pub max_open_bids: u32,
    pub tenant_bids_per_hour: u32,
    /// Overcommit ratios in thousandths (1000 = none).
    pub cpu_overcommit_millis: u32,
    pub memory_overcommit_millis: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeoutsConfig {
    /// How long an open bid may wait for the tenant before the provider closes it.
    pub bid: Duration,
    /// How long a new lease may wait for its manifest before the provider closes it.
    pub manifest: Duration,
    /// How often earnings are withdrawn.
    pub withdraw_period: Duration,
}

/// Hardware declared in the file instead of detected.
#[derive(Debug, Clone, PartialEq)]
pub struct StaticInventory {
    pub cpu_millis: u64,
    pub memory_bytes: u64,
    pub storage_bytes: u64,
    pub gpus: Vec<StaticGpu>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StaticGpu {
    pub uuid: String,
    /// Vendor nvidia, SDL model key, `ram` as `<n>Gi`, interface pcie or sxm.
    pub spec: GpuSpec,
    pub memory_bytes: u64,
}

/// What the file says is (or will be) registered on chain.
#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    pub host_uri: Option<String>,
    /// Every registered attribute, GPU capabilities included.
    pub attributes: Vec<Attribute>,
}

impl Registration {
    /// The registered GPU capability attributes.
    pub fn gpu_capabilities(&self) -> impl Iterator<Item = &Attribute> {
        self.attributes
            .iter()
            .filter(|a| a.key.starts_with(kumo_types::gpu::CAPABILITY_PREFIX))
    }
}

/// One refused value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Key path such as `timeouts.bid` or `inventory.gpus[1].uuid`.
    pub path: String,
    /// The environment variable the value came from, if any.
    pub env: Option<String>,
    pub reason: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.env {
            Some(var) => write!(f, "{} (from {var}): {}", self.path, self.reason),
            None => write!(f, "{}: {}", self.path, self.reason),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is not YAML of the right shape; the message carries the key path and line.
    #[error("{origin}: {message}")]
    Syntax { origin: String, message: String },
    #[error("{origin}: invalid configuration:\n  {}", list(.errors))]
    Invalid {
        origin: String,
        errors: Vec<FieldError>,
    },
}

fn list(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n  ")
}

impl ConfigError {
    /// The refused values, for tests and tooling.
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            ConfigError::Invalid { errors, .. } => errors,
            _ => &[],
        }
    }
}

impl Config {
    /// Reads `path` with the process environment's overrides.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let vars: Vec<(String, String)> = std::env::vars().collect();
        Self::load_with_env(path, vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// Reads `path` with the given variables as the environment (tests pass their own).
    pub fn load_with_env<'a>(
        path: &Path,
        vars: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let base = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        Self::parse(&text, &path.display().to_string(), base, vars)
    }

    /// Parses config text. `origin` names it in errors; relative paths are taken from `base`.
    pub fn parse<'a>(
        text: &str,
        origin: &str,
        base: &Path,
        vars: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Config, ConfigError> {
        let vars: Vec<(&str, &str)> = vars.into_iter().collect();
        let syntax = |e: serde_norway::Error| ConfigError::Syntax {
            origin: origin.to_string(),
            message: e.to_string(),
        };
        // An empty file is an empty map, so that env vars alone can configure the daemon.
        let text = if text.trim().is_empty() { "{}" } else { text };
        let mut raw: raw::RawConfig = serde_norway::from_str(text).map_err(syntax)?;
        let top_level: BTreeMap<String, serde::de::IgnoredAny> =
            serde_norway::from_str(text).map_err(syntax)?;
        let invalid = |errors| ConfigError::Invalid {
            origin: origin.to_string(),
            errors,
        };
        env::apply(&mut raw, vars.iter().copied()).map_err(invalid)?;
        let home = vars.iter().find(|(k, _)| *k == "HOME").map(|(_, v)| *v);
        let mut config = validate::validate(raw, base, home).map_err(invalid)?;
        config.warnings.extend(
            top_level
                .keys()
                .filter(|k| !validate::SECTIONS.contains(&k.as_str()))
                .map(|k| format!("{origin}: unknown top-level key {k:?} ignored")),
        );
        Ok(config)
    }
}

#[cfg(test)]
mod tests;
