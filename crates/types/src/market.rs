//! The market contract's API: deployments, groups, orders, bids, leases and escrow.

use cosmwasm_schema::{cw_serde, QueryResponses};
use cosmwasm_std::{Addr, Coin, Decimal, Decimal256, HexBinary, Uint256};

use crate::coins::{validate_coin_list, validate_denom, DecCoin, FundsDestination};
use crate::error::{ensure, ValidationError};
use crate::gpu::GpuSpec;
use crate::ids::{BidId, DeploymentId, GroupId, LeaseId, OrderId};
use crate::resources::{GroupSpec, Offer};

/// Highest `order_max_bids` governance may set.
pub const MAX_ORDER_MAX_BIDS: u32 = 100;
/// Highest `max_groups` governance may set.
pub const MAX_MAX_GROUPS: u32 = 100;
/// Most distinct depositors one escrow account tracks (refunds go back to each).
pub const MAX_DEPOSITORS: usize = 16;
/// Most pricing tiers.
pub const MAX_PRICING_TIERS: usize = 64;
/// Most GPU models in one tier.
pub const MAX_TIER_MODELS: usize = 64;

#[cw_serde]
pub struct TakeRate {
    pub denom: String,
    /// Fraction of a provider's payout taken on withdraw, in [0, 1).
    pub rate: Decimal,
}

/// Governed bounds on the per-GPU, per-block price of the GPU models it lists.
#[cw_serde]
pub struct GpuPricingTier {
    pub name: String,
    /// SDL model keys, e.g. "h100", "a100".
    pub models: Vec<String>,
    pub denom: String,
    pub min_price: Decimal256,
    pub max_price: Decimal256,
}

#[cw_serde]
pub struct MarketParams {
    /// Denoms a deployment may be priced and funded in.
    pub allowed_denoms: Vec<String>,
    /// Least initial deposit per denom; a denom missing here needs no minimum.
    pub deployment_min_deposits: Vec<Coin>,
    /// The bid deposit: one of these coins, at least this amount.
    pub bid_min_deposits: Vec<Coin>,
    /// Most *open* bids an order accepts.
    pub order_max_bids: u32,
    /// Most groups in one deployment.
    pub max_groups: u32,
    /// Take rate per denom; a denom missing here has no take.
    pub take_rates: Vec<TakeRate>,
    pub take_destination: FundsDestination,
    pub gpu_pricing_tiers: Vec<GpuPricingTier>,
}

/// A partial update: fields left out keep their value.
#[cw_serde]
#[derive(Default)]
pub struct MarketParamsUpdate {
    pub allowed_denoms: Option<Vec<String>>,
    pub deployment_min_deposits: Option<Vec<Coin>>,
    pub bid_min_deposits: Option<Vec<Coin>>,
    pub order_max_bids: Option<u32>,
    pub max_groups: Option<u32>,
    pub take_rates: Option<Vec<TakeRate>>,
    pub take_destination: Option<FundsDestination>,
    pub gpu_pricing_tiers: Option<Vec<GpuPricingTier>>,
}

impl MarketParams {
    pub fn validate(&self) -> Result<(), ValidationError> {
        ensure(
            !self.allowed_denoms.is_empty(),
            || "allowed_denoms".into(),
            || "at least one denom is needed".into(),
        )?;
        for (i, denom) in self.allowed_denoms.iter().enumerate() {
            validate_denom(&format!("allowed_denoms[{i}]"), denom)?;
            ensure(
                !self.allowed_denoms[..i].contains(denom),
                || format!("allowed_denoms[{i}]"),
                || format!("{denom} is listed twice"),
            )?;
        }
        validate_coin_list("deployment_min_deposits", &self.deployment_min_deposits)?;
        for (i, coin) in self.deployment_min_deposits.iter().enumerate() {
            ensure(
                self.allowed_denoms.contains(&coin.denom),
                || format!("deployment_min_deposits[{i}].denom"),
                || format!("{} is not an allowed denom", coin.denom),
            )?;
        }
        ensure(
            !self.bid_min_deposits.is_empty(),
            || "bid_min_deposits".into(),
            || "at least one deposit denom is needed".into(),
        )?;
        validate_coin_list("bid_min_deposits", &self.bid_min_deposits)?;
        ensure(
            (1..=MAX_ORDER_MAX_BIDS).contains(&self.order_max_bids),
            || "order_max_bids".into(),
            || {
                format!(
                    "{} is out of range 1-{MAX_ORDER_MAX_BIDS}",
                    self.order_max_bids
                )
            },
        )?;
        ensure(
            (1..=MAX_MAX_GROUPS).contains(&self.max_groups),
            || "max_groups".into(),
            || format!("{} is out of range 1-{MAX_MAX_GROUPS}", self.max_groups),
        )?;
        for (i, take) in self.take_rates.iter().enumerate() {
            validate_denom(&format!("take_rates[{i}].denom"), &take.denom)?;
            ensure(
                !self.take_rates[..i].iter().any(|t| t.denom == take.denom),
                || format!("take_rates[{i}].denom"),
                || format!("{} is listed twice", take.denom),
            )?;
            ensure(
                take.rate < Decimal::one(),
                || format!("take_rates[{i}].rate"),
                || format!("{} must be below 1", take.rate),
            )?;
        }
        validate_tiers(&self.gpu_pricing_tiers)
    }

