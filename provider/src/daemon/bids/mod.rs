//! The bid engine: for each new order, match it, reserve capacity, price it and bid, with
//! every bid of one block in one multi-message tx; then follow each bid to its end (won, lost,
//! or closed after `timeouts.bid` without a lease) and release what it held.
//!
//! A block's orders are read in one query per 100 (each with this provider's bid, if any),
//! and its bids are broadcast without waiting for inclusion, so the next block's orders are
//! handled while these bids are still in the mempool ([`confirm`] follows them).
//!
//! Idempotent: an order already bid on (in the store or on chain) is skipped, so replaying a
//! block after a crash or an RPC outage places no second bid.

mod confirm;
pub mod lifecycle;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use cosmwasm_std::{Addr, Coin};
use kumo_client::ClientError;
use kumo_types::events::KumoEvent;
use kumo_types::ids::{BidId, OrderId};
use kumo_types::market::{
    Bid, BidState, ExecuteMsg as MarketMsg, MarketParams, OrderForProvider, OrderState,
    OrdersForProviderResponse, ProviderStats, QueryMsg as MarketQuery,
};
use kumo_types::pagination::MAX_LIMIT;
use kumo_types::registry::{ProviderProfile, QueryMsg as RegistryQuery};
use kumo_types::resources::GroupSpec;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use super::chain::TxKind;
use super::failure::{split, Failure};
use super::guard::BidGuard;
use super::matching::match_order;
use super::offer::{offered_gpus, request_for};
use super::pricing::{self, Quote, ScriptInput, ScriptPricer};
use super::store::BidRecord;
use super::{now_unix, BidInput, DaemonError, Shared};
use crate::allocations::{AllocError, State};
use confirm::Confirmation;
use lifecycle::{decide, due, BidAction};

/// Queries of a block's orders in flight at once (100 orders each).
const ORDER_QUERIES_IN_FLIGHT: usize = 4;

pub(crate) async fn run(
    shared: Arc<Shared>,
    mut input: mpsc::Receiver<BidInput>,
    stop: CancellationToken,
) -> Result<(), DaemonError> {
    let (confirmations, mut confirmed) = mpsc::unbounded_channel();
    let mut engine = BidEngine::new(shared.clone(), confirmations);
    if let Some(e) = split(engine.recover_unconfirmed()).1 {
        return Err(e);
    }
    let mut sweep = tokio::time::interval(shared.options.sweep_interval);
    sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            msg = input.recv() => {
                let (result, done) = match msg {
                    // The watcher is gone: nothing more to handle.
                    None => return Ok(()),
                    Some(BidInput::Block(work)) => {
                        debug!(height = work.height, events = work.events.len(), "bid engine: block");
                        (engine.on_block(&work.events).await, work.done)
                    }
                    Some(BidInput::CatchUp { orders, done }) => {
                        let ids = orders.into_iter().map(|o| o.order.id).collect::<Vec<_>>();
                        engine.shared.metrics.orders_seen.inc_by(ids.len() as u64);
                        (engine.bid_on_with_retries(ids).await, done)
                    }
                };
                let (ack, fatal) = split(result);
                let _ = done.send(ack);
                if let Some(e) = fatal {
                    return Err(e);
                }
            }
            Some(confirmation) = confirmed.recv() => {
                if let Some(e) = split(engine.confirmed(confirmation).await).1 {
                    return Err(e);
                }
            }
            _ = sweep.tick(), if !stop.is_cancelled() => {
                let (_, fatal) = split(engine.sweep().await.inspect_err(|f| {
                    if let Failure::Retry(reason) = f {
                        warn!(%reason, "bid sweep not finished; trying again next time");
                    }
                }));
                if let Some(e) = fatal {
                    return Err(e);
                }
            }
        }
    }
}

struct BidEngine {
    shared: Arc<Shared>,
    me: Addr,
    guard: BidGuard,
    script: Option<ScriptPricer>,
    /// Where the tasks following broadcast bid txs report their fate.
    confirmations: mpsc::UnboundedSender<Confirmation>,
    /// Orders to look at again: their bid tx failed, or its fate was unknown at start.
    retry: BTreeSet<OrderId>,
    /// How often an order's bid tx failed, and when last (unix seconds).
    failures: BTreeMap<OrderId, (u32, u64)>,
}

/// Chain state read once per block, on first need.
#[derive(Default)]
struct BlockContext {
    params: Option<MarketParams>,
    stats: Option<ProviderStats>,
    /// By the auditors asked about.
    profiles: BTreeMap<Vec<String>, ProviderProfile>,
}

/// A bid ready to send.
struct Pending {
    id: BidId,
    quote: Quote,
    /// The concrete GPU offered, as a requirement key; empty for CPU-only bids.
    gpu: String,
    msg: cosmrs::Any,
}

