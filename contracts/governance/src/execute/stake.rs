//! Staking for voting power, unstaking into claims, claiming.

use cosmwasm_std::{BankMsg, Coin, DepsMut, Env, MessageInfo, Response, Uint256};
use cw_utils::must_pay;
use kumo_types::events::KumoEvent;
use kumo_types::governance::{Claim, MAX_CLAIMS};

use crate::error::ContractError;
use crate::state::{CLAIMS, LEDGER, PARAMS, STAKES, TOTAL_STAKED};

/// Adds the staking denom sent to the sender's stake. The snapshot records it at this height,
/// so it gives power only on proposals whose voting starts in a later block.
pub fn stake(deps: DepsMut, env: Env, info: MessageInfo) -> Result<Response, ContractError> {
    let denom = PARAMS.load(deps.storage)?.staking_denom;
    let amount = must_pay(&info, &denom)?;
    let height = env.block.height;
    STAKES.update(
        deps.storage,
        &info.sender,
        height,
        |stake| -> Result<_, ContractError> { Ok(stake.unwrap_or_default().checked_add(amount)?) },
    )?;
    TOTAL_STAKED.update(deps.storage, height, |total| -> Result<_, ContractError> {
        Ok(total.unwrap_or_default().checked_add(amount)?)
    })?;
    Ok(Response::new().add_event(KumoEvent::Staked {
        staker: info.sender,
        amount: Coin::new(amount, denom),
    }))
}

/// Moves stake into a claim that matures after the unbonding period. The power it gave on
/// proposals already voting stays (it is read at their start height), and the unbonding
/// period outlasts their voting and timelock.
pub fn unstake(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    amount: Uint256,
) -> Result<Response, ContractError> {
    if amount.is_zero() {
        return Err(ContractError::ZeroAmount);
    }
    let params = PARAMS.load(deps.storage)?;
    let height = env.block.height;
    let staked = STAKES
        .may_load(deps.storage, &info.sender)?
        .unwrap_or_default();
    if amount > staked {
        return Err(ContractError::UnstakeExceedsStake { amount, staked });
    }
    let mut claims = CLAIMS
        .may_load(deps.storage, &info.sender)?
        .unwrap_or_default();
    if claims.len() >= MAX_CLAIMS {
        return Err(ContractError::TooManyClaims);
    }

    let left = staked - amount;
    if left.is_zero() {
        STAKES.remove(deps.storage, &info.sender, height)?;
    } else {
        STAKES.save(deps.storage, &info.sender, &left, height)?;
    }
    TOTAL_STAKED.update(deps.storage, height, |total| -> Result<_, ContractError> {
        Ok(total.unwrap_or_default().checked_sub(amount)?)
    })?;
    let release_at = env.block.time.plus_seconds(params.unbonding_period_seconds);
    claims.push(Claim { amount, release_at });
    CLAIMS.save(deps.storage, &info.sender, &claims)?;
    LEDGER.update(deps.storage, |mut ledger| -> Result<_, ContractError> {
        ledger.claims = ledger.claims.checked_add(amount)?;
        Ok(ledger)
    })?;
    Ok(Response::new().add_event(KumoEvent::Unstaked {
        staker: info.sender,
        amount: Coin::new(amount, params.staking_denom),
        release_at,
    }))
}

/// Pays out every matured claim.
pub fn claim(deps: DepsMut, env: Env, info: MessageInfo) -> Result<Response, ContractError> {
    let denom = PARAMS.load(deps.storage)?.staking_denom;
    let claims = CLAIMS
        .may_load(deps.storage, &info.sender)?
        .unwrap_or_default();
    // Not necessarily in release order: the unbonding period may have changed in between.
    let (matured, pending): (Vec<Claim>, Vec<Claim>) = claims
        .into_iter()
        .partition(|c| c.release_at <= env.block.time);
    if matured.is_empty() {
        return Err(ContractError::NothingToClaim);
    }
    let mut total = Uint256::zero();
    for claim in &matured {
        total = total.checked_add(claim.amount)?;
    }
    if pending.is_empty() {
        CLAIMS.remove(deps.storage, &info.sender);
    } else {
        CLAIMS.save(deps.storage, &info.sender, &pending)?;
    }
    LEDGER.update(deps.storage, |mut ledger| -> Result<_, ContractError> {
        ledger.claims = ledger.claims.checked_sub(total)?;
        Ok(ledger)
    })?;
    let amount = Coin::new(total, denom);
    Ok(Response::new()
        .add_message(BankMsg::Send {
            to_address: info.sender.to_string(),
            amount: vec![amount.clone()],
        })
        .add_event(KumoEvent::StakeClaimed {
            staker: info.sender,
            amount,
        }))
}
