//! The lease manager's periodic work: finished deploys, teardowns Docker refused earlier,
//! manifest timeouts, crash loops, and containers that belong to no lease.

use std::collections::BTreeSet;

use kumo_types::ids::LeaseId;
use kumo_types::market::LeaseCloseReason;
use tracing::{info, warn};

use super::LeaseManager;
use crate::daemon::crashloop::{Observation, Verdict};
use crate::daemon::failure::Failure;
use crate::daemon::now_unix;

impl LeaseManager {
    pub(super) async fn on_tick(&mut self) -> Result<(), Failure> {
        if !self.reconciled {
            self.reconcile().await?;
        }
        self.reap_deploys().await;
        let records = self.shared.store.leases()?;
        let now = now_unix();
        let mut to_close: Vec<(LeaseId, LeaseCloseReason)> = Vec::new();
        for record in &records {
            if record.closed {
                self.lease_ended(&record.id).await?;
                continue;
            }
            if record.stopped {
                continue;
            }
            let Some(manifest) = &record.manifest else {
                let waited = now.saturating_sub(record.created_at);
                if waited >= self.shared.config.timeouts.manifest.as_secs() {
                    warn!(lease = %record.id, waited_secs = waited,
                        "no valid manifest within timeouts.manifest: closing the lease");
                    to_close.push((record.id.clone(), LeaseCloseReason::ManifestTimeout));
                }
                continue;
            };
            if self.deploys.contains_key(&record.id) {
                continue;
            }
            let status = match self.shared.runtime.status(&record.id).await {
                Ok(status) => status,
                Err(e) => {
                    warn!(lease = %record.id, error = %e, "cannot read the lease's containers");
                    continue;
                }
            };
            let observation = Observation {
                restarts: status
                    .containers
                    .iter()
                    .map(|c| c.restarts.max(0) as u64)
                    .sum(),
                running: status.containers.iter().filter(|c| c.running).count(),
                expected: manifest
                    .group
                    .services
                    .iter()
                    .map(|s| s.count as usize)
                    .sum(),
            };
            let policy = self.shared.options.crash_loop;
            let elapsed = self.started.elapsed();
            let verdict = self.trackers.entry(record.id.clone()).or_default().observe(
                &policy,
                elapsed,
                observation,
            );
            match verdict {
                Verdict::Healthy | Verdict::Waiting => {}
                Verdict::Redeploy => {
                    warn!(lease = %record.id, running = observation.running,
                        expected = observation.expected, "containers not running: recreating them");
                    self.spawn_deploy(record).await;
                }
                Verdict::Unstable { restarts } => {
                    warn!(lease = %record.id, restarts, window = ?policy.window,
                        "the lease's containers keep crashing: closing it as unstable");
                    to_close.push((record.id.clone(), LeaseCloseReason::Unstable));
                }
            }
        }
        if !to_close.is_empty() {
            self.request_close(to_close).await;
        }
        self.remove_orphans(&records).await;
        self.publish_gauges()
    }

    /// Collects deploys that ended, logging failures (the next check recreates the containers
    /// with backoff).
    async fn reap_deploys(&mut self) {
        let finished: Vec<LeaseId> = self
            .deploys
            .iter()
            .filter(|(_, h)| h.is_finished())
            .map(|(id, _)| id.clone())
            .collect();
        for id in finished {
            let Some(handle) = self.deploys.remove(&id) else {
                continue;
            };
            match handle.await {
                Ok(Ok(())) => info!(lease = %id, "deployed"),
                Ok(Err(e)) => {
                    warn!(lease = %id, error = %e, "deploy failed; retrying with backoff")
                }
                Err(e) if e.is_cancelled() => {}
                Err(e) => warn!(lease = %id, error = %e, "deploy task panicked"),
            }
        }
    }

    /// Containers labelled for this provider but of no lease it runs (a lease that ended while
    /// a deploy was in flight, or anything left behind): removed.
    async fn remove_orphans(&mut self, records: &[crate::daemon::store::LeaseRecord]) {
        let known: BTreeSet<&LeaseId> = records.iter().map(|r| &r.id).collect();
        let on_host = match self.shared.runtime.leases_on_host().await {
            Ok(on_host) => on_host,
            Err(e) => {
                warn!(error = %e, "cannot list the containers on this host");
                return;
            }
        };
        for id in on_host.leases {
            if id.provider != self.me || known.contains(&id) || self.deploys.contains_key(&id) {
                continue;
            }
            match self
                .shared
                .runtime
                .teardown(&id, self.shared.options.stop_grace)
                .await
            {
                Ok(_) => {
                    info!(lease = %id, "removed containers of a lease this provider does not run")
                }
                Err(e) => warn!(lease = %id, error = %e, "cannot remove orphaned containers"),
            }
        }
    }
}
