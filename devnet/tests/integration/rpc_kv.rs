//! The RPC server against the kv stand-in application: tendermint-rpc's own clients on every
//! endpoint, raw answers compared field by field with recorded CometBFT 0.38 answers, and bad
//! input of every kind.

use std::str::FromStr;
use std::time::Duration;

use crate::common::raw_http::{self, call};
use crate::common::shape::{assert_shape, mismatches, recorded};
use crate::common::{eventually, kv_devnet, kv_devnet_with};
use base64::Engine;
use futures::{SinkExt, StreamExt};
use kumo_devnet::node::{hashing, BlockProduction};
use kumo_devnet::rpc::RpcConfig;
use serde_json::{json, Value};
use tendermint_rpc::client::CompatMode;
use tendermint_rpc::event::EventData;
use tendermint_rpc::query::{EventType, Query};
use tendermint_rpc::{Client, HttpClient, Order, Paging, SubscriptionClient, WebSocketClient};
use tokio_tungstenite::tungstenite::Message;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test]
async fn http_client_runs_every_endpoint() {
    let devnet = kv_devnet(BlockProduction::OnDemand).await;
    let client = HttpClient::new(devnet.rpc_url().as_str()).unwrap();

    client.health().await.unwrap();
    let status = client.status().await.unwrap();
    assert_eq!(
        CompatMode::from_version(status.node_info.version.clone()).unwrap(),
        CompatMode::V0_38,
        "tendermint-rpc's compat detection picks 0.38"
    );
    assert_eq!(status.node_info.network.as_str(), crate::common::CHAIN_ID);

    let committed = client
        .broadcast_tx_commit(b"alpha=alice".to_vec())
        .await
        .unwrap();
    assert!(committed.check_tx.code.is_ok());
    assert!(committed.tx_result.code.is_ok());
    assert_eq!(committed.height.value(), 1);
    let sync = client
        .broadcast_tx_sync(b"beta=bob".to_vec())
        .await
        .unwrap();
    assert!(sync.code.is_ok());
    let async_ = client
        .broadcast_tx_async(b"gamma=alice".to_vec())
        .await
        .unwrap();
    assert_eq!(async_.hash, hashing::tx_hash(b"gamma=alice"));
    let refused = client.broadcast_tx_sync(b"garbage".to_vec()).await.unwrap();
    assert_eq!(
        refused.code.value(),
        1,
        "the app's code inside a normal result"
    );
    assert!(refused.log.contains("invalid tx format"));

    eventually(Duration::from_secs(5), || async {
        client.tx(async_.hash, false).await.ok().map(|_| ())
    })
    .await;
    let latest = client.latest_block().await.unwrap();
    let height = latest.block.header.height;

    let found = client.tx(sync.hash, true).await.unwrap();
    assert_eq!(found.tx, b"beta=bob".to_vec());
    let proof = found.proof.expect("a proof was asked for");
    let block = client.block(found.height).await.unwrap();
    assert_eq!(Some(proof.root_hash), block.block.header.data_hash);

    let search = client
        .tx_search(
            Query::from(EventType::Tx).and_eq("wasm-order_created.owner", "alice"),
            false,
            1,
            10,
            Order::Descending,
        )
        .await
        .unwrap();
    assert_eq!(search.total_count, 2);
    assert_eq!(search.txs[0].tx, b"gamma=alice".to_vec());

    let info = client.abci_info().await.unwrap();
    assert_eq!(info.last_block_height, height);
    let query = client
        .abci_query(Some("/store".into()), b"alpha".to_vec(), None, false)
        .await
        .unwrap();
    assert_eq!(query.value, b"alice".to_vec());

    let results = client.block_results(committed.height).await.unwrap();
    assert_eq!(results.txs_results.unwrap().len(), 1);
    assert_eq!(results.finalize_block_events[0].kind, "block");
    client.latest_block_results().await.unwrap();

    let chain = client
        .blockchain(1u32, height.value() as u32)
        .await
        .unwrap();
    assert_eq!(chain.last_height, height);
    assert_eq!(chain.block_metas.last().unwrap().header.height.value(), 1);

    let by_hash = client.block_by_hash(block.block_id.hash).await.unwrap();
    assert_eq!(by_hash.block.unwrap().header.height, found.height);
    let header = client.header(found.height).await.unwrap();
    assert_eq!(header.header.hash(), block.block_id.hash);

    let commit = client.commit(committed.height).await.unwrap();
    assert_eq!(commit.signed_header.header.height, committed.height);
    client.latest_commit().await.unwrap();

    let validators = client.validators(height, Paging::All).await.unwrap();
    assert_eq!(validators.total, 1);
    assert_eq!(
        validators.validators[0].address,
        status.validator_info.address
    );

    let genesis = client.genesis::<Value>().await.unwrap();
    assert_eq!(genesis.chain_id.as_str(), crate::common::CHAIN_ID);
    assert_eq!(genesis.app_state["genesis_key"], "genesis_value");
    client.consensus_params(height).await.unwrap();

    devnet.shutdown().await;
}

