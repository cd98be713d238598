//! Builds the group specs and the manifest from a validated SDL, as Akash's group builders do:
//! one group per placement (sorted by name), one resource unit per deployed service in
//! service-name order; in v2.1 services of a placement that share a compute profile share one
//! unit (counts added, endpoints merged and sorted by sequence number).

use std::collections::BTreeMap;

use kumo_types::attributes::{Attribute, PlacementRequirements};
use kumo_types::coins::DecCoin;
use kumo_types::resources::{
    CpuResource, Endpoint, EndpointKind, GpuResource, GroupSpec, MemoryResource, ResourceUnit,
    ResourceValue, Resources, StorageResource,
};

use crate::error::{Result, SdlError};
use crate::manifest::{
    ImageCredentials, Manifest, ManifestGroup, ManifestService, ServiceExpose, ServiceParams,
    ServicePermissions, StorageParams, TeeParams,
};
use crate::model::{compute_path, Compute, Expose, RawSdl};
use crate::SdlVersion;

/// Where a group spec's resource unit comes from, to point errors at the SDL.
#[derive(Debug, Clone)]
pub struct UnitOrigin {
    pub placement: String,
    pub profile: String,
    /// The services that use the unit (more than one when v2.1 merges them).
    pub services: Vec<String>,
}

#[derive(Debug)]
pub struct Built {
    pub groups: Vec<GroupSpec>,
    pub manifest: Manifest,
    /// Per group, per resource unit.
    pub origins: Vec<Vec<UnitOrigin>>,
}

/// Akash's endpoint sequence numbers: every non-global `to` and every `to` with an IP, of the
/// deployed services, contributes its IP name (empty for non-global ones); the names are
/// sorted and numbered from 1, a repeated name keeping its last number.
fn endpoint_sequence_numbers(sdl: &RawSdl) -> BTreeMap<String, u32> {
    let mut names: Vec<&str> = Vec::new();
    for svc_name in sdl.deployment.keys() {
        let Some(svc) = sdl.services.get(svc_name) else {
            continue;
        };
        for expose in &svc.expose {
            for to in &expose.to {
                if to.global && to.ip.is_empty() {
                    continue;
                }
                names.push(&to.ip);
            }
        }
    }
    names.sort_unstable();
    let mut out = BTreeMap::new();
    for (i, name) in names.into_iter().enumerate() {
        out.insert(name.to_string(), i as u32 + 1);
    }
    out
}

/// Akash's ServiceExposes order: by service, port, protocol, then global first. A stable sort,
/// as Go's insertion sort is for the short lists SDLs have.
fn manifest_exposes(exposes: &[Expose], seq: &BTreeMap<String, u32>) -> Vec<ServiceExpose> {
    let mut out = Vec::new();
    for expose in exposes {
        let base = |service: String, global: bool, ip: String| ServiceExpose {
            port: expose.port,
            external_port: expose.external_port,
            proto: expose.proto,
            service,
            global,
            hosts: expose.accept.clone(),
            http_options: expose.http_options.clone(),
            endpoint_sequence_number: if global && !ip.is_empty() {
                seq.get(&ip).copied().unwrap_or(0)
            } else {
                0
            },
            ip,
        };
        if expose.to.is_empty() {
            out.push(base(String::new(), false, String::new()));
        } else {
            for to in &expose.to {
                out.push(base(to.service.clone(), to.global, to.ip.clone()));
            }
        }
    }
    out.sort_by(|a, b| {
        a.service
            .cmp(&b.service)
            .then(a.port.cmp(&b.port))
            .then(a.proto.cmp(&b.proto))
            .then(b.global.cmp(&a.global))
    });
    out
}

/// The endpoints a service's exposes need: per global expose its own (shared HTTP for port 80
/// over TCP, else a random port) and, with an IP, a leased IP; each pair sorted by sequence
/// number.
fn endpoints(exposes: &[ServiceExpose]) -> Vec<Endpoint> {
    let mut out = Vec::new();
    for e in exposes.iter().filter(|e| e.global) {
        let kind = if e.is_ingress() {
            EndpointKind::SharedHttp
        } else {
            EndpointKind::RandomPort
        };
        let mut pair = Vec::with_capacity(2);
        if !e.ip.is_empty() {
            pair.push(Endpoint {
                kind: EndpointKind::LeasedIp,
                sequence_number: e.endpoint_sequence_number,
            });
        }
        pair.push(Endpoint {
            kind,
            sequence_number: 0,
        });
        pair.sort_by_key(|e| e.sequence_number);
        out.extend(pair);
    }
    out
}

