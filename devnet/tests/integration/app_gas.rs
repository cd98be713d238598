//! Gas: deterministic out-of-gas, and simulation that reports gas and events without committing.

use crate::app_support::*;
use cosmrs::proto::cosmos::tx::v1beta1::{SimulateRequest, SimulateResponse, TxRaw};
use cosmrs::proto::prost::Message;
use kumo_devnet::abci::Application;
use serde_json::json;

const SIMULATE: &str = "/cosmos.tx.v1beta1.Service/Simulate";

fn simulate(
    chain: &TestChain,
    tx_bytes: Vec<u8>,
) -> Result<SimulateResponse, (u32, String, String)> {
    #[allow(deprecated)]
    let request = SimulateRequest { tx: None, tx_bytes };
    chain.query(SIMULATE, &request)
}

/// Runs a gas-burning execute with `gas` on a fresh chain; returns (code, gas_used, log).
fn burn_on_fresh_chain(gas: u64) -> (u32, i64, String) {
    let mut chain = TestChain::new();
    let code = chain.upload(0, artifact("kumo_devnet_reflect.wasm"));
    let contract = chain.create(0, code, &json!({}), "burner");
    let burn = chain.execute(
        0,
        &contract,
        &json!({ "burn_gas": { "rounds": 10_000_000u64 } }),
        0,
    );
    let mut spec = chain.spec(0, vec![burn]);
    spec.gas = gas;
    spec.fee = fee_for(gas);
    let tx = chain.sign_spec(0, &spec);
    let result = chain.deliver(tx);
    (result.code.value(), result.gas_used, result.log)
}

#[test]
fn out_of_gas_is_deterministic() {
    let first = burn_on_fresh_chain(400_000);
    let second = burn_on_fresh_chain(400_000);
    assert_eq!(first.0, 11, "{}", first.2);
    assert_eq!(first, second, "same tx, same state: same code, gas and log");
    assert_eq!(first.1, 400_000, "wasm running out uses exactly the limit");
    assert_eq!(
        first.2,
        "out of gas in location: Wasmer function execution; gasWanted: 400000, gasUsed: 400000: out of gas"
    );
}

#[test]
fn simulate_reports_gas_and_events_and_commits_nothing() {
    let mut chain = TestChain::new();
    let (alice, bob) = (chain.addr(0), chain.addr(1));
    // A first tx (which also puts alice's key on her account) costs the same simulated.
    let first = chain.send(0, &bob, 1);
    let first = chain.tx(0, vec![first]);
    let simulated = simulate(&chain, first.clone()).unwrap();
    let delivered = chain.deliver(first);
    assert_eq!(
        delivered.gas_used as u64,
        simulated.gas_info.unwrap().gas_used
    );
    let before = (chain.balance(&alice), chain.balance(&bob));

    let send = chain.send(0, &bob, 500);
    let spec = chain.spec(0, vec![send]);
    let tx = sign(&chain.accounts[0].signing_key(), &spec);
    let simulated = simulate(&chain, tx.clone()).unwrap();
    let gas = simulated.gas_info.unwrap();
    assert_eq!(gas.gas_wanted, GAS);
    assert!(gas.gas_used > 0);
    let result = simulated.result.unwrap();
    assert!(result
        .events
        .iter()
        .any(|e| e.r#type == "transfer" && e.attributes.iter().any(|a| a.value == "500uakt")));
    assert_eq!(result.msg_responses.len(), 1);
    assert_eq!(
        (chain.balance(&alice), chain.balance(&bob)),
        before,
        "nothing committed"
    );
    assert_eq!(chain.base_account(&alice).unwrap().sequence, 1);

    // The same tx for real uses exactly the simulated gas.
    chain.sequences[0] = spec.sequence + 1;
    let delivered = chain.deliver(tx);
    assert_eq!(delivered.code.value(), 0, "{}", delivered.log);
    assert_eq!(delivered.gas_used as u64, gas.gas_used);
}

#[test]
fn simulate_accepts_an_empty_signature_and_reports_failures() {
    let chain = TestChain::new();
    let bob = chain.addr(1);
    let send = chain.send(0, &bob, 5);
    let spec = chain.spec(0, vec![send]);
    let mut raw: TxRaw = raw(&sign(&chain.accounts[0].signing_key(), &spec));
    raw.signatures = vec![Vec::new()];
    let simulated = simulate(&chain, raw.encode_to_vec()).unwrap();
    assert!(simulated.gas_info.unwrap().gas_used > 0);

    // Sequence is checked in simulation; the failure comes back as the SDK's gRPC error.
    let spec = TxSpec {
        sequence: 9,
        ..spec
    };
    let tx = sign(&chain.accounts[0].signing_key(), &spec);
    let err = simulate(&chain, tx).unwrap_err();
    assert_eq!(err.0, 6);
    assert!(
        err.2
            .contains("account sequence mismatch, expected 0, got 9"),
        "{}",
        err.2
    );
    // Garbage is refused too.
    let err = simulate(&chain, vec![1, 2, 3]).unwrap_err();
    assert!(err.2.contains("tx parse error"), "{}", err.2);
    // And the app still works.
    let _ = chain.app.info();
}

#[test]
fn simulate_runs_contracts_against_the_mempool_state() {
    let mut chain = TestChain::new();
    let code = chain.upload(0, artifact("kumo_devnet_reflect.wasm"));
    let contract = chain.create(0, code, &json!({}), "sim");
    // A tx in the mempool advances alice's sequence for simulation too.
    let write = chain.execute(
        0,
        &contract,
        &json!({ "write": { "key": "k", "value": "v" } }),
        0,
    );
    let pending = chain.tx(0, vec![write.clone()]);
    assert_eq!(chain.app.check_tx(&pending).code.value(), 0);
    let spec = chain.spec(0, vec![write]);
    let tx = sign(&chain.accounts[0].signing_key(), &spec);
    let simulated = simulate(&chain, tx).unwrap();
    let result = simulated.result.unwrap();
    assert!(result.events.iter().any(|e| e.r#type == "execute"));
    assert!(result.events.iter().any(|e| e.r#type == "wasm"
        && e.attributes
            .iter()
            .any(|a| a.key == "written" && a.value == "k")));
    let value: Option<String> = chain
        .smart(&contract, &json!({ "get": { "key": "k" } }))
        .unwrap();
    assert_eq!(value, None, "simulation committed nothing");
}
