//! The provider's key is used outside the daemon (the operator bonds more collateral with
//! `kumo provider bond` while the daemon runs): the daemon's cached account sequence goes
//! stale, and its next txs resync it and go through — it keeps bidding and withdrawing.

use std::time::Duration;

use kumo_types::market::{EscrowResponse, QueryMsg as MarketQuery};

use crate::common::*;

#[test]
fn bids_and_withdrawals_survive_a_tx_sent_with_the_providers_key_elsewhere() {
    run_test(Duration::from_secs(180), async {
        let test = "sequence";
        let provider = ProviderSetup::new(
            test,
            20,
            ProviderFile {
                withdraw_period: "2s",
                ..ProviderFile::default()
            },
        )
        .await;
        let running = provider.start().await;
        let tenant = Tenant::new(21).await;
        let sdl = sdl(test, 0, "sleep 3600");

        // A first bid: the daemon now knows its account's sequence.
        let first = tenant.fresh_dseq().await;
        tenant.create_deployments(&[(first, &sdl)]).await;
        tenant
            .wait_bid(
                &tenant.order(first),
                &provider.address,
                Duration::from_secs(30),
            )
            .await;

        // A tx from the provider's key, not through the daemon: its sequence is now stale.
        provider.bond(1).await;

        // It still bids ...
        let second = tenant.fresh_dseq().await;
        tenant.create_deployments(&[(second, &sdl)]).await;
        let bid = tenant
            .wait_bid(
                &tenant.order(second),
                &provider.address,
                Duration::from_secs(30),
            )
            .await;

        // ... and withdraws, before and after another tx sent behind its back.
        tenant.create_lease(&bid.id).await;
        let lease = bid.id.clone();
        let withdrawn = || {
            let (client, lease) = (tenant.client.clone(), lease.clone());
            async move {
                let escrow: EscrowResponse = client
                    .query_market(&MarketQuery::Escrow {
                        id: lease.deployment(),
                    })
                    .await
                    .ok()?;
                let payment = escrow.payments.into_iter().find(|p| p.lease == lease)?;
                Some(payment.withdrawn)
            }
        };
        wait_for("a withdrawal", Duration::from_secs(30), || async {
            withdrawn().await.filter(|w| !w.is_zero())
        })
        .await;
        provider.bond(1).await;
        let before = withdrawn().await.unwrap();
        wait_for(
            "a withdrawal after the outside tx",
            Duration::from_secs(30),
            || async { withdrawn().await.filter(|w| *w > before) },
        )
        .await;

        // The stale sequence cost no failed tx: the client resynced and sent again.
        for kind in ["bid", "withdraw"] {
            assert_eq!(
                running.metrics.tx_failures.with_label_values(&[kind]).get(),
                0,
                "{kind} tx failures"
            );
        }
        tenant
            .execute(&kumo_types::market::ExecuteMsg::CloseDeployment {
                id: lease.deployment(),
            })
            .await;
        running.stop().await;
    });
}
