//! Bids are broadcast without waiting for their block. A daemon that stops in between leaves
//! records marked unconfirmed; at the next start each is checked against the chain again: a bid
//! that landed is kept (not sent twice), one that never landed is placed again.

use std::time::Duration;

use cosmwasm_std::Decimal256;
use kumo_provider::daemon::store::{BidRecord, DaemonStore};
use kumo_provider::daemon::DAEMON_FILE;
use kumo_types::coins::DecCoin;

use crate::common::*;

#[test]
fn bids_never_confirmed_before_a_stop_are_checked_again_at_start() {
    run_test(Duration::from_secs(180), async {
        let test = "unconfirmed";
        let provider = ProviderSetup::new(test, 22, ProviderFile::default()).await;
        let tenant = Tenant::new(23).await;
        let sdl = sdl(test, 0, "sleep 3600");
        let me = cosmwasm_std::Addr::unchecked(&provider.address);

        // A: bid on while the daemon runs; its tx landed.
        let running = provider.start().await;
        let landed = tenant.fresh_dseq().await;
        tenant.create_deployments(&[(landed, &sdl)]).await;
        let landed_bid = tenant
            .wait_bid(
                &tenant.order(landed),
                &provider.address,
                Duration::from_secs(30),
            )
            .await;
        running.stop().await;

        // B: created while the daemon is down, and its block marked as handled, so only the
        // unconfirmed record (a bid tx that never landed) can bring the daemon back to it.
        let lost = tenant.fresh_dseq().await;
        let created = tenant.create_deployments(&[(lost, &sdl)]).await;
        let lost_bid = tenant.order(lost).bid(&me);
        let path = provider.config.data_dir.join(DAEMON_FILE);
        {
            let store = DaemonStore::open(&path).unwrap();
            store
                .put_bids(&[
                    BidRecord {
                        id: landed_bid.id.clone(),
                        price: landed_bid.price.clone(),
                        gpu: String::new(),
                        placed_at: 1,
                        unconfirmed: true,
                    },
                    BidRecord {
                        id: lost_bid.clone(),
                        price: DecCoin::new(Decimal256::one(), "uakt"),
                        gpu: String::new(),
                        placed_at: 1,
                        unconfirmed: true,
                    },
                ])
                .unwrap();
            store.set_last_height(created.height).unwrap();
        }

        let running = provider.start().await;
        let placed = tenant
            .wait_bid(
                &tenant.order(lost),
                &provider.address,
                Duration::from_secs(30),
            )
            .await;
        assert_eq!(placed.id, lost_bid);
        // B's bid is the only one placed; A was found on chain and kept, not sent again (the
        // market would have refused it, a failed bid tx).
        running.expect_bids_placed(1).await;
        running.stop().await;

        let store = DaemonStore::open(&path).unwrap();
        let mut records: Vec<_> = store
            .bids()
            .unwrap()
            .into_iter()
            .map(|r| (r.id, r.unconfirmed))
            .collect();
        records.sort();
        let mut expected = vec![(landed_bid.id, false), (lost_bid, false)];
        expected.sort();
        assert_eq!(records, expected);
    });
}
