//! What this provider can offer: GPUs (NVML), CPU, memory and disk, or a static inventory
//! from provider.yaml, which replaces detection (tests and demos on GPU-less machines).

pub mod gpu_models;
pub mod host;
pub mod nvml;

use std::collections::BTreeSet;
use std::path::Path;

use kumo_types::attributes::Attribute;
use kumo_types::gpu::GpuSpec;

use crate::config::StaticInventory;

pub use host::HostError;
pub use nvml::GpuProbe;

/// Where the inventory came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Detected,
    /// provider.yaml's `inventory` section.
    Static,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostResources {
    pub cpu_millis: u64,
    pub memory_bytes: u64,
    /// Size of the filesystem that holds lease volumes.
    pub storage_bytes: u64,
    pub storage_available_bytes: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Gpu {
    /// NVML index (position in the static list for a static inventory).
    pub index: u32,
    /// What Docker's `DeviceRequest.device_ids` takes.
    pub uuid: String,
    /// The product name as NVML reports it (the model key for a static GPU).
    pub product: String,
    pub spec: GpuSpec,
    pub memory_bytes: u64,
    pub usage: Option<GpuUsage>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GpuUsage {
    pub gpu_percent: u32,
    pub memory_used_bytes: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Inventory {
    pub source: Source,
    pub host: HostResources,
    pub gpus: Vec<Gpu>,
}

impl Inventory {
    pub fn from_static(inv: &StaticInventory) -> Self {
        Self {
            source: Source::Static,
            host: HostResources {
                cpu_millis: inv.cpu_millis,
                memory_bytes: inv.memory_bytes,
                storage_bytes: inv.storage_bytes,
                storage_available_bytes: inv.storage_bytes,
            },
            gpus: inv
                .gpus
                .iter()
                .enumerate()
                .map(|(i, g)| Gpu {
                    index: i as u32,
                    uuid: g.uuid.clone(),
                    product: g.spec.model.clone(),
                    spec: g.spec.clone(),
                    memory_bytes: g.memory_bytes,
                    usage: None,
                })
                .collect(),
        }
    }

    /// Detects the host: `storage_path` picks the filesystem whose space is offered.
    pub fn detect(probe: &mut GpuProbe, storage_path: &Path) -> Result<Self, HostError> {
        Ok(Self {
            source: Source::Detected,
            host: host::detect(storage_path)?,
            gpus: probe.gpus(),
        })
    }

    /// The static inventory when the config has one, else detection.
    pub fn load(
        configured: Option<&StaticInventory>,
        probe: &mut GpuProbe,
        storage_path: &Path,
    ) -> Result<Self, HostError> {
        match configured {
            Some(inv) => Ok(Self::from_static(inv)),
            None => Self::detect(probe, storage_path),
        }
    }

    /// The provider's GPU capability attributes (`capabilities/gpu/vendor/nvidia/model/h100/
    /// ram/80Gi/interface/sxm` = `true`), one per distinct GPU kind, sorted. The full key backs
    /// any offer naming the same model with fewer details.
    pub fn capability_attributes(&self) -> Vec<Attribute> {
        self.gpus
            .iter()
            .map(|g| g.spec.capability_key())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .map(|key| Attribute::new(key, "true"))
            .collect()
    }

    /// How many GPUs of each kind, for logs.
    pub fn gpu_summary(&self) -> Vec<(GpuSpec, usize)> {
        let mut kinds: Vec<(GpuSpec, usize)> = Vec::new();
        for g in &self.gpus {
            match kinds.iter_mut().find(|(s, _)| *s == g.spec) {
                Some((_, n)) => *n += 1,
                None => kinds.push((g.spec.clone(), 1)),
            }
        }
        kinds
    }
}

/// Where the registered GPU capabilities and the hardware disagree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CapabilityDiff {
    /// Registered, but no such GPU here: bids on them could not be honoured.
    pub not_on_host: Vec<String>,
    /// On this host, but not registered: the market refuses bids that offer them.
    pub not_registered: Vec<String>,
}

impl CapabilityDiff {
    pub fn is_empty(&self) -> bool {
        self.not_on_host.is_empty() && self.not_registered.is_empty()
    }
}

/// Compares registered capability attributes with the inventory's (both full keys).
pub fn compare_capabilities<'a>(
    registered: impl IntoIterator<Item = &'a Attribute>,
    inventory: &Inventory,
) -> CapabilityDiff {
    let registered: BTreeSet<&str> = registered
        .into_iter()
        .filter(|a| a.value == "true")
        .map(|a| a.key.as_str())
        .collect();
    let offered = inventory.capability_attributes();
    let offered: BTreeSet<&str> = offered.iter().map(|a| a.key.as_str()).collect();
    CapabilityDiff {
        not_on_host: registered
            .difference(&offered)
            .map(|s| s.to_string())
            .collect(),
        not_registered: offered
            .difference(&registered)
            .map(|s| s.to_string())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::StaticGpu;
    use kumo_types::gpu::capabilities_from_attributes;

    fn static_inv() -> StaticInventory {
        let gpu = |uuid: &str, model: &str, ram: &str, iface: &str| StaticGpu {
            uuid: uuid.into(),
            spec: GpuSpec::new("nvidia", model)
                .with_ram(ram)
                .with_interface(iface),
            memory_bytes: 80 << 30,
        };
        StaticInventory {
            cpu_millis: 8000,
            memory_bytes: 32 << 30,
            storage_bytes: 100 << 30,
            gpus: vec![
                gpu("GPU-a", "h100", "80Gi", "sxm"),
                gpu("GPU-b", "h100", "80Gi", "sxm"),
                gpu("GPU-c", "a100", "40Gi", "pcie"),
            ],
        }
    }

    #[test]
    fn static_inventory_replaces_detection() {
        let mut probe = GpuProbe::open();
        let inv = Inventory::load(Some(&static_inv()), &mut probe, Path::new("/")).unwrap();
        assert_eq!(inv.source, Source::Static);
        assert_eq!(inv.host.cpu_millis, 8000);
        assert_eq!(inv.gpus.len(), 3);
        assert_eq!(inv.gpus[2].uuid, "GPU-c");
        assert_eq!(inv.gpus[2].index, 2);
    }

    #[test]
    fn capabilities_are_distinct_and_parse_back() {
        let inv = Inventory::from_static(&static_inv());
        let attrs = inv.capability_attributes();
        assert_eq!(
            attrs.iter().map(|a| a.key.as_str()).collect::<Vec<_>>(),
            [
                "capabilities/gpu/vendor/nvidia/model/a100/ram/40Gi/interface/pcie",
                "capabilities/gpu/vendor/nvidia/model/h100/ram/80Gi/interface/sxm",
            ]
        );
        // The chain's own parser reads them back.
        assert_eq!(capabilities_from_attributes(&attrs).len(), 2);
        let summary = inv.gpu_summary();
        assert_eq!(summary[0].1, 2);
        assert_eq!(summary[1].1, 1);
    }

    #[test]
    fn detection_without_gpus_still_offers_the_host() {
        let mut probe = GpuProbe::open();
        let inv = Inventory::load(None, &mut probe, Path::new("/")).unwrap();
        assert_eq!(inv.source, Source::Detected);
        assert!(inv.host.cpu_millis > 0);
        if !probe.available() {
            assert!(inv.gpus.is_empty());
            assert!(inv.capability_attributes().is_empty());
        }
    }

    #[test]
    fn registered_capabilities_are_compared_with_the_hardware() {
        let inv = Inventory::from_static(&static_inv());
        let h100 = "capabilities/gpu/vendor/nvidia/model/h100/ram/80Gi/interface/sxm";
        let l4 = "capabilities/gpu/vendor/nvidia/model/l4/ram/24Gi/interface/pcie";
        let registered = [Attribute::new(h100, "true"), Attribute::new(l4, "true")];
        let diff = compare_capabilities(&registered, &inv);
        assert_eq!(diff.not_on_host, [l4]);
        assert_eq!(
            diff.not_registered,
            ["capabilities/gpu/vendor/nvidia/model/a100/ram/40Gi/interface/pcie"]
        );
        let all = inv.capability_attributes();
        assert!(compare_capabilities(&all, &inv).is_empty());
    }
}
