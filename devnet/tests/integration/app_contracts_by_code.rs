//! `/cosmwasm.wasm.v1.Query/ContractsByCode`, as wasmd answers it: a code's contracts in
//! creation order, paginated by key or offset, following migrations.

use crate::app_support::*;
use cosmrs::proto::cosmos::base::query::v1beta1::PageRequest;
use cosmrs::proto::cosmwasm::wasm::v1::{
    MsgMigrateContract, QueryContractsByCodeRequest, QueryContractsByCodeResponse,
};
use serde_json::json;

const REFLECT: &str = "kumo_devnet_reflect.wasm";
const PATH: &str = "/cosmwasm.wasm.v1.Query/ContractsByCode";

fn contracts_by_code(
    chain: &TestChain,
    code_id: u64,
    page: PageRequest,
) -> Result<QueryContractsByCodeResponse, (u32, String, String)> {
    chain.query(
        PATH,
        &QueryContractsByCodeRequest {
            code_id,
            pagination: Some(page),
        },
    )
}

#[test]
fn contracts_by_code_lists_in_creation_order_with_pagination() {
    let mut chain = TestChain::new();
    let wasm = artifact(REFLECT);
    let code_id = chain.upload(0, wasm.clone());
    let created: Vec<String> = (0..3)
        .map(|i| {
            let msg =
                chain.instantiate(0, code_id, &json!({ "data": "aGVsbG8=" }), &format!("r{i}"));
            let result = chain.exec_ok(0, vec![msg]);
            attr(&result, "instantiate", "_contract_address")
        })
        .collect();

    let all = contracts_by_code(&chain, code_id, PageRequest::default()).unwrap();
    assert_eq!(all.contracts, created);
    assert!(all.pagination.unwrap().next_key.is_empty());

    // Key pagination.
    let first = contracts_by_code(
        &chain,
        code_id,
        PageRequest {
            limit: 2,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(first.contracts, created[..2]);
    let next_key = first.pagination.unwrap().next_key;
    assert!(!next_key.is_empty());
    let second = contracts_by_code(
        &chain,
        code_id,
        PageRequest {
            key: next_key,
            limit: 2,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(second.contracts, created[2..]);
    assert!(second.pagination.unwrap().next_key.is_empty());

    // Offset pagination with a total, and reverse order.
    let offset = contracts_by_code(
        &chain,
        code_id,
        PageRequest {
            offset: 1,
            limit: 1,
            count_total: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(offset.contracts, created[1..2]);
    assert_eq!(offset.pagination.unwrap().total, 3);
    let reversed = contracts_by_code(
        &chain,
        code_id,
        PageRequest {
            reverse: true,
            ..Default::default()
        },
    )
    .unwrap();
    let mut expected = created.clone();
    expected.reverse();
    assert_eq!(reversed.contracts, expected);

    // A migrated contract moves to its new code's list.
    let code2 = chain.upload(0, wasm);
    let migrate = any(&MsgMigrateContract {
        sender: chain.addr(0),
        contract: created[0].clone(),
        code_id: code2,
        msg: serde_json::to_vec(&json!({ "note": "v2" })).unwrap(),
    });
    chain.exec_ok(0, vec![migrate]);
    let old = contracts_by_code(&chain, code_id, PageRequest::default()).unwrap();
    assert_eq!(old.contracts, created[1..]);
    let new = contracts_by_code(&chain, code2, PageRequest::default()).unwrap();
    assert_eq!(new.contracts, created[..1]);

    // Unknown codes have no contracts; code 0 is invalid, as in wasmd.
    let none = contracts_by_code(&chain, 99, PageRequest::default()).unwrap();
    assert!(none.contracts.is_empty());
    let (code, codespace, log) = contracts_by_code(&chain, 0, PageRequest::default()).unwrap_err();
    assert_eq!((code, codespace.as_str()), (14, "wasm"), "{log}");
    let both = PageRequest {
        key: vec![1],
        offset: 1,
        ..Default::default()
    };
    assert!(contracts_by_code(&chain, code_id, both).is_err());
}
