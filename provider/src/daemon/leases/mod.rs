//! The lease manager: owns the leases this provider won, from the chain's `lease_created` to
//! its end. It promotes the bid's reservation, waits for the tenant's manifest (closing the
//! lease with reason `manifest_timeout` when none comes in time), deploys it, watches the
//! containers (restarts with backoff; a sustained crash loop closes the lease as `unstable`),
//! rolls the containers when the deployment's manifest changes, and when the lease ends —
//! closed, out of funds, deployment closed — removes containers and volumes and releases the
//! resources. At start it reconciles the host with the chain.
//!
//! One task: block events, gateway requests and its own ticks are handled in turn, so a lease
//! never closes while its manifest is being accepted. Deploys run as their own tasks (image
//! pulls can take minutes) and are cancelled before a teardown.

mod manifests;
mod monitor;
mod reconcile;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use cosmwasm_std::Addr;
use kumo_client::ClientError;
use kumo_types::coins::DecCoin;
use kumo_types::events::KumoEvent;
use kumo_types::ids::LeaseId;
use kumo_types::market::{
    Bid, ExecuteMsg as MarketMsg, Lease, LeaseCloseReason, LeaseState, OrderResponse,
    QueryMsg as MarketQuery,
};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::chain::TxKind;
use super::crashloop::CrashTracker;
use super::failure::{split, Failure};
use super::offer::{offered_gpus, request_for};
use super::store::LeaseRecord;
use super::{now_unix, BlockWork, DaemonError, LeaseRequest, Shared};
use crate::allocations::AllocError;
use crate::runtime::docker::RuntimeError;
use crate::runtime::spec;

pub(crate) async fn run(
    shared: Arc<Shared>,
    mut blocks: mpsc::Receiver<BlockWork>,
    mut requests: mpsc::Receiver<LeaseRequest>,
    stop: CancellationToken,
) -> Result<(), DaemonError> {
    let mut manager = LeaseManager::new(shared.clone());
    if let Err(f) = manager.reconcile().await {
        let (_, fatal) = split(Err(f));
        if let Some(e) = fatal {
            return Err(e);
        }
    }
    let mut tick = tokio::time::interval(shared.options.monitor_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            work = blocks.recv() => {
                // The watcher is gone: the daemon is stopping.
                let Some(work) = work else { break };
                tracing::debug!(height = work.height, events = work.events.len(), "lease manager: block");
                let (ack, fatal) = split(manager.on_block(&work.events).await);
                let _ = work.done.send(ack);
                if let Some(e) = fatal {
                    return Err(e);
                }
            }
            Some(request) = requests.recv() => {
                let (_, fatal) = split(manager.on_request(request).await);
                if let Some(e) = fatal {
                    return Err(e);
                }
            }
            _ = tick.tick(), if !stop.is_cancelled() => {
                let (_, fatal) = split(manager.on_tick().await.inspect_err(|f| {
                    if let Failure::Retry(reason) = f {
                        warn!(%reason, "lease check not finished; trying again next time");
                    }
                }));
                if let Some(e) = fatal {
                    return Err(e);
                }
            }
        }
    }
    manager.finish_deploys().await;
    Ok(())
}

pub(crate) struct LeaseManager {
    shared: Arc<Shared>,
    me: Addr,
    /// The origin of the crash trackers' clock.
    started: Instant,
    /// Deploys in flight, by lease.
    deploys: HashMap<LeaseId, JoinHandle<Result<(), RuntimeError>>>,
    trackers: HashMap<LeaseId, CrashTracker>,
    /// Leases this provider asked the chain to close, and when (not asked again for a while).
    closing: HashMap<LeaseId, u64>,
    reconciled: bool,
}

/// Seconds before asking the chain again to close a lease whose close did not show up.
const CLOSE_RETRY_SECS: u64 = 60;

