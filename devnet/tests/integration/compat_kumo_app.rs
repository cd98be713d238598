//! The devnet with the real application (auth, bank, wasm with Kumo's contracts) as off-chain
//! clients see it: tendermint-rpc's HttpClient and WebSocketClient on every endpoint,
//! cosmrs-signed txs through broadcast → inclusion → `tx` lookup → WebSocket Tx event, and
//! answers shaped like recorded CometBFT 0.38 answers.

use std::time::Duration;

use crate::common::chain::{self, Signer};
use crate::common::raw_http::call;
use crate::common::shape::assert_shape;
use crate::common::{eventually, kumo};
use futures::StreamExt;
use kumo_devnet::node::hashing;
use serde_json::{json, Value};
use tendermint::abci::Event;
use tendermint_rpc::client::CompatMode;
use tendermint_rpc::event::EventData;
use tendermint_rpc::query::{EventType, Query};
use tendermint_rpc::{Client, HttpClient, Order, Paging, SubscriptionClient, WebSocketClient};

const CHAIN_ID: &str = "kumo-devnet-1";

fn attribute<'a>(events: &'a [Event], kind: &str, key: &str) -> Option<&'a str> {
    events
        .iter()
        .filter(|e| e.kind == kind)
        .flat_map(|e| &e.attributes)
        .find(|a| a.key_str().ok() == Some(key))
        .and_then(|a| a.value_str().ok())
}

async fn wait_for_tx(
    client: &HttpClient,
    hash: tendermint::Hash,
) -> tendermint_rpc::endpoint::tx::Response {
    eventually(Duration::from_secs(20), || async {
        client.tx(hash, false).await.ok()
    })
    .await
}

#[tokio::test]
async fn signed_bank_send_goes_from_broadcast_to_inclusion_lookup_and_subscription() {
    let devnet = crate::common::kumo_devnet().await;
    let client = HttpClient::new(devnet.rpc_url().as_str()).unwrap();
    let status = client.status().await.unwrap();
    assert_eq!(
        CompatMode::from_version(status.node_info.version).unwrap(),
        CompatMode::V0_38
    );
    assert_eq!(status.node_info.network.as_str(), CHAIN_ID);

    let mut alice = Signer::dev(&client, 0).await;
    let bob = Signer::dev(&client, 1).await;
    let bob_before = chain::balance(&client, bob.address.as_ref()).await;

    let (ws, driver) = WebSocketClient::new(devnet.websocket_url().as_str())
        .await
        .unwrap();
    let driver = tokio::spawn(driver.run());
    let mut to_bob = ws
        .subscribe(Query::from(EventType::Tx).and_eq("transfer.recipient", bob.address.to_string()))
        .await
        .unwrap();
    let mut blocks = ws.subscribe(EventType::NewBlock.into()).await.unwrap();

    let gas = 200_000;
    let tx = alice.sign(
        CHAIN_ID,
        vec![chain::bank_send(&alice.address, &bob.address, 1_234)],
        gas,
    );
    let sync = client.broadcast_tx_sync(tx.clone()).await.unwrap();
    assert!(sync.code.is_ok(), "check_tx: {}", sync.log);
    assert_eq!(sync.hash, hashing::tx_hash(&tx));

    let found = wait_for_tx(&client, sync.hash).await;
    assert!(found.tx_result.code.is_ok(), "{}", found.tx_result.log);
    assert_eq!(found.tx, tx);
    assert!(found.tx_result.gas_used > 0 && found.tx_result.gas_used <= gas as i64);
    // The fee transfer comes first; the send is another transfer event.
    assert!(
        found.tx_result.events.iter().any(|e| e.kind == "transfer"
            && e.attributes
                .iter()
                .any(|a| a.key_str().ok() == Some("recipient")
                    && a.value_str().ok() == Some(bob.address.as_ref()))),
        "{:?}",
        found.tx_result.events
    );
    assert_eq!(
        chain::balance(&client, bob.address.as_ref()).await,
        bob_before + 1_234
    );

    let event = tokio::time::timeout(Duration::from_secs(10), to_bob.next())
        .await
        .expect("a Tx event")
        .unwrap()
        .unwrap();
    let EventData::Tx { tx_result } = event.data else {
        panic!("a Tx event");
    };
    assert_eq!(tx_result.tx, tx);
    assert_eq!(tx_result.height, found.height.value() as i64);
    let event = tokio::time::timeout(Duration::from_secs(10), blocks.next())
        .await
        .expect("a NewBlock event")
        .unwrap()
        .unwrap();
    assert!(matches!(event.data, EventData::NewBlock { .. }));

    let search = client
        .tx_search(
            Query::from(EventType::Tx).and_eq("message.sender", alice.address.to_string()),
            true,
            1,
            10,
            Order::Ascending,
        )
        .await
        .unwrap();
    assert_eq!(search.total_count, 1);
    assert!(search.txs[0].proof.is_some());

    ws.close().unwrap();
    let _ = driver.await;
    devnet.shutdown().await;
}

