//! Whether a provider may bid on an order: attributes, auditor signatures, GPUs, certification,
//! collateral and governed GPU pricing. Pure, so the rules are unit-tested without a chain.

use cosmwasm_std::{Decimal256, Uint256};
use kumo_types::attributes::{check_signed_by, first_unmatched};
use kumo_types::coins::DecCoin;
use kumo_types::gpu::capabilities_from_attributes;
use kumo_types::market::{MarketParams, ProviderStats};
use kumo_types::registry::ProviderProfile;
use kumo_types::resources::{GroupSpec, Offer};

use crate::error::ContractError;

pub fn check_bid(
    spec: &GroupSpec,
    price: &DecCoin,
    offer: &Offer,
    profile: &ProviderProfile,
    stats: &ProviderStats,
    params: &MarketParams,
) -> Result<(), ContractError> {
    offer.check_against(spec, price)?;
    let max = spec.max_price();
    if price.amount > max {
        return Err(ContractError::PriceAboveMax {
            price: price.to_string(),
            max: DecCoin::new(max, &price.denom).to_string(),
        });
    }

    let requirements = &spec.requirements;
    if let Some(missing) = first_unmatched(&requirements.attributes, &profile.provider.attributes) {
        return Err(ContractError::AttributesMismatch {
            key: missing.key.clone(),
            value: missing.value.clone(),
        });
    }
    check_signed_by(
        &requirements.attributes,
        &requirements.signed_by,
        &profile.audited,
    )
    .map_err(ContractError::SignedByUnsatisfied)?;

    check_gpus(offer, profile)?;
    check_collateral(spec, profile, stats)?;
    check_pricing_tiers(spec, price, offer, params)
}

/// Every offered GPU must be backed by one of the provider's capability attributes, signed by
/// a certified auditor when governance has certified any.
fn check_gpus(offer: &Offer, profile: &ProviderProfile) -> Result<(), ContractError> {
    let capabilities = capabilities_from_attributes(&profile.provider.attributes);
    for gpu in offer.units.iter().filter_map(|u| u.gpu.as_ref()) {
        let backing: Vec<_> = capabilities
            .iter()
            .filter(|(cap, _)| gpu.backed_by(cap))
            .collect();
        if backing.is_empty() {
            return Err(ContractError::GpuNotOffered(gpu.to_string()));
        }
        if profile.certified_auditors.is_empty() {
            continue;
        }
        let certified = backing.iter().any(|(_, attr)| {
            profile
                .certified
                .iter()
                .any(|signed| signed.attributes.contains(attr))
        });
        if !certified {
            return Err(ContractError::GpuNotCertified(gpu.to_string()));
        }
    }
    Ok(())
}

/// Bonded collateral must cover the GPUs already leased plus those this order would add.
pub fn check_collateral(
    spec: &GroupSpec,
    profile: &ProviderProfile,
    stats: &ProviderStats,
) -> Result<(), ContractError> {
    // Collateral backs GPU leases only: a CPU-only order needs none.
    if spec.gpu_count() == 0 {
        return Ok(());
    }
    let gpus = stats.leased_gpus.saturating_add(spec.gpu_count());
    let required = profile
        .min_collateral_per_gpu
        .checked_mul(Uint256::from(gpus))?;
    if profile.bonded < required {
        return Err(ContractError::InsufficientCollateral {
            bonded: profile.bonded,
            required,
            gpus,
        });
    }
    Ok(())
}

/// The per-GPU price of each offered GPU must lie inside its model's governed tier, if any.
fn check_pricing_tiers(
    spec: &GroupSpec,
    price: &DecCoin,
    offer: &Offer,
    params: &MarketParams,
) -> Result<(), ContractError> {
    for (gpu, per_gpu) in offer.gpu_unit_prices(spec) {
        let Some(tier) = params.pricing_tier(&gpu.model, &price.denom) else {
            continue;
        };
        if per_gpu < tier.min_price || per_gpu > tier.max_price {
            let show = |d: Decimal256| DecCoin::new(d, &price.denom).to_string();
            return Err(ContractError::PriceOutsideTier {
                model: gpu.model.clone(),
                tier: tier.name.clone(),
                price: show(per_gpu),
                min: show(tier.min_price),
                max: show(tier.max_price),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
