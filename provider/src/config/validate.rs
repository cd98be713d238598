//! Raw config → [`Config`]: parses every leaf, applies defaults and collects every refusal
//! (all of them, not just the first, so one edit fixes the file).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cosmwasm_std::Decimal256;
use kumo_types::attributes::{validate_attributes, Attribute};
use kumo_types::gpu::{GpuSpec, CAPABILITY_PREFIX};

use super::parse;
use super::raw::{RawConfig, RawGpu, RawInventory, Scalar};
use super::*;

/// Top-level keys the daemon knows; others only warn.
pub const SECTIONS: [&str; 10] = [
    "chain",
    "gateway",
    "attributes",
    "pricing",
    "runtime",
    "limits",
    "data_dir",
    "timeouts",
    "inventory",
    "registration",
];

const DEFAULT_NODE: &str = "http://127.0.0.1:26657";
const DEFAULT_LISTEN: &str = "0.0.0.0:8443";
const DEFAULT_DENOM: &str = "uakt";

struct Checker<'a> {
    base: &'a Path,
    errors: Vec<FieldError>,
}

impl Checker<'_> {
    fn refuse(&mut self, path: &str, env: Option<String>, reason: impl Into<String>) {
        self.errors.push(FieldError {
            path: path.to_string(),
            env,
            reason: reason.into(),
        });
    }

    /// Parses `slot`; a refusal is recorded and `T::default()` stands in (never used: the
    /// whole config is refused).
    fn parse<T: Default>(
        &mut self,
        path: &str,
        slot: Scalar,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> T {
        self.try_parse(path, slot, parse).unwrap_or_default()
    }

    fn required<T: Default>(
        &mut self,
        path: &str,
        slot: Option<Scalar>,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> T {
        match slot {
            Some(s) => self.parse(path, s, parse),
            None => {
                self.refuse(path, None, "is required");
                T::default()
            }
        }
    }

    /// Parses `slot` when present; a refusal is recorded and `None` returned.
    fn try_parse<T>(
        &mut self,
        path: &str,
        slot: Scalar,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        match parse(&slot.text) {
            Ok(v) => Some(v),
            Err(reason) => {
                self.refuse(path, slot.env, reason);
                None
            }
        }
    }

    fn or<T>(
        &mut self,
        path: &str,
        slot: Option<Scalar>,
        default: T,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> T {
        slot.and_then(|s| self.try_parse(path, s, parse))
            .unwrap_or(default)
    }

    fn optional<T>(
        &mut self,
        path: &str,
        slot: Option<Scalar>,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        slot.and_then(|s| self.try_parse(path, s, parse))
    }
}

/// A path from the file; relative ones are taken from the config file's directory.
fn resolve(base: &Path, text: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(parse::text(text)?);
    let path = if path.is_absolute() {
        path
    } else {
        base.join(path)
    };
    // `./x` and `a/./b` read better in logs as `x` and `a/b`.
    Ok(path
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect())
}

pub fn validate(
    raw: RawConfig,
    base: &Path,
    home: Option<&str>,
) -> Result<Config, Vec<FieldError>> {
    let mut c = Checker {
        base,
        errors: Vec::new(),
    };

    let chain = ChainConfig {
        node: c.or(
            "chain.node",
            raw.chain.node,
            DEFAULT_NODE.into(),
            parse::node_url,
        ),
        chain_id: c.required("chain.chain_id", raw.chain.chain_id, chain_id),
        key: c.required("chain.key", raw.chain.key, key_name),
        keyring_dir: c.optional("chain.keyring_dir", raw.chain.keyring_dir, |t| {
            resolve(base, t)
        }),
        keyring_backend: c
            .optional("chain.keyring_backend", raw.chain.keyring_backend, |t| {
                parse::choice(t, &["file", "test", "os"])
            })
            .map_or(KeyringBackend::File, |b| match b {
                "test" => KeyringBackend::Test,
                "os" => KeyringBackend::Os,
                _ => KeyringBackend::File,
            }),
    };

    let gateway = gateway(&mut c, raw.gateway);
    let registration = raw.registration.map(|r| registration(&mut c, r));
    let attributes = match (raw.attributes, &registration) {
        (Some(list), _) => attributes(&mut c, list),
        // One source of truth: bid with the attributes that are registered.
        (None, Some(r)) => r
            .attributes
            .iter()
            .filter(|a| !a.key.starts_with(CAPABILITY_PREFIX))
            .cloned()
            .collect(),
        (None, None) => Vec::new(),
    };
    let pricing = pricing(&mut c, raw.pricing);
    let runtime = runtime(&mut c, raw.runtime.docker);

    let limits = LimitsConfig {
        max_open_bids: c.or("limits.max_open_bids", raw.limits.max_open_bids, 100, |t| {
            parse::number(t, 1u32, 100_000)
        }),
        tenant_bids_per_hour: c.or(
            "limits.tenant_bids_per_hour",
            raw.limits.tenant_bids_per_hour,
            60,
            |t| parse::number(t, 1u32, 1_000_000),
        ),
        cpu_overcommit_millis: c.or(
            "limits.cpu_overcommit",
            raw.limits.cpu_overcommit,
            1000,
            parse::ratio_millis,
        ),
        memory_overcommit_millis: c.or(
            "limits.memory_overcommit",
            raw.limits.memory_overcommit,
            1000,
            parse::ratio_millis,
        ),
    };

    let data_dir = match (raw.data_dir, home) {
        (Some(s), _) => c.parse("data_dir", s, |t| resolve(base, t)),
        (None, Some(home)) if !home.is_empty() => Path::new(home).join(".kumo").join("provider"),
        (None, _) => {
            c.refuse(
                "data_dir",
                None,
                "is required ($HOME is not set to default it)",
            );
            PathBuf::new()
        }
    };

    let timeouts = TimeoutsConfig {
        bid: c.or("timeouts.bid", raw.timeouts.bid, mins(5), parse::duration),
        manifest: c.or(
            "timeouts.manifest",
            raw.timeouts.manifest,
            mins(5),
            parse::duration,
        ),
        withdraw_period: c.or(
            "timeouts.withdraw_period",
            raw.timeouts.withdraw_period,
            mins(60),
            parse::duration,
        ),
    };

    let inventory = raw.inventory.map(|inv| inventory(&mut c, inv));

    if c.errors.is_empty() {
        Ok(Config {
            chain,
            gateway,
            attributes,
            pricing,
            runtime,
            limits,
            data_dir,
            timeouts,
            inventory,
            registration,
            warnings: Vec::new(),
        })
    } else {
        Err(c.errors)
    }
}

fn mins(m: u64) -> Duration {
    Duration::from_secs(m * 60)
}

/// Cosmos chain ids: letters, digits, `-`, `_`, `.`; at most 50 bytes.
fn chain_id(text: &str) -> Result<String, String> {
    let id = parse::text(text)?;
    let ok = id.len() <= 50
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if !ok {
        return Err(format!(
            "{text:?} is not a chain id (letters, digits, '-', '_', '.'; at most 50)"
        ));
    }
    Ok(id)
}

fn key_name(text: &str) -> Result<String, String> {
    let name = parse::text(text)?;
    if name.len() > 64 || name.contains(['/', '\\']) {
        return Err(format!(
            "{text:?} is not a key name (at most 64 characters, no slashes)"
        ));
    }
    Ok(name)
}

fn gateway(c: &mut Checker, raw: super::raw::RawGateway) -> GatewayConfig {
    let listen = c.or(
        "gateway.listen",
        raw.listen,
        DEFAULT_LISTEN.parse().expect("default address parses"),
        parse::socket_addr,
    );
    let base = c.base;
    let as_path = |t: &str| resolve(base, t);
    let cert = c.optional("gateway.tls_cert", raw.tls_cert, as_path);
    let key = c.optional("gateway.tls_key", raw.tls_key, as_path);
    let tls = match (cert, key) {
        (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
        (None, None) => None,
        (Some(_), None) => {
            c.refuse(
                "gateway.tls_key",
                None,
                "is required when gateway.tls_cert is set",
            );
            None
        }
        (None, Some(_)) => {
            c.refuse(
                "gateway.tls_cert",
                None,
                "is required when gateway.tls_key is set",
            );
            None
        }
    };
    GatewayConfig { listen, tls }
}

/// The registry's own rules, so the daemon and the chain agree on what is valid.
fn registration(c: &mut Checker, raw: super::raw::RawRegistration) -> Registration {
    let host_uri = c.optional("registration.host_uri", raw.host_uri, |t| {
        kumo_types::registry::validate_host_uri(t.trim()).map_err(|e| e.reason)?;
        Ok(t.trim().to_string())
    });
    let attributes: Vec<Attribute> = raw
        .attributes
        .unwrap_or_default()
        .into_iter()
        .map(|a| Attribute::new(a.key.text.trim(), a.value.text.trim()))
        .collect();
    if let Err(e) = kumo_types::registry::validate_provider_attributes(&attributes) {
        c.refuse(&format!("registration.{}", e.field), None, e.reason);
    }
    Registration {
        host_uri,
        attributes,
    }
}

fn attributes(c: &mut Checker, raw: Vec<super::raw::RawAttribute>) -> Vec<Attribute> {
    let attrs: Vec<Attribute> = raw
        .into_iter()
        .map(|a| Attribute::new(a.key.text.trim(), a.value.text.trim()))
        .collect();
    if let Err(e) = validate_attributes("attributes", &attrs, false) {
        c.refuse(&e.field, None, e.reason);
    }
    for (i, a) in attrs.iter().enumerate() {
        if a.key.starts_with(CAPABILITY_PREFIX) {
            c.refuse(
                &format!("attributes[{i}].key"),
                None,
                format!(
                    "{:?}: GPU capabilities are derived from the GPU inventory; declare the GPU \
                     under inventory.gpus instead",
                    a.key
                ),
            );
        }
    }
    attrs
}

fn pricing(c: &mut Checker, raw: super::raw::RawPricing) -> PricingConfig {
    let denom = c.or("pricing.denom", raw.denom, DEFAULT_DENOM.into(), |t| {
        let d = parse::text(t)?;
        kumo_types::coins::validate_denom("pricing.denom", &d).map_err(|e| e.reason)?;
        Ok(d)
    });
    let mut gpu = GpuPrices::default();
    for (model, price) in raw.gpu.unwrap_or_default() {
        let path = format!("pricing.gpu.{model}");
        let amount: Decimal256 = c.parse(&path, price, parse::price);
        if model == "*" {
            gpu.default = Some(amount);
        } else if let Err(reason) = GpuSpec::new("nvidia", &model).validate(false) {
            c.refuse(
                &path,
                None,
                format!("{reason}; use an SDL model key such as h100, or * for the default"),
            );
        } else {
            gpu.by_model.insert(model, amount);
        }
    }
    let script = match raw.script.path {
        None => {
            for (name, slot) in [
                ("timeout", &raw.script.timeout),
                ("concurrency", &raw.script.concurrency),
            ] {
                if let Some(s) = slot {
                    c.refuse(
                        &format!("pricing.script.{name}"),
                        s.env.clone(),
                        "is set but pricing.script.path is not",
                    );
                }
            }
            None
        }
        Some(path) => {
            let base = c.base;
            let path: PathBuf = c.parse("pricing.script.path", path, |t| {
                let p = resolve(base, t)?;
                if p.is_file() {
                    Ok(p)
                } else {
                    Err(format!("{} is not a file", p.display()))
                }
            });
            Some(PriceScript {
                path,
                timeout: c.or(
                    "pricing.script.timeout",
                    raw.script.timeout,
                    Duration::from_secs(10),
                    parse::duration,
                ),
                concurrency: c.or(
                    "pricing.script.concurrency",
                    raw.script.concurrency,
                    4,
                    |t| parse::number(t, 1u32, 64),
                ),
            })
        }
    };
    PricingConfig {
        denom,
        cpu_per_millicpu: c.required(
            "pricing.cpu_per_millicpu",
            raw.cpu_per_millicpu,
            parse::price,
        ),
        memory_per_gib: c.required("pricing.memory_per_gib", raw.memory_per_gib, parse::price),
        storage_per_gib: c.required("pricing.storage_per_gib", raw.storage_per_gib, parse::price),
        endpoint: c.or(
            "pricing.endpoint",
            raw.endpoint,
            Decimal256::zero(),
            parse::price,
        ),
        gpu,
        script,
    }
}

fn runtime(c: &mut Checker, raw: super::raw::RawDocker) -> RuntimeConfig {
    let network = c.or("runtime.docker.network", raw.network, "bridge", |t| {
        parse::choice(t, &["bridge", "host", "none"])
    });
    let image_allowlist = raw.image_allowlist.map(|list| {
        list.into_iter()
            .enumerate()
            .map(|(i, s)| {
                c.parse(&format!("runtime.docker.image_allowlist[{i}]"), s, |t| {
                    let p = parse::text(t)?;
                    if p.contains(char::is_whitespace) {
                        return Err(format!("{t:?} contains spaces"));
                    }
                    Ok(p)
                })
            })
            .collect()
    });
    RuntimeConfig {
        docker: DockerConfig {
            host: c.optional("runtime.docker.host", raw.host, parse::text),
            network: match network {
                "host" => NetworkMode::Host,
                "none" => NetworkMode::None,
                _ => NetworkMode::Bridge,
            },
            bind_address: c.or(
                "runtime.docker.bind_address",
                raw.bind_address,
                IpAddr::from([0, 0, 0, 0]),
                parse::ip,
            ),
            pids_limit: c.or("runtime.docker.pids_limit", raw.pids_limit, 1024, |t| {
                parse::number(t, 16u32, 4_194_304)
            }),
            image_allowlist,
        },
    }
}

fn inventory(c: &mut Checker, raw: RawInventory) -> StaticInventory {
    let gpus: Vec<StaticGpu> = raw
        .gpus
        .into_iter()
        .enumerate()
        .map(|(i, g)| static_gpu(c, i, g))
        .collect();
    let mut seen = BTreeMap::new();
    for (i, g) in gpus.iter().enumerate() {
        if let Some(first) = seen.insert(g.uuid.clone(), i) {
            c.refuse(
                &format!("inventory.gpus[{i}].uuid"),
                None,
                format!("{:?} is also inventory.gpus[{first}]'s uuid", g.uuid),
            );
        }
    }
    StaticInventory {
        cpu_millis: c.required("inventory.cpu", raw.cpu, parse::cpu),
        memory_bytes: c.required("inventory.memory", raw.memory, parse::size),
        storage_bytes: c.required("inventory.storage", raw.storage, parse::size),
        gpus,
    }
}

fn static_gpu(c: &mut Checker, i: usize, raw: RawGpu) -> StaticGpu {
    let at = |field: &str| format!("inventory.gpus[{i}].{field}");
    let uuid = c.parse(&at("uuid"), raw.uuid, |t| {
        let u = parse::text(t)?;
        if u.contains(char::is_whitespace) || u.contains(',') {
            return Err(format!("{t:?} is not a GPU UUID (no spaces or commas)"));
        }
        Ok(u)
    });
    let model = c.parse(&at("model"), raw.model, |t| {
        let m = t.trim().to_string();
        GpuSpec::new("nvidia", &m)
            .validate(false)
            .map(|_| m)
            .map_err(|r| format!("{r}; use an SDL model key such as h100"))
    });
    let ram: String = c.parse(
        &at("memory"),
        raw.memory.clone(),
        kumo_sdl::units::parse_gpu_ram,
    );
    let memory_bytes = kumo_sdl::units::parse_size(&raw.memory.text).unwrap_or(0);
    let interface = c.or(&at("interface"), raw.interface, "pcie", |t| {
        parse::choice(t, &["pcie", "sxm"])
    });
    StaticGpu {
        uuid,
        spec: GpuSpec::new("nvidia", &model)
            .with_ram(&ram)
            .with_interface(interface),
        memory_bytes,
    }
}
