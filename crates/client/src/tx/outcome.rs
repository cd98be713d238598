//! What an included tx produced.

use kumo_types::events::KumoEvent;
use serde::Serialize;
use tendermint::abci::Event;

use crate::client::ResolvedContracts;

/// An included, successful tx.
#[derive(Debug, Clone, Serialize)]
pub struct TxOutcome {
    /// Upper-case hex.
    pub hash: String,
    pub height: u64,
    pub gas_wanted: u64,
    pub gas_used: u64,
    pub events: Vec<Event>,
    /// Whose events to trust; `None` trusts every contract.
    #[serde(skip)]
    pub(crate) contracts: Option<ResolvedContracts>,
}

impl TxOutcome {
    /// The Kumo events the tx emitted (from Kumo's own contracts only), in order.
    pub fn kumo_events(&self) -> Vec<KumoEvent> {
        crate::events::kumo_events(&self.events, self.contracts.as_ref())
    }

    /// The first value of `key` in an event of type `kind`.
    pub fn attribute(&self, kind: &str, key: &str) -> Option<String> {
        self.events
            .iter()
            .filter(|e| e.kind == kind)
            .flat_map(crate::events::attributes)
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }
}
