//! The tenant's journey: a deployment from an SDL, a provider's bid (sent by the test with the
//! client library, as the provider daemon would), a lease, a top-up, the provider's withdrawal,
//! and the lease's close, checked through `--output json`.

use std::process::Stdio;
use std::str::FromStr;
use std::time::{Duration, Instant};

use cosmwasm_std::{coin, Addr, Decimal256};
use kumo_types::coins::DecCoin;
use kumo_types::gpu::GpuSpec;
use kumo_types::ids::OrderId;
use kumo_types::market::{ExecuteMsg, OrderResponse, QueryMsg};
use kumo_types::resources::{Offer, OfferedUnit, ResourcePrices};

use crate::common::{self, balance, event, example, fee, num, runtime, Kumo};

/// Waits for an order to exist, then bids on it from dev account `provider` at `price` per
/// block, split over the resources (GPU units offer an H100 80Gi SXM).
fn bid(owner: &str, dseq: u64, provider: u32, price: u128) -> OrderId {
    let client = common::client();
    let order = OrderId {
        owner: Addr::unchecked(owner),
        dseq,
        gseq: 1,
        oseq: 1,
    };
    let started = Instant::now();
    let resp: OrderResponse = loop {
        let q = QueryMsg::Order { id: order.clone() };
        match runtime().block_on(client.query_market(&q)) {
            Ok(r) => break r,
            Err(e) if started.elapsed() < Duration::from_secs(60) => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(200));
            }
            Err(e) => panic!("order {order} never appeared: {e}"),
        }
    };
    let unit = &resp.spec.resources[0];
    assert_eq!(resp.spec.resources.len(), 1);
    assert_eq!(unit.count, 1);
    let gpu = (unit.resource.gpu.units.get() > 0).then(|| {
        GpuSpec::new("nvidia", "h100")
            .with_ram("80Gi")
            .with_interface("sxm")
    });
    let part = |n: u128| Decimal256::from_ratio(n, 1u8);
    let prices = if gpu.is_some() {
        ResourcePrices {
            cpu: part(price / 5),
            memory: part(price / 5),
            storage: part(price / 5),
            gpu: part(price - 3 * (price / 5)),
            endpoints: Decimal256::zero(),
        }
    } else {
        ResourcePrices {
            cpu: part(price / 2),
            memory: part(price / 4),
            storage: part(price - price / 2 - price / 4),
            gpu: Decimal256::zero(),
            endpoints: Decimal256::zero(),
        }
    };
    let msg = ExecuteMsg::CreateBid {
        order: order.clone(),
        price: DecCoin::new(Decimal256::from_str(&price.to_string()).unwrap(), "uakt"),
        offer: Offer {
            units: vec![OfferedUnit {
                resource_id: unit.resource.id,
                gpu,
                prices,
            }],
        },
    };
    let signer = common::dev_signer(provider);
    let market = client.contracts().market.clone();
    let outcome = runtime()
        .block_on(signer.execute(&market, &msg, &[coin(500_000, "uakt")]))
        .expect("the bid goes through");
    assert!(outcome
        .kumo_events()
        .iter()
        .any(|e| matches!(e, kumo_types::events::KumoEvent::BidCreated { .. })));
    order
}

fn coin_amount(s: &serde_json::Value) -> u128 {
    let s = s.as_str().expect("coin string");
    let digits: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().expect("amount")
}

