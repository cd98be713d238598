//! Submessages and replies with wasmd's semantics, driven through the reflect contract:
//! every reply_on mode, per-submessage rollback, data overriding, events, gas limits, bank
//! messages and burns from contracts.

use crate::app_support::*;
use cosmrs::proto::cosmos::bank::v1beta1::{QuerySupplyOfRequest, QuerySupplyOfResponse};
use cosmrs::proto::cosmos::base::abci::v1beta1::TxMsgData;
use cosmrs::proto::cosmwasm::wasm::v1::MsgExecuteContractResponse;
use cosmrs::proto::prost::Message;
use serde_json::{json, Value};

const REFLECT: &str = "kumo_devnet_reflect.wasm";

struct Setup {
    chain: TestChain,
    /// The caller, whose reply runs.
    a: String,
    /// The target of its submessages.
    b: String,
}

fn setup() -> Setup {
    let mut chain = TestChain::new();
    let code = chain.upload(0, artifact(REFLECT));
    let a = chain.create(0, code, &json!({}), "a");
    let b = chain.create(0, code, &json!({}), "b");
    Setup { chain, a, b }
}

fn b64(bytes: &[u8]) -> String {
    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes)
}

fn json_b64(value: &Value) -> String {
    b64(&serde_json::to_vec(value).unwrap())
}

/// A submessage executing `msg` on `contract`.
fn sub(id: u64, contract: &str, msg: Value, reply_on: &str, plan: Option<Value>) -> Value {
    json!({
        "id": id,
        "payload": plan.map(|p| json_b64(&p)).unwrap_or_default(),
        "msg": { "wasm": { "execute": { "contract_addr": contract, "msg": json_b64(&msg), "funds": [] } } },
        "gas_limit": null,
        "reply_on": reply_on,
    })
}

fn write(key: &str) -> Value {
    json!({ "write": { "key": key, "value": "x" } })
}

fn fail(key: &str) -> Value {
    json!({ "write_then_fail": { "key": key, "value": "x", "reason": "asked to fail" } })
}

fn dispatch(messages: Vec<Value>) -> Value {
    json!({ "dispatch": { "messages": messages } })
}

impl Setup {
    fn run(&mut self, msg: Value) -> tendermint::abci::types::ExecTxResult {
        let exec = self.chain.execute(0, &self.a, &msg, 0);
        let tx = self.chain.tx(0, vec![exec]);
        self.chain.deliver(tx)
    }

    fn get(&self, contract: &str, key: &str) -> Option<String> {
        self.chain
            .smart(contract, &json!({ "get": { "key": key } }))
            .unwrap()
    }

    fn reply(&self, id: u64) -> Option<Value> {
        self.chain
            .smart(&self.a, &json!({ "reply": { "id": id } }))
            .unwrap()
    }
}

