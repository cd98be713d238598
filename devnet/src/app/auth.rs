//! The auth module: accounts with their number, sequence and public key, stored as the SDK 0.50
//! stores them (an `Any`-wrapped `BaseAccount` under `0x01 | len(addr) | addr`).

use cosmrs::proto::cosmos::auth::v1beta1::BaseAccount;
use cosmrs::proto::cosmos::crypto::secp256k1::PubKey as Secp256k1PubKey;
use cosmrs::proto::prost::Message;
use cosmrs::proto::Any;

use super::address::module_address;
use super::context::{Ctx, Namespace};
use super::error::{codes, AbciError, AbciResult};

pub const BASE_ACCOUNT_TYPE_URL: &str = "/cosmos.auth.v1beta1.BaseAccount";
pub const SECP256K1_PUBKEY_TYPE_URL: &str = "/cosmos.crypto.secp256k1.PubKey";

/// Module account receiving tx fees.
pub const FEE_COLLECTOR: &str = "fee_collector";
/// wasmd's module account, through which contracts burn coins.
pub const WASM_MODULE: &str = "wasm";

const ACCOUNT_PREFIX: u8 = 0x01;
const ACCOUNT_NUMBER_KEY: &[u8] = &[0x02];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub address: Vec<u8>,
    /// Compressed secp256k1 key, set by the account's first tx.
    pub pub_key: Option<Vec<u8>>,
    pub account_number: u64,
    pub sequence: u64,
}

pub fn fee_collector_address() -> Vec<u8> {
    module_address(FEE_COLLECTOR)
}

pub fn wasm_module_address() -> Vec<u8> {
    module_address(WASM_MODULE)
}

/// Module accounts may not receive funds through `MsgSend` (the SDK's blocked addresses).
pub fn is_blocked_address(address: &[u8]) -> bool {
    address == fee_collector_address().as_slice() || address == wasm_module_address().as_slice()
}

pub fn account_key(address: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(address.len() + 2);
    key.push(ACCOUNT_PREFIX);
    key.push(address.len() as u8);
    key.extend_from_slice(address);
    key
}

pub fn get_account(ctx: &Ctx, address: &[u8]) -> AbciResult<Option<Account>> {
    ctx.kv_get(Namespace::Auth, &account_key(address))?
        .map(|bytes| decode_account(ctx, &bytes))
        .transpose()
}

pub fn has_account(ctx: &Ctx, address: &[u8]) -> AbciResult<bool> {
    ctx.kv_has(Namespace::Auth, &account_key(address))
}

pub fn set_account(ctx: &Ctx, account: &Account) -> AbciResult<()> {
    let bytes = encode_account(ctx, account)?;
    ctx.kv_set(Namespace::Auth, &account_key(&account.address), bytes)
}

/// `NewAccountWithAddress` + `SetAccount`: a fresh account with the next account number.
pub fn create_account(ctx: &Ctx, address: &[u8]) -> AbciResult<Account> {
    let account = Account {
        address: address.to_vec(),
        pub_key: None,
        account_number: next_account_number(ctx)?,
        sequence: 0,
    };
    set_account(ctx, &account)?;
    Ok(account)
}

fn next_account_number(ctx: &Ctx) -> AbciResult<u64> {
    let current = match ctx.kv_get(Namespace::Auth, ACCOUNT_NUMBER_KEY)? {
        None => 0,
        Some(bytes) => u64::from_be_bytes(
            bytes
                .as_slice()
                .try_into()
                .map_err(|_| codes::LOGIC.wrap("corrupt account number sequence"))?,
        ),
    };
    ctx.kv_set(
        Namespace::Auth,
        ACCOUNT_NUMBER_KEY,
        (current + 1).to_be_bytes().to_vec(),
    )?;
    Ok(current)
}

/// The `Any` the `Account` query returns and the store holds.
pub fn encode_account(ctx: &Ctx, account: &Account) -> AbciResult<Vec<u8>> {
    let address = ctx
        .codec
        .encode(&account.address)
        .map_err(|e| codes::INVALID_ADDRESS.wrap(e.to_string()))?;
    let pub_key = account.pub_key.as_ref().map(|key| Any {
        type_url: SECP256K1_PUBKEY_TYPE_URL.to_string(),
        value: Secp256k1PubKey { key: key.clone() }.encode_to_vec(),
    });
    let base = BaseAccount {
        address,
        pub_key,
        account_number: account.account_number,
        sequence: account.sequence,
    };
    Ok(Any {
        type_url: BASE_ACCOUNT_TYPE_URL.to_string(),
        value: base.encode_to_vec(),
    }
    .encode_to_vec())
}

fn decode_account(ctx: &Ctx, bytes: &[u8]) -> AbciResult<Account> {
    let corrupt =
        |what: &str| -> AbciError { codes::LOGIC.wrap(format!("corrupt account: {what}")) };
    let any = Any::decode(bytes).map_err(|e| corrupt(&e.to_string()))?;
    if any.type_url != BASE_ACCOUNT_TYPE_URL {
        return Err(corrupt(&any.type_url));
    }
    let base = BaseAccount::decode(any.value.as_slice()).map_err(|e| corrupt(&e.to_string()))?;
    let address = ctx
        .codec
        .decode(&base.address)
        .map_err(|e| corrupt(&e.to_string()))?;
    let pub_key = match base.pub_key {
        None => None,
        Some(any) if any.type_url == SECP256K1_PUBKEY_TYPE_URL => Some(
            Secp256k1PubKey::decode(any.value.as_slice())
                .map_err(|e| corrupt(&e.to_string()))?
                .key,
        ),
        Some(any) => return Err(corrupt(&any.type_url)),
    };
    Ok(Account {
        address,
        pub_key,
        account_number: base.account_number,
        sequence: base.sequence,
    })
}
