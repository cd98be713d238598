//! The durable store: one redb database holding the flat state, the Jellyfish Merkle Tree over
//! it, and the chain's commit metadata.
//!
//! Every block's writes land in one redb write transaction together with the new height and app
//! hash, so a crash at any moment leaves the database at the last committed block, whole. Reads
//! go through [`Snapshot`]s (redb read transactions), which never see a half-written block.
//!
//! Tables:
//! - `state`: store key → value, ordered, for reads and range scans by the modules;
//! - `jmt_nodes`: Jellyfish Merkle Tree nodes (borsh), keyed by their borsh `NodeKey`;
//! - `jmt_preimages`: sha256(store key) → store key, so ICS-23 proofs can be served later;
//! - `meta`: height, app hash and tree version of the last commit.
//!
//! Keys under [`LOCAL_PREFIX`] are stored but not merkleized (wasm blobs: the code info that is
//! merkleized already commits to their checksum, as in wasmd).

mod merkle;
mod overlay;

use std::path::PathBuf;
use std::sync::Arc;

use redb::{Database, ReadOnlyTable, TableDefinition};

pub use overlay::{prefix_end, ChangeSet, KeyBounds, Overlay};

const STATE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("state");
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

const META_HEIGHT: &str = "height";
const META_APP_HASH: &str = "app_hash";
const META_TREE_VERSION: &str = "tree_version";

/// Store keys starting with this byte are kept out of the Merkle tree.
pub const LOCAL_PREFIX: u8 = 0x00;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("redb: {0}")]
    Db(Box<redb::Error>),
    #[error("merkle tree: {0}")]
    Merkle(String),
    #[error("corrupt store: {0}")]
    Corrupt(String),
}

fn db_err(err: impl Into<redb::Error>) -> StoreError {
    StoreError::Db(Box::new(err.into()))
}

/// A key and its value.
pub type Entry = (Vec<u8>, Vec<u8>);

/// Where the database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// redb's in-memory backend: nothing survives the process, for tests.
    InMemory,
    /// A redb file, created when missing.
    File(PathBuf),
}

/// What the last commit left: the chain's resume point.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommitInfo {
    pub height: u64,
    /// Empty before genesis.
    pub app_hash: Vec<u8>,
    /// The Merkle tree version of the app hash; it advances only when a block changes state.
    pub tree_version: Option<u64>,
}

pub struct Store {
    db: Database,
    last: CommitInfo,
}

impl Store {
    pub fn open(location: &StoreLocation) -> Result<Self, StoreError> {
        let db = match location {
            StoreLocation::InMemory => Database::builder()
                .create_with_backend(redb::backends::InMemoryBackend::new())
                .map_err(db_err)?,
            StoreLocation::File(path) => Database::create(path).map_err(db_err)?,
        };
        let tx = db.begin_write().map_err(db_err)?;
        {
            tx.open_table(STATE).map_err(db_err)?;
            tx.open_table(META).map_err(db_err)?;
            merkle::create_tables(&tx)?;
        }
        tx.commit().map_err(db_err)?;
        let last = read_commit_info(&db)?;
        Ok(Self { db, last })
    }

    pub fn last_commit(&self) -> &CommitInfo {
        &self.last
    }