    /// Applies a partial update and validates the result.
    pub fn updated(&self, update: &MarketParamsUpdate) -> Result<Self, ValidationError> {
        let mut next = self.clone();
        let MarketParamsUpdate {
            allowed_denoms,
            deployment_min_deposits,
            bid_min_deposits,
            order_max_bids,
            max_groups,
            take_rates,
            take_destination,
            gpu_pricing_tiers,
        } = update.clone();
        if let Some(v) = allowed_denoms {
            next.allowed_denoms = v;
        }
        if let Some(v) = deployment_min_deposits {
            next.deployment_min_deposits = v;
        }
        if let Some(v) = bid_min_deposits {
            next.bid_min_deposits = v;
        }
        if let Some(v) = order_max_bids {
            next.order_max_bids = v;
        }
        if let Some(v) = max_groups {
            next.max_groups = v;
        }
        if let Some(v) = take_rates {
            next.take_rates = v;
        }
        if let Some(v) = take_destination {
            next.take_destination = v;
        }
        if let Some(v) = gpu_pricing_tiers {
            next.gpu_pricing_tiers = v;
        }
        next.validate()?;
        Ok(next)
    }

    pub fn take_rate(&self, denom: &str) -> Decimal {
        self.take_rates
            .iter()
            .find(|t| t.denom == denom)
            .map(|t| t.rate)
            .unwrap_or_default()
    }

    pub fn min_deposit(&self, denom: &str) -> Uint256 {
        self.deployment_min_deposits
            .iter()
            .find(|c| c.denom == denom)
            .map(|c| c.amount)
            .unwrap_or_default()
    }

    /// The tier bounding a GPU model's price in a denom, if any.
    pub fn pricing_tier(&self, model: &str, denom: &str) -> Option<&GpuPricingTier> {
        self.gpu_pricing_tiers
            .iter()
            .find(|t| t.denom == denom && t.models.iter().any(|m| m == model))
    }
}

/// Validates pricing tiers: named uniquely, valid models, min <= max, and no model in two tiers
/// of the same denom.
pub fn validate_tiers(tiers: &[GpuPricingTier]) -> Result<(), ValidationError> {
    ensure(
        tiers.len() <= MAX_PRICING_TIERS,
        || "gpu_pricing_tiers".into(),
        || format!("{} tiers, at most {MAX_PRICING_TIERS} allowed", tiers.len()),
    )?;
    for (i, tier) in tiers.iter().enumerate() {
        let field = format!("gpu_pricing_tiers[{i}]");
        ensure(
            !tier.name.is_empty()
                && tier.name.len() <= 64
                && !tier.name.chars().any(char::is_control),
            || format!("{field}.name"),
            || "must be 1-64 printable characters".into(),
        )?;
        ensure(
            !tiers[..i].iter().any(|t| t.name == tier.name),
            || format!("{field}.name"),
            || format!("{:?} is used by another tier", tier.name),
        )?;
        validate_denom(&format!("{field}.denom"), &tier.denom)?;
        ensure(
            !tier.models.is_empty() && tier.models.len() <= MAX_TIER_MODELS,
            || format!("{field}.models"),
            || format!("1-{MAX_TIER_MODELS} models needed"),
        )?;
        for (j, model) in tier.models.iter().enumerate() {
            GpuSpec::new("any", model)
                .validate(false)
                .map_err(|r| ValidationError::new(format!("{field}.models[{j}]"), r))?;
            let elsewhere = tier.models[..j].contains(model)
                || tiers[..i]
                    .iter()
                    .any(|t| t.denom == tier.denom && t.models.contains(model));
            ensure(
                !elsewhere,
                || format!("{field}.models[{j}]"),
                || format!("{model} already has a {} tier", tier.denom),
            )?;
        }
        ensure(
            tier.min_price <= tier.max_price && !tier.max_price.is_zero(),
            || format!("{field}.max_price"),
            || {
                format!(
                    "must be positive and at least min_price ({} > {})",
                    tier.min_price, tier.max_price
                )
            },
        )?;
    }
    Ok(())
}