fn resources(id: u32, compute: &Compute, endpoints: Vec<Endpoint>) -> Resources {
    Resources {
        id,
        cpu: CpuResource {
            units: ResourceValue::new(compute.cpu),
            attributes: compute.cpu_attributes.clone(),
        },
        memory: MemoryResource {
            size: ResourceValue::new(compute.memory),
            attributes: Vec::new(),
        },
        storage: compute
            .storage
            .iter()
            .map(|v| StorageResource {
                name: v.name.clone(),
                size: ResourceValue::new(v.size),
                attributes: v.attributes.clone().unwrap_or_default(),
            })
            .collect(),
        gpu: GpuResource {
            units: ResourceValue::new(compute.gpu_units),
            attributes: compute.gpu_attributes.clone(),
        },
        endpoints,
    }
}

struct GroupBuilder {
    spec: GroupSpec,
    services: Vec<ManifestService>,
    origins: Vec<UnitOrigin>,
    /// compute profile -> index of its unit
    bound: BTreeMap<String, usize>,
    tee: Option<String>,
}

pub fn build(sdl: &RawSdl) -> Result<Built> {
    let seq = endpoint_sequence_numbers(sdl);
    let mut groups: BTreeMap<String, GroupBuilder> = BTreeMap::new();

    for (svc_name, placements) in &sdl.deployment {
        let svc = &sdl.services[svc_name];
        for (placement_name, d) in placements {
            let compute = &sdl.compute[&d.profile];
            let placement = &sdl.placement[placement_name];
            let price = &placement.pricing[&d.profile];
            let group = groups
                .entry(placement_name.clone())
                .or_insert_with(|| GroupBuilder {
                    spec: GroupSpec {
                        name: placement_name.clone(),
                        requirements: PlacementRequirements {
                            signed_by: placement.signed_by.clone(),
                            attributes: placement.attributes.clone(),
                        },
                        resources: Vec::new(),
                    },
                    services: Vec::new(),
                    origins: Vec::new(),
                    bound: BTreeMap::new(),
                    tee: None,
                });

            // A TEE type becomes a placement requirement, one type per group.
            if let Some(tee) = svc.params.as_ref().and_then(|p| p.tee.as_ref()) {
                match &group.tee {
                    Some(existing) if existing != tee => {
                        return Err(SdlError::new(
                            format!("services.{svc_name}.params.tee"),
                            None,
                            format!(
                                "placement {placement_name:?} already runs TEE type {existing:?}: one TEE type per placement"
                            ),
                        ))
                    }
                    Some(_) => {}
                    None => {
                        group.tee = Some(tee.clone());
                        let attrs = &mut group.spec.requirements.attributes;
                        attrs.push(Attribute::new("tee/type", tee.clone()));
                        attrs.sort_by(|a, b| a.key.cmp(&b.key));
                    }
                }
            }

            let expose = manifest_exposes(&svc.expose, &seq);
            let eps = endpoints(&expose);
            let merge = sdl.version == SdlVersion::V2_1;
            let id = match group.bound.get(&d.profile).filter(|_| merge) {
                Some(&index) => {
                    let unit = &mut group.spec.resources[index];
                    unit.count = unit.count.saturating_add(d.count);
                    unit.resource.endpoints.extend(eps.iter().cloned());
                    unit.resource.endpoints.sort_by_key(|e| e.sequence_number);
                    group.origins[index].services.push(svc_name.clone());
                    unit.resource.id
                }
                None => {
                    let id = group.spec.resources.len() as u32 + 1;
                    group.spec.resources.push(ResourceUnit {
                        resource: resources(id, compute, eps.clone()),
                        count: d.count,
                        price: DecCoin::new(price.amount, price.denom.clone()),
                    });
                    group.origins.push(UnitOrigin {
                        placement: placement_name.clone(),
                        profile: d.profile.clone(),
                        services: vec![svc_name.clone()],
                    });
                    group
                        .bound
                        .insert(d.profile.clone(), group.spec.resources.len() - 1);
                    id
                }
            };

            let params = svc.params.as_ref().map(|p| ServiceParams {
                storage: (!p.storage.is_empty()).then(|| {
                    p.storage
                        .iter()
                        .map(|(name, s)| StorageParams {
                            name: name.clone(),
                            mount: s.mount.clone(),
                            read_only: s.read_only,
                        })
                        .collect()
                }),
                permissions: p
                    .permissions
                    .as_ref()
                    .map(|read| ServicePermissions { read: read.clone() }),
                tee: p.tee.as_ref().map(|t| TeeParams {
                    kind: t.clone(),
                    attestation: true,
                }),
            });
            // v2.0 leaves the e-mail out and the values as written; v2.1 keeps the e-mail
            // and trims them.
            let credentials = svc.credentials.as_ref().map(|c| match sdl.version {
                SdlVersion::V2_0 => ImageCredentials {
                    host: c.host.clone(),
                    email: String::new(),
                    username: c.username.clone(),
                    password: c.password.clone(),
                },
                SdlVersion::V2_1 => ImageCredentials {
                    host: c.host.trim().to_string(),
                    email: c.email.trim().to_string(),
                    username: c.username.trim().to_string(),
                    password: c.password.trim().to_string(),
                },
            });
            group.services.push(ManifestService {
                name: svc_name.clone(),
                image: svc.image.clone(),
                command: svc.command.clone(),
                args: svc.args.clone(),
                env: svc.env.clone(),
                resources: resources(id, compute, eps),
                count: d.count,
                expose,
                params,
                credentials,
            });
        }
    }

    let mut built = Built {
        groups: Vec::new(),
        manifest: Manifest(Vec::new()),
        origins: Vec::new(),
    };
    for (name, mut group) in groups {
        group.services.sort_by(|a, b| a.name.cmp(&b.name));
        built.groups.push(group.spec);
        built.origins.push(group.origins);
        built.manifest.0.push(ManifestGroup {
            name,
            services: group.services,
        });
    }
    Ok(built)
}

