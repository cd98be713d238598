use cosmwasm_std::Addr;
use kumo_types::ids::DeploymentId;

use super::*;
use crate::config::NetworkMode;
use crate::daemon::testkit::*;

fn lease() -> LeaseId {
    DeploymentId::new("tenant", 7)
        .group(1)
        .order(1)
        .bid(&Addr::unchecked("prov"))
}

fn docker() -> DockerConfig {
    DockerConfig {
        host: None,
        network: NetworkMode::None,
        bind_address: [127, 0, 0, 1].into(),
        pids_limit: 128,
        image_allowlist: Some(vec!["kumo-test/*".into()]),
    }
}

/// The tenant's SDL: its group spec (on chain), manifest and hash.
fn deployment() -> (GroupSpec, Manifest, String) {
    let sdl = sdl(&order_sdl("", ""));
    let hash = sdl.manifest_hash_hex();
    (sdl.groups[0].clone(), sdl.manifest, hash)
}

#[test]
fn the_tenants_manifest_is_accepted() {
    let (spec, manifest, hash) = deployment();
    assert_eq!(manifest_hash_hex(&manifest), hash);
    let group = accept(&manifest, &hash, &lease(), &spec, 2, &docker()).unwrap();
    assert_eq!(group.name, spec.name);
    assert_eq!(group.services.len(), 2);
    // The hash is compared case-insensitively (hex).
    assert!(accept(
        &manifest,
        &hash.to_uppercase(),
        &lease(),
        &spec,
        2,
        &docker()
    )
    .is_ok());
}

#[test]
fn a_manifest_with_another_hash_is_refused() {
    let (spec, mut manifest, hash) = deployment();
    manifest.0[0].services[0].image = "kumo-test/other:local".into();
    let err = accept(&manifest, &hash, &lease(), &spec, 2, &docker()).unwrap_err();
    match err {
        GatewayError::HashMismatch { expected, actual } => {
            assert_eq!(expected, hash);
            assert_eq!(actual, manifest_hash_hex(&manifest));
        }
        other => panic!("{other:?}"),
    }
}

/// Changes the manifest and accepts it as if the chain held its new hash: the other checks.
fn refused(
    change: impl FnOnce(&mut Manifest),
    gpus: usize,
    docker: &DockerConfig,
) -> (String, String) {
    let (spec, mut manifest, _) = deployment();
    change(&mut manifest);
    let hash = manifest_hash_hex(&manifest);
    match accept(&manifest, &hash, &lease(), &spec, gpus, docker).unwrap_err() {
        GatewayError::InvalidManifest { field, reason } => (field, reason),
        other => panic!("{other:?}"),
    }
}

#[test]
fn services_must_fit_the_leased_resources() {
    let (field, reason) = refused(
        |m| {
            let cpu = &mut m.0[0].services[1].resources.cpu.units;
            *cpu = kumo_types::resources::ResourceValue::new(cpu.get() + 1);
        },
        2,
        &docker(),
    );
    assert_eq!(field, "[0].services[1].resources");
    assert!(reason.contains("cpu"), "{reason}");

    let (field, reason) = refused(|m| m.0[0].services[1].count = 3, 2, &docker());
    assert_eq!(field, "[0].services[1].count");
    assert!(reason.contains("pays for 2"), "{reason}");

    let (field, _) = refused(|m| m.0[0].services[0].resources.id = 99, 2, &docker());
    assert_eq!(field, "[0].services[0].resources.id");
}

#[test]
fn the_gpus_used_must_be_the_gpus_leased() {
    let (field, reason) = refused(|_| {}, 1, &docker());
    assert_eq!(field, "[0].services");
    assert!(reason.contains("use 2 GPUs, the lease holds 1"), "{reason}");
}

#[test]
fn images_must_pass_the_allow_list() {
    let (field, reason) = refused(
        |m| m.0[0].services[1].image = "docker.io/evil/miner:1".into(),
        2,
        &docker(),
    );
    assert_eq!(field, "[0].services[1].image");
    assert!(reason.contains("allow-list"), "{reason}");
    let open = DockerConfig {
        image_allowlist: None,
        ..docker()
    };
    let (spec, mut manifest, _) = deployment();
    manifest.0[0].services[1].image = "docker.io/library/nginx:1".into();
    let hash = manifest_hash_hex(&manifest);
    assert!(accept(&manifest, &hash, &lease(), &spec, 2, &open).is_ok());
}

#[test]
fn the_leases_group_must_be_in_the_manifest() {
    let (field, reason) = refused(|m| m.0[0].name = "elsewhere".into(), 2, &docker());
    assert_eq!(field, "[]");
    assert!(reason.contains("no group named"), "{reason}");
}
