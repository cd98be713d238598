//! The JSON-RPC methods: each reads its params, asks the node and answers in CometBFT 0.38's
//! wire format. Error texts follow CometBFT's where clients or users may match on them.

use std::net::SocketAddr;

use serde_json::{json, Value};

use super::jsonrpc::{Request, RpcError};
use super::params::Params;
use super::wire;
use crate::node::{EventQuery, NodeHandle, RequestError, SearchOrder, StoredBlock, TxSearchError};

/// Most block metas `blockchain` returns at once.
const BLOCKCHAIN_LIMIT: u64 = 20;

/// Methods answered over HTTP and WebSocket alike.
pub const METHODS: &[&str] = &[
    "health",
    "status",
    "abci_info",
    "abci_query",
    "broadcast_tx_sync",
    "broadcast_tx_async",
    "broadcast_tx_commit",
    "tx",
    "tx_search",
    "block",
    "block_by_hash",
    "header",
    "header_by_hash",
    "block_results",
    "blockchain",
    "commit",
    "validators",
    "genesis",
    "consensus_params",
    "num_unconfirmed_txs",
];

/// What every method needs.
#[derive(Clone, Debug)]
pub struct MethodContext {
    pub node: NodeHandle,
    pub local_addr: SocketAddr,
}

fn node_error(e: RequestError) -> RpcError {
    RpcError::internal(e)
}

pub async fn call(ctx: &MethodContext, request: &Request) -> Result<Value, RpcError> {
    let node = &ctx.node;
    match request.method.as_str() {
        "health" => {
            Params::new(request, &[])?;
            Ok(json!({}))
        }
        "status" => {
            Params::new(request, &[])?;
            let info = node.abci_info().await.map_err(node_error)?;
            wire::status(node, ctx.local_addr, info.app_version)
        }
        "abci_info" => {
            Params::new(request, &[])?;
            wire::abci_info(node.abci_info().await.map_err(node_error)?)
        }
        "abci_query" => {
            let p = Params::new(request, &["path", "data", "height", "prove"])?;
            let path = p.opt_string("path")?.unwrap_or_default();
            let data = p.hex_bytes("data")?;
            let height = p.opt_u64("height")?.unwrap_or(0);
            let prove = p.opt_bool("prove")?.unwrap_or(false);
            let answer = node
                .abci_query(path, data, height, prove)
                .await
                .map_err(node_error)?;
            wire::abci_query(answer)
        }
        "broadcast_tx_sync" => {
            let tx = Params::new(request, &["tx"])?.base64_bytes("tx")?;
            let hash = crate::node::hashing::tx_hash(&tx);
            let check = node.check_tx(tx).await.map_err(node_error)?;
            wire::broadcast_sync(hash, &check)
        }
        "broadcast_tx_async" => {
            let tx = Params::new(request, &["tx"])?.base64_bytes("tx")?;
            wire::broadcast_async(node.submit_tx(tx).await.map_err(node_error)?)
        }
        "broadcast_tx_commit" => {
            let tx = Params::new(request, &["tx"])?.base64_bytes("tx")?;
            wire::broadcast_commit(node.broadcast_tx_commit(tx).await.map_err(node_error)?)
        }
        "tx" => {
            let p = Params::new(request, &["hash", "prove"])?;
            let hash = p.hash("hash")?;
            let prove = p.opt_bool("prove")?.unwrap_or(false);
            let record = node
                .tx(&hash)
                .map_err(node_error)?
                .ok_or_else(|| RpcError::internal(format!("tx ({hash}) not found")))?;
            let proof = if prove {
                node.tx_proof(&record).map_err(node_error)?
            } else {
                None
            };
            wire::tx(record, proof)
        }
        "tx_search" => tx_search(node, request).await,
        "block" | "header" => {
            let p = Params::new(request, &["height"])?;
            let height = checked_height(node, p.opt_u64("height")?)?;
            let stored = load_block(node, height)?;
            if request.method == "header" {
                wire::header(stored)
            } else {
                wire::block(stored)
            }
        }
        "block_by_hash" | "header_by_hash" => {
            let hash = Params::new(request, &["hash"])?.hash("hash")?;
            let stored = node.block_by_hash(&hash).map_err(node_error)?;
            match (stored, request.method.as_str()) {
                (Some(stored), "header_by_hash") => wire::header(stored),
                (Some(stored), _) => wire::block(stored),
                // CometBFT answers an unknown hash with empty fields.
                (None, "header_by_hash") => Ok(json!({ "header": null })),
                (None, _) => Ok(json!({
                    "block_id": { "hash": "", "parts": { "total": 0, "hash": "" } },
                    "block": null
                })),
            }
        }
        "block_results" => {
            let p = Params::new(request, &["height"])?;
            let height = checked_height(node, p.opt_u64("height")?)?;
            let (height, results) = node
                .block_results(Some(height))
                .map_err(node_error)?
                .ok_or_else(|| {
                    RpcError::internal(format!("could not find results for height #{height}"))
                })?;
            wire::block_results(height, results)
        }
        "blockchain" => {
            let p = Params::new(request, &["minHeight", "maxHeight"])?;
            let latest = node.latest_height().map_err(node_error)?;
            let (min, max) = blockchain_range(
                latest,
                p.opt_u64("minHeight")?.unwrap_or(0),
                p.opt_u64("maxHeight")?.unwrap_or(0),
            )?;
            let mut blocks = Vec::new();
            for height in (min..=max).rev() {
                blocks.push(load_block(node, height)?);
            }
            wire::blockchain(latest, blocks)
        }
        "commit" => {
            let p = Params::new(request, &["height"])?;
            let height = checked_height(node, p.opt_u64("height")?)?;
            let stored = load_block(node, height)?;
            let latest = node.latest_height().map_err(node_error)?;
            // A block's canonical commit is in the next block; the tip's is signed on demand.
            let (commit, canonical) = match node.block(Some(height + 1)).map_err(node_error)? {
                Some(next) if height < latest => match next.block.last_commit {
                    Some(commit) => (commit, true),
                    None => return Err(RpcError::internal("stored block lacks its last commit")),
                },
                _ => (
                    node.validator().sign_commit(
                        &stored.block.header.chain_id,
                        stored.block.header.height,
                        stored.block_id,
                        tendermint::Time::now(),
                    ),
                    false,
                ),
            };
            wire::commit(stored, commit, canonical)
        }
        "validators" => {
            let p = Params::new(request, &["height", "page", "per_page"])?;
            let height = checked_height(node, p.opt_u64("height")?)?;
            let per_page =
                crate::node::tx_search::clamp_per_page(p.opt_u64("per_page")?.map(|n| n as usize));
            let all = node.validators();
            let pages = all.len().div_ceil(per_page).max(1);
            let page = p.opt_u64("page")?.unwrap_or(1) as usize;
            if page < 1 || page > pages {
                return Err(RpcError::internal(format!(
                    "page should be within [1, {pages}] range, given {page}"
                )));
            }
            wire::validators(height, all, page, per_page)
        }
        "genesis" => {
            Params::new(request, &[])?;
            wire::genesis(node.genesis())
        }
        "consensus_params" => {
            let p = Params::new(request, &["height"])?;
            let height = checked_height(node, p.opt_u64("height")?)?;
            wire::consensus_params(height, &node.genesis().consensus_params)
        }
        "num_unconfirmed_txs" => {
            Params::new(request, &[])?;
            let n = node.mempool_size().await.map_err(node_error)?;
            Ok(json!({
                "n_txs": n.to_string(),
                "total": n.to_string(),
                "total_bytes": "0",
                "txs": null
            }))
        }
        other => Err(RpcError::method_not_found(other)),
    }
}

