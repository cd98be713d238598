//! `kumo demo`: the marketplace's whole journey, scripted, against a running `kumo up` (its
//! RPC and the dev keys in its data directory) or, with `--standalone`, against a marketplace
//! of its own in a temporary directory on free ports. Nine steps, each timed and each checked
//! against the chain, the provider's gateway or the transaction's events:
//!
//! 1. create a deployment from `examples/sdl/demo.yaml` (`demo-gpu.yaml` when the provider has
//!    a GPU; the local image it runs is built when missing, no registry needed);
//! 2. wait for bids; 3. lease the cheapest; 4. send the manifest to the provider's gateway;
//! 5. the container runs and its output comes back through the gateway's logs;
//! 6. the escrow pays the lease block by block; 7. the provider withdraws and the take is
//!    burned; 8. a governance proposal changes the take rate, is voted, tallied and executed,
//!    and the next withdrawal pays the new rate; 9. the tenant closes the deployment and the
//!    rest of the escrow is refunded.
//!
//! It exits 0 only when every step verified its result.

// The unit-test build leaves out the journey (`running`), so some items are only used by the
// real binary.
#![cfg_attr(test, allow(dead_code))]

use std::path::PathBuf;

use anyhow::{anyhow, bail};
use clap::Args;

use crate::commands::up::NetworkArg;
use crate::context::App;

/// The demo's CPU deployment (`examples/sdl/demo.yaml`), embedded so that the binary runs the
/// demo from any directory.
pub const DEMO_SDL: &str = include_str!("../../../examples/sdl/demo.yaml");
/// The GPU variant (`examples/sdl/demo-gpu.yaml`).
pub const DEMO_GPU_SDL: &str = include_str!("../../../examples/sdl/demo-gpu.yaml");
/// Builds `kumo-test/busybox:local` from Debian's busybox-static (`scripts/test-image.sh`).
pub const TEST_IMAGE_SCRIPT: &str = include_str!("../../../scripts/test-image.sh");
/// The local image the demo SDLs run.
pub const LOCAL_IMAGE: &str = "kumo-test/busybox:local";
/// What the demo's container prints.
pub const HELLO: &str = "hello from kumo";

/// `kumo demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Start a marketplace of its own (temporary directory, free ports) instead of using a
    /// running `kumo up`
    #[arg(long)]
    pub standalone: bool,

    /// The data directory of the running `kumo up`, whose keyring holds the dev keys
    /// [default: ~/.kumo/up]
    #[arg(
        long,
        env = "KUMO_UP_DIR",
        value_name = "DIR",
        conflicts_with = "standalone"
    )]
    pub data_dir: Option<PathBuf>,

    /// Deploy this SDL instead of examples/sdl/demo.yaml (demo-gpu.yaml when the provider has
    /// a GPU); its container should print lines
    #[arg(long, value_name = "FILE")]
    pub sdl: Option<PathBuf>,

    /// With --standalone: the contract .wasm files [default: ./artifacts]
    #[arg(long, value_name = "DIR", requires = "standalone")]
    pub artifacts: Option<PathBuf>,

    /// With --standalone: the containers' Docker network (never Docker's bridge)
    #[arg(long, value_enum, default_value_t = NetworkArg::None)]
    pub network: NetworkArg,

    /// The take rate the governance step proposes, e.g. 0.05 [default: 5%, or 3% when the
    /// rate is 5% already]
    #[arg(long, value_name = "RATE")]
    pub take_rate: Option<String>,
}

/// The coins of a bank event's `amount` ("11uakt,3ufoo") in `denom`.
pub fn amount_in(coins: &str, denom: &str) -> u128 {
    coins
        .split(',')
        .filter_map(|c| {
            let c = c.trim();
            let digits = c.find(|ch: char| !ch.is_ascii_digit()).unwrap_or(c.len());
            (&c[digits..] == denom)
                .then(|| c[..digits].parse::<u128>().ok())
                .flatten()
        })
        .sum()
}

/// The take rate to propose: the one asked for, else 5%, or 3% when 5% is already the rate.
pub fn next_take_rate(
    asked: Option<&str>,
    current: cosmwasm_std::Decimal,
) -> anyhow::Result<cosmwasm_std::Decimal> {
    use std::str::FromStr;
    let rate = match asked {
        Some(s) => cosmwasm_std::Decimal::from_str(s.trim())
            .map_err(|e| anyhow!("--take-rate {s:?}: {e}; give a fraction such as 0.05"))?,
        None if current == cosmwasm_std::Decimal::percent(5) => cosmwasm_std::Decimal::percent(3),
        None => cosmwasm_std::Decimal::percent(5),
    };
    if rate >= cosmwasm_std::Decimal::one() {
        bail!("--take-rate {rate}: a take rate is a fraction below 1, such as 0.05");
    }
    if rate == current {
        bail!("--take-rate {rate}: that is the rate already; give another one");
    }
    Ok(rate)
}

/// A rate as a percentage: `2%`, `2.5%`.
pub fn percent(rate: cosmwasm_std::Decimal) -> String {
    let p = rate * cosmwasm_std::Decimal::percent(10_000);
    format!("{p}%")
}

/// `kumo demo`.
pub async fn run(args: &DemoArgs, app: &App) -> anyhow::Result<()> {
    running::run(args, app).await
}

#[cfg(test)]
mod running {
    use super::*;

