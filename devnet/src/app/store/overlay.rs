//! Nested write caches over a committed snapshot: the devnet's `CacheMultiStore`.
//!
//! An [`Overlay`] is a stack of change layers on top of a [`Snapshot`]. Reads look from the top
//! layer down to the snapshot; writes go to the top layer. A block, a tx's ante handler, its
//! messages and each submessage push a layer, then either merge it into the one below (success)
//! or drop it (failure), which is how the SDK's cache contexts commit or roll back.
//!
//! Range scans are cursors: each step asks every layer and the snapshot for its first key past
//! the cursor and takes the nearest, so a scan costs per item returned, never per range size.

use std::collections::BTreeMap;
use std::ops::Bound;

use super::{Entry, Snapshot, StoreError};

/// Key → new value, `None` for a deletion.
pub type ChangeSet = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// A key range with owned bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyBounds {
    pub start: Bound<Vec<u8>>,
    pub end: Bound<Vec<u8>>,
}

impl KeyBounds {
    /// `[start, end)`, either side open when `None`; cosmwasm's iterator contract.
    pub fn half_open(start: Option<&[u8]>, end: Option<&[u8]>) -> Self {
        Self {
            start: start.map_or(Bound::Unbounded, |s| Bound::Included(s.to_vec())),
            end: end.map_or(Bound::Unbounded, |e| Bound::Excluded(e.to_vec())),
        }
    }

    /// Every key starting with `prefix`.
    pub fn prefix(prefix: &[u8]) -> Self {
        Self {
            start: Bound::Included(prefix.to_vec()),
            end: prefix_end(prefix).map_or(Bound::Unbounded, Bound::Excluded),
        }
    }

    pub fn as_range(&self) -> (Bound<&[u8]>, Bound<&[u8]>) {
        (as_ref(&self.start), as_ref(&self.end))
    }

    /// True when no key can lie within the bounds (BTreeMap::range would panic on some).
    pub fn is_empty(&self) -> bool {
        use Bound::*;
        match (&self.start, &self.end) {
            (Unbounded, _) | (_, Unbounded) => false,
            (Included(s), Included(e)) => s > e,
            (Included(s), Excluded(e))
            | (Excluded(s), Included(e))
            | (Excluded(s), Excluded(e)) => s >= e,
        }
    }

    /// Moves the bound past `key` in the direction of travel.
    pub fn advance_past(&mut self, key: &[u8], ascending: bool) {
        if ascending {
            self.start = Bound::Excluded(key.to_vec());
        } else {
            self.end = Bound::Excluded(key.to_vec());
        }
    }
}

fn as_ref(bound: &Bound<Vec<u8>>) -> Bound<&[u8]> {
    match bound {
        Bound::Included(k) => Bound::Included(k.as_slice()),
        Bound::Excluded(k) => Bound::Excluded(k.as_slice()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

/// The smallest key greater than every key with this prefix; `None` when there is none.
pub fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// Layers of uncommitted writes over a committed snapshot.
pub struct Overlay {
    base: Snapshot,
    layers: Vec<ChangeSet>,
}

impl Overlay {
    /// One empty layer over `base`.
    pub fn new(base: Snapshot) -> Self {
        Self::with_layer(base, ChangeSet::new())
    }

    /// `layer` (e.g. the mempool's pending writes) over `base`.
    pub fn with_layer(base: Snapshot, layer: ChangeSet) -> Self {
        Self {
            base,
            layers: vec![layer],
        }
    }

    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        for layer in self.layers.iter().rev() {
            if let Some(value) = layer.get(key) {
                return Ok(value.clone());
            }
        }
        self.base.get(key)
    }

    pub fn set(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.top().insert(key, Some(value));
    }

    pub fn remove(&mut self, key: Vec<u8>) {
        self.top().insert(key, None);
    }

    fn top(&mut self) -> &mut ChangeSet {
        self.layers
            .last_mut()
            .expect("an overlay always has a layer")
    }

    /// Starts a nested cache.
    pub fn push_layer(&mut self) {
        self.layers.push(ChangeSet::new());
    }

    /// Merges the top cache into the one below: the nested writes succeed.
    pub fn commit_layer(&mut self) {
        assert!(self.layers.len() > 1, "commit_layer without push_layer");
        let top = self.layers.pop().expect("checked above");
        let below = self.top();
        if below.is_empty() {
            *below = top;
        } else {
            below.extend(top);
        }
    }

    /// Drops the top cache: the nested writes never happened.
    pub fn discard_layer(&mut self) {
        assert!(self.layers.len() > 1, "discard_layer without push_layer");
        self.layers.pop();
    }

    pub fn depth(&self) -> usize {
        self.layers.len()
    }

    /// The first live entry within `bounds`: the lowest key when ascending, the highest when
    /// descending. Deleted keys in upper layers hide the snapshot's entries.
    pub fn first_entry(
        &self,
        bounds: &KeyBounds,
        ascending: bool,
    ) -> Result<Option<Entry>, StoreError> {
        let mut bounds = bounds.clone();
        loop {
            if bounds.is_empty() {
                return Ok(None);
            }
            let mut best: Option<(Vec<u8>, Option<Vec<u8>>)> = self
                .base
                .edge_in(&bounds, ascending)?
                .map(|(k, v)| (k, Some(v)));
            // Bottom to top, so an upper layer's write of the same key wins.
            for layer in &self.layers {
                let mut range = layer.range::<[u8], _>(bounds.as_range());
                let candidate = if ascending {
                    range.next()
                } else {
                    range.next_back()
                };
                if let Some((key, value)) = candidate {
                    let nearer = match &best {
                        None => true,
                        Some((best_key, _)) => key == best_key || (key < best_key) == ascending,
                    };
                    if nearer {
                        best = Some((key.clone(), value.clone()));
                    }
                }
            }
            match best {
                None => return Ok(None),
                Some((key, Some(value))) => return Ok(Some((key, value))),
                Some((key, None)) => bounds.advance_past(&key, ascending),
            }
        }
    }

    /// All layers flattened into one change set, top layers winning.
    pub fn into_changes(self) -> ChangeSet {
        let mut layers = self.layers.into_iter();
        let mut changes = layers.next().unwrap_or_default();
        for layer in layers {
            changes.extend(layer);
        }
        changes
    }

    /// The snapshot this overlay reads through to.
    pub fn base(&self) -> &Snapshot {
        &self.base
    }
}
