//! The RPC node goes away (a TCP proxy in front of the devnet is cut, connections included)
//! while an order is posted; the watcher turns unhealthy, and when the node is back it
//! replays the missed blocks and bids on the order: nothing is missed, nothing dies silently.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

use crate::common::*;

/// Forwards `listen` to `target` until cancelled; cancelling also cuts open connections.
async fn proxy(listen: SocketAddr, target: SocketAddr) -> (SocketAddr, CancellationToken) {
    let listener = TcpListener::bind(listen).await.expect("proxy binds");
    let addr = listener.local_addr().unwrap();
    let cut = CancellationToken::new();
    let token = cut.clone();
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                _ = token.cancelled() => return,
                a = listener.accept() => a,
            };
            let Ok((mut inbound, _)) = accepted else {
                continue;
            };
            let token = token.clone();
            tokio::spawn(async move {
                let Ok(mut outbound) = TcpStream::connect(target).await else {
                    return;
                };
                tokio::select! {
                    _ = token.cancelled() => {}
                    _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                }
            });
        }
    });
    (addr, cut)
}

#[test]
fn the_watcher_survives_an_rpc_outage_without_missing_an_order() {
    run_test(Duration::from_secs(240), async {
        let test = "rpcoutage";
        let (addr, cut) = proxy("127.0.0.1:0".parse().unwrap(), chain().rpc_addr).await;
        let provider = ProviderSetup::new(
            test,
            9,
            ProviderFile {
                node: format!("http://{addr}"),
                ..ProviderFile::default()
            },
        )
        .await;
        let running = provider.start().await;
        let tenant = Tenant::new(10).await;
        wait_for(
            "the watcher to process blocks",
            Duration::from_secs(20),
            || async { (running.health.snapshot().height > 0).then_some(()) },
        )
        .await;

        // The node disappears; an order is posted (straight to the devnet) meanwhile.
        cut.cancel();
        let sdl = sdl(test, 0, "sleep 3600");
        let dseq = tenant.fresh_dseq().await;
        let created = tenant.create_deployments(&[(dseq, &sdl)]).await;
        wait_for(
            "the watcher to report itself unhealthy",
            Duration::from_secs(20),
            || async { (!running.health.snapshot().healthy).then_some(()) },
        )
        .await;
        assert!(running.health.snapshot().height < created.height);
        tokio::time::sleep(Duration::from_secs(2)).await;

        // The node is back on the same address: the missed blocks are replayed and bid on.
        let (_, restored) = proxy(addr, chain().rpc_addr).await;
        let bid = tenant
            .wait_bid(
                &tenant.order(dseq),
                &provider.address,
                Duration::from_secs(60),
            )
            .await;
        assert!(bid.created_at > created.height);
        wait_for(
            "the watcher to be healthy again",
            Duration::from_secs(20),
            || async {
                let s = running.health.snapshot();
                (s.healthy && s.height >= bid.created_at).then_some(())
            },
        )
        .await;
        running.stop().await;
        restored.cancel();
    });
}
