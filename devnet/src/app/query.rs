//! `abci_query` paths: the gRPC queries clients send, protobuf in and out, with the SDK's and
//! wasmd's error codes for bad requests and missing entries.

use std::rc::Rc;

use cosmrs::proto::cosmos::auth::v1beta1::{QueryAccountRequest, QueryAccountResponse};
use cosmrs::proto::cosmos::bank::v1beta1::{
    QueryAllBalancesRequest, QueryAllBalancesResponse, QueryBalanceRequest, QueryBalanceResponse,
    QuerySupplyOfRequest, QuerySupplyOfResponse,
};
use cosmrs::proto::cosmos::base::query::v1beta1::PageResponse;
use cosmrs::proto::cosmos::base::v1beta1::Coin as ProtoCoin;
use cosmrs::proto::cosmwasm::wasm::v1::{
    CodeInfoResponse, QueryCodeRequest, QueryCodeResponse, QueryCodesRequest, QueryCodesResponse,
    QueryContractInfoRequest, QueryContractInfoResponse, QueryContractsByCodeRequest,
    QueryContractsByCodeResponse, QueryRawContractStateRequest, QueryRawContractStateResponse,
    QuerySmartContractStateRequest, QuerySmartContractStateResponse,
};
use cosmrs::proto::prost::Message;
use cosmwasm_std::Checksum;

use super::auth;
use super::bank;
use super::context::Ctx;
use super::error::{codes, AbciError, AbciResult};
use super::wasm::keeper;

pub const ACCOUNT: &str = "/cosmos.auth.v1beta1.Query/Account";
pub const BALANCE: &str = "/cosmos.bank.v1beta1.Query/Balance";
pub const ALL_BALANCES: &str = "/cosmos.bank.v1beta1.Query/AllBalances";
pub const SUPPLY_OF: &str = "/cosmos.bank.v1beta1.Query/SupplyOf";
pub const SMART_CONTRACT_STATE: &str = "/cosmwasm.wasm.v1.Query/SmartContractState";
pub const RAW_CONTRACT_STATE: &str = "/cosmwasm.wasm.v1.Query/RawContractState";
pub const CONTRACT_INFO: &str = "/cosmwasm.wasm.v1.Query/ContractInfo";
pub const CODE: &str = "/cosmwasm.wasm.v1.Query/Code";
pub const CODES: &str = "/cosmwasm.wasm.v1.Query/Codes";
pub const CONTRACTS_BY_CODE: &str = "/cosmwasm.wasm.v1.Query/ContractsByCode";
pub const SIMULATE: &str = "/cosmos.tx.v1beta1.Service/Simulate";

/// The SDK's default page size.
const DEFAULT_LIMIT: u64 = 100;

/// A gRPC status error as it comes out of `abci_query` (`gRPCErrorToSDKError`).
fn not_found(desc: String) -> AbciError {
    codes::KEY_NOT_FOUND.wrap(format!("rpc error: code = NotFound desc = {desc}"))
}

fn invalid_argument(desc: String) -> AbciError {
    codes::INVALID_REQUEST.wrap(format!("rpc error: code = InvalidArgument desc = {desc}"))
}

fn decode<M: Message + Default>(data: &[u8]) -> AbciResult<M> {
    M::decode(data).map_err(|e| invalid_argument(format!("failed to decode request: {e}")))
}

fn address(ctx: &Ctx, address: &str) -> AbciResult<Vec<u8>> {
    if address.is_empty() {
        return Err(invalid_argument(
            "empty address string is not allowed".into(),
        ));
    }
    ctx.codec
        .decode(address)
        .map_err(|e| invalid_argument(format!("invalid address: {e}")))
}

fn proto_coin(denom: &str, amount: impl ToString) -> ProtoCoin {
    ProtoCoin {
        denom: denom.to_string(),
        amount: amount.to_string(),
    }
}

