//! `kumo deployment`: the tenant's side. `create` posts an SDL, waits for bids, shows them and
//! can accept one.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail};
use clap::{Args, Subcommand};
use cosmwasm_std::{Addr, Coin, HexBinary};
use kumo_types::ids::{DeploymentId, GroupId, OrderId};
use kumo_types::market::{
    Bid, DeploymentResponse, DeploymentsResponse, ExecuteMsg, MarketParams, QueryMsg,
};
use kumo_types::resources::GroupSpec;
use serde_json::json;

use crate::commands::market::{self, BidRow};
use crate::commands::sdl;
use crate::context::{App, TxSession};
use crate::format;
use crate::output;
use crate::parse::parse_coin;
use crate::prompt;

#[derive(Debug, Subcommand)]
pub enum DeploymentCmd {
    /// Post a deployment from an SDL file, wait for bids, show them, and optionally accept one
    Create(CreateArgs),
    /// Point a deployment at a new manifest (same groups, new images/env/commands)
    Update(UpdateArgs),
    /// Add funds to a deployment's escrow (anyone may)
    Deposit(DepositArgs),
    /// Close a deployment, its leases and orders; the escrow's rest is refunded
    Close(DseqArgs),
    /// List an owner's deployments
    List(ListArgs),
    /// Show a deployment with its groups and escrow
    Get(GetArgs),
    /// Pause, restart or close one group of a deployment
    #[command(subcommand)]
    Group(GroupCmd),
}

/// Which bid `deployment create` accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseChoice {
    /// The cheapest bid meeting each group's requirements.
    Cheapest,
    /// None: decide later with `kumo lease create`.
    None,
    /// This provider's bid on each group.
    Provider(String),
}

fn parse_lease_choice(s: &str) -> Result<LeaseChoice, String> {
    match s {
        "cheapest" => Ok(LeaseChoice::Cheapest),
        "none" => Ok(LeaseChoice::None),
        p if p.starts_with(char::is_alphabetic) && p.len() > 10 => {
            Ok(LeaseChoice::Provider(p.to_string()))
        }
        _ => Err(format!(
            "{s:?}: use `cheapest`, `none`, or a provider address"
        )),
    }
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The SDL file (validated before anything touches the chain)
    pub sdl: PathBuf,
    /// Initial escrow deposit, e.g. 5000000uakt [default: the market's minimum]
    #[arg(long, value_name = "COIN")]
    pub deposit: Option<String>,
    /// The deployment's sequence number [default: the current block height]
    #[arg(long)]
    pub dseq: Option<u64>,
    /// Seconds to wait for bids
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub wait_bids: u64,
    /// Do not wait for bids: post the deployment and return
    #[arg(long, conflicts_with = "lease")]
    pub no_wait: bool,
    /// Accept a bid right away: `cheapest`, a provider address, or `none` [default: ask at a
    /// terminal; otherwise none]
    #[arg(long, value_name = "CHOICE", value_parser = parse_lease_choice)]
    pub lease: Option<LeaseChoice>,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The new SDL file
    pub sdl: PathBuf,
    /// The deployment to update
    #[arg(long)]
    pub dseq: u64,
}

#[derive(Debug, Args)]
pub struct DepositArgs {
    /// The deployment's sequence number
    pub dseq: u64,
    /// How much, e.g. 5000000uakt
    pub amount: String,
    /// The deployment's owner [default: the --from key]
    #[arg(long, value_name = "ADDR")]
    pub owner: Option<String>,
}

#[derive(Debug, Args)]
pub struct DseqArgs {
    /// The deployment's sequence number
    pub dseq: u64,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Whose deployments [default: the --from key]
    #[arg(long, value_name = "ADDR")]
    pub owner: Option<String>,
    /// Most deployments in this page
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub limit: u32,
    /// Start after this dseq
    #[arg(long, value_name = "DSEQ")]
    pub start_after: Option<u64>,
}

