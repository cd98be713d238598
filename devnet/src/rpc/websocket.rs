//! `/websocket`: JSON-RPC over WebSocket with CometBFT's `subscribe` / `unsubscribe` /
//! `unsubscribe_all`. Each connection has a reader loop and a writer task joined by a bounded
//! queue; a client that does not keep up (full queue, lagging event stream, stalled socket) is
//! disconnected, so it can never hold up block production.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tendermint_rpc::Id;
use tokio::sync::{broadcast, mpsc};
use tracing::{debug, info};

use super::jsonrpc::{self, Request, RpcError};
use super::methods;
use super::params::Params;
use super::{wire, RpcState};
use crate::node::{CommittedBlock, EventQuery, NodeEvent};

/// GET `/websocket`.
pub async fn upgrade(State(state): State<RpcState>, ws: WebSocketUpgrade) -> Response {
    let Ok(permit) = state.ws_connections.clone().try_acquire_owned() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "too many WebSocket connections",
        )
            .into_response();
    };
    ws.max_message_size(state.config.max_body_bytes)
        .on_upgrade(move |socket| async move {
            Connection::new(state).run(socket).await;
            drop(permit);
        })
}

/// Why a connection ended.
#[derive(Debug)]
enum Close {
    ClientLeft,
    SlowClient(&'static str),
    Shutdown,
}

struct Subscription {
    query: EventQuery,
    /// Events are sent with the id of the `subscribe` request, as CometBFT does.
    id: Id,
}

struct Connection {
    state: RpcState,
    subscriptions: HashMap<String, Subscription>,
    events: Option<broadcast::Receiver<Arc<CommittedBlock>>>,
}

impl Connection {
    fn new(state: RpcState) -> Self {
        Connection {
            state,
            subscriptions: HashMap::new(),
            events: None,
        }
    }

