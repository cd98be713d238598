//! From an order's spec and the concrete GPUs offered (per resource unit) to what the
//! allocation store must hold for the bid, and back from a bid on chain.

use kumo_types::gpu::GpuSpec;
use kumo_types::resources::{GroupSpec, Offer};

use crate::allocations::{Amounts, GpuAsk, Request};

/// What a bid with these GPUs needs held; `None` when the amounts overflow.
pub fn request_for(spec: &GroupSpec, offered: &[Option<GpuSpec>]) -> Option<Request> {
    let mut amounts = Amounts::default();
    let mut gpus = Vec::new();
    for (unit, gpu) in spec.resources.iter().zip(offered) {
        amounts = amounts.checked_add(Amounts::of_unit(&unit.resource, unit.count)?)?;
        if let Some(gpu) = gpu {
            let count = unit
                .resource
                .gpu
                .units
                .get()
                .checked_mul(u64::from(unit.count))?;
            gpus.push(GpuAsk {
                offered: gpu.clone(),
                count: u32::try_from(count).ok()?,
            });
        }
    }
    Some(Request { amounts, gpus })
}

/// The GPU an offer names for each of the spec's units, in the spec's order.
pub fn offered_gpus(spec: &GroupSpec, offer: &Offer) -> Vec<Option<GpuSpec>> {
    spec.resources
        .iter()
        .map(|unit| {
            offer
                .units
                .iter()
                .find(|o| o.resource_id == unit.resource.id)
                .and_then(|o| o.gpu.clone())
        })
        .collect()
}
