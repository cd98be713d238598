//! Auditors signing and unsigning provider attributes. The sender is always the auditor,
//! so an account can only ever change its own signatures.

use cosmwasm_std::{DepsMut, MessageInfo, Response};
use kumo_types::attributes::{Attribute, MAX_ATTRIBUTES};
use kumo_types::events::KumoEvent;
use kumo_types::registry::validate_signed_attributes;

use crate::error::ContractError;
use crate::state::{PROVIDERS, SIGNED_ATTRIBUTES};

/// Adds the attributes to what the sender signed for the provider, replacing values of
/// keys it signed before.
pub fn sign(
    deps: DepsMut,
    info: MessageInfo,
    provider: String,
    attributes: Vec<Attribute>,
) -> Result<Response, ContractError> {
    let provider = deps.api.addr_validate(&provider)?;
    let auditor = info.sender;
    if !PROVIDERS.has(deps.storage, &provider) {
        return Err(ContractError::NotRegistered {
            provider: provider.into_string(),
        });
    }
    validate_signed_attributes(&attributes)?;

    let key = (&provider, &auditor);
    let mut signed = SIGNED_ATTRIBUTES
        .may_load(deps.storage, key)?
        .unwrap_or_default();
    for attr in attributes {
        match signed.iter_mut().find(|s| s.key == attr.key) {
            Some(existing) => existing.value = attr.value,
            None => signed.push(attr),
        }
    }
    if signed.len() > MAX_ATTRIBUTES {
        return Err(ContractError::TooManySignedAttributes {
            count: signed.len(),
            max: MAX_ATTRIBUTES,
        });
    }
    SIGNED_ATTRIBUTES.save(deps.storage, key, &signed)?;
    Ok(Response::new().add_event(KumoEvent::AttributesSigned { provider, auditor }))
}

/// Deletes the named keys from what the sender signed for the provider, or everything when
/// `keys` is empty. Works after the provider deregistered: the signature is the auditor's.
pub fn delete(
    deps: DepsMut,
    info: MessageInfo,
    provider: String,
    keys: Vec<String>,
) -> Result<Response, ContractError> {
    let provider = deps.api.addr_validate(&provider)?;
    let auditor = info.sender;
    let key = (&provider, &auditor);
    let Some(mut signed) = SIGNED_ATTRIBUTES.may_load(deps.storage, key)? else {
        return Err(ContractError::NothingSigned {
            provider: provider.into_string(),
            auditor: auditor.into_string(),
        });
    };
    for k in keys.iter() {
        let Some(pos) = signed.iter().position(|s| s.key == *k) else {
            return Err(ContractError::KeyNotSigned { key: k.clone() });
        };
        signed.remove(pos);
    }
    if keys.is_empty() || signed.is_empty() {
        SIGNED_ATTRIBUTES.remove(deps.storage, key);
    } else {
        SIGNED_ATTRIBUTES.save(deps.storage, key, &signed)?;
    }
    Ok(Response::new().add_event(KumoEvent::AttributesDeleted { provider, auditor }))
}
