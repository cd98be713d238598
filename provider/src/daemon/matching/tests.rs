use kumo_types::attributes::{Attribute, SignedBy};

use super::*;
use crate::daemon::testkit::*;

fn region() -> Attribute {
    Attribute::new("region", "us-west")
}

/// Registered: region, h100 and a100 capabilities; 100 bonded (10 per GPU required).
fn provider() -> ProviderProfile {
    profile(
        vec![region(), capability(&h100()), capability(&a100())],
        100,
    )
}

fn gpus() -> Vec<HeldGpu> {
    free(&[
        ("GPU-h0", h100()),
        ("GPU-h1", h100()),
        ("GPU-a0", a100()),
        ("GPU-a1", a100()),
    ])
}

fn run(
    spec: &GroupSpec,
    profile: &ProviderProfile,
    free: &[HeldGpu],
) -> Result<Vec<Option<GpuSpec>>, MatchError> {
    match_order(
        spec,
        profile,
        &ProviderStats::default(),
        free,
        &pricing(),
        &params(vec![]),
    )
}

#[test]
fn a_wildcard_order_gets_the_cheapest_kind_that_fits() {
    let spec = wildcard_order();
    assert_eq!(
        run(&spec, &provider(), &gpus()).unwrap(),
        vec![Some(a100()), None]
    );
    // Only one a100 free: two are needed, so the h100s are offered.
    let one_a100 = free(&[("GPU-h0", h100()), ("GPU-h1", h100()), ("GPU-a0", a100())]);
    assert_eq!(
        run(&spec, &provider(), &one_a100).unwrap(),
        vec![Some(h100()), None]
    );
    // Not enough of any kind.
    let err = run(&spec, &provider(), &free(&[("GPU-a0", a100())])).unwrap_err();
    assert!(matches!(err, MatchError::Gpu { .. }), "{err}");
    // A model without a price is never offered, however cheap the others would be.
    let mut no_a100_price = pricing();
    no_a100_price.gpu.by_model.remove("a100");
    let offered = match_order(
        &spec,
        &provider(),
        &ProviderStats::default(),
        &gpus(),
        &no_a100_price,
        &params(vec![]),
    )
    .unwrap();
    assert_eq!(offered, vec![Some(h100()), None]);
}

#[test]
fn a_specific_model_is_offered_only_if_registered_and_free() {
    let h100_order = sdl(&order_sdl("[ { model: h100, ram: 80Gi } ]", ""))
        .groups
        .remove(0);
    assert_eq!(
        run(&h100_order, &provider(), &gpus()).unwrap(),
        vec![Some(h100()), None]
    );
    let only_a100 = free(&[("GPU-a0", a100()), ("GPU-a1", a100())]);
    let err = run(&h100_order, &provider(), &only_a100).unwrap_err();
    assert!(
        err.to_string()
            .contains("vendor/nvidia/model/h100/ram/80Gi"),
        "{err}"
    );
    // On the host but not registered: not offered (the market would refuse it).
    let unregistered = profile(vec![region(), capability(&a100())], 100);
    assert!(run(&h100_order, &unregistered, &gpus()).is_err());
    // Asked for pcie: the sxm h100 does not qualify.
    let pcie = sdl(&order_sdl("[ { model: h100, interface: pcie } ]", ""))
        .groups
        .remove(0);
    assert!(run(&pcie, &provider(), &gpus()).is_err());
}

#[test]
fn placement_attributes_match_with_globs() {
    let glob = sdl(&order_sdl("", "attributes: { region: us-west }"))
        .groups
        .remove(0);
    assert!(run(&glob, &provider(), &gpus()).is_ok());
    let mut spec = glob.clone();
    spec.requirements.attributes = vec![Attribute::new("reg*", "us-west")];
    assert!(run(&spec, &provider(), &gpus()).is_ok());
    spec.requirements.attributes = vec![Attribute::new("region", "eu-west")];
    assert_eq!(
        run(&spec, &provider(), &gpus()).unwrap_err(),
        MatchError::Attribute {
            key: "region".into(),
            value: "eu-west".into()
        }
    );
}

