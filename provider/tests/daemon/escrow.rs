//! A lease whose escrow runs dry: the provider withdraws early while it runs low, the
//! settlement its withdrawal triggers closes the lease as `insufficient_funds`, and the
//! workload is stopped and removed.

use std::time::Duration;

use kumo_types::market::{EscrowResponse, LeaseCloseReason, LeaseState, QueryMsg as MarketQuery};

use crate::common::*;

#[test]
fn a_lease_that_runs_dry_is_stopped_and_paid() {
    run_test(Duration::from_secs(180), async {
        let test = "escrow";
        // 100 millicpu at 2500 each: about 250,000 per block, so the 5,000,000 deposit pays
        // for some 20 blocks (8 s).
        let provider = ProviderSetup::new(
            test,
            16,
            ProviderFile {
                cpu_per_millicpu: "2500",
                ..ProviderFile::default()
            },
        )
        .await;
        let running = provider.start().await;
        let tenant = Tenant::new(17).await;
        let gateway = provider.gateway_for(&tenant);

        let sdl = sdl_with_max(test, 0, "sleep 3600", 300_000);
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
        wait_for("the container to run", Duration::from_secs(30), || async {
            (!containers_of(&bid.id).await.is_empty()).then_some(())
        })
        .await;

        let lease = wait_for("the lease to run dry", Duration::from_secs(60), || {
            let id = bid.id.clone();
            let tenant = &tenant;
            async move {
                let lease = tenant.lease(&id).await?;
                (lease.state != LeaseState::Active).then_some(lease)
            }
        })
        .await;
        assert_eq!(
            lease.close_reason,
            Some(LeaseCloseReason::InsufficientFunds)
        );
        wait_for(
            "the workload to be removed",
            Duration::from_secs(30),
            || async { containers_of(&bid.id).await.is_empty().then_some(()) },
        )
        .await;
        // The escrow paid out all it could: less than one block's price is left.
        let escrow: EscrowResponse = tenant
            .client
            .query_market(&MarketQuery::Escrow {
                id: bid.id.deployment(),
            })
            .await
            .unwrap();
        assert!(escrow.account.balance < bid.price.amount.to_uint_ceil());
        assert!(escrow.account.transferred > (DEPOSIT / 2).into());
        // ... and the provider withdrew while the lease ran (early: the escrow was low).
        assert!(running.metrics.withdrawals.get() >= 2);
        assert!(running.metrics.withdrawn_amount.get() > (DEPOSIT / 2) as f64);
        // The gauge is republished after the teardown, not with it.
        wait_for(
            "the active-leases gauge to drop to 0",
            Duration::from_secs(30),
            || async { (running.metrics.leases_active.get() == 0).then_some(()) },
        )
        .await;
        running.stop().await;
    });
}
