//! Auth and bank through real signed txs: sends, events, fees, sequences, atomicity, queries.

use crate::app_support::*;
use cosmrs::proto::cosmos::bank::v1beta1::{
    QueryAllBalancesRequest, QueryAllBalancesResponse, QuerySupplyOfRequest, QuerySupplyOfResponse,
};
use cosmrs::proto::cosmos::base::abci::v1beta1::TxMsgData;
use cosmrs::proto::cosmos::base::query::v1beta1::PageRequest;
use cosmrs::proto::prost::Message;
use kumo_devnet::abci::Application;
use kumo_devnet::app::auth::fee_collector_address;

fn fee_collector() -> String {
    cosmrs::AccountId::new(PREFIX, &fee_collector_address())
        .unwrap()
        .to_string()
}

#[test]
fn bank_send_moves_funds_charges_the_fee_and_emits_sdk_events() {
    let mut chain = TestChain::new();
    let (alice, bob) = (chain.addr(0), chain.addr(1));
    let send = chain.send(0, &bob, 12_345);
    let result = chain.exec_ok(0, vec![send]);

    let fee = fee_for(GAS);
    assert_eq!(chain.balance(&alice), DEV_BALANCE - 12_345 - fee);
    assert_eq!(chain.balance(&bob), DEV_BALANCE + 12_345);
    assert_eq!(chain.balance(&fee_collector()), fee);
    assert!(result.gas_used > 0 && result.gas_used < result.gas_wanted);
    assert_eq!(result.gas_wanted, GAS as i64);

    // The SDK 0.50 shape: ante events (fee transfer, tx fee/acc_seq/signature), then the
    // message's events, each with msg_index.
    let evs = events(&result);
    let kinds: Vec<&str> = evs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "coin_spent",
            "coin_received",
            "transfer",
            "message",
            "tx",
            "tx",
            "tx",
            "message",
            "coin_spent",
            "coin_received",
            "transfer",
            "message",
        ]
    );
    assert_eq!(
        evs[4].1,
        [
            ("fee".to_string(), format!("{fee}uakt")),
            ("fee_payer".to_string(), alice.clone())
        ]
    );
    assert_eq!(evs[5].1, [("acc_seq".to_string(), format!("{alice}/0"))]);
    assert_eq!(evs[6].1[0].0, "signature");
    assert_eq!(
        evs[7].1,
        [
            (
                "action".to_string(),
                "/cosmos.bank.v1beta1.MsgSend".to_string()
            ),
            ("sender".to_string(), alice.clone()),
            ("module".to_string(), "bank".to_string()),
            ("msg_index".to_string(), "0".to_string()),
        ]
    );
    assert_eq!(
        evs[10].1,
        [
            ("recipient".to_string(), bob.clone()),
            ("sender".to_string(), alice.clone()),
            ("amount".to_string(), "12345uakt".to_string()),
            ("msg_index".to_string(), "0".to_string()),
        ]
    );
    // data is TxMsgData with the MsgSendResponse.
    let data = TxMsgData::decode(result.data.as_ref()).unwrap();
    assert_eq!(data.msg_responses.len(), 1);
    assert_eq!(
        data.msg_responses[0].type_url,
        "/cosmos.bank.v1beta1.MsgSendResponse"
    );

    // The account now has its public key and the next sequence.
    let account = chain.base_account(&alice).unwrap();
    assert_eq!(account.sequence, 1);
    assert!(account.pub_key.is_some());
    assert_eq!(account.account_number, 0);
}

#[test]
fn sending_to_a_new_address_creates_its_account() {
    let mut chain = TestChain::new();
    let fresh = cosmrs::AccountId::new(PREFIX, &[9u8; 20])
        .unwrap()
        .to_string();
    assert!(chain.base_account(&fresh).is_none());
    let send = chain.send(0, &fresh, 1);
    chain.exec_ok(0, vec![send]);
    let account = chain.base_account(&fresh).unwrap();
    assert_eq!(account.sequence, 0);
    assert!(account.pub_key.is_none());
    // Dev accounts 0-4, then the fee collector and wasm module accounts at genesis.
    assert_eq!(account.account_number, ACCOUNTS as u64 + 2);
}

#[test]
fn a_failed_message_still_charges_the_fee_and_the_sequence() {
    let mut chain = TestChain::new();
    let (alice, bob) = (chain.addr(0), chain.addr(1));
    let too_much = chain.send(0, &bob, DEV_BALANCE * 2);
    let tx = chain.tx(0, vec![too_much]);
    let result = chain.deliver(tx);
    assert_eq!(result.code.value(), 5, "{}", result.log);
    assert_eq!(result.codespace, "sdk");
    assert!(
        result
            .log
            .starts_with("failed to execute message; message index: 0: spendable balance"),
        "{}",
        result.log
    );
    assert!(
        result.log.ends_with(": insufficient funds"),
        "{}",
        result.log
    );
    assert_eq!(chain.balance(&alice), DEV_BALANCE - fee_for(GAS));
    assert_eq!(chain.balance(&bob), DEV_BALANCE);
    assert_eq!(chain.base_account(&alice).unwrap().sequence, 1);
    // Failed txs keep the ante events (fee and signature), as the SDK does.
    assert_eq!(
        find_attr(&result.events, "tx", "fee"),
        Some(format!("{}uakt", fee_for(GAS)))
    );
    assert!(find_attr(&result.events, "message", "action").is_none());
}