#[tokio::test]
async fn websocket_client_subscribes_to_blocks_and_filtered_txs() {
    let devnet = kv_devnet(BlockProduction::OnDemand).await;
    let (client, driver) = WebSocketClient::new(devnet.websocket_url().as_str())
        .await
        .unwrap();
    let driver = tokio::spawn(driver.run());

    let mut blocks = client.subscribe(EventType::NewBlock.into()).await.unwrap();
    let mut alice_txs = client
        .subscribe(Query::from(EventType::Tx).and_eq("wasm-order_created.owner", "alice"))
        .await
        .unwrap();
    // Plain calls work over the same socket.
    client.status().await.unwrap();

    client.broadcast_tx_sync(b"one=bob".to_vec()).await.unwrap();
    client
        .broadcast_tx_sync(b"two=alice".to_vec())
        .await
        .unwrap();

    let event = tokio::time::timeout(Duration::from_secs(5), alice_txs.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let EventData::Tx { tx_result } = event.data else {
        panic!("a Tx event: {event:?}");
    };
    assert_eq!(tx_result.tx, b"two=alice".to_vec());
    assert_eq!(
        event.events.unwrap()["wasm-order_created.owner"],
        vec!["alice".to_string()]
    );

    let event = tokio::time::timeout(Duration::from_secs(5), blocks.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let EventData::NewBlock {
        block,
        result_finalize_block,
        ..
    } = event.data
    else {
        panic!("a NewBlock event");
    };
    assert!(block.unwrap().header.height.value() >= 1);
    assert!(result_finalize_block.is_some());

    client
        .unsubscribe(EventType::NewBlock.into())
        .await
        .unwrap();
    client.close().unwrap();
    let _ = driver.await;
    devnet.shutdown().await;
}

/// Optional keys: what Go omits when empty, or what a kvstore node never sends.
const TX_RESULT_OPTIONAL: &[&str] = &[];

#[tokio::test]
async fn answers_have_the_shape_of_recorded_cometbft_answers() {
    let devnet = kv_devnet(BlockProduction::OnDemand).await;
    let addr = devnet.rpc_addr();
    let handle = devnet.handle();
    for i in 0..3 {
        handle
            .broadcast_tx_commit(format!("k{i}=v{i}").into_bytes())
            .await
            .unwrap();
    }
    let check = |recording: &'static str, answer: Value, optional: &'static [&'static str]| {
        assert_shape(recording, &answer, optional);
    };

    check("status.json", call(addr, "status", Value::Null).await, &[]);
    check(
        "abci_info.json",
        call(addr, "abci_info", Value::Null).await,
        &[],
    );
    check(
        "abci_query_with_existing_key.json",
        call(addr, "abci_query", json!({"data": hex::encode("k1")})).await,
        &[],
    );
    check(
        "abci_query_with_non_existent_key.json",
        call(addr, "abci_query", json!({"data": hex::encode("nope")})).await,
        &[],
    );
    check(
        "block_at_height_1.json",
        call(addr, "block", json!({"height": "1"})).await,
        &[],
    );
    check(
        "block_at_height_10.json",
        call(addr, "block", json!({"height": "3"})).await,
        &[],
    );
    check(
        "block_at_height_0.json",
        call(addr, "block", json!({"height": "0"})).await,
        &[],
    );
    check(
        "block_results_at_height_10.json",
        call(addr, "block_results", json!({"height": "2"})).await,
        &[],
    );
    check(
        "blockchain_from_1_to_10.json",
        call(
            addr,
            "blockchain",
            json!({"minHeight": "1", "maxHeight": "10"}),
        )
        .await,
        &[],
    );
    check(
        "commit_at_height_10.json",
        call(addr, "commit", json!({"height": "2"})).await,
        &[],
    );
    check(
        "consensus_params.json",
        call(addr, "consensus_params", json!({"height": "2"})).await,
        &[],
    );
    // Go omits an empty app_state; this chain has one.
    check(
        "genesis.json",
        call(addr, "genesis", Value::Null).await,
        &["result.genesis.app_state"],
    );
    check(
        "broadcast_tx_sync.json",
        call(addr, "broadcast_tx_sync", json!({"tx": b64(b"s=1")})).await,
        &[],
    );
    check(
        "broadcast_tx_async.json",
        call(addr, "broadcast_tx_async", json!({"tx": b64(b"a=1")})).await,
        &[],
    );
    check(
        "broadcast_tx_commit.json",
        call(addr, "broadcast_tx_commit", json!({"tx": b64(b"c=1")})).await,
        TX_RESULT_OPTIONAL,
    );
    for (recording, prove) in [
        ("tx_search_no_prove.json", false),
        ("tx_search_with_prove.json", true),
    ] {
        let answer = call(
            addr,
            "tx_search",
            json!({"query": "tx.height>1", "prove": prove, "page": "1", "per_page": "10", "order_by": "asc"}),
        )
        .await;
        assert!(answer["result"]["txs"].as_array().unwrap().len() >= 2);
        check(recording, answer, TX_RESULT_OPTIONAL);
    }
    devnet.shutdown().await;
}

/// Go omits empty FinalizeBlock lists; the kvstore recording had none. Event maps are data.
const NEW_BLOCK_OPTIONAL: &[&str] = &[
    "result.data.value.result_finalize_block.events",
    "result.data.value.result_finalize_block.tx_results",
    "result.events{}",
];

/// Reads WebSocket text frames until one satisfies `pick`.
async fn next_json<S>(ws: &mut S, mut pick: impl FnMut(&Value) -> bool) -> Value
where
    S: futures::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("a message within 5 s")
            .expect("the socket is open")
            .expect("a frame");
        if let Message::Text(text) = message {
            let value: Value = serde_json::from_str(text.as_str()).unwrap();
            if pick(&value) {
                return value;
            }
        }
    }
}

