//! Reads: latest height, accounts, balances and contract smart queries (typed with
//! `kumo_types`), all through `abci_query` with the SDK's gRPC paths.

use std::str::FromStr;

use cosmrs::proto::cosmos::auth::v1beta1::{
    BaseAccount, ModuleAccount, QueryAccountRequest, QueryAccountResponse,
};
use cosmrs::proto::cosmos::bank::v1beta1::{
    QueryAllBalancesRequest, QueryAllBalancesResponse, QueryBalanceRequest, QueryBalanceResponse,
};
use cosmrs::proto::cosmos::base::query::v1beta1::PageRequest;
use cosmrs::proto::cosmos::vesting::v1beta1::DelayedVestingAccount;
use cosmrs::proto::cosmwasm::wasm::v1::{
    QuerySmartContractStateRequest, QuerySmartContractStateResponse,
};
use cosmrs::proto::prost::Message;
use cosmwasm_std::{Coin, Uint256};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tendermint_rpc::Client;

use crate::abci_log;
use crate::error::ClientError;
use crate::rpc::Rpc;
use crate::ChainClient;

pub mod path {
    pub const ACCOUNT: &str = "/cosmos.auth.v1beta1.Query/Account";
    pub const BALANCE: &str = "/cosmos.bank.v1beta1.Query/Balance";
    pub const ALL_BALANCES: &str = "/cosmos.bank.v1beta1.Query/AllBalances";
    pub const SMART_CONTRACT_STATE: &str = "/cosmwasm.wasm.v1.Query/SmartContractState";
    pub const CONTRACT_INFO: &str = "/cosmwasm.wasm.v1.Query/ContractInfo";
    pub const CODES: &str = "/cosmwasm.wasm.v1.Query/Codes";
    pub const CONTRACTS_BY_CODE: &str = "/cosmwasm.wasm.v1.Query/ContractsByCode";
    pub const SIMULATE: &str = "/cosmos.tx.v1beta1.Service/Simulate";
}

/// The SDK's "key not found" (gRPC NotFound through abci_query).
const CODE_KEY_NOT_FOUND: u32 = 22;
/// Page size for listing queries.
const PAGE_LIMIT: u64 = 100;

/// An account's number and next sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AccountInfo {
    pub account_number: u64,
    pub sequence: u64,
}

/// Sends `data` to an `abci_query` path, retrying transport failures; the answer as is.
pub async fn abci_query_raw(
    rpc: &Rpc,
    path: &str,
    data: Vec<u8>,
) -> Result<tendermint_rpc::endpoint::abci_query::AbciQuery, ClientError> {
    rpc.call("abci_query", |http| {
        let data = data.clone();
        async move {
            http.abci_query(Some(path.to_string()), data, None, false)
                .await
        }
    })
    .await
}

/// Sends a protobuf gRPC query through `abci_query` and decodes the answer. A failed query
/// becomes `ClientError::Query` (or `Contract` for a contract's own error).
pub async fn abci_query<Req: Message, Resp: Message + Default>(
    rpc: &Rpc,
    path: &str,
    request: &Req,
) -> Result<Resp, ClientError> {
    let answer = abci_query_raw(rpc, path, request.encode_to_vec()).await?;
    if answer.code.is_err() {
        let log = answer.log;
        if let Some(message) = abci_log::contract_message(&log) {
            return Err(ClientError::Contract { message });
        }
        return Err(ClientError::Query {
            path: path.to_string(),
            code: answer.code.value(),
            codespace: answer.codespace,
            log,
        });
    }
    Resp::decode(answer.value.as_slice()).map_err(|e| ClientError::decode(path, e))
}

/// The base account inside whatever account type the chain stores.
fn decode_account(any: &cosmrs::Any) -> Result<BaseAccount, ClientError> {
    let decode_err = |e: cosmrs::proto::prost::DecodeError| ClientError::decode(&any.type_url, e);
    let base = match any.type_url.as_str() {
        "/cosmos.auth.v1beta1.BaseAccount" => {
            Some(BaseAccount::decode(any.value.as_slice()).map_err(decode_err)?)
        }
        "/cosmos.auth.v1beta1.ModuleAccount" => {
            ModuleAccount::decode(any.value.as_slice())
                .map_err(decode_err)?
                .base_account
        }
        // Every vesting account starts with a BaseVestingAccount holding the BaseAccount.
        url if url.starts_with("/cosmos.vesting.v1beta1.") => {
            DelayedVestingAccount::decode(any.value.as_slice())
                .map_err(decode_err)?
                .base_vesting_account
                .and_then(|v| v.base_account)
        }
        other => {
            return Err(ClientError::decode(
                "account",
                format!("unsupported account type {other}"),
            ))
        }
    };
    base.ok_or_else(|| ClientError::decode("account", "no base account"))
}

fn parse_coin(coin: cosmrs::proto::cosmos::base::v1beta1::Coin) -> Result<Coin, ClientError> {
    let amount = Uint256::from_str(&coin.amount)
        .map_err(|e| ClientError::decode(format!("amount of {}", coin.denom), e))?;
    Ok(Coin::new(amount, coin.denom))
}

