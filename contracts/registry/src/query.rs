//! Queries. Lists page with `start_after` + `limit`; other loops run over bounded lists.

use cosmwasm_std::{to_json_binary, Addr, Binary, Coin, Deps, Order, StdResult};
use cw_storage_plus::Bound;
use kumo_types::attributes::AuditedAttributes;
use kumo_types::pagination::page_size;
use kumo_types::registry::{
    CollateralResponse, ConfigResponse, Provider, ProviderProfile, ProvidersResponse, QueryMsg,
    SignedAttributesResponse, MAX_PROFILE_AUDITORS,
};

use crate::error::ContractError;
use crate::market::{provider_stats, required_collateral};
use crate::state::{BONDED, CONFIG, PARAMS, PROVIDERS, SIGNED_ATTRIBUTES, UNBONDING};

pub fn dispatch(deps: Deps, msg: QueryMsg) -> Result<Binary, ContractError> {
    Ok(match msg {
        QueryMsg::Config {} => to_json_binary(&config(deps)?)?,
        QueryMsg::Params {} => to_json_binary(&PARAMS.load(deps.storage)?)?,
        QueryMsg::Provider { address } => to_json_binary(&provider(deps, &address)?)?,
        QueryMsg::Providers { start_after, limit } => {
            to_json_binary(&providers(deps, start_after, limit)?)?
        }
        QueryMsg::SignedAttributes { provider, auditor } => {
            to_json_binary(&signed_attributes(deps, &provider, &auditor)?)?
        }
        QueryMsg::AllSignedAttributes {
            provider,
            start_after,
            limit,
        } => to_json_binary(&all_signed_attributes(deps, &provider, start_after, limit)?)?,
        QueryMsg::Collateral { provider } => to_json_binary(&collateral(deps, &provider)?)?,
        QueryMsg::ProviderProfile { provider, auditors } => {
            to_json_binary(&profile(deps, &provider, &auditors)?)?
        }
    })
}

fn config(deps: Deps) -> StdResult<ConfigResponse> {
    let config = CONFIG.load(deps.storage)?;
    Ok(ConfigResponse {
        governance: config.governance,
        market: config.market,
    })
}

fn load_provider(deps: Deps, address: &Addr) -> Result<Provider, ContractError> {
    PROVIDERS
        .may_load(deps.storage, address)?
        .ok_or_else(|| ContractError::NotRegistered {
            provider: address.to_string(),
        })
}

fn provider(deps: Deps, address: &str) -> Result<Provider, ContractError> {
    load_provider(deps, &deps.api.addr_validate(address)?)
}

fn providers(
    deps: Deps,
    start_after: Option<String>,
    limit: Option<u32>,
) -> StdResult<ProvidersResponse> {
    let start = start_after
        .map(|a| deps.api.addr_validate(&a))
        .transpose()?;
    let providers = PROVIDERS
        .range(
            deps.storage,
            start.as_ref().map(Bound::exclusive),
            None,
            Order::Ascending,
        )
        .take(page_size(limit))
        .map(|item| item.map(|(_, p)| p))
        .collect::<StdResult<_>>()?;
    Ok(ProvidersResponse { providers })
}

/// What one auditor signed; an empty list when it signed nothing.
fn signed_attributes(deps: Deps, provider: &str, auditor: &str) -> StdResult<AuditedAttributes> {
    let provider = deps.api.addr_validate(provider)?;
    let auditor = deps.api.addr_validate(auditor)?;
    let attributes = SIGNED_ATTRIBUTES
        .may_load(deps.storage, (&provider, &auditor))?
        .unwrap_or_default();
    Ok(AuditedAttributes {
        auditor,
        attributes,
    })
}

fn all_signed_attributes(
    deps: Deps,
    provider: &str,
    start_after: Option<String>,
    limit: Option<u32>,
) -> StdResult<SignedAttributesResponse> {
    let provider = deps.api.addr_validate(provider)?;
    let start = start_after
        .map(|a| deps.api.addr_validate(&a))
        .transpose()?;
    let signed = SIGNED_ATTRIBUTES
        .prefix(&provider)
        .range(
            deps.storage,
            start.as_ref().map(Bound::exclusive),
            None,
            Order::Ascending,
        )
        .take(page_size(limit))
        .map(|item| {
            item.map(|(auditor, attributes)| AuditedAttributes {
                auditor,
                attributes,
            })
        })
        .collect::<StdResult<_>>()?;
    Ok(SignedAttributesResponse { signed })
}

/// Answers for any address, registered or not: collateral outlives the provider record.
fn collateral(deps: Deps, provider: &str) -> Result<CollateralResponse, ContractError> {
    let provider = deps.api.addr_validate(provider)?;
    let config = CONFIG.load(deps.storage)?;
    let params = PARAMS.load(deps.storage)?;
    let bonded = BONDED
        .may_load(deps.storage, &provider)?
        .unwrap_or_default();
    let unbonding = UNBONDING
        .may_load(deps.storage, &provider)?
        .unwrap_or_default();
    let leased_gpus = provider_stats(deps, &config, &provider)?.leased_gpus;
    let required = required_collateral(params.min_collateral_per_gpu, leased_gpus)?;
    Ok(CollateralResponse {
        provider,
        bonded: Coin::new(bonded, params.collateral_denom),
        unbonding,
        leased_gpus,
        required,
    })
}

/// Everything a market needs to check a bid, in one query. Both auditor lists are bounded:
/// the requested ones by MAX_PROFILE_AUDITORS, the certified ones by params validation.
fn profile(
    deps: Deps,
    provider: &str,
    auditors: &[String],
) -> Result<ProviderProfile, ContractError> {
    if auditors.len() > MAX_PROFILE_AUDITORS {
        return Err(ContractError::TooManyAuditors {
            count: auditors.len(),
            max: MAX_PROFILE_AUDITORS,
        });
    }
    let provider = load_provider(deps, &deps.api.addr_validate(provider)?)?;
    let params = PARAMS.load(deps.storage)?;
    let bonded = BONDED
        .may_load(deps.storage, &provider.owner)?
        .unwrap_or_default();
    let certified_auditors = params
        .certified_auditors
        .iter()
        .map(|a| deps.api.addr_validate(a))
        .collect::<StdResult<Vec<_>>>()?;
    let requested = auditors
        .iter()
        .map(|a| deps.api.addr_validate(a))
        .collect::<StdResult<Vec<_>>>()?;
    let audited = existing_signatures(deps, &provider.owner, &requested)?;
    let certified = existing_signatures(deps, &provider.owner, &certified_auditors)?;
    Ok(ProviderProfile {
        provider,
        bonded,
        min_collateral_per_gpu: params.min_collateral_per_gpu,
        audited,
        certified_auditors,
        certified,
    })
}

/// The signatures that exist among `auditors`, in the order asked, each auditor once.
fn existing_signatures(
    deps: Deps,
    provider: &Addr,
    auditors: &[Addr],
) -> StdResult<Vec<AuditedAttributes>> {
    let mut found: Vec<AuditedAttributes> = Vec::new();
    for (i, auditor) in auditors.iter().enumerate() {
        if auditors[..i].contains(auditor) {
            continue;
        }
        if let Some(attributes) = SIGNED_ATTRIBUTES.may_load(deps.storage, (provider, auditor))? {
            found.push(AuditedAttributes {
                auditor: auditor.clone(),
                attributes,
            });
        }
    }
    Ok(found)
}
