//! The whole path: order → bid (right price, concrete GPU) → lease → manifest through the
//! gateway (a wrong one refused) → container → withdrawal → lease closed → torn down.

use std::str::FromStr;
use std::time::Duration;

use cosmwasm_std::{Decimal256, HexBinary};
use kumo_client::gateway::types::LogsQuery;
use kumo_client::gateway::GatewayClientError;
use kumo_provider::gateway::GatewayBackend;
use kumo_types::gpu::GpuSpec;
use kumo_types::market::{
    EscrowResponse, ExecuteMsg as MarketMsg, LeaseState, QueryMsg as MarketQuery,
};

use crate::common::*;

#[test]
fn order_to_bid_to_container_to_withdrawal_to_teardown() {
    run_test(Duration::from_secs(240), async {
        let test = "lifecycle";
        let provider = ProviderSetup::new(
            test,
            1,
            ProviderFile {
                withdraw_period: "3s",
                ..ProviderFile::default()
            },
        )
        .await;
        let running = provider.start().await;
        let tenant = Tenant::new(2).await;

        // An order for one GPU of any NVIDIA model.
        let sdl = sdl(test, 1, "echo kumo-started; sleep 3600");
        let dseq = tenant.fresh_dseq().await;
        tenant.create_deployments(&[(dseq, &sdl)]).await;
        let order = tenant.order(dseq);
        let bid = tenant
            .wait_bid(&order, &provider.address, Duration::from_secs(30))
            .await;

        // Priced by the concrete GPU offered (the A100, the cheaper of the two):
        // cpu 100 × 0.01 + memory 0.125 GiB × 2 + storage 0.5 GiB × 0.5 + 1 endpoint + 500.
        assert_eq!(bid.price.denom, "uakt");
        assert_eq!(bid.price.amount, Decimal256::from_str("502.5").unwrap());
        let offered = bid.offer.units[0]
            .gpu
            .clone()
            .expect("the bid names its GPU");
        assert_eq!(
            offered,
            GpuSpec::new("nvidia", "a100")
                .with_ram("40Gi")
                .with_interface("pcie")
        );

        tenant.create_lease(&bid.id).await;
        let lease = bid.id.clone();
        let gateway = provider.gateway_for(&tenant);

        // Until the lease is seen, the manifest has nowhere to go; then a manifest that is not
        // the deployment's is refused with the hash mismatch.
        let mut wrong = sdl.manifest.clone();
        wrong.0[0].services[0].args = Some(vec!["echo tampered; sleep 3600".into()]);
        let wrong_json = serde_json::to_vec(&wrong.to_json()).unwrap();
        let refusal = wait_for("the manifest to be judged", Duration::from_secs(30), || {
            let (gateway, body) = (gateway.clone(), wrong_json.clone());
            async move {
                match gateway.send_manifest(dseq, body).await {
                    Err(GatewayClientError::Status {
                        status: 404 | 503, ..
                    }) => None,
                    other => Some(other),
                }
            }
        })
        .await;
        match refusal {
            Err(GatewayClientError::Status { status, code, .. }) => {
                assert_eq!(status, 422);
                assert_eq!(code, "hash_mismatch");
            }
            other => panic!("a tampered manifest must be refused, got {other:?}"),
        }
        assert!(
            containers_of(&lease).await.is_empty(),
            "nothing deployed for it"
        );

        let accepted = gateway
            .send_manifest(dseq, sdl.manifest_json())
            .await
            .expect("the tenant's manifest is accepted");
        assert_eq!(accepted.manifest_hash, sdl.manifest_hash_hex());
        assert_eq!(accepted.leases.len(), 1);

        // The container runs, labelled with the lease, without GPU devices (static inventory).
        let status = wait_for("the container to run", Duration::from_secs(60), || {
            let gateway = gateway.clone();
            async move {
                let s = gateway.lease_status(dseq, 1, 1).await.ok()?;
                s.all_running().then_some(s)
            }
        })
        .await;
        assert!(status.manifest_received);
        let container = &status.services[0].containers[0];
        assert_eq!(container.gpu_uuids, [format!("GPU-fake-a100-{test}")]);
        let summaries = containers_of(&lease).await;
        assert_eq!(summaries.len(), 1);
        let inspect = docker()
            .await
            .inspect_container(summaries[0].id.as_deref().unwrap(), None)
            .await
            .unwrap();
        let host = inspect.host_config.unwrap();
        assert!(
            host.device_requests.unwrap_or_default().is_empty(),
            "fake GPUs must not be requested from Docker"
        );
        assert_eq!(host.network_mode.as_deref(), Some("none"));
        // The tenant reads the container's state and output through the gateway.
        assert_eq!(
            (status.owner.as_str(), status.provider.as_str(), status.dseq),
            (tenant.address().as_str(), provider.address.as_str(), dseq)
        );
        assert_eq!(status.services[0].name, "app");
        assert_eq!(status.services[0].containers.len(), 1);
        assert_eq!(container.state, "running");
        assert_eq!(container.image, IMAGE);
        let logs = wait_for("the container's output", Duration::from_secs(20), || {
            let gateway = gateway.clone();
            async move {
                use futures::StreamExt;
                let query = LogsQuery {
                    tail: Some(10),
                    ..LogsQuery::default()
                };
                let lines: Vec<_> = gateway
                    .lease_logs(dseq, 1, 1, &query)
                    .await
                    .ok()?
                    .collect()
                    .await;
                let lines: Vec<_> = lines.into_iter().filter_map(|l| l.ok()).collect();
                lines
                    .iter()
                    .any(|l| l.line == "kumo-started")
                    .then_some(lines)
            }
        })
        .await;
        assert!(logs.iter().all(|l| l.service == "app"), "{logs:?}");

        // The periodic withdrawal pays the provider.
        let escrow_query = MarketQuery::Escrow {
            id: lease.deployment(),
        };
        let withdrawn = wait_for("a withdrawal", Duration::from_secs(30), || {
            let (client, q) = (tenant.client.clone(), escrow_query.clone());
            let lease = lease.clone();
            async move {
                let escrow: EscrowResponse = client.query_market(&q).await.ok()?;
                let payment = escrow.payments.into_iter().find(|p| p.lease == lease)?;
                (!payment.withdrawn.is_zero()).then_some(payment.withdrawn)
            }
        })
        .await;
        assert!(!withdrawn.is_zero());
        let status = running.backend.status().await;
        assert_eq!(status.leases_active, 1);
        assert_eq!(
            status.available.gpus, 1,
            "the A100 is leased, the H100 free"
        );

        // UpdateDeployment: the new manifest (new hash) rolls the container.
        let updated = crate::common::sdl(test, 1, "echo kumo-rolled; sleep 3600");
        tenant
            .execute(&MarketMsg::UpdateDeployment {
                id: lease.deployment(),
                manifest_hash: HexBinary::from(updated.manifest_hash.to_vec()),
            })
            .await;
        let old_container = summaries[0].id.clone().unwrap();
        let rolled = gateway
            .send_manifest(dseq, updated.manifest_json())
            .await
            .expect("the updated manifest is accepted");
        assert_eq!(rolled.manifest_hash, updated.manifest_hash_hex());
        wait_for(
            "the rolled container to print",
            Duration::from_secs(60),
            || {
                let backend = running.backend.clone();
                let lease = lease.clone();
                let old = old_container.clone();
                async move {
                    use futures::StreamExt;
                    let now = containers_of(&lease).await;
                    if now.len() != 1 || now[0].id.as_deref() == Some(old.as_str()) {
                        return None;
                    }
                    let lines: Vec<_> = backend
                        .lease_logs(&lease, LogsQuery::default())
                        .await
                        .ok()?
                        .collect()
                        .await;
                    lines
                        .into_iter()
                        .filter_map(|l| l.ok())
                        .any(|l| l.line == "kumo-rolled")
                        .then_some(())
                }
            },
        )
        .await;

        // The tenant closes the lease: the container and its volumes go, the GPU is free.
        tenant
            .execute(&MarketMsg::CloseLease { id: lease.clone() })
            .await;
        wait_for(
            "the container to be removed",
            Duration::from_secs(30),
            || {
                let lease = lease.clone();
                async move { containers_of(&lease).await.is_empty().then_some(()) }
            },
        )
        .await;
        assert_eq!(
            tenant.lease(&lease).await.unwrap().state,
            LeaseState::Closed
        );
        wait_for("the lease to be forgotten", Duration::from_secs(10), || {
            let backend = running.backend.clone();
            async move { (backend.status().await.leases_active == 0).then_some(()) }
        })
        .await;
        // The group re-opened with a new order, which the provider bids on again (holding a
        // GPU for it); closing the deployment ends that bid and frees everything.
        tenant
            .wait_bid(
                &lease.group().order(2),
                &provider.address,
                Duration::from_secs(30),
            )
            .await;
        tenant
            .execute(&MarketMsg::CloseDeployment {
                id: lease.deployment(),
            })
            .await;
        let status = wait_for("every GPU to be free", Duration::from_secs(20), || {
            let backend = running.backend.clone();
            async move {
                let s = backend.status().await;
                (s.available.gpus == 2).then_some(s)
            }
        })
        .await;
        assert_eq!(status.total.gpus, 2);
        running.stop().await;
    });
}