impl ChainClient {
    /// The height of the node's latest block.
    pub async fn latest_height(&self) -> Result<u64, ClientError> {
        let status = self
            .rpc()
            .call("status", |http| async move { http.status().await })
            .await?;
        Ok(status.sync_info.latest_block_height.value())
    }

    /// The account's number and sequence; `None` if the chain has never seen it (no funds).
    pub async fn account(&self, address: &str) -> Result<Option<AccountInfo>, ClientError> {
        let request = QueryAccountRequest {
            address: address.to_string(),
        };
        let response: QueryAccountResponse =
            match abci_query(self.rpc(), path::ACCOUNT, &request).await {
                Ok(response) => response,
                Err(ClientError::Query { code, log, .. })
                    if code == CODE_KEY_NOT_FOUND || log.contains("not found") =>
                {
                    return Ok(None)
                }
                Err(e) => return Err(e),
            };
        let Some(any) = response.account else {
            return Ok(None);
        };
        let base = decode_account(&any)?;
        Ok(Some(AccountInfo {
            account_number: base.account_number,
            sequence: base.sequence,
        }))
    }

    /// Every balance of `address`, all pages.
    pub async fn balances(&self, address: &str) -> Result<Vec<Coin>, ClientError> {
        let mut coins = Vec::new();
        let mut key = Vec::new();
        loop {
            let request = QueryAllBalancesRequest {
                address: address.to_string(),
                pagination: Some(PageRequest {
                    key: key.clone(),
                    limit: PAGE_LIMIT,
                    ..Default::default()
                }),
                resolve_denom: false,
            };
            let response: QueryAllBalancesResponse =
                abci_query(self.rpc(), path::ALL_BALANCES, &request).await?;
            for coin in response.balances {
                coins.push(parse_coin(coin)?);
            }
            match response.pagination {
                Some(page) if !page.next_key.is_empty() => key = page.next_key,
                _ => return Ok(coins),
            }
        }
    }

    /// The balance of one denom (zero when none).
    pub async fn balance(&self, address: &str, denom: &str) -> Result<Uint256, ClientError> {
        let request = QueryBalanceRequest {
            address: address.to_string(),
            denom: denom.to_string(),
        };
        let response: QueryBalanceResponse =
            abci_query(self.rpc(), path::BALANCE, &request).await?;
        match response.balance {
            Some(coin) => Ok(parse_coin(coin)?.amount),
            None => Ok(Uint256::zero()),
        }
    }

    /// A contract's smart query, JSON in and out.
    pub async fn smart_query<Q: Serialize, R: DeserializeOwned>(
        &self,
        contract: &str,
        msg: &Q,
    ) -> Result<R, ClientError> {
        let request = QuerySmartContractStateRequest {
            address: contract.to_string(),
            query_data: serde_json::to_vec(msg).map_err(|e| ClientError::invalid("query", e))?,
        };
        let response: QuerySmartContractStateResponse =
            abci_query(self.rpc(), path::SMART_CONTRACT_STATE, &request).await?;
        serde_json::from_slice(&response.data).map_err(|e| {
            ClientError::decode(
                format!(
                    "the answer of contract {contract} as {}",
                    std::any::type_name::<R>()
                ),
                e,
            )
        })
    }

    pub async fn query_market<R: DeserializeOwned>(
        &self,
        msg: &kumo_types::market::QueryMsg,
    ) -> Result<R, ClientError> {
        self.smart_query(&self.contracts().market, msg).await
    }

    pub async fn query_registry<R: DeserializeOwned>(
        &self,
        msg: &kumo_types::registry::QueryMsg,
    ) -> Result<R, ClientError> {
        self.smart_query(&self.contracts().registry, msg).await
    }

    pub async fn query_governance<R: DeserializeOwned>(
        &self,
        msg: &kumo_types::governance::QueryMsg,
    ) -> Result<R, ClientError> {
        self.smart_query(&self.contracts().governance, msg).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cosmrs::proto::cosmos::vesting::v1beta1::{BaseVestingAccount, ContinuousVestingAccount};

    fn base(number: u64, sequence: u64) -> BaseAccount {
        BaseAccount {
            address: "kumo1x".into(),
            pub_key: None,
            account_number: number,
            sequence,
        }
    }

    #[test]
    fn accounts_of_every_kind_yield_number_and_sequence() {
        let plain = cosmrs::Any::from_msg(&base(3, 9)).unwrap();
        assert_eq!(decode_account(&plain).unwrap().sequence, 9);
        let module = cosmrs::Any::from_msg(&ModuleAccount {
            base_account: Some(base(4, 1)),
            name: "fee_collector".into(),
            permissions: vec![],
        })
        .unwrap();
        assert_eq!(decode_account(&module).unwrap().account_number, 4);
        let vesting = cosmrs::Any::from_msg(&ContinuousVestingAccount {
            base_vesting_account: Some(BaseVestingAccount {
                base_account: Some(base(5, 2)),
                ..Default::default()
            }),
            start_time: 1,
        })
        .unwrap();
        assert_eq!(decode_account(&vesting).unwrap().account_number, 5);
        let other = cosmrs::Any {
            type_url: "/ethermint.types.v1.EthAccount".into(),
            value: vec![],
        };
        assert!(matches!(
            decode_account(&other),
            Err(ClientError::Decode { .. })
        ));
    }
}
