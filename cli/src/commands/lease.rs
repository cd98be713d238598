//! `kumo lease`: accept a bid (or the cheapest one), close a lease, withdraw earnings; and,
//! through the providers' gateways, send the manifest and watch status and logs.
//!
//! Gateway commands sign a short-lived token per request with the `--from` key (the
//! deployment's owner) and pin each provider's TLS certificate to the fingerprint in its
//! registry entry.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{anyhow, bail, Context as _};
use clap::{Args, Subcommand};
use cosmwasm_std::Addr;
use futures::StreamExt;
use kumo_client::gateway::types::{LeaseStatus, LogLine, LogStream, LogsQuery};
use kumo_client::gateway::GatewayClient;
use kumo_client::keyring::KeyringBackend;
use kumo_client::keys::KeyPair;
use kumo_client::ChainClient;
use kumo_types::ids::BidId;
use kumo_types::market::{
    DeploymentResponse, ExecuteMsg, Lease, LeaseState, LeasesResponse, QueryMsg,
};
use kumo_types::registry::{Provider, QueryMsg as RegistryQuery};
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
    /// Send a deployment's manifest to the providers of its leases (the SDL it was created with)
    SendManifest(SendManifestArgs),
    /// The containers of a deployment's leases, as their providers report them
    Status(GatewayLeaseArgs),
    /// The container logs of a deployment's leases
    Logs(LogsArgs),
}

#[derive(Debug, Args)]
pub struct SendManifestArgs {
    /// The SDL file the deployment was created (or last updated) with
    pub sdl: PathBuf,
    /// The deployment's sequence number
    #[arg(long)]
    pub dseq: u64,
    /// Only this provider's leases
    #[arg(long, value_name = "ADDR")]
    pub provider: Option<String>,
}

