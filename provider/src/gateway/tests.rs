//! The gateway over real TLS on 127.0.0.1, with an in-memory backend, driven by the CLI's
//! gateway client (kumo-client) and by a raw HTTP client for what that client never sends.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use futures::StreamExt;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Bytes, Frame};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use kumo_client::gateway::client::{GatewayClient, GatewayClientError};
use kumo_client::gateway::jwt;
use kumo_client::gateway::types::*;
use kumo_client::keys::{KeyPair, COSMOS_HD_PATH};
use kumo_sdl::Manifest;
use kumo_types::ids::LeaseId;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::*;
use crate::config::{GatewayConfig, TlsFiles};

const PREFIX: &str = "kumo";

struct Keys {
    tenant: Arc<KeyPair>,
    other: Arc<KeyPair>,
    provider: String,
}

static KEYS: LazyLock<Keys> = LazyLock::new(|| {
    let key = |m: &str| Arc::new(KeyPair::from_mnemonic(m, COSMOS_HD_PATH, PREFIX).unwrap());
    Keys {
        tenant: key("test test test test test test test test test test test junk"),
        other: key("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"),
        provider: key("legal winner thank year wave sausage worth useful legal winner thank yellow")
            .address()
            .to_string(),
    }
});

static IDENTITY: LazyLock<TlsIdentity> = LazyLock::new(|| TlsIdentity::self_signed(&[]).unwrap().0);

static SDL: LazyLock<kumo_sdl::Sdl> =
    LazyLock::new(|| kumo_sdl::parse(include_str!("../../../examples/sdl/cpu.yaml")).unwrap());

type LeaseKey = (String, u64, u32, u32);

fn key_of(lease: &LeaseId) -> LeaseKey {
    (lease.owner.to_string(), lease.dseq, lease.gseq, lease.oseq)
}

/// Leases of the tenant: deployment 7 with lease 7/1/1; manifests are checked against the
/// example SDL's hash.
#[derive(Default)]
struct MemoryBackend {
    leases: Mutex<HashMap<LeaseKey, LeaseStatus>>,
    manifests: Mutex<Vec<(String, u64, Manifest)>>,
    logs: Vec<LogLine>,
    follow: Mutex<Option<mpsc::UnboundedReceiver<Result<LogLine, GatewayError>>>>,
    delay: Option<Duration>,
}

impl MemoryBackend {
    fn new() -> Self {
        let tenant = KEYS.tenant.address().to_string();
        let status = LeaseStatus {
            owner: tenant.clone(),
            dseq: 7,
            gseq: 1,
            oseq: 1,
            provider: KEYS.provider.clone(),
            manifest_received: true,
            services: vec![ServiceStatus {
                name: "web".into(),
                replicas: 1,
                containers: vec![ContainerStatus {
                    id: "kumo-7-1-1-web-0".into(),
                    replica: 0,
                    image: "nginx:1.27-alpine".into(),
                    state: "running".into(),
                    exit_code: None,
                    restarts: 2,
                    ports: vec![PortStatus {
                        container_port: 80,
                        host_ip: Some("127.0.0.1".into()),
                        host_port: 32080,
                        proto: "tcp".into(),
                    }],
                    gpu_uuids: vec!["GPU-0".into()],
                    gpu_utilization: Some(55),
                }],
            }],
        };
        let line = |service: &str, n: u32| LogLine {
            service: service.into(),
            replica: 0,
            timestamp: None,
            stream: LogStream::Stdout,
            line: format!("{service} line {n}"),
        };
        MemoryBackend {
            leases: Mutex::new(HashMap::from([((tenant, 7, 1, 1), status)])),
            logs: vec![
                line("web", 1),
                line("db", 1),
                line("web", 2),
                line("web", 3),
            ],
            ..Default::default()
        }
    }

    fn has_deployment(&self, owner: &str, dseq: u64) -> bool {
        self.leases
            .lock()
            .unwrap()
            .keys()
            .any(|k| k.0 == owner && k.1 == dseq)
    }
}

