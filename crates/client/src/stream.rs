//! [`BlockStream`]: every block from a starting height, strictly in order, none skipped, with
//! its tx results and Kumo's typed events.
//!
//! Blocks and their results are always read over HTTP (`block`, `block_results`), one height
//! after the other; the WebSocket `NewBlock` subscription only says when to look again. So a
//! dropped WebSocket, a restarted node or a gap in subscription events can delay the stream
//! but never make it skip a height: after reconnecting it carries on from the next height it
//! has not delivered, replaying whatever was produced meanwhile. Transport failures are retried
//! with backoff forever; only answers that retrying cannot fix (e.g. a pruned height) end up
//! as errors.

use std::time::Duration;

use futures::StreamExt;
use kumo_types::events::KumoEvent;
use tendermint::abci::Event;
use tendermint_rpc::event::EventData;
use tendermint_rpc::query::EventType;
use tendermint_rpc::{Client, SubscriptionClient, WebSocketClient};
use tokio::task::JoinHandle;

use crate::error::ClientError;
use crate::events;
use crate::rpc::{self, Backoff};
use crate::tx::tx_hash;
use crate::ChainClient;

/// How long to wait for a WebSocket wake-up before asking the node anyway.
const POLL_INTERVAL: Duration = Duration::from_secs(2);
/// Longest wait between attempts while the node is unreachable.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// One tx's result within a block.
#[derive(Debug, Clone)]
pub struct TxResult {
    /// Position in the block.
    pub index: u32,
    /// Upper-case hex.
    pub hash: String,
    pub code: u32,
    pub codespace: String,
    pub log: String,
    pub gas_wanted: i64,
    pub gas_used: i64,
    pub events: Vec<Event>,
}

impl TxResult {
    pub fn is_ok(&self) -> bool {
        self.code == 0
    }
}

/// One block's events.
#[derive(Debug, Clone)]
pub struct BlockEvents {
    pub height: u64,
    /// Block time, RFC 3339.
    pub time: String,
    pub txs: Vec<TxResult>,
    /// Block-level events (FinalizeBlock; BeginBlock/EndBlock on older nodes).
    pub block_events: Vec<Event>,
    /// Kumo's events from successful txs and the block's own events, in chain order, from
    /// Kumo's contracts only.
    pub kumo_events: Vec<KumoEvent>,
}

/// The WebSocket subscription used as a wake-up.
struct WakeUp {
    client: WebSocketClient,
    subscription: tendermint_rpc::Subscription,
    driver: JoinHandle<()>,
}

impl WakeUp {
    async fn connect(client: &ChainClient) -> Result<WakeUp, String> {
        let url = client.config().websocket_url().map_err(|e| e.to_string())?;
        let url: tendermint_rpc::WebSocketClientUrl = url
            .parse()
            .map_err(|e: tendermint_rpc::Error| rpc::describe(&e))?;
        let timeout = client.rpc().timeout();
        let connect = WebSocketClient::builder(url)
            .compat_mode(client.rpc().compat())
            .build();
        let (ws, driver) = tokio::time::timeout(timeout, connect)
            .await
            .map_err(|_| format!("connecting timed out after {timeout:?}"))?
            .map_err(|e| rpc::describe(&e))?;
        let driver = tokio::spawn(async move {
            if let Err(e) = driver.run().await {
                tracing::debug!(error = %rpc::describe(&e), "block stream WebSocket closed");
            }
        });
        let subscription =
            match tokio::time::timeout(timeout, ws.subscribe(EventType::NewBlock.into())).await {
                Ok(Ok(subscription)) => subscription,
                Ok(Err(e)) => {
                    driver.abort();
                    return Err(rpc::describe(&e));
                }
                Err(_) => {
                    driver.abort();
                    return Err(format!("subscribing timed out after {timeout:?}"));
                }
            };
        Ok(WakeUp {
            client: ws,
            subscription,
            driver,
        })
    }
}

impl Drop for WakeUp {
    fn drop(&mut self) {
        let _ = self.client.clone().close();
        self.driver.abort();
    }
}

/// What waiting for the next block ended with.
enum Woken {
    /// A block at this height exists.
    Block(u64),
    /// Look again (timeout, reconnect, or a transport failure already waited out).
    Recheck,
}

pub struct BlockStream {
    client: ChainClient,
    next_height: u64,
    /// The highest height known to exist.
    known_latest: u64,
    wake: Option<WakeUp>,
    backoff: Backoff,
}

impl std::fmt::Debug for BlockStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockStream")
            .field("next_height", &self.next_height)
            .field("known_latest", &self.known_latest)
            .field("connected", &self.wake.is_some())
            .finish()
    }
}

impl BlockStream {
    /// A stream starting at `from_height` (0 means 1).
    pub fn new(client: ChainClient, from_height: u64) -> BlockStream {
        let backoff = Backoff::new(client.config().retry_backoff, MAX_BACKOFF);
        BlockStream {
            client,
            next_height: from_height.max(1),
            known_latest: 0,
            wake: None,
            backoff,
        }
    }

    /// The height [`next`](Self::next) delivers next: persist it to resume after a restart.
    pub fn next_height(&self) -> u64 {
        self.next_height
    }

