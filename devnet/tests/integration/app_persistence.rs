//! Crash safety and determinism at the application level: what is committed survives a reopen,
//! what is not leaves no trace, and the same txs give the same app hashes.

use crate::app_support::*;
use kumo_devnet::abci::{Application, GenesisContext};
use kumo_devnet::app::{AppOptions, KumoApp};
use serde_json::json;

#[test]
fn a_reopened_store_resumes_at_the_last_commit_with_nothing_partial() {
    let home = tempfile::tempdir().unwrap();
    let bob;
    let (hash_1, code) = {
        let mut chain =
            TestChain::with_builder(TestChain::builder(), AppOptions::at_home(home.path()));
        bob = chain.addr(1);
        let code = chain.upload(0, artifact("kumo_devnet_reflect.wasm"));
        let send = chain.send(0, &bob, 1_000);
        chain.exec_ok(0, vec![send]);
        let hash = chain.app.last_app_hash().to_vec();
        // A block executed but never committed, then the process "dies".
        let send = chain.send(0, &bob, 5_000);
        let tx = chain.tx(0, vec![send]);
        let uncommitted = chain.finalize(vec![tx]);
        assert_eq!(uncommitted.tx_results[0].code.value(), 0);
        assert_ne!(uncommitted.app_hash.as_bytes(), hash.as_slice());
        (hash, code)
    };

    // Also lose the wasm cache: the blobs in the state refill it.
    std::fs::remove_dir_all(home.path().join("wasm")).unwrap();
    let app = KumoApp::open(AppOptions::at_home(home.path())).unwrap();
    assert!(app.is_initialized());
    assert_eq!(app.last_height(), 2);
    assert_eq!(app.last_app_hash(), hash_1.as_slice());
    assert_eq!(app.info().last_block_app_hash.as_bytes(), hash_1.as_slice());
    let mut chain = TestChain::from_app(app);
    assert_eq!(chain.balance(&bob), DEV_BALANCE + 1_000);
    assert_eq!(
        chain.sequences[0], 2,
        "the uncommitted tx's sequence is gone too"
    );

    // The chain goes on, contracts included.
    let contract = chain.create(0, code, &json!({}), "after-restart");
    let write = chain.execute(
        0,
        &contract,
        &json!({ "write": { "key": "k", "value": "v" } }),
        0,
    );
    chain.exec_ok(0, vec![write]);
    let value: Option<String> = chain
        .smart(&contract, &json!({ "get": { "key": "k" } }))
        .unwrap();
    assert_eq!(value.as_deref(), Some("v"));
    let height = chain.height;
    drop(chain);
    let app = KumoApp::open(AppOptions::at_home(home.path())).unwrap();
    assert_eq!(app.last_height(), height);
}

#[test]
fn init_chain_runs_once() {
    let home = tempfile::tempdir().unwrap();
    drop(TestChain::with_builder(
        TestChain::builder(),
        AppOptions::at_home(home.path()),
    ));
    let mut app = KumoApp::open(AppOptions::at_home(home.path())).unwrap();
    let err = app
        .init_chain(&GenesisContext {
            chain_id: CHAIN_ID.into(),
            genesis_time: genesis_time(),
            initial_height: 1,
            app_state: TestChain::builder().to_json(),
        })
        .unwrap_err();
    assert!(err.to_string().contains("already"), "{err}");
    // A fresh store reports height 0 and no app hash before genesis.
    let fresh = KumoApp::open(AppOptions::in_memory()).unwrap();
    assert!(!fresh.is_initialized());
    assert_eq!(fresh.info().last_block_height.value(), 0);
}

#[test]
fn the_same_txs_give_the_same_app_hashes() {
    let mut a = TestChain::new();
    let mut b = TestChain::new();
    assert_eq!(a.app.last_app_hash(), b.app.last_app_hash(), "same genesis");
    let code_a = a.upload(0, artifact("kumo_devnet_reflect.wasm"));
    let code_b = b.upload(0, artifact("kumo_devnet_reflect.wasm"));
    assert_eq!(code_a, code_b);
    assert_eq!(a.app.last_app_hash(), b.app.last_app_hash());
    for round in 0..3u128 {
        let txs: Vec<(usize, Vec<cosmrs::Any>)> = vec![
            (0, vec![a.send(0, &a.addr(1), 10 + round)]),
            (2, vec![a.send(2, &a.addr(3), 7)]),
            (
                1,
                vec![a.instantiate(1, code_a, &json!({}), &format!("c{round}"))],
            ),
        ];
        let block_a: Vec<Vec<u8>> = txs.iter().map(|(i, m)| a.tx(*i, m.clone())).collect();
        let block_b: Vec<Vec<u8>> = txs.iter().map(|(i, m)| b.tx(*i, m.clone())).collect();
        assert_eq!(block_a, block_b, "same signed bytes");
        let ra = a.block(block_a);
        let rb = b.block(block_b);
        assert_eq!(ra.app_hash, rb.app_hash, "round {round}");
        assert_eq!(ra.tx_results, rb.tx_results);
        assert_eq!(a.app.last_app_hash(), ra.app_hash.as_bytes());
    }
    // An empty block keeps the hash; a different tx changes it.
    let before = a.app.last_app_hash().to_vec();
    a.block(vec![]);
    assert_eq!(a.app.last_app_hash(), before.as_slice());
    let send = a.send(0, &a.addr(1), 1);
    let tx = a.tx(0, vec![send]);
    a.block(vec![tx]);
    assert_ne!(a.app.last_app_hash(), before.as_slice());
}