#[async_trait::async_trait]
impl GatewayBackend for MemoryBackend {
    async fn status(&self) -> ProviderStatus {
        ProviderStatus {
            address: KEYS.provider.clone(),
            version: env!("CARGO_PKG_VERSION").into(),
            leases_active: self.leases.lock().unwrap().len() as u32,
            chain_height: Some(42),
            total: ResourceAmounts {
                cpu_millis: 16000,
                memory_bytes: 64 << 30,
                storage_bytes: 500 << 30,
                gpus: 1,
            },
            available: ResourceAmounts {
                cpu_millis: 15500,
                memory_bytes: 63 << 30,
                storage_bytes: 499 << 30,
                gpus: 0,
            },
            gpus: vec![GpuStatus {
                vendor: "nvidia".into(),
                model: "h100".into(),
                ram: Some("80Gi".into()),
                interface: Some("sxm".into()),
                allocated: true,
                utilization: Some(55),
            }],
        }
    }

    async fn submit_manifest(
        &self,
        owner: &str,
        dseq: u64,
        manifest: Manifest,
    ) -> Result<ManifestAccepted, GatewayError> {
        if let Some(d) = self.delay {
            tokio::time::sleep(d).await;
        }
        if !self.has_deployment(owner, dseq) {
            return Err(GatewayError::NotFound(format!(
                "no lease of deployment {owner}/{dseq} here"
            )));
        }
        let actual = hex::encode(manifest.hash());
        let expected = SDL.manifest_hash_hex();
        if actual != expected {
            return Err(GatewayError::HashMismatch { expected, actual });
        }
        self.manifests
            .lock()
            .unwrap()
            .push((owner.to_string(), dseq, manifest));
        Ok(ManifestAccepted {
            owner: owner.into(),
            dseq,
            manifest_hash: actual,
            leases: vec![LeaseRef { gseq: 1, oseq: 1 }],
            message: None,
        })
    }

    async fn lease_status(&self, lease: &LeaseId) -> Result<LeaseStatus, GatewayError> {
        if let Some(d) = self.delay {
            tokio::time::sleep(d).await;
        }
        assert_eq!(lease.provider.as_str(), KEYS.provider);
        self.leases
            .lock()
            .unwrap()
            .get(&key_of(lease))
            .cloned()
            .ok_or_else(|| GatewayError::NotFound(format!("no lease {lease}")))
    }

    async fn lease_logs(
        &self,
        lease: &LeaseId,
        query: LogsQuery,
    ) -> Result<LogLines, GatewayError> {
        if !self.leases.lock().unwrap().contains_key(&key_of(lease)) {
            return Err(GatewayError::NotFound(format!("no lease {lease}")));
        }
        if query.follow {
            let rx = self
                .follow
                .lock()
                .unwrap()
                .take()
                .expect("one follow per test");
            return Ok(futures::stream::unfold(rx, |mut rx| async move {
                rx.recv().await.map(|item| (item, rx))
            })
            .boxed());
        }
        let mut lines: Vec<LogLine> = self
            .logs
            .iter()
            .filter(|l| query.service.as_ref().is_none_or(|s| *s == l.service))
            .cloned()
            .collect();
        if let Some(n) = query.tail {
            lines.drain(..lines.len().saturating_sub(n as usize));
        }
        Ok(futures::stream::iter(lines.into_iter().map(Ok)).boxed())
    }
}

