//! A workload that keeps crashing: Docker restarts it, the provider watches the restarts, and a
//! sustained loop closes the lease with reason `unstable` (and removes the container).

use std::time::Duration;

use kumo_provider::daemon::crashloop::CrashLoopPolicy;
use kumo_types::market::{LeaseCloseReason, LeaseState};

use crate::common::*;

#[test]
fn a_crash_looping_lease_is_closed_as_unstable() {
    run_test(Duration::from_secs(180), async {
        let test = "crashloop";
        let mut provider = ProviderSetup::new(test, 11, ProviderFile::default()).await;
        provider.options.crash_loop = CrashLoopPolicy {
            max_restarts: 3,
            window: Duration::from_secs(60),
            backoff_initial: Duration::from_secs(1),
            backoff_max: Duration::from_secs(4),
        };
        let running = provider.start().await;
        let tenant = Tenant::new(12).await;
        let gateway = provider.gateway_for(&tenant);

        let sdl = sdl(test, 0, "echo crashing; exit 1");
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
        wait_for(
            "the manifest to be accepted",
            Duration::from_secs(30),
            || {
                let gateway = gateway.clone();
                let json = sdl.manifest_json();
                async move { gateway.send_manifest(dseq, json).await.ok() }
            },
        )
        .await;

        let lease = wait_for("the lease to close", Duration::from_secs(60), || {
            let id = bid.id.clone();
            let tenant = &tenant;
            async move {
                let lease = tenant.lease(&id).await?;
                (lease.state == LeaseState::Closed).then_some(lease)
            }
        })
        .await;
        assert_eq!(lease.close_reason, Some(LeaseCloseReason::Unstable));
        wait_for(
            "the container to be removed",
            Duration::from_secs(30),
            || async { containers_of(&bid.id).await.is_empty().then_some(()) },
        )
        .await;
        running.stop().await;
    });
}