    async fn run(mut self, socket: WebSocket) {
        let (sink, mut stream) = socket.split();
        let (outbound, outbound_rx) = mpsc::channel(self.state.config.ws_send_buffer);
        let mut writer = tokio::spawn(write_loop(
            sink,
            outbound_rx,
            self.state.config.ws_write_timeout,
            self.state.config.ws_ping_interval,
        ));
        let shutdown = self.state.shutdown.clone();

        let reason = loop {
            tokio::select! {
                _ = shutdown.cancelled() => break Close::Shutdown,
                _ = &mut writer => break Close::SlowClient("socket write failed or stalled"),
                incoming = stream.next() => match incoming {
                    Some(Ok(Message::Text(text))) => {
                        let reply = self.handle_text(text.as_str()).await;
                        if let Err(reason) = send(&outbound, reply) {
                            break reason;
                        }
                    }
                    Some(Ok(Message::Binary(bytes))) => {
                        let text = String::from_utf8_lossy(&bytes).into_owned();
                        let reply = self.handle_text(&text).await;
                        if let Err(reason) = send(&outbound, reply) {
                            break reason;
                        }
                    }
                    Some(Ok(Message::Ping(payload))) => {
                        if outbound.try_send(Message::Pong(payload)).is_err() {
                            break Close::SlowClient("send buffer full");
                        }
                    }
                    Some(Ok(Message::Pong(_))) => {}
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break Close::ClientLeft,
                },
                block = next_block(&mut self.events) => match block {
                    Ok(block) => {
                        if let Err(reason) = self.forward(&outbound, &block).await {
                            break reason;
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        break Close::SlowClient("fell behind the event stream");
                    }
                    Err(broadcast::error::RecvError::Closed) => break Close::Shutdown,
                },
            }
        };
        match reason {
            Close::SlowClient(why) => info!(why, "dropping slow WebSocket client"),
            other => debug!(?other, "WebSocket connection closed"),
        }
        // Ends the writer: it flushes what is queued (bounded by the write timeout) and closes.
        drop(outbound);
        if !writer.is_finished() {
            let _ = tokio::time::timeout(self.state.config.ws_write_timeout, writer).await;
        }
    }

    async fn handle_text(&mut self, text: &str) -> Value {
        let request = match jsonrpc::parse_body(text.as_bytes()) {
            jsonrpc::Incoming::Single(request) => request,
            jsonrpc::Incoming::Batch(_) => Err((
                Id::None,
                RpcError::invalid_request("batches are not supported over WebSocket"),
            )),
        };
        match request {
            Ok(request) => {
                let result = self.call(&request).await;
                jsonrpc::respond(&request.id, result)
            }
            Err((id, error)) => jsonrpc::failure(&id, &error),
        }
    }

    async fn call(&mut self, request: &Request) -> Result<Value, RpcError> {
        match request.method.as_str() {
            "subscribe" => self.subscribe(request),
            "unsubscribe" => {
                let query = Params::new(request, &["query"])?.string("query")?;
                match self.subscriptions.remove(&query) {
                    Some(_) => {
                        self.drop_stream_if_idle();
                        Ok(json!({}))
                    }
                    None => Err(RpcError::internal("subscription not found")),
                }
            }
            "unsubscribe_all" => {
                Params::new(request, &[])?;
                if self.subscriptions.is_empty() {
                    return Err(RpcError::internal("subscription not found"));
                }
                self.subscriptions.clear();
                self.drop_stream_if_idle();
                Ok(json!({}))
            }
            _ => methods::call(&self.state.methods, request).await,
        }
    }

    fn subscribe(&mut self, request: &Request) -> Result<Value, RpcError> {
        let text = Params::new(request, &["query"])?.string("query")?;
        let query: EventQuery = text
            .parse()
            .map_err(|e: crate::node::QueryParseError| RpcError::internal(e))?;
        if self.subscriptions.contains_key(&text) {
            return Err(RpcError::internal("already subscribed"));
        }
        let max = self.state.config.max_subscriptions_per_client;
        if self.subscriptions.len() >= max {
            return Err(RpcError::internal(format!(
                "max_subscriptions_per_client {max} reached"
            )));
        }
        if self.events.is_none() {
            self.events = Some(self.state.methods.node.subscribe());
        }
        self.subscriptions.insert(
            text,
            Subscription {
                query,
                id: request.id.clone(),
            },
        );
        Ok(json!({}))
    }

    fn drop_stream_if_idle(&mut self) {
        if self.subscriptions.is_empty() {
            self.events = None;
        }
    }

    /// Queues each of the block's events once per matching subscription. A client whose queue
    /// stays full for the write timeout is too slow and is dropped; only this connection's task
    /// waits, never the node.
    async fn forward(
        &self,
        outbound: &mpsc::Sender<Message>,
        block: &CommittedBlock,
    ) -> Result<(), Close> {
        for event in block.events() {
            for subscription in self.subscriptions.values() {
                if !subscription.query.matches(event.event_map()) {
                    continue;
                }
                let text = subscription.query.text();
                let result = match &event {
                    NodeEvent::NewBlock(e) => wire::new_block_event(text, e),
                    NodeEvent::Tx(e) => wire::tx_event(text, e),
                };
                let message = match result {
                    Ok(result) => jsonrpc::success(&subscription.id, result),
                    Err(error) => jsonrpc::failure(&subscription.id, &error),
                };
                let message = Message::Text(message.to_string().into());
                outbound
                    .send_timeout(message, self.state.config.ws_write_timeout)
                    .await
                    .map_err(|e| match e {
                        mpsc::error::SendTimeoutError::Timeout(_) => {
                            Close::SlowClient("send buffer stayed full")
                        }
                        mpsc::error::SendTimeoutError::Closed(_) => Close::ClientLeft,
                    })?;
            }
        }
        Ok(())
    }
}

fn send(outbound: &mpsc::Sender<Message>, value: Value) -> Result<(), Close> {
    outbound
        .try_send(Message::Text(value.to_string().into()))
        .map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => Close::SlowClient("send buffer full"),
            mpsc::error::TrySendError::Closed(_) => Close::ClientLeft,
        })
}

/// The next committed block, or never when the connection has no subscriptions.
async fn next_block(
    events: &mut Option<broadcast::Receiver<Arc<CommittedBlock>>>,
) -> Result<Arc<CommittedBlock>, broadcast::error::RecvError> {
    match events {
        Some(events) => events.recv().await,
        None => std::future::pending().await,
    }
}

/// Writes queued messages and periodic pings; gives up when a write stalls past `timeout`.
async fn write_loop(
    mut sink: futures::stream::SplitSink<WebSocket, Message>,
    mut outbound: mpsc::Receiver<Message>,
    timeout: Duration,
    ping_interval: Duration,
) {
    let mut ping = tokio::time::interval(ping_interval);
    ping.tick().await;
    loop {
        let message = tokio::select! {
            message = outbound.recv() => match message {
                Some(message) => message,
                None => break,
            },
            _ = ping.tick() => Message::Ping(Vec::new().into()),
        };
        match tokio::time::timeout(timeout, sink.send(message)).await {
            Ok(Ok(())) => {}
            _ => return,
        }
    }
    let _ = tokio::time::timeout(timeout, sink.close()).await;
}

/// Open WebSocket connections are capped; each holds a permit.
pub(crate) type ConnectionLimit = Arc<tokio::sync::Semaphore>;
