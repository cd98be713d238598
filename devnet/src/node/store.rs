//! The block store: every committed block, its id, its FinalizeBlock results and each executed
//! tx, in one redb database (CometBFT's `blockstore.db` and `state.db`). Each block is written
//! in a single redb transaction, so a crash leaves either the whole block or none of it. The
//! indexes behind `tx` and `tx_search` are derived data, in [`super::tx_index`].

use std::ops::RangeInclusive;
use std::path::Path;

use redb::{Database, ReadableTableMetadata, TableDefinition};
use tendermint::abci::response::FinalizeBlock;
use tendermint::abci::types::ExecTxResult;
use tendermint::{block, AppHash, Block, Hash};
use tendermint_proto::v0_38 as pb;
use tendermint_proto::Protobuf;

use super::config::StoreLocation;
use super::error::{db_err, StoreError};
use super::hashing::tx_hash;

/// File name of the block store under the devnet's home.
pub const BLOCK_STORE_FILE: &str = "blockstore.redb";

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const HEIGHTS: TableDefinition<&str, u64> = TableDefinition::new("heights");
const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("blocks");
const BLOCK_IDS: TableDefinition<u64, &[u8]> = TableDefinition::new("block_ids");
const HEIGHT_BY_BLOCK_HASH: TableDefinition<&[u8], u64> =
    TableDefinition::new("height_by_block_hash");
/// FinalizeBlock results without the tx results, which live once, per tx, in `TXS`.
const RESULTS: TableDefinition<u64, &[u8]> = TableDefinition::new("finalize_block_results");
const TXS: TableDefinition<(u64, u32), &[u8]> = TableDefinition::new("txs");

const LATEST: &str = "latest";
const GENESIS_DOC: &str = "genesis_doc";
const GENESIS_APP_HASH: &str = "genesis_app_hash";

/// A block as stored, with the id and size CometBFT reports for it.
#[derive(Debug, Clone)]
pub struct StoredBlock {
    pub block: Block,
    pub block_id: block::Id,
    /// Size of the protobuf-encoded block, as `blockchain` reports it.
    pub size: usize,
}

/// One executed tx and where it is.
#[derive(Debug, Clone)]
pub struct TxRecord {
    pub hash: Hash,
    pub height: u64,
    pub index: u32,
    pub tx: Vec<u8>,
    pub result: ExecTxResult,
}

/// The genesis the chain was created with.
#[derive(Debug, Clone)]
pub struct StoredGenesis {
    pub doc: tendermint::Genesis<serde_json::Value>,
    /// The app hash `init_chain` returned: block 1's header carries it.
    pub app_hash: AppHash,
}

pub struct BlockStore {
    db: Database,
}

impl std::fmt::Debug for BlockStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockStore").finish_non_exhaustive()
    }
}

impl BlockStore {
    pub fn open(location: &StoreLocation) -> Result<Self, StoreError> {
        let db = match location {
            StoreLocation::Home(home) => {
                std::fs::create_dir_all(home).map_err(|source| StoreError::Io {
                    path: home.display().to_string(),
                    source,
                })?;
                Database::create(home.join(BLOCK_STORE_FILE)).map_err(db_err)?
            }
            StoreLocation::InMemory => Database::builder()
                .create_with_backend(redb::backends::InMemoryBackend::new())
                .map_err(db_err)?,
        };
        let store = BlockStore { db };
        store.create_tables()?;
        Ok(store)
    }

    /// Opens the store at `home` (a convenience for tools and tests).
    pub fn open_home(home: &Path) -> Result<Self, StoreError> {
        Self::open(&StoreLocation::Home(home.to_path_buf()))
    }

    fn create_tables(&self) -> Result<(), StoreError> {
        let txn = self.db.begin_write().map_err(db_err)?;
        txn.open_table(META).map_err(db_err)?;
        txn.open_table(HEIGHTS).map_err(db_err)?;
        txn.open_table(BLOCKS).map_err(db_err)?;
        txn.open_table(BLOCK_IDS).map_err(db_err)?;
        txn.open_table(HEIGHT_BY_BLOCK_HASH).map_err(db_err)?;
        txn.open_table(RESULTS).map_err(db_err)?;
        txn.open_table(TXS).map_err(db_err)?;
        txn.commit().map_err(db_err)
    }

    /// Height of the last stored block; 0 when there is none.
    pub fn latest_height(&self) -> Result<u64, StoreError> {
        let txn = self.db.begin_read().map_err(db_err)?;
        let table = txn.open_table(HEIGHTS).map_err(db_err)?;
        Ok(table.get(LATEST).map_err(db_err)?.map_or(0, |v| v.value()))
    }

