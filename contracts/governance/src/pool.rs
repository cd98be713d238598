//! The community pool: whatever the contract holds beyond what it owes. The market's take and
//! the registry's slashes arrive as plain bank sends, so the pool is derived, never booked.

use cosmwasm_std::{Deps, Env, Storage, Uint256};

use crate::error::ContractError;
use crate::state::{LEDGER, PARAMS, TOTAL_STAKED};

/// What the contract owes in `denom`: stakes, pending claims and held deposits, all of which
/// are in the staking denom.
pub fn owed(storage: &dyn Storage, denom: &str) -> Result<Uint256, ContractError> {
    if denom != PARAMS.load(storage)?.staking_denom {
        return Ok(Uint256::zero());
    }
    let ledger = LEDGER.load(storage)?;
    let staked = TOTAL_STAKED.may_load(storage)?.unwrap_or_default();
    Ok(staked
        .checked_add(ledger.claims)?
        .checked_add(ledger.deposits)?)
}

/// The community pool in `denom`.
pub fn pool_balance(deps: Deps, env: &Env, denom: &str) -> Result<Uint256, ContractError> {
    let balance = deps
        .querier
        .query_balance(&env.contract.address, denom)?
        .amount;
    let owed = owed(deps.storage, denom)?;
    balance
        .checked_sub(owed)
        .map_err(|_| ContractError::Insolvent {
            denom: denom.to_string(),
            owed,
            balance,
        })
}
