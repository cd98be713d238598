//! A lease whose manifest never comes is closed with reason `manifest_timeout`, and what it
//! held is released.

use std::time::Duration;

use kumo_provider::gateway::GatewayBackend;
use kumo_types::market::{LeaseCloseReason, LeaseState};

use crate::common::*;

#[test]
fn a_lease_without_manifest_is_closed_after_the_timeout() {
    run_test(Duration::from_secs(180), async {
        let test = "manifesttimeout";
        let provider = ProviderSetup::new(
            test,
            5,
            ProviderFile {
                manifest_timeout: "3s",
                ..ProviderFile::default()
            },
        )
        .await;
        let running = provider.start().await;
        let tenant = Tenant::new(6).await;

        let sdl = sdl(test, 1, "sleep 3600");
        let dseq = tenant.fresh_dseq().await;
        tenant.create_deployments(&[(dseq, &sdl)]).await;
        let bid = tenant
            .wait_bid(
                &tenant.order(dseq),
                &provider.address,
                Duration::from_secs(30),
            )
            .await;
        tenant.create_lease(&bid.id).await;
        wait_for("the lease to be seen", Duration::from_secs(20), || {
            let backend = running.backend.clone();
            async move { (backend.status().await.leases_active == 1).then_some(()) }
        })
        .await;

        // No manifest: after 3 s the provider closes it.
        let lease = wait_for("the lease to close", Duration::from_secs(30), || {
            let id = bid.id.clone();
            let tenant = &tenant;
            async move {
                let lease = tenant.lease(&id).await?;
                (lease.state == LeaseState::Closed).then_some(lease)
            }
        })
        .await;
        assert_eq!(lease.close_reason, Some(LeaseCloseReason::ManifestTimeout));
        wait_for("the GPU to be released", Duration::from_secs(20), || {
            let backend = running.backend.clone();
            async move {
                let s = backend.status().await;
                (s.leases_active == 0 && s.available.gpus == 2).then_some(())
            }
        })
        .await;
        assert!(containers_of(&bid.id).await.is_empty());
        running.stop().await;
    });
}
