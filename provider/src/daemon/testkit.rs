//! Fixtures for the daemon's unit tests: orders from SDL text (as tenants make them), a
//! pricing table, market params, a provider profile.

use std::collections::BTreeMap;
use std::str::FromStr;

use cosmwasm_std::{Addr, Coin, Decimal256, Uint256};
use kumo_types::attributes::{Attribute, AuditedAttributes};
use kumo_types::coins::FundsDestination;
use kumo_types::gpu::GpuSpec;
use kumo_types::market::{GpuPricingTier, MarketParams};
use kumo_types::registry::{Provider, ProviderInfo, ProviderProfile};
use kumo_types::resources::GroupSpec;

use crate::allocations::HeldGpu;
use crate::config::{GpuPrices, PricingConfig};

pub fn dec(s: &str) -> Decimal256 {
    Decimal256::from_str(s).unwrap()
}

pub fn sdl(yaml: &str) -> kumo_sdl::Sdl {
    kumo_sdl::parse(yaml).unwrap_or_else(|e| panic!("{e}"))
}

/// Two units: `web` (1 CPU, 1Gi, 2Gi disk, no GPU, one global HTTP endpoint) × 2 at most 100
/// each, and `gpu` (0.5 CPU, 512Mi, 1Gi disk, 2 GPUs of `gpu_attrs`) × 1 at most 5000.
pub fn order_sdl(gpu_attrs: &str, placement_attrs: &str) -> String {
    format!(
        r#"
version: "2.0"
services:
  web:
    image: kumo-test/busybox:local
    args: ["sleep", "3600"]
    expose:
      - port: 8080
        as: 80
        to: [{{ global: true }}]
  gpu:
    image: kumo-test/busybox:local
    args: ["sleep", "3600"]
profiles:
  compute:
    web:
      resources: {{ cpu: {{ units: 1 }}, memory: {{ size: 1Gi }}, storage: {{ size: 2Gi }} }}
    gpu:
      resources:
        cpu: {{ units: 0.5 }}
        memory: {{ size: 512Mi }}
        storage: {{ size: 1Gi }}
        gpu: {{ units: 2, attributes: {{ vendor: {{ nvidia: {gpu_attrs} }} }} }}
  placement:
    dc:
      {placement_attrs}
      pricing:
        web: {{ denom: uakt, amount: 100 }}
        gpu: {{ denom: uakt, amount: 5000 }}
deployment:
  web: {{ dc: {{ profile: web, count: 2 }} }}
  gpu: {{ dc: {{ profile: gpu, count: 1 }} }}
"#
    )
}

/// The one group of [`order_sdl`] with any NVIDIA GPU.
pub fn wildcard_order() -> GroupSpec {
    sdl(&order_sdl("", "")).groups.remove(0)
}

pub fn h100() -> GpuSpec {
    GpuSpec::new("nvidia", "h100")
        .with_ram("80Gi")
        .with_interface("sxm")
}

pub fn a100() -> GpuSpec {
    GpuSpec::new("nvidia", "a100")
        .with_ram("40Gi")
        .with_interface("pcie")
}

/// cpu 0.01/millicpu, memory 2/GiB, storage 0.5/GiB, endpoint 1, h100 900, a100 500.
pub fn pricing() -> PricingConfig {
    PricingConfig {
        denom: "uakt".into(),
        cpu_per_millicpu: dec("0.01"),
        memory_per_gib: dec("2"),
        storage_per_gib: dec("0.5"),
        endpoint: dec("1"),
        gpu: GpuPrices {
            by_model: BTreeMap::from([("h100".into(), dec("900")), ("a100".into(), dec("500"))]),
            default: None,
        },
        script: None,
    }
}

pub fn params(tiers: Vec<GpuPricingTier>) -> MarketParams {
    MarketParams {
        allowed_denoms: vec!["uakt".into()],
        deployment_min_deposits: vec![],
        bid_min_deposits: vec![Coin::new(500_000u128, "uakt")],
        order_max_bids: 20,
        max_groups: 20,
        take_rates: vec![],
        take_destination: FundsDestination::Burn,
        gpu_pricing_tiers: tiers,
    }
}

pub fn tier(model: &str, denom: &str, min: &str, max: &str) -> GpuPricingTier {
    GpuPricingTier {
        name: format!("{model}-{denom}"),
        models: vec![model.into()],
        denom: denom.into(),
        min_price: dec(min),
        max_price: dec(max),
    }
}

/// A registered provider with `attributes`, 10 units of collateral per GPU required and
/// `bonded` bonded, no auditors.
pub fn profile(attributes: Vec<Attribute>, bonded: u128) -> ProviderProfile {
    ProviderProfile {
        provider: Provider {
            owner: Addr::unchecked("prov"),
            host_uri: "https://p.example".into(),
            attributes,
            info: ProviderInfo::default(),
            tls_cert_fingerprint: "00".repeat(32),
            registered_at_height: 1,
        },
        bonded: Uint256::from(bonded),
        min_collateral_per_gpu: Uint256::from(10u128),
        audited: vec![],
        certified_auditors: vec![],
        certified: vec![],
    }
}

pub fn capability(gpu: &GpuSpec) -> Attribute {
    Attribute::new(gpu.capability_key(), "true")
}

pub fn signed(auditor: &str, attributes: Vec<Attribute>) -> AuditedAttributes {
    AuditedAttributes {
        auditor: Addr::unchecked(auditor),
        attributes,
    }
}

pub fn free(gpus: &[(&str, GpuSpec)]) -> Vec<HeldGpu> {
    gpus.iter()
        .map(|(uuid, spec)| HeldGpu {
            uuid: (*uuid).into(),
            spec: spec.clone(),
        })
        .collect()
}
