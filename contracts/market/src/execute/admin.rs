use cosmwasm_std::{DepsMut, MessageInfo, Response};
use kumo_types::events::KumoEvent;
use kumo_types::market::MarketParamsUpdate;

use super::ensure_sender;
use crate::error::ContractError;
use crate::state::{CONFIG, PARAMS};

const CONTRACT: &str = "market";

pub fn update_params(
    deps: DepsMut,
    info: MessageInfo,
    update: MarketParamsUpdate,
) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    ensure_sender(&info.sender, &config.governance, "governance")?;
    let params = PARAMS.load(deps.storage)?.updated(&update)?;
    PARAMS.save(deps.storage, &params)?;
    Ok(Response::new().add_event(KumoEvent::ParamsUpdated {
        contract: CONTRACT.into(),
    }))
}

pub fn update_config(
    deps: DepsMut,
    info: MessageInfo,
    governance: Option<String>,
    registry: Option<String>,
) -> Result<Response, ContractError> {
    let mut config = CONFIG.load(deps.storage)?;
    ensure_sender(&info.sender, &config.governance, "governance")?;
    if let Some(g) = governance {
        config.governance = deps.api.addr_validate(&g)?;
    }
    if let Some(r) = registry {
        config.registry = deps.api.addr_validate(&r)?;
    }
    CONFIG.save(deps.storage, &config)?;
    Ok(Response::new().add_event(KumoEvent::ConfigUpdated {
        contract: CONTRACT.into(),
    }))
}
