//! The app hash: the root of a Jellyfish Merkle Tree (sha256, ICS-23 capable) over every
//! merkleized store key, keyed by sha256(store key).
//!
//! A block only hashes the keys it changed: `put_value_set` walks the touched paths of the tree
//! and yields the new nodes plus the ones they made stale. The stale nodes are deleted in the same
//! redb transaction, so the tree on disk is always exactly the latest version (queries at older
//! heights are not served). The tree version advances only when a block changes state, so an
//! empty block keeps the app hash.

use jmt::storage::{LeafNode, Node, NodeKey, TreeReader};
use jmt::{KeyHash, OwnedValue, Sha256Jmt, Version};
use redb::{Database, ReadOnlyTable, TableDefinition, WriteTransaction};
use sha2::Sha256;

use super::{db_err, ChangeSet, CommitInfo, StoreError, LOCAL_PREFIX};

const NODES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("jmt_nodes");
const PREIMAGES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("jmt_preimages");

/// The root of a tree with no keys (jmt's null node hash).
pub const EMPTY_ROOT: [u8; 32] = *b"SPARSE_MERKLE_PLACEHOLDER_HASH__";

pub(super) fn create_tables(tx: &WriteTransaction) -> Result<(), StoreError> {
    tx.open_table(NODES).map_err(db_err)?;
    tx.open_table(PREIMAGES).map_err(db_err)?;
    Ok(())
}

/// A computed, not yet written, tree update.
pub(super) struct TreeUpdate {
    pub root: [u8; 32],
    /// The tree version after the update; unchanged when the block touched nothing.
    pub version: Option<Version>,
    /// The tree version the update was computed against.
    pub base_version: Option<Version>,
    batch: Option<jmt::storage::TreeUpdateBatch>,
}

pub(super) fn is_merkleized(key: &[u8]) -> bool {
    key.first() != Some(&LOCAL_PREFIX)
}

/// Hashes a block's changes into the tree, reading the current nodes from the last commit.
pub(super) fn prepare(
    db: &Database,
    last: &CommitInfo,
    changes: &ChangeSet,
) -> Result<TreeUpdate, StoreError> {
    let value_set: Vec<(KeyHash, Option<OwnedValue>)> = changes
        .iter()
        .filter(|(key, _)| is_merkleized(key))
        .map(|(key, value)| (KeyHash::with::<Sha256>(key), value.clone()))
        .collect();
    let current_root = || -> [u8; 32] { last.app_hash.as_slice().try_into().unwrap_or(EMPTY_ROOT) };
    if value_set.is_empty() {
        return Ok(TreeUpdate {
            root: current_root(),
            version: last.tree_version,
            base_version: last.tree_version,
            batch: None,
        });
    }
    let version = last.tree_version.map_or(0, |v| v + 1);
    let tx = db.begin_read().map_err(db_err)?;
    let reader = NodeReader {
        nodes: tx.open_table(NODES).map_err(db_err)?,
    };
    let tree = Sha256Jmt::new(&reader);
    let (root, batch) = tree
        .put_value_set(value_set, version)
        .map_err(|e| StoreError::Merkle(format!("{e:#}")))?;
    Ok(TreeUpdate {
        root: root.0,
        version: Some(version),
        base_version: last.tree_version,
        batch: Some(batch),
    })
}

/// Writes the new nodes, deletes the stale ones and records preimages of new keys.
pub(super) fn write(
    tx: &WriteTransaction,
    update: &TreeUpdate,
    changes: &ChangeSet,
) -> Result<(), StoreError> {
    let Some(batch) = &update.batch else {
        return Ok(());
    };
    let mut nodes = tx.open_table(NODES).map_err(db_err)?;
    for stale in &batch.stale_node_index_batch {
        nodes
            .remove(encode(&stale.node_key)?.as_slice())
            .map_err(db_err)?;
    }
    for (key, node) in batch.node_batch.nodes() {
        nodes
            .insert(encode(key)?.as_slice(), encode(node)?.as_slice())
            .map_err(db_err)?;
    }
    let mut preimages = tx.open_table(PREIMAGES).map_err(db_err)?;
    for (key, value) in changes.iter().filter(|(key, _)| is_merkleized(key)) {
        let hash = KeyHash::with::<Sha256>(key).0;
        match value {
            Some(_) => preimages.insert(hash.as_slice(), key.as_slice()),
            None => preimages.remove(hash.as_slice()).map(|_| None),
        }
        .map_err(db_err)?;
    }
    Ok(())
}

fn encode(value: &impl borsh::BorshSerialize) -> Result<Vec<u8>, StoreError> {
    borsh::to_vec(value).map_err(|e| StoreError::Merkle(format!("encode: {e}")))
}

/// Reads tree nodes of the last committed version.
struct NodeReader {
    nodes: ReadOnlyTable<&'static [u8], &'static [u8]>,
}

impl TreeReader for NodeReader {
    fn get_node_option(&self, node_key: &NodeKey) -> anyhow::Result<Option<Node>> {
        let key = borsh::to_vec(node_key)?;
        match self.nodes.get(key.as_slice())? {
            None => Ok(None),
            Some(bytes) => Ok(Some(borsh::from_slice(bytes.value())?)),
        }
    }

    fn get_value_option(
        &self,
        _max_version: Version,
        _key_hash: KeyHash,
    ) -> anyhow::Result<Option<OwnedValue>> {
        // Values live in the flat `state` table; tree updates never read them.
        anyhow::bail!("value lookups through the tree reader are not supported")
    }

    fn get_rightmost_leaf(&self) -> anyhow::Result<Option<(NodeKey, LeafNode)>> {
        anyhow::bail!("tree restore is not supported")
    }
}