#[test]
fn reply_on_always_replies_on_success_and_on_failure() {
    let mut s = setup();
    let b = s.b.clone();
    let result = s.run(dispatch(vec![sub(1, &b, write("ok"), "always", None)]));
    assert_eq!(result.code.value(), 0, "{}", result.log);
    assert_eq!(s.get(&b, "ok").as_deref(), Some("x"));
    let reply = s.reply(1).expect("replied");
    let ok = &reply["result"]["ok"];
    assert_eq!(
        ok["msg_responses"][0]["type_url"],
        "/cosmwasm.wasm.v1.MsgExecuteContractResponse"
    );
    // Events handed to reply: the submessage's, without `message`, attributes sorted.
    let kinds: Vec<&str> = ok["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["execute", "wasm"]);
    assert!(reply["gas_used"].as_u64().unwrap() > 0);

    let result = s.run(dispatch(vec![sub(2, &b, fail("bad"), "always", None)]));
    assert_eq!(result.code.value(), 0, "{}", result.log);
    assert_eq!(
        s.get(&b, "bad"),
        None,
        "the failed submessage's write rolled back"
    );
    let reply = s.reply(2).expect("replied");
    let error = reply["result"]["error"].as_str().unwrap();
    assert_eq!(error, "asked to fail: execute wasm contract failed");
}

#[test]
fn reply_on_success_replies_only_on_success_and_fails_the_caller_otherwise() {
    let mut s = setup();
    let b = s.b.clone();
    let result = s.run(dispatch(vec![sub(1, &b, write("ok"), "success", None)]));
    assert_eq!(result.code.value(), 0, "{}", result.log);
    assert!(s.reply(1).is_some());

    let result = s.run(json!({ "dispatch": {
        "messages": [sub(2, &b, fail("bad"), "success", None)],
        "attributes": [{ "key": "outer", "value": "ran" }],
    } }));
    assert_eq!(
        (result.codespace.as_str(), result.code.value()),
        ("wasm", 5)
    );
    assert_eq!(
        result.log,
        "failed to execute message; message index: 0: dispatch: submessages: asked to fail: \
         execute wasm contract failed"
    );
    assert!(s.reply(2).is_none());
    assert_eq!(s.get(&b, "bad"), None);
}

#[test]
fn reply_on_error_replies_only_on_failure() {
    let mut s = setup();
    let b = s.b.clone();
    let result = s.run(dispatch(vec![sub(1, &b, write("ok"), "error", None)]));
    assert_eq!(result.code.value(), 0, "{}", result.log);
    assert!(s.reply(1).is_none(), "no reply on success");
    assert_eq!(s.get(&b, "ok").as_deref(), Some("x"));

    let result = s.run(dispatch(vec![sub(2, &b, fail("bad"), "error", None)]));
    assert_eq!(result.code.value(), 0, "{}", result.log);
    assert!(s.reply(2).unwrap()["result"]["error"].is_string());
}

#[test]
fn reply_on_never_never_replies_and_a_failure_fails_the_caller() {
    let mut s = setup();
    let b = s.b.clone();
    let result = s.run(dispatch(vec![sub(1, &b, write("ok"), "never", None)]));
    assert_eq!(result.code.value(), 0, "{}", result.log);
    assert!(s.reply(1).is_none());
    let result = s.run(dispatch(vec![sub(2, &b, fail("bad"), "never", None)]));
    assert_eq!(result.code.value(), 5, "{}", result.log);
    assert!(s.reply(2).is_none());
}

#[test]
fn a_failing_submessage_rolls_back_only_its_own_writes() {
    let mut s = setup();
    let b = s.b.clone();
    let plan = json!({ "write": ["from_reply", "y"] });
    let result = s.run(dispatch(vec![
        sub(1, &b, write("first"), "never", None),
        sub(2, &b, fail("second"), "error", Some(plan)),
        sub(3, &b, write("third"), "never", None),
    ]));
    assert_eq!(result.code.value(), 0, "{}", result.log);
    assert_eq!(s.get(&b, "first").as_deref(), Some("x"));
    assert_eq!(s.get(&b, "second"), None);
    assert_eq!(s.get(&b, "third").as_deref(), Some("x"));
    let a = s.a.clone();
    assert_eq!(s.get(&a, "from_reply").as_deref(), Some("y"));

    // A reply that fails fails everything, the successful submessages included.
    let plan = json!({ "fail": "reply refuses" });
    let result = s.run(dispatch(vec![
        sub(4, &b, write("fourth"), "never", None),
        sub(5, &b, write("fifth"), "always", Some(plan)),
    ]));
    assert_eq!(result.code.value(), 5, "{}", result.log);
    assert!(
        result.log.contains("reply: reply refuses"),
        "{}",
        result.log
    );
    assert_eq!(s.get(&b, "fourth"), None);
    assert_eq!(s.get(&b, "fifth"), None);
}

#[test]
fn reply_data_overrides_the_callers_data_and_events_follow_wasmd() {
    let mut s = setup();
    let b = s.b.clone();
    let data = |result: &tendermint::abci::types::ExecTxResult| -> Vec<u8> {
        let msg_data = TxMsgData::decode(result.data.as_ref()).unwrap();
        MsgExecuteContractResponse::decode(msg_data.msg_responses[0].value.as_slice())
            .unwrap()
            .data
    };
    let result = s.run(json!({ "dispatch": {
        "messages": [sub(1, &b, write("k"), "always", None)],
        "data": b64(b"outer"),
    } }));
    assert_eq!(
        data(&result),
        b"outer",
        "a reply without data keeps the caller's"
    );

    let plan = json!({ "data": b64(b"inner") });
    let result = s.run(json!({ "dispatch": {
        "messages": [sub(2, &b, write("k"), "always", Some(plan))],
        "data": b64(b"outer"),
        "attributes": [{ "key": "who", "value": "a" }],
        "events": [{ "type": "custom", "attributes": [{ "key": "n", "value": "1" }] }],
    } }));
    assert_eq!(data(&result), b"inner");

    // wasmd's order: the caller's execute, wasm and wasm-custom events, then the submessage's
    // events, then the reply's; all with msg_index.
    let kinds = event_types(&result);
    let msg_events: Vec<&str> = kinds[kinds.iter().position(|k| k == "tx").unwrap()..]
        .iter()
        .skip_while(|k| *k == "tx")
        .map(String::as_str)
        .collect();
    assert_eq!(
        msg_events,
        [
            "message",
            "execute",
            "wasm",
            "wasm-custom",
            "execute",
            "wasm",
            "reply",
            "wasm"
        ]
    );
    let evs = events(&result);
    let reply = evs.iter().find(|(k, _)| k == "reply").unwrap();
    assert_eq!(reply.1[0], ("_contract_address".to_string(), s.a.clone()));
    let custom = evs.iter().find(|(k, _)| k == "wasm-custom").unwrap();
    assert_eq!(
        custom.1,
        [
            ("_contract_address".to_string(), s.a.clone()),
            ("n".to_string(), "1".to_string()),
            ("msg_index".to_string(), "0".to_string()),
        ]
    );
    // Only the tx's own `message` (plus the fee transfer's in the ante events): the
    // submessage's are dropped.
    let msg_index_messages = evs
        .iter()
        .filter(|(k, attrs)| k == "message" && attrs.iter().any(|(key, _)| key == "msg_index"))
        .count();
    assert_eq!(msg_index_messages, 1);
}

#[test]
fn a_gas_limited_submessage_is_caught_while_running_out_of_tx_gas_is_not() {
    let mut s = setup();
    let b = s.b.clone();
    let burn = json!({ "burn_gas": { "rounds": 100_000_000u64 } });
    let mut limited = sub(1, &b, burn.clone(), "error", None);
    limited["gas_limit"] = json!(100_000);
    let result = s.run(dispatch(vec![limited]));
    assert_eq!(result.code.value(), 0, "{}", result.log);
    let reply = s.reply(1).unwrap();
    assert_eq!(reply["result"]["error"], "codespace: sdk, code: 11");
    assert!(result.gas_used > 100_000);

    // Without a limit the tx itself runs out: no reply can catch that.
    let result = s.run(dispatch(vec![sub(2, &b, burn, "error", None)]));
    assert_eq!(
        (result.codespace.as_str(), result.code.value()),
        ("sdk", 11),
        "{}",
        result.log
    );
    assert!(
        result.log.starts_with("out of gas in location: "),
        "{}",
        result.log
    );
    assert_eq!(result.gas_used, result.gas_wanted);
    assert!(s.reply(2).is_none());
}

#[test]
fn contracts_send_and_burn_coins() {
    let mut s = setup();
    let a = s.a.clone();
    let fund = s
        .chain
        .execute(0, &a, &json!({ "dispatch": { "messages": [] } }), 10_000);
    s.chain.exec_ok(0, vec![fund]);
    let dev3 = s.chain.addr(3);
    let supply = |chain: &TestChain| -> u128 {
        let res: QuerySupplyOfResponse = chain
            .query(
                "/cosmos.bank.v1beta1.Query/SupplyOf",
                &QuerySupplyOfRequest {
                    denom: DENOM.into(),
                },
            )
            .unwrap();
        res.amount.unwrap().amount.parse().unwrap()
    };
    let supply_before = supply(&s.chain);
    let result = s.run(dispatch(vec![
        json!({ "id": 1, "msg": { "bank": { "send": { "to_address": dev3, "amount": [{ "denom": DENOM, "amount": "4000" }] } } }, "gas_limit": null, "reply_on": "success" }),
        json!({ "id": 2, "msg": { "bank": { "burn": { "amount": [{ "denom": DENOM, "amount": "1000" }] } } }, "gas_limit": null, "reply_on": "never" }),
    ]));
    assert_eq!(result.code.value(), 0, "{}", result.log);
    assert_eq!(s.chain.balance(&a), 5_000);
    assert_eq!(s.chain.balance(&dev3), DEV_BALANCE + 4_000);
    assert_eq!(supply(&s.chain), supply_before - 1_000);
    assert_eq!(
        find_attr(&result.events, "burn", "amount").as_deref(),
        Some("1000uakt")
    );
    let reply = s.reply(1).unwrap();
    assert_eq!(
        reply["result"]["ok"]["events"],
        json!([]),
        "bank events are not handed over"
    );
    assert_eq!(
        reply["result"]["ok"]["msg_responses"][0]["type_url"],
        "/cosmos.bank.v1beta1.MsgSendResponse"
    );

    // Sending more than it has fails the caller (reply_on success).
    let result = s.run(dispatch(vec![json!({ "id": 3, "msg": { "bank": { "send": { "to_address": s.chain.addr(3), "amount": [{ "denom": DENOM, "amount": "999999" }] } } }, "gas_limit": null, "reply_on": "success" })]));
    assert_eq!(result.code.value(), 5, "{}", result.log);
    assert_eq!(result.codespace, "sdk");
}