    /// A consistent read view of the last committed state.
    pub fn snapshot(&self) -> Result<Snapshot, StoreError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let table = tx.open_table(STATE).map_err(db_err)?;
        Ok(Snapshot {
            table: Arc::new(table),
        })
    }

    /// Hashes a block's changes into the Merkle tree without writing anything: the app hash
    /// `finalize_block` reports. Only the changed keys are hashed.
    pub fn prepare(&self, changes: ChangeSet) -> Result<PendingCommit, StoreError> {
        let update = merkle::prepare(&self.db, &self.last, &changes)?;
        Ok(PendingCommit { changes, update })
    }

    /// Writes a prepared block — state changes, Merkle nodes, height and app hash — in one redb
    /// transaction, and returns the app hash.
    pub fn commit(&mut self, height: u64, pending: PendingCommit) -> Result<Vec<u8>, StoreError> {
        let PendingCommit { changes, update } = pending;
        if update.base_version != self.last.tree_version {
            return Err(StoreError::Merkle(
                "the prepared block is stale: another commit happened since".into(),
            ));
        }
        let tx = self.db.begin_write().map_err(db_err)?;
        {
            let mut state = tx.open_table(STATE).map_err(db_err)?;
            for (key, value) in &changes {
                match value {
                    Some(value) => state.insert(key.as_slice(), value.as_slice()),
                    None => state.remove(key.as_slice()).map(|_| None),
                }
                .map_err(db_err)?;
            }
            merkle::write(&tx, &update, &changes)?;
            let mut meta = tx.open_table(META).map_err(db_err)?;
            meta.insert(META_HEIGHT, height.to_be_bytes().as_slice())
                .map_err(db_err)?;
            meta.insert(META_APP_HASH, update.root.as_slice())
                .map_err(db_err)?;
            if let Some(version) = update.version {
                meta.insert(META_TREE_VERSION, version.to_be_bytes().as_slice())
                    .map_err(db_err)?;
            }
        }
        tx.commit().map_err(db_err)?;
        self.last = CommitInfo {
            height,
            app_hash: update.root.to_vec(),
            tree_version: update.version,
        };
        Ok(update.root.to_vec())
    }
}

/// A block's changes with their Merkle update, between `finalize_block` and `commit`.
pub struct PendingCommit {
    changes: ChangeSet,
    update: merkle::TreeUpdate,
}

impl PendingCommit {
    pub fn app_hash(&self) -> Vec<u8> {
        self.update.root.to_vec()
    }
}

fn read_commit_info(db: &Database) -> Result<CommitInfo, StoreError> {
    let tx = db.begin_read().map_err(db_err)?;
    let meta = tx.open_table(META).map_err(db_err)?;
    let read_u64 = |name: &str| -> Result<Option<u64>, StoreError> {
        match meta.get(name).map_err(db_err)? {
            None => Ok(None),
            Some(bytes) => {
                let arr: [u8; 8] = bytes
                    .value()
                    .try_into()
                    .map_err(|_| StoreError::Corrupt(format!("meta {name} is not a u64")))?;
                Ok(Some(u64::from_be_bytes(arr)))
            }
        }
    };
    let height = read_u64(META_HEIGHT)?.unwrap_or(0);
    let tree_version = read_u64(META_TREE_VERSION)?;
    let app_hash = meta
        .get(META_APP_HASH)
        .map_err(db_err)?
        .map(|v| v.value().to_vec())
        .unwrap_or_default();
    Ok(CommitInfo {
        height,
        app_hash,
        tree_version,
    })
}

/// A read-only view of one committed state.
#[derive(Clone)]
pub struct Snapshot {
    table: Arc<ReadOnlyTable<&'static [u8], &'static [u8]>>,
}

impl Snapshot {
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .table
            .get(key)
            .map_err(db_err)?
            .map(|v| v.value().to_vec()))
    }

    /// The first (ascending) or last (descending) entry within the bounds.
    pub fn edge_in(
        &self,
        bounds: &overlay::KeyBounds,
        ascending: bool,
    ) -> Result<Option<Entry>, StoreError> {
        if bounds.is_empty() {
            return Ok(None);
        }
        let mut range = self
            .table
            .range::<&[u8]>(bounds.as_range())
            .map_err(db_err)?;
        let entry = if ascending {
            range.next()
        } else {
            range.next_back()
        };
        match entry {
            None => Ok(None),
            Some(Ok((k, v))) => Ok(Some((k.value().to_vec(), v.value().to_vec()))),
            Some(Err(err)) => Err(db_err(err)),
        }
    }

    /// Every entry under `prefix`, in order; for genesis and startup scans only.
    pub fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<Entry>, StoreError> {
        let bounds = overlay::KeyBounds::prefix(prefix);
        let mut out = Vec::new();
        if bounds.is_empty() {
            return Ok(out);
        }
        for entry in self
            .table
            .range::<&[u8]>(bounds.as_range())
            .map_err(db_err)?
        {
            let (k, v) = entry.map_err(db_err)?;
            out.push((k.value().to_vec(), v.value().to_vec()));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
