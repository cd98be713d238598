//! Human forms of resources, requirements and attributes.

use cosmwasm_std::Decimal256;
use kumo_types::attributes::{Attribute, PlacementRequirements};
use kumo_types::gpu::GpuSpec;
use kumo_types::resources::{GpuResource, GroupSpec, ResourceUnit};

const MI: u64 = 1 << 20;
const GI: u64 = 1 << 30;
const TI: u64 = 1 << 40;

/// Bytes in the largest binary unit that divides them: `512Mi`, `80Gi`.
pub fn bytes(n: u64) -> String {
    for (unit, name) in [(TI, "Ti"), (GI, "Gi"), (MI, "Mi")] {
        if n >= unit && n.is_multiple_of(unit) {
            return format!("{}{name}", n / unit);
        }
    }
    if n >= GI {
        return format!("{:.1}Gi", n as f64 / GI as f64);
    }
    if n >= MI {
        return format!("{:.1}Mi", n as f64 / MI as f64);
    }
    format!("{n}B")
}

/// Millicpu as cores: `0.5`, `8`.
pub fn cpu(millis: u64) -> String {
    crate::output::round_decimal(Decimal256::from_ratio(millis, 1000u64), 3)
}

/// `nvidia/h100/80Gi/sxm`.
pub fn gpu_spec(g: &GpuSpec) -> String {
    let mut s = format!("{}/{}", g.vendor, g.model);
    if let Some(ram) = &g.ram {
        s.push('/');
        s.push_str(ram);
    }
    if let Some(i) = &g.interface {
        s.push('/');
        s.push_str(i);
    }
    s
}

/// `1 x nvidia/h100/80Gi/sxm`, `2 x any nvidia`, or `-`.
pub fn gpu(g: &GpuResource) -> String {
    let units = g.units.get();
    if units == 0 {
        return "-".into();
    }
    let kinds: Vec<String> = match kumo_types::gpu::requirements_from_attributes(&g.attributes) {
        Ok(specs) if !specs.is_empty() => specs.iter().map(gpu_spec).collect(),
        Ok(_) => vec!["any".into()],
        Err(_) => g.attributes.iter().map(|a| a.key.clone()).collect(),
    };
    format!("{units} x {}", kinds.join(" | "))
}

pub fn attributes(attrs: &[Attribute]) -> String {
    if attrs.is_empty() {
        return "-".into();
    }
    attrs
        .iter()
        .map(|a| format!("{}={}", a.key, a.value))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Attributes other than GPU capabilities, which the GPU column already shows.
pub fn placement_attributes(attrs: &[Attribute]) -> String {
    let plain: Vec<Attribute> = attrs
        .iter()
        .filter(|a| !a.key.starts_with(kumo_types::gpu::CAPABILITY_PREFIX))
        .cloned()
        .collect();
    attributes(&plain)
}

pub fn requirements(req: &PlacementRequirements) -> String {
    let mut parts = Vec::new();
    if !req.attributes.is_empty() {
        parts.push(format!("attributes {}", attributes(&req.attributes)));
    }
    if !req.signed_by.all_of.is_empty() {
        parts.push(format!(
            "signed by all of {}",
            req.signed_by.all_of.join(", ")
        ));
    }
    if !req.signed_by.any_of.is_empty() {
        parts.push(format!(
            "signed by any of {}",
            req.signed_by.any_of.join(", ")
        ));
    }
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join("; ")
    }
}

/// One row per resource unit: id, count, cpu, memory, storage, gpu, max price per block.
pub fn unit_row(u: &ResourceUnit) -> Vec<String> {
    let r = &u.resource;
    let storage = if r.storage.is_empty() {
        "-".to_string()
    } else {
        r.storage
            .iter()
            .map(|v| format!("{} {}", v.name, bytes(v.size.get())))
            .collect::<Vec<_>>()
            .join(", ")
    };
    vec![
        r.id.to_string(),
        u.count.to_string(),
        cpu(r.cpu.units.get()),
        bytes(r.memory.size.get()),
        storage,
        gpu(&r.gpu),
        crate::output::price_per_block(&u.price),
    ]
}

pub const UNIT_HEADERS: [&str; 7] = [
    "UNIT",
    "COUNT",
    "CPU",
    "MEMORY",
    "STORAGE",
    "GPU",
    "MAX PRICE/BLOCK",
];

/// A one-line summary of a group's resources: `1 x (0.5 cpu, 512Mi, 1Gi)`.
pub fn group_summary(spec: &GroupSpec) -> String {
    spec.resources
        .iter()
        .map(|u| {
            let r = &u.resource;
            let mut s = format!(
                "{} x ({} cpu, {} mem, {} disk",
                u.count,
                cpu(r.cpu.units.get()),
                bytes(r.memory.size.get()),
                bytes(r.storage_bytes())
            );
            if r.gpu.units.get() > 0 {
                s.push_str(&format!(", gpu {}", gpu(&r.gpu)));
            }
            s.push(')');
            s
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use kumo_types::resources::ResourceValue;

    #[test]
    fn sizes_and_cpus() {
        assert_eq!(bytes(512 * MI), "512Mi");
        assert_eq!(bytes(80 * GI), "80Gi");
        assert_eq!(bytes(GI + GI / 2), "1536Mi");
        assert_eq!(bytes(1000), "1000B");
        assert_eq!(cpu(500), "0.5");
        assert_eq!(cpu(8000), "8");
    }

    #[test]
    fn gpus() {
        let g = GpuResource {
            units: ResourceValue::new(1),
            attributes: vec![Attribute::new(
                "vendor/nvidia/model/h100/ram/80Gi/interface/sxm",
                "true",
            )],
        };
        assert_eq!(gpu(&g), "1 x nvidia/h100/80Gi/sxm");
        let none = GpuResource {
            units: ResourceValue::new(0),
            attributes: vec![],
        };
        assert_eq!(gpu(&none), "-");
        assert_eq!(
            placement_attributes(&[
                Attribute::new("region", "us-west"),
                Attribute::new("capabilities/gpu/vendor/nvidia/model/h100", "true"),
            ]),
            "region=us-west"
        );
    }
}
