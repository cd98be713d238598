//! `kumo market`: orders, bids, leases and the market's params; the bid table shared with
//! `deployment create` and `lease create --cheapest`.

use std::collections::HashMap;

use anyhow::bail;
use clap::{Args, Subcommand};
use cosmwasm_std::Coin;
use kumo_client::ChainClient;
use kumo_types::attributes::Attribute;
use kumo_types::coins::DecCoin;
use kumo_types::ids::{BidId, OrderId};
use kumo_types::market::{
    Bid, BidState, BidsResponse, LeasesResponse, MarketParams, OrderResponse, OrderState,
    OrdersResponse, QueryMsg,
};
use kumo_types::registry::{Provider, QueryMsg as RegistryQuery};
use kumo_types::resources::GroupSpec;
use serde::Serialize;
use serde_json::json;

use crate::context::App;
use crate::format;
use crate::output;
use crate::parse::{parse_bid_id, parse_order_id};

#[derive(Debug, Subcommand)]
pub enum MarketCmd {
    /// Orders, optionally in one state
    Orders(OrdersArgs),
    /// Bids on an order, on a deployment's orders, or by a provider
    Bids(BidsArgs),
    /// Leases of an owner (default: the --from key) or of a provider
    Leases(LeasesArgs),
    /// The market's params (deposits, bid limits, take rates, GPU price tiers)
    Params,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OrderStateArg {
    Open,
    Active,
    Closed,
}

#[derive(Debug, Args)]
pub struct PageArgs {
    /// Most items in this page (the contract returns at most 100)
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub limit: u32,
    /// Start after this item (the `next_start_after` of the previous page)
    #[arg(long, value_name = "KEY")]
    pub start_after: Option<String>,
}

#[derive(Debug, Args)]
pub struct OrdersArgs {
    /// Only orders in this state
    #[arg(long, value_enum)]
    pub state: Option<OrderStateArg>,
    #[command(flatten)]
    pub page: PageArgs,
}

#[derive(Debug, Args)]
#[group(id = "bids_by", required = true, multiple = false, args = ["order", "provider", "dseq"])]
pub struct BidsArgs {
    /// Bids on this order: <owner>/<dseq>/<gseq>/<oseq>
    #[arg(long, value_name = "ORDER")]
    pub order: Option<String>,
    /// Bids this provider made
    #[arg(long, value_name = "ADDR")]
    pub provider: Option<String>,
    /// Bids on every current order of this deployment
    #[arg(long)]
    pub dseq: Option<u64>,
    /// The deployment's owner, with --dseq [default: the --from key]
    #[arg(long, value_name = "ADDR", requires = "dseq")]
    pub owner: Option<String>,
    #[command(flatten)]
    pub page: PageArgs,
}

#[derive(Debug, Args)]
pub struct LeasesArgs {
    /// Leases of this owner [default: the --from key]
    #[arg(long, value_name = "ADDR", conflicts_with = "provider")]
    pub owner: Option<String>,
    /// Leases of this provider
    #[arg(long, value_name = "ADDR")]
    pub provider: Option<String>,
    #[command(flatten)]
    pub page: PageArgs,
}

/// A bid as the bid table shows it.
#[derive(Debug, Clone, Serialize)]
pub struct BidRow {
    pub id: BidId,
    /// `owner/dseq/gseq/oseq/provider`, what `lease create` takes.
    pub bid: String,
    pub state: BidState,
    pub price_per_block: DecCoin,
    /// At the configured block time over 30 days.
    pub price_per_month: DecCoin,
    /// The concrete GPU offered (`vendor/nvidia/model/h100/...`), none for CPU-only bids.
    pub gpu: Option<String>,
    pub deposit: Coin,
    pub provider_host_uri: Option<String>,
    pub provider_attributes: Vec<Attribute>,
}

impl BidRow {
    pub fn new(bid: &Bid, provider: Option<&Provider>, block_time: f64) -> BidRow {
        let gpus: Vec<String> = bid
            .offer
            .units
            .iter()
            .filter_map(|u| u.gpu.as_ref().map(|g| g.requirement_key()))
            .collect();
        BidRow {
            id: bid.id.clone(),
            bid: bid.id.to_string(),
            state: bid.state,
            price_per_block: bid.price.clone(),
            price_per_month: output::per_month(&bid.price, block_time),
            gpu: (!gpus.is_empty()).then(|| gpus.join(",")),
            deposit: bid.deposit.clone(),
            provider_host_uri: provider.map(|p| p.host_uri.clone()),
            provider_attributes: provider.map(|p| p.attributes.clone()).unwrap_or_default(),
        }
    }
}

fn state_str<T: Serialize>(state: &T) -> String {
    serde_json::to_value(state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The bid table: numbered rows, provider, GPU, prices per block and month, attributes.
pub fn bids_table(rows: &[BidRow], block_time: f64) -> String {
    let multi_group = rows
        .iter()
        .any(|r| r.id.gseq != rows[0].id.gseq || r.id.dseq != rows[0].id.dseq);
    let table_rows: Vec<Vec<String>> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut row = vec![(i + 1).to_string()];
            if multi_group {
                row.push(format!("{}/{}/{}", r.id.dseq, r.id.gseq, r.id.oseq));
            }
            row.extend([
                r.id.provider.to_string(),
                r.gpu
                    .as_deref()
                    .map(|g| g.trim_start_matches("vendor/").replace("/model/", "/"))
                    .unwrap_or_else(|| "-".into()),
                output::price_per_block(&r.price_per_block),
                output::display_denom(r.price_per_month.amount, &r.price_per_month.denom),
                format::placement_attributes(&r.provider_attributes),
                state_str(&r.state),
            ]);
            row
        })
        .collect();
    let mut headers = vec!["#"];
    if multi_group {
        headers.push("ORDER");
    }
    headers.extend([
        "PROVIDER",
        "GPU",
        "PRICE/BLOCK",
        "PRICE/MONTH",
        "ATTRIBUTES",
        "STATE",
    ]);
    let mut out = output::table(&headers, &table_rows);
    out.push_str(&format!("note: {}\n", output::block_time_note(block_time)));
    out
}

/// Registry entries of the given providers; ones that are not registered are left out.
pub async fn providers(
    client: &ChainClient,
    addresses: impl IntoIterator<Item = String>,
) -> HashMap<String, Provider> {
    let mut out = HashMap::new();
    for addr in addresses {
        if out.contains_key(&addr) {
            continue;
        }
        if let Ok(p) = client
            .query_registry::<Provider>(&RegistryQuery::Provider {
                address: addr.clone(),
            })
            .await
        {
            out.insert(addr, p);
        }
    }
    out
}

/// Bid rows with the providers' registry entries.
pub async fn bid_rows(client: &ChainClient, bids: &[Bid], block_time: f64) -> Vec<BidRow> {
    let registry = providers(client, bids.iter().map(|b| b.id.provider.to_string())).await;
    bids.iter()
        .map(|b| BidRow::new(b, registry.get(b.id.provider.as_str()), block_time))
        .collect()
}

/// Every bid on an order, all pages.
pub async fn all_bids(client: &ChainClient, order: &OrderId) -> anyhow::Result<Vec<Bid>> {
    let mut all: Vec<Bid> = Vec::new();
    let mut start_after = None;
    loop {
        let page: BidsResponse = client
            .query_market(&QueryMsg::BidsByOrder {
                order: order.clone(),
                start_after: start_after.clone(),
                limit: Some(100),
            })
            .await?;
        let n = page.bids.len();
        start_after = page.bids.last().map(|b| b.id.provider.to_string());
        all.extend(page.bids);
        if n < 100 {
            return Ok(all);
        }
    }
}

/// The current order of each group of a deployment.
pub async fn deployment_orders(
    client: &ChainClient,
    owner: &str,
    dseq: u64,
) -> anyhow::Result<Vec<(OrderId, GroupSpec, kumo_types::market::GroupState)>> {
    let dep: kumo_types::market::DeploymentResponse = client
        .query_market(&QueryMsg::Deployment {
            id: kumo_types::ids::DeploymentId::new(owner, dseq),
        })
        .await?;
    Ok(dep
        .groups
        .into_iter()
        .map(|g| (g.id.order(g.oseq), g.spec, g.state))
        .collect())
}

/// Whether a bid can win: open, its offer fits the group, and within the group's max price.
pub fn bid_meets(spec: &GroupSpec, bid: &Bid) -> bool {
    bid.state == BidState::Open
        && bid.offer.check_against(spec, &bid.price).is_ok()
        && bid.price.denom == spec.price_denom()
        && bid.price.amount <= spec.max_price()
}

/// The cheapest bid that meets the group's requirements (ties: the earliest).
pub fn cheapest<'a>(spec: &GroupSpec, bids: &'a [Bid]) -> Option<&'a Bid> {
    bids.iter().filter(|b| bid_meets(spec, b)).min_by(|a, b| {
        a.price
            .amount
            .cmp(&b.price.amount)
            .then(a.created_at.cmp(&b.created_at))
    })
}

