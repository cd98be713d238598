//! The `local-market` genesis profile (what `kumo up` starts): a certified dev auditor and
//! governance periods short enough for a demo; the default profile stays as it was.

use kumo_devnet::app::dev_accounts::{derive_account, roles};
use kumo_devnet::app::genesis::local_market;
use kumo_devnet::app::DEV_MNEMONIC;
use kumo_devnet::{Devnet, DevnetConfig, GenesisProfile};
use serde_json::{json, Value};
use tendermint_rpc::HttpClient;

use crate::common::chain::smart_query;

async fn params_of(profile: GenesisProfile) -> Option<(Value, Value)> {
    let artifacts = crate::common::artifacts_dir()?;
    let mut config = DevnetConfig::in_memory();
    config.artifacts = Some(artifacts);
    config.artifacts_required = true;
    config.profile = profile;
    let devnet = Devnet::spawn(config).await.expect("the devnet starts");
    let contracts = devnet.genesis_contracts().await;
    let address = |label: &str| {
        contracts
            .iter()
            .find(|c| c.label == label)
            .unwrap_or_else(|| panic!("no {label} contract at genesis"))
            .address
            .clone()
    };
    let client = HttpClient::new(devnet.rpc_url().as_str()).unwrap();
    let registry = smart_query(&client, &address("registry"), &json!({ "params": {} })).await;
    let governance = smart_query(&client, &address("governance"), &json!({ "params": {} })).await;
    devnet.shutdown().await;
    Some((registry, governance))
}

#[tokio::test]
async fn local_market_certifies_the_dev_auditor_and_shortens_governance() {
    let Some((registry, governance)) = params_of(GenesisProfile::LocalMarket).await else {
        eprintln!("skipped: no contract artifacts (run scripts/build-wasm.sh)");
        return;
    };
    let auditor = derive_account(DEV_MNEMONIC, roles::AUDITOR, "kumo")
        .unwrap()
        .address;
    assert_eq!(registry["certified_auditors"], json!([auditor]));
    assert_eq!(
        governance["voting_period_seconds"],
        json!(local_market::VOTING_PERIOD_SECONDS)
    );
    assert_eq!(
        governance["timelock_seconds"],
        json!(local_market::TIMELOCK_SECONDS)
    );
    assert_eq!(
        governance["max_deposit_period_seconds"],
        json!(local_market::MAX_DEPOSIT_PERIOD_SECONDS)
    );
    // Short enough for a demo.
    const { assert!(local_market::VOTING_PERIOD_SECONDS <= 30 && local_market::TIMELOCK_SECONDS <= 10) };

    // The default profile is unchanged: nobody certified, minutes-long periods.
    let (registry, governance) = params_of(GenesisProfile::Default).await.unwrap();
    assert_eq!(registry["certified_auditors"], json!([]));
    assert_eq!(governance["voting_period_seconds"], json!(600));
    assert_eq!(governance["timelock_seconds"], json!(60));
}
