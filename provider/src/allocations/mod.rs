//! Reservations (for open bids) and allocations (for active leases), persisted in redb.
//!
//! - A GPU is held by UUID for exactly one bid or lease; the store refuses to hand it out
//!   twice, and refuses to open a database in which it was.
//! - CPU, memory and storage are counted with checked arithmetic; releasing twice is harmless.
//! - Life cycle: [`AllocationStore::reserve`] (bid placed) → [`AllocationStore::promote`]
//!   (lease won) → [`AllocationStore::release`] (bid lost, lease closed).
//! - Every change is committed before it is applied in memory, so the state after a crash is
//!   the state of the last successful call; [`AllocationStore::open`] rebuilds the counters
//!   from the records.
//!
//! The store is owned by one task (`&mut self`): the bid engine and the lease manager send
//! it requests, so there is no lock to order.

pub mod model;
pub mod reconcile;

use std::collections::BTreeMap;
use std::path::Path;

use kumo_types::ids::LeaseId;
use redb::{Database, Durability, ReadableTable, TableDefinition};
use tracing::warn;

pub use model::{Allocation, Amounts, Capacity, GpuAsk, HeldGpu, Request, State};
pub use reconcile::ReconcilePlan;

/// Lease id (`owner/dseq/gseq/oseq/provider`) → JSON of [`Allocation`].
const ALLOCATIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("allocations");
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const SCHEMA_VERSION: u64 = 1;

#[derive(Debug, thiserror::Error)]
pub enum AllocError {
    /// Boxed: redb's error is large and every call returns this type.
    #[error("allocation store: {0}")]
    Db(Box<redb::Error>),
    #[error("allocation store record {key:?} is unreadable: {reason}")]
    Corrupt { key: String, reason: String },
    #[error("allocation store schema version {found} is not {SCHEMA_VERSION}")]
    Schema { found: u64 },
    #[error("{0} already holds resources")]
    AlreadyHeld(LeaseId),
    #[error("{0} holds no resources")]
    NotHeld(LeaseId),
    #[error("not enough {resource}: {wanted} wanted, {available} available")]
    Insufficient {
        resource: &'static str,
        wanted: u64,
        available: u64,
    },
    #[error("not enough free GPUs of kind {kind}: {wanted} wanted, {available} free")]
    NoGpus {
        kind: String,
        wanted: u32,
        available: u32,
    },
    #[error("the request's amounts overflow")]
    Overflow,
}

fn db_err(e: impl Into<redb::Error>) -> AllocError {
    AllocError::Db(Box::new(e.into()))
}

pub struct AllocationStore {
    db: Database,
    capacity: Capacity,
    held: BTreeMap<String, Allocation>,
    /// GPU UUID → key of the record holding it.
    gpu_owner: BTreeMap<String, String>,
    used: Amounts,
}

impl AllocationStore {
    /// Opens (or creates) the store at `path` and rebuilds the counters from its records.
    pub fn open(path: &Path, capacity: Capacity) -> Result<Self, AllocError> {
        let db = Database::create(path).map_err(db_err)?;
        let tx = db.begin_write().map_err(db_err)?;
        {
            let mut meta = tx.open_table(META).map_err(db_err)?;
            let version = meta.get("schema").map_err(db_err)?.map(|v| v.value());
            match version {
                None => {
                    meta.insert("schema", SCHEMA_VERSION).map_err(db_err)?;
                }
                Some(SCHEMA_VERSION) => {}
                Some(found) => return Err(AllocError::Schema { found }),
            }
            tx.open_table(ALLOCATIONS).map_err(db_err)?;
        }
        tx.commit().map_err(db_err)?;

        let mut store = Self {
            db,
            capacity,
            held: BTreeMap::new(),
            gpu_owner: BTreeMap::new(),
            used: Amounts::default(),
        };
        let records = store.read_all()?;
        for (key, allocation) in records {
            store.account(&key, &allocation)?;
            store.held.insert(key, allocation);
        }
        for (uuid, owner) in &store.gpu_owner {
            if !store.capacity.gpus.iter().any(|g| &g.uuid == uuid) {
                warn!(%uuid, lease = %owner, "a held GPU is no longer in the inventory");
            }
        }
        if !store.used.fits_in(&store.capacity.amounts) {
            warn!(used = ?store.used, capacity = ?store.capacity.amounts,
                "held resources exceed the current capacity (smaller inventory?)");
        }
        Ok(store)
    }