pub async fn run(cmd: &MarketCmd, app: &App) -> anyhow::Result<()> {
    match cmd {
        MarketCmd::Params => {
            let client = app.connect().await?;
            let params: MarketParams = client.query_market(&QueryMsg::Params {}).await?;
            if app.json() {
                output::print_json(&params);
            } else {
                print_params(&params);
            }
        }
        MarketCmd::Orders(args) => {
            let start_after = args
                .page
                .start_after
                .as_deref()
                .map(parse_order_id)
                .transpose()
                .map_err(anyhow::Error::msg)?;
            let client = app.connect().await?;
            let resp: OrdersResponse = client
                .query_market(&QueryMsg::Orders {
                    state: args.state.map(|s| match s {
                        OrderStateArg::Open => OrderState::Open,
                        OrderStateArg::Active => OrderState::Active,
                        OrderStateArg::Closed => OrderState::Closed,
                    }),
                    start_after,
                    limit: Some(args.page.limit),
                })
                .await?;
            let next = output::next_page(
                resp.orders.len(),
                args.page.limit,
                resp.orders.last().map(|o| o.order.id.to_string()),
            );
            if app.json() {
                output::print_json(&output::with_next_page(serde_json::to_value(&resp)?, next));
            } else {
                print_orders(&resp.orders, app.block_time());
                output::next_page_hint(&next);
            }
        }
        MarketCmd::Bids(args) => bids(args, app).await?,
        MarketCmd::Leases(args) => {
            let start_after = args
                .page
                .start_after
                .as_deref()
                .map(parse_bid_id)
                .transpose()
                .map_err(anyhow::Error::msg)?;
            let query = match &args.provider {
                Some(p) => QueryMsg::LeasesByProvider {
                    provider: p.clone(),
                    start_after,
                    limit: Some(args.page.limit),
                },
                None => QueryMsg::LeasesByOwner {
                    owner: app.address_or_from(args.owner.clone(), "owner")?,
                    start_after,
                    limit: Some(args.page.limit),
                },
            };
            let client = app.connect().await?;
            let resp: LeasesResponse = client.query_market(&query).await?;
            let next = output::next_page(
                resp.leases.len(),
                args.page.limit,
                resp.leases.last().map(|l| l.id.to_string()),
            );
            if app.json() {
                output::print_json(&output::with_next_page(serde_json::to_value(&resp)?, next));
            } else {
                print_leases(&resp.leases, app.block_time());
                output::next_page_hint(&next);
            }
        }
    }
    Ok(())
}

