//! Environment overrides: `KUMO_PROVIDER_<PATH>` sets the single value at `<path>`, with the
//! dots of the path written as `_` and upper-cased, e.g. `KUMO_PROVIDER_TIMEOUTS_BID=45s` or
//! `KUMO_PROVIDER_RUNTIME_DOCKER_NETWORK=host`. Lists and maps (attributes, GPU prices, the
//! image allow-list, the static inventory) come from the file only.
//!
//! An unknown `KUMO_PROVIDER_*` variable is an error: a misspelt override that is silently
//! ignored is worse than a refusal.

use super::raw::{RawConfig, Scalar};
use super::FieldError;

/// Prefix of every override.
pub const PREFIX: &str = "KUMO_PROVIDER_";

/// Variables with the prefix that are not config keys (read by `main` and the daemon).
const NOT_OVERRIDES: [&str; 3] = [
    "KUMO_PROVIDER_CONFIG",
    "KUMO_PROVIDER_LOG",
    "KUMO_PROVIDER_KEYRING_PASSPHRASE",
];

type Accessor = fn(&mut RawConfig) -> &mut Option<Scalar>;

macro_rules! keys {
    ($($path:literal => |$c:ident| $field:expr,)*) => {
        /// Every overridable key path with its slot in the raw config.
        const KEYS: &[(&str, Accessor)] = &[$(($path, |$c: &mut RawConfig| &mut $field),)*];
    };
}

keys! {
    "chain.node" => |c| c.chain.node,
    "chain.chain_id" => |c| c.chain.chain_id,
    "chain.key" => |c| c.chain.key,
    "chain.keyring_dir" => |c| c.chain.keyring_dir,
    "chain.keyring_backend" => |c| c.chain.keyring_backend,
    "gateway.listen" => |c| c.gateway.listen,
    "gateway.tls_cert" => |c| c.gateway.tls_cert,
    "gateway.tls_key" => |c| c.gateway.tls_key,
    "pricing.denom" => |c| c.pricing.denom,
    "pricing.cpu_per_millicpu" => |c| c.pricing.cpu_per_millicpu,
    "pricing.memory_per_gib" => |c| c.pricing.memory_per_gib,
    "pricing.storage_per_gib" => |c| c.pricing.storage_per_gib,
    "pricing.endpoint" => |c| c.pricing.endpoint,
    "pricing.script.path" => |c| c.pricing.script.path,
    "pricing.script.timeout" => |c| c.pricing.script.timeout,
    "pricing.script.concurrency" => |c| c.pricing.script.concurrency,
    "runtime.docker.host" => |c| c.runtime.docker.host,
    "runtime.docker.network" => |c| c.runtime.docker.network,
    "runtime.docker.bind_address" => |c| c.runtime.docker.bind_address,
    "runtime.docker.pids_limit" => |c| c.runtime.docker.pids_limit,
    "limits.max_open_bids" => |c| c.limits.max_open_bids,
    "limits.tenant_bids_per_hour" => |c| c.limits.tenant_bids_per_hour,
    "limits.cpu_overcommit" => |c| c.limits.cpu_overcommit,
    "limits.memory_overcommit" => |c| c.limits.memory_overcommit,
    "data_dir" => |c| c.data_dir,
    "timeouts.bid" => |c| c.timeouts.bid,
    "timeouts.manifest" => |c| c.timeouts.manifest,
    "timeouts.withdraw_period" => |c| c.timeouts.withdraw_period,
}

/// The variable that overrides `path`.
pub fn var_name(path: &str) -> String {
    format!("{PREFIX}{}", path.replace('.', "_").to_ascii_uppercase())
}

/// Every overridable key path and its variable, for documentation and `--help`.
pub fn overridable() -> impl Iterator<Item = (&'static str, String)> {
    KEYS.iter().map(|(path, _)| (*path, var_name(path)))
}

/// Applies the `KUMO_PROVIDER_*` variables among `vars` to `raw`. Unknown ones are errors.
pub fn apply<'a>(
    raw: &mut RawConfig,
    vars: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    for (name, value) in vars {
        if !name.starts_with(PREFIX) || NOT_OVERRIDES.contains(&name) {
            continue;
        }
        match KEYS.iter().find(|(path, _)| var_name(path) == name) {
            Some((_, slot)) => *slot(raw) = Some(Scalar::from_env(value, name)),
            None => errors.push(FieldError {
                path: name.to_string(),
                env: None,
                reason: format!(
                    "is not a provider setting; known: {}",
                    overridable().map(|(_, v)| v).collect::<Vec<_>>().join(", ")
                ),
            }),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_key_path() {
        assert_eq!(var_name("timeouts.bid"), "KUMO_PROVIDER_TIMEOUTS_BID");
        assert_eq!(
            var_name("runtime.docker.bind_address"),
            "KUMO_PROVIDER_RUNTIME_DOCKER_BIND_ADDRESS"
        );
        assert_eq!(var_name("data_dir"), "KUMO_PROVIDER_DATA_DIR");
    }

    #[test]
    fn names_are_unambiguous() {
        let mut names: Vec<String> = overridable().map(|(_, v)| v).collect();
        let count = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), count, "two key paths map to one variable");
    }

    #[test]
    fn sets_values_and_refuses_unknown_names() {
        let mut raw = RawConfig::default();
        apply(
            &mut raw,
            [
                ("KUMO_PROVIDER_TIMEOUTS_BID", "45s"),
                ("PATH", "/bin"),
                ("KUMO_PROVIDER_CONFIG", "x.yaml"),
            ],
        )
        .unwrap();
        let bid = raw.timeouts.bid.clone().unwrap();
        assert_eq!(bid.text, "45s");
        assert_eq!(bid.env.as_deref(), Some("KUMO_PROVIDER_TIMEOUTS_BID"));

        let err = apply(&mut raw, [("KUMO_PROVIDER_TIMEOUTS_BIDD", "1s")]).unwrap_err();
        assert_eq!(err.len(), 1);
        assert_eq!(err[0].path, "KUMO_PROVIDER_TIMEOUTS_BIDD");
        assert!(err[0].reason.contains("KUMO_PROVIDER_TIMEOUTS_BID,"));
    }
}
