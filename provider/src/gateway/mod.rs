//! The tenant-facing gateway: HTTPS (axum over rustls, HTTP/1.1) authenticated with ES256K
//! bearer tokens signed by the tenant's account key (Akash AEP-64 style).
//!
//! | route | auth (scope) | what |
//! |---|---|---|
//! | `GET /status` | none | [`ProviderStatus`](kumo_client::gateway::types::ProviderStatus) |
//! | `GET /metrics` | none | Prometheus text ([`crate::metrics::Metrics`]) |
//! | `PUT /deployment/{dseq}/manifest` | `send-manifest` | the manifest JSON → `ManifestAccepted` |
//! | `GET /lease/{dseq}/{gseq}/{oseq}/status` | `status` | `LeaseStatus` |
//! | `GET /lease/{dseq}/{gseq}/{oseq}/logs?tail=N&follow=true&service=S` | `logs` | newline-delimited JSON `LogLine`s |
//!
//! Authentication and authorization:
//! - a token must verify for this provider's address as audience, within its validity, and is
//!   accepted once (its `jti` is remembered until it expires): otherwise 401;
//! - the owner is the token's address: paths name `dseq/gseq/oseq` only, and the backend is asked
//!   about the lease `(token address, dseq, gseq, oseq, this provider)`, answering 404 for
//!   leases that owner does not have. A request may add `?owner=<address>`; if that is not the
//!   token's address the answer is 403, as it is for a token without the route's scope.
//!
//! Limits: manifest bodies up to [`GatewaySettings::max_manifest_bytes`] (413 beyond), every
//! backend call within [`GatewaySettings::request_timeout`] (504), TLS handshakes and request
//! headers within [`GatewaySettings::handshake_timeout`], at most
//! [`GatewaySettings::max_connections`] connections. Error bodies are
//! [`ErrorBody`](kumo_client::gateway::types::ErrorBody) JSON naming the field where one is at
//! fault.
//!
//! ```ignore
//! let identity = TlsIdentity::load_or_generate(&config.gateway, &config.data_dir, &hosts)?;
//! // The daemon compares identity.fingerprint() with its registry entry.
//! let gateway = Gateway::bind(
//!     GatewaySettings::new(config.gateway.listen, provider_address, "kumo"),
//!     &identity, backend, metrics.clone(),
//! ).await?;
//! tokio::spawn(gateway.serve(shutdown.clone()));
//! ```

mod auth;
mod backend;
mod error;
mod routes;
#[cfg(test)]
mod tests;
pub mod tls;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

pub use backend::{GatewayBackend, GatewayError, LogLines};
pub use tls::{TlsError, TlsIdentity};

use crate::metrics::Metrics;

/// How the gateway runs.
#[derive(Debug, Clone)]
pub struct GatewaySettings {
    pub listen: SocketAddr,
    /// This provider's bech32 address: the audience tokens must name.
    pub provider_address: String,
    /// The chain's bech32 account prefix (tenants' addresses are derived under it).
    pub bech32_prefix: String,
    /// Largest manifest body accepted (413 beyond). Default 1 MiB.
    pub max_manifest_bytes: usize,
    /// Longest a request may take, backend call included (504 beyond); a followed log stream
    /// is exempt once it started. Default 30 s.
    pub request_timeout: Duration,
    /// Longest a TLS handshake, and then a request's headers, may take. Default 10 s.
    pub handshake_timeout: Duration,
    /// Connections served at once; more wait in the kernel's accept queue. Default 512.
    pub max_connections: usize,
    /// Token ids remembered at once for replay protection (429 beyond). Default 100 000.
    pub replay_cache_capacity: usize,
    /// How long shutdown waits for requests in flight. Default 10 s.
    pub shutdown_grace: Duration,
}

