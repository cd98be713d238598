//! HTTPS client of a provider's gateway that trusts exactly one certificate: the one whose DER
//! sha256 equals the `tls_cert_fingerprint` the provider published in the registry. No CA and
//! no host name check are involved: the registry entry, signed on chain by the provider's key,
//! is the trust anchor. The TLS handshake still proves the server holds that certificate's key.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use kumo_client::gateway::client::GatewayClient;
//! # let key = std::sync::Arc::new(kumo_client::keys::KeyPair::generate("m/44'/118'/0'/0/0", "kumo")?.0);
//! // host_uri and tls_cert_fingerprint come from the provider's registry entry.
//! let gw = GatewayClient::new("https://provider.example.com:8443", &"ab".repeat(32))?
//!     .with_key(key, "kumo1provider...");
//! let status = gw.lease_status(42, 1, 1).await?;
//! # Ok(()) }
//! ```
//!
//! Each request opens its own HTTP/1.1 connection; the CLI makes a handful of requests.

use std::sync::Arc;
use std::time::Duration;

use futures::stream::{self, BoxStream, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::keys::KeyPair;

use super::jwt;
use super::types::{
    scope, ErrorBody, LeaseStatus, LogLine, LogsQuery, ManifestAccepted, ProviderStatus,
};

/// Largest JSON response read into memory.
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;
/// Longest log line accepted from the stream.
const MAX_LOG_LINE_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayClientError {
    #[error("provider host_uri {uri:?} {reason}; the provider must fix its registry entry (`kumo provider update`)")]
    InvalidHostUri { uri: String, reason: String },
    #[error("provider tls_cert_fingerprint {fingerprint:?} is not 64 lowercase hex characters; the provider must fix its registry entry")]
    InvalidFingerprint { fingerprint: String },
    #[error("cannot reach the provider gateway at {uri}: {reason}; check that the provider is up and that its host_uri in the registry is right")]
    Connect { uri: String, reason: String },
    #[error("the gateway at {uri} presented a certificate with sha256 {actual}, but the registry pins {expected}: the provider changed its certificate without updating the registry, or this is not the provider. Refusing to connect")]
    CertificateMismatch {
        uri: String,
        expected: String,
        actual: String,
    },
    #[error("TLS with the gateway at {uri} failed: {reason}")]
    Tls { uri: String, reason: String },
    #[error(
        "the gateway at {uri} did not answer within {secs}s; retry, or check the provider's health"
    )]
    Timeout { uri: String, secs: u64 },
    #[error("HTTP exchange with the gateway at {uri} failed: {reason}")]
    Http { uri: String, reason: String },
    #[error("{}", status_message(*status, message, field.as_deref()))]
    Status {
        status: u16,
        code: String,
        message: String,
        field: Option<String>,
    },
    #[error("the gateway's {what} could not be decoded: {reason}; the provider may run an incompatible version")]
    Decode { what: String, reason: String },
    #[error("this request needs a token: give the client the tenant key (with_key) or a token")]
    NoToken,
    #[error("cannot issue a gateway token: {0}")]
    Token(String),
    #[error("the log stream failed on the provider: {0}")]
    Stream(String),
}

fn status_message(status: u16, message: &str, field: Option<&str>) -> String {
    let field = field.map(|f| format!(" (field {f})")).unwrap_or_default();
    let hint = match status {
        401 => "; the provider refused the token: check this machine's clock and retry (tokens live a few minutes)",
        403 => "; only the deployment's owner may do this: use the key that created the deployment",
        404 => "; check --dseq/--gseq/--oseq and that this provider holds the lease (`kumo lease list`)",
        413 => "; the manifest is larger than the provider accepts",
        422 => "; fix the SDL so that it matches the deployment created on chain",
        429 | 503 => "; the provider is busy or its chain/Docker connection is down: retry later",
        504 => "; the provider took too long: retry later",
        _ => "",
    };
    format!("gateway answered {status}: {message}{field}{hint}")
}

#[derive(Clone)]
enum Auth {
    None,
    Token(String),
    Key { key: Arc<KeyPair>, audience: String },
}

