//! The daemon's own state in redb, next to the allocation store (`daemon.redb` in `data_dir`):
//! the last block the watcher finished, the bids it placed, and the leases it runs with their
//! accepted manifests. Everything a restart needs to carry on without rescanning history.
//!
//! Each write is its own committed transaction; records are JSON so that they stay readable
//! with any redb tool.

use std::path::Path;
use std::sync::Arc;

use kumo_sdl::manifest::ManifestGroup;
use kumo_types::coins::DecCoin;
use kumo_types::ids::{BidId, LeaseId};
use redb::{Database, ReadableTable, TableDefinition};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
/// Bid id → JSON of [`BidRecord`]: bids placed and not yet won, lost or closed.
const BIDS: TableDefinition<&str, &[u8]> = TableDefinition::new("bids");
/// Lease id → JSON of [`LeaseRecord`]: active leases of this provider.
const LEASES: TableDefinition<&str, &[u8]> = TableDefinition::new("leases");
const LAST_HEIGHT: &str = "last_height";
const SCHEMA: &str = "schema";
const SCHEMA_VERSION: u64 = 1;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("daemon store: {0}")]
    Db(Box<redb::Error>),
    #[error("daemon store record {key:?} is unreadable: {reason}")]
    Corrupt { key: String, reason: String },
    #[error("daemon store schema version {found} is not {SCHEMA_VERSION}")]
    Schema { found: u64 },
}

fn db_err(e: impl Into<redb::Error>) -> StoreError {
    StoreError::Db(Box::new(e.into()))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BidRecord {
    pub id: BidId,
    pub price: DecCoin,
    /// The concrete GPU offered, as a requirement key; empty for CPU-only bids.
    #[serde(default)]
    pub gpu: String,
    /// Unix seconds.
    pub placed_at: u64,
    /// Broadcast, its tx not yet seen in a block. Such records found at start are checked
    /// against the chain again (the daemon may have stopped before the tx's fate was known).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unconfirmed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaseRecord {
    pub id: LeaseId,
    pub price: DecCoin,
    /// Unix seconds when the provider saw the lease (the manifest timeout counts from here).
    pub created_at: u64,
    /// The manifest group this lease runs, once one was accepted.
    #[serde(default)]
    pub manifest: Option<AcceptedManifest>,
    /// The chain said the escrow is empty: the workload is stopped, the lease awaits closing.
    #[serde(default)]
    pub stopped: bool,
    /// The lease ended on chain but its containers could not be removed yet (Docker down):
    /// removal is retried, then the record goes.
    #[serde(default)]
    pub closed: bool,
}

impl LeaseRecord {
    pub fn new(id: LeaseId, price: DecCoin, created_at: u64) -> Self {
        LeaseRecord {
            id,
            price,
            created_at,
            manifest: None,
            stopped: false,
            closed: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcceptedManifest {
    /// sha256 of the whole manifest's canonical JSON, hex (the deployment's hash).
    pub hash: String,
    pub group: ManifestGroup,
    pub accepted_at: u64,
}

/// Cheap to clone; clones share the database.
#[derive(Clone)]
pub struct DaemonStore {
    db: Arc<Database>,
}

impl std::fmt::Debug for DaemonStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DaemonStore").finish_non_exhaustive()
    }
}

impl DaemonStore {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = Database::create(path).map_err(db_err)?;
        let tx = db.begin_write().map_err(db_err)?;
        {
            let mut meta = tx.open_table(META).map_err(db_err)?;
            let version = meta.get(SCHEMA).map_err(db_err)?.map(|v| v.value());
            match version {
                None => {
                    meta.insert(SCHEMA, SCHEMA_VERSION).map_err(db_err)?;
                }
                Some(SCHEMA_VERSION) => {}
                Some(found) => return Err(StoreError::Schema { found }),
            }
            tx.open_table(BIDS).map_err(db_err)?;
            tx.open_table(LEASES).map_err(db_err)?;
        }
        tx.commit().map_err(db_err)?;
        Ok(DaemonStore { db: Arc::new(db) })
    }

    /// The last height whose events were fully handled; `None` before the first block.
    pub fn last_height(&self) -> Result<Option<u64>, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let meta = tx.open_table(META).map_err(db_err)?;
        Ok(meta.get(LAST_HEIGHT).map_err(db_err)?.map(|v| v.value()))
    }

    pub fn set_last_height(&self, height: u64) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(db_err)?;
        {
            let mut meta = tx.open_table(META).map_err(db_err)?;
            meta.insert(LAST_HEIGHT, height).map_err(db_err)?;
        }
        tx.commit().map_err(db_err)
    }

    pub fn put_bid(&self, bid: &BidRecord) -> Result<(), StoreError> {
        self.put_bids(std::slice::from_ref(bid))
    }

    /// Several bids in one commit (one fsync for a block's bids).
    pub fn put_bids(&self, bids: &[BidRecord]) -> Result<(), StoreError> {
        if bids.is_empty() {
            return Ok(());
        }
        let tx = self.db.begin_write().map_err(db_err)?;
        {
            let mut t = tx.open_table(BIDS).map_err(db_err)?;
            for bid in bids {
                let bytes = serde_json::to_vec(bid).expect("records serialize to JSON");
                t.insert(bid.id.to_string().as_str(), bytes.as_slice())
                    .map_err(db_err)?;
            }
        }
        tx.commit().map_err(db_err)
    }

    pub fn remove_bid(&self, id: &BidId) -> Result<Option<BidRecord>, StoreError> {
        self.remove(BIDS, &id.to_string())
    }

    pub fn bid(&self, id: &BidId) -> Result<Option<BidRecord>, StoreError> {
        self.get(BIDS, &id.to_string())
    }

    pub fn bids(&self) -> Result<Vec<BidRecord>, StoreError> {
        self.all(BIDS)
    }

    pub fn put_lease(&self, lease: &LeaseRecord) -> Result<(), StoreError> {
        self.put(LEASES, &lease.id.to_string(), lease)
    }

    pub fn remove_lease(&self, id: &LeaseId) -> Result<Option<LeaseRecord>, StoreError> {
        self.remove(LEASES, &id.to_string())
    }

    pub fn lease(&self, id: &LeaseId) -> Result<Option<LeaseRecord>, StoreError> {
        self.get(LEASES, &id.to_string())
    }

    pub fn leases(&self) -> Result<Vec<LeaseRecord>, StoreError> {
        self.all(LEASES)
    }

    fn put<T: Serialize>(
        &self,
        table: TableDefinition<&str, &[u8]>,
        key: &str,
        value: &T,
    ) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(value).expect("records serialize to JSON");
        let tx = self.db.begin_write().map_err(db_err)?;
        {
            let mut t = tx.open_table(table).map_err(db_err)?;
            t.insert(key, bytes.as_slice()).map_err(db_err)?;
        }
        tx.commit().map_err(db_err)
    }

    fn remove<T: DeserializeOwned>(
        &self,
        table: TableDefinition<&str, &[u8]>,
        key: &str,
    ) -> Result<Option<T>, StoreError> {
        let tx = self.db.begin_write().map_err(db_err)?;
        let old = {
            let mut t = tx.open_table(table).map_err(db_err)?;
            let old = t.remove(key).map_err(db_err)?;
            old.map(|v| decode(key, v.value())).transpose()?
        };
        tx.commit().map_err(db_err)?;
        Ok(old)
    }

    fn get<T: DeserializeOwned>(
        &self,
        table: TableDefinition<&str, &[u8]>,
        key: &str,
    ) -> Result<Option<T>, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let t = tx.open_table(table).map_err(db_err)?;
        let value = t.get(key).map_err(db_err)?;
        value.map(|v| decode(key, v.value())).transpose()
    }

    fn all<T: DeserializeOwned>(
        &self,
        table: TableDefinition<&str, &[u8]>,
    ) -> Result<Vec<T>, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let t = tx.open_table(table).map_err(db_err)?;
        let mut out = Vec::new();
        for entry in t.iter().map_err(db_err)? {
            let (k, v) = entry.map_err(db_err)?;
            out.push(decode(k.value(), v.value())?);
        }
        Ok(out)
    }
}

