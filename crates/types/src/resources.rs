//! Resource units, group specs and bid offers, with Akash's limits.

use cosmwasm_schema::cw_serde;
use cosmwasm_std::{Decimal256, OverflowError, Uint64};

use crate::attributes::{
    validate_attributes, validate_signed_by, Attribute, PlacementRequirements,
};
use crate::coins::{validate_denom, DecCoin};
use crate::error::{ensure, ValidationError};
use crate::gpu::{offer_meets_requirements, requirements_from_attributes, GpuSpec};

const MI: u64 = 1 << 20;
const TI: u64 = 1 << 40;

/// Akash's per-unit limits. CPU is counted in millicpu, memory and storage in bytes.
pub mod limits {
    use super::{MI, TI};

    pub const MIN_UNIT_CPU: u64 = 10;
    pub const MAX_UNIT_CPU: u64 = 384_000;
    pub const MIN_UNIT_GPU: u64 = 0;
    pub const MAX_UNIT_GPU: u64 = 24;
    pub const MIN_UNIT_MEMORY: u64 = MI;
    pub const MAX_UNIT_MEMORY: u64 = 2 * TI;
    pub const MIN_UNIT_STORAGE: u64 = 5 * MI;
    pub const MAX_UNIT_STORAGE: u64 = 32 * TI;
    /// Most replicas of one resource unit.
    pub const MAX_UNIT_COUNT: u32 = 50;
    /// Group totals may reach this many times the per-unit limits.
    pub const GROUP_TOTAL_FACTOR: u64 = 50;
    /// Most resource units in one group.
    pub const MAX_GROUP_UNITS: usize = 20;
    /// Most storage volumes in one resource unit.
    pub const MAX_UNIT_VOLUMES: usize = 16;
    /// Most endpoints in one resource unit.
    pub const MAX_UNIT_ENDPOINTS: usize = 64;
    /// Highest price of one unit, per block, in the price denom.
    pub const MAX_UNIT_PRICE: u128 = 10_000_000_000;
    /// Longest group or storage name.
    pub const MAX_NAME_LEN: usize = 128;
}

/// A resource quantity, as a decimal string on the wire (`{"val": "1000"}`).
#[cw_serde]
#[derive(Copy, Default)]
pub struct ResourceValue {
    pub val: Uint64,
}

impl ResourceValue {
    pub fn new(val: u64) -> Self {
        Self {
            val: Uint64::new(val),
        }
    }

    pub fn get(&self) -> u64 {
        self.val.u64()
    }
}

#[cw_serde]
pub struct CpuResource {
    /// Millicpu: 1000 is one core.
    pub units: ResourceValue,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
}

#[cw_serde]
pub struct MemoryResource {
    /// Bytes.
    pub size: ResourceValue,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
}

#[cw_serde]
pub struct StorageResource {
    pub name: String,
    /// Bytes.
    pub size: ResourceValue,
    /// `class` and `persistent`, as Akash sets them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
}

#[cw_serde]
pub struct GpuResource {
    pub units: ResourceValue,
    /// Requested GPU kinds (`vendor/<v>/model/<m>...` = "true"); any one of them will do.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
}

#[cw_serde]
#[derive(Copy, Default)]
pub enum EndpointKind {
    #[default]
    SharedHttp,
    RandomPort,
    LeasedIp,
}

#[cw_serde]
pub struct Endpoint {
    #[serde(default)]
    pub kind: EndpointKind,
    #[serde(default)]
    pub sequence_number: u32,
}

#[cw_serde]
pub struct Resources {
    pub id: u32,
    pub cpu: CpuResource,
    pub memory: MemoryResource,
    #[serde(default)]
    pub storage: Vec<StorageResource>,
    pub gpu: GpuResource,
    #[serde(default)]
    pub endpoints: Vec<Endpoint>,
}

/// `count` replicas of `resource`, each at most `price` per block.
#[cw_serde]
pub struct ResourceUnit {
    pub resource: Resources,
    pub count: u32,
    pub price: DecCoin,
}

/// One placement group of a deployment: what to run, where, and the most it may cost.
#[cw_serde]
pub struct GroupSpec {
    pub name: String,
    #[serde(default)]
    pub requirements: PlacementRequirements,
    pub resources: Vec<ResourceUnit>,
}

