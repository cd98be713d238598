//! Registering, updating and deregistering providers.

use cosmwasm_std::{DepsMut, Env, MessageInfo, Response};
use kumo_types::events::KumoEvent;
use kumo_types::registry::{Provider, ProviderDetails};

use crate::error::ContractError;
use crate::market::provider_stats;
use crate::state::{CONFIG, PROVIDERS};

pub fn register(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    details: ProviderDetails,
) -> Result<Response, ContractError> {
    let owner = info.sender;
    if PROVIDERS.has(deps.storage, &owner) {
        return Err(ContractError::AlreadyRegistered {
            provider: owner.into_string(),
        });
    }
    details.validate()?;
    let provider = Provider {
        owner: owner.clone(),
        host_uri: details.host_uri,
        attributes: details.attributes,
        info: details.info,
        tls_cert_fingerprint: details.tls_cert_fingerprint,
        registered_at_height: env.block.height,
    };
    PROVIDERS.save(deps.storage, &owner, &provider)?;
    Ok(Response::new().add_event(KumoEvent::ProviderRegistered { provider: owner }))
}

pub fn update(
    deps: DepsMut,
    info: MessageInfo,
    details: ProviderDetails,
) -> Result<Response, ContractError> {
    let owner = info.sender;
    let Some(mut provider) = PROVIDERS.may_load(deps.storage, &owner)? else {
        return Err(ContractError::NotRegistered {
            provider: owner.into_string(),
        });
    };
    details.validate()?;
    provider.host_uri = details.host_uri;
    provider.attributes = details.attributes;
    provider.info = details.info;
    provider.tls_cert_fingerprint = details.tls_cert_fingerprint;
    PROVIDERS.save(deps.storage, &owner, &provider)?;
    Ok(Response::new().add_event(KumoEvent::ProviderUpdated { provider: owner }))
}

/// Removes the provider record only: auditors own their signatures, and collateral stays
/// bonded (still slashable) until the provider unbonds and claims it.
pub fn deregister(deps: DepsMut, info: MessageInfo) -> Result<Response, ContractError> {
    let owner = info.sender;
    if !PROVIDERS.has(deps.storage, &owner) {
        return Err(ContractError::NotRegistered {
            provider: owner.into_string(),
        });
    }
    let config = CONFIG.load(deps.storage)?;
    let stats = provider_stats(deps.as_ref(), &config, &owner)?;
    if stats.active_leases > 0 {
        return Err(ContractError::HasActiveLeases {
            count: stats.active_leases,
        });
    }
    PROVIDERS.remove(deps.storage, &owner);
    Ok(Response::new().add_event(KumoEvent::ProviderDeregistered { provider: owner }))
}
