//! The chain watcher: every block in order from the persisted height, through kumo-client's
//! `BlockStream` (which rides out node restarts and never skips a height). Each block's Kumo
//! events go to the bid engine and the lease manager; the height is persisted only when both
//! finished the block, so a crash or an RPC outage mid-block replays it.
//!
//! At first start there is no height: instead of scanning history, the open orders are read
//! (bounded pages) and the watcher starts at the next block.

use std::sync::Arc;
use std::time::Duration;

use kumo_client::stream::BlockEvents;
use kumo_types::events::KumoEvent;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tracing::{debug, error, info, warn};

use super::health::Transition;
use super::{BidInput, BlockWork, DaemonError, Shared};

/// Waits between attempts at a block a handler could not finish.
const RETRY_FIRST: Duration = Duration::from_millis(500);
const RETRY_MAX: Duration = Duration::from_secs(10);

pub(crate) async fn run(
    shared: Arc<Shared>,
    bids: mpsc::Sender<BidInput>,
    leases: mpsc::Sender<BlockWork>,
    stop: CancellationToken,
) -> Result<(), DaemonError> {
    let from = match shared.store.last_height()? {
        Some(height) => {
            info!(
                from = height + 1,
                "resuming the chain from the last processed block"
            );
            height + 1
        }
        None => match catch_up(&shared, &bids, &stop).await? {
            Some(next) => next,
            None => return Ok(()),
        },
    };
    let mut stream = shared.chain.client().stream_blocks(from);
    loop {
        let next = tokio::select! {
            biased;
            _ = stop.cancelled() => break,
            next = stream.next() => next,
        };
        let block = match next {
            Ok(block) => block,
            Err(e) => {
                // The stream retries transport failures forever; this is an answer retrying
                // cannot fix (e.g. the node pruned the heights we need). Orders of the gap are
                // recovered from the open-orders listing, so none is lost.
                error!(height = stream.next_height(), error = %e,
                    "cannot read the next block; catching up from the open orders");
                match catch_up(&shared, &bids, &stop).await? {
                    Some(next) => {
                        stream = shared.chain.client().stream_blocks(next);
                        continue;
                    }
                    None => break,
                }
            }
        };
        // A block being handled is finished even during shutdown.
        if !handle_block(&shared, &bids, &leases, block, &stop).await? {
            break;
        }
    }
    info!(height = shared.health.snapshot().height, "watcher stopped");
    Ok(())
}

/// Only the events either handler acts on.
fn relevant(event: &KumoEvent) -> bool {
    use KumoEvent::*;
    matches!(
        event,
        OrderCreated { .. }
            | OrderClosed { .. }
            | BidClosed { .. }
            | LeaseCreated { .. }
            | LeaseClosed { .. }
            | DeploymentUpdated { .. }
            | DeploymentClosed { .. }
            | GroupClosed { .. }
            | GroupInsufficientFunds { .. }
    )
}

