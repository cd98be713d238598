//! Drives `KumoApp` directly, block by block, with real cosmrs-signed txs from the dev accounts.
#![allow(dead_code)]

use std::path::PathBuf;

use cosmrs::crypto::secp256k1::SigningKey;
use cosmrs::proto::cosmos::auth::v1beta1::{
    BaseAccount, QueryAccountRequest, QueryAccountResponse,
};
use cosmrs::proto::cosmos::bank::v1beta1::{MsgSend, QueryBalanceRequest, QueryBalanceResponse};
use cosmrs::proto::cosmos::base::v1beta1::Coin as ProtoCoin;
use cosmrs::proto::cosmos::tx::v1beta1::TxRaw;
use cosmrs::proto::cosmwasm::wasm::v1::{
    MsgExecuteContract, MsgInstantiateContract, MsgStoreCode, QuerySmartContractStateRequest,
    QuerySmartContractStateResponse,
};
use cosmrs::proto::prost::{Message, Name};
use cosmrs::proto::Any;
use cosmrs::tx::{Body, Fee, SignDoc, SignerInfo};
use kumo_devnet::abci::{Application, BlockContext, GenesisContext};
use kumo_devnet::app::{
    dev_accounts, AppOptions, ChainParams, DevAccount, GenesisBuilder, KumoApp,
};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tendermint::abci::response;
use tendermint::abci::types::ExecTxResult;

pub const CHAIN_ID: &str = "kumo-test-1";
pub const DENOM: &str = "uakt";
pub const PREFIX: &str = "kumo";
pub const DEV_BALANCE: u128 = 1_000_000_000_000;
pub const ACCOUNTS: u32 = 5;
/// Enough for any test tx at the default 0.025 min gas price.
pub const GAS: u64 = 2_000_000;
/// Store code: 10 gas per tx byte plus 3 per wasm byte.
pub const UPLOAD_GAS: u64 = 20_000_000;

/// A test artifact from `artifacts/`, built by `scripts/build-wasm.sh`.
pub fn artifact(name: &str) -> Vec<u8> {
    let path = artifacts_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}. Build the contracts first: bash scripts/build-wasm.sh",
            path.display()
        )
    })
}

pub fn artifacts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../artifacts")
}

pub fn any<M: Message + Name>(msg: &M) -> Any {
    Any {
        type_url: format!("/{}", M::full_name()),
        value: msg.encode_to_vec(),
    }
}

pub fn coin(amount: u128) -> ProtoCoin {
    ProtoCoin {
        denom: DENOM.to_string(),
        amount: amount.to_string(),
    }
}

/// The fee the default min gas price asks for a gas limit.
pub fn fee_for(gas: u64) -> u128 {
    (gas as u128 * 25).div_ceil(1000)
}

/// What a signer puts in a tx.
#[derive(Clone)]
pub struct TxSpec {
    pub msgs: Vec<Any>,
    pub gas: u64,
    pub fee: u128,
    pub memo: String,
    pub chain_id: String,
    pub account_number: u64,
    pub sequence: u64,
    pub with_pub_key: bool,
}

/// Signs with SIGN_MODE_DIRECT, as a cosmrs client does.
pub fn sign(key: &SigningKey, spec: &TxSpec) -> Vec<u8> {
    let body = Body::new(spec.msgs.clone(), spec.memo.clone(), 0u32);
    let public_key = spec.with_pub_key.then(|| key.public_key());
    let signer_info = match public_key {
        Some(pk) => SignerInfo::single_direct(Some(pk), spec.sequence),
        None => SignerInfo::single_direct(None, spec.sequence),
    };
    let fee = Fee::from_amount_and_gas(
        cosmrs::Coin {
            denom: DENOM.parse().unwrap(),
            amount: spec.fee,
        },
        spec.gas,
    );
    let auth_info = signer_info.auth_info(fee);
    let sign_doc = SignDoc::new(
        &body,
        &auth_info,
        &spec.chain_id.parse().unwrap(),
        spec.account_number,
    )
    .unwrap();
    sign_doc.sign(key).unwrap().to_bytes().unwrap()
}

/// The raw parts of a tx, for tampering.
pub fn raw(tx: &[u8]) -> TxRaw {
    TxRaw::decode(tx).unwrap()
}

pub struct TestChain {
    pub app: KumoApp,
    pub height: u64,
    pub accounts: Vec<DevAccount>,
    /// Next sequence per dev account, as this test believes it.
    pub sequences: Vec<u64>,
}

pub fn genesis_time() -> tendermint::Time {
    tendermint::Time::from_unix_timestamp(1_700_000_000, 0).unwrap()
}

impl TestChain {
    /// In-memory app, `ACCOUNTS` dev accounts with `DEV_BALANCE` each.
    pub fn new() -> Self {
        Self::with_builder(Self::builder(), AppOptions::in_memory())
    }