#[test]
fn multi_message_txs_are_atomic() {
    let mut chain = TestChain::new();
    let (alice, bob, carol) = (chain.addr(0), chain.addr(1), chain.addr(2));
    let ok = chain.send(0, &bob, 100);
    let fails = chain.send(0, &carol, DEV_BALANCE * 10);
    let tx = chain.tx(0, vec![ok.clone(), fails]);
    let result = chain.deliver(tx);
    assert_eq!(result.code.value(), 5);
    assert!(result.log.contains("message index: 1"), "{}", result.log);
    assert_eq!(
        chain.balance(&bob),
        DEV_BALANCE,
        "the first send rolled back"
    );
    assert_eq!(chain.balance(&alice), DEV_BALANCE - fee_for(GAS));

    let also_ok = chain.send(0, &carol, 7);
    let result = chain.exec_ok(0, vec![ok, also_ok]);
    assert_eq!(chain.balance(&bob), DEV_BALANCE + 100);
    assert_eq!(chain.balance(&carol), DEV_BALANCE + 7);
    let msg_indexes: Vec<String> = result
        .events
        .iter()
        .filter(|e| e.kind == "message")
        .filter_map(|e| {
            e.attributes
                .iter()
                .find(|a| a.key_str().unwrap() == "msg_index")
                .map(|a| a.value_str().unwrap().to_string())
        })
        .collect();
    assert!(msg_indexes.contains(&"0".to_string()) && msg_indexes.contains(&"1".to_string()));
}

#[test]
fn one_signer_may_have_many_txs_in_a_block_through_check_tx() {
    let mut chain = TestChain::new();
    let bob = chain.addr(1);
    let txs: Vec<Vec<u8>> = (0..5)
        .map(|_| {
            let send = chain.send(0, &bob, 1);
            chain.tx(0, vec![send])
        })
        .collect();
    for tx in &txs {
        let check = chain.app.check_tx(tx);
        assert_eq!(check.code.value(), 0, "{}", check.log);
    }
    // A replayed tx is stale for the mempool's view.
    let replay = chain.app.check_tx(&txs[0]);
    assert_eq!(replay.code.value(), 32, "{}", replay.log);
    let block = chain.block(txs);
    assert!(block.tx_results.iter().all(|r| r.code.value() == 0));
    assert_eq!(chain.balance(&bob), DEV_BALANCE + 5);
    assert_eq!(chain.base_account(&chain.addr(0)).unwrap().sequence, 5);
}

#[test]
fn bank_queries_answer_like_the_sdk() {
    let mut chain = TestChain::new();
    let alice = chain.addr(0);
    // Supply is the genesis total.
    let supply: QuerySupplyOfResponse = chain
        .query(
            "/cosmos.bank.v1beta1.Query/SupplyOf",
            &QuerySupplyOfRequest {
                denom: DENOM.into(),
            },
        )
        .unwrap();
    assert_eq!(
        supply.amount.unwrap().amount,
        (DEV_BALANCE * ACCOUNTS as u128).to_string()
    );

    // Give alice a few denoms through genesis-free means: not possible, so page over one.
    let all: QueryAllBalancesResponse = chain
        .query(
            "/cosmos.bank.v1beta1.Query/AllBalances",
            &QueryAllBalancesRequest {
                address: alice.clone(),
                pagination: Some(PageRequest {
                    limit: 1,
                    count_total: true,
                    ..Default::default()
                }),
                resolve_denom: false,
            },
        )
        .unwrap();
    assert_eq!(all.balances.len(), 1);
    assert_eq!(all.balances[0].denom, DENOM);
    let page = all.pagination.unwrap();
    assert!(page.next_key.is_empty());
    assert_eq!(page.total, 1);

    // Missing accounts: the SDK's NotFound → key not found (22).
    let nobody = cosmrs::AccountId::new(PREFIX, &[1u8; 20])
        .unwrap()
        .to_string();
    assert!(chain.base_account(&nobody).is_none());
    let err = chain
        .query::<_, cosmrs::proto::cosmos::auth::v1beta1::QueryAccountResponse>(
            "/cosmos.auth.v1beta1.Query/Account",
            &cosmrs::proto::cosmos::auth::v1beta1::QueryAccountRequest { address: nobody },
        )
        .unwrap_err();
    assert_eq!((err.0, err.1.as_str()), (22, "sdk"));
    assert!(err.2.contains("not found"), "{}", err.2);
    // A balance of an unknown account is zero, not an error.
    assert_eq!(
        chain.balance(cosmrs::AccountId::new(PREFIX, &[2u8; 20]).unwrap().as_ref()),
        0
    );
    // Bad address: invalid request (18); unknown path: unknown request (6).
    let bad = chain
        .query::<_, QueryAllBalancesResponse>(
            "/cosmos.bank.v1beta1.Query/AllBalances",
            &QueryAllBalancesRequest {
                address: "kumo1notanaddress".into(),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(bad.0, 18);
    let res = chain.app.query("/no.such.Query/Path", &[], 0, false);
    assert_eq!(res.code.value(), 6);
    // Older heights are not served; the latest is, by number or as 0.
    chain.block(vec![]);
    chain.block(vec![]);
    let latest = chain.app.query(
        "/cosmos.bank.v1beta1.Query/SupplyOf",
        &QuerySupplyOfRequest {
            denom: DENOM.into(),
        }
        .encode_to_vec(),
        2,
        false,
    );
    assert_eq!(latest.code.value(), 0, "{}", latest.log);
    assert_eq!(latest.height.value(), 2);
    let res = chain.app.query(
        "/cosmos.bank.v1beta1.Query/SupplyOf",
        &QuerySupplyOfRequest {
            denom: DENOM.into(),
        }
        .encode_to_vec(),
        1,
        false,
    );
    assert_eq!(res.code.value(), 18, "{}", res.log);
}
