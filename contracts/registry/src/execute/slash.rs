//! Governance slashing a provider's collateral.

use cosmwasm_std::{BankMsg, Coin, Decimal, DepsMut, MessageInfo, Response, Uint256};
use kumo_types::coins::FundsDestination;
use kumo_types::events::KumoEvent;
use kumo_types::registry::validate_slash;

use super::governance_only;
use crate::error::ContractError;
use crate::state::{BONDED, PARAMS, PROVIDERS, UNBONDING};

/// Slashes `fraction` of the provider's bonded collateral and of each pending unbonding
/// entry (as Cosmos staking does, so unbonding is no escape), rounding each part down. The
/// total is burned or sent to the community pool, per params.
pub fn slash(
    deps: DepsMut,
    info: MessageInfo,
    provider: String,
    fraction: Decimal,
    reason: String,
) -> Result<Response, ContractError> {
    let config = governance_only(deps.storage, &info.sender)?;
    validate_slash(fraction, &reason)?;
    let provider = deps.api.addr_validate(&provider)?;

    let bonded = BONDED.may_load(deps.storage, &provider)?;
    let entries = UNBONDING.may_load(deps.storage, &provider)?;
    // A deregistered provider with collateral is still slashable; an address with neither
    // a record nor collateral is most likely a typo in the proposal.
    if bonded.is_none() && entries.is_none() && !PROVIDERS.has(deps.storage, &provider) {
        return Err(ContractError::NothingToSlash {
            address: provider.into_string(),
        });
    }

    let mut total = Uint256::zero();
    if let Some(bonded) = bonded {
        let cut = bonded.checked_mul_floor(fraction)?;
        total = total.checked_add(cut)?;
        let left = bonded.checked_sub(cut)?;
        if left.is_zero() {
            BONDED.remove(deps.storage, &provider);
        } else {
            BONDED.save(deps.storage, &provider, &left)?;
        }
    }
    if let Some(entries) = entries {
        let mut kept = Vec::with_capacity(entries.len());
        for mut entry in entries {
            let cut = entry.amount.checked_mul_floor(fraction)?;
            total = total.checked_add(cut)?;
            entry.amount = entry.amount.checked_sub(cut)?;
            if !entry.amount.is_zero() {
                kept.push(entry);
            }
        }
        if kept.is_empty() {
            UNBONDING.remove(deps.storage, &provider);
        } else {
            UNBONDING.save(deps.storage, &provider, &kept)?;
        }
    }

    let params = PARAMS.load(deps.storage)?;
    let slashed = Coin::new(total, &params.collateral_denom);
    let mut response = Response::new().add_event(KumoEvent::ProviderSlashed {
        provider,
        amount: slashed.clone(),
        fraction,
        reason,
    });
    // The bank refuses zero-amount sends and burns.
    if !total.is_zero() {
        response = response.add_message(match params.slash_destination {
            FundsDestination::Burn => BankMsg::Burn {
                amount: vec![slashed],
            },
            FundsDestination::CommunityPool => BankMsg::Send {
                to_address: config.governance.into_string(),
                amount: vec![slashed],
            },
        });
    }
    Ok(response)
}