fn check_range(
    field: &str,
    value: u64,
    min: u64,
    max: u64,
    unit: &str,
) -> Result<(), ValidationError> {
    ensure(
        value >= min,
        || field.to_string(),
        || format!("{value} is below the minimum of {min} {unit}"),
    )?;
    ensure(
        value <= max,
        || field.to_string(),
        || format!("{value} is above the maximum of {max} {unit}"),
    )
}

fn validate_name(field: &str, name: &str) -> Result<(), ValidationError> {
    ensure(
        !name.is_empty()
            && name.len() <= limits::MAX_NAME_LEN
            && !name.chars().any(char::is_control),
        || field.to_string(),
        || {
            format!(
                "{name:?} must be 1-{} printable characters",
                limits::MAX_NAME_LEN
            )
        },
    )
}

impl Resources {
    fn validate(&self, field: &str) -> Result<(), ValidationError> {
        use limits::*;
        ensure(
            self.id >= 1,
            || format!("{field}.id"),
            || "resource ids start at 1".into(),
        )?;
        check_range(
            &format!("{field}.cpu.units"),
            self.cpu.units.get(),
            MIN_UNIT_CPU,
            MAX_UNIT_CPU,
            "millicpu",
        )?;
        validate_attributes(
            &format!("{field}.cpu.attributes"),
            &self.cpu.attributes,
            false,
        )?;
        check_range(
            &format!("{field}.memory.size"),
            self.memory.size.get(),
            MIN_UNIT_MEMORY,
            MAX_UNIT_MEMORY,
            "bytes",
        )?;
        validate_attributes(
            &format!("{field}.memory.attributes"),
            &self.memory.attributes,
            false,
        )?;
        check_range(
            &format!("{field}.gpu.units"),
            self.gpu.units.get(),
            MIN_UNIT_GPU,
            MAX_UNIT_GPU,
            "GPUs",
        )?;
        validate_attributes(
            &format!("{field}.gpu.attributes"),
            &self.gpu.attributes,
            true,
        )?;
        requirements_from_attributes(&self.gpu.attributes)
            .map_err(|reason| ValidationError::new(format!("{field}.gpu.attributes"), reason))?;
        ensure(
            self.gpu.units.get() > 0 || self.gpu.attributes.is_empty(),
            || format!("{field}.gpu.attributes"),
            || "GPU attributes need at least one GPU unit".into(),
        )?;
        ensure(
            self.storage.len() <= MAX_UNIT_VOLUMES,
            || format!("{field}.storage"),
            || {
                format!(
                    "{} volumes, at most {MAX_UNIT_VOLUMES} allowed",
                    self.storage.len()
                )
            },
        )?;
        for (i, volume) in self.storage.iter().enumerate() {
            let vfield = format!("{field}.storage[{i}]");
            validate_name(&format!("{vfield}.name"), &volume.name)?;
            ensure(
                !self.storage[..i].iter().any(|v| v.name == volume.name),
                || format!("{vfield}.name"),
                || format!("{:?} is used by another volume", volume.name),
            )?;
            check_range(
                &format!("{vfield}.size"),
                volume.size.get(),
                MIN_UNIT_STORAGE,
                MAX_UNIT_STORAGE,
                "bytes",
            )?;
            validate_attributes(&format!("{vfield}.attributes"), &volume.attributes, false)?;
        }
        ensure(
            self.endpoints.len() <= MAX_UNIT_ENDPOINTS,
            || format!("{field}.endpoints"),
            || {
                format!(
                    "{} endpoints, at most {MAX_UNIT_ENDPOINTS} allowed",
                    self.endpoints.len()
                )
            },
        )
    }

    pub fn storage_bytes(&self) -> u64 {
        self.storage.iter().map(|v| v.size.get()).sum()
    }
}

/// Totals of a group, summed over units × count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupTotals {
    pub cpu: u128,
    pub gpu: u128,
    pub memory: u128,
    pub storage: u128,
}

