//! The CometBFT 0.38 JSON-RPC server: HTTP (POST JSON-RPC, GET URI form) and `/websocket`,
//! speaking exactly what tendermint-rpc 0.40's `HttpClient` and `WebSocketClient` send and parse.

pub mod http;
pub mod jsonrpc;
pub mod methods;
pub mod params;
pub mod websocket;
pub mod wire;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::Router;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::info;

use self::methods::MethodContext;
use crate::node::NodeHandle;

/// Limits of the RPC server.
#[derive(Debug, Clone)]
pub struct RpcConfig {
    /// Largest request body (and WebSocket message) accepted.
    pub max_body_bytes: usize,
    /// CometBFT's `max_subscriptions_per_client`.
    pub max_subscriptions_per_client: usize,
    /// Messages queued per WebSocket connection before it counts as slow and is dropped.
    pub ws_send_buffer: usize,
    /// A WebSocket write that takes longer drops the connection.
    pub ws_write_timeout: Duration,
    /// Server pings keep idle connections alive (CometBFT pings every 27 s).
    pub ws_ping_interval: Duration,
    pub max_ws_connections: usize,
}

impl Default for RpcConfig {
    fn default() -> Self {
        RpcConfig {
            max_body_bytes: 2 * 1024 * 1024,
            max_subscriptions_per_client: 5,
            ws_send_buffer: 1024,
            ws_write_timeout: Duration::from_secs(10),
            ws_ping_interval: Duration::from_secs(27),
            max_ws_connections: 256,
        }
    }
}

/// Shared by every request handler.
#[derive(Clone, Debug)]
pub struct RpcState {
    pub methods: MethodContext,
    pub config: Arc<RpcConfig>,
    pub shutdown: CancellationToken,
    ws_connections: websocket::ConnectionLimit,
}

#[derive(Debug, thiserror::Error)]
pub enum RpcServerError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// A running RPC server.
pub struct RpcServer {
    local_addr: SocketAddr,
    shutdown: CancellationToken,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl std::fmt::Debug for RpcServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RpcServer")
            .field("local_addr", &self.local_addr)
            .finish()
    }
}

pub fn router(state: RpcState) -> Router {
    let limit = state.config.max_body_bytes;
    Router::new()
        .route("/", get(http::index).post(http::post_jsonrpc))
        .route("/websocket", get(websocket::upgrade))
        .route("/{method}", get(http::get_uri))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

impl RpcServer {
    /// Listens on `addr` (port 0 picks a free port) and serves until [`Self::shutdown`].
    pub async fn bind(
        node: NodeHandle,
        addr: SocketAddr,
        config: RpcConfig,
    ) -> Result<Self, RpcServerError> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| RpcServerError::Bind { addr, source })?;
        let local_addr = listener
            .local_addr()
            .map_err(|source| RpcServerError::Bind { addr, source })?;
        let shutdown = CancellationToken::new();
        let state = RpcState {
            methods: MethodContext { node, local_addr },
            ws_connections: Arc::new(tokio::sync::Semaphore::new(config.max_ws_connections)),
            config: Arc::new(config),
            shutdown: shutdown.clone(),
        };
        let app = router(state);
        let graceful = shutdown.clone();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move { graceful.cancelled().await })
                .await
        });
        info!(%local_addr, "RPC listening");
        Ok(RpcServer {
            local_addr,
            shutdown,
            task: Some(task),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `http://<addr>`
    pub fn url(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    /// `ws://<addr>/websocket`
    pub fn websocket_url(&self) -> String {
        format!("ws://{}/websocket", self.local_addr)
    }

    /// Stops accepting connections, closes WebSockets and waits for in-flight requests.
    pub async fn shutdown(mut self) {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        }
    }
}

impl Drop for RpcServer {
    /// A dropped server stops serving too (in the background).
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}
