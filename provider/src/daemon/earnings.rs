//! Earnings: every `timeouts.withdraw_period`, one tx withdraws what every lease earned. Between
//! those, each lease's escrow is watched: a lease whose escrow pays for only a few more blocks
//! is withdrawn early (withdrawing settles the stream, so it is paid before the escrow runs
//! dry), and a lease whose escrow is empty has its workload stopped at once.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;

use kumo_types::events::KumoEvent;
use kumo_types::ids::{DeploymentId, LeaseId};
use kumo_types::market::{EscrowResponse, ExecuteMsg as MarketMsg, QueryMsg as MarketQuery};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::chain::TxKind;
use super::{DaemonError, LeaseRequest, Shared};

pub(crate) async fn run(
    shared: Arc<Shared>,
    leases: mpsc::Sender<LeaseRequest>,
    stop: CancellationToken,
) -> Result<(), DaemonError> {
    let period = shared.config.timeouts.withdraw_period;
    let mut withdraw = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    withdraw.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let every = shared.options.escrow_check_interval;
    let mut escrow = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    escrow.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let due = tokio::select! {
            _ = stop.cancelled() => return Ok(()),
            _ = withdraw.tick() => running_leases(&shared)?,
            _ = escrow.tick() => check_escrows(&shared, &leases).await?,
        };
        if due.is_empty() {
            continue;
        }
        tokio::select! {
            _ = stop.cancelled() => return Ok(()),
            _ = withdraw_leases(&shared, due) => {}
        }
    }
}

/// Leases this provider runs and can withdraw from.
fn running_leases(shared: &Shared) -> Result<Vec<LeaseId>, DaemonError> {
    Ok(shared
        .store
        .leases()?
        .into_iter()
        .filter(|r| !r.closed)
        .map(|r| r.id)
        .collect())
}

/// The leases to withdraw now because their escrow is low; stops the workloads of leases
/// whose escrow is empty.
async fn check_escrows(
    shared: &Shared,
    lease_requests: &mpsc::Sender<LeaseRequest>,
) -> Result<Vec<LeaseId>, DaemonError> {
    let mut by_deployment: BTreeMap<DeploymentId, Vec<LeaseId>> = BTreeMap::new();
    for id in running_leases(shared)? {
        by_deployment.entry(id.deployment()).or_default().push(id);
    }
    let mut due = Vec::new();
    for (deployment, leases) in by_deployment {
        let escrow: EscrowResponse = match shared
            .chain
            .market(&MarketQuery::Escrow {
                id: deployment.clone(),
            })
            .await
        {
            Ok(e) => e,
            Err(e) => {
                warn!(%deployment, error = %e, "cannot read the escrow");
                continue;
            }
        };
        match escrow_action(escrow.blocks_remaining, shared.options.escrow_low_blocks) {
            EscrowAction::Nothing => continue,
            EscrowAction::WithdrawNow => {
                info!(%deployment, blocks_remaining = ?escrow.blocks_remaining,
                    "escrow running low: withdrawing now");
            }
            EscrowAction::StopAndSettle => {
                warn!(%deployment, "escrow out of funds: stopping the workload and settling");
                let _ = lease_requests
                    .send(LeaseRequest::OutOfFunds {
                        leases: leases.clone(),
                    })
                    .await;
            }
        }
        due.extend(leases);
    }
    Ok(due)
}

/// What a deployment's escrow calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscrowAction {
    Nothing,
    /// Few blocks left: withdraw now, before the escrow runs dry.
    WithdrawNow,
    /// Not one more block is paid: stop the workload now, and withdraw, which settles the
    /// stream and closes the lease as `insufficient_funds`.
    StopAndSettle,
}

/// `blocks_remaining` as the market reports it (`None` when no lease is active).
pub fn escrow_action(blocks_remaining: Option<u64>, low_blocks: u64) -> EscrowAction {
    match blocks_remaining {
        None => EscrowAction::Nothing,
        Some(0) => EscrowAction::StopAndSettle,
        Some(b) if b <= low_blocks => EscrowAction::WithdrawNow,
        Some(_) => EscrowAction::Nothing,
    }
}

/// One tx with a `WithdrawLease` per lease.
async fn withdraw_leases(shared: &Shared, leases: Vec<LeaseId>) {
    let mut msgs = Vec::with_capacity(leases.len());
    for id in &leases {
        match shared
            .chain
            .market_msg(&MarketMsg::WithdrawLease { id: id.clone() }, &[])
        {
            Ok(msg) => msgs.push(msg),
            Err(e) => warn!(lease = %id, error = %e, "cannot build WithdrawLease"),
        }
    }
    let results = shared.chain.send_batch(TxKind::Withdraw, msgs).await;
    let mut seen = std::collections::BTreeSet::new();
    let mut leases_paid = 0;
    for result in results {
        let Ok(outcome) = result else { continue };
        // The results of a batch share one tx: count its events once.
        if !seen.insert(outcome.hash.clone()) {
            continue;
        }
        for event in outcome.kumo_events() {
            if let KumoEvent::LeaseWithdrawn { id, amount, take } = event {
                leases_paid += 1;
                shared.metrics.withdrawals.inc();
                if let Ok(value) = f64::from_str(&amount.amount.to_string()) {
                    shared.metrics.withdrawn_amount.add(value);
                }
                info!(lease = %id, %amount, %take, "withdrawn");
            }
        }
    }
    info!(leases = leases.len(), paid = leases_paid, "withdrawal done");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escrow_low_means_withdraw_and_empty_means_stop() {
        assert_eq!(escrow_action(None, 100), EscrowAction::Nothing);
        assert_eq!(escrow_action(Some(101), 100), EscrowAction::Nothing);
        assert_eq!(escrow_action(Some(100), 100), EscrowAction::WithdrawNow);
        assert_eq!(escrow_action(Some(1), 100), EscrowAction::WithdrawNow);
        assert_eq!(escrow_action(Some(0), 100), EscrowAction::StopAndSettle);
        assert_eq!(escrow_action(Some(0), 0), EscrowAction::StopAndSettle);
        assert_eq!(escrow_action(Some(1), 0), EscrowAction::Nothing);
    }
}
