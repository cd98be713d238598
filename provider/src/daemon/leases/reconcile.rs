//! At start: make the host match the chain. Containers of leases that ended while the
//! provider was down are removed and their resources released; active leases whose containers
//! are gone are recreated from the persisted manifest; won bids are promoted; active leases
//! nothing is held for get their resources from the bid, or are closed when none are free.

use kumo_types::market::{LeaseCloseReason, LeaseState};
use tracing::{info, warn};

use super::LeaseManager;
use crate::daemon::failure::Failure;
use crate::daemon::now_unix;
use crate::daemon::store::LeaseRecord;

impl LeaseManager {
    pub(super) async fn reconcile(&mut self) -> Result<(), Failure> {
        let leases = self.shared.chain.my_leases().await?;
        let on_host = self
            .shared
            .runtime
            .leases_on_host()
            .await
            .map_err(|e| Failure::Retry(e.to_string()))?;
        let running: Vec<_> = on_host
            .leases
            .into_iter()
            .filter(|id| id.provider == self.me)
            .collect();
        let active: Vec<_> = leases
            .iter()
            .filter(|l| l.state == LeaseState::Active)
            .collect();
        let active_ids: Vec<_> = active.iter().map(|l| l.id.clone()).collect();
        let plan = self.shared.allocations().reconcile(&active_ids, &running);
        if !plan.is_empty() {
            info!(
                tear_down = plan.tear_down.len(),
                release = plan.release.len(),
                recreate = plan.recreate.len(),
                promote = plan.promote.len(),
                unaccounted = plan.unaccounted.len(),
                "reconciling the host with the chain"
            );
        }

        for id in &plan.tear_down {
            info!(lease = %id, "lease ended while the provider was down: removing its containers");
            self.lease_ended(id).await?;
        }
        for id in &plan.release {
            self.shared.allocations().release(id)?;
        }
        for id in &plan.promote {
            self.shared.allocations().promote(id)?;
        }
        let mut unserved = Vec::new();
        for id in &plan.unaccounted {
            if !self.allocate_from_chain(id).await? {
                unserved.push((id.clone(), LeaseCloseReason::Provider));
            }
        }
        // Records of leases that are no longer active go; active leases get a record (the
        // manifest timeout counts from now for a lease first seen now).
        for record in self.shared.store.leases()? {
            if !active_ids.contains(&record.id) {
                self.lease_ended(&record.id).await?;
            }
        }
        for lease in &active {
            if unserved.iter().any(|(id, _)| *id == lease.id) {
                continue;
            }
            if self.shared.store.lease(&lease.id)?.is_none() {
                self.shared.store.put_lease(&LeaseRecord::new(
                    lease.id.clone(),
                    lease.price.clone(),
                    now_unix(),
                ))?;
            }
        }
        for id in &plan.recreate {
            match self.shared.store.lease(id)? {
                Some(record) if record.manifest.is_some() && !record.stopped => {
                    info!(lease = %id, "containers of an active lease are missing: recreating them");
                    self.spawn_deploy(&record).await;
                }
                _ => {}
            }
        }
        if !unserved.is_empty() {
            warn!(
                leases = unserved.len(),
                "active leases without free resources: closing them"
            );
            self.request_close(unserved).await;
        }
        self.reconciled = true;
        self.publish_gauges()
    }
}