impl LeaseManager {
    fn new(shared: Arc<Shared>) -> Self {
        LeaseManager {
            me: shared.chain.address().clone(),
            shared,
            started: Instant::now(),
            deploys: HashMap::new(),
            trackers: HashMap::new(),
            closing: HashMap::new(),
            reconciled: false,
        }
    }

    fn mine(&self, id: &LeaseId) -> bool {
        id.provider == self.me
    }

    async fn on_block(&mut self, events: &[KumoEvent]) -> Result<(), Failure> {
        for event in events {
            match event {
                KumoEvent::LeaseCreated { id, price } if self.mine(id) => {
                    self.lease_created(id, price).await?
                }
                KumoEvent::LeaseClosed { id, reason } if self.mine(id) => {
                    info!(lease = %id, reason = kumo_types::events::lease_close_reason_str(*reason), "lease closed on chain");
                    self.lease_ended(id).await?
                }
                KumoEvent::DeploymentClosed { id } => {
                    for lease in self.records_where(|l| l.deployment() == *id)? {
                        info!(lease = %lease, "deployment closed");
                        self.lease_ended(&lease).await?;
                    }
                }
                KumoEvent::GroupClosed { id } | KumoEvent::GroupInsufficientFunds { id } => {
                    for lease in self.records_where(|l| l.group() == *id)? {
                        info!(lease = %lease, group = %id, "group ended");
                        self.lease_ended(&lease).await?;
                    }
                }
                KumoEvent::DeploymentUpdated { id, manifest_hash } => {
                    for lease in self.records_where(|l| l.deployment() == *id)? {
                        info!(lease = %lease, %manifest_hash,
                            "deployment updated: the tenant's new manifest will roll the containers");
                    }
                }
                _ => {}
            }
        }
        self.publish_gauges()?;
        Ok(())
    }

    async fn on_request(&mut self, request: LeaseRequest) -> Result<(), Failure> {
        match request {
            LeaseRequest::Manifest {
                owner,
                dseq,
                manifest,
                reply,
            } => {
                let result = self.accept_manifest(&owner, dseq, manifest).await;
                let fatal = match result {
                    Ok(accepted) => {
                        let _ = reply.send(Ok(accepted));
                        None
                    }
                    Err(manifests::Refused::Gateway(e)) => {
                        let _ = reply.send(Err(e));
                        None
                    }
                    Err(manifests::Refused::Fatal(e)) => {
                        let _ =
                            reply.send(Err(crate::gateway::GatewayError::Internal(e.to_string())));
                        Some(e)
                    }
                };
                if let Some(e) = fatal {
                    return Err(Failure::Fatal(Box::new(e)));
                }
            }
            LeaseRequest::OutOfFunds { leases } => {
                for id in leases {
                    self.stop_workload(&id).await?;
                }
            }
        }
        Ok(())
    }

    fn records_where(&self, keep: impl Fn(&LeaseId) -> bool) -> Result<Vec<LeaseId>, Failure> {
        Ok(self
            .shared
            .store
            .leases()?
            .into_iter()
            .map(|r| r.id)
            .filter(|id| keep(id))
            .collect())
    }