/// A client of one provider's gateway.
#[derive(Clone)]
pub struct GatewayClient {
    uri: String,
    authority: String,
    host: String,
    port: u16,
    server_name: ServerName<'static>,
    expected: String,
    connector: TlsConnector,
    auth: Auth,
    timeout: Duration,
    connect_timeout: Duration,
}

impl std::fmt::Debug for GatewayClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayClient")
            .field("uri", &self.uri)
            .field("fingerprint", &self.expected)
            .finish_non_exhaustive()
    }
}

impl GatewayClient {
    /// A client of the gateway at `host_uri` (`https://host[:port]`, port 443 by default) that
    /// trusts only the certificate with sha256 `tls_cert_fingerprint` (hex).
    pub fn new(host_uri: &str, tls_cert_fingerprint: &str) -> Result<Self, GatewayClientError> {
        let expected = tls_cert_fingerprint.trim().to_ascii_lowercase();
        let mut pin = [0u8; 32];
        if hex::decode_to_slice(&expected, &mut pin).is_err() {
            return Err(GatewayClientError::InvalidFingerprint {
                fingerprint: tls_cert_fingerprint.to_string(),
            });
        }
        let (host, port) = parse_host_uri(host_uri)?;
        let server_name =
            ServerName::try_from(host.clone()).map_err(|e| GatewayClientError::InvalidHostUri {
                uri: host_uri.to_string(),
                reason: format!("has an invalid host: {e}"),
            })?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = PinnedCertVerifier {
            pin,
            provider: provider.clone(),
        };
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| GatewayClientError::Tls {
                uri: host_uri.to_string(),
                reason: e.to_string(),
            })?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        let authority = if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        Ok(GatewayClient {
            uri: host_uri.trim_end_matches('/').to_string(),
            authority,
            host,
            port,
            server_name,
            expected,
            connector: TlsConnector::from(Arc::new(config)),
            auth: Auth::None,
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
        })
    }

    /// Authenticates requests with a fresh token per request, signed by `key` for the provider
    /// `provider_address`, with every scope and [`jwt::DEFAULT_TTL`]. Gateways refuse a
    /// token's second use, so this is what long-lived clients want.
    pub fn with_key(mut self, key: Arc<KeyPair>, provider_address: impl Into<String>) -> Self {
        self.auth = Auth::Key {
            key,
            audience: provider_address.into(),
        };
        self
    }

    /// Authenticates the next request with `token` (see [`jwt::issue`]); a gateway accepts each
    /// token once.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.auth = Auth::Token(token.into());
        self
    }

    /// How long a request may take until its response is complete (the default is 60 s);
    /// a followed log stream is exempt once it started.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn host_uri(&self) -> &str {
        &self.uri
    }

    /// `GET /status` (no token needed).
    pub async fn provider_status(&self) -> Result<ProviderStatus, GatewayClientError> {
        self.json(Method::GET, "/status".into(), None, false).await
    }

    /// `PUT /deployment/{dseq}/manifest` with the manifest's JSON (e.g. `Sdl::manifest_json()`).
    pub async fn send_manifest(
        &self,
        dseq: u64,
        manifest_json: impl Into<Bytes>,
    ) -> Result<ManifestAccepted, GatewayClientError> {
        self.json(
            Method::PUT,
            format!("/deployment/{dseq}/manifest"),
            Some(manifest_json.into()),
            true,
        )
        .await
    }

    /// `GET /lease/{dseq}/{gseq}/{oseq}/status`.
    pub async fn lease_status(
        &self,
        dseq: u64,
        gseq: u32,
        oseq: u32,
    ) -> Result<LeaseStatus, GatewayClientError> {
        self.json(
            Method::GET,
            format!("/lease/{dseq}/{gseq}/{oseq}/status"),
            None,
            true,
        )
        .await
    }

    /// `GET /lease/{dseq}/{gseq}/{oseq}/logs`: the lines as they come. With `query.follow`
    /// the stream lasts until the containers stop or it is dropped.
    pub async fn lease_logs(
        &self,
        dseq: u64,
        gseq: u32,
        oseq: u32,
        query: &LogsQuery,
    ) -> Result<BoxStream<'static, Result<LogLine, GatewayClientError>>, GatewayClientError> {
        let mut path = format!("/lease/{dseq}/{gseq}/{oseq}/logs?follow={}", query.follow);
        if let Some(tail) = query.tail {
            path.push_str(&format!("&tail={tail}"));
        }
        if let Some(service) = &query.service {
            path.push_str("&service=");
            path.push_str(&percent_encode(service));
        }
        let response = self
            .with_deadline(self.request(Method::GET, path, None, true))
            .await?;
        let response = self.check_status(response).await?;
        Ok(log_lines(response.into_body(), self.uri.clone()))
    }

    async fn json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: String,
        body: Option<Bytes>,
        auth: bool,
    ) -> Result<T, GatewayClientError> {
        let what = path.clone();
        let bytes = self
            .with_deadline(async {
                let response = self.request(method, path, body, auth).await?;
                let response = self.check_status(response).await?;
                read_body(response.into_body(), &self.uri).await
            })
            .await?;
        serde_json::from_slice(&bytes).map_err(|e| GatewayClientError::Decode {
            what: format!("answer to {what}"),
            reason: e.to_string(),
        })
    }

    async fn with_deadline<T>(
        &self,
        fut: impl std::future::Future<Output = Result<T, GatewayClientError>>,
    ) -> Result<T, GatewayClientError> {
        tokio::time::timeout(self.timeout, fut)
            .await
            .unwrap_or_else(|_| {
                Err(GatewayClientError::Timeout {
                    uri: self.uri.clone(),
                    secs: self.timeout.as_secs(),
                })
            })
    }

    async fn request(
        &self,
        method: Method,
        path: String,
        body: Option<Bytes>,
        auth: bool,
    ) -> Result<Response<Incoming>, GatewayClientError> {
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header(HOST, &self.authority)
            .header("user-agent", concat!("kumo/", env!("CARGO_PKG_VERSION")));
        if auth {
            let token = match &self.auth {
                Auth::None => return Err(GatewayClientError::NoToken),
                Auth::Token(t) => t.clone(),
                Auth::Key { key, audience } => {
                    jwt::issue(key, audience, &scope::ALL, jwt::DEFAULT_TTL)
                        .map_err(|e| GatewayClientError::Token(e.to_string()))?
                }
            };
            let value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
                GatewayClientError::Http {
                    uri: self.uri.clone(),
                    reason: "the token is not a valid header value".into(),
                }
            })?;
            builder = builder.header(AUTHORIZATION, value);
        }
        if body.is_some() {
            builder = builder.header(CONTENT_TYPE, "application/json");
        }
        let request = builder
            .body(Full::new(body.unwrap_or_default()))
            .map_err(|e| GatewayClientError::Http {
                uri: self.uri.clone(),
                reason: e.to_string(),
            })?;

        let tcp = tokio::time::timeout(
            self.connect_timeout,
            TcpStream::connect((self.host.as_str(), self.port)),
        )
        .await
        .map_err(|_| GatewayClientError::Connect {
            uri: self.uri.clone(),
            reason: format!("no connection within {}s", self.connect_timeout.as_secs()),
        })?
        .map_err(|e| GatewayClientError::Connect {
            uri: self.uri.clone(),
            reason: e.to_string(),
        })?;
        let tls = self
            .connector
            .connect(self.server_name.clone(), tcp)
            .await
            .map_err(|e| self.tls_error(e))?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .map_err(|e| GatewayClientError::Http {
                uri: self.uri.clone(),
                reason: e.to_string(),
            })?;
        tokio::spawn(async move {
            // Ends when the response body is consumed or dropped.
            let _ = connection.await;
        });
        sender
            .send_request(request)
            .await
            .map_err(|e| GatewayClientError::Http {
                uri: self.uri.clone(),
                reason: e.to_string(),
            })
    }

    fn tls_error(&self, e: std::io::Error) -> GatewayClientError {
        let rustls_error = e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>());
        if let Some(rustls::Error::InvalidCertificate(rustls::CertificateError::Other(other))) =
            rustls_error
        {
            if let Some(m) = other.0.downcast_ref::<FingerprintMismatch>() {
                return GatewayClientError::CertificateMismatch {
                    uri: self.uri.clone(),
                    expected: self.expected.clone(),
                    actual: m.actual.clone(),
                };
            }
        }
        GatewayClientError::Tls {
            uri: self.uri.clone(),
            reason: e.to_string(),
        }
    }

    async fn check_status(
        &self,
        response: Response<Incoming>,
    ) -> Result<Response<Incoming>, GatewayClientError> {
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let body = read_body(response.into_body(), &self.uri)
            .await
            .unwrap_or_default();
        Err(status_error(status, &body))
    }
}

