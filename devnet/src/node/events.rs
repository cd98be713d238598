//! What the node publishes after each commit, for WebSocket subscribers and for
//! `broadcast_tx_commit` waiters.

use std::sync::Arc;

use tendermint::abci::response::FinalizeBlock;
use tendermint::abci::Event;
use tendermint::{block, Block};

use super::event_query::EventMap;
use super::store::TxRecord;

/// Everything one commit published: the block, then its txs in order. Subscribers receive whole
/// blocks, so how far behind a subscriber may fall is counted in blocks, whatever their size.
#[derive(Debug)]
pub struct CommittedBlock {
    pub new_block: Arc<NewBlockEvent>,
    pub txs: Vec<Arc<TxEvent>>,
}

impl CommittedBlock {
    pub fn height(&self) -> u64 {
        self.new_block.block.header.height.value()
    }

    /// `NewBlock` first, then each `Tx`, as CometBFT publishes them.
    pub fn events(&self) -> impl Iterator<Item = NodeEvent> + '_ {
        std::iter::once(NodeEvent::NewBlock(self.new_block.clone()))
            .chain(self.txs.iter().cloned().map(NodeEvent::Tx))
    }
}

#[derive(Debug, Clone)]
pub enum NodeEvent {
    NewBlock(Arc<NewBlockEvent>),
    Tx(Arc<TxEvent>),
}

impl NodeEvent {
    /// The flattened attributes a subscription query is matched against.
    pub fn event_map(&self) -> &EventMap {
        match self {
            NodeEvent::NewBlock(e) => &e.events,
            NodeEvent::Tx(e) => &e.events,
        }
    }
}

#[derive(Debug)]
pub struct NewBlockEvent {
    pub block: Block,
    pub block_id: block::Id,
    pub results: FinalizeBlock,
    pub events: EventMap,
}

impl NewBlockEvent {
    pub fn new(block: Block, block_id: block::Id, results: FinalizeBlock) -> Self {
        // CometBFT 0.38 publishes the block's FinalizeBlock events plus `tm.event`.
        let mut events = flatten(&results.events);
        events.insert("tm.event".into(), vec!["NewBlock".into()]);
        NewBlockEvent {
            block,
            block_id,
            results,
            events,
        }
    }
}

#[derive(Debug)]
pub struct TxEvent {
    pub record: TxRecord,
    pub events: EventMap,
}

impl TxEvent {
    pub fn new(record: TxRecord) -> Self {
        let mut events = flatten(&record.result.events);
        events.insert("tm.event".into(), vec!["Tx".into()]);
        events.insert("tx.hash".into(), vec![record.hash.to_string()]);
        events.insert("tx.height".into(), vec![record.height.to_string()]);
        TxEvent { record, events }
    }
}

/// `<type>.<key>` → values, for every attribute (pubsub ignores the `index` flag).
pub fn flatten(events: &[Event]) -> EventMap {
    let mut map = EventMap::new();
    for event in events {
        if event.kind.is_empty() {
            continue;
        }
        for attr in &event.attributes {
            let (Ok(key), Ok(value)) = (attr.key_str(), attr.value_str()) else {
                continue;
            };
            map.entry(format!("{}.{}", event.kind, key))
                .or_default()
                .push(value.to_string());
        }
    }
    map
}
