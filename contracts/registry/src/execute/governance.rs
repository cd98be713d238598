//! Governance changing params and config.

use cosmwasm_std::{DepsMut, MessageInfo, Response};
use kumo_types::events::KumoEvent;
use kumo_types::registry::RegistryParamsUpdate;

use super::governance_only;
use crate::error::ContractError;
use crate::state::{CONFIG, PARAMS};

/// The name this contract gives itself in ParamsUpdated / ConfigUpdated events.
const CONTRACT: &str = "registry";

/// Applies a partial params update; the collateral denom is fixed at instantiation because
/// bonded amounts are stored without it.
pub fn update_params(
    deps: DepsMut,
    info: MessageInfo,
    update: RegistryParamsUpdate,
) -> Result<Response, ContractError> {
    governance_only(deps.storage, &info.sender)?;
    let params = PARAMS.load(deps.storage)?.updated(&update, deps.api)?;
    PARAMS.save(deps.storage, &params)?;
    Ok(Response::new().add_event(KumoEvent::ParamsUpdated {
        contract: CONTRACT.into(),
    }))
}

/// Hands authority to a new governance account and/or points at a new market.
pub fn update_config(
    deps: DepsMut,
    info: MessageInfo,
    governance: Option<String>,
    market: Option<String>,
) -> Result<Response, ContractError> {
    let mut config = governance_only(deps.storage, &info.sender)?;
    if let Some(governance) = governance {
        config.governance = deps.api.addr_validate(&governance)?;
    }
    if let Some(market) = market {
        config.market = Some(deps.api.addr_validate(&market)?);
    }
    CONFIG.save(deps.storage, &config)?;
    Ok(Response::new().add_event(KumoEvent::ConfigUpdated {
        contract: CONTRACT.into(),
    }))
}
