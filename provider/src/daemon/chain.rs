//! The daemon's access to the chain: the client, the provider's signer, bounded paginated
//! listings, and sending many messages in one tx. Cheap to clone.
//!
//! A multi-message tx is atomic: one bid the market refuses would sink every other bid of the
//! block. So when a batch fails because of a message (a contract or delivery error), each
//! message is sent again on its own and gets its own result; transport failures and txs of
//! unknown fate are not retried here (resending could double them).

use std::sync::Arc;

use cosmrs::Any;
use cosmwasm_std::{Addr, Coin};
use kumo_client::config::GasSetting;
use kumo_client::{ChainClient, ClientError, Signer, TxOutcome};
use kumo_types::ids::{LeaseId, OrderId};
use kumo_types::market::{
    ExecuteMsg as MarketMsg, Lease, LeasesResponse, OrderResponse, OrderState, OrdersResponse,
    QueryMsg as MarketQuery,
};
use serde::de::DeserializeOwned;
use tracing::{info, warn};

use crate::metrics::Metrics;

/// Most messages in one tx. A tx's gas is bounded (the devnet's `max_tx_gas` is 100M, and a
/// simulation beyond it fails "out of gas"), and a `CreateBid` costs some 200k: a burst of 500
/// bids in one tx was refused and then sent one tx per bid, a block each. Bigger batches are
/// split into txs of this many messages, sent back to back (consecutive sequences, so they
/// usually land in the same block).
pub const MAX_MSGS_PER_TX: usize = 100;

/// Page size of every listing (the contracts' maximum).
pub const PAGE_LIMIT: u32 = 100;
/// Most pages read of a provider's own leases (10,000 leases).
const MAX_LEASE_PAGES: u32 = 100;

/// What kind of tx failed, for the `tx_failures_total{kind}` metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxKind {
    Bid,
    CloseBid,
    Withdraw,
    Other,
}

impl TxKind {
    pub fn label(self) -> &'static str {
        match self {
            TxKind::Bid => "bid",
            TxKind::CloseBid => "close_bid",
            TxKind::Withdraw => "withdraw",
            TxKind::Other => "other",
        }
    }
}

/// Why a message of a batch failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MsgError {
    pub message: String,
    /// The node was unreachable or the tx's fate is unknown: trying again later may succeed
    /// (after checking the chain, since it may have been included).
    pub retry: bool,
}

impl std::fmt::Display for MsgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<&ClientError> for MsgError {
    fn from(e: &ClientError) -> Self {
        MsgError {
            message: e.to_string(),
            retry: matches!(
                e,
                ClientError::Unreachable { .. }
                    | ClientError::Rpc { .. }
                    | ClientError::NotIncluded { .. }
            ),
        }
    }
}

/// One message's fate in a batch: the tx that carried it, or why it failed. Shared: the
/// outcome of a 100-message tx (every event) cloned once per message cost 150 MB in a
/// 500-order burst.
pub type MsgResult = Result<Arc<TxOutcome>, MsgError>;

/// A tx of a broadcast batch: the messages it carries (indices into the batch), and its
/// hash once the node accepted it into the mempool, or why it was not.
#[derive(Debug)]
pub struct Broadcasted {
    pub msgs: Vec<usize>,
    pub result: Result<String, MsgError>,
}

#[derive(Clone)]
pub struct Chain {
    client: ChainClient,
    signer: Signer,
    address: Addr,
    metrics: Metrics,
}

