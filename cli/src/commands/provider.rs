//! `kumo provider`: register from provider.yaml, inspect providers, manage collateral.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use kumo_types::registry::{
    CollateralResponse, ExecuteMsg, Provider, ProvidersResponse, QueryMsg, RegistryParams,
    SignedAttributesResponse,
};
use serde_json::json;

use crate::commands::market::PageArgs;
use crate::context::App;
use crate::files::read_provider_registration;
use crate::format;
use crate::output;
use crate::parse::parse_coin;

#[derive(Debug, Subcommand)]
pub enum ProviderCmd {
    /// Register the --from key as a provider, from the `registration` section of provider.yaml
    Register(FileArgs),
    /// Update the provider's registration from provider.yaml
    Update(FileArgs),
    /// Deregister (refused while leases are active; bonded collateral stays claimable)
    Deregister,
    /// Show a provider: registration, auditor-signed attributes, collateral
    Get(GetArgs),
    /// List registered providers
    List(PageArgs),
    /// Bond collateral (backs GPU leases; can be slashed by governance)
    Bond(AmountArgs),
    /// Start unbonding collateral; claimable after the unbonding period
    Unbond(AmountArgs),
    /// Claim collateral whose unbonding period has passed
    Claim,
}

#[derive(Debug, Args)]
pub struct FileArgs {
    /// The provider file (see examples/provider.yaml)
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct GetArgs {
    /// The provider's address [default: the --from key's]
    pub address: Option<String>,
}

#[derive(Debug, Args)]
pub struct AmountArgs {
    /// How much, e.g. 1000000uakt
    pub amount: String,
}

pub async fn run(cmd: &ProviderCmd, app: &App) -> anyhow::Result<()> {
    match cmd {
        ProviderCmd::Register(args) | ProviderCmd::Update(args) => {
            let register = matches!(cmd, ProviderCmd::Register(_));
            let details = read_provider_registration(&args.file)?;
            let session = app.tx_session().await?;
            let msg = if register {
                ExecuteMsg::RegisterProvider(details.clone())
            } else {
                ExecuteMsg::UpdateProvider(details.clone())
            };
            let registry = session.client.contracts().registry.clone();
            let verb = if register { "register" } else { "update" };
            let outcome = app
                .execute_contract(
                    &session,
                    &registry,
                    &msg,
                    &[],
                    &format!(
                        "{verb} provider {} at {} with {} attribute(s)",
                        session.address(),
                        details.host_uri,
                        details.attributes.len()
                    ),
                )
                .await?;
            app.print_tx(
                &outcome,
                &format!(
                    "{} provider {}",
                    if register { "registered" } else { "updated" },
                    session.address()
                ),
                Some(json!({ "provider": session.address(), "details": details })),
            );
        }
        ProviderCmd::Deregister => {
            let session = app.tx_session().await?;
            let registry = session.client.contracts().registry.clone();
            let outcome = app
                .execute_contract(
                    &session,
                    &registry,
                    &ExecuteMsg::DeregisterProvider {},
                    &[],
                    &format!("deregister provider {}", session.address()),
                )
                .await?;
            app.print_tx(
                &outcome,
                &format!("deregistered provider {}", session.address()),
                None,
            );
        }
        ProviderCmd::Get(args) => {
            let address = app.address_or_from(args.address.clone(), "provider")?;
            let client = app.connect().await?;
            let provider: Provider = client
                .query_registry(&QueryMsg::Provider {
                    address: address.clone(),
                })
                .await?;
            let collateral: CollateralResponse = client
                .query_registry(&QueryMsg::Collateral {
                    provider: address.clone(),
                })
                .await?;
            let mut signed = Vec::new();
            let mut start_after = None;
            loop {
                let page: SignedAttributesResponse = client
                    .query_registry(&QueryMsg::AllSignedAttributes {
                        provider: address.clone(),
                        start_after: start_after.clone(),
                        limit: Some(100),
                    })
                    .await?;
                let n = page.signed.len();
                start_after = page.signed.last().map(|s| s.auditor.to_string());
                signed.extend(page.signed);
                if n < 100 {
                    break;
                }
            }
            if app.json() {
                output::print_json(&json!({
                    "provider": provider,
                    "signed_attributes": signed,
                    "collateral": collateral,
                }));
            } else {
                print!(
                    "{}",
                    output::key_values(&[
                        ("provider", provider.owner.to_string()),
                        ("host uri", provider.host_uri.clone()),
                        ("tls fingerprint", provider.tls_cert_fingerprint.clone()),
                        ("email", provider.info.email.clone()),
                        ("website", provider.info.website.clone()),
                        ("registered at", format!("height {}", provider.registered_at_height)),
                        (
                            "collateral",
                            format!(
                                "{} bonded, {} required for {} leased GPU(s), {} unbonding entr(ies)",
                                output::coin_amount(collateral.bonded.amount, &collateral.bonded.denom),
                                output::coin_amount(collateral.required, &collateral.bonded.denom),
                                collateral.leased_gpus,
                                collateral.unbonding.len()
                            ),
                        ),
                    ])
                );
                println!("attributes:");
                for a in &provider.attributes {
                    println!("  {}={}", a.key, a.value);
                }
                if signed.is_empty() {
                    println!("signed by auditors: none (`kumo audit sign` adds signatures)");
                } else {
                    println!("signed by auditors:");
                    for s in &signed {
                        println!("  {}: {}", s.auditor, format::attributes(&s.attributes));
                    }
                }
            }
        }
        ProviderCmd::List(page) => {
            let client = app.connect().await?;
            let resp: ProvidersResponse = client
                .query_registry(&QueryMsg::Providers {
                    start_after: page.start_after.clone(),
                    limit: Some(page.limit),
                })
                .await?;
            let next = output::next_page(
                resp.providers.len(),
                page.limit,
                resp.providers.last().map(|p| p.owner.to_string()),
            );
            if app.json() {
                output::print_json(&output::with_next_page(serde_json::to_value(&resp)?, next));
            } else if resp.providers.is_empty() {
                println!("no providers registered");
            } else {
                let rows: Vec<Vec<String>> = resp
                    .providers
                    .iter()
                    .map(|p| {
                        let gpus: Vec<String> = p
                            .attributes
                            .iter()
                            .filter_map(|a| {
                                kumo_types::gpu::GpuSpec::parse_capability_key(&a.key).ok()
                            })
                            .map(|g| format::gpu_spec(&g))
                            .collect();
                        vec![
                            p.owner.to_string(),
                            p.host_uri.clone(),
                            if gpus.is_empty() {
                                "-".into()
                            } else {
                                gpus.join(", ")
                            },
                            format::placement_attributes(&p.attributes),
                        ]
                    })
                    .collect();
                print!(
                    "{}",
                    output::table(&["PROVIDER", "HOST", "GPUS", "ATTRIBUTES"], &rows)
                );
                output::next_page_hint(&next);
            }
        }
        ProviderCmd::Bond(args) => {
            let coin = parse_coin(&args.amount, app.denom()).map_err(anyhow::Error::msg)?;
            let session = app.tx_session().await?;
            let registry = session.client.contracts().registry.clone();
            let outcome = app
                .execute_contract(
                    &session,
                    &registry,
                    &ExecuteMsg::BondCollateral {},
                    std::slice::from_ref(&coin),
                    &format!("bond {}{} of collateral", coin.amount, coin.denom),
                )
                .await?;
            app.print_tx(
                &outcome,
                &format!("bonded {}{}", coin.amount, coin.denom),
                Some(json!({ "amount": coin })),
            );
        }
        ProviderCmd::Unbond(args) => {
            let session = app.tx_session().await?;
            let params: RegistryParams =
                session.client.query_registry(&QueryMsg::Params {}).await?;
            let amount = crate::parse::parse_amount(&args.amount, &params.collateral_denom)
                .map_err(anyhow::Error::msg)?;
            let registry = session.client.contracts().registry.clone();
            let outcome = app
                .execute_contract(
                    &session,
                    &registry,
                    &ExecuteMsg::UnbondCollateral { amount },
                    &[],
                    &format!(
                        "unbond {amount}{} of collateral (claimable in {})",
                        params.collateral_denom,
                        output::human_duration(params.unbonding_period_seconds as f64)
                    ),
                )
                .await?;
            app.print_tx(
                &outcome,
                &format!("unbonding {amount}{}", params.collateral_denom),
                Some(json!({ "amount": amount, "denom": params.collateral_denom })),
            );
        }
        ProviderCmd::Claim => {
            let session = app.tx_session().await?;
            let registry = session.client.contracts().registry.clone();
            let outcome = app
                .execute_contract(
                    &session,
                    &registry,
                    &ExecuteMsg::ClaimCollateral {},
                    &[],
                    "claim unbonded collateral",
                )
                .await?;
            app.print_tx(&outcome, "claimed unbonded collateral", None);
        }
    }
    Ok(())
}
