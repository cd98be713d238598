//! `kumo lease`: accept a bid (or the cheapest one), close a lease, withdraw earnings.

use anyhow::{anyhow, bail};
use clap::{Args, Subcommand};
use cosmwasm_std::Addr;
use kumo_client::ChainClient;
use kumo_types::ids::BidId;
use kumo_types::market::{ExecuteMsg, Lease, QueryMsg};
use serde_json::json;

use crate::commands::market;
use crate::context::App;
use crate::output;
use crate::parse::parse_bid_id;

#[derive(Debug, Subcommand)]
pub enum LeaseCmd {
    /// Accept a bid: `lease create <owner/dseq/gseq/oseq/provider>`, or `--dseq N --provider P`,
    /// or `--dseq N --cheapest` for the lowest bid meeting each group's requirements
    Create(CreateArgs),
    /// Close a lease (by its owner)
    Close(LeaseRef),
    /// Withdraw what a lease has earned (by its provider)
    Withdraw(LeaseRef),
    /// Show a lease
    Get(LeaseRef),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    #[command(flatten)]
    pub lease: LeaseRef,
    /// Pick the cheapest open bid meeting each group's requirements (with --dseq; --gseq
    /// limits it to one group)
    #[arg(long, conflicts_with_all = ["id", "provider"], requires = "dseq")]
    pub cheapest: bool,
}

/// A bid or lease: the full id, or its parts as flags.
#[derive(Debug, Args)]
pub struct LeaseRef {
    /// The id: <owner>/<dseq>/<gseq>/<oseq>/<provider>
    #[arg(value_name = "ID", conflicts_with_all = ["dseq", "owner"])]
    pub id: Option<String>,
    /// The deployment's owner [default: the --from key, except for withdraw]
    #[arg(long, value_name = "ADDR")]
    pub owner: Option<String>,
    /// The deployment's sequence number
    #[arg(long)]
    pub dseq: Option<u64>,
    /// The group [default: 1]
    #[arg(long)]
    pub gseq: Option<u32>,
    /// The order [default: the group's current order]
    #[arg(long)]
    pub oseq: Option<u32>,
    /// The provider [default: the --from key, for withdraw]
    #[arg(long, value_name = "ADDR")]
    pub provider: Option<String>,
}

/// Who is asking: decides which part of the id defaults to the signer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Owner,
    Provider,
}

impl LeaseRef {
    /// The full id; missing parts from `me` (per role) and the group's current order.
    pub async fn resolve(
        &self,
        client: &ChainClient,
        me: Option<&str>,
        role: Role,
    ) -> anyhow::Result<BidId> {
        if let Some(id) = &self.id {
            return parse_bid_id(id).map_err(anyhow::Error::msg);
        }
        let dseq = self.dseq.ok_or_else(|| {
            anyhow!("which lease? give its id <owner>/<dseq>/<gseq>/<oseq>/<provider> (as `kumo market leases` prints it), or --dseq with --provider / --owner")
        })?;
        let owner = match (&self.owner, role) {
            (Some(o), _) => o.clone(),
            (None, Role::Owner) => me
                .map(str::to_string)
                .ok_or_else(|| anyhow!("give --owner, or --from <key>"))?,
            (None, _) => bail!("give the deployment's --owner (or the full id)"),
        };
        let provider = match (&self.provider, role) {
            (Some(p), _) => p.clone(),
            (None, Role::Provider) => me
                .map(str::to_string)
                .ok_or_else(|| anyhow!("give --provider, or --from <key>"))?,
            (None, _) => bail!("give the --provider (or the full id)"),
        };
        let gseq = self.gseq.unwrap_or(1);
        let oseq = match self.oseq {
            Some(o) => o,
            None => current_oseq(client, &owner, dseq, gseq).await?,
        };
        Ok(BidId {
            owner: Addr::unchecked(owner),
            dseq,
            gseq,
            oseq,
            provider: Addr::unchecked(provider),
        })
    }
}