async fn bids(args: &BidsArgs, app: &App) -> anyhow::Result<()> {
    let (bids, next) = if let Some(order) = &args.order {
        let order = parse_order_id(order).map_err(anyhow::Error::msg)?;
        let client = app.connect().await?;
        let resp: BidsResponse = client
            .query_market(&QueryMsg::BidsByOrder {
                order,
                start_after: args.page.start_after.clone(),
                limit: Some(args.page.limit),
            })
            .await?;
        let next = output::next_page(
            resp.bids.len(),
            args.page.limit,
            resp.bids.last().map(|b| b.id.provider.to_string()),
        );
        (resp.bids, next)
    } else if let Some(provider) = &args.provider {
        let start_after = args
            .page
            .start_after
            .as_deref()
            .map(parse_bid_id)
            .transpose()
            .map_err(anyhow::Error::msg)?;
        let client = app.connect().await?;
        let resp: BidsResponse = client
            .query_market(&QueryMsg::BidsByProvider {
                provider: provider.clone(),
                start_after,
                limit: Some(args.page.limit),
            })
            .await?;
        let next = output::next_page(
            resp.bids.len(),
            args.page.limit,
            resp.bids.last().map(|b| b.id.to_string()),
        );
        (resp.bids, next)
    } else if let Some(dseq) = args.dseq {
        if args.page.start_after.is_some() {
            bail!("--start-after pages bids by --order or --provider; with --dseq every bid of the deployment's current orders is listed");
        }
        let owner = app.address_or_from(args.owner.clone(), "deployment owner")?;
        let client = app.connect().await?;
        let mut all = Vec::new();
        for (order, _, _) in deployment_orders(&client, &owner, dseq).await? {
            all.extend(all_bids(&client, &order).await?);
        }
        (all, None)
    } else {
        bail!("say which bids: --order <owner/dseq/gseq/oseq>, --provider <addr> or --dseq <n>");
    };
    let client = app.connect().await?;
    let rows = bid_rows(&client, &bids, app.block_time()).await;
    if app.json() {
        output::print_json(&json!({ "bids": rows, "next_start_after": next }));
    } else if rows.is_empty() {
        println!("no bids");
    } else {
        print!("{}", bids_table(&rows, app.block_time()));
        for r in &rows {
            println!("  {}", r.bid);
        }
        output::next_page_hint(&next);
    }
    Ok(())
}

