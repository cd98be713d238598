//! Bonding, unbonding and claiming provider collateral.

use cosmwasm_std::{BankMsg, Coin, DepsMut, Env, MessageInfo, Response, Uint256};
use cw_utils::must_pay;
use kumo_types::events::KumoEvent;
use kumo_types::registry::{UnbondingEntry, MAX_UNBONDING_ENTRIES};

use crate::error::ContractError;
use crate::market::{provider_stats, required_collateral};
use crate::state::{BONDED, CONFIG, PARAMS, PROVIDERS, UNBONDING};

/// Bonds exactly one coin of the collateral denom. Only registered providers bond:
/// collateral exists to back a provider's leases.
pub fn bond(deps: DepsMut, info: MessageInfo) -> Result<Response, ContractError> {
    let params = PARAMS.load(deps.storage)?;
    let amount = must_pay(&info, &params.collateral_denom)?;
    let provider = info.sender;
    if !PROVIDERS.has(deps.storage, &provider) {
        return Err(ContractError::NotRegistered {
            provider: provider.into_string(),
        });
    }
    let bonded = BONDED
        .may_load(deps.storage, &provider)?
        .unwrap_or_default()
        .checked_add(amount)?;
    BONDED.save(deps.storage, &provider, &bonded)?;
    Ok(Response::new().add_event(KumoEvent::CollateralBonded {
        provider,
        amount: Coin::new(amount, params.collateral_denom),
    }))
}

/// Starts unbonding `amount`, as long as what stays bonded still covers the provider's
/// leased GPUs. Allowed after deregistering, so collateral is never locked forever.
pub fn unbond(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    amount: Uint256,
) -> Result<Response, ContractError> {
    if amount.is_zero() {
        return Err(ContractError::ZeroAmount);
    }
    let provider = info.sender;
    let bonded = BONDED
        .may_load(deps.storage, &provider)?
        .unwrap_or_default();
    let remaining = bonded
        .checked_sub(amount)
        .map_err(|_| ContractError::UnbondExceedsBonded { amount, bonded })?;

    let config = CONFIG.load(deps.storage)?;
    let params = PARAMS.load(deps.storage)?;
    let leased_gpus = provider_stats(deps.as_ref(), &config, &provider)?.leased_gpus;
    let required = required_collateral(params.min_collateral_per_gpu, leased_gpus)?;
    if remaining < required {
        return Err(ContractError::InsufficientCollateral {
            remaining,
            required,
            leased_gpus,
        });
    }

    let mut entries = UNBONDING
        .may_load(deps.storage, &provider)?
        .unwrap_or_default();
    // Matured but unclaimed entries count too: the list is what a claim walks over.
    if entries.len() >= MAX_UNBONDING_ENTRIES {
        return Err(ContractError::TooManyUnbondingEntries);
    }
    let release_at = env.block.time.plus_seconds(params.unbonding_period_seconds);
    entries.push(UnbondingEntry { amount, release_at });

    if remaining.is_zero() {
        BONDED.remove(deps.storage, &provider);
    } else {
        BONDED.save(deps.storage, &provider, &remaining)?;
    }
    UNBONDING.save(deps.storage, &provider, &entries)?;
    Ok(Response::new().add_event(KumoEvent::CollateralUnbonding {
        provider,
        amount: Coin::new(amount, params.collateral_denom),
        release_at,
    }))
}

/// Pays out every matured unbonding entry in one bank send.
pub fn claim(deps: DepsMut, env: Env, info: MessageInfo) -> Result<Response, ContractError> {
    let provider = info.sender;
    let entries = UNBONDING
        .may_load(deps.storage, &provider)?
        .unwrap_or_default();
    let (matured, pending): (Vec<_>, Vec<_>) = entries
        .into_iter()
        .partition(|e| e.release_at <= env.block.time);
    if matured.is_empty() {
        return Err(ContractError::NothingToClaim);
    }
    let total = matured
        .iter()
        .try_fold(Uint256::zero(), |sum, e| sum.checked_add(e.amount))?;

    if pending.is_empty() {
        UNBONDING.remove(deps.storage, &provider);
    } else {
        UNBONDING.save(deps.storage, &provider, &pending)?;
    }
    let denom = PARAMS.load(deps.storage)?.collateral_denom;
    let mut response = Response::new().add_event(KumoEvent::CollateralClaimed {
        provider: provider.clone(),
        amount: Coin::new(total, &denom),
    });
    // Entries are never zero (unbond refuses zero, slash drops emptied entries), but a zero
    // bank send would fail the whole claim, so guard anyway.
    if !total.is_zero() {
        response = response.add_message(BankMsg::Send {
            to_address: provider.into_string(),
            amount: vec![Coin::new(total, denom)],
        });
    }
    Ok(response)
}