#[tokio::test]
async fn bad_txs_get_the_apps_codes_in_normal_results() {
    let devnet = crate::common::kumo_devnet().await;
    let client = HttpClient::new(devnet.rpc_url().as_str()).unwrap();
    let mut alice = Signer::dev(&client, 0).await;
    let bob = Signer::dev(&client, 1).await;

    let garbage = client
        .broadcast_tx_sync(vec![0xde, 0xad, 0xbe, 0xef])
        .await
        .unwrap();
    assert!(garbage.code.is_err());
    assert_eq!(garbage.codespace, "sdk");

    let mut wrong_sequence = alice.sign(
        CHAIN_ID,
        vec![chain::bank_send(&alice.address, &bob.address, 1)],
        200_000,
    );
    alice.sequence -= 1;
    let good = alice.sign(
        CHAIN_ID,
        vec![chain::bank_send(&alice.address, &bob.address, 2)],
        200_000,
    );
    assert!(client.broadcast_tx_sync(good).await.unwrap().code.is_ok());
    // The same sequence again: the check state has moved on.
    let again = client
        .broadcast_tx_sync(wrong_sequence.clone())
        .await
        .unwrap();
    assert_eq!(
        again.code.value(),
        32,
        "account sequence mismatch: {}",
        again.log
    );

    // A flipped signature byte.
    let last = wrong_sequence.len() - 1;
    wrong_sequence[last] ^= 1;
    let forged = client.broadcast_tx_sync(wrong_sequence).await.unwrap();
    assert!(forged.code.is_err());

    // Another chain id.
    let other = chain::sign_tx(
        &alice.key,
        "other-chain",
        alice.account_number,
        alice.sequence,
        vec![chain::bank_send(&alice.address, &bob.address, 3)],
        200_000,
    );
    let refused = client.broadcast_tx_sync(other).await.unwrap();
    assert!(refused.code.is_err());

    // The node keeps running and includes the good tx.
    let commit = client
        .broadcast_tx_commit(alice.sign(
            CHAIN_ID,
            vec![chain::bank_send(&alice.address, &bob.address, 4)],
            200_000,
        ))
        .await
        .unwrap();
    assert!(commit.tx_result.code.is_ok(), "{}", commit.tx_result.log);
    devnet.shutdown().await;
}

#[tokio::test]
async fn a_wasm_execute_on_kumos_market_is_found_by_its_custom_event() {
    let Some(_) = crate::common::artifacts_dir() else {
        eprintln!("skipped: no contract artifacts (run scripts/build-wasm.sh)");
        return;
    };
    let devnet = crate::common::kumo_devnet().await;
    let contracts = devnet.genesis_contracts().await;
    let market = contracts
        .iter()
        .find(|c| c.label == "market")
        .expect("the market is deployed at genesis")
        .address
        .clone();
    let client = HttpClient::new(devnet.rpc_url().as_str()).unwrap();
    let mut alice = Signer::dev(&client, 0).await;
    let owner = alice.address.to_string();

    let (ws, driver) = WebSocketClient::new(devnet.websocket_url().as_str())
        .await
        .unwrap();
    let driver = tokio::spawn(driver.run());
    let mut orders = ws
        .subscribe(Query::from(EventType::Tx).and_eq("wasm-order_created.owner", owner.clone()))
        .await
        .unwrap();

    let tx = alice.sign(
        CHAIN_ID,
        vec![chain::wasm_execute(
            &alice.address,
            &market,
            &kumo::create_deployment(1),
            kumo::MIN_DEPOSIT,
        )],
        3_000_000,
    );
    let commit = client.broadcast_tx_commit(tx.clone()).await.unwrap();
    assert!(commit.check_tx.code.is_ok(), "{}", commit.check_tx.log);
    assert!(commit.tx_result.code.is_ok(), "{}", commit.tx_result.log);
    let events = &commit.tx_result.events;
    assert_eq!(
        attribute(events, "execute", "_contract_address"),
        Some(market.as_str())
    );
    assert_eq!(
        attribute(events, "wasm-order_created", "owner"),
        Some(owner.as_str())
    );

    let found = client.tx(commit.hash, false).await.unwrap();
    assert_eq!(found.height, commit.height);
    let event = tokio::time::timeout(Duration::from_secs(10), orders.next())
        .await
        .expect("the order_created event")
        .unwrap()
        .unwrap();
    let EventData::Tx { tx_result } = event.data else {
        panic!("a Tx event");
    };
    assert_eq!(tx_result.tx, tx);

    let search = client
        .tx_search(
            Query::eq("wasm-deployment_created.owner", owner.clone()),
            false,
            1,
            10,
            Order::Descending,
        )
        .await
        .unwrap();
    assert_eq!(search.total_count, 1);

    let deployment = chain::smart_query(
        &client,
        &market,
        &json!({ "deployment": { "id": { "owner": owner, "dseq": 1 } } }),
    )
    .await;
    assert!(deployment.is_object(), "{deployment}");

    ws.close().unwrap();
    let _ = driver.await;
    devnet.shutdown().await;
}