impl GroupSpec {
    /// Validates the spec on its own: names, limits, totals, prices (all in one valid denom).
    pub fn validate(&self, field: &str) -> Result<(), ValidationError> {
        use limits::*;
        validate_name(&format!("{field}.name"), &self.name)?;
        validate_attributes(
            &format!("{field}.requirements.attributes"),
            &self.requirements.attributes,
            true,
        )?;
        validate_signed_by(
            &format!("{field}.requirements.signed_by"),
            &self.requirements.signed_by,
        )?;
        ensure(
            !self.resources.is_empty() && self.resources.len() <= MAX_GROUP_UNITS,
            || format!("{field}.resources"),
            || {
                format!(
                    "{} resource units, 1-{MAX_GROUP_UNITS} allowed",
                    self.resources.len()
                )
            },
        )?;
        let denom = &self.resources[0].price.denom;
        for (i, unit) in self.resources.iter().enumerate() {
            let ufield = format!("{field}.resources[{i}]");
            unit.resource.validate(&format!("{ufield}.resource"))?;
            ensure(
                !self.resources[..i]
                    .iter()
                    .any(|u| u.resource.id == unit.resource.id),
                || format!("{ufield}.resource.id"),
                || format!("{} is used by another unit", unit.resource.id),
            )?;
            ensure(
                (1..=MAX_UNIT_COUNT).contains(&unit.count),
                || format!("{ufield}.count"),
                || format!("{} is out of range 1-{MAX_UNIT_COUNT}", unit.count),
            )?;
            validate_denom(&format!("{ufield}.price.denom"), &unit.price.denom)?;
            ensure(
                &unit.price.denom == denom,
                || format!("{ufield}.price.denom"),
                || {
                    format!(
                        "{} differs from the group's price denom {denom}",
                        unit.price.denom
                    )
                },
            )?;
            ensure(
                !unit.price.amount.is_zero(),
                || format!("{ufield}.price.amount"),
                || "must be greater than zero".into(),
            )?;
            ensure(
                unit.price.amount <= Decimal256::from_ratio(MAX_UNIT_PRICE, 1u128),
                || format!("{ufield}.price.amount"),
                || {
                    format!(
                        "{} is above the maximum of {MAX_UNIT_PRICE} per block",
                        unit.price.amount
                    )
                },
            )?;
        }
        let totals = self.totals();
        let factor = GROUP_TOTAL_FACTOR as u128;
        for (name, total, max, unit) in [
            ("cpu", totals.cpu, MAX_UNIT_CPU, "millicpu"),
            ("gpu", totals.gpu, MAX_UNIT_GPU, "GPUs"),
            ("memory", totals.memory, MAX_UNIT_MEMORY, "bytes"),
            ("storage", totals.storage, MAX_UNIT_STORAGE, "bytes"),
        ] {
            ensure(
                total <= max as u128 * factor,
                || format!("{field}.resources"),
                || {
                    format!(
                        "group total {name} {total} is above {factor} x the unit limit ({} {unit})",
                        max as u128 * factor
                    )
                },
            )?;
        }
        Ok(())
    }

    /// The denom every unit is priced in.
    pub fn price_denom(&self) -> &str {
        self.resources
            .first()
            .map(|u| u.price.denom.as_str())
            .unwrap_or_default()
    }

    /// The most the group may cost per block: sum of unit price x count.
    pub fn max_price(&self) -> Decimal256 {
        self.resources
            .iter()
            .map(|u| u.price.amount * Decimal256::from_ratio(u.count, 1u32))
            .fold(Decimal256::zero(), |a, b| a + b)
    }

    pub fn totals(&self) -> GroupTotals {
        self.resources.iter().fold(GroupTotals::default(), |t, u| {
            let n = u.count as u128;
            GroupTotals {
                cpu: t.cpu + n * u.resource.cpu.units.get() as u128,
                gpu: t.gpu + n * u.resource.gpu.units.get() as u128,
                memory: t.memory + n * u.resource.memory.size.get() as u128,
                storage: t.storage + n * u.resource.storage_bytes() as u128,
            }
        })
    }

    /// GPUs a lease of this group would hold.
    pub fn gpu_count(&self) -> u64 {
        self.totals().gpu as u64
    }
}

/// A bid's price for one instance of a resource unit, per block, broken down per resource.
#[cw_serde]
#[derive(Default)]
pub struct ResourcePrices {
    pub cpu: Decimal256,
    pub memory: Decimal256,
    pub storage: Decimal256,
    pub gpu: Decimal256,
    pub endpoints: Decimal256,
}

impl ResourcePrices {
    pub fn total(&self) -> Decimal256 {
        self.cpu + self.memory + self.storage + self.gpu + self.endpoints
    }

    /// The total, or an error where it overflows.
    pub fn checked_total(&self) -> Result<Decimal256, OverflowError> {
        [
            self.cpu,
            self.memory,
            self.storage,
            self.gpu,
            self.endpoints,
        ]
        .into_iter()
        .try_fold(Decimal256::zero(), |sum, p| sum.checked_add(p))
    }
}

