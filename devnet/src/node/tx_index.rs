//! The tx index: tx hash → position, and indexed event attributes → positions, in its own redb
//! database (CometBFT's `tx_index.db`). It is derived data: written after each commit by the
//! indexer thread, off the block-production path, and rebuilt from the block store at start for
//! any height a crash left unindexed.

use redb::{Database, TableDefinition};
use tendermint::abci::types::ExecTxResult;
use tendermint::Hash;

use super::config::StoreLocation;
use super::error::{db_err, StoreError};
use super::store::BlockStore;

/// File name of the tx index under the devnet's home.
pub const TX_INDEX_FILE: &str = "txindex.redb";

const HEIGHTS: TableDefinition<&str, u64> = TableDefinition::new("heights");
const TX_POSITIONS: TableDefinition<&[u8], (u64, u32)> = TableDefinition::new("tx_positions");
/// (attribute key, height, index): one row per indexed attribute; see [`attribute_key`].
const EVENT_INDEX: TableDefinition<(u64, u64, u32), ()> = TableDefinition::new("event_index");

const INDEXED: &str = "indexed";

pub struct TxIndex {
    db: Database,
}

impl std::fmt::Debug for TxIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TxIndex").finish_non_exhaustive()
    }
}

/// One executed tx to index.
pub struct IndexedTx<'a> {
    pub hash: Hash,
    pub index: u32,
    pub result: &'a ExecTxResult,
}

impl TxIndex {
    pub fn open(location: &StoreLocation) -> Result<Self, StoreError> {
        let db = match location {
            StoreLocation::Home(home) => {
                std::fs::create_dir_all(home).map_err(|source| StoreError::Io {
                    path: home.display().to_string(),
                    source,
                })?;
                Database::create(home.join(TX_INDEX_FILE)).map_err(db_err)?
            }
            StoreLocation::InMemory => Database::builder()
                .create_with_backend(redb::backends::InMemoryBackend::new())
                .map_err(db_err)?,
        };
        let txn = db.begin_write().map_err(db_err)?;
        txn.open_table(HEIGHTS).map_err(db_err)?;
        txn.open_table(TX_POSITIONS).map_err(db_err)?;
        txn.open_table(EVENT_INDEX).map_err(db_err)?;
        txn.commit().map_err(db_err)?;
        Ok(TxIndex { db })
    }

    /// The last height whose txs are indexed.
    pub fn indexed_height(&self) -> Result<u64, StoreError> {
        let txn = self.db.begin_read().map_err(db_err)?;
        let table = txn.open_table(HEIGHTS).map_err(db_err)?;
        Ok(table.get(INDEXED).map_err(db_err)?.map_or(0, |v| v.value()))
    }

    /// Indexes the txs of block `height` and marks it indexed, atomically.
    pub fn index_block(&self, height: u64, txs: &[IndexedTx<'_>]) -> Result<(), StoreError> {
        let mut rows: Vec<(u64, u64, u32)> = txs
            .iter()
            .flat_map(|tx| {
                indexed_attributes(&tx.result.events)
                    .map(move |(key, value)| (attribute_key(&key, value), height, tx.index))
            })
            .collect();
        // Ascending inserts touch each B-tree page once.
        rows.sort_unstable();
        rows.dedup();
        let txn = self.db.begin_write().map_err(db_err)?;
        {
            let mut positions = txn.open_table(TX_POSITIONS).map_err(db_err)?;
            for tx in txs {
                positions
                    .insert(tx.hash.as_bytes(), (height, tx.index))
                    .map_err(db_err)?;
            }
            let mut events = txn.open_table(EVENT_INDEX).map_err(db_err)?;
            for row in rows {
                events.insert(row, ()).map_err(db_err)?;
            }
            txn.open_table(HEIGHTS)
                .map_err(db_err)?
                .insert(INDEXED, height)
                .map_err(db_err)?;
        }
        txn.commit().map_err(db_err)
    }

    /// Indexes every stored block above the indexed height (after a crash between a block's
    /// commit and its indexing).
    pub fn catch_up(&self, store: &BlockStore) -> Result<u64, StoreError> {
        let latest = store.latest_height()?;
        let mut height = self.indexed_height()?;
        while height < latest {
            height += 1;
            let records = store.txs_at_height(height)?;
            let txs: Vec<IndexedTx<'_>> = records
                .iter()
                .map(|r| IndexedTx {
                    hash: r.hash,
                    index: r.index,
                    result: &r.result,
                })
                .collect();
            self.index_block(height, &txs)?;
        }
        Ok(height)
    }

    pub fn tx_position(&self, hash: &Hash) -> Result<Option<(u64, u32)>, StoreError> {
        let txn = self.db.begin_read().map_err(db_err)?;
        let table = txn.open_table(TX_POSITIONS).map_err(db_err)?;
        Ok(table
            .get(hash.as_bytes())
            .map_err(db_err)?
            .map(|v| v.value()))
    }

    /// Positions of txs with an indexed attribute `composite_key` (`type.key`) equal to
    /// `value`, and possibly a few more (hash collisions): callers re-check candidates.
    pub fn positions_with_attribute(
        &self,
        composite_key: &str,
        value: &str,
    ) -> Result<Vec<(u64, u32)>, StoreError> {
        let txn = self.db.begin_read().map_err(db_err)?;
        let table = txn.open_table(EVENT_INDEX).map_err(db_err)?;
        let key = attribute_key(composite_key, value);
        let mut out = Vec::new();
        for row in table
            .range((key, 0u64, 0u32)..=(key, u64::MAX, u32::MAX))
            .map_err(db_err)?
        {
            let (row, _) = row.map_err(db_err)?;
            let (_, height, index) = row.value();
            out.push((height, index));
        }
        out.dedup();
        Ok(out)
    }
}

/// The event index's key of an attribute: the first 8 bytes of
/// sha256(`<type>.<key>` 0x00 value). Fixed-width keys keep the index small and fast to write;
/// searches check every candidate against the whole query, so a collision costs a wasted read,
/// never a wrong answer.
pub fn attribute_key(composite_key: &str, value: &str) -> u64 {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(composite_key.as_bytes());
    hasher.update([0u8]);
    hasher.update(value.as_bytes());
    let digest = hasher.finalize();
    u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
}

/// The attributes CometBFT's kv indexer indexes: those flagged `index`, as
/// (`<type>.<key>`, value).
pub fn indexed_attributes(
    events: &[tendermint::abci::Event],
) -> impl Iterator<Item = (String, &str)> + '_ {
    events.iter().flat_map(|event| {
        event.attributes.iter().filter_map(move |attr| {
            if !attr.index() || event.kind.is_empty() {
                return None;
            }
            let key = attr.key_str().ok()?;
            let value = attr.value_str().ok()?;
            Some((format!("{}.{}", event.kind, key), value))
        })
    })
}
