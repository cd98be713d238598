//! What this contract asks the market and the registry it governs.

use cosmwasm_std::{Addr, Api, CosmosMsg, Deps, Env, StdResult};
use kumo_types::market::{self, MarketParams};
use kumo_types::registry::{self, CollateralResponse, RegistryParams};
use kumo_types::ValidationError;

use crate::error::ContractError;

pub const MARKET: &str = "market";
pub const REGISTRY: &str = "registry";

/// Validates `address` as the market, which must name this contract as its governance.
pub fn verify_market(deps: Deps, env: &Env, address: &str) -> Result<Addr, ContractError> {
    verify_governed(deps, env, MARKET, address, |addr| {
        let config: market::ConfigResponse = deps
            .querier
            .query_wasm_smart(addr, &market::QueryMsg::Config {})?;
        Ok(config.governance)
    })
}

/// Validates `address` as the registry, which must name this contract as its governance.
pub fn verify_registry(deps: Deps, env: &Env, address: &str) -> Result<Addr, ContractError> {
    verify_governed(deps, env, REGISTRY, address, |addr| {
        let config: registry::ConfigResponse = deps
            .querier
            .query_wasm_smart(addr, &registry::QueryMsg::Config {})?;
        Ok(config.governance)
    })
}

fn verify_governed(
    deps: Deps,
    env: &Env,
    contract: &'static str,
    address: &str,
    governance_of: impl FnOnce(&Addr) -> StdResult<Addr>,
) -> Result<Addr, ContractError> {
    let addr = validate_addr(deps.api, contract, address)?;
    let refuse = |reason: String| ContractError::NotGoverned {
        contract,
        address: address.to_string(),
        reason,
    };
    if addr == env.contract.address {
        return Err(refuse("that is this contract".into()));
    }
    let governance =
        governance_of(&addr).map_err(|e| refuse(format!("its config query failed: {e}")))?;
    if governance != env.contract.address {
        return Err(refuse(format!("its governance is {governance}")));
    }
    Ok(addr)
}

pub fn market_params(deps: Deps, market: &Addr) -> StdResult<MarketParams> {
    deps.querier
        .query_wasm_smart(market, &market::QueryMsg::Params {})
}

pub fn registry_params(deps: Deps, registry: &Addr) -> StdResult<RegistryParams> {
    deps.querier
        .query_wasm_smart(registry, &registry::QueryMsg::Params {})
}

/// Refuses a slash the registry would refuse: a provider with neither a registration nor
/// bonded or unbonding collateral (most likely a typo in the proposal).
pub fn ensure_slashable(deps: Deps, registry: &Addr, provider: &Addr) -> Result<(), ContractError> {
    let collateral: CollateralResponse = deps.querier.query_wasm_smart(
        registry,
        &registry::QueryMsg::Collateral {
            provider: provider.to_string(),
        },
    )?;
    if !collateral.bonded.amount.is_zero() || !collateral.unbonding.is_empty() {
        return Ok(());
    }
    // The only way this query fails for a valid address is "not registered".
    let registered = deps
        .querier
        .query_wasm_smart::<registry::Provider>(
            registry,
            &registry::QueryMsg::Provider {
                address: provider.to_string(),
            },
        )
        .is_ok();
    if registered {
        Ok(())
    } else {
        Err(ContractError::NothingToSlash {
            provider: provider.to_string(),
        })
    }
}

/// Validates an address given in a message, naming the field when it is none.
pub fn validate_addr(api: &dyn Api, field: &str, address: &str) -> Result<Addr, ContractError> {
    api.addr_validate(address).map_err(|e| {
        ValidationError::new(field, format!("{address:?} is not an address: {e}")).into()
    })
}

/// The registry asks the market about active leases before a provider deregisters or unbonds,
/// so whenever governance learns both addresses it points the registry at the market (it is
/// the registry's governance, so the registry accepts this from it).
pub fn point_registry_at_market(
    registry: &Addr,
    market: &Addr,
) -> Result<CosmosMsg, ContractError> {
    let msg = registry::ExecuteMsg::UpdateConfig {
        governance: None,
        market: Some(market.to_string()),
    };
    Ok(cosmwasm_std::wasm_execute(registry, &msg, vec![])?.into())
}