    pub fn genesis(&self) -> Result<Option<StoredGenesis>, StoreError> {
        let txn = self.db.begin_read().map_err(db_err)?;
        let table = txn.open_table(META).map_err(db_err)?;
        let Some(doc) = table.get(GENESIS_DOC).map_err(db_err)? else {
            return Ok(None);
        };
        let doc = serde_json::from_slice(doc.value())
            .map_err(|e| StoreError::corrupt("genesis document", e))?;
        let app_hash = match table.get(GENESIS_APP_HASH).map_err(db_err)? {
            Some(v) => AppHash::try_from(v.value().to_vec())
                .map_err(|e| StoreError::corrupt("genesis app hash", e))?,
            None => AppHash::default(),
        };
        Ok(Some(StoredGenesis { doc, app_hash }))
    }

    pub fn save_genesis(&self, genesis: &StoredGenesis) -> Result<(), StoreError> {
        let doc = serde_json::to_vec(&genesis.doc)
            .map_err(|e| StoreError::corrupt("genesis document", e))?;
        let txn = self.db.begin_write().map_err(db_err)?;
        {
            let mut table = txn.open_table(META).map_err(db_err)?;
            table.insert(GENESIS_DOC, doc.as_slice()).map_err(db_err)?;
            table
                .insert(GENESIS_APP_HASH, genesis.app_hash.as_bytes())
                .map_err(db_err)?;
        }
        txn.commit().map_err(db_err)
    }

    /// Stores a block, its results and its index entries atomically, and makes it the latest.
    pub fn save_block(
        &self,
        block: &Block,
        block_id: &block::Id,
        results: &FinalizeBlock,
    ) -> Result<(), StoreError> {
        let height = block.header.height.value();
        let block_bytes = Protobuf::<pb::types::Block>::encode_vec(block.clone());
        let id_bytes = Protobuf::<pb::types::BlockId>::encode_vec(*block_id);
        let summary = FinalizeBlock {
            events: results.events.clone(),
            tx_results: Vec::new(),
            validator_updates: results.validator_updates.clone(),
            consensus_param_updates: results.consensus_param_updates.clone(),
            app_hash: results.app_hash.clone(),
        };
        let summary_bytes = Protobuf::<pb::abci::ResponseFinalizeBlock>::encode_vec(summary);

        let mut tx_rows = Vec::with_capacity(block.data.len());
        for (index, (tx, result)) in block.data.iter().zip(&results.tx_results).enumerate() {
            let index = index as u32;
            let record = pb::abci::TxResult {
                height: height as i64,
                index,
                tx: tx.clone().into(),
                result: Some(result.clone().into()),
            };
            tx_rows.push((index, prost::Message::encode_to_vec(&record)));
        }

        let txn = self.db.begin_write().map_err(db_err)?;
        {
            txn.open_table(BLOCKS)
                .map_err(db_err)?
                .insert(height, block_bytes.as_slice())
                .map_err(db_err)?;
            txn.open_table(BLOCK_IDS)
                .map_err(db_err)?
                .insert(height, id_bytes.as_slice())
                .map_err(db_err)?;
            txn.open_table(HEIGHT_BY_BLOCK_HASH)
                .map_err(db_err)?
                .insert(block_id.hash.as_bytes(), height)
                .map_err(db_err)?;
            txn.open_table(RESULTS)
                .map_err(db_err)?
                .insert(height, summary_bytes.as_slice())
                .map_err(db_err)?;
            let mut txs = txn.open_table(TXS).map_err(db_err)?;
            for (index, record) in &tx_rows {
                txs.insert((height, *index), record.as_slice())
                    .map_err(db_err)?;
            }
            txn.open_table(HEIGHTS)
                .map_err(db_err)?
                .insert(LATEST, height)
                .map_err(db_err)?;
        }
        txn.commit().map_err(db_err)
    }

    pub fn block(&self, height: u64) -> Result<Option<StoredBlock>, StoreError> {
        let txn = self.db.begin_read().map_err(db_err)?;
        let blocks = txn.open_table(BLOCKS).map_err(db_err)?;
        let Some(bytes) = blocks.get(height).map_err(db_err)? else {
            return Ok(None);
        };
        let bytes = bytes.value();
        let block = Protobuf::<pb::types::Block>::decode_vec(bytes)
            .map_err(|e| StoreError::corrupt(format!("block {height}"), e))?;
        let ids = txn.open_table(BLOCK_IDS).map_err(db_err)?;
        let id = ids
            .get(height)
            .map_err(db_err)?
            .ok_or_else(|| StoreError::corrupt(format!("block id {height}"), "missing"))?;
        let block_id = Protobuf::<pb::types::BlockId>::decode_vec(id.value())
            .map_err(|e| StoreError::corrupt(format!("block id {height}"), e))?;
        Ok(Some(StoredBlock {
            size: bytes.len(),
            block,
            block_id,
        }))
    }

