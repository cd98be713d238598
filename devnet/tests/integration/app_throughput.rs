//! Throughput of the application alone (no RPC), printed as JSON. Not a timed test: run it
//! with optimizations, e.g.
//!
//! ```sh
//! cargo test --profile bench -p kumo-devnet --test app_throughput -- --ignored --nocapture
//! ```
//!
//! Each tx goes through `check_tx` (as the node's mempool does) and then `finalize_block` in
//! blocks of `BLOCK_TXS`, with one `commit` (one redb transaction) per block.

use std::time::Instant;

use crate::app_support::*;
use kumo_devnet::abci::Application;
use kumo_devnet::app::AppOptions;
use serde_json::json;

const SIGNERS: u32 = 40;
const TXS_PER_SIGNER: usize = 50;
const BLOCK_TXS: usize = 500;

struct Figures {
    txs: usize,
    check_secs: f64,
    deliver_secs: f64,
}

impl Figures {
    fn json(&self, name: &str) -> serde_json::Value {
        json!({
            "workload": name,
            "txs": self.txs,
            "check_tx_per_sec": (self.txs as f64 / self.check_secs).round(),
            "finalize_and_commit_tx_per_sec": (self.txs as f64 / self.deliver_secs).round(),
            "app_tx_per_sec": (self.txs as f64 / (self.check_secs + self.deliver_secs)).round(),
        })
    }
}

/// Pre-signs `TXS_PER_SIGNER` txs per signer (interleaved), then checks and delivers them all.
fn run(chain: &mut TestChain, msg: impl Fn(&TestChain, usize, usize) -> cosmrs::Any) -> Figures {
    let mut txs = Vec::new();
    for n in 0..TXS_PER_SIGNER {
        for signer in 0..SIGNERS as usize {
            let msg = msg(chain, signer, n);
            let mut spec = chain.spec(signer, vec![msg]);
            spec.gas = 300_000;
            spec.fee = fee_for(spec.gas);
            // Only the first tx carries the key; later ones find it on the account.
            spec.with_pub_key = true;
            txs.push(chain.sign_spec(signer, &spec));
        }
    }
    let started = Instant::now();
    for tx in &txs {
        let check = chain.app.check_tx(tx);
        assert_eq!(check.code.value(), 0, "{}", check.log);
    }
    let check_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    for block in txs.chunks(BLOCK_TXS) {
        let result = chain.block(block.to_vec());
        for r in &result.tx_results {
            assert_eq!(r.code.value(), 0, "{}", r.log);
        }
    }
    Figures {
        txs: txs.len(),
        check_secs,
        deliver_secs: started.elapsed().as_secs_f64(),
    }
}

#[test]
#[ignore = "a measurement; run with --ignored --nocapture and optimizations"]
fn app_throughput_in_memory() {
    measure("in-memory redb", AppOptions::in_memory());
}

#[test]
#[ignore = "a measurement; run with --ignored --nocapture and optimizations"]
fn app_throughput_on_disk() {
    let home = tempfile::tempdir().unwrap();
    measure(
        "redb file (fsync per block)",
        AppOptions::at_home(home.path()),
    );
}

fn measure(store: &str, options: AppOptions) {
    let mut chain = TestChain::with_dev_accounts(SIGNERS + 1, options);
    let sink = chain.addr(SIGNERS as usize);
    let bank = run(&mut chain, |chain, signer, _| chain.send(signer, &sink, 1));

    let code = chain.upload(0, artifact("kumo_devnet_reflect.wasm"));
    let contract = chain.create(0, code, &json!({}), "bench");
    let wasm = run(&mut chain, |chain, signer, n| {
        chain.execute(
            signer,
            &contract,
            &json!({ "write": { "key": format!("{signer}-{n}"), "value": "v" } }),
            0,
        )
    });

    // A cached contract's call latency: smart queries (instance from the memory cache,
    // metered call, JSON in and out).
    let queries = 2_000;
    let started = Instant::now();
    for n in 0..queries {
        let _: Option<String> = chain
            .smart(
                &contract,
                &json!({ "get": { "key": format!("0-{}", n % TXS_PER_SIGNER) } }),
            )
            .unwrap();
    }
    let query_micros = started.elapsed().as_secs_f64() * 1e6 / queries as f64;

    // One execute per block: the latency of a single cached wasm execute tx, end to end.
    let rounds = 200;
    let started = Instant::now();
    for n in 0..rounds {
        let exec = chain.execute(
            0,
            &contract,
            &json!({ "write": { "key": format!("solo-{n}"), "value": "v" } }),
            0,
        );
        let tx = chain.tx(0, vec![exec]);
        assert_eq!(chain.app.check_tx(&tx).code.value(), 0);
        let result = chain.deliver(tx);
        assert_eq!(result.code.value(), 0, "{}", result.log);
    }
    let solo_micros = started.elapsed().as_secs_f64() * 1e6 / rounds as f64;

    let metrics = chain.app.wasm_cache_metrics();
    let report = json!({
        "store": store,
        "block_txs": BLOCK_TXS,
        "bank_send": bank.json("bank send"),
        "wasm_execute": wasm.json("reflect write (wasm execute)"),
        "cached_smart_query_micros": query_micros.round(),
        "single_execute_tx_block_micros": solo_micros.round(),
        "wasm_cache": {
            "hits_memory": metrics.stats.hits_memory_cache,
            "hits_fs": metrics.stats.hits_fs_cache,
            "misses": metrics.stats.misses,
        },
    });
    println!("{}", serde_json::to_string_pretty(&report).unwrap());
}