#[test]
fn signed_by_needs_the_auditors_signatures() {
    let mut spec = sdl(&order_sdl("", "attributes: { region: us-west }"))
        .groups
        .remove(0);
    spec.requirements.signed_by = SignedBy {
        all_of: vec!["auditor1".into()],
        any_of: vec![],
    };
    let err = run(&spec, &provider(), &gpus()).unwrap_err();
    assert!(matches!(err, MatchError::SignedBy(_)), "{err}");
    let mut audited = provider();
    audited.audited = vec![signed("auditor1", vec![region()])];
    assert!(run(&spec, &audited, &gpus()).is_ok());
}

#[test]
fn certified_auditors_restrict_the_gpus_offered() {
    let spec = wildcard_order();
    let mut p = provider();
    p.certified_auditors = vec![cosmwasm_std::Addr::unchecked("cert")];
    // Nothing certified: nothing to offer.
    assert!(run(&spec, &p, &gpus()).is_err());
    // Only the h100 certified: offered although the a100 is cheaper.
    p.certified = vec![signed("cert", vec![capability(&h100())])];
    assert_eq!(run(&spec, &p, &gpus()).unwrap(), vec![Some(h100()), None]);
}

#[test]
fn collateral_must_cover_leased_and_new_gpus() {
    let spec = wildcard_order();
    let poor = profile(vec![region(), capability(&a100())], 29);
    let stats = ProviderStats {
        active_leases: 1,
        leased_gpus: 1,
    };
    let err = match_order(&spec, &poor, &stats, &gpus(), &pricing(), &params(vec![])).unwrap_err();
    assert_eq!(
        err,
        MatchError::Collateral {
            bonded: 29u128.into(),
            required: 30u128.into(),
            gpus: 3
        }
    );
    let enough = profile(vec![region(), capability(&a100())], 30);
    assert!(match_order(&spec, &enough, &stats, &gpus(), &pricing(), &params(vec![])).is_ok());
    // CPU-only orders need no collateral.
    let cpu_only = sdl(r#"
version: "2.0"
services:
  web:
    image: kumo-test/busybox:local
    expose: [ { port: 80, to: [ { global: true } ] } ]
profiles:
  compute:
    web: { resources: { cpu: { units: 1 }, memory: { size: 1Gi }, storage: { size: 1Gi } } }
  placement:
    dc: { pricing: { web: { denom: uakt, amount: 100 } } }
deployment:
  web: { dc: { profile: web, count: 1 } }
"#)
    .groups
    .remove(0);
    let broke = profile(vec![region()], 0);
    assert_eq!(run(&cpu_only, &broke, &[]).unwrap(), vec![None]);
}

#[test]
fn units_of_one_order_do_not_share_gpus() {
    // Two GPU units asking 2 GPUs each: 4 needed, the two kinds both used.
    let spec = sdl(r#"
version: "2.0"
services:
  a:
    image: kumo-test/busybox:local
    expose: [ { port: 80, to: [ { global: true } ] } ]
  b: { image: kumo-test/busybox:local }
profiles:
  compute:
    a:
      resources:
        cpu: { units: 1 }
        memory: { size: 1Gi }
        storage: { size: 1Gi }
        gpu: { units: 2, attributes: { vendor: { nvidia: } } }
    b:
      resources:
        cpu: { units: 1 }
        memory: { size: 1Gi }
        storage: { size: 1Gi }
        gpu: { units: 2, attributes: { vendor: { nvidia: } } }
  placement:
    dc:
      pricing:
        a: { denom: uakt, amount: 5000 }
        b: { denom: uakt, amount: 5000 }
deployment:
  a: { dc: { profile: a, count: 1 } }
  b: { dc: { profile: b, count: 1 } }
"#)
    .groups
    .remove(0);
    assert_eq!(
        run(&spec, &provider(), &gpus()).unwrap(),
        vec![Some(a100()), Some(h100())]
    );
    let three = free(&[("GPU-h0", h100()), ("GPU-a0", a100()), ("GPU-a1", a100())]);
    assert!(run(&spec, &provider(), &three).is_err());
}
