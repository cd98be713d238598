use cosmwasm_std::{Addr, Coin, Decimal256, Uint256};
use kumo_types::attributes::{Attribute, AuditedAttributes, PlacementRequirements, SignedBy};
use kumo_types::coins::FundsDestination;
use kumo_types::gpu::GpuSpec;
use kumo_types::market::GpuPricingTier;
use kumo_types::registry::{Provider, ProviderInfo};
use kumo_types::resources::*;

use super::*;

const GI: u64 = 1 << 30;
const H100_CAP: &str = "capabilities/gpu/vendor/nvidia/model/h100/ram/80Gi/interface/sxm";

fn dec(s: &str) -> Decimal256 {
    s.parse().unwrap()
}

fn spec(gpus: u64, gpu_attr: &str) -> GroupSpec {
    GroupSpec {
        name: "g".into(),
        requirements: PlacementRequirements {
            signed_by: SignedBy::default(),
            attributes: vec![Attribute::new("region", "us-west")],
        },
        resources: vec![ResourceUnit {
            resource: Resources {
                id: 1,
                cpu: CpuResource {
                    units: ResourceValue::new(1000),
                    attributes: vec![],
                },
                memory: MemoryResource {
                    size: ResourceValue::new(GI),
                    attributes: vec![],
                },
                storage: vec![],
                gpu: GpuResource {
                    units: ResourceValue::new(gpus),
                    attributes: vec![Attribute::new(gpu_attr, "true")],
                },
                endpoints: vec![],
            },
            count: 1,
            price: DecCoin::new(dec("100"), "uakt"),
        }],
    }
}

fn offer(gpu: GpuSpec, cpu: &str, gpu_price: &str) -> Offer {
    Offer {
        units: vec![OfferedUnit {
            resource_id: 1,
            gpu: Some(gpu),
            prices: ResourcePrices {
                cpu: dec(cpu),
                gpu: dec(gpu_price),
                ..Default::default()
            },
        }],
    }
}

fn h100() -> GpuSpec {
    GpuSpec::new("nvidia", "h100")
        .with_ram("80Gi")
        .with_interface("sxm")
}

fn profile(attrs: Vec<Attribute>, bonded: u128) -> ProviderProfile {
    ProviderProfile {
        provider: Provider {
            owner: Addr::unchecked("prov"),
            host_uri: "https://p.example".into(),
            attributes: attrs,
            info: ProviderInfo::default(),
            tls_cert_fingerprint: "00".repeat(32),
            registered_at_height: 1,
        },
        bonded: Uint256::from(bonded),
        min_collateral_per_gpu: Uint256::from(100u32),
        audited: vec![],
        certified_auditors: vec![],
        certified: vec![],
    }
}

fn provider_attrs() -> Vec<Attribute> {
    vec![
        Attribute::new("region", "us-west"),
        Attribute::new(H100_CAP, "true"),
    ]
}

fn params() -> MarketParams {
    MarketParams {
        allowed_denoms: vec!["uakt".into()],
        deployment_min_deposits: vec![],
        bid_min_deposits: vec![Coin::new(1u32, "uakt")],
        order_max_bids: 5,
        max_groups: 5,
        take_rates: vec![],
        take_destination: FundsDestination::Burn,
        gpu_pricing_tiers: vec![],
    }
}

fn price(p: &str) -> DecCoin {
    DecCoin::new(dec(p), "uakt")
}

#[test]
fn matching_bid_passes() {
    let s = spec(2, "vendor/nvidia/model/*");
    check_bid(
        &s,
        &price("50"),
        &offer(h100(), "10", "40"),
        &profile(provider_attrs(), 200),
        &ProviderStats::default(),
        &params(),
    )
    .unwrap();
}

