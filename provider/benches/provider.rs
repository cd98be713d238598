//! The provider daemon's figures, printed as one JSON object (and written to
//! `target/bench/provider.json`):
//!
//! - **order → bid**: blocks between an order's block and its bid's block, and the latency from
//!   the order's block being announced (`NewBlock` over WebSocket, as the daemon hears it) to
//!   the bid tx reaching the node (`broadcast_tx_sync`, seen by a TCP proxy between the daemon
//!   and the node), over 30 orders posted one after the other;
//! - **burst**: 500 orders created by five tenants in five txs of 100 → how many blocks until
//!   every one has a bid, and how many bids each of the daemon's txs carried;
//! - **manifest → running**: the tenant sends the manifest through the gateway → Docker's
//!   `StartedAt` of the container, the image being cached, over several leases one by one;
//! - **RSS**: the daemon's resident memory (`VmRSS` of the `kumo-provider` child process),
//!   idle and with 50 leases running.
//!
//! The daemon is the real `kumo-provider` binary (built with the bench profile) as a child
//! process, against an in-process devnet with Kumo's contracts from `artifacts/` (400 ms
//! blocks) and the real Docker daemon (network `none`, the local image
//! `kumo-test/busybox:local`), through the test fixtures of `tests/daemon/common.rs`.
//!
//! `cargo bench -p kumo-provider --bench provider`

#[allow(dead_code)]
#[path = "../tests/daemon/common.rs"]
mod common;

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use bollard::query_parameters::{ListContainersOptionsBuilder, RemoveContainerOptionsBuilder};
use futures::StreamExt;
use kumo_types::events::KumoEvent;
use kumo_types::ids::{BidId, OrderId};
use kumo_types::market::{BidsResponse, ExecuteMsg as MarketMsg, QueryMsg as MarketQuery};
use serde_json::{json, Value};
use tendermint_rpc::event::EventData;
use tendermint_rpc::query::EventType;
use tendermint_rpc::SubscriptionClient;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use common::*;

const BIN: &str = env!("CARGO_BIN_EXE_kumo-provider");
const TEST: &str = "bench";
const SEQUENTIAL_ORDERS: usize = 30;
const BURST_TENANTS: u32 = 5;
const BURST_PER_TX: usize = 100;
const LEASES: usize = 50;
/// Of the [`LEASES`], how many get their manifest one at a time (timed).
const TIMED_MANIFESTS: usize = 8;

fn main() {
    // Logs to stderr, quiet: stdout is the JSON report.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "warn,kumo_devnet=error".into()),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let started = Instant::now();
    chain();
    let mut report = runtime().block_on(async {
        tokio::time::timeout(Duration::from_secs(600), bench())
            .await
            .expect("the benchmark finishes within 10 minutes")
    });
    report["wall_s"] = json!(round1(started.elapsed().as_secs_f64()));
    let text = serde_json::to_string_pretty(&report).unwrap();
    println!("{text}");
    let dir = repo_root().join("target/bench");
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(dir.join("provider.json"), format!("{text}\n"));
    }
}

