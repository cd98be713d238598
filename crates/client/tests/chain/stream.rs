//! The block stream: every height in order from the start, Kumo events decoded, and no gap when
//! the node is unreachable for a while.

use std::time::Duration;

use kumo_client::stream::{BlockEvents, BlockStream};
use kumo_client::tx::bank_send_msg;
use kumo_client::ChainClient;
use kumo_types::events::KumoEvent;

use crate::common::{self, create_deployment, dev_key, uakt, TcpProxy, MIN_DEPOSIT};

/// Reads blocks until `height` is delivered; checks there are no gaps.
async fn read_through(stream: &mut BlockStream, height: u64, seen: &mut Vec<BlockEvents>) {
    while seen.last().map_or(0, |b| b.height) < height {
        let block = tokio::time::timeout(Duration::from_secs(30), stream.next())
            .await
            .expect("the stream delivers within 30 s")
            .expect("no stream error");
        let expected = seen.last().map_or(1, |b| b.height + 1);
        assert_eq!(
            block.height, expected,
            "heights arrive in order, none skipped"
        );
        seen.push(block);
    }
    assert_eq!(stream.next_height(), height + 1);
}

#[tokio::test]
async fn stream_from_height_one_sees_every_block_and_kumo_events() {
    let devnet = common::devnet().await;
    let client = common::connect(&devnet).await;
    let mut stream = client.stream_blocks(1);
    assert_eq!(stream.next_height(), 1);

    let sender = client.signer(dev_key(0));
    let bob = dev_key(1).address().to_string();
    let reader = tokio::spawn(async move {
        let mut seen = Vec::new();
        // Wait for whatever height the txs below reach.
        read_through(&mut stream, 1, &mut seen).await;
        (stream, seen)
    });
    let mut last = 0;
    for amount in 1..=3 {
        last = sender
            .send(vec![
                bank_send_msg(sender.address(), &bob, &uakt(amount)).unwrap()
            ])
            .await
            .unwrap()
            .height;
    }
    let created = sender
        .execute(
            &client.contracts().market,
            &create_deployment(1),
            &uakt(MIN_DEPOSIT),
        )
        .await
        .unwrap();
    assert!(created.height > last);
    let (mut stream, mut seen) = reader.await.unwrap();
    read_through(&mut stream, created.height, &mut seen).await;

    let block = seen
        .iter()
        .find(|b| b.height == created.height)
        .expect("the market tx's block");
    assert!(block
        .txs
        .iter()
        .any(|t| t.hash == created.hash && t.is_ok()));
    assert!(
        block.kumo_events.iter().any(|e| matches!(e,
            KumoEvent::DeploymentCreated { id, .. } if id.owner.as_str() == sender.address() && id.dseq == 1)),
        "{:?}",
        block.kumo_events
    );
    assert!(seen.iter().all(|b| !b.time.is_empty()));

    // Resuming from a later height starts exactly there.
    let mut resumed = client.stream_blocks(created.height);
    let block = resumed.next().await.unwrap();
    assert_eq!(block.height, created.height);
    assert_eq!(block.kumo_events, seen.last().unwrap().kumo_events);
    devnet.shutdown().await;
}

#[tokio::test]
async fn stream_survives_the_node_being_unreachable() {
    let devnet = common::devnet().await;
    let mut proxy = TcpProxy::start(devnet.rpc_addr()).await;
    let mut config = common::config(&proxy.url());
    config.request_timeout = Duration::from_secs(2);
    let through_proxy = ChainClient::connect(config).await.unwrap();
    // Txs go straight to the node, so blocks keep coming while the proxy is down.
    let direct = common::connect(&devnet).await;
    let sender = direct.signer(dev_key(0));
    let bob = dev_key(1).address().to_string();
    let send = |amount: u128| {
        let sender = sender.clone();
        let bob = bob.clone();
        async move {
            sender
                .send(vec![
                    bank_send_msg(sender.address(), &bob, &uakt(amount)).unwrap()
                ])
                .await
                .unwrap()
                .height
        }
    };

    let first = send(1).await;
    let mut stream = through_proxy.stream_blocks(1);
    let mut seen = Vec::new();
    read_through(&mut stream, first, &mut seen).await;

    // The stream is now waiting on its WebSocket for the next block. Take the node away.
    let waiting = tokio::spawn(async move {
        let mut seen = seen;
        let block = tokio::time::timeout(Duration::from_secs(60), stream.next())
            .await
            .expect("the stream comes back")
            .expect("no stream error");
        seen.push(block);
        (stream, seen)
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    proxy.stop().await;
    let mut during = 0;
    for amount in 2..=4 {
        during = send(amount).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !waiting.is_finished(),
        "nothing can arrive while the node is away"
    );
    proxy.restart().await;

    let (mut stream, mut seen) = waiting.await.unwrap();
    assert_eq!(seen.last().unwrap().height, first + 1);
    read_through(&mut stream, during, &mut seen).await;
    // And new blocks after the outage arrive through the reconnected stream.
    let after = send(5).await;
    read_through(&mut stream, after, &mut seen).await;
    let heights: Vec<u64> = seen.iter().map(|b| b.height).collect();
    assert_eq!(heights, (1..=after).collect::<Vec<_>>());
    devnet.shutdown().await;
}
