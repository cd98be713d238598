//! The node on its own (mempool, block production, block store, indexes, handshake), driven
//! through its `NodeHandle` with the kv stand-in application.

use std::time::Duration;

use crate::common::{eventually, KvApp, CHAIN_ID};
use kumo_devnet::node::{
    hashing, reset_home, BlockProduction, GenesisSpec, MempoolError, Node, NodeConfig, NodeError,
    NodeEvent, RequestError, SearchOrder, StoreLocation, TxSearchError,
};
use tendermint::block::CommitSig;

fn genesis() -> GenesisSpec {
    GenesisSpec {
        genesis_time: None,
        app_state: serde_json::json!({}),
    }
}

async fn on_demand_node() -> Node {
    Node::start(
        KvApp::in_memory(),
        NodeConfig::in_memory(CHAIN_ID),
        genesis(),
    )
    .await
    .unwrap()
}

async fn commit_tx(node: &Node, tx: &str) -> u64 {
    let outcome = node
        .handle()
        .broadcast_tx_commit(tx.as_bytes().to_vec())
        .await
        .unwrap();
    assert!(
        outcome.check_tx.code.is_ok(),
        "{tx}: {:?}",
        outcome.check_tx
    );
    outcome.included.expect("included").0
}

#[tokio::test]
async fn blocks_are_produced_on_the_interval_even_when_empty() {
    let mut config = NodeConfig::in_memory(CHAIN_ID);
    config.block_production = BlockProduction::Interval(Duration::from_millis(50));
    let node = Node::start(KvApp::in_memory(), config, genesis())
        .await
        .unwrap();
    let handle = node.handle();
    eventually(Duration::from_secs(5), || async {
        (handle.latest_height().unwrap() >= 5).then_some(())
    })
    .await;
    node.shutdown().await;
}

#[tokio::test]
async fn mining_on_demand_waits_for_txs_and_batches_a_burst() {
    let node = on_demand_node().await;
    let handle = node.handle();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(handle.latest_height().unwrap(), 0, "no txs, no blocks");

    let sends: Vec<_> = (0..20)
        .map(|i| {
            let handle = handle.clone();
            tokio::spawn(async move { handle.check_tx(format!("k{i}=v{i}").into_bytes()).await })
        })
        .collect();
    for send in sends {
        assert!(send.await.unwrap().unwrap().code.is_ok());
    }
    eventually(Duration::from_secs(5), || async {
        (handle.mempool_size().await.unwrap() == 0).then_some(())
    })
    .await;
    let height = handle.latest_height().unwrap();
    assert!(
        (1..20).contains(&height),
        "20 txs sent together share blocks: {height}"
    );
    let included: usize = (1..=height)
        .map(|h| handle.block(Some(h)).unwrap().unwrap().block.data.len())
        .sum();
    assert_eq!(included, 20);
    node.shutdown().await;
}

#[tokio::test]
async fn refused_txs_never_enter_the_mempool() {
    let node = on_demand_node().await;
    let handle = node.handle();
    let check = handle.check_tx(b"no equals sign".to_vec()).await.unwrap();
    assert_eq!(check.code.value(), 1);
    assert_eq!(check.codespace, "kv");
    assert_eq!(handle.mempool_size().await.unwrap(), 0);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(handle.latest_height().unwrap(), 0);
    node.shutdown().await;
}

#[tokio::test]
async fn mempool_refuses_duplicates_oversized_txs_and_overflow() {
    let mut config = NodeConfig::in_memory(CHAIN_ID);
    config.block_production = BlockProduction::Interval(Duration::from_secs(3600));
    config.mempool_max_txs = 2;
    config.max_tx_bytes = 16;
    let node = Node::start(KvApp::in_memory(), config, genesis())
        .await
        .unwrap();
    let handle = node.handle();
    handle.check_tx(b"a=1".to_vec()).await.unwrap();
    let dup = handle.check_tx(b"a=1".to_vec()).await.unwrap_err();
    assert!(matches!(
        dup,
        RequestError::Mempool(MempoolError::AlreadyInCache)
    ));
    let big = handle.check_tx(vec![b'x'; 17]).await.unwrap_err();
    assert!(matches!(
        big,
        RequestError::Mempool(MempoolError::TxTooLarge { .. })
    ));
    handle.check_tx(b"b=2".to_vec()).await.unwrap();
    let full = handle.check_tx(b"c=3".to_vec()).await.unwrap_err();
    assert!(matches!(
        full,
        RequestError::Mempool(MempoolError::Full { .. })
    ));
    assert_eq!(handle.produce_block().await.unwrap(), 1);
    assert_eq!(handle.block(Some(1)).unwrap().unwrap().block.data.len(), 2);
    node.shutdown().await;
}

