//! Connecting: the node must answer and be on the configured chain; Kumo's contracts are found
//! by label unless given.

use kumo_client::config::ContractAddresses;
use kumo_client::{ChainClient, ClientError};

use crate::common::{self, config};

#[tokio::test]
async fn connect_checks_chain_id_and_discovers_contracts_by_label() {
    let devnet = common::devnet().await;
    let client = common::connect(&devnet).await;
    // Blocks come on demand: none yet.
    assert_eq!(client.latest_height().await.unwrap(), 0);

    let genesis = devnet.genesis_contracts().await;
    let by_label = |label: &str| {
        genesis
            .iter()
            .find(|c| c.label == label)
            .unwrap_or_else(|| panic!("genesis deployed {label}"))
            .address
            .clone()
    };
    let contracts = client.contracts();
    assert_eq!(contracts.market, by_label("market"));
    assert_eq!(contracts.registry, by_label("registry"));
    assert_eq!(contracts.governance, by_label("governance"));
    assert_ne!(contracts.market, contracts.registry);

    // Addresses given in the config are used as given; only the missing ones are looked up.
    let mut given = config(&devnet.rpc_url());
    given.contracts = ContractAddresses {
        market: Some(contracts.registry.clone()),
        registry: None,
        governance: None,
    };
    let client2 = ChainClient::connect(given).await.unwrap();
    assert_eq!(client2.contracts().market, contracts.registry);
    assert_eq!(client2.contracts().governance, contracts.governance);

    // Another chain id is refused, naming both.
    let mut other = config(&devnet.rpc_url());
    other.chain_id = "kumo-mainnet-1".into();
    let err = ChainClient::connect(other).await.unwrap_err();
    match &err {
        ClientError::ChainIdMismatch { expected, actual } => {
            assert_eq!(expected, "kumo-mainnet-1");
            assert_eq!(actual, "kumo-devnet-1");
        }
        other => panic!("expected a chain id mismatch, got {other:?}"),
    }
    assert!(
        err.to_string().contains("--chain-id kumo-devnet-1"),
        "{err}"
    );
    devnet.shutdown().await;
}

#[tokio::test]
async fn an_unreachable_node_is_reported_with_what_to_do() {
    let port = common::closed_port().await;
    let url = format!("http://127.0.0.1:{port}");
    let started = std::time::Instant::now();
    let err = ChainClient::connect(config(&url)).await.unwrap_err();
    match &err {
        ClientError::Unreachable { url: reported, .. } => assert_eq!(reported, &url),
        other => panic!("expected Unreachable, got {other:?}"),
    }
    let message = err.to_string();
    eprintln!("{message}");
    assert!(
        message.contains(&url) && message.contains("is it running?"),
        "{message}"
    );
    // Three retries with 20 ms doubling backoff, not the request timeout.
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
}

#[tokio::test]
async fn a_chain_without_kumo_contracts_says_which_is_missing() {
    let devnet = common::bare_devnet().await;
    let err = ChainClient::connect(config(&devnet.rpc_url()))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ClientError::ContractNotFound { label } if label == "market"),
        "{err:?}"
    );
    assert!(err.to_string().contains("contracts.market"), "{err}");
    devnet.shutdown().await;
}
