//! Balances, bank sends, multi-message txs and the errors of sends that cannot work.

use cosmwasm_std::Uint256;
use kumo_client::config::GasSetting;
use kumo_client::keys::{KeyPair, COSMOS_HD_PATH};
use kumo_client::tx::bank_send_msg;
use kumo_client::{ChainClient, ClientError};

use crate::common::{self, dev_key, uakt, DENOM};

#[tokio::test]
async fn balances_bank_sends_and_multi_message_txs() {
    let devnet = common::devnet().await;
    let client = common::connect(&devnet).await;
    let alice = client.signer(dev_key(0));
    let bob = dev_key(1).address().to_string();
    let carol = dev_key(2).address().to_string();

    let balances = client.balances(alice.address()).await.unwrap();
    assert_eq!(balances.len(), 1, "{balances:?}");
    assert_eq!(balances[0].denom, DENOM);
    let alice_before = client.balance(alice.address(), DENOM).await.unwrap();
    assert_eq!(balances[0].amount, alice_before);
    assert_eq!(
        client.balance(alice.address(), "uother").await.unwrap(),
        Uint256::zero()
    );
    let account = client.account(alice.address()).await.unwrap().unwrap();
    let bob_before = client.balance(&bob, DENOM).await.unwrap();

    // One send: simulated gas × 1.4, fee = ceil(gas × 0.025).
    let estimate = alice
        .estimate(&[bank_send_msg(alice.address(), &bob, &uakt(1_000)).unwrap()])
        .await
        .unwrap();
    assert_eq!(
        estimate.amount.amount,
        client.config().gas_prices.fee_for(estimate.gas_limit)
    );
    let outcome = alice
        .send(vec![
            bank_send_msg(alice.address(), &bob, &uakt(1_000)).unwrap()
        ])
        .await
        .unwrap();
    assert_eq!(outcome.hash.len(), 64);
    assert!(outcome.gas_used > 0 && outcome.gas_used <= outcome.gas_wanted);
    // The fee transfer comes first, then the send.
    let recipients: Vec<String> = outcome
        .events
        .iter()
        .filter(|e| e.kind == "transfer")
        .flat_map(kumo_client::events::attributes)
        .filter(|(k, _)| k == "recipient")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(recipients.last(), Some(&bob), "{recipients:?}");
    assert_eq!(
        client.balance(&bob, DENOM).await.unwrap(),
        bob_before + Uint256::from(1_000u32)
    );
    let fee = client.config().gas_prices.fee_for(outcome.gas_wanted);
    assert_eq!(
        client.balance(alice.address(), DENOM).await.unwrap(),
        alice_before - Uint256::from(1_000u32) - fee
    );

    // Two messages, one tx, one sequence.
    let carol_before = client.balance(&carol, DENOM).await.unwrap();
    let outcome = alice
        .send(vec![
            bank_send_msg(alice.address(), &bob, &uakt(7)).unwrap(),
            bank_send_msg(alice.address(), &carol, &uakt(9)).unwrap(),
        ])
        .await
        .unwrap();
    assert!(outcome.height > 0);
    assert_eq!(
        client.balance(&carol, DENOM).await.unwrap(),
        carol_before + Uint256::from(9u32)
    );
    let after = client.account(alice.address()).await.unwrap().unwrap();
    assert_eq!(after.sequence, account.sequence + 2);
    assert_eq!(after.account_number, account.account_number);

    // A fixed gas limit is used as given.
    let mut fixed = common::config(&devnet.rpc_url());
    fixed.gas = GasSetting::Fixed(150_000);
    let fixed_client = ChainClient::connect(fixed).await.unwrap();
    let outcome = fixed_client
        .signer(dev_key(3))
        .send(vec![
            bank_send_msg(dev_key(3).address(), &bob, &uakt(1)).unwrap()
        ])
        .await
        .unwrap();
    assert_eq!(outcome.gas_wanted, 150_000);
    devnet.shutdown().await;
}

#[tokio::test]
async fn sends_that_cannot_work_say_why() {
    let devnet = common::devnet().await;
    let client = common::connect(&devnet).await;
    let alice = client.signer(dev_key(0));

    // More than the balance: insufficient funds, caught by the simulation.
    let balance = client.balance(alice.address(), DENOM).await.unwrap();
    let too_much = vec![cosmwasm_std::Coin::new(balance + Uint256::one(), DENOM)];
    let err = alice
        .send(vec![bank_send_msg(
            alice.address(),
            alice.address(),
            &too_much,
        )
        .unwrap()])
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::InsufficientFunds { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("top up"), "{err}");

    // A key the chain has never seen.
    let (fresh, _) = KeyPair::generate(COSMOS_HD_PATH, "kumo").unwrap();
    assert_eq!(client.account(fresh.address()).await.unwrap(), None);
    let fresh = client.signer(fresh);
    let err = fresh
        .send(vec![bank_send_msg(
            fresh.address(),
            alice.address(),
            &uakt(1),
        )
        .unwrap()])
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::AccountNotFound { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("send it some"), "{err}");

    // The failed attempts did not disturb the sequence: a good send still goes through.
    alice
        .send(vec![bank_send_msg(
            alice.address(),
            fresh.address(),
            &uakt(5),
        )
        .unwrap()])
        .await
        .unwrap();
    assert_eq!(
        client.balance(fresh.address(), DENOM).await.unwrap(),
        Uint256::from(5u32)
    );
    devnet.shutdown().await;
}
