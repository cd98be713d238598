//! What to bid: per-resource scale prices, plus a per-GPU price looked up by the *concrete* GPU
//! offered (never by the order's wildcard), bounded by the governed pricing tier of that model,
//! and never above the order's maximum. An optional external script may set the total instead
//! (the order as JSON on stdin, a price on stdout), with a timeout and bounded concurrency; its
//! price is spread over the same breakdown and bounded the same way.
//!
//! The bid price is computed from the offer exactly as the market adds it up (each unit's
//! prices × count), so the two always agree.

use std::path::PathBuf;
use std::process::Stdio;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use cosmwasm_std::Decimal256;
use kumo_types::coins::DecCoin;
use kumo_types::gpu::GpuSpec;
use kumo_types::ids::OrderId;
use kumo_types::market::MarketParams;
use kumo_types::resources::{GroupSpec, Offer, OfferedUnit, ResourcePrices, Resources};
use serde::Serialize;
use tokio::io::AsyncWriteExt;
use tokio::sync::Semaphore;

use crate::config::{PriceScript, PricingConfig};

const GIB: u64 = 1 << 30;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    #[error("the order is priced in {order}, this provider prices in {ours}")]
    WrongDenom { order: String, ours: String },
    #[error("no price for GPU model {0} (and no `*` price in pricing.gpu)")]
    NoGpuPrice(String),
    #[error("our price {price} is above the order's maximum {max}")]
    AboveMax { price: String, max: String },
    #[error("the price is zero")]
    Zero,
    #[error("the price overflows")]
    Overflow,
    #[error("price script {path}: {reason}")]
    Script { path: String, reason: String },
}

/// A priced offer, ready for `CreateBid`.
#[derive(Debug, Clone, PartialEq)]
pub struct Quote {
    pub price: DecCoin,
    pub offer: Offer,
}

/// The per-GPU, per-block price of `gpu`: the table's price for its model (else `*`), moved
/// into the governed tier for that model and denom when there is one.
pub fn gpu_price(
    pricing: &PricingConfig,
    gpu: &GpuSpec,
    params: &MarketParams,
) -> Result<Decimal256, PricingError> {
    let price = pricing
        .gpu
        .price_for(gpu)
        .ok_or_else(|| PricingError::NoGpuPrice(gpu.model.clone()))?;
    Ok(clamp_to_tier(price, gpu, &pricing.denom, params))
}

fn clamp_to_tier(
    price: Decimal256,
    gpu: &GpuSpec,
    denom: &str,
    params: &MarketParams,
) -> Decimal256 {
    match params.pricing_tier(&gpu.model, denom) {
        Some(tier) => price.max(tier.min_price).min(tier.max_price),
        None => price,
    }
}

fn per_gib(bytes: u64, price: Decimal256) -> Result<Decimal256, PricingError> {
    Decimal256::from_ratio(bytes, GIB)
        .checked_mul(price)
        .map_err(|_| PricingError::Overflow)
}

fn times(n: u64, price: Decimal256) -> Result<Decimal256, PricingError> {
    price
        .checked_mul(Decimal256::from_ratio(n, 1u64))
        .map_err(|_| PricingError::Overflow)
}

/// One instance of a resource unit at the scale prices.
fn unit_prices(
    pricing: &PricingConfig,
    resources: &Resources,
    gpu_price: Option<Decimal256>,
) -> Result<ResourcePrices, PricingError> {
    Ok(ResourcePrices {
        cpu: times(resources.cpu.units.get(), pricing.cpu_per_millicpu)?,
        memory: per_gib(resources.memory.size.get(), pricing.memory_per_gib)?,
        storage: per_gib(resources.storage_bytes(), pricing.storage_per_gib)?,
        gpu: match gpu_price {
            Some(p) => times(resources.gpu.units.get(), p)?,
            None => Decimal256::zero(),
        },
        endpoints: times(resources.endpoints.len() as u64, pricing.endpoint)?,
    })
}

/// The total the market computes for an offer: each unit's prices × its count.
pub fn offer_total(spec: &GroupSpec, units: &[OfferedUnit]) -> Result<Decimal256, PricingError> {
    let mut total = Decimal256::zero();
    for (offered, unit) in units.iter().zip(&spec.resources) {
        let instance = offered
            .prices
            .checked_total()
            .map_err(|_| PricingError::Overflow)?;
        total = total
            .checked_add(times(u64::from(unit.count), instance)?)
            .map_err(|_| PricingError::Overflow)?;
    }
    Ok(total)
}

/// Prices an order for the given concrete GPUs (`offered[i]` for `spec.resources[i]`, `None`
/// for units without GPUs).
pub fn price_order(
    pricing: &PricingConfig,
    spec: &GroupSpec,
    offered: &[Option<GpuSpec>],
    params: &MarketParams,
) -> Result<Quote, PricingError> {
    if spec.price_denom() != pricing.denom {
        return Err(PricingError::WrongDenom {
            order: spec.price_denom().to_string(),
            ours: pricing.denom.clone(),
        });
    }
    let mut units = Vec::with_capacity(spec.resources.len());
    for (unit, gpu) in spec.resources.iter().zip(offered) {
        let per_gpu = match gpu {
            Some(gpu) => Some(gpu_price(pricing, gpu, params)?),
            None => None,
        };
        units.push(OfferedUnit {
            resource_id: unit.resource.id,
            gpu: gpu.clone(),
            prices: unit_prices(pricing, &unit.resource, per_gpu)?,
        });
    }
    finish(pricing, spec, units)
}

