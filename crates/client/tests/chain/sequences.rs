//! The sequence manager: many concurrent sends from one key, and recovery when the key was
//! used behind the manager's back.

use std::collections::HashSet;

use cosmwasm_std::Uint256;
use kumo_client::config::GasSetting;
use kumo_client::tx::bank_send_msg;
use kumo_client::ChainClient;

use crate::common::{self, dev_key, uakt, DENOM};

#[tokio::test]
async fn twenty_concurrent_sends_from_clones_of_one_signer_are_all_included() {
    let devnet = common::devnet().await;
    let client = common::connect(&devnet).await;
    let signer = client.signer(dev_key(4));
    let bob = dev_key(5).address().to_string();
    let before = client.account(signer.address()).await.unwrap().unwrap();
    let bob_before = client.balance(&bob, DENOM).await.unwrap();

    let tasks: Vec<_> = (0..20u128)
        .map(|i| {
            let signer = signer.clone();
            let bob = bob.clone();
            tokio::spawn(async move {
                let msg = bank_send_msg(signer.address(), &bob, &uakt(i + 1)).unwrap();
                signer.send(vec![msg]).await
            })
        })
        .collect();
    let mut hashes = HashSet::new();
    for task in tasks {
        let outcome = task.await.unwrap().expect("every send is included");
        hashes.insert(outcome.hash);
    }
    assert_eq!(hashes.len(), 20);
    let after = client.account(signer.address()).await.unwrap().unwrap();
    assert_eq!(after.sequence, before.sequence + 20);
    assert_eq!(
        client.balance(&bob, DENOM).await.unwrap(),
        bob_before + Uint256::from((1..=20u32).sum::<u32>())
    );
    devnet.shutdown().await;
}

#[tokio::test]
async fn a_sequence_used_behind_the_managers_back_is_resynced() {
    let devnet = common::devnet().await;
    let bob = dev_key(7).address().to_string();
    for gas in [GasSetting::Auto, GasSetting::Fixed(200_000)] {
        let mut config = common::config(&devnet.rpc_url());
        config.gas = gas;
        let client = ChainClient::connect(config.clone()).await.unwrap();
        let signer = client.signer(dev_key(6));
        // The manager learns the sequence...
        signer
            .send(vec![
                bank_send_msg(signer.address(), &bob, &uakt(1)).unwrap()
            ])
            .await
            .unwrap();
        // ...then another client (its own manager) uses the key twice.
        let other = ChainClient::connect(config)
            .await
            .unwrap()
            .signer(dev_key(6));
        for _ in 0..2 {
            other
                .send(vec![bank_send_msg(other.address(), &bob, &uakt(1)).unwrap()])
                .await
                .unwrap();
        }
        let before = client.account(signer.address()).await.unwrap().unwrap();
        // The stale manager hits "account sequence mismatch", resyncs and retries.
        signer
            .send(vec![
                bank_send_msg(signer.address(), &bob, &uakt(1)).unwrap()
            ])
            .await
            .unwrap_or_else(|e| panic!("{gas}: {e}"));
        let after = client.account(signer.address()).await.unwrap().unwrap();
        assert_eq!(after.sequence, before.sequence + 1, "{gas}");
    }
    devnet.shutdown().await;
}