#[tokio::test]
async fn block_caps_split_the_mempool_across_blocks_in_fifo_order() {
    let mut config = NodeConfig::in_memory(CHAIN_ID);
    config.block_production = BlockProduction::Interval(Duration::from_secs(3600));
    config.block_max_txs = 3;
    let node = Node::start(KvApp::in_memory(), config, genesis())
        .await
        .unwrap();
    let handle = node.handle();
    for i in 0..7 {
        handle
            .check_tx(format!("k{i}=v").into_bytes())
            .await
            .unwrap();
    }
    for _ in 0..3 {
        handle.produce_block().await.unwrap();
    }
    let sizes: Vec<usize> = (1..=3)
        .map(|h| handle.block(Some(h)).unwrap().unwrap().block.data.len())
        .collect();
    assert_eq!(sizes, vec![3, 3, 1]);
    assert_eq!(
        handle.block(Some(1)).unwrap().unwrap().block.data[0],
        b"k0=v".to_vec()
    );
    assert_eq!(
        handle.block(Some(3)).unwrap().unwrap().block.data[0],
        b"k6=v".to_vec()
    );
    node.shutdown().await;
}

#[tokio::test]
async fn headers_chain_together_as_cometbft_builds_them() {
    let node = on_demand_node().await;
    let handle = node.handle();
    commit_tx(&node, "a=1").await;
    commit_tx(&node, "fail=1").await;
    commit_tx(&node, "b=2").await;
    let latest = handle.latest_height().unwrap();
    assert_eq!(latest, 3);

    let genesis_app_hash = {
        let first = handle.block(Some(1)).unwrap().unwrap();
        assert!(first.block.header.last_block_id.is_none());
        assert!(first.block.last_commit.is_none());
        first.block.header.app_hash
    };
    assert_ne!(
        genesis_app_hash.as_bytes().len(),
        0,
        "block 1 carries init_chain's hash"
    );

    let validator = handle.validator().clone();
    for height in 1..=latest {
        let stored = handle.block(Some(height)).unwrap().unwrap();
        let header = &stored.block.header;
        assert_eq!(header.chain_id.as_str(), CHAIN_ID);
        assert_eq!(header.height.value(), height);
        assert_eq!(
            stored.block_id.hash,
            header.hash(),
            "block id is the header hash"
        );
        assert_eq!(
            header.data_hash,
            Some(hashing::data_hash(&stored.block.data))
        );
        assert_eq!(header.proposer_address, validator.address());
        assert_eq!(
            handle
                .block_by_hash(&stored.block_id.hash)
                .unwrap()
                .unwrap()
                .block
                .header
                .height
                .value(),
            height
        );
        if height > 1 {
            let previous = handle.block(Some(height - 1)).unwrap().unwrap();
            let previous_results = handle.block_results(Some(height - 1)).unwrap().unwrap().1;
            assert_eq!(header.last_block_id, Some(previous.block_id));
            assert_eq!(
                header.app_hash, previous_results.app_hash,
                "app hash lags one block"
            );
            assert_eq!(
                header.last_results_hash,
                Some(hashing::results_hash(&previous_results.tx_results))
            );
            assert!(header.time > previous.block.header.time);
            // The last commit is a real precommit signature by the devnet validator.
            let commit = stored.block.last_commit.as_ref().unwrap();
            assert_eq!(commit.block_id, previous.block_id);
            let CommitSig::BlockIdFlagCommit {
                signature,
                timestamp,
                ..
            } = &commit.signatures[0]
            else {
                panic!("a commit signature");
            };
            assert_eq!(*timestamp, header.time, "BFT time of a single validator");
            let vote = tendermint::Vote {
                vote_type: tendermint::vote::Type::Precommit,
                height: previous.block.header.height,
                round: Default::default(),
                block_id: Some(previous.block_id),
                timestamp: Some(*timestamp),
                validator_address: validator.address(),
                validator_index: 0u32.try_into().unwrap(),
                signature: None,
                extension: vec![],
                extension_signature: None,
            };
            let sign_bytes = vote.into_signable_vec(header.chain_id.clone());
            validator
                .info()
                .verify_signature::<tendermint::crypto::default::signature::Verifier>(
                    &sign_bytes,
                    signature.as_ref().unwrap(),
                )
                .expect("the commit signature verifies");
        }
    }
    let failed = handle.block_results(Some(2)).unwrap().unwrap().1;
    assert_eq!(failed.tx_results[0].code.value(), 2);
    node.shutdown().await;
}

