//! Throughput of the devnet, end to end through RPC, on Kumo's market contract, against the
//! same messages executed natively by cw-multi-test. Prints one JSON object.
//!
//! `cargo bench -p kumo-devnet --bench tx_throughput`
//! Environment: BENCH_TXS (default 10000), BENCH_SIGNERS (64), BENCH_BLOCK_MS (500),
//! BENCH_LOG (a tracing filter for the node's logs on stderr).

#[path = "../tests/integration/common/chain.rs"]
mod chain;
#[path = "../tests/integration/common/kumo.rs"]
mod kumo;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chain::Signer;
use cosmwasm_std::{coin, Addr, Empty};
use cw_multi_test::{App, Contract, ContractWrapper, Executor};
use kumo_devnet::node::{hashing, BlockProduction};
use kumo_devnet::{Devnet, DevnetConfig};
use serde_json::json;
use tendermint_rpc::{Client, HttpClient};

const CHAIN_ID: &str = "kumo-devnet-1";
const EXECUTE_GAS: u64 = 1_000_000;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    // BENCH_LOG=kumo_devnet::node=debug shows where each block's time goes.
    if let Ok(filter) = std::env::var("BENCH_LOG") {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_writer(std::io::stderr)
            .init();
    }
    let txs = env_or("BENCH_TXS", 10_000);
    let signers = env_or("BENCH_SIGNERS", 64) as u32;
    let block_ms = env_or("BENCH_BLOCK_MS", 500);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let devnet_figures = runtime.block_on(devnet_run(txs, signers, block_ms));
    let native = native_run(txs, signers);
    let devnet_rate = devnet_figures["tx_per_sec"].as_f64().unwrap();
    let report = json!({
        "machine": { "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0) },
        "message": "market DepositDeployment (1 uakt top-up), one signed tx per message",
        "devnet_end_to_end": devnet_figures,
        "cw_multi_test_native": native,
        "native_over_devnet": native["tx_per_sec"].as_f64().unwrap() / devnet_rate,
    });
    println!("{}", serde_json::to_string_pretty(&report).unwrap());
}

