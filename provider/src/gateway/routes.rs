//! The gateway's routes and handlers.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use futures::StreamExt;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use kumo_client::gateway::jwt::{self, VerifiedClaims};
use kumo_client::gateway::types::{scope, ErrorBody, LogsQuery};
use kumo_sdl::Manifest;
use kumo_types::ids::LeaseId;
use serde::Deserialize;
use tokio_util::sync::CancellationToken;
use tracing::{info, info_span, warn, Instrument};

use super::auth::Authenticator;
use super::backend::GatewayBackend;
use super::error::ApiError;
use crate::metrics::{Metrics, TEXT_CONTENT_TYPE};

#[derive(Clone)]
pub(crate) struct AppState {
    pub backend: Arc<dyn GatewayBackend>,
    pub metrics: Metrics,
    pub auth: Arc<Authenticator>,
    pub provider_address: String,
    pub max_manifest_bytes: usize,
    pub request_timeout: Duration,
    pub streams: CancellationToken,
}

pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .route("/status", get(status))
        .route("/metrics", get(metrics))
        .route("/deployment/{dseq}/manifest", put(manifest))
        .route("/lease/{dseq}/{gseq}/{oseq}/status", get(lease_status))
        .route("/lease/{dseq}/{gseq}/{oseq}/logs", get(lease_logs))
        .fallback(not_found)
        .with_state(state)
}

impl AppState {
    fn count(&self, endpoint: &str, response: Response) -> Response {
        self.metrics
            .gateway_requests
            .with_label_values(&[endpoint, response.status().as_str()])
            .inc();
        response
    }

    /// Runs `fut` within the request timeout.
    async fn timed<T>(
        &self,
        fut: impl Future<Output = Result<T, ApiError>>,
    ) -> Result<T, ApiError> {
        tokio::time::timeout(self.request_timeout, fut)
            .await
            .unwrap_or_else(|_| Err(ApiError::timeout(self.request_timeout.as_secs())))
    }

    fn authenticate(
        &self,
        headers: &HeaderMap,
        scope: &str,
        owner: Option<&str>,
    ) -> Result<VerifiedClaims, ApiError> {
        let claims = self.auth.authenticate(headers, scope, jwt::now_unix())?;
        if let Some(owner) = owner {
            if owner != claims.address {
                return Err(ApiError::forbidden(format!(
                    "{owner}'s leases are served only to {owner}; this token is {}'s",
                    claims.address
                )));
            }
        }
        Ok(claims)
    }

    fn lease_id(&self, owner: &str, (dseq, gseq, oseq): (u64, u32, u32)) -> LeaseId {
        LeaseId {
            owner: cosmwasm_std::Addr::unchecked(owner),
            dseq,
            gseq,
            oseq,
            provider: cosmwasm_std::Addr::unchecked(&self.provider_address),
        }
    }
}

fn result_response<T: serde::Serialize>(result: Result<T, ApiError>) -> Response {
    match result {
        Ok(value) => Json(value).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn not_found() -> Response {
    ApiError::not_found("no such route; see the kumo-provider gateway routes").into_response()
}

async fn status(State(state): State<AppState>) -> Response {
    let result = state
        .timed(async { Ok(state.backend.status().await) })
        .await;
    state.count("status", result_response(result))
}

async fn metrics(State(state): State<AppState>) -> Response {
    let response = (
        [(CONTENT_TYPE, HeaderValue::from_static(TEXT_CONTENT_TYPE))],
        state.metrics.encode(),
    )
        .into_response();
    state.count("metrics", response)
}

/// `?owner=` on any authenticated route.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OwnerParam {
    owner: Option<String>,
}

fn path_error(rejection: PathRejection, fields: &str) -> ApiError {
    ApiError::bad_request(
        Some(fields),
        format!(
            "{fields} must be unsigned integers: {}",
            rejection.body_text()
        ),
    )
}

fn query_error(rejection: QueryRejection) -> ApiError {
    let text = rejection.body_text();
    // serde_urlencoded names the field: "unknown field `x`" / "tail: invalid digit".
    let field = text.split('`').nth(1).map(str::to_string).or_else(|| {
        text.rsplit(": ")
            .nth(1)
            .map(|s| s.rsplit(' ').next().unwrap_or(s).to_string())
    });
    let mut e = ApiError::bad_request(None, format!("invalid query: {text}"));
    e.field = field;
    e
}

async fn manifest(
    State(state): State<AppState>,
    dseq: Result<Path<u64>, PathRejection>,
    owner: Result<Query<OwnerParam>, QueryRejection>,
    request: Request,
) -> Response {
    let result = async {
        let Path(dseq) = dseq.map_err(|r| path_error(r, "dseq"))?;
        let Query(owner) = owner.map_err(query_error)?;
        let claims = state.authenticate(
            request.headers(),
            scope::SEND_MANIFEST,
            owner.owner.as_deref(),
        )?;
        let span = info_span!("manifest", owner = %claims.address, dseq);
        async {
            if let Some(ct) = request.headers().get(CONTENT_TYPE) {
                let ok = ct
                    .to_str()
                    .is_ok_and(|v| v.split(';').next().unwrap_or("").trim() == "application/json");
                if !ok {
                    return Err(ApiError::bad_request(
                        Some("content-type"),
                        "the manifest must be sent as application/json",
                    ));
                }
            }
            let body = state
                .timed(read_limited(request.into_body(), state.max_manifest_bytes))
                .await?;
            let manifest = parse_manifest(&body)?;
            let accepted = state
                .timed(async {
                    state
                        .backend
                        .submit_manifest(&claims.address, dseq, manifest)
                        .await
                        .map_err(ApiError::from)
                })
                .await;
            match &accepted {
                Ok(a) => {
                    state.metrics.manifests_accepted.inc();
                    info!(hash = %a.manifest_hash, leases = a.leases.len(), "manifest accepted");
                }
                Err(e) => info!(status = %e.status, error = %e.message, "manifest refused"),
            }
            accepted
        }
        .instrument(span)
        .await
    }
    .await;
    state.count("manifest", result_response(result))
}

/// Reads at most `limit` bytes, refusing larger bodies (by Content-Length up front, or as
/// they stream) with 413.
async fn read_limited(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    let declared = axum::body::HttpBody::size_hint(&body).exact();
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::too_large(limit));
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(ApiError::too_large(limit)),
        Err(e) => Err(ApiError::bad_request(
            None,
            format!("cannot read the request body: {e}"),
        )),
    }
}

