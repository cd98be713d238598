//! `tx_search`: finds executed txs by an event query over the indexed attributes, `tx.hash` and
//! `tx.height`, with CometBFT's paging rules.

use std::ops::RangeInclusive;
use std::str::FromStr;

use tendermint::Hash;
use tendermint_rpc::query::{Operand, Operation};

use super::error::StoreError;
use super::event_query::{EventMap, EventQuery};
use super::store::{BlockStore, TxRecord};
use super::tx_index::{indexed_attributes, TxIndex};

/// CometBFT's page size bounds.
pub const DEFAULT_PER_PAGE: usize = 30;
pub const MAX_PER_PAGE: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SearchOrder {
    #[default]
    Ascending,
    Descending,
}

#[derive(Debug)]
pub struct TxSearchPage {
    pub txs: Vec<TxRecord>,
    pub total_count: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum TxSearchError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("page should be within [1, {pages}] range, given {page}")]
    PageOutOfRange { page: usize, pages: usize },
}

/// Clamps `per_page` as CometBFT does: missing or < 1 → 30, > 100 → 100.
pub fn clamp_per_page(per_page: Option<usize>) -> usize {
    match per_page {
        None | Some(0) => DEFAULT_PER_PAGE,
        Some(n) => n.min(MAX_PER_PAGE),
    }
}

pub fn search(
    store: &BlockStore,
    index: &TxIndex,
    query: &EventQuery,
    page: Option<usize>,
    per_page: Option<usize>,
    order: SearchOrder,
) -> Result<TxSearchPage, TxSearchError> {
    let per_page = clamp_per_page(per_page);
    let mut matches = Vec::new();
    for (height, position) in candidates(store, index, query)? {
        let Some(record) = store.tx_at(height, position)? else {
            continue;
        };
        if query.matches(&indexed_event_map(&record)) {
            matches.push(record);
        }
    }
    matches.sort_by_key(|r| (r.height, r.index));
    if order == SearchOrder::Descending {
        matches.reverse();
    }
    let total_count = matches.len();
    let pages = total_count.div_ceil(per_page).max(1);
    let page = page.unwrap_or(1);
    if page < 1 || page > pages {
        return Err(TxSearchError::PageOutOfRange { page, pages });
    }
    let txs = matches
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    Ok(TxSearchPage { txs, total_count })
}

/// What the kv indexer would have stored for a tx: its indexed attributes plus the reserved
/// `tx.hash`, `tx.height` and `tm.event` keys.
fn indexed_event_map(record: &TxRecord) -> EventMap {
    let mut map = EventMap::new();
    for (key, value) in indexed_attributes(&record.result.events) {
        map.entry(key).or_default().push(value.to_string());
    }
    map.insert("tm.event".into(), vec!["Tx".into()]);
    map.insert("tx.hash".into(), vec![record.hash.to_string()]);
    map.insert("tx.height".into(), vec![record.height.to_string()]);
    map
}

/// A superset of the matching positions, from the narrowest index the query allows.
fn candidates(
    store: &BlockStore,
    index: &TxIndex,
    query: &EventQuery,
) -> Result<Vec<(u64, u32)>, StoreError> {
    let conditions = query.conditions();
    for condition in conditions {
        let Operation::Eq(Operand::String(value)) = &condition.operation else {
            continue;
        };
        if condition.key == "tx.hash" {
            let Ok(hash) = Hash::from_str(value) else {
                return Ok(Vec::new());
            };
            return Ok(index.tx_position(&hash)?.into_iter().collect());
        }
        if !condition.key.starts_with("tm.") && !condition.key.starts_with("tx.") {
            return index.positions_with_attribute(&condition.key, value);
        }
    }
    let latest = store.latest_height()?;
    store.positions_in_heights(height_bounds(query, latest))
}

/// The heights `tx.height` conditions allow, within 1..=latest.
fn height_bounds(query: &EventQuery, latest: u64) -> RangeInclusive<u64> {
    let (mut low, mut high) = (1u64, latest);
    for condition in query.conditions().iter().filter(|c| c.key == "tx.height") {
        let bound = |op: &Operand| match op {
            Operand::Unsigned(u) => Some(*u),
            Operand::Signed(i) => Some((*i).max(0) as u64),
            _ => None,
        };
        match &condition.operation {
            Operation::Eq(op) => {
                if let Some(h) = bound(op) {
                    low = low.max(h);
                    high = high.min(h);
                }
            }
            Operation::Gt(op) => {
                if let Some(h) = bound(op) {
                    low = low.max(h.saturating_add(1));
                }
            }
            Operation::Gte(op) => {
                if let Some(h) = bound(op) {
                    low = low.max(h);
                }
            }
            Operation::Lt(op) => {
                if let Some(h) = bound(op) {
                    high = high.min(h.saturating_sub(1));
                }
            }
            Operation::Lte(op) => {
                if let Some(h) = bound(op) {
                    high = high.min(h);
                }
            }
            _ => {}
        }
    }
    #[allow(clippy::reversed_empty_ranges)]
    if low > high {
        return 1..=0;
    }
    low..=high
}