fn status_error(status: StatusCode, body: &[u8]) -> GatewayClientError {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(e) => GatewayClientError::Status {
            status: status.as_u16(),
            code: e.code,
            message: e.error,
            field: e.field,
        },
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            GatewayClientError::Status {
                status: status.as_u16(),
                code: String::new(),
                message: if text.is_empty() {
                    status.canonical_reason().unwrap_or("error").to_string()
                } else {
                    text.chars().take(500).collect()
                },
                field: None,
            }
        }
    }
}

async fn read_body(mut body: Incoming, uri: &str) -> Result<Vec<u8>, GatewayClientError> {
    let mut out = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| GatewayClientError::Http {
            uri: uri.to_string(),
            reason: e.to_string(),
        })?;
        if let Ok(data) = frame.into_data() {
            if out.len() + data.len() > MAX_RESPONSE_BYTES {
                return Err(GatewayClientError::Decode {
                    what: "response".into(),
                    reason: format!("larger than {MAX_RESPONSE_BYTES} bytes"),
                });
            }
            out.extend_from_slice(&data);
        }
    }
    Ok(out)
}

/// Splits the newline-delimited JSON body into log lines; a `{"error": ...}` line ends it.
fn log_lines(
    body: Incoming,
    uri: String,
) -> BoxStream<'static, Result<LogLine, GatewayClientError>> {
    struct State {
        body: Incoming,
        buf: Vec<u8>,
        done: bool,
        uri: String,
    }
    fn parse(line: &[u8]) -> Option<Result<LogLine, GatewayClientError>> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            return None;
        }
        Some(match serde_json::from_slice::<LogLine>(line) {
            Ok(l) => Ok(l),
            Err(e) => match serde_json::from_slice::<ErrorBody>(line) {
                Ok(err) => Err(GatewayClientError::Stream(err.error)),
                Err(_) => Err(GatewayClientError::Decode {
                    what: "log line".into(),
                    reason: e.to_string(),
                }),
            },
        })
    }
    let state = State {
        body,
        buf: Vec::new(),
        done: false,
        uri,
    };
    stream::unfold(state, |mut st| async move {
        loop {
            if let Some(pos) = st.buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = st.buf.drain(..=pos).collect();
                if let Some(item) = parse(&line[..line.len() - 1]) {
                    if item.is_err() {
                        st.done = true;
                        st.buf.clear();
                    }
                    return Some((item, st));
                }
                continue;
            }
            if st.done {
                let rest = std::mem::take(&mut st.buf);
                return parse(&rest).map(|item| (item, st));
            }
            if st.buf.len() > MAX_LOG_LINE_BYTES {
                st.done = true;
                st.buf.clear();
                let err = GatewayClientError::Decode {
                    what: "log line".into(),
                    reason: format!("longer than {MAX_LOG_LINE_BYTES} bytes"),
                };
                return Some((Err(err), st));
            }
            match st.body.frame().await {
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        st.buf.extend_from_slice(&data);
                    }
                }
                Some(Err(e)) => {
                    st.done = true;
                    st.buf.clear();
                    let err = GatewayClientError::Http {
                        uri: st.uri.clone(),
                        reason: format!("log stream broke: {e}"),
                    };
                    return Some((Err(err), st));
                }
                None => st.done = true,
            }
        }
    })
    .boxed()
}