impl GatewaySettings {
    pub fn new(
        listen: SocketAddr,
        provider_address: impl Into<String>,
        bech32_prefix: impl Into<String>,
    ) -> Self {
        GatewaySettings {
            listen,
            provider_address: provider_address.into(),
            bech32_prefix: bech32_prefix.into(),
            max_manifest_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            handshake_timeout: Duration::from_secs(10),
            max_connections: 512,
            replay_cache_capacity: 100_000,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GatewayStartError {
    #[error("cannot listen on {addr} (gateway.listen): {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Tls(#[from] TlsError),
}

/// A bound gateway, ready to [`serve`](Gateway::serve).
pub struct Gateway {
    listener: TcpListener,
    acceptor: TlsAcceptor,
    router: axum::Router,
    settings: GatewaySettings,
    /// Cancelled on shutdown: ends followed log streams.
    streams: CancellationToken,
}

impl Gateway {
    /// Binds `settings.listen` (port 0 picks a free port; see [`Gateway::local_addr`]).
    pub async fn bind(
        settings: GatewaySettings,
        identity: &TlsIdentity,
        backend: Arc<dyn GatewayBackend>,
        metrics: Metrics,
    ) -> Result<Gateway, GatewayStartError> {
        let acceptor = TlsAcceptor::from(identity.server_config()?);
        let listener =
            TcpListener::bind(settings.listen)
                .await
                .map_err(|source| GatewayStartError::Bind {
                    addr: settings.listen,
                    source,
                })?;
        let streams = CancellationToken::new();
        let router = routes::router(routes::AppState {
            backend,
            metrics,
            auth: Arc::new(auth::Authenticator::new(
                settings.provider_address.clone(),
                settings.bech32_prefix.clone(),
                settings.replay_cache_capacity,
            )),
            provider_address: settings.provider_address.clone(),
            max_manifest_bytes: settings.max_manifest_bytes,
            request_timeout: settings.request_timeout,
            streams: streams.clone(),
        });
        Ok(Gateway {
            listener,
            acceptor,
            router,
            settings,
            streams,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until `shutdown` is cancelled, then stops accepting, ends followed log streams
    /// and waits up to [`GatewaySettings::shutdown_grace`] for requests in flight.
    pub async fn serve(self, shutdown: CancellationToken) {
        let Gateway {
            listener,
            acceptor,
            router,
            settings,
            streams,
        } = self;
        let addr = listener.local_addr().ok();
        info!(?addr, provider = %settings.provider_address, "gateway listening");
        let graceful = GracefulShutdown::new();
        let slots = Arc::new(Semaphore::new(settings.max_connections.max(1)));
        loop {
            let permit = tokio::select! {
                _ = shutdown.cancelled() => break,
                permit = slots.clone().acquire_owned() => permit.expect("never closed"),
            };
            let (tcp, peer) = tokio::select! {
                _ = shutdown.cancelled() => break,
                accepted = listener.accept() => match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // E.g. out of file descriptors: back off instead of spinning.
                        warn!(error = %e, "gateway accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                },
            };
            let acceptor = acceptor.clone();
            let service = TowerToHyperService::new(router.clone());
            let watcher = graceful.watcher();
            let handshake_timeout = settings.handshake_timeout;
            tokio::spawn(async move {
                let _permit = permit;
                let tls = match tokio::time::timeout(handshake_timeout, acceptor.accept(tcp)).await
                {
                    Ok(Ok(tls)) => tls,
                    Ok(Err(e)) => {
                        debug!(%peer, error = %e, "TLS handshake failed");
                        return;
                    }
                    Err(_) => {
                        debug!(%peer, "TLS handshake timed out");
                        return;
                    }
                };
                let connection = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(handshake_timeout)
                    .serve_connection(TokioIo::new(tls), service);
                if let Err(e) = watcher.watch(connection).await {
                    debug!(%peer, error = %e, "gateway connection ended with an error");
                }
            });
        }
        drop(listener);
        streams.cancel();
        info!("gateway stopping");
        tokio::select! {
            _ = graceful.shutdown() => {}
            _ = tokio::time::sleep(settings.shutdown_grace) => {
                warn!("gateway requests still running after the shutdown grace period");
            }
        }
    }
}