async fn bench() -> Value {
    let chain = chain();
    let (proxy, broadcasts) = spy_proxy(chain.rpc_addr).await;
    let announced = announcements().await;

    let provider = ProviderSetup::new(
        TEST,
        1,
        ProviderFile {
            node: format!("http://{proxy}"),
            bid_timeout: "1h",
            manifest_timeout: "1h",
            withdraw_period: "1h",
            cpu: 256,
            memory: "1024Gi",
            storage: "4096Gi",
            max_open_bids: 5000,
            tenant_bids_per_hour: 10000,
            ..ProviderFile::default()
        },
    )
    .await;
    let mut daemon = Child::spawn(&provider);
    // Idle: ready, a few blocks watched, nothing to do.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let idle = daemon.memory();

    let order_to_bid = order_to_bid(&provider, &broadcasts, &announced).await;
    let after_orders = daemon.memory();
    let burst = burst(&provider).await;
    let after_burst = daemon.memory();
    let (manifest_to_running, leased) = leases(&provider).await;
    // Let the monitor and escrow loops go round with the leases running.
    tokio::time::sleep(Duration::from_secs(12)).await;
    let loaded = daemon.memory();

    daemon.stop();
    cleanup(&provider.address).await;

    const RSS_TARGET_KB: u64 = 50 * 1024;
    let rss = json!({
        "measured": "VmRSS / VmHWM of the kumo-provider binary (child process, bench profile) from /proc/<pid>/status",
        "idle_kb": idle.rss_kb,
        "idle_mb": mb(idle.rss_kb),
        "with_leases": leased,
        "with_leases_kb": loaded.rss_kb,
        "with_leases_mb": mb(loaded.rss_kb),
        "after_30_orders_kb": after_orders.rss_kb,
        "after_burst_kb": after_burst.rss_kb,
        "peak_kb": loaded.hwm_kb,
        "peak_mb": mb(loaded.hwm_kb),
        "open_bids_meanwhile": SEQUENTIAL_ORDERS + BURST_TENANTS as usize * BURST_PER_TX,
        "threads": loaded.threads,
        "target_mb": 50,
        "pass": idle.rss_kb < RSS_TARGET_KB && loaded.rss_kb < RSS_TARGET_KB,
    });
    let pass = [&order_to_bid, &burst, &manifest_to_running, &rss]
        .iter()
        .all(|v| v["pass"] == json!(true));
    json!({
        "bench": "kumo-provider",
        "setup": {
            "daemon": "kumo-provider binary as a child process (bench profile)",
            "devnet": "in-process, Kumo's contracts from artifacts/",
            "block_time_ms": BLOCK_TIME.as_millis() as u64,
            "docker": "real daemon, network none, image kumo-test/busybox:local (cached)",
            "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        },
        "order_to_bid": order_to_bid,
        "burst": burst,
        "manifest_to_running": manifest_to_running,
        "rss": rss,
        "pass": pass,
    })
}

/// 30 orders, one after the other: how many blocks after its order's block each bid lands,
/// and how long after that block was announced the bid tx reached the node.
async fn order_to_bid(
    provider: &ProviderSetup,
    broadcasts: &Arc<Mutex<Vec<Instant>>>,
    announced: &Arc<Mutex<HashMap<u64, Instant>>>,
) -> Value {
    let tenant = Tenant::new(2).await;
    let sdl = sdl(TEST, 0, "sleep 3600");
    let mut blocks = Vec::new();
    let mut latencies_ms = Vec::new();
    for _ in 0..SEQUENTIAL_ORDERS {
        let dseq = tenant.fresh_dseq().await;
        let created = tenant.create_deployments(&[(dseq, &sdl)]).await;
        let bid = tenant
            .wait_bid(
                &tenant.order(dseq),
                &provider.address,
                Duration::from_secs(30),
            )
            .await;
        blocks.push(bid.created_at - created.height);
        let Some(heard) = announced.lock().unwrap().get(&created.height).copied() else {
            continue;
        };
        let sent = broadcasts
            .lock()
            .unwrap()
            .iter()
            .copied()
            .find(|t| *t >= heard);
        if let Some(sent) = sent {
            latencies_ms.push((sent - heard).as_secs_f64() * 1000.0);
        }
    }
    let next_block = blocks.iter().filter(|b| **b == 1).count();
    let p50 = percentile(&latencies_ms, 50.0);
    json!({
        "orders": SEQUENTIAL_ORDERS,
        "bid_block_minus_order_block": {
            "histogram": histogram(&blocks),
            "max": blocks.iter().max(),
            "in_next_block": next_block,
            "target": "every bid in the block after its order's",
            "pass": next_block == blocks.len(),
        },
        "event_to_broadcast_ms": {
            "measured": "NewBlock of the order's block over WebSocket → the bid's broadcast_tx_sync reaching the node (TCP proxy)",
            "samples": latencies_ms.len(),
            "p50": round1(p50),
            "p90": round1(percentile(&latencies_ms, 90.0)),
            "max": round1(latencies_ms.iter().copied().fold(0.0, f64::max)),
            "target_p50_ms": 50,
            "pass": latencies_ms.len() == SEQUENTIAL_ORDERS && p50 < 50.0,
        },
        "pass": next_block == blocks.len() && latencies_ms.len() == SEQUENTIAL_ORDERS && p50 < 50.0,
    })
}

/// Five tenants create 100 deployments each in one tx, at once: blocks until every order has
/// the provider's bid, and the bids per tx.
async fn burst(provider: &ProviderSetup) -> Value {
    let sdl = sdl(TEST, 0, "sleep 3600");
    let mut tenants = Vec::new();
    for i in 0..BURST_TENANTS {
        tenants.push(Tenant::new(3 + i).await);
    }
    let mut batches = Vec::new();
    for tenant in &tenants {
        let first = tenant.fresh_dseq().await;
        let dseqs: Vec<u64> = (0..BURST_PER_TX as u64).map(|i| first + i).collect();
        batches.push(dseqs);
    }
    let sent = Instant::now();
    let outcomes =
        futures::future::join_all(tenants.iter().zip(&batches).map(|(tenant, dseqs)| {
            let list: Vec<(u64, &kumo_sdl::Sdl)> = dseqs.iter().map(|d| (*d, &sdl)).collect();
            async move { tenant.create_deployments(&list).await }
        }))
        .await;
    let order_heights: Vec<u64> = outcomes.iter().map(|o| o.height).collect();
    let first_block = *order_heights.iter().min().unwrap();
    let last_block = *order_heights.iter().max().unwrap();
    let orders: Vec<OrderId> = tenants
        .iter()
        .zip(&batches)
        .flat_map(|(t, dseqs)| dseqs.iter().map(|d| t.order(*d)).collect::<Vec<_>>())
        .collect();
    let wanted: std::collections::BTreeSet<BidId> = orders
        .iter()
        .map(|o| o.bid(&cosmwasm_std::Addr::unchecked(&provider.address)))
        .collect();

    let client = client().await;
    let deadline = Instant::now() + Duration::from_secs(120);
    let heights = loop {
        let bids = bids_of(&client, &provider.address).await;
        let found: Vec<u64> = bids
            .iter()
            .filter(|b| wanted.contains(&b.id))
            .map(|b| b.created_at)
            .collect();
        if found.len() == wanted.len() || Instant::now() > deadline {
            break found;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let all_bid_after = sent.elapsed();
    let bid_first = heights.iter().min().copied().unwrap_or(0);
    let bid_last = heights.iter().max().copied().unwrap_or(0);
    // The daemon's txs carrying these bids.
    let mut per_tx = Vec::new();
    for height in bid_first..=bid_last {
        let block = client
            .stream_blocks(height)
            .next()
            .await
            .expect("a block of bids");
        for tx in &block.txs {
            let n = kumo_client::events::kumo_events(&tx.events, Some(client.contracts()))
                .iter()
                .filter(|e| matches!(e, KumoEvent::BidCreated { id, .. } if wanted.contains(id)))
                .count();
            if n > 0 {
                per_tx.push(n as u64);
            }
        }
    }
    let blocks = bid_last.saturating_sub(first_block);
    let complete = heights.len() == wanted.len();
    json!({
        "orders": wanted.len(),
        "tenant_txs": outcomes.len(),
        "order_blocks": order_heights.iter().collect::<std::collections::BTreeSet<_>>(),
        "bids_placed": heights.len(),
        "blocks_until_all_bid": {
            "measured": "last bid's block − first order block",
            "value": blocks,
            "after_last_order_block": bid_last.saturating_sub(last_block),
            "target": 3,
            "pass": complete && blocks <= 3,
        },
        "seconds_until_all_bid": round1(all_bid_after.as_secs_f64()),
        "bid_txs": per_tx.len(),
        "bids_per_tx": per_tx,
        "pass": complete && blocks <= 3,
    })
}

/// 50 leases: the first few manifests one at a time (timed: manifest sent → container
/// started), the rest at once; then all 50 running.
async fn leases(provider: &ProviderSetup) -> (Value, usize) {
    let tenant = Tenant::new(9).await;
    let sdl = sdl(TEST, 0, "echo kumo-bench; sleep 3600");
    let first = tenant.fresh_dseq().await;
    let dseqs: Vec<u64> = (0..LEASES as u64).map(|i| first + i).collect();
    let list: Vec<(u64, &kumo_sdl::Sdl)> = dseqs.iter().map(|d| (*d, &sdl)).collect();
    tenant.create_deployments(&list).await;
    let mut bids = Vec::new();
    for dseq in &dseqs {
        bids.push(
            tenant
                .wait_bid(
                    &tenant.order(*dseq),
                    &provider.address,
                    Duration::from_secs(60),
                )
                .await,
        );
    }
    // Every lease in one tx.
    let market = tenant.client.contracts().market.clone();
    let msgs = bids
        .iter()
        .map(|b| {
            kumo_client::tx::wasm_execute_msg(
                tenant.signer.address(),
                &market,
                &MarketMsg::CreateLease { bid: b.id.clone() },
                &[] as &[cosmwasm_std::Coin],
            )
            .unwrap()
        })
        .collect();
    tenant.signer.send(msgs).await.expect("create the leases");
    let gateway = provider.gateway_for(&tenant);
    let docker = docker().await;

    let mut latencies_ms = Vec::new();
    for (dseq, bid) in dseqs.iter().zip(&bids).take(TIMED_MANIFESTS) {
        // The daemon must have seen the lease first (404/503 until then): not timed.
        let send = wait_for(
            "the manifest to be accepted",
            Duration::from_secs(30),
            || {
                let gateway = gateway.clone();
                let json = sdl.manifest_json();
                async move {
                    let at = SystemTime::now();
                    gateway.send_manifest(*dseq, json).await.ok().map(|_| at)
                }
            },
        )
        .await;
        let started = wait_for("the container to start", Duration::from_secs(30), || {
            let docker = docker.clone();
            let lease = bid.id.clone();
            async move {
                let c = containers_of(&lease).await;
                let id = c.first()?.id.clone()?;
                let state = docker.inspect_container(&id, None).await.ok()?.state?;
                if state.running != Some(true) {
                    return None;
                }
                humantime::parse_rfc3339_weak(state.started_at.as_deref()?).ok()
            }
        })
        .await;
        let ms = started
            .duration_since(send)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0);
        latencies_ms.push(ms);
    }
    let rest: Vec<_> = dseqs.iter().skip(TIMED_MANIFESTS).copied().collect();
    futures::stream::iter(rest)
        .for_each_concurrent(4, |dseq| {
            let gateway = gateway.clone();
            let json = sdl.manifest_json();
            async move {
                wait_for(
                    "the manifest to be accepted",
                    Duration::from_secs(60),
                    || {
                        let (gateway, json) = (gateway.clone(), json.clone());
                        async move { gateway.send_manifest(dseq, json).await.ok() }
                    },
                )
                .await;
            }
        })
        .await;
    let running = wait_for(
        "every lease's container to run",
        Duration::from_secs(120),
        || async {
            let n = running_containers(&provider.address).await;
            (n >= LEASES).then_some(n)
        },
    )
    .await;
    let p50 = percentile(&latencies_ms, 50.0);
    let max = latencies_ms.iter().copied().fold(0.0, f64::max);
    (
        json!({
            "measured": "PUT manifest through the gateway (tenant side) → Docker's State.StartedAt, image cached, one lease at a time",
            "leases": latencies_ms.len(),
            "samples_ms": latencies_ms.iter().map(|v| round1(*v)).collect::<Vec<_>>(),
            "p50_ms": round1(p50),
            "max_ms": round1(max),
            "target_ms": 2000,
            "pass": !latencies_ms.is_empty() && max < 2000.0,
        }),
        running,
    )
}

/// Every bid of `provider`, all pages.
async fn bids_of(
    client: &kumo_client::ChainClient,
    provider: &str,
) -> Vec<kumo_types::market::Bid> {
    let mut all = Vec::new();
    let mut start_after = None;
    loop {
        let page: BidsResponse = client
            .query_market(&MarketQuery::BidsByProvider {
                provider: provider.to_string(),
                start_after: start_after.clone(),
                limit: Some(100),
            })
            .await
            .expect("bids by provider");
        let full = page.bids.len() == 100;
        start_after = page.bids.last().map(|b| b.id.clone());
        all.extend(page.bids);
        if !full {
            return all;
        }
    }
}

async fn provider_containers(provider: &str, all: bool) -> Vec<bollard::models::ContainerSummary> {
    let filters = HashMap::from([(
        "label".to_string(),
        vec![format!("kumo.lease.provider={provider}")],
    )]);
    let options = ListContainersOptionsBuilder::default()
        .all(all)
        .filters(&filters)
        .build();
    docker()
        .await
        .list_containers(Some(options))
        .await
        .expect("list containers")
}

async fn running_containers(provider: &str) -> usize {
    provider_containers(provider, false).await.len()
}

/// Removes what the benchmark's leases left in Docker.
async fn cleanup(provider: &str) {
    let docker = docker().await;
    for c in provider_containers(provider, true).await {
        if let Some(id) = c.id {
            let options = RemoveContainerOptionsBuilder::default()
                .force(true)
                .v(true)
                .build();
            let _ = docker.remove_container(&id, Some(options)).await;
        }
    }
}

/// A TCP proxy to `target` that notes when each `broadcast_tx*` request passes through.
async fn spy_proxy(target: SocketAddr) -> (SocketAddr, Arc<Mutex<Vec<Instant>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy binds");
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((inbound, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let Ok(outbound) = TcpStream::connect(target).await else {
                    return;
                };
                let _ = inbound.set_nodelay(true);
                let _ = outbound.set_nodelay(true);
                let (mut in_read, mut in_write) = inbound.into_split();
                let (mut out_read, mut out_write) = outbound.into_split();
                let upstream = async move {
                    const NEEDLE: &[u8] = b"broadcast_tx";
                    let mut buf = vec![0u8; 64 * 1024];
                    // The end of the previous read, for a needle cut in two.
                    let mut tail: Vec<u8> = Vec::new();
                    loop {
                        let n = match in_read.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        let now = Instant::now();
                        let mut window = std::mem::take(&mut tail);
                        window.extend_from_slice(&buf[..n]);
                        if window.windows(NEEDLE.len()).any(|w| w == NEEDLE) {
                            log.lock().unwrap().push(now);
                        } else {
                            tail = window[window.len().saturating_sub(NEEDLE.len() - 1)..].to_vec();
                        }
                        if out_write.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    let _ = out_write.shutdown().await;
                };
                let downstream = async move {
                    let _ = tokio::io::copy(&mut out_read, &mut in_write).await;
                    let _ = in_write.shutdown().await;
                };
                tokio::join!(upstream, downstream);
            });
        }
    });
    (addr, seen)
}