/// `https://host[:port]` → (host, port); IPv6 hosts in brackets.
fn parse_host_uri(uri: &str) -> Result<(String, u16), GatewayClientError> {
    let fail = |reason: &str| GatewayClientError::InvalidHostUri {
        uri: uri.to_string(),
        reason: reason.to_string(),
    };
    let rest = uri
        .trim()
        .strip_prefix("https://")
        .ok_or_else(|| fail("is not an https:// URL"))?;
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.is_empty() || authority.contains(['/', '?', '#', '@']) {
        return Err(fail("must be https://host[:port] with no path"));
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, p) = v6
            .split_once(']')
            .ok_or_else(|| fail("has a malformed IPv6 host"))?;
        (h, p.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err(fail("has no host"));
    }
    let port = match port {
        None => 443,
        Some(p) => p.parse().map_err(|_| fail("has an invalid port"))?,
    };
    Ok((host.to_string(), port))
}

fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// lowercase hex sha256 of a DER certificate: what the registry's `tls_cert_fingerprint` holds.
pub fn cert_fingerprint(der: &[u8]) -> String {
    hex::encode(Sha256::digest(der))
}

#[derive(Debug)]
struct FingerprintMismatch {
    actual: String,
}

impl std::fmt::Display for FingerprintMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "certificate sha256 {} is not the pinned one",
            self.actual
        )
    }
}