#[test]
fn gpu_deployment_waits_for_bids_and_leases_the_cheapest() {
    let kumo = Kumo::new();
    let tenant = kumo.recover("tenant", 3);
    let provider = kumo.recover("gpu-provider", 4);
    kumo.json(&[
        "provider",
        "register",
        &example("provider.yaml"),
        "--from",
        "gpu-provider",
        "-y",
    ]);
    // GPU leases need bonded collateral (the devnet asks 1 AKT per GPU).
    let bonded = kumo.json(&[
        "provider",
        "bond",
        "2000000uakt",
        "--from",
        "gpu-provider",
        "-y",
    ]);
    assert_eq!(
        event(&bonded, "collateral_bonded")["attributes"]["amount"],
        "2000000uakt"
    );

    // The tenant waits for bids and takes the cheapest; meanwhile the provider bids.
    let dseq = 1000u64;
    let mut child = kumo
        .command(&[
            "deployment",
            "create",
            &example("sdl/gpu.yaml"),
            "--dseq",
            &dseq.to_string(),
            "--wait-bids",
            "90",
            "--lease",
            "cheapest",
            "--from",
            "tenant",
            "-y",
            "-o",
            "json",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kumo runs");
    let _ = child.stdin.take();
    bid(&tenant, dseq, 4, 50_000);
    let run = common::wait(child, &["deployment", "create"], Duration::from_secs(180));
    assert_eq!(
        run.code, 0,
        "deployment create failed:\n{}\n{}",
        run.stdout, run.stderr
    );
    let out = run.json();
    assert_eq!(out["deployment"]["dseq"], dseq);
    assert_eq!(out["deployment"]["owner"], tenant);
    assert_eq!(out["deposit"]["amount"], "5000000");
    event(&out["tx"], "deployment_created");
    let bids = out["bids"].as_array().unwrap();
    assert_eq!(bids.len(), 1, "{out}");
    assert_eq!(
        bids[0]["gpu"],
        "vendor/nvidia/model/h100/ram/80Gi/interface/sxm"
    );
    assert_eq!(bids[0]["price_per_block"]["amount"], "50000");
    // 30 days of 6-second blocks.
    assert_eq!(bids[0]["price_per_month"]["amount"], "21600000000");
    assert!(bids[0]["provider_attributes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["key"] == "region"));
    let lease = format!("{tenant}/{dseq}/1/1/{provider}");
    assert_eq!(out["leases"], serde_json::json!([lease]));
    event(&out["lease_tx"], "lease_created");

    let leases = kumo.json(&["market", "leases", "--from", "tenant"]);
    let mine: Vec<_> = leases["leases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["id"]["dseq"] == dseq)
        .collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["state"], "active");
    assert_eq!(mine[0]["gpus"], 1);

    let escrow = kumo.json(&["escrow", "status", &dseq.to_string(), "--from", "tenant"]);
    assert_eq!(escrow["active_leases"], 1);
    assert_eq!(escrow["burn_rate_per_block"], "50000");
    assert!(num(&escrow["balance"]) <= 5_000_000);
    assert!(escrow["blocks_remaining"].as_u64().unwrap() > 0);
    assert!(escrow["seconds_remaining"].as_f64().unwrap() > 0.0);

    // A top-up: the tenant pays the deposit and the fee, the escrow gets the deposit.
    let before = balance(&kumo.account(&tenant), "uakt");
    let tx = kumo.json(&[
        "deployment",
        "deposit",
        &dseq.to_string(),
        "1000000uakt",
        "--from",
        "tenant",
        "-y",
    ]);
    assert_eq!(
        event(&tx, "escrow_deposited")["attributes"]["amount"],
        "1000000uakt"
    );
    let after = balance(&kumo.account(&tenant), "uakt");
    assert_eq!(after, before - 1_000_000 - fee(&tx));

    // The provider withdraws what the lease earned so far, less the take.
    let before = balance(&kumo.account(&provider), "uakt");
    let tx = kumo.json(&["lease", "withdraw", &lease, "--from", "gpu-provider", "-y"]);
    let withdrawn = event(&tx, "lease_withdrawn");
    let amount = coin_amount(&withdrawn["attributes"]["amount"]);
    let take = coin_amount(&withdrawn["attributes"]["take"]);
    assert!(amount > 0 && take > 0, "{tx}");
    assert_eq!(
        (amount + take) % 50_000,
        0,
        "whole blocks at 50000 per block"
    );
    let after = balance(&kumo.account(&provider), "uakt");
    assert_eq!(after, before - fee(&tx) + amount);

    // The tenant closes the lease; the escrow stops draining.
    let tx = kumo.json(&["lease", "close", &lease, "--from", "tenant", "-y"]);
    assert_eq!(event(&tx, "lease_closed")["attributes"]["reason"], "owner");
    let escrow = kumo.json(&["escrow", "status", &dseq.to_string(), "--from", "tenant"]);
    assert_eq!(escrow["active_leases"], 0);
    assert!(escrow["blocks_remaining"].is_null());

    let tx = kumo.json(&[
        "deployment",
        "close",
        &dseq.to_string(),
        "--from",
        "tenant",
        "-y",
    ]);
    event(&tx, "deployment_closed");
    let dep = kumo.json(&["deployment", "get", &dseq.to_string(), "--from", "tenant"]);
    assert_eq!(dep["deployment"]["state"], "closed");
}

#[test]
fn cpu_deployment_then_lease_create_by_bid_id() {
    let kumo = Kumo::new();
    let tenant = kumo.recover("tenant", 7);
    let provider = kumo.recover("cpu-provider", 8);
    kumo.json(&[
        "provider",
        "register",
        &example("provider.yaml"),
        "--from",
        "cpu-provider",
        "-y",
    ]);
    let out = kumo.json(&[
        "deployment",
        "create",
        &example("sdl/cpu.yaml"),
        "--deposit",
        "6000000uakt",
        "--no-wait",
        "--from",
        "tenant",
        "-y",
    ]);
    let dseq = out["deployment"]["dseq"].as_u64().unwrap();
    assert!(dseq > 0, "the dseq defaults to the current height");
    assert_eq!(out["bids"], serde_json::json!([]));
    let created = event(&out["tx"], "deployment_created");
    assert_eq!(created["attributes"]["manifest_hash"], out["manifest_hash"]);

    bid(&tenant, dseq, 8, 600);
    let bids = kumo.json(&[
        "market",
        "bids",
        "--dseq",
        &dseq.to_string(),
        "--from",
        "tenant",
    ]);
    let bid_id = bids["bids"][0]["bid"].as_str().unwrap().to_string();
    assert_eq!(bid_id, format!("{tenant}/{dseq}/1/1/{provider}"));
    assert_eq!(bids["bids"][0]["gpu"], serde_json::Value::Null);
    // The text table shows the price per block and per month.
    let table = kumo
        .ok(&[
            "market",
            "bids",
            "--dseq",
            &dseq.to_string(),
            "--from",
            "tenant",
        ])
        .stdout;
    assert!(
        table.contains("600uakt") && table.contains("259.2 AKT"),
        "{table}"
    );

    let tx = kumo.json(&["lease", "create", &bid_id, "--from", "tenant", "-y"]);
    assert_eq!(
        event(&tx, "lease_created")["attributes"]["provider"],
        provider
    );

    let escrow = kumo.json(&["escrow", "status", &dseq.to_string(), "--owner", &tenant]);
    assert_eq!(escrow["burn_rate_per_block"], "600");
    assert_eq!(escrow["active_leases"], 1);

    let tx = kumo.json(&[
        "deployment",
        "deposit",
        &dseq.to_string(),
        "1000000",
        "--from",
        "tenant",
        "-y",
    ]);
    event(&tx, "escrow_deposited");
    let tx = kumo.json(&["lease", "withdraw", &bid_id, "--from", "cpu-provider", "-y"]);
    event(&tx, "lease_withdrawn");
    let tx = kumo.json(&[
        "lease",
        "close",
        "--dseq",
        &dseq.to_string(),
        "--provider",
        &provider,
        "--from",
        "tenant",
        "-y",
    ]);
    event(&tx, "lease_closed");
    let lease = kumo.json(&["lease", "get", &bid_id]);
    assert_eq!(lease["state"], "closed");
    assert_eq!(lease["close_reason"], "owner");
}
