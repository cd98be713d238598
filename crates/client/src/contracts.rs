//! Finding Kumo's contracts by label, as wasmd lists them: every code (`Codes`), each code's
//! contracts (`ContractsByCode`), each contract's info (`ContractInfo`). The devnet labels its
//! genesis contracts "governance", "registry" and "market".
//!
//! Labels are not unique on a shared chain (anyone can instantiate a contract named "market"),
//! so the earliest contract with the label wins and later ones are ignored with a warning. On a
//! public chain, configure the addresses instead.

use cosmrs::proto::cosmos::base::query::v1beta1::PageRequest;
use cosmrs::proto::cosmwasm::wasm::v1::{
    QueryCodesRequest, QueryCodesResponse, QueryContractInfoRequest, QueryContractInfoResponse,
    QueryContractsByCodeRequest, QueryContractsByCodeResponse,
};

use crate::client::ResolvedContracts;
use crate::config::ContractAddresses;
use crate::error::ClientError;
use crate::query::{abci_query, path};
use crate::rpc::Rpc;

pub const MARKET_LABEL: &str = "market";
pub const REGISTRY_LABEL: &str = "registry";
pub const GOVERNANCE_LABEL: &str = "governance";

const PAGE_LIMIT: u64 = 100;

fn page(key: Vec<u8>) -> Option<PageRequest> {
    Some(PageRequest {
        key,
        limit: PAGE_LIMIT,
        ..Default::default()
    })
}

/// Every stored code id, in order.
pub async fn code_ids(rpc: &Rpc) -> Result<Vec<u64>, ClientError> {
    let mut ids = Vec::new();
    let mut key = Vec::new();
    loop {
        let response: QueryCodesResponse = abci_query(
            rpc,
            path::CODES,
            &QueryCodesRequest {
                pagination: page(key),
            },
        )
        .await?;
        ids.extend(response.code_infos.iter().map(|c| c.code_id));
        match response.pagination {
            Some(p) if !p.next_key.is_empty() => key = p.next_key,
            _ => return Ok(ids),
        }
    }
}

/// The contracts of a code, oldest first.
pub async fn contracts_by_code(rpc: &Rpc, code_id: u64) -> Result<Vec<String>, ClientError> {
    let mut contracts = Vec::new();
    let mut key = Vec::new();
    loop {
        let response: QueryContractsByCodeResponse = abci_query(
            rpc,
            path::CONTRACTS_BY_CODE,
            &QueryContractsByCodeRequest {
                code_id,
                pagination: page(key),
            },
        )
        .await?;
        contracts.extend(response.contracts);
        match response.pagination {
            Some(p) if !p.next_key.is_empty() => key = p.next_key,
            _ => return Ok(contracts),
        }
    }
}

pub async fn contract_label(rpc: &Rpc, address: &str) -> Result<String, ClientError> {
    let response: QueryContractInfoResponse = abci_query(
        rpc,
        path::CONTRACT_INFO,
        &QueryContractInfoRequest {
            address: address.to_string(),
        },
    )
    .await?;
    Ok(response.contract_info.map(|i| i.label).unwrap_or_default())
}

/// The given addresses, with the missing ones found by label.
pub async fn resolve(
    rpc: &Rpc,
    given: &ContractAddresses,
) -> Result<ResolvedContracts, ClientError> {
    let mut market = given.market.clone();
    let mut registry = given.registry.clone();
    let mut governance = given.governance.clone();
    if market.is_none() || registry.is_none() || governance.is_none() {
        let missing = |m: &Option<String>, r: &Option<String>, g: &Option<String>| {
            m.is_none() || r.is_none() || g.is_none()
        };
        'codes: for code_id in code_ids(rpc).await? {
            for address in contracts_by_code(rpc, code_id).await? {
                let label = contract_label(rpc, &address).await?;
                let slot = match label.as_str() {
                    MARKET_LABEL if given.market.is_none() => &mut market,
                    REGISTRY_LABEL if given.registry.is_none() => &mut registry,
                    GOVERNANCE_LABEL if given.governance.is_none() => &mut governance,
                    _ => continue,
                };
                if slot.is_none() {
                    *slot = Some(address);
                } else {
                    tracing::warn!(
                        %label, ignored = %address,
                        "another contract has this label; using the earliest (configure the address to choose)"
                    );
                }
                if !missing(&market, &registry, &governance) {
                    break 'codes;
                }
            }
        }
    }
    let found = |address: Option<String>, label: &str| {
        address.ok_or_else(|| ClientError::ContractNotFound {
            label: label.to_string(),
        })
    };
    Ok(ResolvedContracts {
        market: found(market, MARKET_LABEL)?,
        registry: found(registry, REGISTRY_LABEL)?,
        governance: found(governance, GOVERNANCE_LABEL)?,
    })
}