/// Hands the block to both handlers until both finish it, then persists its height. `false`
/// when shutting down before the block was finished (its height is not persisted).
async fn handle_block(
    shared: &Shared,
    bids: &mpsc::Sender<BidInput>,
    leases: &mpsc::Sender<BlockWork>,
    block: BlockEvents,
    stop: &CancellationToken,
) -> Result<bool, DaemonError> {
    let height = block.height;
    let events: Vec<KumoEvent> = block.kumo_events.into_iter().filter(relevant).collect();
    let events = Arc::new(events);
    let mut delay = RETRY_FIRST;
    while !events.is_empty() {
        debug!(height, events = events.len(), "handling block");
        let (bid_done, bid_rx) = oneshot::channel();
        let (lease_done, lease_rx) = oneshot::channel();
        let sent_bids = bids
            .send(BidInput::Block(BlockWork {
                height,
                events: events.clone(),
                done: bid_done,
            }))
            .await;
        let sent_leases = leases
            .send(BlockWork {
                height,
                events: events.clone(),
                done: lease_done,
            })
            .await;
        if sent_bids.is_err() || sent_leases.is_err() {
            // A handler is gone: the daemon is stopping.
            return Ok(false);
        }
        let (bid_result, lease_result) = tokio::join!(bid_rx, lease_rx);
        match (bid_result, lease_result) {
            (Ok(Ok(())), Ok(Ok(()))) => break,
            (Ok(b), Ok(l)) => {
                let reason = [b.err(), l.err()].into_iter().flatten().collect::<Vec<_>>();
                warn!(height, ?delay, reasons = ?reason, "block not finished; retrying it");
                tokio::select! {
                    _ = stop.cancelled() => return Ok(false),
                    _ = tokio::time::sleep(delay) => {}
                }
                delay = (delay * 2).min(RETRY_MAX);
            }
            _ => return Ok(false),
        }
    }
    shared.store.set_last_height(height)?;
    shared.metrics.watcher_height.set(height as i64);
    if shared.health.block_done(height) == Some(Transition::Recovered) {
        info!(height, "watcher healthy again: blocks are arriving");
    }
    Ok(true)
}

/// First start (or a gap that cannot be replayed): bid on the open orders, then start after
/// the height they were read at. `None` when stopping.
async fn catch_up(
    shared: &Shared,
    bids: &mpsc::Sender<BidInput>,
    stop: &CancellationToken,
) -> Result<Option<u64>, DaemonError> {
    let mut delay = RETRY_FIRST;
    loop {
        let attempt = async {
            let latest = shared.chain.client().latest_height().await?;
            let orders = shared
                .chain
                .open_orders(shared.options.catch_up_max_pages)
                .await?;
            Ok::<_, kumo_client::ClientError>((latest, orders))
        };
        let (latest, orders) = tokio::select! {
            _ = stop.cancelled() => return Ok(None),
            r = attempt => match r {
                Ok(v) => v,
                Err(e) => {
                    warn!(error = %e, ?delay, "catch-up: cannot read the chain; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(RETRY_MAX);
                    continue;
                }
            },
        };
        info!(
            height = latest,
            open_orders = orders.len(),
            "catching up from the open orders"
        );
        let (done, rx) = oneshot::channel();
        if bids.send(BidInput::CatchUp { orders, done }).await.is_err() {
            return Ok(None);
        }
        match rx.await {
            Ok(Ok(())) => {
                shared.store.set_last_height(latest)?;
                shared.health.block_done(latest);
                return Ok(Some(latest + 1));
            }
            Ok(Err(e)) => {
                warn!(error = %e, ?delay, "catch-up not finished; retrying");
                tokio::select! {
                    _ = stop.cancelled() => return Ok(None),
                    _ = tokio::time::sleep(delay) => {}
                }
                delay = (delay * 2).min(RETRY_MAX);
            }
            Err(_) => return Ok(None),
        }
    }
}

/// Reports the watcher's health and lag, and GPU utilization, every block time.
pub(crate) async fn health_loop(
    shared: Arc<Shared>,
    stop: CancellationToken,
) -> Result<(), DaemonError> {
    let mut tick = tokio::time::interval(shared.options.block_time);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return Ok(()),
            _ = tick.tick() => {}
        }
        shared.update_gpu_utilization();
        if shared.health.check() == Some(Transition::BecameUnhealthy) {
            let s = shared.health.snapshot();
            error!(height = s.height, since_last_block = ?s.since_last_block,
                "watcher unhealthy: no block processed for too long (is the RPC node up?)");
        }
        // Lag needs the node's height; an unreachable node shows up as unhealthy instead.
        let latest = tokio::select! {
            _ = stop.cancelled() => return Ok(()),
            r = shared.chain.client().latest_height() => r,
        };
        if let Ok(latest) = latest {
            let done = shared.health.snapshot().height;
            shared
                .metrics
                .watcher_lag_blocks
                .set(latest.saturating_sub(done) as i64);
        }
    }
}