/// Answers a state query (everything but Simulate, which the app runs on its check state).
pub fn handle(ctx: &Rc<Ctx>, path: &str, data: &[u8]) -> AbciResult<Vec<u8>> {
    match path {
        ACCOUNT => {
            let req: QueryAccountRequest = decode(data)?;
            let addr = address(ctx, &req.address)?;
            let account = auth::get_account(ctx, &addr)?
                .ok_or_else(|| not_found(format!("account {} not found", req.address)))?;
            let any = cosmrs::proto::Any::decode(auth::encode_account(ctx, &account)?.as_slice())
                .map_err(|e| codes::LOGIC.wrap(e.to_string()))?;
            Ok(QueryAccountResponse { account: Some(any) }.encode_to_vec())
        }
        BALANCE => {
            let req: QueryBalanceRequest = decode(data)?;
            let addr = address(ctx, &req.address)?;
            if !bank::is_valid_denom(&req.denom) {
                return Err(invalid_argument(format!("invalid denom: {}", req.denom)));
            }
            let amount = bank::balance(ctx, &addr, &req.denom)?;
            Ok(QueryBalanceResponse {
                balance: Some(proto_coin(&req.denom, amount)),
            }
            .encode_to_vec())
        }
        ALL_BALANCES => {
            let req: QueryAllBalancesRequest = decode(data)?;
            let addr = address(ctx, &req.address)?;
            let page = req.pagination.unwrap_or_default();
            if !page.key.is_empty() && page.offset > 0 {
                return Err(invalid_argument(
                    "paginate: invalid request, either offset or key is expected, got both".into(),
                ));
            }
            let limit = if page.limit == 0 {
                DEFAULT_LIMIT
            } else {
                page.limit
            };
            let start = (!page.key.is_empty()).then_some(page.key.as_slice());
            let count_total = page.count_total && start.is_none();
            let (coins, next_key, total) = bank::balances_page(
                ctx,
                &addr,
                start,
                page.offset,
                limit,
                count_total,
                page.reverse,
            )?;
            Ok(QueryAllBalancesResponse {
                balances: coins
                    .iter()
                    .map(|c| proto_coin(&c.denom, c.amount))
                    .collect(),
                pagination: Some(PageResponse { next_key, total }),
            }
            .encode_to_vec())
        }
        SUPPLY_OF => {
            let req: QuerySupplyOfRequest = decode(data)?;
            if !bank::is_valid_denom(&req.denom) {
                return Err(invalid_argument(format!("invalid denom: {}", req.denom)));
            }
            let amount = bank::supply(ctx, &req.denom)?;
            Ok(QuerySupplyOfResponse {
                amount: Some(proto_coin(&req.denom, amount)),
            }
            .encode_to_vec())
        }
        SMART_CONTRACT_STATE => {
            let req: QuerySmartContractStateRequest = decode(data)?;
            let addr = address(ctx, &req.address)?;
            if serde_json::from_slice::<serde::de::IgnoredAny>(&req.query_data).is_err() {
                return Err(invalid_argument("invalid query data".into()));
            }
            let data = keeper::query_smart(ctx, &addr, &req.query_data).map_err(|err| {
                if err.out_of_gas {
                    let meter = ctx.gas_meter();
                    let mut err = err.clone();
                    err.log = err.out_of_gas_log(meter.limit(), meter.consumed());
                    err
                } else {
                    err
                }
            })?;
            Ok(QuerySmartContractStateResponse { data }.encode_to_vec())
        }
        RAW_CONTRACT_STATE => {
            let req: QueryRawContractStateRequest = decode(data)?;
            let addr = address(ctx, &req.address)?;
            if keeper::contract_info(ctx, &addr)?.is_none() {
                return Err(keeper::no_such_contract(&req.address));
            }
            let data = keeper::query_raw(ctx, &addr, &req.query_data)?.unwrap_or_default();
            Ok(QueryRawContractStateResponse { data }.encode_to_vec())
        }
        CONTRACT_INFO => {
            let req: QueryContractInfoRequest = decode(data)?;
            let addr = address(ctx, &req.address)?;
            let info = keeper::contract_info(ctx, &addr)?
                .ok_or_else(|| keeper::no_such_contract(&req.address))?;
            Ok(QueryContractInfoResponse {
                address: req.address,
                contract_info: Some(info),
            }
            .encode_to_vec())
        }
        CODE => {
            let req: QueryCodeRequest = decode(data)?;
            if req.code_id == 0 {
                return Err(invalid_argument("invalid code id".into()));
            }
            let info = keeper::code_info(ctx, req.code_id)?
                .ok_or_else(|| codes::WASM_NO_SUCH_CODE.wrap(format!("code id {}", req.code_id)))?;
            let checksum = Checksum::try_from(info.code_hash.as_slice())
                .map_err(|e| codes::LOGIC.wrap(e.to_string()))?;
            let wasm = keeper::code_bytes(ctx, &checksum)?.unwrap_or_default();
            Ok(QueryCodeResponse {
                code_info: Some(code_info_response(req.code_id, info)),
                data: wasm,
            }
            .encode_to_vec())
        }
        CODES => {
            let req: QueryCodesRequest = decode(data)?;
            let page = req.pagination.unwrap_or_default();
            let start_after = match page.key.as_slice() {
                [] => 0,
                key => u64::from_be_bytes(
                    key.try_into()
                        .map_err(|_| invalid_argument("invalid pagination key".into()))?,
                )
                .saturating_sub(1),
            };
            let limit = if page.limit == 0 {
                DEFAULT_LIMIT
            } else {
                page.limit
            };
            let (infos, more) = keeper::code_infos_page(ctx, start_after, limit as usize)?;
            let next_key = match (more, infos.last()) {
                (true, Some((id, _))) => (id + 1).to_be_bytes().to_vec(),
                _ => Vec::new(),
            };
            Ok(QueryCodesResponse {
                code_infos: infos
                    .into_iter()
                    .map(|(id, info)| code_info_response(id, info))
                    .collect(),
                pagination: Some(PageResponse { next_key, total: 0 }),
            }
            .encode_to_vec())
        }
        CONTRACTS_BY_CODE => {
            let req: QueryContractsByCodeRequest = decode(data)?;
            if req.code_id == 0 {
                return Err(codes::WASM_INVALID.wrap("code id"));
            }
            let page = req.pagination.unwrap_or_default();
            if !page.key.is_empty() && page.offset > 0 {
                return Err(invalid_argument(
                    "paginate: invalid request, either offset or key is expected, got both".into(),
                ));
            }
            let limit = if page.limit == 0 {
                DEFAULT_LIMIT
            } else {
                page.limit
            };
            let start = (!page.key.is_empty()).then_some(page.key.as_slice());
            let count_total = page.count_total && start.is_none();
            let (addresses, next_key, total) = keeper::contracts_by_code_page(
                ctx,
                req.code_id,
                start,
                page.offset,
                limit,
                count_total,
                page.reverse,
            )?;
            Ok(QueryContractsByCodeResponse {
                contracts: addresses
                    .iter()
                    .map(|a| ctx.codec.encode(a))
                    .collect::<Result<_, _>>()
                    .map_err(|e| codes::LOGIC.wrap(e.to_string()))?,
                pagination: Some(PageResponse { next_key, total }),
            }
            .encode_to_vec())
        }
        _ => Err(codes::UNKNOWN_REQUEST.wrap("unknown query path")),
    }
}

fn code_info_response(
    code_id: u64,
    info: cosmrs::proto::cosmwasm::wasm::v1::CodeInfo,
) -> CodeInfoResponse {
    CodeInfoResponse {
        code_id,
        creator: info.creator,
        data_hash: info.code_hash,
        instantiate_permission: info.instantiate_config,
    }
}