    /// The unit-test binary leaves the devnet out (see `tools::devnet`).
    pub async fn run(_args: &DemoArgs, _app: &App) -> anyhow::Result<()> {
        bail!("kumo demo is not part of the unit-test build")
    }
}

#[cfg(not(test))]
mod running {
    use std::io::Write as _;
    use std::sync::Arc;
    use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

    use anyhow::Context as _;
    use cosmwasm_std::{Coin, Decimal, HexBinary, Uint256};
    use futures::StreamExt;
    use kumo_client::config::ChainConfig;
    use kumo_client::gateway::types::{LeaseRef, LogsQuery};
    use kumo_client::gateway::GatewayClient;
    use kumo_client::keyring::{Keyring, KeyringBackend};
    use kumo_client::keys::KeyPair;
    use kumo_client::{ChainClient, ClientError, Signer, TxOutcome};
    use kumo_types::coins::FundsDestination;
    use kumo_types::events::KumoEvent;
    use kumo_types::governance::{
        ExecuteMsg as GovMsg, GovernanceParams, ProposalAction, ProposalResponse, ProposalStatus,
        QueryMsg as GovQuery, VoteOption,
    };
    use kumo_types::ids::{DeploymentId, LeaseId};
    use kumo_types::market::{
        Bid, DeploymentResponse, DeploymentState, EscrowResponse, ExecuteMsg as MarketMsg, Lease,
        LeaseState, MarketParams, MarketParamsUpdate, QueryMsg as MarketQuery, TakeRate,
    };
    use kumo_types::registry::{Provider, QueryMsg as RegistryQuery};

    use super::*;
    use crate::commands::market;
    use crate::commands::up::{self, Marketplace, UpFile, UpOptions};
    use crate::config::Source;
    use crate::output;

    /// The standalone marketplace's provider is dev account 5, not `kumo up`'s 1: a `kumo up`
    /// running beside it on the same Docker daemon leaves its containers alone.
    const STANDALONE_PROVIDER_ACCOUNT: u32 = 5;
    /// How much the holder stakes for the vote, and the tenant deposits.
    const STAKE: u128 = 100_000_000_000; // 100,000 AKT
    const DEPOSIT: u128 = 50_000_000; // 50 AKT

    /// Numbered, timed steps; a failure names its step.
    struct Steps {
        total: usize,
        n: usize,
        title: String,
        started: Instant,
    }

    impl Steps {
        fn new(total: usize) -> Steps {
            Steps {
                total,
                n: 0,
                title: String::new(),
                started: Instant::now(),
            }
        }

        fn begin(&mut self, title: impl Into<String>) {
            self.n += 1;
            self.title = title.into();
            self.started = Instant::now();
            println!("\n[{}/{}] {}", self.n, self.total, self.title);
            let _ = std::io::stdout().flush();
        }

        fn end<T>(&self, result: anyhow::Result<T>) -> anyhow::Result<T> {
            match result {
                Ok(v) => {
                    println!(
                        "      ok: verified in {:.1}s",
                        self.started.elapsed().as_secs_f64()
                    );
                    Ok(v)
                }
                Err(e) => Err(e.context(format!(
                    "step {}/{} ({}) did not verify",
                    self.n, self.total, self.title
                ))),
            }
        }
    }

    fn detail(line: impl AsRef<str>) {
        for l in line.as_ref().lines() {
            println!("      {l}");
        }
        let _ = std::io::stdout().flush();
    }

    /// Everything the journey signs and queries with.
    struct Ctx {
        client: ChainClient,
        tenant: Signer,
        tenant_key: Arc<KeyPair>,
        provider: Signer,
        holder: Signer,
        take_rate: Option<String>,
        sdl: Option<PathBuf>,
    }