    pub fn height_by_block_hash(&self, hash: &Hash) -> Result<Option<u64>, StoreError> {
        let txn = self.db.begin_read().map_err(db_err)?;
        let table = txn.open_table(HEIGHT_BY_BLOCK_HASH).map_err(db_err)?;
        Ok(table
            .get(hash.as_bytes())
            .map_err(db_err)?
            .map(|v| v.value()))
    }

    pub fn results(&self, height: u64) -> Result<Option<FinalizeBlock>, StoreError> {
        let txn = self.db.begin_read().map_err(db_err)?;
        let table = txn.open_table(RESULTS).map_err(db_err)?;
        let Some(bytes) = table.get(height).map_err(db_err)? else {
            return Ok(None);
        };
        let mut results: FinalizeBlock =
            Protobuf::<pb::abci::ResponseFinalizeBlock>::decode_vec(bytes.value())
                .map_err(|e| StoreError::corrupt(format!("results {height}"), e))?;
        let txs = txn.open_table(TXS).map_err(db_err)?;
        for row in txs
            .range((height, 0u32)..=(height, u32::MAX))
            .map_err(db_err)?
        {
            let (key, value) = row.map_err(db_err)?;
            let (_, index) = key.value();
            results
                .tx_results
                .push(decode_tx(height, index, value.value())?.result);
        }
        Ok(Some(results))
    }

    /// Every executed tx of block `height`, in order.
    pub fn txs_at_height(&self, height: u64) -> Result<Vec<TxRecord>, StoreError> {
        let txn = self.db.begin_read().map_err(db_err)?;
        let table = txn.open_table(TXS).map_err(db_err)?;
        let mut out = Vec::new();
        for row in table
            .range((height, 0u32)..=(height, u32::MAX))
            .map_err(db_err)?
        {
            let (key, value) = row.map_err(db_err)?;
            out.push(decode_tx(height, key.value().1, value.value())?);
        }
        Ok(out)
    }

    pub fn tx_at(&self, height: u64, index: u32) -> Result<Option<TxRecord>, StoreError> {
        let txn = self.db.begin_read().map_err(db_err)?;
        let table = txn.open_table(TXS).map_err(db_err)?;
        let Some(bytes) = table.get((height, index)).map_err(db_err)? else {
            return Ok(None);
        };
        decode_tx(height, index, bytes.value()).map(Some)
    }

    /// Positions of all txs in blocks within `heights`.
    pub fn positions_in_heights(
        &self,
        heights: RangeInclusive<u64>,
    ) -> Result<Vec<(u64, u32)>, StoreError> {
        if heights.is_empty() {
            return Ok(Vec::new());
        }
        let txn = self.db.begin_read().map_err(db_err)?;
        let table = txn.open_table(TXS).map_err(db_err)?;
        let range = (*heights.start(), 0u32)..=(*heights.end(), u32::MAX);
        let mut out = Vec::new();
        for row in table.range(range).map_err(db_err)? {
            let (key, _) = row.map_err(db_err)?;
            out.push(key.value());
        }
        Ok(out)
    }

    /// Number of txs ever indexed.
    pub fn tx_count(&self) -> Result<u64, StoreError> {
        let txn = self.db.begin_read().map_err(db_err)?;
        let table = txn.open_table(TXS).map_err(db_err)?;
        table.len().map_err(db_err)
    }
}

fn decode_tx(height: u64, index: u32, bytes: &[u8]) -> Result<TxRecord, StoreError> {
    let what = || format!("tx {height}/{index}");
    let raw: pb::abci::TxResult =
        prost::Message::decode(bytes).map_err(|e| StoreError::corrupt(what(), e))?;
    let result = raw
        .result
        .ok_or_else(|| StoreError::corrupt(what(), "missing result"))?;
    let result = ExecTxResult::try_from(result).map_err(|e| StoreError::corrupt(what(), e))?;
    Ok(TxRecord {
        hash: tx_hash(&raw.tx),
        height,
        index,
        tx: raw.tx.to_vec(),
        result,
    })
}