/// The first GPU an offer names, as a requirement key; empty when none.
fn offered_gpu(offer: &kumo_types::resources::Offer) -> String {
    offer
        .units
        .iter()
        .find_map(|u| u.gpu.as_ref())
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// The bid on chain, `None` when there is none.
async fn chain_bid(shared: &Shared, id: &BidId) -> Result<Option<Bid>, ClientError> {
    match shared
        .chain
        .market::<Bid>(&MarketQuery::Bid { id: id.clone() })
        .await
    {
        Ok(bid) => Ok(Some(bid)),
        Err(ClientError::Contract { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

impl BidEngine {
    fn new(shared: Arc<Shared>, confirmations: mpsc::UnboundedSender<Confirmation>) -> Self {
        let limits = shared.config.limits;
        BidEngine {
            me: shared.chain.address().clone(),
            guard: BidGuard::new(limits.tenant_bids_per_hour, limits.max_open_bids),
            script: shared.config.pricing.script.as_ref().map(ScriptPricer::new),
            shared,
            confirmations,
            retry: BTreeSet::new(),
            failures: BTreeMap::new(),
        }
    }

    async fn on_block(&mut self, events: &[KumoEvent]) -> Result<(), Failure> {
        let mut orders: Vec<OrderId> = Vec::new();
        for event in events {
            match event {
                KumoEvent::OrderCreated { id } if !orders.contains(id) => orders.push(id.clone()),
                KumoEvent::BidClosed { id, state } if id.provider == self.me => {
                    self.bid_closed(id, *state)?
                }
                KumoEvent::LeaseCreated { id, .. } if id.provider == self.me => self.bid_won(id)?,
                KumoEvent::OrderClosed { id } => self.order_closed(id)?,
                _ => {}
            }
        }
        self.shared.metrics.orders_seen.inc_by(orders.len() as u64);
        self.bid_on_with_retries(orders).await
    }

    /// The orders, each with this provider's bid on it if any: one query per 100, a few in
    /// flight. Orders already gone (their deployment closed) are left out.
    async fn fetch(&self, ids: Vec<OrderId>) -> Result<Vec<OrderForProvider>, ClientError> {
        let pages: Vec<&[OrderId]> = ids.chunks(MAX_LIMIT as usize).collect();
        let mut orders = Vec::with_capacity(ids.len());
        for group in pages.chunks(ORDER_QUERIES_IN_FLIGHT) {
            let answers =
                futures::future::try_join_all(group.iter().map(|page| self.fetch_page(page)))
                    .await?;
            orders.extend(answers.into_iter().flat_map(|a| a.orders));
        }
        Ok(orders)
    }

    async fn fetch_page(&self, ids: &[OrderId]) -> Result<OrdersForProviderResponse, ClientError> {
        let query = MarketQuery::OrdersForProvider {
            provider: self.me.to_string(),
            ids: ids.to_vec(),
        };
        self.shared.chain.market(&query).await
    }

    fn bid_closed(&self, id: &BidId, state: BidState) -> Result<(), Failure> {
        if self.forget_bid(id)? {
            self.shared.metrics.bids_lost.inc();
            info!(bid = %id, ?state, "bid ended without a lease; reservation released");
        }
        Ok(())
    }

    fn bid_won(&self, id: &BidId) -> Result<(), Failure> {
        if self.shared.store.remove_bid(id)?.is_some() {
            self.shared.metrics.bids_won.inc();
            info!(lease = %id, "bid won");
        }
        Ok(())
    }

    /// The order ended (its deployment closed): a bid still open on it is gone too.
    fn order_closed(&self, order: &OrderId) -> Result<(), Failure> {
        let bid = order.bid(&self.me);
        if self.shared.store.bid(&bid)?.is_some() && self.forget_bid(&bid)? {
            self.shared.metrics.bids_lost.inc();
            info!(bid = %bid, "order closed; reservation released");
        }
        Ok(())
    }

    /// Releases a bid's reservation (when it is still only reserved) and forgets the bid.
    /// Whether there was anything to forget.
    fn forget_bid(&self, id: &BidId) -> Result<bool, Failure> {
        let had_record = self.shared.store.remove_bid(id)?.is_some();
        let released = {
            let mut allocations = self.shared.allocations();
            match allocations.get(id).map(|a| a.state) {
                Some(State::Reserved) => allocations.release(id)?.is_some(),
                _ => false,
            }
        };
        self.shared.update_gpu_gauges();
        Ok(had_record || released)
    }

    async fn bid_on(&mut self, ids: Vec<OrderId>) -> Result<(), Failure> {
        if ids.is_empty() {
            return Ok(());
        }
        let started = Instant::now();
        let now = now_unix();
        let mut ctx = BlockContext::default();
        let mut pending: Vec<Pending> = Vec::new();
        let open_bids = self.shared.store.bids()?.len();
        let orders = self.fetch(ids).await?;
        let fetched_ms = started.elapsed().as_millis() as u64;
        let count = orders.len();
        for order in orders {
            let id = order.order.id.clone();
            if order.order.state != OrderState::Open || id.owner == self.me {
                continue;
            }
            let bid_id = id.bid(&self.me);
            if self.shared.store.bid(&bid_id)?.is_some() {
                continue;
            }
            if let Some(bid) = &order.bid {
                // Placed before a crash or a lost answer: remember it, hold its resources.
                self.adopt(&order.spec, bid, now)?;
                continue;
            }
            let prepared = match self.prepare(&mut ctx, &order, now).await? {
                Ok(p) => p,
                Err(reason) => {
                    info!(order = %id, %reason, "not bidding");
                    continue;
                }
            };
            // Only bids that would be placed count against the tenant's allowance.
            match self
                .guard
                .admit(id.owner.as_str(), open_bids + pending.len(), now)
            {
                Ok(()) => pending.push(prepared),
                Err(refusal) => {
                    self.shared.allocations().release(&prepared.id)?;
                    info!(order = %id, reason = %refusal, "not bidding");
                }
            }
        }
        let bids = pending.len();
        let prepared_ms = started.elapsed().as_millis() as u64;
        self.send(pending, now).await?;
        if bids > 0 {
            info!(
                orders = count,
                bids,
                fetched_ms,
                prepared_ms,
                total_ms = started.elapsed().as_millis() as u64,
                "bids broadcast"
            );
        }
        Ok(())
    }

    /// Matches, prices and reserves for one order; `Ok(Err(reason))` when not bidding.
    async fn prepare(
        &self,
        ctx: &mut BlockContext,
        order: &OrderForProvider,
        now: u64,
    ) -> Result<Result<Pending, String>, Failure> {
        let id = &order.order.id;
        let spec = &order.spec;
        let bid_id = id.bid(&self.me);
        let chain = &self.shared.chain;
        if ctx.params.is_none() {
            ctx.params = Some(chain.market(&MarketQuery::Params {}).await?);
        }
        if ctx.stats.is_none() {
            ctx.stats = Some(
                chain
                    .market(&MarketQuery::ProviderStats {
                        provider: self.me.to_string(),
                    })
                    .await?,
            );
        }
        let auditors = spec.requirements.signed_by.auditors();
        if !ctx.profiles.contains_key(&auditors) {
            let profile: ProviderProfile = chain
                .registry(&RegistryQuery::ProviderProfile {
                    provider: self.me.to_string(),
                    auditors: auditors.clone(),
                })
                .await?;
            ctx.profiles.insert(auditors.clone(), profile);
        }
        let (params, stats, profile) = (
            ctx.params.as_ref().expect("loaded above"),
            ctx.stats.as_ref().expect("loaded above"),
            &ctx.profiles[&auditors],
        );
        let free: Vec<_> = self.shared.allocations().free_gpus().cloned().collect();
        let pricing_config = &self.shared.config.pricing;
        let offered = match match_order(spec, profile, stats, &free, pricing_config, params) {
            Ok(offered) => offered,
            Err(e) => return Ok(Err(e.to_string())),
        };
        let quote = match self.quote(id, spec, &offered, params).await {
            Ok(q) => q,
            Err(e) => return Ok(Err(e.to_string())),
        };
        let Some(request) = request_for(spec, &offered) else {
            return Ok(Err("the order's resources overflow".into()));
        };
        let Some(deposit) = deposit(params, &pricing_config.denom) else {
            return Ok(Err("the market names no bid deposit".into()));
        };
        let msg = match chain.market_msg(
            &MarketMsg::CreateBid {
                order: id.clone(),
                price: quote.price.clone(),
                offer: quote.offer.clone(),
            },
            &[deposit],
        ) {
            Ok(msg) => msg,
            Err(e) => return Ok(Err(e.to_string())),
        };
        // Made durable, with the whole block's, before any bid is broadcast.
        let reserved = self
            .shared
            .allocations()
            .reserve_unflushed(&bid_id, &request, now);
        match reserved {
            Ok(_) | Err(AllocError::AlreadyHeld(_)) => {}
            Err(
                e @ (AllocError::Insufficient { .. }
                | AllocError::NoGpus { .. }
                | AllocError::Overflow),
            ) => return Ok(Err(format!("no capacity: {e}"))),
            Err(e) => return Err(e.into()),
        }
        Ok(Ok(Pending {
            id: bid_id,
            gpu: offered_gpu(&quote.offer),
            quote,
            msg,
        }))
    }

    async fn quote(
        &self,
        id: &OrderId,
        spec: &GroupSpec,
        offered: &[Option<kumo_types::gpu::GpuSpec>],
        params: &MarketParams,
    ) -> Result<Quote, pricing::PricingError> {
        let pricing_config = &self.shared.config.pricing;
        let quote = pricing::price_order(pricing_config, spec, offered, params)?;
        let Some(script) = &self.script else {
            return Ok(quote);
        };
        let target = script
            .price(&ScriptInput {
                order: id,
                spec,
                offered_gpus: offered,
                denom: &pricing_config.denom,
                default_price: quote.price.amount,
                max_price: spec.max_price(),
            })
            .await?;
        pricing::scale_to(pricing_config, spec, &quote, target, params)
    }

    /// Records a bid found on chain but not in the store, and holds its resources.
    fn adopt(&self, spec: &GroupSpec, bid: &Bid, now: u64) -> Result<(), Failure> {
        if bid.state != BidState::Open {
            return Ok(());
        }
        let offered = offered_gpus(spec, &bid.offer);
        if let Some(request) = request_for(spec, &offered) {
            match self.shared.allocations().reserve(&bid.id, &request, now) {
                Ok(_) | Err(AllocError::AlreadyHeld(_)) => {}
                Err(AllocError::Db(e)) => return Err(AllocError::Db(e).into()),
                Err(e) => {
                    warn!(bid = %bid.id, error = %e, "cannot hold the resources of a bid placed earlier")
                }
            }
        }
        self.shared.store.put_bid(&BidRecord {
            id: bid.id.clone(),
            price: bid.price.clone(),
            gpu: offered_gpu(&bid.offer),
            placed_at: now,
            unconfirmed: false,
        })?;
        self.shared.update_gpu_gauges();
        info!(bid = %bid.id, "found a bid placed earlier");
        Ok(())
    }

    /// Closes bids that waited `timeouts.bid` without a lease, forgets bids that ended, and
    /// releases reservations nothing accounts for.
    async fn sweep(&mut self) -> Result<(), Failure> {
        let now = now_unix();
        let timeout = self.shared.config.timeouts.bid;
        let mut to_close: Vec<BidId> = Vec::new();
        let records = self.shared.store.bids()?;
        let recorded: BTreeSet<BidId> = records.iter().map(|r| r.id.clone()).collect();
        for record in records {
            if !due(record.placed_at, now, timeout) {
                continue;
            }
            let state = chain_bid(&self.shared, &record.id).await?.map(|b| b.state);
            match decide(record.placed_at, state, now, timeout) {
                BidAction::Keep => {}
                BidAction::Close => to_close.push(record.id),
                BidAction::Won => {
                    self.shared.store.remove_bid(&record.id)?;
                }
                BidAction::Release => {
                    if self.forget_bid(&record.id)? {
                        self.shared.metrics.bids_lost.inc();
                        info!(bid = %record.id, "bid ended without a lease; reservation released");
                    }
                }
            }
        }
        let stale = self
            .shared
            .allocations()
            .stale_reservations(now, timeout.as_secs());
        for id in stale.into_iter().filter(|id| !recorded.contains(id)) {
            match chain_bid(&self.shared, &id).await?.map(|b| b.state) {
                Some(BidState::Open) => to_close.push(id),
                // The lease manager promotes it.
                Some(BidState::Active) => {}
                _ => {
                    self.forget_bid(&id)?;
                    info!(bid = %id, "released a reservation without a bid");
                }
            }
        }
        self.guard.prune(now);
        self.prune_failures(now, timeout.as_secs());
        self.bid_on_with_retries(Vec::new()).await?;
        if to_close.is_empty() {
            return Ok(());
        }
        let mut msgs = Vec::with_capacity(to_close.len());
        for id in &to_close {
            msgs.push(self.shared.chain.market_msg(
                &MarketMsg::CloseBid {
                    id: id.clone(),
                    reason: None,
                },
                &[],
            )?);
        }
        let results = self.shared.chain.send_batch(TxKind::CloseBid, msgs).await;
        for (id, result) in to_close.iter().zip(results) {
            match result {
                Ok(_) => {
                    self.forget_bid(id)?;
                    self.shared.metrics.bids_lost.inc();
                    info!(bid = %id, timeout = ?timeout, "bid timed out without a lease; closed");
                }
                Err(e) => {
                    warn!(bid = %id, error = %e, "cannot close a timed-out bid; trying again later")
                }
            }
        }
        Ok(())
    }
}

/// The bid deposit: the market's minimum in the pricing denom, else its first.
fn deposit(params: &MarketParams, denom: &str) -> Option<Coin> {
    params
        .bid_min_deposits
        .iter()
        .find(|c| c.denom == denom)
        .or_else(|| params.bid_min_deposits.first())
        .cloned()
}