/// Translates an error of `GroupSpec::validate` (called with field `group`) into the SDL
/// field that caused it.
pub fn sdl_path(field: &str, spec: &GroupSpec, origins: &[UnitOrigin], sdl: &RawSdl) -> String {
    let placement = format!("profiles.placement.{}", spec.name);
    let Some(rest) = field.strip_prefix("group.") else {
        return placement;
    };
    if rest == "name" {
        return placement;
    }
    if let Some(r) = rest.strip_prefix("requirements.attributes") {
        let index = r
            .strip_prefix('[')
            .and_then(|r| r.split(']').next())
            .and_then(|i| i.parse::<usize>().ok());
        return match index.and_then(|i| spec.requirements.attributes.get(i)) {
            Some(a) if a.key == "tee/type" => "services".to_string(),
            Some(a) => format!("{placement}.attributes.{}", a.key),
            None => format!("{placement}.attributes"),
        };
    }
    if let Some(r) = rest.strip_prefix("requirements.signed_by.") {
        let r = r
            .replacen("all_of", "allOf", 1)
            .replacen("any_of", "anyOf", 1);
        return format!("{placement}.signedBy.{r}");
    }
    let Some(r) = rest.strip_prefix("resources[") else {
        return format!("deployment (placement {:?})", spec.name);
    };
    let Some((index, tail)) = r.split_once(']') else {
        return placement;
    };
    let Some(origin) = index.parse::<usize>().ok().and_then(|i| origins.get(i)) else {
        return placement;
    };
    let cpath = compute_path(&origin.profile);
    let first_service = origin.services.first().cloned().unwrap_or_default();
    let tail = tail.trim_start_matches('.');
    if let Some(t) = tail.strip_prefix("resource.") {
        if let Some(s) = t.strip_prefix("storage") {
            // storage[i] is the i-th volume in Akash's order; point at the SDL's entry.
            let idx = s
                .strip_prefix('[')
                .and_then(|s| s.split(']').next())
                .and_then(|i| i.parse::<usize>().ok());
            let volume = idx.and_then(|i| sdl.compute.get(&origin.profile)?.storage.get(i));
            return match volume {
                Some(v) => v.path(&cpath),
                None => format!("{cpath}.storage"),
            };
        }
        if t.starts_with("endpoints") {
            return format!("services.{first_service}.expose");
        }
        if t.starts_with("id") {
            return format!("deployment.{first_service}.{}", origin.placement);
        }
        let t = t.split('[').next().unwrap_or(t);
        return format!("{cpath}.{t}");
    }
    if tail.starts_with("count") {
        return format!("deployment.{first_service}.{}.count", origin.placement);
    }
    if let Some(t) = tail.strip_prefix("price.") {
        return format!("{placement}.pricing.{}.{t}", origin.profile);
    }
    format!("deployment.{first_service}.{}", origin.placement)
}
