//! The one-time wiring of the market and registry addresses.

use cosmwasm_std::{DepsMut, Env, MessageInfo, Response};
use kumo_types::events::KumoEvent;

use crate::error::ContractError;
use crate::state::CONFIG;
use crate::targets::{point_registry_at_market, verify_market, verify_registry, MARKET, REGISTRY};

/// The name this contract gives itself in ParamsUpdated / ConfigUpdated events.
pub const CONTRACT: &str = "governance";

/// Sets the market and/or registry, once, by the instantiating account, for addresses still
/// unset. The market and registry are instantiated with this contract as governance, so they
/// usually exist only after it does.
pub fn wire_contracts(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    market: Option<String>,
    registry: Option<String>,
) -> Result<Response, ContractError> {
    let mut config = CONFIG.load(deps.storage)?;
    if config.wirer.as_ref() != Some(&info.sender) {
        return Err(ContractError::NotWirer);
    }
    if market.is_none() && registry.is_none() {
        return Err(ContractError::NothingToWire);
    }
    if let Some(market) = market {
        if let Some(existing) = &config.market {
            return Err(ContractError::AlreadyWired {
                contract: MARKET,
                address: existing.to_string(),
            });
        }
        config.market = Some(verify_market(deps.as_ref(), &env, &market)?);
    }
    if let Some(registry) = registry {
        if let Some(existing) = &config.registry {
            return Err(ContractError::AlreadyWired {
                contract: REGISTRY,
                address: existing.to_string(),
            });
        }
        config.registry = Some(verify_registry(deps.as_ref(), &env, &registry)?);
    }
    config.wirer = None;
    CONFIG.save(deps.storage, &config)?;
    let mut res = Response::new().add_event(KumoEvent::ConfigUpdated {
        contract: CONTRACT.into(),
    });
    if let (Some(market), Some(registry)) = (&config.market, &config.registry) {
        res = res.add_message(point_registry_at_market(registry, market)?);
    }
    Ok(res)
}
