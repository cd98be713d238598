//! Kumo's market through the client: typed execute and query, decoded contract errors (from
//! the simulation and from DeliverTx), Kumo events out of the tx, and a tx mixing a contract
//! call with a bank send.

use kumo_client::config::GasSetting;
use kumo_client::tx::{bank_send_msg, wasm_execute_msg};
use kumo_client::{ChainClient, ClientError};
use kumo_types::events::KumoEvent;
use kumo_types::ids::DeploymentId;
use kumo_types::market::{DeploymentResponse, QueryMsg};

use crate::common::{self, create_deployment, dev_key, uakt, MIN_DEPOSIT};

fn deployment_id(owner: &str, dseq: u64) -> DeploymentId {
    DeploymentId {
        owner: cosmwasm_std::Addr::unchecked(owner),
        dseq,
    }
}

#[tokio::test]
async fn market_execute_query_events_and_contract_errors() {
    let devnet = common::devnet().await;
    let client = common::connect(&devnet).await;
    let tenant = client.signer(dev_key(0));
    let market = client.contracts().market.clone();

    let outcome = tenant
        .execute(&market, &create_deployment(1), &uakt(MIN_DEPOSIT))
        .await
        .unwrap();
    let events = outcome.kumo_events();
    assert!(
        events.iter().any(|e| matches!(e,
            KumoEvent::DeploymentCreated { id, .. } if id.dseq == 1 && id.owner.as_str() == tenant.address())),
        "{events:?}"
    );
    assert!(events
        .iter()
        .any(|e| matches!(e, KumoEvent::OrderCreated { .. })));

    let deployment: DeploymentResponse = client
        .query_market(&QueryMsg::Deployment {
            id: deployment_id(tenant.address(), 1),
        })
        .await
        .unwrap();
    assert_eq!(deployment.deployment.id.dseq, 1);
    assert_eq!(deployment.groups.len(), 1);

    // The contract's own message, when the simulation fails...
    let err = tenant
        .execute(&market, &create_deployment(2), &uakt(1))
        .await
        .unwrap_err();
    match &err {
        ClientError::Contract { message } => assert_eq!(
            message, "funds: deposit of 1uakt is below the minimum of 5000000uakt",
            "{err}"
        ),
        other => panic!("expected the contract's error, got {other:?}"),
    }
    // ...and when the tx fails in the block (fixed gas skips the simulation).
    let mut fixed = common::config(&devnet.rpc_url());
    fixed.gas = GasSetting::Fixed(2_000_000);
    let fixed_client = ChainClient::connect(fixed).await.unwrap();
    let err = fixed_client
        .signer(dev_key(0))
        .execute(&market, &create_deployment(1), &uakt(MIN_DEPOSIT))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ClientError::Contract { message } if message.contains("already exists")),
        "{err:?}"
    );

    // A failed smart query carries the contract's message too.
    let err = client
        .query_market::<DeploymentResponse>(&QueryMsg::Deployment {
            id: deployment_id(tenant.address(), 99),
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ClientError::Contract { message } if message.contains("not found")),
        "{err:?}"
    );

    // A contract call and a bank send in one tx.
    let bob = dev_key(1).address().to_string();
    let bob_before = client.balance(&bob, "uakt").await.unwrap();
    let outcome = tenant
        .send(vec![
            wasm_execute_msg(
                tenant.address(),
                &market,
                &create_deployment(3),
                &uakt(MIN_DEPOSIT),
            )
            .unwrap(),
            bank_send_msg(tenant.address(), &bob, &uakt(11)).unwrap(),
        ])
        .await
        .unwrap();
    assert!(outcome
        .kumo_events()
        .iter()
        .any(|e| matches!(e, KumoEvent::DeploymentCreated { id, .. } if id.dseq == 3)));
    assert_eq!(
        client.balance(&bob, "uakt").await.unwrap(),
        bob_before + cosmwasm_std::Uint256::from(11u32)
    );

    // If any message fails, none applies.
    let err = tenant
        .send(vec![
            bank_send_msg(tenant.address(), &bob, &uakt(13)).unwrap(),
            wasm_execute_msg(tenant.address(), &market, &create_deployment(4), &uakt(1)).unwrap(),
        ])
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Contract { .. }), "{err:?}");
    assert_eq!(
        client.balance(&bob, "uakt").await.unwrap(),
        bob_before + cosmwasm_std::Uint256::from(11u32)
    );
    devnet.shutdown().await;
}