/// The manifest JSON: a syntax error is 400, a wrong shape 422 naming the field.
fn parse_manifest(body: &[u8]) -> Result<Manifest, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            Some("body"),
            "the body is empty; send the manifest JSON",
        ));
    }
    // Syntax first (400), then shape (422 naming the field).
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(Some("body"), format!("the body is not JSON: {e}")))?;
    let manifest: Manifest = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            "manifest".to_string()
        } else {
            path
        };
        ApiError::invalid_manifest(
            field.clone(),
            format!("manifest field {field}: {}", e.into_inner()),
        )
    })?;
    if manifest.0.is_empty() {
        return Err(ApiError::invalid_manifest(
            "manifest",
            "the manifest has no groups",
        ));
    }
    Ok(manifest)
}

async fn lease_status(
    State(state): State<AppState>,
    ids: Result<Path<(u64, u32, u32)>, PathRejection>,
    owner: Result<Query<OwnerParam>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let Path(ids) = ids.map_err(|r| path_error(r, "dseq/gseq/oseq"))?;
        let Query(owner) = owner.map_err(query_error)?;
        let claims = state.authenticate(&headers, scope::STATUS, owner.owner.as_deref())?;
        let lease = state.lease_id(&claims.address, ids);
        let span = info_span!("lease_status", lease = %lease);
        state
            .timed(async {
                state
                    .backend
                    .lease_status(&lease)
                    .await
                    .map_err(ApiError::from)
            })
            .instrument(span)
            .await
    }
    .await;
    state.count("lease_status", result_response(result))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LogsParams {
    tail: Option<u64>,
    #[serde(default)]
    follow: bool,
    service: Option<String>,
    owner: Option<String>,
}

async fn lease_logs(
    State(state): State<AppState>,
    ids: Result<Path<(u64, u32, u32)>, PathRejection>,
    params: Result<Query<LogsParams>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let Path(ids) = ids.map_err(|r| path_error(r, "dseq/gseq/oseq"))?;
        let Query(params) = params.map_err(query_error)?;
        let claims = state.authenticate(&headers, scope::LOGS, params.owner.as_deref())?;
        if params
            .service
            .as_deref()
            .is_some_and(|s| s.is_empty() || s.len() > 256)
        {
            return Err(ApiError::bad_request(
                Some("service"),
                "service must be a service name",
            ));
        }
        let lease = state.lease_id(&claims.address, ids);
        let span = info_span!("lease_logs", lease = %lease, follow = params.follow);
        let query = LogsQuery {
            tail: params.tail,
            follow: params.follow,
            service: params.service,
        };
        let lines = state
            .timed(async {
                state
                    .backend
                    .lease_logs(&lease, query)
                    .await
                    .map_err(ApiError::from)
            })
            .instrument(span.clone())
            .await?;
        Ok((lines, span))
    }
    .await;
    let response = match result {
        Ok((lines, span)) => {
            let stop = state.streams.clone();
            // One JSON object per line; a failure becomes a final {"error": ...} line.
            let mut failed = false;
            let body = lines
                .take_until(stop.cancelled_owned())
                .take_while(move |item| {
                    let keep = !failed;
                    failed |= item.is_err();
                    futures::future::ready(keep)
                })
                .map(move |item| {
                    let mut line = match item {
                        Ok(line) => serde_json::to_vec(&line),
                        Err(e) => {
                            let _guard = span.enter();
                            warn!(error = %e, "log stream failed");
                            serde_json::to_vec(&ApiError::from(e).body())
                        }
                    }
                    .unwrap_or_else(|e| {
                        serde_json::to_vec(&ErrorBody {
                            error: e.to_string(),
                            code: "internal".into(),
                            field: None,
                        })
                        .unwrap_or_default()
                    });
                    line.push(b'\n');
                    Ok::<_, std::convert::Infallible>(Bytes::from(line))
                });
            let mut response = Response::new(Body::from_stream(body));
            let headers = response.headers_mut();
            headers.insert(
                CONTENT_TYPE,
                HeaderValue::from_static("application/x-ndjson"),
            );
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.remove(CONTENT_LENGTH);
            *response.status_mut() = StatusCode::OK;
            response
        }
        Err(e) => e.into_response(),
    };
    state.count("lease_logs", response)
}
