//! Checks before the daemon bids: the provider is registered; the registered attributes are
//! what the configuration and the GPU inventory say (or, with `--sync-registry`, are made so);
//! the gateway certificate is the one tenants pin; and enough collateral is bonded for the GPUs
//! on offer. Each refusal says what to run to fix it.

use std::collections::BTreeSet;

use cosmwasm_std::Uint256;
use kumo_client::ClientError;
use kumo_types::attributes::Attribute;
use kumo_types::registry::{
    CollateralResponse, ExecuteMsg as RegistryMsg, Provider, ProviderDetails,
    QueryMsg as RegistryQuery, RegistryParams,
};
use tracing::{info, warn};

use super::chain::Chain;
use super::options::DaemonOptions;
use crate::config::Config;
use crate::inventory::Inventory;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(
        "provider {address} is not registered ({reason}): register it with `kumo provider \
         register provider.yaml --from {key}` and bond collateral with `kumo provider bond \
         <amount> --from {key}`, then start the daemon again"
    )]
    NotRegistered {
        address: String,
        key: String,
        reason: String,
    },
    #[error(
        "the registered attributes differ from provider.yaml and the GPU inventory (not on \
         chain: [{}]; on chain only: [{}]): start with --sync-registry to update the \
         registration, or run `kumo provider update provider.yaml --from {key}`",
        missing.join(", "), extra.join(", ")
    )]
    AttributesDiffer {
        missing: Vec<String>,
        extra: Vec<String>,
        key: String,
    },
    #[error(
        "the gateway certificate's fingerprint {local} is not the registered {registered}: \
         tenants would refuse the gateway; start with --sync-registry to register the new \
         certificate, or configure the registered one under gateway.tls_cert/tls_key"
    )]
    FingerprintDiffers { local: String, registered: String },
    #[error(
        "{bonded}{denom} of collateral is bonded but leasing one GPU needs {required}{denom}: \
         bond more with `kumo provider bond {short}{denom} --from {key}`"
    )]
    Collateral {
        bonded: Uint256,
        required: Uint256,
        short: Uint256,
        denom: String,
        key: String,
    },
    #[error("startup check: {0}")]
    Chain(#[from] ClientError),
}

/// The attributes the registry should hold: the configured placement attributes and one
/// capability per GPU kind in the inventory.
pub fn desired_attributes(config: &Config, inventory: &Inventory) -> Vec<Attribute> {
    let mut all: Vec<Attribute> = config.attributes.clone();
    all.extend(inventory.capability_attributes());
    all.sort_by(|a, b| a.key.cmp(&b.key));
    all.dedup_by(|a, b| a.key == b.key);
    all
}

fn as_set(attributes: &[Attribute]) -> BTreeSet<String> {
    attributes
        .iter()
        .map(|a| format!("{}={}", a.key, a.value))
        .collect()
}

/// Runs every check; with `options.sync_registry`, sends one `UpdateProvider` for whatever
/// differs. Returns the provider as registered (after any update).
pub async fn check(
    chain: &Chain,
    config: &Config,
    inventory: &Inventory,
    options: &DaemonOptions,
) -> Result<Provider, StartupError> {
    let address = chain.address().to_string();
    let key = config.chain.key.clone();
    let mut provider: Provider = match chain
        .registry(&RegistryQuery::Provider {
            address: address.clone(),
        })
        .await
    {
        Ok(p) => p,
        Err(ClientError::Contract { message }) => {
            return Err(StartupError::NotRegistered {
                address,
                key,
                reason: message,
            })
        }
        Err(e) => return Err(e.into()),
    };

    let desired = desired_attributes(config, inventory);
    let (want, have) = (as_set(&desired), as_set(&provider.attributes));
    let missing: Vec<String> = want.difference(&have).cloned().collect();
    let extra: Vec<String> = have.difference(&want).cloned().collect();
    let attributes_differ = !missing.is_empty() || !extra.is_empty();
    let fingerprint = options
        .tls_fingerprint
        .as_ref()
        .filter(|fp| **fp != provider.tls_cert_fingerprint);
    if options.tls_fingerprint.is_none() {
        warn!("no gateway in this process: the certificate fingerprint is not checked");
    }

    if attributes_differ || fingerprint.is_some() {
        if !options.sync_registry {
            if attributes_differ {
                return Err(StartupError::AttributesDiffer {
                    missing,
                    extra,
                    key,
                });
            }
            return Err(StartupError::FingerprintDiffers {
                local: fingerprint.cloned().unwrap_or_default(),
                registered: provider.tls_cert_fingerprint,
            });
        }
        let details = ProviderDetails {
            host_uri: provider.host_uri.clone(),
            attributes: desired.clone(),
            info: provider.info.clone(),
            tls_cert_fingerprint: fingerprint
                .cloned()
                .unwrap_or_else(|| provider.tls_cert_fingerprint.clone()),
        };
        let outcome = chain
            .signer()
            .execute(
                &chain.client().contracts().registry,
                &RegistryMsg::UpdateProvider(details.clone()),
                &[],
            )
            .await?;
        info!(tx = %outcome.hash, ?missing, ?extra, fingerprint_updated = fingerprint.is_some(),
            "registration updated (--sync-registry)");
        provider.attributes = details.attributes;
        provider.tls_cert_fingerprint = details.tls_cert_fingerprint;
    }

    if !inventory.gpus.is_empty() {
        check_collateral(chain, inventory, &key).await?;
    }
    info!(%address, host_uri = %provider.host_uri, attributes = provider.attributes.len(),
        "registration checked");
    Ok(provider)
}

async fn check_collateral(
    chain: &Chain,
    inventory: &Inventory,
    key: &str,
) -> Result<(), StartupError> {
    let params: RegistryParams = chain.registry(&RegistryQuery::Params {}).await?;
    let collateral: CollateralResponse = chain
        .registry(&RegistryQuery::Collateral {
            provider: chain.address().to_string(),
        })
        .await?;
    let per_gpu = params.min_collateral_per_gpu;
    let bonded = collateral.bonded.amount;
    // Enough for what is leased now plus one more GPU: otherwise no GPU bid can win.
    let required = collateral.required.saturating_add(per_gpu);
    if bonded < required {
        return Err(StartupError::Collateral {
            bonded,
            required,
            short: required - bonded,
            denom: params.collateral_denom,
            key: key.to_string(),
        });
    }
    let all = per_gpu.saturating_mul(Uint256::from(inventory.gpus.len() as u64));
    if bonded < all {
        warn!(%bonded, needed = %all, gpus = inventory.gpus.len(),
            "collateral covers only some of the GPUs: the rest cannot be leased until more is bonded");
    }
    Ok(())
}
