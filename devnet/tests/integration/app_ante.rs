//! Bad txs each get the SDK's code, in `check_tx` and in a block, and change nothing.

use crate::app_support::*;
use cosmrs::proto::cosmos::tx::v1beta1::TxRaw;
use cosmrs::proto::prost::Message;
use k256::ecdsa::Signature;
use kumo_devnet::abci::Application;

/// Checks `tx` in the mempool and in a block: both must fail with `code`, and the block must
/// charge nothing.
fn assert_rejected(chain: &mut TestChain, tx: Vec<u8>, code: u32, log_contains: &str) {
    let alice = chain.addr(0);
    let before = chain.balance(&alice);
    let check = chain.app.check_tx(&tx);
    assert_eq!(check.code.value(), code, "check_tx: {}", check.log);
    assert_eq!(check.codespace, "sdk");
    assert!(
        check.log.contains(log_contains),
        "check_tx log: {}",
        check.log
    );
    let result = chain.deliver(tx);
    assert_eq!(result.code.value(), code, "block: {}", result.log);
    assert!(
        result.log.contains(log_contains),
        "block log: {}",
        result.log
    );
    assert!(result.events.is_empty(), "an ante failure emits nothing");
    assert_eq!(
        chain.balance(&alice),
        before,
        "an ante failure charges nothing"
    );
}

fn send_spec(chain: &TestChain) -> TxSpec {
    let bob = chain.addr(1);
    chain.spec(0, vec![chain.send(0, &bob, 1)])
}

#[test]
fn wrong_sequence_is_32() {
    let mut chain = TestChain::new();
    let mut spec = send_spec(&chain);
    spec.sequence = 3;
    let tx = sign(&chain.accounts[0].signing_key(), &spec);
    assert_rejected(
        &mut chain,
        tx,
        32,
        "account sequence mismatch, expected 0, got 3: incorrect account sequence",
    );
}

#[test]
fn wrong_account_number_is_4() {
    let mut chain = TestChain::new();
    let mut spec = send_spec(&chain);
    spec.account_number = 42;
    let tx = sign(&chain.accounts[0].signing_key(), &spec);
    assert_rejected(&mut chain, tx, 4, "signature verification failed");
}

#[test]
fn wrong_chain_id_is_4() {
    let mut chain = TestChain::new();
    let mut spec = send_spec(&chain);
    spec.chain_id = "another-chain".into();
    let tx = sign(&chain.accounts[0].signing_key(), &spec);
    assert_rejected(&mut chain, tx, 4, "chain-id (kumo-test-1): unauthorized");
}

#[test]
fn bad_signature_is_4() {
    let mut chain = TestChain::new();
    // Alice's key is on chain after a first tx; then a tx signed by another key.
    let bob = chain.addr(1);
    let first = chain.send(0, &bob, 1);
    chain.exec_ok(0, vec![first]);
    let mut spec = send_spec(&chain);
    spec.with_pub_key = false;
    let tx = sign(&chain.accounts[3].signing_key(), &spec);
    assert_rejected(&mut chain, tx, 4, "signature verification failed");
    let spec = send_spec(&chain);
    // A flipped signature bit.
    let mut raw = raw(&sign(&chain.accounts[0].signing_key(), &spec));
    raw.signatures[0][10] ^= 1;
    assert_rejected(
        &mut chain,
        raw.encode_to_vec(),
        4,
        "signature verification failed",
    );
    // Body bytes changed after signing (re-encoded differently would also break it).
    let mut raw2 = self::raw(&sign(&chain.accounts[0].signing_key(), &spec));
    raw2.body_bytes.push(0x22);
    raw2.body_bytes.push(0x00);
    assert_rejected(
        &mut chain,
        raw2.encode_to_vec(),
        4,
        "signature verification failed",
    );
}

#[test]
fn high_s_signature_is_4() {
    let mut chain = TestChain::new();
    let spec = send_spec(&chain);
    let good = sign(&chain.accounts[0].signing_key(), &spec);
    let mut raw: TxRaw = raw(&good);
    let signature = Signature::from_slice(&raw.signatures[0]).unwrap();
    let (r, s) = signature.split_scalars();
    let high = Signature::from_scalars(r.to_bytes(), (-*s).to_bytes()).unwrap();
    assert!(
        high.normalize_s().is_some(),
        "the flipped signature is high-S"
    );
    raw.signatures[0] = high.to_bytes().to_vec();
    assert_rejected(
        &mut chain,
        raw.encode_to_vec(),
        4,
        "signature verification failed",
    );
    // The original low-S one is fine.
    assert_eq!(chain.deliver(good).code.value(), 0);
}