    /// The next block, waiting for it to be produced if needed.
    pub async fn next(&mut self) -> Result<BlockEvents, ClientError> {
        // Answers that retrying cannot fix are returned after this many tries (a node may
        // briefly answer "no results yet" for a block it has just stored).
        let give_up_after = self.client.config().retries + 1;
        let mut node_errors = 0;
        loop {
            if self.next_height <= self.known_latest {
                match self.fetch(self.next_height).await {
                    Ok(block) => {
                        self.next_height += 1;
                        self.backoff.reset();
                        return Ok(block);
                    }
                    Err(e) if e.is_transient() => self.wait_out(&e).await,
                    Err(e) => {
                        node_errors += 1;
                        if node_errors >= give_up_after {
                            return Err(e);
                        }
                        self.wait_out(&e).await;
                    }
                }
                continue;
            }
            match self.latest_height().await {
                Ok(latest) if latest >= self.next_height => self.known_latest = latest,
                Ok(_) => match self.wait_for_block().await {
                    Woken::Block(height) => self.known_latest = self.known_latest.max(height),
                    Woken::Recheck => {}
                },
                Err(e) if e.is_transient() => self.wait_out(&e).await,
                Err(e) => return Err(e),
            }
        }
    }

    async fn wait_out(&mut self, error: &ClientError) {
        let delay = self.backoff.next_delay();
        tracing::warn!(height = self.next_height, ?delay, %error, "block stream: retrying");
        // A broken node usually means a broken WebSocket too; reconnect from scratch.
        self.wake = None;
        tokio::time::sleep(delay).await;
    }

    async fn latest_height(&self) -> Result<u64, ClientError> {
        let rpc = self.client.rpc();
        let status = rpc.once("status", rpc.http().status()).await?;
        Ok(status.sync_info.latest_block_height.value())
    }

    /// Sleeps until the WebSocket announces a block or the poll interval passes.
    async fn wait_for_block(&mut self) -> Woken {
        let Some(wake) = &mut self.wake else {
            match WakeUp::connect(&self.client).await {
                Ok(wake) => {
                    self.wake = Some(wake);
                    // A block may have come between the status check and the subscription.
                    return Woken::Recheck;
                }
                Err(reason) => {
                    let delay = self.backoff.next_delay().min(POLL_INTERVAL);
                    tracing::debug!(%reason, ?delay, "block stream: no WebSocket, polling");
                    tokio::time::sleep(delay).await;
                    return Woken::Recheck;
                }
            }
        };
        match tokio::time::timeout(POLL_INTERVAL, wake.subscription.next()).await {
            Ok(Some(Ok(event))) => match event.data {
                EventData::NewBlock {
                    block: Some(block), ..
                }
                | EventData::LegacyNewBlock {
                    block: Some(block), ..
                } => Woken::Block(block.header.height.value()),
                _ => Woken::Recheck,
            },
            Ok(Some(Err(e))) => {
                tracing::debug!(error = %rpc::describe(&e), "block stream: WebSocket error; reconnecting");
                self.wake = None;
                Woken::Recheck
            }
            Ok(None) => {
                tracing::debug!("block stream: WebSocket closed; reconnecting");
                self.wake = None;
                Woken::Recheck
            }
            Err(_) => Woken::Recheck,
        }
    }

    /// Reads one height's block and results.
    async fn fetch(&self, height: u64) -> Result<BlockEvents, ClientError> {
        let rpc = self.client.rpc();
        let at = tendermint::block::Height::try_from(height)
            .map_err(|e| ClientError::invalid("height", e))?;
        let block = rpc.once("block", rpc.http().block(at)).await?.block;
        let results = rpc
            .once("block_results", rpc.http().block_results(at))
            .await?;
        let contracts = self.client.contracts();

        let tx_results = results.txs_results.unwrap_or_default();
        let txs = block.data();
        if tx_results.len() != txs.len() {
            return Err(ClientError::decode(
                format!("block {height}"),
                format!("{} txs but {} tx results", txs.len(), tx_results.len()),
            ));
        }
        let mut kumo_events = Vec::new();
        let mut tx_out = Vec::with_capacity(txs.len());
        for (index, (tx, result)) in txs.iter().zip(tx_results).enumerate() {
            if result.code.is_ok() {
                kumo_events.extend(events::kumo_events(&result.events, Some(contracts)));
            }
            tx_out.push(TxResult {
                index: index as u32,
                hash: tx_hash(tx),
                code: result.code.value(),
                codespace: result.codespace,
                log: result.log,
                gas_wanted: result.gas_wanted,
                gas_used: result.gas_used,
                events: result.events,
            });
        }
        // Older dialects split block events into BeginBlock (before txs) and EndBlock (after).
        let mut block_events = results.begin_block_events.unwrap_or_default();
        let begin_kumo = events::kumo_events(&block_events, Some(contracts));
        kumo_events.splice(0..0, begin_kumo);
        let tail: Vec<Event> = results
            .finalize_block_events
            .into_iter()
            .chain(results.end_block_events.unwrap_or_default())
            .collect();
        kumo_events.extend(events::kumo_events(&tail, Some(contracts)));
        block_events.extend(tail);

        Ok(BlockEvents {
            height,
            time: block.header.time.to_rfc3339(),
            txs: tx_out,
            block_events,
            kumo_events,
        })
    }
}