/// What a provider offers for one resource unit of the order.
#[cw_serde]
pub struct OfferedUnit {
    pub resource_id: u32,
    /// The concrete GPU offered, required when the unit asks for GPUs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu: Option<GpuSpec>,
    pub prices: ResourcePrices,
}

/// A bid's offer: one entry per resource unit of the order's group.
#[cw_serde]
pub struct Offer {
    pub units: Vec<OfferedUnit>,
}

impl Offer {
    /// Checks an offer against the group it bids on: one entry per unit, concrete GPUs that meet
    /// the unit's GPU requirements, and prices that add up exactly to `price`.
    pub fn check_against(&self, spec: &GroupSpec, price: &DecCoin) -> Result<(), ValidationError> {
        ensure(
            price.denom == spec.price_denom(),
            || "price.denom".into(),
            || {
                format!(
                    "{} differs from the order's denom {}",
                    price.denom,
                    spec.price_denom()
                )
            },
        )?;
        ensure(
            self.units.len() == spec.resources.len(),
            || "offer.units".into(),
            || {
                format!(
                    "{} units offered, the order has {}",
                    self.units.len(),
                    spec.resources.len()
                )
            },
        )?;
        let mut total = Decimal256::zero();
        for (i, offered) in self.units.iter().enumerate() {
            let field = format!("offer.units[{i}]");
            ensure(
                !self.units[..i]
                    .iter()
                    .any(|u| u.resource_id == offered.resource_id),
                || format!("{field}.resource_id"),
                || format!("{} is offered twice", offered.resource_id),
            )?;
            let unit = spec
                .resources
                .iter()
                .find(|u| u.resource.id == offered.resource_id)
                .ok_or_else(|| {
                    ValidationError::new(
                        format!("{field}.resource_id"),
                        format!("the order has no resource unit {}", offered.resource_id),
                    )
                })?;
            match (&offered.gpu, unit.resource.gpu.units.get()) {
                (None, 0) => ensure(
                    offered.prices.gpu.is_zero(),
                    || format!("{field}.prices.gpu"),
                    || "the unit has no GPU, so its GPU price must be 0".into(),
                )?,
                (Some(_), 0) => {
                    return Err(ValidationError::new(
                        format!("{field}.gpu"),
                        "the unit asks for no GPU",
                    ))
                }
                (None, _) => {
                    return Err(ValidationError::new(
                        format!("{field}.gpu"),
                        "the unit asks for GPUs: name the concrete GPU offered",
                    ))
                }
                (Some(gpu), _) => {
                    gpu.validate(false)
                        .map_err(|r| ValidationError::new(format!("{field}.gpu"), r))?;
                    let wanted = requirements_from_attributes(&unit.resource.gpu.attributes)
                        .map_err(|r| ValidationError::new(format!("{field}.gpu"), r))?;
                    ensure(
                        offer_meets_requirements(gpu, &wanted),
                        || format!("{field}.gpu"),
                        || format!("{gpu} does not meet the unit's GPU requirements"),
                    )?;
                }
            }
            // The prices are the bidder's input: add them up without panicking on overflow.
            total = offered
                .prices
                .checked_total()
                .and_then(|t| t.checked_mul(Decimal256::from_ratio(unit.count, 1u32)))
                .and_then(|t| t.checked_add(total))
                .map_err(|_| {
                    ValidationError::new(format!("{field}.prices"), "the prices overflow")
                })?;
        }
        ensure(
            total == price.amount,
            || "offer.units[].prices".into(),
            || {
                format!(
                    "per-resource prices add up to {total}, but the bid price is {}",
                    price.amount
                )
            },
        )
    }

    /// The per-GPU, per-block price of each unit that offers GPUs: (gpu, price per GPU).
    pub fn gpu_unit_prices<'a>(&'a self, spec: &GroupSpec) -> Vec<(&'a GpuSpec, Decimal256)> {
        self.units
            .iter()
            .filter_map(|o| {
                let gpu = o.gpu.as_ref()?;
                let unit = spec
                    .resources
                    .iter()
                    .find(|u| u.resource.id == o.resource_id)?;
                let per_instance = unit.resource.gpu.units.get();
                (per_instance > 0).then(|| {
                    (
                        gpu,
                        o.prices.gpu / Decimal256::from_ratio(per_instance, 1u64),
                    )
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