#[test]
fn insufficient_fee_is_13() {
    let mut chain = TestChain::new();
    let mut spec = send_spec(&chain);
    spec.fee = fee_for(spec.gas) - 1;
    let tx = sign(&chain.accounts[0].signing_key(), &spec);
    assert_rejected(
        &mut chain,
        tx,
        13,
        &format!(
            "insufficient fees; got: {}uakt required: {}uakt: insufficient fee",
            fee_for(spec.gas) - 1,
            fee_for(spec.gas)
        ),
    );
}

#[test]
fn a_fee_above_the_balance_is_5() {
    let mut chain = TestChain::new();
    let mut spec = send_spec(&chain);
    spec.fee = DEV_BALANCE + 1;
    let tx = sign(&chain.accounts[0].signing_key(), &spec);
    assert_rejected(&mut chain, tx, 5, "insufficient funds");
}

#[test]
fn garbage_bytes_are_2() {
    let mut chain = TestChain::new();
    for garbage in [
        vec![0xffu8; 7],
        b"hello world".to_vec(),
        vec![0x0a, 0xff, 0xff],
    ] {
        let check = chain.app.check_tx(&garbage);
        assert_eq!(check.code.value(), 2, "{:?}: {}", garbage, check.log);
        let result = chain.deliver(garbage);
        assert_eq!(result.code.value(), 2);
        assert_eq!(result.gas_used, 0);
    }
}

#[test]
fn an_unknown_message_type_is_2() {
    let mut chain = TestChain::new();
    let mut spec = send_spec(&chain);
    spec.msgs[0].type_url = "/cosmos.staking.v1beta1.MsgDelegate".into();
    let tx = sign(&chain.accounts[0].signing_key(), &spec);
    assert_rejected(&mut chain, tx, 2, "unable to resolve type URL");
}

#[test]
fn a_gas_limit_above_the_maximum_is_41() {
    let mut chain = TestChain::new();
    let mut spec = send_spec(&chain);
    spec.gas = chain.app.params().max_tx_gas + 1;
    spec.fee = fee_for(spec.gas);
    let tx = sign(&chain.accounts[0].signing_key(), &spec);
    assert_rejected(&mut chain, tx, 41, "invalid gas limit");
}

#[test]
fn no_signatures_is_15_and_a_missing_key_is_8() {
    let mut chain = TestChain::new();
    let spec = send_spec(&chain);
    let mut raw = raw(&sign(&chain.accounts[0].signing_key(), &spec));
    raw.signatures.clear();
    assert_rejected(
        &mut chain,
        raw.encode_to_vec(),
        15,
        "no signatures supplied",
    );

    // A first tx without its public key cannot be verified.
    let mut spec = send_spec(&chain);
    spec.with_pub_key = false;
    let tx = sign(&chain.accounts[0].signing_key(), &spec);
    assert_rejected(&mut chain, tx, 8, "pubkey on account is not set");

    // Another account's key: the address does not match.
    let spec = send_spec(&chain);
    let body = cosmrs::tx::Body::new(spec.msgs.clone(), "", 0u32);
    let wrong_key = chain.accounts[2].signing_key().public_key();
    let auth_info = cosmrs::tx::SignerInfo::single_direct(Some(wrong_key), 0).auth_info(
        cosmrs::tx::Fee::from_amount_and_gas(
            cosmrs::Coin {
                denom: DENOM.parse().unwrap(),
                amount: spec.fee,
            },
            spec.gas,
        ),
    );
    let doc = cosmrs::tx::SignDoc::new(&body, &auth_info, &CHAIN_ID.parse().unwrap(), 0).unwrap();
    let tx = doc
        .sign(&chain.accounts[0].signing_key())
        .unwrap()
        .to_bytes()
        .unwrap();
    assert_rejected(&mut chain, tx, 8, "pubKey does not match signer address");
}

#[test]
fn a_memo_too_large_is_12() {
    let mut chain = TestChain::new();
    let mut spec = send_spec(&chain);
    spec.memo = "x".repeat(257);
    let tx = sign(&chain.accounts[0].signing_key(), &spec);
    assert_rejected(&mut chain, tx, 12, "maximum number of characters is 256");
}

#[test]
fn an_unknown_signer_account_is_9() {
    let mut chain = TestChain::new();
    // A key nobody funded signs its own send.
    let stranger =
        kumo_devnet::app::dev_accounts::derive_account(kumo_devnet::app::DEV_MNEMONIC, 77, PREFIX)
            .unwrap();
    let bob = chain.addr(1);
    let msg = crate::app_support::any(&cosmrs::proto::cosmos::bank::v1beta1::MsgSend {
        from_address: stranger.address.clone(),
        to_address: bob,
        amount: vec![coin(1)],
    });
    let mut spec = chain.spec(0, vec![msg]);
    spec.account_number = 0;
    spec.sequence = 0;
    let tx = sign(&stranger.signing_key(), &spec);
    let check = chain.app.check_tx(&tx);
    assert_eq!(check.code.value(), 9, "{}", check.log);
    assert!(check.log.contains("does not exist"), "{}", check.log);
}
