//! The node's JSON-RPC over HTTP (tendermint-rpc's `HttpClient`): per-request timeouts, retries
//! with exponential backoff for transport failures, and errors mapped to [`ClientError`].

use std::future::Future;
use std::time::Duration;

use tendermint_rpc::client::CompatMode;
use tendermint_rpc::error::ErrorDetail;
use tendermint_rpc::{HttpClient, HttpClientUrl};

use crate::config::{ChainConfig, ConfigError};
use crate::error::ClientError;

/// Backoff between attempts never grows beyond this.
pub const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Exponential backoff: `initial`, doubling, capped.
#[derive(Debug, Clone)]
pub struct Backoff {
    initial: Duration,
    current: Duration,
    max: Duration,
}

impl Backoff {
    pub fn new(initial: Duration, max: Duration) -> Backoff {
        let initial = initial.max(Duration::from_millis(1));
        Backoff {
            initial,
            current: initial,
            max: max.max(initial),
        }
    }

    /// The wait before the next attempt.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.current;
        self.current = (self.current * 2).min(self.max);
        delay
    }

    pub fn reset(&mut self) {
        self.current = self.initial;
    }
}

/// Whether an RPC error is about getting the request there and back (worth retrying), rather
/// than the node's answer.
pub fn is_transient(error: &tendermint_rpc::Error) -> bool {
    match error.detail() {
        ErrorDetail::Http(_)
        | ErrorDetail::Io(_)
        | ErrorDetail::Timeout(_)
        | ErrorDetail::WebSocket(_)
        | ErrorDetail::WebSocketTimeout(_)
        | ErrorDetail::ChannelSend(_)
        | ErrorDetail::ClientInternal(_) => true,
        // Proxies in front of nodes answer 502/503/504 while the node restarts.
        ErrorDetail::HttpRequestFailed(e) => e.status.is_server_error(),
        _ => false,
    }
}

/// The error with its causes on one line. tendermint-rpc's own message is often just "HTTP
/// error", and its `Display` appends a backtrace when RUST_BACKTRACE is set; the causes are in
/// its trace.
pub fn describe(error: &tendermint_rpc::Error) -> String {
    let parts: Vec<String> = error
        .trace()
        .chain()
        .filter_map(|cause| cause.to_string().lines().next().map(str::to_string))
        .filter(|line| !line.trim().is_empty())
        .collect();
    if parts.is_empty() {
        error.detail().to_string()
    } else {
        parts.join(": ")
    }
}

/// A node's HTTP RPC endpoint with the retry policy of a [`ChainConfig`].
#[derive(Debug, Clone)]
pub struct Rpc {
    http: HttpClient,
    url: String,
    compat: CompatMode,
    timeout: Duration,
    retries: u32,
    backoff: Duration,
}

impl Rpc {
    /// A client for `config.rpc_url` speaking `compat` (the node's CometBFT dialect).
    pub fn new(config: &ChainConfig, compat: CompatMode) -> Result<Rpc, ClientError> {
        let url: HttpClientUrl =
            config
                .rpc_url
                .parse()
                .map_err(|e: tendermint_rpc::Error| ConfigError::InvalidUrl {
                    url: config.rpc_url.clone(),
                    reason: describe(&e),
                })?;
        let http = HttpClient::builder(url)
            .compat_mode(compat)
            .timeout(config.request_timeout)
            .build()
            .map_err(|e| ConfigError::InvalidUrl {
                url: config.rpc_url.clone(),
                reason: describe(&e),
            })?;
        Ok(Rpc {
            http,
            url: config.rpc_url.clone(),
            compat,
            timeout: config.request_timeout,
            retries: config.retries,
            backoff: config.retry_backoff,
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn compat(&self) -> CompatMode {
        self.compat
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    pub fn backoff(&self) -> Backoff {
        Backoff::new(self.backoff, MAX_BACKOFF)
    }

    /// Maps a tendermint-rpc error: transport failures become `Unreachable`, the node's error
    /// answers `Rpc`.
    pub fn error(&self, method: &str, error: &tendermint_rpc::Error) -> ClientError {
        if is_transient(error) {
            ClientError::Unreachable {
                url: self.url.clone(),
                reason: describe(error),
            }
        } else {
            ClientError::Rpc {
                method: method.to_string(),
                reason: describe(error),
            }
        }
    }

    /// Runs `request` once.
    pub async fn once<T, Fut>(&self, method: &str, request: Fut) -> Result<T, ClientError>
    where
        Fut: Future<Output = Result<T, tendermint_rpc::Error>>,
    {
        request.await.map_err(|e| self.error(method, &e))
    }

    /// Runs `request`, retrying transport failures `retries` times with backoff. Only for
    /// requests that are safe to repeat.
    pub async fn call<T, F, Fut>(&self, method: &str, request: F) -> Result<T, ClientError>
    where
        F: Fn(HttpClient) -> Fut,
        Fut: Future<Output = Result<T, tendermint_rpc::Error>>,
    {
        let mut backoff = self.backoff();
        let mut attempt = 0;
        loop {
            match request(self.http.clone()).await {
                Ok(value) => return Ok(value),
                Err(e) if is_transient(&e) && attempt < self.retries => {
                    attempt += 1;
                    let delay = backoff.next_delay();
                    tracing::debug!(
                        method,
                        attempt,
                        ?delay,
                        error = %describe(&e),
                        "RPC transport failure; retrying"
                    );
                    tokio::time::sleep(delay).await;
                }
                Err(e) => return Err(self.error(method, &e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_millis(500));
        let delays: Vec<_> = (0..5).map(|_| backoff.next_delay().as_millis()).collect();
        assert_eq!(delays, [100, 200, 400, 500, 500]);
        backoff.reset();
        assert_eq!(backoff.next_delay(), Duration::from_millis(100));
    }

    #[tokio::test]
    async fn transport_errors_are_described_on_one_line_with_their_cause() {
        use tendermint_rpc::Client;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let error = HttpClient::new(url.as_str())
            .unwrap()
            .status()
            .await
            .unwrap_err();
        assert!(is_transient(&error));
        let text = describe(&error);
        assert!(!text.contains('\n'), "{text}");
        assert!(text.contains("Connection refused"), "{text}");
    }

    #[test]
    fn bad_urls_are_config_errors() {
        let config = ChainConfig {
            rpc_url: "not a url".into(),
            ..ChainConfig::default()
        };
        let err = Rpc::new(&config, CompatMode::V0_38).unwrap_err();
        assert!(
            matches!(err, ClientError::Config(ConfigError::InvalidUrl { .. })),
            "{err}"
        );
    }
}