#[tokio::test]
async fn txs_are_found_by_hash_and_by_event_queries_with_paging() {
    let node = on_demand_node().await;
    let handle = node.handle();
    for (i, owner) in ["alice", "bob", "alice", "carol", "alice"]
        .iter()
        .enumerate()
    {
        commit_tx(&node, &format!("key{i}={owner}")).await;
    }
    let hash = hashing::tx_hash(b"key1=bob");
    let record = handle.tx(&hash).unwrap().unwrap();
    assert_eq!((record.height, record.index), (2, 0));
    let proof = handle.tx_proof(&record).unwrap().unwrap();
    let block = handle.block(Some(2)).unwrap().unwrap();
    assert_eq!(Some(proof.root_hash), block.block.header.data_hash);

    let search = |q: &str, page, per_page, order| {
        let handle = handle.clone();
        let q = q.parse().unwrap();
        async move { handle.tx_search(q, page, per_page, order).await }
    };
    let alice = search(
        "wasm-order_created.owner='alice'",
        None,
        None,
        SearchOrder::Ascending,
    )
    .await
    .unwrap();
    assert_eq!(alice.total_count, 3);
    assert_eq!(
        alice.txs.iter().map(|t| t.height).collect::<Vec<_>>(),
        vec![1, 3, 5]
    );

    let paged = search(
        "tm.event='Tx' AND wasm-order_created.owner='alice'",
        Some(2),
        Some(2),
        SearchOrder::Descending,
    )
    .await
    .unwrap();
    assert_eq!(paged.total_count, 3);
    assert_eq!(
        paged.txs.iter().map(|t| t.height).collect::<Vec<_>>(),
        vec![1]
    );

    let range = search(
        "tx.height >= 2 AND tx.height < 4",
        None,
        None,
        SearchOrder::Ascending,
    )
    .await
    .unwrap();
    assert_eq!(
        range.txs.iter().map(|t| t.height).collect::<Vec<_>>(),
        vec![2, 3]
    );

    let by_hash = search(
        &format!("tx.hash='{hash}'"),
        None,
        None,
        SearchOrder::Ascending,
    )
    .await
    .unwrap();
    assert_eq!(by_hash.total_count, 1);

    let both = search(
        "app.key='key2' AND wasm-order_created.owner='alice'",
        None,
        None,
        SearchOrder::Ascending,
    )
    .await
    .unwrap();
    assert_eq!(
        both.txs.iter().map(|t| t.height).collect::<Vec<_>>(),
        vec![3]
    );

    let unindexed = search(
        "app.noindex_key='index is working'",
        None,
        None,
        SearchOrder::Ascending,
    )
    .await
    .unwrap();
    assert_eq!(
        unindexed.total_count, 0,
        "attributes without index are not searchable"
    );

    let beyond = search("tx.height > 0", Some(9), Some(2), SearchOrder::Ascending).await;
    assert!(matches!(
        beyond,
        Err(TxSearchError::PageOutOfRange { page: 9, pages: 3 })
    ));
    node.shutdown().await;
}

#[tokio::test]
async fn subscribers_get_new_block_then_tx_events() {
    let node = on_demand_node().await;
    let handle = node.handle();
    let mut blocks = handle.subscribe();
    commit_tx(&node, "x=carol").await;
    let committed = blocks.recv().await.unwrap();
    assert_eq!(committed.height(), 1);
    let mut events = committed.events();
    let Some(NodeEvent::NewBlock(block)) = events.next() else {
        panic!("NewBlock first");
    };
    assert_eq!(block.block.header.height.value(), 1);
    assert_eq!(block.events["tm.event"], vec!["NewBlock".to_string()]);
    let Some(NodeEvent::Tx(tx)) = events.next() else {
        panic!("then Tx");
    };
    assert_eq!(
        tx.events["wasm-order_created.owner"],
        vec!["carol".to_string()]
    );
    assert_eq!(tx.events["tx.height"], vec!["1".to_string()]);
    node.shutdown().await;
}

