//! Bidding: an order posted before the first start is found by the catch-up; orders that
//! arrive in one block get their bids in one multi-message tx; bids that wait `timeouts.bid`
//! without a lease are closed and what they held is released.

use std::time::Duration;

use kumo_provider::gateway::GatewayBackend;
use kumo_types::events::KumoEvent;
use kumo_types::market::BidState;

use crate::common::*;

#[test]
fn orders_in_one_block_get_one_tx_of_bids_that_time_out() {
    run_test(Duration::from_secs(180), async {
        let test = "batching";
        let provider = ProviderSetup::new(
            test,
            3,
            ProviderFile {
                bid_timeout: "4s",
                ..ProviderFile::default()
            },
        )
        .await;
        let tenant = Tenant::new(4).await;
        let sdl = sdl(test, 0, "sleep 3600");

        // Before the first start: no history is scanned, the open orders are read.
        let early = tenant.fresh_dseq().await;
        tenant.create_deployments(&[(early, &sdl)]).await;
        let running = provider.start().await;
        tenant
            .wait_bid(
                &tenant.order(early),
                &provider.address,
                Duration::from_secs(30),
            )
            .await;

        let first = tenant.fresh_dseq().await;
        let dseqs = [first, first + 1, first + 2];
        let created = tenant.create_deployments(&dseqs.map(|d| (d, &sdl))).await;
        let orders_block = created.height;

        let mut bids = Vec::new();
        for dseq in dseqs {
            bids.push(
                tenant
                    .wait_bid(
                        &tenant.order(dseq),
                        &provider.address,
                        Duration::from_secs(30),
                    )
                    .await,
            );
        }
        let height = bids[0].created_at;
        assert!(height > orders_block);
        assert!(
            bids.iter().all(|b| b.created_at == height),
            "all three bids in one block: {:?}",
            bids.iter().map(|b| b.created_at).collect::<Vec<_>>()
        );
        // ... and in one tx of that block.
        let block = tenant
            .client
            .stream_blocks(height)
            .next()
            .await
            .expect("the bids' block");
        let bid_txs: Vec<usize> = block
            .txs
            .iter()
            .map(|tx| {
                kumo_client::events::kumo_events(&tx.events, Some(tenant.client.contracts()))
                    .iter()
                    .filter(|e| {
                        matches!(e, KumoEvent::BidCreated { id, .. } if id.provider.as_str() == provider.address)
                    })
                    .count()
            })
            .filter(|n| *n > 0)
            .collect();
        assert_eq!(bid_txs, [3], "one tx carrying the three bids");

        // Nobody takes them: after 4 s they are closed (deposits refunded) and released.
        for bid in &bids {
            wait_for("the bid to be closed", Duration::from_secs(30), || {
                let id = bid.id.clone();
                let tenant = &tenant;
                async move {
                    let bid: kumo_types::market::Bid = tenant
                        .client
                        .query_market(&kumo_types::market::QueryMsg::Bid { id })
                        .await
                        .ok()?;
                    (bid.state == BidState::Closed).then_some(())
                }
            })
            .await;
        }
        wait_for(
            "every reservation to be released",
            Duration::from_secs(20),
            || {
                let backend = running.backend.clone();
                async move {
                    let s = backend.status().await;
                    (s.available.cpu_millis == s.total.cpu_millis).then_some(())
                }
            },
        )
        .await;
        running.stop().await;
    });
}
