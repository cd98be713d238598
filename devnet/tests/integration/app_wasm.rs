//! The wasm module with compiled contracts: Kumo's registry and market (and governance when
//! built), and the devnet's reflect contract.

use crate::app_support::*;
use cosmrs::proto::cosmos::base::abci::v1beta1::TxMsgData;
use cosmrs::proto::cosmwasm::wasm::v1::{
    MsgClearAdmin, MsgExecuteContractResponse, MsgInstantiateContract2,
    MsgInstantiateContractResponse, MsgMigrateContract, MsgUpdateAdmin, QueryCodeRequest,
    QueryCodeResponse, QueryContractInfoRequest, QueryContractInfoResponse,
    QueryRawContractStateRequest, QueryRawContractStateResponse,
};
use cosmrs::proto::prost::Message;
use kumo_devnet::app::address::{classic_contract_address, predictable_contract_address};
use kumo_devnet::app::genesis::{registry_params, GOVERNANCE_ARTIFACT};
use kumo_devnet::app::AppOptions;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const REFLECT: &str = "kumo_devnet_reflect.wasm";
const REGISTRY: &str = "kumo_registry.wasm";

fn bech32(bytes: &[u8]) -> String {
    cosmrs::AccountId::new(PREFIX, bytes).unwrap().to_string()
}

fn msg_response<M: Message + Default>(result: &tendermint::abci::types::ExecTxResult) -> M {
    let data = TxMsgData::decode(result.data.as_ref()).unwrap();
    M::decode(data.msg_responses[0].value.as_slice()).unwrap()
}

#[test]
fn registry_wasm_stores_instantiates_executes_and_answers_queries() {
    let mut chain = TestChain::new();
    let wasm = artifact(REGISTRY);
    let store = chain.store_code(0, wasm.clone());
    let result = chain.exec_ok_with_gas(0, vec![store], UPLOAD_GAS);
    assert_eq!(attr(&result, "store_code", "code_id"), "1");
    assert_eq!(
        attr(&result, "store_code", "code_checksum"),
        hex::encode(Sha256::digest(&wasm))
    );
    // Uploading costs 3 gas per byte, as wasmd charges.
    assert!(result.gas_used as usize > 3 * wasm.len());

    let dev0 = chain.addr(0);
    let registry = chain.create(
        0,
        1,
        &json!({ "governance": dev0, "market": null, "params": registry_params(DENOM) }),
        "registry",
    );
    assert_eq!(registry, bech32(&classic_contract_address(1, 1)));

    let config: Value = chain.smart(&registry, &json!({ "config": {} })).unwrap();
    assert_eq!(config, json!({ "governance": dev0, "market": null }));

    // Governance points the registry at a market.
    let market = chain.addr(4);
    let update = chain.execute(
        0,
        &registry,
        &json!({ "update_config": { "market": market } }),
        0,
    );
    let result = chain.exec_ok(0, vec![update]);
    assert_eq!(attr(&result, "execute", "_contract_address"), registry);
    assert_eq!(
        attr(&result, "message", "action"),
        "/cosmwasm.wasm.v1.MsgExecuteContract"
    );
    assert_eq!(attr(&result, "message", "module"), "wasm");
    let config: Value = chain.smart(&registry, &json!({ "config": {} })).unwrap();
    assert_eq!(config["market"], json!(market));

    // Anyone else is refused with the contract's error, as wasmd reports it.
    let update = chain.execute(
        1,
        &registry,
        &json!({ "update_config": { "market": dev0 } }),
        0,
    );
    let tx = chain.tx(1, vec![update]);
    let result = chain.deliver(tx);
    assert_eq!(
        (result.codespace.as_str(), result.code.value()),
        ("wasm", 5)
    );
    assert!(
        result
            .log
            .starts_with("failed to execute message; message index: 0: "),
        "{}",
        result.log
    );
    assert!(
        result.log.ends_with(": execute wasm contract failed"),
        "{}",
        result.log
    );
    assert!(result.log.contains("nauthorized"), "{}", result.log);

    // A provider registers: the contract's custom events come out as wasm-<type>.
    let details = json!({
        "host_uri": "https://provider.example.com:8443",
        "attributes": [{ "key": "region", "value": "us-west" }],
        "info": {},
        "tls_cert_fingerprint": "ab".repeat(32),
    });
    let register = chain.execute(2, &registry, &json!({ "register_provider": details }), 0);
    let result = chain.exec_ok(2, vec![register]);
    let custom: Vec<String> = event_types(&result)
        .into_iter()
        .filter(|k| k.starts_with("wasm-"))
        .collect();
    assert!(!custom.is_empty(), "{:#?}", events(&result));
    for event in result.events.iter().filter(|e| e.kind.starts_with("wasm")) {
        assert_eq!(event.attributes[0].key_str().unwrap(), "_contract_address");
        assert_eq!(event.attributes[0].value_str().unwrap(), registry);
    }
    let provider: Value = chain
        .smart(
            &registry,
            &json!({ "provider": { "address": chain.addr(2) } }),
        )
        .unwrap();
    assert_eq!(provider["host_uri"], "https://provider.example.com:8443");
    assert_eq!(provider["registered_at_height"], json!(chain.height));
}

