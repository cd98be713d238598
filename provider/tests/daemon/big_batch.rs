//! More orders in one block than one tx carries: the bids go out in txs of 100, back to back,
//! and only the first is simulated; the next gets the first's gas limit per message.

use std::collections::BTreeSet;
use std::time::Duration;

use kumo_provider::daemon::chain::MAX_MSGS_PER_TX;
use kumo_types::events::KumoEvent;

use crate::common::*;

#[test]
fn a_block_of_101_orders_gets_two_bid_txs_sized_by_one_simulation() {
    run_test(Duration::from_secs(240), async {
        let test = "big-batch";
        let provider = ProviderSetup::new(
            test,
            24,
            ProviderFile {
                cpu: 128,
                memory: "512Gi",
                storage: "4096Gi",
                max_open_bids: 500,
                tenant_bids_per_hour: 1000,
                ..ProviderFile::default()
            },
        )
        .await;
        let tenant = Tenant::new(25).await;
        let sdl = sdl(test, 0, "sleep 3600");
        let running = provider.start().await;

        let first = tenant.fresh_dseq().await;
        let dseqs: Vec<u64> = (0..=MAX_MSGS_PER_TX as u64).map(|i| first + i).collect();
        let list: Vec<(u64, &kumo_sdl::Sdl)> = dseqs.iter().map(|d| (*d, &sdl)).collect();
        tenant.create_deployments(&list).await;

        let mut heights = BTreeSet::new();
        for dseq in &dseqs {
            let bid = tenant
                .wait_bid(
                    &tenant.order(*dseq),
                    &provider.address,
                    Duration::from_secs(60),
                )
                .await;
            heights.insert(bid.created_at);
        }
        // The provider's txs carrying these bids, with their gas limits.
        let mut bid_txs: Vec<(usize, i64)> = Vec::new();
        for height in *heights.first().unwrap()..=*heights.last().unwrap() {
            let block = tenant
                .client
                .stream_blocks(height)
                .next()
                .await
                .expect("a block of bids");
            for tx in &block.txs {
                let bids = kumo_client::events::kumo_events(&tx.events, None)
                    .iter()
                    .filter(|e| {
                        matches!(e, KumoEvent::BidCreated { id, .. }
                            if id.owner.as_str() == tenant.address() && dseqs.contains(&id.dseq))
                    })
                    .count();
                if bids > 0 {
                    assert_eq!(tx.code, 0, "{}", tx.log);
                    bid_txs.push((bids, tx.gas_wanted));
                }
            }
        }
        assert_eq!(
            bid_txs.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            vec![MAX_MSGS_PER_TX, 1],
            "one full tx, then the rest"
        );
        let per_msg = (bid_txs[0].1 as u64).div_ceil(MAX_MSGS_PER_TX as u64);
        assert_eq!(
            bid_txs[1].1 as u64, per_msg,
            "the second tx's gas limit is scaled from the first's simulation"
        );
        running.expect_bids_placed(dseqs.len() as u64).await;
        running.stop().await;
    });
}
