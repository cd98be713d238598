//! Cross-field rules of an SDL: what Akash's Go parser checks in `validate()` and in the
//! manifest's validation, each error naming the SDL field at fault.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::{Result, SdlError};
use crate::model::{compute_path, RawSdl};

fn err(path: impl Into<String>, reason: impl Into<String>) -> SdlError {
    SdlError::new(path, None, reason)
}

/// `^[a-z]+[a-z0-9_-]+$`: Akash's endpoint name rule.
fn is_endpoint_name(name: &str) -> bool {
    let b = name.as_bytes();
    let lead = b.iter().take_while(|c| c.is_ascii_lowercase()).count();
    lead >= 1
        && b.len() >= 2
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-' || *c == b'_')
}

/// `^[a-z]([-a-z0-9]*[a-z0-9])?$`: Akash's service name rule (a DNS label).
fn is_service_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && !name.ends_with('-')
}

/// Kubernetes' environment variable name rule.
fn is_env_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_alphabetic() || b"-._".contains(&b[0]))
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || b"-._".contains(c))
        && name != "."
        && !name.starts_with("..")
}

/// Checks `sdl`; references Akash does not check (`to.service`, `dependencies`) that name no
/// service are reported in `warnings`.
pub fn validate(sdl: &RawSdl, warnings: &mut Vec<SdlError>) -> Result<()> {
    for (name, kind) in &sdl.endpoints {
        let path = format!("endpoints.{name}");
        if !is_endpoint_name(name) {
            return Err(err(
                path,
                format!("{name:?} is not a valid endpoint name (lowercase letters, then lowercase letters, digits, '-' or '_')"),
            ));
        }
        if kind.is_empty() {
            return Err(err(format!("{path}.kind"), "missing (use kind: ip)"));
        }
        if kind != "ip" {
            return Err(err(
                format!("{path}.kind"),
                format!("{kind:?} is not an endpoint kind (use ip)"),
            ));
        }
    }

    let mut endpoints_used = BTreeSet::new();
    let mut ports_used: BTreeMap<(String, u32, String), String> = BTreeMap::new();
    let mut hostnames: BTreeMap<&str, String> = BTreeMap::new();
    let mut global_services = 0usize;

    for (svc_name, placements) in &sdl.deployment {
        let dpath = format!("deployment.{svc_name}");
        let Some(svc) = sdl.services.get(svc_name) else {
            return Err(err(
                dpath,
                format!("deploys {svc_name:?}, which is not under services"),
            ));
        };
        let spath = format!("services.{svc_name}");
        if !is_service_name(svc_name) {
            return Err(err(
                spath,
                format!("{svc_name:?} is not a valid service name (lowercase letters, digits and '-', starting with a letter)"),
            ));
        }
        if svc.image.trim().is_empty() {
            return Err(err(
                format!("{spath}.image"),
                "missing: name a container image",
            ));
        }
        if placements.is_empty() {
            return Err(err(dpath, "names no placement"));
        }
        for (i, var) in svc.env.iter().flatten().enumerate() {
            let name = var.split_once('=').map_or(var.as_str(), |(n, _)| n);
            if !is_env_name(name) {
                return Err(err(
                    format!("{spath}.env[{i}]"),
                    format!("{name:?} is not a valid environment variable name"),
                ));
            }
        }
        for (i, dep) in svc.dependencies.iter().enumerate() {
            if !sdl.services.contains_key(dep) {
                warnings.push(err(
                    format!("{spath}.dependencies[{i}].service"),
                    format!("no service named {dep:?} (ignored, as Akash ignores dependencies)"),
                ));
            }
        }

        for (placement_name, d) in placements {
            let ppath = format!("{dpath}.{placement_name}");
            let Some(compute) = sdl.compute.get(&d.profile) else {
                return Err(err(
                    format!("{ppath}.profile"),
                    format!(
                        "no compute profile named {:?} under profiles.compute",
                        d.profile
                    ),
                ));
            };
            let Some(placement) = sdl.placement.get(placement_name) else {
                return Err(err(
                    ppath,
                    format!(
                        "no placement profile named {placement_name:?} under profiles.placement"
                    ),
                ));
            };
            if !placement.pricing.contains_key(&d.profile) {
                return Err(err(
                    format!("profiles.placement.{placement_name}.pricing.{}", d.profile),
                    format!(
                        "missing: {ppath} uses compute profile {:?}, so placement {placement_name:?} needs a price for it",
                        d.profile
                    ),
                ));
            }
            if d.count == 0 {
                return Err(err(format!("{ppath}.count"), "must be at least 1"));
            }
            let cpath = compute_path(&d.profile);

            for (i, expose) in svc.expose.iter().enumerate() {
                for (j, to) in expose.to.iter().enumerate() {
                    let tpath = format!("{spath}.expose[{i}].to[{j}]");
                    if !to.service.is_empty()
                        && !sdl.services.contains_key(&to.service)
                        && !warnings
                            .iter()
                            .any(|w| w.path == format!("{tpath}.service"))
                    {
                        warnings.push(err(
                            format!("{tpath}.service"),
                            format!(
                                "no service named {:?}: the port is exposed to nothing",
                                to.service
                            ),
                        ));
                    }
                    if to.ip.is_empty() {
                        continue;
                    }
                    if !to.global {
                        return Err(err(
                            format!("{tpath}.ip"),
                            "an IP endpoint needs global: true",
                        ));
                    }
                    match sdl.endpoints.get(&to.ip) {
                        None => {
                            return Err(err(
                                format!("{tpath}.ip"),
                                format!("no endpoint named {:?} under endpoints", to.ip),
                            ))
                        }
                        Some(kind) if kind != "ip" => {
                            return Err(err(
                                format!("{tpath}.ip"),
                                format!("endpoint {:?} has kind {kind:?}, not ip", to.ip),
                            ))
                        }
                        Some(_) => {}
                    }
                    endpoints_used.insert(to.ip.clone());
                    let key = (
                        to.ip.clone(),
                        expose.external_port,
                        expose.proto_raw.clone(),
                    );
                    if let Some(other) = ports_used.get(&key) {
                        if other != svc_name {
                            return Err(err(
                                format!("{spath}.expose[{i}]"),
                                format!(
                                    "IP endpoint {:?} port {} ({}) is already used by service {other:?}",
                                    to.ip,
                                    expose.port,
                                    expose.proto.as_str()
                                ),
                            ));
                        }
                    }
                    ports_used.insert(key, svc_name.clone());
                }
            }

            // Volumes and their mounts.
            let params = svc.params.as_ref();
            let mut mounts: BTreeMap<&str, &str> = BTreeMap::new();
            for (name, p) in params.map(|p| &p.storage).into_iter().flatten() {
                let vpath = format!("{spath}.params.storage.{name}");
                let Some(volume) = compute.storage.iter().find(|v| &v.name == name) else {
                    return Err(err(
                        vpath,
                        format!(
                            "no volume named {name:?} in compute profile {:?}",
                            d.profile
                        ),
                    ));
                };
                if !p.mount.starts_with('/') {
                    return Err(err(
                        format!("{vpath}.mount"),
                        format!("{:?} is not an absolute path", p.mount),
                    ));
                }
                if let Some(other) = mounts.insert(&p.mount, name) {
                    return Err(err(
                        format!("{vpath}.mount"),
                        format!("{:?} is already the mount of volume {other:?}", p.mount),
                    ));
                }
                if volume.class() == Some("ram") && p.read_only {
                    return Err(err(
                        format!("{vpath}.readOnly"),
                        "a ram volume cannot be read-only",
                    ));
                }
            }
            for volume in &compute.storage {
                let mounted = params
                    .and_then(|p| p.storage.get(&volume.name))
                    .is_some_and(|p| !p.mount.is_empty());
                if volume.persistent() && !mounted {
                    return Err(err(
                        format!("{spath}.params.storage.{}", volume.name),
                        format!(
                            "missing: volume {:?} is persistent ({}), so the service must mount it (params.storage.{}.mount)",
                            volume.name,
                            volume.path(&cpath),
                            volume.name
                        ),
                    ));
                }
            }
            if params.and_then(|p| p.tee.as_deref()) == Some("cpu-gpu") && compute.gpu_units == 0 {
                return Err(err(
                    format!("{spath}.params.tee"),
                    format!(
                        "cpu-gpu needs GPUs, and compute profile {:?} has none",
                        d.profile
                    ),
                ));
            }
        }

        // Manifest checks: hostnames unique over the deployment, one global service at least.
        for (i, expose) in svc.expose.iter().enumerate() {
            if expose.to.iter().any(|t| t.global) {
                global_services += 1;
            }
            for (j, host) in expose.accept.iter().flatten().enumerate() {
                let path = format!("{spath}.expose[{i}].accept[{j}]");
                if let Some(other) = hostnames.insert(host, path.clone()) {
                    return Err(err(
                        path,
                        format!("hostname {host:?} is also accepted by {other}"),
                    ));
                }
            }
        }
    }

    for name in sdl.endpoints.keys() {
        if !endpoints_used.contains(name) {
            return Err(err(
                format!("endpoints.{name}"),
                "declared but never used (reference it with to: - global: true, ip: NAME)",
            ));
        }
    }
    if sdl.deployment.is_empty() {
        return Err(err("deployment", "deploys no service"));
    }
    if global_services == 0 {
        return Err(err(
            "services",
            "no deployed service is exposed globally: the deployment would be unreachable (add to: - global: true to an expose)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_rules() {
        assert!(is_endpoint_name("endpoint-http"));
        assert!(is_endpoint_name("meow"));
        assert!(is_endpoint_name("a_1"));
        assert!(!is_endpoint_name("Invalid-Name"));
        assert!(!is_endpoint_name("a"));
        assert!(!is_endpoint_name("1a"));
        assert!(is_service_name("web"));
        assert!(is_service_name("private-app"));
        assert!(!is_service_name("Web"));
        assert!(!is_service_name("web-"));
        assert!(!is_service_name("my_app"));
        assert!(is_env_name("NODE_ENV"));
        assert!(is_env_name("a.b-c"));
        assert!(!is_env_name(""));
        assert!(!is_env_name("1ABC"));
        assert!(!is_env_name("A B"));
        assert!(!is_env_name(".."));
    }
}