#[tokio::test]
async fn broadcast_tx_commit_reports_refusals_and_times_out() {
    let mut config = NodeConfig::in_memory(CHAIN_ID);
    config.block_production = BlockProduction::Interval(Duration::from_secs(3600));
    config.commit_timeout = Duration::from_millis(200);
    let node = Node::start(KvApp::in_memory(), config, genesis())
        .await
        .unwrap();
    let handle = node.handle();
    let refused = handle
        .broadcast_tx_commit(b"garbage".to_vec())
        .await
        .unwrap();
    assert_eq!(refused.check_tx.code.value(), 1);
    assert!(refused.included.is_none());
    let stuck = handle
        .broadcast_tx_commit(b"k=v".to_vec())
        .await
        .unwrap_err();
    assert!(matches!(stuck, RequestError::CommitTimeout));
    node.shutdown().await;
}

fn home_config(home: &std::path::Path) -> NodeConfig {
    let mut config = NodeConfig::new(CHAIN_ID, StoreLocation::Home(home.to_path_buf()));
    config.block_production = BlockProduction::OnDemand;
    config
}

fn app_file(home: &std::path::Path) -> std::path::PathBuf {
    home.join("kv.json")
}

#[tokio::test]
async fn a_restart_resumes_at_the_last_height_with_the_same_blocks() {
    let home = tempfile::tempdir().unwrap();
    let node = Node::start(
        KvApp::persistent(app_file(home.path())),
        home_config(home.path()),
        genesis(),
    )
    .await
    .unwrap();
    for i in 0..3 {
        commit_tx(&node, &format!("k{i}=v")).await;
    }
    let before = node.handle().block(Some(3)).unwrap().unwrap();
    let genesis_time = node.handle().genesis().genesis_time;
    node.shutdown().await;

    let node = Node::start(
        KvApp::persistent(app_file(home.path())),
        home_config(home.path()),
        genesis(),
    )
    .await
    .unwrap();
    let handle = node.handle();
    assert_eq!(handle.latest_height().unwrap(), 3);
    assert_eq!(
        handle.genesis().genesis_time,
        genesis_time,
        "the genesis is kept"
    );
    assert_eq!(
        handle.block(Some(3)).unwrap().unwrap().block_id,
        before.block_id
    );
    assert_eq!(commit_tx(&node, "k9=v").await, 4);
    let next = handle.block(Some(4)).unwrap().unwrap();
    assert_eq!(next.block.header.last_block_id, Some(before.block_id));
    node.shutdown().await;
}

#[tokio::test]
async fn the_handshake_replays_a_block_the_app_did_not_commit() {
    let home = tempfile::tempdir().unwrap();
    let node = Node::start(
        KvApp::persistent(app_file(home.path())),
        home_config(home.path()),
        genesis(),
    )
    .await
    .unwrap();
    commit_tx(&node, "a=1").await;
    let hash_after_1 = node
        .handle()
        .block_results(Some(1))
        .unwrap()
        .unwrap()
        .1
        .app_hash;
    node.shutdown().await;

    // Crash inside the app's commit of block 2: the block store has it, the app does not.
    let mut crashing = KvApp::persistent(app_file(home.path()));
    crashing.crash_on_commit_at = Some(2);
    let node = Node::start(crashing, home_config(home.path()), genesis())
        .await
        .unwrap();
    let handle = node.handle();
    handle.check_tx(b"b=2".to_vec()).await.unwrap();
    handle.stopped().await;
    let stored_hash = handle.block_results(Some(2)).unwrap().unwrap().1.app_hash;
    assert_ne!(stored_hash, hash_after_1);
    drop(handle);
    node.shutdown().await;
    let reloaded = KvApp::persistent(app_file(home.path()));
    use kumo_devnet::abci::Application;
    assert_eq!(
        reloaded.info().last_block_height.value(),
        1,
        "the app missed block 2"
    );

    let node = Node::start(
        KvApp::persistent(app_file(home.path())),
        home_config(home.path()),
        genesis(),
    )
    .await
    .unwrap();
    let handle = node.handle();
    assert_eq!(handle.latest_height().unwrap(), 2);
    let info = handle.abci_info().await.unwrap();
    assert_eq!(info.last_block_height.value(), 2, "replayed");
    assert_eq!(info.last_block_app_hash, stored_hash);
    let answer = handle
        .abci_query(String::new(), b"b".to_vec(), 0, false)
        .await
        .unwrap();
    assert_eq!(answer.value.as_ref(), b"2");
    node.shutdown().await;
}