    async fn lease_created(&mut self, id: &LeaseId, price: &DecCoin) -> Result<(), Failure> {
        if self.shared.store.lease(id)?.is_some() {
            return Ok(());
        }
        // A replayed block: the lease may have ended since.
        let lease = match self
            .shared
            .chain
            .market::<Lease>(&MarketQuery::Lease { id: id.clone() })
            .await
        {
            Ok(lease) => lease,
            Err(ClientError::Contract { .. }) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        if lease.state != LeaseState::Active {
            self.shared.allocations().release(id)?;
            return Ok(());
        }
        let promoted = self.shared.allocations().promote(id);
        match promoted {
            Ok(_) => {}
            Err(AllocError::NotHeld(_)) => {
                if !self.allocate_from_chain(id).await? {
                    warn!(lease = %id, "no resources held for a won lease and none free: closing it");
                    self.request_close(vec![(id.clone(), LeaseCloseReason::Provider)])
                        .await;
                    return Ok(());
                }
            }
            Err(e) => return Err(e.into()),
        }
        self.shared
            .store
            .put_lease(&LeaseRecord::new(id.clone(), price.clone(), now_unix()))?;
        info!(lease = %id, %price, timeout = ?self.shared.config.timeouts.manifest,
            "lease created; waiting for the tenant's manifest");
        Ok(())
    }

    /// Holds resources for an active lease whose reservation is gone (state lost, or released
    /// early), from its bid on chain. `false` when they are not free.
    async fn allocate_from_chain(&self, id: &LeaseId) -> Result<bool, Failure> {
        let chain = &self.shared.chain;
        let bid: Bid = chain.market(&MarketQuery::Bid { id: id.clone() }).await?;
        let order: OrderResponse = chain.market(&MarketQuery::Order { id: id.order() }).await?;
        let offered = offered_gpus(&order.spec, &bid.offer);
        let Some(request) = request_for(&order.spec, &offered) else {
            return Ok(false);
        };
        let mut allocations = self.shared.allocations();
        match allocations.reserve(id, &request, now_unix()) {
            Ok(_) | Err(AllocError::AlreadyHeld(_)) => {}
            Err(AllocError::Db(e)) => return Err(AllocError::Db(e).into()),
            Err(e) => {
                warn!(lease = %id, error = %e, "cannot hold the lease's resources");
                return Ok(false);
            }
        }
        allocations.promote(id)?;
        Ok(true)
    }

    /// The lease ended: stop any deploy, remove containers and volumes, release resources.
    /// When Docker cannot be reached the lease is marked closed and retried on later ticks.
    async fn lease_ended(&mut self, id: &LeaseId) -> Result<(), Failure> {
        self.cancel_deploy(id).await;
        self.trackers.remove(id);
        self.closing.remove(id);
        let grace = self.shared.options.stop_grace;
        match self.shared.runtime.teardown(id, grace).await {
            Ok(removed) => {
                if removed.containers > 0 || removed.volumes > 0 {
                    info!(lease = %id, containers = removed.containers, volumes = removed.volumes,
                        "lease's containers and volumes removed");
                }
                self.shared.allocations().release(id)?;
                self.shared.store.remove_lease(id)?;
                self.shared.update_gpu_gauges();
            }
            Err(e) => {
                warn!(lease = %id, error = %e, "cannot remove the lease's containers yet; retrying");
                let mut record = self.shared.store.lease(id)?.unwrap_or_else(|| {
                    LeaseRecord::new(id.clone(), DecCoin::new(Default::default(), ""), now_unix())
                });
                record.closed = true;
                self.shared.store.put_lease(&record)?;
            }
        }
        Ok(())
    }

    /// The escrow is empty: stop the containers now; the lease closes on chain at the next
    /// settlement, which releases the rest.
    async fn stop_workload(&mut self, id: &LeaseId) -> Result<(), Failure> {
        let Some(mut record) = self.shared.store.lease(id)? else {
            return Ok(());
        };
        if record.stopped || record.closed {
            return Ok(());
        }
        self.cancel_deploy(id).await;
        match self
            .shared
            .runtime
            .teardown(id, self.shared.options.stop_grace)
            .await
        {
            Ok(_) => {
                record.stopped = true;
                self.shared.store.put_lease(&record)?;
                info!(lease = %id, "escrow out of funds: workload stopped");
            }
            Err(e) => {
                warn!(lease = %id, error = %e, "cannot stop the workload of an unfunded lease yet")
            }
        }
        Ok(())
    }

    /// Starts (or restarts) the lease's containers from its accepted manifest.
    async fn spawn_deploy(&mut self, record: &LeaseRecord) {
        let Some(manifest) = &record.manifest else {
            return;
        };
        let id = record.id.clone();
        let Some(gpus) = self.shared.allocations().get(&id).map(|a| a.gpu_uuids()) else {
            warn!(lease = %id, "no resources held for the lease; not deploying");
            return;
        };
        let plan = match spec::plan(
            &id,
            &manifest.group,
            &gpus,
            &self.shared.config.runtime.docker,
        ) {
            Ok(plan) => plan,
            Err(e) => {
                warn!(lease = %id, error = %e, "cannot plan the lease's containers");
                return;
            }
        };
        let plan = if self.shared.gpus_are_fake() && plan.requests_gpus() {
            info!(lease = %id, gpus = ?gpus,
                "static inventory: the containers get no GPU devices (the GPUs are not real)");
            plan.without_gpu_devices()
        } else {
            plan
        };
        self.cancel_deploy(&id).await;
        self.trackers.entry(id.clone()).or_default().reset_counts();
        let runtime = self.shared.runtime.clone();
        let grace = self.shared.options.stop_grace;
        info!(lease = %id, containers = plan.containers.len(), manifest = %manifest.hash, "deploying");
        let handle = tokio::spawn(async move { runtime.deploy(&plan, grace).await });
        self.deploys.insert(id, handle);
    }

    /// Stops a deploy in flight and waits until it is gone, so that a teardown after it sees
    /// everything it created.
    async fn cancel_deploy(&mut self, id: &LeaseId) {
        if let Some(handle) = self.deploys.remove(id) {
            handle.abort();
            let _ = handle.await;
        }
    }

    /// At shutdown: deploys in flight finish (bounded by the stop grace), so no half-created
    /// lease is left behind without a task to finish it.
    async fn finish_deploys(&mut self) {
        let grace = self.shared.options.stop_grace;
        for (id, handle) in self.deploys.drain() {
            match tokio::time::timeout(grace, handle).await {
                Ok(Ok(Err(e))) => warn!(lease = %id, error = %e, "deploy failed"),
                Ok(_) => {}
                Err(_) => {
                    warn!(lease = %id, "deploy still running at shutdown; the next start redeploys it")
                }
            }
        }
    }

    /// Sends `CloseBid` for each lease with its reason, in one tx; each is asked at most once
    /// per [`CLOSE_RETRY_SECS`].
    async fn request_close(&mut self, leases: Vec<(LeaseId, LeaseCloseReason)>) {
        let now = now_unix();
        let leases: Vec<_> = leases
            .into_iter()
            .filter(|(id, _)| {
                self.closing
                    .get(id)
                    .is_none_or(|at| now.saturating_sub(*at) >= CLOSE_RETRY_SECS)
            })
            .collect();
        let mut msgs = Vec::new();
        let mut sent = Vec::new();
        for (id, reason) in leases {
            match self.shared.chain.market_msg(
                &MarketMsg::CloseBid {
                    id: id.clone(),
                    reason: Some(reason),
                },
                &[],
            ) {
                Ok(msg) => {
                    msgs.push(msg);
                    sent.push((id, reason));
                }
                Err(e) => warn!(lease = %id, error = %e, "cannot build CloseBid"),
            }
        }
        let results = self.shared.chain.send_batch(TxKind::CloseBid, msgs).await;
        for ((id, reason), result) in sent.into_iter().zip(results) {
            let reason = kumo_types::events::lease_close_reason_str(reason);
            match result {
                Ok(outcome) => {
                    self.closing.insert(id.clone(), now);
                    info!(lease = %id, reason, tx = %outcome.hash, "asked the chain to close the lease");
                }
                Err(e) => {
                    warn!(lease = %id, reason, error = %e, "cannot close the lease; trying again later")
                }
            }
        }
    }

    fn publish_gauges(&self) -> Result<(), Failure> {
        let active = self
            .shared
            .store
            .leases()?
            .iter()
            .filter(|l| !l.closed)
            .count();
        self.shared.metrics.leases_active.set(active as i64);
        self.shared.update_gpu_gauges();
        Ok(())
    }
}