/// When each block was announced over the node's WebSocket (`NewBlock`).
async fn announcements() -> Arc<Mutex<HashMap<u64, Instant>>> {
    let heard = Arc::new(Mutex::new(HashMap::new()));
    let log = heard.clone();
    let client = client().await;
    let url = client.config().websocket_url().expect("websocket url");
    let url: tendermint_rpc::WebSocketClientUrl = url.parse().expect("websocket url");
    let (ws, driver) = tendermint_rpc::WebSocketClient::builder(url)
        .compat_mode(client.rpc().compat())
        .build()
        .await
        .expect("the node's WebSocket");
    tokio::spawn(async move {
        let _ = driver.run().await;
    });
    let mut subscription = ws
        .subscribe(EventType::NewBlock.into())
        .await
        .expect("NewBlock subscription");
    tokio::spawn(async move {
        let _keep = ws;
        while let Some(Ok(event)) = subscription.next().await {
            let now = Instant::now();
            if let EventData::NewBlock {
                block: Some(block), ..
            }
            | EventData::LegacyNewBlock {
                block: Some(block), ..
            } = event.data
            {
                log.lock().unwrap().insert(block.header.height.value(), now);
            }
        }
    });
    heard
}

/// The `kumo-provider` binary, running the provider's file.
struct Child {
    child: std::process::Child,
}