#[tokio::test]
async fn the_handshake_refuses_an_app_ahead_of_the_store_or_diverged() {
    let home = tempfile::tempdir().unwrap();
    let node = Node::start(
        KvApp::persistent(app_file(home.path())),
        home_config(home.path()),
        genesis(),
    )
    .await
    .unwrap();
    commit_tx(&node, "a=1").await;
    commit_tx(&node, "b=1").await;
    node.shutdown().await;

    // The app's state belongs to another chain history: same height, other contents.
    let tampered = std::fs::read_to_string(app_file(home.path()))
        .unwrap()
        .replace("\"b\":\"1\"", "\"b\":\"2\"");
    std::fs::write(app_file(home.path()), tampered).unwrap();
    let err = Node::start(
        KvApp::persistent(app_file(home.path())),
        home_config(home.path()),
        genesis(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, NodeError::AppHashMismatch { height: 2, .. }),
        "{err}"
    );

    // An app ahead of the blocks (the block store was deleted).
    let other = tempfile::tempdir().unwrap();
    let err = Node::start(
        KvApp::persistent(app_file(home.path())),
        home_config(other.path()),
        genesis(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            NodeError::AppAheadOfStore {
                app_height: 2,
                store_height: 0
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("--reset"));
}

#[tokio::test]
async fn the_handshake_refuses_another_chain_id() {
    let home = tempfile::tempdir().unwrap();
    let node = Node::start(KvApp::in_memory(), home_config(home.path()), genesis())
        .await
        .unwrap();
    node.shutdown().await;
    let mut config = home_config(home.path());
    config.chain_id = "other-chain-1".into();
    let err = Node::start(KvApp::in_memory(), config, genesis())
        .await
        .unwrap_err();
    assert!(matches!(err, NodeError::ChainIdMismatch { .. }), "{err}");
}

#[test]
fn reset_wipes_a_devnet_home_but_not_other_directories() {
    let home = tempfile::tempdir().unwrap();
    let devnet_home = home.path().join("devnet");
    std::fs::create_dir_all(&devnet_home).unwrap();
    std::fs::write(devnet_home.join(kumo_devnet::node::BLOCK_STORE_FILE), b"").unwrap();
    std::fs::write(devnet_home.join("app.redb"), b"").unwrap();
    reset_home(&devnet_home).unwrap();
    assert!(!devnet_home.exists());
    reset_home(&devnet_home).unwrap();

    let unrelated = home.path().join("photos");
    std::fs::create_dir_all(&unrelated).unwrap();
    std::fs::write(unrelated.join("cat.jpg"), b"meow").unwrap();
    assert!(reset_home(&unrelated).is_err());
    assert!(unrelated.join("cat.jpg").exists());
}

#[tokio::test]
async fn the_tx_index_is_rebuilt_for_blocks_a_crash_left_unindexed() {
    let home = tempfile::tempdir().unwrap();
    let node = Node::start(
        KvApp::persistent(app_file(home.path())),
        home_config(home.path()),
        genesis(),
    )
    .await
    .unwrap();
    for owner in ["alice", "bob", "alice"] {
        commit_tx(&node, &format!("k{owner}{}={owner}", rand_suffix())).await;
    }
    node.shutdown().await;

    // Indexing runs after commit; lose the whole index as a crash at the wrong moment would.
    std::fs::remove_file(home.path().join(kumo_devnet::node::TX_INDEX_FILE)).unwrap();
    let node = Node::start(
        KvApp::persistent(app_file(home.path())),
        home_config(home.path()),
        genesis(),
    )
    .await
    .unwrap();
    let handle = node.handle();
    let alice = handle
        .tx_search(
            "wasm-order_created.owner='alice'".parse().unwrap(),
            None,
            None,
            SearchOrder::Ascending,
        )
        .await
        .unwrap();
    assert_eq!(alice.total_count, 2);
    let first = &alice.txs[0];
    assert_eq!(
        handle.tx(&first.hash).unwrap().unwrap().height,
        first.height
    );
    node.shutdown().await;
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64
}
