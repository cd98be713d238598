//! wasmd's event conventions: a contract's attributes become one `wasm` event and each custom
//! event becomes `wasm-<type>`, both led by `_contract_address`; keys starting with `_` are
//! reserved. The event gas follows wasmd's `EventCosts`.

use cosmwasm_std::{Attribute, Event as ContractEvent};

use crate::app::context::Ctx;
use crate::app::error::{codes, AbciResult};
use crate::app::events::{names, Event};
use crate::app::gas::wasm as wasm_gas;

/// wasmd's `eventTypeMinLength`: custom event types must be longer.
const EVENT_TYPE_MIN_LENGTH: usize = 2;

/// Charges the event gas of a contract response's attributes and custom events.
pub fn charge_event_gas(
    ctx: &Ctx,
    attributes: &[Attribute],
    events: &[ContractEvent],
) -> AbciResult<()> {
    let attrs: Vec<(usize, usize)> = attributes
        .iter()
        .map(|a| (a.key.len(), a.value.len()))
        .collect();
    let custom: Vec<(usize, Vec<(usize, usize)>)> = events
        .iter()
        .map(|e| {
            (
                e.ty.len(),
                e.attributes
                    .iter()
                    .map(|a| (a.key.len(), a.value.len()))
                    .collect(),
            )
        })
        .collect();
    ctx.consume_gas(
        wasm_gas::event_costs(&attrs, &custom),
        "Custom contract event attributes",
    )
}

/// The `wasm` event carrying a response's attributes.
pub fn wasm_event(contract: &str, attributes: &[Attribute]) -> AbciResult<Event> {
    with_contract_attributes(Event::new(names::WASM), contract, attributes)
}

/// `wasm-<type>` for a contract's custom event.
pub fn custom_event(contract: &str, event: &ContractEvent) -> AbciResult<Event> {
    let kind = event.ty.trim();
    if kind.len() <= EVENT_TYPE_MIN_LENGTH {
        return Err(codes::WASM_INVALID_EVENT.wrap(format!("Event type too short: '{kind}'")));
    }
    with_contract_attributes(
        Event::new(format!("{}{kind}", names::WASM_CUSTOM_PREFIX)),
        contract,
        &event.attributes,
    )
}

fn with_contract_attributes(
    mut event: Event,
    contract: &str,
    attributes: &[Attribute],
) -> AbciResult<Event> {
    event = event.attr(names::CONTRACT_ADDRESS, contract);
    for attribute in attributes {
        let key = attribute.key.trim();
        if key.is_empty() {
            return Err(codes::WASM_INVALID_EVENT
                .wrap(format!("Empty attribute key. Value: {}", attribute.value)));
        }
        if key.starts_with('_') {
            return Err(codes::WASM_INVALID_EVENT.wrap(format!(
                "Attribute key starts with reserved prefix _: '{key}'"
            )));
        }
        event = event.attr(key, attribute.value.trim());
    }
    Ok(event)
}

/// Events handed to a contract's `reply`: their attributes sorted by key, as wasmd does.
pub fn reply_events(events: &[Event]) -> Vec<ContractEvent> {
    events
        .iter()
        .map(|e| {
            let mut attributes: Vec<Attribute> = e
                .attributes
                .iter()
                .map(|(k, v)| Attribute {
                    key: k.clone(),
                    value: v.clone(),
                })
                .collect();
            attributes.sort_by(|a, b| a.key.cmp(&b.key));
            ContractEvent::new(e.kind.clone()).add_attributes(attributes)
        })
        .collect()
}
