//! What is accounted: resource amounts, requests, capacity and held allocations.

use kumo_types::gpu::GpuSpec;
use kumo_types::ids::LeaseId;
use kumo_types::resources::Resources;
use serde::{Deserialize, Serialize};

use crate::config::LimitsConfig;
use crate::inventory::Inventory;

/// CPU, memory and storage. All arithmetic is checked: a sum that would overflow is refused
/// and a difference never goes below zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amounts {
    pub cpu_millis: u64,
    pub memory_bytes: u64,
    pub storage_bytes: u64,
}

impl Amounts {
    pub fn checked_add(self, other: Amounts) -> Option<Amounts> {
        Some(Amounts {
            cpu_millis: self.cpu_millis.checked_add(other.cpu_millis)?,
            memory_bytes: self.memory_bytes.checked_add(other.memory_bytes)?,
            storage_bytes: self.storage_bytes.checked_add(other.storage_bytes)?,
        })
    }

    pub fn checked_sub(self, other: Amounts) -> Option<Amounts> {
        Some(Amounts {
            cpu_millis: self.cpu_millis.checked_sub(other.cpu_millis)?,
            memory_bytes: self.memory_bytes.checked_sub(other.memory_bytes)?,
            storage_bytes: self.storage_bytes.checked_sub(other.storage_bytes)?,
        })
    }

    /// Per field, zero where `other` is larger (capacity may shrink across a restart).
    pub fn saturating_sub(self, other: Amounts) -> Amounts {
        Amounts {
            cpu_millis: self.cpu_millis.saturating_sub(other.cpu_millis),
            memory_bytes: self.memory_bytes.saturating_sub(other.memory_bytes),
            storage_bytes: self.storage_bytes.saturating_sub(other.storage_bytes),
        }
    }

    pub fn fits_in(&self, available: &Amounts) -> bool {
        self.cpu_millis <= available.cpu_millis
            && self.memory_bytes <= available.memory_bytes
            && self.storage_bytes <= available.storage_bytes
    }

    /// What `count` replicas of a resource unit need; `None` on overflow.
    pub fn of_unit(resources: &Resources, count: u32) -> Option<Amounts> {
        let storage = resources
            .storage
            .iter()
            .try_fold(0u64, |sum, s| sum.checked_add(s.size.get()))?;
        let count = u64::from(count);
        Some(Amounts {
            cpu_millis: resources.cpu.units.get().checked_mul(count)?,
            memory_bytes: resources.memory.size.get().checked_mul(count)?,
            storage_bytes: storage.checked_mul(count)?,
        })
    }
}

/// `count` GPUs of the kind offered in the bid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GpuAsk {
    pub offered: GpuSpec,
    pub count: u32,
}

/// What one bid (and the lease it may become) needs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub amounts: Amounts,
    pub gpus: Vec<GpuAsk>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Held for an open bid.
    Reserved,
    /// Held for an active lease.
    Allocated,
}

/// Resources held for one bid or lease, as persisted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Allocation {
    pub id: LeaseId,
    pub state: State,
    pub amounts: Amounts,
    /// The GPUs held, by UUID, with their kind.
    pub gpus: Vec<HeldGpu>,
    /// Unix seconds when reserved.
    pub reserved_at: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldGpu {
    pub uuid: String,
    pub spec: GpuSpec,
}

impl Allocation {
    pub fn gpu_uuids(&self) -> Vec<String> {
        self.gpus.iter().map(|g| g.uuid.clone()).collect()
    }
}

/// What may be handed out.
#[derive(Debug, Clone, PartialEq)]
pub struct Capacity {
    pub amounts: Amounts,
    /// In inventory order, which is the order GPUs are picked in.
    pub gpus: Vec<HeldGpu>,
}

impl Capacity {
    /// The inventory with the configured overcommit applied to CPU and memory. Storage and
    /// GPUs are never overcommitted.
    pub fn from_inventory(inventory: &Inventory, limits: &LimitsConfig) -> Capacity {
        let scale = |v: u64, millis: u32| -> u64 {
            // In u128 so that large hosts times the ratio cannot overflow; the result is
            // clamped back into u64.
            let scaled = u128::from(v) * u128::from(millis) / 1000;
            u64::try_from(scaled).unwrap_or(u64::MAX)
        };
        Capacity {
            amounts: Amounts {
                cpu_millis: scale(inventory.host.cpu_millis, limits.cpu_overcommit_millis),
                memory_bytes: scale(inventory.host.memory_bytes, limits.memory_overcommit_millis),
                storage_bytes: inventory.host.storage_available_bytes,
            },
            gpus: inventory
                .gpus
                .iter()
                .map(|g| HeldGpu {
                    uuid: g.uuid.clone(),
                    spec: g.spec.clone(),
                })
                .collect(),
        }
    }
}