#[test]
fn genesis_deploys_and_wires_kumo_contracts() {
    let dev0 = kumo_devnet::app::dev_accounts(PREFIX, 1).remove(0).address;
    let builder = TestChain::builder()
        .kumo_contracts(&artifacts_dir(), &dev0)
        .unwrap();
    let chain = TestChain::with_builder(builder, AppOptions::in_memory());
    let contracts = chain.app.genesis_contracts();
    let address = |label: &str| {
        contracts
            .iter()
            .find(|c| c.label == label)
            .unwrap_or_else(|| panic!("no {label} in {contracts:?}"))
            .address
            .clone()
    };
    let (registry, market) = (address("registry"), address("market"));
    let with_governance = artifacts_dir().join(GOVERNANCE_ARTIFACT).is_file();
    let governance = if with_governance {
        address("governance")
    } else {
        dev0.clone()
    };
    let config: Value = chain.smart(&registry, &json!({ "config": {} })).unwrap();
    assert_eq!(
        config,
        json!({ "governance": governance, "market": market })
    );
    let market_config: Value = chain.smart(&market, &json!({ "config": {} })).unwrap();
    assert_eq!(market_config["registry"], json!(registry));
    assert_eq!(market_config["governance"], json!(governance));
    if with_governance {
        let gov_config: Value = chain.smart(&governance, &json!({ "config": {} })).unwrap();
        assert_eq!(gov_config["market"], json!(market), "{gov_config}");
        assert_eq!(gov_config["registry"], json!(registry), "{gov_config}");
    }
}