async fn tx_search(node: &NodeHandle, request: &Request) -> Result<Value, RpcError> {
    let p = Params::new(request, &["query", "prove", "page", "per_page", "order_by"])?;
    let query_text = p.string("query")?;
    let query: EventQuery = query_text
        .parse()
        .map_err(|e: crate::node::QueryParseError| RpcError::internal(e))?;
    let prove = p.opt_bool("prove")?.unwrap_or(false);
    let page = p.opt_u64("page")?.map(|n| n as usize);
    let per_page = p.opt_u64("per_page")?.map(|n| n as usize);
    let order = match p.opt_string("order_by")?.as_deref() {
        None | Some("") | Some("asc") => SearchOrder::Ascending,
        Some("desc") => SearchOrder::Descending,
        Some(_) => return Err(RpcError::invalid_params(
            "invalid param \"order_by\": expected order_by to be either `asc` or `desc` or empty",
        )),
    };
    let found = node
        .tx_search(query, page, per_page, order)
        .await
        .map_err(|e| match e {
            TxSearchError::PageOutOfRange { .. } => RpcError::internal(e),
            TxSearchError::Store(e) => RpcError::internal(e),
        })?;
    let mut records = Vec::with_capacity(found.txs.len());
    for record in found.txs {
        let proof = if prove {
            node.tx_proof(&record).map_err(node_error)?
        } else {
            None
        };
        records.push((record, proof));
    }
    wire::tx_search(records, found.total_count)
}

/// CometBFT's `getHeight`: absent means latest; 0 and future heights are errors.
fn checked_height(node: &NodeHandle, height: Option<u64>) -> Result<u64, RpcError> {
    let latest = node.latest_height().map_err(node_error)?;
    match height {
        None if latest == 0 => Err(RpcError::internal("no blocks have been produced yet")),
        None => Ok(latest),
        Some(0) => Err(RpcError::internal(
            "height must be greater than 0, but got 0",
        )),
        Some(h) if h > latest => Err(RpcError::internal(format!(
            "height {h} must be less than or equal to the current blockchain height {latest}"
        ))),
        Some(h) => Ok(h),
    }
}

fn load_block(node: &NodeHandle, height: u64) -> Result<StoredBlock, RpcError> {
    node.block(Some(height))
        .map_err(node_error)?
        .ok_or_else(|| RpcError::internal(format!("block at height {height} not found")))
}

/// CometBFT's `filterMinMax` with a limit of 20 blocks.
fn blockchain_range(latest: u64, min: u64, max: u64) -> Result<(u64, u64), RpcError> {
    let min = if min == 0 { 1 } else { min };
    let max = if max == 0 { latest } else { max.min(latest) };
    let min = min.max((max + 1).saturating_sub(BLOCKCHAIN_LIMIT));
    if min > max {
        return Err(RpcError::internal(format!(
            "min height {min} can't be greater than max height {max}"
        )));
    }
    Ok((min, max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blockchain_range_follows_cometbft() {
        assert_eq!(blockchain_range(100, 0, 0).unwrap(), (81, 100));
        assert_eq!(blockchain_range(100, 1, 10).unwrap(), (1, 10));
        assert_eq!(blockchain_range(5, 1, 10).unwrap(), (1, 5));
        assert!(blockchain_range(5, 7, 10).is_err());
        assert!(blockchain_range(0, 0, 0).is_err());
    }
}