async fn devnet_run(txs: u64, signers: u32, block_ms: u64) -> serde_json::Value {
    let artifacts = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../artifacts");
    // A file-backed chain, as `kumo-devnet` runs by default.
    let home = tempfile::tempdir().unwrap();
    let mut config = DevnetConfig::in_memory();
    config.home = Some(home.path().to_path_buf());
    config.accounts = signers;
    config.balance = 1_000_000_000_000_000;
    config.artifacts = Some(artifacts);
    config.artifacts_required = true;
    config.block_production = BlockProduction::Interval(Duration::from_millis(block_ms));
    let devnet = Devnet::spawn(config).await.expect("the devnet starts");
    let market = devnet
        .genesis_contracts()
        .await
        .into_iter()
        .find(|c| c.label == "market")
        .expect("the market is deployed")
        .address;
    let client = HttpClient::new(devnet.rpc_url().as_str()).unwrap();

    // Setup: every signer owns deployment dseq 1.
    let mut accounts = Vec::new();
    for i in 0..signers {
        accounts.push(Signer::dev(&client, i).await);
    }
    let mut gas = serde_json::Map::new();
    let mut setups = Vec::new();
    for signer in accounts.iter_mut() {
        let tx = signer.sign(
            CHAIN_ID,
            vec![chain::wasm_execute(
                &signer.address,
                &market,
                &kumo::create_deployment(1),
                kumo::MIN_DEPOSIT,
            )],
            3_000_000,
        );
        let client = client.clone();
        setups.push(tokio::spawn(
            async move { client.broadcast_tx_commit(tx).await },
        ));
    }
    for setup in setups {
        let commit = setup.await.unwrap().unwrap();
        assert!(commit.tx_result.code.is_ok(), "{}", commit.tx_result.log);
        gas.insert("CreateDeployment".into(), json!(commit.tx_result.gas_used));
    }

    // Gas of the other messages, from real txs.
    let probe = &mut accounts[0];
    let deposit = probe.sign(
        CHAIN_ID,
        vec![chain::wasm_execute(
            &probe.address,
            &market,
            &kumo::deposit_deployment(probe.address.as_ref(), 1),
            1,
        )],
        EXECUTE_GAS,
    );
    let commit = client.broadcast_tx_commit(deposit).await.unwrap();
    assert!(commit.tx_result.code.is_ok(), "{}", commit.tx_result.log);
    gas.insert("DepositDeployment".into(), json!(commit.tx_result.gas_used));
    let to = accounts[1].address.clone();
    let probe = &mut accounts[0];
    let send = probe.sign(
        CHAIN_ID,
        vec![chain::bank_send(&probe.address, &to, 1)],
        200_000,
    );
    let commit = client.broadcast_tx_commit(send).await.unwrap();
    gas.insert("bank MsgSend".into(), json!(commit.tx_result.gas_used));

    // Per-call latency of the cached contract: simulate a deposit through the node (decode,
    // ante without signature checks, wasm execute), no RPC.
    let handle = devnet.handle();
    let probe = &accounts[0];
    let sample = chain::sign_tx(
        &probe.key,
        CHAIN_ID,
        probe.account_number,
        probe.sequence,
        vec![chain::wasm_execute(
            &probe.address,
            &market,
            &kumo::deposit_deployment(probe.address.as_ref(), 1),
            1,
        )],
        EXECUTE_GAS,
    );
    let request = cosmrs::proto::cosmos::tx::v1beta1::SimulateRequest {
        tx_bytes: sample,
        ..Default::default()
    };
    let request = cosmrs::proto::prost::Message::encode_to_vec(&request);
    let rounds = 500;
    let started = Instant::now();
    for _ in 0..rounds {
        let answer = handle
            .abci_query(
                "/cosmos.tx.v1beta1.Service/Simulate".into(),
                request.clone(),
                0,
                false,
            )
            .await
            .unwrap();
        assert!(answer.code.is_ok(), "{}", answer.log);
    }
    let simulate_us = started.elapsed().as_secs_f64() * 1e6 / rounds as f64;

    // The measured run: every signer signs and broadcasts its share, back to back.
    let per_signer = txs.div_ceil(signers as u64);
    let start_height = client
        .status()
        .await
        .unwrap()
        .sync_info
        .latest_block_height
        .value();
    let started = Instant::now();
    let market = Arc::new(market);
    let mut tasks = Vec::new();
    for mut signer in accounts {
        let client = client.clone();
        let market = market.clone();
        tasks.push(tokio::spawn(async move {
            let mut last = None;
            let mut refused = 0u64;
            for _ in 0..per_signer {
                let tx = signer.sign(
                    CHAIN_ID,
                    vec![chain::wasm_execute(
                        &signer.address,
                        &market,
                        &kumo::deposit_deployment(signer.address.as_ref(), 1),
                        1,
                    )],
                    EXECUTE_GAS,
                );
                last = Some(hashing::tx_hash(&tx));
                let answer = client.broadcast_tx_sync(tx).await.unwrap();
                if answer.code.is_err() {
                    refused += 1;
                }
            }
            (last, refused)
        }));
    }
    let mut lasts = Vec::new();
    let mut refused = 0;
    for task in tasks {
        let (last, r) = task.await.unwrap();
        lasts.extend(last);
        refused += r;
    }
    let broadcast_secs = started.elapsed().as_secs_f64();
    for hash in &lasts {
        loop {
            if client.tx(*hash, false).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    let included_secs = started.elapsed().as_secs_f64();
    let end_height = client
        .status()
        .await
        .unwrap()
        .sync_info
        .latest_block_height
        .value();

    // Count what the blocks of the run executed.
    let (mut executed, mut failed) = (0u64, 0u64);
    let mut max_block = 0usize;
    for height in start_height + 1..=end_height {
        let results = client.block_results(height as u32).await.unwrap();
        let results = results.txs_results.unwrap_or_default();
        max_block = max_block.max(results.len());
        executed += results.len() as u64;
        failed += results.iter().filter(|r| r.code.is_err()).count() as u64;
    }
    let sent = per_signer * signers as u64;
    devnet.shutdown().await;
    json!({
        "signers": signers,
        "txs_sent": sent,
        "refused_by_check_tx": refused,
        "txs_executed": executed,
        "txs_failed_in_block": failed,
        "block_time_ms": block_ms,
        "blocks": end_height - start_height,
        "largest_block_txs": max_block,
        "broadcast_secs": broadcast_secs,
        "all_included_secs": included_secs,
        "tx_per_sec": (executed - failed) as f64 / included_secs,
        "simulate_deposit_latency_us": simulate_us,
        "gas_used": gas,
    })
}

fn market_contract() -> Box<dyn Contract<Empty>> {
    Box::new(ContractWrapper::new(
        kumo_market::contract::execute,
        kumo_market::contract::instantiate,
        kumo_market::contract::query,
    ))
}

fn registry_contract() -> Box<dyn Contract<Empty>> {
    Box::new(ContractWrapper::new(
        kumo_registry::contract::execute,
        kumo_registry::contract::instantiate,
        kumo_registry::contract::query,
    ))
}

/// The same messages through cw-multi-test's native execution.
fn native_run(txs: u64, signers: u32) -> serde_json::Value {
    let owners: Vec<Addr> = (0..signers)
        .map(|i| cosmwasm_std::testing::MockApi::default().addr_make(&format!("owner{i}")))
        .collect();
    let mut app = App::new(|router, _api, storage| {
        for owner in &owners {
            router
                .bank
                .init_balance(storage, owner, vec![coin(1_000_000_000_000_000, "uakt")])
                .unwrap();
        }
    });
    let deployer = owners[0].clone();
    let registry_code = app.store_code(registry_contract());
    let market_code = app.store_code(market_contract());
    let registry_params: serde_json::Value = kumo_devnet::app::genesis::registry_params("uakt");
    let registry = app
        .instantiate_contract(
            registry_code,
            deployer.clone(),
            &json!({ "governance": deployer, "market": null, "params": registry_params }),
            &[],
            "registry",
            None,
        )
        .unwrap();
    let market = app
        .instantiate_contract(
            market_code,
            deployer.clone(),
            &json!({
                "governance": deployer,
                "registry": registry,
                "params": kumo_devnet::app::genesis::market_params("uakt"),
            }),
            &[],
            "market",
            None,
        )
        .unwrap();
    for owner in &owners {
        app.execute_contract(
            owner.clone(),
            market.clone(),
            &kumo::create_deployment(1),
            &[coin(kumo::MIN_DEPOSIT, "uakt")],
        )
        .unwrap();
    }
    let per_signer = txs.div_ceil(signers as u64);
    let started = Instant::now();
    for _ in 0..per_signer {
        for owner in &owners {
            app.execute_contract(
                owner.clone(),
                market.clone(),
                &kumo::deposit_deployment(owner.as_str(), 1),
                &[coin(1, "uakt")],
            )
            .unwrap();
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let executed = per_signer * signers as u64;
    json!({
        "txs": executed,
        "secs": secs,
        "tx_per_sec": executed as f64 / secs,
        "per_execute_us": secs * 1e6 / executed as f64,
    })
}
