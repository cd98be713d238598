//! Crash safety of the `kumo-devnet` binary: blocks every 0.1 s under a stream of signed txs,
//! `kill -9` at random moments, restart on the same home, ten times. Each restart must resume
//! at or above every height seen before, never change a block or app hash it had already
//! committed, and keep the bank consistent (balances add up to the unchanged supply).

use std::collections::BTreeMap;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::common::chain::{self, Signer};
use tendermint_rpc::{Client, HttpClient};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_kumo-devnet");
const CHAIN_ID: &str = "kumo-devnet-1";
const ACCOUNTS: u32 = 4;
const BALANCE: u128 = 1_000_000_000_000;
const ROUNDS: usize = 10;

/// A tiny deterministic PRNG (xorshift), so failures can be replayed from the printed seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low)
    }
}

struct Running {
    child: Child,
    client: HttpClient,
}

/// How many stored blocks the handshakes replayed (the app had not committed them).
static REPLAYED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

async fn start(home: &std::path::Path) -> Running {
    let mut child = Command::new(BIN)
        .args(["--home", home.to_str().unwrap()])
        .args(["--port", "0", "--block-time", "0.1", "--no-contracts"])
        .args([
            "--accounts",
            &ACCOUNTS.to_string(),
            "--balance",
            &BALANCE.to_string(),
        ])
        .args(["--log-level", "info"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the kumo-devnet binary starts");
    let mut logs = BufReader::new(child.stderr.take().unwrap()).lines();
    tokio::spawn(async move {
        while let Ok(Some(line)) = logs.next_line().await {
            if line.contains("replaying stored block") {
                REPLAYED.fetch_add(1, Ordering::Relaxed);
            }
            if line.contains("ERROR") {
                eprintln!("kumo-devnet: {line}");
            }
        }
    });
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(url) = line.strip_prefix("Listening on ") {
                return url.trim().to_string();
            }
        }
        panic!("kumo-devnet exited before listening");
    })
    .await
    .expect("kumo-devnet listens within 2 minutes");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    // Keep draining stdout so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Running {
        child,
        client: HttpClient::new(url.as_str()).unwrap(),
    }
}

/// Block hash and header app hash of every height up to the latest.
async fn chain_facts(client: &HttpClient, from: u64) -> BTreeMap<u64, (String, String)> {
    let latest = client
        .status()
        .await
        .unwrap()
        .sync_info
        .latest_block_height
        .value();
    let mut facts = BTreeMap::new();
    let mut max = latest;
    while max >= from.max(1) {
        let min = max.saturating_sub(19).max(from.max(1));
        let metas = client
            .blockchain(min as u32, max as u32)
            .await
            .unwrap()
            .block_metas;
        for meta in metas {
            facts.insert(
                meta.header.height.value(),
                (
                    meta.block_id.hash.to_string(),
                    meta.header.app_hash.to_string(),
                ),
            );
        }
        if min <= 1 {
            break;
        }
        max = min - 1;
    }
    facts
}

/// Sends bank transfers between the dev accounts until `stop`; resyncs sequences on refusal.
async fn send_transfers(client: HttpClient, stop: Arc<AtomicBool>) {
    let mut signers = Vec::new();
    for i in 0..ACCOUNTS {
        signers.push(Signer::dev(&client, i).await);
    }
    let addresses: Vec<_> = signers.iter().map(|s| s.address.clone()).collect();
    let mut round = 0usize;
    while !stop.load(Ordering::Relaxed) {
        round += 1;
        let from = round % signers.len();
        let to = &addresses[(from + 1) % addresses.len()];
        let signer = &mut signers[from];
        let tx = signer.sign(
            CHAIN_ID,
            vec![chain::bank_send(&signer.address, to, 1 + round as u128 % 7)],
            200_000,
        );
        match client.broadcast_tx_sync(tx).await {
            Ok(r) if r.code.is_ok() => {}
            Ok(_) | Err(_) => {
                if let Ok(Some(fresh)) = tokio::time::timeout(
                    Duration::from_secs(2),
                    chain::try_account_numbers(&client, signer.address.as_ref()),
                )
                .await
                {
                    signer.sequence = fresh.1;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

async fn assert_bank_consistent(client: &HttpClient) {
    let mut total = 0u128;
    for i in 0..ACCOUNTS {
        let account = kumo_devnet::app::dev_accounts::derive_account(
            kumo_devnet::app::DEV_MNEMONIC,
            i,
            "kumo",
        )
        .unwrap();
        total += chain::balance(client, &account.address).await;
    }
    let fee_collector =
        cosmrs::AccountId::new("kumo", &kumo_devnet::app::auth::fee_collector_address())
            .unwrap()
            .to_string();
    let fees = chain::balance(client, &fee_collector).await;
    assert_eq!(
        total + fees,
        ACCOUNTS as u128 * BALANCE,
        "dev balances ({total}) plus collected fees ({fees}) equal the genesis supply"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_at_random_moments_never_loses_or_rewrites_committed_blocks() {
    let home = tempfile::tempdir().unwrap();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("crash test seed: {seed}");
    let mut rng = Rng(seed);
    let mut seen: BTreeMap<u64, (String, String)> = BTreeMap::new();
    let mut highest_seen = 0u64;

    for round in 0..ROUNDS {
        let mut running = start(home.path()).await;
        let client = running.client.clone();

        let latest = client
            .status()
            .await
            .unwrap()
            .sync_info
            .latest_block_height
            .value();
        assert!(
            latest >= highest_seen,
            "round {round}: restarted at {latest}, below the {highest_seen} seen before"
        );
        let now = chain_facts(&client, 1).await;
        for (height, facts) in &seen {
            assert_eq!(
                now.get(height),
                Some(facts),
                "round {round}: block {height} changed across a restart"
            );
        }
        assert_bank_consistent(&client).await;

        let stop = Arc::new(AtomicBool::new(false));
        let sender = tokio::spawn(send_transfers(client.clone(), stop.clone()));
        tokio::time::sleep(Duration::from_millis(rng.between(300, 1500))).await;

        // What is visible now is committed; remember it, then pull the plug mid-stream.
        let facts = chain_facts(&client, highest_seen.saturating_sub(5)).await;
        highest_seen = highest_seen.max(*facts.keys().last().unwrap_or(&0));
        seen.extend(facts);
        tokio::time::sleep(Duration::from_millis(rng.between(0, 150))).await;
        running.child.start_kill().unwrap();
        let status = running.child.wait().await.unwrap();
        assert!(!status.success(), "killed, not exited");
        stop.store(true, Ordering::Relaxed);
        let _ = tokio::time::timeout(Duration::from_secs(5), sender).await;
    }

    let running = start(home.path()).await;
    let latest = running
        .client
        .status()
        .await
        .unwrap()
        .sync_info
        .latest_block_height
        .value();
    assert!(latest >= highest_seen);
    assert!(
        highest_seen > ROUNDS as u64,
        "blocks were produced: {highest_seen}"
    );
    assert_bank_consistent(&running.client).await;
    eprintln!(
        "{ROUNDS} kills; the handshakes replayed {} stored blocks the app had not committed; \
         final height {latest}",
        REPLAYED.load(Ordering::Relaxed)
    );
}