#[cw_serde]
pub struct InstantiateMsg {
    pub governance: String,
    pub registry: String,
    pub params: MarketParams,
}

#[cw_serde]
pub enum ExecuteMsg {
    /// Funded with the deposit (one coin of an allowed denom).
    CreateDeployment {
        dseq: u64,
        groups: Vec<GroupSpec>,
        manifest_hash: HexBinary,
    },
    UpdateDeployment {
        id: DeploymentId,
        manifest_hash: HexBinary,
    },
    /// Anyone may top up; funded with the deployment's denom.
    DepositDeployment {
        id: DeploymentId,
    },
    CloseDeployment {
        id: DeploymentId,
    },
    PauseGroup {
        id: GroupId,
    },
    /// Re-opens a paused or insufficient-funds group with a new order (oseq + 1).
    StartGroup {
        id: GroupId,
    },
    CloseGroup {
        id: GroupId,
    },
    /// Funded with the bid deposit.
    CreateBid {
        order: OrderId,
        price: DecCoin,
        offer: Offer,
    },
    /// By the provider. An active bid closes its lease and pauses the group; the reason may be
    /// provider (default), unstable or manifest_timeout.
    CloseBid {
        id: BidId,
        reason: Option<LeaseCloseReason>,
    },
    /// By the owner: accept a bid.
    CreateLease {
        bid: BidId,
    },
    /// By the owner.
    CloseLease {
        id: LeaseId,
    },
    /// By the provider: pays out what the lease has earned, less the take.
    WithdrawLease {
        id: LeaseId,
    },
    /// Anyone: settle a deployment's escrow up to now.
    Settle {
        id: DeploymentId,
    },
    /// Governance only.
    UpdateParams(MarketParamsUpdate),
    /// Governance only.
    UpdateConfig {
        governance: Option<String>,
        registry: Option<String>,
    },
}

#[cw_serde]
#[derive(QueryResponses)]
pub enum QueryMsg {
    #[returns(ConfigResponse)]
    Config {},
    #[returns(MarketParams)]
    Params {},
    /// One deployment with its groups and escrow.
    #[returns(DeploymentResponse)]
    Deployment { id: DeploymentId },
    #[returns(DeploymentsResponse)]
    Deployments {
        owner: String,
        start_after: Option<u64>,
        limit: Option<u32>,
    },
    #[returns(OrderResponse)]
    Order { id: OrderId },
    /// Orders, optionally in one state; providers catch up on the open ones.
    #[returns(OrdersResponse)]
    Orders {
        state: Option<OrderState>,
        start_after: Option<OrderId>,
        limit: Option<u32>,
    },
    /// Several orders at once, each with `provider`'s bid on it if any: what a provider reads
    /// when a block brings many orders, in one round trip. Ids not found are left out; at
    /// most `pagination::MAX_LIMIT` ids.
    #[returns(OrdersForProviderResponse)]
    OrdersForProvider { provider: String, ids: Vec<OrderId> },
    #[returns(Bid)]
    Bid { id: BidId },
    #[returns(BidsResponse)]
    BidsByOrder {
        order: OrderId,
        start_after: Option<String>,
        limit: Option<u32>,
    },
    #[returns(BidsResponse)]
    BidsByProvider {
        provider: String,
        start_after: Option<BidId>,
        limit: Option<u32>,
    },
    #[returns(Lease)]
    Lease { id: LeaseId },
    #[returns(LeasesResponse)]
    LeasesByOwner {
        owner: String,
        start_after: Option<LeaseId>,
        limit: Option<u32>,
    },
    #[returns(LeasesResponse)]
    LeasesByProvider {
        provider: String,
        start_after: Option<LeaseId>,
        limit: Option<u32>,
    },
    /// The escrow account and its payments as if settled now, with blocks remaining.
    #[returns(EscrowResponse)]
    Escrow { id: DeploymentId },
    /// Active leases and leased GPUs of a provider (the registry asks this).
    #[returns(ProviderStats)]
    ProviderStats { provider: String },
}

#[cw_serde]
pub struct MigrateMsg {}

#[cw_serde]
pub struct ConfigResponse {
    pub governance: Addr,
    pub registry: Addr,
}

#[cw_serde]
#[derive(Copy, Eq)]
pub enum DeploymentState {
    Active,
    Closed,
}

#[cw_serde]
#[derive(Copy, Eq)]
pub enum GroupState {
    Open,
    Paused,
    InsufficientFunds,
    Closed,
}