fn print_orders(orders: &[OrderResponse], block_time: f64) {
    if orders.is_empty() {
        println!("no orders");
        return;
    }
    let rows: Vec<Vec<String>> = orders
        .iter()
        .map(|o| {
            let max = DecCoin::new(o.spec.max_price(), o.spec.price_denom());
            vec![
                o.order.id.to_string(),
                state_str(&o.order.state),
                o.spec.name.clone(),
                format::group_summary(&o.spec),
                output::price_per_block(&max),
                output::display_denom(output::per_month(&max, block_time).amount, &max.denom),
                o.order.open_bids.to_string(),
            ]
        })
        .collect();
    print!(
        "{}",
        output::table(
            &[
                "ORDER",
                "STATE",
                "GROUP",
                "RESOURCES",
                "MAX/BLOCK",
                "MAX/MONTH",
                "OPEN BIDS"
            ],
            &rows
        )
    );
}

pub fn print_leases(leases: &[kumo_types::market::Lease], block_time: f64) {
    if leases.is_empty() {
        println!("no leases");
        return;
    }
    let rows: Vec<Vec<String>> = leases
        .iter()
        .map(|l| {
            vec![
                l.id.to_string(),
                state_str(&l.state),
                output::price_per_block(&l.price),
                output::display_denom(
                    output::per_month(&l.price, block_time).amount,
                    &l.price.denom,
                ),
                l.gpus.to_string(),
                l.created_at.to_string(),
                l.close_reason
                    .as_ref()
                    .map(state_str)
                    .unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    print!(
        "{}",
        output::table(
            &[
                "LEASE",
                "STATE",
                "PRICE/BLOCK",
                "PRICE/MONTH",
                "GPUS",
                "CREATED",
                "CLOSE REASON"
            ],
            &rows
        )
    );
}

fn print_params(p: &MarketParams) {
    let coins = |c: &[Coin]| {
        if c.is_empty() {
            "none".to_string()
        } else {
            c.iter()
                .map(|c| format!("{}{}", c.amount, c.denom))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let takes = p
        .take_rates
        .iter()
        .map(|t| format!("{} {}", t.rate, t.denom))
        .collect::<Vec<_>>()
        .join(", ");
    print!(
        "{}",
        output::key_values(&[
            ("allowed denoms", p.allowed_denoms.join(", ")),
            ("deployment min deposits", coins(&p.deployment_min_deposits)),
            ("bid min deposits", coins(&p.bid_min_deposits)),
            ("order max bids", p.order_max_bids.to_string()),
            ("max groups", p.max_groups.to_string()),
            (
                "take rates",
                if takes.is_empty() {
                    "none".into()
                } else {
                    takes
                }
            ),
            ("take destination", state_str(&p.take_destination)),
            ("gpu pricing tiers", p.gpu_pricing_tiers.len().to_string()),
        ])
    );
    for t in &p.gpu_pricing_tiers {
        println!(
            "  tier {:?}: {} at {}-{} {} per GPU per block",
            t.name,
            t.models.join(", "),
            t.min_price,
            t.max_price,
            t.denom
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cosmwasm_std::{Addr, Decimal256};
    use kumo_types::attributes::PlacementRequirements;
    use kumo_types::resources::*;
    use std::str::FromStr;

    fn spec() -> GroupSpec {
        GroupSpec {
            name: "web".into(),
            requirements: PlacementRequirements::default(),
            resources: vec![ResourceUnit {
                resource: Resources {
                    id: 1,
                    cpu: CpuResource {
                        units: ResourceValue::new(500),
                        attributes: vec![],
                    },
                    memory: MemoryResource {
                        size: ResourceValue::new(512 << 20),
                        attributes: vec![],
                    },
                    storage: vec![],
                    gpu: GpuResource {
                        units: ResourceValue::new(0),
                        attributes: vec![],
                    },
                    endpoints: vec![],
                },
                count: 1,
                price: DecCoin::new(Decimal256::from_str("1000").unwrap(), "uakt"),
            }],
        }
    }

    fn bid(provider: &str, price: &str, state: BidState, created_at: u64) -> Bid {
        let amount = Decimal256::from_str(price).unwrap();
        Bid {
            id: BidId {
                owner: Addr::unchecked("kumo1owner"),
                dseq: 5,
                gseq: 1,
                oseq: 1,
                provider: Addr::unchecked(provider),
            },
            state,
            price: DecCoin::new(amount, "uakt"),
            offer: Offer {
                units: vec![OfferedUnit {
                    resource_id: 1,
                    gpu: None,
                    prices: ResourcePrices {
                        cpu: amount,
                        ..Default::default()
                    },
                }],
            },
            deposit: Coin::new(500_000u128, "uakt"),
            created_at,
        }
    }

    #[test]
    fn the_cheapest_valid_open_bid_wins() {
        let s = spec();
        let bids = vec![
            bid("kumo1a", "700", BidState::Open, 1),
            bid("kumo1b", "300", BidState::Closed, 1),
            bid("kumo1c", "2000", BidState::Open, 1),
            bid("kumo1d", "500", BidState::Open, 3),
            bid("kumo1e", "500", BidState::Open, 2),
        ];
        assert_eq!(cheapest(&s, &bids).unwrap().id.provider.as_str(), "kumo1e");
        // Over the group's max price: never chosen.
        assert!(!bid_meets(&s, &bids[2]));
        // An offer whose parts do not add up is not chosen.
        let mut broken = bid("kumo1f", "100", BidState::Open, 0);
        broken.offer.units[0].prices.cpu = Decimal256::from_str("1").unwrap();
        assert!(!bid_meets(&s, &broken));
        assert!(cheapest(&s, &[]).is_none());
    }

    #[test]
    fn bid_tables_show_prices_per_block_and_month() {
        let b = bid("kumo1provider", "500", BidState::Open, 1);
        let p = Provider {
            owner: Addr::unchecked("kumo1provider"),
            host_uri: "https://p.example".into(),
            attributes: vec![Attribute::new("region", "us-west")],
            info: Default::default(),
            tls_cert_fingerprint: "00".repeat(32),
            registered_at_height: 1,
        };
        let row = BidRow::new(&b, Some(&p), 6.0);
        assert_eq!(row.bid, "kumo1owner/5/1/1/kumo1provider");
        let out = bids_table(std::slice::from_ref(&row), 6.0);
        assert!(out.contains("PRICE/MONTH"), "{out}");
        assert!(out.contains("500uakt"), "{out}");
        assert!(out.contains("216 AKT"), "{out}");
        assert!(out.contains("region=us-west"), "{out}");
        assert!(out.contains("6 s per block"), "{out}");
        let v = serde_json::to_value(&row).unwrap();
        assert_eq!(v["price_per_month"]["amount"], "216000000");
        assert_eq!(v["state"], "open");
        assert_eq!(v["gpu"], serde_json::Value::Null);
    }
}
