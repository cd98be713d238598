//! Sending a block's bids and following them to inclusion.
//!
//! Bids are broadcast (the node's CheckTx accepted them) and recorded as unconfirmed, then the
//! block is done: a task per tx waits for its inclusion and reports back here. Only then is a
//! bid counted as placed. A tx that failed in its block, or whose fate is unknown, releases its
//! bids' reservations and puts their orders up for another look: the next read shows whether
//! the bid is on chain after all (it is then adopted) or the order is still worth a bid.
//! Records still unconfirmed at start get the same treatment.

use kumo_types::ids::{BidId, OrderId};
use tracing::{info, warn};

use super::super::chain::{MsgResult, TxKind};
use super::super::failure::Failure;
use super::super::store::BidRecord;
use super::{BidEngine, Pending};

/// Most times an order is looked at again after its bid tx failed.
const MAX_RETRIES: u32 = 3;

/// The fate of one broadcast bid tx.
#[derive(Debug)]
pub(crate) struct Confirmation {
    pub bids: Vec<BidId>,
    pub result: MsgResult,
}

impl BidEngine {
    /// Makes the block's reservations durable, broadcasts its bids (100 per tx, back to back),
    /// records those the node accepted, and leaves their inclusion to background tasks.
    pub(super) async fn send(&self, pending: Vec<Pending>, now: u64) -> Result<(), Failure> {
        if pending.is_empty() {
            return Ok(());
        }
        self.shared.allocations().flush()?;
        let msgs: Vec<_> = pending.iter().map(|p| p.msg.clone()).collect();
        let broadcasts = self.shared.chain.broadcast_batch(TxKind::Bid, &msgs).await;
        let mut records = Vec::new();
        let mut accepted = Vec::new();
        let mut retry = None;
        for broadcast in broadcasts {
            match broadcast.result {
                Ok(hash) => {
                    let bids = broadcast.msgs.iter().map(|&i| &pending[i]);
                    records.extend(bids.clone().map(|p| BidRecord {
                        id: p.id.clone(),
                        price: p.quote.price.clone(),
                        gpu: p.gpu.clone(),
                        placed_at: now,
                        unconfirmed: true,
                    }));
                    accepted.push((hash, bids.map(|p| p.id.clone()).collect::<Vec<_>>()));
                }
                Err(e) => {
                    for &i in &broadcast.msgs {
                        self.shared.allocations().release(&pending[i].id)?;
                        warn!(bid = %pending[i].id, error = %e, "bid not placed");
                    }
                    if e.retry {
                        retry = Some(e.message);
                    }
                }
            }
        }
        self.shared.store.put_bids(&records)?;
        for (hash, bids) in accepted {
            let chain = self.shared.chain.clone();
            let report = self.confirmations.clone();
            tokio::spawn(async move {
                let result = chain.confirm(TxKind::Bid, &hash).await;
                // The engine is gone only when the daemon stops; the records stay unconfirmed
                // and are checked at the next start.
                let _ = report.send(Confirmation { bids, result });
            });
        }
        self.shared.update_gpu_gauges();
        match retry {
            Some(reason) => Err(Failure::Retry(reason)),
            None => Ok(()),
        }
    }

    /// A bid tx's fate came back.
    pub(super) async fn confirmed(&mut self, confirmation: Confirmation) -> Result<(), Failure> {
        match confirmation.result {
            Ok(outcome) => {
                let mut records = Vec::with_capacity(confirmation.bids.len());
                for id in &confirmation.bids {
                    self.shared.metrics.bids_placed.inc();
                    self.failures.remove(&id.order());
                    // Already won or lost by now: nothing left to confirm.
                    let Some(record) = self.shared.store.bid(id)? else {
                        continue;
                    };
                    info!(bid = %id, price = %record.price, gpu = %record.gpu, tx = %outcome.hash, height = outcome.height, "bid placed");
                    records.push(BidRecord {
                        unconfirmed: false,
                        ..record
                    });
                }
                self.shared.store.put_bids(&records)?;
                Ok(())
            }
            Err(e) => {
                warn!(bids = confirmation.bids.len(), error = %e,
                    "bid tx not included; looking at its orders again");
                let now = super::now_unix();
                for id in &confirmation.bids {
                    self.forget_bid(id)?;
                    self.queue_retry(id.order(), now);
                }
                self.bid_on_with_retries(Vec::new()).await
            }
        }
    }

    /// At start: bids broadcast before the daemon stopped whose tx was never seen in a block.
    pub(super) fn recover_unconfirmed(&mut self) -> Result<(), Failure> {
        let unconfirmed: Vec<BidId> = self
            .shared
            .store
            .bids()?
            .into_iter()
            .filter(|r| r.unconfirmed)
            .map(|r| r.id)
            .collect();
        if unconfirmed.is_empty() {
            return Ok(());
        }
        info!(
            bids = unconfirmed.len(),
            "bids broadcast before the last stop were never confirmed; checking them again"
        );
        let now = super::now_unix();
        for id in &unconfirmed {
            self.forget_bid(id)?;
            self.queue_retry(id.order(), now);
        }
        Ok(())
    }

    /// Puts an order up for another look, unless its bid tx failed too often already.
    fn queue_retry(&mut self, order: OrderId, now: u64) {
        let (tries, last) = self.failures.entry(order.clone()).or_insert((0, now));
        *tries += 1;
        *last = now;
        if *tries > MAX_RETRIES {
            warn!(order = %order, tries = MAX_RETRIES, "bid tx failed too often; not bidding on this order");
            self.failures.remove(&order);
            return;
        }
        self.retry.insert(order);
    }

    /// Bids on `ids` and on the orders up for another look; those stay up if this fails.
    pub(super) async fn bid_on_with_retries(
        &mut self,
        mut ids: Vec<OrderId>,
    ) -> Result<(), Failure> {
        let retries = std::mem::take(&mut self.retry);
        ids.extend(
            retries
                .iter()
                .filter(|r| !ids.contains(r))
                .cloned()
                .collect::<Vec<_>>(),
        );
        let result = self.bid_on(ids).await;
        if result.is_err() {
            self.retry.extend(retries);
        }
        result
    }

    /// Forgets failure counts of orders not retried for a while.
    pub(super) fn prune_failures(&mut self, now: u64, older_than_secs: u64) {
        self.failures
            .retain(|_, (_, last)| now.saturating_sub(*last) < older_than_secs);
    }
}