#[derive(Debug, Args)]
pub struct GetArgs {
    /// The deployment's sequence number
    pub dseq: u64,
    /// The deployment's owner [default: the --from key]
    #[arg(long, value_name = "ADDR")]
    pub owner: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum GroupCmd {
    /// Pause a group: its lease closes, its order stops taking bids
    Pause(GroupArgs),
    /// Restart a paused or underfunded group with a new order
    Start(GroupArgs),
    /// Close a group for good
    Close(GroupArgs),
}

#[derive(Debug, Args)]
pub struct GroupArgs {
    /// The deployment's sequence number
    pub dseq: u64,
    /// The group's sequence number (from 1)
    pub gseq: u32,
}

pub async fn run(cmd: &DeploymentCmd, app: &App) -> anyhow::Result<()> {
    match cmd {
        DeploymentCmd::Create(args) => create(args, app).await,
        DeploymentCmd::Update(args) => {
            let sdl = sdl::load(&args.sdl)?;
            let session = app.tx_session().await?;
            let id = DeploymentId::new(session.address(), args.dseq);
            let current: DeploymentResponse = session
                .client
                .query_market(&QueryMsg::Deployment { id: id.clone() })
                .await?;
            let on_chain: Vec<GroupSpec> = current.groups.iter().map(|g| g.spec.clone()).collect();
            if on_chain != sdl.groups {
                eprintln!(
                    "warning: the SDL's groups differ from the deployment's; an update changes only \
                     the manifest, the groups (resources, prices, placement) stay as they are. To \
                     change them, close the deployment and create a new one."
                );
            }
            let msg = ExecuteMsg::UpdateDeployment {
                id: id.clone(),
                manifest_hash: HexBinary::from(sdl.manifest_hash.to_vec()),
            };
            let market = session.client.contracts().market.clone();
            let outcome = app
                .execute_contract(
                    &session,
                    &market,
                    &msg,
                    &[],
                    &format!(
                        "update deployment {id} to manifest {}",
                        sdl.manifest_hash_hex()
                    ),
                )
                .await?;
            app.print_tx(
                &outcome,
                &format!("updated deployment {id}"),
                Some(json!({ "deployment": id, "manifest_hash": sdl.manifest_hash_hex() })),
            );
            Ok(())
        }
        DeploymentCmd::Deposit(args) => {
            let coin = parse_coin(&args.amount, app.denom()).map_err(anyhow::Error::msg)?;
            let session = app.tx_session().await?;
            let owner = args
                .owner
                .clone()
                .unwrap_or_else(|| session.address().to_string());
            let id = DeploymentId::new(owner, args.dseq);
            let market = session.client.contracts().market.clone();
            let outcome = app
                .execute_contract(
                    &session,
                    &market,
                    &ExecuteMsg::DepositDeployment { id: id.clone() },
                    std::slice::from_ref(&coin),
                    &format!("deposit {}{} into deployment {id}", coin.amount, coin.denom),
                )
                .await?;
            app.print_tx(
                &outcome,
                &format!(
                    "deposited {}{} into deployment {id}",
                    coin.amount, coin.denom
                ),
                Some(json!({ "deployment": id, "amount": coin })),
            );
            Ok(())
        }
        DeploymentCmd::Close(args) => {
            let session = app.tx_session().await?;
            let id = DeploymentId::new(session.address(), args.dseq);
            let market = session.client.contracts().market.clone();
            let outcome = app
                .execute_contract(
                    &session,
                    &market,
                    &ExecuteMsg::CloseDeployment { id: id.clone() },
                    &[],
                    &format!(
                        "close deployment {id} (its leases close, the escrow's rest is refunded)"
                    ),
                )
                .await?;
            app.print_tx(
                &outcome,
                &format!("closed deployment {id}"),
                Some(json!({ "deployment": id })),
            );
            Ok(())
        }
        DeploymentCmd::List(args) => {
            let owner = app.address_or_from(args.owner.clone(), "owner")?;
            let client = app.connect().await?;
            let resp: DeploymentsResponse = client
                .query_market(&QueryMsg::Deployments {
                    owner,
                    start_after: args.start_after,
                    limit: Some(args.limit),
                })
                .await?;
            let next = output::next_page(
                resp.deployments.len(),
                args.limit,
                resp.deployments
                    .last()
                    .map(|d| d.deployment.id.dseq.to_string()),
            );
            if app.json() {
                output::print_json(&output::with_next_page(serde_json::to_value(&resp)?, next));
            } else if resp.deployments.is_empty() {
                println!("no deployments");
            } else {
                let rows: Vec<Vec<String>> = resp
                    .deployments
                    .iter()
                    .map(|d| {
                        vec![
                            d.deployment.id.dseq.to_string(),
                            json_str(&d.deployment.state),
                            d.groups
                                .iter()
                                .map(|g| format!("{}:{}", g.spec.name, json_str(&g.state)))
                                .collect::<Vec<_>>()
                                .join(", "),
                            d.deployment.created_at.to_string(),
                            d.deployment.manifest_hash.to_hex()[..16].to_string(),
                        ]
                    })
                    .collect();
                print!(
                    "{}",
                    output::table(&["DSEQ", "STATE", "GROUPS", "CREATED", "MANIFEST"], &rows)
                );
                output::next_page_hint(&next);
            }
            Ok(())
        }
        DeploymentCmd::Get(args) => {
            let owner = app.address_or_from(args.owner.clone(), "owner")?;
            let client = app.connect().await?;
            let resp: DeploymentResponse = client
                .query_market(&QueryMsg::Deployment {
                    id: DeploymentId::new(owner, args.dseq),
                })
                .await?;
            if app.json() {
                output::print_json(&resp);
            } else {
                print_deployment(&resp, app.block_time());
            }
            Ok(())
        }
        DeploymentCmd::Group(cmd) => {
            let (args, verb) = match cmd {
                GroupCmd::Pause(a) => (a, "pause"),
                GroupCmd::Start(a) => (a, "start"),
                GroupCmd::Close(a) => (a, "close"),
            };
            let session = app.tx_session().await?;
            let id = GroupId {
                owner: Addr::unchecked(session.address()),
                dseq: args.dseq,
                gseq: args.gseq,
            };
            let msg = match cmd {
                GroupCmd::Pause(_) => ExecuteMsg::PauseGroup { id: id.clone() },
                GroupCmd::Start(_) => ExecuteMsg::StartGroup { id: id.clone() },
                GroupCmd::Close(_) => ExecuteMsg::CloseGroup { id: id.clone() },
            };
            let market = session.client.contracts().market.clone();
            let outcome = app
                .execute_contract(&session, &market, &msg, &[], &format!("{verb} group {id}"))
                .await?;
            let done = match verb {
                "pause" => "paused",
                "start" => "started",
                _ => "closed",
            };
            app.print_tx(
                &outcome,
                &format!("{done} group {id}"),
                Some(json!({ "group": id })),
            );
            Ok(())
        }
    }
}

fn json_str<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn print_deployment(resp: &DeploymentResponse, block_time: f64) {
    let d = &resp.deployment;
    print!(
        "{}",
        output::key_values(&[
            ("deployment", d.id.to_string()),
            ("state", json_str(&d.state)),
            ("manifest hash", d.manifest_hash.to_hex()),
            ("created at", format!("height {}", d.created_at)),
            (
                "escrow",
                format!(
                    "{} left, {} paid out",
                    output::coin_amount(resp.escrow.balance, &resp.escrow.denom),
                    output::coin_amount(resp.escrow.transferred, &resp.escrow.denom)
                ),
            ),
        ])
    );
    for g in &resp.groups {
        let max = kumo_types::coins::DecCoin::new(g.spec.max_price(), g.spec.price_denom());
        println!(
            "\ngroup {} {:?}: {}, order oseq {}, max {} per block (~{} per month)",
            g.id.gseq,
            g.spec.name,
            json_str(&g.state),
            g.oseq,
            output::price_per_block(&max),
            output::display_denom(output::per_month(&max, block_time).amount, &max.denom)
        );
        println!(
            "  requirements: {}",
            format::requirements(&g.spec.requirements)
        );
        let rows: Vec<Vec<String>> = g.spec.resources.iter().map(format::unit_row).collect();
        for line in output::table(&format::UNIT_HEADERS, &rows).lines() {
            println!("  {line}");
        }
    }
}

/// The default deposit: the market's minimum for the deployment's denom.
fn default_deposit(params: &MarketParams, denom: &str) -> anyhow::Result<Coin> {
    let min = params.min_deposit(denom);
    if min.is_zero() {
        bail!("the market sets no minimum deposit for {denom}: pass --deposit <amount>{denom}");
    }
    Ok(Coin::new(min, denom))
}

async fn create(args: &CreateArgs, app: &App) -> anyhow::Result<()> {
    // Everything local first: the SDL and the deposit.
    let sdl = sdl::load(&args.sdl)?;
    for w in &sdl.warnings {
        eprintln!("warning: {}: {w}", args.sdl.display());
    }
    let denom = sdl
        .groups
        .first()
        .map(|g| g.price_denom().to_string())
        .ok_or_else(|| anyhow!("{} has no deployment groups", args.sdl.display()))?;
    let deposit = args
        .deposit
        .as_deref()
        .map(|d| parse_coin(d, &denom))
        .transpose()
        .map_err(|e| anyhow!("--deposit: {e}"))?;
    if let Some(d) = &deposit {
        if d.denom != denom {
            bail!(
                "--deposit is in {}, but {} prices the deployment in {denom}: deposit {denom}",
                d.denom,
                args.sdl.display()
            );
        }
    }

    let session = app.tx_session().await?;
    let client = &session.client;
    let market = client.contracts().market.clone();
    let deposit = match deposit {
        Some(d) => d,
        None => {
            let params: MarketParams = client.query_market(&QueryMsg::Params {}).await?;
            default_deposit(&params, &denom)?
        }
    };
    let dseq = match args.dseq {
        Some(d) => d,
        None => client.latest_height().await?,
    };
    let id = DeploymentId::new(session.address(), dseq);
    let msg = ExecuteMsg::CreateDeployment {
        dseq,
        groups: sdl.groups.clone(),
        manifest_hash: HexBinary::from(sdl.manifest_hash.to_vec()),
    };
    let summary = format!(
        "create deployment {id} from {} ({} group(s), deposit {})",
        args.sdl.display(),
        sdl.groups.len(),
        output::coin_amount(deposit.amount, &deposit.denom)
    );
    let outcome = app
        .execute_contract(
            &session,
            &market,
            &msg,
            std::slice::from_ref(&deposit),
            &summary,
        )
        .await?;
    let create_tx = app.tx_json(&outcome);
    if !app.json() {
        print!("{}", create_tx.text(&format!("created deployment {id}")));
    }

    let mut result = json!({
        "deployment": id,
        "manifest_hash": sdl.manifest_hash_hex(),
        "deposit": deposit,
        "tx": create_tx,
        "bids": [],
        "leases": [],
        "lease_tx": null,
    });
    if args.no_wait {
        if app.json() {
            output::print_json(&result);
        } else {
            println!(
                "\nnot waiting for bids: see them with `kumo market bids --dseq {dseq}`, accept one with `kumo lease create <bid>` or `kumo lease create --dseq {dseq} --cheapest`"
            );
        }
        return Ok(());
    }

    let orders = market::deployment_orders(client, session.address(), dseq).await?;
    let bids = wait_for_bids(app, &session, &orders, Duration::from_secs(args.wait_bids)).await?;
    let all: Vec<Bid> = bids.iter().flat_map(|(_, _, b)| b.clone()).collect();
    let rows: Vec<BidRow> = market::bid_rows(client, &all, app.block_time()).await;
    result["bids"] = serde_json::to_value(&rows)?;
    if rows.is_empty() {
        if app.json() {
            output::print_json(&result);
        } else {
            println!(
                "\nno bids within {}s. The orders stay open: check with `kumo market bids --dseq {dseq}`, then `kumo lease create --dseq {dseq} --cheapest`",
                args.wait_bids
            );
        }
        return Ok(());
    }
    if !app.json() {
        println!("\nbids:");
        print!("{}", market::bids_table(&rows, app.block_time()));
    }

    let chosen = choose_bids(app, args.lease.as_ref(), &bids, &rows)?;
    if chosen.is_empty() {
        if app.json() {
            output::print_json(&result);
        } else {
            println!(
                "\nno bid accepted yet: accept one with `kumo lease create <bid>` (bid ids below) or `kumo lease create --dseq {dseq} --cheapest`"
            );
            for r in &rows {
                println!("  {}", r.bid);
            }
        }
        return Ok(());
    }
    let msgs = chosen
        .iter()
        .map(|bid| {
            kumo_client::tx::wasm_execute_msg(
                session.address(),
                &market,
                &ExecuteMsg::CreateLease { bid: bid.clone() },
                &[],
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let names: Vec<String> = chosen.iter().map(|b| b.provider.to_string()).collect();
    let outcome = app
        .broadcast(
            &session,
            msgs,
            &format!("create {} lease(s) with {}", chosen.len(), names.join(", ")),
        )
        .await?;
    let lease_tx = app.tx_json(&outcome);
    if app.json() {
        result["leases"] = json!(chosen.iter().map(|b| b.to_string()).collect::<Vec<_>>());
        result["lease_tx"] = serde_json::to_value(&lease_tx)?;
        output::print_json(&result);
    } else {
        println!();
        print!("{}", lease_tx.text("leased"));
        for b in &chosen {
            println!("  lease {b}");
        }
        println!(
            "\nnext: send the manifest to the provider; watch the escrow with `kumo escrow status {dseq}`"
        );
    }
    Ok(())
}

type OrderBids = (OrderId, GroupSpec, Vec<Bid>);

/// Polls the orders' bids until each order has a bid that meets it and no new bid came for a
/// few seconds, or until `wait` passes. A spinner on stderr shows the count (only on a
/// terminal, and not with --output json).
async fn wait_for_bids(
    app: &App,
    session: &TxSession,
    orders: &[(OrderId, GroupSpec, kumo_types::market::GroupState)],
    wait: Duration,
) -> anyhow::Result<Vec<OrderBids>> {
    const POLL: Duration = Duration::from_millis(1000);
    const SETTLE: Duration = Duration::from_secs(3);
    let spinner = (!app.json() && std::io::stderr().is_terminal()).then(|| {
        let pb =
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
        pb.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        pb.enable_steady_tick(Duration::from_millis(120));
        pb
    });
    if spinner.is_none() && !app.json() {
        eprintln!(
            "waiting up to {}s for bids on {} order(s) (--wait-bids to change, --no-wait to skip)",
            wait.as_secs(),
            orders.len()
        );
    }
    let started = Instant::now();
    let mut last_count = 0usize;
    let mut last_change = Instant::now();
    let result = loop {
        let mut current = Vec::new();
        for (order, spec, _) in orders {
            let bids = market::all_bids(&session.client, order).await?;
            let open: Vec<Bid> = bids
                .into_iter()
                .filter(|b| b.state == kumo_types::market::BidState::Open)
                .collect();
            current.push((order.clone(), spec.clone(), open));
        }
        let count: usize = current.iter().map(|(_, _, b)| b.len()).sum();
        if count != last_count {
            last_count = count;
            last_change = Instant::now();
        }
        if let Some(pb) = &spinner {
            pb.set_message(format!(
                "waiting for bids: {count} bid(s) on {} order(s), {}s of {}s (Ctrl-C leaves the deployment open)",
                orders.len(),
                started.elapsed().as_secs(),
                wait.as_secs()
            ));
        }
        let all_served = current
            .iter()
            .all(|(_, spec, bids)| market::cheapest(spec, bids).is_some());
        if (all_served && last_change.elapsed() >= SETTLE) || started.elapsed() >= wait {
            break current;
        }
        crate::context::sleep(POLL).await;
    };
    if let Some(pb) = spinner {
        pb.finish_and_clear();
    }
    Ok(result)
}

/// The bids to accept: one per order at most.
fn choose_bids(
    app: &App,
    choice: Option<&LeaseChoice>,
    orders: &[OrderBids],
    rows: &[BidRow],
) -> anyhow::Result<Vec<kumo_types::ids::BidId>> {
    let mut chosen = Vec::new();
    match choice {
        Some(LeaseChoice::None) => {}
        Some(LeaseChoice::Cheapest) => {
            for (order, spec, bids) in orders {
                match market::cheapest(spec, bids) {
                    Some(b) => chosen.push(b.id.clone()),
                    None => eprintln!("no bid meets order {order}: it stays open"),
                }
            }
        }
        Some(LeaseChoice::Provider(p)) => {
            for (order, spec, bids) in orders {
                match bids
                    .iter()
                    .find(|b| b.id.provider.as_str() == p && market::bid_meets(spec, b))
                {
                    Some(b) => chosen.push(b.id.clone()),
                    None => eprintln!("{p} has no acceptable bid on order {order}: it stays open"),
                }
            }
        }
        None => {
            if app.yes() || app.json() || !prompt::interactive() {
                return Ok(chosen);
            }
            for (order, spec, bids) in orders {
                let candidates: Vec<&Bid> =
                    bids.iter().filter(|b| market::bid_meets(spec, b)).collect();
                if candidates.is_empty() {
                    continue;
                }
                let items: Vec<String> = candidates
                    .iter()
                    .map(|b| {
                        let row = rows.iter().find(|r| r.id == b.id);
                        format!(
                            "{}  {}  {}/block  ~{}/month",
                            b.id.provider,
                            row.and_then(|r| r.gpu.clone())
                                .unwrap_or_else(|| "cpu".into()),
                            output::price_per_block(&b.price),
                            row.map(|r| output::display_denom(
                                r.price_per_month.amount,
                                &r.price_per_month.denom
                            ))
                            .unwrap_or_default()
                        )
                    })
                    .collect();
                if let Some(i) = prompt::choose(&format!("Accept a bid for order {order}"), &items)?
                {
                    chosen.push(candidates[i].id.clone());
                }
            }
        }
    }
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lease_choices_parse() {
        assert_eq!(parse_lease_choice("cheapest"), Ok(LeaseChoice::Cheapest));
        assert_eq!(parse_lease_choice("none"), Ok(LeaseChoice::None));
        assert_eq!(
            parse_lease_choice("kumo1provideraddress"),
            Ok(LeaseChoice::Provider("kumo1provideraddress".into()))
        );
        assert!(parse_lease_choice("best").unwrap_err().contains("cheapest"));
    }

    #[test]
    fn default_deposit_is_the_market_minimum() {
        let params: MarketParams = serde_json::from_value(json!({
            "allowed_denoms": ["uakt"],
            "deployment_min_deposits": [{ "denom": "uakt", "amount": "5000000" }],
            "bid_min_deposits": [{ "denom": "uakt", "amount": "500000" }],
            "order_max_bids": 20,
            "max_groups": 20,
            "take_rates": [],
            "take_destination": "burn",
            "gpu_pricing_tiers": [],
        }))
        .unwrap();
        assert_eq!(
            default_deposit(&params, "uakt").unwrap(),
            Coin::new(5_000_000u128, "uakt")
        );
        assert!(default_deposit(&params, "uother")
            .unwrap_err()
            .to_string()
            .contains("--deposit"));
    }
}
