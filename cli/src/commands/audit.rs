//! `kumo audit`: an auditor signs (or withdraws its signature on) a provider's attributes.

use anyhow::bail;
use clap::{Args, Subcommand};
use kumo_types::attributes::Attribute;
use kumo_types::registry::{validate_signed_attributes, ExecuteMsg};
use serde_json::json;

use crate::context::App;
use crate::parse::parse_key_value;

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Sign attributes of a provider as the --from key (adds or replaces the signature)
    Sign(SignArgs),
    /// Delete attributes the --from key signed for a provider (none listed: all of them)
    Delete(DeleteArgs),
}

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The provider's address
    pub provider: String,
    /// Attributes as key=value, e.g. region=us-west
    /// capabilities/gpu/vendor/nvidia/model/h100/ram/80Gi/interface/sxm=true
    #[arg(required = true, value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub attributes: Vec<(String, String)>,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// The provider's address
    pub provider: String,
    /// Attribute keys to delete [default: every attribute this auditor signed]
    #[arg(value_name = "KEY")]
    pub keys: Vec<String>,
}

pub async fn run(cmd: &AuditCmd, app: &App) -> anyhow::Result<()> {
    match cmd {
        AuditCmd::Sign(args) => {
            let attributes: Vec<Attribute> = args
                .attributes
                .iter()
                .map(|(k, v)| Attribute::new(k, v))
                .collect();
            if let Err(e) = validate_signed_attributes(&attributes) {
                bail!("{}: {}; fix the KEY=VALUE arguments", e.field, e.reason);
            }
            let session = app.tx_session().await?;
            let registry = session.client.contracts().registry.clone();
            let outcome = app
                .execute_contract(
                    &session,
                    &registry,
                    &ExecuteMsg::SignAttributes {
                        provider: args.provider.clone(),
                        attributes: attributes.clone(),
                    },
                    &[],
                    &format!(
                        "sign {} attribute(s) of provider {} as auditor {}",
                        attributes.len(),
                        args.provider,
                        session.address()
                    ),
                )
                .await?;
            app.print_tx(
                &outcome,
                &format!(
                    "signed {} attribute(s) of {}",
                    attributes.len(),
                    args.provider
                ),
                Some(json!({
                    "provider": args.provider,
                    "auditor": session.address(),
                    "attributes": attributes,
                })),
            );
        }
        AuditCmd::Delete(args) => {
            let session = app.tx_session().await?;
            let registry = session.client.contracts().registry.clone();
            let what = if args.keys.is_empty() {
                "every attribute".to_string()
            } else {
                args.keys.join(", ")
            };
            let outcome = app
                .execute_contract(
                    &session,
                    &registry,
                    &ExecuteMsg::DeleteSignedAttributes {
                        provider: args.provider.clone(),
                        keys: args.keys.clone(),
                    },
                    &[],
                    &format!(
                        "delete the signature on {what} of provider {}",
                        args.provider
                    ),
                )
                .await?;
            app.print_tx(
                &outcome,
                &format!("deleted the signature on {what} of {}", args.provider),
                Some(json!({ "provider": args.provider, "keys": args.keys })),
            );
        }
    }
    Ok(())
}