#[test]
fn price_above_order_max_is_refused() {
    let s = spec(2, "vendor/nvidia/model/*");
    let err = check_bid(
        &s,
        &price("101"),
        &offer(h100(), "1", "100"),
        &profile(provider_attrs(), 200),
        &ProviderStats::default(),
        &params(),
    )
    .unwrap_err();
    assert!(matches!(err, ContractError::PriceAboveMax { .. }), "{err}");
}

#[test]
fn missing_placement_attribute_is_refused() {
    let s = spec(2, "vendor/nvidia/model/*");
    let attrs = vec![
        Attribute::new("region", "eu-central"),
        Attribute::new(H100_CAP, "true"),
    ];
    let err = check_bid(
        &s,
        &price("50"),
        &offer(h100(), "10", "40"),
        &profile(attrs, 200),
        &ProviderStats::default(),
        &params(),
    )
    .unwrap_err();
    assert!(
        matches!(err, ContractError::AttributesMismatch { ref key, .. } if key == "region"),
        "{err}"
    );
}

#[test]
fn glob_requirement_keys_match() {
    let mut s = spec(2, "vendor/nvidia/model/*");
    s.requirements.attributes = vec![Attribute::new("reg*", "us-west")];
    check_bid(
        &s,
        &price("50"),
        &offer(h100(), "10", "40"),
        &profile(provider_attrs(), 200),
        &ProviderStats::default(),
        &params(),
    )
    .unwrap();
}

#[test]
fn gpu_must_be_advertised_with_the_claimed_details() {
    let s = spec(2, "vendor/nvidia/model/*");
    let a100 = GpuSpec::new("nvidia", "a100");
    let err = check_bid(
        &s,
        &price("50"),
        &offer(a100, "10", "40"),
        &profile(provider_attrs(), 200),
        &ProviderStats::default(),
        &params(),
    )
    .unwrap_err();
    assert!(matches!(err, ContractError::GpuNotOffered(_)), "{err}");
    // The capability only states the model, so an offer claiming 80Gi is not backed.
    let model_only = vec![
        Attribute::new("region", "us-west"),
        Attribute::new("capabilities/gpu/vendor/nvidia/model/h100", "true"),
    ];
    let err = check_bid(
        &s,
        &price("50"),
        &offer(h100(), "10", "40"),
        &profile(model_only, 200),
        &ProviderStats::default(),
        &params(),
    )
    .unwrap_err();
    assert!(matches!(err, ContractError::GpuNotOffered(_)), "{err}");
}

#[test]
fn wildcard_order_needs_a_concrete_gpu_meeting_specific_requirements() {
    let s = spec(1, "vendor/nvidia/model/h100/interface/pcie");
    let err = check_bid(
        &s,
        &price("50"),
        &offer(h100(), "10", "40"),
        &profile(provider_attrs(), 200),
        &ProviderStats::default(),
        &params(),
    )
    .unwrap_err();
    assert!(
        matches!(err, ContractError::Validation(ref v) if v.field == "offer.units[0].gpu"),
        "{err}"
    );
}

#[test]
fn certified_auditors_must_sign_the_capability() {
    let s = spec(2, "vendor/nvidia/model/*");
    let mut p = profile(provider_attrs(), 200);
    p.certified_auditors = vec![Addr::unchecked("trusted")];
    let err = check_bid(
        &s,
        &price("50"),
        &offer(h100(), "10", "40"),
        &p,
        &ProviderStats::default(),
        &params(),
    )
    .unwrap_err();
    assert!(matches!(err, ContractError::GpuNotCertified(_)), "{err}");
    p.certified = vec![AuditedAttributes {
        auditor: Addr::unchecked("trusted"),
        attributes: vec![Attribute::new(H100_CAP, "true")],
    }];
    check_bid(
        &s,
        &price("50"),
        &offer(h100(), "10", "40"),
        &p,
        &ProviderStats::default(),
        &params(),
    )
    .unwrap();
}