    fn now_unix() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }

    /// Polls `check` every `every` until it gives `Some`, or fails after `limit` with `what`.
    async fn poll<T, F, Fut>(
        limit: Duration,
        every: Duration,
        what: &str,
        mut check: F,
    ) -> anyhow::Result<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = anyhow::Result<Option<T>>>,
    {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(v) = check().await? {
                return Ok(v);
            }
            if Instant::now() >= deadline {
                bail!("{what} within {}s", limit.as_secs());
            }
            tokio::time::sleep(every).await;
        }
    }

    /// Sum of the `burn` events' amounts in `denom`.
    fn burned(outcome: &TxOutcome, denom: &str) -> u128 {
        outcome
            .events
            .iter()
            .filter(|e| e.kind == "burn")
            .flat_map(kumo_client::events::attributes)
            .filter(|(k, _)| k == "amount")
            .map(|(_, v)| amount_in(&v, denom))
            .sum()
    }

    /// Sum of the bank transfers from `from` to `to` in `denom`.
    fn transferred(outcome: &TxOutcome, from: &str, to: &str, denom: &str) -> u128 {
        outcome
            .events
            .iter()
            .filter(|e| e.kind == "transfer")
            .map(kumo_client::events::attributes)
            .filter(|attrs| {
                attrs.iter().any(|(k, v)| k == "sender" && v == from)
                    && attrs.iter().any(|(k, v)| k == "recipient" && v == to)
            })
            .flat_map(|attrs| {
                attrs
                    .into_iter()
                    .filter(|(k, _)| k == "amount")
                    .map(|(_, v)| amount_in(&v, denom))
            })
            .sum()
    }

    /// The lease's payout in a tx: (net to the provider, take).
    fn withdrawn(outcome: &TxOutcome, lease: &LeaseId) -> Option<(Uint256, Uint256)> {
        outcome.kumo_events().into_iter().find_map(|e| match e {
            KumoEvent::LeaseWithdrawn { id, amount, take } if &id == lease => {
                Some((amount.amount, take.amount))
            }
            _ => None,
        })
    }

    /// Executes with a retry when the daemon, signing with the same key, took the sequence.
    async fn execute_retrying<M: serde::Serialize>(
        signer: &Signer,
        contract: &str,
        msg: &M,
        funds: &[Coin],
    ) -> anyhow::Result<TxOutcome> {
        let mut attempt = 0;
        loop {
            match signer.execute(contract, msg, funds).await {
                Err(ClientError::SequenceMismatch { .. }) if attempt < 3 => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                result => return Ok(result?),
            }
        }
    }

    /// Makes the SDL's local image exist (built from busybox-static, no registry involved);
    /// other images are left to the provider to pull.
    fn ensure_images(sdl: &kumo_sdl::Sdl) -> anyhow::Result<()> {
        let images: std::collections::BTreeSet<&str> = sdl
            .manifest
            .0
            .iter()
            .flat_map(|g| g.services.iter().map(|s| s.image.as_str()))
            .collect();
        for image in images {
            if image != LOCAL_IMAGE {
                detail(format!(
                    "image {image}: the provider pulls it when it is not on this machine"
                ));
                continue;
            }
            let out = std::process::Command::new("bash")
                .arg("-s")
                .arg("--")
                .arg(image)
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .and_then(|mut child| {
                    if let Some(mut stdin) = child.stdin.take() {
                        stdin.write_all(TEST_IMAGE_SCRIPT.as_bytes())?;
                    }
                    child.wait_with_output()
                })
                .context("cannot run bash to build the demo's local image")?;
            let said = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if !out.status.success() {
                bail!(
                    "the demo's image {image} is missing and could not be built: {}",
                    String::from_utf8_lossy(&out.stderr)
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                );
            }
            if said.ends_with("present") {
                detail(format!(
                    "image {image}: on this machine (a local image: nothing to pull)"
                ));
            } else {
                detail(format!(
                    "image {image} was not on this machine and no registry is needed: built it \
                     from Debian's busybox-static ({said})"
                ));
            }
        }
        Ok(())
    }

    /// The SDL to deploy and what to call it.
    fn choose_sdl(ctx: &Ctx, has_gpu: bool) -> anyhow::Result<(String, kumo_sdl::Sdl)> {
        let (name, text) = match &ctx.sdl {
            Some(path) => (
                path.display().to_string(),
                std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?,
            ),
            None if has_gpu => (
                "examples/sdl/demo-gpu.yaml".into(),
                DEMO_GPU_SDL.to_string(),
            ),
            None => ("examples/sdl/demo.yaml".into(), DEMO_SDL.to_string()),
        };
        let sdl = kumo_sdl::parse(&text).map_err(|e| anyhow!("{name}: {e}"))?;
        if sdl.groups.len() != 1 {
            bail!("{name}: the demo deploys SDLs of exactly one group");
        }
        Ok((name, sdl))
    }

    /// Removes whatever containers `provider` left (after a failed step): the standalone
    /// marketplace's chain goes with its temporary directory, so they belong to nothing.
    async fn remove_containers_of(provider: &str, network: NetworkArg) {
        use kumo_provider::runtime::docker::DockerRuntime;
        let Ok(docker) = DockerRuntime::connect(&up::docker_config(network.mode())).await else {
            return;
        };
        let Ok(on_host) = docker.leases_on_host().await else {
            return;
        };
        for id in on_host
            .leases
            .iter()
            .filter(|id| id.provider.as_str() == provider)
        {
            match docker.teardown(id, Duration::from_secs(5)).await {
                Ok(_) => println!("removed the containers of lease {id}, left by a failed step"),
                Err(e) => eprintln!("warning: cannot remove the containers of lease {id}: {e}"),
            }
        }
    }

    pub async fn run(args: &DemoArgs, app: &App) -> anyhow::Result<()> {
        let started = Instant::now();
        let mut own: Option<(Marketplace, tempfile::TempDir)> = None;
        let (rpc_url, keyring) = if args.standalone {
            up::init_logging("warn");
            let dir = tempfile::Builder::new()
                .prefix("kumo-demo-")
                .tempdir()
                .context("cannot create a temporary directory")?;
            let opts = UpOptions {
                data_dir: dir.path().to_path_buf(),
                reset: false,
                rpc_port: 0,
                gateway_port: 0,
                block_time: 1.0,
                chain_id: app.settings.chain_id.clone(),
                artifacts: args
                    .artifacts
                    .clone()
                    .unwrap_or_else(|| PathBuf::from("artifacts")),
                network: args.network.mode(),
                provider_account: STANDALONE_PROVIDER_ACCOUNT,
                verbose: true,
            };
            println!(
                "starting a marketplace of its own in {} (chain, contracts, this machine as \
                 the provider)",
                dir.path().display()
            );
            let market = Marketplace::start(&opts).await?;
            let rpc = market.rpc_url();
            let keyring = market.keyring.clone();
            println!(
                "marketplace up: RPC {rpc}, gateway {}",
                market.up.gateway_url
            );
            own = Some((market, dir));
            (rpc, keyring)
        } else {
            let data_dir = args
                .data_dir
                .as_deref()
                .map(crate::config::expand_tilde)
                .unwrap_or_else(up::default_data_dir);
            let up_file = UpFile::read(&data_dir);
            let node_is_default = app.settings.sources.get("node") == Some(&Source::Default);
            let rpc = match (&up_file, node_is_default) {
                (Some(up), true) => up.rpc_url.clone(),
                _ => app.settings.node.clone(),
            };
            let no_keys = || {
                anyhow!(
                    "no dev keys in {}: start the marketplace first with `kumo up` (in another \
                     terminal), or run `kumo demo --standalone`",
                    data_dir.display()
                )
            };
            // Only look: opening a keyring creates its directory.
            let keyring_dir = data_dir.join(up::layout::KEYRING);
            if !keyring_dir.is_dir() {
                return Err(no_keys());
            }
            let keyring = Keyring::open(
                &keyring_dir,
                KeyringBackend::Test,
                &app.settings.bech32_prefix,
            )?;
            if keyring.show("tenant").is_err() {
                return Err(no_keys());
            }
            println!(
                "using the marketplace of `kumo up` at {rpc} ({})",
                data_dir.display()
            );
            (rpc, keyring)
        };

        let result = async {
            let client = ChainClient::connect(ChainConfig {
                rpc_url: rpc_url.clone(),
                ..app.chain_config()
            })
            .await
            .with_context(|| {
                format!(
                    "cannot reach the marketplace at {rpc_url}: start it with `kumo up` in \
                     another terminal, or run `kumo demo --standalone`"
                )
            })?;
            let unlock = |name: &str| keyring.unlock(name, None);
            let ctx = Ctx {
                tenant: client.signer(unlock("tenant")?),
                tenant_key: Arc::new(unlock("tenant")?),
                provider: client.signer(unlock(up::PROVIDER_KEY)?),
                holder: client.signer(unlock("holder")?),
                client,
                take_rate: args.take_rate.clone(),
                sdl: args.sdl.clone(),
            };
            journey(&ctx).await
        }
        .await;

        if let Some((market, _dir)) = own {
            println!("\nstopping the demo's own marketplace");
            let provider = market.up.provider.clone();
            if let Err(e) = market.shutdown().await {
                eprintln!("warning: {e:#}");
            }
            remove_containers_of(&provider, args.network).await;
        }
        result?;
        println!(
            "\ndemo passed: all 9 steps verified in {:.1}s",
            started.elapsed().as_secs_f64()
        );
        Ok(())
    }

    async fn journey(ctx: &Ctx) -> anyhow::Result<()> {
        let client = &ctx.client;
        let market_addr = client.contracts().market.clone();
        let gov_addr = client.contracts().governance.clone();
        let tenant = ctx.tenant.address().to_string();
        let provider_addr = ctx.provider.address().to_string();
        let registered: Provider = client
            .query_registry(&RegistryQuery::Provider {
                address: provider_addr.clone(),
            })
            .await
            .with_context(|| {
                format!(
                    "the local provider {provider_addr} is not registered: is `kumo up` running \
                     with this data directory?"
                )
            })?;
        let has_gpu = registered
            .attributes
            .iter()
            .any(|a| a.key.starts_with(kumo_types::gpu::CAPABILITY_PREFIX));
        let (sdl_name, sdl) = choose_sdl(ctx, has_gpu)?;
        let spec = sdl.groups[0].clone();
        let denom = spec.price_denom().to_string();
        let mut steps = Steps::new(9);

        // 1. Deployment.
        steps.begin(format!(
            "create a deployment from {sdl_name} ({})",
            if has_gpu {
                "this machine has a GPU"
            } else {
                "CPU: this machine has no GPU"
            }
        ));
        let r = async {
            ensure_images(&sdl)?;
            let dseq = client.latest_height().await?;
            let deposit = Coin::new(DEPOSIT, denom.clone());
            let out = ctx
                .tenant
                .execute(
                    &market_addr,
                    &MarketMsg::CreateDeployment {
                        dseq,
                        groups: sdl.groups.clone(),
                        manifest_hash: HexBinary::from(sdl.manifest_hash.to_vec()),
                    },
                    std::slice::from_ref(&deposit),
                )
                .await?;
            let id = DeploymentId::new(&tenant, dseq);
            let created = out.kumo_events().into_iter().any(|e| {
                matches!(&e, KumoEvent::DeploymentCreated { id: got, manifest_hash }
                    if got == &id && *manifest_hash == sdl.manifest_hash_hex())
            });
            if !created {
                bail!(
                    "no deployment_created event for {tenant}/{dseq} in tx {}",
                    out.hash
                );
            }
            let dep: DeploymentResponse = client
                .query_market(&MarketQuery::Deployment { id: id.clone() })
                .await?;
            if dep.deployment.state != DeploymentState::Active || dep.groups.len() != 1 {
                bail!("deployment {tenant}/{dseq} is not active with one group");
            }
            detail(format!(
                "deployment {tenant}/{dseq}: group {:?}, deposit {}, max price {}/block",
                dep.groups[0].spec.name,
                output::coin_amount(deposit.amount, &deposit.denom),
                output::price_per_block(&kumo_types::coins::DecCoin {
                    denom: denom.clone(),
                    amount: spec.max_price()
                })
            ));
            detail(format!(
                "manifest hash {} (tx {} at height {})",
                sdl.manifest_hash_hex(),
                out.hash,
                out.height
            ));
            Ok((id, dep.groups[0].id.order(dep.groups[0].oseq), out.height))
        }
        .await;
        let (deployment, order, created_at) = steps.end(r)?;

        // 2. Bids.
        steps.begin("wait for bids");
        let r = async {
            let bids: Vec<Bid> = poll(
                Duration::from_secs(90),
                Duration::from_millis(500),
                "no bid from the local provider",
                || async {
                    let bids = market::all_bids(client, &order).await?;
                    let ours = bids.iter().any(|b| {
                        b.id.provider.as_str() == provider_addr && market::bid_meets(&spec, b)
                    });
                    Ok(ours.then_some(bids))
                },
            )
            .await?;
            let height = client.latest_height().await?;
            for b in &bids {
                detail(format!(
                    "bid from {}: {}/block{}",
                    b.id.provider,
                    output::price_per_block(&b.price),
                    b.offer
                        .units
                        .iter()
                        .filter_map(|u| u.gpu.as_ref())
                        .map(|g| format!(", offers {}", crate::format::gpu_spec(g)))
                        .collect::<String>()
                ));
            }
            detail(format!(
                "{} bid(s) within {} block(s) of the order",
                bids.len(),
                height.saturating_sub(created_at)
            ));
            Ok(bids)
        }
        .await;
        let bids = steps.end(r)?;

        // 3. Lease.
        steps.begin("lease the cheapest bid");
        let r = async {
            let cheapest = market::cheapest(&spec, &bids)
                .ok_or_else(|| anyhow!("no bid meets the order"))?
                .clone();
            let out = ctx
                .tenant
                .execute(
                    &market_addr,
                    &MarketMsg::CreateLease {
                        bid: cheapest.id.clone(),
                    },
                    &[],
                )
                .await?;
            let lease_id: LeaseId = cheapest.id.clone();
            let created = out
                .kumo_events()
                .into_iter()
                .any(|e| matches!(&e, KumoEvent::LeaseCreated { id, .. } if id == &lease_id));
            let lease: Lease = client
                .query_market(&MarketQuery::Lease {
                    id: lease_id.clone(),
                })
                .await?;
            if !created || lease.state != LeaseState::Active {
                bail!("lease {lease_id} is not active after tx {}", out.hash);
            }
            detail(format!(
                "lease {lease_id} at {}/block (tx {} at height {})",
                output::price_per_block(&lease.price),
                out.hash,
                out.height
            ));
            Ok(lease)
        }
        .await;
        let lease = steps.end(r)?;
        let lease_id = lease.id.clone();
        let lease_provider: Provider = if lease_id.provider.as_str() == provider_addr {
            registered.clone()
        } else {
            client
                .query_registry(&RegistryQuery::Provider {
                    address: lease_id.provider.to_string(),
                })
                .await?
        };
        let gateway = GatewayClient::new(
            &lease_provider.host_uri,
            &lease_provider.tls_cert_fingerprint,
        )?
        .with_key(ctx.tenant_key.clone(), lease_id.provider.to_string());

        // 4. Manifest.
        steps.begin(format!(
            "send the manifest to the provider's gateway ({})",
            lease_provider.host_uri
        ));
        let r = async {
            let accepted = gateway
                .send_manifest(deployment.dseq, sdl.manifest_json())
                .await?;
            if accepted.manifest_hash != sdl.manifest_hash_hex() {
                bail!(
                    "the gateway accepted manifest hash {}, not {}",
                    accepted.manifest_hash,
                    sdl.manifest_hash_hex()
                );
            }
            let ours = LeaseRef {
                gseq: lease_id.gseq,
                oseq: lease_id.oseq,
            };
            if !accepted.leases.contains(&ours) {
                bail!(
                    "the gateway does not deploy lease {lease_id}: {:?}",
                    accepted.leases
                );
            }
            detail(format!(
                "accepted over TLS pinned to sha256 {}: {}",
                &lease_provider.tls_cert_fingerprint
                    [..16.min(lease_provider.tls_cert_fingerprint.len())],
                accepted
                    .message
                    .clone()
                    .unwrap_or_else(|| "deploying".into())
            ));
            Ok(())
        }
        .await;
        steps.end(r)?;

        // 5. Running, with logs.
        steps.begin("the container runs; its output through `kumo lease logs`");
        let r = async {
            let sent = Instant::now();
            let status = poll(
                Duration::from_secs(120),
                Duration::from_millis(500),
                if has_gpu {
                    "the lease's containers are not running (a GPU container needs Docker's \
                     NVIDIA runtime: install nvidia-container-toolkit and run `nvidia-ctk runtime \
                     configure --runtime=docker`)"
                } else {
                    "the lease's containers are not running"
                },
                || async {
                    let status = gateway
                        .lease_status(lease_id.dseq, lease_id.gseq, lease_id.oseq)
                        .await?;
                    Ok(status.all_running().then_some(status))
                },
            )
            .await?;
            for c in status.services.iter().flat_map(|s| &s.containers) {
                detail(format!(
                    "container {} ({}) {}{}",
                    c.id,
                    c.image,
                    c.state,
                    if c.gpu_uuids.is_empty() {
                        String::new()
                    } else {
                        format!(", GPUs {}", c.gpu_uuids.join(", "))
                    }
                ));
            }
            detail(format!(
                "running {:.1}s after the manifest was sent",
                sent.elapsed().as_secs_f64()
            ));
            let lines = poll(
                Duration::from_secs(60),
                Duration::from_secs(1),
                "fewer than 3 lines of output",
                || async {
                    let query = LogsQuery {
                        tail: Some(5),
                        follow: false,
                        service: None,
                    };
                    let mut stream = gateway
                        .lease_logs(lease_id.dseq, lease_id.gseq, lease_id.oseq, &query)
                        .await?;
                    let mut lines = Vec::new();
                    while let Some(line) = stream.next().await {
                        lines.push(line?);
                    }
                    let hello = lines.iter().filter(|l| l.line.contains(HELLO)).count();
                    Ok((hello >= 3 || (ctx.sdl.is_some() && lines.len() >= 3)).then_some(lines))
                },
            )
            .await?;
            detail(format!(
                "kumo lease logs --dseq {} --from tenant --tail 5:",
                lease_id.dseq
            ));
            for l in &lines {
                detail(format!("| [{}] {}", l.service, l.line));
            }
            Ok(())
        }
        .await;
        steps.end(r)?;

        // 6. Escrow.
        steps.begin("the escrow pays the lease block by block");
        let escrow = |id: DeploymentId| async move {
            let at = client.latest_height().await?;
            let e: EscrowResponse = client.query_market(&MarketQuery::Escrow { id }).await?;
            anyhow::Ok((at, e))
        };
        let paid = |e: &EscrowResponse| -> Uint256 {
            e.payments
                .iter()
                .map(|p| p.unwithdrawn + p.withdrawn)
                .fold(Uint256::zero(), |a, b| a + b)
        };
        let r = async {
            let (h1, e1) = escrow(deployment.clone()).await?;
            poll(
                Duration::from_secs(30),
                Duration::from_millis(250),
                "the chain made no 3 blocks",
                || async { Ok((client.latest_height().await? >= h1 + 3).then_some(())) },
            )
            .await?;
            let (h2, e2) = escrow(deployment.clone()).await?;
            let (b1, b2) = (e1.account.balance, e2.account.balance);
            let (p1, p2) = (paid(&e1), paid(&e2));
            if b2 >= b1 || p2 <= p1 {
                bail!("the escrow did not pay: balance {b1} -> {b2}, paid {p1} -> {p2}");
            }
            if b1 - b2 != p2 - p1 {
                bail!(
                    "escrow paid {} but the leases earned {}: funds are not conserved",
                    b1 - b2,
                    p2 - p1
                );
            }
            let rate = e2
                .payments
                .iter()
                .find(|p| p.lease == lease_id)
                .map(|p| p.rate)
                .ok_or_else(|| anyhow!("no payment stream for lease {lease_id}"))?;
            detail(format!(
                "height {h1} -> {h2}: escrow balance {} -> {}, the lease earned {} at {rate}{denom}/block",
                output::coin_amount(b1, &denom),
                output::coin_amount(b2, &denom),
                output::coin_amount(p2 - p1, &denom)
            ));
            if let Some(left) = e2.blocks_remaining {
                detail(format!("the deposit pays for {left} more blocks"));
            }
            Ok(())
        }
        .await;
        steps.end(r)?;

        // 7. Withdraw, take burned.
        steps.begin("the provider withdraws; the take is burned");
        let withdraw = |expected_rate: Decimal| {
            let lease_id = lease_id.clone();
            let market_addr = market_addr.clone();
            let denom = denom.clone();
            async move {
                let params: MarketParams = client.query_market(&MarketQuery::Params {}).await?;
                let rate = params.take_rate(&denom);
                if rate != expected_rate {
                    bail!("the market's take rate is {rate}, expected {expected_rate}");
                }
                let out = execute_retrying(
                    &ctx.provider,
                    &market_addr,
                    &MarketMsg::WithdrawLease {
                        id: lease_id.clone(),
                    },
                    &[],
                )
                .await?;
                let (net, take) = withdrawn(&out, &lease_id)
                    .ok_or_else(|| anyhow!("no lease_withdrawn event in tx {}", out.hash))?;
                let earned = net + take;
                let expected = earned.checked_mul_floor(rate)?;
                if take != expected {
                    bail!("take {take} of {earned} earned is not {rate} of it ({expected})");
                }
                let burnt = burned(&out, &denom);
                match params.take_destination {
                    FundsDestination::Burn if Uint256::from(burnt) != take => {
                        bail!("the take is {take}{denom} but {burnt}{denom} was burned")
                    }
                    FundsDestination::Burn if take.is_zero() => {
                        bail!("nothing was taken from {earned}{denom}: too little earned")
                    }
                    _ => {}
                }
                detail(format!(
                    "earned {}: the provider got {}; the {} take, {}, was {} (tx {})",
                    output::coin_amount(earned, &denom),
                    output::coin_amount(net, &denom),
                    percent(rate),
                    output::coin_amount(take, &denom),
                    match params.take_destination {
                        FundsDestination::Burn =>
                            format!("burned (bank burn event: {burnt}{denom})"),
                        FundsDestination::CommunityPool => "sent to the community pool".into(),
                    },
                    out.hash
                ));
                anyhow::Ok(take)
            }
        };
        let params: MarketParams = client.query_market(&MarketQuery::Params {}).await?;
        let old_rate = params.take_rate(&denom);
        let r = withdraw(old_rate).await;
        steps.end(r)?;

        // 8. Governance.
        steps.begin("governance changes the take rate; the next withdrawal pays the new rate");
        let r = async {
            let new_rate = next_take_rate(ctx.take_rate.as_deref(), old_rate)?;
            let gparams: GovernanceParams = client.query_governance(&GovQuery::Params {}).await?;
            let holder = &ctx.holder;
            holder
                .execute(
                    &gov_addr,
                    &GovMsg::Stake {},
                    &[Coin::new(STAKE, gparams.staking_denom.clone())],
                )
                .await?;
            detail(format!(
                "holder {} staked {}",
                holder.address(),
                output::coin_amount(Uint256::from(STAKE), &gparams.staking_denom)
            ));
            let title = format!("Set the {denom} take rate to {}", percent(new_rate));
            let out = holder
                .execute(
                    &gov_addr,
                    &GovMsg::SubmitProposal {
                        title: title.clone(),
                        description: format!(
                            "kumo demo: the market takes {} of every payout in {denom} instead \
                             of {}, and burns it.",
                            percent(new_rate),
                            percent(old_rate)
                        ),
                        actions: vec![ProposalAction::UpdateMarketParams(MarketParamsUpdate {
                            take_rates: Some(vec![TakeRate {
                                denom: denom.clone(),
                                rate: new_rate,
                            }]),
                            ..Default::default()
                        })],
                        expedited: false,
                    },
                    std::slice::from_ref(&gparams.min_deposit),
                )
                .await?;
            let (id, voting_end) = out
                .kumo_events()
                .into_iter()
                .find_map(|e| match e {
                    KumoEvent::VotingStarted { id, voting_end, .. } => Some((id, voting_end)),
                    _ => None,
                })
                .ok_or_else(|| anyhow!("the proposal did not enter voting (tx {})", out.hash))?;
            detail(format!("proposal {id} \"{title}\": voting started"));
            holder
                .execute(
                    &gov_addr,
                    &GovMsg::Vote {
                        id,
                        option: VoteOption::Yes,
                    },
                    &[],
                )
                .await?;
            let wait = voting_end.seconds().saturating_sub(now_unix()) + 1;
            detail(format!(
                "holder voted yes; voting ends in {wait}s (voting period {}s)",
                gparams.voting_period_seconds
            ));
            tokio::time::sleep(Duration::from_secs(wait)).await;
            let tallied = poll(
                Duration::from_secs(30),
                Duration::from_secs(1),
                "the proposal could not be tallied",
                || async {
                    match holder.execute(&gov_addr, &GovMsg::Tally { id }, &[]).await {
                        Ok(out) => Ok(Some(out)),
                        Err(ClientError::Contract { .. }) => Ok(None),
                        Err(e) => Err(e.into()),
                    }
                },
            )
            .await?;
            let status = tallied.kumo_events().into_iter().find_map(|e| match e {
                KumoEvent::ProposalTallied { id: got, status, .. } if got == id => Some(status),
                _ => None,
            });
            if status != Some(ProposalStatus::Passed) {
                bail!("proposal {id} was tallied as {status:?}, not passed");
            }
            let proposal: ProposalResponse =
                client.query_governance(&GovQuery::Proposal { id }).await?;
            let at = proposal
                .proposal
                .executable_at
                .map(|t| t.seconds())
                .unwrap_or_else(now_unix);
            let wait = at.saturating_sub(now_unix()) + 1;
            let tally = &proposal.proposal.tally;
            detail(format!(
                "passed (yes {}, no {}, of {} staked); executable after the {}s timelock, in {wait}s",
                tally.yes,
                tally.no,
                proposal.proposal.total_power,
                gparams.timelock_seconds
            ));
            tokio::time::sleep(Duration::from_secs(wait)).await;
            let executed = poll(
                Duration::from_secs(30),
                Duration::from_secs(1),
                "the proposal could not be executed",
                || async {
                    match holder
                        .execute(&gov_addr, &GovMsg::ExecuteProposal { id }, &[])
                        .await
                    {
                        Ok(out) => Ok(Some(out)),
                        Err(ClientError::Contract { .. }) => Ok(None),
                        Err(e) => Err(e.into()),
                    }
                },
            )
            .await?;
            let ok = executed
                .kumo_events()
                .into_iter()
                .any(|e| matches!(e, KumoEvent::ProposalExecuted { id: got } if got == id));
            if !ok {
                let after: ProposalResponse =
                    client.query_governance(&GovQuery::Proposal { id }).await?;
                bail!(
                    "proposal {id} did not execute: {}",
                    after.proposal.failure.unwrap_or_else(|| "no reason given".into())
                );
            }
            let params: MarketParams = client.query_market(&MarketQuery::Params {}).await?;
            if params.take_rate(&denom) != new_rate {
                bail!(
                    "the market's take rate is {} after the proposal, not {new_rate}",
                    params.take_rate(&denom)
                );
            }
            detail(format!(
                "executed: the market's take rate is now {} (was {})",
                percent(new_rate),
                percent(old_rate)
            ));
            let from = client.latest_height().await?;
            poll(
                Duration::from_secs(30),
                Duration::from_millis(250),
                "the chain made no 2 blocks",
                || async { Ok((client.latest_height().await? >= from + 2).then_some(())) },
            )
            .await?;
            withdraw(new_rate).await?;
            Ok(())
        }
        .await;
        steps.end(r)?;

        // 9. Close, refunds.
        steps.begin("the tenant closes the deployment; the rest of the escrow is refunded");
        let r = async {
            let before = client.balance(&tenant, &denom).await?;
            let escrow_before: EscrowResponse = client
                .query_market(&MarketQuery::Escrow {
                    id: deployment.clone(),
                })
                .await?;
            let out = ctx
                .tenant
                .execute(
                    &market_addr,
                    &MarketMsg::CloseDeployment {
                        id: deployment.clone(),
                    },
                    &[],
                )
                .await?;
            let after = client.balance(&tenant, &denom).await?;
            let fee = client.config().gas_prices.fee_for(out.gas_wanted);
            let refund = Uint256::from(transferred(&out, &market_addr, &tenant, &denom));
            if refund.is_zero() {
                bail!("no refund to the tenant in tx {}", out.hash);
            }
            if after + fee != before + refund {
                bail!(
                    "the tenant's balance went {before} -> {after} with a fee of {fee} and a \
                     refund of {refund}: they do not add up"
                );
            }
            let closed = out
                .kumo_events()
                .into_iter()
                .any(|e| matches!(&e, KumoEvent::LeaseClosed { id, .. } if id == &lease_id));
            let dep: DeploymentResponse = client
                .query_market(&MarketQuery::Deployment {
                    id: deployment.clone(),
                })
                .await?;
            if !closed || dep.deployment.state != DeploymentState::Closed {
                bail!(
                    "the deployment or its lease is not closed after tx {}",
                    out.hash
                );
            }
            if !dep.escrow.balance.is_zero() {
                bail!("{} is left in the escrow", dep.escrow.balance);
            }
            let final_take = withdrawn(&out, &lease_id)
                .map(|(_, t)| t)
                .unwrap_or_default();
            detail(format!(
                "refunded {} to the tenant (of {} deposited; the leases were paid {})",
                output::coin_amount(refund, &denom),
                output::coin_amount(Uint256::from(DEPOSIT), &denom),
                output::coin_amount(
                    escrow_before.account.transferred
                        + (escrow_before.account.balance.saturating_sub(refund)),
                    &denom
                )
            ));
            detail(format!(
                "lease {lease_id} closed; its last payout's take, {}, was {} (tx {})",
                output::coin_amount(final_take, &denom),
                if burned(&out, &denom) > 0 {
                    "burned"
                } else {
                    "taken"
                },
                out.hash
            ));
            poll(
                Duration::from_secs(60),
                Duration::from_secs(1),
                "the provider did not stop the lease's containers",
                || async {
                    match gateway
                        .lease_status(lease_id.dseq, lease_id.gseq, lease_id.oseq)
                        .await
                    {
                        Ok(status) => Ok(status
                            .services
                            .iter()
                            .flat_map(|s| &s.containers)
                            .all(|c| c.state != "running")
                            .then_some(())),
                        Err(_) => Ok(Some(())),
                    }
                },
            )
            .await?;
            detail("the provider removed the lease's containers");
            Ok(())
        }
        .await;
        steps.end(r)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cosmwasm_std::Decimal;

    #[test]
    fn bank_amounts_are_read_per_denom() {
        assert_eq!(amount_in("11uakt", "uakt"), 11);
        assert_eq!(amount_in("3ufoo,11uakt", "uakt"), 11);
        assert_eq!(amount_in("3ufoo", "uakt"), 0);
        assert_eq!(amount_in("", "uakt"), 0);
    }

    #[test]
    fn the_proposed_rate_differs_from_the_current_one() {
        assert_eq!(
            next_take_rate(None, Decimal::percent(2)).unwrap(),
            Decimal::percent(5)
        );
        assert_eq!(
            next_take_rate(None, Decimal::percent(5)).unwrap(),
            Decimal::percent(3)
        );
        assert_eq!(
            next_take_rate(Some("0.1"), Decimal::percent(2)).unwrap(),
            Decimal::percent(10)
        );
        assert!(next_take_rate(Some("0.02"), Decimal::percent(2)).is_err());
        assert!(next_take_rate(Some("1"), Decimal::percent(2)).is_err());
        assert!(next_take_rate(Some("lots"), Decimal::percent(2)).is_err());
        assert_eq!(percent(Decimal::percent(2)), "2%");
        assert_eq!(percent(Decimal::permille(25)), "2.5%");
    }

    #[test]
    fn the_demo_sdls_parse_and_run_the_local_image() {
        for text in [DEMO_SDL, DEMO_GPU_SDL] {
            let sdl = kumo_sdl::parse(text).unwrap();
            assert_eq!(sdl.groups.len(), 1);
            let images: Vec<&str> = sdl
                .manifest
                .0
                .iter()
                .flat_map(|g| g.services.iter().map(|s| s.image.as_str()))
                .collect();
            assert_eq!(images, [LOCAL_IMAGE]);
            assert!(sdl.manifest_json().contains(HELLO));
        }
        let gpu = kumo_sdl::parse(DEMO_GPU_SDL).unwrap();
        assert!(gpu.groups[0]
            .resources
            .iter()
            .any(|u| u.resource.gpu.units.val.u64() > 0));
    }
}