    fn read_all(&self) -> Result<Vec<(String, Allocation)>, AllocError> {
        let tx = self.db.begin_read().map_err(db_err)?;
        let table = tx.open_table(ALLOCATIONS).map_err(db_err)?;
        let mut out = Vec::new();
        for entry in table.iter().map_err(db_err)? {
            let (k, v) = entry.map_err(db_err)?;
            let key = k.value().to_string();
            let allocation: Allocation =
                serde_json::from_slice(v.value()).map_err(|e| AllocError::Corrupt {
                    key: key.clone(),
                    reason: e.to_string(),
                })?;
            if allocation.id.to_string() != key {
                return Err(AllocError::Corrupt {
                    key,
                    reason: format!("it names {}", allocation.id),
                });
            }
            out.push((key, allocation));
        }
        Ok(out)
    }

    /// Adds a loaded record to the counters, refusing a GPU held twice.
    fn account(&mut self, key: &str, a: &Allocation) -> Result<(), AllocError> {
        for g in &a.gpus {
            if let Some(other) = self.gpu_owner.get(&g.uuid) {
                return Err(AllocError::Corrupt {
                    key: key.to_string(),
                    reason: format!("GPU {} is also held by {other}", g.uuid),
                });
            }
        }
        self.used = self
            .used
            .checked_add(a.amounts)
            .ok_or(AllocError::Overflow)?;
        for g in &a.gpus {
            self.gpu_owner.insert(g.uuid.clone(), key.to_string());
        }
        Ok(())
    }

    pub fn capacity(&self) -> &Capacity {
        &self.capacity
    }

    /// The sum of everything reserved or allocated.
    pub fn used(&self) -> Amounts {
        self.used
    }

    /// Capacity less what is held (zero where more is held than there is).
    pub fn available(&self) -> Amounts {
        self.capacity.amounts.saturating_sub(self.used)
    }

    /// GPUs in the inventory that nothing holds.
    pub fn free_gpus(&self) -> impl Iterator<Item = &HeldGpu> {
        self.capacity
            .gpus
            .iter()
            .filter(|g| !self.gpu_owner.contains_key(&g.uuid))
    }

    pub fn get(&self, id: &LeaseId) -> Option<&Allocation> {
        self.held.get(&id.to_string())
    }

    pub fn list(&self) -> impl Iterator<Item = &Allocation> {
        self.held.values()
    }

    /// The GPUs a request would get, or why it does not fit. Changes nothing (the bid engine
    /// asks before it prices).
    pub fn fit(&self, request: &Request) -> Result<Vec<HeldGpu>, AllocError> {
        let available = self.available();
        for (resource, wanted, avail) in [
            (
                "cpu (millicpu)",
                request.amounts.cpu_millis,
                available.cpu_millis,
            ),
            (
                "memory (bytes)",
                request.amounts.memory_bytes,
                available.memory_bytes,
            ),
            (
                "storage (bytes)",
                request.amounts.storage_bytes,
                available.storage_bytes,
            ),
        ] {
            if wanted > avail {
                return Err(AllocError::Insufficient {
                    resource,
                    wanted,
                    available: avail,
                });
            }
        }
        let mut picked: Vec<HeldGpu> = Vec::new();
        for ask in &request.gpus {
            let candidates: Vec<&HeldGpu> = self
                .free_gpus()
                .filter(|g| ask.offered.backed_by(&g.spec))
                .filter(|g| !picked.iter().any(|p| p.uuid == g.uuid))
                .collect();
            if candidates.len() < ask.count as usize {
                return Err(AllocError::NoGpus {
                    kind: ask.offered.to_string(),
                    wanted: ask.count,
                    available: candidates.len() as u32,
                });
            }
            picked.extend(candidates.into_iter().take(ask.count as usize).cloned());
        }
        Ok(picked)
    }

    /// Holds resources for an open bid.
    pub fn reserve(
        &mut self,
        id: &LeaseId,
        request: &Request,
        now_unix: u64,
    ) -> Result<Allocation, AllocError> {
        self.reserve_with(id, request, now_unix, Durability::Immediate)
    }

    /// [`Allocations::reserve`], committed but not yet durable: a burst of bids reserves each
    /// in memory and on disk, then makes them all durable with one [`Allocations::flush`]
    /// (one fsync instead of one per order) before any bid leaves for the chain. A crash
    /// before the flush loses only reservations no bid was sent for.
    pub fn reserve_unflushed(
        &mut self,
        id: &LeaseId,
        request: &Request,
        now_unix: u64,
    ) -> Result<Allocation, AllocError> {
        self.reserve_with(id, request, now_unix, Durability::None)
    }