#[test]
fn collateral_covers_leased_and_new_gpus() {
    let s = spec(2, "vendor/nvidia/model/*");
    let stats = ProviderStats {
        active_leases: 1,
        leased_gpus: 1,
    };
    // 3 GPUs x 100 = 300 needed.
    let err = check_bid(
        &s,
        &price("50"),
        &offer(h100(), "10", "40"),
        &profile(provider_attrs(), 299),
        &stats,
        &params(),
    )
    .unwrap_err();
    assert!(
        matches!(err, ContractError::InsufficientCollateral { gpus: 3, .. }),
        "{err}"
    );
    check_bid(
        &s,
        &price("50"),
        &offer(h100(), "10", "40"),
        &profile(provider_attrs(), 300),
        &stats,
        &params(),
    )
    .unwrap();
}

#[test]
fn per_gpu_price_must_sit_in_the_tier() {
    let s = spec(2, "vendor/nvidia/model/*");
    let mut p = params();
    p.gpu_pricing_tiers = vec![GpuPricingTier {
        name: "datacenter".into(),
        models: vec!["h100".into(), "a100".into()],
        denom: "uakt".into(),
        min_price: dec("10"),
        max_price: dec("20"),
    }];
    // 40 for 2 GPUs is 20 per GPU: at the top of the tier.
    check_bid(
        &s,
        &price("50"),
        &offer(h100(), "10", "40"),
        &profile(provider_attrs(), 200),
        &ProviderStats::default(),
        &p,
    )
    .unwrap();
    let err = check_bid(
        &s,
        &price("52"),
        &offer(h100(), "10", "42"),
        &profile(provider_attrs(), 200),
        &ProviderStats::default(),
        &p,
    )
    .unwrap_err();
    assert!(
        matches!(err, ContractError::PriceOutsideTier { .. }),
        "{err}"
    );
    let err = check_bid(
        &s,
        &price("20"),
        &offer(h100(), "2", "18"),
        &profile(provider_attrs(), 200),
        &ProviderStats::default(),
        &p,
    )
    .unwrap_err();
    assert!(
        matches!(err, ContractError::PriceOutsideTier { .. }),
        "{err}"
    );
}

#[test]
fn signed_by_is_checked_against_audited_attributes() {
    let mut s = spec(2, "vendor/nvidia/model/*");
    s.requirements.signed_by = SignedBy {
        all_of: vec![],
        any_of: vec!["auditor".into()],
    };
    let mut p = profile(provider_attrs(), 200);
    // The provider signing its own attributes does not help: only the named auditor counts.
    p.audited = vec![AuditedAttributes {
        auditor: Addr::unchecked("prov"),
        attributes: provider_attrs(),
    }];
    let err = check_bid(
        &s,
        &price("50"),
        &offer(h100(), "10", "40"),
        &p,
        &ProviderStats::default(),
        &params(),
    )
    .unwrap_err();
    assert!(
        matches!(err, ContractError::SignedByUnsatisfied(_)),
        "{err}"
    );
    p.audited.push(AuditedAttributes {
        auditor: Addr::unchecked("auditor"),
        attributes: vec![Attribute::new("region", "us-west")],
    });
    check_bid(
        &s,
        &price("50"),
        &offer(h100(), "10", "40"),
        &p,
        &ProviderStats::default(),
        &params(),
    )
    .unwrap();
}

#[test]
fn cpu_only_orders_need_no_collateral() {
    let mut s = spec(0, "unused");
    s.resources[0].resource.gpu.attributes.clear();
    let cpu_offer = Offer {
        units: vec![OfferedUnit {
            resource_id: 1,
            gpu: None,
            prices: ResourcePrices {
                cpu: dec("5"),
                ..Default::default()
            },
        }],
    };
    let stats = ProviderStats {
        active_leases: 3,
        leased_gpus: 3,
    };
    check_bid(
        &s,
        &price("5"),
        &cpu_offer,
        &profile(provider_attrs(), 0),
        &stats,
        &params(),
    )
    .unwrap();
}
