//! A provider that crashes and comes back: a lease closed meanwhile is torn down, an active
//! lease whose container vanished meanwhile is recreated from the persisted manifest.

use std::time::Duration;

use bollard::query_parameters::RemoveContainerOptionsBuilder;
use kumo_types::market::ExecuteMsg as MarketMsg;

use crate::common::*;

#[test]
fn restart_reconciles_the_host_with_the_chain() {
    run_test(Duration::from_secs(300), async {
        let test = "restart";
        let provider = ProviderSetup::new(test, 7, ProviderFile::default()).await;
        let running = provider.start().await;
        let tenant = Tenant::new(8).await;
        let gateway = provider.gateway_for(&tenant);

        // Two CPU leases, both running.
        let sdl = sdl(test, 0, "sleep 3600");
        let first = tenant.fresh_dseq().await;
        let (closed_dseq, kept_dseq) = (first, first + 1);
        tenant
            .create_deployments(&[(closed_dseq, &sdl), (kept_dseq, &sdl)])
            .await;
        let mut leases = Vec::new();
        for dseq in [closed_dseq, kept_dseq] {
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
            leases.push(bid.id);
        }
        let (closed, kept) = (leases[0].clone(), leases[1].clone());
        for lease in [&closed, &kept] {
            wait_for("the container to run", Duration::from_secs(60), || async {
                let c = containers_of(lease).await;
                (c.len() == 1
                    && c[0].state.as_ref().map(|s| s.to_string()).as_deref() == Some("running"))
                .then_some(())
            })
            .await;
        }
        let kept_container = containers_of(&kept).await[0].id.clone().unwrap();

        // Crash. Meanwhile the tenant closes one lease and the other's container disappears.
        running.kill().await;
        tenant
            .execute(&MarketMsg::CloseLease { id: closed.clone() })
            .await;
        docker()
            .await
            .remove_container(
                &kept_container,
                Some(RemoveContainerOptionsBuilder::default().force(true).build()),
            )
            .await
            .unwrap();
        assert_eq!(
            containers_of(&closed).await.len(),
            1,
            "still there while the provider is down"
        );

        // Back up: the closed lease's container goes, the kept one comes back.
        let running = wait_for(
            "the daemon to start again",
            Duration::from_secs(20),
            || async {
                // The killed tasks release the stores' files as they unwind.
                tokio::time::sleep(Duration::from_millis(300)).await;
                provider.try_start().await.ok()
            },
        )
        .await;
        wait_for(
            "the closed lease's container to be removed",
            Duration::from_secs(30),
            || async { containers_of(&closed).await.is_empty().then_some(()) },
        )
        .await;
        wait_for(
            "the kept lease's container to be recreated",
            Duration::from_secs(60),
            || async {
                let c = containers_of(&kept).await;
                (c.len() == 1 && c[0].id.as_deref() != Some(kept_container.as_str())).then_some(())
            },
        )
        .await;
        let status = wait_for("the kept lease to run", Duration::from_secs(30), || {
            let gateway = gateway.clone();
            async move {
                let s = gateway.lease_status(kept_dseq, 1, 1).await.ok()?;
                s.all_running().then_some(s)
            }
        })
        .await;
        assert!(status.manifest_received);

        // Leave nothing behind: closing the deployment removes the kept lease's container.
        tenant
            .execute(&MarketMsg::CloseDeployment {
                id: kept.deployment(),
            })
            .await;
        wait_for(
            "the kept lease's container to be removed",
            Duration::from_secs(30),
            || async { containers_of(&kept).await.is_empty().then_some(()) },
        )
        .await;
        running.stop().await;
    });
}
