//! Property tests over JSON-RPC request handling: random bodies never panic and always get a
//! JSON-RPC answer; random calls with random params get a result or a proper error.

use crate::common::{kv_devnet, raw_http};
use kumo_devnet::node::BlockProduction;
use kumo_devnet::rpc::jsonrpc::{parse_body, parse_request, Incoming, ParamSource, Request};
use kumo_devnet::rpc::methods::{self, MethodContext, METHODS};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};
use tendermint_rpc::response_error::Code;
use tendermint_rpc::Id;

fn allowed_parse_code(code: Code) -> bool {
    matches!(
        code,
        Code::ParseError | Code::InvalidRequest | Code::InvalidParams
    )
}

proptest! {
    #![proptest_config(Config { cases: 2000, ..Config::default() })]

    #[test]
    fn random_bytes_never_panic_and_get_a_jsonrpc_error(body in proptest::collection::vec(any::<u8>(), 0..256)) {
        let is_json = serde_json::from_slice::<Value>(&body).is_ok();
        match parse_body(&body) {
            Incoming::Single(Err((_, e))) => {
                prop_assert!(allowed_parse_code(e.code));
                prop_assert_eq!(e.code == Code::ParseError, !is_json);
            }
            Incoming::Single(Ok(_)) | Incoming::Batch(_) => prop_assert!(is_json),
        }
    }

    #[test]
    fn random_strings_never_panic(body in ".{0,200}") {
        if let Incoming::Single(Err((_, e))) = parse_body(body.as_bytes()) {
            prop_assert!(allowed_parse_code(e.code));
        }
    }

    #[test]
    fn request_like_objects_are_parsed_or_refused(
        id in prop_oneof![Just(json!(null)), any::<i64>().prop_map(|n| json!(n)), ".{0,8}".prop_map(|s| json!(s)), Just(json!(1.5)), Just(json!([1]))],
        method in prop_oneof![Just(json!("status")), ".{0,12}".prop_map(|s| json!(s)), Just(json!(7))],
        params in json_value(2),
        version in prop_oneof![Just(json!("2.0")), Just(json!("1.0")), Just(json!(2))],
    ) {
        let request = json!({"jsonrpc": version, "id": id, "method": method, "params": params});
        match parse_request(request) {
            Ok(r) => prop_assert!(!r.method.is_empty()),
            Err((_, e)) => prop_assert!(allowed_parse_code(e.code)),
        }
    }
}

fn json_value(depth: u32) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n.to_string())),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,24}".prop_map(Value::String),
        "[A-Za-z0-9+/=]{0,48}".prop_map(Value::String),
        "(tm.event|tx.height|app.key) ?(=|<|>=|CONTAINS|EXISTS) ?('x'|1|-2|1.5)?"
            .prop_map(Value::String),
    ];
    leaf.prop_recursive(depth, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("height".to_string()),
                    Just("tx".to_string()),
                    Just("hash".to_string()),
                    Just("query".to_string()),
                    Just("data".to_string()),
                    Just("path".to_string()),
                    Just("page".to_string()),
                    Just("per_page".to_string()),
                    Just("prove".to_string()),
                    Just("order_by".to_string()),
                    Just("minHeight".to_string()),
                    ".{0,6}".prop_map(String::from),
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every method, called with random params against a live node, answers a result or a
/// JSON-RPC error; none panics or hangs.
#[test]
fn random_calls_to_every_method_answer_or_fail_cleanly() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let devnet = runtime.block_on(kv_devnet(BlockProduction::OnDemand));
    let ctx = MethodContext {
        node: devnet.handle(),
        local_addr: devnet.rpc_addr(),
    };
    runtime
        .block_on(devnet.handle().broadcast_tx_commit(b"seed=1".to_vec()))
        .unwrap();
    let mut names: Vec<String> = METHODS.iter().map(|m| m.to_string()).collect();
    names.push("no_such_method".into());
    let strategy = (proptest::sample::select(names), json_value(2));
    let mut runner = TestRunner::new(Config {
        cases: 400,
        ..Config::default()
    });
    runner
        .run(&strategy, |(method, params)| {
            let params = match params {
                p @ (Value::Object(_) | Value::Array(_) | Value::Null) => p,
                other => json!({ "height": other }),
            };
            let request = Request {
                id: Id::Num(1),
                method: method.clone(),
                params,
                source: ParamSource::Json,
            };
            let answer = runtime.block_on(async {
                tokio::time::timeout(
                    std::time::Duration::from_secs(10),
                    methods::call(&ctx, &request),
                )
                .await
            });
            let answer = answer.map_err(|_| TestCaseError::fail(format!("{method} hung")))?;
            if let Err(e) = answer {
                prop_assert!(
                    matches!(
                        e.code,
                        Code::MethodNotFound | Code::InvalidParams | Code::InternalError
                    ),
                    "{method}: {e}"
                );
                prop_assert_eq!(e.code == Code::MethodNotFound, method == "no_such_method");
            }
            Ok(())
        })
        .unwrap();

    // And the raw HTTP path: random bodies always get a JSON-RPC envelope back.
    let addr = devnet.rpc_addr();
    let mut runner = TestRunner::new(Config {
        cases: 64,
        ..Config::default()
    });
    runner
        .run(&proptest::collection::vec(any::<u8>(), 0..300), |body| {
            let answer = runtime.block_on(raw_http::post(addr, &body));
            prop_assert_eq!(answer.status, 200);
            let value: Value = serde_json::from_slice(&answer.body).unwrap();
            prop_assert!(
                value.get("error").is_some() || value.is_array(),
                "{}",
                value
            );
            Ok(())
        })
        .unwrap();
    runtime.block_on(devnet.shutdown());
}