fn decode<T: DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        key: key.to_string(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cosmwasm_std::{Addr, Decimal256};
    use kumo_types::ids::DeploymentId;

    fn bid(dseq: u64) -> BidRecord {
        BidRecord {
            id: DeploymentId::new("tenant", dseq)
                .group(1)
                .order(1)
                .bid(&Addr::unchecked("prov")),
            price: DecCoin::new(Decimal256::percent(150), "uakt"),
            gpu: String::new(),
            placed_at: 7,
            unconfirmed: false,
        }
    }

    #[test]
    fn a_blocks_bids_go_in_one_commit_and_old_records_read_as_confirmed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("daemon.redb");
        let pending: Vec<BidRecord> = (10..13)
            .map(|d| BidRecord {
                unconfirmed: true,
                ..bid(d)
            })
            .collect();
        {
            let store = DaemonStore::open(&path).unwrap();
            store.put_bids(&pending).unwrap();
            store.put_bids(&[]).unwrap();
        }
        let store = DaemonStore::open(&path).unwrap();
        assert_eq!(store.bids().unwrap(), pending);
        // A record written before the flag existed has no such key: confirmed.
        let old = serde_json::json!({
            "id": bid(1).id, "price": bid(1).price, "gpu": "", "placed_at": 7
        });
        let decoded: BidRecord = serde_json::from_value(old).unwrap();
        assert_eq!(decoded, bid(1));
        assert!(!serde_json::to_string(&bid(1))
            .unwrap()
            .contains("unconfirmed"));
    }

    #[test]
    fn height_bids_and_leases_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("daemon.redb");
        {
            let store = DaemonStore::open(&path).unwrap();
            assert_eq!(store.last_height().unwrap(), None);
            store.set_last_height(41).unwrap();
            store.set_last_height(42).unwrap();
            store.put_bid(&bid(1)).unwrap();
            store.put_bid(&bid(2)).unwrap();
            assert_eq!(store.remove_bid(&bid(1).id).unwrap(), Some(bid(1)));
            assert_eq!(store.remove_bid(&bid(1).id).unwrap(), None);
            store
                .put_lease(&LeaseRecord::new(bid(3).id, bid(3).price, 9))
                .unwrap();
        }
        let store = DaemonStore::open(&path).unwrap();
        assert_eq!(store.last_height().unwrap(), Some(42));
        assert_eq!(store.bids().unwrap(), vec![bid(2)]);
        assert_eq!(store.leases().unwrap().len(), 1);
        assert_eq!(store.lease(&bid(3).id).unwrap().unwrap().created_at, 9);
        assert!(store.bid(&bid(1).id).unwrap().is_none());
    }
}
