//! Kumo's typed events out of raw ABCI events, trusting only Kumo's own contracts: wasmd stamps
//! every custom event with `_contract_address`, and any contract on a shared chain could emit a
//! look-alike `wasm-order_created`.

use kumo_types::events::{KumoEvent, WASM_PREFIX};
use tendermint::abci::Event;

use crate::client::ResolvedContracts;

/// wasmd's attribute naming the contract that emitted an event.
pub const CONTRACT_ADDRESS_KEY: &str = "_contract_address";

/// An event's attributes as text (0.37+ dialects carry text; 0.34's bytes are read as UTF-8).
pub fn attributes(event: &Event) -> Vec<(String, String)> {
    event
        .attributes
        .iter()
        .map(|a| {
            let key = a
                .key_str()
                .map(str::to_string)
                .unwrap_or_else(|_| String::from_utf8_lossy(a.key_bytes()).into_owned());
            let value = a
                .value_str()
                .map(str::to_string)
                .unwrap_or_else(|_| String::from_utf8_lossy(a.value_bytes()).into_owned());
            (key, value)
        })
        .collect()
}

/// Decodes one event if it is a Kumo event from one of `contracts`. Malformed Kumo events are
/// logged and skipped: they mean a contract/client version mismatch, and the raw event stays
/// available to the caller.
pub fn decode(event: &Event, contracts: Option<&ResolvedContracts>) -> Option<KumoEvent> {
    if !event.kind.starts_with(WASM_PREFIX) {
        return None;
    }
    let attrs = attributes(event);
    if let Some(contracts) = contracts {
        let emitter = attrs
            .iter()
            .find(|(k, _)| k == CONTRACT_ADDRESS_KEY)
            .map(|(_, v)| v.as_str());
        if !emitter.is_some_and(|address| contracts.contains(address)) {
            return None;
        }
    }
    match KumoEvent::decode(&event.kind, &attrs) {
        Ok(decoded) => decoded,
        Err(e) => {
            tracing::warn!(event = %event.kind, error = %e, "skipping a malformed Kumo event");
            None
        }
    }
}

/// Every Kumo event among `events`, in order.
pub fn kumo_events<'a>(
    events: impl IntoIterator<Item = &'a Event>,
    contracts: Option<&ResolvedContracts>,
) -> Vec<KumoEvent> {
    events
        .into_iter()
        .filter_map(|e| decode(e, contracts))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contracts() -> ResolvedContracts {
        ResolvedContracts {
            market: "kumo1market".into(),
            registry: "kumo1registry".into(),
            governance: "kumo1gov".into(),
        }
    }

    fn order_created(contract: &str) -> Event {
        Event::new(
            "wasm-order_created",
            [
                (CONTRACT_ADDRESS_KEY, contract),
                ("owner", "kumo1owner"),
                ("dseq", "7"),
                ("gseq", "1"),
                ("oseq", "1"),
            ],
        )
    }

    #[test]
    fn only_kumo_contracts_are_trusted() {
        let events = [
            Event::new("transfer", [("amount", "5uakt")]),
            order_created("kumo1market"),
            order_created("kumo1impostor"),
        ];
        let decoded = kumo_events(&events, Some(&contracts()));
        assert_eq!(decoded.len(), 1);
        assert!(matches!(decoded[0], KumoEvent::OrderCreated { .. }));
        assert_eq!(kumo_events(&events, None).len(), 2);
    }

    #[test]
    fn malformed_kumo_events_are_skipped() {
        let bad = Event::new(
            "wasm-order_created",
            [(CONTRACT_ADDRESS_KEY, "kumo1market"), ("dseq", "x")],
        );
        assert!(kumo_events([&bad], Some(&contracts())).is_empty());
    }
}