#[tokio::test]
async fn websocket_events_have_the_shape_of_recorded_cometbft_events() {
    let devnet = kv_devnet(BlockProduction::OnDemand).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(devnet.websocket_url())
        .await
        .unwrap();
    let subscribe = |id: &str, query: &str| {
        Message::Text(
            json!({"jsonrpc": "2.0", "id": id, "method": "subscribe", "params": {"query": query}})
                .to_string()
                .into(),
        )
    };
    ws.send(subscribe("blocks", "tm.event='NewBlock'"))
        .await
        .unwrap();
    let ack = next_json(&mut ws, |v| v["id"] == "blocks").await;
    assert_shape("subscribe_txs.json", &ack, &[]);
    ws.send(subscribe("txs", "tm.event='Tx'")).await.unwrap();
    next_json(&mut ws, |v| v["id"] == "txs").await;
    ws.send(subscribe("bad", "malformedquery")).await.unwrap();
    let malformed = next_json(&mut ws, |v| v["id"] == "bad").await;
    assert_shape("subscribe_malformed.json", &malformed, &[]);
    assert_eq!(malformed["error"]["code"], -32603);

    devnet
        .handle()
        .broadcast_tx_commit(b"tx0=value".to_vec())
        .await
        .unwrap();
    let block_event = next_json(&mut ws, |v| {
        v["id"] == "blocks" && v["result"]["data"].is_object()
    })
    .await;
    assert_eq!(
        block_event["result"]["query"], "tm.event='NewBlock'",
        "the query is echoed verbatim"
    );
    // Block 1 has no last commit; compare a later one too.
    assert_shape(
        "subscribe_newblock_0.json",
        &block_event,
        NEW_BLOCK_OPTIONAL,
    );
    assert_eq!(
        block_event["result"]["data"]["type"],
        "tendermint/event/NewBlock"
    );
    let tx_event = next_json(&mut ws, |v| {
        v["id"] == "txs" && v["result"]["data"].is_object()
    })
    .await;
    // Go omits zero/empty tx result fields; the kvstore recording has gas 0 and no log.
    assert_shape(
        "subscribe_txs_0.json",
        &tx_event,
        &[
            "result.data.value.TxResult.result.gas_wanted",
            "result.data.value.TxResult.result.gas_used",
            "result.data.value.TxResult.result.log",
            "result.events{}",
        ],
    );
    assert_eq!(tx_event["result"]["data"]["type"], "tendermint/event/Tx");
    assert_eq!(
        tx_event["result"]["data"]["value"]["TxResult"]["tx"],
        b64(b"tx0=value")
    );
    devnet
        .handle()
        .broadcast_tx_commit(b"tx1=value".to_vec())
        .await
        .unwrap();
    let later_block = next_json(&mut ws, |v| {
        v["id"] == "blocks" && v["result"]["data"]["value"]["block"]["header"]["height"] == "2"
    })
    .await;
    assert_shape(
        "subscribe_newblock_0.json",
        &later_block,
        NEW_BLOCK_OPTIONAL,
    );
    let later_tx = next_json(&mut ws, |v| {
        v["id"] == "txs" && v["result"]["data"].is_object()
    })
    .await;
    assert_eq!(
        later_tx["result"]["data"]["value"]["TxResult"]["index"],
        Value::Null
    );

    // Pings are answered.
    ws.send(Message::Ping(b"are you there".to_vec().into()))
        .await
        .unwrap();
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        if let Message::Pong(payload) = message {
            assert_eq!(payload.as_ref(), b"are you there");
            break;
        }
    }
    devnet.shutdown().await;
}