#[test]
fn reflect_storage_iteration_queries_migration_and_admin() {
    let mut chain = TestChain::new();
    let wasm = artifact(REFLECT);
    let code_id = chain.upload(0, wasm.clone());
    let instantiate = chain.instantiate(0, code_id, &json!({ "data": "aGVsbG8=" }), "reflect");
    let result = chain.exec_ok(0, vec![instantiate]);
    let reflect = attr(&result, "instantiate", "_contract_address");
    let response: MsgInstantiateContractResponse = msg_response(&result);
    assert_eq!(response.address, reflect);
    assert_eq!(response.data, b"hello");
    assert_eq!(attr(&result, "wasm", "action"), "instantiate");

    for (k, v) in [("b", "2"), ("d", "4"), ("a", "1"), ("c", "3")] {
        let write = chain.execute(
            0,
            &reflect,
            &json!({ "write": { "key": k, "value": v } }),
            0,
        );
        chain.exec_ok(0, vec![write]);
    }
    let list = |chain: &TestChain, query: Value| -> Vec<(String, String)> {
        chain.smart(&reflect, &json!({ "list": query })).unwrap()
    };
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    assert_eq!(
        list(&chain, json!({})),
        pairs(&[("a", "1"), ("b", "2"), ("c", "3"), ("d", "4")])
    );
    assert_eq!(
        list(&chain, json!({ "start_after": "a", "limit": 2 })),
        pairs(&[("b", "2"), ("c", "3")])
    );
    assert_eq!(
        list(&chain, json!({ "descending": true, "start_after": "c" })),
        pairs(&[("b", "2"), ("a", "1")])
    );

    // Raw, contract info and code queries.
    let raw: QueryRawContractStateResponse = chain
        .query(
            "/cosmwasm.wasm.v1.Query/RawContractState",
            &QueryRawContractStateRequest {
                address: reflect.clone(),
                query_data: b"v/c".to_vec(),
            },
        )
        .unwrap();
    assert_eq!(raw.data, b"3");
    let info: QueryContractInfoResponse = chain
        .query(
            "/cosmwasm.wasm.v1.Query/ContractInfo",
            &QueryContractInfoRequest {
                address: reflect.clone(),
            },
        )
        .unwrap();
    let info = info.contract_info.unwrap();
    assert_eq!(info.code_id, code_id);
    assert_eq!(info.creator, chain.addr(0));
    assert_eq!(info.admin, chain.addr(0));
    assert_eq!(info.label, "reflect");
    let code: QueryCodeResponse = chain
        .query(
            "/cosmwasm.wasm.v1.Query/Code",
            &QueryCodeRequest { code_id },
        )
        .unwrap();
    assert_eq!(code.data, wasm);
    assert_eq!(
        code.code_info.unwrap().data_hash,
        Sha256::digest(&wasm).to_vec()
    );

    // Not found and contract errors use wasmd's codes.
    let missing = bech32(&[7u8; 32]);
    let err = chain
        .smart::<Value>(&missing, &json!({ "get": { "key": "a" } }))
        .unwrap_err();
    assert_eq!((err.0, err.1.as_str()), (22, "wasm"), "{}", err.2);
    let err = chain
        .smart::<Value>(&reflect, &json!({ "nonsense": {} }))
        .unwrap_err();
    assert_eq!((err.0, err.1.as_str()), (9, "wasm"), "{}", err.2);
    let err = chain
        .query::<_, QueryCodeResponse>(
            "/cosmwasm.wasm.v1.Query/Code",
            &QueryCodeRequest { code_id: 99 },
        )
        .unwrap_err();
    assert_eq!((err.0, err.1.as_str()), (28, "wasm"), "{}", err.2);

    // The contract's querier sees bank, wasm smart/raw and contract info.
    // The contract returns the chain's answer as its own query result.
    let chain_query = |chain: &TestChain, request: Value| -> Value {
        chain
            .smart(&reflect, &json!({ "chain": { "request": request } }))
            .unwrap()
    };
    let balance = chain_query(
        &chain,
        json!({ "bank": { "balance": { "address": chain.addr(1), "denom": DENOM } } }),
    );
    assert_eq!(balance["amount"]["amount"], json!(DEV_BALANCE.to_string()));
    let inner = base64_encode(br#"{"get":{"key":"d"}}"#);
    let smart = chain_query(
        &chain,
        json!({ "wasm": { "smart": { "contract_addr": reflect, "msg": inner } } }),
    );
    assert_eq!(smart, json!("4"));
    let contract_info = chain_query(
        &chain,
        json!({ "wasm": { "contract_info": { "contract_addr": reflect } } }),
    );
    assert_eq!(contract_info["code_id"], json!(code_id));
    assert_eq!(contract_info["admin"], json!(chain.addr(0)));

    // Migration by the admin only; then admin changes.
    let code2 = chain.upload(0, wasm.clone());
    let migrate = |chain: &TestChain, from: usize| {
        crate::app_support::any(&MsgMigrateContract {
            sender: chain.addr(from),
            contract: reflect.clone(),
            code_id: code2,
            msg: serde_json::to_vec(&json!({ "note": "v2" })).unwrap(),
        })
    };
    let not_admin = migrate(&chain, 1);
    let tx = chain.tx(1, vec![not_admin]);
    let result = chain.deliver(tx);
    assert_eq!(result.code.value(), 4, "{}", result.log);
    assert!(result.log.contains("can not migrate"), "{}", result.log);
    let by_admin = migrate(&chain, 0);
    let result = chain.exec_ok(0, vec![by_admin]);
    assert_eq!(attr(&result, "migrate", "code_id"), code2.to_string());
    let note: Option<String> = chain
        .smart(&reflect, &json!({ "get": { "key": "migrated" } }))
        .unwrap();
    assert_eq!(note.as_deref(), Some("v2"));

    let update = crate::app_support::any(&MsgUpdateAdmin {
        sender: chain.addr(0),
        new_admin: chain.addr(1),
        contract: reflect.clone(),
    });
    let result = chain.exec_ok(0, vec![update]);
    assert_eq!(
        attr(&result, "update_contract_admin", "new_admin_address"),
        chain.addr(1)
    );
    let clear = crate::app_support::any(&MsgClearAdmin {
        sender: chain.addr(0),
        contract: reflect.clone(),
    });
    let tx = chain.tx(0, vec![clear]);
    assert_eq!(chain.deliver(tx).code.value(), 4, "no longer the admin");
    let clear = crate::app_support::any(&MsgClearAdmin {
        sender: chain.addr(1),
        contract: reflect.clone(),
    });
    chain.exec_ok(1, vec![clear]);
    let info: QueryContractInfoResponse = chain
        .query(
            "/cosmwasm.wasm.v1.Query/ContractInfo",
            &QueryContractInfoRequest {
                address: reflect.clone(),
            },
        )
        .unwrap();
    let info = info.contract_info.unwrap();
    assert_eq!(info.admin, "");
    assert_eq!(info.code_id, code2);
}

#[test]
fn instantiate2_derives_the_predictable_address_and_funds_move_with_executes() {
    let mut chain = TestChain::new();
    let wasm = artifact(REFLECT);
    let code_id = chain.upload(0, wasm.clone());
    let salt = b"kumo-salt".to_vec();
    let msg = crate::app_support::any(&MsgInstantiateContract2 {
        sender: chain.addr(0),
        admin: String::new(),
        code_id,
        label: "predictable".into(),
        msg: b"{}".to_vec(),
        funds: vec![coin(1_000)],
        salt: salt.clone(),
        fix_msg: false,
    });
    let result = chain.exec_ok(0, vec![msg]);
    let creator_bytes = chain
        .addr(0)
        .parse::<cosmrs::AccountId>()
        .unwrap()
        .to_bytes();
    let expected = bech32(&predictable_contract_address(
        &Sha256::digest(&wasm),
        &creator_bytes,
        &salt,
        b"",
    ));
    let contract = attr(&result, "instantiate", "_contract_address");
    assert_eq!(contract, expected);
    assert_eq!(chain.balance(&contract), 1_000);
    // The deposit moves before the contract runs: transfer comes before instantiate.
    let kinds = event_types(&result);
    let transfer = kinds.iter().rposition(|k| k == "transfer").unwrap();
    let instantiate = kinds.iter().position(|k| k == "instantiate").unwrap();
    assert!(transfer < instantiate, "{kinds:?}");

    // The same salt again collides.
    let again = crate::app_support::any(&MsgInstantiateContract2 {
        sender: chain.addr(0),
        admin: String::new(),
        code_id,
        label: "predictable".into(),
        msg: b"{}".to_vec(),
        funds: vec![],
        salt,
        fix_msg: false,
    });
    let tx = chain.tx(0, vec![again]);
    let result = chain.deliver(tx);
    assert_eq!(
        (result.codespace.as_str(), result.code.value()),
        ("wasm", 15),
        "{}",
        result.log
    );

    // Execute with funds; the response data is the contract's.
    let exec = chain.execute(
        1,
        &contract,
        &json!({ "dispatch": { "messages": [], "data": "ZGF0YQ==" } }),
        500,
    );
    let result = chain.exec_ok(1, vec![exec]);
    assert_eq!(chain.balance(&contract), 1_500);
    let response: MsgExecuteContractResponse = msg_response(&result);
    assert_eq!(response.data, b"data");
}

fn base64_encode(bytes: &[u8]) -> String {
    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes)
}
