//! Chain access as an off-chain client does it: accounts and balances through `abci_query`,
//! cosmrs-built SIGN_MODE_DIRECT txs. Shared by the compatibility tests and the benchmark.
#![allow(dead_code)]

use cosmrs::crypto::secp256k1::SigningKey;
use cosmrs::proto::cosmos::auth::v1beta1::{
    BaseAccount, QueryAccountRequest, QueryAccountResponse,
};
use cosmrs::proto::cosmos::bank::v1beta1::{QueryBalanceRequest, QueryBalanceResponse};
use cosmrs::proto::prost::Message;
use cosmrs::tx::{Body, Fee, Msg, SignDoc, SignerInfo};
use cosmrs::{AccountId, Any, Coin};
use tendermint_rpc::{Client, HttpClient};

pub const DENOM: &str = "uakt";
/// The devnet's default minimum gas price is 0.025 uakt per gas.
pub const GAS_PRICE_MILLI: u128 = 25;

/// A dev account ready to sign.
pub struct Signer {
    pub key: SigningKey,
    pub address: AccountId,
    pub account_number: u64,
    pub sequence: u64,
}

impl Signer {
    /// Loads dev account `index`'s number and sequence from the chain.
    pub async fn dev(client: &HttpClient, index: u32) -> Signer {
        let account = kumo_devnet::app::dev_accounts::derive_account(
            kumo_devnet::app::DEV_MNEMONIC,
            index,
            "kumo",
        )
        .unwrap();
        let key = account.signing_key();
        let address: AccountId = account.address.parse().unwrap();
        let (account_number, sequence) = account_numbers(client, address.as_ref()).await;
        Signer {
            key,
            address,
            account_number,
            sequence,
        }
    }

    /// Signs `msgs` with the next sequence and advances it.
    pub fn sign(&mut self, chain_id: &str, msgs: Vec<Any>, gas: u64) -> Vec<u8> {
        let tx = sign_tx(
            &self.key,
            chain_id,
            self.account_number,
            self.sequence,
            msgs,
            gas,
        );
        self.sequence += 1;
        tx
    }
}

pub fn fee_for(gas: u64) -> u128 {
    (gas as u128 * GAS_PRICE_MILLI).div_ceil(1000)
}

pub fn sign_tx(
    key: &SigningKey,
    chain_id: &str,
    account_number: u64,
    sequence: u64,
    msgs: Vec<Any>,
    gas: u64,
) -> Vec<u8> {
    let body = Body::new(msgs, "", 0u32);
    let fee = Fee::from_amount_and_gas(
        Coin {
            denom: DENOM.parse().unwrap(),
            amount: fee_for(gas),
        },
        gas,
    );
    let auth_info = SignerInfo::single_direct(Some(key.public_key()), sequence).auth_info(fee);
    let sign_doc = SignDoc::new(
        &body,
        &auth_info,
        &chain_id.parse().unwrap(),
        account_number,
    )
    .unwrap();
    sign_doc.sign(key).unwrap().to_bytes().unwrap()
}

pub fn coins(amount: u128) -> Vec<Coin> {
    vec![Coin {
        denom: DENOM.parse().unwrap(),
        amount,
    }]
}

pub fn bank_send(from: &AccountId, to: &AccountId, amount: u128) -> Any {
    cosmrs::bank::MsgSend {
        from_address: from.clone(),
        to_address: to.clone(),
        amount: coins(amount),
    }
    .to_any()
    .unwrap()
}

pub fn wasm_execute(
    sender: &AccountId,
    contract: &str,
    msg: &impl serde::Serialize,
    funds: u128,
) -> Any {
    cosmrs::cosmwasm::MsgExecuteContract {
        sender: sender.clone(),
        contract: contract.parse().unwrap(),
        msg: serde_json::to_vec(msg).unwrap(),
        funds: if funds == 0 { vec![] } else { coins(funds) },
    }
    .to_any()
    .unwrap()
}

pub async fn query_raw(client: &HttpClient, path: &str, data: Vec<u8>) -> Vec<u8> {
    let answer = client
        .abci_query(Some(path.to_string()), data, None, false)
        .await
        .unwrap();
    assert!(answer.code.is_ok(), "{path}: {}", answer.log);
    answer.value
}

/// Account number and sequence, or `None` when the node cannot answer (e.g. it is gone).
pub async fn try_account_numbers(client: &HttpClient, address: &str) -> Option<(u64, u64)> {
    let request = QueryAccountRequest {
        address: address.to_string(),
    };
    let answer = client
        .abci_query(
            Some("/cosmos.auth.v1beta1.Query/Account".to_string()),
            request.encode_to_vec(),
            None,
            false,
        )
        .await
        .ok()?;
    let any = QueryAccountResponse::decode(answer.value.as_slice())
        .ok()?
        .account?;
    let account = BaseAccount::decode(any.value.as_slice()).ok()?;
    Some((account.account_number, account.sequence))
}

pub async fn account_numbers(client: &HttpClient, address: &str) -> (u64, u64) {
    let request = QueryAccountRequest {
        address: address.to_string(),
    };
    let value = query_raw(
        client,
        "/cosmos.auth.v1beta1.Query/Account",
        request.encode_to_vec(),
    )
    .await;
    let any = QueryAccountResponse::decode(value.as_slice())
        .unwrap()
        .account
        .expect("an account");
    let account = BaseAccount::decode(any.value.as_slice()).unwrap();
    (account.account_number, account.sequence)
}

pub async fn balance(client: &HttpClient, address: &str) -> u128 {
    let request = QueryBalanceRequest {
        address: address.to_string(),
        denom: DENOM.to_string(),
    };
    let value = query_raw(
        client,
        "/cosmos.bank.v1beta1.Query/Balance",
        request.encode_to_vec(),
    )
    .await;
    QueryBalanceResponse::decode(value.as_slice())
        .unwrap()
        .balance
        .map(|c| c.amount.parse().unwrap())
        .unwrap_or(0)
}

pub async fn smart_query(
    client: &HttpClient,
    contract: &str,
    msg: &impl serde::Serialize,
) -> serde_json::Value {
    use cosmrs::proto::cosmwasm::wasm::v1::{
        QuerySmartContractStateRequest, QuerySmartContractStateResponse,
    };
    let request = QuerySmartContractStateRequest {
        address: contract.to_string(),
        query_data: serde_json::to_vec(msg).unwrap(),
    };
    let value = query_raw(
        client,
        "/cosmwasm.wasm.v1.Query/SmartContractState",
        request.encode_to_vec(),
    )
    .await;
    let data = QuerySmartContractStateResponse::decode(value.as_slice())
        .unwrap()
        .data;
    serde_json::from_slice(&data).unwrap()
}
