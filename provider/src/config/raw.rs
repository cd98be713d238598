//! provider.yaml as written: every leaf is kept as text ([`Scalar`]) so that the file and the
//! `KUMO_PROVIDER_*` environment overrides go through the same parsers, which name the key path
//! in every refusal. Sections refuse unknown keys (a typo must not silently fall back to a
//! default); unknown top-level sections only warn, because the file is shared with
//! `kumo provider register`.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

/// One YAML scalar (string, number or bool) as text, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar {
    pub text: String,
    /// The environment variable that set it, when it did not come from the file.
    pub env: Option<String>,
}

impl Scalar {
    pub fn from_file(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            env: None,
        }
    }

    pub fn from_env(text: impl Into<String>, var: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            env: Some(var.into()),
        }
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;

        impl Visitor<'_> for ScalarVisitor {
            type Value = Scalar;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a single value (text, number or true/false), not a list or map")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::from_file(v))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
                Ok(Scalar::from_file(v))
            }

            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar::from_file(v.to_string()))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar::from_file(v.to_string()))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar::from_file(v.to_string()))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                // Rust prints the shortest text that reads back as the same float, so `0.5`
                // stays `0.5`. Prices with many decimals should be quoted.
                Ok(Scalar::from_file(v.to_string()))
            }
        }

        deserializer.deserialize_any(ScalarVisitor)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawConfig {
    pub chain: RawChain,
    pub gateway: RawGateway,
    pub attributes: Option<Vec<RawAttribute>>,
    pub pricing: RawPricing,
    pub runtime: RawRuntime,
    pub limits: RawLimits,
    pub data_dir: Option<Scalar>,
    pub timeouts: RawTimeouts,
    pub inventory: Option<RawInventory>,
    /// `kumo provider register` reads this section; the daemon only checks its shape.
    pub registration: Option<RawRegistration>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawChain {
    pub node: Option<Scalar>,
    pub chain_id: Option<Scalar>,
    pub key: Option<Scalar>,
    pub keyring_dir: Option<Scalar>,
    pub keyring_backend: Option<Scalar>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawGateway {
    pub listen: Option<Scalar>,
    pub tls_cert: Option<Scalar>,
    pub tls_key: Option<Scalar>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAttribute {
    pub key: Scalar,
    pub value: Scalar,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawPricing {
    pub denom: Option<Scalar>,
    pub cpu_per_millicpu: Option<Scalar>,
    pub memory_per_gib: Option<Scalar>,
    pub storage_per_gib: Option<Scalar>,
    pub endpoint: Option<Scalar>,
    /// Model key (or `*`) to price per GPU per block.
    pub gpu: Option<BTreeMap<String, Scalar>>,
    pub script: RawPriceScript,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawPriceScript {
    pub path: Option<Scalar>,
    pub timeout: Option<Scalar>,
    pub concurrency: Option<Scalar>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawRuntime {
    pub docker: RawDocker,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawDocker {
    pub host: Option<Scalar>,
    pub network: Option<Scalar>,
    pub bind_address: Option<Scalar>,
    pub pids_limit: Option<Scalar>,
    pub image_allowlist: Option<Vec<Scalar>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawLimits {
    pub max_open_bids: Option<Scalar>,
    pub tenant_bids_per_hour: Option<Scalar>,
    pub cpu_overcommit: Option<Scalar>,
    pub memory_overcommit: Option<Scalar>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawTimeouts {
    pub bid: Option<Scalar>,
    pub manifest: Option<Scalar>,
    pub withdraw_period: Option<Scalar>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawInventory {
    pub cpu: Option<Scalar>,
    pub memory: Option<Scalar>,
    pub storage: Option<Scalar>,
    pub gpus: Vec<RawGpu>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGpu {
    pub uuid: Scalar,
    pub model: Scalar,
    pub memory: Scalar,
    pub interface: Option<Scalar>,
}

/// The CLI's section (`kumo provider register`). The daemon reads the host URI and the
/// attributes (its placement attributes default to the registered ones); other keys (info,
/// TLS fingerprint) are the CLI's business and are not checked here.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawRegistration {
    pub host_uri: Option<Scalar>,
    pub attributes: Option<Vec<RawAttribute>>,
}