#[tokio::test]
async fn bad_input_gets_jsonrpc_errors_and_the_node_keeps_running() {
    let devnet = kv_devnet(BlockProduction::OnDemand).await;
    let addr = devnet.rpc_addr();

    let parse = raw_http::post(addr, b"{not json").await;
    assert_eq!(parse.status, 200);
    let parse = parse.json();
    assert_eq!(parse["error"]["code"], -32700);
    assert_eq!(parse["id"], Value::Null);
    assert_shape(
        "block_at_height_0.json",
        &json!({"id": "x", "jsonrpc": "2.0", "error": parse["error"]}),
        &[],
    );

    let unknown = call(addr, "eth_blockNumber", Value::Null).await;
    assert_eq!(unknown["error"]["code"], -32601);
    assert_eq!(unknown["id"], "kumo-test");

    let bad_height = call(addr, "block", json!({"height": "ten"})).await;
    assert_eq!(bad_height["error"]["code"], -32602);
    assert!(bad_height["error"]["data"]
        .as_str()
        .unwrap()
        .contains("height"));
    let no_query = call(addr, "tx_search", json!({})).await;
    assert_eq!(no_query["error"]["code"], -32602);
    assert!(no_query["error"]["data"]
        .as_str()
        .unwrap()
        .contains("query"));
    let bad_tx = call(addr, "broadcast_tx_sync", json!({"tx": "%%% not base64"})).await;
    assert_eq!(bad_tx["error"]["code"], -32602);
    assert!(bad_tx["error"]["data"].as_str().unwrap().contains("tx"));
    let bad_hash = call(addr, "tx", json!({"hash": "abc"})).await;
    assert_eq!(bad_hash["error"]["code"], -32602);
    let bad_order = call(
        addr,
        "tx_search",
        json!({"query": "tx.height>0", "order_by": "sideways"}),
    )
    .await;
    assert_eq!(bad_order["error"]["code"], -32602);
    let bad_query = call(addr, "tx_search", json!({"query": "tx.height >> 1"})).await;
    assert_eq!(bad_query["error"]["code"], -32603);
    assert!(bad_query["error"]["data"]
        .as_str()
        .unwrap()
        .contains("failed to parse query"));
    let future = call(addr, "block", json!({"height": "999"})).await;
    assert_eq!(future["error"]["code"], -32603);
    let not_found = call(addr, "tx", json!({"hash": b64(&[7u8; 32])})).await;
    assert!(not_found["error"]["data"]
        .as_str()
        .unwrap()
        .contains("not found"));
    let not_object = raw_http::post(addr, b"42").await.json();
    assert_eq!(not_object["error"]["code"], -32600);
    let wrong_version = raw_http::post(addr, br#"{"jsonrpc":"1.0","id":1,"method":"health"}"#)
        .await
        .json();
    assert_eq!(wrong_version["error"]["code"], -32600);
    assert_eq!(wrong_version["id"], 1);
    let sub_over_http = call(addr, "subscribe", json!({"query": "tm.event='Tx'"})).await;
    assert_eq!(sub_over_http["error"]["code"], -32601);

    // Garbage tx bytes: the app's ABCI code in a normal result, as CometBFT answers.
    let garbage = call(
        addr,
        "broadcast_tx_sync",
        json!({"tx": b64(&[0xff, 0x00, 0x13])}),
    )
    .await;
    assert_eq!(garbage["result"]["code"], 1);
    assert_eq!(garbage["result"]["codespace"], "kv");

    // Duplicate tx: CometBFT's mempool error.
    call(addr, "broadcast_tx_sync", json!({"tx": b64(b"dup=1")})).await;
    let dup = call(addr, "broadcast_tx_sync", json!({"tx": b64(b"dup=1")})).await;
    if dup.get("error").is_some() {
        assert!(dup["error"]["data"]
            .as_str()
            .unwrap()
            .contains("tx already exists in cache"));
    }

    // Oversized body.
    let huge = vec![b' '; 3 * 1024 * 1024];
    let too_big = raw_http::post(addr, &huge).await;
    assert_eq!(too_big.status, 413);
    assert_eq!(too_big.json()["error"]["code"], -32600);

    // Batches.
    let batch = raw_http::post(
        addr,
        br#"[{"jsonrpc":"2.0","id":1,"method":"health"},{"jsonrpc":"2.0","id":2,"method":"nope"},7]"#,
    )
    .await
    .json();
    let batch = batch.as_array().unwrap();
    assert_eq!(batch.len(), 3);
    assert_eq!(batch[0]["result"], json!({}));
    assert_eq!(batch[1]["error"]["code"], -32601);
    assert_eq!(batch[2]["error"]["code"], -32600);
    let empty_batch = raw_http::post(addr, b"[]").await.json();
    assert_eq!(empty_batch["error"]["code"], -32600);

    // The node is still fine.
    let client = HttpClient::new(devnet.rpc_url().as_str()).unwrap();
    let done = client
        .broadcast_tx_commit(b"still=alive".to_vec())
        .await
        .unwrap();
    assert!(done.tx_result.code.is_ok());
    devnet.shutdown().await;
}

#[tokio::test]
async fn the_uri_form_answers_get_requests() {
    let devnet = kv_devnet(BlockProduction::OnDemand).await;
    let addr = devnet.rpc_addr();
    devnet
        .handle()
        .broadcast_tx_commit(b"uri=yes".to_vec())
        .await
        .unwrap();
    let mut status = raw_http::get(addr, "/status").await.json();
    assert_eq!(status["id"], -1, "CometBFT answers URI requests with id -1");
    status["id"] = json!("uri");
    assert_shape("status.json", &status, &[]);
    let block = raw_http::get(addr, "/block?height=1").await.json();
    assert_eq!(block["result"]["block"]["header"]["height"], "1");
    let query = raw_http::get(addr, "/abci_query?data=0x757269")
        .await
        .json();
    assert_eq!(query["result"]["response"]["value"], b64(b"yes"));
    let quoted = raw_http::get(addr, "/abci_query?data=%22uri%22")
        .await
        .json();
    assert_eq!(quoted["result"]["response"]["value"], b64(b"yes"));
    let hash = hashing::tx_hash(b"uri=yes");
    let tx = raw_http::get(addr, &format!("/tx?hash=0x{hash}"))
        .await
        .json();
    assert_eq!(tx["result"]["height"], "1");
    let search = raw_http::get(addr, "/tx_search?query=%22app.key%3D%27uri%27%22")
        .await
        .json();
    assert_eq!(search["result"]["total_count"], "1");
    let sync = raw_http::get(addr, "/broadcast_tx_sync?tx=%22get%3Dtoo%22")
        .await
        .json();
    assert_eq!(sync["result"]["code"], 0);
    let unknown = raw_http::get(addr, "/nope").await.json();
    assert_eq!(unknown["error"]["code"], -32601);
    let index = raw_http::get(addr, "/").await;
    assert!(String::from_utf8_lossy(&index.body).contains("tx_search"));
    devnet.shutdown().await;
}

#[tokio::test]
async fn a_websocket_client_that_never_reads_is_dropped_while_blocks_keep_coming() {
    let rpc = RpcConfig {
        ws_send_buffer: 8,
        ws_write_timeout: Duration::from_millis(500),
        ..RpcConfig::default()
    };
    let devnet = kv_devnet_with(BlockProduction::OnDemand, rpc).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(devnet.websocket_url())
        .await
        .unwrap();
    ws.send(Message::Text(
        json!({"jsonrpc":"2.0","id":1,"method":"subscribe","params":{"query":"tm.event='NewBlock'"}})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    next_json(&mut ws, |v| v["id"] == 1).await;

    // The client now stops reading. Large blocks fill the socket buffers quickly.
    let handle = devnet.handle();
    let value = "x".repeat(200_000);
    let started = tokio::time::Instant::now();
    for i in 0..60 {
        let outcome = handle
            .broadcast_tx_commit(format!("big{i}={value}").into_bytes())
            .await
            .unwrap();
        assert!(outcome.included.is_some());
    }
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "a stalled subscriber never slows the chain: {:?}",
        started.elapsed()
    );
    assert_eq!(handle.latest_height().unwrap(), 60);

    // Reading now drains what was buffered, then the connection turns out closed.
    let mut received = 0;
    let closed = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(_))) => received += 1,
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the server closed the slow connection");
    assert!(
        received < 60,
        "it was dropped before all 60 blocks: {received}"
    );
    devnet.shutdown().await;
}