/// Spreads `target` (the whole order, per block) over the quote's breakdown in proportion, then
/// applies the same bounds as [`price_order`]. The result may be a hair below `target` (each
/// part is rounded down), never above it.
pub fn scale_to(
    pricing: &PricingConfig,
    spec: &GroupSpec,
    quote: &Quote,
    target: Decimal256,
    params: &MarketParams,
) -> Result<Quote, PricingError> {
    let current = quote.price.amount;
    let mut units = quote.offer.units.clone();
    if current.is_zero() {
        // Nothing to scale: charge it all as the first unit's CPU.
        if let (Some(first), Some(unit)) = (units.first_mut(), spec.resources.first()) {
            first.prices.cpu = target
                .checked_div(Decimal256::from_ratio(unit.count, 1u32))
                .map_err(|_| PricingError::Overflow)?;
        }
    } else {
        let factor = target
            .checked_div(current)
            .map_err(|_| PricingError::Overflow)?;
        let scale = |p: Decimal256| p.checked_mul(factor).map_err(|_| PricingError::Overflow);
        for u in &mut units {
            let p = &mut u.prices;
            p.cpu = scale(p.cpu)?;
            p.memory = scale(p.memory)?;
            p.storage = scale(p.storage)?;
            p.gpu = scale(p.gpu)?;
            p.endpoints = scale(p.endpoints)?;
        }
    }
    // The governed tier bounds the per-GPU price whatever the script said.
    for (u, unit) in units.iter_mut().zip(&spec.resources) {
        let (Some(gpu), n) = (&u.gpu, unit.resource.gpu.units.get()) else {
            continue;
        };
        if n == 0 {
            continue;
        }
        let per_gpu = u.prices.gpu / Decimal256::from_ratio(n, 1u64);
        let bounded = clamp_to_tier(per_gpu, gpu, &pricing.denom, params);
        if bounded != per_gpu {
            u.prices.gpu = times(n, bounded)?;
        }
    }
    finish(pricing, spec, units)
}

fn finish(
    pricing: &PricingConfig,
    spec: &GroupSpec,
    units: Vec<OfferedUnit>,
) -> Result<Quote, PricingError> {
    let total = offer_total(spec, &units)?;
    if total.is_zero() {
        return Err(PricingError::Zero);
    }
    let max = spec.max_price();
    if total > max {
        return Err(PricingError::AboveMax {
            price: DecCoin::new(total, &pricing.denom).to_string(),
            max: DecCoin::new(max, &pricing.denom).to_string(),
        });
    }
    Ok(Quote {
        price: DecCoin::new(total, &pricing.denom),
        offer: Offer { units },
    })
}

/// What a price script reads on stdin.
#[derive(Debug, Clone, Serialize)]
pub struct ScriptInput<'a> {
    pub order: &'a OrderId,
    pub spec: &'a GroupSpec,
    /// The concrete GPU offered per resource unit (null for units without GPUs).
    pub offered_gpus: &'a [Option<GpuSpec>],
    pub denom: &'a str,
    /// The price the scale prices give, for scripts that only adjust it.
    pub default_price: Decimal256,
    /// The most the order pays per block.
    pub max_price: Decimal256,
}

/// Runs the configured price script, at most `concurrency` at a time.
#[derive(Debug, Clone)]
pub struct ScriptPricer {
    path: PathBuf,
    timeout: Duration,
    slots: Arc<Semaphore>,
}

impl ScriptPricer {
    pub fn new(script: &PriceScript) -> Self {
        ScriptPricer {
            path: script.path.clone(),
            timeout: script.timeout,
            slots: Arc::new(Semaphore::new(script.concurrency.max(1) as usize)),
        }
    }

    /// The script's total price for the order, per block.
    pub async fn price(&self, input: &ScriptInput<'_>) -> Result<Decimal256, PricingError> {
        let fail = |reason: String| PricingError::Script {
            path: self.path.display().to_string(),
            reason,
        };
        let json = serde_json::to_vec(input).map_err(|e| fail(e.to_string()))?;
        // Waiting for a slot counts against the timeout too: a stuck script must not hold up
        // every later order forever.
        let run = async {
            let _slot = self
                .slots
                .acquire()
                .await
                .map_err(|_| fail("closed".into()))?;
            let mut child = tokio::process::Command::new(&self.path)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .kill_on_drop(true)
                .spawn()
                .map_err(|e| fail(format!("cannot start: {e}")))?;
            if let Some(mut stdin) = child.stdin.take() {
                // A script that does not read its input may close stdin early; that is fine.
                let _ = stdin.write_all(&json).await;
            }
            let out = child
                .wait_with_output()
                .await
                .map_err(|e| fail(e.to_string()))?;
            if !out.status.success() {
                return Err(fail(format!(
                    "exited with {}: {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr).trim()
                )));
            }
            parse_script_price(&String::from_utf8_lossy(&out.stdout)).map_err(fail)
        };
        match tokio::time::timeout(self.timeout, run).await {
            Ok(result) => result,
            Err(_) => Err(fail(format!("timed out after {:?}", self.timeout))),
        }
    }
}

/// The first non-empty line of the script's output, a non-negative decimal.
pub fn parse_script_price(stdout: &str) -> Result<Decimal256, String> {
    let line = stdout
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .ok_or("printed nothing (expected a price such as 12.5)")?;
    Decimal256::from_str(line).map_err(|e| format!("printed {line:?}, not a price: {e}"))
}

#[cfg(test)]
mod tests;