    /// Makes every earlier commit durable.
    pub fn flush(&self) -> Result<(), AllocError> {
        let mut tx = self.db.begin_write().map_err(db_err)?;
        tx.set_durability(Durability::Immediate);
        tx.commit().map_err(db_err)
    }

    fn reserve_with(
        &mut self,
        id: &LeaseId,
        request: &Request,
        now_unix: u64,
        durability: Durability,
    ) -> Result<Allocation, AllocError> {
        let key = id.to_string();
        if self.held.contains_key(&key) {
            return Err(AllocError::AlreadyHeld(id.clone()));
        }
        let gpus = self.fit(request)?;
        let used = self
            .used
            .checked_add(request.amounts)
            .ok_or(AllocError::Overflow)?;
        let allocation = Allocation {
            id: id.clone(),
            state: State::Reserved,
            amounts: request.amounts,
            gpus,
            reserved_at: now_unix,
        };
        self.write_with(&key, Some(&allocation), durability)?;
        for g in &allocation.gpus {
            self.gpu_owner.insert(g.uuid.clone(), key.clone());
        }
        self.used = used;
        self.held.insert(key, allocation.clone());
        Ok(allocation)
    }

    /// The bid became a lease: the reservation becomes an allocation. Idempotent.
    pub fn promote(&mut self, id: &LeaseId) -> Result<Allocation, AllocError> {
        let key = id.to_string();
        let mut allocation = self
            .held
            .get(&key)
            .cloned()
            .ok_or_else(|| AllocError::NotHeld(id.clone()))?;
        if allocation.state != State::Allocated {
            allocation.state = State::Allocated;
            self.write(&key, Some(&allocation))?;
            self.held.insert(key, allocation.clone());
        }
        Ok(allocation)
    }

    /// Frees what `id` holds. Returns what was freed; `None` when nothing was held, so a
    /// second release (or a release after a restart that already freed it) is harmless.
    pub fn release(&mut self, id: &LeaseId) -> Result<Option<Allocation>, AllocError> {
        let key = id.to_string();
        let Some(allocation) = self.held.get(&key).cloned() else {
            return Ok(None);
        };
        // The counters always contain the record's amounts, so this cannot fail unless memory
        // was corrupted; refuse rather than wrap.
        let used = self
            .used
            .checked_sub(allocation.amounts)
            .ok_or(AllocError::Overflow)?;
        self.write(&key, None)?;
        for g in &allocation.gpus {
            self.gpu_owner.remove(&g.uuid);
        }
        self.used = used;
        self.held.remove(&key);
        Ok(Some(allocation))
    }

    /// Reservations older than `max_age_secs`: bids that timed out or were lost while the
    /// provider was not watching.
    pub fn stale_reservations(&self, now_unix: u64, max_age_secs: u64) -> Vec<LeaseId> {
        self.held
            .values()
            .filter(|a| a.state == State::Reserved)
            .filter(|a| now_unix.saturating_sub(a.reserved_at) > max_age_secs)
            .map(|a| a.id.clone())
            .collect()
    }

    /// See [`reconcile::plan`].
    pub fn reconcile(&self, active: &[LeaseId], running: &[LeaseId]) -> ReconcilePlan {
        reconcile::plan(self.held.values(), active, running)
    }

    fn write(&self, key: &str, value: Option<&Allocation>) -> Result<(), AllocError> {
        self.write_with(key, value, Durability::Immediate)
    }

    fn write_with(
        &self,
        key: &str,
        value: Option<&Allocation>,
        durability: Durability,
    ) -> Result<(), AllocError> {
        let mut tx = self.db.begin_write().map_err(db_err)?;
        tx.set_durability(durability);
        {
            let mut table = tx.open_table(ALLOCATIONS).map_err(db_err)?;
            match value {
                Some(a) => {
                    let bytes = serde_json::to_vec(a).expect("allocations serialize to JSON");
                    table.insert(key, bytes.as_slice()).map_err(db_err)?;
                }
                None => {
                    table.remove(key).map_err(db_err)?;
                }
            }
        }
        tx.commit().map_err(db_err)
    }
}

#[cfg(test)]
mod tests;
