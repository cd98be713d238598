//! Storage layout. Ids are flattened into cw-storage-plus tuple keys so that the prefixes the
//! queries need exist: by owner, by deployment, by order, by provider and by state.

use cosmwasm_schema::cw_serde;
use cosmwasm_std::Addr;
use cw_storage_plus::{Item, Map};
use kumo_types::ids::{BidId, DeploymentId, GroupId, LeaseId, OrderId};
use kumo_types::market::{
    Bid, Deployment, EscrowAccount, Group, Lease, MarketParams, Order, OrderState, Payment,
    ProviderStats,
};

#[cw_serde]
pub struct Config {
    pub governance: Addr,
    pub registry: Addr,
}

/// (dseq, gseq, oseq).
pub type Seqs = (u64, u32, u32);
pub type DeploymentKey = (Addr, u64);
pub type GroupKey = (Addr, u64, u32);
/// (owner, seqs): prefix by owner.
pub type OrderKey = (Addr, Seqs);
/// (owner, seqs, provider): prefix by order, sub-prefix by owner.
pub type BidKey = (Addr, Seqs, Addr);
/// (provider, owner, seqs): sub-prefix by provider.
pub type ProviderBidKey = (Addr, Addr, Seqs);

pub const CONFIG: Item<Config> = Item::new("config");
pub const PARAMS: Item<MarketParams> = Item::new("params");

pub const DEPLOYMENTS: Map<DeploymentKey, Deployment> = Map::new("deployments");
pub const GROUPS: Map<GroupKey, Group> = Map::new("groups");
pub const ORDERS: Map<OrderKey, Order> = Map::new("orders");
/// (state, owner, seqs): orders by state, for providers catching up.
pub const ORDERS_BY_STATE: Map<(u8, Addr, Seqs), ()> = Map::new("orders_by_state");
pub const BIDS: Map<BidKey, Bid> = Map::new("bids");
/// Only the open bids of each order, so that leasing touches at most `order_max_bids` bids.
pub const OPEN_BIDS: Map<BidKey, ()> = Map::new("open_bids");
pub const BIDS_BY_PROVIDER: Map<ProviderBidKey, ()> = Map::new("bids_by_provider");
pub const LEASES: Map<BidKey, Lease> = Map::new("leases");
pub const LEASES_BY_PROVIDER: Map<ProviderBidKey, ()> = Map::new("leases_by_provider");
pub const PAYMENTS: Map<BidKey, Payment> = Map::new("payments");
pub const ESCROW: Map<DeploymentKey, EscrowAccount> = Map::new("escrow");
/// The active leases of each deployment: at most one per group, so bounded by max_groups.
pub const ACTIVE_LEASES: Map<DeploymentKey, Vec<LeaseId>> = Map::new("active_leases");
pub const PROVIDER_STATS: Map<&Addr, ProviderStats> = Map::new("provider_stats");

pub fn deployment_key(id: &DeploymentId) -> DeploymentKey {
    (id.owner.clone(), id.dseq)
}

pub fn group_key(id: &GroupId) -> GroupKey {
    (id.owner.clone(), id.dseq, id.gseq)
}

pub fn order_key(id: &OrderId) -> OrderKey {
    (id.owner.clone(), (id.dseq, id.gseq, id.oseq))
}

pub fn bid_key(id: &BidId) -> BidKey {
    (
        id.owner.clone(),
        (id.dseq, id.gseq, id.oseq),
        id.provider.clone(),
    )
}

pub fn provider_bid_key(id: &BidId) -> ProviderBidKey {
    (
        id.provider.clone(),
        id.owner.clone(),
        (id.dseq, id.gseq, id.oseq),
    )
}

pub fn order_id((owner, (dseq, gseq, oseq)): OrderKey) -> OrderId {
    OrderId {
        owner,
        dseq,
        gseq,
        oseq,
    }
}

pub fn order_state_index(state: OrderState) -> u8 {
    match state {
        OrderState::Open => 0,
        OrderState::Active => 1,
        OrderState::Closed => 2,
    }
}