struct Memory {
    rss_kb: u64,
    hwm_kb: u64,
    threads: u64,
}

impl Child {
    fn spawn(provider: &ProviderSetup) -> Child {
        let mut command = std::process::Command::new(BIN);
        for (k, _) in std::env::vars() {
            if k.starts_with("KUMO_") {
                command.env_remove(k);
            }
        }
        let log_path = repo_root().join("target/bench/provider-daemon.log");
        let _ = std::fs::create_dir_all(log_path.parent().unwrap());
        let mut child = command
            .arg("--config")
            .arg(&provider.config_path)
            .env("KUMO_PROVIDER_LOG", "info")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("kumo-provider starts");
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let log = Arc::new(Mutex::new(
            std::fs::File::create(&log_path).expect("the daemon's log file"),
        ));
        for pipe in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let (log, ready) = (log.clone(), ready_tx.clone());
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(pipe).lines().map_while(Result::ok) {
                    if line.contains("provider ready") {
                        let _ = ready.send(());
                    }
                    let _ = writeln!(log.lock().unwrap(), "{line}");
                }
            });
        }
        if ready_rx.recv_timeout(Duration::from_secs(60)).is_err() {
            let _ = child.kill();
            panic!(
                "kumo-provider never became ready; see {}",
                log_path.display()
            );
        }
        Child { child }
    }

    fn memory(&self) -> Memory {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("the daemon's /proc status");
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or(0)
        };
        Memory {
            rss_kb: field("VmRSS:"),
            hwm_kb: field("VmHWM:"),
            threads: field("Threads:"),
        }
    }

    /// SIGTERM, then wait (SIGKILL after 20 s).
    fn stop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn histogram(values: &[u64]) -> BTreeMap<String, usize> {
    let mut h = BTreeMap::new();
    for v in values {
        *h.entry(v.to_string()).or_insert(0) += 1;
    }
    h
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

fn mb(kb: u64) -> f64 {
    round1(kb as f64 / 1024.0)
}