#[tokio::test]
async fn every_endpoint_answers_tendermint_rpc_and_recorded_shapes_with_the_real_app() {
    let devnet = crate::common::kumo_devnet().await;
    let client = HttpClient::new(devnet.rpc_url().as_str()).unwrap();
    let addr = devnet.rpc_addr();
    let mut alice = Signer::dev(&client, 0).await;
    let bob = Signer::dev(&client, 1).await;
    let mut hashes = Vec::new();
    for amount in 1..=3u128 {
        let tx = alice.sign(
            CHAIN_ID,
            vec![chain::bank_send(&alice.address, &bob.address, amount)],
            200_000,
        );
        let commit = client.broadcast_tx_commit(tx).await.unwrap();
        assert!(commit.tx_result.code.is_ok(), "{}", commit.tx_result.log);
        hashes.push(commit.hash);
    }
    let latest = client.latest_block().await.unwrap().block.header.height;

    // tendermint-rpc parses every answer.
    client.health().await.unwrap();
    client.abci_info().await.unwrap();
    client.block(1u32).await.unwrap();
    client.block_results(latest).await.unwrap();
    client
        .blockchain(1u32, latest.value() as u32)
        .await
        .unwrap();
    client.validators(latest, Paging::All).await.unwrap();
    client.genesis::<Value>().await.unwrap();
    client.commit(latest).await.unwrap();
    client.consensus_params(latest).await.unwrap();
    client.tx(hashes[0], true).await.unwrap();

    // And the raw answers have CometBFT 0.38's shape, with real Cosmos SDK events.
    let tx_height = client.tx(hashes[0], false).await.unwrap().height.value();
    let optional: &[&str] = &[];
    assert_shape(
        "status.json",
        &call(addr, "status", Value::Null).await,
        optional,
    );
    assert_shape(
        "abci_info.json",
        &call(addr, "abci_info", Value::Null).await,
        optional,
    );
    assert_shape(
        "block_at_height_10.json",
        &call(addr, "block", json!({ "height": tx_height.to_string() })).await,
        optional,
    );
    assert_shape(
        "block_results_at_height_10.json",
        &call(
            addr,
            "block_results",
            json!({ "height": tx_height.to_string() }),
        )
        .await,
        optional,
    );
    assert_shape(
        "genesis.json",
        &call(addr, "genesis", Value::Null).await,
        &["result.genesis.app_state"],
    );
    let search = call(
        addr,
        "tx_search",
        json!({ "query": format!("message.sender='{}'", alice.address), "prove": true, "order_by": "desc" }),
    )
    .await;
    assert_eq!(search["result"]["total_count"], "3");
    assert_shape("tx_search_with_prove.json", &search, optional);
    let commit = call(
        addr,
        "broadcast_tx_commit",
        json!({ "tx": base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            alice.sign(CHAIN_ID, vec![chain::bank_send(&alice.address, &bob.address, 9)], 200_000),
        ) }),
    )
    .await;
    assert_shape("broadcast_tx_commit.json", &commit, optional);
    devnet.shutdown().await;
}