#[tokio::test]
async fn subscriptions_per_connection_are_capped() {
    let rpc = RpcConfig {
        max_subscriptions_per_client: 2,
        ..RpcConfig::default()
    };
    let devnet = kv_devnet_with(BlockProduction::OnDemand, rpc).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(devnet.websocket_url())
        .await
        .unwrap();
    for (id, query) in [
        (1, "tm.event='NewBlock'"),
        (2, "tm.event='Tx'"),
        (3, "app.key='x'"),
    ] {
        ws.send(Message::Text(
            json!({"jsonrpc":"2.0","id":id,"method":"subscribe","params":{"query":query}})
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
        let answer = next_json(&mut ws, |v| v["id"] == id).await;
        if id < 3 {
            assert_eq!(answer["result"], json!({}));
        } else {
            assert!(answer["error"]["data"]
                .as_str()
                .unwrap()
                .contains("max_subscriptions_per_client"));
        }
    }
    for (id, method, params) in [
        (4, "unsubscribe", json!({"query": "tm.event='Tx'"})),
        (5, "unsubscribe", json!({"query": "tm.event='Tx'"})),
        (6, "unsubscribe_all", Value::Null),
    ] {
        ws.send(Message::Text(
            json!({"jsonrpc":"2.0","id":id,"method":method,"params":params})
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
        let answer = next_json(&mut ws, |v| v["id"] == id).await;
        assert_eq!(answer.get("error").is_some(), id == 5, "{answer}");
    }
    devnet.shutdown().await;
}

#[test]
fn the_shape_comparator_catches_missing_extra_and_mistyped_fields() {
    let expected = recorded("status.json");
    let mut actual = expected.clone();
    assert!(mismatches(&expected, &actual, &[]).is_empty());
    actual["result"]["sync_info"]
        .as_object_mut()
        .unwrap()
        .remove("latest_block_time");
    actual["result"]["node_info"]["extra"] = json!(1);
    actual["result"]["validator_info"]["voting_power"] = json!(10);
    let problems = mismatches(&expected, &actual, &[]);
    assert_eq!(problems.len(), 3, "{problems:?}");
}

#[test]
fn recorded_hashes_decode() {
    // The hex form used by the `tx` GET form round-trips with Hash's Display.
    let h = hashing::tx_hash(b"x");
    assert_eq!(tendermint::Hash::from_str(&h.to_string()).unwrap(), h);
}
