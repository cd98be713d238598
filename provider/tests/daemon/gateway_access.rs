//! The real daemon's gateway keeps tenants apart: a manifest asking for more than the lease
//! pays for is refused even with the right hash; another tenant's valid token sees nothing of
//! the lease and cannot send it a manifest; forged, replayed, misaddressed and under-scoped
//! tokens are refused; the owner still reads status and logs afterwards.

use std::time::Duration;

use kumo_client::gateway::types::{scope, LogsQuery};
use kumo_client::gateway::{jwt, GatewayClient, GatewayClientError};

use crate::common::*;

/// The status and gateway code of a refusal.
fn refusal<T: std::fmt::Debug>(result: Result<T, GatewayClientError>) -> (u16, String) {
    match result {
        Err(GatewayClientError::Status { status, code, .. }) => (status, code),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn the_gateway_refuses_oversized_manifests_and_other_tenants() {
    run_test(Duration::from_secs(240), async {
        let test = "gwaccess";
        let provider = ProviderSetup::new(test, 18, ProviderFile::default()).await;
        let running = provider.start().await;
        let tenant = Tenant::new(19).await;
        // Signs tokens only: it needs no account on chain.
        let foreign = std::sync::Arc::new(dev_key(40));

        // `small` is what the leases pay for; `greedy` is the same service asking for 1Gi of
        // memory, and deployment `over` commits to greedy's hash while ordering small's groups.
        let script = "echo kumo-access; sleep 3600";
        let small = sdl(test, 0, script);
        let greedy = sdl_sized(test, 0, script, 1000, "1Gi");
        let mut over_sdl = small.clone();
        over_sdl.manifest_hash = greedy.manifest_hash;
        over_sdl.manifest = greedy.manifest.clone();
        let first = tenant.fresh_dseq().await;
        let (over, good) = (first, first + 1);
        tenant
            .create_deployments(&[(over, &over_sdl), (good, &small)])
            .await;
        let mut leases = Vec::new();
        for dseq in [over, good] {
            let bid = tenant
                .wait_bid(
                    &tenant.order(dseq),
                    &provider.address,
                    Duration::from_secs(30),
                )
                .await;
            tenant.create_lease(&bid.id).await;
            leases.push(bid.id);
        }
        let gateway = provider.gateway_for(&tenant);

        // The right hash, but 1Gi of memory on a lease of 128Mi: refused, nothing deployed.
        let refused = wait_for("the manifest to be judged", Duration::from_secs(30), || {
            let gateway = gateway.clone();
            let json = greedy.manifest_json();
            async move {
                match gateway.send_manifest(over, json).await {
                    Err(GatewayClientError::Status {
                        status: 404 | 503, ..
                    }) => None,
                    other => Some(other),
                }
            }
        })
        .await;
        match refused {
            Err(GatewayClientError::Status {
                status,
                code,
                message,
                field,
            }) => {
                assert_eq!((status, code.as_str()), (422, "invalid_manifest"));
                assert_eq!(field.as_deref(), Some("[0].services[0].resources"));
                assert!(
                    message.contains("memory") && message.contains("more than the lease"),
                    "{message}"
                );
            }
            other => panic!("a manifest over the leased resources must be refused: {other:?}"),
        }
        assert!(containers_of(&leases[0]).await.is_empty());
        let status = gateway.lease_status(over, 1, 1).await.unwrap();
        assert!(!status.manifest_received);

        // The other deployment runs.
        wait_for(
            "the manifest to be accepted",
            Duration::from_secs(30),
            || {
                let gateway = gateway.clone();
                let json = small.manifest_json();
                async move { gateway.send_manifest(good, json).await.ok() }
            },
        )
        .await;
        wait_for("the container to run", Duration::from_secs(60), || {
            let gateway = gateway.clone();
            async move {
                let s = gateway.lease_status(good, 1, 1).await.ok()?;
                s.all_running().then_some(())
            }
        })
        .await;

        // Another tenant with a valid token of its own: the lease is not theirs to see (the
        // owner is always the token's address), nor their deployment to send a manifest to.
        let stranger = GatewayClient::new(&provider.host_uri, &provider.fingerprint)
            .unwrap()
            .with_key(foreign.clone(), provider.address.clone());
        assert_eq!(
            refusal(stranger.lease_status(good, 1, 1).await).0,
            404,
            "another tenant's token must not see the lease"
        );
        assert_eq!(
            refusal(
                stranger
                    .lease_logs(good, 1, 1, &LogsQuery::default())
                    .await
                    .map(|_| ())
            )
            .0,
            404
        );
        let hijack = sdl(test, 0, "echo hijacked; sleep 3600");
        assert_eq!(
            refusal(stranger.send_manifest(good, hijack.manifest_json()).await).0,
            404
        );

        // Tokens that are not the tenant's: 401.
        let with_token = |token: String| {
            GatewayClient::new(&provider.host_uri, &provider.fingerprint)
                .unwrap()
                .with_token(token)
        };
        let issue = |key: &kumo_client::keys::KeyPair, audience: &str, scopes: &[&str]| {
            jwt::issue(key, audience, scopes, jwt::DEFAULT_TTL).unwrap()
        };
        let tenant_token = issue(&tenant.key, &provider.address, &scope::ALL);
        let stranger_token = issue(&foreign, &provider.address, &scope::ALL);
        // The tenant's claims under the stranger's signature.
        let (claims, _) = tenant_token.rsplit_once('.').unwrap();
        let (_, signature) = stranger_token.rsplit_once('.').unwrap();
        let forged = format!("{claims}.{signature}");
        let (status, code) = refusal(with_token(forged).lease_status(good, 1, 1).await);
        assert_eq!((status, code.as_str()), (401, "unauthorized"), "forged");
        // A genuine token of the tenant, for another provider.
        let elsewhere = issue(&tenant.key, foreign.address(), &scope::ALL);
        assert_eq!(
            refusal(with_token(elsewhere).lease_status(good, 1, 1).await).0,
            401,
            "another provider's token"
        );
        // A genuine token, used twice.
        let once = issue(&tenant.key, &provider.address, &scope::ALL);
        let replayed = with_token(once);
        replayed.lease_status(good, 1, 1).await.unwrap();
        assert_eq!(
            refusal(replayed.lease_status(good, 1, 1).await).0,
            401,
            "replay"
        );
        // A genuine token without the route's scope: 403.
        let logs_only = issue(&tenant.key, &provider.address, &[scope::LOGS]);
        let (status, code) = refusal(with_token(logs_only).lease_status(good, 1, 1).await);
        assert_eq!((status, code.as_str()), (403, "forbidden"));
        let status_only = issue(&tenant.key, &provider.address, &[scope::STATUS]);
        assert_eq!(
            refusal(
                with_token(status_only)
                    .send_manifest(good, hijack.manifest_json())
                    .await
            )
            .0,
            403
        );

        // None of it touched the lease: the owner still sees its container and output.
        let status = gateway.lease_status(good, 1, 1).await.unwrap();
        assert!(status.all_running(), "{status:?}");
        let containers = containers_of(&leases[1]).await;
        assert_eq!(containers.len(), 1);
        wait_for("the container's output", Duration::from_secs(20), || {
            let gateway = gateway.clone();
            async move {
                use futures::StreamExt;
                let lines: Vec<_> = gateway
                    .lease_logs(good, 1, 1, &LogsQuery::default())
                    .await
                    .ok()?
                    .collect()
                    .await;
                let lines: Vec<String> = lines
                    .into_iter()
                    .filter_map(|l| l.ok())
                    .map(|l| l.line)
                    .collect();
                assert!(!lines.iter().any(|l| l.contains("hijacked")), "{lines:?}");
                lines.iter().any(|l| l == "kumo-access").then_some(())
            }
        })
        .await;
        let refused = running
            .metrics
            .gateway_requests
            .with_label_values(&["lease_status", "401"])
            .get();
        assert!(refused >= 3, "{refused}");

        for lease in &leases {
            tenant
                .execute(&kumo_types::market::ExecuteMsg::CloseLease { id: lease.clone() })
                .await;
        }
        wait_for("the container to go", Duration::from_secs(30), || {
            let lease = leases[1].clone();
            async move { containers_of(&lease).await.is_empty().then_some(()) }
        })
        .await;
        running.stop().await;
    });
}