struct Harness {
    addr: SocketAddr,
    backend: Arc<MemoryBackend>,
    metrics: Metrics,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl Harness {
    async fn start() -> Harness {
        Self::start_with(MemoryBackend::new(), |_| {}).await
    }

    async fn start_with(
        backend: MemoryBackend,
        tweak: impl FnOnce(&mut GatewaySettings),
    ) -> Harness {
        let mut settings = GatewaySettings::new(
            "127.0.0.1:0".parse().unwrap(),
            KEYS.provider.clone(),
            PREFIX,
        );
        tweak(&mut settings);
        let backend = Arc::new(backend);
        let metrics = Metrics::new();
        let gateway = Gateway::bind(settings, &IDENTITY, backend.clone(), metrics.clone())
            .await
            .unwrap();
        let addr = gateway.local_addr();
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(gateway.serve(shutdown.clone()));
        Harness {
            addr,
            backend,
            metrics,
            shutdown,
            task,
        }
    }

    fn uri(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// The CLI's client, pinned to the gateway's certificate.
    fn client(&self) -> GatewayClient {
        GatewayClient::new(&self.uri(), &IDENTITY.fingerprint()).unwrap()
    }

    fn tenant(&self) -> GatewayClient {
        self.client()
            .with_key(KEYS.tenant.clone(), KEYS.provider.clone())
    }

    /// A raw request over TLS (no pinning: this is the server under test).
    async fn raw(&self, request: Request<RawBody>) -> (StatusCode, hyper::HeaderMap, Vec<u8>) {
        let tcp = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAny))
        .with_no_client_auth();
        let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(ServerName::try_from("localhost").unwrap(), tcp)
            .await
            .unwrap();
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .unwrap();
        tokio::spawn(conn);
        let response = sender.send_request(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let body = body.collect().await.unwrap().to_bytes().to_vec();
        (parts.status, parts.headers, body)
    }

    async fn get(
        &self,
        path: &str,
        auth: Option<&str>,
    ) -> (StatusCode, hyper::HeaderMap, ErrorBodyOr) {
        let mut b = Request::get(path).header("host", "localhost");
        if let Some(a) = auth {
            b = b.header("authorization", a);
        }
        let (s, h, body) = self.raw(b.body(full(Vec::new())).unwrap()).await;
        (s, h, ErrorBodyOr::from(body))
    }

    async fn put_manifest(
        &self,
        dseq: &str,
        body: RawBody,
        token: &str,
    ) -> (StatusCode, ErrorBodyOr) {
        let request = Request::put(format!("/deployment/{dseq}/manifest"))
            .header("host", "localhost")
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {token}"))
            .body(body)
            .unwrap();
        let (s, _, body) = self.raw(request).await;
        (s, ErrorBodyOr::from(body))
    }
}

type RawBody = http_body_util::combinators::BoxBody<Bytes, std::convert::Infallible>;

fn full(bytes: impl Into<Bytes>) -> RawBody {
    Full::new(bytes.into()).boxed()
}

/// A response body: the error body when it is one, the raw text otherwise.
#[derive(Debug)]
struct ErrorBodyOr {
    error: Option<ErrorBody>,
    text: String,
}

impl From<Vec<u8>> for ErrorBodyOr {
    fn from(body: Vec<u8>) -> Self {
        ErrorBodyOr {
            error: serde_json::from_slice(&body).ok(),
            text: String::from_utf8_lossy(&body).into_owned(),
        }
    }
}

impl ErrorBodyOr {
    fn code(&self) -> &str {
        self.error.as_ref().map_or("", |e| e.code.as_str())
    }
    fn field(&self) -> Option<&str> {
        self.error.as_ref().and_then(|e| e.field.as_deref())
    }
}

#[derive(Debug)]
struct AcceptAny;

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }
    fn verify_tls13_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        rustls::crypto::ring::default_provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

fn token(key: &KeyPair, scopes: &[&str]) -> String {
    jwt::issue(key, &KEYS.provider, scopes, jwt::DEFAULT_TTL).unwrap()
}

/// A token signed by `signer` with arbitrary claims (for forgeries).
fn signed_claims(signer: &KeyPair, claims: serde_json::Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"ES256K","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    let input = format!("{header}.{claims}");
    let sig = signer.signing_key().sign(input.as_bytes()).unwrap();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
}

fn claims_for(key: &KeyPair) -> serde_json::Value {
    let now = jwt::now_unix();
    serde_json::json!({
        "iss": key.address(), "aud": KEYS.provider, "iat": now, "nbf": now, "exp": now + 60,
        "jti": hex::encode(rand_bytes()), "scope": ["status", "logs", "send-manifest"],
        "pub": STANDARD.encode(key.public_key().to_bytes()), "version": "v1",
    })
}

fn rand_bytes() -> [u8; 16] {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(1);
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&N.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    b[8..].copy_from_slice(&std::process::id().to_le_bytes().repeat(2));
    b
}

#[tokio::test]
async fn public_status_and_metrics() {
    let h = Harness::start().await;
    let status = h.client().provider_status().await.unwrap();
    assert_eq!(status.address, KEYS.provider);
    assert_eq!(status.gpus[0].model, "h100");
    h.metrics.bids_placed.inc_by(4);
    h.metrics.gpus_free.set(3);
    let (code, headers, body) = h.get("/metrics", None).await;
    assert_eq!(code, StatusCode::OK);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    for line in [
        "kumo_provider_bids_placed_total 4",
        "kumo_provider_gpus_free 3",
        "kumo_provider_gateway_requests_total{endpoint=\"status\",status=\"200\"} 1",
    ] {
        assert!(
            body.text.lines().any(|l| l == line),
            "{line} not in\n{}",
            body.text
        );
    }
    // Unknown routes answer JSON.
    let (code, _, body) = h.get("/nope", None).await;
    assert_eq!((code, body.code()), (StatusCode::NOT_FOUND, "not_found"));
}