impl std::error::Error for FingerprintMismatch {}

/// Accepts exactly the end-entity certificate whose DER sha256 is `pin`; the handshake
/// signatures are still checked against that certificate's key.
#[derive(Debug)]
struct PinnedCertVerifier {
    pin: [u8; 32],
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for PinnedCertVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let actual: [u8; 32] = Sha256::digest(end_entity.as_ref()).into();
        // Not secret, but compare without early exit anyway.
        let diff = actual
            .iter()
            .zip(self.pin.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if diff == 0 {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::Other(rustls::OtherError(Arc::new(
                    FingerprintMismatch {
                        actual: hex::encode(actual),
                    },
                ))),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_uris() {
        assert_eq!(
            parse_host_uri("https://p.example.com:8443").unwrap(),
            ("p.example.com".into(), 8443)
        );
        assert_eq!(
            parse_host_uri("https://p.example.com/").unwrap(),
            ("p.example.com".into(), 443)
        );
        assert_eq!(
            parse_host_uri("https://[::1]:9000").unwrap(),
            ("::1".into(), 9000)
        );
        assert_eq!(
            parse_host_uri("https://127.0.0.1:1").unwrap(),
            ("127.0.0.1".into(), 1)
        );
        for bad in [
            "http://p:1",
            "https://",
            "https://p:x",
            "https://p/path",
            "https://u@p",
            "https://[::1",
        ] {
            assert!(parse_host_uri(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fingerprints_are_checked() {
        let fp = "ab".repeat(32);
        assert!(GatewayClient::new("https://127.0.0.1:8443", &fp).is_ok());
        assert!(GatewayClient::new("https://127.0.0.1:8443", &fp.to_uppercase()).is_ok());
        assert!(matches!(
            GatewayClient::new("https://127.0.0.1:8443", "abcd"),
            Err(GatewayClientError::InvalidFingerprint { .. })
        ));
        assert!(matches!(
            GatewayClient::new("http://127.0.0.1:8443", &fp),
            Err(GatewayClientError::InvalidHostUri { .. })
        ));
    }

    #[test]
    fn error_bodies_become_actionable_messages() {
        let e = status_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            br#"{"error":"bad image","code":"invalid_manifest","field":"[0].services[0].image"}"#,
        );
        let text = e.to_string();
        assert!(text.contains("422") && text.contains("bad image"), "{text}");
        assert!(text.contains("[0].services[0].image"), "{text}");
        let e = status_error(StatusCode::UNAUTHORIZED, b"nope");
        assert!(e.to_string().contains("clock"), "{e}");
        let e = status_error(StatusCode::FORBIDDEN, b"");
        assert!(e.to_string().contains("Forbidden"), "{e}");
    }

    #[test]
    fn service_names_are_escaped() {
        assert_eq!(percent_encode("web-1"), "web-1");
        assert_eq!(percent_encode("a b&c"), "a%20b%26c");
    }

    #[tokio::test]
    async fn unreachable_gateway_says_what_to_check() {
        // A port nothing listens on (bound, then dropped).
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let gw =
            GatewayClient::new(&format!("https://127.0.0.1:{port}"), &"ab".repeat(32)).unwrap();
        let err = gw.provider_status().await.unwrap_err();
        assert!(matches!(err, GatewayClientError::Connect { .. }), "{err}");
        assert!(err.to_string().contains("host_uri"), "{err}");
        let err = gw.lease_status(1, 1, 1).await.unwrap_err();
        assert_eq!(err, GatewayClientError::NoToken);
    }
}