    pub fn builder() -> GenesisBuilder {
        GenesisBuilder::new(ChainParams::default()).dev_accounts(ACCOUNTS, DEV_BALANCE)
    }

    pub fn with_builder(builder: GenesisBuilder, options: AppOptions) -> Self {
        let mut app = KumoApp::open(options).unwrap();
        app.init_chain(&GenesisContext {
            chain_id: CHAIN_ID.to_string(),
            genesis_time: genesis_time(),
            initial_height: 1,
            app_state: builder.to_json(),
        })
        .unwrap();
        Self::from_app(app)
    }

    /// An app with `count` funded dev accounts.
    pub fn with_dev_accounts(count: u32, options: AppOptions) -> Self {
        let builder = GenesisBuilder::new(ChainParams::default()).dev_accounts(count, DEV_BALANCE);
        let mut app = KumoApp::open(options).unwrap();
        app.init_chain(&GenesisContext {
            chain_id: CHAIN_ID.to_string(),
            genesis_time: genesis_time(),
            initial_height: 1,
            app_state: builder.to_json(),
        })
        .unwrap();
        Self::from_app_with_accounts(app, count)
    }

    /// Wraps an already initialized app (e.g. reopened from disk).
    pub fn from_app(app: KumoApp) -> Self {
        Self::from_app_with_accounts(app, ACCOUNTS)
    }

    pub fn from_app_with_accounts(app: KumoApp, count: u32) -> Self {
        let accounts = dev_accounts(PREFIX, count);
        let height = app.last_height();
        let mut chain = Self {
            app,
            height,
            sequences: vec![0; accounts.len()],
            accounts,
        };
        for i in 0..chain.accounts.len() {
            chain.sequences[i] = chain
                .base_account(&chain.accounts[i].address.clone())
                .map_or(0, |a| a.sequence);
        }
        chain
    }

    pub fn addr(&self, i: usize) -> String {
        self.accounts[i].address.clone()
    }

    /// A tx spec for dev account `i` with the right account number and next sequence.
    pub fn spec(&self, i: usize, msgs: Vec<Any>) -> TxSpec {
        let account_number = self
            .base_account(&self.accounts[i].address)
            .map_or(i as u64, |a| a.account_number);
        TxSpec {
            msgs,
            gas: GAS,
            fee: fee_for(GAS),
            memo: String::new(),
            chain_id: CHAIN_ID.to_string(),
            account_number,
            sequence: self.sequences[i],
            with_pub_key: true,
        }
    }

    /// Signs a tx of dev account `i` and advances its sequence.
    pub fn tx(&mut self, i: usize, msgs: Vec<Any>) -> Vec<u8> {
        let spec = self.spec(i, msgs);
        self.sign_spec(i, &spec)
    }

    pub fn sign_spec(&mut self, i: usize, spec: &TxSpec) -> Vec<u8> {
        let tx = sign(&self.accounts[i].signing_key(), spec);
        self.sequences[i] = spec.sequence + 1;
        tx
    }

    pub fn block_context(&self, height: u64) -> BlockContext {
        BlockContext {
            chain_id: CHAIN_ID.to_string(),
            height,
            time: (genesis_time() + std::time::Duration::from_secs(height)).unwrap(),
        }
    }

    /// Finalizes and commits a block of `txs`.
    pub fn block(&mut self, txs: Vec<Vec<u8>>) -> response::FinalizeBlock {
        let result = self.finalize(txs);
        self.app.commit().unwrap();
        result
    }

    pub fn finalize(&mut self, txs: Vec<Vec<u8>>) -> response::FinalizeBlock {
        self.height += 1;
        let ctx = self.block_context(self.height);
        self.app.finalize_block(&ctx, &txs)
    }

    /// One tx in its own block; its result.
    pub fn deliver(&mut self, tx: Vec<u8>) -> ExecTxResult {
        self.block(vec![tx]).tx_results.remove(0)
    }

    /// Runs a tx of dev account `i` that must succeed.
    pub fn exec_ok(&mut self, i: usize, msgs: Vec<Any>) -> ExecTxResult {
        self.exec_ok_with_gas(i, msgs, GAS)
    }

    pub fn exec_ok_with_gas(&mut self, i: usize, msgs: Vec<Any>, gas: u64) -> ExecTxResult {
        let mut spec = self.spec(i, msgs);
        spec.gas = gas;
        spec.fee = fee_for(gas);
        let tx = self.sign_spec(i, &spec);
        let result = self.deliver(tx);
        assert_eq!(result.code.value(), 0, "tx failed: {}", result.log);
        result
    }

