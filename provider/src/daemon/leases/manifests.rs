//! A tenant's manifest for one of its deployments: checked against the chain (hash) and each
//! lease this provider holds in the deployment (resources, GPUs, images), persisted, then
//! deployed — or, for a lease already running an older manifest, rolled.

use kumo_client::gateway::types::{LeaseRef, ManifestAccepted};
use kumo_client::ClientError;
use kumo_sdl::Manifest;
use kumo_types::ids::DeploymentId;
use kumo_types::market::{DeploymentResponse, DeploymentState, QueryMsg as MarketQuery};
use tracing::info;

use super::LeaseManager;
use crate::daemon::manifest::{accept, manifest_hash_hex};
use crate::daemon::store::AcceptedManifest;
use crate::daemon::{now_unix, DaemonError};
use crate::gateway::GatewayError;

pub(super) enum Refused {
    Gateway(GatewayError),
    /// Local state cannot be written: the daemon stops.
    Fatal(DaemonError),
}

impl From<GatewayError> for Refused {
    fn from(e: GatewayError) -> Self {
        Refused::Gateway(e)
    }
}

impl From<crate::daemon::store::StoreError> for Refused {
    fn from(e: crate::daemon::store::StoreError) -> Self {
        Refused::Fatal(e.into())
    }
}

impl LeaseManager {
    pub(super) async fn accept_manifest(
        &mut self,
        owner: &str,
        dseq: u64,
        manifest: Manifest,
    ) -> Result<ManifestAccepted, Refused> {
        let deployment = DeploymentId::new(owner, dseq);
        let mut records: Vec<_> = self
            .shared
            .store
            .leases()?
            .into_iter()
            .filter(|r| r.id.deployment() == deployment && !r.closed)
            .collect();
        if records.is_empty() {
            return Err(GatewayError::NotFound(format!(
                "no active lease of deployment {deployment} with this provider"
            ))
            .into());
        }
        let on_chain: DeploymentResponse = match self
            .shared
            .chain
            .market(&MarketQuery::Deployment {
                id: deployment.clone(),
            })
            .await
        {
            Ok(d) => d,
            Err(ClientError::Contract { message }) => {
                return Err(GatewayError::NotFound(message).into())
            }
            Err(e) => return Err(GatewayError::Unavailable(e.to_string()).into()),
        };
        if on_chain.deployment.state != DeploymentState::Active {
            return Err(
                GatewayError::NotFound(format!("deployment {deployment} is closed")).into(),
            );
        }
        let expected = on_chain.deployment.manifest_hash.to_hex();
        let hash = manifest_hash_hex(&manifest);

        // Check every lease before changing anything: all or nothing.
        let mut accepted = Vec::with_capacity(records.len());
        for record in &records {
            let group = on_chain
                .groups
                .iter()
                .find(|g| g.id.gseq == record.id.gseq)
                .ok_or_else(|| {
                    GatewayError::NotFound(format!(
                        "the deployment has no group {}",
                        record.id.gseq
                    ))
                })?;
            let gpus = self
                .shared
                .allocations()
                .get(&record.id)
                .map(|a| a.gpus.len())
                .ok_or_else(|| {
                    GatewayError::Unavailable(format!(
                        "lease {} holds no resources here yet; retry shortly",
                        record.id
                    ))
                })?;
            let group = accept(
                &manifest,
                &expected,
                &record.id,
                &group.spec,
                gpus,
                &self.shared.config.runtime.docker,
            )?;
            accepted.push(group);
        }

        let mut refs = Vec::with_capacity(records.len());
        for (record, group) in records.iter_mut().zip(accepted) {
            refs.push(LeaseRef {
                gseq: record.id.gseq,
                oseq: record.id.oseq,
            });
            let unchanged = record.manifest.as_ref().is_some_and(|m| m.hash == hash);
            if unchanged && !record.stopped {
                // The same manifest again (a retrying client): nothing to redo.
                continue;
            }
            if record.stopped {
                // Its escrow ran dry: the lease is about to close; do not start it again.
                continue;
            }
            let rolling = record.manifest.is_some();
            record.manifest = Some(AcceptedManifest {
                hash: hash.clone(),
                group,
                accepted_at: now_unix(),
            });
            self.shared.store.put_lease(record)?;
            self.shared.metrics.manifests_accepted.inc();
            info!(lease = %record.id, manifest = %hash, rolling, "manifest accepted");
            self.spawn_deploy(record).await;
        }
        let services: usize = records
            .iter()
            .filter_map(|r| r.manifest.as_ref())
            .map(|m| m.group.services.len())
            .sum();
        Ok(ManifestAccepted {
            owner: owner.to_string(),
            dseq,
            manifest_hash: hash,
            leases: refs,
            message: Some(format!(
                "deploying {services} service(s) on {} lease(s)",
                records.len()
            )),
        })
    }
}