#[cw_serde]
#[derive(Copy, Eq)]
pub enum OrderState {
    Open,
    Active,
    Closed,
}

#[cw_serde]
#[derive(Copy, Eq)]
pub enum BidState {
    Open,
    Active,
    Lost,
    Closed,
}

#[cw_serde]
#[derive(Copy, Eq)]
pub enum LeaseState {
    Active,
    InsufficientFunds,
    Closed,
}

#[cw_serde]
#[derive(Copy, Eq)]
pub enum LeaseCloseReason {
    Owner,
    Provider,
    Unstable,
    ManifestTimeout,
    InsufficientFunds,
    Governance,
}

#[cw_serde]
pub struct Deployment {
    pub id: DeploymentId,
    pub state: DeploymentState,
    /// sha256 of the manifest's canonical JSON.
    pub manifest_hash: HexBinary,
    pub created_at: u64,
    pub group_count: u32,
}

#[cw_serde]
pub struct Group {
    pub id: GroupId,
    pub state: GroupState,
    pub spec: GroupSpec,
    /// The latest order's oseq.
    pub oseq: u32,
    pub created_at: u64,
}

#[cw_serde]
pub struct Order {
    pub id: OrderId,
    pub state: OrderState,
    pub created_at: u64,
    /// Bids currently open (lost and closed ones don't count).
    pub open_bids: u32,
}

#[cw_serde]
pub struct Bid {
    pub id: BidId,
    pub state: BidState,
    pub price: DecCoin,
    pub offer: Offer,
    pub deposit: Coin,
    pub created_at: u64,
}

#[cw_serde]
pub struct Lease {
    pub id: LeaseId,
    pub state: LeaseState,
    pub price: DecCoin,
    /// GPUs the lease holds.
    pub gpus: u64,
    pub created_at: u64,
    pub closed_at: Option<u64>,
    pub close_reason: Option<LeaseCloseReason>,
}

/// Who put money into an escrow account, and how much of it is left.
#[cw_serde]
pub struct Depositor {
    pub address: Addr,
    pub remaining: Uint256,
}

/// A deployment's escrow: deposits, drawn by its leases' payment streams.
#[cw_serde]
pub struct EscrowAccount {
    pub id: DeploymentId,
    pub denom: String,
    /// Unspent deposits.
    pub balance: Uint256,
    /// Per depositor, in deposit order; spending draws from the earliest first.
    pub depositors: Vec<Depositor>,
    /// Total paid to leases so far.
    pub transferred: Uint256,
    /// Height the payments were last settled at.
    pub settled_at: u64,
}

/// One lease's payment stream out of its deployment's escrow.
#[cw_serde]
pub struct Payment {
    pub lease: LeaseId,
    /// Price per block.
    pub rate: Decimal256,
    /// The fraction of a unit owed but not yet transferred, carried to the next settlement.
    pub carry: Decimal256,
    /// Earned and not yet withdrawn.
    pub unwithdrawn: Uint256,
    pub withdrawn: Uint256,
    pub active: bool,
}

#[cw_serde]
pub struct DeploymentInfo {
    pub deployment: Deployment,
    pub groups: Vec<Group>,
}

#[cw_serde]
pub struct DeploymentResponse {
    pub deployment: Deployment,
    pub groups: Vec<Group>,
    pub escrow: EscrowAccount,
}

#[cw_serde]
pub struct DeploymentsResponse {
    pub deployments: Vec<DeploymentInfo>,
}

/// An order with its group's spec: what a provider needs to bid.
#[cw_serde]
pub struct OrderResponse {
    pub order: Order,
    pub spec: GroupSpec,
}

#[cw_serde]
pub struct OrdersResponse {
    pub orders: Vec<OrderResponse>,
}

/// An order, its group's spec, and one provider's bid on it.
#[cw_serde]
pub struct OrderForProvider {
    pub order: Order,
    pub spec: GroupSpec,
    pub bid: Option<Bid>,
}

#[cw_serde]
pub struct OrdersForProviderResponse {
    pub orders: Vec<OrderForProvider>,
}

#[cw_serde]
pub struct BidsResponse {
    pub bids: Vec<Bid>,
}

#[cw_serde]
pub struct LeasesResponse {
    pub leases: Vec<Lease>,
}

#[cw_serde]
pub struct EscrowResponse {
    pub account: EscrowAccount,
    pub payments: Vec<Payment>,
    /// Whole blocks the balance still pays at the active leases' total rate; none when no lease
    /// is active.
    pub blocks_remaining: Option<u64>,
}

#[cw_serde]
#[derive(Default)]
pub struct ProviderStats {
    pub active_leases: u64,
    pub leased_gpus: u64,
}