/// Leases of one of the --from key's deployments, for the gateway commands.
#[derive(Debug, Args)]
pub struct GatewayLeaseArgs {
    /// The deployment's sequence number
    #[arg(long)]
    pub dseq: u64,
    /// Only this group
    #[arg(long)]
    pub gseq: Option<u32>,
    /// Only this order (with --gseq)
    #[arg(long, requires = "gseq")]
    pub oseq: Option<u32>,
    /// Only this provider's leases
    #[arg(long, value_name = "ADDR")]
    pub provider: Option<String>,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    #[command(flatten)]
    pub lease: GatewayLeaseArgs,
    /// Keep streaming new lines (until Ctrl-C or the containers stop)
    #[arg(short, long)]
    pub follow: bool,
    /// Only the last N lines of each container
    #[arg(long, value_name = "N")]
    pub tail: Option<u64>,
    /// Only this service's containers
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,
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
        LeaseCmd::SendManifest(args) => send_manifest(args, app).await,
        LeaseCmd::Status(args) => gateway_status(args, app).await,
        LeaseCmd::Logs(args) => gateway_logs(args, app).await,
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

/// The `--from` key, unlocked (the gateway tokens are signed with it).
fn unlock_owner_key(app: &App) -> anyhow::Result<KeyPair> {
    let name = app.signer_name()?;
    let keyring = app.keyring()?;
    keyring.show(&name)?;
    let passphrase = match app.backend() {
        KeyringBackend::File => Some(crate::prompt::passphrase(&name)?),
        KeyringBackend::Test => None,
    };
    Ok(keyring.unlock(&name, passphrase.as_deref())?)
}

/// Every lease of `owner`'s deployment `dseq`, all pages.
async fn deployment_leases(
    client: &ChainClient,
    owner: &str,
    dseq: u64,
) -> anyhow::Result<Vec<Lease>> {
    let mut out = Vec::new();
    let mut start_after = None;
    loop {
        let page: LeasesResponse = client
            .query_market(&QueryMsg::LeasesByOwner {
                owner: owner.to_string(),
                start_after: start_after.clone(),
                limit: Some(100),
            })
            .await?;
        let n = page.leases.len();
        start_after = page.leases.last().map(|l| l.id.clone());
        out.extend(page.leases.into_iter().filter(|l| l.id.dseq == dseq));
        if n < 100 {
            return Ok(out);
        }
    }
}

/// The leases a gateway command is about: active ones of the deployment, filtered.
pub fn select_leases(
    leases: Vec<Lease>,
    gseq: Option<u32>,
    oseq: Option<u32>,
    provider: Option<&str>,
) -> Vec<Lease> {
    leases
        .into_iter()
        .filter(|l| l.state == LeaseState::Active)
        .filter(|l| gseq.is_none_or(|g| l.id.gseq == g))
        .filter(|l| oseq.is_none_or(|o| l.id.oseq == o))
        .filter(|l| provider.is_none_or(|p| l.id.provider.as_str() == p))
        .collect()
}

fn no_leases_error(dseq: u64, any_at_all: bool) -> anyhow::Error {
    if any_at_all {
        anyhow!(
            "deployment {dseq} has no active lease matching these flags: see `kumo market leases`"
        )
    } else {
        anyhow!(
            "deployment {dseq} has no active lease: accept a bid first (`kumo lease create --dseq \
             {dseq} --cheapest`), see `kumo market bids --dseq {dseq}`"
        )
    }
}

/// A gateway client for `provider` from its registry entry, signing with `key`.
async fn provider_gateway(
    client: &ChainClient,
    provider: &str,
    key: &Arc<KeyPair>,
) -> anyhow::Result<GatewayClient> {
    let entry: Provider = client
        .query_registry(&RegistryQuery::Provider {
            address: provider.to_string(),
        })
        .await
        .with_context(|| format!("cannot read provider {provider} from the registry"))?;
    Ok(
        GatewayClient::new(&entry.host_uri, &entry.tls_cert_fingerprint)?
            .with_key(key.clone(), provider),
    )
}

/// Leases grouped by provider, in order of first appearance.
fn by_provider(leases: &[Lease]) -> Vec<(String, Vec<&Lease>)> {
    let mut out: Vec<(String, Vec<&Lease>)> = Vec::new();
    for l in leases {
        match out.iter_mut().find(|(p, _)| p == l.id.provider.as_str()) {
            Some((_, v)) => v.push(l),
            None => out.push((l.id.provider.to_string(), vec![l])),
        }
    }
    out
}

async fn send_manifest(args: &SendManifestArgs, app: &App) -> anyhow::Result<()> {
    let sdl = crate::commands::sdl::load(&args.sdl)?;
    for w in &sdl.warnings {
        eprintln!("warning: {}: {w}", args.sdl.display());
    }
    let owner = app.signer_info()?.address;
    let client = app.connect().await?;
    let dep: DeploymentResponse = client
        .query_market(&QueryMsg::Deployment {
            id: kumo_types::ids::DeploymentId::new(&owner, args.dseq),
        })
        .await
        .with_context(|| format!("cannot read deployment {owner}/{}", args.dseq))?;
    let on_chain = hex::encode(dep.deployment.manifest_hash.as_slice());
    if on_chain != sdl.manifest_hash_hex() {
        bail!(
            "{} gives manifest hash {}, but deployment {} was created with {on_chain}: send the \
             SDL the deployment was created (or last updated) with, or update it first with \
             `kumo deployment update {} --dseq {}`",
            args.sdl.display(),
            sdl.manifest_hash_hex(),
            args.dseq,
            args.sdl.display(),
            args.dseq
        );
    }
    let all = deployment_leases(&client, &owner, args.dseq).await?;
    let any = !all.is_empty();
    let leases = select_leases(all, None, None, args.provider.as_deref());
    if leases.is_empty() {
        return Err(no_leases_error(args.dseq, any));
    }
    let key = Arc::new(unlock_owner_key(app)?);
    let manifest = sdl.manifest_json();
    let mut reports = Vec::new();
    let mut failures = 0;
    for (provider, leases) in by_provider(&leases) {
        let ids: Vec<String> = leases.iter().map(|l| l.id.to_string()).collect();
        let result = match provider_gateway(&client, &provider, &key).await {
            Ok(gw) => gw
                .send_manifest(args.dseq, manifest.clone())
                .await
                .map(|a| (gw.host_uri().to_string(), a))
                .map_err(anyhow::Error::from),
            Err(e) => Err(e),
        };
        match result {
            Ok((host_uri, accepted)) => {
                if !app.json() {
                    println!(
                        "sent the manifest to {provider} ({host_uri}) for lease(s) {}: {}",
                        ids.join(", "),
                        accepted
                            .message
                            .clone()
                            .unwrap_or_else(|| "accepted, deploying".into())
                    );
                }
                reports.push(json!({
                    "provider": provider, "host_uri": host_uri, "leases": ids,
                    "accepted": accepted,
                }));
            }
            Err(e) => {
                failures += 1;
                eprintln!("error: {provider}: {e:#}");
                reports.push(
                    json!({ "provider": provider, "leases": ids, "error": format!("{e:#}") }),
                );
            }
        }
    }
    if app.json() {
        output::print_json(&json!({
            "dseq": args.dseq,
            "manifest_hash": sdl.manifest_hash_hex(),
            "providers": reports,
        }));
    } else if failures == 0 {
        println!(
            "watch it come up with `kumo lease status --dseq {}` and `kumo lease logs --dseq {} -f`",
            args.dseq, args.dseq
        );
    }
    if failures > 0 {
        bail!("{failures} provider(s) did not accept the manifest (see above)");
    }
    Ok(())
}

/// The leases of `args` and a gateway client for each provider.
async fn gateway_targets(
    args: &GatewayLeaseArgs,
    app: &App,
) -> anyhow::Result<Vec<(Lease, anyhow::Result<GatewayClient>)>> {
    let owner = app.signer_info()?.address;
    let client = app.connect().await?;
    let all = deployment_leases(&client, &owner, args.dseq).await?;
    let any = !all.is_empty();
    let leases = select_leases(all, args.gseq, args.oseq, args.provider.as_deref());
    if leases.is_empty() {
        return Err(no_leases_error(args.dseq, any));
    }
    let key = Arc::new(unlock_owner_key(app)?);
    let mut out = Vec::new();
    for (provider, group) in by_provider(&leases) {
        let gw = provider_gateway(&client, &provider, &key).await;
        for l in group {
            let gw = match &gw {
                Ok(g) => Ok(g.clone()),
                Err(e) => Err(anyhow!("{e:#}")),
            };
            out.push((l.clone(), gw));
        }
    }
    Ok(out)
}

async fn gateway_status(args: &GatewayLeaseArgs, app: &App) -> anyhow::Result<()> {
    let mut reports = Vec::new();
    let mut failures = 0;
    for (lease, gw) in gateway_targets(args, app).await? {
        let id = &lease.id;
        let result = match gw {
            Ok(gw) => gw
                .lease_status(id.dseq, id.gseq, id.oseq)
                .await
                .map_err(anyhow::Error::from),
            Err(e) => Err(e),
        };
        match result {
            Ok(status) => {
                if !app.json() {
                    print!("{}", status_text(&lease, &status));
                }
                reports.push(json!({ "lease": id, "status": status }));
            }
            Err(e) => {
                failures += 1;
                eprintln!("error: lease {id}: {e:#}");
                reports.push(json!({ "lease": id, "error": format!("{e:#}") }));
            }
        }
    }
    if app.json() {
        output::print_json(&json!({ "leases": reports }));
    }
    if failures > 0 {
        bail!("the status of {failures} lease(s) could not be read (see above)");
    }
    Ok(())
}

/// A lease's containers as a table.
pub fn status_text(lease: &Lease, status: &LeaseStatus) -> String {
    let mut out = format!(
        "lease {}/{}/{} on {}{}\n",
        lease.id.dseq,
        lease.id.gseq,
        lease.id.oseq,
        lease.id.provider,
        if status.manifest_received {
            ""
        } else {
            " (no manifest yet: `kumo lease send-manifest`)"
        }
    );
    let rows: Vec<Vec<String>> = status
        .services
        .iter()
        .flat_map(|s| {
            s.containers.iter().map(move |c| {
                let ports: Vec<String> = c
                    .ports
                    .iter()
                    .map(|p| {
                        format!(
                            "{}:{}->{}/{}",
                            p.host_ip.as_deref().unwrap_or("*"),
                            p.host_port,
                            p.container_port,
                            p.proto
                        )
                    })
                    .collect();
                let gpus = match (c.gpu_uuids.len(), c.gpu_utilization) {
                    (0, _) => "-".to_string(),
                    (n, Some(u)) => format!("{n} ({u}%)"),
                    (n, None) => n.to_string(),
                };
                vec![
                    s.name.clone(),
                    c.replica.to_string(),
                    match c.exit_code {
                        Some(code) if c.state != "running" => format!("{} ({code})", c.state),
                        _ => c.state.clone(),
                    },
                    c.restarts.to_string(),
                    if ports.is_empty() {
                        "-".into()
                    } else {
                        ports.join(", ")
                    },
                    gpus,
                ]
            })
        })
        .collect();
    if rows.is_empty() {
        out.push_str("no containers\n");
    } else {
        out.push_str(&output::table(
            &["SERVICE", "REPLICA", "STATE", "RESTARTS", "PORTS", "GPUS"],
            &rows,
        ));
    }
    out
}

async fn gateway_logs(args: &LogsArgs, app: &App) -> anyhow::Result<()> {
    let query = LogsQuery {
        tail: args.tail,
        follow: args.follow,
        service: args.service.clone(),
    };
    let targets = gateway_targets(&args.lease, app).await?;
    let several = targets.len() > 1;
    let mut streams = Vec::new();
    let mut failures = 0;
    for (lease, gw) in targets {
        let id = lease.id.clone();
        let stream = match gw {
            Ok(gw) => gw
                .lease_logs(id.dseq, id.gseq, id.oseq, &query)
                .await
                .map_err(anyhow::Error::from),
            Err(e) => Err(e),
        };
        match stream {
            Ok(s) => streams.push(s.map(move |item| (id.clone(), item)).boxed()),
            Err(e) => {
                failures += 1;
                eprintln!("error: lease {id}: {e:#}");
            }
        }
    }
    let mut merged = futures::stream::select_all(streams);
    while let Some((id, item)) = merged.next().await {
        match item {
            Ok(line) => {
                if app.json() {
                    println!(
                        "{}",
                        serde_json::to_string(&json!({
                            "gseq": id.gseq, "oseq": id.oseq, "provider": id.provider,
                            "line": line,
                        }))?
                    );
                } else {
                    let prefix = several.then(|| format!("{}/{}", id.gseq, id.oseq));
                    println!("{}", log_text(prefix.as_deref(), &line));
                }
            }
            Err(e) => {
                failures += 1;
                eprintln!("error: lease {id}: {e}");
            }
        }
    }
    if failures > 0 {
        bail!("the logs of {failures} lease(s) could not be read (see above)");
    }
    Ok(())
}

/// `[web-0] text`, with the lease's group/order when several leases are shown; stderr lines are
/// marked.
pub fn log_text(lease: Option<&str>, line: &LogLine) -> String {
    let lease = lease.map(|l| format!("{l} ")).unwrap_or_default();
    let err = if line.stream == LogStream::Stderr {
        " (stderr)"
    } else {
        ""
    };
    format!(
        "[{lease}{}-{}{err}] {}",
        line.service, line.replica, line.line
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;
    use kumo_client::gateway::types::{ContainerStatus, PortStatus, ServiceStatus};
    use kumo_types::coins::DecCoin;

    fn parse(args: &[&str]) -> Result<LeaseCmd, clap::Error> {
        let _env = crate::config::tests_env_lock();
        let mut argv = vec!["kumo", "lease"];
        argv.extend_from_slice(args);
        match Cli::try_parse_from(argv)?.command {
            Command::Lease(cmd) => Ok(cmd),
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn send_manifest_arguments() {
        let LeaseCmd::SendManifest(a) =
            parse(&["send-manifest", "deploy.yaml", "--dseq", "42"]).unwrap()
        else {
            panic!()
        };
        assert_eq!(a.sdl, PathBuf::from("deploy.yaml"));
        assert_eq!(a.dseq, 42);
        assert_eq!(a.provider, None);
        // The SDL and --dseq are both required.
        assert!(parse(&["send-manifest", "deploy.yaml"]).is_err());
        assert!(parse(&["send-manifest", "--dseq", "4"]).is_err());
        assert!(parse(&["send-manifest", "d.yaml", "--dseq", "x"]).is_err());
    }

    #[test]
    fn status_and_logs_arguments() {
        let LeaseCmd::Status(a) =
            parse(&["status", "--dseq", "7", "--gseq", "2", "--oseq", "3"]).unwrap()
        else {
            panic!()
        };
        assert_eq!((a.dseq, a.gseq, a.oseq), (7, Some(2), Some(3)));
        // --oseq needs --gseq.
        assert!(parse(&["status", "--dseq", "7", "--oseq", "3"]).is_err());
        assert!(parse(&["status"]).is_err());
        let _env = crate::config::tests_env_lock();
        let cli =
            Cli::try_parse_from(["kumo", "lease", "status", "--dseq", "7", "--output", "json"])
                .unwrap();
        assert!(cli.global.output.is_some_and(|o| o.is_json()));
        drop(_env);

        let LeaseCmd::Logs(l) = parse(&[
            "logs",
            "--dseq",
            "7",
            "-f",
            "--tail",
            "100",
            "--service",
            "web",
        ])
        .unwrap() else {
            panic!()
        };
        assert!(l.follow);
        assert_eq!(l.tail, Some(100));
        assert_eq!(l.service.as_deref(), Some("web"));
        assert_eq!(l.lease.dseq, 7);
        let LeaseCmd::Logs(l) = parse(&["logs", "--dseq", "7"]).unwrap() else {
            panic!()
        };
        assert!(!l.follow && l.tail.is_none() && l.service.is_none());
        assert!(parse(&["logs", "--dseq", "7", "--tail", "-1"]).is_err());
    }

    fn lease(gseq: u32, oseq: u32, provider: &str, state: LeaseState) -> Lease {
        Lease {
            id: BidId {
                owner: Addr::unchecked("kumo1owner"),
                dseq: 7,
                gseq,
                oseq,
                provider: Addr::unchecked(provider),
            },
            state,
            price: DecCoin::new(cosmwasm_std::Decimal256::one(), "uakt"),
            gpus: 0,
            created_at: 1,
            closed_at: None,
            close_reason: None,
        }
    }

    #[test]
    fn leases_are_selected_and_grouped_by_provider() {
        let leases = vec![
            lease(1, 1, "kumo1a", LeaseState::Closed),
            lease(1, 2, "kumo1a", LeaseState::Active),
            lease(2, 1, "kumo1b", LeaseState::Active),
            lease(3, 1, "kumo1a", LeaseState::Active),
        ];
        let all = select_leases(leases.clone(), None, None, None);
        assert_eq!(all.len(), 3, "closed leases are left out");
        let grouped = by_provider(&all);
        assert_eq!(grouped.len(), 2);
        assert_eq!(grouped[0].0, "kumo1a");
        assert_eq!(grouped[0].1.len(), 2);
        assert_eq!(select_leases(leases.clone(), Some(2), None, None).len(), 1);
        assert_eq!(
            select_leases(leases.clone(), Some(1), Some(1), None).len(),
            0
        );
        assert_eq!(select_leases(leases, None, None, Some("kumo1b")).len(), 1);
        assert!(no_leases_error(7, false)
            .to_string()
            .contains("kumo lease create"));
    }

    #[test]
    fn status_and_log_lines_read_well() {
        let l = lease(1, 1, "kumo1prov", LeaseState::Active);
        let status = LeaseStatus {
            owner: "kumo1owner".into(),
            dseq: 7,
            gseq: 1,
            oseq: 1,
            provider: "kumo1prov".into(),
            manifest_received: true,
            services: vec![ServiceStatus {
                name: "web".into(),
                replicas: 1,
                containers: vec![ContainerStatus {
                    id: "c".into(),
                    replica: 0,
                    image: "nginx".into(),
                    state: "exited".into(),
                    exit_code: Some(137),
                    restarts: 4,
                    ports: vec![PortStatus {
                        container_port: 80,
                        host_ip: None,
                        host_port: 32080,
                        proto: "tcp".into(),
                    }],
                    gpu_uuids: vec!["GPU-0".into()],
                    gpu_utilization: Some(90),
                }],
            }],
        };
        let text = status_text(&l, &status);
        assert!(text.starts_with("lease 7/1/1 on kumo1prov\n"), "{text}");
        for needle in ["exited (137)", "*:32080->80/tcp", "1 (90%)", "RESTARTS"] {
            assert!(text.contains(needle), "{needle} not in {text}");
        }
        let line = LogLine {
            service: "web".into(),
            replica: 1,
            timestamp: None,
            stream: LogStream::Stderr,
            line: "boom".into(),
        };
        assert_eq!(log_text(None, &line), "[web-1 (stderr)] boom");
        assert_eq!(log_text(Some("2/1"), &line), "[2/1 web-1 (stderr)] boom");
    }
}