    pub fn query<Req: Message, Res: Message + Default>(
        &self,
        path: &str,
        req: &Req,
    ) -> Result<Res, (u32, String, String)> {
        let res = self.app.query(path, &req.encode_to_vec(), 0, false);
        if res.code.is_err() {
            return Err((res.code.value(), res.codespace, res.log));
        }
        Ok(Res::decode(res.value.as_ref()).unwrap())
    }

    pub fn balance(&self, address: &str) -> u128 {
        let res: QueryBalanceResponse = self
            .query(
                "/cosmos.bank.v1beta1.Query/Balance",
                &QueryBalanceRequest {
                    address: address.to_string(),
                    denom: DENOM.to_string(),
                },
            )
            .unwrap();
        res.balance.unwrap().amount.parse().unwrap()
    }

    pub fn base_account(&self, address: &str) -> Option<BaseAccount> {
        let res: QueryAccountResponse = self
            .query(
                "/cosmos.auth.v1beta1.Query/Account",
                &QueryAccountRequest {
                    address: address.to_string(),
                },
            )
            .ok()?;
        Some(BaseAccount::decode(res.account.unwrap().value.as_slice()).unwrap())
    }

    pub fn smart<T: DeserializeOwned>(
        &self,
        contract: &str,
        msg: &Value,
    ) -> Result<T, (u32, String, String)> {
        let res: QuerySmartContractStateResponse = self.query(
            "/cosmwasm.wasm.v1.Query/SmartContractState",
            &QuerySmartContractStateRequest {
                address: contract.to_string(),
                query_data: serde_json::to_vec(msg).unwrap(),
            },
        )?;
        Ok(serde_json::from_slice(&res.data).unwrap())
    }

    // --- message builders -------------------------------------------------------------------

    pub fn send(&self, from: usize, to: &str, amount: u128) -> Any {
        any(&MsgSend {
            from_address: self.addr(from),
            to_address: to.to_string(),
            amount: vec![coin(amount)],
        })
    }

    pub fn store_code(&self, from: usize, wasm: Vec<u8>) -> Any {
        any(&MsgStoreCode {
            sender: self.addr(from),
            wasm_byte_code: wasm,
            instantiate_permission: None,
        })
    }

    pub fn instantiate(&self, from: usize, code_id: u64, msg: &Value, label: &str) -> Any {
        any(&MsgInstantiateContract {
            sender: self.addr(from),
            admin: self.addr(from),
            code_id,
            label: label.to_string(),
            msg: serde_json::to_vec(msg).unwrap(),
            funds: vec![],
        })
    }

    pub fn execute(&self, from: usize, contract: &str, msg: &Value, funds: u128) -> Any {
        any(&MsgExecuteContract {
            sender: self.addr(from),
            contract: contract.to_string(),
            msg: serde_json::to_vec(msg).unwrap(),
            funds: if funds == 0 {
                vec![]
            } else {
                vec![coin(funds)]
            },
        })
    }

    /// Stores a code in its own block and returns its id.
    pub fn upload(&mut self, from: usize, wasm: Vec<u8>) -> u64 {
        let msg = self.store_code(from, wasm);
        let result = self.exec_ok_with_gas(from, vec![msg], UPLOAD_GAS);
        attr(&result, "store_code", "code_id").parse().unwrap()
    }

    /// Instantiates in its own block and returns the contract address.
    pub fn create(&mut self, from: usize, code_id: u64, msg: &Value, label: &str) -> String {
        let msg = self.instantiate(from, code_id, msg, label);
        let result = self.exec_ok(from, vec![msg]);
        attr(&result, "instantiate", "_contract_address")
    }
}

/// The value of the first attribute `key` of the first event of type `kind`.
pub fn attr(result: &ExecTxResult, kind: &str, key: &str) -> String {
    find_attr(&result.events, kind, key)
        .unwrap_or_else(|| panic!("no {kind}.{key} in {:#?}", result.events))
}

pub fn find_attr(events: &[tendermint::abci::Event], kind: &str, key: &str) -> Option<String> {
    events
        .iter()
        .filter(|e| e.kind == kind)
        .flat_map(|e| e.attributes.iter())
        .find(|a| a.key_str().ok() == Some(key))
        .map(|a| a.value_str().unwrap().to_string())
}

/// Events as (type, [(key, value)]) for readable assertions.
pub fn events(result: &ExecTxResult) -> Vec<(String, Vec<(String, String)>)> {
    result
        .events
        .iter()
        .map(|e| {
            (
                e.kind.clone(),
                e.attributes
                    .iter()
                    .map(|a| {
                        (
                            a.key_str().unwrap().to_string(),
                            a.value_str().unwrap().to_string(),
                        )
                    })
                    .collect(),
            )
        })
        .collect()
}

pub fn event_types(result: &ExecTxResult) -> Vec<String> {
    result.events.iter().map(|e| e.kind.clone()).collect()
}