#[tokio::test]
async fn manifest_is_accepted_and_reaches_the_backend() {
    let h = Harness::start().await;
    let accepted = h
        .tenant()
        .send_manifest(7, SDL.manifest_json())
        .await
        .unwrap();
    assert_eq!(accepted.owner, KEYS.tenant.address());
    assert_eq!(accepted.dseq, 7);
    assert_eq!(accepted.manifest_hash, SDL.manifest_hash_hex());
    let stored = h.backend.manifests.lock().unwrap().clone();
    assert_eq!(
        stored,
        vec![(KEYS.tenant.address().to_string(), 7, SDL.manifest.clone())]
    );
    assert_eq!(h.metrics.manifests_accepted.get(), 1);

    // Another tenant has no deployment 7 here.
    let err = h
        .client()
        .with_key(KEYS.other.clone(), KEYS.provider.clone())
        .send_manifest(7, SDL.manifest_json())
        .await
        .unwrap_err();
    assert!(
        matches!(err, GatewayClientError::Status { status: 404, .. }),
        "{err}"
    );
}

#[tokio::test]
async fn lease_status_for_the_owner_only() {
    let h = Harness::start().await;
    let status = h.tenant().lease_status(7, 1, 1).await.unwrap();
    assert_eq!(
        status,
        h.backend.leases.lock().unwrap()[&(KEYS.tenant.address().to_string(), 7, 1, 1)]
    );
    assert!(status.all_running());
    // Another tenant asking for "7/1/1" asks about its own lease 7/1/1, which does not exist.
    let err = h
        .client()
        .with_key(KEYS.other.clone(), KEYS.provider.clone())
        .lease_status(7, 1, 1)
        .await
        .unwrap_err();
    assert!(
        matches!(err, GatewayClientError::Status { status: 404, ref code, .. } if code == "not_found"),
        "{err}"
    );
    let err = h.tenant().lease_status(7, 1, 2).await.unwrap_err();
    assert!(
        matches!(err, GatewayClientError::Status { status: 404, .. }),
        "{err}"
    );
}