impl std::fmt::Debug for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chain")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl Chain {
    pub fn new(client: ChainClient, signer: Signer, metrics: Metrics) -> Self {
        let address = Addr::unchecked(signer.address());
        Chain {
            client,
            signer,
            address,
            metrics,
        }
    }

    pub fn client(&self) -> &ChainClient {
        &self.client
    }

    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// The provider's address.
    pub fn address(&self) -> &Addr {
        &self.address
    }

    pub async fn market<R: DeserializeOwned>(&self, q: &MarketQuery) -> Result<R, ClientError> {
        self.client.query_market(q).await
    }

    pub async fn registry<R: DeserializeOwned>(
        &self,
        q: &kumo_types::registry::QueryMsg,
    ) -> Result<R, ClientError> {
        self.client.query_registry(q).await
    }

    /// A market execute message from the provider.
    pub fn market_msg(&self, msg: &MarketMsg, funds: &[Coin]) -> Result<Any, ClientError> {
        kumo_client::tx::wasm_execute_msg(
            self.signer.address(),
            &self.client.contracts().market,
            msg,
            funds,
        )
    }

    /// Sends `msgs` in one tx (several of at most [`MAX_MSGS_PER_TX`] messages, pipelined,
    /// for more); when a tx fails because of a message, each of its messages on its own.
    /// One result per message, in order.
    pub async fn send_batch(&self, kind: TxKind, msgs: Vec<Any>) -> Vec<MsgResult> {
        if msgs.len() <= MAX_MSGS_PER_TX {
            return self.send_chunk(kind, msgs).await;
        }
        // The signer hands out sequences one broadcast at a time (in the order the futures
        // first ask, FIFO) and each tx then waits for its own inclusion.
        let chunks = msgs.chunks(MAX_MSGS_PER_TX).map(<[Any]>::to_vec);
        futures::future::join_all(chunks.map(|chunk| self.send_chunk(kind, chunk)))
            .await
            .into_iter()
            .flatten()
            .collect()
    }

    /// Broadcasts `msgs` in txs of at most [`MAX_MSGS_PER_TX`] messages, back to back, without
    /// waiting for inclusion (see [`Chain::confirm`]). A tx refused because of a message
    /// (its simulation failed) is broadcast again one message per tx.
    ///
    /// The messages are alike (one kind), so only the first tx is simulated: the others get
    /// its gas limit per message, scaled to their size. A simulation of 100 bids takes the
    /// node some 170 ms; four of them in a row made a 400-order block miss three blocks.
    pub async fn broadcast_batch(&self, kind: TxKind, msgs: &[Any]) -> Vec<Broadcasted> {
        let mut out = Vec::new();
        let mut gas_per_msg: Option<u64> = None;
        for (c, chunk) in msgs.chunks(MAX_MSGS_PER_TX).enumerate() {
            let first = c * MAX_MSGS_PER_TX;
            let indices: Vec<usize> = (first..first + chunk.len()).collect();
            let n = chunk.len() as u64;
            let gas_limit = gas_per_msg.map(|g| g.saturating_mul(n));
            match self.signer.broadcast_msgs(chunk, gas_limit).await {
                Ok(sent) => {
                    if gas_per_msg.is_none() && self.client.config().gas == GasSetting::Auto {
                        gas_per_msg = Some(sent.gas_limit.div_ceil(n));
                    }
                    out.push(Broadcasted {
                        msgs: indices,
                        result: Ok(sent.hash),
                    })
                }
                Err(e) if chunk.len() > 1 && blames_a_message(&e) => {
                    warn!(kind = kind.label(), messages = chunk.len(), error = %e, "batch refused; broadcasting each message on its own");
                    self.count_failure(kind);
                    for (i, msg) in indices.into_iter().zip(chunk) {
                        let result = self
                            .signer
                            .broadcast_msgs(std::slice::from_ref(msg), None)
                            .await;
                        out.push(Broadcasted {
                            msgs: vec![i],
                            result: result
                                .map(|sent| sent.hash)
                                .map_err(|e| self.failed(kind, &e)),
                        });
                    }
                }
                Err(e) => out.push(Broadcasted {
                    msgs: indices,
                    result: Err(self.failed(kind, &e)),
                }),
            }
        }
        out
    }

    /// Waits for a broadcast tx to be included; its failure in the block, or a timeout (fate
    /// unknown), comes back as the error.
    pub async fn confirm(&self, kind: TxKind, hash: &str) -> MsgResult {
        match self.signer.wait_for_inclusion(hash).await {
            Ok(outcome) => Ok(Arc::new(outcome)),
            Err(e) => Err(self.failed(kind, &e)),
        }
    }

    /// One tx of `msgs`; when it fails because of a message, each on its own.
    async fn send_chunk(&self, kind: TxKind, msgs: Vec<Any>) -> Vec<MsgResult> {
        if msgs.is_empty() {
            return Vec::new();
        }
        let n = msgs.len();
        match self.signer.send(msgs.clone()).await {
            Ok(outcome) => {
                info!(kind = kind.label(), messages = n, tx = %outcome.hash, height = outcome.height, "tx included");
                let outcome = Arc::new(outcome);
                vec![Ok(outcome); n]
            }
            Err(e) if n > 1 && blames_a_message(&e) => {
                warn!(kind = kind.label(), messages = n, error = %e, "batch refused; sending each message on its own");
                self.count_failure(kind);
                let mut results = Vec::with_capacity(n);
                for msg in msgs {
                    results.push(self.send_one(kind, msg).await);
                }
                results
            }
            Err(e) => vec![Err(self.failed(kind, &e)); n],
        }
    }

    /// Logs and counts a failed tx.
    fn failed(&self, kind: TxKind, e: &ClientError) -> MsgError {
        warn!(kind = kind.label(), error = %e, "tx failed");
        self.count_failure(kind);
        MsgError::from(e)
    }

    fn count_failure(&self, kind: TxKind) {
        self.metrics
            .tx_failures
            .with_label_values(&[kind.label()])
            .inc();
    }

    async fn send_one(&self, kind: TxKind, msg: Any) -> MsgResult {
        match self.signer.send(vec![msg]).await {
            Ok(outcome) => Ok(Arc::new(outcome)),
            Err(e) => Err(self.failed(kind, &e)),
        }
    }

    /// Every lease of this provider (all states), bounded.
    pub async fn my_leases(&self) -> Result<Vec<Lease>, ClientError> {
        let mut all = Vec::new();
        let mut start_after: Option<LeaseId> = None;
        for _ in 0..MAX_LEASE_PAGES {
            let page: LeasesResponse = self
                .market(&MarketQuery::LeasesByProvider {
                    provider: self.address.to_string(),
                    start_after: start_after.clone(),
                    limit: Some(PAGE_LIMIT),
                })
                .await?;
            let full = page.leases.len() as u32 == PAGE_LIMIT;
            start_after = page.leases.last().map(|l| l.id.clone());
            all.extend(page.leases);
            if !full {
                return Ok(all);
            }
        }
        warn!(
            leases = all.len(),
            "more leases than the listing bound; the rest are skipped"
        );
        Ok(all)
    }

    /// Open orders, at most `max_pages` pages: the catch-up at first start, never a history
    /// scan.
    pub async fn open_orders(&self, max_pages: u32) -> Result<Vec<OrderResponse>, ClientError> {
        let mut all = Vec::new();
        let mut start_after: Option<OrderId> = None;
        for _ in 0..max_pages {
            let page: OrdersResponse = self
                .market(&MarketQuery::Orders {
                    state: Some(OrderState::Open),
                    start_after: start_after.clone(),
                    limit: Some(PAGE_LIMIT),
                })
                .await?;
            let full = page.orders.len() as u32 == PAGE_LIMIT;
            start_after = page.orders.last().map(|o| o.order.id.clone());
            all.extend(page.orders);
            if !full {
                return Ok(all);
            }
        }
        warn!(
            orders = all.len(),
            max_pages, "more open orders than the catch-up reads; the rest are skipped"
        );
        Ok(all)
    }
}

/// Whether a failed tx was refused because of what a message asked (so the other messages
/// may go through on their own), rather than the node or the account.
fn blames_a_message(e: &ClientError) -> bool {
    matches!(
        e,
        ClientError::Contract { .. } | ClientError::TxFailed { .. }
    )
}
