//! Whether a tenant's manifest may run on a lease: sha256 of its canonical JSON equals the
//! deployment's on-chain hash; the lease's group is in it; every service fits the resources
//! the lease pays for (per unit and in replica count) and uses exactly the GPUs the lease
//! holds; its images pass the provider's allow-list; and the runtime can build it. Pure.

use std::collections::BTreeMap;

use kumo_sdl::manifest::ManifestGroup;
use kumo_sdl::Manifest;
use kumo_types::ids::LeaseId;
use kumo_types::resources::{GroupSpec, Resources};

use crate::config::DockerConfig;
use crate::gateway::GatewayError;
use crate::runtime::spec;

/// The manifest's hash as the chain stores it: sha256 of the canonical JSON, lowercase hex.
pub fn manifest_hash_hex(manifest: &Manifest) -> String {
    hex::encode(manifest.hash())
}

/// The manifest group the lease runs, when `manifest` may run on it.
pub fn accept(
    manifest: &Manifest,
    onchain_hash: &str,
    lease: &LeaseId,
    spec: &GroupSpec,
    allocated_gpus: usize,
    docker: &DockerConfig,
) -> Result<ManifestGroup, GatewayError> {
    let actual = manifest_hash_hex(manifest);
    if !actual.eq_ignore_ascii_case(onchain_hash) {
        return Err(GatewayError::HashMismatch {
            expected: onchain_hash.to_ascii_lowercase(),
            actual,
        });
    }
    let invalid = |field: String, reason: String| GatewayError::InvalidManifest { field, reason };
    let (gi, group) = manifest
        .0
        .iter()
        .enumerate()
        .find(|(_, g)| g.name == spec.name)
        .ok_or_else(|| {
            invalid(
                "[]".into(),
                format!(
                    "no group named {:?}, the group this lease is for",
                    spec.name
                ),
            )
        })?;

    let mut replicas: BTreeMap<u32, u64> = BTreeMap::new();
    let mut gpus = 0u64;
    for (si, service) in group.services.iter().enumerate() {
        let field = format!("[{gi}].services[{si}]");
        let unit = spec
            .resources
            .iter()
            .find(|u| u.resource.id == service.resources.id)
            .ok_or_else(|| {
                invalid(
                    format!("{field}.resources.id"),
                    format!("the lease has no resource unit {}", service.resources.id),
                )
            })?;
        fits(&service.resources, &unit.resource)
            .map_err(|reason| invalid(format!("{field}.resources"), reason))?;
        let count = replicas.entry(unit.resource.id).or_default();
        *count += u64::from(service.count);
        if *count > u64::from(unit.count) {
            return Err(invalid(
                format!("{field}.count"),
                format!(
                    "{} replicas of resource unit {} but the lease pays for {}",
                    count, unit.resource.id, unit.count
                ),
            ));
        }
        gpus = gpus.saturating_add(
            service
                .resources
                .gpu
                .units
                .get()
                .saturating_mul(u64::from(service.count)),
        );
        if !docker.image_allowed(&service.image) {
            return Err(invalid(
                format!("{field}.image"),
                format!(
                    "{:?} is not on this provider's image allow-list",
                    service.image
                ),
            ));
        }
    }
    if gpus != allocated_gpus as u64 {
        return Err(invalid(
            format!("[{gi}].services"),
            format!("the services use {gpus} GPUs, the lease holds {allocated_gpus}"),
        ));
    }
    // Whatever the runtime would refuse (ports, volumes), refuse now rather than after
    // accepting: placeholder UUIDs stand in for the lease's GPUs.
    let placeholders: Vec<String> = (0..allocated_gpus).map(|i| format!("GPU-{i}")).collect();
    spec::plan(lease, group, &placeholders, docker)
        .map_err(|e| invalid(format!("[{gi}]"), e.to_string()))?;
    Ok(group.clone())
}

/// A service's resources within the unit's: CPU, memory, GPUs, and each volume by name.
fn fits(service: &Resources, unit: &Resources) -> Result<(), String> {
    let over = |what: &str, wanted: u64, leased: u64| {
        if wanted > leased {
            Err(format!("{what} {wanted} is more than the lease's {leased}"))
        } else {
            Ok(())
        }
    };
    over("cpu", service.cpu.units.get(), unit.cpu.units.get())?;
    over("memory", service.memory.size.get(), unit.memory.size.get())?;
    over("gpu", service.gpu.units.get(), unit.gpu.units.get())?;
    for volume in &service.storage {
        let leased = unit
            .storage
            .iter()
            .find(|s| s.name == volume.name)
            .ok_or_else(|| format!("storage {:?} is not leased", volume.name))?;
        over(
            &format!("storage {:?}", volume.name),
            volume.size.get(),
            leased.size.get(),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