#[tokio::test]
async fn every_auth_failure_is_refused() {
    let h = Harness::start().await;
    let path = "/lease/7/1/1/status";
    let tenant = &*KEYS.tenant;
    let now = jwt::now_unix();
    let mut wrong_aud = claims_for(tenant);
    wrong_aud["aud"] = "kumo1someoneelse".into();
    let mut as_tenant = claims_for(&KEYS.other);
    as_tenant["iss"] = tenant.address().into();
    let valid = token(tenant, &scope::ALL);
    let (head, _, sig) = {
        let p: Vec<&str> = valid.split('.').collect();
        (p[0].to_string(), p[1].to_string(), p[2].to_string())
    };
    let mut edited = claims_for(tenant);
    edited["scope"] = serde_json::json!(["status"]);
    let tampered = format!(
        "{head}.{}.{sig}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&edited).unwrap())
    );
    let cases: Vec<(&str, Option<String>, &str)> = vec![
        ("no header", None, "missing Authorization"),
        ("basic auth", Some("Basic dXNlcjpwYXNz".into()), "Bearer"),
        ("empty bearer", Some("Bearer ".into()), "Bearer"),
        ("garbage", Some("Bearer not.a.jwt".into()), "malformed"),
        (
            "expired",
            Some(format!(
                "Bearer {}",
                jwt::issue_at(
                    tenant,
                    &KEYS.provider,
                    &scope::ALL,
                    now - 3600,
                    jwt::DEFAULT_TTL
                )
                .unwrap()
            )),
            "expired",
        ),
        (
            "not yet valid",
            Some(format!(
                "Bearer {}",
                jwt::issue_at(
                    tenant,
                    &KEYS.provider,
                    &scope::ALL,
                    now + 600,
                    jwt::DEFAULT_TTL
                )
                .unwrap()
            )),
            "not valid before",
        ),
        (
            "wrong audience",
            Some(format!("Bearer {}", signed_claims(tenant, wrong_aud))),
            "not this provider",
        ),
        (
            "tampered claims",
            Some(format!("Bearer {tampered}")),
            "bad token signature",
        ),
        (
            "other key claiming the tenant's address",
            Some(format!("Bearer {}", signed_claims(&KEYS.other, as_tenant))),
            "is not the address of its public key",
        ),
    ];
    for (name, auth, needle) in cases {
        let (code, headers, body) = h.get(path, auth.as_deref()).await;
        assert_eq!(code, StatusCode::UNAUTHORIZED, "{name}: {body:?}");
        assert_eq!(body.code(), "unauthorized", "{name}");
        assert!(
            body.text.contains(needle),
            "{name}: {needle:?} not in {}",
            body.text
        );
        assert_eq!(
            headers["www-authenticate"], "Bearer error=\"invalid_token\"",
            "{name}"
        );
    }

    // Replay: the same valid token twice.
    let auth = format!("Bearer {}", token(tenant, &scope::ALL));
    assert_eq!(h.get(path, Some(&auth)).await.0, StatusCode::OK);
    let (code, _, body) = h.get(path, Some(&auth)).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
    assert!(body.text.contains("replay"), "{}", body.text);

    // Valid token without the route's scope: 403.
    let (code, _, body) = h
        .get(path, Some(&format!("Bearer {}", token(tenant, &["logs"]))))
        .await;
    assert_eq!(
        (code, body.code()),
        (StatusCode::FORBIDDEN, "forbidden"),
        "{body:?}"
    );
    assert!(body.text.contains("status"), "{}", body.text);

    // Asking for someone else's leases explicitly: 403.
    let (code, _, body) = h
        .get(
            &format!("{path}?owner={}", KEYS.tenant.address()),
            Some(&format!("Bearer {}", token(&KEYS.other, &scope::ALL))),
        )
        .await;
    assert_eq!(code, StatusCode::FORBIDDEN, "{body:?}");
    // ... and naming oneself is fine.
    let (code, _, _) = h
        .get(
            &format!("{path}?owner={}", KEYS.tenant.address()),
            Some(&format!("Bearer {}", token(tenant, &scope::ALL))),
        )
        .await;
    assert_eq!(code, StatusCode::OK);

    // Logs and manifest routes authenticate too.
    assert_eq!(
        h.get("/lease/7/1/1/logs", None).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (code, body) = h
        .put_manifest("7", full(SDL.manifest_json()), "x.y.z")
        .await;
    assert_eq!(code, StatusCode::UNAUTHORIZED, "{body:?}");
    assert!(h.backend.manifests.lock().unwrap().is_empty());

    let counted = h
        .metrics
        .gateway_requests
        .with_label_values(&["lease_status", "401"])
        .get();
    assert!(counted >= 10, "{counted}");
}

#[tokio::test]
async fn manifest_body_is_size_limited() {
    let h = Harness::start().await;
    let limit = 1024 * 1024;
    // Declared length over the limit (the CLI's client sends Content-Length).
    let err = h
        .tenant()
        .send_manifest(7, vec![b' '; limit + 1])
        .await
        .unwrap_err();
    assert!(
        matches!(err, GatewayClientError::Status { status: 413, .. }),
        "{err}"
    );
    // Chunked, no length: cut off while streaming.
    let chunks = (0..17).map(|_| {
        Ok::<_, std::convert::Infallible>(Frame::data(Bytes::from(vec![b' '; 64 * 1024])))
    });
    let body = BodyExt::boxed(StreamBody::new(futures::stream::iter(chunks)));
    let (code, body) = h
        .put_manifest("7", body, &token(&KEYS.tenant, &scope::ALL))
        .await;
    assert_eq!(
        (code, body.code()),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
        "{body:?}"
    );
    // Just under the limit is read (and then judged as JSON).
    let mut padded = SDL.manifest_json().into_bytes();
    padded.resize(limit, b' ');
    h.tenant().send_manifest(7, padded).await.unwrap();
}

#[tokio::test]
async fn malformed_manifests_name_the_problem() {
    let h = Harness::start().await;
    let put = |body: Vec<u8>| {
        let h = &h;
        async move {
            h.put_manifest("7", full(body), &token(&KEYS.tenant, &scope::ALL))
                .await
        }
    };
    let (code, body) = put(b"{not json".to_vec()).await;
    assert_eq!(
        (code, body.code(), body.field()),
        (StatusCode::BAD_REQUEST, "bad_request", Some("body")),
        "{body:?}"
    );
    let (code, body) = put(Vec::new()).await;
    assert_eq!(
        (code, body.field()),
        (StatusCode::BAD_REQUEST, Some("body")),
        "{body:?}"
    );
    let (code, body) = put(br#"{"services": []}"#.to_vec()).await;
    assert_eq!(
        (code, body.code(), body.field()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_manifest",
            Some("manifest")
        ),
        "{body:?}"
    );
    let (code, body) = put(b"[]".to_vec()).await;
    assert_eq!(
        (code, body.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_manifest"),
        "{body:?}"
    );

    let mut value: serde_json::Value = serde_json::from_str(&SDL.manifest_json()).unwrap();
    value[0]["services"][0]["image"] = 5.into();
    let (code, body) = put(serde_json::to_vec(&value).unwrap()).await;
    assert_eq!(
        (code, body.field()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("[0].services[0].image")
        ),
        "{body:?}"
    );

    let mut value: serde_json::Value = serde_json::from_str(&SDL.manifest_json()).unwrap();
    value[0]["services"][0]["count"] = 3.into();
    let (code, body) = put(serde_json::to_vec(&value).unwrap()).await;
    assert_eq!(
        (code, body.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "hash_mismatch"),
        "{body:?}"
    );
    assert!(
        body.text.contains(&SDL.manifest_hash_hex()),
        "{}",
        body.text
    );

    let (code, body) = h
        .put_manifest(
            "seven",
            full(SDL.manifest_json()),
            &token(&KEYS.tenant, &scope::ALL),
        )
        .await;
    assert_eq!(
        (code, body.field()),
        (StatusCode::BAD_REQUEST, Some("dseq")),
        "{body:?}"
    );

    let request = Request::put("/deployment/7/manifest")
        .header("host", "localhost")
        .header("content-type", "text/yaml")
        .header(
            "authorization",
            format!("Bearer {}", token(&KEYS.tenant, &scope::ALL)),
        )
        .body(full(SDL.manifest_json()))
        .unwrap();
    let (code, _, body) = h.raw(request).await;
    assert_eq!(
        code,
        StatusCode::BAD_REQUEST,
        "{}",
        String::from_utf8_lossy(&body)
    );

    assert!(h.backend.manifests.lock().unwrap().is_empty());
}

#[tokio::test]
async fn bad_paths_and_queries_name_the_field() {
    let h = Harness::start().await;
    let auth = || format!("Bearer {}", token(&KEYS.tenant, &scope::ALL));
    let (code, _, body) = h.get("/lease/7/x/1/status", Some(&auth())).await;
    assert_eq!(
        (code, body.field()),
        (StatusCode::BAD_REQUEST, Some("dseq/gseq/oseq")),
        "{body:?}"
    );
    let (code, _, body) = h.get("/lease/7/1/1/logs?tail=many", Some(&auth())).await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{body:?}");
    assert!(body.text.contains("tail"), "{}", body.text);
    let (code, _, body) = h.get("/lease/7/1/1/logs?colour=red", Some(&auth())).await;
    assert_eq!(
        (code, body.field()),
        (StatusCode::BAD_REQUEST, Some("colour")),
        "{body:?}"
    );
}

#[tokio::test]
async fn logs_tail_and_filter() {
    let h = Harness::start().await;
    let lines: Vec<String> = h
        .tenant()
        .lease_logs(
            7,
            1,
            1,
            &LogsQuery {
                tail: Some(2),
                follow: false,
                service: Some("web".into()),
            },
        )
        .await
        .unwrap()
        .map(|l| l.unwrap().line)
        .collect()
        .await;
    assert_eq!(lines, ["web line 2", "web line 3"]);
    let all = h
        .tenant()
        .lease_logs(7, 1, 1, &LogsQuery::default())
        .await
        .unwrap()
        .collect::<Vec<_>>()
        .await;
    assert_eq!(all.len(), 4);
    let err = h
        .tenant()
        .lease_logs(8, 1, 1, &LogsQuery::default())
        .await
        .err()
        .unwrap();
    assert!(
        matches!(err, GatewayClientError::Status { status: 404, .. }),
        "{err}"
    );
    let (_, headers, _) = h
        .get(
            "/lease/7/1/1/logs",
            Some(&format!("Bearer {}", token(&KEYS.tenant, &scope::ALL))),
        )
        .await;
    assert_eq!(headers["content-type"], "application/x-ndjson");
}

fn log(n: u32) -> LogLine {
    LogLine {
        service: "web".into(),
        replica: 0,
        timestamp: Some(format!("2025-01-01T00:00:0{n}Z")),
        stream: if n.is_multiple_of(2) {
            LogStream::Stderr
        } else {
            LogStream::Stdout
        },
        line: format!("follow {n}"),
    }
}

#[tokio::test]
async fn followed_logs_stream_as_they_come_and_report_failures() {
    let (tx, rx) = mpsc::unbounded_channel();
    let backend = MemoryBackend::new();
    *backend.follow.lock().unwrap() = Some(rx);
    let h = Harness::start_with(backend, |_| {}).await;
    let mut stream = h
        .tenant()
        .lease_logs(
            7,
            1,
            1,
            &LogsQuery {
                tail: None,
                follow: true,
                service: None,
            },
        )
        .await
        .unwrap();
    // Each line arrives while the backend stream is still open.
    for n in 1..=3 {
        tx.send(Ok(log(n))).unwrap();
        let got = tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .expect("line streamed promptly")
            .unwrap()
            .unwrap();
        assert_eq!(got, log(n));
    }
    tx.send(Err(GatewayError::Unavailable("docker went away".into())))
        .unwrap();
    tx.send(Ok(log(9))).unwrap();
    let err = stream.next().await.unwrap().unwrap_err();
    assert!(
        matches!(&err, GatewayClientError::Stream(m) if m.contains("docker went away")),
        "{err}"
    );
    assert!(
        stream.next().await.is_none(),
        "nothing after the error line"
    );
}

#[tokio::test]
async fn shutdown_ends_followed_streams_and_stops_serving() {
    let (tx, rx) = mpsc::unbounded_channel();
    let backend = MemoryBackend::new();
    *backend.follow.lock().unwrap() = Some(rx);
    let h = Harness::start_with(backend, |_| {}).await;
    let mut stream = h
        .tenant()
        .lease_logs(
            7,
            1,
            1,
            &LogsQuery {
                tail: None,
                follow: true,
                service: None,
            },
        )
        .await
        .unwrap();
    tx.send(Ok(log(1))).unwrap();
    assert_eq!(stream.next().await.unwrap().unwrap(), log(1));
    h.shutdown.cancel();
    let rest = tokio::time::timeout(Duration::from_secs(5), stream.collect::<Vec<_>>())
        .await
        .expect("the stream ends on shutdown");
    assert!(rest.iter().all(|r| r.is_ok()), "{rest:?}");
    let client = h.client();
    tokio::time::timeout(Duration::from_secs(5), h.task)
        .await
        .expect("serve returns")
        .unwrap();
    let err = client.provider_status().await.unwrap_err();
    assert!(matches!(err, GatewayClientError::Connect { .. }), "{err}");
    drop(tx);
}

#[tokio::test]
async fn slow_backends_time_out() {
    let backend = MemoryBackend {
        delay: Some(Duration::from_secs(5)),
        ..MemoryBackend::new()
    };
    let h = Harness::start_with(backend, |s| s.request_timeout = Duration::from_millis(200)).await;
    let err = h.tenant().lease_status(7, 1, 1).await.unwrap_err();
    assert!(
        matches!(err, GatewayClientError::Status { status: 504, ref code, .. } if code == "timeout"),
        "{err}"
    );
}

#[tokio::test]
async fn the_client_pins_the_certificate() {
    let h = Harness::start().await;
    let (other, _, _) = TlsIdentity::self_signed(&[]).unwrap();
    let err = GatewayClient::new(&h.uri(), &other.fingerprint())
        .unwrap()
        .provider_status()
        .await
        .unwrap_err();
    match &err {
        GatewayClientError::CertificateMismatch {
            expected, actual, ..
        } => {
            assert_eq!(expected, &other.fingerprint());
            assert_eq!(actual, &IDENTITY.fingerprint());
        }
        e => panic!("expected a certificate mismatch, got {e}"),
    }
    assert!(err.to_string().contains("Refusing"), "{err}");
    // The token never left: nothing was counted for the lease routes.
    let err = GatewayClient::new(&h.uri(), &other.fingerprint())
        .unwrap()
        .with_key(KEYS.tenant.clone(), KEYS.provider.clone())
        .lease_status(7, 1, 1)
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        GatewayClientError::CertificateMismatch { .. }
    ));
    assert_eq!(
        h.metrics
            .gateway_requests
            .with_label_values(&["lease_status", "200"])
            .get(),
        0
    );
    // A client that pins the right certificate connects whatever name the URI uses.
    let by_name = format!("https://localhost:{}", h.addr.port());
    GatewayClient::new(&by_name, &IDENTITY.fingerprint())
        .unwrap()
        .provider_status()
        .await
        .unwrap();
}

#[test]
fn self_signed_certificate_is_persisted_and_reused() {
    let dir = tempfile::tempdir().unwrap();
    let config = GatewayConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        tls: None,
    };
    let hosts = vec!["provider.example.com".to_string()];
    let first = TlsIdentity::load_or_generate(&config, dir.path(), &hosts).unwrap();
    assert!(matches!(
        first.source,
        tls::IdentitySource::Generated { .. }
    ));
    let cert_path = dir.path().join("gateway/tls-cert.pem");
    let key_path = dir.path().join("gateway/tls-key.pem");
    assert!(cert_path.exists() && key_path.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "key readable by others: {mode:o}");
    }
    let again = TlsIdentity::load_or_generate(&config, dir.path(), &hosts).unwrap();
    assert!(matches!(again.source, tls::IdentitySource::Reused { .. }));
    assert_eq!(first.fingerprint(), again.fingerprint());
    assert_eq!(first.fingerprint().len(), 64);
    assert_eq!(
        first.fingerprint(),
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(first.cert_der()))
    );

    // The same files as configured PEM files give the same identity.
    let configured = GatewayConfig {
        listen: config.listen,
        tls: Some(TlsFiles {
            cert: cert_path.clone(),
            key: key_path.clone(),
        }),
    };
    let other_dir = tempfile::tempdir().unwrap();
    let loaded = TlsIdentity::load_or_generate(&configured, other_dir.path(), &[]).unwrap();
    assert_eq!(loaded.fingerprint(), first.fingerprint());
    assert!(!other_dir.path().join("gateway").exists());

    // Half a pair is refused, not silently replaced (the fingerprint is in the registry).
    std::fs::remove_file(&key_path).unwrap();
    let err = TlsIdentity::load_or_generate(&config, dir.path(), &hosts).unwrap_err();
    assert!(matches!(err, TlsError::HalfPresent { .. }), "{err}");
    // Garbage is refused naming the file.
    std::fs::write(&key_path, "not a key").unwrap();
    let err = TlsIdentity::load_or_generate(&config, dir.path(), &hosts).unwrap_err();
    assert!(err.to_string().contains("tls-key.pem"), "{err}");
    // A key that does not match the certificate.
    let (_, _, other_key) = TlsIdentity::self_signed(&[]).unwrap();
    std::fs::write(&key_path, other_key).unwrap();
    let err = TlsIdentity::load_or_generate(&config, dir.path(), &hosts).unwrap_err();
    assert!(matches!(err, TlsError::Rustls(_)), "{err}");
    // Missing configured files name the config key.
    let missing = GatewayConfig {
        listen: config.listen,
        tls: Some(TlsFiles {
            cert: dir.path().join("nope.pem"),
            key: key_path,
        }),
    };
    let err = TlsIdentity::load_or_generate(&missing, dir.path(), &hosts).unwrap_err();
    assert!(err.to_string().contains("gateway.tls_cert"), "{err}");
}

#[test]
fn hosts_of_uris() {
    assert_eq!(
        tls::host_of_uri("https://p.example.com:8443").as_deref(),
        Some("p.example.com")
    );
    assert_eq!(
        tls::host_of_uri("https://[::1]:8443").as_deref(),
        Some("::1")
    );
    assert_eq!(
        tls::host_of_uri("https://10.0.0.1").as_deref(),
        Some("10.0.0.1")
    );
    assert_eq!(tls::host_of_uri("http://x"), None);
}

#[tokio::test]
async fn binding_a_busy_port_names_the_setting() {
    let h = Harness::start().await;
    let settings = GatewaySettings::new(h.addr, KEYS.provider.clone(), PREFIX);
    let err = Gateway::bind(settings, &IDENTITY, h.backend.clone(), Metrics::new())
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("gateway.listen"), "{err}");
}
