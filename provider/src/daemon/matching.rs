//! Whether this provider can bid on an order, and with which concrete GPUs: the same rules the
//! market applies at bid time (attributes with globs, `signed_by`, GPU capabilities and their
//! certification, collateral), checked before spending a fee, plus what only the provider knows
//! (free GPUs, which models it has a price for). The rules come from `kumo_types`; only the
//! provider's side of the choice lives here.

use std::collections::BTreeSet;

use cosmwasm_std::Uint256;
use kumo_types::attributes::{check_signed_by, first_unmatched};
use kumo_types::gpu::{
    capabilities_from_attributes, offer_meets_requirements, requirements_from_attributes, GpuSpec,
};
use kumo_types::market::{MarketParams, ProviderStats};
use kumo_types::registry::ProviderProfile;
use kumo_types::resources::GroupSpec;

use super::pricing::gpu_price;
use crate::allocations::HeldGpu;
use crate::config::PricingConfig;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatchError {
    #[error("requirement {key}={value} is not among the provider's attributes")]
    Attribute { key: String, value: String },
    #[error("signed_by: {0}")]
    SignedBy(String),
    #[error("resource unit {resource_id}: {reason}")]
    Gpu { resource_id: u32, reason: String },
    #[error("collateral: {bonded} bonded, {required} required for {gpus} leased GPUs")]
    Collateral {
        bonded: Uint256,
        required: Uint256,
        gpus: u64,
    },
}

/// The concrete GPU offered for each resource unit of `spec` (`None` for units without GPUs).
pub fn match_order(
    spec: &GroupSpec,
    profile: &ProviderProfile,
    stats: &ProviderStats,
    free_gpus: &[HeldGpu],
    pricing: &PricingConfig,
    params: &MarketParams,
) -> Result<Vec<Option<GpuSpec>>, MatchError> {
    let requirements = &spec.requirements;
    if let Some(missing) = first_unmatched(&requirements.attributes, &profile.provider.attributes) {
        return Err(MatchError::Attribute {
            key: missing.key.clone(),
            value: missing.value.clone(),
        });
    }
    check_signed_by(
        &requirements.attributes,
        &requirements.signed_by,
        &profile.audited,
    )
    .map_err(MatchError::SignedBy)?;
    check_collateral(spec, profile, stats)?;

    let capabilities = usable_capabilities(profile);
    // GPUs promised to earlier units of this order, by UUID.
    let mut taken: BTreeSet<&str> = BTreeSet::new();
    let mut offered = Vec::with_capacity(spec.resources.len());
    for unit in &spec.resources {
        let per_instance = unit.resource.gpu.units.get();
        if per_instance == 0 {
            offered.push(None);
            continue;
        }
        let fail = |reason: String| MatchError::Gpu {
            resource_id: unit.resource.id,
            reason,
        };
        let wanted = requirements_from_attributes(&unit.resource.gpu.attributes).map_err(fail)?;
        let needed = per_instance.saturating_mul(u64::from(unit.count));
        let mut best: Option<(cosmwasm_std::Decimal256, &GpuSpec)> = None;
        for cap in &capabilities {
            if !offer_meets_requirements(cap, &wanted) {
                continue;
            }
            let Ok(price) = gpu_price(pricing, cap, params) else {
                continue;
            };
            let free = free_gpus
                .iter()
                .filter(|g| !taken.contains(g.uuid.as_str()) && cap.backed_by(&g.spec))
                .count() as u64;
            if free < needed {
                continue;
            }
            // The cheapest kind that fits: the likeliest to win, priced by what is offered.
            if best.is_none_or(|(p, _)| price < p) {
                best = Some((price, cap));
            }
        }
        let Some((_, cap)) = best else {
            let asked = if wanted.is_empty() {
                "any GPU".to_string()
            } else {
                wanted
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" or ")
            };
            return Err(fail(format!(
                "no {needed} free, registered{} and priced GPUs of {asked}",
                if profile.certified_auditors.is_empty() {
                    ""
                } else {
                    ", certified"
                }
            )));
        };
        let picked: Vec<&str> = free_gpus
            .iter()
            .filter(|g| !taken.contains(g.uuid.as_str()) && cap.backed_by(&g.spec))
            .take(needed as usize)
            .map(|g| g.uuid.as_str())
            .collect();
        taken.extend(picked);
        offered.push(Some(cap.clone()));
    }
    Ok(offered)
}

/// The provider's registered GPU capabilities that may be offered: all of them, or when
/// governance has certified auditors, those one of them signed.
fn usable_capabilities(profile: &ProviderProfile) -> Vec<GpuSpec> {
    capabilities_from_attributes(&profile.provider.attributes)
        .into_iter()
        .filter(|(_, attr)| {
            profile.certified_auditors.is_empty()
                || profile
                    .certified
                    .iter()
                    .any(|signed| signed.attributes.contains(attr))
        })
        .map(|(spec, _)| spec)
        .collect()
}

/// Bonded collateral covers the GPUs already leased plus this order's (as the market checks).
fn check_collateral(
    spec: &GroupSpec,
    profile: &ProviderProfile,
    stats: &ProviderStats,
) -> Result<(), MatchError> {
    let gpus_wanted = spec.gpu_count();
    if gpus_wanted == 0 {
        return Ok(());
    }
    let gpus = stats.leased_gpus.saturating_add(gpus_wanted);
    let required = profile
        .min_collateral_per_gpu
        .checked_mul(Uint256::from(gpus))
        .unwrap_or(Uint256::MAX);
    if profile.bonded < required {
        return Err(MatchError::Collateral {
            bonded: profile.bonded,
            required,
            gpus,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