async fn current_oseq(
    client: &ChainClient,
    owner: &str,
    dseq: u64,
    gseq: u32,
) -> anyhow::Result<u32> {
    let orders = market::deployment_orders(client, owner, dseq).await?;
    orders
        .iter()
        .find(|(o, _, _)| o.gseq == gseq)
        .map(|(o, _, _)| o.oseq)
        .ok_or_else(|| {
            anyhow!(
                "deployment {owner}/{dseq} has no group {gseq}: see `kumo deployment get {dseq}`"
            )
        })
}

pub async fn run(cmd: &LeaseCmd, app: &App) -> anyhow::Result<()> {
    match cmd {
        LeaseCmd::Create(args) => create(args, app).await,
        LeaseCmd::Close(r) => {
            let session = app.tx_session().await?;
            let id = r
                .resolve(&session.client, Some(session.address()), Role::Owner)
                .await?;
            let market = session.client.contracts().market.clone();
            let outcome = app
                .execute_contract(
                    &session,
                    &market,
                    &ExecuteMsg::CloseLease { id: id.clone() },
                    &[],
                    &format!("close lease {id}"),
                )
                .await?;
            app.print_tx(
                &outcome,
                &format!("closed lease {id}"),
                Some(json!({ "lease": id })),
            );
            Ok(())
        }
        LeaseCmd::Withdraw(r) => {
            let session = app.tx_session().await?;
            let id = r
                .resolve(&session.client, Some(session.address()), Role::Provider)
                .await?;
            let market = session.client.contracts().market.clone();
            let outcome = app
                .execute_contract(
                    &session,
                    &market,
                    &ExecuteMsg::WithdrawLease { id: id.clone() },
                    &[],
                    &format!("withdraw the earnings of lease {id}"),
                )
                .await?;
            app.print_tx(
                &outcome,
                &format!("withdrew the earnings of lease {id}"),
                Some(json!({ "lease": id })),
            );
            Ok(())
        }
        LeaseCmd::Get(r) => {
            let me = if r.id.is_none() && app.settings.from.is_some() {
                Some(app.signer_info()?.address)
            } else {
                None
            };
            let client = app.connect().await?;
            let id = r.resolve(&client, me.as_deref(), Role::Owner).await?;
            let lease: Lease = client.query_market(&QueryMsg::Lease { id }).await?;
            if app.json() {
                output::print_json(&lease);
            } else {
                market::print_leases(std::slice::from_ref(&lease), app.block_time());
            }
            Ok(())
        }
    }
}

async fn create(args: &CreateArgs, app: &App) -> anyhow::Result<()> {
    let session = app.tx_session().await?;
    let client = &session.client;
    let me = session.address().to_string();
    let bids: Vec<BidId> = if args.cheapest {
        let dseq = args
            .lease
            .dseq
            .expect("clap requires --dseq with --cheapest");
        let owner = args.lease.owner.clone().unwrap_or_else(|| me.clone());
        let mut chosen = Vec::new();
        for (order, spec, _) in market::deployment_orders(client, &owner, dseq).await? {
            if args.lease.gseq.is_some_and(|g| g != order.gseq) {
                continue;
            }
            let bids = market::all_bids(client, &order).await?;
            match market::cheapest(&spec, &bids) {
                Some(b) => chosen.push(b.id.clone()),
                None => eprintln!("no open bid meets order {order}"),
            }
        }
        if chosen.is_empty() {
            bail!(
                "no open bid meets the requirements of deployment {owner}/{dseq}: wait for bids \
                 (`kumo market bids --dseq {dseq}`) and try again"
            );
        }
        chosen
    } else {
        vec![args.lease.resolve(client, Some(&me), Role::Owner).await?]
    };
    let market = client.contracts().market.clone();
    let msgs = bids
        .iter()
        .map(|bid| {
            kumo_client::tx::wasm_execute_msg(
                &me,
                &market,
                &ExecuteMsg::CreateLease { bid: bid.clone() },
                &[],
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let listed: Vec<String> = bids.iter().map(|b| b.to_string()).collect();
    let outcome = app
        .broadcast(
            &session,
            msgs,
            &format!("accept bid(s) {}", listed.join(", ")),
        )
        .await?;
    app.print_tx(
        &outcome,
        &format!("created lease(s) {}", listed.join(", ")),
        Some(json!({ "leases": listed })),
    );
    Ok(())
}
